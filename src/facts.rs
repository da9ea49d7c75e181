//! The facts of one unit and one year, as the finance officer writes them in
//! TOML. Only what people know goes here; every rate is derived later.
//! Amounts are 万元 unless a field says otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Error, Location, Result, TomlFile};
use crate::numbers;
use crate::rule::check_points;

/// Years a report may be about. The report date must fall after the year
/// has ended: on 1 January of the next year or later.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// Profile this file is written for (`--profile` overrides it).
    pub profile: Option<String>,
    pub unit: Unit,
    pub report: ReportInfo,
    /// Needed only by figures and templates that show staff numbers.
    pub staffing: Option<Staffing>,
    pub money: Money,
    #[serde(default)]
    pub projects: Vec<Project>,
    /// 三公经费 by kind.
    #[serde(default)]
    pub three_public: ThreePublic,
    pub procurement: Option<Procurement>,
    pub assets: Option<Assets>,
    /// 年度绩效目标 and what was achieved.
    #[serde(default)]
    pub goals: Vec<Goal>,
    /// Indicators the unit sets itself under a framework branch.
    #[serde(default)]
    pub indicators: Vec<Spanned<IndicatorFact>>,
    pub survey: Option<Survey>,
    /// 新建楼堂馆所 completed this year.
    pub building: Option<Building>,
    /// 专项资金 and how much of it was detailed to recipients.
    pub special_funds: Option<SpecialFunds>,
    /// Counts of projects under performance management.
    pub performance_management: Option<PerformanceManagement>,
    /// The assessor's findings for framework indicators, by indicator id.
    #[serde(default)]
    pub assess: BTreeMap<String, Spanned<Assessment>>,
    /// Free text only people can write: the blocks the profile declares,
    /// each a paragraph or a list of them (checked in `declared`).
    #[serde(default)]
    pub text: BTreeMap<String, toml::Value>,
    /// Problems the unit names itself, each with its cause and measure.
    #[serde(default)]
    pub problems: Vec<Spanned<Problem>>,
    /// Records of the tables the profile declares, by table id (checked in
    /// `declared`).
    #[serde(default)]
    pub tables: BTreeMap<String, Vec<toml::Table>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Full name, e.g. 「示例县人力资源和社会保障局」.
    pub name: String,
    /// 级别, e.g. 「正科级」.
    pub level: Option<String>,
    /// 单位性质, e.g. 「全额拨款行政单位」.
    pub kind: Option<String>,
    /// 内设机构.
    #[serde(default)]
    pub departments: Vec<String>,
    /// 下属单位 included in this report.
    #[serde(default)]
    pub subordinates: Vec<String>,
    /// 主要职能, one item per duty.
    #[serde(default)]
    pub functions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInfo {
    /// The budget year evaluated.
    pub year: i32,
    /// Date printed on the cover and used as the PDF date; without it the
    /// report carries none.
    pub date: Option<toml::value::Datetime>,
    pub preparer: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Staffing {
    /// 编制数 and 实有人数 by category (公务员, 事业, …).
    #[serde(default)]
    pub categories: Vec<StaffCategory>,
    /// Totals; computed from the categories when omitted.
    pub establishment: Option<u32>,
    pub actual: Option<u32>,
    /// 临时人员.
    pub temporary: Option<u32>,
    /// 退休人员.
    pub retired: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCategory {
    pub name: String,
    pub establishment: u32,
    pub actual: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// 上年结转结余.
    pub carryover_begin: Option<Decimal>,
    /// 全年预算数 (年初预算 plus every adjustment during the year).
    pub budget_full: Decimal,
    /// 本年追加预算.
    pub adjustments: Option<Decimal>,
    /// 本年收入合计 as the final accounts report it (checked, not scored).
    pub income: Option<Decimal>,
    /// 本年支出合计 as the final accounts report it (checked against the parts).
    pub expenditure_reported: Option<Decimal>,
    /// 年末结转结余.
    pub carryover_end: Option<Decimal>,
    /// 基本支出: 人员经费 and 公用经费; needed only by the figures built on it.
    pub basic: Option<Basic>,
    /// Budget by source of funds (一般公共预算, 政府性基金, …), optional.
    #[serde(default)]
    pub sources: Vec<FundSource>,
    /// Why the budget changed during the year (年初预算 → 全年预算); a
    /// reviewer asks first when the change is large.
    pub adjustment_reason: Option<String>,
    /// Why less than the full-year budget was spent.
    pub underspend_reason: Option<String>,
    /// What the 年末结转结余 is and why it was left.
    pub carryover_reason: Option<String>,
    /// 政府性基金预算支出, when the unit has any.
    pub government_fund: Option<OtherBudget>,
    /// 国有资本经营预算支出, when the unit has any.
    pub state_capital: Option<OtherBudget>,
    /// 社会保险基金预算支出, when the unit has any.
    pub social_insurance: Option<OtherBudget>,
    /// 公用经费 by item (办公费, 水电费, 差旅费, 会议费, 培训费, …), for the
    /// 基础数据表; together they are part of `basic.public`.
    #[serde(default)]
    pub public_items: Vec<PublicItem>,
    /// 上年项目支出决算数 by 项目类别, for the 基础数据表; a category matches
    /// the `category` of this year's projects (「其他」 for projects without).
    #[serde(default)]
    pub previous_projects: Vec<CategoryAmount>,
}

/// One item of 公用经费, e.g. 办公费.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublicItem {
    pub name: String,
    /// 上年决算数.
    pub previous: Option<Decimal>,
    /// 本年预算数.
    pub budget: Decimal,
    /// 本年决算数.
    pub actual: Decimal,
}

/// An amount for one 项目类别.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryAmount {
    pub category: String,
    pub amount: Decimal,
}

/// A budget outside the general public budget (政府性基金, 国有资本经营,
/// 社会保险基金): its money and what it was spent on.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OtherBudget {
    /// 年初预算数.
    pub budget: Decimal,
    /// 全年执行数.
    pub actual: Decimal,
    /// What the money was spent on, in the unit's words.
    pub purpose: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Basic {
    /// 人员经费 (工资福利支出 and 对个人和家庭的补助).
    pub personnel: BudgetActual,
    /// 公用经费 (商品和服务支出).
    pub public: BudgetActual,
    /// 基本支出预算调整数: 全年预算 less 年初预算 of 基本支出, negative when
    /// cut; for the 基础数据表.
    pub adjustment: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetActual {
    /// 上年决算数; needed only by the 基础数据表.
    pub previous: Option<Decimal>,
    /// 年初预算数.
    pub budget: Decimal,
    /// 全年执行数.
    pub actual: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FundSource {
    pub name: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    /// 年初预算数.
    pub budget: Decimal,
    /// 全年执行数.
    pub actual: Decimal,
    /// What the money was for.
    pub purpose: Option<String>,
    /// 项目类别, e.g. 业务工作经费, 运行维护费, 市级专项资金.
    pub category: Option<String>,
    /// 全年预算数 (年初预算 plus the year's adjustments); the 年初预算 when
    /// omitted. The project's 执行率 is taken against it.
    pub budget_full: Option<Decimal>,
    /// 主管部门; the unit when omitted.
    pub department: Option<String>,
    /// 实施单位; the unit when omitted.
    pub implementer: Option<String>,
    /// The money by source, when the unit knows the split.
    pub funds: Option<ProjectFunds>,
    /// 年度总体目标 of the project and what was achieved.
    #[serde(default)]
    pub goals: Vec<Goal>,
    /// The project's own indicators, under the framework's open branches;
    /// a project with none gets no 项目支出绩效自评表.
    #[serde(default)]
    pub indicators: Vec<Spanned<IndicatorFact>>,
}

impl Project {
    /// 全年预算数: as given, else the 年初预算.
    pub fn full_budget(&self) -> Decimal {
        self.budget_full.unwrap_or(self.budget)
    }
}

/// A project's money by source; a source left out had none. Together they
/// make up the project's 年初预算, 全年预算 and 全年执行数.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFunds {
    /// 当年财政拨款.
    pub appropriation: Option<ProjectFund>,
    /// 上年结转资金.
    pub carryover: Option<ProjectFund>,
    /// 其他资金.
    pub other: Option<ProjectFund>,
}

impl ProjectFunds {
    /// The sources in the order the tables print them, by their keys in
    /// the facts and their printed names.
    pub fn lines(&self) -> [(&'static str, &'static str, Option<&ProjectFund>); 3] {
        [
            ("appropriation", "当年财政拨款", self.appropriation.as_ref()),
            ("carryover", "上年结转资金", self.carryover.as_ref()),
            ("other", "其他资金", self.other.as_ref()),
        ]
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFund {
    /// 年初预算数.
    pub budget: Decimal,
    /// 全年预算数; the 年初预算 when omitted.
    pub budget_full: Option<Decimal>,
    /// 全年执行数.
    pub actual: Decimal,
}

impl ProjectFund {
    pub fn full_budget(&self) -> Decimal {
        self.budget_full.unwrap_or(self.budget)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThreePublic {
    /// 因公出国（境）费.
    pub overseas: Option<ThreePublicItem>,
    /// 公务用车购置费.
    pub vehicle_purchase: Option<ThreePublicItem>,
    /// 公务用车运行维护费.
    pub vehicle_operation: Option<ThreePublicItem>,
    /// 公务接待费.
    pub reception: Option<ThreePublicItem>,
    /// The totals as reported, if the unit has them (checked against the kinds).
    pub total: Option<ThreePublicItem>,
}

impl ThreePublic {
    /// The kinds that are given, with their Chinese names, in the usual order.
    pub fn items(&self) -> Vec<(&'static str, &ThreePublicItem)> {
        [
            ("因公出国（境）费", &self.overseas),
            ("公务用车购置费", &self.vehicle_purchase),
            ("公务用车运行维护费", &self.vehicle_operation),
            ("公务接待费", &self.reception),
        ]
        .into_iter()
        .filter_map(|(name, item)| item.as_ref().map(|item| (name, item)))
        .collect()
    }

    /// The kinds that are given, by their keys in the facts, for messages
    /// that name a field.
    pub fn keyed(&self) -> Vec<(&'static str, &ThreePublicItem)> {
        [
            ("overseas", &self.overseas),
            ("vehicle_purchase", &self.vehicle_purchase),
            ("vehicle_operation", &self.vehicle_operation),
            ("reception", &self.reception),
        ]
        .into_iter()
        .filter_map(|(key, item)| item.as_ref().map(|item| (key, item)))
        .collect()
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThreePublicItem {
    /// 上年决算数; needed only by the year-on-year figures and tables.
    pub previous: Option<Decimal>,
    /// 本年预算数.
    pub budget: Decimal,
    /// 本年决算数.
    pub actual: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Procurement {
    /// 政府采购预算数.
    pub budget: Decimal,
    /// 实际政府采购金额.
    pub actual: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Assets {
    /// Date the book values refer to; defaults to the year's end.
    pub as_of: Option<toml::value::Datetime>,
    /// 固定资产 by class (房屋和构筑物, 设备, …), 原值 in 万元.
    #[serde(default)]
    pub fixed: Vec<AssetItem>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AssetItem {
    pub name: String,
    pub value: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    /// 预期目标.
    pub expected: String,
    /// 实际完成情况.
    pub achieved: String,
}

/// An indicator the unit defines itself under an open framework branch
/// (三级指标 such as 「开展业务学习 ≥100人次」).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorFact {
    /// Framework branch it belongs to, e.g. `output.quantity`.
    pub branch: String,
    pub name: String,
    pub weight: Decimal,
    pub target: Target,
    /// Unit of a quantitative target, e.g. 「人次」, 「%」, 「万元」.
    #[serde(default)]
    pub unit: String,
    /// Quantitative actual value.
    pub actual: Option<Decimal>,
    /// Takes the actual value from a derived figure instead (e.g. `actual_total`).
    pub actual_figure: Option<String>,
    /// Qualitative actual, as written in the table (「效果明显」).
    pub actual_text: Option<String>,
    /// Qualitative tier chosen by the assessor (达成 / 部分达成 / 未达成).
    pub tier: Option<String>,
    /// Assessor's score for a qualitative indicator; must fall inside the tier.
    pub score: Option<Decimal>,
    /// Why points were lost; required when the score is below the weight.
    pub reason: Option<String>,
    /// What the unit will do about it (偏差原因分析及改进措施).
    pub measure: Option<String>,
    /// 备注, shown beside the indicator in templates and the annex.
    pub remark: Option<String>,
}

/// A target: a comparison with a number, a range (both ends included), a
/// text the assessor says was met or not (full marks or none), or a text
/// judged by tier and score. Tried in this order.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Target {
    Quantity { op: Comparison, value: Decimal },
    Range { min: Decimal, max: Decimal },
    Met { text: String, met: bool },
    Quality { text: String },
}

impl Target {
    /// The target as the unit wrote it in words, when it is a text.
    pub fn text(&self) -> Option<&str> {
        match self {
            Target::Met { text, .. } | Target::Quality { text } => Some(text),
            Target::Quantity { .. } | Target::Range { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Comparison {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "=")]
    Exactly,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<")]
    Below,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
            Comparison::Exactly => "",
            Comparison::Above => ">",
            Comparison::Below => "<",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Building {
    /// 批复规模 (㎡).
    pub approved_area: Decimal,
    /// 实际规模 (㎡).
    pub actual_area: Decimal,
    /// 预算投资 (万元).
    pub approved_investment: Decimal,
    /// 实际投资 (万元).
    pub actual_investment: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialFunds {
    /// 部门参与分配资金总数.
    pub total: Decimal,
    /// 已细化到具体乡镇和承担单位的资金数.
    pub detailed: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PerformanceManagement {
    /// 部门项目总数.
    pub projects: u32,
    /// 已完成绩效监控的项目数.
    pub monitored: u32,
    /// 已完成绩效自评的项目数.
    pub self_evaluated: u32,
    /// 部门重点绩效评价项目数.
    pub key_projects: u32,
    /// 已完成重点评价的项目数.
    pub key_evaluated: u32,
    /// 评价提出的意见建议数.
    pub suggestions: u32,
    /// 其中被采纳的.
    pub adopted: u32,
}

/// What the assessor found for one framework indicator. Which fields apply
/// depends on the indicator's rule.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// Not applicable to this unit this year.
    #[serde(default)]
    pub na: bool,
    /// The assessor's score (`assessor`, `tiers`).
    pub score: Option<Decimal>,
    /// Tier chosen (`tiers`).
    pub tier: Option<String>,
    /// Named level chosen (`levels`).
    pub level: Option<String>,
    /// One flag per checklist item (`checklist`).
    pub met: Option<Vec<bool>>,
    /// Non-compliant cases found (`per_case`).
    pub cases: Option<u32>,
    /// The indicator's measured value, for a figure-based rule that names
    /// no figure (`linear`, `step`, `bands`, `weight_times_rate`).
    pub value: Option<Decimal>,
    /// Quantitative target and actual (`target`).
    pub target: Option<Target>,
    #[serde(default)]
    pub unit: String,
    pub actual: Option<Decimal>,
    pub actual_figure: Option<String>,
    /// 实际完成值 as printed for qualitative findings.
    pub actual_text: Option<String>,
    /// Why points were lost (or why the indicator does not apply).
    pub reason: Option<String>,
    /// What the unit will do about it.
    pub measure: Option<String>,
    /// 备注, shown beside the indicator in templates and the annex.
    pub remark: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    /// 发放问卷数.
    pub issued: u32,
    /// 回收问卷数.
    pub returned: u32,
    /// 有效问卷数.
    pub valid: u32,
    /// 满意（含比较满意）份数.
    pub satisfied: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// What is wrong, in the unit's words.
    pub problem: String,
    /// Why; a reviewer sends back a problem without one.
    pub cause: Option<String>,
    /// The indicators whose lost points it explains, by name or id.
    #[serde(default)]
    pub indicators: Vec<String>,
    /// What the unit will do about it.
    pub measure: Option<String>,
}

/// Facts together with where they came from, so later stages can point at lines.
#[derive(Debug, Clone)]
pub struct FactsFile {
    pub path: PathBuf,
    pub text: String,
    pub data: Facts,
    /// The same facts as plain TOML, parsed once: for the dotted paths of
    /// profile figures and for walking every string.
    pub table: toml::Table,
    /// For facts read from a workbook (`text` is then the TOML made of
    /// it): the cell each value came from, so messages name cells.
    pub cells: Option<crate::xlsx::CellMap>,
}

fn toml_strings(value: &toml::Value, path: String, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::String(s) => out.push((path, s.clone())),
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                toml_strings(item, format!("{path}[{}]", i + 1), out);
            }
        }
        toml::Value::Table(table) => {
            for (key, item) in table {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                toml_strings(item, path, out);
            }
        }
        _ => {}
    }
}

/// The first control character in `text` other than a line break (LF, or
/// CRLF as Windows editors write it) or a tab.
fn stray_control(text: &str) -> Option<char> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = c == '\n' || c == '\t' || (c == '\r' && chars.peek() == Some(&'\n'));
        if c.is_control() && !allowed {
            return Some(c);
        }
    }
    None
}

impl FactsFile {
    /// Reads a facts file: TOML, or a workbook (`.xlsx`) read into the
    /// same TOML and validated alike.
    pub fn load(path: &Path) -> Result<Self> {
        if crate::xlsx::is_workbook(path) {
            let (text, cells) = crate::xlsx::read(path)?;
            return Self::parse_with(path, text, Some(cells));
        }
        Self::parse(path, crate::input::read_to_string(path)?)
    }

    pub fn parse(path: &Path, text: String) -> Result<Self> {
        Self::parse_with(path, text, None)
    }

    fn parse_with(path: &Path, text: String, cells: Option<crate::xlsx::CellMap>) -> Result<Self> {
        let toml_error = |err: toml::de::Error| {
            let mut error = Error::toml(TomlFile::Facts, path, &text, &err);
            if let (Error::Toml { location, .. }, Some(cells)) = (&mut error, &cells) {
                *location = err
                    .span()
                    .and_then(|span| cells.at_offset(span.start))
                    .map(|cell| Location::at_cell(path, &cell.name, &cell.shown));
            }
            error
        };
        let data: Facts = toml::from_str(&text).map_err(toml_error)?;
        let table = text.parse::<toml::Table>().map_err(toml_error)?;
        let file = FactsFile {
            path: path.to_path_buf(),
            text,
            data,
            table,
            cells,
        };
        file.validate()?;
        Ok(file)
    }

    /// Where the value at byte `offset` of `text` is: its line, or for a
    /// workbook its cell.
    pub fn location(&self, offset: usize) -> Box<Location> {
        let location = Location::from_offset(&self.path, &self.text, offset);
        match self.cells.as_ref().and_then(|c| c.at_offset(offset)) {
            Some(cell) => Box::new(Location {
                cell: Some(cell.name.clone()),
                line_text: cell.shown.clone(),
                ..*location
            }),
            None => location,
        }
    }

    /// Every string the unit typed, with its dotted field path (arrays
    /// counted from 1, as a person reads them).
    pub fn text_fields(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (key, value) in &self.table {
            toml_strings(value, key.clone(), &mut out);
        }
        out
    }

    /// Facts read from a workbook have no lines a person wrote: a warning
    /// about `field` then names its cell instead of `line`.
    pub fn cell_for_line(&self, field: &mut String, line: &mut Option<usize>) {
        let Some(cells) = &self.cells else { return };
        *line = None;
        if let Some(cell) = cells.of_field(field) {
            *field = format!("{field}（单元格 {}）", cell.name);
        }
    }

    pub(crate) fn fact_error(&self, offset: Option<usize>, field: &str, message: String) -> Error {
        // A workbook's cell is known by the field even where no offset is.
        let by_field = || {
            let cell = self.cells.as_ref()?.of_field(field)?;
            Some(Location::at_cell(&self.path, &cell.name, &cell.shown))
        };
        Error::Fact {
            location: offset.map(|o| self.location(o)).or_else(by_field),
            file: self.path.clone(),
            field: field.to_string(),
            message,
        }
    }

    /// Checks what the types alone cannot: ranges and internal consistency.
    fn validate(&self) -> Result<()> {
        let f = &self.data;
        if f.unit.name.trim().is_empty() {
            return Err(self.fact_error(None, "unit.name", "单位名称不能为空。".into()));
        }
        // Problems used to live under [text]; say where they went rather
        // than calling them an undeclared text block.
        if f.text.contains_key("problems") {
            return Err(self.fact_error(
                numbers::offset_of(&self.text, &["text", "problems"]),
                "text.problems",
                "问题清单已移出 [text]：请把 [[text.problems]] 改写为 [[problems]]（字段 problem、cause、measure 不变）。".into(),
            ));
        }
        // Refused rather than dropped: a control character (an escape
        // sequence, a bell, a form feed) is never meant, and only the unit
        // can say what the text should have been. `check` and `gen` both
        // load through here, so they agree.
        for (field, text) in self.text_fields() {
            if let Some(c) = stray_control(&field).or_else(|| stray_control(&text)) {
                return Err(self.fact_error(
                    None,
                    &field,
                    format!(
                        "含有控制字符 U+{:04X}，不能写入报告。请删去该字符（常见于从其他软件复制的文字）。",
                        c as u32
                    ),
                ));
            }
        }
        self.validate_numbers()?;
        self.validate_report()?;
        // A blank name would print as a row without a label in the 基础数据表.
        let m = &f.money;
        let names = (m.public_items.iter().enumerate())
            .map(|(i, item)| ("public_items", "name", i, &item.name));
        let categories = (m.previous_projects.iter().enumerate())
            .map(|(i, p)| ("previous_projects", "category", i, &p.category));
        for (list, key, i, name) in names.chain(categories) {
            if name.trim().is_empty() {
                return Err(self.fact_error(
                    numbers::offset_of_record(&self.text, &["money", list], i, key),
                    &format!("money.{list}[{}].{key}", i + 1),
                    "名称不能为空；请填写，或删去这一项。".into(),
                ));
            }
        }
        if let Some(s) = &f.staffing
            && !s.categories.is_empty()
        {
            let sum_est: u32 = s.categories.iter().map(|c| c.establishment).sum();
            let sum_act: u32 = s.categories.iter().map(|c| c.actual).sum();
            if let Some(total) = s.establishment.filter(|t| *t != sum_est) {
                return Err(self.fact_error(
                    None,
                    "staffing.establishment",
                    format!("编制总数 {total} 与各类编制之和 {sum_est} 不一致；请改正或删去总数。"),
                ));
            }
            if let Some(total) = s.actual.filter(|t| *t != sum_act) {
                return Err(self.fact_error(
                    None,
                    "staffing.actual",
                    format!(
                        "实有总人数 {total} 与各类实有人数之和 {sum_act} 不一致；请改正或删去总数。"
                    ),
                ));
            }
        }
        for (field, value) in self.money_fields() {
            if value.is_sign_negative() && !value.is_zero() {
                return Err(self.fact_error(
                    None,
                    &field,
                    format!("金额不能为负数（填写的是 {value}）。"),
                ));
            }
        }
        // More satisfied than valid answers would make 满意度 exceed 100%.
        if let Some(survey) = &f.survey
            && survey.satisfied > survey.valid
        {
            return Err(self.fact_error(
                None,
                "survey.satisfied",
                format!(
                    "满意份数 {} 多于有效问卷 {} 份，满意度将超过 100%；请核对。",
                    survey.satisfied, survey.valid
                ),
            ));
        }
        if let Some(pm) = &f.performance_management {
            for (field, part, whole) in [
                (
                    "performance_management.monitored",
                    pm.monitored,
                    pm.projects,
                ),
                (
                    "performance_management.self_evaluated",
                    pm.self_evaluated,
                    pm.projects,
                ),
                (
                    "performance_management.key_evaluated",
                    pm.key_evaluated,
                    pm.key_projects,
                ),
                ("performance_management.adopted", pm.adopted, pm.suggestions),
            ] {
                if part > whole {
                    return Err(self.fact_error(
                        None,
                        field,
                        format!("{part} 不能大于其总数 {whole}。"),
                    ));
                }
            }
        }
        for (field, indicator) in self.own_indicators() {
            self.validate_indicator(indicator, &field)?;
        }
        for (n, project) in f.projects.iter().enumerate() {
            if let Some(funds) = &project.funds {
                self.validate_funds(n, project, funds)?;
            }
        }
        Ok(())
    }

    /// One indicator the unit set itself (`field` is where it sits:
    /// `indicators`, `projects[2].indicators`): a positive weight, a range
    /// the right way round, the actual value its kind of target needs.
    fn validate_indicator(&self, indicator: &Spanned<IndicatorFact>, field: &str) -> Result<()> {
        let offset = Some(indicator.span().start);
        let i = indicator.get_ref();
        if i.weight <= Decimal::ZERO {
            return Err(self.fact_error(
                offset,
                &format!("{field}.weight"),
                format!("指标「{}」的分值必须大于 0。", i.name),
            ));
        }
        match &i.target {
            Target::Range { min, max } if min > max => {
                return Err(self.fact_error(
                    offset,
                    &format!("{field}.target"),
                    format!("指标「{}」的目标区间下限 {min} 大于上限 {max}。", i.name),
                ));
            }
            Target::Met { .. } => {}
            Target::Quantity { .. } | Target::Range { .. } => {
                if i.actual.is_none() && i.actual_figure.is_none() {
                    return Err(self.fact_error(
                        offset,
                        &format!("{field}.actual"),
                        format!(
                            "定量指标「{}」需要实际完成值：填写 actual，或用 actual_figure 引用计算值。",
                            i.name
                        ),
                    ));
                }
            }
            Target::Quality { .. } => {
                if i.tier.is_none() || i.score.is_none() {
                    return Err(self.fact_error(
                        offset,
                        &format!("{field}.tier"),
                        format!(
                            "定性指标「{}」需要填写达成档次 tier（如「达成」）和评分 score。",
                            i.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The sources of project `n` (from 0) add up to its 年初预算, 全年预算
    /// and 全年执行数.
    fn validate_funds(&self, n: usize, project: &Project, funds: &ProjectFunds) -> Result<()> {
        let lines: Vec<&ProjectFund> = funds.lines().iter().filter_map(|l| l.2).collect();
        let sum =
            |pick: fn(&ProjectFund) -> Decimal| lines.iter().map(|l| pick(l)).sum::<Decimal>();
        for (key, label, total, sum) in [
            ("budget", "年初预算", project.budget, sum(|l| l.budget)),
            (
                "budget_full",
                "全年预算",
                project.full_budget(),
                sum(ProjectFund::full_budget),
            ),
            ("actual", "全年执行数", project.actual, sum(|l| l.actual)),
        ] {
            if sum != total {
                return Err(self.fact_error(
                    numbers::offset_of_record(&self.text, &["projects"], n, "funds"),
                    &format!("projects[{}].funds", n + 1),
                    format!(
                        "项目「{}」各资金来源的{label}之和 {sum} 与项目{label} {total} 不一致；请核对 funds 各项的 {key}。",
                        project.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Every number exactly as written and within range, and the unit's own
    /// weights with at most two decimals (see `rule::POINTS_DECIMALS`).
    fn validate_numbers(&self) -> Result<()> {
        numbers::check(&self.text)
            .map_err(|e| self.fact_error(Some(e.offset), &e.field, e.message))?;
        for (field, indicator) in self.own_indicators() {
            check_points("weight", indicator.get_ref().weight).map_err(|message| {
                self.fact_error(
                    Some(indicator.span().start),
                    &format!("{field}.weight"),
                    format!("指标「{}」的 {message}", indicator.get_ref().name),
                )
            })?;
        }
        Ok(())
    }

    /// The indicators the unit set itself, its own and its projects', each
    /// with the field it sits in (`indicators`, `projects[2].indicators`).
    fn own_indicators(&self) -> Vec<(String, &Spanned<IndicatorFact>)> {
        let unit = self
            .data
            .indicators
            .iter()
            .map(|i| ("indicators".into(), i));
        let projects = self.data.projects.iter().enumerate().flat_map(|(n, p)| {
            let field = format!("projects[{}].indicators", n + 1);
            p.indicators.iter().map(move |i| (field.clone(), i))
        });
        unit.chain(projects).collect()
    }

    /// The year within `YEARS`, the report date after its end.
    fn validate_report(&self) -> Result<()> {
        let at = |key| numbers::offset_of(&self.text, &["report", key]);
        let year = self.data.report.year;
        if !YEARS.contains(&year) {
            return Err(self.fact_error(
                at("year"),
                "report.year",
                format!(
                    "评价年度 {year} 不在 {}–{} 之间；请填写报告所评价的预算年度，如 2024。",
                    YEARS.start(),
                    YEARS.end()
                ),
            ));
        }
        if let Some(date) = self.report_date()?
            && date.year() <= year
        {
            return Err(self.fact_error(
                at("date"),
                "report.date",
                format!(
                    "报告日期 {date} 不在评价年度 {year} 结束之后；自评报告应在 {}-01-01 或之后出具。",
                    year + 1
                ),
            ));
        }
        Ok(())
    }

    /// Every amount with its dotted field name, for range checks.
    fn money_fields(&self) -> Vec<(String, Decimal)> {
        let f = &self.data;
        let m = &f.money;
        let mut out = vec![("money.budget_full".to_string(), m.budget_full)];
        if let Some(b) = &m.basic {
            out.push(("money.basic.personnel.budget".into(), b.personnel.budget));
            out.push(("money.basic.personnel.actual".into(), b.personnel.actual));
            out.push(("money.basic.public.budget".into(), b.public.budget));
            out.push(("money.basic.public.actual".into(), b.public.actual));
            for (key, part) in [("personnel", &b.personnel), ("public", &b.public)] {
                if let Some(previous) = part.previous {
                    out.push((format!("money.basic.{key}.previous"), previous));
                }
            }
        }
        for (i, item) in m.public_items.iter().enumerate() {
            let field = |key| format!("money.public_items[{}].{key}", i + 1);
            out.extend(item.previous.map(|v| (field("previous"), v)));
            out.push((field("budget"), item.budget));
            out.push((field("actual"), item.actual));
        }
        for (i, p) in m.previous_projects.iter().enumerate() {
            out.push((
                format!("money.previous_projects[{}].amount", i + 1),
                p.amount,
            ));
        }
        out.extend(
            m.carryover_begin
                .map(|v| ("money.carryover_begin".into(), v)),
        );
        out.extend(m.carryover_end.map(|v| ("money.carryover_end".into(), v)));
        out.extend(m.adjustments.map(|v| ("money.adjustments".into(), v)));
        out.extend(m.income.map(|v| ("money.income".into(), v)));
        out.extend(
            m.expenditure_reported
                .map(|v| ("money.expenditure_reported".into(), v)),
        );
        if let Some(b) = &f.building {
            out.push(("building.approved_area".into(), b.approved_area));
            out.push(("building.actual_area".into(), b.actual_area));
            out.push(("building.approved_investment".into(), b.approved_investment));
            out.push(("building.actual_investment".into(), b.actual_investment));
        }
        if let Some(s) = &f.special_funds {
            out.push(("special_funds.total".into(), s.total));
            out.push(("special_funds.detailed".into(), s.detailed));
        }
        for (i, p) in f.projects.iter().enumerate() {
            let field = format!("projects[{}]", i + 1);
            out.push((format!("{field}.budget"), p.budget));
            out.extend(p.budget_full.map(|v| (format!("{field}.budget_full"), v)));
            out.push((format!("{field}.actual"), p.actual));
            for (key, _, line) in p.funds.iter().flat_map(ProjectFunds::lines) {
                if let Some(line) = line {
                    let field = format!("{field}.funds.{key}");
                    out.push((format!("{field}.budget"), line.budget));
                    out.extend(
                        line.budget_full
                            .map(|v| (format!("{field}.budget_full"), v)),
                    );
                    out.push((format!("{field}.actual"), line.actual));
                }
            }
        }
        for (name, item) in f.three_public.items() {
            if let Some(previous) = item.previous {
                out.push((format!("three_public（{name}）.previous"), previous));
            }
            out.push((format!("three_public（{name}）.budget"), item.budget));
            out.push((format!("three_public（{name}）.actual"), item.actual));
        }
        if let Some(p) = &f.procurement {
            out.push(("procurement.budget".into(), p.budget));
            out.push(("procurement.actual".into(), p.actual));
        }
        out
    }

    /// The report date as a calendar date, if the facts give one.
    pub fn report_date(&self) -> Result<Option<NaiveDate>> {
        let Some(date) = &self.data.report.date else {
            return Ok(None);
        };
        toml_date(date).map(Some).ok_or_else(|| {
            self.fact_error(
                numbers::offset_of(&self.text, &["report", "date"]),
                "report.date",
                "日期应写成 2025-05-01 这样的日期（不带时间）。".into(),
            )
        })
    }

    /// Indicators the unit defined, grouped by framework branch, in file order.
    pub fn indicators_by_branch(&self) -> BTreeMap<&str, Vec<&Spanned<IndicatorFact>>> {
        let mut map: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for i in &self.data.indicators {
            map.entry(i.get_ref().branch.as_str()).or_default().push(i);
        }
        map
    }
}

fn toml_date(dt: &toml::value::Datetime) -> Option<NaiveDate> {
    let date = dt.date?;
    if dt.time.is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(date.year as i32, date.month as u32, date.day as u32)
}

/// The smallest valid facts file, for other modules' tests to build on.
#[cfg(test)]
pub(crate) const MINIMAL: &str = r#"
[unit]
name = "测试局"
[report]
year = 2024
date = 2025-05-01
[staffing]
categories = [{ name = "行政", establishment = 10, actual = 9 }]
[money]
budget_full = 100
basic.personnel = { budget = 50, actual = 48 }
basic.public = { budget = 10, actual = 9.5 }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minimal_file() {
        let file = FactsFile::parse(Path::new("t.toml"), MINIMAL.into()).unwrap();
        assert_eq!(file.data.unit.name, "测试局");
        assert_eq!(
            file.report_date().unwrap(),
            NaiveDate::from_ymd_opt(2025, 5, 1)
        );
    }

    #[test]
    fn type_error_names_line_and_field() {
        let text = MINIMAL.replace("budget_full = 100", "budget_full = \"很多\"");
        let err = FactsFile::parse(Path::new("t.toml"), text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("t.toml:10:"), "{msg}");
        assert!(msg.contains("budget_full"), "{msg}");
    }

    #[test]
    fn missing_field_is_named() {
        let text = MINIMAL.replace("budget_full = 100\n", "");
        let msg = FactsFile::parse(Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("缺少必填字段 budget_full"), "{msg}");
    }

    #[test]
    fn problems_under_text_say_where_they_moved() {
        let text = format!("{MINIMAL}[[text.problems]]\nproblem = \"a\"\nmeasure = \"b\"\n");
        let msg = FactsFile::parse(Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("[[problems]]") && msg.contains("t.toml:"),
            "{msg}"
        );
    }

    #[test]
    fn negative_amount_is_refused() {
        let text = MINIMAL.replace("actual = 9.5", "actual = -1");
        let msg = FactsFile::parse(Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("money.basic.public.actual"), "{msg}");
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_are_not() {
        assert_eq!(stray_control("a\r\nb\tc\n"), None);
        assert_eq!(stray_control("a\rb"), Some('\r'));
        assert_eq!(stray_control("\u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(stray_control("x\u{9b}"), Some('\u{9b}'));
        let text = MINIMAL.replace("测试局", "测试\\u001b[31m局");
        let msg = FactsFile::parse(Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("unit.name") && msg.contains("U+001B"), "{msg}");
        assert!(!msg.contains('\u{1b}'), "{msg}");
    }

    /// Scores `facts` under a two-leaf framework whose second leaf reads
    /// the figure `figure`.
    fn score_reading(figure: &str, facts: &str) -> Result<Decimal> {
        let framework = format!(
            r#"
[framework]
name = "测试"
levels = ["一级指标"]
[[indicator]]
id = "a"
name = "自评"
weight = 50
rule = {{ kind = "assessor" }}
[[indicator]]
id = "b"
name = "计算"
weight = 50
rule = {{ kind = "weight_times_rate", figure = "{figure}" }}
"#
        );
        let fw = crate::framework::Framework::parse(Path::new("fw.toml"), &framework).unwrap();
        let file = FactsFile::parse(Path::new("t.toml"), facts.into())?;
        let figures = crate::figures::Figures::compute(&file, &[]);
        crate::scoring::ScoreSheet::compute(&fw, &file, &figures).map(|s| s.total)
    }

    #[test]
    fn fields_only_some_figures_use_are_optional() {
        let lean = "[unit]\nname = \"测试局\"\n[report]\nyear = 2024\n[money]\nbudget_full = 100\n[survey]\nissued = 10\nreturned = 10\nvalid = 10\nsatisfied = 9\n[three_public.reception]\nbudget = 1\nactual = 1\n[assess.a]\nscore = 50\n";
        let file = FactsFile::parse(Path::new("t.toml"), lean.into()).unwrap();
        assert_eq!(file.report_date().unwrap(), None);
        assert_eq!(
            score_reading("satisfaction_rate", lean).unwrap(),
            Decimal::from(95)
        );
        for (figure, label, field) in [
            ("staff_control_rate", "在职人员控制率", "staffing"),
            ("public_funds_control_rate", "公用经费控制率", "money.basic"),
            (
                "three_public_change_rate",
                "“三公”经费变动率",
                "three_public.reception.previous",
            ),
        ] {
            let msg = score_reading(figure, lean).unwrap_err().to_string();
            assert!(
                msg.contains(&format!("计算「{label}」需要字段 {field}")),
                "{msg}"
            );
        }
    }

    #[test]
    fn a_blank_public_item_name_is_refused_with_its_line() {
        let text = format!(
            "{MINIMAL}[[money.public_items]]\nname = \"办公费\"\nbudget = 1\nactual = 1\n\
             [[money.public_items]]\nname = \" \"\nbudget = 1\nactual = 1\n"
        );
        let msg = FactsFile::parse(Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("money.public_items[2].name"), "{msg}");
        assert!(msg.contains("t.toml:18:"), "{msg}");
    }

    #[test]
    fn project_sources_must_add_up_to_the_project() {
        let project = "[[projects]]\nname = \"p\"\nbudget = 10\nbudget_full = 12\nactual = 11\n\
            funds.appropriation = { budget = 10, budget_full = 10, actual = 9 }\n\
            funds.carryover = { budget = 0, budget_full = 2, actual = 2 }\n";
        FactsFile::parse(Path::new("t.toml"), format!("{MINIMAL}{project}")).unwrap();
        let text = format!(
            "{MINIMAL}{}",
            project.replace("actual = 9 }", "actual = 8 }")
        );
        let msg = FactsFile::parse(Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("projects[1].funds")
                && msg.contains("全年执行数之和 10 与项目全年执行数 11")
                && msg.contains("t.toml:18:"),
            "{msg}"
        );
    }

    #[test]
    fn inconsistent_staff_total_is_refused() {
        let text = MINIMAL.replace("[money]", "establishment = 12\n[money]");
        let msg = FactsFile::parse(Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("staffing.establishment"), "{msg}");
    }
}
