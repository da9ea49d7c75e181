//! The hunan-2024 report as a reviewer reads it: the reference outline's ten
//! chapters and its annex list, a budget chapter that explains the money, and
//! problems and measures in the unit's own words.

use std::sync::OnceLock;

use crate::harness::{assert_ok, pdf_text, read, root, scratch, squash, zpbg};

pub const CHAPTERS: [&str; 10] = [
    "一、部门（单位）基本情况",
    "二、一般公共预算支出情况",
    "三、政府性基金预算支出情况",
    "四、国有资本经营预算支出情况",
    "五、社会保险基金预算支出情况",
    "六、部门整体支出绩效情况",
    "七、存在的问题及原因分析",
    "八、下一步改进措施",
    "九、部门整体支出绩效自评结果拟应用和公开情况",
    "十、其他需要说明的情况",
];

/// The report's body (after the table of contents), squashed; rendered
/// once for all the tests that read it.
fn example_body() -> &'static str {
    static BODY: OnceLock<String> = OnceLock::new();
    BODY.get_or_init(|| {
        let dir = scratch("example");
        let pdf = dir.join("r.pdf");
        let facts = root().join("data/example.toml");
        assert_ok(&zpbg(&[
            "gen",
            facts.to_str().unwrap(),
            "-o",
            pdf.to_str().unwrap(),
        ]));
        let text = pdf_text(&pdf);
        // The contents list the chapters too: read from the last chapter's
        // entry in the contents onwards.
        let start = text
            .find(CHAPTERS[9])
            .expect("the contents list chapter 十");
        text[start + CHAPTERS[9].len()..].to_string()
    })
}

/// `--section ID` of `facts` (TOML text), as plain text.
fn section(facts: &str, id: &str) -> String {
    let dir = scratch(&format!("section-{id}"));
    let path = dir.join("facts.toml");
    std::fs::write(&path, facts).unwrap();
    let out = zpbg(&["gen", path.to_str().unwrap(), "--section", id]);
    assert_ok(&out);
    String::from_utf8(out.stdout).unwrap()
}

fn example() -> String {
    read("data/example.toml")
}

/// The example with its `[[problems]]` (the file's last part) replaced.
fn with_problems(problems: &str) -> String {
    let text = example();
    let cut = text.find("[[problems]]").expect("the example has problems");
    format!("{}{problems}", &text[..cut])
}

#[test]
fn the_example_follows_the_reference_outline_with_its_annex_list() {
    let body = example_body();
    let mut from = 0;
    for chapter in CHAPTERS {
        let at = body[from..]
            .find(chapter)
            .unwrap_or_else(|| panic!("{chapter} missing or out of order"));
        from += at + chapter.len();
    }
    let list = body.find("报告附件").expect("报告附件 after chapter 十");
    assert!(list > from - CHAPTERS[9].len());
    let year = "2025年度";
    let titles = [
        format!("{year}部门整体支出绩效评价基础数据表"),
        format!("{year}部门（单位）整体支出绩效自评表"),
        format!("{year}项目支出绩效自评表"),
    ];
    let mut at = list;
    for (i, title) in titles.iter().enumerate() {
        let entry = format!("{}．{title}", i + 1);
        at += body[at..]
            .find(&entry)
            .unwrap_or_else(|| panic!("报告附件 lacks {entry}"));
    }
    assert!(!body[at..].contains("4．"), "three entries only");
    // Each annex title again, above its table, after the list.
    for (label, title) in ["附件1", "附件2", "附件3"].iter().zip(&titles) {
        assert!(
            body[at..].contains(&format!("{label}{title}")),
            "{label} {title} is not printed above its annex"
        );
    }
}

#[test]
fn units_without_other_budgets_say_so_in_one_line() {
    let body = example_body();
    for name in ["政府性基金预算", "国有资本经营预算", "社会保险基金预算"] {
        assert!(
            body.contains(&format!("{name}支出情况本单位无{name}支出。")),
            "{name}"
        );
    }
}

#[test]
fn another_budget_is_written_from_the_facts() {
    let facts = example().replacen(
        "adjustment_reason",
        "social_insurance = { budget = 60, actual = 57.3, purpose = \"被征地农民养老保险补贴\" }\nadjustment_reason",
        1,
    );
    let text = squash(&section(&facts, "social_insurance"));
    assert!(
        text.contains("2025年社会保险基金预算年初预算60.00万元，全年执行57.30万元，执行率95.50%，主要用于被征地农民养老保险补贴。"),
        "{text}"
    );
}

#[test]
fn the_budget_chapter_explains_the_change_and_what_was_left() {
    let text = squash(&section(&example(), "budget"));
    for part in [
        "2025年年初预算数1684.20万元，其中基本支出959.20万元、项目支出725.00万元。",
        "年度执行中增加预算181.10万元，全年预算数1865.30万元，较年初预算增加10.75%，主要原因是年中上级追加就业补助资金",
        "全年执行数1825.19万元",
        "预算执行率97.85%，未执行40.11万元，主要原因是四季度追加的职业技能培训补贴中",
        "年末结转结余40.11万元，结转资金均为跨年结业培训班的职业技能培训补贴",
    ] {
        assert!(text.contains(part), "missing 「{part}」 in {text}");
    }
    assert!(!text.contains("支出支出"), "{text}");
}

#[test]
fn the_problems_chapter_is_the_units_own_words() {
    let text = squash(&section(&example(), "problems"));
    let facts: toml::Table = example().parse().unwrap();
    let problems = facts["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 5);
    for (i, p) in problems.iter().enumerate() {
        let number = ["一", "二", "三", "四", "五"][i];
        let statement = p["problem"].as_str().unwrap();
        let cause = p["cause"].as_str().unwrap();
        assert!(
            text.contains(&squash(&format!("（{number}）{statement}。{cause}。"))),
            "problem {number} not as written: {text}"
        );
    }
    // No sentence is generated from a deduction.
    assert!(!text.contains("指标扣"), "{text}");
    assert!(!text.contains("按完成比例计分"), "{text}");
}

#[test]
fn each_measure_answers_its_problem() {
    let text = squash(&section(&example(), "measures"));
    let facts: toml::Table = example().parse().unwrap();
    for (i, p) in facts["problems"].as_array().unwrap().iter().enumerate() {
        let number = ["一", "二", "三", "四", "五"][i];
        let expected = format!(
            "（{number}）针对{}的问题：{}",
            p["problem"].as_str().unwrap(),
            p["measure"].as_str().unwrap()
        );
        assert!(text.contains(&squash(&expected)), "{expected} in {text}");
    }
}

#[test]
fn without_problems_the_fallback_is_printed() {
    let facts = with_problems("");
    let problems = squash(&section(&facts, "problems"));
    assert!(problems.contains("经自评"), "{problems}");
    let measures = squash(&section(&facts, "measures"));
    assert!(!measures.contains("针对"), "{measures}");
}

#[test]
fn indicator_paragraphs_vary_with_the_outcome() {
    let text = squash(&section(&example(), "performance"));
    for part in [
        // exceeded: 2136 against ≥2000
        "城镇新增就业人数年度目标≥2000人，实际完成2136人，超出年度目标，得满分5分",
        // missed: 1380 against ≥1500
        "职业技能培训人次年度目标≥1500人次，实际仅完成1380人次，完成程度92.00%",
        // met exactly: 100% against ≥100%
        "社会保险待遇按时发放率年度目标≥100%，实际完成100%，达到年度目标，得5分",
        // a text target judged by tier, below full marks
        "社保经办系统升级完成时间原定“2025年9月底前”，实际“2025年10月上线”，评为“部分达成”，系统升级因数据迁移校验延后一个月上线",
        // and at full marks
        "长效管理制度建设以“制度健全、有效执行”为目标，实际“制度健全、有效执行”，评为“达成”，得满分5分",
        // the budget indicator, with the unit's reason for the shortfall
        "执行率97.85%，未达到100%的要求，主要原因是四季度追加的职业技能培训补贴中",
    ] {
        assert!(text.contains(part), "missing 「{part}」 in {text}");
    }
    // No definition sentence: the outline has none here.
    assert!(!text.contains("该类指标衡量"), "{text}");
}
