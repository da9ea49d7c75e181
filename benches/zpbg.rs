//! `cargo bench --bench zpbg`: wall time, throughput and peak memory of the
//! real `zpbg` binary, as a user runs it.
//!
//! - `gen` for each built-in profile on its bundled facts file;
//! - `score` alone, as a process and in-process;
//! - `zpbg gen` against `typst compile` of the same emitted Typst source with
//!   the same fonts, interleaved so both see the same machine (needs the typst
//!   CLI on `PATH`, or its path in `TYPST`; skipped otherwise);
//! - `batch` of 100 generated units against 100 separate `gen` runs;
//! - `watch`: the re-render after a one-line change to the facts, as the
//!   watching process reports each round's time, against a fresh `gen`.
//!
//! `cargo bench --bench zpbg -- watch batch` runs only the parts named
//! (`gen`, `score`, `typst`, `batch`, `watch`).
//!
//! Peak memory is the child's maximum resident set size from `wait4`.
//! `ZPBG_BENCH_RUNS` sets the repetitions (default 10); `ZPBG_BIN` the
//! binary measured, if not the one cargo built with the benchmark. Under `cargo test`
//! (no `--bench` argument) every measurement runs once on a small input, so
//! the benchmark is kept working without costing CI its time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One finished child process.
struct Sample {
    wall: Duration,
    peak_kib: u64,
}

/// Repeated samples of one command.
struct Series {
    samples: Vec<Sample>,
}

impl Series {
    fn median(&self) -> Duration {
        let mut walls: Vec<Duration> = self.samples.iter().map(|s| s.wall).collect();
        walls.sort();
        walls[walls.len() / 2]
    }

    fn min(&self) -> Duration {
        self.samples.iter().map(|s| s.wall).min().unwrap()
    }

    fn peak_mib(&self) -> f64 {
        self.samples.iter().map(|s| s.peak_kib).max().unwrap() as f64 / 1024.0
    }
}

/// Runs `cmd` to completion; panics with its stderr if it fails.
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, and reports its peak memory as it does"
)]
fn measure(cmd: &mut Command, scratch: &Path) -> Sample {
    let log = scratch.join("stderr.log");
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("command starts");
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    Sample {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_kib: usage.ru_maxrss as u64,
    }
}

/// `zpbg` with `args`: the binary cargo built with the benchmark, or the
/// one `ZPBG_BIN` names (a release build measured by a harness built in
/// another profile).
fn zpbg(args: &[&Path]) -> Command {
    let binary = std::env::var_os("ZPBG_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_zpbg")), PathBuf::from);
    let mut cmd = Command::new(binary);
    cmd.args(args);
    cmd
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// The typst CLI to compare against, if there is one.
fn typst_cli() -> Option<PathBuf> {
    let candidate = std::env::var_os("TYPST").map_or_else(|| PathBuf::from("typst"), PathBuf::from);
    Command::new(&candidate)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| candidate)
}

/// `count` fictional units from the example, differing in name and in how
/// satisfied their survey was, so their scores and texts differ.
fn write_units(dir: &Path, count: usize) {
    let example = std::fs::read_to_string(root().join("data/example.toml")).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..count {
        let text = example
            .replacen(
                "name = \"示例县人力资源和社会保障局\"",
                &format!("name = \"示例县第{}人力资源和社会保障局\"", i + 1),
                1,
            )
            .replacen(
                "satisfied = 348",
                &format!("satisfied = {}", 300 + i % 72),
                1,
            );
        std::fs::write(dir.join(format!("unit{:03}.toml", i + 1)), text).unwrap();
    }
}

struct Bench {
    runs: usize,
    units: usize,
    scratch: PathBuf,
    report: String,
}

impl Bench {
    fn row(&mut self, cells: &[String]) {
        writeln!(self.report, "| {} |", cells.join(" | ")).unwrap();
    }

    fn series(&self, mut make: impl FnMut() -> Command) -> Series {
        Series {
            samples: (0..self.runs)
                .map(|_| measure(&mut make(), &self.scratch))
                .collect(),
        }
    }

    fn gen_per_profile(&mut self) {
        writeln!(
            self.report,
            "\n## `zpbg gen`, one report per built-in profile ({} runs)\n",
            self.runs
        )
        .unwrap();
        self.row(&[
            "profile".into(),
            "facts".into(),
            "median wall".into(),
            "fastest".into(),
            "reports/s".into(),
            "peak RSS".into(),
        ]);
        self.row(&vec!["---".into(); 6]);
        for (profile, facts) in [
            ("hunan-2024", "data/example.toml"),
            ("hunan-2020", "tests/fixtures/ref000.toml"),
            ("henan-2022", "tests/fixtures/ref001.toml"),
        ] {
            let input = root().join(facts);
            let pdf = self.scratch.join(format!("{profile}.pdf"));
            let series = self.series(|| zpbg(&[Path::new("gen"), &input, Path::new("-o"), &pdf]));
            self.row(&[
                profile.into(),
                format!("`{facts}`"),
                secs(series.median()),
                secs(series.min()),
                format!("{:.1}", 1.0 / series.median().as_secs_f64()),
                format!("{:.0} MB", series.peak_mib()),
            ]);
        }
    }

    fn score(&mut self) {
        writeln!(self.report, "\n## Score only\n").unwrap();
        let input = root().join("data/example.toml");
        let series = self.series(|| {
            zpbg(&[
                Path::new("score"),
                &input,
                Path::new("--format"),
                Path::new("json"),
            ])
        });
        self.row(&[
            "run".into(),
            "median wall".into(),
            "throughput".into(),
            "peak RSS".into(),
        ]);
        self.row(&vec!["---".into(); 4]);
        self.row(&[
            "`zpbg score data/example.toml --format json` (process)".into(),
            secs(series.median()),
            format!("{:.0} runs/s", 1.0 / series.median().as_secs_f64()),
            format!("{:.0} MB", series.peak_mib()),
        ]);

        // In-process: loading the facts and scoring, without process start-up.
        let profile = zpbg::profile::Profile::resolve("hunan-2024").unwrap();
        let text = std::fs::read_to_string(&input).unwrap();
        let budget = if self.runs > 1 {
            Duration::from_secs(2)
        } else {
            Duration::ZERO
        };
        let start = Instant::now();
        let mut count = 0u32;
        loop {
            let facts = zpbg::facts::FactsFile::parse(&input, text.clone()).unwrap();
            let sheet = zpbg::pipeline::score_only(&profile, &facts).unwrap();
            std::hint::black_box(sheet);
            count += 1;
            if start.elapsed() >= budget {
                break;
            }
        }
        let each = start.elapsed() / count;
        self.row(&[
            "parse facts + score, in-process (`zpbg::pipeline::score_only`)".into(),
            format!("{:.1} µs each", each.as_secs_f64() * 1e6),
            format!("{:.0} units/s", 1.0 / each.as_secs_f64()),
            "—".into(),
        ]);
    }

    fn against_typst_cli(&mut self) {
        writeln!(
            self.report,
            "\n## `zpbg gen` against `typst compile` of the same emitted source ({} runs each, interleaved)\n",
            self.runs
        )
        .unwrap();
        let Some(typst) = typst_cli() else {
            writeln!(
                self.report,
                "Skipped: no typst CLI on `PATH` (set `TYPST` to its path)."
            )
            .unwrap();
            return;
        };
        let version = Command::new(&typst).arg("--version").output().unwrap();
        let input = root().join("data/example.toml");
        let emitted = self.scratch.join("emitted");
        measure(
            &mut zpbg(&[
                Path::new("gen"),
                &input,
                Path::new("--emit"),
                Path::new("typst"),
                Path::new("-o"),
                &emitted,
            ]),
            &self.scratch,
        );
        let ours = self.scratch.join("zpbg.pdf");
        let theirs = self.scratch.join("typst.pdf");
        let typst_cmd = || {
            let mut cmd = Command::new(&typst);
            cmd.arg("compile")
                .arg("--root")
                .arg(&emitted)
                .arg("--font-path")
                .arg(emitted.join("fonts"))
                .arg("--ignore-system-fonts")
                .arg(emitted.join("report.typ"))
                .arg(&theirs);
            cmd
        };
        let (mut zs, mut ts) = (Vec::new(), Vec::new());
        for _ in 0..self.runs {
            zs.push(measure(
                &mut zpbg(&[Path::new("gen"), &input, Path::new("-o"), &ours]),
                &self.scratch,
            ));
            ts.push(measure(&mut typst_cmd(), &self.scratch));
        }
        let (zs, ts) = (Series { samples: zs }, Series { samples: ts });
        let size = |pdf: &Path| {
            let bytes = std::fs::read(pdf).unwrap();
            format!("{} KB", bytes.len() / 1024)
        };
        self.row(&[
            "run".into(),
            "median wall".into(),
            "fastest".into(),
            "peak RSS".into(),
            "PDF".into(),
        ]);
        self.row(&vec!["---".into(); 5]);
        self.row(&[
            "`zpbg gen data/example.toml`: facts → score → narrative → PDF".into(),
            secs(zs.median()),
            secs(zs.min()),
            format!("{:.0} MB", zs.peak_mib()),
            size(&ours),
        ]);
        self.row(&[
            format!(
                "`{}` compile of the emitted source",
                String::from_utf8_lossy(&version.stdout).trim()
            ),
            secs(ts.median()),
            secs(ts.min()),
            format!("{:.0} MB", ts.peak_mib()),
            size(&theirs),
        ]);
        writeln!(
            self.report,
            "\nRatio of medians, zpbg / typst CLI: {:.2}×",
            zs.median().as_secs_f64() / ts.median().as_secs_f64()
        )
        .unwrap();
    }

    fn batch(&mut self) {
        let runs = self.runs.min(5);
        writeln!(
            self.report,
            "\n## `batch` of {} units against {} separate `gen` runs ({runs} runs each)\n",
            self.units, self.units
        )
        .unwrap();
        let units = self.scratch.join("units");
        write_units(&units, self.units);
        let out = self.scratch.join("batch-out");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let files: Vec<PathBuf> = (1..=self.units)
            .map(|i| units.join(format!("unit{i:03}.toml")))
            .collect();
        let pdf = self.scratch.join("separate.pdf");
        let separate_gens = || {
            let start = Instant::now();
            let mut peak = 0;
            for file in &files {
                let s = measure(
                    &mut zpbg(&[Path::new("gen"), file, Path::new("-o"), &pdf]),
                    &self.scratch,
                );
                peak = peak.max(s.peak_kib);
            }
            Sample {
                wall: start.elapsed(),
                peak_kib: peak,
            }
        };
        // Interleaved, so that all three see the same machine.
        let (mut batch, mut batch1, mut separate) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            batch.push(measure(
                &mut zpbg(&[Path::new("batch"), &units, Path::new("-o"), &out]),
                &self.scratch,
            ));
            batch1.push(measure(
                &mut zpbg(&[
                    Path::new("batch"),
                    &units,
                    Path::new("-o"),
                    &out,
                    Path::new("--jobs"),
                    Path::new("1"),
                ]),
                &self.scratch,
            ));
            separate.push(separate_gens());
        }
        let batch = Series { samples: batch };
        let batch1 = Series { samples: batch1 };
        let separate = Series { samples: separate };
        let n = self.units as f64;
        self.row(&[
            "run".into(),
            "median wall".into(),
            "per unit".into(),
            "units/s".into(),
            "peak RSS".into(),
        ]);
        self.row(&vec!["---".into(); 5]);
        for (name, s) in [
            (
                format!("`zpbg batch units/ -o out/` ({cores} jobs, one per core)"),
                &batch,
            ),
            ("`zpbg batch units/ -o out/ --jobs 1`".to_string(), &batch1),
            (
                format!(
                    "{} × `zpbg gen unitNNN.toml`, one after another",
                    self.units
                ),
                &separate,
            ),
        ] {
            let wall = s.median().as_secs_f64();
            self.row(&[
                name,
                format!("{wall:.2} s"),
                format!("{:.3} s", wall / n),
                format!("{:.1}", n / wall),
                format!("{:.0} MB", s.peak_mib()),
            ]);
        }
        writeln!(
            self.report,
            "\nBatch is {:.2}× faster per unit than separate `gen` runs ({:.2}× with one job).",
            separate.median().as_secs_f64() / batch.median().as_secs_f64(),
            separate.median().as_secs_f64() / batch1.median().as_secs_f64()
        )
        .unwrap();
    }
}

impl Bench {
    fn watch(&mut self) {
        writeln!(
            self.report,
            "\n## `zpbg watch`: re-render after a one-line change to the facts ({} rounds, against {} fresh `gen` runs)\n",
            self.runs, self.runs
        )
        .unwrap();
        self.row(&[
            "report".into(),
            "first round".into(),
            "re-render median".into(),
            "fastest".into(),
            "fresh `gen` median".into(),
            "re-render / `gen`".into(),
        ]);
        self.row(&vec!["---".into(); 6]);
        let example = std::fs::read_to_string(root().join("data/example.toml")).unwrap();
        for (name, section) in [
            ("`data/example.toml`, whole report", None),
            ("the same, `--section problems`", Some("problems")),
        ] {
            let dir = self
                .scratch
                .join(format!("watch-{}", section.unwrap_or("all")));
            std::fs::create_dir_all(&dir).unwrap();
            let facts = dir.join("facts.toml");
            std::fs::write(&facts, &example).unwrap();
            let pdf = dir.join("watched.pdf");
            let log = dir.join("watch.log");
            let mut args: Vec<&Path> = vec![Path::new("watch"), &facts, Path::new("-o"), &pdf];
            let mut gen_args: Vec<&Path> = vec![Path::new("gen"), &facts];
            if let Some(section) = section {
                args.extend([Path::new("--section"), Path::new(section)]);
                gen_args.extend([Path::new("--section"), Path::new(section)]);
            }
            let fresh = dir.join("fresh.pdf");
            gen_args.extend([Path::new("-o"), fresh.as_path()]);
            let mut child = zpbg(&args)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .expect("zpbg watch starts");
            let first = round_times(&log, "已生成", 1).remove(0);
            for i in 0..self.runs {
                // One line of the facts: a problem's text, different each time.
                let text = example.replacen(
                    "预算执行进度不够均衡",
                    &format!("预算执行进度不够均衡（第 {} 稿）", i + 1),
                    1,
                );
                let tmp = dir.join("facts.toml.new");
                std::fs::write(&tmp, text).unwrap();
                std::fs::rename(&tmp, &facts).unwrap();
                round_times(&log, "已更新", i + 1);
            }
            let mut rounds = round_times(&log, "已更新", self.runs);
            // SAFETY: signals the child started above, still running.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
            child.wait().unwrap();
            rounds.sort();
            let median = rounds[rounds.len() / 2];
            let fresh_gen = self.series(|| zpbg(&gen_args));
            self.row(&[
                name.into(),
                secs(first),
                secs(median),
                secs(rounds[0]),
                secs(fresh_gen.median()),
                format!(
                    "{:.2}×",
                    median.as_secs_f64() / fresh_gen.median().as_secs_f64()
                ),
            ]);
        }
        writeln!(
            self.report,
            "\nThe watch's times are those it prints for each round (read the facts, score, write the narrative, lay out, write the PDF); the fresh `gen` is the whole process."
        )
        .unwrap();
    }
}

/// The times of the first `count` rounds the watch logging to `log`
/// reported with `verb`, waiting up to a minute for them.
fn round_times(log: &Path, verb: &str, count: usize) -> Vec<Duration> {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let times: Vec<Duration> = text
            .lines()
            .filter(|line| line.starts_with(verb))
            .map(|line| {
                let after = line.split("用时 ").nth(1).expect("the round's time");
                let seconds: f64 = after.split(" 秒").next().unwrap().parse().unwrap();
                Duration::from_secs_f64(seconds)
            })
            .collect();
        if times.len() >= count {
            return times[..count].to_vec();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60) && !text.contains("错误："),
            "zpbg watch did not report {count} rounds in {:?}:\n{text}",
            start.elapsed()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cores} cores, {cpu}")
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full {
        std::env::var("ZPBG_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10)
    } else {
        1
    };
    let scratch = std::env::temp_dir().join(format!("zpbg-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut bench = Bench {
        runs,
        units: if full { 100 } else { 4 },
        scratch: scratch.clone(),
        report: format!("Machine: {}\n", machine()),
    };
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    if wanted("gen") {
        bench.gen_per_profile();
    }
    if wanted("score") {
        bench.score();
    }
    if wanted("typst") {
        bench.against_typst_cli();
    }
    if wanted("batch") {
        bench.batch();
    }
    if wanted("watch") {
        bench.watch();
    }
    println!("{}", bench.report);
    if !full {
        println!(
            "(smoke run: one repetition on a small batch; `cargo bench --bench zpbg` measures)"
        );
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}
