//! `linear`: full marks at `full`, `per_point` points off per percentage
//! point away from it in `direction`; floor 0. (002: 预算执行率 99.93% → 9.93
//! of 10.)

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Direction, Finding, Indicator, Inputs, Kind, Problem, Stub};
use super::{clamp, deducted, distance, from_figure, side};
use crate::num;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linear {
    /// The figure scored; without it, the facts' `[assess.<id>] value`.
    pub figure: Option<String>,
    #[serde(default = "hundred")]
    pub full: Decimal,
    pub per_point: Decimal,
    #[serde(default)]
    pub direction: Direction,
}

fn hundred() -> Decimal {
    Decimal::ONE_HUNDRED
}

impl Linear {
    fn apply(&self, weight: Decimal, x: Decimal) -> Finding {
        let gap = distance(x, self.full, self.direction);
        Finding {
            score: clamp(weight - deducted(gap.checked_mul(self.per_point)), weight),
            threshold: num::percent(self.full),
            detail: BTreeMap::from([
                ("side", side(x, self.full).to_string()),
                ("gap", num::points(gap)),
                ("per_point", num::points(self.per_point)),
            ]),
            ..Finding::default()
        }
    }
}

impl Kind for Linear {
    fn figure(&self) -> Option<&str> {
        self.figure.as_deref()
    }

    fn check(&self, _weight: Decimal) -> Result<(), String> {
        if self.per_point <= Decimal::ZERO {
            return Err("per_point 必须大于 0。".into());
        }
        Ok(())
    }

    fn target(&self) -> String {
        num::percent(self.full)
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        let weight = inputs.indicator.weight;
        from_figure(self.figure.as_deref(), self.target(), inputs, |x, _, _| {
            Ok(self.apply(weight, x))
        })
    }

    fn stub(&self, _indicator: &Indicator) -> Option<Stub> {
        super::value_stub(self.figure.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use crate::num::round2;
    use crate::rule::Rule;
    use crate::rule::tests::{dec, parse_rule};
    use rust_decimal::Decimal;

    fn score_of(rule: &str, weight: &str, x: &str) -> Decimal {
        let Rule::Linear(linear) = parse_rule(rule) else {
            panic!("not linear: {rule}")
        };
        round2(linear.apply(dec(weight), dec(x)).score)
    }

    #[test]
    fn linear_deduction_per_point() {
        let rule = r#"{ kind = "linear", figure = "budget_execution_rate", per_point = 1 }"#;
        // Reference 002: 99.93% of 10 points scores 9.93.
        assert_eq!(score_of(rule, "10", "99.93"), dec("9.93"));
        assert_eq!(score_of(rule, "10", "100"), dec("10"));
        assert_eq!(score_of(rule, "10", "120"), dec("10"));
        // Floor at 0.
        assert_eq!(score_of(rule, "10", "50"), dec("0"));
    }

    #[test]
    fn huge_values_take_all_points_without_overflow() {
        let huge = "79228162514264337593543950335";
        let rule = r#"{ kind = "linear", figure = "staff_control_rate", per_point = 1000, direction = "above" }"#;
        assert_eq!(score_of(rule, "5", huge), dec("0"));
    }
}
