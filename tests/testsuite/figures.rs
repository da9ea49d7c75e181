//! Figures a profile declares in `[[figures]]`: read by a rule and by a
//! template of a profile folder, through `score`, `check` and `gen`.

use crate::harness::{
    assert_ok, custom_profile, pdf_text, read, root, scratch, squash, stderr, zpbg,
};

/// The custom profile with a figure `per_head` (全年执行数 per person, one
/// decimal) that its satisfaction indicator scores by bands and its summary
/// prints.
fn profile_with(dir: &std::path::Path, expr: &str) -> std::path::PathBuf {
    let manifest = format!(
        "{}\n[[figures]]\nid = \"per_head\"\nlabel = \"人均支出\"\nkind = \"number\"\nexpr = \"{expr}\"\ndecimals = 1\n",
        read("tests/fixtures/custom-profile/profile.toml")
    );
    let framework = read("tests/fixtures/custom-profile/framework.toml").replace(
        r#"rule = { kind = "bands", figure = "satisfaction_rate", bands = ["#,
        r#"rule = { kind = "bands", figure = "per_head", bands = ["#,
    );
    let summary = format!(
        "{}\n人均支出{{{{ f.per_head }}}}万元。\n",
        read("tests/fixtures/custom-profile/sections/summary.tera")
    );
    custom_profile(
        dir,
        "per-head",
        &[
            ("profile.toml", &manifest),
            ("framework.toml", &framework),
            ("sections/summary.tera", &summary),
        ],
    )
}

#[test]
fn a_profile_figure_is_scored_checked_and_printed() {
    let dir = scratch("per-head");
    let profile = profile_with(&dir, "actual_total / staff_actual");
    let profile = profile.to_str().unwrap();
    let facts = root().join("tests/fixtures/custom-facts.toml");
    let facts = facts.to_str().unwrap();
    // 全年执行数 590 + 90 + 240 = 920 万元 over 21 people: 43.8, under 80,
    // so the satisfaction indicator scores 0 of 15.
    let out = zpbg(&["score", facts, "--profile", profile, "--format", "json"]);
    assert_ok(&out);
    let json = String::from_utf8(out.stdout).unwrap();
    assert!(json.contains("43.8"), "{json}");
    assert_ok(&zpbg(&["check", facts, "--profile", profile]));
    let pdf = dir.join("out.pdf");
    assert_ok(&zpbg(&[
        "gen",
        facts,
        "--profile",
        profile,
        "-o",
        pdf.to_str().unwrap(),
    ]));
    assert!(squash(&pdf_text(&pdf)).contains("人均支出43.8万元"));
}

#[test]
fn a_profile_figure_dividing_by_zero_names_figure_expression_and_divisor() {
    let dir = scratch("zero");
    let profile = profile_with(&dir, "actual_total / (staff_actual - 21)");
    let facts = root().join("tests/fixtures/custom-facts.toml");
    let out = zpbg(&[
        "score",
        facts.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let msg = stderr(&out);
    assert!(
        msg.contains("计算「人均支出」时除数为 0")
            && msg.contains("actual_total / (staff_actual - 21)")
            && msg.contains("除数 (staff_actual - 21) 等于 0"),
        "{msg}"
    );
}
