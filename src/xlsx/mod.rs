//! Facts in an Excel workbook, and the batch summary as one. A workbook is
//! read into the same TOML the facts loader reads (`read`), so it passes
//! the very same validation; a [`CellMap`] remembers which cell each value
//! came from, so messages name `资金!B3` instead of a line of TOML nobody
//! wrote. `layout` says where every field sits, for the reader and the
//! writer (`write`) alike.

pub mod cell;
pub mod layout;
pub mod read;
pub mod write;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::ops::Range;
use std::path::Path;

pub use read::read;

use crate::error::{Error, Result};
use crate::facts::FactsFile;
use crate::pipeline;
use crate::profile::Profile;

/// A cell named in messages: `资金!B3` and what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRef {
    pub name: String,
    pub shown: String,
}

/// Where each value of the TOML made from a workbook came from: by byte
/// range of the TOML text (for errors located by offset) and by dotted
/// field path (for errors that name only the field).
#[derive(Debug, Clone, Default)]
pub struct CellMap {
    spans: Vec<(Range<usize>, CellRef)>,
    fields: BTreeMap<String, CellRef>,
}

impl CellMap {
    /// The cell of the innermost value around `offset`, else of the last
    /// value before it.
    pub fn at_offset(&self, offset: usize) -> Option<&CellRef> {
        let around = self
            .spans
            .iter()
            .filter(|(span, _)| span.contains(&offset))
            .min_by_key(|(span, _)| span.len());
        around
            .or_else(|| {
                self.spans
                    .iter()
                    .filter(|(span, _)| span.start <= offset)
                    .max_by_key(|(span, _)| span.start)
            })
            .map(|(_, cell)| cell)
    }

    /// The cell of `field` (`money.basic.public.actual`), or of the
    /// nearest table around it that has one.
    pub fn of_field(&self, field: &str) -> Option<&CellRef> {
        let mut field = field;
        loop {
            if let Some(cell) = self.fields.get(field) {
                return Some(cell);
            }
            let cut = field.rfind(['.', '['])?;
            field = &field[..cut];
        }
    }
}

/// `zpbg convert`: the facts at `input` written to `output` in the other
/// format, as the extensions say. The facts are loaded, and so validated,
/// first; a workbook is laid out for `profile` (or the facts' own), whose
/// indicator ids, text blocks and tables its dropdowns and sheets offer.
pub fn convert(input: &Path, output: &Path, profile: Option<&str>) -> Result<()> {
    let wrong = |message: &str| Error::Workbook {
        path: output.to_path_buf(),
        message: message.into(),
    };
    let to_toml = output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if !to_toml && !is_workbook(output) {
        return Err(wrong(
            "输出文件的扩展名应为 .xlsx（工作簿）或 .toml（事实文件）。",
        ));
    }
    if to_toml != is_workbook(input) {
        return Err(wrong(
            "输入与输出是同一种格式，无需转换；请把 .xlsx 转为 .toml，或反之。",
        ));
    }
    let facts = FactsFile::load(input)?;
    let bytes = if to_toml {
        format!(
            "# 由 zpbg convert 从 {} 转换而来。金额单位为万元，比率单位为 %。\n{}",
            input.file_name().unwrap_or_default().to_string_lossy(),
            facts.text
        )
        .into_bytes()
    } else {
        let profile = Profile::resolve(&pipeline::profile_name(profile, &facts))?;
        write::facts_workbook(&facts.table, &profile).map_err(|m| wrong(&m))?
    };
    save_new(output, &bytes)
}

/// Writes a file that must not exist yet, so no unit's data is replaced.
pub fn save_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)
}

/// Whether `path` names a workbook rather than a TOML file.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(name: &str) -> CellRef {
        CellRef {
            name: name.into(),
            shown: String::new(),
        }
    }

    #[test]
    fn offsets_and_fields_find_their_cells() {
        let map = CellMap {
            spans: vec![(0..100, cell("项目!A2")), (10..20, cell("项目!C2"))],
            fields: [("projects[1]".to_string(), cell("项目!A2"))].into(),
        };
        assert_eq!(map.at_offset(12).unwrap().name, "项目!C2");
        assert_eq!(map.at_offset(50).unwrap().name, "项目!A2");
        assert_eq!(map.at_offset(150).unwrap().name, "项目!C2");
        assert_eq!(map.of_field("projects[1].funds").unwrap().name, "项目!A2");
        assert!(map.of_field("money").is_none());
    }
}
