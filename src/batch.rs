//! `zpbg batch`: the reports of many units at once, rendered in parallel, and
//! a 汇总表 across them. Units are independent: one that fails is reported
//! with its file and the others go on.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};

use crate::display;
use crate::error::{Error, Result};
use crate::export::csv_cell;
use crate::facts::FactsFile;
use crate::num;
use crate::output::{self, Format, write_atomically};
use crate::pipeline;
use crate::profile::{self, Profile};
use crate::render::{self, RenderInput};
use crate::report::{Block, Meta, ReportData, Section, Table};
use crate::sandbox::{Guard, Limits};
use crate::scoring::{ScoreSheet, Scored};

/// File stem of the summary, `汇总表.csv` and `汇总表.pdf`; no unit may take it.
const SUMMARY: &str = "汇总表";
/// The summary's Typst layout, among the shared library files.
const SUMMARY_MAIN: &str = "lib/summary.typ";

pub struct Options<'a> {
    /// Facts files, or folders whose `*.toml` files are facts files.
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
    pub pdf: PathBuf,
    pub meta: Meta,
    pub sheet: ScoreSheet,
}

impl Rendered {
    /// The PDF's file name, as the progress lines and the CSV show it.
    pub fn pdf_name(&self) -> String {
        self.pdf
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
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
    let jobs = plan(facts_files(opts.inputs)?, opts.out_dir);
    let profiles = Profiles::new(opts.profile)?;
    std::fs::create_dir_all(opts.out_dir).map_err(|source| Error::Io {
        path: opts.out_dir.to_path_buf(),
        source,
    })?;
    let threads = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, jobs.len().max(1));

    let units = render_all(
        &jobs,
        &profiles,
        threads,
        !opts.allow_missing_glyphs,
        opts.limits,
        on_event,
    );
    on_event(Event::UnitsDone);

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
    let failed: Vec<&Path> = units
        .iter()
        .filter(|u| u.result.is_err())
        .map(|u| u.facts.as_path())
        .collect();
    let summary = Summary::new(&done);
    let files = SummaryFiles {
        csv: opts.out_dir.join(format!("{SUMMARY}.csv")),
        pdf: opts.out_dir.join(format!("{SUMMARY}.pdf")),
    };
    write_atomically(&files.csv, summary.csv().as_bytes())?;
    write_atomically(&files.pdf, &summary.pdf(&failed)?)?;
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
    check_glyphs: bool,
    limits: Limits,
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
                        render_unit(job, profiles, check_glyphs, limits)
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

/// The facts files of the inputs: files as given, folders' `*.toml` files
/// sorted by name so every run takes the units in the same order.
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
        found.retain(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file());
        if found.is_empty() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "目录中没有 .toml 事实文件",
            )));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// A unit to render.
struct Job {
    facts: PathBuf,
    /// Where its PDF goes, or why it has nowhere to go.
    pdf: Result<PathBuf, Arc<Error>>,
}

/// Names each unit's PDF after its facts file. A second file with the same
/// stem would overwrite the first one's report, so it fails instead.
fn plan(files: Vec<PathBuf>, out_dir: &Path) -> Vec<Job> {
    let mut owners: HashMap<PathBuf, PathBuf> = HashMap::new();
    files
        .into_iter()
        .map(|facts| {
            let stem = facts.file_stem().unwrap_or_default();
            let pdf = out_dir.join(stem).with_extension("pdf");
            let pdf = if stem == SUMMARY {
                Err(Arc::new(Error::OutputReserved {
                    facts: facts.clone(),
                    name: format!("{SUMMARY}.pdf"),
                }))
            } else if let Some(owner) = owners.get(&pdf) {
                Err(Arc::new(Error::OutputTaken {
                    owner: owner.clone(),
                }))
            } else {
                owners.insert(pdf.clone(), facts.clone());
                Ok(pdf)
            };
            Job { facts, pdf }
        })
        .collect()
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
        self.slot(name)
            .get_or_init(|| Profile::resolve(name).map(Arc::new).map_err(Arc::new))
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

fn render_unit(
    job: &Job,
    profiles: &Profiles,
    check_glyphs: bool,
    limits: Limits,
) -> Result<Rendered, Arc<Error>> {
    let pdf = job.pdf.as_ref().map_err(Arc::clone)?;
    let facts = FactsFile::load(&job.facts)?;
    let profile = profiles.get(&facts)?;
    let guard = Guard::new(pipeline::profile_name(profiles.flag, &facts), limits);
    let report = pipeline::build_guarded(&profile, &facts, None, guard.as_ref())?;
    let format = Format::Pdf {
        path: pdf,
        archive: None,
        check_glyphs,
    };
    output::write(&report, &profile, &facts, format)?;
    Ok(Rendered {
        pdf: pdf.clone(),
        meta: report.data.meta,
        sheet: report.sheet,
    })
}

/// The 汇总表: one row per rendered unit, best total first, every figure
/// already formatted as the unit's own report prints it.
struct Summary {
    /// 「2025」 when every unit reports on the same year.
    year: Option<String>,
    /// The latest report date among the units, printed and ISO.
    date: String,
    date_iso: String,
    /// Whether any unit's total was converted (换算得分).
    converted: bool,
    /// First-level indicator names, the union over the units' frameworks in
    /// the order they first appear.
    levels: Vec<String>,
    rows: Vec<Row>,
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
    fn new(done: &[&Rendered]) -> Self {
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
                grade: d.sheet.grade.clone(),
                subtotals: levels
                    .iter()
                    .map(|name| {
                        first_level(&d.sheet)
                            .find(|r| &r.name == name)
                            .map(display::subtotal_cell)
                            .unwrap_or_default()
                    })
                    .collect(),
                file: d.pdf_name(),
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

    /// UTF-8 with BOM so Excel opens it; the report file as the last column.
    fn csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        let mut line = |cells: Vec<String>| {
            let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        };
        let mut head = self.header();
        head.push("报告文件".into());
        line(head);
        for row in &self.rows {
            let mut cells = self.cells(row);
            cells.push(row.file.clone());
            line(cells);
        }
        out
    }

    /// The 公文-style table page. The data goes to Typst as a report of one
    /// section (paragraphs and the table), strings only.
    /// `failed` names the facts files that made no report.
    fn pdf(&self, failed: &[&Path]) -> Result<Vec<u8>> {
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
        if !failed.is_empty() {
            let files: Vec<String> = failed.iter().map(|f| f.display().to_string()).collect();
            blocks.push(Block::Para {
                text: format!(
                    "以下事实文件未能生成报告，未列入本表：{}。",
                    files.join("、")
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
        }));
        let data = ReportData {
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
        };
        Ok(render::render_pdf(&RenderInput {
            files: &profile::lib_files(),
            main: SUMMARY_MAIN,
            data: &data,
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
    fn same_stem_twice_fails_the_second_and_the_summary_name_is_taken() {
        let jobs = plan(
            vec!["a/x.toml".into(), "b/x.toml".into(), "c/汇总表.toml".into()],
            Path::new("out"),
        );
        assert_eq!(jobs[0].pdf.as_deref().unwrap(), Path::new("out/x.pdf"));
        let error = |i: usize| jobs[i].pdf.as_ref().unwrap_err().to_string();
        assert!(error(1).contains("a/x.toml"));
        assert!(error(2).contains("汇总表"));
    }
}
