//! Facts in Excel workbooks: `init --xlsx`, `convert` both ways, `gen`,
//! `check` and `score` reading `.xlsx`, the cells people type wrongly, and
//! `batch` over a mix of TOML and workbooks with its 汇总表.xlsx.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};

use crate::harness::{assert_ok, libreoffice_convert, read, root, scratch, stderr, zpbg};

fn example() -> PathBuf {
    root().join("data/example.toml")
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn score_json(facts: &Path) -> String {
    let out = zpbg(&["score", s(facts), "--format", "json"]);
    assert_ok(&out);
    String::from_utf8(out.stdout).unwrap()
}

/// The example as a workbook after `edit` changes its facts; the edited
/// value lands in its cell as it is (a string where a number belongs is
/// written as text, as a person might type it).
fn workbook(dir: &Path, name: &str, edit: impl FnOnce(&mut toml::Table)) -> PathBuf {
    let mut facts: toml::Table = read("data/example.toml").parse().unwrap();
    edit(&mut facts);
    let profile = zpbg::profile::Profile::builtin("hunan-2024").unwrap();
    let bytes = zpbg::xlsx::write::facts_workbook(&facts, &profile).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The table at a dotted path of `facts` (arrays by index from 0).
fn at<'a>(facts: &'a mut toml::Table, path: &[&str]) -> &'a mut toml::Value {
    let (first, rest) = path.split_first().unwrap();
    let mut value = facts.get_mut(*first).unwrap();
    for key in rest {
        value = match key.parse::<usize>() {
            Ok(i) => &mut value.as_array_mut().unwrap()[i],
            Err(_) => value.get_mut(*key).unwrap(),
        };
    }
    value
}

#[test]
fn the_example_round_trips_through_a_workbook() {
    let dir = scratch("round-trip");
    let xlsx = dir.join("example.xlsx");
    let back = dir.join("back.toml");
    assert_ok(&zpbg(&["convert", s(&example()), "-o", s(&xlsx)]));
    assert_ok(&zpbg(&["convert", s(&xlsx), "-o", s(&back)]));
    // The same facts: every value kept, as zpbg reads them. A workbook has
    // a row per paragraph, so a text block of one paragraph comes back as a
    // list of one, which zpbg reads alike.
    let facts = |path: &Path| {
        let file = zpbg::facts::FactsFile::load(path).unwrap();
        let mut json = serde_json::to_value(&file.data).unwrap();
        for block in json["text"].as_object_mut().unwrap().values_mut() {
            if block.is_string() {
                *block = serde_json::Value::Array(vec![block.take()]);
            }
        }
        json
    };
    assert_eq!(facts(&example()), facts(&back));
    assert_eq!(facts(&example()), facts(&xlsx));
    // A filled workbook scores as the TOML does.
    let json = score_json(&example());
    assert_eq!(score_json(&xlsx), json);
    assert_eq!(score_json(&back), json);
    // And renders the same PDF, byte for byte.
    let (a, b) = (dir.join("a.pdf"), dir.join("b.pdf"));
    assert_ok(&zpbg(&["gen", s(&example()), "-o", s(&a)]));
    assert_ok(&zpbg(&["gen", s(&xlsx), "-o", s(&b)]));
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
    // Nothing is replaced.
    let again = zpbg(&["convert", s(&example()), "-o", s(&xlsx)]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn cells_typed_as_text_read_as_the_numbers_and_dates_they_say() {
    let dir = scratch("typed");
    let xlsx = workbook(&dir, "typed.xlsx", |f| {
        *at(f, &["money", "budget_full"]) = "1,865.30万元".into();
        *at(f, &["money", "carryover_end"]) = " 40.11 ".into();
        *at(f, &["report", "date"]) = "2026年4月20日".into();
        // 劳动保障监察案件结案率, a percent.
        *at(f, &["indicators", "5", "actual"]) = "97.3%".into();
        *at(f, &["staffing", "retired"]) = "25".into();
    });
    assert_eq!(score_json(&xlsx), score_json(&example()));
    let out = zpbg(&["check", s(&xlsx)]);
    assert_ok(&out);
}

/// `check` of the example's workbook after `edit`: its message, which must
/// name `cell` and say `words`.
#[track_caller]
fn refused(name: &str, edit: impl FnOnce(&mut toml::Table), cell: &str, words: &[&str]) {
    let dir = scratch(name);
    let xlsx = workbook(&dir, &format!("{name}.xlsx"), edit);
    let out = zpbg(&["check", s(&xlsx)]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(message.contains(&format!("单元格 {cell}")), "{message}");
    for word in words {
        assert!(message.contains(word), "「{word}」: {message}");
    }
}

#[test]
fn cells_that_cannot_be_read_are_refused_naming_the_cell() {
    refused(
        "yuan",
        |f| *at(f, &["money", "budget_full"]) = "18,653,000元".into(),
        "资金!B3",
        &["万元"],
    );
    refused(
        "words",
        |f| *at(f, &["money", "budget_full"]) = "一千八百万".into(),
        "资金!B3",
        &["不是金额"],
    );
    refused(
        "drift",
        |f| *at(f, &["money", "budget_full"]) = 1865.2999999999.into(),
        "资金!B3",
        &["10 位小数", "ROUND"],
    );
    refused(
        "date",
        |f| *at(f, &["report", "date"]) = "2026年13月1日".into(),
        "单位信息!B10",
        &["不是日期"],
    );
    refused(
        "empty",
        |f| {
            at(f, &["money"])
                .as_table_mut()
                .unwrap()
                .remove("budget_full");
        },
        "资金!B3",
        &["全年预算数", "必须填写"],
    );
    // 社保经办系统升级完成时间's tier, a dropdown: row 10 (the header, then
    // the ninth indicator), column O.
    refused(
        "tier",
        |f| *at(f, &["indicators", "8", "tier"]) = "基本达成".into(),
        "绩效指标!O10",
        &["下拉列表", "部分达成"],
    );
    refused(
        "tier-number",
        |f| *at(f, &["indicators", "8", "tier"]) = 7.into(),
        "绩效指标!O10",
        &["下拉列表"],
    );
    // Validation after reading names the cell too: a negative amount.
    refused(
        "negative",
        |f| *at(f, &["money", "carryover_end"]) = (-1).into(),
        "资金!B7",
        &["不能为负数"],
    );
}

#[test]
fn the_template_is_deterministic_and_the_example_workbook_checks() {
    let dir = scratch("template");
    let (a, b) = (dir.join("a.xlsx"), dir.join("b.xlsx"));
    assert_ok(&zpbg(&["init", "--xlsx", s(&a)]));
    assert_ok(&zpbg(&["init", "--xlsx", s(&b)]));
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
    // Empty, it asks for the first thing it needs, by its cell.
    let out = zpbg(&["check", s(&a)]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(
        message.contains("单位信息!B3") && message.contains("单位名称"),
        "{message}"
    );
    // With the example's values, it makes a report.
    let filled = dir.join("example.xlsx");
    assert_ok(&zpbg(&["init", "--xlsx", s(&filled), "--example"]));
    assert_ok(&zpbg(&["check", s(&filled)]));
    // The dropdowns and the locked labels.
    let sheet = zip_part(&filled, "xl/worksheets/sheet17.xml");
    assert!(sheet.contains("<dataValidation"), "no validation");
    assert!(sheet.contains("<sheetProtection"), "not protected");
}

/// One part of the workbook package, as text.
fn zip_part(xlsx: &Path, name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn libreoffice_reads_the_template_sheets_and_labels() {
    let dir = scratch("soffice");
    let xlsx = dir.join("t.xlsx");
    assert_ok(&zpbg(&["init", "--xlsx", s(&xlsx), "--example"]));
    // UTF-8 (76), every sheet (-1) to a file of its own.
    if !libreoffice_convert(
        "libreoffice_reads_the_template_sheets_and_labels",
        "libreoffice-calc-nogui",
        &xlsx,
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
        &dir,
    ) {
        return;
    }
    let sheet = |name: &str| {
        std::fs::read_to_string(dir.join(format!("t-{name}.csv")))
            .unwrap_or_else(|_| panic!("no sheet 「{name}」"))
    };
    for (name, labels) in [
        (
            "单位信息",
            &["单位名称（必填）", "评价年度（必填）", "示例县某某局"][..],
        ),
        ("资金", &["全年预算数（必填）", "万元"]),
        ("项目", &["项目名称（必填）", "业务工作专项经费"]),
        ("三公经费", &["公务接待费本年预算"]),
        ("绩效指标", &["框架分支（必填）", "目标比较"]),
        ("问题与措施", &["存在的问题（必填）"]),
        ("文字说明", &["文字块（必填）"]),
    ] {
        let text = sheet(name);
        for label in labels {
            assert!(
                text.contains(label),
                "「{label}」 not on 「{name}」: {text}"
            );
        }
    }
}

#[test]
fn batch_mixes_toml_and_workbooks_and_writes_a_summary_workbook() {
    let dir = scratch("batch");
    let (input, out) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(example(), input.join("a.toml")).unwrap();
    workbook(&input, "b.xlsx", |f| {
        *at(f, &["unit", "name"]) = "示例县另一局".into();
        *at(f, &["indicators", "5", "actual"]) = 90.into();
    });
    workbook(&input, "c.xlsx", |f| {
        *at(f, &["money", "budget_full"]) = "很多".into();
    });
    // Excel's lock file of an open workbook is no unit, nor is the summary
    // of a run that wrote into the input folder.
    std::fs::write(input.join("~$b.xlsx"), b"lock").unwrap();
    std::fs::write(input.join("汇总表.xlsx"), b"last run").unwrap();
    let run = zpbg(&["batch", s(&input), "-o", s(&out)]);
    let message = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{message}");
    assert!(message.contains("资金!B3"), "{message}");
    assert!(out.join("a.pdf").exists() && out.join("b.pdf").exists());

    let csv = std::fs::read_to_string(out.join("汇总表.csv")).unwrap();
    let csv: Vec<Vec<String>> = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    let mut book: Xlsx<_> = calamine::open_workbook(out.join("汇总表.xlsx")).unwrap();
    let sheet = book.worksheet_range("汇总").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(text).collect()).collect();
    // Two units ranked; the CSV's columns up to the report file agree.
    assert_eq!(rows.len(), 3, "{rows:?}");
    let width = rows[0].len();
    for (row, line) in rows.iter().zip(&csv) {
        assert_eq!(row[..], line[..width], "{rows:?}\n{csv:?}");
    }
    let failed = book.worksheet_range("未生成报告").unwrap();
    let failed: Vec<Vec<String>> = failed
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed[1][0].ends_with("c.xlsx") && failed[1][1].contains("资金!B3"));
}

/// A cell as the CSV prints it: numbers without trailing zeros.
fn text(cell: &Data) -> String {
    match cell {
        Data::Float(f) => zpbg::xlsx::cell::exact(*f).unwrap().normalize().to_string(),
        Data::Int(i) => i.to_string(),
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("unexpected cell {other:?}"),
    }
}

#[test]
fn warnings_name_the_cell_not_a_line() {
    let dir = scratch("warning");
    let xlsx = workbook(&dir, "w.xlsx", |f| {
        at(f, &["money"])
            .as_table_mut()
            .unwrap()
            .remove("underspend_reason");
    });
    let out = zpbg(&["check", s(&xlsx)]);
    assert_ok(&out);
    let message = stderr(&out);
    assert!(
        message.contains("w.xlsx：字段 money.underspend_reason（单元格 资金!B16）"),
        "{message}"
    );
}

#[test]
fn a_file_that_is_not_a_facts_workbook_is_refused() {
    let dir = scratch("not-a-workbook");
    let junk = dir.join("junk.xlsx");
    std::fs::write(&junk, "[unit]\nname = \"x\"\n").unwrap();
    let out = zpbg(&["check", s(&junk)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("不是可读取的 Excel 工作簿"),
        "{}",
        stderr(&out)
    );
    // A workbook, but not of facts: the batch's own summary.
    let other = dir.join("other.xlsx");
    let bytes = zpbg::xlsx::write::summary(&["排名".into()], &[], &[]).unwrap();
    std::fs::write(&other, bytes).unwrap();
    let out = zpbg(&["check", s(&other)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("zpbg init --xlsx"),
        "{}",
        stderr(&out)
    );
}
