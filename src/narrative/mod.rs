//! Narrative: fills the profile's tera section templates from the facts, the
//! derived figures and the score sheet, and reads the result as a small
//! line-oriented markup:
//!
//! - `= 标题` … `==== 标题`: headings of levels 1–4, numbered here
//!   (一、 （一） 1. （1）) so the text and the PDF agree;
//! - `::table first_level`: a table built from the score sheet;
//! - blank lines separate paragraphs; lines of one paragraph are joined.
//!
//! Values inserted with `{{ }}` can never become markup: line breaks in them
//! are removed, and a value that would start a line with a marker is guarded.
//!
//! What templates can read is in `context`; the `::table` builders in `tables`.

mod context;
mod notes;
mod tables;

pub use notes::annex_notes;

use tera::Tera;

use crate::error::{Error, Result};
use crate::facts::FactsFile;
use crate::figures::Figures;
use crate::framework::Framework;
use crate::profile::Profile;
use crate::report::{Block, Section};
use crate::scoring::ScoreSheet;
use tables::Tables;

/// Placed before a value that starts with a marker character, so the line
/// reader never mistakes it for structure; removed from the final text.
const GUARD: char = '\u{E000}';

/// Builds the tera engine for a profile's section templates.
pub fn engine(profile: &Profile) -> Result<Tera> {
    let mut tera = Tera::new();
    tera.autoescape_on([".tera"]);
    tera.set_escape_fn(escape_value);
    // Added together so that imports and includes between them resolve.
    tera.add_raw_templates(
        profile
            .templates
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str())),
    )
    .map_err(|err| Error::Template {
        profile: profile.id.clone(),
        template: profile
            .templates
            .iter()
            .map(|(n, _)| n.as_str())
            .find(|n| err.to_string().contains(n))
            .unwrap_or("")
            .to_string(),
        message: tera_message(&err),
    })?;
    Ok(tera)
}

fn escape_value(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let flat: String = input
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("")
        .replace(GUARD, "");
    if flat.starts_with(['=', ':']) {
        write!(out, "{GUARD}")?;
    }
    out.write_all(flat.as_bytes())
}

fn tera_message(err: &tera::Error) -> String {
    use std::error::Error as _;
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        message.push('：');
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// Renders every section of the profile, numbered as in the whole report,
/// telling `on_template` the template it starts, so a template that runs
/// past a limit can be named.
pub fn sections(
    profile: &Profile,
    tera: &Tera,
    facts: &FactsFile,
    figures: &Figures,
    framework: &Framework,
    sheet: &ScoreSheet,
    on_template: &mut dyn FnMut(&str),
) -> Result<Vec<Section>> {
    let context = context::context(facts, figures, framework, sheet, profile.money_grouping);
    let tables = Tables {
        sheet,
        facts,
        figures,
        profile,
    };
    let mut numbering = Numbering::default();
    profile
        .sections
        .iter()
        .map(|spec| {
            on_template(&spec.template);
            let text = tera
                .render(&spec.template, &context)
                .map_err(|err| Error::Template {
                    profile: profile.id.clone(),
                    template: spec.template.clone(),
                    message: tera_message(&err),
                })?;
            Ok(Section {
                id: spec.id.clone(),
                blocks: parse(&text, &mut numbering, &tables)?,
            })
        })
        .collect()
}

#[derive(Default)]
struct Numbering {
    counters: [usize; 4],
}

impl Numbering {
    fn next(&mut self, level: usize) -> String {
        self.counters[level - 1] += 1;
        for deeper in &mut self.counters[level..] {
            *deeper = 0;
        }
        let n = self.counters[level - 1];
        match level {
            1 => format!("{}、", chinese_number(n)),
            2 => format!("（{}）", chinese_number(n)),
            3 => format!("{n}."),
            _ => format!("（{n}）"),
        }
    }
}

/// 1 → 一, 12 → 十二, 20 → 二十, 99 → 九十九.
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            }
        ),
        _ => n.to_string(),
    }
}

fn parse(text: &str, numbering: &mut Numbering, tables: &Tables) -> Result<Vec<Block>> {
    let mut blocks = Vec::new();
    let mut para = String::new();
    let flush = |para: &mut String, blocks: &mut Vec<Block>| {
        let text = para.replace(GUARD, "");
        if !text.trim().is_empty() {
            blocks.push(Block::Para {
                text: text.trim().to_string(),
            });
        }
        para.clear();
    };
    for line in text.lines() {
        let trimmed = line.trim();
        let level = line.chars().take_while(|c| *c == '=').count();
        if (1..=4).contains(&level) && line[level..].starts_with(' ') {
            flush(&mut para, &mut blocks);
            let title = line[level..].trim().replace(GUARD, "");
            blocks.push(Block::Heading {
                level: level as u8,
                text: format!("{}{title}", numbering.next(level)),
            });
        } else if let Some(name) = line.strip_prefix("::table ") {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Table(tables.build(name.trim())?));
        } else if trimmed.is_empty() {
            flush(&mut para, &mut blocks);
        } else {
            para.push_str(trimmed);
        }
    }
    flush(&mut para, &mut blocks);
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        let got: Vec<String> = [1, 9, 10, 11, 12, 20, 21, 99]
            .into_iter()
            .map(chinese_number)
            .collect();
        assert_eq!(
            got,
            ["一", "九", "十", "十一", "十二", "二十", "二十一", "九十九"]
        );
    }

    #[test]
    fn numbering_resets_deeper_levels() {
        let mut n = Numbering::default();
        assert_eq!(n.next(1), "一、");
        assert_eq!(n.next(2), "（一）");
        assert_eq!(n.next(3), "1.");
        assert_eq!(n.next(3), "2.");
        assert_eq!(n.next(4), "（1）");
        assert_eq!(n.next(2), "（二）");
        assert_eq!(n.next(3), "1.");
        assert_eq!(n.next(1), "二、");
        assert_eq!(n.next(2), "（一）");
    }

    #[test]
    fn values_cannot_become_markup() {
        let mut out = Vec::new();
        escape_value("= 假标题\n::table first_level", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(GUARD));
        assert!(!text.contains('\n'));
    }
}
