//! Profiles' templates as their authors meet them: a broken section does
//! not block previewing another, every template error is located and in
//! Chinese, templates share components, and a facts file finds its profile
//! folder beside it.

use std::process::Command;

use crate::harness::{assert_ok, custom_profile, gen_with, pdf_text, root, scratch, stderr, zpbg};

/// The custom facts naming their profile themselves.
fn facts_naming(dir: &std::path::Path, profile: &str) -> std::path::PathBuf {
    let facts = dir.join("facts.toml");
    let text = std::fs::read_to_string(root().join("tests/fixtures/custom-facts.toml")).unwrap();
    std::fs::write(&facts, format!("profile = \"{profile}\"\n{text}")).unwrap();
    facts
}

#[test]
fn a_profile_named_in_the_facts_is_found_beside_them_from_any_working_directory() {
    let dir = scratch("beside");
    let unit = dir.join("unit");
    std::fs::create_dir_all(&unit).unwrap();
    custom_profile(&unit, "myprofile", &[]);
    let facts = facts_naming(&unit, "myprofile");
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_zpbg"))
            .args(args)
            .current_dir(&elsewhere)
            .output()
            .unwrap()
    };
    let out = run(&["gen", facts.to_str().unwrap(), "--section", "summary"]);
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("一、评价结论"));
    // From the facts' own folder, by a relative facts path, too.
    let out = Command::new(env!("CARGO_BIN_EXE_zpbg"))
        .args(["score", "facts.toml"])
        .current_dir(&unit)
        .output()
        .unwrap();
    assert_ok(&out);
    // A built-in id is still the built-in profile, not a folder.
    let facts = facts_naming(&elsewhere, "hunan-2024");
    let out = run(&["score", facts.to_str().unwrap()]);
    assert!(!stderr(&out).contains("找不到模板配置"), "{}", stderr(&out));
}

/// Whether `text` holds English words beyond the names it may quote.
fn english(text: &str, names: &[&str]) -> bool {
    let mut text = text.to_owned();
    for name in names {
        text = text.replace(name, "");
    }
    text.split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| word.len() > 2 && !["tera", "toml"].contains(&word))
}

#[test]
fn a_broken_section_blocks_gen_but_not_a_preview_of_another() {
    let dir = scratch("broken");
    let facts = root().join("tests/fixtures/custom-facts.toml");
    let facts = facts.to_str().unwrap();
    let broken = "= 问题和建议\n\n{% for p in problems %}\n{{ p.problem + }}\n{% endfor %}\n";
    let profile = custom_profile(&dir, "p", &[("sections/issues.tera", broken)]);
    let profile = profile.to_str().unwrap();

    let out = zpbg(&["gen", facts, "--profile", profile, "--section", "summary"]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("一、评价结论"), "{text}");
    assert!(text.contains("部门整体支出绩效评价得分"), "{text}");

    let pdf = dir.join("out.pdf");
    let out = zpbg(&[
        "gen",
        facts,
        "--profile",
        profile,
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(!pdf.exists());
    assert!(
        message.contains("sections/issues.tera 第 4 行第"),
        "{message}"
    );
    assert!(message.contains("  4 | {{ p.problem"), "{message}");
    // After the warnings the custom facts draw, which quote field names.
    let error = &message[message.find("错误：").unwrap()..];
    assert!(
        !english(error, &[profile, "sections/issues.tera", "p.problem"]),
        "{message}"
    );
}

#[test]
fn a_preview_after_a_broken_section_keeps_the_whole_reports_numbers() {
    let dir = scratch("numbers");
    let facts = root().join("tests/fixtures/custom-facts.toml");
    let broken = "= 评价结论\n\n{{ score.total | nosuchfilter }}\n";
    let profile = custom_profile(&dir, "p", &[("sections/summary.tera", broken)]);
    let out = zpbg(&[
        "gen",
        facts.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--section",
        "issues",
    ]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("二、问题和建议"), "{text}");
    assert!(!text.contains("评价结论"), "{text}");
}

#[test]
fn a_figure_the_facts_cannot_give_names_the_template_and_the_field() {
    let dir = scratch("figure");
    let facts = root().join("tests/fixtures/custom-facts.toml");
    // The custom facts have no [assets], so 固定资产原值 cannot be computed.
    let issues = "= 问题和建议\n\n固定资产{{ money.asset_total }}万元。\n";
    let profile = custom_profile(&dir, "p", &[("sections/issues.tera", issues)]);
    for section in [None, Some("issues")] {
        let mut args = vec![
            "gen",
            facts.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ];
        let pdf = dir.join("out.pdf");
        match section {
            Some(id) => args.extend(["--section", id]),
            None => args.extend(["-o", pdf.to_str().unwrap()]),
        }
        let out = zpbg(&args);
        assert!(!out.status.success());
        let message = stderr(&out);
        assert!(
            message.contains("sections/issues.tera 第 3 行第"),
            "{message}"
        );
        assert!(message.contains("assets.fixed"), "{message}");
        assert!(message.contains("asset_total"), "{message}");
    }
}

#[test]
fn section_templates_share_components_kept_in_a_file_of_their_own() {
    let dir = scratch("shared");
    let facts = root().join("tests/fixtures/custom-facts.toml");
    let components =
        "{% component unit_line(name) %}本单位：{{ name }}。{% endcomponent unit_line %}\n";
    let summary = read_fixture("sections/summary.tera").replace(
        "= 评价结论\n",
        "= 评价结论\n\n{{ <unit_line name={unit.name}/> }}\n",
    );
    let issues = "= 问题和建议\n\n{{ <unit_line name={\"甲单位\"}/> }}\n";
    let profile = custom_profile(
        &dir,
        "p",
        &[
            ("shared.tera", components),
            ("sections/summary.tera", &summary),
            ("sections/issues.tera", issues),
        ],
    );
    let pdf = dir.join("out.pdf");
    let out = gen_with(&facts, &profile, &pdf);
    assert_ok(&out);
    let text = pdf_text(&pdf);
    assert!(text.contains("本单位：示例市自定义评价局。"), "{text}");
    assert!(text.contains("本单位：甲单位。"), "{text}");
}

fn read_fixture(file: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/custom-profile").join(file)).unwrap()
}
