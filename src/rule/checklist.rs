//! `checklist`: each item met earns its points; the items' points add up
//! to the weight.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Finding, Indicator, Inputs, Kind, Problem, Stub};
use crate::num;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub items: Vec<ChecklistItem>,
}

/// One item of a checklist and the points it earns when met.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub text: String,
    pub points: Decimal,
}

impl Kind for Checklist {
    fn figure(&self) -> Option<&str> {
        None
    }

    fn check(&self, weight: Decimal) -> Result<(), String> {
        for item in &self.items {
            super::check_points("items.points", item.points)?;
        }
        let sum: Decimal = self.items.iter().map(|i| i.points).sum();
        if self.items.is_empty() || sum != weight {
            return Err(format!("检查项分值之和为 {sum}，应等于指标分值 {weight}。"));
        }
        Ok(())
    }

    fn target(&self) -> String {
        format!("满足全部 {} 项", self.items.len())
    }

    fn score(&self, inputs: &Inputs) -> Result<Finding, Problem> {
        let items = &self.items;
        let met = inputs
            .assessment
            .met
            .as_ref()
            .ok_or_else(|| inputs.need("met", "各检查项是否满足"))?;
        if met.len() != items.len() {
            return Err(Problem::Fact {
                field: "met",
                message: format!(
                    "指标「{}」有 {} 个检查项，met 却列了 {} 项。",
                    inputs.indicator.name,
                    items.len(),
                    met.len()
                ),
            });
        }
        let score: Decimal = items
            .iter()
            .zip(met)
            .filter(|(_, m)| **m)
            .map(|(i, _)| i.points)
            .sum();
        let missed: Vec<&str> = items
            .iter()
            .zip(met)
            .filter(|(_, m)| !**m)
            .map(|(i, _)| i.text.trim_end_matches(['。', '；', ';']))
            .collect();
        let met_count = met.iter().filter(|m| **m).count();
        Ok(Finding {
            score,
            target: self.target(),
            actual: inputs.actual_text(|| format!("{} 项检查中满足 {met_count} 项", items.len())),
            detail: BTreeMap::from([
                ("items", items.len().to_string()),
                ("met", met_count.to_string()),
                ("missed", missed.join("；")),
            ]),
            ..Finding::default()
        })
    }

    fn stub(&self, _indicator: &Indicator) -> Option<Stub> {
        let mut lines = String::new();
        for (i, item) in self.items.iter().enumerate() {
            lines.push_str(&format!(
                "#   {}. {}（{}分）\n",
                i + 1,
                item.text,
                num::points(item.points)
            ));
        }
        let met = vec!["true"; self.items.len()].join(", ");
        lines.push_str(&format!(
            "met = [{met}]  # 各项是否满足，依次对应上列各项\n"
        ));
        Some(Stub {
            what: "逐项检查，满足一项得该项分值".into(),
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::tests::{assess, dec, fact_problem, parse_rule};

    const RULE: &str = r#"{ kind = "checklist", items = [{ text = "有制度。", points = 2 }, { text = "执行制度", points = 3 }] }"#;

    #[test]
    fn each_met_item_earns_its_points() {
        let finding = assess(RULE, "5", "met = [false, true]").ok().unwrap();
        assert_eq!(finding.score, dec("3"));
        assert_eq!(finding.actual, "2 项检查中满足 1 项");
        assert_eq!(finding.detail["missed"], "有制度");
        let msg = fact_problem(assess(RULE, "5", "met = [true]"));
        assert_eq!(msg, "met: 指标「指标」有 2 个检查项，met 却列了 1 项。");
    }

    #[test]
    fn items_add_up_to_the_weight() {
        assert!(parse_rule(RULE).check(dec("5")).is_ok());
        let msg = parse_rule(RULE).check(dec("6")).unwrap_err();
        assert_eq!(msg, "检查项分值之和为 5，应等于指标分值 6。");
    }
}
