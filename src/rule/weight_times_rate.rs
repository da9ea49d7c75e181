//! `weight_times_rate`: score = weight × rate / 100, the rate capped to
//! 0–100%. (001: 绩效监控完成率.)

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Finding, Indicator, Inputs, Kind, Problem, Stub, from_figure};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightTimesRate {
    /// The figure scored; without it, the facts' `[assess.<id>] value`.
    pub figure: Option<String>,
}

impl WeightTimesRate {
    fn apply(weight: Decimal, x: Decimal) -> Finding {
        let rate = x.min(Decimal::ONE_HUNDRED).max(Decimal::ZERO);
        Finding {
            score: weight * rate / Decimal::ONE_HUNDRED,
            ..Finding::default()
        }
    }
}

impl Kind for WeightTimesRate {
    fn figure(&self) -> Option<&str> {
        self.figure.as_deref()
    }

    fn check(&self, _weight: Decimal) -> Result<(), String> {
        Ok(())
    }

    fn target(&self) -> String {
        "100.00%".into()
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        let weight = inputs.indicator.weight;
        from_figure(self.figure.as_deref(), self.target(), inputs, |x, _, _| {
            Ok(Self::apply(weight, x))
        })
    }

    fn stub(&self, _indicator: &Indicator) -> Option<Stub> {
        super::value_stub(self.figure.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::WeightTimesRate;
    use crate::num::round2;
    use crate::rule::Rule;
    use crate::rule::tests::{dec, parse_rule};
    use rust_decimal::Decimal;

    fn score_of(rule: &str, weight: &str, x: &str) -> Decimal {
        assert!(
            matches!(parse_rule(rule), Rule::WeightTimesRate(_)),
            "{rule}"
        );
        round2(WeightTimesRate::apply(dec(weight), dec(x)).score)
    }

    #[test]
    fn weight_times_rate() {
        let rule = r#"{ kind = "weight_times_rate", figure = "satisfaction_rate" }"#;
        assert_eq!(score_of(rule, "2", "43"), dec("0.86"));
        assert_eq!(score_of(rule, "2", "100"), dec("2"));
        assert_eq!(score_of(rule, "2", "130"), dec("2"));
    }
}
