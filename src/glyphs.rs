//! Glyph coverage: before typesetting, every character the PDF will show is
//! checked against the fonts the report uses (the bundled ones and the faces
//! chosen for the profile's font roles), so nothing prints as a tofu box. A
//! character from the facts is reported with the field it came from.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::facts::FactsFile;
use crate::render::UsedFonts;
use crate::report::ReportData;

/// Characters that are never drawn (zero-width, direction marks, variation
/// selectors): no font needs a glyph for them.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
            | 0xFE00..=0xFE0F | 0xFEFF | 0xE0000..=0xE007F)
}

/// Answers "can a font draw this?" once per distinct character: a report
/// repeats a few thousand characters tens of thousands of times, and asking
/// the fonts each time cost more than typesetting.
struct Coverage<'a> {
    fonts: &'a UsedFonts<'a>,
    known: HashMap<char, bool>,
}

impl<'a> Coverage<'a> {
    fn new(fonts: &'a UsedFonts<'a>) -> Self {
        Coverage {
            fonts,
            known: HashMap::new(),
        }
    }

    /// The first character of `text` no used font can draw.
    fn first_missing(&mut self, text: &str) -> Option<char> {
        let Coverage { fonts, known } = self;
        text.chars()
            .find(|&c| !invisible(c) && !*known.entry(c).or_insert_with(|| fonts.covers(c)))
    }
}

/// Checks the facts' text fields first (to name the field), then everything
/// else the report will print (template text).
/// `fonts` are those the report is drawn with: a font loaded from disk that
/// no role uses does not count.
pub fn check(facts: &FactsFile, data: &ReportData, fonts: &UsedFonts) -> Result<()> {
    let missing = |field: String, c: char| Error::MissingGlyph {
        file: facts.path.clone(),
        field,
        character: c,
    };
    let mut coverage = Coverage::new(fonts);
    for (field, text) in facts.text_fields() {
        if let Some(c) = coverage.first_missing(&text) {
            return Err(missing(field, c));
        }
    }
    let value = serde_json::to_value(data).expect("report data always serialises");
    let mut strings = Vec::new();
    json_strings(&value, String::new(), &mut strings);
    for (field, text) in strings {
        if let Some(c) = coverage.first_missing(&text) {
            return Err(missing(format!("（模板生成的文字）{field}"), c));
        }
    }
    Ok(())
}

fn json_strings(value: &serde_json::Value, path: String, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) => out.push((path, s.clone())),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                json_strings(item, format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                json_strings(item, format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{ChosenFonts, FontSet};

    #[test]
    fn fallback_fonts_cover_what_fandol_lacks() {
        let used = FontSet::bundled().used(&ChosenFonts::default());
        let mut coverage = Coverage::new(&used);
        assert_eq!(coverage.first_missing("≦⑪⑫㎡²，。“”（）１２３"), None);
        // Zero-width joiners and direction marks need no glyph.
        assert_eq!(coverage.first_missing("a\u{200D}b\u{202E}c\u{FEFF}"), None);
        // Private use: no font draws it, asked or remembered.
        assert_eq!(coverage.first_missing("x\u{E123}"), Some('\u{E123}'));
        assert_eq!(coverage.first_missing("y\u{E123}"), Some('\u{E123}'));
    }

    #[test]
    fn reference_reports_have_no_tofu() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let used = FontSet::bundled().used(&ChosenFonts::default());
            if let Some(c) = Coverage::new(&used).first_missing(&text) {
                panic!(
                    "{}: U+{:04X} 「{c}」 has no glyph",
                    path.display(),
                    c as u32
                );
            }
        }
    }
}
