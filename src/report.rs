//! The finished report as the renderer receives it: every figure already
//! formatted as text, every heading already numbered. The Typst template
//! only lays this out; it never computes or evaluates anything, so no user
//! text can become Typst code.

use std::collections::BTreeMap;

use serde::Serialize;

/// Everything one PDF shows, handed to the Typst template as `/data.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    pub meta: Meta,
    /// The narrative sections in profile order (or just one for `--section`).
    pub sections: Vec<Section>,
    /// The annex score table; absent when previewing a single section.
    pub annex: Option<Annex>,
    /// 附件：部门整体支出绩效评价基础数据表, when the profile declares it;
    /// absent when previewing a single section.
    pub basic_data: Option<BasicData>,
    /// 项目支出绩效自评表, one per project the facts describe; empty when
    /// previewing a single section or when the profile has no such annex.
    pub project_sheets: Vec<ProjectSheet>,
    /// Every table the profile declares, by id, so its layout can place one
    /// anywhere (the annex, say) with one call.
    pub tables: BTreeMap<String, Table>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// Full title, e.g. 「2024年度示例县人力资源和社会保障局部门整体支出绩效自评报告」.
    pub title: String,
    pub unit: String,
    /// 「2024」
    pub year: String,
    /// Report date as printed, 「2025年5月1日」; empty when the facts give none.
    pub date: String,
    /// ISO date for PDF metadata, 「2025-05-01」; without it the PDF has no date.
    pub date_iso: Option<String>,
    /// Whether to print the cover and table of contents.
    pub front_matter: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Level 1 is 「一、」 (黑体), 2 「（一）」 (楷体), 3 「1.」 (仿宋 bold), 4 「（1）」 (仿宋).
    /// `text` already carries its number.
    Heading {
        level: u8,
        text: String,
    },
    Para {
        text: String,
    },
    Table(Table),
}

/// A simple table inside the narrative.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Per column: "left", "center" or "right".
    pub align: Vec<String>,
    /// Rows each first-column cell spans when that column groups: the first
    /// row of a run of equal values spans the run, the rest are 0 (covered).
    /// Empty: no merging.
    pub spans: Vec<usize>,
    /// Whether the last row is a totals row, printed in bold.
    pub totals: bool,
}

/// 附件：部门整体支出绩效自评表.
#[derive(Debug, Clone, Serialize)]
pub struct Annex {
    /// 「附件」 label printed above the title, e.g. 「附件1」.
    pub label: String,
    pub title: String,
    pub unit: String,
    /// 「单位：万元」
    pub money_unit: String,
    /// Budget block at the top: 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分.
    pub budget: AnnexBudget,
    /// Annual goals: (expected, achieved) pairs.
    pub goals: Vec<AnnexGoal>,
    /// Names of the indicator levels, e.g. ["一级指标", "二级指标", "三级指标"].
    pub level_names: Vec<String>,
    /// One row per scored leaf, in tree order.
    pub rows: Vec<AnnexRow>,
    pub total_weight: String,
    pub total_score: String,
    /// 「适用指标得分 81 / 94，换算得分 86.17」 when indicators left the base.
    pub conversion: Option<String>,
    /// Absent when the framework declares no grades.
    pub grade: Option<String>,
    /// Lines printed under the table (填表人, 填报日期, …).
    pub footer: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnnexBudget {
    pub initial: String,
    pub full: String,
    pub actual: String,
    pub weight: String,
    pub rate: String,
    pub score: String,
    pub basic: String,
    pub project: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnnexGoal {
    pub expected: String,
    pub achieved: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnnexRow {
    /// One cell per level name. `None` where the cell above spans over it.
    pub levels: Vec<Option<SpanCell>>,
    pub target: String,
    pub actual: String,
    pub weight: String,
    pub score: String,
    /// 偏差原因分析及改进措施
    pub note: String,
    /// 备注: the unit's `remark` on the indicator, if any.
    pub remark: String,
    /// 评价标准 of the leaf, when the framework gives one.
    pub standard: String,
    /// 指标说明 of the leaf, when the framework gives one.
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpanCell {
    /// The indicator's name (first level: with its weight, 「产出指标（40分）」).
    pub text: String,
    /// The bare name and the weight, for tables with a 分值 column per level.
    pub name: String,
    pub weight: String,
    pub rowspan: usize,
}

/// 附件：部门整体支出绩效评价基础数据表 (`basic_data`).
#[derive(Debug, Clone, Serialize)]
pub struct BasicData {
    /// 「附件1」
    pub label: String,
    pub title: String,
    /// 「填报单位：…」
    pub unit: String,
    /// 财政供养人员情况: 编制, 实际在职人数, 控制率.
    pub staff: BasicDataBlock,
    /// 经费控制情况: 上年决算数, 本年预算数, 本年决算数 per row.
    pub money: BasicDataMoney,
    /// 楼堂馆所控制情况: 规模 and 投资, approved and actual, with their rates.
    pub building: BasicDataBlock,
    /// 厉行节约保障措施, in the unit's words.
    pub thrift: BasicDataText,
    /// 说明 printed under the table.
    pub note: String,
    /// 填表人, 填报日期, 联系电话 and 单位负责人签字, printed under the note,
    /// each kept whole on its line.
    pub footer: Vec<String>,
}

/// A block of the 基础数据表 with one row of heads and one of values.
#[derive(Debug, Clone, Serialize)]
pub struct BasicDataBlock {
    /// The label cell on the left, e.g. 「财政供养人员情况（人）」.
    pub title: String,
    pub header: Vec<String>,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BasicDataMoney {
    /// 「经费控制情况（万元）」
    pub title: String,
    /// The three column heads, e.g. 「2023年决算数」.
    pub header: Vec<String>,
    pub rows: Vec<BasicDataRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BasicDataRow {
    /// Already numbered as the form does: 「一、部门基本支出」, 「其中：1.办公费」.
    pub name: String,
    /// How many steps the name is indented (0 for the 一、二、 rows).
    pub indent: u8,
    /// 上年决算数, 本年预算数, 本年决算数; 「—」 where the facts give none.
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BasicDataText {
    pub title: String,
    pub paragraphs: Vec<String>,
}

/// 附件：项目支出绩效自评表 of one project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectSheet {
    /// 「附件3」
    pub label: String,
    pub title: String,
    /// 项目支出名称.
    pub name: String,
    /// 项目类别; empty when the facts give none.
    pub category: String,
    /// 主管部门.
    pub department: String,
    /// 实施单位.
    pub implementer: String,
    /// 年度资金总额 with its 分值, 执行率 and 得分.
    pub money: ProjectMoney,
    /// 其中：当年财政拨款, 上年结转资金, 其他资金; empty when the facts give
    /// no split.
    pub sources: Vec<ProjectSource>,
    /// 年度总体目标: (expected, achieved) pairs.
    pub goals: Vec<AnnexGoal>,
    /// Names of the indicator levels, e.g. ["一级指标", "二级指标", "三级指标"].
    pub level_names: Vec<String>,
    /// One row per indicator of the project, in framework order.
    pub rows: Vec<AnnexRow>,
    /// 「总分（含预算执行率10分）」
    pub total_label: String,
    pub total_weight: String,
    /// 预算执行率 得分 plus every row's 得分.
    pub total_score: String,
    /// 备注 lines printed under the table, as the profile words them.
    pub notes: Vec<String>,
    /// 填表人, 填报日期, 联系电话, 单位负责人签字.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectMoney {
    pub initial: String,
    pub full: String,
    pub actual: String,
    pub weight: String,
    pub rate: String,
    pub score: String,
}

/// One source of a project's money: 年初预算, 全年预算, 全年执行数; empty
/// cells for a source the project had none of.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectSource {
    pub name: String,
    pub initial: String,
    pub full: String,
    pub actual: String,
}
