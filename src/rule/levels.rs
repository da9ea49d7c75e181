//! `levels`: named levels with fixed scores (行政效能 好/一般/差 → 6/3/0).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Finding, Indicator, Inputs, Kind, Problem, Stub};
use crate::num;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Levels {
    pub levels: Vec<Level>,
}

/// A named level with a fixed score.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub name: String,
    pub score: Decimal,
}

impl Kind for Levels {
    fn figure(&self) -> Option<&str> {
        None
    }

    fn check(&self, weight: Decimal) -> Result<(), String> {
        let mut names = BTreeSet::new();
        for level in &self.levels {
            super::check_points("levels.score", level.score)?;
            if !names.insert(level.name.as_str()) {
                return Err(format!("等级「{}」重复。", level.name));
            }
            if level.score < Decimal::ZERO || level.score > weight {
                return Err(format!(
                    "等级「{}」的得分 {} 超出 0–{weight} 的范围。",
                    level.name, level.score
                ));
            }
        }
        if self.levels.is_empty() {
            return Err("levels 不能为空。".into());
        }
        Ok(())
    }

    fn target(&self) -> String {
        self.levels
            .first()
            .map(|l| l.name.clone())
            .unwrap_or_default()
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        let name = inputs
            .assessment
            .level
            .as_deref()
            .ok_or_else(|| inputs.need("level", "评价等级"))?;
        let level = self.levels.iter().find(|l| l.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.levels.iter().map(|l| l.name.as_str()).collect();
            Problem::Fact {
                field: "level",
                message: format!("等级「{name}」不存在，可选：{}。", names.join("、")),
            }
        })?;
        Ok(Finding {
            score: level.score,
            target: self.target(),
            actual: inputs.actual_text(|| name.to_string()),
            detail: BTreeMap::from([
                ("level", name.to_string()),
                ("points", num::points(level.score)),
            ]),
            ..Finding::default()
        })
    }

    fn stub(&self, _indicator: &Indicator) -> Option<Stub> {
        let names: Vec<String> = self
            .levels
            .iter()
            .map(|l| format!("{}={}分", l.name, num::points(l.score)))
            .collect();
        let first = self.levels.first().map_or("", |l| l.name.as_str());
        Some(Stub {
            what: format!("按等级计分（{}）", names.join("，")),
            lines: format!("level = \"{first}\"\n"),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::tests::{assess, dec, fact_problem, parse_rule};

    const RULE: &str = r#"{ kind = "levels", levels = [{ name = "好", score = 6 }, { name = "一般", score = 3 }, { name = "差", score = 0 }] }"#;

    #[test]
    fn a_named_level_scores_its_points() {
        let finding = assess(RULE, "6", r#"level = "一般""#).ok().unwrap();
        assert_eq!(finding.score, dec("3"));
        assert_eq!(finding.target, "好");
        assert_eq!(finding.detail["level"], "一般");
        let msg = fact_problem(assess(RULE, "6", r#"level = "很好""#));
        assert_eq!(msg, "level: 等级「很好」不存在，可选：好、一般、差。");
        let msg = fact_problem(assess(RULE, "6", ""));
        assert!(msg.starts_with("level: "), "{msg}");
    }

    #[test]
    fn levels_are_named_once_within_the_weight() {
        assert!(parse_rule(RULE).check(dec("6")).is_ok());
        let msg = parse_rule(RULE).check(dec("5")).unwrap_err();
        assert_eq!(msg, "等级「好」的得分 6 超出 0–5 的范围。");
        let twice = RULE.replace("一般", "好");
        assert_eq!(
            parse_rule(&twice).check(dec("6")).unwrap_err(),
            "等级「好」重复。"
        );
    }
}
