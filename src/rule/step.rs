//! `step`: full marks within `threshold`; `points` off for every whole
//! `step` percentage points beyond it (with `partial`, a started step
//! deducts in proportion); floor 0. (000: 在职人员控制率 each 1 pt over −0.5.)

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Direction, Finding, Indicator, Inputs, Kind, Problem, Stub};
use super::{clamp, deducted, distance, from_figure, side};
use crate::num;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The figure scored; without it, the facts' `[assess.<id>] value`.
    pub figure: Option<String>,
    pub threshold: Decimal,
    pub step: Decimal,
    pub points: Decimal,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub partial: bool,
}

impl Step {
    fn apply(&self, weight: Decimal, x: Decimal) -> Finding {
        let beyond = distance(x, self.threshold, self.direction);
        let steps = beyond
            .checked_div(self.step)
            .map(|s| if self.partial { s } else { s.floor() });
        let score = clamp(
            weight - deducted(steps.and_then(|s| s.checked_mul(self.points))),
            weight,
        );
        Finding {
            score,
            threshold: num::percent(self.threshold),
            detail: BTreeMap::from([
                ("side", side(x, self.threshold).to_string()),
                ("gap", num::points(beyond)),
                ("step", num::points(self.step)),
                ("points", num::points(self.points)),
            ]),
            ..Finding::default()
        }
    }
}

impl Kind for Step {
    fn figure(&self) -> Option<&str> {
        self.figure.as_deref()
    }

    fn check(&self, _weight: Decimal) -> Result<(), String> {
        if self.step <= Decimal::ZERO || self.points < Decimal::ZERO {
            return Err("step 必须大于 0，points 不能为负。".into());
        }
        super::check_points("points", self.points)
    }

    fn target(&self) -> String {
        let threshold = num::percent(self.threshold);
        match self.direction {
            Direction::Above => format!("≤{threshold}"),
            Direction::Below => format!("≥{threshold}"),
            Direction::Both => threshold,
        }
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
        let Rule::Step(step) = parse_rule(rule) else {
            panic!("not step: {rule}")
        };
        round2(step.apply(dec(weight), dec(x)).score)
    }

    #[test]
    fn step_deduction_with_and_without_partial_steps() {
        // 000: 在职人员控制率 ≤100% full; each point over −0.5.
        let rule = r#"{ kind = "step", figure = "staff_control_rate", threshold = 100, step = 1, points = 0.5, direction = "above" }"#;
        assert_eq!(score_of(rule, "5", "100"), dec("5"));
        assert_eq!(score_of(rule, "5", "101"), dec("4.5"));
        assert_eq!(score_of(rule, "5", "101.9"), dec("4.5"));
        assert_eq!(score_of(rule, "5", "91"), dec("5"));
        assert_eq!(score_of(rule, "5", "150"), dec("0"));
        // 000: 预算完成率 each 5% below 100% −2; a started step counts when partial.
        let rule = r#"{ kind = "step", figure = "budget_execution_rate", threshold = 100, step = 5, points = 2, partial = true }"#;
        assert_eq!(score_of(rule, "5", "97.5"), dec("4"));
        let rule = r#"{ kind = "step", figure = "procurement_execution_rate", threshold = 100, step = 5, points = 2, direction = "both" }"#;
        assert_eq!(score_of(rule, "6", "110"), dec("2"));
        assert_eq!(score_of(rule, "6", "90"), dec("2"));
        assert_eq!(score_of(rule, "6", "104.99"), dec("6"));
    }

    #[test]
    fn huge_values_take_all_points_without_overflow() {
        let huge = "79228162514264337593543950335";
        let rule = r#"{ kind = "step", figure = "staff_control_rate", threshold = 0, step = 0.001, points = 1000, direction = "above" }"#;
        assert_eq!(score_of(rule, "5", huge), dec("0"));
    }
}
