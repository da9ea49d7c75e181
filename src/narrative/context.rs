//! The template view: everything a section template can read, under the name
//! it reads it by. Numbers arrive formatted as the report prints them, so no
//! template formats a number itself.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use tera::Context;

use super::{chinese_number, clause, given_clause};
use crate::declared::Declared;
use crate::display;
use crate::error::Result;
use crate::facts::{FactsFile, Goal, StaffCategory, Unit};
use crate::figures::{Figures, Kind};
use crate::framework::Framework;
use crate::num;
use crate::problems::{self, Explained};
use crate::profile::Profile;
use crate::rule::Shown;
use crate::scoring::{Leaf, NotApplicable, ScoreSheet, Scored};

/// The tera context every section template of one report is rendered with;
/// an error when a problem names an indicator the score sheet lacks.
pub(super) fn context(
    file: &FactsFile,
    figures: &Figures,
    sheet: &ScoreSheet,
    profile: &Profile,
    declared: &Declared,
) -> Result<Context> {
    let view = View::new(file, figures, sheet, profile, declared)?;
    Ok(Context::from_serialize(&view).expect("the template view always serialises"))
}

/// The same view as JSON, for the test that keeps docs/profiles.md true.
#[cfg(test)]
pub(super) fn json(
    file: &FactsFile,
    figures: &Figures,
    sheet: &ScoreSheet,
    profile: &Profile,
    declared: &Declared,
) -> serde_json::Value {
    let view = View::new(file, figures, sheet, profile, declared).unwrap();
    serde_json::to_value(&view).expect("the template view always serialises")
}

/// The top-level names templates read.
#[derive(Serialize)]
struct View<'a> {
    year: i32,
    unit: &'a Unit,
    /// Every available count and percentage; a template tests `{% if f.x %}`.
    f: BTreeMap<&'a str, String>,
    /// Every available amount in 万元.
    money: BTreeMap<&'a str, String>,
    /// Absent when the facts have no `[staffing]`, so a template that needs
    /// it fails naming it rather than printing blanks.
    #[serde(skip_serializing_if = "Option::is_none")]
    staffing: Option<StaffingView<'a>>,
    projects: Vec<ProjectView<'a>>,
    three_public: Vec<ThreePublicView>,
    /// Whether the facts report government procurement.
    procurement: bool,
    /// Fixed assets, when the facts list any.
    assets: Option<AssetsView<'a>>,
    /// 政府性基金, 国有资本经营 and 社会保险基金 budgets by key; null when
    /// the unit has none.
    budgets: BTreeMap<&'static str, Option<OtherBudgetView<'a>>>,
    /// The unit's reasons for its money: `adjustment` (年初 → 全年预算),
    /// `underspend` (执行率 below 100%), `carryover` (结转结余); null
    /// when not given.
    reasons: BTreeMap<&'static str, Option<String>>,
    /// The annexes listed under 报告附件, in order.
    attachments: Vec<AttachmentView>,
    /// 年初预算 → 全年预算 → 全年执行, in the words the budget chapter needs.
    change: ChangeView,
    goals: &'a [Goal],
    /// Paragraphs of every text block the profile declares, by name.
    text: &'a BTreeMap<String, Vec<String>>,
    /// The declared text blocks in declared order, with their titles.
    text_blocks: Vec<TextBlockView<'a>>,
    problems: Vec<ProblemItem>,
    /// The profile's `[review]` sentences printed when the unit gives none.
    review: ReviewView<'a>,
    /// One per base leaf that lost points, in tree order.
    deductions: Vec<DeductionView>,
    score: ScoreView<'a>,
}

#[derive(Serialize)]
struct ReviewView<'a> {
    fallback_problem: &'a str,
    fallback_measure: &'a str,
}

#[derive(Serialize)]
struct StaffingView<'a> {
    categories: &'a [StaffCategory],
    /// The figures, so a total derived from the categories shows too.
    establishment: Option<String>,
    actual: Option<String>,
    temporary: Option<u32>,
    retired: Option<u32>,
}

#[derive(Serialize)]
struct ProjectView<'a> {
    name: &'a str,
    budget: String,
    actual: String,
    purpose: Option<&'a str>,
}

#[derive(Serialize)]
struct ThreePublicView {
    name: &'static str,
    /// Absent when the facts do not give last year's amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<String>,
    budget: String,
    actual: String,
}

#[derive(Serialize)]
struct OtherBudgetView<'a> {
    budget: String,
    actual: String,
    /// 执行率; null when nothing was budgeted.
    rate: Option<String>,
    purpose: Option<&'a str>,
}

/// How the year's budget moved. Null parts are absent from the facts or
/// did not happen.
#[derive(Serialize, Default)]
struct ChangeView {
    /// 「增加」 or 「减少」 when 全年预算 differs from 年初预算.
    direction: Option<&'static str>,
    /// The size of that change in 万元, and as a share of 年初预算.
    amount: Option<String>,
    rate: Option<String>,
    /// 全年预算 left unspent, when execution fell short.
    unspent: Option<String>,
}

impl ChangeView {
    fn new(figures: &Figures, grouped: bool) -> Self {
        let value = |id: &str| figures.get(id).and_then(|f| f.value.clone().ok());
        let (Some(initial), Some(full)) = (value("budget_initial"), value("budget_full")) else {
            return Self::default();
        };
        let change = full - initial;
        let rate = (!initial.is_zero() && !change.is_zero())
            .then(|| num::percent((change / initial).abs() * Decimal::ONE_HUNDRED));
        let unspent = value("actual_total")
            .map(|spent| full - spent)
            .filter(|left| *left > Decimal::ZERO)
            .map(|left| num::money(left, grouped));
        ChangeView {
            direction: match change.cmp(&Decimal::ZERO) {
                std::cmp::Ordering::Greater => Some("增加"),
                std::cmp::Ordering::Less => Some("减少"),
                std::cmp::Ordering::Equal => None,
            },
            amount: (!change.is_zero()).then(|| num::money(change.abs(), grouped)),
            rate,
            unspent,
        }
    }
}

#[derive(Serialize)]
struct AttachmentView {
    label: String,
    title: String,
}

#[derive(Serialize)]
struct AssetsView<'a> {
    /// The date of the figures: the facts' own, else the year's end.
    as_of: String,
    total: Option<String>,
    items: Vec<AssetView<'a>>,
}

#[derive(Serialize)]
struct AssetView<'a> {
    name: &'a str,
    value: String,
}

/// The score sheet as templates see it.
#[derive(Serialize)]
struct ScoreView<'a> {
    framework: &'a str,
    total: String,
    weight: String,
    raw: String,
    applicable: String,
    converted: Option<String>,
    /// Absent when zero, so a template tests `{% if score.bonus %}`.
    bonus: Option<String>,
    penalty: Option<String>,
    adjustments: Vec<NodeView>,
    not_applicable: Vec<NodeView>,
    /// Not applicable and left out of the base (the 换算 case).
    excluded: Vec<NodeView>,
    /// Null, and `grades` empty, when the framework declares no grades.
    grade: Option<&'a str>,
    grades: Vec<GradeView<'a>>,
    roots: Vec<NodeView>,
}

/// A declared text block as templates list them.
#[derive(Serialize)]
struct TextBlockView<'a> {
    name: &'a str,
    title: &'a str,
    paragraphs: &'a [String],
}

/// A grade with the score range it covers, in words.
#[derive(Serialize)]
struct GradeView<'a> {
    name: &'a str,
    range: String,
}

impl<'a> View<'a> {
    fn new(
        file: &'a FactsFile,
        figures: &'a Figures,
        sheet: &'a ScoreSheet,
        profile: &'a Profile,
        declared: &'a Declared,
    ) -> Result<Self> {
        let grouped = profile.money_grouping;
        let facts = &file.data;
        let money = |v: Decimal| num::money(v, grouped);
        let mut f = BTreeMap::new();
        let mut amounts = BTreeMap::new();
        for (id, figure) in figures.iter() {
            let Ok(value) = figure.value else { continue };
            let shown = display::figure(figure.kind, value, grouped);
            match figure.kind {
                Kind::Money => amounts.insert(id, shown),
                Kind::Percent | Kind::Count | Kind::Number => f.insert(id, shown),
            };
        }
        let staffing = facts.staffing.as_ref().map(|s| StaffingView {
            categories: &s.categories,
            establishment: f.get("staff_establishment").cloned(),
            actual: f.get("staff_actual").cloned(),
            temporary: s.temporary,
            retired: s.retired,
        });
        let projects = facts
            .projects
            .iter()
            .map(|p| ProjectView {
                name: &p.name,
                budget: money(p.budget),
                actual: money(p.actual),
                purpose: p.purpose.as_deref(),
            })
            .collect();
        let three_public = facts
            .three_public
            .items()
            .into_iter()
            .map(|(name, i)| ThreePublicView {
                name,
                previous: i.previous.map(money),
                budget: money(i.budget),
                actual: money(i.actual),
            })
            .collect();
        let assets = facts
            .assets
            .as_ref()
            .filter(|a| !a.fixed.is_empty())
            .map(|a| {
                let as_of = a
                    .as_of
                    .as_ref()
                    .and_then(|d| d.date)
                    .map(|d| format!("{}年{}月{}日", d.year, d.month, d.day))
                    .unwrap_or_else(|| format!("{}年12月31日", facts.report.year));
                AssetsView {
                    as_of,
                    total: amounts.get("asset_total").cloned(),
                    items: a
                        .fixed
                        .iter()
                        .map(|i| AssetView {
                            name: &i.name,
                            value: money(i.value),
                        })
                        .collect(),
                }
            });
        let budgets = [
            ("government_fund", &facts.money.government_fund),
            ("state_capital", &facts.money.state_capital),
            ("social_insurance", &facts.money.social_insurance),
        ]
        .into_iter()
        .map(|(key, b)| {
            let view = b.as_ref().map(|b| OtherBudgetView {
                budget: money(b.budget),
                actual: money(b.actual),
                rate: (!b.budget.is_zero())
                    .then(|| num::percent(b.actual / b.budget * Decimal::ONE_HUNDRED)),
                purpose: b.purpose.as_deref().map(|p| p.trim_end_matches('。')),
            });
            (key, view)
        })
        .collect();
        let reason = |r: &Option<String>| given_clause(r).map(str::to_owned);
        let m = &facts.money;
        let reasons = BTreeMap::from([
            ("adjustment", reason(&m.adjustment_reason)),
            ("underspend", reason(&m.underspend_reason)),
            ("carryover", reason(&m.carryover_reason)),
        ]);
        let with_projects = facts.projects.iter().any(|p| !p.indicators.is_empty());
        let attachments = profile
            .annexes(facts.report.year, &facts.unit.name, with_projects)
            .into_iter()
            .map(|(label, title)| AttachmentView { label, title })
            .collect();
        Ok(View {
            year: facts.report.year,
            unit: &facts.unit,
            f,
            money: amounts,
            staffing,
            projects,
            three_public,
            procurement: facts.procurement.is_some(),
            assets,
            budgets,
            reasons,
            attachments,
            change: ChangeView::new(figures, grouped),
            goals: &facts.goals,
            text: &declared.text,
            text_blocks: profile
                .text
                .iter()
                .map(|spec| TextBlockView {
                    name: &spec.name,
                    title: &spec.title,
                    paragraphs: &declared.text[&spec.name],
                })
                .collect(),
            problems: problems(&problems::resolve(file, sheet)?),
            review: ReviewView {
                fallback_problem: &profile.review.fallback_problem,
                fallback_measure: &profile.review.fallback_measure,
            },
            deductions: deductions(sheet),
            score: ScoreView::new(&profile.framework, sheet),
        })
    }
}

impl<'a> ScoreView<'a> {
    fn new(framework: &'a Framework, sheet: &'a ScoreSheet) -> Self {
        let leaves = sheet.leaves();
        ScoreView {
            framework: &sheet.framework,
            total: num::points(sheet.total),
            weight: num::points(sheet.weight),
            raw: num::points(sheet.raw),
            applicable: num::points(sheet.applicable),
            converted: sheet.converted.map(num::points),
            bonus: (!sheet.bonus.is_zero()).then(|| num::points(sheet.bonus)),
            penalty: (!sheet.penalty.is_zero()).then(|| num::points(sheet.penalty)),
            adjustments: sheet.adjustments.iter().map(node_view).collect(),
            not_applicable: leaves
                .iter()
                .filter(|l| l.not_applicable.is_some())
                .map(|l| node_view(l))
                .collect(),
            excluded: leaves
                .iter()
                .filter(|l| l.not_applicable == Some(NotApplicable::Excluded))
                .map(|l| node_view(l))
                .collect(),
            grade: sheet.grade.as_deref(),
            grades: grades(framework),
            roots: sheet.roots.iter().map(node_view).collect(),
        }
    }
}

/// Each grade's range in words. A band without an upper end reaches the
/// better grade's lower end (the first band first-match leaves to it), the
/// top one full marks; a band reaching down to 0 reads 「…分以下」.
fn grades(framework: &Framework) -> Vec<GradeView<'_>> {
    let header = &framework.header;
    let points = |(v, _): (Decimal, bool)| num::points(v);
    header
        .grades
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let upper = g
                .upper()
                .or_else(|| {
                    let better = header.grades.get(i.checked_sub(1)?)?;
                    better.lower().map(|(v, inclusive)| (v, !inclusive))
                })
                .unwrap_or((header.total, true));
            let upper_text = match upper {
                (v, false) if g.upper().is_some() => format!("{}分（不含）", num::points(v)),
                _ => format!("{}分", points(upper)),
            };
            let range = match g.lower() {
                None => format!("{upper_text}以下"),
                Some((v, true)) if v.is_zero() => format!("{upper_text}以下"),
                Some((v, true)) => format!("{}分（含）—{upper_text}", num::points(v)),
                Some((v, false)) => format!("{}分（不含）—{upper_text}", num::points(v)),
            };
            GradeView {
                name: &g.name,
                range,
            }
        })
        .collect()
}

/// A problem and its measure, as the problems and measures sections list them.
#[derive(Debug, Clone, Serialize)]
struct ProblemItem {
    number: String,
    problem: String,
    cause: Option<String>,
    /// The indicators whose lost points it explains, as the unit named them.
    indicators: Vec<ProblemIndicator>,
    /// Their lost points together; null when it names none.
    lost: Option<String>,
    /// The unit's measure; null when it gave none (templates print the
    /// profile's fallback and `check` warns).
    measure: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct ProblemIndicator {
    id: String,
    name: String,
    lost: String,
}

/// The unit's own problems, in its words, numbered as it listed them.
fn problems(explained: &[Explained]) -> Vec<ProblemItem> {
    let text = |t: &Option<String>| given_clause(t).map(str::to_owned);
    explained
        .iter()
        .enumerate()
        .map(|(i, e)| ProblemItem {
            number: chinese_number(i + 1),
            problem: clause(&e.problem.problem).to_owned(),
            cause: text(&e.problem.cause),
            indicators: e
                .indicators
                .iter()
                .map(|l| ProblemIndicator {
                    id: l.id.clone(),
                    name: l.name.clone(),
                    lost: num::points(problems::lost(l)),
                })
                .collect(),
            lost: (!e.indicators.is_empty()).then(|| num::points(e.lost())),
            measure: e.problem.measure.as_deref().map(|m| m.trim().to_string()),
        })
        .collect()
}

/// Every base leaf that lost points; 加分 and 扣分 items have no full marks
/// to fall short of.
pub(super) fn deductions(sheet: &ScoreSheet) -> Vec<DeductionView> {
    leaf_deductions(sheet.roots.iter().flat_map(|r| r.leaves()))
}

/// The leaves among `leaves` that lost points.
pub(super) fn leaf_deductions<'a>(
    leaves: impl IntoIterator<Item = &'a Scored>,
) -> Vec<DeductionView> {
    leaves
        .into_iter()
        .filter_map(|l| deduction_view(l, l.leaf.as_ref()?))
        .collect()
}

/// A score-sheet node as templates see it: numbers already formatted.
#[derive(Debug, Clone, Serialize)]
struct NodeView {
    id: String,
    name: String,
    weight: String,
    score: String,
    description: Option<String>,
    leaf: Option<LeafView>,
    children: Vec<NodeView>,
    /// Every leaf below this node, flattened, for templates that list them.
    leaves: Vec<NodeView>,
}

/// A leaf's values; templates word them (templates/lib/wording.tera).
#[derive(Debug, Clone, Serialize)]
struct LeafView {
    kind: &'static str,
    target: String,
    actual: String,
    unit: String,
    target_text: Option<String>,
    actual_text: Option<String>,
    remark: Option<String>,
    /// The unit's own reason, as written.
    reason: Option<String>,
    figure: Option<Shown>,
    threshold: String,
    ratio: Option<String>,
    detail: BTreeMap<&'static str, String>,
    /// `full` or `excluded` when the facts mark the leaf not applicable.
    na: Option<NotApplicable>,
    /// How it went, for wording that varies with it: `met`, `exceeded`
    /// (past its target with room to spare), `missed` (lost points) or `na`.
    outcome: &'static str,
    deduction: Option<DeductionView>,
}

/// A leaf that lost points, with everything its wording needs.
#[derive(Debug, Clone, Serialize)]
pub(super) struct DeductionView {
    pub(super) id: String,
    name: String,
    weight: String,
    score: String,
    lost: String,
    kind: &'static str,
    figure: Option<Shown>,
    threshold: String,
    target: String,
    actual: String,
    ratio: Option<String>,
    detail: BTreeMap<&'static str, String>,
    /// The unit's own reason, or null.
    reason: Option<String>,
    /// The unit's or the framework's measure, or null (templates word a
    /// default).
    measure: Option<String>,
}

fn deduction_view(node: &Scored, leaf: &Leaf) -> Option<DeductionView> {
    let d = leaf.deduction.as_ref()?;
    Some(DeductionView {
        id: node.id.clone(),
        name: node.name.clone(),
        weight: num::points(node.weight),
        score: num::points(node.score),
        lost: num::points(d.lost),
        kind: leaf.kind,
        figure: leaf.figure.clone(),
        threshold: leaf.threshold.clone(),
        target: leaf.target.clone(),
        actual: leaf.actual.clone(),
        ratio: leaf.ratio.clone(),
        detail: leaf.detail.clone(),
        reason: leaf.reason.clone(),
        measure: d.measure.clone(),
    })
}

fn node_view(node: &Scored) -> NodeView {
    let leaf = node.leaf.as_ref().map(|l| LeafView {
        kind: l.kind,
        target: l.target.clone(),
        actual: l.actual.clone(),
        unit: l.unit.clone(),
        target_text: l.target_text.clone(),
        actual_text: l.actual_text.clone(),
        remark: l.remark.clone(),
        reason: l.reason.clone(),
        figure: l.figure.clone(),
        threshold: l.threshold.clone(),
        ratio: l.ratio.clone(),
        detail: l.detail.clone(),
        na: node.not_applicable,
        outcome: match (node.not_applicable, &l.deduction) {
            (Some(_), _) => "na",
            (None, Some(_)) => "missed",
            (None, None) if l.exceeded => "exceeded",
            (None, None) => "met",
        },
        deduction: deduction_view(node, l),
    });
    let leaves = if node.leaf.is_some() {
        Vec::new()
    } else {
        node.leaves().into_iter().map(node_view).collect()
    };
    NodeView {
        id: node.id.clone(),
        name: node.name.clone(),
        weight: num::points(node.weight),
        score: num::points(node.score),
        description: node.description.clone(),
        leaf,
        children: node.children.iter().map(node_view).collect(),
        leaves,
    }
}
