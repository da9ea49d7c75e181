//! Text blocks and tables a profile declares: filled from the facts, placed
//! by a section template and by the layout, and refused when the facts
//! carry what the profile does not declare.

use std::path::{Path, PathBuf};

use crate::harness::{assert_ok, custom_profile, gen_with, pdf_text, read, scratch, stderr, zpbg};

const DECLARATIONS: &str = r#"
[[text]]
name = "thrift"
title = "厉行节约保障措施"
required = true
description = "本年度厉行节约、降低行政成本采取的措施。"

[[tables]]
id = "training"
title = "职业技能培训完成情况"
totals = "培训合计"
columns = [
  { key = "kind", title = "类别", type = "text", group = true },
  { key = "name", title = "培训项目", type = "text" },
  { key = "people", title = "人次", type = "integer" },
  { key = "amount", title = "金额（万元）", type = "amount" },
  { key = "date", title = "完成日期", type = "date", optional = true },
]
"#;

const SECTION: &str =
    "= 厉行节约\n\n{% for p in text.thrift %}{{ p }}\n\n{% endfor %}::table training\n";

const RECORDS: &str = r#"
[text]
thrift = ["压减会议费百分之十。", "公务用车集中管理。"]

[[tables.training]]
kind = "就业技能培训"
name = "家政服务培训"
people = 320
amount = 48.5
date = 2025-06-30

[[tables.training]]
kind = "就业技能培训"
name = "电工培训"
people = 80
amount = 12.345

[[tables.training]]
kind = "创业培训"
name = "SYB创业培训"
people = 100
amount = 1000
"#;

/// The custom profile with the declarations above, its summary section
/// replaced by `section` and its layout by `layout` when given.
fn profile(dir: &Path, section: &str, layout: Option<&str>) -> PathBuf {
    let manifest = read("tests/fixtures/custom-profile/profile.toml") + DECLARATIONS;
    let mut changes = vec![
        ("profile.toml", manifest.as_str()),
        ("sections/summary.tera", section),
    ];
    if let Some(layout) = layout {
        changes.push(("report.typ", layout));
    }
    custom_profile(dir, "declared", &changes)
}

fn facts(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("facts.toml");
    std::fs::write(&path, read("tests/fixtures/custom-facts.toml") + extra).unwrap();
    path
}

#[test]
fn declared_text_and_table_reach_the_pdf() {
    let dir = scratch("pdf");
    let profile = profile(&dir, SECTION, None);
    let pdf = dir.join("out.pdf");
    assert_ok(&gen_with(&facts(&dir, RECORDS), &profile, &pdf));
    let text = pdf_text(&pdf);
    for needle in [
        "压减会议费百分之十。",
        "公务用车集中管理。",
        "职业技能培训完成情况",
        "家政服务培训32048.502025年6月30日",
        // 12.345 prints as 12.35 (四舍五入), grouped as the profile asks.
        "电工培训8012.35",
        "创业培训SYB创业培训1001,000.00",
        // The total of the printed rows: 48.50 + 12.35 + 1,000.00.
        "培训合计5001,060.85",
    ] {
        assert!(text.contains(needle), "「{needle}」not in {text}");
    }
    assert_eq!(text.matches("就业技能培训").count(), 1, "{text}");
}

#[test]
fn the_layout_places_a_declared_table_with_one_call() {
    let dir = scratch("layout");
    let layout = read("tests/fixtures/custom-profile/report.typ")
        + "\n#report-table(data.tables.training)\n";
    let section = "= 厉行节约\n\n{% for p in text.thrift %}{{ p }}\n\n{% endfor %}";
    let profile = profile(&dir, section, Some(&layout));
    let pdf = dir.join("out.pdf");
    assert_ok(&gen_with(&facts(&dir, RECORDS), &profile, &pdf));
    let text = pdf_text(&pdf);
    assert!(text.contains("职业技能培训完成情况"), "{text}");
    assert!(text.contains("培训合计5001,060.85"), "{text}");
}

#[test]
fn undeclared_text_key_and_table_are_refused_with_their_line() {
    let dir = scratch("undeclared");
    let profile = profile(&dir, SECTION, None);
    let pdf = dir.join("out.pdf");

    let facts_path = facts(
        &dir,
        &RECORDS.replace("[text]\n", "[text]\nsummary = \"x\"\n"),
    );
    let line = read_lines(&facts_path, "summary = ");
    let out = gen_with(&facts_path, &profile, &pdf);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("facts.toml:{line}:")), "{err}");
    assert!(
        err.contains("「summary」") && err.contains("已声明的文字块：thrift"),
        "{err}"
    );

    let facts_path = facts(
        &dir,
        &format!("{RECORDS}\n[[tables.staff]]\nname = \"x\"\n"),
    );
    let line = read_lines(&facts_path, "[[tables.staff]]");
    let out = gen_with(&facts_path, &profile, &pdf);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("facts.toml:{line}:")), "{err}");
    assert!(
        err.contains("「staff」") && err.contains("已声明的表格：training"),
        "{err}"
    );
    assert!(!pdf.exists());
}

/// The 1-based line of `path` that starts with `start`.
fn read_lines(path: &Path, start: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.starts_with(start))
        .unwrap()
        + 1
}

#[test]
fn an_unknown_table_lists_the_builtin_and_declared_ones() {
    let dir = scratch("unknown-table");
    let profile = profile(&dir, "= 表\n\n::table trainings\n", None);
    let out = gen_with(&facts(&dir, RECORDS), &profile, &dir.join("out.pdf"));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("「trainings」"), "{err}");
    assert!(err.contains("first_level、indicators、training"), "{err}");
}

#[test]
fn init_writes_the_declared_blocks_and_a_record_to_fill_in() {
    let dir = scratch("init");
    let profile = profile(&dir, SECTION, None);
    let out = zpbg(&["init", "--profile", profile.to_str().unwrap()]);
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("# 厉行节约保障措施（必填）：本年度厉行节约、降低行政成本采取的措施。"),
        "{text}"
    );
    assert!(
        text.contains("thrift = [\"（请填写厉行节约保障措施。）\"]"),
        "{text}"
    );
    assert!(text.contains("# [[tables.training]]"), "{text}");
    assert!(
        text.contains("# people = 0  # 人次：integer（整数）"),
        "{text}"
    );
    // Uncommenting the example record gives a file that renders.
    let mut in_table = false;
    let filled: Vec<&str> = text
        .lines()
        .map(|line| {
            in_table = (in_table && !line.is_empty()) || line == "# [[tables.training]]";
            if in_table { &line[2..] } else { line }
        })
        .collect();
    let facts_path = dir.join("facts.toml");
    std::fs::write(&facts_path, filled.join("\n")).unwrap();
    let pdf = dir.join("out.pdf");
    assert_ok(&gen_with(&facts_path, &profile, &pdf));
    let text = pdf_text(&pdf);
    assert!(text.contains("培训合计"), "{text}");
}
