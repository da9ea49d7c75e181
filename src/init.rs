//! `zpbg init`: a facts file to start from, with every field the profile's
//! indicators and sections need, each with a Chinese comment saying what it
//! is, its unit and an example value. The example values make a valid
//! file, so a finance officer can render it at once and then replace them.

use std::fmt::Write as _;
use std::path::Path;

use crate::facts::FactsFile;
use crate::figures::Figures;
use crate::framework::{NaPolicy, Node};
use crate::num;
use crate::profile::{ColumnType, Profile};
use crate::rule::Rule;

/// What every profile needs: the unit, money, staffing and text.
const BASE: &str = r#"
# ── 单位基本情况 ─────────────────────────────────────────────
[unit]
name = "示例县某某局"                      # 单位全称
level = "正科级"                           # 机构级别
kind = "全额拨款行政单位"                  # 单位性质
departments = ["办公室", "计划财务股", "业务股"]   # 内设机构
subordinates = []                          # 纳入评价的下属单位
functions = [                              # 主要职能，每条一项
  "贯彻执行国家和省、市有关方针政策和法律法规。",
  "承办县人民政府交办的其他事项。",
]

# ── 报告信息 ─────────────────────────────────────────────────
[report]
year = 2025                                # 评价年度
date = 2026-04-20                          # 报告日期（封面和 PDF 日期）
preparer = "张三"                          # 填表人
phone = "0000-1234567"                     # 联系电话

# ── 人员编制（单位：人）───────────────────────────────────────
[staffing]
categories = [                             # 各类编制数和实有人数
  { name = "行政", establishment = 20, actual = 19 },
  { name = "事业", establishment = 10, actual = 9 },
]
temporary = 3                              # 临时人员（人）
retired = 12                               # 退休人员（人）

# ── 资金（单位：万元）─────────────────────────────────────────
[money]
carryover_begin = 20.00                    # 上年结转结余（万元）
budget_full = 1100.00                      # 全年预算数（万元）
adjustments = 80.00                        # 本年追加预算（万元）
carryover_end = 25.00                      # 年末结转结余（万元）
basic.personnel = { previous = 690.00, budget = 700.00, actual = 705.00 }   # 人员经费：上年决算、年初预算、全年执行（万元）
basic.public = { previous = 98.00, budget = 100.00, actual = 96.00 }       # 公用经费：上年决算、年初预算、全年执行（万元）
previous_projects = [                      # 上年项目支出决算数，按项目类别（万元）
  { category = "业务工作经费", amount = 240.00 },
]
# adjustment_reason = "……"                # 全年预算较年初预算调整的原因（调整幅度较大时 check 要求填写）
# underspend_reason = "……"                # 预算执行率未达 100% 的原因（未达时 check 要求填写）
# carryover_reason = "……"                 # 年末结转结余是哪些资金、为什么结转（有结转结余时 check 要求填写）

[[money.public_items]]                     # 公用经费明细，可多节；合计不超过公用经费
name = "办公费"                            # 明细名称：办公费、水电费、差旅费、会议费、培训费等
previous = 20.00                           # 上年决算数（万元）
budget = 20.00                             # 本年预算数（万元）
actual = 19.00                             # 本年决算数（万元）

[[projects]]                               # 项目支出，每个项目一节
name = "业务工作专项经费"                  # 项目名称
budget = 200.00                            # 年初预算（万元）
actual = 270.00                            # 全年执行数（万元）
purpose = "开展年度重点业务工作"           # 主要用途
category = "业务工作经费"                  # 项目类别：业务工作经费、运行维护费、市级专项资金等
# budget_full = 270.00                     # 全年预算（万元），缺省为年初预算
# 写出项目的 [[projects.goals]] 和 [[projects.indicators]]（写法同 [[indicators]]）
# 后，附件另出该项目的项目支出绩效自评表，见 docs/profiles.md。

# ── “三公”经费（单位：万元）：上年决算、本年预算、本年决算 ─────
[three_public.reception]                   # 公务接待费
previous = 3.00
budget = 3.00
actual = 2.50

[three_public.vehicle_operation]           # 公务用车运行维护费
previous = 6.00
budget = 6.00
actual = 5.80

# ── 政府采购（单位：万元）─────────────────────────────────────
[procurement]
budget = 50.00                             # 政府采购预算数（万元）
actual = 48.00                             # 实际政府采购金额（万元）

# ── 资产（单位：万元）─────────────────────────────────────────
[assets]
as_of = 2025-12-31                         # 统计截止日期
fixed = [                                  # 固定资产原值（万元）
  { name = "房屋和构筑物", value = 800.00 },
  { name = "设备", value = 120.00 },
]

# ── 年度绩效目标及完成情况 ───────────────────────────────────
[[goals]]
expected = "完成年度重点工作任务。"        # 预期目标
achieved = "年度重点工作任务全部完成。"    # 实际完成情况

# ── 满意度调查（单位：份）─────────────────────────────────────
[survey]
issued = 100                               # 发放问卷（份）
returned = 98                              # 回收问卷（份）
valid = 96                                 # 有效问卷（份）
satisfied = 92                             # 满意（含比较满意）（份）

# ── 专项资金（单位：万元）─────────────────────────────────────
[special_funds]
total = 200.00                             # 部门参与分配资金总数（万元）
detailed = 200.00                          # 已细化到具体单位的资金（万元）

# ── 绩效管理（单位：个）───────────────────────────────────────
[performance_management]
projects = 1                               # 部门项目总数
monitored = 1                              # 已完成绩效监控的项目数
self_evaluated = 1                         # 已完成绩效自评的项目数
key_projects = 0                           # 部门重点绩效评价项目数
key_evaluated = 0                          # 已完成重点评价的项目数
suggestions = 0                            # 评价提出的意见建议数
adopted = 0                                # 其中已采纳的
"#;

/// The facts file for `profile`, ready to fill in and render.
pub fn facts_template(profile: &Profile) -> String {
    let mut out = format!(
        "# {} 事实数据（由 zpbg init 生成）。金额单位为万元，比率单位为 %。\n\
         # 示例值可以直接生成报告；请逐项替换为本单位的实际数据。\n\
         profile = \"{}\"\n",
        profile.name, profile.id
    );
    out.push_str(BASE);
    declared_blocks(profile, &mut out);
    out.push_str("\n# ── 评价指标 ─────────────────────────────────────────────────\n");
    for node in &profile.framework.roots {
        indicator_blocks(node, &mut out);
    }
    // Indicators whose figure this template cannot supply (a new building,
    // say) are marked not applicable where the framework allows it.
    let parsed = FactsFile::parse(Path::new("init.toml"), out.clone());
    if let Ok(file) = parsed {
        let figures = Figures::compute(&file, &profile.figures);
        not_applicable_blocks(&profile.framework.roots, &figures, &mut out);
    }
    out
}

/// The text blocks and tables the profile declares, and the unit's own
/// problems. Required text gets a placeholder to replace; optional text is an
/// empty list, which prints nothing until filled in; tables are a commented
/// record to copy.
fn declared_blocks(profile: &Profile, out: &mut String) {
    if !profile.text.is_empty() {
        out.push_str(
            "\n# ── 只有人能写的文字：一段写成 \"……\"，多段写成 [\"……\", \"……\"] ──────\n[text]\n",
        );
    }
    for spec in &profile.text {
        let need = if spec.required { "必填" } else { "选填" };
        writeln!(out, "# {}（{need}）：{}", spec.title, spec.description).ok();
        if spec.required {
            writeln!(out, "{} = [\"（请填写{}。）\"]", spec.name, spec.title).ok();
        } else {
            writeln!(out, "{} = []", spec.name).ok();
        }
    }
    out.push_str(
        "\n# [[problems]]                             # 单位自己发现的问题，可多节\n\
         # problem = \"问题\"\n\
         # cause = \"原因（必填：问题为什么发生）\"\n\
         # indicators = [\"问题涉及的失分指标名称\"]   # 可省略\n\
         # measure = \"针对这个问题的改进措施\"\n",
    );
    for table in &profile.tables {
        writeln!(
            out,
            "\n# ── 表格「{}」：每行一节，去掉 # 后填写，可多节 ──\n# [[tables.{}]]",
            table.title, table.id
        )
        .ok();
        for column in &table.columns {
            let example = match column.kind {
                ColumnType::Text => "\"……\"",
                ColumnType::Amount => "0.00",
                ColumnType::Percent => "100.00",
                ColumnType::Integer => "0",
                ColumnType::Date => "2025-12-31",
            };
            let mut notes = vec![column.kind.name().to_string()];
            if column.group {
                notes.push("相邻相同的值合并为一格".into());
            }
            if column.optional {
                notes.push("可不填".into());
            }
            writeln!(
                out,
                "# {} = {example}  # {}：{}",
                column.key,
                column.title,
                notes.join("，")
            )
            .ok();
        }
    }
}

fn indicator_blocks(node: &Node, out: &mut String) {
    let def = &node.def;
    let w = num::points(def.weight);
    if def.open {
        writeln!(
            out,
            "\n[[indicators]]  # {}（{w}分）下由单位自设的指标；可多节，分值合计 {w}\n\
             branch = \"{}\"\n\
             name = \"{}完成率\"  # 指标名称\n\
             weight = {w}  # 分值\n\
             target = {{ op = \">=\", value = 100 }}  # 年度指标值：op 为 >=、<= 或 =；定性指标写 {{ text = \"…\" }} 并填 tier、score\n\
             unit = \"%\"  # 单位\n\
             actual = 100  # 实际完成值",
            def.name, def.id, def.name
        )
        .ok();
        return;
    }
    let Some(rule) = &def.rule else {
        for child in &node.children {
            indicator_blocks(child, out);
        }
        return;
    };
    if let Some(stub) = rule.stub(&def.indicator()) {
        writeln!(
            out,
            "\n[assess.\"{}\"]  # {}（{w}分）：{}",
            def.id, def.name, stub.what
        )
        .ok();
        out.push_str(&stub.lines);
    }
}

fn not_applicable_blocks(nodes: &[Node], figures: &Figures, out: &mut String) {
    for node in nodes {
        let def = &node.def;
        let missing = def
            .rule
            .as_ref()
            .and_then(Rule::figure)
            .is_some_and(|id| figures.get(id).is_some_and(|f| f.value.is_err()));
        if missing && def.na != NaPolicy::Never {
            writeln!(
                out,
                "\n[assess.\"{}\"]  # {}（{}分）：本年度无此事项时标记不适用；有则删去本节并填写相应数据\n\
                 na = true\n\
                 reason = \"本年度无此事项\"",
                def.id,
                def.name,
                num::points(def.weight)
            )
            .ok();
        }
        not_applicable_blocks(&node.children, figures, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn every_builtin_profile_gets_a_file_that_scores() {
        for id in Profile::builtin_ids() {
            let profile = Profile::builtin(id).unwrap();
            let text = facts_template(&profile);
            let file = FactsFile::parse(Path::new("init.toml"), text.clone())
                .unwrap_or_else(|e| panic!("{id}: {e}\n{text}"));
            let sheet = crate::scoring::ScoreSheet::compute(
                &profile.framework,
                &file,
                &Figures::compute(&file, &profile.figures),
            )
            .unwrap_or_else(|e| panic!("{id}: {e}\n{text}"));
            assert!(sheet.total > Decimal::ZERO, "{id}");
            crate::declared::read(&profile, &file).unwrap_or_else(|e| panic!("{id}: {e}"));
        }
    }
}
