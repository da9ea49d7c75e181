//! Runs the real `zpbg` binary on real example data and checks the PDF's
//! text with poppler's `pdftotext`.

use std::path::Path;

use crate::harness::{
    assert_ok, custom_profile, gen_with, pdf_text, read, root, scratch, squash, zpbg,
};

fn gen_pdf(facts: &Path, out: &Path) -> Vec<u8> {
    let output = zpbg(&["gen", facts.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_ok(&output);
    std::fs::read(out).unwrap()
}

fn assert_has(text: &str, needle: &str) {
    assert!(
        text.contains(&squash(needle)),
        "PDF text lacks 「{needle}」"
    );
}

#[test]
fn reference_002_scores_as_published() {
    let dir = scratch("ref002");
    let pdf = dir.join("ref002.pdf");
    gen_pdf(&root().join("tests/fixtures/ref002.toml"), &pdf);
    let text = pdf_text(&pdf);
    // The first-level table of 综合评价结论, row by row.
    for row in [
        "预算执行率 10 9.93",
        "成本指标 20 20",
        "产出指标 40 40",
        "效益指标 20 20",
        "满意度指标 10 10",
        "合计 100 99.93",
    ] {
        assert_has(&text, row);
    }
    assert_has(&text, "自评得分99.93分，等级为“优”");
    assert_has(&text, "执行率99.93%");
    // The annex budget block: 年初 全年 执行 分值 执行率 得分.
    assert_has(&text, "440.43 1430.40 1429.40 10 99.93% 9.93");
}

#[test]
fn example_report_has_cover_toc_sections_and_annex() {
    let dir = scratch("example");
    let pdf = dir.join("example.pdf");
    gen_pdf(&root().join("data/example.toml"), &pdf);
    let text = pdf_text(&pdf);
    assert_has(
        &text,
        "2025年度示例县人力资源和社会保障局部门整体支出绩效自评报告",
    );
    assert_has(&text, "示例县人力资源和社会保障局（盖章）");
    assert_has(&text, "2026年4月20日");
    assert_has(&text, "目录");
    for heading in crate::outline::CHAPTERS {
        // Once in the table of contents followed by its page number, once as the heading.
        let squashed = squash(heading);
        assert!(
            text.matches(&squashed).count() >= 2,
            "「{heading}」should appear in the contents and as a heading"
        );
        let after = &text[text.find(&squashed).unwrap() + squashed.len()..];
        let after = after.trim_start_matches(['.', '·', '…']);
        assert!(
            after.starts_with(|c: char| c.is_ascii_digit()),
            "contents entry 「{heading}」has no page number: {}",
            after.chars().take(20).collect::<String>()
        );
    }
    // Every annex indicator with its target, actual, weight and score.
    for row in [
        "整体支出控制额 ≤1865.3万元 1825.19万元 20 20",
        "职业技能培训人次 ≥1500人次 1380人次 5 4.6",
        "社保经办系统升级完成时间 2025年9月底前 2025年10月上线 5 3.5",
        "服务对象满意度 ≥95% 93.55% 10 9.85",
        "城镇登记失业率 ≤4.5% 3.8% 5 5",
    ] {
        assert_has(&text, row);
    }
    assert_has(&text, "总分 100 95.8");
    assert_has(&text, "自评得分95.8分，等级为“优”");
}

#[test]
fn same_facts_give_identical_bytes() {
    let dir = scratch("determinism");
    let facts = root().join("data/example.toml");
    let a = gen_pdf(&facts, &dir.join("a.pdf"));
    let b = gen_pdf(&facts, &dir.join("b.pdf"));
    assert!(a == b, "two runs on the same facts differ");
}

#[test]
fn user_text_prints_literally() {
    let dir = scratch("literal");
    let hostile = r"#panic() [x] *b* _i_ $x^2$ @ref <lbl> \ `code` {{ year }} {% if %}";
    let example = read("data/example.toml");
    let facts = example
        .replace(
            "name = \"示例县人力资源和社会保障局\"",
            &format!("name = '''示例局{hostile}'''"),
        )
        .replace(
            "problem = \"项目预算编制的精准度有待提高\"",
            &format!("problem = '''问题{hostile}'''"),
        );
    let path = dir.join("hostile.toml");
    std::fs::write(&path, facts).unwrap();
    let pdf = dir.join("hostile.pdf");
    gen_pdf(&path, &pdf);
    let text = pdf_text(&pdf);
    assert_has(&text, &format!("示例局{hostile}"));
    assert_has(&text, &format!("问题{hostile}"));

    let out = zpbg(&["gen", path.to_str().unwrap(), "--section", "problems"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains(&format!("问题{hostile}"))
    );
}

#[test]
fn section_preview_prints_plain_text() {
    let facts = root().join("data/example.toml");
    let out = zpbg(&["gen", facts.to_str().unwrap(), "--section", "problems"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("七、存在的问题及原因分析\n"), "{text}");
    assert!(text.contains("（二）职业技能培训组织不够及时。"), "{text}");
    assert!(text.contains("项目预算编制的精准度有待提高"), "{text}");
    assert!(!text.contains('{') && !text.contains('#') && !text.contains('\u{E000}'));
}

#[test]
fn every_section_previews_and_renders_alone() {
    let dir = scratch("sections");
    let facts = root().join("data/example.toml");
    for id in [
        "overview",
        "budget",
        "government_fund",
        "state_capital",
        "social_insurance",
        "performance",
        "problems",
        "measures",
        "application",
        "other",
    ] {
        let out = zpbg(&["gen", facts.to_str().unwrap(), "--section", id]);
        assert!(out.status.success(), "section {id}");
        assert!(!out.stdout.is_empty(), "section {id} is empty");
    }
    let pdf = dir.join("application.pdf");
    let out = zpbg(&[
        "gen",
        facts.to_str().unwrap(),
        "--section",
        "application",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = pdf_text(&pdf);
    assert_has(&text, "九、部门整体支出绩效自评结果拟应用和公开情况");
    assert_has(&text, "（一）综合评价结果");
    assert!(!text.contains(&squash("八、下一步改进措施")));
}

#[test]
fn unknown_section_lists_valid_ids() {
    let facts = root().join("data/example.toml");
    let out = zpbg(&["gen", facts.to_str().unwrap(), "--section", "nope"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("nope") && err.contains("problems") && err.contains("overview"),
        "{err}"
    );
}

#[test]
fn missing_file_is_a_chinese_error() {
    let out = zpbg(&["gen", "/no/such/facts.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("/no/such/facts.toml") && err.contains("请检查文件路径"),
        "{err}"
    );
}

#[test]
fn bad_input_names_line_and_keeps_good_pdf() {
    let dir = scratch("bad");
    let pdf = dir.join("report.pdf");
    std::fs::write(&pdf, b"good earlier report").unwrap();
    let example = read("data/example.toml");
    let bad = example.replace("budget_full = 1865.30", "budget_full = \"很多\"");
    let line = bad.lines().position(|l| l.contains("很多")).unwrap() + 1;
    let path = dir.join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let out = zpbg(&["gen", path.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&format!("bad.toml:{line}:")), "{err}");
    assert!(err.contains("budget_full"), "{err}");
    assert_eq!(std::fs::read(&pdf).unwrap(), b"good earlier report");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn missing_fact_for_a_rate_is_named() {
    let dir = scratch("missing-fact");
    let example = read("data/example.toml");
    let start = example.find("[survey]").unwrap();
    let end = start + example[start..].find("\n\n").unwrap();
    let facts = format!("{}{}", &example[..start], &example[end..]);
    let path = dir.join("nosurvey.toml");
    std::fs::write(&path, facts).unwrap();
    let out = zpbg(&[
        "gen",
        path.to_str().unwrap(),
        "-o",
        dir.join("x.pdf").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("满意度") && err.contains("survey"), "{err}");
    assert!(!dir.join("x.pdf").exists());
}

#[test]
fn a_clean_year_with_no_text_still_reads_sensibly() {
    let dir = scratch("clean");
    let reference = read("tests/fixtures/ref002.toml");
    // Reference 002 without its free text, and with full budget execution.
    let facts = reference[..reference.find("[text]").unwrap()]
        .replace("budget_full = 1430.40", "budget_full = 1429.40")
        .replace("value = 1430.4 }", "value = 1429.4 }");
    let path = dir.join("clean.toml");
    std::fs::write(&path, facts).unwrap();
    let out = zpbg(&["gen", path.to_str().unwrap(), "--section", "problems"]);
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("各项绩效指标均达到年度目标"), "{text}");
    let pdf = dir.join("clean.pdf");
    gen_pdf(&path, &pdf);
    let text = pdf_text(&pdf);
    assert_has(&text, "自评得分100分，等级为“优”");
    assert_has(&text, "十、其他需要说明的情况 无。");
}

#[test]
fn score_prints_the_tree_in_three_formats() {
    let facts = root().join("tests/fixtures/ref002.toml");
    let facts = facts.to_str().unwrap();
    let out = zpbg(&["score", facts]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("扣0.07分：预算执行率为99.93%"), "{table}");
    assert!(table.contains("总分 99.93 / 100，等级 优"), "{table}");

    let out = zpbg(&["score", facts, "--format", "json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["total"], "99.93");
    assert_eq!(json["grade"], "优");
    assert_eq!(first_level(&json), ["9.93", "20", "40", "20", "10"]);

    let out = zpbg(&["score", facts, "--format", "csv"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains("\nbudget,1,预算执行率,10,9.93,100%,99.93%,"),
        "{csv}"
    );
    assert!(
        csv.trim_end().ends_with("total,0,总分（优）,100,99.93,,,"),
        "{csv}"
    );
}

#[test]
fn a_profile_folder_unknown_to_the_binary_works_end_to_end() {
    let dir = scratch("custom");
    let facts = root().join("tests/fixtures/custom-facts.toml");
    let profile = root().join("tests/fixtures/custom-profile");
    let pdf = dir.join("custom.pdf");
    let out = gen_with(&facts, &profile, &pdf);
    assert_ok(&out);
    let text = pdf_text(&pdf);
    // 在职人员控制率 105% → 7.5; 预算执行率 92% of ≥95% → 19.37; checklist 4;
    // one case −2 → 6; 楼堂馆所 N/A full 8; 政府采购 N/A excluded; 绩效监控
    // 75% × 8 = 6; 行政效能 好 15; 满意度 86% → band 10. Raw 75.87 of 92,
    // converted 82.47, plus bonus 1 = 83.47, 良好.
    assert_has(&text, "评价得分83.47分，等级为“良好”");
    assert_has(
        &text,
        "适用指标满分92分，实得75.87分，换算得分82.47分。另加分1分。",
    );
    assert_has(&text, "过程 32 24 75.00%");
    assert_has(&text, "换算得分 100 82.47");
    assert_has(&text, "政府采购执行率 8 不适用");

    let out = zpbg(&[
        "score",
        facts.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["converted"], "82.47");
    assert_eq!(json["total"], "83.47");
}

/// Runs `zpbg score --format json` and returns the sheet.
fn score_json(facts: &str) -> serde_json::Value {
    let out = zpbg(&[
        "score",
        root().join(facts).to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every leaf of a JSON score sheet as (name, weight, score).
fn leaf_scores(node: &serde_json::Value, out: &mut Vec<(String, String, String)>) {
    if node["leaf"].is_null() {
        for child in node["children"].as_array().unwrap() {
            leaf_scores(child, out);
        }
    } else {
        let text = |key: &str| node[key].as_str().unwrap().to_string();
        out.push((text("name"), text("weight"), text("score")));
    }
}

/// The first-level scores of a JSON score sheet.
fn first_level(sheet: &serde_json::Value) -> Vec<&str> {
    sheet["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["score"].as_str().unwrap())
        .collect()
}

fn leaves_of(sheet: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for root in sheet["roots"].as_array().unwrap() {
        leaf_scores(root, &mut out);
    }
    out
}

#[test]
fn reference_000_scores_96() {
    let sheet = score_json("tests/fixtures/ref000.toml");
    assert_eq!(sheet["total"], "96");
    assert_eq!(sheet["grade"], "优");
    assert_eq!(first_level(&sheet), ["13", "57", "26"]);
    // As published: 预算完成率 3, 预算控制率 3, everything else full;
    // 楼堂馆所 full because not applicable.
    let leaves = leaves_of(&sheet);
    assert_eq!(leaves.len(), 16);
    for (name, weight, score) in &leaves {
        let expected = match name.as_str() {
            "预算完成率" | "预算控制率" => "3",
            _ => weight,
        };
        assert_eq!(score, expected, "{name}");
    }
    let building = &sheet["roots"][1]["children"][0]["children"][2];
    assert_eq!(building["not_applicable"], "full");
}

#[test]
fn reference_001_scores_96_not_its_printed_97() {
    let sheet = score_json("tests/fixtures/ref001.toml");
    // The published table's indicator scores sum to 96; its "97" is a slip.
    assert_eq!(sheet["total"], "96");
    assert_eq!(sheet["grade"], "优");
    assert_eq!(first_level(&sheet), ["10", "30", "25", "31"]);
    let leaves = leaves_of(&sheet);
    // 预算执行率 plus the 32 third-level indicators of its table (its text
    // says 33).
    assert_eq!(leaves.len(), 33);
    for (name, expected) in [
        ("提高人民群众生活质量", "8"),
        ("长效管理制度", "9"),
        ("群众满意度", "14"),
        ("部门绩效评价完成率", "2"),
    ] {
        let got = &leaves.iter().find(|(n, _, _)| n == name).unwrap().2;
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn every_builtin_profile_renders_its_reference() {
    let dir = scratch("builtins");
    for (facts, total) in [
        ("tests/fixtures/ref000.toml", "96"),
        ("tests/fixtures/ref001.toml", "96"),
        ("tests/fixtures/ref002.toml", "99.93"),
    ] {
        let pdf = dir.join("out.pdf");
        gen_pdf(&root().join(facts), &pdf);
        let text = pdf_text(&pdf);
        assert!(
            text.contains(&format!("{total}分")),
            "{facts}: total {total} not in the PDF"
        );
    }
}

#[test]
fn a_character_no_font_has_is_refused_with_its_field() {
    let dir = scratch("glyph");
    let facts =
        read("data/example.toml").replace("preparer = \"王某某\"", "preparer = \"王\u{E123}\"");
    let path = dir.join("glyph.toml");
    std::fs::write(&path, facts).unwrap();
    let pdf = dir.join("glyph.pdf");
    let out = zpbg(&["gen", path.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("report.preparer") && err.contains("U+E123"),
        "{err}"
    );
    assert!(!pdf.exists());
    let out = zpbg(&[
        "gen",
        path.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
        "--allow-missing-glyphs",
    ]);
    assert!(out.status.success());
}

#[test]
fn a_profile_template_cannot_read_outside_the_profile() {
    let dir = scratch("sandbox");
    let facts = root().join("tests/fixtures/custom-facts.toml");
    for (name, call) in [
        ("passwd", r#"#read("/etc/passwd")"#),
        ("parent", r#"#read("../custom-facts.toml")"#),
        ("deep", r#"#read("../../../../../../etc/hostname")"#),
        ("image", r#"#image("/etc/passwd")"#),
        ("package", r#"#import "@preview/cetz:0.3.0""#),
    ] {
        // A copy of the custom profile whose layout tries to read a file.
        let layout = read("tests/fixtures/custom-profile/report.typ");
        let report = format!("{layout}\n{call}\n");
        let profile = custom_profile(&dir, name, &[("report.typ", &report)]);
        let pdf = dir.join(format!("{name}.pdf"));
        let out = gen_with(&facts, &profile, &pdf);
        assert_eq!(out.status.code(), Some(2), "{name} must fail");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("排版失败") && err.contains("report.typ"),
            "{name}: {err}"
        );
        assert!(
            !err.contains("root:"),
            "{name}: the file's content leaked: {err}"
        );
        assert!(!pdf.exists(), "{name}");
    }
}

#[test]
fn emit_typst_writes_the_source_data_and_fonts() {
    let scratch = scratch("emit");
    let dir = scratch.join("typst");
    let facts = root().join("data/example.toml");
    let out = zpbg(&[
        "gen",
        facts.to_str().unwrap(),
        "--emit",
        "typst",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("typst compile --root"));
    let main = std::fs::read_to_string(dir.join("report.typ")).unwrap();
    assert!(main.contains("json(\"/data.json\")"));
    assert!(dir.join("lib/gongwen.typ").exists());
    assert!(dir.join("fonts/FandolFang-Regular.otf").exists());
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("data.json")).unwrap()).unwrap();
    assert_eq!(data["meta"]["unit"], "示例县人力资源和社会保障局");
    assert_eq!(data["annex"]["total_score"], "95.8");
}

#[test]
fn pdf_a_output_carries_its_conformance_and_metadata() {
    let dir = scratch("pdfa");
    let facts = root().join("data/example.toml");
    for (standard, part) in [("a-2b", "2"), ("a-3b", "3")] {
        let pdf = dir.join(format!("{standard}.pdf"));
        let out = zpbg(&[
            "gen",
            facts.to_str().unwrap(),
            "--pdf-standard",
            standard,
            "-o",
            pdf.to_str().unwrap(),
        ]);
        assert_ok(&out);
        let bytes = std::fs::read(&pdf).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        assert!(
            raw.contains(&format!("<pdfaid:part>{part}</pdfaid:part>")),
            "{standard}"
        );
        assert!(raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(raw.contains("/Lang(zh-CN)"));
        // The date is the report's, not the clock's.
        assert!(raw.contains("<xmp:CreateDate>2026-04-20T00:00:00+00:00</xmp:CreateDate>"));
        let again = dir.join("again.pdf");
        let out = zpbg(&[
            "gen",
            facts.to_str().unwrap(),
            "--pdf-standard",
            standard,
            "-o",
            again.to_str().unwrap(),
        ]);
        assert!(out.status.success());
        assert!(
            std::fs::read(&again).unwrap() == bytes,
            "{standard} is not deterministic"
        );
    }
}

#[test]
fn batch_output_does_not_depend_on_the_thread_count() {
    let dir = scratch("batch-jobs");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for name in ["ref000", "ref001", "ref002"] {
        std::fs::copy(
            root().join(format!("tests/fixtures/{name}.toml")),
            input.join(format!("{name}.toml")),
        )
        .unwrap();
    }
    std::fs::copy(root().join("data/example.toml"), input.join("example.toml")).unwrap();
    let mut outputs = Vec::new();
    for jobs in ["1", "2", "4"] {
        let out_dir = dir.join(format!("out{jobs}"));
        let out = zpbg(&[
            "batch",
            input.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "--jobs",
            jobs,
        ]);
        assert_ok(&out);
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        outputs.push(files);
    }
    assert_eq!(outputs[0].len(), 7, "four reports and three summaries");
    assert!(outputs[0] == outputs[1] && outputs[1] == outputs[2]);
    // Each report equals what `gen` writes for the same unit.
    let single = dir.join("single.pdf");
    gen_pdf(&input.join("ref002.toml"), &single);
    let batch = &outputs[0]
        .iter()
        .find(|(n, _)| n == "ref002.pdf")
        .unwrap()
        .1;
    assert!(&std::fs::read(&single).unwrap() == batch);
}

#[test]
fn toml_errors_in_a_profile_are_explained_in_chinese() {
    let dir = scratch("profile-toml");
    let facts = root().join("tests/fixtures/custom-facts.toml");
    for (file, from, to, expected) in [
        ("framework.toml", "name = ", "nom = ", "不认识的字段 nom"),
        (
            "profile.toml",
            "main = \"report.typ\"",
            "",
            "缺少必填字段 main",
        ),
    ] {
        let text = read(&format!("tests/fixtures/custom-profile/{file}"));
        let broken = text.replacen(from, to, 1);
        let profile = custom_profile(&dir, &file.replace('.', "-"), &[(file, &broken)]);
        let out = zpbg(&[
            "score",
            facts.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expected), "{file}: {err}");
        assert!(err.contains(file), "{file}: {err}");
    }
}
