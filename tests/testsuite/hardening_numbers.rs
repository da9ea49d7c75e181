//! Limits on numbers: how deep a framework may be, how precise weights and
//! amounts may be, and which report years and dates are accepted. Each
//! input here once crashed zpbg or printed a number that could not be right.

use std::path::Path;
use std::process::Output;

use proptest::prelude::*;
use rust_decimal::Decimal;
use zpbg::facts::FactsFile;
use zpbg::figures::Figures;
use zpbg::framework::Framework;
use zpbg::num;
use zpbg::scoring::{ScoreSheet, Scored};

use crate::harness::{read, root, scratch, stderr, zpbg};

/// Copies the built-in `hunan-2024` profile into `dir` with `framework` as
/// its framework.toml.
fn profile_with_framework(dir: &Path, framework: &str) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    copy(&root().join("templates/hunan-2024"), dir);
    std::fs::write(dir.join("framework.toml"), framework).unwrap();
}

/// The smallest facts file for `hunan-2024`, plus `extra`.
fn minimal_facts(extra: &str) -> String {
    format!(
        r#"[unit]
name = "测试局"
[report]
year = 2024
date = 2025-05-01
[staffing]
categories = [{{ name = "行政", establishment = 10, actual = 9 }}]
[money]
budget_full = 100
basic.personnel = {{ budget = 50, actual = 48 }}
basic.public = {{ budget = 10, actual = 9.5 }}
{extra}"#
    )
}

/// The id of the indicator `depth` levels down: `a.a.…`.
fn deep_id(depth: usize) -> String {
    vec!["a"; depth].join(".")
}

/// A framework whose only indicator chain is `depth` levels deep.
fn deep_framework(depth: usize) -> String {
    let levels: Vec<String> = (1..=depth).map(|i| format!("\"{i}级\"")).collect();
    let mut text = format!(
        "[framework]\nname = \"深\"\nlevels = [{}]\n",
        levels.join(", ")
    );
    let mut id = String::new();
    for level in 1..=depth {
        if !id.is_empty() {
            id.push('.');
        }
        id.push('a');
        text.push_str(&format!(
            "\n[[indicator]]\nid = \"{id}\"\nname = \"第{level}级\"\nweight = 100\n"
        ));
    }
    text.push_str("rule = { kind = \"assessor\" }\n");
    text
}

#[test]
fn deep_framework_is_refused_at_load_with_its_line() {
    let dir = scratch("deep");
    let profile = dir.join("profile");
    // 1500 levels overflowed the main thread's stack while scoring (the
    // facts assess the deepest leaf, so scoring walks all the way down);
    // the file stays under 4 MB, below any input size limit.
    let depth = 1500;
    profile_with_framework(&profile, &deep_framework(depth));
    let facts = dir.join("facts.toml");
    let assess = format!("[assess.\"{}\"]\nscore = 90\n", deep_id(depth));
    std::fs::write(&facts, minimal_facts(&assess)).unwrap();
    let out = zpbg(&[
        "score",
        facts.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    // The 17th indicator is the first too deep: 3 header lines, then 5
    // lines per indicator, its table header after a blank line.
    let framework = profile.join("framework.toml");
    assert!(
        err.contains(&format!("{}:85:", framework.display())),
        "{err}"
    );
    assert!(err.contains("超过上限 16 级"), "{err}");
}

/// A small deterministic generator (SplitMix64), so one drawn seed gives
/// one framework and its facts.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }

    /// `total` split into `parts` positive parts.
    fn split(&mut self, total: u64, parts: u64) -> Vec<u64> {
        let mut rest = total - parts;
        let mut out = Vec::new();
        for _ in 1..parts {
            let extra = self.below(rest + 1);
            rest -= extra;
            out.push(1 + extra);
        }
        out.push(1 + rest);
        out
    }
}

/// Points in hundredths, as a framework writes them: two decimals at most.
fn cents(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// A random framework (weights of two decimals, every rule kind whose
/// score can fall between 0 and the weight) and facts that score it.
struct Drawn {
    rng: Rng,
    framework: String,
    facts: String,
}

impl Drawn {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        let total = 100 + rng.below(19_901);
        let budget_full = 58 + rng.below(200);
        let mut drawn = Drawn {
            framework: format!(
                "[framework]\nname = \"随机\"\nlevels = [\"一\", \"二\", \"三\", \"四\", \"五\"]\ntotal = {}\n",
                cents(total)
            ),
            facts: minimal_facts("")
                .replace("budget_full = 100", &format!("budget_full = {budget_full}")),
            rng,
        };
        let roots = 1 + drawn.rng.below(4);
        for (i, weight) in drawn.rng.split(total, roots).into_iter().enumerate() {
            drawn.node(&format!("r{i}"), weight, 1);
        }
        drawn
    }

    fn node(&mut self, id: &str, weight: u64, depth: usize) {
        self.framework.push_str(&format!(
            "\n[[indicator]]\nid = \"{id}\"\nname = \"{id}\"\nweight = {}\n",
            cents(weight)
        ));
        let kinds = if depth < 4 && weight >= 2 { 7 } else { 6 };
        let assess = format!("\n[assess.\"{id}\"]\n");
        match self.rng.below(kinds) {
            0 | 1 => {
                let exclude = self.rng.below(2) == 0;
                if exclude {
                    self.framework.push_str("na = \"exclude\"\n");
                }
                self.framework.push_str("rule = { kind = \"assessor\" }\n");
                // Three decimals: the assessor may write any score.
                let score = self.rng.below(weight * 10 + 1);
                let na = exclude && self.rng.below(2) == 0;
                self.facts.push_str(&format!(
                    "{assess}na = {na}\nscore = {}.{:03}\nreason = \"理由\"\n",
                    score / 1000,
                    score % 1000
                ));
            }
            2 => {
                let count = 1 + self.rng.below(weight.min(3));
                let parts = self.rng.split(weight, count);
                let items: Vec<String> = parts
                    .iter()
                    .map(|p| format!("{{ text = \"项\", points = {} }}", cents(*p)))
                    .collect();
                let met: Vec<&str> = parts
                    .iter()
                    .map(|_| {
                        if self.rng.below(2) == 0 {
                            "true"
                        } else {
                            "false"
                        }
                    })
                    .collect();
                self.framework.push_str(&format!(
                    "rule = {{ kind = \"checklist\", items = [{}] }}\n",
                    items.join(", ")
                ));
                self.facts
                    .push_str(&format!("{assess}met = [{}]\n", met.join(", ")));
            }
            3 => {
                let points = 1 + self.rng.below(weight);
                self.framework.push_str(&format!(
                    "rule = {{ kind = \"per_case\", points = {} }}\n",
                    cents(points)
                ));
                let cases = self.rng.below(5);
                self.facts.push_str(&format!("{assess}cases = {cases}\n"));
            }
            4 => {
                let per_point = 1 + self.rng.below(300);
                self.framework.push_str(&format!(
                    "rule = {{ kind = \"linear\", figure = \"budget_execution_rate\", per_point = {} }}\n",
                    cents(per_point)
                ));
            }
            5 => {
                self.framework.push_str("open = true\n");
                let count = 1 + self.rng.below(weight.min(3));
                let parts = self.rng.split(weight, count);
                for part in parts {
                    let value = 1 + self.rng.below(1000);
                    let actual = self.rng.below(1_200_000);
                    self.facts.push_str(&format!(
                        "\n[[indicators]]\nbranch = \"{id}\"\nname = \"自设\"\nweight = {}\ntarget = {{ op = \">=\", value = {value} }}\nactual = {}.{:03}\n",
                        cents(part),
                        actual / 1000,
                        actual % 1000
                    ));
                }
            }
            _ => {
                let count = 1 + self.rng.below(weight.min(4));
                let parts = self.rng.split(weight, count);
                for (i, part) in parts.into_iter().enumerate() {
                    self.node(&format!("{id}.c{i}"), part, depth + 1);
                }
            }
        }
    }
}

/// Random frameworks with facts that score them, as (framework, facts).
pub fn framework_and_facts() -> impl Strategy<Value = (String, String)> {
    any::<u64>().prop_map(|seed| {
        let drawn = Drawn::new(seed);
        (drawn.framework, drawn.facts)
    })
}

/// A score as printed, read back.
fn printed(value: Decimal) -> Decimal {
    num::points(value).parse().unwrap()
}

fn assert_node(node: &Scored) {
    let id = &node.id;
    assert!(node.score >= Decimal::ZERO, "{id}: {} < 0", node.score);
    assert!(
        node.score <= node.weight,
        "{id}: {} > {}",
        node.score,
        node.weight
    );
    assert_eq!(node.score, printed(node.score), "{id}: not two decimals");
    if !node.children.is_empty() {
        let sum: Decimal = node.children.iter().map(|c| printed(c.score)).sum();
        assert_eq!(printed(node.score), sum, "{id}: children do not add up");
        node.children.iter().for_each(assert_node);
    }
}

/// Every branch lies between 0 and its weight and is the sum of its
/// children as printed; the total is the sum of the first level (or its
/// conversion) and never exceeds the framework's total.
pub fn assert_scores_add_up(framework: &str, facts: &str) {
    let framework = Framework::parse(Path::new("fw.toml"), framework).unwrap();
    let facts = FactsFile::parse(Path::new("facts.toml"), facts.to_string()).unwrap();
    let figures = Figures::compute(&facts, &[]);
    let sheet = ScoreSheet::compute(&framework, &facts, &figures).unwrap();
    sheet.roots.iter().for_each(assert_node);
    let sum: Decimal = sheet.roots.iter().map(|r| printed(r.score)).sum();
    assert_eq!(printed(sheet.raw), sum);
    match sheet.converted {
        Some(converted) => assert_eq!(sheet.total, converted),
        None => assert_eq!(sheet.total, sheet.raw),
    }
    assert!(sheet.total >= Decimal::ZERO && sheet.total <= sheet.weight);
    assert_eq!(sheet.total, printed(sheet.total));
}

#[test]
fn three_decimal_weights_are_refused() {
    // 10.005 + 9.995 of 20 printed 10.01 + 10 = 20.01 of 20.
    let framework = r#"[framework]
name = "测试"
levels = ["一级指标", "二级指标"]
total = 20

[[indicator]]
id = "a"
name = "甲"
weight = 20

[[indicator]]
id = "a.x"
name = "甲一"
weight = 10.005
rule = { kind = "assessor" }

[[indicator]]
id = "a.y"
name = "甲二"
weight = 9.995
rule = { kind = "assessor" }
"#;
    let dir = scratch("decimals");
    let profile = dir.join("profile");
    profile_with_framework(&profile, framework);
    let facts = dir.join("facts.toml");
    let assess = "[assess.\"a.x\"]\nscore = 10.005\n[assess.\"a.y\"]\nscore = 9.995\n";
    std::fs::write(&facts, minimal_facts(assess)).unwrap();
    let out = zpbg(&[
        "score",
        facts.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let at = format!("{}:11:", profile.join("framework.toml").display());
    assert!(err.contains(&at) && err.contains("2 位小数"), "{err}");
}

#[test]
fn unit_weights_with_three_decimals_are_refused() {
    let facts = read("tests/fixtures/ref002.toml");
    let line = facts
        .lines()
        .position(|l| l.starts_with("weight = "))
        .unwrap();
    let mut lines: Vec<String> = facts.lines().map(str::to_string).collect();
    lines[line] = "weight = 2.005".into();
    let dir = scratch("unit-weight");
    let path = dir.join("facts.toml");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let out = zpbg(&["check", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("indicators.weight") && err.contains("2 位小数"),
        "{err}"
    );
}

/// Runs `command` (check or gen) on `facts` written to a scratch file.
fn run(command: &str, name: &str, facts: &str) -> (Output, String) {
    let dir = scratch(&format!("{command}-{name}"));
    let path = dir.join("facts.toml");
    std::fs::write(&path, facts).unwrap();
    let out_pdf = dir.join("out.pdf");
    let mut args = vec![command, path.to_str().unwrap()];
    if command == "gen" {
        args.extend(["-o", out_pdf.to_str().unwrap()]);
    }
    let out = zpbg(&args);
    assert!(!out_pdf.exists(), "{name}: gen wrote a PDF");
    (out, path.display().to_string())
}

/// `check` and `gen` both refuse `facts`, naming `field` at `line`.
fn assert_refused(name: &str, facts: &str, field: &str, line: usize, words: &str) {
    for command in ["check", "gen"] {
        let (out, path) = run(command, name, facts);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command} {name}: {err}");
        assert!(
            err.contains(&format!("字段 {field}")) && err.contains(&format!("{path}:{line}:")),
            "{command} {name}: {err}"
        );
        assert!(err.contains(words), "{command} {name}: {err}");
    }
}

/// The example with the first line starting `key` replaced by `line`, and
/// that line's number.
fn example_with(key: &str, line: &str) -> (String, usize) {
    let text = read("data/example.toml");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines.iter().position(|l| l.starts_with(key)).unwrap();
    lines[at] = line.to_string();
    (lines.join("\n"), at + 1)
}

#[test]
fn amounts_that_f64_would_change_are_refused() {
    // Read through f64 this became 1865.3000000000002 without a word.
    let (facts, line) = example_with("budget_full = ", "budget_full = 1865.300000000000123");
    assert_refused("digits", &facts, "money.budget_full", line, "有效数字太多");
}

#[test]
fn huge_amounts_are_refused_by_check_as_by_gen() {
    // check passed this and gen failed with an English template error.
    let text = read("data/example.toml");
    let at = text.find("[three_public.reception]").unwrap();
    let actual = at + text[at..].find("actual = ").unwrap();
    let line = text[..actual].matches('\n').count() + 1;
    let end = actual + text[actual..].find('\n').unwrap();
    let facts = format!("{}actual = 7e28{}", &text[..actual], &text[end..]);
    assert_refused(
        "huge",
        &facts,
        "three_public.reception.actual",
        line,
        "超出允许范围",
    );
}

#[test]
fn report_year_out_of_range_is_refused() {
    for year in ["-1", "0", "1999", "2101"] {
        let (facts, line) = example_with("year = ", &format!("year = {year}"));
        assert_refused(
            &format!("year{year}"),
            &facts,
            "report.year",
            line,
            "2000–2100",
        );
    }
}

#[test]
fn report_date_must_follow_the_year() {
    for date in ["0000-01-01", "2025-12-31"] {
        let (facts, line) = example_with("date = ", &format!("date = {date}"));
        assert_refused(
            &format!("date{date}"),
            &facts,
            "report.date",
            line,
            "2026-01-01",
        );
    }
}
