//! Hostile input never crashes: arbitrary text as facts or framework, and
//! valid files with extreme numbers, always end in a result or a clear
//! error — never a panic, an overflow or a hang. Random frameworks score
//! within their weights (hardening_numbers' property, run in the same rounds). Inputs that once failed
//! are kept in tests/regressions/ and replayed here.

use std::path::Path;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use zpbg::facts::FactsFile;
use zpbg::figures::Figures;
use zpbg::framework::Framework;
use zpbg::profile::Profile;
use zpbg::scoring::ScoreSheet;

use crate::hardening_numbers;
use crate::harness::{read, root};

/// Loads, scores and writes the narrative of `text`; any `Err` is fine.
fn run(text: &str) {
    let Ok(facts) = FactsFile::parse(Path::new("fuzz.toml"), text.to_string()) else {
        return;
    };
    for id in Profile::builtin_ids() {
        let profile = Profile::builtin(id).unwrap();
        let figures = Figures::compute(&facts, &profile.figures);
        if ScoreSheet::compute(&profile.framework, &facts, &figures).is_ok() {
            let _ = zpbg::pipeline::build(&profile, &facts, None);
        }
    }
}

/// Any printable text, at most 400 characters.
fn any_text() -> impl Strategy<Value = String> {
    "\\PC{0,400}"
}

/// The example with one amount replaced by an extreme number.
fn extreme_amounts() -> impl Strategy<Value = String> {
    let field = prop::sample::select(vec![
        "budget_full = 1865.30",
        "actual = 412.50",
        "budget = 320.00",
        "previous = 3.20",
        "valid = 372",
        "value = 1500 }",
        "actual = 1380",
        "score = 3.5",
    ]);
    let value = prop::sample::select(vec![
        "0",
        "-0",
        "0.000000000000000000000001",
        "79228162514264337593543950335",
        "-79228162514264337593543950335",
        "1e27",
        "1e-27",
        "99999999999999999999999999.99",
        "4294967295",
        "-1",
        "1.7976931348623157e308",
        "nan",
        "inf",
    ]);
    let example = read("data/example.toml");
    (field, value).prop_map(move |(field, value)| {
        let (key, _) = field.split_once('=').unwrap();
        let suffix = if field.ends_with('}') { " }" } else { "" };
        example.replacen(field, &format!("{key}= {value}{suffix}"), 1)
    })
}

/// `text` with one line dropped, duplicated or given another value, so the
/// damage reaches the checks behind the TOML parser.
fn damaged(text: String) -> impl Strategy<Value = String> {
    let lines = text.lines().count();
    let value = prop::sample::select(vec![
        "\"\"",
        "0",
        "-1",
        "1e400",
        "[]",
        "{}",
        "\"达成\"",
        "true",
        "\"exclude\"",
        "[\"\"]",
        "{ op = \">=\", value = -5 }",
        "\"x\"",
    ]);
    (0..lines.max(1), 0..3u8, value).prop_map(move |(line, how, value)| {
        let mut out: Vec<String> = text.lines().map(str::to_string).collect();
        match how {
            0 => {
                out.remove(line);
            }
            1 => out.insert(line, out[line].clone()),
            _ => {
                if let Some((key, _)) = out[line].split_once('=') {
                    out[line] = format!("{key}= {value}");
                }
            }
        }
        out.join("\n")
    })
}

/// Draws `cases` inputs from `strategy` and feeds each to `test`; a panic is
/// shrunk to a minimal input and reported.
fn check<S: Strategy>(name: &str, cases: u32, strategy: S, test: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if let Err(e) = TestRunner::new(config).run(&strategy, |value| {
        test(value);
        Ok(())
    }) {
        panic!("{name}: {e}\nAdd the minimal input to tests/regressions/.");
    }
}

/// 64 cases of each property per round. A normal test run does one round;
/// CI's fuzz step sets `ZPBG_FUZZ_SECONDS` and rounds go on, with fresh
/// random inputs, until that time is spent.
#[test]
fn hostile_input_never_panics() {
    let budget = std::env::var("ZPBG_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::ZERO, Duration::from_secs);
    let start = Instant::now();
    let mut rounds = 0;
    loop {
        check("arbitrary text as facts", 64, any_text(), |t| run(&t));
        check("arbitrary text as framework", 64, any_text(), |t| {
            let _ = Framework::parse(Path::new("fuzz.toml"), &t);
        });
        check("extreme amounts", 64, extreme_amounts(), |t| run(&t));
        for facts in [
            "data/example.toml",
            "tests/fixtures/ref000.toml",
            "tests/fixtures/ref001.toml",
        ] {
            check(facts, 64, damaged(read(facts)), |t| run(&t));
        }
        for fw in ["hunan-2024", "hunan-2020", "henan-2022"] {
            let path = format!("templates/{fw}/framework.toml");
            check(&path, 64, damaged(read(&path)), |t| {
                let _ = Framework::parse(Path::new("fw.toml"), &t);
            });
        }
        check(
            "branch scores within weights",
            64,
            hardening_numbers::framework_and_facts(),
            |(framework, facts)| hardening_numbers::assert_scores_add_up(&framework, &facts),
        );
        rounds += 1;
        if start.elapsed() >= budget {
            break;
        }
    }
    eprintln!("{rounds} rounds in {:.1?}", start.elapsed());
}

#[test]
fn regression_corpus() {
    let dir = root().join("tests/regressions");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            run(&std::fs::read_to_string(&path).unwrap());
        }
    }
}
