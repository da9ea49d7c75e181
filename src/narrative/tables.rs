//! The tables a section template places with `::table NAME`, built from the
//! score sheet, the facts and the figures rather than written in the template.

use rust_decimal::Decimal;

use crate::display;
use crate::error::{Error, Result};
use crate::num;
use crate::profile::BUILTIN_TABLES;
use crate::report::Table;
use crate::scoring::Scored;

use super::Inputs;

impl Inputs<'_> {
    pub(super) fn build(&self, name: &str) -> Result<Table> {
        match name {
            "first_level" => Ok(self.first_level()),
            "indicators" => Ok(self.indicators()),
            other => self.declared.tables.get(other).cloned().ok_or_else(|| {
                let declared = self.profile.tables.iter().map(|t| t.id.as_str());
                Error::Template {
                    profile: self.profile.id.clone(),
                    template: "::table".into(),
                    location: None,
                    message: format!(
                        "不认识的表格「{other}」；可用的表格：{}。",
                        BUILTIN_TABLES
                            .iter()
                            .copied()
                            .chain(declared)
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                }
            }),
        }
    }

    /// The first-level indicators with the totals (部门整体支出绩效自评得分情况).
    fn first_level(&self) -> Table {
        let sheet = self.sheet;
        // Weights are those that apply: an excluded indicator leaves its branch.
        let row = |name: &str, weight: Decimal, score: Decimal| {
            vec![
                name.to_string(),
                num::points(weight),
                num::points(score),
                score_rate(score, weight),
            ]
        };
        let mut rows: Vec<Vec<String>> = sheet
            .roots
            .iter()
            .map(|r| row(&r.name, r.applicable, r.score))
            .collect();
        rows.push(row("合计", sheet.applicable, sheet.raw));
        if let Some(converted) = sheet.converted {
            rows.push(row("换算得分", sheet.weight, converted));
        }
        for adj in &sheet.adjustments {
            rows.push(vec![
                adj.name.clone(),
                num::points(adj.weight),
                num::points(adj.score),
                String::new(),
            ]);
        }
        if !sheet.adjustments.is_empty() {
            rows.push(row("总分", sheet.weight, sheet.total));
        }
        Table {
            caption: "部门整体支出绩效自评得分情况".into(),
            header: ["一级指标", "分值", "得分", "得分率"]
                .map(String::from)
                .to_vec(),
            rows,
            align: ["left", "center", "center", "center"]
                .map(String::from)
                .to_vec(),
            spans: Vec::new(),
            totals: false,
        }
    }

    /// Every scored indicator with its levels (001's 表 3-2).
    fn indicators(&self) -> Table {
        let sheet = self.sheet;
        let depth = sheet.levels.len();
        let mut rows = Vec::new();
        fn walk(node: &Scored, path: &mut Vec<String>, depth: usize, rows: &mut Vec<Vec<String>>) {
            path.push(node.name.clone());
            match &node.leaf {
                Some(leaf) => {
                    let mut row: Vec<String> = (0..depth)
                        .map(|i| path.get(i).cloned().unwrap_or_default())
                        .collect();
                    row.extend([
                        leaf.target.clone(),
                        leaf.actual.clone(),
                        num::points(node.weight),
                        display::score_cell(node),
                    ]);
                    rows.push(row);
                }
                None => node
                    .children
                    .iter()
                    .for_each(|c| walk(c, path, depth, rows)),
            }
            path.pop();
        }
        for root in sheet.roots.iter().chain(&sheet.adjustments) {
            walk(root, &mut Vec::new(), depth, &mut rows);
        }
        let mut header = sheet.levels.clone();
        header.extend(["指标值", "实际完成值", "分值", "得分"].map(String::from));
        let mut align = vec!["left".to_string(); depth];
        align.extend(["center"; 4].map(String::from));
        Table {
            caption: "各项指标得分情况表".into(),
            header,
            rows,
            align,
            spans: Vec::new(),
            totals: false,
        }
    }
}

/// A score as a share of its weight; a weight of zero has no rate.
fn score_rate(score: Decimal, weight: Decimal) -> String {
    if weight.is_zero() {
        return "-".into();
    }
    num::percent(score * Decimal::ONE_HUNDRED / weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_rate_is_a_percentage_of_the_weight() {
        assert_eq!(score_rate(Decimal::new(95, 1), Decimal::TEN), "95.00%");
        assert_eq!(score_rate(Decimal::ZERO, Decimal::ZERO), "-");
    }
}
