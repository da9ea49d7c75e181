//! `assessor`: the assessor's score, with a written reason when below the
//! weight.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Finding, Indicator, Inputs, Kind, Problem, Stub};
use crate::framework::Role;
use crate::num;

/// No parameters; unknown keys are ignored, as they always were.
#[derive(Debug, Clone, Deserialize)]
pub struct Assessor {}

impl Kind for Assessor {
    fn figure(&self) -> Option<&str> {
        None
    }

    fn check(&self, _weight: Decimal) -> Result<(), String> {
        Ok(())
    }

    fn target(&self) -> String {
        String::new()
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        let Indicator { name, weight, .. } = inputs.indicator;
        let a = inputs.assessment;
        let score = a.score.ok_or_else(|| inputs.need("score", "评分"))?;
        if score < Decimal::ZERO || score > weight {
            return Err(Problem::Fact {
                field: "score",
                message: format!(
                    "指标「{name}」的评分 {} 超出 0–{} 分。",
                    num::points(score),
                    num::points(weight)
                ),
            });
        }
        if inputs.indicator.needs_reason(score) && a.reason.is_none() {
            return Err(inputs.need("reason", "扣分理由"));
        }
        Ok(Finding {
            score,
            target: inputs.indicator.target.unwrap_or_default().to_string(),
            actual: inputs.actual_text(String::new),
            ..Finding::default()
        })
    }

    fn stub(&self, indicator: &Indicator) -> Option<Stub> {
        let w = num::points(indicator.weight);
        let actual = indicator.target.unwrap_or_default();
        // A 加分 or 扣分 item starts at nothing added or taken, which needs
        // no reason; a base indicator at full marks.
        if indicator.role != Role::Base {
            return Some(Stub {
                what: indicator.standard.unwrap_or("评价人评分").into(),
                lines: format!(
                    "score = 0  # 加分或扣分（0–{w}）\n\
                     # reason = \"…\"  # 有加分或扣分时必须写明理由\n"
                ),
            });
        }
        Some(Stub {
            what: indicator.standard.unwrap_or("评价人评分").into(),
            lines: format!(
                "score = {w}  # 评分（0–{w}）\n\
                 actual_text = \"{actual}\"  # 实际完成情况\n\
                 # reason = \"…\"  # 扣分时必须写明理由\n"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::tests::{assess, dec, fact_problem};

    const RULE: &str = r#"{ kind = "assessor" }"#;

    #[test]
    fn the_assessors_score_with_a_reason_when_below_the_weight() {
        let finding = assess(RULE, "30", "score = 30").ok().unwrap();
        assert_eq!(finding.score, dec("30"));
        assert_eq!(finding.actual, "");
        let finding = assess(RULE, "30", "score = 28\nreason = \"满意度 96%。\"")
            .ok()
            .unwrap();
        assert_eq!(finding.score, dec("28"));
        let msg = fact_problem(assess(RULE, "30", "score = 28"));
        assert!(msg.starts_with("reason: "), "{msg}");
        let msg = fact_problem(assess(RULE, "30", "score = 31"));
        assert_eq!(msg, "score: 指标「指标」的评分 31 超出 0–30 分。");
    }
}
