//! A province that is not built in, written only as files
//! (tests/fixtures/jiangxi-2025): its own text blocks, table, derived
//! figure, measured value, bonus and penalty items, grades and shared
//! macros reach the PDF, and the profile is found relative to the facts
//! file from any working directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::harness::{assert_ok, pdf_text, root, scratch, stderr, zpbg};

fn facts() -> PathBuf {
    root().join("tests/fixtures/jiangxi-facts.toml")
}

/// zpbg run from `dir`, so nothing resolves against the repository.
fn zpbg_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zpbg"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("zpbg runs")
}

fn score_json(facts: &Path) -> serde_json::Value {
    let out = zpbg(&["score", facts.to_str().unwrap(), "--format", "json"]);
    assert_ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn dec(value: &serde_json::Value) -> rust_decimal::Decimal {
    value.as_str().expect("a number as text").parse().unwrap()
}

/// The sum of every leaf's score below `node`.
fn leaf_sum(node: &serde_json::Value) -> rust_decimal::Decimal {
    if node["leaf"].is_null() {
        node["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(leaf_sum)
            .sum()
    } else {
        dec(&node["score"])
    }
}

#[test]
fn a_new_province_renders_every_part_of_its_profile() {
    let dir = scratch("render");
    let pdf = dir.join("报告.pdf");
    let out = zpbg_in(
        &dir,
        &[
            "gen",
            facts().to_str().unwrap(),
            "-o",
            pdf.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let text = pdf_text(&pdf);

    // Its two text blocks, one a list of paragraphs, one a single string.
    assert!(text.contains("工作亮点"), "{text}");
    assert!(text.contains("建成高标准农田1.2万亩"), "{text}");
    assert!(text.contains("率先推行农技服务“一站通”"), "{text}");
    assert!(text.contains("以前年度问题整改情况"), "{text}");
    assert!(text.contains("两项资产管理问题已全部整改到位"), "{text}");

    // Its table, in the narrative and in the annex: amounts rounded like
    // every amount, the group label merged (once per table), and a totals
    // row that is the sum of the printed rows (436.13 + 143.88 + 395.00).
    assert!(text.contains("重点项目资金安排及执行情况"), "{text}");
    assert!(
        text.contains("高标准农田新建450.00436.133200100.00%2025年11月30日"),
        "{text}"
    );
    assert!(
        text.contains("农田水利配套150.00143.88180096.50%"),
        "{text}"
    );
    assert_eq!(text.matches("农田建设").count(), 2, "{text}");
    assert!(text.contains("合计1,000.00975.0110600"), "{text}");

    // Its derived figure, computed from the table and scored by bands.
    assert!(text.contains("重点项目资金执行率97.50%"), "{text}");
    // The shared macro, used by two sections.
    assert!(text.contains("“预算执行率”指标分值10分，得分9分"), "{text}");
    assert!(
        text.contains("“重点项目资金执行率”指标分值10分，得分10分"),
        "{text}"
    );
    // The measured value from [assess.benefit.awareness], with its remark.
    assert!(
        text.contains("“政策知晓率”指标分值15分，得分11.75分"),
        "{text}"
    );
    assert!(text.contains("实际完成93.5%（抽样调查500户）"), "{text}");
    // Bonus and penalty items, in the text and as annex rows.
    assert!(
        text.contains("创新加分2分，违规扣分2分，总分89.42分"),
        "{text}"
    );
    assert!(text.contains("创新加分"), "{text}");
    // Its own grades: 89.42 is 合格, below the open end at 90.
    assert!(text.contains("自评等级为“合格”"), "{text}");
    assert!(text.contains("优秀") && text.contains("不合格"), "{text}");
    // Deductions worded by the profile's own template, with the unit's reason.
    assert!(
        text.contains("“农技培训人次”扣1.33分：两期培训因汛期推迟至次年"),
        "{text}"
    );

    // The total is the sum of its rows, and `score` agrees with the PDF.
    let sheet = score_json(&facts());
    let base: rust_decimal::Decimal = sheet["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(leaf_sum)
        .sum();
    assert_eq!(base, dec(&sheet["raw"]));
    assert_eq!(sheet["raw"], "89.42");
    assert_eq!(sheet["bonus"], "2");
    assert_eq!(sheet["penalty"], "2");
    assert_eq!(sheet["total"], "89.42");
    assert_eq!(sheet["grade"], "合格");
    assert!(text.contains("总分10089.42"), "{text}");
}

/// A copy of the fixture's profile and facts in `dir`, with `(file, from,
/// to)` replacements, for errors made on purpose.
fn broken(dir: &Path, edits: &[(&str, &str, &str)]) -> PathBuf {
    let source = root().join("tests/fixtures");
    let profile = dir.join("jiangxi-2025");
    std::fs::create_dir_all(profile.join("sections")).unwrap();
    for file in [
        "profile.toml",
        "framework.toml",
        "report.typ",
        "macros.tera",
        "sections/overview.tera",
        "sections/performance.tera",
        "sections/problems.tera",
        "sections/conclusion.tera",
    ] {
        std::fs::copy(source.join("jiangxi-2025").join(file), profile.join(file)).unwrap();
    }
    let facts = dir.join("facts.toml");
    std::fs::copy(source.join("jiangxi-facts.toml"), &facts).unwrap();
    for (file, from, to) in edits {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    facts
}

fn gen_fails(facts: &Path) -> String {
    let pdf = facts.with_extension("pdf");
    let out = zpbg(&["gen", facts.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert!(!out.status.success(), "gen should fail");
    assert!(!pdf.exists(), "no PDF is left behind");
    stderr(&out)
}

#[test]
fn a_figure_dividing_by_zero_names_the_figure() {
    let dir = scratch("zero");
    let mut edits = Vec::new();
    for budget in ["budget = 450.00", "budget = 150.00", "budget = 400.00"] {
        edits.push(("facts.toml", budget, "budget = 0"));
    }
    let facts = broken(&dir, &edits);
    let msg = gen_fails(&facts);
    assert!(
        msg.contains("key_funds_rate") || msg.contains("重点项目资金执行率"),
        "{msg}"
    );
    assert!(msg.contains("0"), "{msg}");
}

#[test]
fn an_undeclared_text_block_or_table_names_the_declared_ones() {
    let dir = scratch("undeclared");
    let facts = broken(&dir, &[("facts.toml", "rectification =", "rectify =")]);
    let msg = gen_fails(&facts);
    assert!(msg.contains("rectify"), "{msg}");
    assert!(
        msg.contains("highlights") && msg.contains("rectification"),
        "{msg}"
    );
    assert!(msg.contains("facts.toml:"), "{msg}");

    let dir = scratch("undeclared-table");
    let facts = broken(
        &dir,
        &[(
            "facts.toml",
            "[[tables.key_projects]]\ncategory = \"技术推广\"",
            "[[tables.key_project]]\ncategory = \"技术推广\"",
        )],
    );
    let msg = gen_fails(&facts);
    assert!(
        msg.contains("key_project") && msg.contains("key_projects"),
        "{msg}"
    );
}

#[test]
fn a_measured_value_conflicting_with_the_framework_target_names_both() {
    let dir = scratch("conflict");
    let facts = broken(
        &dir,
        &[
            (
                "jiangxi-2025/framework.toml",
                "rule = { kind = \"bands\", figure = \"satisfaction_rate\", bands = [\n  { to = 80, to_open = true, score = 5 },\n  { from = 80, to = 90, to_open = true, score = 10 },\n  { from = 90, score = 15 },\n] }",
                "rule = { kind = \"target\", op = \">=\", value = 90, figure = \"satisfaction_rate\" }",
            ),
            (
                "facts.toml",
                "[assess.bonus]",
                "[assess.\"benefit.satisfaction\"]\ntarget = { op = \">=\", value = 95 }\n\n[assess.bonus]",
            ),
        ],
    );
    let msg = gen_fails(&facts);
    assert!(msg.contains("framework.toml"), "{msg}");
    assert!(msg.contains("facts.toml"), "{msg}");
}

#[test]
fn a_missing_field_names_the_indicator_whose_rule_needs_it() {
    let dir = scratch("missing");
    let facts = broken(
        &dir,
        &[(
            "facts.toml",
            "[survey]\nissued = 200\nreturned = 200\nvalid = 200\nsatisfied = 186\n",
            "",
        )],
    );
    let msg = gen_fails(&facts);
    assert!(msg.contains("survey"), "{msg}");
    assert!(
        msg.contains("服务对象满意度") && msg.contains("benefit.satisfaction"),
        "{msg}"
    );
}
