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
            "basic_data" => Ok(self.basic_data()),
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

    /// 部门整体支出绩效评价基础数据表 (000), from the facts and figures.
    fn basic_data(&self) -> Table {
        let f = &self.facts.data;
        let grouped = self.profile.money_grouping;
        let money = |v: Decimal| num::money(v, grouped);
        let figure = |id: &str| {
            self.figures
                .get(id)
                .and_then(|fig| {
                    let value = fig.value.clone().ok()?;
                    Some(display::figure(fig.kind, value, grouped))
                })
                .unwrap_or_else(|| "—".into())
        };
        let mut rows = vec![
            vec![
                "编制数（人）".into(),
                figure("staff_establishment"),
                String::new(),
                String::new(),
            ],
            vec![
                "实际在职人数（人）".into(),
                figure("staff_actual"),
                String::new(),
                String::new(),
            ],
            vec![
                "在职人员控制率".into(),
                figure("staff_control_rate"),
                String::new(),
                String::new(),
            ],
            vec![
                "部门基本支出".into(),
                String::new(),
                figure("basic_budget"),
                figure("basic_actual"),
            ],
            vec![
                "其中：公用经费".into(),
                String::new(),
                figure("public_budget"),
                figure("public_actual"),
            ],
        ];
        for (name, item) in f.three_public.items() {
            rows.push(vec![
                format!("“三公”经费：{name}"),
                item.previous.map(money).unwrap_or_else(|| "—".into()),
                money(item.budget),
                money(item.actual),
            ]);
        }
        rows.push(vec![
            "部门项目支出".into(),
            String::new(),
            figure("project_budget"),
            figure("project_actual"),
        ]);
        for p in &f.projects {
            rows.push(vec![
                format!("　{}", p.name),
                String::new(),
                money(p.budget),
                money(p.actual),
            ]);
        }
        rows.push(vec![
            "政府采购金额".into(),
            String::new(),
            figure("procurement_budget"),
            figure("procurement_actual"),
        ]);
        rows.push(vec![
            "部门整体支出预算调整".into(),
            String::new(),
            figure("adjustments"),
            String::new(),
        ]);
        match &f.building {
            Some(b) => rows.push(vec![
                "楼堂馆所：规模（㎡）／投资（万元）".into(),
                String::new(),
                format!(
                    "{}／{}",
                    b.approved_area.normalize(),
                    money(b.approved_investment)
                ),
                format!(
                    "{}／{}",
                    b.actual_area.normalize(),
                    money(b.actual_investment)
                ),
            ]),
            None => rows.push(vec![
                "楼堂馆所（本年完工项目）".into(),
                "无".into(),
                String::new(),
                String::new(),
            ]),
        }
        let year = f.report.year;
        Table {
            caption: "部门整体支出绩效评价基础数据表（金额单位：万元）".into(),
            header: vec![
                "项目".into(),
                format!("{}年决算数／人数", year - 1),
                format!("{year}年预算数"),
                format!("{year}年决算数"),
            ],
            rows,
            align: ["left", "right", "right", "right"]
                .map(String::from)
                .to_vec(),
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
