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
#[cfg(test)]
mod documented;
mod fault;
mod notes;
mod tables;

use std::collections::BTreeMap;

pub use notes::{annex_notes, leaf_notes};

use tera::Tera;

use crate::declared::Declared;
use crate::error::Result;
use crate::facts::FactsFile;
use crate::figures::Figures;
use crate::profile::Profile;
use crate::report::{Block, Section};
use crate::scoring::ScoreSheet;
use fault::Fault;

/// Placed before a value that starts with a marker character, so the line
/// reader never mistakes it for structure; removed from the final text.
const GUARD: char = '\u{E000}';

/// A profile's templates, ready to render, with those that cannot be used
/// left out and remembered, so that one broken template fails only what
/// uses it and `--section` can preview the others.
pub struct Engine {
    tera: Tera,
    /// By template name: why each template left out cannot be used.
    broken: BTreeMap<String, Fault>,
}

/// Builds the tera engine for a profile's templates: all together, so that
/// includes and components between them resolve. A template that does not
/// parse, or that the set refuses (an unknown filter, an include of a
/// missing or broken template), is left out and the rest built again.
pub fn engine(profile: &Profile) -> Result<Engine> {
    let mut broken = BTreeMap::new();
    // Each parsed alone first: a syntax error is the template's own, while
    // an include or component it names may only resolve among the others.
    let mut usable: Vec<&(String, String)> = profile
        .templates
        .iter()
        .filter(
            |(name, source)| match configured().add_raw_template(name, source) {
                Err(err) if matches!(err.kind(), tera::ErrorKind::SyntaxError(_)) => {
                    broken.insert(name.clone(), Fault::from_tera(&err, name, None));
                    false
                }
                _ => true,
            },
        )
        .collect();
    loop {
        let mut tera = configured();
        let added = tera.add_raw_templates(usable.iter().map(|(n, s)| (n.as_str(), s.as_str())));
        let Err(err) = added else {
            return Ok(Engine { tera, broken });
        };
        let mut fault = Fault::from_tera(&err, "", None);
        // Left out for including a broken template: the fix is in that one.
        if let Some((name, cause)) = broken
            .iter()
            .find(|(name, _)| fault.message.contains(&format!("引用的模板 {name} ")))
        {
            fault.message.push_str(&cause.within(name));
        }
        // Tera names no template for some errors (two components of one
        // name): then no template can be trusted.
        let Some(at) = usable.iter().position(|(n, _)| *n == fault.template) else {
            return Err(fault.into_error(profile));
        };
        usable.remove(at);
        broken.insert(fault.template.clone(), fault);
    }
}

/// A tera instance set up as every template expects.
fn configured() -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on([".tera"]);
    tera.set_escape_fn(escape_value);
    tera
}

impl Engine {
    fn render(
        &self,
        template: &str,
        context: &tera::Context,
        figures: &Figures,
    ) -> Result<String, Fault> {
        if let Some(fault) = self.broken.get(template) {
            return Err(fault.clone());
        }
        self.tera
            .render(template, context)
            .map_err(|err| Fault::from_tera(&err, template, Some(figures)))
    }
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

/// What the narrative is written from: the earlier stages' outputs. The
/// templates read them through the context, `::table` lines through the
/// table builders.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub profile: &'a Profile,
    pub facts: &'a FactsFile,
    pub figures: &'a Figures,
    pub sheet: &'a ScoreSheet,
    pub declared: &'a Declared,
}

/// Renders the sections of the profile, or with `only` just that one,
/// numbered as in the whole report, telling `on_template` the template it
/// starts, so a template that runs past a limit can be named.
pub fn sections(
    engine: &Engine,
    inputs: &Inputs,
    only: Option<&str>,
    on_template: &mut dyn FnMut(&str),
) -> Result<Vec<Section>> {
    let Inputs {
        profile,
        facts,
        figures,
        sheet,
        declared,
    } = *inputs;
    let context = context::context(facts, figures, sheet, profile, declared)?;
    let mut numbering = Numbering::default();
    let mut sections = Vec::new();
    for spec in &profile.sections {
        on_template(&spec.template);
        let text = engine.render(&spec.template, &context, figures);
        if only.is_some_and(|id| id != spec.id) {
            // A section before the previewed one is rendered only so the
            // preview's headings are numbered as in the whole report (the
            // numbers run on across sections); its own errors are for `gen`
            // to report, a preview being how one works on a section while
            // another is broken. A broken one's headings are counted in its
            // source, which is exact unless it prints headings in a loop or
            // under a condition.
            let text = text.unwrap_or_else(|_| source(profile, &spec.template).to_owned());
            for line in text.lines() {
                if let Some((level, _)) = heading(line) {
                    numbering.next(level);
                }
            }
            continue;
        }
        let text = text.map_err(|fault| fault.into_error(profile))?;
        sections.push(Section {
            id: spec.id.clone(),
            blocks: parse(&text, &mut numbering, inputs)?,
        });
        // The sections after the previewed one cannot change it.
        if only.is_some() {
            break;
        }
    }
    Ok(sections)
}

/// A template's source, by name; empty for a name the profile lacks.
fn source<'a>(profile: &'a Profile, template: &str) -> &'a str {
    profile
        .templates
        .iter()
        .find(|(name, _)| name == template)
        .map_or("", |(_, source)| source.as_str())
}

/// A heading line's level (1–4) and title.
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|c| *c == '=').count();
    ((1..=4).contains(&level) && line[level..].starts_with(' '))
        .then(|| (level, line[level..].trim()))
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

/// What the unit wrote, as a clause a template continues: trimmed, without
/// its final 。.
fn clause(text: &str) -> &str {
    text.trim().trim_end_matches('。')
}

/// [`clause`] of a text the unit may leave out; none when blank.
fn given_clause(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(clause).filter(|t| !t.is_empty())
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

fn parse(text: &str, numbering: &mut Numbering, inputs: &Inputs) -> Result<Vec<Block>> {
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
        if let Some((level, title)) = heading(line) {
            flush(&mut para, &mut blocks);
            let title = title.replace(GUARD, "");
            blocks.push(Block::Heading {
                level: level as u8,
                text: format!("{}{title}", numbering.next(level)),
            });
        } else if let Some(name) = line.strip_prefix("::table ") {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Table(inputs.build(name.trim())?));
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
    fn a_broken_template_leaves_out_only_itself_and_what_includes_it() {
        let mut profile = Profile::builtin("hunan-2024").unwrap();
        profile.templates.extend([
            ("sections/broken.tera".to_owned(), "{{ x + }}".to_owned()),
            (
                "sections/includer.tera".to_owned(),
                "前\n{% include \"sections/broken.tera\" %}".to_owned(),
            ),
        ]);
        let engine = engine(&profile).unwrap();
        let broken: Vec<&String> = engine.broken.keys().collect();
        assert_eq!(broken, ["sections/broken.tera", "sections/includer.tera"]);
        let includer = &engine.broken["sections/includer.tera"];
        assert_eq!(includer.at.map(|(line, _)| line), Some(2));
        assert!(includer.message.contains("sections/broken.tera 第 1 行"));
        assert!(
            engine
                .tera
                .get_template_names()
                .any(|n| n == "sections/overview.tera")
        );
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
