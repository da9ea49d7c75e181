//! Profiles' templates as their authors meet them: a broken section does
//! not block previewing another, every template error is located and in
//! Chinese, templates share components, and a facts file finds its profile
//! folder beside it.

use std::process::Command;

use crate::harness::{assert_ok, custom_profile, root, scratch, stderr};

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
