//! The annex 项目支出绩效自评表: one table per project the facts describe,
//! with its own indicators and a total that is the sum of its rows, read
//! back from the PDF.

use std::path::Path;
use std::process::Command;

use rust_decimal::Decimal;
use zpbg::facts::FactsFile;

use crate::harness::{assert_ok, read, root, scratch, squash, stderr, zpbg};

/// A word `pdftotext -bbox` found on a page: its text and left, right and
/// top edges.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    x0: f64,
    x1: f64,
    y: f64,
}

impl Word {
    fn centre(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }
}

/// Every page's words.
fn pages(pdf: &Path) -> Vec<Vec<Word>> {
    let output = Command::new("pdftotext")
        .args(["-bbox", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(output.status.success());
    let html = String::from_utf8(output.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    html.split("<page ")
        .skip(1)
        .map(|page| {
            page.split("<word ")
                .skip(1)
                .map(|w| {
                    let (tag, rest) = w.split_once('>').unwrap();
                    let text = rest.split_once("</word>").unwrap().0;
                    Word {
                        text: text.replace("&amp;", "&"),
                        x0: attr(tag, "xMin"),
                        x1: attr(tag, "xMax"),
                        y: attr(tag, "yMin"),
                    }
                })
                .collect()
        })
        .collect()
}

/// Every page's text in the order it was laid out (a cell's lines
/// together), squashed.
fn page_texts(pdf: &Path) -> Vec<String> {
    let output = Command::new("pdftotext")
        .args(["-raw", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    text.split_terminator('\u{c}').map(squash).collect()
}

/// The word `text` on the line of the first word `line`, if any.
fn on_line_of<'a>(words: &'a [Word], line: &str, text: &str) -> Option<&'a Word> {
    let anchor = words.iter().find(|w| w.text == line)?;
    words
        .iter()
        .find(|w| w.text == text && (w.y - anchor.y).abs() < 2.0)
}

/// The numbers printed in the column under `head`, between the heights
/// `from` and `to`.
fn column(words: &[Word], head: &Word, from: f64, to: f64) -> Vec<Decimal> {
    words
        .iter()
        .filter(|w| w.y > from + 2.0 && w.y < to - 2.0)
        .filter(|w| (w.centre() - head.centre()).abs() < 12.0)
        .filter_map(|w| w.text.parse().ok())
        .collect()
}

/// One project's sheet as printed: its text, the 预算执行率 score, the
/// rows' scores and the total.
struct Printed {
    text: String,
    execution: Decimal,
    rows: Vec<Decimal>,
    total: Decimal,
}

/// Reads the sheet of `project` from the pages (`texts` are their texts):
/// from the page naming it to the page with its total.
fn sheet(pages: &[Vec<Word>], texts: &[String], project: &str) -> Printed {
    let first = pages
        .iter()
        .position(|p| on_line_of(p, "项目支出名称", project).is_some())
        .unwrap_or_else(|| panic!("no sheet for {project}"));
    let opening = &pages[first];
    let money_head = on_line_of(opening, "年初预算", "得分").expect("money head");
    let amounts = on_line_of(opening, "年度资金总额", "年度资金总额").unwrap();
    let execution = column(opening, money_head, amounts.y - 4.0, amounts.y + 4.0);
    assert_eq!(execution.len(), 1, "{execution:?}");

    let (mut text, mut rows) = (String::new(), Vec::new());
    for (page, page_text) in pages[first..].iter().zip(&texts[first..]) {
        text.push_str(page_text);
        let head = on_line_of(page, "一级指标", "得分").expect("indicator head");
        let total = page.iter().find(|w| w.text.starts_with("总分"));
        let end = total.map_or(f64::MAX, |t| t.y - 4.0);
        rows.extend(column(page, head, head.y, end));
        if let Some(t) = total {
            let total = column(page, head, t.y - 4.0, t.y + 8.0);
            assert_eq!(total.len(), 1, "{total:?}");
            return Printed {
                text,
                execution: execution[0],
                rows,
                total: total[0],
            };
        }
    }
    panic!("the sheet of {project} has no total");
}

#[test]
fn each_project_sheet_shows_its_indicators_and_adds_up() {
    let dir = scratch("example");
    let pdf = dir.join("example.pdf");
    let example = root().join("data/example.toml");
    assert_ok(&zpbg(&[
        "gen",
        example.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
    ]));
    let facts = FactsFile::load(&example).unwrap();
    let pages = pages(&pdf);
    let texts = page_texts(&pdf);
    assert_eq!(pages.len(), texts.len());

    let described: Vec<_> = facts
        .data
        .projects
        .iter()
        .filter(|p| !p.indicators.is_empty())
        .collect();
    assert_eq!(described.len(), 4);
    let mut lost = false;
    for project in &described {
        let printed = sheet(&pages, &texts, &project.name);
        assert!(printed.text.starts_with("附件32025年度项目支出绩效自评表"));
        let own: Vec<String> = project
            .indicators
            .iter()
            .map(|i| squash(&i.get_ref().name))
            .collect();
        for name in &own {
            assert!(
                printed.text.contains(name.as_str()),
                "{}: {name}",
                project.name
            );
        }
        // Another project's indicator that this one lacks is not on its sheet.
        for other in described.iter().flat_map(|p| &p.indicators) {
            let name = squash(&other.get_ref().name);
            if !own.contains(&name) {
                assert!(!printed.text.contains(&name), "{}: {name}", project.name);
            }
        }
        assert!(printed.text.contains("总分（含预算执行率10分）100"));
        assert_eq!(printed.rows.len(), own.len(), "{}", project.name);
        let sum: Decimal = printed.rows.iter().sum();
        assert_eq!(
            printed.total,
            printed.execution + sum,
            "{}: {:?}",
            project.name,
            printed.rows
        );
        lost |= printed.total < Decimal::ONE_HUNDRED;
    }
    assert!(lost, "some project of the example loses points");
}

#[test]
fn project_weights_that_do_not_leave_the_execution_weight_are_refused() {
    let dir = scratch("weights");
    let facts = dir.join("facts.toml");
    let example = read("data/example.toml");
    let first = "name = \"项目支出控制数\"\nweight = 15\n";
    assert!(example.contains(first));
    std::fs::write(
        &facts,
        example.replacen(first, "name = \"项目支出控制数\"\nweight = 10\n", 1),
    )
    .unwrap();
    // The first project's first indicator, from 1.
    let line = 1 + example
        .lines()
        .position(|l| l == "[[projects.indicators]]")
        .unwrap();
    let out = zpbg(&["check", facts.to_str().unwrap()]);
    assert!(!out.status.success());
    let msg = stderr(&out);
    assert!(
        msg.contains("projects[1].indicators.weight")
            && msg.contains("之和为 85，应为 90")
            && msg.contains(&format!("facts.toml:{line}:")),
        "{msg}"
    );
}
