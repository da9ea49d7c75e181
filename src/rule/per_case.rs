//! `per_case`: `points` off per non-compliant case; floor 0.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Finding, Indicator, Inputs, Kind, Problem, Stub, clamp};
use crate::framework::Role;
use crate::num;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerCase {
    pub points: Decimal,
}

impl Kind for PerCase {
    fn figure(&self) -> Option<&str> {
        None
    }

    fn check(&self, _weight: Decimal) -> Result<(), String> {
        if self.points <= Decimal::ZERO {
            return Err("per_case 的 points 必须大于 0。".into());
        }
        super::check_points("points", self.points)
    }

    fn target(&self) -> String {
        "无不符合要求的情况".into()
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        let weight = inputs.indicator.weight;
        let cases = inputs
            .assessment
            .cases
            .ok_or_else(|| inputs.need("cases", "不符合要求的情况数"))?;
        let lost = self
            .points
            .checked_mul(Decimal::from(cases))
            .unwrap_or(weight);
        // A 扣分 item scores the points it takes; others keep what is left.
        let score = match inputs.indicator.role {
            Role::Penalty => lost.min(weight),
            Role::Base | Role::Bonus => clamp(weight - lost.min(weight), weight),
        };
        Ok(Finding {
            score,
            target: self.target(),
            // 实际完成值 is a count; the case count alone is what it prints.
            actual: inputs.actual_text(|| format!("发现不符合要求的情况{cases}例")),
            detail: BTreeMap::from([
                ("cases", cases.to_string()),
                ("points", num::points(self.points)),
            ]),
            ..Finding::default()
        })
    }

    fn stub(&self, _indicator: &Indicator) -> Option<Stub> {
        Some(Stub {
            what: format!("每发现一例不符合要求的情况扣{}分", num::points(self.points)),
            lines: "cases = 0  # 不符合要求的情况（例）\n".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::tests::{assess, dec, fact_problem, parse_rule};

    const RULE: &str = r#"{ kind = "per_case", points = 1.5 }"#;

    #[test]
    fn points_off_per_case_down_to_zero() {
        assert_eq!(assess(RULE, "6", "cases = 0").ok().unwrap().score, dec("6"));
        assert_eq!(assess(RULE, "6", "cases = 2").ok().unwrap().score, dec("3"));
        assert_eq!(assess(RULE, "6", "cases = 9").ok().unwrap().score, dec("0"));
        let huge = format!("cases = {}", u32::MAX);
        assert_eq!(assess(RULE, "6", &huge).ok().unwrap().score, dec("0"));
        let msg = fact_problem(assess(RULE, "6", ""));
        assert!(
            msg.starts_with("cases: ") && msg.contains("[assess.x]"),
            "{msg}"
        );
    }

    #[test]
    fn points_must_be_positive() {
        let rule = parse_rule(r#"{ kind = "per_case", points = 0 }"#);
        assert_eq!(
            rule.check(dec("6")).unwrap_err(),
            "per_case 的 points 必须大于 0。"
        );
    }
}
