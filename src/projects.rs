//! The annex 项目支出绩效自评表: one table per project the facts describe
//! (a project with indicators of its own). Its 预算执行率 earns the
//! profile's execution weight times the rate, capped at 100%; its
//! indicators are scored exactly like the unit's own under the framework's
//! open branches ([`Scorer::own_leaf`]); the total is the sum of the rows.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::Spanned;

use crate::annex::{goals, indicator_rows, signature};
use crate::error::Result;
use crate::facts::{FactsFile, IndicatorFact, Project};
use crate::figures::Figures;
use crate::framework::{Framework, Node};
use crate::narrative::{self, Engine};
use crate::num::{self, round2};
use crate::profile::{self, Profile, ProjectsAnnex};
use crate::report::{ProjectMoney, ProjectSheet, ProjectSource};
use crate::scoring::{Scored, Scorer, check_branch};

/// The sheets of every project with indicators, in facts order; none when
/// the profile has no such annex. `date` is the report date, if any.
pub fn build(
    profile: &Profile,
    facts: &FactsFile,
    figures: &Figures,
    engine: &Engine,
    date: Option<NaiveDate>,
) -> Result<Vec<ProjectSheet>> {
    let Some(spec) = &profile.annex.projects else {
        return Ok(Vec::new());
    };
    let scorer = Scorer::new(&profile.framework, facts, figures);
    let described = facts.data.projects.iter().enumerate();
    described
        .filter(|(_, project)| !project.indicators.is_empty())
        .map(|(n, project)| {
            let score = score(&scorer, &profile.framework, spec, facts, n, project)?;
            let leaves = score.roots.iter().flat_map(Scored::leaves);
            let notes = narrative::leaf_notes(engine, profile, figures, leaves)?;
            let roots: Vec<&Scored> = score.roots.iter().collect();
            let levels = &profile.framework.header.levels;
            let f = &facts.data;
            let money = |v: Decimal| num::money(v, profile.money_grouping);
            let weight = num::points(spec.execution_weight);
            Ok(ProjectSheet {
                label: spec.label.clone(),
                title: profile::fill_pattern(&spec.title, f.report.year, &f.unit.name),
                name: project.name.clone(),
                category: project.category.clone().unwrap_or_default(),
                department: project.department.clone().unwrap_or(f.unit.name.clone()),
                implementer: project.implementer.clone().unwrap_or(f.unit.name.clone()),
                money: ProjectMoney {
                    initial: money(project.budget),
                    full: money(project.full_budget()),
                    actual: money(project.actual),
                    weight: weight.clone(),
                    rate: num::percent(score.rate),
                    score: num::points(score.execution),
                },
                sources: project
                    .funds
                    .iter()
                    .flat_map(|funds| funds.lines())
                    .map(|(_, name, line)| ProjectSource {
                        name: name.into(),
                        initial: line.map(|l| money(l.budget)).unwrap_or_default(),
                        full: line.map(|l| money(l.full_budget())).unwrap_or_default(),
                        actual: line.map(|l| money(l.actual)).unwrap_or_default(),
                    })
                    .collect(),
                goals: goals(&project.goals),
                level_names: levels.clone(),
                rows: indicator_rows(&roots, levels.len(), &notes),
                total_label: format!("总分（含预算执行率{weight}分）"),
                total_weight: num::points(profile.framework.header.total),
                total_score: num::points(score.total),
                notes: spec.notes.clone(),
                signature: signature(&facts.data, date).join("　　"),
            })
        })
        .collect()
}

/// One project's scores, before they are printed.
#[derive(Debug)]
struct ProjectScore {
    /// 执行率 in percent, rounded.
    rate: Decimal,
    /// 预算执行率's 得分.
    execution: Decimal,
    /// The framework's branches that hold the project's indicators.
    roots: Vec<Scored>,
    /// `execution` plus the scores of `roots`.
    total: Decimal,
}

/// Scores project `n` (from 0): its indicators must hang under open
/// branches and weigh, together, the framework's total less the execution
/// weight.
fn score(
    scorer: &Scorer,
    framework: &Framework,
    spec: &ProjectsAnnex,
    facts: &FactsFile,
    n: usize,
    project: &Project,
) -> Result<ProjectScore> {
    let field = format!("projects[{}].indicators", n + 1);
    for indicator in &project.indicators {
        check_branch(framework, facts, indicator, &field)?;
    }
    let share = framework.header.total - spec.execution_weight;
    let sum: Decimal = project.indicators.iter().map(|i| i.get_ref().weight).sum();
    if sum != share {
        return Err(facts.fact_error(
            Some(project.indicators[0].span().start),
            &format!("{field}.weight"),
            format!(
                "项目「{}」各指标分值之和为 {}，应为 {}（总分 {} 减去预算执行率 {} 分）；请调整各指标的 weight。",
                project.name,
                num::points(sum),
                num::points(share),
                num::points(framework.header.total),
                num::points(spec.execution_weight)
            ),
        ));
    }
    let full = project.full_budget();
    if full.is_zero() {
        return Err(facts.fact_error(
            None,
            &format!("projects[{}].budget_full", n + 1),
            format!(
                "项目「{}」的全年预算为 0，无法计算执行率；请填写 budget_full。",
                project.name
            ),
        ));
    }
    let rate = round2(project.actual / full * Decimal::ONE_HUNDRED);
    let execution = execution_score(spec.execution_weight, rate);
    let roots = branches(scorer, &framework.roots, &project.indicators, &field, None)?;
    Ok(ProjectScore {
        rate,
        execution,
        total: execution + roots.iter().map(|r| r.score).sum::<Decimal>(),
        roots,
    })
}

/// 预算执行率's 得分: the weight times the rate (in percent), no more than
/// the weight however much was spent.
fn execution_score(weight: Decimal, rate: Decimal) -> Decimal {
    round2(weight * rate.min(Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED)
}

/// The branches among `nodes` that hold some of `items`, in framework
/// order, with the items scored under their open branch; a branch weighs
/// and scores the sum of what it holds. `measure` is the framework's,
/// inherited as in the department's sheet.
fn branches(
    scorer: &Scorer,
    nodes: &[Node],
    items: &[Spanned<IndicatorFact>],
    field: &str,
    measure: Option<&str>,
) -> Result<Vec<Scored>> {
    let mut out = Vec::new();
    for node in nodes {
        let measure = node.def.measure.as_deref().or(measure);
        let children = if node.def.open {
            items
                .iter()
                .filter(|i| i.get_ref().branch == node.def.id)
                .enumerate()
                .map(|(k, item)| scorer.own_leaf(node, item, field, k + 1, measure))
                .collect::<Result<Vec<_>>>()?
        } else {
            branches(scorer, &node.children, items, field, measure)?
        };
        if children.is_empty() {
            continue;
        }
        let weight: Decimal = children.iter().map(|c| c.weight).sum();
        out.push(Scored {
            id: node.def.id.clone(),
            name: node.def.name.clone(),
            weight,
            applicable: weight,
            score: children.iter().map(|c| c.score).sum(),
            description: node.def.description.clone(),
            standard: None,
            not_applicable: None,
            children,
            leaf: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn execution_earns_the_weight_times_the_rate_capped_at_full() {
        let ten = dec("10");
        assert_eq!(execution_score(ten, dec("100")), ten);
        assert_eq!(execution_score(ten, dec("99.40")), dec("9.94"));
        assert_eq!(execution_score(ten, dec("87.25")), dec("8.73"));
        assert_eq!(execution_score(ten, dec("112.5")), ten);
        assert_eq!(execution_score(ten, Decimal::ZERO), Decimal::ZERO);
    }

    /// A project of the minimal facts, spending `actual` of 100, with two
    /// indicators: a count (5 of 4 → full) and a rate (90 of 100 → in
    /// proportion).
    fn facts(actual: &str, weights: (u32, u32)) -> FactsFile {
        let text = format!(
            r#"{}
[[projects]]
name = "测试项目"
budget = 80
budget_full = 100
actual = {actual}

[[projects.indicators]]
branch = "output.quantity"
name = "完成数量"
weight = {}
target = {{ op = ">=", value = 4 }}
unit = "项"
actual = 5

[[projects.indicators]]
branch = "benefit.social"
name = "受益覆盖率"
weight = {}
target = {{ op = ">=", value = 100 }}
unit = "%"
actual = 90
"#,
            crate::facts::MINIMAL,
            weights.0,
            weights.1
        );
        FactsFile::parse(Path::new("t.toml"), text).unwrap()
    }

    fn scored(facts: &FactsFile) -> Result<ProjectScore> {
        let profile = Profile::builtin("hunan-2024").unwrap();
        let figures = Figures::compute(facts, &profile.figures);
        let scorer = Scorer::new(&profile.framework, facts, &figures);
        let spec = profile.annex.projects.as_ref().unwrap();
        let project = &facts.data.projects[0];
        score(&scorer, &profile.framework, spec, facts, 0, project)
    }

    #[test]
    fn the_total_is_the_execution_score_plus_the_rows() {
        let s = scored(&facts("96.5", (60, 30))).unwrap();
        assert_eq!(s.rate, dec("96.50"));
        assert_eq!(s.execution, dec("9.65"));
        // 产出 60 of 60; 效益 30 × 90% = 27.
        let scores: Vec<Decimal> = s.roots.iter().map(|r| r.score).collect();
        assert_eq!(scores, [dec("60"), dec("27")]);
        assert_eq!(s.total, dec("96.65"));
        let rows: Decimal = s
            .roots
            .iter()
            .flat_map(Scored::leaves)
            .map(|l| l.score)
            .sum();
        assert_eq!(s.total, s.execution + rows);
        // Only the branches holding the project's indicators, in framework
        // order, each weighing what it holds.
        let ids: Vec<&str> = s.roots.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["output", "benefit"]);
        assert_eq!(s.roots[1].children[0].weight, dec("30"));
    }

    #[test]
    fn indicators_hang_under_open_branches() {
        let f = facts("100", (60, 30));
        let text = f
            .text
            .replace("branch = \"benefit.social\"", "branch = \"budget\"");
        let f = FactsFile::parse(Path::new("t.toml"), text).unwrap();
        let msg = scored(&f).unwrap_err().to_string();
        assert!(
            msg.contains("projects[1].indicators.branch")
                && msg.contains("benefit.social（社会效益指标）"),
            "{msg}"
        );
    }

    #[test]
    fn weights_must_leave_the_execution_weight() {
        let msg = scored(&facts("100", (60, 40))).unwrap_err().to_string();
        assert!(
            msg.contains("t.toml:")
                && msg.contains("projects[1].indicators.weight")
                && msg.contains("之和为 100，应为 90"),
            "{msg}"
        );
    }
}
