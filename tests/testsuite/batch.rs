//! `zpbg batch` on twenty-one fictional units derived from the example and
//! the three references: four frameworks, a bureau's own profile, ties, not
//! applicable indicators, and one broken file.

use crate::harness::{assert_ok, pdf_text, read, root, scratch, squash, zpbg};

/// `text` with `from` replaced, which must occur.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "「{from}」not found");
    text.replacen(from, to, 1)
}

/// The facts file `source` under a new unit name, with further edits.
fn unit(source: &str, old_name: &str, name: &str, edits: &[(&str, &str)]) -> String {
    let mut text = edit(
        source,
        &format!("name = \"{old_name}\""),
        &format!("name = '''{name}'''"),
    );
    for (from, to) in edits {
        text = edit(&text, from, to);
    }
    text
}

/// (file stem, facts) of every good unit.
fn units() -> Vec<(String, String)> {
    let example = read("data/example.toml");
    let ref000 = read("tests/fixtures/ref000.toml");
    let ref001 = read("tests/fixtures/ref001.toml");
    let ref002 = read("tests/fixtures/ref002.toml");
    let custom_profile = root().join("tests/fixtures/custom-profile");
    // A bureau's own profile, named by the facts file rather than a flag.
    let custom = format!(
        "profile = '''{}'''\n{}",
        custom_profile.display(),
        read("tests/fixtures/custom-facts.toml")
    );
    let ex = "示例县人力资源和社会保障局";
    let r0 = "芷江侗族自治县人力资源和社会保障局";
    let r1 = "信阳市平桥区人力资源和社会保障局";
    let r2 = "怀化市洪江区人力资源和社会保障局";
    let cu = "示例市自定义评价局";
    let list: Vec<(&str, String)> = vec![
        ("a01", unit(&example, ex, "甲县人力资源和社会保障局", &[])),
        // Same facts under another name: ties with a01.
        ("a02", unit(&example, ex, "乙县人力资源和社会保障局", &[])),
        (
            "a03",
            unit(
                &example,
                ex,
                "丙县人力资源和社会保障局",
                &[("satisfied = 348", "satisfied = 372")],
            ),
        ),
        (
            "a04",
            unit(
                &example,
                ex,
                "丁县人力资源和社会保障局",
                &[("satisfied = 348", "satisfied = 300")],
            ),
        ),
        // No `profile` line: the default, hunan-2024.
        (
            "a05",
            unit(
                &example,
                ex,
                "戊县人力资源和社会保障局",
                &[
                    ("profile = \"hunan-2024\"\n", ""),
                    ("satisfied = 348", "satisfied = 360"),
                ],
            ),
        ),
        // User text that must print as itself in the summary, and be quoted in the CSV.
        (
            "a06",
            unit(
                &example,
                ex,
                "己县\"人社\",局#panic()[x]",
                &[("satisfied = 348", "satisfied = 340")],
            ),
        ),
        ("b01", unit(&ref002, r2, "庚区人力资源和社会保障局", &[])),
        (
            "b02",
            unit(
                &ref002,
                r2,
                "辛区人力资源和社会保障局",
                &[("budget_full = 1430.40", "budget_full = 1500.00")],
            ),
        ),
        (
            "b03",
            unit(
                &ref002,
                r2,
                "壬区人力资源和社会保障局",
                &[("budget_full = 1430.40", "budget_full = 1600.00")],
            ),
        ),
        (
            "b04",
            unit(
                &ref002,
                r2,
                "癸区人力资源和社会保障局",
                &[(
                    "basic.public = { budget = 31.46, actual = 26.00 }",
                    "basic.public = { budget = 31.46, actual = 20.00 }",
                )],
            ),
        ),
        // hunan-2020, with 楼堂馆所 not applicable (full marks).
        ("c01", unit(&ref000, r0, "子县人力资源和社会保障局", &[])),
        (
            "c02",
            unit(
                &ref000,
                r0,
                "丑县人力资源和社会保障局",
                &[("satisfied = 95", "satisfied = 85")],
            ),
        ),
        (
            "c03",
            unit(
                &ref000,
                r0,
                "寅县人力资源和社会保障局",
                &[("satisfied = 95", "satisfied = 75")],
            ),
        ),
        ("c04", unit(&ref000, r0, "卯县人力资源和社会保障局", &[])),
        // henan-2022.
        ("d01", unit(&ref001, r1, "辰区人力资源和社会保障局", &[])),
        (
            "d02",
            unit(
                &ref001,
                r1,
                "巳区人力资源和社会保障局",
                &[("score = 14\n", "score = 12\n")],
            ),
        ),
        (
            "d03",
            unit(
                &ref001,
                r1,
                "午区人力资源和社会保障局",
                &[(
                    "[assess.\"output.tasks.t1\"]\nunit = \"%\"\nactual = 100",
                    "[assess.\"output.tasks.t1\"]\nunit = \"%\"\nactual = 80",
                )],
            ),
        ),
        ("d04", unit(&ref001, r1, "未区人力资源和社会保障局", &[])),
        // The bureau's own framework: an excluded indicator, so a converted
        // score, and a bonus item.
        ("e01", unit(&custom, cu, "申市自定义评价局", &[])),
        (
            "e02",
            unit(
                &custom,
                cu,
                "酉市自定义评价局",
                &[("satisfied = 86", "satisfied = 95")],
            ),
        ),
    ];
    list.into_iter().map(|(s, t)| (s.to_string(), t)).collect()
}

/// RFC 4180 records: quoted cells may hold commas, quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut cell) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(cell.is_empty() && record.is_empty(), "CSV ends mid-record");
    records
}

/// A decimal as the report prints it: `95.80` → `95.8`, `96.00` → `96`.
fn normal(number: &str) -> String {
    if number.contains('.') {
        number
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        number.to_string()
    }
}

#[test]
fn batch_renders_every_good_unit_and_summarises_them() {
    let dir = scratch("twenty");
    let (input, out) = (dir.join("facts"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let units = units();
    assert!(units.len() >= 20);
    for (stem, text) in &units {
        std::fs::write(input.join(format!("{stem}.toml")), text).unwrap();
    }
    let broken = edit(
        &read("data/example.toml"),
        "budget_full = 1865.30",
        "budget_full = \"很多\"",
    );
    let line = broken.lines().position(|l| l.contains("很多")).unwrap() + 1;
    std::fs::write(input.join("broken.toml"), broken).unwrap();
    // Last year's good report of the broken unit must survive.
    std::fs::write(out.join("broken.pdf"), b"good earlier report").unwrap();

    let output = zpbg(&[
        "batch",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");

    // The failure names the file, and the library's message its line.
    let failure = stderr
        .lines()
        .find(|l| l.contains("失败"))
        .unwrap_or_else(|| panic!("no failure line: {stderr}"));
    assert!(failure.contains("broken.toml"), "{failure}");
    assert!(
        stderr.contains(&format!("broken.toml:{line}:")) && stderr.contains("budget_full"),
        "{stderr}"
    );
    assert_eq!(
        stderr.lines().filter(|l| l.contains("] ok ")).count(),
        units.len(),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(out.join("broken.pdf")).unwrap(),
        b"good earlier report"
    );
    for (stem, _) in &units {
        let pdf = std::fs::read(out.join(format!("{stem}.pdf"))).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{stem}.pdf");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    // 汇总表.csv: one row per good unit; totals as `zpbg score` gives them.
    let csv = std::fs::read_to_string(out.join("汇总表.csv")).unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("CSV starts with a BOM");
    let records = parse_csv(csv);
    let head = &records[0];
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (rank, name, total, converted, file) = (
        col("排名"),
        col("单位名称"),
        col("总分"),
        col("换算得分"),
        col("报告文件"),
    );
    // Columns are the union of the four frameworks' first-level names.
    for level in ["满意度指标", "产出及效率", "投入管理指标", "过程"] {
        col(level);
    }
    // The broken unit is listed too, with why it made no report (a change
    // of issue 12: the CSV used to leave it out).
    let (facts, reason) = (col("事实文件"), col("未生成原因"));
    let (failures, rows): (Vec<&Vec<String>>, Vec<&Vec<String>>) =
        records[1..].iter().partition(|r| !r[reason].is_empty());
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0][facts].ends_with("broken.toml"), "{failures:?}");
    assert!(failures[0][reason].contains("budget_full"), "{failures:?}");
    assert_eq!(failures[0].len(), head.len());
    assert_eq!(rows.len(), units.len());
    let mut totals = Vec::new();
    for (stem, text) in &units {
        let row = rows
            .iter()
            .find(|r| r[file] == format!("{stem}.pdf"))
            .unwrap_or_else(|| panic!("no row for {stem}"));
        assert_eq!(row.len(), head.len());
        let facts = input.join(format!("{stem}.toml"));
        let out = zpbg(&["score", facts.to_str().unwrap(), "--format", "json"]);
        assert!(out.status.success());
        let sheet: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            row[total],
            normal(sheet["total"].as_str().unwrap()),
            "{stem}"
        );
        let expected = sheet["converted"].as_str().map(normal).unwrap_or_default();
        assert_eq!(row[converted], expected, "{stem}");
        assert!(
            text.contains(&format!("name = '''{}'''", row[name])),
            "{stem}"
        );
        totals.push((row[total].clone(), row[rank].clone()));
    }
    // Scores vary, and equal totals share a rank.
    let mut distinct: Vec<&String> = totals.iter().map(|(t, _)| t).collect();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() >= 10, "{totals:?}");
    for (t, r) in &totals {
        assert!(
            totals.iter().all(|(t2, r2)| t != t2 || r == r2),
            "{totals:?}"
        );
    }
    assert_eq!(rows[0][rank], "1");

    // 汇总表.pdf: every unit with its total, the broken file listed apart.
    let text = pdf_text(&out.join("汇总表.pdf"));
    assert!(text.contains("部门整体支出绩效自评结果汇总表"), "{text}");
    for row in rows {
        let needle = squash(&format!("{}{}", row[name], row[total]));
        assert!(text.contains(&needle), "summary PDF lacks 「{needle}」");
    }
    assert!(text.contains("broken.toml"), "{text}");
}

#[test]
fn usage_problems_stop_the_run_with_code_2() {
    let dir = scratch("usage");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = dir.join("out");
    let run = |args: &[&str]| {
        let output = zpbg(args);
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8(output.stderr).unwrap()
    };
    let err = run(&[
        "batch",
        empty.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("没有 .toml 或 .xlsx 事实文件"), "{err}");
    let example = root().join("data/example.toml");
    let err = run(&[
        "batch",
        example.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--profile",
        "no-such-profile",
    ]);
    assert!(err.contains("no-such-profile"), "{err}");
    let err = run(&[
        "batch",
        example.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--jobs",
        "0",
    ]);
    assert!(err.contains("--jobs"), "{err}");
}

#[test]
fn a_missing_glyph_fails_its_unit_unless_allowed() {
    let dir = scratch("glyph");
    let units = dir.join("units");
    std::fs::create_dir_all(&units).unwrap();
    let example = read("data/example.toml");
    std::fs::write(units.join("good.toml"), &example).unwrap();
    std::fs::write(
        units.join("boxed.toml"),
        edit(
            &example,
            "preparer = \"王某某\"",
            "preparer = \"王\u{E123}\"",
        ),
    )
    .unwrap();
    let out_dir = dir.join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "batch",
            units.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        zpbg(&args)
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("boxed.toml") && err.contains("U+E123"),
        "{err}"
    );
    assert!(out_dir.join("good.pdf").exists());
    assert!(!out_dir.join("boxed.pdf").exists());
    let out = run(&["--allow-missing-glyphs"]);
    assert_ok(&out);
    assert!(out_dir.join("boxed.pdf").exists());
}
