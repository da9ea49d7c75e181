//! Typst rendering: lays out a finished [`ReportData`] with a profile's
//! template and writes the PDF, entirely in process and in memory.

mod fonts;
pub mod text;
mod world;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use typst::World;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::report::ReportData;

pub use fonts::{FontSet, bundled_files};
use world::ReportWorld;

/// What one PDF is made from.
pub struct RenderInput<'a> {
    /// The profile's template files, keyed by path without a leading slash
    /// ("report.typ", "lib/gongwen.typ"). Nothing else is readable.
    pub files: &'a BTreeMap<String, Vec<u8>>,
    /// The entry file among `files`.
    pub main: &'a str,
    /// Served to the template as `/data.json`.
    pub data: &'a ReportData,
    /// An archival standard to conform to, for bureaus that archive reports.
    pub archive: Option<Archive>,
}

/// PDF/A levels zpbg offers: b ("basic") conformance, version 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archive {
    A2b,
    A3b,
}

/// Why a PDF could not be produced.
#[derive(Debug)]
pub enum RenderError {
    /// `meta.date_iso` is not a `YYYY-MM-DD` date.
    BadDate(String),
    /// A template path that is not a plain relative path inside the profile.
    BadPath(String),
    /// The entry file is not among the profile's files.
    MissingMain(String),
    /// The report data could not be serialized.
    Data(serde_json::Error),
    /// The template failed to compile or lay out.
    Typst(Vec<Diagnostic>),
    /// The laid-out document could not be written as PDF.
    Pdf(Vec<Diagnostic>),
}

/// One Typst error or warning, located in the template when possible.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub message: String,
    /// 「report.typ:12」 when the error points into a file.
    pub location: Option<String>,
    pub hints: Vec<String>,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadDate(date) => write!(f, "报告日期「{date}」不是 YYYY-MM-DD 格式的日期"),
            Self::BadPath(path) => {
                write!(f, "模板文件路径「{path}」无效：须为模板目录内的相对路径")
            }
            Self::MissingMain(path) => write!(f, "模板中没有入口文件「{path}」"),
            Self::Data(err) => write!(f, "报告数据无法序列化：{err}"),
            Self::Typst(diags) => write_diagnostics(f, "模板排版失败", diags),
            Self::Pdf(diags) => write_diagnostics(f, "PDF 生成失败", diags),
        }
    }
}

fn write_diagnostics(f: &mut fmt::Formatter<'_>, what: &str, diags: &[Diagnostic]) -> fmt::Result {
    write!(f, "{what}")?;
    for diag in diags {
        write!(f, "\n  {diag}")?;
    }
    Ok(())
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}：")?;
        }
        write!(f, "{}", self.message)?;
        for hint in &self.hints {
            write!(f, "（提示：{hint}）")?;
        }
        Ok(())
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Data(err) => Some(err),
            _ => None,
        }
    }
}

/// Lays out the report and returns the PDF bytes. The same input gives the
/// same bytes: the PDF's id and date come from the report, not the clock.
pub fn render_pdf(input: &RenderInput) -> Result<Vec<u8>, RenderError> {
    render(input).map(|(pdf, _warnings)| pdf)
}

/// [`render_pdf`] plus Typst's warnings, which tests require to be empty.
fn render(input: &RenderInput) -> Result<(Vec<u8>, Vec<Diagnostic>), RenderError> {
    let meta = &input.data.meta;
    let date = NaiveDate::parse_from_str(&meta.date_iso, "%Y-%m-%d")
        .ok()
        .and_then(|d| Datetime::from_ymd_hms(d.year(), d.month() as u8, d.day() as u8, 0, 0, 0))
        .ok_or_else(|| RenderError::BadDate(meta.date_iso.clone()))?;
    let data = serde_json::to_vec(input.data).map_err(RenderError::Data)?;
    let world = ReportWorld::new(input.files, input.main, data, date)?;

    let compiled = typst::compile(&world);
    let warnings = diagnostics(&world, &compiled.warnings);
    let document = compiled
        .output
        .map_err(|errors| RenderError::Typst(diagnostics(&world, &errors)))?;

    let standards = match input.archive {
        None => PdfStandards::default(),
        Some(level) => {
            let standard = match level {
                Archive::A2b => PdfStandard::A_2b,
                Archive::A3b => PdfStandard::A_3b,
            };
            PdfStandards::new(&[standard]).map_err(|err| {
                RenderError::Pdf(vec![Diagnostic {
                    message: err.message().to_string(),
                    location: None,
                    hints: Vec::new(),
                }])
            })?
        }
    };
    let options = PdfOptions {
        ident: Smart::Custom(format!("zpbg:{}:{}", meta.unit, meta.title)),
        creator: Smart::Custom(Some("zpbg".to_owned())),
        timestamp: Some(Timestamp::new_utc(date)),
        standards,
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|errors| RenderError::Pdf(diagnostics(&world, &errors)))?;
    Ok((pdf, warnings))
}

fn diagnostics(world: &ReportWorld, diags: &[SourceDiagnostic]) -> Vec<Diagnostic> {
    diags
        .iter()
        .map(|diag| Diagnostic {
            message: match diag.severity {
                Severity::Error => diag.message.to_string(),
                Severity::Warning => format!("警告：{}", diag.message),
            },
            location: locate(world, diag),
            hints: diag.hints.iter().map(|hint| hint.v.to_string()).collect(),
        })
        .collect()
}

/// 「path:line」 of a diagnostic, or of the innermost template call that led
/// to it when the error itself sits in Typst's library.
fn locate(world: &ReportWorld, diag: &SourceDiagnostic) -> Option<String> {
    let mut spans = std::iter::once(diag.span).chain(diag.trace.iter().map(|t| t.span.into()));
    spans.find_map(|span| {
        let id = span.id()?;
        let range = world.range(span)?;
        let bytes = world.file(id).ok()?;
        let line = bytes
            .get(..range.start)?
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Some(format!("{}:{line}", id.vpath().get_without_slash()))
    })
}

#[cfg(test)]
mod tests;
