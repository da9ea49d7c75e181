//! The annex 部门整体支出绩效自评表, built from the score sheet: one row per
//! scored leaf, grouped level cells merged, totals from the tree.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::display;
use crate::facts::{Facts, FactsFile, Goal};
use crate::figures::Figures;
use crate::num;
use crate::profile::Profile;
use crate::report::{Annex, AnnexBudget, AnnexGoal, AnnexRow, SpanCell};
use crate::scoring::{ScoreSheet, Scored};

/// The annex of one unit; `date` is the report date, already checked, if
/// the facts give one; `notes` the worded notes of the leaves that lost
/// points, by id (`narrative::annex_notes`).
pub fn build(
    profile: &Profile,
    facts: &FactsFile,
    figures: &Figures,
    sheet: &ScoreSheet,
    date: Option<NaiveDate>,
    notes: &BTreeMap<String, String>,
) -> Annex {
    let f = &facts.data;
    let grouped = profile.money_grouping;
    let money = |id: &str| {
        figures
            .get(id)
            .and_then(|fig| fig.value.clone().ok())
            .map(|v| num::money(v, grouped))
            .unwrap_or_default()
    };
    let budget_leaf = profile
        .annex
        .budget_indicator
        .as_deref()
        .and_then(|id| sheet.roots.iter().find(|r| r.id == id && r.leaf.is_some()));
    let budget = AnnexBudget {
        initial: money("budget_initial"),
        full: money("budget_full"),
        actual: money("actual_total"),
        weight: budget_leaf
            .map(|l| num::points(l.weight))
            .unwrap_or_default(),
        rate: figures
            .get("budget_execution_rate")
            .and_then(|fig| fig.value.clone().ok())
            .map(num::percent)
            .unwrap_or_default(),
        score: budget_leaf
            .map(|l| num::points(l.score))
            .unwrap_or_default(),
        basic: money("basic_actual"),
        project: money("project_actual"),
    };

    // 加分 and 扣分 items follow the base, as their points are part of the
    // total.
    let shown: Vec<&Scored> = sheet
        .roots
        .iter()
        .chain(&sheet.adjustments)
        .filter(|root| budget_leaf.is_none_or(|b| b.id != root.id))
        .collect();
    let rows = indicator_rows(&shown, sheet.levels.len(), notes);
    let footer = vec![signature(f, date).join("　　")];

    Annex {
        label: profile.annex.label.clone(),
        title: profile.annex_title(f.report.year, &f.unit.name),
        unit: f.unit.name.clone(),
        money_unit: "单位：万元".into(),
        budget,
        goals: goals(&f.goals),
        level_names: sheet.levels.clone(),
        rows,
        total_weight: num::points(sheet.weight),
        total_score: num::points(sheet.total),
        conversion: sheet.converted.map(|c| {
            format!(
                "适用指标得分 {} / {}，换算得分 {}",
                num::points(sheet.raw),
                num::points(sheet.applicable),
                num::points(c)
            )
        }),
        grade: sheet.grade.clone(),
        footer,
    }
}

/// The 年度总体目标 rows: each goal's expected and achieved text.
pub fn goals(goals: &[Goal]) -> Vec<AnnexGoal> {
    goals
        .iter()
        .map(|g| AnnexGoal {
            expected: g.expected.clone(),
            achieved: g.achieved.clone(),
        })
        .collect()
}

/// One row per leaf below `roots`, in tree order: a cell per level, the
/// cell of a group spanning its rows (`None` under it), and the leaf's
/// values; `notes` are the 偏差原因分析及改进措施 by leaf id. The
/// department's 自评表 and each project's table are laid out alike.
pub fn indicator_rows(
    roots: &[&Scored],
    levels: usize,
    notes: &BTreeMap<String, String>,
) -> Vec<AnnexRow> {
    // (ancestor path, leaf) for every leaf shown as a row.
    let mut paths: Vec<(Vec<&Scored>, &Scored)> = Vec::new();
    for root in roots {
        collect(root, &mut Vec::new(), &mut paths);
    }
    paths
        .iter()
        .enumerate()
        .map(|(i, (path, leaf))| {
            let cells = (0..levels)
                .map(|level| {
                    let Some(node) = path.get(level) else {
                        return Some(SpanCell {
                            text: String::new(),
                            name: String::new(),
                            weight: String::new(),
                            rowspan: 1,
                        });
                    };
                    let same_group = |other: &(Vec<&Scored>, &Scored)| {
                        other.0.get(level).is_some_and(|n| n.id == node.id)
                    };
                    if i > 0 && same_group(&paths[i - 1]) {
                        return None;
                    }
                    let rowspan = paths[i..].iter().take_while(|p| same_group(p)).count();
                    let text = if level == 0 && node.leaf.is_none() {
                        format!("{}（{}分）", node.name, num::points(node.weight))
                    } else {
                        node.name.clone()
                    };
                    Some(SpanCell {
                        text,
                        name: node.name.clone(),
                        weight: num::points(node.weight),
                        rowspan,
                    })
                })
                .collect();
            let detail = leaf.leaf.as_ref().expect("collected leaves only");
            AnnexRow {
                levels: cells,
                target: detail.target.clone(),
                actual: detail.actual.clone(),
                weight: num::points(leaf.weight),
                score: display::score_cell(leaf),
                standard: leaf.standard.clone().unwrap_or_default(),
                description: leaf.description.clone().unwrap_or_default(),
                note: notes.get(&leaf.id).cloned().unwrap_or_default(),
                remark: detail.remark.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// The parts of the line every annex table ends with: 填表人, 填报日期,
/// 联系电话 as the facts give them, and room for 单位负责人签字.
pub fn signature(f: &Facts, date: Option<NaiveDate>) -> Vec<String> {
    let mut signed = Vec::new();
    if let Some(p) = &f.report.preparer {
        signed.push(format!("填表人：{p}"));
    }
    if let Some(date) = date {
        signed.push(format!("填报日期：{}", date.format("%Y.%-m.%-d")));
    }
    if let Some(phone) = &f.report.phone {
        signed.push(format!("联系电话：{phone}"));
    }
    signed.push("单位负责人签字：".into());
    signed
}

fn collect<'a>(
    node: &'a Scored,
    path: &mut Vec<&'a Scored>,
    out: &mut Vec<(Vec<&'a Scored>, &'a Scored)>,
) {
    path.push(node);
    if node.leaf.is_some() {
        out.push((path.clone(), node));
    } else {
        for child in &node.children {
            collect(child, path, out);
        }
    }
    path.pop();
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The example's annex under hunan-2024, whose 预算执行率 (`budget`) is a
    /// first-level leaf, with `indicator` as the budget indicator.
    fn annex(indicator: Option<&str>) -> Annex {
        let mut profile = Profile::builtin("hunan-2024").unwrap();
        profile.annex.budget_indicator = indicator.map(String::from);
        let example = include_str!("../data/example.toml");
        let facts = FactsFile::parse(Path::new("example.toml"), example.into()).unwrap();
        let figures = Figures::compute(&facts, &profile.figures);
        let sheet = ScoreSheet::compute(&profile.framework, &facts, &figures).unwrap();
        let declared = crate::declared::read(&profile, &facts).unwrap();
        let engine = crate::narrative::engine(&profile).unwrap();
        let inputs = crate::narrative::Inputs {
            profile: &profile,
            facts: &facts,
            figures: &figures,
            sheet: &sheet,
            declared: &declared,
        };
        let notes = crate::narrative::annex_notes(&engine, &inputs).unwrap();
        build(
            &profile,
            &facts,
            &figures,
            &sheet,
            facts.report_date().unwrap(),
            &notes,
        )
    }

    fn has_row(annex: &Annex, name: &str) -> bool {
        annex
            .rows
            .iter()
            .any(|r| r.levels[0].as_ref().is_some_and(|c| c.name == name))
    }

    #[test]
    fn the_budget_indicator_moves_into_the_budget_block() {
        let split = annex(Some("budget"));
        assert_eq!(split.budget.weight, "10");
        assert!(!has_row(&split, "预算执行率"));

        let whole = annex(None);
        assert_eq!(whole.budget.weight, "");
        assert_eq!(whole.budget.score, "");
        assert!(has_row(&whole, "预算执行率"));
        assert_eq!(whole.rows.len(), split.rows.len() + 1);
    }
}
