//! The rule kinds that score a framework leaf, one file each. A kind holds
//! its parameters (read from the framework's `rule = { kind = … }`), their
//! validation, its scoring, the 年度指标值 it prints, the figure it reads and
//! the stub `zpbg init` writes for it. `Rule` lists the kinds once; a new kind
//! is one more variant, and the compiler then asks for its arm in
//! `Rule::kind` and for every method of `Kind`.

pub mod assessor;
pub mod bands;
pub mod checklist;
pub mod levels;
pub mod linear;
pub mod per_case;
pub mod step;
pub mod target;
pub mod tiers;
pub mod weight_times_rate;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::facts::Assessment;
use crate::figures::{self, Figures};
use crate::framework::Role;
use crate::num;

/// Decimals a weight or a points value may have. With at most two, a leaf's
/// score rounded to two decimals never exceeds its weight (10.005 + 9.995
/// would print as 10.01 + 10 = 20.01 of 20), and the printed parts of a
/// branch add up to it exactly.
pub const POINTS_DECIMALS: u32 = 2;

/// Refuses a weight or points value (`field`) with more than
/// `POINTS_DECIMALS` decimals; `Err` is the message.
pub fn check_points(field: &str, value: Decimal) -> Result<(), String> {
    if value.normalize().scale() > POINTS_DECIMALS {
        return Err(format!(
            "{field} 为 {value}，超过 {POINTS_DECIMALS} 位小数。分值最多保留 {POINTS_DECIMALS} 位小数，否则各项四舍五入后之和可能超过上级分值。"
        ));
    }
    Ok(())
}

/// How a leaf is scored: `rule = { kind = "…", … }` in the framework.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    Linear(linear::Linear),
    Step(step::Step),
    Bands(bands::Bands),
    WeightTimesRate(weight_times_rate::WeightTimesRate),
    Target(target::Target),
    Tiers(tiers::Tiers),
    Levels(levels::Levels),
    Checklist(checklist::Checklist),
    PerCase(per_case::PerCase),
    Assessor(assessor::Assessor),
}

/// What every rule kind provides. No method has a default, so a new kind
/// is told by the compiler everything it has to say.
pub trait Kind {
    /// The derived figure it scores, if any.
    fn figure(&self) -> Option<&str>;
    /// Checks its parameters against the leaf's weight; `Err` is the message.
    fn check(&self, weight: Decimal) -> Result<(), String>;
    /// 年度指标值 as printed when the framework gives none.
    fn target(&self) -> String;
    /// Scores the leaf from the figures or the facts' assessment.
    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem>;
    /// What `zpbg init` writes under `[assess.<id>]`; `None` when the
    /// facts have nothing to supply (the score comes from a figure).
    fn stub(&self, indicator: &Indicator) -> Option<Stub>;
}

impl Rule {
    /// The kind's name as the framework writes it, for templates that word
    /// a finding by kind.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Linear(_) => "linear",
            Rule::Step(_) => "step",
            Rule::Bands(_) => "bands",
            Rule::WeightTimesRate(_) => "weight_times_rate",
            Rule::Target(_) => "target",
            Rule::Tiers(_) => "tiers",
            Rule::Levels(_) => "levels",
            Rule::Checklist(_) => "checklist",
            Rule::PerCase(_) => "per_case",
            Rule::Assessor(_) => "assessor",
        }
    }

    fn kind(&self) -> &dyn Kind {
        match self {
            Rule::Linear(k) => k,
            Rule::Step(k) => k,
            Rule::Bands(k) => k,
            Rule::WeightTimesRate(k) => k,
            Rule::Target(k) => k,
            Rule::Tiers(k) => k,
            Rule::Levels(k) => k,
            Rule::Checklist(k) => k,
            Rule::PerCase(k) => k,
            Rule::Assessor(k) => k,
        }
    }

    /// The derived figure the rule scores, if any.
    pub fn figure(&self) -> Option<&str> {
        self.kind().figure()
    }

    /// Checks the kind's own parameters; `Err` is the message, said of the
    /// leaf. Whether its figure exists is checked when the profile loads,
    /// since a profile may declare figures of its own.
    pub fn check(&self, weight: Decimal) -> Result<(), String> {
        self.kind().check(weight)
    }

    /// 年度指标值 as printed when the framework gives none.
    pub fn target(&self) -> String {
        self.kind().target()
    }

    pub fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        self.kind().score(inputs)
    }

    pub fn stub(&self, indicator: &Indicator) -> Option<Stub> {
        self.kind().stub(indicator)
    }
}

/// The leaf a rule scores, as the rule sees it.
pub struct Indicator<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub weight: Decimal,
    /// 年度指标值 as the framework prints it, if it does.
    pub target: Option<&'a str>,
    /// 评价标准 as the framework prints it, if it does.
    pub standard: Option<&'a str>,
    /// 加分 and 扣分 items score the points they add or take.
    pub role: Role,
}

impl Indicator<'_> {
    /// Whether `score` moves the total away from the usual and so needs a
    /// written reason: below full marks for an indicator of the base, any
    /// points at all for a 加分 or 扣分 item.
    pub fn needs_reason(&self, score: Decimal) -> bool {
        match self.role {
            Role::Base => score < self.weight,
            Role::Bonus | Role::Penalty => score > Decimal::ZERO,
        }
    }
}

/// Everything a kind may read to score a leaf.
pub struct Inputs<'a> {
    pub indicator: Indicator<'a>,
    /// The facts' `[assess.<id>]`, empty when there is none.
    pub assessment: &'a Assessment,
    pub figures: &'a Figures,
    /// The framework's `[qualitative]` tiers.
    pub qualitative: &'a [tiers::Tier],
}

impl Inputs<'_> {
    /// The assessment lacks `field`, which says `what`.
    fn need(&self, field: &'static str, what: &str) -> Problem {
        let Indicator { id, name, .. } = self.indicator;
        Problem::Fact {
            field,
            message: format!("指标「{name}」需要{what}：请在 [assess.{id}] 中填写 {field}。"),
        }
    }

    /// 实际完成值 as the assessor wrote it, else `default`.
    fn actual_text(&self, default: impl FnOnce() -> String) -> String {
        self.assessment.actual_text.clone().unwrap_or_else(default)
    }
}

/// A scored leaf, before rounding and before it becomes a tree node: the
/// points and the values behind them, as data. Templates word them
/// (templates/lib/wording.tera), so no sentence is built here.
#[derive(Debug, Default)]
pub struct Finding {
    pub score: Decimal,
    /// 年度指标值 as printed.
    pub target: String,
    /// 实际完成值 as printed.
    pub actual: String,
    /// The figure the kind read, if it reads one.
    pub figure: Option<Shown>,
    /// The mark the value was compared with, as printed; empty when the
    /// kind has none.
    pub threshold: String,
    /// Completion, as printed, for kinds scored in proportion to it.
    pub ratio: Option<String>,
    /// The kind's other values the wording needs, by name, as printed
    /// (e.g. `per_point` for `linear`, `missed` for `checklist`).
    pub detail: BTreeMap<&'static str, String>,
    /// The value passed its target with room to spare (more than an
    /// at-least target, less than an at-most one), so the narrative can say
    /// 超额完成 rather than 完成.
    pub exceeded: bool,
}

/// A figure as a finding shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub id: String,
    pub label: String,
    /// As printed, with its unit (90.00%, 12.50万元).
    pub value: String,
}

/// Why a kind could not score its leaf.
#[derive(Debug)]
pub enum Problem {
    /// A field of the leaf's facts is missing or wrong.
    Fact {
        field: &'static str,
        message: String,
    },
    /// The framework's rule does not cover the value it was given.
    Framework(String),
    /// The facts' `field` says otherwise than the framework's rule; the
    /// message names both, the caller adds where the rule is.
    Conflict {
        field: &'static str,
        message: String,
    },
    /// A figure the facts cannot supply.
    Figure(Error),
}

impl From<Error> for Problem {
    fn from(error: Error) -> Self {
        Problem::Figure(error)
    }
}

/// The body of an `[assess.<id>]` block in the file `zpbg init` writes.
pub struct Stub {
    /// What the block asks for, after the header's `：`.
    pub what: String,
    /// Its lines, each ending in a newline.
    pub lines: String,
}

/// Scores a kind that reads one value: the rule's figure, else the facts'
/// `[assess.<id>] value` (shown under the indicator's name, with the
/// facts' unit). `apply` turns the value and its label and printed form into
/// the finding's score, threshold and details, or says why the rule cannot
/// score it.
fn from_figure(
    figure: Option<&str>,
    target: String,
    inputs: &Inputs,
    apply: impl FnOnce(Decimal, &str, &str) -> Result<Finding, String>,
) -> Result<Finding, Problem> {
    let (shown, x) = match figure {
        Some(id) => {
            let x = inputs.figures.require(id)?;
            let fig = inputs.figures.get(id).expect("required figure exists");
            let shown = Shown {
                id: id.to_string(),
                label: fig.label.to_string(),
                value: display(x, fig.kind, ""),
            };
            (shown, x)
        }
        None => {
            let x = inputs
                .assessment
                .value
                .ok_or_else(|| inputs.need("value", "实测值（计分规则未指定 figure）"))?;
            let shown = Shown {
                id: "value".into(),
                label: inputs.indicator.name.to_string(),
                value: display(x, figures::Kind::Count, &inputs.assessment.unit),
            };
            (shown, x)
        }
    };
    let finding = apply(x, &shown.label, &shown.value).map_err(Problem::Framework)?;
    Ok(Finding {
        target,
        actual: inputs.actual_text(|| shown.value.clone()),
        figure: Some(shown),
        ..finding
    })
}

/// What `zpbg init` asks of a figure-based rule: nothing when it names its
/// figure, else the measured value.
fn value_stub(figure: Option<&str>) -> Option<Stub> {
    figure.is_none().then(|| Stub {
        what: "计分规则未指定计算值，请填写实测值".into(),
        lines: "value = 0  # 实测值\n".into(),
    })
}

/// Which side of the mark costs points (`linear`, `step`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Falling short (execution rates).
    #[default]
    Below,
    /// Exceeding (control rates).
    Above,
    /// Either way (政府采购执行率).
    Both,
}

/// How far `x` lies from `mark` on the side that costs points.
fn distance(x: Decimal, mark: Decimal, direction: Direction) -> Decimal {
    let d = match direction {
        Direction::Below => mark - x,
        Direction::Above => x - mark,
        Direction::Both => (x - mark).abs(),
    };
    d.max(Decimal::ZERO)
}

fn side(x: Decimal, mark: Decimal) -> &'static str {
    if x < mark {
        "低"
    } else if x > mark {
        "高"
    } else {
        "相差"
    }
}

/// Points off; a deduction too large to compute takes everything.
fn deducted(points: Option<Decimal>) -> Decimal {
    points.unwrap_or(Decimal::MAX)
}

fn clamp(score: Decimal, weight: Decimal) -> Decimal {
    score.max(Decimal::ZERO).min(weight)
}

fn display(x: Decimal, kind: figures::Kind, unit: &str) -> String {
    match kind {
        figures::Kind::Percent => num::percent(x),
        figures::Kind::Money => format!("{}万元", num::money(x, false)),
        figures::Kind::Count => format!("{}{unit}", x.normalize()),
        figures::Kind::Number => format!("{x}{unit}"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::facts::{FactsFile, MINIMAL};

    pub fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// Scores `rule` for a leaf 「指标」 (id `x`) of `weight`, with the facts'
    /// `[assess.x]` written as `assessment` and the figures of the minimal facts.
    pub fn assess(rule: &str, weight: &str, assessment: &str) -> Result<Finding, Problem> {
        assess_with(rule, weight, assessment, &[])
    }

    /// [`assess`] with figures a profile declares.
    pub fn assess_with(
        rule: &str,
        weight: &str,
        assessment: &str,
        declared: &[figures::Declared],
    ) -> Result<Finding, Problem> {
        let facts = FactsFile::parse(std::path::Path::new("f.toml"), MINIMAL.into()).unwrap();
        let figures = Figures::compute(&facts, declared);
        let assessment: Assessment = toml::from_str(assessment).unwrap();
        let inputs = Inputs {
            indicator: Indicator {
                id: "x",
                name: "指标",
                weight: dec(weight),
                target: None,
                standard: None,
                role: Role::Base,
            },
            assessment: &assessment,
            figures: &figures,
            qualitative: &[],
        };
        parse_rule(rule).score(&inputs)
    }

    /// The message of a problem with the facts, after its field.
    pub fn fact_problem(result: Result<Finding, Problem>) -> String {
        match result {
            Err(Problem::Fact { field, message }) => format!("{field}: {message}"),
            Err(other) => panic!("not a problem with the facts: {other:?}"),
            Ok(finding) => panic!("scored {}", finding.score),
        }
    }

    /// A rule written as in a framework file.
    pub fn parse_rule(text: &str) -> Rule {
        toml::from_str::<toml::Table>(&format!("r = {text}")).unwrap()["r"]
            .clone()
            .try_into()
            .unwrap()
    }

    #[test]
    fn a_figure_kind_reads_its_figure() {
        // The minimal facts have 9 staff of 10 and no survey.
        let step = r#"{ kind = "step", figure = "staff_control_rate", threshold = 100, step = 1, points = 0.5, direction = "above" }"#;
        let finding = assess(step, "5", "").ok().unwrap();
        assert_eq!(finding.score, dec("5"));
        assert_eq!(finding.target, "≤100.00%");
        assert_eq!(finding.actual, "90.00%");
        let figure = finding.figure.unwrap();
        assert_eq!(
            (figure.label.as_str(), figure.value.as_str()),
            ("在职人员控制率", "90.00%")
        );
        let missing = r#"{ kind = "weight_times_rate", figure = "satisfaction_rate" }"#;
        assert!(matches!(assess(missing, "2", ""), Err(Problem::Figure(_))));
        let uncovered = r#"{ kind = "bands", figure = "staff_control_rate", bands = [{ from = 95, score = 1 }] }"#;
        assert!(matches!(
            assess(uncovered, "1", ""),
            Err(Problem::Framework(_))
        ));
    }

    #[test]
    fn a_bands_rule_reads_a_profile_figure() {
        // The minimal facts: 9 staff, 全年执行数 48 + 9.5 = 57.5 万元.
        let declared = [figures::Declared {
            id: "per_head".into(),
            label: "人均支出".into(),
            kind: figures::Kind::Number,
            formula: crate::expr::Formula::parse("actual_total / staff_actual").unwrap(),
            decimals: 1,
        }];
        let bands = r#"{ kind = "bands", figure = "per_head", bands = [{ to = 6, score = 2 }, { from = 6, from_open = true, score = 1 }] }"#;
        let finding = assess_with(bands, "2", "", &declared).ok().unwrap();
        // 57.5 / 9 = 6.388… → 6.4, in the second band.
        assert_eq!(finding.score, dec("1"));
        assert_eq!(finding.actual, "6.4");
        assert_eq!(finding.figure.unwrap().label, "人均支出");
    }

    #[test]
    fn without_a_figure_the_facts_value_is_scored() {
        let rule = r#"{ kind = "linear", per_point = 1 }"#;
        let finding = assess(rule, "10", "value = 97.5\nunit = \"%\"")
            .ok()
            .unwrap();
        assert_eq!(finding.score, dec("7.5"));
        let figure = finding.figure.unwrap();
        assert_eq!(
            (figure.label.as_str(), figure.value.as_str()),
            ("指标", "97.5%")
        );
        let msg = tests::fact_problem(assess(rule, "10", ""));
        assert!(
            msg.starts_with("value: ") && msg.contains("[assess.x]"),
            "{msg}"
        );
    }

    #[test]
    fn distance_by_direction() {
        assert_eq!(
            distance(dec("99.93"), dec("100"), Direction::Below),
            dec("0.07")
        );
        assert_eq!(
            distance(dec("101"), dec("100"), Direction::Below),
            Decimal::ZERO
        );
        assert_eq!(
            distance(dec("101"), dec("100"), Direction::Above),
            Decimal::ONE
        );
        assert_eq!(distance(dec("95"), dec("100"), Direction::Both), dec("5"));
    }
}
