//! `target`: a quantitative target, met → full marks, else in proportion to
//! completion. Target and actual come from the framework (`op`, `value`,
//! `figure`) or from the facts' assessment. A unit's own quantitative
//! indicators are scored the same way (`quantity`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Finding, Indicator, Inputs, Kind, Problem, Stub, display};
use crate::facts::{self, Comparison};
use crate::figures::{self, Figures};
use crate::num;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub op: Option<Comparison>,
    pub value: Option<Decimal>,
    pub figure: Option<String>,
}

impl Kind for Target {
    fn figure(&self) -> Option<&str> {
        self.figure.as_deref()
    }

    fn check(&self, _weight: Decimal) -> Result<(), String> {
        if self.op.is_some() != self.value.is_some() {
            return Err("target 规则的 op 和 value 须同时给出或同时省略。".into());
        }
        Ok(())
    }

    fn target(&self) -> String {
        match (self.op, self.value) {
            (Some(op), Some(value)) => format!("{}{}%", op.symbol(), value.normalize()),
            (None, _) | (_, None) => String::new(),
        }
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        let a = inputs.assessment;
        let weight = inputs.indicator.weight;
        let goal = match (self.op, self.value, &a.target) {
            (Some(op), Some(value), Some(own)) if !same(op, value, own) => {
                return Err(Problem::Conflict {
                    field: "target",
                    message: format!(
                        "指标「{}」的年度指标值在评价指标体系中为 {}{}，事实文件中却为 {}。请删去事实文件中的 target，或改为与评价指标体系一致。",
                        inputs.indicator.name,
                        op.symbol(),
                        value.normalize(),
                        describe(own)
                    ),
                });
            }
            (Some(op), Some(value), _) => Goal::Compare(op, value),
            (_, _, Some(facts::Target::Quantity { op, value })) => Goal::Compare(*op, *value),
            (_, _, Some(facts::Target::Range { min, max })) => Goal::Range(*min, *max),
            (_, _, Some(facts::Target::Met { text, met: done })) => {
                if !done && a.reason.is_none() {
                    return Err(inputs.need("reason", "未达成的原因"));
                }
                return Ok(met(weight, text, *done, a.actual_text.as_deref()));
            }
            _ => return Err(inputs.need("target", "年度指标值")),
        };
        let figure = self.figure.as_deref().or(a.actual_figure.as_deref());
        let (actual, kind) = actual_value(inputs.figures, figure, a.actual)?
            .ok_or_else(|| inputs.need("actual", "实际完成值"))?;
        // A rate's target is in percent unless the facts say otherwise.
        let unit = match (a.unit.as_str(), kind) {
            ("", Some(figures::Kind::Percent)) => "%",
            (unit, _) => unit,
        };
        let actual = Actual {
            value: actual,
            kind,
            text: a.actual_text.as_deref(),
        };
        Ok(match goal {
            Goal::Compare(op, value) => quantity(weight, op, value, actual, unit),
            Goal::Range(min, max) => range(weight, min, max, actual, unit),
        })
    }

    fn stub(&self, _indicator: &Indicator) -> Option<Stub> {
        let mut lines = String::new();
        if self.op.is_none() {
            lines.push_str("target = { op = \">=\", value = 100 }  # 年度指标值\n");
        }
        if self.figure.is_none() {
            lines.push_str("unit = \"%\"\nactual = 100  # 实际完成值\n");
        }
        Some(Stub {
            what: "定量指标，达到指标值得满分，否则按完成比例计分".into(),
            lines,
        })
    }
}

/// A numeric target: a comparison or a range.
enum Goal {
    Compare(Comparison, Decimal),
    Range(Decimal, Decimal),
}

/// Whether the facts' target is the framework's `op value`.
fn same(op: Comparison, value: Decimal, own: &facts::Target) -> bool {
    matches!(own, facts::Target::Quantity { op: o, value: v } if (*o, *v) == (op, value))
}

/// The facts' target in words, for the conflict message.
fn describe(own: &facts::Target) -> String {
    match own {
        facts::Target::Quantity { op, value } => format!("{}{}", op.symbol(), value.normalize()),
        facts::Target::Range { min, max } => format!("{}–{}", min.normalize(), max.normalize()),
        facts::Target::Met { text, .. } | facts::Target::Quality { text } => format!("“{text}”"),
    }
}

/// The actual value of a quantitative indicator: a derived figure or a
/// typed number, with the figure's kind.
pub fn actual_value(
    figures: &Figures,
    figure: Option<&str>,
    typed: Option<Decimal>,
) -> Result<Option<(Decimal, Option<figures::Kind>)>, Problem> {
    match (figure, typed) {
        (Some(id), _) => {
            let kind = figures
                .get(id)
                .map(|f| f.kind)
                .ok_or_else(|| Problem::Fact {
                    field: "actual_figure",
                    message: format!("没有名为 {id} 的计算值。"),
                })?;
            Ok(Some((figures.require(id)?, Some(kind))))
        }
        (None, Some(actual)) => Ok(Some((actual, None))),
        (None, None) => Ok(None),
    }
}

/// The measured value of a quantitative indicator.
pub struct Actual<'a> {
    pub value: Decimal,
    /// The figure's kind, when the value is a figure.
    pub kind: Option<figures::Kind>,
    /// 实际完成值 as the unit wrote it; printed instead of the number.
    pub text: Option<&'a str>,
}

/// A quantitative target: met → full marks, else in proportion to completion.
pub fn quantity(
    weight: Decimal,
    op: Comparison,
    value: Decimal,
    actual: Actual,
    unit: &str,
) -> Finding {
    let target = format!("{}{}", op.symbol(), display_plain(value, unit));
    let ratio = completion(op, value, actual.value);
    let exceeded = match op {
        Comparison::AtLeast | Comparison::Above => actual.value > value,
        Comparison::AtMost | Comparison::Below => actual.value < value,
        Comparison::Exactly => false,
    };
    Finding {
        score: weight * ratio.min(Decimal::ONE),
        exceeded,
        threshold: target.clone(),
        ratio: Some(num::percent(ratio * Decimal::ONE_HUNDRED)),
        target,
        actual: printed(&actual, unit),
        ..Finding::default()
    }
}

/// A range target, both ends included: inside → full marks, else in
/// proportion to how near the value came (value ÷ min below, max ÷ value
/// above).
pub fn range(weight: Decimal, min: Decimal, max: Decimal, actual: Actual, unit: &str) -> Finding {
    let target = format!("{}–{}", min.normalize(), display_plain(max, unit));
    let x = actual.value;
    let ratio = if x < min {
        completion(Comparison::AtLeast, min, x)
    } else if x > max {
        completion(Comparison::AtMost, max, x)
    } else {
        Decimal::ONE
    };
    Finding {
        score: weight * ratio,
        threshold: target.clone(),
        ratio: Some(num::percent(ratio * Decimal::ONE_HUNDRED)),
        target,
        actual: printed(&actual, unit),
        ..Finding::default()
    }
}

/// A text target the assessor says was met (full marks) or not (none).
pub fn met(weight: Decimal, text: &str, met: bool, actual_text: Option<&str>) -> Finding {
    let word = if met { "达成" } else { "未达成" };
    Finding {
        score: if met { weight } else { Decimal::ZERO },
        target: text.to_string(),
        actual: actual_text.unwrap_or(word).to_string(),
        detail: BTreeMap::from([("met", word.to_string())]),
        ..Finding::default()
    }
}

fn printed(actual: &Actual, unit: &str) -> String {
    match (actual.text, actual.kind) {
        (Some(text), _) => text.to_string(),
        (None, Some(kind)) => display(actual.value, kind, unit),
        (None, None) => display_plain(actual.value, unit),
    }
}

/// How much of a quantitative target was reached, as a fraction (1 = met).
fn completion(op: Comparison, target: Decimal, actual: Decimal) -> Decimal {
    let met = match op {
        Comparison::AtLeast => actual >= target,
        Comparison::AtMost => actual <= target,
        Comparison::Exactly => actual == target,
        Comparison::Above => actual > target,
        Comparison::Below => actual < target,
    };
    if met {
        return Decimal::ONE;
    }
    // Short of a target, points follow completion. A strict target (> <)
    // missed exactly at its mark is 100% complete by that measure, so it
    // keeps full marks: scoring stays continuous at the mark.
    let (small, large) = match op {
        Comparison::AtLeast | Comparison::Above => (actual, target),
        Comparison::AtMost | Comparison::Below => (target, actual),
        Comparison::Exactly => (actual.min(target), actual.max(target)),
    };
    if large.is_zero() || small < Decimal::ZERO {
        return Decimal::ZERO;
    }
    small.checked_div(large).unwrap_or(Decimal::ZERO)
}

fn display_plain(x: Decimal, unit: &str) -> String {
    format!("{}{unit}", x.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::tests::{assess, dec, fact_problem, parse_rule};

    #[test]
    fn quantitative_completion() {
        let c = |op, t: &str, a: &str| completion(op, dec(t), dec(a));
        assert_eq!(c(Comparison::AtLeast, "100", "120"), Decimal::ONE);
        assert_eq!(c(Comparison::AtLeast, "100", "100"), Decimal::ONE);
        assert_eq!(c(Comparison::AtLeast, "100", "90"), dec("0.9"));
        assert_eq!(c(Comparison::AtMost, "10", "20"), dec("0.5"));
        assert_eq!(c(Comparison::AtMost, "10", "10"), Decimal::ONE);
        assert_eq!(c(Comparison::Exactly, "100", "80"), dec("0.8"));
        assert_eq!(c(Comparison::Exactly, "80", "100"), dec("0.8"));
        assert_eq!(c(Comparison::AtLeast, "100", "-5"), Decimal::ZERO);
        assert_eq!(c(Comparison::Above, "100", "101"), Decimal::ONE);
        assert_eq!(c(Comparison::Above, "100", "90"), dec("0.9"));
        assert_eq!(c(Comparison::Below, "10", "5"), Decimal::ONE);
        assert_eq!(c(Comparison::Below, "10", "20"), dec("0.5"));
    }

    #[test]
    fn target_from_the_framework_or_the_facts() {
        let fixed = r#"{ kind = "target", op = ">=", value = 100 }"#;
        let finding = assess(fixed, "30", "actual = 90\nunit = \"%\"")
            .ok()
            .unwrap();
        assert_eq!(finding.score, dec("27"));
        let open = r#"{ kind = "target" }"#;
        let assessed = "target = { op = \"<=\", value = 10 }\nactual = 20";
        assert_eq!(assess(open, "30", assessed).ok().unwrap().score, dec("15"));
        let msg = fact_problem(assess(open, "30", "actual = 20"));
        assert!(msg.starts_with("target: "), "{msg}");
        let msg = fact_problem(assess(fixed, "30", ""));
        assert!(msg.starts_with("actual: "), "{msg}");
        // A rate's target is in percent: 57.50% of the budget was spent.
        let figure =
            r#"{ kind = "target", op = ">=", value = 100, figure = "budget_execution_rate" }"#;
        let finding = assess(figure, "10", "").ok().unwrap();
        assert_eq!(
            (finding.target.as_str(), finding.actual.as_str()),
            ("≥100%", "57.50%")
        );
        let msg = fact_problem(assess(
            open,
            "30",
            "target = { op = \">=\", value = 1 }\nactual_figure = \"nope\"",
        ));
        assert_eq!(msg, "actual_figure: 没有名为 nope 的计算值。");
    }

    #[test]
    fn facts_may_not_contradict_the_frameworks_target() {
        let fixed = r#"{ kind = "target", op = ">=", value = 100 }"#;
        let same = "target = { op = \">=\", value = 100 }\nactual = 90";
        assert_eq!(assess(fixed, "30", same).ok().unwrap().score, dec("27"));
        let other = "target = { op = \">=\", value = 90 }\nactual = 90";
        match assess(fixed, "30", other) {
            Err(Problem::Conflict { field, message }) => {
                assert_eq!(field, "target");
                assert!(
                    message.contains("≥100") && message.contains("≥90"),
                    "{message}"
                );
            }
            _ => panic!("no conflict"),
        }
    }

    #[test]
    fn an_assessment_may_target_a_range_or_a_text() {
        let open = r#"{ kind = "target" }"#;
        let ranged = "target = { min = 90, max = 110 }\nactual = 120";
        let finding = assess(open, "12", ranged).ok().unwrap();
        assert_eq!(
            (finding.score, finding.target.as_str()),
            (dec("11"), "90–110")
        );
        let text = "target = { text = \"按时\", met = false }\nreason = \"延期\"";
        assert_eq!(assess(open, "4", text).ok().unwrap().score, Decimal::ZERO);
        let msg = fact_problem(assess(
            open,
            "4",
            "target = { text = \"按时\", met = false }",
        ));
        assert!(msg.starts_with("reason: "), "{msg}");
        let fixed = r#"{ kind = "target", op = ">=", value = 100 }"#;
        assert!(matches!(
            assess(fixed, "4", ranged),
            Err(Problem::Conflict { .. })
        ));
    }

    #[test]
    fn a_range_and_a_text_met_or_not() {
        let at = |x: &str| {
            let actual = Actual {
                value: dec(x),
                kind: None,
                text: None,
            };
            range(dec("10"), dec("90"), dec("110"), actual, "%").score
        };
        assert_eq!(at("90"), dec("10"));
        assert_eq!(at("110"), dec("10"));
        assert_eq!(at("81"), dec("9"));
        assert_eq!(at("220"), dec("5"));
        let yes = met(dec("4"), "按时完成", true, None);
        assert_eq!((yes.score, yes.actual.as_str()), (dec("4"), "达成"));
        let no = met(dec("4"), "按时完成", false, Some("延期一个月"));
        assert_eq!(
            (no.score, no.actual.as_str()),
            (Decimal::ZERO, "延期一个月")
        );
        // Each form of the facts' target reads as its own variant.
        let form = |text: &str| {
            let a: crate::facts::Assessment = toml::from_str(&format!("target = {text}")).unwrap();
            a.target.unwrap()
        };
        assert!(matches!(
            form(r#"{ op = ">", value = 3 }"#),
            facts::Target::Quantity {
                op: Comparison::Above,
                ..
            }
        ));
        assert!(matches!(
            form("{ min = 90, max = 110 }"),
            facts::Target::Range { .. }
        ));
        assert!(matches!(
            form(r#"{ text = "按时", met = true }"#),
            facts::Target::Met { met: true, .. }
        ));
        assert!(matches!(
            form(r#"{ text = "按时" }"#),
            facts::Target::Quality { .. }
        ));
    }

    #[test]
    fn op_and_value_come_together() {
        let rule = parse_rule(r#"{ kind = "target", value = 100 }"#);
        let msg = rule.check(dec("10")).unwrap_err();
        assert_eq!(msg, "target 规则的 op 和 value 须同时给出或同时省略。");
        assert_eq!(parse_rule(r#"{ kind = "target" }"#).target(), "");
    }

    #[test]
    fn proportional_when_short() {
        let actual = Actual {
            value: dec("90"),
            kind: None,
            text: None,
        };
        let finding = quantity(dec("30"), Comparison::AtLeast, dec("100"), actual, "%");
        assert_eq!(finding.score, dec("27"));
        assert_eq!(finding.target, "≥100%");
        assert_eq!(finding.actual, "90%");
    }
}
