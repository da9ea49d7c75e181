//! Derived figures: every amount total and rate the frameworks and the
//! narrative use, computed from the facts with `Decimal` and never typed by
//! the user. Rates are in percent, rounded 四舍五入 to two decimals, and the
//! rounded rate is what gets scored, so text, table and score always agree.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::expr::{self, Formula};
use crate::facts::{
    Basic, Building, Facts, FactsFile, PerformanceManagement, Procurement, Staffing,
    ThreePublicItem,
};
use crate::num::round2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 万元.
    Money,
    /// Percent.
    Percent,
    /// 人, 份.
    Count,
    /// Any other quantity a profile derives, printed as a plain decimal.
    Number,
}

/// Why a figure has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The facts lack this field.
    Missing(Cow<'static, str>),
    /// The base of the rate is zero while its numerator is not.
    ZeroBase(&'static str),
    /// The numbers are too large to compute with.
    Overflow,
    /// A facts field a profile figure reads is not what it needs there:
    /// `expected` says what, in words.
    WrongType {
        field: String,
        expected: &'static str,
    },
    /// A divisor of a profile figure's expression is zero.
    DivideByZero {
        figure: String,
        expr: String,
        divisor: String,
    },
}

#[derive(Debug, Clone)]
pub struct Figure {
    pub label: Cow<'static, str>,
    pub kind: Kind,
    pub value: Result<Decimal, Gap>,
}

/// All derived figures of one facts file, by id: the built-in ones and the
/// profile's.
#[derive(Debug, Clone)]
pub struct Figures {
    file: PathBuf,
    map: BTreeMap<Cow<'static, str>, Figure>,
}

/// A figure a profile declares in `[[figures]]`. Profile loading checks
/// that its id is new, that its expression names only known figures and
/// that no figure depends on itself, and lists each after the figures it
/// reads.
#[derive(Debug, Clone)]
pub struct Declared {
    pub id: String,
    pub label: String,
    pub kind: Kind,
    pub formula: Formula,
    /// 四舍五入 to this many decimals.
    pub decimals: u32,
}

/// One derived figure: its id (what frameworks and templates name), its
/// label (what the report prints), its kind, and how it is computed from the
/// facts and from other figures.
pub struct Def {
    pub id: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    compute: fn(&Inputs) -> Value,
}

/// Every figure, one row each. The order is the order messages list them in.
pub static CATALOGUE: &[Def] = &[
    Def {
        id: "budget_initial",
        label: "年初预算数",
        kind: Kind::Money,
        compute: |x| x.sum_of(&["basic_budget", "project_budget"]),
    },
    Def {
        id: "budget_full",
        label: "全年预算数",
        kind: Kind::Money,
        compute: |x| Ok(x.facts.money.budget_full),
    },
    Def {
        id: "actual_total",
        label: "全年执行数",
        kind: Kind::Money,
        compute: |x| x.sum_of(&["basic_actual", "project_actual"]),
    },
    Def {
        id: "basic_budget",
        label: "基本支出年初预算数",
        kind: Kind::Money,
        compute: |x| x.sum_of(&["personnel_budget", "public_budget"]),
    },
    Def {
        id: "basic_actual",
        label: "基本支出执行数",
        kind: Kind::Money,
        compute: |x| x.sum_of(&["personnel_actual", "public_actual"]),
    },
    Def {
        id: "personnel_budget",
        label: "人员经费年初预算数",
        kind: Kind::Money,
        compute: |x| basic(x.facts).map(|b| b.personnel.budget),
    },
    Def {
        id: "personnel_actual",
        label: "人员经费执行数",
        kind: Kind::Money,
        compute: |x| basic(x.facts).map(|b| b.personnel.actual),
    },
    Def {
        id: "public_budget",
        label: "公用经费年初预算数",
        kind: Kind::Money,
        compute: |x| basic(x.facts).map(|b| b.public.budget),
    },
    Def {
        id: "public_actual",
        label: "公用经费执行数",
        kind: Kind::Money,
        compute: |x| basic(x.facts).map(|b| b.public.actual),
    },
    Def {
        id: "project_budget",
        label: "项目支出年初预算数",
        kind: Kind::Money,
        compute: |x| sum(x.facts.projects.iter().map(|p| &p.budget)),
    },
    Def {
        id: "project_actual",
        label: "项目支出执行数",
        kind: Kind::Money,
        compute: |x| sum(x.facts.projects.iter().map(|p| &p.actual)),
    },
    Def {
        id: "carryover_begin",
        label: "上年结转结余",
        kind: Kind::Money,
        compute: |x| optional(x.facts.money.carryover_begin, "money.carryover_begin"),
    },
    Def {
        id: "carryover_end",
        label: "年末结转结余",
        kind: Kind::Money,
        compute: |x| optional(x.facts.money.carryover_end, "money.carryover_end"),
    },
    Def {
        id: "three_public_previous",
        label: "上年“三公”经费决算数",
        kind: Kind::Money,
        compute: |x| three_public_previous(x.facts),
    },
    Def {
        id: "three_public_budget",
        label: "“三公”经费预算数",
        kind: Kind::Money,
        compute: |x| three_public(x.facts, |i| i.budget),
    },
    Def {
        id: "three_public_actual",
        label: "“三公”经费决算数",
        kind: Kind::Money,
        compute: |x| three_public(x.facts, |i| i.actual),
    },
    Def {
        id: "procurement_budget",
        label: "政府采购预算数",
        kind: Kind::Money,
        compute: |x| procurement(x.facts).map(|p| p.budget),
    },
    Def {
        id: "procurement_actual",
        label: "实际政府采购金额",
        kind: Kind::Money,
        compute: |x| procurement(x.facts).map(|p| p.actual),
    },
    Def {
        id: "asset_total",
        label: "固定资产原值",
        kind: Kind::Money,
        compute: |x| match &x.facts.assets {
            Some(a) if !a.fixed.is_empty() => sum(a.fixed.iter().map(|i| &i.value)),
            _ => Err(Gap::Missing("assets.fixed".into())),
        },
    },
    Def {
        id: "staff_establishment",
        label: "编制数",
        kind: Kind::Count,
        compute: |x| {
            let s = staffing(x.facts)?;
            let by_category = || s.categories.iter().map(|c| c.establishment).sum();
            staff(s.establishment, s, by_category, "staffing.establishment")
        },
    },
    Def {
        id: "staff_actual",
        label: "实有人数",
        kind: Kind::Count,
        compute: |x| {
            let s = staffing(x.facts)?;
            let by_category = || s.categories.iter().map(|c| c.actual).sum();
            staff(s.actual, s, by_category, "staffing.actual")
        },
    },
    Def {
        id: "budget_execution_rate",
        label: "预算执行率",
        kind: Kind::Percent,
        compute: |x| {
            let (spent, budget) = (x.get("actual_total"), x.get("budget_full"));
            rate(spent, budget, "money.budget_full", HUNDRED)
        },
    },
    Def {
        id: "budget_adjustment_rate",
        label: "预算调整率",
        kind: Kind::Percent,
        compute: |x| {
            let initial = x.get("budget_initial");
            let change = sub(x.get("budget_full"), initial.clone());
            rate(change, initial, "money.basic", Decimal::ZERO)
        },
    },
    Def {
        id: "carryover_rate",
        label: "结转结余率",
        kind: Kind::Percent,
        compute: |x| {
            let (left, budget) = (x.get("carryover_end"), x.get("budget_full"));
            rate(left, budget, "money.budget_full", Decimal::ZERO)
        },
    },
    Def {
        id: "staff_control_rate",
        label: "在职人员控制率",
        kind: Kind::Percent,
        compute: |x| {
            let (actual, posts) = (x.get("staff_actual"), x.get("staff_establishment"));
            rate(actual, posts, "staffing.establishment", HUNDRED)
        },
    },
    Def {
        id: "three_public_change_rate",
        label: "“三公”经费变动率",
        kind: Kind::Percent,
        compute: |x| {
            let previous = x.get("three_public_previous");
            let change = sub(x.get("three_public_actual"), previous.clone());
            rate(change, previous, "three_public.*.previous", Decimal::ZERO)
        },
    },
    Def {
        id: "three_public_control_rate",
        label: "“三公”经费控制率",
        kind: Kind::Percent,
        compute: |x| {
            let (spent, budget) = (x.get("three_public_actual"), x.get("three_public_budget"));
            rate(spent, budget, "three_public.*.budget", HUNDRED)
        },
    },
    Def {
        id: "public_funds_control_rate",
        label: "公用经费控制率",
        kind: Kind::Percent,
        compute: |x| {
            let (spent, budget) = (x.get("public_actual"), x.get("public_budget"));
            rate(spent, budget, "money.basic.public.budget", HUNDRED)
        },
    },
    Def {
        id: "procurement_execution_rate",
        label: "政府采购执行率",
        kind: Kind::Percent,
        compute: |x| {
            let (spent, budget) = (x.get("procurement_actual"), x.get("procurement_budget"));
            rate(spent, budget, "procurement.budget", HUNDRED)
        },
    },
    Def {
        id: "satisfaction_rate",
        label: "满意度",
        kind: Kind::Percent,
        compute: |x| match &x.facts.survey {
            Some(s) => rate(
                Ok(s.satisfied.into()),
                Ok(s.valid.into()),
                "survey.valid",
                HUNDRED,
            ),
            None => Err(Gap::Missing("survey".into())),
        },
    },
    Def {
        id: "adjustments",
        label: "本年追加预算",
        kind: Kind::Money,
        compute: |x| optional(x.facts.money.adjustments, "money.adjustments"),
    },
    Def {
        id: "budget_completion_rate",
        label: "预算完成率",
        kind: Kind::Percent,
        compute: |x| {
            let available = x.sum_of(&["carryover_begin", "budget_initial", "adjustments"]);
            let used = sub(available.clone(), x.get("carryover_end"));
            rate(used, available, "money.budget_initial", HUNDRED)
        },
    },
    Def {
        id: "budget_control_rate",
        label: "预算控制率",
        kind: Kind::Percent,
        compute: |x| {
            let (added, initial) = (x.get("adjustments"), x.get("budget_initial"));
            rate(added, initial, "money.basic", Decimal::ZERO)
        },
    },
    Def {
        id: "building_area_control_rate",
        label: "新建楼堂馆所面积控制率",
        kind: Kind::Percent,
        compute: |x| {
            let b = building(x.facts);
            let (built, approved) = (b.clone().map(|b| b.actual_area), b.map(|b| b.approved_area));
            rate(built, approved, "building.approved_area", HUNDRED)
        },
    },
    Def {
        id: "building_investment_control_rate",
        label: "新建楼堂馆所投资概算控制率",
        kind: Kind::Percent,
        compute: |x| {
            let b = building(x.facts);
            let spent = b.clone().map(|b| b.actual_investment);
            let approved = b.map(|b| b.approved_investment);
            rate(spent, approved, "building.approved_investment", HUNDRED)
        },
    },
    Def {
        id: "special_funds_detail_rate",
        label: "专项资金细化率",
        kind: Kind::Percent,
        compute: |x| {
            let s = (x.facts.special_funds.as_ref()).ok_or(Gap::Missing("special_funds".into()));
            let (detailed, total) = (s.clone().map(|s| s.detailed), s.map(|s| s.total));
            rate(detailed, total, "special_funds.total", HUNDRED)
        },
    },
    Def {
        id: "monitoring_rate",
        label: "绩效监控完成率",
        kind: Kind::Percent,
        compute: |x| {
            let pick = |p: &PerformanceManagement| (p.monitored, p.projects);
            management_rate(x.facts, pick, "performance_management.projects")
        },
    },
    Def {
        id: "self_evaluation_rate",
        label: "绩效自评完成率",
        kind: Kind::Percent,
        compute: |x| {
            let pick = |p: &PerformanceManagement| (p.self_evaluated, p.projects);
            management_rate(x.facts, pick, "performance_management.projects")
        },
    },
    Def {
        id: "evaluation_rate",
        label: "部门绩效评价完成率",
        kind: Kind::Percent,
        compute: |x| {
            let pick = |p: &PerformanceManagement| (p.key_evaluated, p.key_projects);
            management_rate(x.facts, pick, "performance_management.key_projects")
        },
    },
    Def {
        id: "evaluation_use_rate",
        label: "评价结果应用率",
        kind: Kind::Percent,
        compute: |x| {
            let pick = |p: &PerformanceManagement| (p.adopted, p.suggestions);
            management_rate(x.facts, pick, "performance_management.suggestions")
        },
    },
];

pub fn exists(id: &str) -> bool {
    def(id).is_some()
}

fn def(id: &str) -> Option<&'static Def> {
    CATALOGUE.iter().find(|d| d.id == id)
}

impl Figures {
    /// Every built-in figure and every figure the profile `declared`, from
    /// the facts of `file`.
    pub fn compute(file: &FactsFile, declared: &[Declared]) -> Self {
        let inputs = Inputs {
            facts: &file.data,
            table: &file.table,
            declared,
            done: RefCell::default(),
        };
        let mut map: BTreeMap<Cow<'static, str>, Figure> = CATALOGUE
            .iter()
            .map(|d| {
                // Rounded for display and scoring only: figures built on this
                // one took it unrounded.
                let value = inputs.get(d.id).map(|v| match d.kind {
                    Kind::Count => v,
                    Kind::Money | Kind::Percent | Kind::Number => round2(v),
                });
                let figure = Figure {
                    label: d.label.into(),
                    kind: d.kind,
                    value,
                };
                (d.id.into(), figure)
            })
            .collect();
        // In the profile's order, each after the figures it reads, so each
        // finds them computed and the stack stays shallow.
        for d in declared {
            // Rescaled too, so a plain number prints with its decimals.
            let value = inputs.get(&d.id).map(|v| {
                let mut v =
                    v.round_dp_with_strategy(d.decimals, RoundingStrategy::MidpointAwayFromZero);
                v.rescale(d.decimals);
                v
            });
            let figure = Figure {
                label: d.label.clone().into(),
                kind: d.kind,
                value,
            };
            map.insert(d.id.clone().into(), figure);
        }
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
        let fact = |field: String, message: String| Error::Fact {
            location: None,
            file: self.file.clone(),
            field,
            message,
        };
        figure.value.clone().map_err(|gap| match gap {
            Gap::Missing(field) => Error::MissingFact {
                file: self.file.clone(),
                figure: figure.label.to_string(),
                field: field.to_string(),
            },
            Gap::ZeroBase(field) => fact(
                field.to_string(),
                format!(
                    "计算「{}」时分母为 0，无法计算；请检查该字段。",
                    figure.label
                ),
            ),
            Gap::Overflow => fact(
                id.to_string(),
                format!(
                    "计算「{}」时数值过大；请检查金额单位是否为万元。",
                    figure.label
                ),
            ),
            Gap::WrongType { field, expected } => fact(
                field,
                format!(
                    "计算「{}」需要这里是{expected}，但填写的不是。",
                    figure.label
                ),
            ),
            Gap::DivideByZero {
                figure,
                expr,
                divisor,
            } => Error::DivideByZero {
                file: self.file.clone(),
                figure,
                expr,
                divisor,
            },
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Figure)> {
        self.map.iter().map(|(id, f)| (id.as_ref(), f))
    }
}

type Value = Result<Decimal, Gap>;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// What a figure's computation reads: the facts, and other figures, each
/// computed once on first use and unrounded.
struct Inputs<'a> {
    facts: &'a Facts,
    /// The same facts as TOML, for the paths of profile figures.
    table: &'a toml::Table,
    declared: &'a [Declared],
    done: RefCell<BTreeMap<&'a str, Value>>,
}

impl<'a> Inputs<'a> {
    /// A figure by id. The profile's ids were checked when it loaded: each
    /// names a figure, and none depends on itself, so this ends.
    fn get(&self, id: &str) -> Value {
        if let Some(value) = self.done.borrow().get(id) {
            return value.clone();
        }
        let (id, value): (&'a str, Value) = if let Some(def) = def(id) {
            (def.id, (def.compute)(self))
        } else {
            let d = (self.declared.iter().find(|d| d.id == id))
                .expect("profile figures name only known figures");
            let value = d.formula.eval(self).map_err(|failure| match failure {
                expr::Failure::Gap(gap) => gap,
                expr::Failure::DivideByZero { divisor } => Gap::DivideByZero {
                    figure: d.label.clone(),
                    expr: d.formula.text().to_string(),
                    divisor,
                },
            });
            (&d.id, value)
        };
        self.done.borrow_mut().insert(id, value.clone());
        value
    }

    fn sum_of(&self, ids: &[&'static str]) -> Value {
        ids.iter().try_fold(Decimal::ZERO, |acc, id| {
            acc.checked_add(self.get(id)?).ok_or(Gap::Overflow)
        })
    }
}

impl expr::Env for Inputs<'_> {
    fn figure(&self, id: &str) -> Result<Decimal, Gap> {
        self.get(id)
    }

    fn facts(&self) -> &toml::Table {
        self.table
    }
}

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

fn optional(value: Option<Decimal>, field: &'static str) -> Value {
    value.ok_or(Gap::Missing(field.into()))
}

/// Staff numbers as typed, else summed over the categories.
fn staff(
    typed: Option<u32>,
    s: &Staffing,
    by_category: impl FnOnce() -> u32,
    field: &'static str,
) -> Value {
    typed
        .or((!s.categories.is_empty()).then(by_category))
        .map(Decimal::from)
        .ok_or(Gap::Missing(field.into()))
}

/// A sum over the 三公 items the facts give; none given is a missing fact.
fn three_public(f: &Facts, pick: fn(&ThreePublicItem) -> Decimal) -> Value {
    let items = f.three_public.items();
    if items.is_empty() {
        return Err(Gap::Missing("three_public".into()));
    }
    let values: Vec<Decimal> = items.iter().map(|(_, item)| pick(item)).collect();
    sum(&values)
}

/// Last year's 三公 total; each kind given must say its last year's amount.
fn three_public_previous(f: &Facts) -> Value {
    let items = f.three_public.keyed();
    if items.is_empty() {
        return Err(Gap::Missing("three_public".into()));
    }
    items.iter().try_fold(Decimal::ZERO, |acc, (key, item)| {
        let field = || Gap::Missing(format!("three_public.{key}.previous").into());
        let previous = item.previous.ok_or_else(field)?;
        acc.checked_add(previous).ok_or(Gap::Overflow)
    })
}

fn basic(f: &Facts) -> Result<&Basic, Gap> {
    f.money
        .basic
        .as_ref()
        .ok_or(Gap::Missing("money.basic".into()))
}

fn staffing(f: &Facts) -> Result<&Staffing, Gap> {
    f.staffing.as_ref().ok_or(Gap::Missing("staffing".into()))
}

fn procurement(f: &Facts) -> Result<&Procurement, Gap> {
    f.procurement
        .as_ref()
        .ok_or(Gap::Missing("procurement".into()))
}

fn building(f: &Facts) -> Result<&Building, Gap> {
    f.building.as_ref().ok_or(Gap::Missing("building".into()))
}

/// A completion rate of the performance-management counts; nothing to
/// monitor or evaluate counts as done (100%).
fn management_rate(
    f: &Facts,
    pick: fn(&PerformanceManagement) -> (u32, u32),
    field: &'static str,
) -> Value {
    let pm = f.performance_management.as_ref();
    let counts = pm
        .map(pick)
        .ok_or(Gap::Missing("performance_management".into()));
    let (part, whole) = (
        counts.clone().map(|c| c.0.into()),
        counts.map(|c| c.1.into()),
    );
    rate(part, whole, field, HUNDRED)
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
        Figures::compute(&facts(extra), &[])
    }

    fn declare(id: &str, kind: Kind, expr: &str, decimals: u32) -> Declared {
        Declared {
            id: id.into(),
            label: format!("「{id}」之值"),
            kind,
            formula: Formula::parse(expr).unwrap(),
            decimals,
        }
    }

    #[test]
    fn profile_figures_read_figures_and_facts_and_round_half_up() {
        let declared = [
            declare("per_head", Kind::Money, "actual_total / staff_actual", 2),
            declare("third", Kind::Number, "1 ÷ 3", 3),
            declare("quarter", Kind::Number, "0.25", 1),
            declare("twice", Kind::Number, "third * 2", 2),
            declare(
                "per_project",
                Kind::Money,
                "sum(facts.projects.budget) / count(facts.projects) + facts.money.budget_full",
                2,
            ),
        ];
        let f = Figures::compute(&facts(""), &declared);
        // 1429.40 / 26 = 54.9769…
        assert_eq!(f.require("per_head").unwrap(), dec("54.98"));
        let shown = |id| {
            let fig = f.get(id).unwrap();
            crate::display::figure(fig.kind, fig.value.clone().unwrap(), false)
        };
        assert_eq!(shown("third"), "0.333");
        // 四舍五入, where banker's rounding would give 0.2.
        assert_eq!(shown("quarter"), "0.3");
        // Built on the unrounded third, like the built-in figures.
        assert_eq!(shown("twice"), "0.67");
        assert_eq!(shown("per_project"), "1535.40");
        assert!(f.iter().any(|(id, _)| id == "per_head"));
    }

    #[test]
    fn profile_figure_failures_name_the_figure() {
        let expr = "actual_total / (facts.money.budget_full - 1430.4)";
        let declared = [
            declare("ratio", Kind::Percent, expr, 2),
            declare("income", Kind::Money, "facts.money.income * 2", 2),
            declare("text", Kind::Number, "facts.unit.name", 2),
        ];
        let f = Figures::compute(&facts(""), &declared);
        let msg = f.require("ratio").unwrap_err().to_string();
        assert!(msg.contains("「ratio」之值") && msg.contains(expr), "{msg}");
        assert!(
            msg.contains("除数 (facts.money.budget_full - 1430.4) 等于 0"),
            "{msg}"
        );
        let msg = f.require("income").unwrap_err().to_string();
        assert!(
            msg.contains("「income」之值") && msg.contains("需要字段 money.income"),
            "{msg}"
        );
        let msg = f.require("text").unwrap_err().to_string();
        assert!(
            msg.contains("unit.name") && msg.contains("需要这里是数字"),
            "{msg}"
        );
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
        file.data.money.carryover_begin = Some(dec("78.7"));
        file.data.money.adjustments = Some(dec("812.5"));
        file.data.money.carryover_end = Some(dec("79.97"));
        let f = Figures::compute(&file, &[]);
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
}
