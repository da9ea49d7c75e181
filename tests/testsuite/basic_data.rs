//! The annex 部门整体支出绩效评价基础数据表: its figures, read back from the
//! PDF, equal the facts; what the facts leave out prints as 「—」.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use rust_decimal::Decimal;

use crate::harness::{assert_ok, pdf_text, read, root, scratch, squash, stderr, zpbg};

fn generate(facts: &Path, pdf: &Path, profile: Option<&str>) -> String {
    let mut args = vec!["gen", facts.to_str().unwrap(), "-o", pdf.to_str().unwrap()];
    if let Some(profile) = profile {
        args.extend(["--profile", profile]);
    }
    assert_ok(&zpbg(&args));
    pdf_text(pdf)
}

/// A number of the facts file as a decimal, as typed.
fn dec(value: &toml::Value) -> Decimal {
    match value {
        toml::Value::Integer(i) => Decimal::from(*i),
        toml::Value::Float(f) => f.to_string().parse().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

fn money(value: Decimal) -> String {
    format!("{:.2}", value.round_dp(2))
}

/// Previous, budget and actual of a `{ previous, budget, actual }` table.
fn three(item: &toml::Value) -> [String; 3] {
    ["previous", "budget", "actual"].map(|key| money(dec(&item[key])))
}

/// Asserts that the table has the row `name` with these cells, in order.
#[track_caller]
fn assert_row(text: &str, name: &str, cells: &[impl AsRef<str>]) {
    let row: String = std::iter::once(name)
        .chain(cells.iter().map(AsRef::as_ref))
        .collect();
    assert!(
        text.contains(&squash(&row)),
        "PDF text lacks the row 「{name} {}」",
        cells
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// The annex part of the PDF text: from its title to the next annex.
fn annex(text: &str, title: &str) -> String {
    let start = text
        .rfind(title)
        .unwrap_or_else(|| panic!("PDF text lacks the annex title 「{title}」"));
    text[start..].to_string()
}

#[test]
fn the_example_table_prints_the_facts() {
    let dir = scratch("example");
    let text = generate(
        &root().join("data/example.toml"),
        &dir.join("out.pdf"),
        None,
    );
    let text = annex(&text, "2025年度部门整体支出绩效评价基础数据表");
    let facts: toml::Table = read("data/example.toml").parse().unwrap();
    let m = &facts["money"];

    // 编制 42, 在职 39: the control rate is 39 / 42.
    let staff = facts["staffing"]["categories"].as_array().unwrap();
    let sum = |key: &str| -> Decimal { staff.iter().map(|c| dec(&c[key])).sum() };
    let rate = sum("actual") * Decimal::ONE_HUNDRED / sum("establishment");
    let staff_row = format!(
        "{}{}{:.2}%",
        sum("establishment"),
        sum("actual"),
        rate.round_dp(2)
    );
    assert!(text.contains(&staff_row), "staff row {staff_row}");

    let public = three(&m["basic"]["public"]);
    assert_row(&text, "其中：公用经费", &public);
    let personnel = three(&m["basic"]["personnel"]);
    let basic: Vec<String> = (0..3)
        .map(|i| {
            money(personnel[i].parse::<Decimal>().unwrap() + public[i].parse::<Decimal>().unwrap())
        })
        .collect();
    assert_row(&text, "一、部门基本支出", &basic);
    for (i, item) in m["public_items"].as_array().unwrap().iter().enumerate() {
        let lead = if i == 0 { "其中：" } else { "" };
        let name = format!("{lead}{}.{}", i + 1, item["name"].as_str().unwrap());
        assert_row(&text, &name, &three(item));
    }

    let t = &facts["three_public"];
    assert_row(&text, "3.公务接待", &three(&t["reception"]));
    assert_row(&text, "2.出国经费", &three(&t["overseas"]));
    assert_row(&text, "公车运行维护", &three(&t["vehicle_operation"]));
    // No 公车购置 in the facts: the vehicle subtotal is the operation alone.
    assert_row(&text, "其中：公车购置", &["—", "—", "—"]);
    assert_row(
        &text,
        "1.公务用车购置和维护经费",
        &three(&t["vehicle_operation"]),
    );
    let total: Vec<String> = ["previous", "budget", "actual"]
        .iter()
        .map(|key| {
            let kinds = ["reception", "overseas", "vehicle_operation"];
            money(kinds.iter().map(|k| dec(&t[*k][*key])).sum())
        })
        .collect();
    assert_row(&text, "三公经费", &total);

    // Projects by category, in the order the facts first name them; the
    // categories add up to 二、部门项目支出.
    let mut order: Vec<String> = Vec::new();
    let mut by_category: BTreeMap<String, [Decimal; 3]> = BTreeMap::new();
    for p in facts["projects"].as_array().unwrap() {
        let category = p["category"].as_str().unwrap().to_string();
        if !order.contains(&category) {
            order.push(category.clone());
        }
        let entry = by_category.entry(category).or_default();
        entry[1] += dec(&p["budget"]);
        entry[2] += dec(&p["actual"]);
    }
    for p in m["previous_projects"].as_array().unwrap() {
        by_category
            .get_mut(p["category"].as_str().unwrap())
            .unwrap()[0] += dec(&p["amount"]);
    }
    let mut total = [Decimal::ZERO; 3];
    for (i, category) in order.iter().enumerate() {
        let amounts = by_category[category];
        for c in 0..3 {
            total[c] += amounts[c];
        }
        assert_row(&text, &format!("{}.{category}", i + 1), &amounts.map(money));
    }
    assert_row(&text, "二、部门项目支出", &total.map(money));

    let p = &facts["procurement"];
    assert_row(
        &text,
        "政府采购金额",
        &[
            "—".to_string(),
            money(dec(&p["budget"])),
            money(dec(&p["actual"])),
        ],
    );
    let adjustment = money(dec(&m["basic"]["adjustment"]));
    assert_row(&text, "部门基本支出预算调整", &["—", &adjustment, "—"]);
    // No building completed: six dashes.
    assert!(text.contains("投资概算控制率"), "{text}");
    assert!(text.contains("——————"), "{text}");
    let thrift = facts["text"]["thrift"].as_str().unwrap();
    assert!(text.contains(&format!("厉行节约保障措施{}", squash(thrift))));
    assert!(text.contains("填表人：王某某"));
    assert!(text.contains("联系电话：0000-1234567"));
    assert!(text.contains("单位负责人签字"));
}

#[test]
fn the_example_table_keeps_to_one_page_with_its_signature() {
    let dir = scratch("one-page");
    let pdf = dir.join("out.pdf");
    generate(&root().join("data/example.toml"), &pdf, None);
    let out = Command::new("pdftotext")
        .args(["-raw", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // pdftotext ends each page with a form feed.
    let page = text
        .split('\u{c}')
        .map(squash)
        .find(|p| p.starts_with("附件12025年度部门整体支出绩效评价基础数据表"))
        .expect("a page with the table");
    assert!(page.contains("财政供养人员情况"), "{page}");
    assert!(page.contains("厉行节约保障措施"), "{page}");
    assert!(page.contains("单位负责人签字"), "{page}");
}

#[test]
fn without_last_years_numbers_the_cells_show_a_dash() {
    let dir = scratch("no-previous");
    let facts = read("data/example.toml");
    // The previous_projects list first, whose entries span lines.
    let start = facts.find("previous_projects = [").unwrap();
    let end = start + facts[start..].find("]\n").unwrap() + 2;
    // Then last year's 公用经费 items; the 三公 kinds keep theirs, which the
    // budget chapter prints.
    let mut table = "";
    let facts = format!("{}{}", &facts[..start], &facts[end..])
        .lines()
        .filter(|l| {
            if l.starts_with('[') {
                table = l;
            }
            !(table == "[[money.public_items]]" && l.starts_with("previous"))
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace("{ previous = 846.15, ", "{ ")
        .replace("{ previous = 93.52, ", "{ ");
    assert!(!facts.contains("previous = 18.60"), "{facts}");
    let path = dir.join("facts.toml");
    std::fs::write(&path, &facts).unwrap();
    let text = generate(&path, &dir.join("out.pdf"), None);
    let text = annex(&text, "2025年度部门整体支出绩效评价基础数据表");
    assert_row(&text, "一、部门基本支出", &["—", "959.20", "962.63"]);
    assert_row(&text, "其中：公用经费", &["—", "96.80", "91.27"]);
    assert_row(&text, "其中：1.办公费", &["—", "20.00", "18.45"]);
    assert_row(&text, "二、部门项目支出", &["—", "725.00", "862.56"]);
    assert_row(&text, "1.市级专项资金", &["—", "320.00", "412.50"]);
}

#[test]
fn hunan_2020_prints_it_as_an_annex_not_in_the_narrative() {
    let dir = scratch("hunan-2020");
    let text = generate(
        &root().join("tests/fixtures/ref000.toml"),
        &dir.join("out.pdf"),
        Some("hunan-2020"),
    );
    assert!(
        !text.contains("基础数据如下表"),
        "the narrative table is gone"
    );
    let text = annex(&text, "附表2部门整体支出绩效评价基础数据表");
    // 编制 55, 在职 50.
    assert!(text.contains("2020年实际在职人数"), "{text}");
    assert!(text.contains("555090.91%"), "{text}");
    assert!(text.contains("经费控制情况（万元）2019年决算数2020年预算数2020年决算数"));
    // 2019's 公务接待 45358 元 is the only last-year figure ref000 gives.
    assert_row(&text, "3.公务接待", &["4.54", "5.00", "3.51"]);
    assert_row(&text, "其中：公用经费", &["—", "150.95", "146.91"]);
    // Its items as the reference groups them; 2019's second one is blank.
    assert_row(&text, "2.会议费、培训费", &["—", "3.40", "1.64"]);
}

#[test]
fn check_warns_when_the_public_items_exceed_the_public_funds() {
    let dir = scratch("items");
    let path = dir.join("facts.toml");
    let facts = read("data/example.toml").replace(
        "name = \"培训费\"\nprevious = 4.60\nbudget = 5.00\nactual = 4.12",
        "name = \"培训费\"\nprevious = 4.60\nbudget = 5.00\nactual = 60.00",
    );
    std::fs::write(&path, &facts).unwrap();
    let out = zpbg(&["check", path.to_str().unwrap(), "--strict"]);
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("money.public_items.actual"), "{err}");
    assert!(err.contains("101.50") && err.contains("91.27"), "{err}");

    let out = zpbg(&[
        "check",
        root().join("data/example.toml").to_str().unwrap(),
        "--strict",
    ]);
    assert!(
        !stderr(&out).contains("money.public_items"),
        "{}",
        stderr(&out)
    );
}
