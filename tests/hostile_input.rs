//! Hostile input never crashes: arbitrary text as facts or framework, and
//! valid files with extreme numbers, always end in a result or a clear
//! error — never a panic, an overflow or a hang. Inputs that once failed
//! are kept in tests/regressions/ and replayed here.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use zpbg::facts::FactsFile;
use zpbg::figures::Figures;
use zpbg::framework::Framework;
use zpbg::profile::Profile;
use zpbg::scoring;

fn example() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/example.toml"))
        .unwrap()
}

/// Loads, scores and writes the narrative of `text`; any `Err` is fine.
fn run(text: &str) {
    let Ok(facts) = FactsFile::parse(Path::new("fuzz.toml"), text.to_string()) else {
        return;
    };
    for id in Profile::builtin_ids() {
        let profile = Profile::builtin(id).unwrap();
        let figures = Figures::compute(&facts);
        if scoring::score(&profile.framework, &facts, &figures).is_ok() {
            let _ = zpbg::pipeline::build(&profile, &facts, None);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_as_facts(text in "\\PC{0,400}") {
        run(&text);
    }

    #[test]
    fn arbitrary_text_as_framework(text in "\\PC{0,400}") {
        let _ = Framework::parse(Path::new("fuzz.toml"), &text);
    }

    /// The example with one amount replaced by an extreme number.
    #[test]
    fn extreme_amounts(
        field in prop::sample::select(vec![
            "budget_full = 1865.30",
            "actual = 412.50",
            "budget = 320.00",
            "previous = 3.20",
            "valid = 372",
            "value = 1500 }",
            "actual = 1380",
            "score = 3.5",
        ]),
        value in prop::sample::select(vec![
            "0", "-0", "0.000000000000000000000001", "79228162514264337593543950335",
            "-79228162514264337593543950335", "1e27", "1e-27", "99999999999999999999999999.99",
            "4294967295", "-1", "1.7976931348623157e308", "nan", "inf",
        ]),
    ) {
        let (key, _) = field.split_once('=').unwrap();
        let suffix = if field.ends_with('}') { " }" } else { "" };
        let text = example().replacen(field, &format!("{key}= {value}{suffix}"), 1);
        run(&text);
    }

    /// Real framework text with one line dropped or duplicated.
    #[test]
    fn damaged_frameworks(line in 0usize..200, duplicate in any::<bool>()) {
        let fw = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/hunan-2020/framework.toml"),
        ).unwrap();
        let mut lines: Vec<&str> = fw.lines().collect();
        if line < lines.len() {
            if duplicate { lines.insert(line, lines[line]); } else { lines.remove(line); }
        }
        let _ = Framework::parse(Path::new("fw.toml"), &lines.join("\n"));
    }
}

#[test]
fn regression_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            run(&std::fs::read_to_string(&path).unwrap());
        }
    }
}
