//! `zpbg check` as a finance-bureau reviewer: each warning triggered by
//! editing the example's facts, and not triggered by a near edit, with the
//! field, its line and the Chinese message; one batch of two units sharing
//! their measures.

use std::process::Output;

use crate::harness::{read, scratch, stderr, zpbg};

/// The example with each `(from, to)` replaced once; `from` must occur.
/// The projects' own indicators repeat some of the unit's texts (1380,
/// 2025年10月上线): an edit lands in the unit's `[[indicators]]` when it
/// occurs there, else at its first occurrence.
fn example(edits: &[(&str, &str)]) -> String {
    let mut text = read("data/example.toml");
    for (from, to) in edits {
        let unit_own = text.find("\n[[indicators]]").unwrap_or(0);
        let at = text[unit_own..]
            .find(from)
            .map(|i| unit_own + i)
            .or_else(|| text.find(from))
            .unwrap_or_else(|| panic!("「{from}」not found"));
        text.replace_range(at..at + from.len(), to);
    }
    text
}

/// Writes `facts` to a scratch file and runs `zpbg check` on it with `extra`.
fn check(name: &str, facts: &str, extra: &[&str]) -> Output {
    let dir = scratch(&format!("review-{name}"));
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, facts).unwrap();
    let mut args = vec!["check", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    zpbg(&args)
}

/// The 1-based line of the first line of `facts` containing `needle`.
fn line_of(facts: &str, needle: &str) -> usize {
    facts
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("「{needle}」not found"))
        + 1
}

/// `check` passes with a warning on `field` saying `words`; at `line` when
/// given. Returns stderr.
fn warns(name: &str, facts: &str, field: &str, line: Option<usize>, words: &[&str]) -> String {
    let out = check(name, facts, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let at = match line {
        Some(line) => format!("{name}.toml:{line}：字段 {field}："),
        None => format!("{name}.toml：字段 {field}："),
    };
    let warning = err
        .lines()
        .find(|l| l.contains(&at))
        .unwrap_or_else(|| panic!("no warning 「{at}」: {err}"));
    for w in words {
        assert!(warning.contains(w), "「{w}」not in {warning}");
    }
    err
}

/// `check --strict` passes: no warning at all.
fn passes(name: &str, facts: &str) {
    let out = check(name, facts, &["--strict"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("检查通过"), "{err}");
}

#[test]
fn the_example_passes_strict_and_a_warning_fails_it() {
    passes("clean", &read("data/example.toml"));
    let facts = example(&[("cause = \"上半年对企业用工", "# \"")]);
    let out = check("strict", &facts, &["--strict"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("字段 problems[2].cause"), "{err}");
    assert!(err.contains("1 条警告"), "{err}");
}

#[test]
fn a_lost_point_no_problem_explains() {
    let facts = example(&[("indicators = [\"职业技能培训人次\"]\n", "")]);
    // The indicator's own [[indicators]] record.
    let line = line_of(&facts, "name = \"职业技能培训人次\"") - 2;
    warns(
        "unexplained",
        &facts,
        "indicators[3]",
        Some(line),
        &[
            "指标「职业技能培训人次」（output.quantity.2）失分 0.4 分",
            "没有哪个问题说明原因",
            "indicators 中写上「职业技能培训人次」",
        ],
    );
    // Named by its id instead of its name, it is explained.
    passes(
        "explained-by-id",
        &example(&[(
            "indicators = [\"职业技能培训人次\"]",
            "indicators = [\"output.quantity.2\"]",
        )]),
    );
}

#[test]
fn a_problem_without_a_cause() {
    let facts = example(&[(
        "cause = \"对历史数据迁移校验",
        "cause = \"  \"\n# \"历史数据迁移校验",
    )]);
    warns(
        "no-cause",
        &facts,
        "problems[3].cause",
        Some(line_of(&facts, "cause = \"  \"")),
        &["问题「社保经办系统升级滞后于计划」没有写原因", "cause"],
    );
    passes("cause", &read("data/example.toml"));
}

#[test]
fn no_problems_at_all_prints_the_fallback() {
    let text = read("data/example.toml");
    let facts = &text[..text.find("[[problems]]").unwrap()];
    let err = warns(
        "no-problems",
        facts,
        "problems",
        None,
        &[
            "没有填写 [[problems]]",
            "经自评，本年度各项绩效指标均达到年度目标",
            "继续坚持预算绩效管理常态化",
        ],
    );
    // Every lost point is then unexplained too.
    assert!(err.contains("字段 indicators[9]："), "{err}");
}

#[test]
fn a_problem_without_a_measure() {
    let facts = example(&[("measure = \"推行失业保险金", "# \"")]);
    warns(
        "no-measure",
        &facts,
        "problems[4].measure",
        Some(line_of(&facts, "problem = \"服务对象满意度未达到目标\"") - 1),
        &[
            "问题「服务对象满意度未达到目标」没有写改进措施",
            "通用的一句「继续坚持预算绩效管理常态化",
        ],
    );
}

#[test]
fn a_measure_that_is_the_built_in_one() {
    // The fallback with other spacing, and a framework indicator's default.
    let facts = example(&[
        (
            "measure = \"推行失业保险金",
            "measure = \"继续坚持预算绩效管理常态化， 加强预算执行监控和绩效目标跟踪，进一步提高财政资金使用效益。\"\n# \"",
        ),
        (
            "measure = \"每年一季度完成",
            "measure = \"将年度工作任务分解到股室和月份，定期调度完成进度，确保数量指标按计划完成。\"\n# \"",
        ),
    ]);
    warns(
        "fallback-measure",
        &facts,
        "problems[4].measure",
        Some(line_of(&facts, "measure = \"继续坚持")),
        &["改进措施与内置的通用措施一字不差"],
    );
    warns(
        "framework-measure",
        &facts,
        "problems[2].measure",
        Some(line_of(&facts, "measure = \"将年度工作任务")),
        &["改进措施与评价指标体系中指标「", "」的默认措施一字不差"],
    );
    // A measure of the unit's own passes (the example's).
    passes("own-measure", &read("data/example.toml"));
}

#[test]
fn an_actual_that_copies_its_target_while_points_were_lost() {
    let text = example(&[(
        "actual_text = \"2025年10月上线\"",
        "actual_text = \"2025年9月底前\"",
    )]);
    warns(
        "copied-text",
        &text,
        "indicators[9].actual_text",
        Some(line_of(&text, "actual_text = \"2025年9月底前\"")),
        &[
            "指标「社保经办系统升级完成时间」得分 3.5（满分 5）",
            "实际完成值「2025年9月底前」却只是重复年度指标值「2025年9月底前」",
        ],
    );
    let quantity = example(&[(
        "actual = 1380\n",
        "actual = 1380\nactual_text = \"≥1500人次\"\n",
    )]);
    warns(
        "copied-quantity",
        &quantity,
        "indicators[3].actual_text",
        Some(line_of(&quantity, "actual_text = \"≥1500人次\"")),
        &["实际完成值「≥1500人次」却只是重复年度指标值「≥1500人次」"],
    );
    // 长效管理制度建设 repeats its target too, but at full marks: nothing to say.
    let example = read("data/example.toml");
    assert!(example.contains(
        "target = { text = \"制度健全、有效执行\" }\nactual_text = \"制度健全、有效执行\""
    ));
    passes("copied-at-full-marks", &example);
}

#[test]
fn an_adjustment_above_the_threshold_without_a_reason() {
    // 年初预算 1684.20: 全年预算 2500 is 48.44% more.
    let facts = example(&[
        ("budget_full = 1865.30", "budget_full = 2500"),
        ("adjustment_reason = ", "# "),
    ]);
    warns(
        "adjustment",
        &facts,
        "money.adjustment_reason",
        Some(line_of(&facts, "budget_full = 2500")),
        &[
            "全年预算 2500.00 万元较年初预算 1684.20 万元调整了 48.44%，超过 20.00%",
            "money.adjustment_reason 中写明",
        ],
    );
    // With its reason; and without one at the example's 10.75%.
    passes(
        "adjustment-explained",
        &example(&[("budget_full = 1865.30", "budget_full = 2500")]),
    );
    passes(
        "adjustment-small",
        &example(&[("adjustment_reason = ", "# ")]),
    );
}

#[test]
fn an_execution_rate_below_100_without_a_reason() {
    let facts = example(&[("underspend_reason = ", "# ")]);
    warns(
        "underspend",
        &facts,
        "money.underspend_reason",
        Some(line_of(&facts, "budget_full = 1865.30")),
        &[
            "预算执行率 97.85%（全年执行 1825.19 万元，全年预算 1865.30 万元），未达到 100%",
            "money.underspend_reason 中写明",
        ],
    );
    // Everything spent: nothing to explain.
    let spent = example(&[
        ("budget_full = 1865.30", "budget_full = 1825.19"),
        ("underspend_reason = ", "# "),
    ]);
    let out = check("spent", &spent, &[]);
    let err = stderr(&out);
    assert!(!err.contains("money.underspend_reason"), "{err}");
}

#[test]
fn a_carryover_without_an_explanation() {
    let facts = example(&[("carryover_reason = ", "# ")]);
    warns(
        "carryover",
        &facts,
        "money.carryover_reason",
        Some(line_of(&facts, "carryover_end = 40.11")),
        &[
            "年末结转结余 40.11 万元，却没有说明",
            "money.carryover_reason",
        ],
    );
    passes(
        "no-carryover",
        &example(&[
            ("carryover_end = 40.11", "carryover_end = 0"),
            ("carryover_reason = ", "# "),
        ]),
    );
}

/// The example with every indicator at full marks: all spent, every target
/// met, 95% satisfied.
fn full_marks(extra: &[(&str, &str)]) -> String {
    let mut edits = vec![
        ("budget_full = 1865.30", "budget_full = 1825.19"),
        ("actual = 1380", "actual = 1500"),
        (
            "tier = \"部分达成\"\nscore = 3.5",
            "tier = \"达成\"\nscore = 5",
        ),
        ("satisfied = 348", "satisfied = 354"),
    ];
    edits.extend_from_slice(extra);
    example(&edits)
}

#[test]
fn full_marks_with_problems_that_claim_lost_points() {
    let facts = full_marks(&[]);
    warns(
        "claimed",
        &facts,
        "problems[2].indicators",
        Some(line_of(&facts, "indicators = [\"职业技能培训人次\"]")),
        &[
            "总分 100 分为满分，没有指标失分",
            "问题「职业技能培训组织不够及时」的 indicators 写了「职业技能培训人次」",
        ],
    );
    // The same problems tied to no indicator are not claims of lost points.
    let mut unclaimed = facts.clone();
    for name in [
        "预算执行率",
        "职业技能培训人次",
        "社保经办系统升级完成时间",
        "服务对象满意度",
    ] {
        unclaimed = unclaimed.replacen(&format!("indicators = [\"{name}\"]\n"), "", 1);
    }
    passes("unclaimed", &unclaimed);
}

#[test]
fn a_batch_warns_about_measures_two_units_share() {
    let dir = scratch("batch");
    let ex = "name = \"示例县人力资源和社会保障局\"";
    let a = example(&[(ex, "name = \"甲县人力资源和社会保障局\"")]);
    // 乙县 writes its own measure for its fourth problem only.
    let b = example(&[
        (ex, "name = \"乙县人力资源和社会保障局\""),
        (
            "measure = \"推行失业保险金",
            "measure = \"乙县自己的措施。\"\n# \"",
        ),
    ]);
    let (pa, pb) = (dir.join("a.toml"), dir.join("b.toml"));
    std::fs::write(&pa, &a).unwrap();
    std::fs::write(&pb, &b).unwrap();
    let out = zpbg(&[
        "batch",
        pa.to_str().unwrap(),
        pb.to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let line = line_of(&a, "measure = \"每年一季度完成");
    let on_a = format!(
        "警告：{}:{line}：字段 problems[2].measure：改进措施与「乙县人力资源和社会保障局」（{} 的 problems[2].measure）的完全相同",
        pa.display(),
        pb.display()
    );
    assert!(err.contains(&on_a), "{err}");
    let on_b = format!(
        "警告：{}:{line}：字段 problems[2].measure：改进措施与「甲县人力资源和社会保障局」（{} 的 problems[2].measure）",
        pb.display(),
        pa.display()
    );
    assert!(err.contains(&on_b), "{err}");
    // The measure only 乙县 wrote is nobody's copy.
    assert!(!err.contains("字段 problems[4].measure"), "{err}");
    assert!(err.contains("条警告（见上）"), "{err}");
    // One unit alone shares nothing.
    let out = zpbg(&[
        "batch",
        pa.to_str().unwrap(),
        "-o",
        dir.join("alone").to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("完全相同"), "{err}");
}
