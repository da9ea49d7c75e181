//! `zpbg batch`: the reports of many units at once, rendered in parallel, and
//! a 汇总表 across them. Units are independent: one that fails is reported
//! with its file and the others go on.

use std::collections::HashMap;
use std::io::{IsTerminal as _, Write as _};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};

use crate::display;
use crate::error::{Error, Result};
use crate::export::csv_cell;
use crate::facts::FactsFile;
use crate::num;
use crate::output::write_atomically;
use crate::pipeline;
use crate::profile::{self, Profile};
use crate::render::{self, RenderInput};
use crate::report::{Block, Meta, ReportData, Section, Table};
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
    /// The profile of facts files that name none.
    pub default_profile: &'a str,
    /// How many units render at once; one per core when `None`.
    pub jobs: Option<usize>,
    /// Render even when a character has no glyph (it prints as a box).
    pub allow_missing_glyphs: bool,
}

/// Writes one PDF per unit and the summary into `out_dir`, and returns how
/// many units failed. An `Err` means the run as a whole could not proceed:
/// an unreadable input folder, a bad `--profile`, an unwritable output folder.
pub fn run(opts: &Options) -> Result<usize> {
    let units = plan(facts_files(opts.inputs)?, opts.out_dir);
    let profiles = Profiles {
        flag: opts
            .profile
            .map(Profile::resolve)
            .transpose()?
            .map(Arc::new),
        default: opts.default_profile,
        cache: Mutex::default(),
    };
    std::fs::create_dir_all(opts.out_dir).map_err(|source| Error::Io {
        path: opts.out_dir.to_path_buf(),
        source,
    })?;
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, units.len().max(1));

    let outcomes = render_all(&units, &profiles, jobs, !opts.allow_missing_glyphs);

    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (unit, outcome) in units.iter().zip(outcomes) {
        match outcome {
            Ok(d) => done.push((unit, d)),
            Err(_) => failed.push(unit),
        }
    }
    if done.is_empty() {
        eprintln!("没有生成任何报告，未写汇总表。");
        return Ok(failed.len());
    }
    let summary = Summary::new(&done);
    let csv_path = opts.out_dir.join(format!("{SUMMARY}.csv"));
    let pdf_path = opts.out_dir.join(format!("{SUMMARY}.pdf"));
    write_atomically(&csv_path, summary.csv().as_bytes())?;
    write_atomically(&pdf_path, &summary.pdf(&failed)?)?;
    eprintln!(
        "已生成 {} 份报告，{} 份失败；汇总表：{}、{}",
        done.len(),
        failed.len(),
        csv_path.display(),
        pdf_path.display()
    );
    Ok(failed.len())
}

/// Renders the units on `jobs` threads that take the next unit from a shared
/// counter, reporting progress as each finishes; the outcomes come back in
/// the units' order.
fn render_all(
    units: &[Unit],
    profiles: &Profiles,
    jobs: usize,
    check_glyphs: bool,
) -> Vec<Outcome> {
    let mut progress = Progress::new(units.len());
    let mut outcomes: Vec<Option<Outcome>> =
        std::iter::repeat_with(|| None).take(units.len()).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..jobs {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(unit) = units.get(index) else { break };
                    // A panic is a bug, but it should cost one unit, not the batch;
                    // the panic hook has already printed its message.
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        render_unit(unit, profiles, check_glyphs)
                    }))
                    .unwrap_or_else(|_| {
                        Err("内部错误（见上方的 panic 信息），请向 zpbg 维护者报告。".into())
                    });
                    if tx.send((index, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (index, outcome) in rx {
            progress.report(&units[index], &outcome);
            // Typst memoizes across compilations, which would grow a batch by
            // ~5 MB a unit; what the last few units did not use goes.
            typst::comemo::evict(4);
            outcomes[index] = Some(outcome);
        }
    });
    progress.finish();
    outcomes
        .into_iter()
        .map(|o| o.expect("every unit reports once"))
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

struct Unit {
    facts: PathBuf,
    /// Where its PDF goes, or why it has nowhere to go.
    pdf: Result<PathBuf, String>,
}

impl Unit {
    /// The PDF's file name, as the progress lines and the CSV show it.
    fn pdf_name(&self) -> String {
        self.pdf
            .as_ref()
            .ok()
            .and_then(|p| p.file_name())
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    }
}

/// Names each unit's PDF after its facts file. A second file with the same
/// stem would overwrite the first one's report, so it fails instead.
fn plan(files: Vec<PathBuf>, out_dir: &Path) -> Vec<Unit> {
    let mut owners: HashMap<PathBuf, PathBuf> = HashMap::new();
    files
        .into_iter()
        .map(|facts| {
            let stem = facts.file_stem().unwrap_or_default();
            let pdf = out_dir.join(stem).with_extension("pdf");
            let pdf = if stem == SUMMARY {
                Err(format!(
                    "输出文件名 {SUMMARY}.pdf 留给汇总表，请给 {} 改名。",
                    facts.display()
                ))
            } else if let Some(owner) = owners.get(&pdf) {
                Err(format!(
                    "与 {} 同名，报告会互相覆盖，未生成；请给其中一个改名。",
                    owner.display()
                ))
            } else {
                owners.insert(pdf.clone(), facts.clone());
                Ok(pdf)
            };
            Unit { facts, pdf }
        })
        .collect()
}

/// A rendered unit: what the summary needs of it.
struct Done {
    meta: Meta,
    sheet: ScoreSheet,
}

/// A unit's result; the error is the library's message, ready to print.
type Outcome = std::result::Result<Done, String>;

/// One profile, parsed by the first unit that needs it.
type ProfileSlot = OnceLock<Result<Arc<Profile>, String>>;

/// Profiles by name, each parsed once however many units use it.
struct Profiles<'a> {
    flag: Option<Arc<Profile>>,
    default: &'a str,
    /// A bad profile is kept as its message so every unit naming it says why.
    cache: Mutex<HashMap<String, Arc<ProfileSlot>>>,
}

impl Profiles<'_> {
    /// `--profile` wins, then the facts file's own `profile`, then the default.
    fn get(&self, facts: &FactsFile) -> Result<Arc<Profile>, String> {
        if let Some(profile) = &self.flag {
            return Ok(profile.clone());
        }
        let name = facts.facts.profile.as_deref().unwrap_or(self.default);
        let slot = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(name.to_owned())
            .or_default()
            .clone();
        // Outside the map's lock: units of other profiles need not wait, and
        // units of this one wait for the first to finish parsing it.
        slot.get_or_init(|| {
            Profile::resolve(name)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
    }
}

fn render_unit(unit: &Unit, profiles: &Profiles, check_glyphs: bool) -> Outcome {
    let text = |err: Error| err.to_string();
    let pdf = unit.pdf.as_ref().map_err(Clone::clone)?;
    let facts = FactsFile::load(&unit.facts).map_err(text)?;
    let profile = profiles.get(&facts)?;
    let report = pipeline::build(&profile, &facts, None).map_err(text)?;
    if check_glyphs {
        crate::glyphs::check(&facts, &report.data, render::FontSet::bundled()).map_err(text)?;
    }
    let bytes = pipeline::pdf(&profile, &report.data, None).map_err(text)?;
    // Only a finished PDF replaces an earlier one.
    write_atomically(pdf, &bytes).map_err(text)?;
    Ok(Done {
        meta: report.data.meta,
        sheet: report.sheet,
    })
}

/// Progress on stderr: a bar redrawn in place on a terminal, one line per
/// unit otherwise (logs, CI).
struct Progress {
    total: usize,
    finished: usize,
    tty: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            total,
            finished: 0,
            tty: std::io::stderr().is_terminal(),
        }
    }

    fn report(&mut self, unit: &Unit, outcome: &Outcome) {
        self.finished += 1;
        let count = format!("{}/{}", self.finished, self.total);
        let mut err = std::io::stderr().lock();
        // Progress is a courtesy: a closed stderr must not stop the batch.
        let _ = match (outcome, self.tty) {
            (Err(message), tty) => writeln!(
                err,
                "{}[{count}] 失败 {}：{message}",
                if tty { "\r\x1b[K" } else { "" },
                unit.facts.display()
            ),
            (Ok(_), false) => writeln!(err, "[{count}] ok {}", unit.pdf_name()),
            (Ok(_), true) => Ok(()),
        };
        if self.tty {
            const WIDTH: usize = 20;
            let filled = self.finished * WIDTH / self.total;
            let name = match outcome {
                Ok(done) => abbreviate(&done.meta.unit),
                Err(_) => unit.facts.display().to_string(),
            };
            let _ = write!(
                err,
                "\r\x1b[K[{}{}] {count} {name}",
                "#".repeat(filled),
                "-".repeat(WIDTH - filled)
            );
            let _ = err.flush();
        }
    }

    fn finish(&self) {
        if self.tty {
            eprint!("\r\x1b[K");
        }
    }
}

/// Keeps a unit name to one short line of the progress bar: control
/// characters dropped, a long name's middle elided.
fn abbreviate(name: &str) -> String {
    const HEAD: usize = 10;
    const TAIL: usize = 6;
    let chars: Vec<char> = name.chars().filter(|c| !c.is_control()).collect();
    if chars.len() <= HEAD + TAIL + 1 {
        return chars.into_iter().collect();
    }
    let head: String = chars[..HEAD].iter().collect();
    let tail: String = chars[chars.len() - TAIL..].iter().collect();
    format!("{head}…{tail}")
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
    fn new(done: &[(&Unit, Done)]) -> Self {
        let mut levels: Vec<String> = Vec::new();
        for (_, d) in done {
            for node in first_level(&d.sheet) {
                if !levels.contains(&node.name) {
                    levels.push(node.name.clone());
                }
            }
        }
        let mut ranked: Vec<&(&Unit, Done)> = done.iter().collect();
        // Stable, so tied units keep the order of the inputs.
        ranked.sort_by_key(|(_, d)| std::cmp::Reverse(d.sheet.total));
        let mut rows = Vec::with_capacity(ranked.len());
        let mut rank = 0;
        for (i, (unit, d)) in ranked.iter().enumerate() {
            if i == 0 || d.sheet.total != ranked[i - 1].1.sheet.total {
                rank = i + 1;
            }
            rows.push(Row {
                rank: rank.to_string(),
                unit: d.meta.unit.clone(),
                total: num::score(d.sheet.total),
                converted: d.sheet.converted.map(num::score).unwrap_or_default(),
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
                file: unit.pdf_name(),
            });
        }
        let year = &done[0].1.meta.year;
        let latest = done
            .iter()
            .map(|(_, d)| &d.meta)
            .max_by(|a, b| a.date_iso.cmp(&b.date_iso))
            .expect("the summary has units");
        Self {
            year: done
                .iter()
                .all(|(_, d)| &d.meta.year == year)
                .then(|| year.clone()),
            date: latest.date.clone(),
            date_iso: latest.date_iso.clone(),
            converted: done.iter().any(|(_, d)| d.sheet.converted.is_some()),
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
    fn pdf(&self, failed: &[&Unit]) -> Result<Vec<u8>> {
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
            let files: Vec<String> = failed
                .iter()
                .map(|u| u.facts.display().to_string())
                .collect();
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
    fn long_names_shorten_in_the_middle() {
        assert_eq!(
            abbreviate("芷江侗族自治县人力资源和社会保障局\n"),
            "芷江侗族自治县人力资源和社会保障局"
        );
        assert_eq!(
            abbreviate("怀化市洪江区人力资源和社会保障局劳动监察大队"),
            "怀化市洪江区人力资源…劳动监察大队"
        );
    }

    #[test]
    fn same_stem_twice_fails_the_second_and_the_summary_name_is_taken() {
        let units = plan(
            vec!["a/x.toml".into(), "b/x.toml".into(), "c/汇总表.toml".into()],
            Path::new("out"),
        );
        assert_eq!(units[0].pdf.as_deref().unwrap(), Path::new("out/x.pdf"));
        assert!(units[1].pdf.as_ref().unwrap_err().contains("a/x.toml"));
        assert!(units[2].pdf.as_ref().unwrap_err().contains("汇总表"));
    }
}
