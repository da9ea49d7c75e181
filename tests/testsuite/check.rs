//! `zpbg check`: every error kind and every consistency warning, each
//! triggered by editing a real facts file, with the field named.

use std::process::Output;

use crate::harness::{read, scratch, stderr, zpbg};

/// Writes `facts` to a scratch file and runs `zpbg check` on it.
fn check(name: &str, facts: &str, extra: &[&str]) -> Output {
    let dir = scratch(&format!("check-{name}"));
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, facts).unwrap();
    let mut args = vec!["check", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    zpbg(&args)
}

/// A warning-only file passes without `--strict` and fails with it.
fn assert_warns(name: &str, facts: &str, field: &str, words: &str) {
    let out = check(name, facts, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains(&format!("字段 {field}")), "{err}");
    assert!(err.contains(words), "{err}");
    let out = check(name, facts, &["--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// An error exits 2 and names the field.
fn assert_error(name: &str, facts: &str, field: &str) -> String {
    let out = check(name, facts, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(field), "{err}");
    err
}

#[test]
fn clean_files_pass() {
    let out = check("clean", &read("data/example.toml"), &["--strict"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("检查通过"));
    // The reference reports are consistent, but a reviewer would send them
    // back (see tests/testsuite/review.rs): they pass without --strict.
    for facts in [
        "tests/fixtures/ref000.toml",
        "tests/fixtures/ref001.toml",
        "tests/fixtures/ref002.toml",
    ] {
        let out = check("reference", &read(facts), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{facts}: {err}");
        assert!(!err.contains("错误"), "{facts}: {err}");
    }
}

#[test]
fn carryover_that_does_not_balance() {
    // 35.20 + 1800 − 1825.19 = 10.01, not the 40.11 written.
    let facts = read("data/example.toml").replace(
        "carryover_end = 40.11",
        "carryover_end = 40.11\nincome = 1800",
    );
    assert_warns(
        "carryover",
        &facts,
        "money.carryover_end",
        "与年末结转结余 40.11 不符",
    );
}

#[test]
fn reported_expenditure_that_is_not_the_sum_of_its_parts() {
    let facts = read("data/example.toml").replace(
        "carryover_end = 40.11",
        "carryover_end = 40.11\nexpenditure_reported = 1830",
    );
    assert_warns(
        "expenditure",
        &facts,
        "money.expenditure_reported",
        "= 1825.19，与填写的支出合计 1830.00 不符",
    );
}

#[test]
fn three_public_kinds_that_do_not_add_up() {
    let facts = read("data/example.toml").replace(
        "[three_public.overseas]",
        "[three_public.total]\nprevious = 11.80\nbudget = 11.00\nactual = 10.50\n\n[three_public.overseas]",
    );
    assert_warns(
        "three",
        &facts,
        "three_public.total.actual",
        "之和为 10.13，与合计 10.50 不符",
    );
}

#[test]
fn more_staff_than_establishment() {
    let facts = read("data/example.toml").replace(
        "{ name = \"行政\", establishment = 22, actual = 20 }",
        "{ name = \"行政\", establishment = 22, actual = 26 }",
    );
    assert_warns(
        "staff",
        &facts,
        "staffing.actual",
        "实有人数 45 多于编制数 42",
    );
}

#[test]
fn survey_counts_out_of_order() {
    let facts = read("data/example.toml").replace("returned = 384", "returned = 360");
    assert_warns(
        "valid",
        &facts,
        "survey.valid",
        "有效问卷 372 份多于回收问卷 360 份",
    );
    let facts = read("data/example.toml").replace("returned = 384", "returned = 410");
    assert_warns(
        "returned",
        &facts,
        "survey.returned",
        "回收问卷 410 份多于发放问卷 400 份",
    );
}

#[test]
fn direction_override_that_reorders_what_was_typed() {
    let facts = read("data/example.toml").replace("preparer = \"", "preparer = \"\u{202E}");
    assert_warns("override", &facts, "report.preparer", "U+202E");
}

#[test]
fn missing_and_mistyped_fields() {
    assert_error(
        "missing",
        &read("data/example.toml").replace("budget_full = 1865.30\n", ""),
        "缺少必填字段 budget_full",
    );
    let facts = read("data/example.toml").replace("year = 2025", "year = \"二〇二五\"");
    let line = facts.lines().position(|l| l.contains("二〇二五")).unwrap() + 1;
    let err = assert_error("mistyped", &facts, "year");
    assert!(err.contains(&format!("mistyped.toml:{line}:")), "{err}");
    assert!(
        err.contains("year = \"二〇二五\""),
        "the offending line is shown: {err}"
    );
}

#[test]
fn unknown_indicator_ids() {
    let facts = read("tests/fixtures/ref000.toml").replace(
        "[assess.\"process.management.rules\"]",
        "[assess.\"process.management.rule\"]",
    );
    let err = assert_error("unknown-assess", &facts, "assess.process.management.rule");
    assert!(
        err.contains("process.management.rules（管理制度健全性）"),
        "{err}"
    );
    let facts = read("data/example.toml")
        .replace("branch = \"output.quality\"", "branch = \"output.qualty\"");
    assert_error("unknown-branch", &facts, "indicators.branch");
}

#[test]
fn values_out_of_range() {
    let err = assert_error(
        "negative",
        &read("data/example.toml").replace("actual = 91.27", "actual = -91.27"),
        "money.basic.public.actual",
    );
    assert!(err.contains("不能为负数"), "{err}");
    // An assessor's score outside its tier.
    let facts = read("data/example.toml").replace(
        "tier = \"部分达成\"\nscore = 3.5",
        "tier = \"部分达成\"\nscore = 4.5",
    );
    let err = assert_error("tier", &facts, "indicators.score");
    assert!(err.contains("3–4") && err.contains("4.5"), "{err}");
    let facts = read("data/example.toml").replace("satisfied = 348", "satisfied = 380");
    assert_error("satisfied", &facts, "survey.satisfied");
}

#[test]
fn not_applicable_where_the_framework_forbids_it() {
    let facts = format!(
        "{}\n[assess.\"input.allocation.staff\"]\nna = true\n",
        read("tests/fixtures/ref000.toml")
    );
    let err = assert_error("na", &facts, "assess.input.allocation.staff.na");
    assert!(err.contains("不允许标记为不适用"), "{err}");
}

#[test]
fn init_for_every_profile_checks_and_renders() {
    let dir = scratch("init");
    for profile in ["hunan-2024", "hunan-2020", "henan-2022"] {
        let facts = dir.join(format!("{profile}.toml"));
        let facts = facts.to_str().unwrap();
        let out = zpbg(&["init", "--profile", profile, "-o", facts]);
        assert!(out.status.success(), "{profile}: {}", stderr(&out));
        let text = std::fs::read_to_string(facts).unwrap();
        assert!(text.contains(&format!("profile = \"{profile}\"")));
        assert!(
            text.contains("# 全年预算数（万元）"),
            "fields carry Chinese comments"
        );
        // init never overwrites an existing file.
        let again = zpbg(&["init", "--profile", profile, "-o", facts]);
        assert_eq!(again.status.code(), Some(2));
        // It checks; a reviewer would still ask for its problems and
        // reasons, which only the unit can write (warnings, not errors).
        let out = zpbg(&["check", facts]);
        assert_eq!(out.status.code(), Some(0), "{profile}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("错误"),
            "{profile}: {}",
            stderr(&out)
        );
        let pdf = dir.join(format!("{profile}.pdf"));
        let out = zpbg(&["gen", facts, "-o", pdf.to_str().unwrap()]);
        assert!(out.status.success(), "{profile}: {}", stderr(&out));
        assert!(std::fs::metadata(&pdf).unwrap().len() > 10_000);
    }
}
