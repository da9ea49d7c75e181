//! `tiers`: qualitative tiers (达成/部分达成/未达成); the assessor's score
//! must fall inside the chosen tier. Without `tiers`, the framework's
//! `[qualitative]` tiers apply. A unit's own qualitative indicators are
//! scored the same way (`quality`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Finding, Indicator, Inputs, Kind, Problem, Stub};
use crate::num::{self, round2};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    pub tiers: Option<Vec<Tier>>,
}

/// A tier as a share of the weight in percent: `min < score ≤ max`, except
/// that the lowest tier includes its minimum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: String,
    pub min: Decimal,
    pub max: Decimal,
}

/// Tiers must be ordered from best to worst, within 0–100% of the weight,
/// each with min below max, touching the next. `Err` is the message.
pub fn check_tiers(tiers: &[Tier]) -> Result<(), String> {
    if tiers.is_empty() {
        return Err("tiers 不能为空。".into());
    }
    for t in tiers {
        if t.min < Decimal::ZERO || t.max > Decimal::ONE_HUNDRED || t.min >= t.max {
            return Err(format!(
                "档次「{}」的范围 {}%–{}% 不合理：应满足 0 ≤ min < max ≤ 100。",
                t.name, t.min, t.max
            ));
        }
    }
    for pair in tiers.windows(2) {
        if pair[0].min != pair[1].max {
            return Err(format!(
                "档次应从高到低排列且首尾相接：「{}」的下限 {}% 应等于「{}」的上限 {}%。",
                pair[0].name, pair[0].min, pair[1].name, pair[1].max
            ));
        }
    }
    Ok(())
}

impl Kind for Tiers {
    fn figure(&self) -> Option<&str> {
        None
    }

    fn check(&self, _weight: Decimal) -> Result<(), String> {
        match &self.tiers {
            Some(tiers) => check_tiers(tiers),
            None => Ok(()),
        }
    }

    fn target(&self) -> String {
        String::new()
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        let a = inputs.assessment;
        let tiers = self.tiers.as_deref().unwrap_or(inputs.qualitative);
        let tier = a
            .tier
            .as_deref()
            .ok_or_else(|| inputs.need("tier", "评价档次"))?;
        let score = a.score.ok_or_else(|| inputs.need("score", "评分"))?;
        let judgement = Judgement {
            tier,
            score,
            actual: inputs.actual_text(|| tier.to_string()),
            reason: a.reason.as_deref(),
        };
        let indicator = &inputs.indicator;
        quality(
            indicator.name,
            indicator.weight,
            tiers,
            indicator.target.unwrap_or_default(),
            judgement,
        )
    }

    fn stub(&self, indicator: &Indicator) -> Option<Stub> {
        let w = num::points(indicator.weight);
        let first = self
            .tiers
            .as_ref()
            .and_then(|t| t.first())
            .map_or("达成".to_string(), |t| t.name.clone());
        Some(Stub {
            what: "定性指标，评价人在所选档次内打分".into(),
            lines: format!(
                "tier = \"{first}\"  # 档次\n\
                 score = {w}  # 评分，须在档次范围内\n\
                 actual_text = \"{first}\"  # 实际完成情况\n\
                 # reason = \"…\"  # 扣分时必须写明理由\n"
            ),
        })
    }
}

/// The assessor's finding on a qualitative indicator.
pub struct Judgement<'a> {
    /// The tier chosen.
    pub tier: &'a str,
    pub score: Decimal,
    /// 实际完成值 as printed.
    pub actual: String,
    /// Why points were lost.
    pub reason: Option<&'a str>,
}

/// A qualitative finding on indicator `name`: the assessor's score must
/// fall inside the chosen tier, and a lost point needs a written reason.
pub fn quality(
    name: &str,
    weight: Decimal,
    tiers: &[Tier],
    target: &str,
    judgement: Judgement,
) -> Result<Finding, Problem> {
    let Judgement {
        tier: tier_name,
        score,
        actual,
        reason,
    } = judgement;
    let tier = tiers.iter().find(|t| t.name == tier_name).ok_or_else(|| {
        let names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
        Problem::Fact {
            field: "tier",
            message: format!("档次「{tier_name}」不存在，可选：{}。", names.join("、")),
        }
    })?;
    let low = round2(weight * tier.min / Decimal::ONE_HUNDRED);
    let high = round2(weight * tier.max / Decimal::ONE_HUNDRED);
    if score < low || score > high {
        return Err(Problem::Fact {
            field: "score",
            message: format!(
                "指标「{name}」评为「{tier_name}」，得分应在 {}–{} 分之间，现为 {} 分。",
                num::points(low),
                num::points(high),
                num::points(score)
            ),
        });
    }
    if score < weight && reason.is_none() {
        return Err(Problem::Fact {
            field: "reason",
            message: format!("定性指标「{name}」扣了分，请在 reason 中写明扣分理由。"),
        });
    }
    Ok(Finding {
        score,
        target: target.to_string(),
        actual,
        detail: BTreeMap::from([("tier", tier_name.to_string())]),
        ..Finding::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::tests::{assess, dec, fact_problem, parse_rule};

    fn default_tiers() -> Vec<Tier> {
        [("达成", 80, 100), ("部分达成", 60, 80), ("未达成", 0, 60)]
            .into_iter()
            .map(|(name, min, max)| Tier {
                name: name.into(),
                min: min.into(),
                max: max.into(),
            })
            .collect()
    }

    fn judge(tier: &str, score: &str, reason: Option<&str>) -> Result<Finding, Problem> {
        let judgement = Judgement {
            tier,
            score: dec(score),
            actual: "提高".into(),
            reason,
        };
        quality("生活质量", dec("9"), &default_tiers(), "", judgement)
    }

    fn field(problem: Problem) -> &'static str {
        match problem {
            Problem::Fact { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn score_within_the_tier_and_reason_for_lost_points() {
        assert_eq!(judge("达成", "8", Some("理由")).unwrap().score, dec("8"));
        assert_eq!(judge("达成", "9", None).unwrap().score, dec("9"));
        assert_eq!(
            field(judge("达成", "7", Some("理由")).err().unwrap()),
            "score"
        );
        assert_eq!(field(judge("达成", "8", None).err().unwrap()), "reason");
        assert_eq!(field(judge("很好", "8", None).err().unwrap()), "tier");
    }

    #[test]
    fn a_rule_may_bring_its_own_tiers() {
        let rule = r#"{ kind = "tiers", tiers = [{ name = "好", min = 50, max = 100 }, { name = "差", min = 0, max = 50 }] }"#;
        let finding = assess(
            rule,
            "10",
            "tier = \"好\"\nscore = 6\nreason = \"略有不足\"",
        )
        .ok()
        .unwrap();
        assert_eq!(finding.score, dec("6"));
        assert_eq!(finding.actual, "好");
        assert_eq!(finding.detail["tier"], "好");
        let msg = fact_problem(assess(rule, "10", "score = 6"));
        assert!(msg.starts_with("tier: "), "{msg}");
        let msg = fact_problem(assess(rule, "10", "tier = \"好\""));
        assert!(msg.starts_with("score: "), "{msg}");
        assert!(parse_rule(rule).check(dec("10")).is_ok());
    }

    #[test]
    fn tiers_must_touch_from_best_to_worst() {
        assert!(check_tiers(&default_tiers()).is_ok());
        let mut gap = default_tiers();
        gap[1].min = dec("70");
        let msg = check_tiers(&gap).unwrap_err();
        assert!(msg.contains("首尾相接"), "{msg}");
        assert!(check_tiers(&[]).is_err());
    }
}
