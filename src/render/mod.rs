//! Typst rendering: lays out a finished [`ReportData`] with a profile's
//! template and writes the PDF, entirely in process and in memory.

mod bundled;
pub mod docx;
mod fonts;
pub mod text;
mod world;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use typst::World;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic, SourceResult, Warned};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::report::ReportData;
use crate::sandbox::{self, Exceeded, Failure, Limits};

pub use fonts::{
    ChosenFonts, DiskFace, FontPathError, FontSet, FontSources, Role, Substitution, UsedFonts,
    bundled_files,
};
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
    /// The fonts to typeset with.
    pub fonts: &'a FontSet,
    /// The family of each role, served as `fonts` in `/data.json`.
    pub chosen: &'a ChosenFonts,
    /// An archival standard to conform to, for bureaus that archive reports.
    pub archive: Option<Archive>,
    /// For a profile that is not built in: lay out in a child process
    /// within these limits, without plugins. `None`: in process, trusted.
    pub limits: Option<&'a Limits>,
}

/// `--ppi` when not given: the typst CLI's default, sharp on a screen.
pub const DEFAULT_PPI: u16 = 144;
/// Most `--ppi` allowed: 600 makes an A4 page of about 5000 × 7000 pixels,
/// 140 MB in memory; more is not a preview.
pub const MAX_PPI: u16 = 600;

/// What a laid-out report is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Export {
    /// One PDF, conforming to [`RenderInput::archive`] when given.
    Pdf,
    /// One PNG per page, at `ppi` pixels per inch.
    Png { ppi: u16 },
    /// One SVG per page.
    Svg,
}

impl Export {
    /// The extension of the files written.
    pub fn extension(self) -> &'static str {
        match self {
            Export::Pdf => "pdf",
            Export::Png { .. } => "png",
            Export::Svg => "svg",
        }
    }
}

/// A laid-out report, written out.
#[derive(Debug)]
pub struct Exported {
    /// How many pages the layout has.
    pub pages: usize,
    /// The PDF, or one picture per page.
    pub files: Vec<Vec<u8>>,
}

/// PDF/A levels zpbg offers: b ("basic") conformance, version 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// A page could not be encoded as PNG.
    Png(String),
    /// A profile that is not built in uses a Typst plugin (WebAssembly),
    /// code zpbg cannot limit; `at` is the file, or 「file:line」.
    Plugin { at: String },
    /// Laying out in a child process failed or went past a limit.
    Sandboxed(Failure),
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
            Self::Png(err) => write!(f, "页面无法编码为 PNG 图片：{err}"),
            Self::Plugin { at } => write!(
                f,
                "{at} 使用了 Typst 插件（WebAssembly）。自定义模板配置不能使用插件，请删去。"
            ),
            Self::Sandboxed(failure) => write!(f, "{failure}"),
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
    Live::default()
        .export(input, Export::Pdf)
        .map(|exported| exported.files.concat())
}

/// [`render_pdf`] in process plus Typst's warnings, which tests require to
/// be empty.
#[cfg(test)]
fn render(input: &RenderInput) -> Result<(Vec<u8>, Vec<Diagnostic>), RenderError> {
    let (exported, warnings) = Typeset::of(input, Export::Pdf)?.run(None)?;
    Ok((exported.files.concat(), warnings))
}

/// Layout that lives from one round to the next, for `zpbg watch`: one
/// world that serves unchanged files as before, so Typst's memoised parsing,
/// evaluation and layout of them are reused. A profile that is not built in
/// gets no reuse: each round runs in a fresh child process within its
/// limits. `Live::default()` is a fresh start, as `gen` makes.
#[derive(Default)]
pub struct Live {
    world: Option<ReportWorld>,
}

impl Live {
    /// Lays out `input` and writes it as `export`, reusing the world of the
    /// previous call. The fonts are those of the latest call.
    pub fn export(&mut self, input: &RenderInput, export: Export) -> Result<Exported, RenderError> {
        let job = Typeset::of(input, export)?;
        if let Some(limits) = input.limits {
            return sandbox::typeset(&job, limits).map_err(RenderError::Sandboxed);
        }
        let date = job.date()?;
        let data = job.data.clone().into_bytes();
        match &mut self.world {
            Some(world) => world.update(&job.files, &job.main, data, &job.fonts, date)?,
            None => {
                let world = ReportWorld::new(&job.files, &job.main, data, &job.fonts, date, true)?;
                self.world = Some(world);
            }
        }
        let world = self.world.as_ref().expect("made above");
        job.lay_out(world, date, None)
            .map(|(exported, _warnings)| exported)
    }
}

/// Everything Typst needs for one PDF, borrowed in process and owned when
/// it travels to a child process.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Typeset<'a> {
    files: Cow<'a, BTreeMap<String, Vec<u8>>>,
    main: Cow<'a, str>,
    /// The report as JSON, served as `/data.json`.
    data: String,
    /// A child process gets the faces from disk and rebuilds the set.
    #[serde(with = "shared_fonts")]
    fonts: FontSet,
    date_iso: Option<String>,
    /// The PDF's document id.
    ident: String,
    archive: Option<Archive>,
    export: Export,
}

impl<'a> Typeset<'a> {
    fn of(input: &RenderInput<'a>, export: Export) -> Result<Self, RenderError> {
        let meta = &input.data.meta;
        Ok(Typeset {
            files: Cow::Borrowed(input.files),
            main: Cow::Borrowed(input.main),
            data: serde_json::to_string(&Served {
                data: input.data,
                fonts: input.chosen,
            })
            .map_err(RenderError::Data)?,
            fonts: input.fonts.clone(),
            date_iso: meta.date_iso.clone(),
            ident: format!("zpbg:{}:{}", meta.unit, meta.title),
            archive: input.archive,
            export,
        })
    }

    /// The same job, borrowing this one's files.
    pub fn reborrow(&self) -> Typeset<'_> {
        Typeset {
            files: Cow::Borrowed(&self.files),
            main: Cow::Borrowed(&self.main),
            data: self.data.clone(),
            fonts: self.fonts.clone(),
            date_iso: self.date_iso.clone(),
            ident: self.ident.clone(),
            archive: self.archive,
            export: self.export,
        }
    }

    /// The entry file, which a message about the layout names.
    pub fn main(&self) -> &str {
        &self.main
    }

    /// Lays out and writes the PDF or pictures. With `max_pages` the
    /// profile is not trusted: plugins are refused and a longer document is
    /// an error.
    pub fn run(
        &self,
        max_pages: Option<usize>,
    ) -> Result<(Exported, Vec<Diagnostic>), RenderError> {
        let date = self.date()?;
        if max_pages.is_some() {
            refuse_plugins(&self.files)?;
        }
        let world = ReportWorld::new(
            &self.files,
            &self.main,
            self.data.clone().into_bytes(),
            &self.fonts,
            date,
            max_pages.is_none(),
        )?;
        self.lay_out(&world, date, max_pages)
    }

    /// The report date, as the PDF and the world's `today` give it.
    fn date(&self) -> Result<Option<Datetime>, RenderError> {
        (self.date_iso.as_ref())
            .map(|iso| {
                NaiveDate::parse_from_str(iso, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| {
                        Datetime::from_ymd_hms(d.year(), d.month() as u8, d.day() as u8, 0, 0, 0)
                    })
                    .ok_or_else(|| RenderError::BadDate(iso.clone()))
            })
            .transpose()
    }

    /// Compiles in `world`, which serves this job's files, and writes the
    /// result as [`Typeset::export`] says.
    fn lay_out(
        &self,
        world: &ReportWorld,
        date: Option<Datetime>,
        max_pages: Option<usize>,
    ) -> Result<(Exported, Vec<Diagnostic>), RenderError> {
        let compiled: Warned<SourceResult<PagedDocument>> = typst::compile(world);
        let warnings = diagnostics(world, &compiled.warnings);
        let document = compiled
            .output
            .map_err(|errors| RenderError::Typst(diagnostics(world, &errors)))?;
        let pages = document.pages().len();
        if let Some(max) = max_pages
            && pages > max
        {
            return Err(RenderError::Sandboxed(Failure::Exceeded {
                template: self.main.to_string(),
                limit: Exceeded::Pages { max, pages },
            }));
        }
        let files = match self.export {
            Export::Pdf => vec![self.pdf(world, &document, date)?],
            Export::Png { ppi } => {
                let options = typst_render::RenderOptions {
                    pixel_per_pt: typst::utils::Scalar::new(f64::from(ppi) / 72.0),
                    render_bleed: false,
                };
                (document.pages().iter())
                    .map(|page| {
                        typst_render::render(page, &options)
                            .encode_png()
                            .map_err(|err| RenderError::Png(err.to_string()))
                    })
                    .collect::<Result<_, _>>()?
            }
            Export::Svg => (document.pages().iter())
                .map(|page| typst_svg::svg(page, &Default::default()).into_bytes())
                .collect(),
        };
        Ok((Exported { pages, files }, warnings))
    }

    fn pdf(
        &self,
        world: &ReportWorld,
        document: &PagedDocument,
        date: Option<Datetime>,
    ) -> Result<Vec<u8>, RenderError> {
        let standards = match self.archive {
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
            ident: Smart::Custom(self.ident.clone()),
            creator: Smart::Custom(Some("zpbg".to_owned())),
            timestamp: date.map(Timestamp::new_utc),
            standards,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(document, &options)
            .map_err(|errors| RenderError::Pdf(diagnostics(world, &errors)))
    }
}

/// What `/data.json` holds: the report, and the family of each font role.
#[derive(serde::Serialize)]
pub struct Served<'a> {
    #[serde(flatten)]
    pub data: &'a ReportData,
    pub fonts: &'a ChosenFonts,
}

/// A [`FontSet`] as it travels to a child process: the faces from disk,
/// which the child reads itself; the bundled ones it has.
mod shared_fonts {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{DiskFace, FontSet};

    pub fn serialize<S: Serializer>(set: &FontSet, s: S) -> Result<S::Ok, S::Error> {
        set.disk().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FontSet, D::Error> {
        Vec::<DiskFace>::deserialize(d).map(FontSet::with_disk)
    }
}

/// A WebAssembly file, whatever its name, or a `.typ` file that names
/// `plugin`. The sandboxed library has no `plugin` either, so code that
/// builds the name at run time fails too; this says why, and where.
fn refuse_plugins(files: &BTreeMap<String, Vec<u8>>) -> Result<(), RenderError> {
    for (path, bytes) in files {
        if path.ends_with(".wasm") || bytes.starts_with(b"\0asm") {
            return Err(RenderError::Plugin { at: path.clone() });
        }
        if !path.ends_with(".typ") {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let root = typst::syntax::parse(&text);
        if let Some(offset) = find_ident(&root, 0, "plugin") {
            let line = text[..offset].matches('\n').count() + 1;
            return Err(RenderError::Plugin {
                at: format!("{path}:{line}"),
            });
        }
    }
    Ok(())
}

/// The byte offset of the first identifier `name` under `node`, which
/// starts at `offset`.
fn find_ident(node: &typst::syntax::SyntaxNode, offset: usize, name: &str) -> Option<usize> {
    use typst::syntax::SyntaxKind;
    if matches!(node.kind(), SyntaxKind::Ident | SyntaxKind::MathIdent)
        && node.leaf_text().as_str() == name
    {
        return Some(offset);
    }
    let mut start = offset;
    node.children().find_map(|child| {
        let found = find_ident(child, start, name);
        start += child.len();
        found
    })
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
