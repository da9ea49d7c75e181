//! Derived figures: every amount total and rate the frameworks and the
//! narrative use, computed from the facts with `Decimal` and never typed by
//! the user. Rates are in percent, rounded 四舍五入 to two decimals, and the
//! rounded rate is what gets scored, so text, table and score always agree.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::Error;
use crate::facts::{Facts, FactsFile};
use crate::num::round2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 万元.
    Money,
    /// Percent.
    Percent,
    /// 人, 份.
    Count,
}

/// Why a figure has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The facts lack this field.
    Missing(&'static str),
    /// The base of the rate is zero while its numerator is not.
    ZeroBase(&'static str),
    /// The numbers are too large to compute with.
    Overflow,
}

#[derive(Debug, Clone)]
pub struct Figure {
    pub label: &'static str,
    pub kind: Kind,
    pub value: Result<Decimal, Gap>,
}

/// All derived figures of one facts file, by id.
#[derive(Debug, Clone)]
pub struct Figures {
    file: PathBuf,
    map: BTreeMap<&'static str, Figure>,
}

/// Ids and labels of every figure, for framework validation and docs.
pub const CATALOGUE: &[(&str, &str, Kind)] = &[
    ("budget_initial", "年初预算数", Kind::Money),
    ("budget_full", "全年预算数", Kind::Money),
    ("actual_total", "全年执行数", Kind::Money),
    ("basic_budget", "基本支出年初预算数", Kind::Money),
    ("basic_actual", "基本支出执行数", Kind::Money),
    ("personnel_budget", "人员经费年初预算数", Kind::Money),
    ("personnel_actual", "人员经费执行数", Kind::Money),
    ("public_budget", "公用经费年初预算数", Kind::Money),
    ("public_actual", "公用经费执行数", Kind::Money),
    ("project_budget", "项目支出年初预算数", Kind::Money),
    ("project_actual", "项目支出执行数", Kind::Money),
    ("carryover_begin", "上年结转结余", Kind::Money),
    ("carryover_end", "年末结转结余", Kind::Money),
    ("three_public_previous", "上年“三公”经费决算数", Kind::Money),
    ("three_public_budget", "“三公”经费预算数", Kind::Money),
    ("three_public_actual", "“三公”经费决算数", Kind::Money),
    ("procurement_budget", "政府采购预算数", Kind::Money),
    ("procurement_actual", "实际政府采购金额", Kind::Money),
    ("asset_total", "固定资产原值", Kind::Money),
    ("staff_establishment", "编制数", Kind::Count),
    ("staff_actual", "实有人数", Kind::Count),
    ("budget_execution_rate", "预算执行率", Kind::Percent),
    ("budget_adjustment_rate", "预算调整率", Kind::Percent),
    ("carryover_rate", "结转结余率", Kind::Percent),
    ("staff_control_rate", "在职人员控制率", Kind::Percent),
    (
        "three_public_change_rate",
        "“三公”经费变动率",
        Kind::Percent,
    ),
    (
        "three_public_control_rate",
        "“三公”经费控制率",
        Kind::Percent,
    ),
    ("public_funds_control_rate", "公用经费控制率", Kind::Percent),
    (
        "procurement_execution_rate",
        "政府采购执行率",
        Kind::Percent,
    ),
    ("satisfaction_rate", "满意度", Kind::Percent),
    ("adjustments", "本年追加预算", Kind::Money),
    ("budget_completion_rate", "预算完成率", Kind::Percent),
    ("budget_control_rate", "预算控制率", Kind::Percent),
    (
        "building_area_control_rate",
        "新建楼堂馆所面积控制率",
        Kind::Percent,
    ),
    (
        "building_investment_control_rate",
        "新建楼堂馆所投资概算控制率",
        Kind::Percent,
    ),
    ("special_funds_detail_rate", "专项资金细化率", Kind::Percent),
    ("monitoring_rate", "绩效监控完成率", Kind::Percent),
    ("self_evaluation_rate", "绩效自评完成率", Kind::Percent),
    ("evaluation_rate", "部门绩效评价完成率", Kind::Percent),
    ("evaluation_use_rate", "评价结果应用率", Kind::Percent),
];

pub fn exists(id: &str) -> bool {
    CATALOGUE.iter().any(|(known, _, _)| *known == id)
}

impl Figures {
    pub fn compute(file: &FactsFile) -> Self {
        let values = compute_values(&file.facts);
        let map = CATALOGUE
            .iter()
            .map(|&(id, label, kind)| {
                let value = values
                    .get(id)
                    .cloned()
                    .unwrap_or(Err(Gap::Missing(id)))
                    .map(|v| if kind == Kind::Count { v } else { round2(v) });
                (id, Figure { label, kind, value })
            })
            .collect();
        Figures {
            file: file.path.clone(),
            map,
        }
    }

    pub fn get(&self, id: &str) -> Option<&Figure> {
        self.map.get(id)
    }

    /// The value of a figure a stage needs; an error names the missing fact.
    pub fn require(&self, id: &str) -> Result<Decimal, Error> {
        let figure = self.map.get(id).ok_or_else(|| Error::MissingFact {
            file: self.file.clone(),
            figure: id.to_string(),
            field: id.to_string(),
        })?;
        figure.value.clone().map_err(|gap| match gap {
            Gap::Missing(field) => Error::MissingFact {
                file: self.file.clone(),
                figure: figure.label.to_string(),
                field: field.to_string(),
            },
            Gap::ZeroBase(field) => Error::Fact {
                location: None,
                file: self.file.clone(),
                field: field.to_string(),
                message: format!(
                    "计算「{}」时分母为 0，无法计算；请检查该字段。",
                    figure.label
                ),
            },
            Gap::Overflow => Error::Fact {
                location: None,
                file: self.file.clone(),
                field: id.to_string(),
                message: format!(
                    "计算「{}」时数值过大；请检查金额单位是否为万元。",
                    figure.label
                ),
            },
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Figure)> {
        self.map.iter().map(|(id, f)| (*id, f))
    }
}

type Value = Result<Decimal, Gap>;

fn sum<'a>(items: impl IntoIterator<Item = &'a Decimal>) -> Value {
    items
        .into_iter()
        .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v))
        .ok_or(Gap::Overflow)
}

/// `num / den × 100`. When both are zero the rate is `both_zero` (a control
/// rate of nothing budgeted and nothing spent is 100%, a change from nothing
/// to nothing is 0%).
fn rate(num: Value, den: Value, den_field: &'static str, both_zero: Decimal) -> Value {
    let (num, den) = (num?, den?);
    if den.is_zero() {
        return if num.is_zero() {
            Ok(both_zero)
        } else {
            Err(Gap::ZeroBase(den_field))
        };
    }
    num.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|n| n.checked_div(den))
        .ok_or(Gap::Overflow)
}

fn sub(a: Value, b: Value) -> Value {
    a?.checked_sub(b?).ok_or(Gap::Overflow)
}

fn compute_values(f: &Facts) -> BTreeMap<&'static str, Value> {
    let m = &f.money;
    let mut v: BTreeMap<&'static str, Value> = BTreeMap::new();
    let hundred = Decimal::ONE_HUNDRED;

    v.insert("personnel_budget", Ok(m.basic.personnel.budget));
    v.insert("personnel_actual", Ok(m.basic.personnel.actual));
    v.insert("public_budget", Ok(m.basic.public.budget));
    v.insert("public_actual", Ok(m.basic.public.actual));
    v.insert(
        "basic_budget",
        sum([&m.basic.personnel.budget, &m.basic.public.budget]),
    );
    v.insert(
        "basic_actual",
        sum([&m.basic.personnel.actual, &m.basic.public.actual]),
    );
    v.insert("project_budget", sum(f.projects.iter().map(|p| &p.budget)));
    v.insert("project_actual", sum(f.projects.iter().map(|p| &p.actual)));
    let budget_initial = sum_values(&v, &["basic_budget", "project_budget"]);
    let actual_total = sum_values(&v, &["basic_actual", "project_actual"]);
    v.insert("budget_initial", budget_initial.clone());
    v.insert("actual_total", actual_total.clone());
    v.insert("budget_full", Ok(m.budget_full));
    v.insert(
        "carryover_begin",
        m.carryover_begin
            .ok_or(Gap::Missing("money.carryover_begin")),
    );
    let carryover_end = m.carryover_end.ok_or(Gap::Missing("money.carryover_end"));
    v.insert("carryover_end", carryover_end.clone());

    v.insert(
        "budget_execution_rate",
        rate(
            actual_total,
            Ok(m.budget_full),
            "money.budget_full",
            hundred,
        ),
    );
    v.insert(
        "budget_adjustment_rate",
        rate(
            sub(Ok(m.budget_full), budget_initial.clone()),
            budget_initial,
            "money.basic",
            Decimal::ZERO,
        ),
    );
    v.insert(
        "carryover_rate",
        rate(
            carryover_end,
            Ok(m.budget_full),
            "money.budget_full",
            Decimal::ZERO,
        ),
    );

    let s = &f.staffing;
    let establishment = s
        .establishment
        .or((!s.categories.is_empty()).then(|| s.categories.iter().map(|c| c.establishment).sum()))
        .map(Decimal::from)
        .ok_or(Gap::Missing("staffing.establishment"));
    let actual = s
        .actual
        .or((!s.categories.is_empty()).then(|| s.categories.iter().map(|c| c.actual).sum()))
        .map(Decimal::from)
        .ok_or(Gap::Missing("staffing.actual"));
    v.insert("staff_establishment", establishment.clone());
    v.insert("staff_actual", actual.clone());
    v.insert(
        "staff_control_rate",
        rate(actual, establishment, "staffing.establishment", hundred),
    );

    let items = f.three_public.items();
    let three = |pick: fn(&crate::facts::ThreePublicItem) -> Decimal| -> Value {
        if items.is_empty() {
            return Err(Gap::Missing("three_public"));
        }
        let values: Vec<Decimal> = items.iter().map(|(_, item)| pick(item)).collect();
        sum(values.iter())
    };
    let previous = three(|i| i.previous);
    let budget = three(|i| i.budget);
    let spent = three(|i| i.actual);
    v.insert("three_public_previous", previous.clone());
    v.insert("three_public_budget", budget.clone());
    v.insert("three_public_actual", spent.clone());
    v.insert(
        "three_public_change_rate",
        rate(
            sub(spent.clone(), previous.clone()),
            previous,
            "three_public.*.previous",
            Decimal::ZERO,
        ),
    );
    v.insert(
        "three_public_control_rate",
        rate(spent, budget, "three_public.*.budget", hundred),
    );
    v.insert(
        "public_funds_control_rate",
        rate(
            Ok(m.basic.public.actual),
            Ok(m.basic.public.budget),
            "money.basic.public.budget",
            hundred,
        ),
    );

    let procurement = f.procurement.as_ref().ok_or(Gap::Missing("procurement"));
    let p_budget = procurement.clone().map(|p| p.budget);
    let p_actual = procurement.map(|p| p.actual);
    v.insert("procurement_budget", p_budget.clone());
    v.insert("procurement_actual", p_actual.clone());
    v.insert(
        "procurement_execution_rate",
        rate(p_actual, p_budget, "procurement.budget", hundred),
    );

    v.insert(
        "satisfaction_rate",
        match &f.survey {
            Some(s) => rate(
                Ok(s.satisfied.into()),
                Ok(s.valid.into()),
                "survey.valid",
                hundred,
            ),
            None => Err(Gap::Missing("survey")),
        },
    );
    let adjustments = m.adjustments.ok_or(Gap::Missing("money.adjustments"));
    v.insert("adjustments", adjustments.clone());
    let available = sum_values(&v, &["carryover_begin", "budget_initial", "adjustments"]);
    v.insert(
        "budget_completion_rate",
        rate(
            sub(available.clone(), v["carryover_end"].clone()),
            available,
            "money.budget_initial",
            hundred,
        ),
    );
    v.insert(
        "budget_control_rate",
        rate(
            adjustments,
            v["budget_initial"].clone(),
            "money.basic",
            Decimal::ZERO,
        ),
    );
    let building = f.building.as_ref().ok_or(Gap::Missing("building"));
    v.insert(
        "building_area_control_rate",
        rate(
            building.clone().map(|b| b.actual_area),
            building.clone().map(|b| b.approved_area),
            "building.approved_area",
            hundred,
        ),
    );
    v.insert(
        "building_investment_control_rate",
        rate(
            building.clone().map(|b| b.actual_investment),
            building.map(|b| b.approved_investment),
            "building.approved_investment",
            hundred,
        ),
    );
    let special = f
        .special_funds
        .as_ref()
        .ok_or(Gap::Missing("special_funds"));
    v.insert(
        "special_funds_detail_rate",
        rate(
            special.clone().map(|s| s.detailed),
            special.map(|s| s.total),
            "special_funds.total",
            hundred,
        ),
    );
    let pm = f
        .performance_management
        .as_ref()
        .ok_or(Gap::Missing("performance_management"));
    let count = |pick: fn(&crate::facts::PerformanceManagement) -> u32| -> Value {
        pm.clone().map(|p| Decimal::from(pick(p)))
    };
    // Nothing to monitor or evaluate counts as done: 100%.
    for (id, part, whole, field) in [
        (
            "monitoring_rate",
            count(|p| p.monitored),
            count(|p| p.projects),
            "performance_management.projects",
        ),
        (
            "self_evaluation_rate",
            count(|p| p.self_evaluated),
            count(|p| p.projects),
            "performance_management.projects",
        ),
        (
            "evaluation_rate",
            count(|p| p.key_evaluated),
            count(|p| p.key_projects),
            "performance_management.key_projects",
        ),
        (
            "evaluation_use_rate",
            count(|p| p.adopted),
            count(|p| p.suggestions),
            "performance_management.suggestions",
        ),
    ] {
        v.insert(id, rate(part, whole, field, hundred));
    }
    v.insert(
        "asset_total",
        match &f.assets {
            Some(a) if !a.fixed.is_empty() => sum(a.fixed.iter().map(|i| &i.value)),
            _ => Err(Gap::Missing("assets.fixed")),
        },
    );
    v
}

fn sum_values(v: &BTreeMap<&'static str, Value>, ids: &[&str]) -> Value {
    ids.iter().try_fold(Decimal::ZERO, |acc, id| {
        acc.checked_add(v[id].clone()?).ok_or(Gap::Overflow)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn facts(extra: &str) -> FactsFile {
        let text = format!(
            r#"
[unit]
name = "测试局"
[report]
year = 2024
date = 2025-05-01
[staffing]
categories = [{{ name = "公务员", establishment = 12, actual = 11 }}, {{ name = "事业", establishment = 18, actual = 15 }}]
[money]
budget_full = 1430.40
basic.personnel = {{ budget = 303.97, actual = 284.68 }}
basic.public = {{ budget = 31.46, actual = 26.01 }}
[[projects]]
name = "监管经费"
budget = 105
actual = 1118.71
{extra}
"#
        );
        FactsFile::parse(Path::new("t.toml"), text).unwrap()
    }

    fn figures(extra: &str) -> Figures {
        Figures::compute(&facts(extra))
    }

    #[test]
    fn totals_and_execution_rate() {
        let f = figures("");
        assert_eq!(f.require("budget_initial").unwrap(), dec("440.43"));
        assert_eq!(f.require("actual_total").unwrap(), dec("1429.40"));
        // 1429.40 / 1430.40 = 99.93009…% → 99.93
        assert_eq!(f.require("budget_execution_rate").unwrap(), dec("99.93"));
        assert_eq!(f.require("staff_control_rate").unwrap(), dec("86.67"));
        assert_eq!(
            f.require("public_funds_control_rate").unwrap(),
            dec("82.68")
        );
    }

    #[test]
    fn missing_inputs_name_the_fact() {
        let f = figures("");
        let msg = f.require("satisfaction_rate").unwrap_err().to_string();
        assert!(msg.contains("survey") && msg.contains("满意度"), "{msg}");
        let msg = f.require("carryover_rate").unwrap_err().to_string();
        assert!(msg.contains("money.carryover_end"), "{msg}");
    }

    #[test]
    fn completion_and_control_rates() {
        // Reference 000: 上年结转 78.7, 年初 + 追加 = 1252.93, 年末结余 79.97.
        let text = "[building]\napproved_area = 1000\nactual_area = 1060\napproved_investment = 500\nactual_investment = 480\n[performance_management]\nprojects = 5\nmonitored = 4\nself_evaluated = 5\nkey_projects = 0\nkey_evaluated = 0\nsuggestions = 0\nadopted = 0";
        let mut file = facts(text);
        file.facts.money.carryover_begin = Some(dec("78.7"));
        file.facts.money.adjustments = Some(dec("812.5"));
        file.facts.money.carryover_end = Some(dec("79.97"));
        let f = Figures::compute(&file);
        // 年初 440.43 + 追加 812.5 = 1252.93; (1331.63 − 79.97) / 1331.63 = 93.99%.
        assert_eq!(f.require("budget_completion_rate").unwrap(), dec("93.99"));
        assert_eq!(f.require("budget_control_rate").unwrap(), dec("184.48"));
        assert_eq!(f.require("building_area_control_rate").unwrap(), dec("106"));
        assert_eq!(
            f.require("building_investment_control_rate").unwrap(),
            dec("96")
        );
        assert_eq!(f.require("monitoring_rate").unwrap(), dec("80"));
        assert_eq!(f.require("evaluation_rate").unwrap(), dec("100"));
        assert_eq!(f.require("evaluation_use_rate").unwrap(), dec("100"));
        let msg = f
            .require("special_funds_detail_rate")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("special_funds"), "{msg}");
    }

    #[test]
    fn zero_bases() {
        let f = figures(
            "[three_public.reception]\nprevious = 0\nbudget = 0\nactual = 0\n[procurement]\nbudget = 0\nactual = 5",
        );
        assert_eq!(f.require("three_public_control_rate").unwrap(), dec("100"));
        assert_eq!(f.require("three_public_change_rate").unwrap(), dec("0"));
        let msg = f
            .require("procurement_execution_rate")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("procurement.budget"), "{msg}");
    }

    #[test]
    fn three_public_and_survey_rates() {
        let f = figures(
            "[three_public.reception]\nprevious = 6.59\nbudget = 0.5\nactual = 0.24\n[three_public.overseas]\nprevious = 1\nbudget = 1\nactual = 0\n[survey]\nissued = 100\nreturned = 98\nvalid = 96\nsatisfied = 94",
        );
        assert_eq!(f.require("three_public_actual").unwrap(), dec("0.24"));
        assert_eq!(f.require("three_public_control_rate").unwrap(), dec("16"));
        // (0.24 − 7.59) / 7.59 = −96.837…%
        assert_eq!(
            f.require("three_public_change_rate").unwrap(),
            dec("-96.84")
        );
        // 94 / 96 = 97.9166…%
        assert_eq!(f.require("satisfaction_rate").unwrap(), dec("97.92"));
    }

    #[test]
    fn every_catalogued_figure_is_computed() {
        let values = compute_values(&facts("").facts);
        for (id, _, _) in CATALOGUE {
            assert!(
                values.contains_key(id),
                "{id} is catalogued but never computed"
            );
        }
    }
}
