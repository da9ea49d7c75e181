//! Hardening (issue 12): text hygiene in facts and messages, limits on
//! rendering with a profile that is not built in, and `check` refusing
//! whatever `gen` would refuse.

use std::path::Path;

use crate::harness::{custom_profile, read, root, scratch, stderr, zpbg};

/// No byte of `text` may drive a terminal: no control character but
/// newline and tab (ESC, BEL, CSI among them).
fn assert_printable(text: &str) {
    let raw = text
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\t');
    assert!(raw.is_none(), "raw {raw:?} reaches the terminal: {text:?}");
}

/// Runs `zpbg gen` and `zpbg check` on `facts`: both must refuse it (exit 2)
/// with the same message, which is returned.
fn refused_alike(dir: &Path, facts: &str, extra: &[&str]) -> String {
    let path = dir.join("unit.toml");
    std::fs::write(&path, facts).unwrap();
    let path = path.to_str().unwrap();
    let pdf = dir.join("unit.pdf");
    let mut gen_args = vec!["gen", path, "-o", pdf.to_str().unwrap()];
    gen_args.extend_from_slice(extra);
    let generated = zpbg(&gen_args);
    let mut check_args = vec!["check", path];
    check_args.extend_from_slice(extra);
    let checked = zpbg(&check_args);
    let (gen_err, check_err) = (stderr(&generated), stderr(&checked));
    assert_eq!(generated.status.code(), Some(2), "gen: {gen_err}");
    assert_eq!(checked.status.code(), Some(2), "check: {check_err}");
    assert!(!pdf.exists(), "gen wrote a PDF");
    let error = |text: &str| {
        text.lines()
            .skip_while(|l| !l.starts_with("错误："))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(error(&gen_err), error(&check_err));
    gen_err
}

#[test]
fn control_characters_in_text_fields_are_refused_by_check_and_gen_alike() {
    let dir = scratch("control");
    let example = read("data/example.toml");
    for (field, facts) in [
        (
            "unit.name",
            example.replacen(
                "name = \"示例县人力资源和社会保障局\"",
                "name = \"示例县\\u001b[31m人社局\\u0007\"",
                1,
            ),
        ),
        (
            "problems[5].problem",
            example.replacen(
                "problem = \"项目预算编制的精准度有待提高\"",
                "problem = \"项目预算\\u0007编制\\u001b[31m有待提高\"",
                1,
            ),
        ),
    ] {
        let err = refused_alike(&dir, &facts, &[]);
        assert!(err.contains(field), "{err}");
        assert!(err.contains("控制字符"), "{err}");
        assert_printable(&err);
    }
}

#[test]
fn a_raw_escape_sequence_in_the_file_is_quoted_escaped() {
    let dir = scratch("raw-escape");
    // Raw control characters are a TOML syntax error; the message quotes
    // the line, which must not colour the terminal or ring its bell.
    let facts = read("data/example.toml").replacen(
        "name = \"示例县人力资源和社会保障局\"",
        "name = \"示例县\u{1b}[31m人社局\u{7}\"",
        1,
    );
    let err = refused_alike(&dir, &facts, &[]);
    assert!(err.contains("\\u{1b}[31m"), "{err}");
    assert_printable(&err);
}

#[test]
fn a_syntax_error_on_a_long_line_quotes_only_part_of_it() {
    let dir = scratch("long-line");
    let facts = read("data/example.toml").replacen(
        "name = \"示例县人力资源和社会保障局\"",
        &format!("name = \"{}\" 多余", "长".repeat(5000)),
        1,
    );
    let err = refused_alike(&dir, &facts, &[]);
    assert!(err.contains("unit.toml:7:"), "{err}");
    let longest = err.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 300, "a line of {longest} characters: {err}");
}

/// A copy of tests/fixtures/custom-profile in `dir/name`, with `changes`
/// (path, new text) written over it.
fn profile(dir: &Path, name: &str, changes: &[(&str, &str)]) -> String {
    let profile = custom_profile(dir, name, changes);
    profile.to_str().unwrap().to_owned()
}

/// tera refuses a `range` of more than 100 000 elements; nested, 10¹⁵.
const LOOPING_TERA: &str = "= 循环\n\n{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% for k in range(end=100000) %}x{% endfor %}{% endfor %}{% endfor %}\n";
const LOOPING_TYPST: &str = "#for i in range(1000000000) {}\n";

/// `zpbg gen` of the custom facts with `profile` and `extra` flags: it must
/// fail with exit 2 and write nothing; its stderr is returned.
fn gen_fails(dir: &Path, profile: &str, extra: &[&str]) -> String {
    let facts = root().join("tests/fixtures/custom-facts.toml");
    let pdf = dir.join("out.pdf");
    let mut args = vec![
        "gen",
        facts.to_str().unwrap(),
        "--profile",
        profile,
        "-o",
        pdf.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = zpbg(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!pdf.exists(), "{err}");
    err
}

#[test]
fn a_looping_section_template_is_stopped_and_named() {
    let dir = scratch("loop-tera");
    let looping = profile(&dir, "p", &[("sections/summary.tera", LOOPING_TERA)]);
    let err = gen_fails(&dir, &looping, &["--time-limit", "3"]);
    assert!(err.contains("sections/summary.tera"), "{err}");
    assert!(err.contains("时间限制") || err.contains("内存"), "{err}");
}

#[test]
fn a_looping_layout_is_stopped_and_named() {
    let dir = scratch("loop-typst");
    let looping = profile(&dir, "p", &[("report.typ", LOOPING_TYPST)]);
    let err = gen_fails(&dir, &looping, &["--time-limit", "3"]);
    assert!(err.contains("report.typ"), "{err}");
    assert!(
        err.contains("3 秒的时间限制") || err.contains("内存"),
        "{err}"
    );
}

#[test]
fn typst_plugins_are_refused_in_a_profile() {
    let dir = scratch("plugin");
    let call = profile(
        &dir,
        "call",
        &[("report.typ", "#let p = plugin(\"x.wasm\")\n")],
    );
    let err = gen_fails(&dir, &call, &[]);
    assert!(
        err.contains("report.typ:1") && err.contains("插件"),
        "{err}"
    );
    // A WebAssembly file under a name a profile may carry (other names are
    // never read from a profile folder).
    let file = profile(&dir, "file", &[("hello.json", "\0asm\u{1}\0\0\0")]);
    let err = gen_fails(&dir, &file, &[]);
    assert!(err.contains("hello.json") && err.contains("插件"), "{err}");
    // A name built at run time finds no `plugin` in the library.
    let eval = "#let p = eval(\"plu\" + \"gin\")(bytes((0, 97, 115, 109)))\n";
    let hidden = profile(&dir, "eval", &[("report.typ", eval)]);
    let err = gen_fails(&dir, &hidden, &[]);
    assert!(err.contains("report.typ:1"), "{err}");
}

#[test]
fn a_report_longer_than_the_page_limit_is_refused() {
    let dir = scratch("pages");
    let custom = profile(&dir, "p", &[]);
    let err = gen_fails(&dir, &custom, &["--max-pages", "1"]);
    assert!(
        err.contains("report.typ") && err.contains("1 页的页数限制"),
        "{err}"
    );
}

#[test]
fn a_batch_goes_on_past_a_looping_profile() {
    let dir = scratch("loop-batch");
    let looping = profile(&dir, "p", &[("report.typ", LOOPING_TYPST)]);
    let units = dir.join("units");
    std::fs::create_dir_all(&units).unwrap();
    let facts = read("tests/fixtures/custom-facts.toml");
    let custom = root().join("tests/fixtures/custom-profile");
    std::fs::write(
        units.join("a.toml"),
        format!("profile = {:?}\n{facts}", custom.to_str().unwrap()),
    )
    .unwrap();
    std::fs::write(
        units.join("b.toml"),
        format!("profile = {looping:?}\n{facts}"),
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = zpbg(&[
        "batch",
        units.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        "--time-limit",
        "3",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out_dir.join("a.pdf").exists(), "{err}");
    assert!(!out_dir.join("b.pdf").exists(), "{err}");
    // `range(1e9)` builds a huge array: the memory cap may stop it first.
    assert!(
        err.contains("report.typ") && (err.contains("时间限制") || err.contains("内存")),
        "{err}"
    );
}

#[test]
fn check_refuses_a_character_without_a_glyph_as_gen_does() {
    let dir = scratch("glyph");
    let facts = read("data/example.toml").replacen(
        "problem = \"项目预算编制的精准度有待提高\"",
        "problem = \"项目预算编制\u{E123}的精准度有待提高\"",
        1,
    );
    let err = refused_alike(&dir, &facts, &[]);
    assert!(
        err.contains("problems[5].problem") && err.contains("U+E123"),
        "{err}"
    );
}

#[test]
fn check_refuses_a_template_error_as_gen_does() {
    let dir = scratch("template");
    let broken = profile(
        &dir,
        "p",
        &[(
            "sections/summary.tera",
            "= 结论\n\n{{ unit.no_such_field }}\n",
        )],
    );
    let facts = read("tests/fixtures/custom-facts.toml");
    let err = refused_alike(&dir, &facts, &["--profile", &broken]);
    assert!(err.contains("sections/summary.tera"), "{err}");
}
