//! `zpbg batch`: the reports of many units at once, rendered in parallel, and
//! a 汇总表 across them. Units are independent: one that fails is reported
//! with its file and the others go on.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};

use crate::check::{self, Warning};
use crate::display;
use crate::error::{Error, NameClash, Result};
use crate::export::csv_cell;
use crate::facts::FactsFile;
use crate::num;
use crate::output::{self, Format, write_atomically};
use crate::pipeline;
use crate::profile::{self, Profile};
use crate::render::{self, FontSet, RenderInput, Substitution};
use crate::report::{Block, Meta, ReportData, Section, Table};
use crate::review::{self, Measure, UnitMeasures};
use crate::sandbox::{Guard, Limits};
use crate::scoring::{ScoreSheet, Scored};

/// File stem of the summary, `汇总表.csv`, `汇总表.pdf` and `汇总表.xlsx`;
/// no unit may take it.
const SUMMARY: &str = "汇总表";
/// The summary's Typst layout, among the shared library files.
const SUMMARY_MAIN: &str = "lib/summary.typ";

pub struct Options<'a> {
    /// Facts files, or folders whose `*.toml` and `*.xlsx` files are facts
    /// files.
    pub inputs: &'a [PathBuf],
    pub out_dir: &'a Path,
    /// `--profile`: when given, every unit uses it.
    pub profile: Option<&'a str>,
    /// How many units render at once; one per core when `None`.
    pub jobs: Option<usize>,
    /// Render even when a character has no glyph (it prints as a box).
    pub allow_missing_glyphs: bool,
    /// Limits for units whose profile is not built in.
    pub limits: Limits,
    /// The fonts every unit is typeset with.
    pub fonts: &'a FontSet,
    /// The files each unit's report is written as.
    pub formats: output::Formats,
}

/// How every unit of the batch is rendered.
#[derive(Clone, Copy)]
struct Settings<'a> {
    check_glyphs: bool,
    limits: Limits,
    fonts: &'a FontSet,
    formats: output::Formats,
}

/// What `run` tells its caller while it works, for the caller to show.
pub enum Event<'a> {
    /// One more unit is finished, rendered or failed: `finished` of `total`.
    Unit {
        finished: usize,
        total: usize,
        unit: &'a Unit,
    },
    /// Every unit is finished; the summary is written next.
    UnitsDone,
}

/// One unit: its facts file and how it went.
pub struct Unit {
    pub facts: PathBuf,
    pub result: Result<Rendered, Arc<Error>>,
}

/// A unit whose report was written: what the summary needs of it.
pub struct Rendered {
    /// The report's files: the PDF, the Word file or both.
    pub files: Vec<PathBuf>,
    pub meta: Meta,
    pub sheet: ScoreSheet,
    /// What `check` would warn about this unit, and measures it shares
    /// with other units of the batch.
    pub warnings: Vec<Warning>,
    /// The measures the unit wrote, compared across the batch.
    measures: Vec<Measure>,
    /// The font roles of its profile that fall back to the bundled faces.
    pub substitutions: Vec<Substitution>,
}

impl Rendered {
    /// The files' names, as the progress lines and the CSV show them.
    pub fn file_names(&self) -> String {
        self.files
            .iter()
            .map(|f| f.file_name().unwrap_or_default().to_string_lossy())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// What a run did.
pub struct Outcome {
    /// Every unit, in the order of the inputs.
    pub units: Vec<Unit>,
    /// The summary's files, unless no unit was rendered.
    pub summary: Option<SummaryFiles>,
}

pub struct SummaryFiles {
    pub csv: PathBuf,
    pub pdf: PathBuf,
    pub xlsx: PathBuf,
}

impl Outcome {
    pub fn rendered(&self) -> usize {
        self.units.iter().filter(|u| u.result.is_ok()).count()
    }

    pub fn failed(&self) -> usize {
        self.units.len() - self.rendered()
    }
}

/// Writes one PDF per unit and the summary into `out_dir`, telling `on_event`
/// as each unit finishes. An `Err` means the run as a whole could not
/// proceed: an unreadable input folder, a bad `--profile`, an unwritable
/// output folder.
pub fn run(opts: &Options, on_event: &mut dyn FnMut(Event)) -> Result<Outcome> {
    let jobs = plan(facts_files(opts.inputs)?, opts.out_dir)?;
    let profiles = Profiles::new(opts.profile)?;
    std::fs::create_dir_all(opts.out_dir).map_err(|source| Error::Io {
        path: opts.out_dir.to_path_buf(),
        source,
    })?;
    let threads = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, jobs.len().max(1));

    let settings = Settings {
        check_glyphs: !opts.allow_missing_glyphs,
        limits: opts.limits,
        fonts: opts.fonts,
        formats: opts.formats,
    };
    let mut units = render_all(&jobs, &profiles, threads, settings, on_event);
    on_event(Event::UnitsDone);
    warn_shared_measures(&mut units);

    let done: Vec<&Rendered> = units
        .iter()
        .filter_map(|u| u.result.as_ref().ok())
        .collect();
    if done.is_empty() {
        return Ok(Outcome {
            units,
            summary: None,
        });
    }
    let failed: Vec<Failure> = units
        .iter()
        .filter_map(|u| u.result.as_ref().err().map(|e| Failure::new(&u.facts, e)))
        .collect();
    let summary = Summary::new(&done, failed);
    let files = SummaryFiles {
        csv: opts.out_dir.join(format!("{SUMMARY}.csv")),
        pdf: opts.out_dir.join(format!("{SUMMARY}.pdf")),
        xlsx: opts.out_dir.join(format!("{SUMMARY}.xlsx")),
    };
    write_atomically(&files.csv, summary.csv().as_bytes())?;
    write_atomically(&files.pdf, &summary.pdf()?)?;
    let workbook = summary.xlsx().map_err(|message| Error::Workbook {
        path: files.xlsx.clone(),
        message,
    })?;
    write_atomically(&files.xlsx, &workbook)?;
    Ok(Outcome {
        units,
        summary: Some(files),
    })
}

/// Renders the jobs on `threads` threads that take the next job from a
/// shared counter, telling `on_event` as each finishes; the units come back
/// in the jobs' order.
fn render_all(
    jobs: &[Job],
    profiles: &Profiles,
    threads: usize,
    settings: Settings,
    on_event: &mut dyn FnMut(Event),
) -> Vec<Unit> {
    let mut units: Vec<Option<Unit>> = std::iter::repeat_with(|| None).take(jobs.len()).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..threads {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    // A panic is a bug, but it should cost one unit, not the batch;
                    // the panic hook has already printed its message.
                    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        render_unit(job, profiles, settings)
                    }))
                    .unwrap_or_else(|_| Err(Arc::new(Error::Panicked)));
                    if tx.send((index, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (finished, (index, result)) in rx.into_iter().enumerate() {
            let unit = units[index].insert(Unit {
                facts: jobs[index].facts.clone(),
                result,
            });
            on_event(Event::Unit {
                finished: finished + 1,
                total: jobs.len(),
                unit,
            });
            // Typst memoizes across compilations, which would grow a batch by
            // ~5 MB a unit; what the last few units did not use goes.
            typst::comemo::evict(4);
        }
    });
    units
        .into_iter()
        .map(|u| u.expect("every unit reports once"))
        .collect()
}

/// The facts files of the inputs: files as given, folders' `*.toml` and
/// `*.xlsx` files sorted by name so every run takes the units in the same
/// order. Excel's lock files (`~$单位.xlsx`, there while a workbook is
/// open) and an earlier run's 汇总表.xlsx (when the output folder is the
/// input folder) are not units.
fn facts_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            files.push(input.clone());
            continue;
        }
        let io = |source| Error::Io {
            path: input.clone(),
            source,
        };
        let mut found = std::fs::read_dir(input)
            .map_err(io)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(io)?;
        // Not only regular files: a FIFO or device named `*.toml` fails as its
        // unit, saying what it is, rather than vanishing from the batch.
        found.retain(|p| {
            let summary = format!("{SUMMARY}.xlsx");
            let lock = p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("~$") || n.eq_ignore_ascii_case(&summary)
            });
            (p.extension().is_some_and(|e| e == "toml") || crate::xlsx::is_workbook(p))
                && !lock
                && !p.is_dir()
        });
        if found.is_empty() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "目录中没有 .toml 或 .xlsx 事实文件",
            )));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// A unit to render.
#[derive(Debug)]
struct Job {
    facts: PathBuf,
    /// Where its PDF goes.
    pdf: PathBuf,
}

/// Names each unit's PDF after its facts file: the file name with `.toml`
/// taken off and `.pdf` put on, so `x.y.toml` and `x.z.toml` stay apart. The
/// same file given twice is one unit. Two files that would write the same
/// PDF, compared without case as a case-insensitive file system does, or a
/// PDF named like the summary, fail the whole run before anything is
/// written: which of them should win cannot be guessed.
fn plan(files: Vec<PathBuf>, out_dir: &Path) -> Result<Vec<Job>> {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut jobs: Vec<Job> = Vec::new();
    let mut owners: HashMap<String, Vec<PathBuf>> = HashMap::new();
    for facts in files {
        let identity = std::fs::canonicalize(&facts).unwrap_or_else(|_| facts.clone());
        if !seen.insert(identity) {
            continue;
        }
        let name = pdf_name(&facts);
        owners
            .entry(name.to_string_lossy().to_lowercase())
            .or_default()
            .push(facts.clone());
        jobs.push(Job {
            pdf: out_dir.join(name),
            facts,
        });
    }
    let reserved = [format!("{SUMMARY}.pdf"), format!("{SUMMARY}.csv")];
    let mut clashes: Vec<NameClash> = jobs
        .iter()
        .filter_map(|job| {
            let name = job.pdf.file_name().unwrap_or_default().to_string_lossy();
            let key = name.to_lowercase();
            let facts = &owners[&key];
            let first = facts[0] == job.facts;
            let reserved = reserved.iter().any(|r| r.to_lowercase() == key);
            (first && (reserved || facts.len() > 1)).then(|| NameClash {
                name: name.into_owned(),
                facts: facts.clone(),
                reserved,
            })
        })
        .collect();
    if clashes.is_empty() {
        return Ok(jobs);
    }
    clashes.sort_by(|a, b| a.name.cmp(&b.name));
    Err(Error::OutputNames { clashes })
}

/// The PDF's file name for a facts file: `.toml` or `.xlsx` replaced by
/// `.pdf`, any other name kept whole with `.pdf` added.
fn pdf_name(facts: &Path) -> OsString {
    let name = facts.file_name().unwrap_or_default();
    let stem = name
        .to_str()
        .and_then(|n| n.strip_suffix(".toml").or_else(|| n.strip_suffix(".xlsx")));
    let mut pdf = match stem {
        Some(stem) if !stem.is_empty() => OsString::from(stem),
        Some(_) | None => name.to_os_string(),
    };
    pdf.push(".pdf");
    pdf
}

/// One profile, parsed by the first unit that needs it.
type ProfileSlot = OnceLock<Result<Arc<Profile>, Arc<Error>>>;

/// Profiles by name, each parsed once however many units use it.
struct Profiles<'a> {
    flag: Option<&'a str>,
    /// A bad profile is kept as its error so every unit naming it says why.
    cache: Mutex<HashMap<String, Arc<ProfileSlot>>>,
}

impl<'a> Profiles<'a> {
    /// Parses `--profile` at once: when it is bad, no unit can be made.
    fn new(flag: Option<&'a str>) -> Result<Self> {
        let profiles = Profiles {
            flag,
            cache: Mutex::default(),
        };
        if let Some(name) = flag {
            let profile = Arc::new(Profile::resolve(name)?);
            profiles.slot(name).get_or_init(|| Ok(profile));
        }
        Ok(profiles)
    }

    fn get(&self, facts: &FactsFile) -> Result<Arc<Profile>, Arc<Error>> {
        let name = pipeline::profile_name(self.flag, facts);
        // Outside the map's lock: units of other profiles need not wait, and
        // units of this one wait for the first to finish parsing it.
        self.slot(&name)
            .get_or_init(|| Profile::resolve(&name).map(Arc::new).map_err(Arc::new))
            .clone()
    }

    fn slot(&self, name: &str) -> Arc<ProfileSlot> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(name.to_owned())
            .or_default()
            .clone()
    }
}

fn render_unit(job: &Job, profiles: &Profiles, settings: Settings) -> Result<Rendered, Arc<Error>> {
    let Settings {
        check_glyphs,
        limits,
        fonts,
        formats,
    } = settings;
    let facts = FactsFile::load(&job.facts)?;
    let profile = profiles.get(&facts)?;
    // The Word file beside the PDF, with the same stem.
    let mut files = Vec::new();
    if formats.pdf || !formats.docx {
        files.push(job.pdf.clone());
    }
    if formats.docx {
        files.push(job.pdf.with_extension("docx"));
    }
    for path in &files {
        output::check(
            &format_of(path, &job.pdf, check_glyphs),
            &facts.path,
            &profile,
        )?;
    }
    let guard = Guard::new(&pipeline::profile_name(profiles.flag, &facts), limits);
    let report = pipeline::build_guarded(&profile, &facts, None, guard.as_ref())?;
    let warnings = check::all(&facts, &profile, &report.sheet)?;
    for path in &files {
        output::write(
            &report,
            &profile,
            &facts,
            fonts,
            format_of(path, &job.pdf, check_glyphs),
        )?;
    }
    let (_, substitutions) = fonts.resolve(&profile.fonts);
    Ok(Rendered {
        substitutions,
        files,
        meta: report.data.meta,
        sheet: report.sheet,
        warnings,
        measures: review::measures(&facts)
            .into_iter()
            .map(|mut m| {
                facts.cell_for_line(&mut m.field, &mut m.line);
                m
            })
            .collect(),
    })
}

/// How the file at `path` is written: the unit's PDF, or its Word file.
fn format_of<'a>(path: &'a Path, pdf: &Path, check_glyphs: bool) -> Format<'a> {
    if path == pdf {
        Format::Pdf {
            path,
            archive: None,
            check_glyphs,
        }
    } else {
        Format::Docx { path }
    }
}

/// Adds to each rendered unit a warning for every measure another unit
/// wrote too: a reviewer reading the batch sees the copy.
fn warn_shared_measures(units: &mut [Unit]) {
    let compared: Vec<(usize, UnitMeasures)> = units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| {
            let done = u.result.as_ref().ok()?;
            Some((
                i,
                UnitMeasures {
                    unit: &done.meta.unit,
                    facts: &u.facts,
                    measures: &done.measures,
                },
            ))
        })
        .collect();
    let (indexes, compared): (Vec<usize>, Vec<UnitMeasures>) = compared.into_iter().unzip();
    let shared = review::shared_measures(&compared);
    for (i, warnings) in indexes.into_iter().zip(shared) {
        if let Ok(done) = &mut units[i].result {
            done.warnings.extend(warnings);
        }
    }
}

/// The 汇总表: one row per rendered unit, best total first, every figure
/// already formatted as the unit's own report prints it.
struct Summary {
    /// 「2025」 when every unit reports on the same year.
    year: Option<String>,
    /// The latest report date among the units, printed and ISO; none when
    /// no unit gives one.
    date: String,
    date_iso: Option<String>,
    /// Whether any unit's total was converted (换算得分).
    converted: bool,
    /// First-level indicator names, the union over the units' frameworks in
    /// the order they first appear.
    levels: Vec<String>,
    rows: Vec<Row>,
    /// The units that made no report, in the order of the inputs; the CSV
    /// and the PDF both list them.
    failed: Vec<Failure>,
}

/// A unit that made no report, as the summary lists it.
struct Failure {
    facts: String,
    /// The error's message on one line, as a table cell holds it.
    reason: String,
}

impl Failure {
    fn new(facts: &Path, error: &Error) -> Self {
        let message = error.to_string();
        let lines: Vec<&str> = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        Failure {
            facts: facts.display().to_string(),
            reason: lines.join(" "),
        }
    }
}

struct Row {
    /// Ties share a rank: 1, 2, 2, 4.
    rank: String,
    unit: String,
    total: String,
    /// Empty unless the unit's total was converted.
    converted: String,
    grade: String,
    /// One per `Summary::levels`; empty where the unit's framework lacks it.
    subtotals: Vec<String>,
    /// The unit's PDF, for finding it beside the table.
    file: String,
}

impl Summary {
    fn new(done: &[&Rendered], failed: Vec<Failure>) -> Self {
        let mut levels: Vec<String> = Vec::new();
        for d in done {
            for node in first_level(&d.sheet) {
                if !levels.contains(&node.name) {
                    levels.push(node.name.clone());
                }
            }
        }
        let mut ranked: Vec<&Rendered> = done.to_vec();
        // Stable, so tied units keep the order of the inputs.
        ranked.sort_by_key(|d| std::cmp::Reverse(d.sheet.total));
        let mut rows = Vec::with_capacity(ranked.len());
        let mut rank = 0;
        for (i, d) in ranked.iter().enumerate() {
            if i == 0 || d.sheet.total != ranked[i - 1].sheet.total {
                rank = i + 1;
            }
            rows.push(Row {
                rank: rank.to_string(),
                unit: d.meta.unit.clone(),
                total: num::points(d.sheet.total),
                converted: d.sheet.converted.map(num::points).unwrap_or_default(),
                grade: d.sheet.grade.clone().unwrap_or_default(),
                subtotals: levels
                    .iter()
                    .map(|name| {
                        first_level(&d.sheet)
                            .find(|r| &r.name == name)
                            .map(display::subtotal_cell)
                            .unwrap_or_default()
                    })
                    .collect(),
                file: d.file_names(),
            });
        }
        let year = &done[0].meta.year;
        let latest = done
            .iter()
            .map(|d| &d.meta)
            .max_by(|a, b| a.date_iso.cmp(&b.date_iso))
            .expect("the summary has units");
        Self {
            year: done
                .iter()
                .all(|d| &d.meta.year == year)
                .then(|| year.clone()),
            date: latest.date.clone(),
            date_iso: latest.date_iso.clone(),
            converted: done.iter().any(|d| d.sheet.converted.is_some()),
            levels,
            rows,
            failed,
        }
    }

    /// Column heads and the row cells shared by the CSV and the PDF.
    fn header(&self) -> Vec<String> {
        let mut head = vec!["排名".to_owned(), "单位名称".into(), "总分".into()];
        if self.converted {
            head.push("换算得分".into());
        }
        head.push("等级".into());
        head.extend(self.levels.iter().cloned());
        head
    }

    fn cells(&self, row: &Row) -> Vec<String> {
        let mut cells = vec![row.rank.clone(), row.unit.clone(), row.total.clone()];
        if self.converted {
            cells.push(row.converted.clone());
        }
        cells.push(row.grade.clone());
        cells.extend(row.subtotals.iter().cloned());
        cells
    }

    /// UTF-8 with BOM so Excel opens it; the report file and, for a unit
    /// that made none, its facts file and why as the last columns.
    fn csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        let mut line = |cells: Vec<String>| {
            let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        };
        let mut head = self.header();
        let width = head.len();
        head.extend(["报告文件".into(), "事实文件".into(), "未生成原因".into()]);
        line(head);
        for row in &self.rows {
            let mut cells = self.cells(row);
            cells.extend([row.file.clone(), String::new(), String::new()]);
            line(cells);
        }
        for failure in &self.failed {
            let mut cells = vec![String::new(); width + 1];
            cells.extend([failure.facts.clone(), failure.reason.clone()]);
            line(cells);
        }
        out
    }

    /// The workbook: the same rows as the CSV, numbers as numbers, and the
    /// units that made no report on a sheet of their own.
    fn xlsx(&self) -> std::result::Result<Vec<u8>, String> {
        let mut header = self.header();
        header.push("报告文件".into());
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                let mut cells = self.cells(row);
                cells.push(row.file.clone());
                cells
            })
            .collect();
        let failed: Vec<(String, String)> = self
            .failed
            .iter()
            .map(|f| (f.facts.clone(), f.reason.clone()))
            .collect();
        crate::xlsx::write::summary(&header, &rows, &failed)
    }

    /// The 公文-style table page. The data goes to Typst as a report of one
    /// section (paragraphs and the table), strings only.
    /// The units that made no report follow in a table of their own.
    fn pdf(&self) -> Result<Vec<u8>> {
        let title = format!(
            "{}部门整体支出绩效自评结果汇总表",
            self.year
                .as_ref()
                .map(|y| format!("{y}年度"))
                .unwrap_or_default()
        );
        let mut blocks = vec![Block::Para {
            text: format!(
                "本表汇总{}个单位的自评结果，按总分由高到低排名，同分并列。",
                self.rows.len()
            ),
        }];
        if self.converted {
            blocks.push(Block::Para {
                text:
                    "有不适用指标退出评分基数的单位，以适用指标得分换算为满分制的换算得分计算总分。"
                        .into(),
            });
        }
        if !self.failed.is_empty() {
            blocks.push(Block::Para {
                text: format!(
                    "另有{}个事实文件未能生成报告，未列入排名，见表后所列原因。",
                    self.failed.len()
                ),
            });
        }
        let header = self.header();
        let align = header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 1 { "left" } else { "center" }.to_owned())
            .collect();
        blocks.push(Block::Table(Table {
            caption: "单位：分".into(),
            rows: self.rows.iter().map(|r| self.cells(r)).collect(),
            header,
            align,
            spans: Vec::new(),
            totals: false,
        }));
        if !self.failed.is_empty() {
            blocks.push(Block::Table(Table {
                caption: "未生成报告的事实文件".into(),
                header: vec!["事实文件".into(), "未生成原因".into()],
                rows: self
                    .failed
                    .iter()
                    .map(|f| vec![f.facts.clone(), f.reason.clone()])
                    .collect(),
                align: vec!["left".into(), "left".into()],
                spans: Vec::new(),
                totals: false,
            }));
        }
        let data = ReportData {
            tables: Default::default(),
            project_sheets: Vec::new(),
            meta: Meta {
                title,
                unit: String::new(),
                year: self.year.clone().unwrap_or_default(),
                date: self.date.clone(),
                date_iso: self.date_iso.clone(),
                front_matter: false,
            },
            sections: vec![Section {
                id: "summary".into(),
                blocks,
            }],
            annex: None,
            basic_data: None,
        };
        Ok(render::render_pdf(&RenderInput {
            files: &profile::lib_files(),
            main: SUMMARY_MAIN,
            data: &data,
            fonts: render::FontSet::bundled(),
            chosen: &render::ChosenFonts::default(),
            archive: None,
            limits: None,
        })?)
    }
}

/// The first-level indicators: the base's, then 加分 and 扣分 items.
fn first_level(sheet: &ScoreSheet) -> impl Iterator<Item = &Scored> {
    sheet.roots.iter().chain(&sheet.adjustments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_named_after_the_whole_file_name() {
        let jobs = plan(
            vec![
                "a/x.y.toml".into(),
                "a/x.z.toml".into(),
                "a/汇总表.2024.toml".into(),
                "a/x".into(),
            ],
            Path::new("out"),
        )
        .unwrap();
        let pdfs: Vec<&Path> = jobs.iter().map(|j| j.pdf.as_path()).collect();
        assert_eq!(
            pdfs,
            [
                "out/x.y.pdf",
                "out/x.z.pdf",
                "out/汇总表.2024.pdf",
                "out/x.pdf"
            ]
            .map(Path::new)
        );
    }

    #[test]
    fn names_that_clash_fail_the_run_and_name_every_file() {
        let err = plan(
            vec![
                "a/x.toml".into(),
                "b/X.toml".into(),
                "c/汇总表.toml".into(),
                "d/y.toml".into(),
            ],
            Path::new("out"),
        )
        .unwrap_err();
        let Error::OutputNames { clashes } = &err else {
            panic!("{err}")
        };
        assert_eq!(clashes.len(), 2, "{err}");
        let text = err.to_string();
        for needle in ["a/x.toml", "b/X.toml", "c/汇总表.toml", "留给汇总表"] {
            assert!(text.contains(needle), "{text}");
        }
        assert!(!text.contains("d/y.toml"), "{text}");
    }

    #[test]
    fn the_same_file_twice_is_one_unit() {
        let jobs = plan(vec!["a/x.toml".into(), "a/x.toml".into()], Path::new("out")).unwrap();
        assert_eq!(jobs.len(), 1);
    }
}
