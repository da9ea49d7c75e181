//! The 公文 page of GB/T 9704 on the example's PDF, read back with
//! `pdftotext -bbox-layout`: 版心 156 × 225 mm, 28 characters a line and 22
//! lines a page of body text, nothing outside the 版心 but the page number,
//! and the page number 7 mm below the 版心 at the outer edge — on landscape
//! pages where the turned sheet's footer lies.

use std::process::Command;

use crate::harness::{assert_ok, read, scratch, zpbg};

const MM: f64 = 72.0 / 25.4;
/// Portrait 版心: left, top, right, bottom in points.
const PORTRAIT: [f64; 4] = [28.0 * MM, 37.0 * MM, 184.0 * MM, 262.0 * MM];
/// The same sheet turned: its bottom margin (35 mm) on the left.
const LANDSCAPE: [f64; 4] = [35.0 * MM, 28.0 * MM, 260.0 * MM, 184.0 * MM];
/// 四号, the page number's size and the gap it keeps from the 版心's end.
const SI: f64 = 14.0;
/// pdftotext measures a glyph from the font's ascent; the page number sits
/// by its digits' cap height, this much lower.
const ASCENT_SLACK: f64 = 4.0;

struct Word {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

struct Line {
    words: Vec<Word>,
}

impl Line {
    fn height(&self) -> f64 {
        self.words.first().map_or(0.0, |w| w.y1 - w.y0)
    }
}

struct Page {
    landscape: bool,
    lines: Vec<Line>,
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let start = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

/// Every page's lines and words as `pdftotext -bbox-layout` places them.
fn pages(pdf: &std::path::Path) -> Vec<Page> {
    let out = Command::new("pdftotext")
        .args(["-bbox-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let html = String::from_utf8(out.stdout).unwrap();
    html.split("<page ")
        .skip(1)
        .map(|page| {
            let landscape = attr(page, "width") > attr(page, "height");
            let lines = page
                .split("<line ")
                .skip(1)
                .map(|line| Line {
                    words: line
                        .split("<word ")
                        .skip(1)
                        .map(|w| {
                            let (tag, rest) = w.split_once('>').unwrap();
                            let text = rest.split('<').next().unwrap();
                            Word {
                                x0: attr(tag, "xMin"),
                                y0: attr(tag, "yMin"),
                                x1: attr(tag, "xMax"),
                                y1: attr(tag, "yMax"),
                                text: text.replace("&amp;", "&"),
                            }
                        })
                        .collect(),
                })
                .collect();
            Page { landscape, lines }
        })
        .collect()
}

/// The example with `from` replaced by `to` once, rendered.
fn edited_pages(name: &str, from: &str, to: &str) -> Vec<Page> {
    let dir = scratch(name);
    let pdf = dir.join("r.pdf");
    let facts = dir.join("facts.toml");
    let text = read("data/example.toml");
    assert!(text.contains(from), "「{from}」 not in the example");
    std::fs::write(&facts, text.replacen(from, to, 1)).unwrap();
    assert_ok(&zpbg(&[
        "gen",
        facts.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
    ]));
    pages(&pdf)
}

/// The words of the page number 「— N —」 and N, if the page has one: the
/// words outside the 版心 (below it on portrait pages, left of it on
/// landscape ones).
fn page_number(page: &Page) -> Option<(u32, Vec<&Word>)> {
    let words: Vec<&Word> = page.lines.iter().flat_map(|l| &l.words).collect();
    let outside: Vec<&Word> = words
        .into_iter()
        .filter(|w| {
            if page.landscape {
                w.x1 < LANDSCAPE[0]
            } else {
                w.y0 > PORTRAIT[3]
            }
        })
        .collect();
    let n = outside.iter().find_map(|w| w.text.parse().ok())?;
    Some((n, outside))
}

fn is_punctuation(c: char) -> bool {
    "，。、；：！？（）「」『』“”‘’《》—…·".contains(c)
}

/// Closing punctuation: at a line's end Typst sets it half width, where
/// pdftotext still reports its full advance.
fn ends_in_closing_punctuation(text: &str) -> bool {
    text.ends_with([
        '，', '。', '、', '；', '：', '！', '？', '）', '」', '』', '”', '’', '》',
    ])
}

/// A paragraph of ideographs alone, long enough for a full line.
const IDEOGRAPHS: &str = "本单位将严格按照预算绩效管理要求持续加强项目全过程管理不断提高财政资金使用效益确保各项工作任务按期保质完成并接受社会监督";

#[test]
fn the_example_keeps_to_the_gongwen_page() {
    // The example, with a paragraph of ideographs more in its 公开情况.
    let pages = edited_pages(
        "example",
        "publicity = [",
        &format!("publicity = [\"{IDEOGRAPHS}\", "),
    );
    let mut numbered = 0;
    let mut widest_line = 0;
    let mut fullest_page = 0;
    for (i, page) in pages.iter().enumerate() {
        let at = format!("page {}", i + 1);
        let [left, top, right, bottom] = if page.landscape { LANDSCAPE } else { PORTRAIT };
        let number = page_number(page);
        // Nothing but the page number outside the 版心.
        for word in page.lines.iter().flat_map(|l| &l.words) {
            if number
                .as_ref()
                .is_some_and(|(_, ws)| ws.iter().any(|w| std::ptr::eq(*w, word)))
            {
                continue;
            }
            let slack = if ends_in_closing_punctuation(&word.text) {
                8.5
            } else {
                1.0
            };
            assert!(
                word.x0 >= left - 1.0
                    && word.x1 <= right + slack
                    && word.y0 >= top - 1.0
                    && word.y1 <= bottom + 1.0,
                "{at}: 「{}」 at ({:.1}, {:.1})–({:.1}, {:.1}) is outside the 版心",
                word.text,
                word.x0,
                word.y0,
                word.x1,
                word.y1
            );
        }
        let Some((n, words)) = number else { continue };
        numbered += 1;
        let x0 = words.iter().map(|w| w.x0).fold(f64::MAX, f64::min);
        let x1 = words.iter().map(|w| w.x1).fold(f64::MIN, f64::max);
        let y0 = words.iter().map(|w| w.y0).fold(f64::MAX, f64::min);
        let y1 = words.iter().map(|w| w.y1).fold(f64::MIN, f64::max);
        let near = |a: f64, b: f64, tolerance: f64| (a - b).abs() <= tolerance;
        if page.landscape {
            // The turned footer: 7 mm left of the 版心, one character from
            // its bottom (odd) or top (even) end.
            assert!(
                near(x1, left - 7.0 * MM + ASCENT_SLACK / 2.0, ASCENT_SLACK),
                "{at}: number's edge at {x1:.1}"
            );
            if n % 2 == 1 {
                assert!(
                    near(y1, bottom - SI, 2.0),
                    "{at}: odd number ends at {y1:.1}"
                );
            } else {
                assert!(
                    near(y0, top + SI, 2.0),
                    "{at}: even number starts at {y0:.1}"
                );
            }
        } else {
            assert!(
                near(y0, bottom + 7.0 * MM - ASCENT_SLACK / 2.0, ASCENT_SLACK),
                "{at}: number's top at {y0:.1}"
            );
            // One character in from the outer edge.
            if n % 2 == 1 {
                assert!(
                    near(x1, right - 16.0, 2.0),
                    "{at}: odd number ends at {x1:.1}"
                );
            } else {
                assert!(
                    near(x0, left + 16.0, 2.0),
                    "{at}: even number starts at {x0:.1}"
                );
            }
            // Body text: 三号 lines, the only ones 16 pt tall. pdftotext may
            // cut a printed line where punctuation was set closer: the
            // pieces at one height are one line.
            let mut rows: Vec<(i64, Vec<&Word>)> = Vec::new();
            for line in page
                .lines
                .iter()
                .filter(|l| (l.height() - 16.0).abs() < 0.5)
            {
                let y = line.words[0].y0.round() as i64;
                match rows.iter_mut().find(|(at, _)| (*at - y).abs() <= 1) {
                    Some((_, words)) => words.extend(&line.words),
                    None => rows.push((y, line.words.iter().collect())),
                }
            }
            fullest_page = fullest_page.max(rows.len());
            for (_, mut words) in rows {
                words.sort_by(|a, b| a.x0.total_cmp(&b.x0));
                let text: String = words.iter().map(|w| w.text.as_str()).collect();
                if text.chars().any(|c| c.is_ascii()) {
                    continue;
                }
                // Typst justifies a CJK line by setting its punctuation
                // closer (by at most half a cell each): only a line of
                // ideographs alone shows the bare grid.
                let count = text.chars().count();
                let punctuation = text.chars().filter(|c| is_punctuation(*c)).count();
                assert!(
                    count * 2 <= 56 + punctuation,
                    "{at}: {count} characters in 「{text}」"
                );
                if punctuation == 0 {
                    widest_line = widest_line.max(count);
                }
            }
        }
    }
    assert!(numbered > 20, "only {numbered} numbered pages");
    assert!(pages.iter().any(|p| p.landscape), "no landscape annex page");
    assert_eq!(widest_line, 28, "a full body line holds 28 characters");
    assert_eq!(fullest_page, 22, "a full body page holds 22 lines");
}

#[test]
fn no_title_line_is_one_character_alone() {
    // Unit names whose title line, in 二号 on the 156 mm 版心, runs one
    // character (「局」) or two past a full line.
    for (i, name) in [
        "某某市某某县某某乡人力资源保障局",
        "某某市某某县某某乡镇人力资源保障局",
    ]
    .iter()
    .enumerate()
    {
        let pages = edited_pages(
            &format!("title-{i}"),
            "name = \"示例县人力资源和社会保障局\"",
            &format!("name = \"{name}\""),
        );
        let cover = &pages[0];
        // The title: 二号 lines, 22 pt tall.
        let title: Vec<String> = cover
            .lines
            .iter()
            .filter(|l| (l.height() - 22.0).abs() < 1.0)
            .map(|l| l.words.iter().map(|w| w.text.as_str()).collect())
            .collect();
        assert!(title.len() >= 3, "{name}: title lines {title:?}");
        assert!(
            title.iter().all(|line| line.chars().count() > 1),
            "{name}: a character alone in {title:?}"
        );
    }
}
