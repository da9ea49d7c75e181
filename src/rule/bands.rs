//! `bands`: ordered bands of the figure, each giving a fixed score. (000:
//! 预算控制率, 满意度.)

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Finding, Indicator, Inputs, Kind, Problem, Stub, from_figure};
use crate::num;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// The figure scored; without it, the facts' `[assess.<id>] value`.
    pub figure: Option<String>,
    pub bands: Vec<Band>,
}

/// A band `[from, to]` of a figure; ends are inclusive unless marked open.
/// A missing end is unbounded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub from: Option<Decimal>,
    pub to: Option<Decimal>,
    #[serde(default)]
    pub from_open: bool,
    #[serde(default)]
    pub to_open: bool,
    pub score: Decimal,
}

impl Band {
    pub fn contains(&self, x: Decimal) -> bool {
        let above = match self.from {
            None => true,
            Some(f) if self.from_open => x > f,
            Some(f) => x >= f,
        };
        let below = match self.to {
            None => true,
            Some(t) if self.to_open => x < t,
            Some(t) => x <= t,
        };
        above && below
    }

    fn describe(&self) -> String {
        let from = self.from.map_or("-∞".to_string(), |f| f.to_string());
        let to = self.to.map_or("+∞".to_string(), |t| t.to_string());
        format!(
            "{}{from}, {to}{}",
            if self.from_open { "(" } else { "[" },
            if self.to_open { ")" } else { "]" }
        )
    }
}

impl Bands {
    /// The band `x` falls in; `Err` says it falls in none.
    fn apply(&self, x: Decimal, label: &str, shown: &str) -> Result<Finding, String> {
        let band = self
            .bands
            .iter()
            .find(|b| b.contains(x))
            .ok_or_else(|| format!("{label}为{shown}，不在任何档位内；请补全 bands。"))?;
        Ok(Finding {
            score: band.score,
            threshold: band.describe(),
            detail: BTreeMap::from([("points", num::points(band.score))]),
            ..Finding::default()
        })
    }
}

impl Kind for Bands {
    fn figure(&self) -> Option<&str> {
        self.figure.as_deref()
    }

    /// Bands must be in ascending order, touch without overlapping, and
    /// give scores within the weight.
    fn check(&self, weight: Decimal) -> Result<(), String> {
        let bands = &self.bands;
        if bands.is_empty() {
            return Err("bands 不能为空。".into());
        }
        for band in bands {
            super::check_points("bands.score", band.score)?;
            if band.score < Decimal::ZERO || band.score > weight {
                return Err(format!("档位得分 {} 超出 0–{weight} 的范围。", band.score));
            }
        }
        // Rates are never below 0 but may exceed any bound: the bands must
        // start at 0 (or below) and leave the top open.
        let first = &bands[0];
        let starts = match first.from {
            None => true,
            Some(f) => f <= Decimal::ZERO && !(f.is_zero() && first.from_open),
        };
        let last = &bands[bands.len() - 1];
        if !starts || last.to.is_some() {
            return Err(format!(
                "档位须覆盖全部取值：第一档应从 0（含）或 -∞ 开始，最后一档应不设上限；现为 {} … {}。",
                first.describe(),
                last.describe()
            ));
        }
        for pair in bands.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let ok = match (a.to, b.from) {
                (Some(t), Some(f)) => t == f && (a.to_open != b.from_open),
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "档位 {} 与 {} 重叠或不衔接：前一档的上限须等于后一档的下限，且恰好一端包含该值。",
                    a.describe(),
                    b.describe()
                ));
            }
        }
        Ok(())
    }

    fn target(&self) -> String {
        "按档位计分".into()
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        from_figure(
            self.figure.as_deref(),
            self.target(),
            inputs,
            |x, label, shown| self.apply(x, label, shown),
        )
    }

    fn stub(&self, _indicator: &Indicator) -> Option<Stub> {
        super::value_stub(self.figure.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::round2;
    use crate::rule::Rule;
    use crate::rule::tests::{dec, parse_rule};

    fn bands(rule: &str) -> Bands {
        let Rule::Bands(bands) = parse_rule(rule) else {
            panic!("not bands: {rule}")
        };
        bands
    }

    fn score_of(rule: &str, x: &str) -> Decimal {
        round2(bands(rule).apply(dec(x), "指标", "x").unwrap().score)
    }

    #[test]
    fn bands_at_their_edges() {
        // 000: 满意度 ≥90% → 6, 80–90% → 4, 70–80% → 2, below 70% → 0.
        let rule = r#"{ kind = "bands", figure = "satisfaction_rate", bands = [
            { to = 70, to_open = true, score = 0 },
            { from = 70, to = 80, to_open = true, score = 2 },
            { from = 80, to = 90, to_open = true, score = 4 },
            { from = 90, score = 6 },
        ] }"#;
        assert_eq!(score_of(rule, "90"), dec("6"));
        assert_eq!(score_of(rule, "89.99"), dec("4"));
        assert_eq!(score_of(rule, "80"), dec("4"));
        assert_eq!(score_of(rule, "69.99"), dec("0"));
        let rule = bands(
            r#"{ kind = "bands", figure = "satisfaction_rate", bands = [{ from = 90, score = 6 }] }"#,
        );
        let err = rule.apply(dec("50"), "满意度", "50.00%").unwrap_err();
        assert!(err.contains("不在任何档位"), "{err}");
    }

    #[test]
    fn band_edges() {
        let band = Band {
            from: Some(Decimal::ZERO),
            to: Some(Decimal::TEN),
            from_open: true,
            to_open: false,
            score: Decimal::ONE,
        };
        assert!(!band.contains(Decimal::ZERO));
        assert!(band.contains(Decimal::TEN));
        assert!(band.contains(Decimal::new(1, 2)));
    }
}
