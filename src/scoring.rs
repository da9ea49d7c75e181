//! Scores the facts against a framework. Leaves are scored by their rule and
//! rounded 四舍五入 to two decimals; every branch is the sum of its children,
//! so the totals always add up. Indicators marked not applicable either earn
//! full marks or leave the base, in which case the total is converted to the
//! framework's full score (换算得分).

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::facts::{Assessment, Comparison, FactsFile, IndicatorFact, Target};
use crate::figures::{Figures, Kind};
use crate::framework::{Direction, Framework, NaPolicy, Node, Role, Rule, Tier};
use crate::num::{self, round2};

#[derive(Debug, Clone, Serialize)]
pub struct ScoreSheet {
    pub framework: String,
    pub levels: Vec<String>,
    /// First-level indicators of the base, in framework order.
    pub roots: Vec<Scored>,
    /// 加分 and 扣分 items outside the base.
    pub adjustments: Vec<Scored>,
    /// Full score of the base (usually 100).
    pub weight: Decimal,
    /// Weight of the indicators that apply (the base minus excluded ones).
    pub applicable: Decimal,
    /// Sum of the base's scores, out of `applicable`.
    pub raw: Decimal,
    /// `raw` converted to `weight` when indicators left the base.
    pub converted: Option<Decimal>,
    pub bonus: Decimal,
    pub penalty: Decimal,
    /// The score that counts: converted (or raw) + bonus − penalty, floor 0.
    pub total: Decimal,
    pub grade: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub id: String,
    pub name: String,
    pub weight: Decimal,
    /// Weight still in the base after not-applicable exclusions.
    pub applicable: Decimal,
    pub score: Decimal,
    /// What the indicator measures (指标说明), when known.
    pub description: Option<String>,
    /// How it is scored (评价标准), when known.
    pub standard: Option<String>,
    /// Set when the facts mark the leaf not applicable.
    pub not_applicable: Option<NotApplicable>,
    pub children: Vec<Scored>,
    /// Present on leaves.
    pub leaf: Option<Leaf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotApplicable {
    /// Scored at full marks.
    Full,
    /// Left out of the base.
    Excluded,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leaf {
    /// 年度指标值 as printed.
    pub target: String,
    /// 实际完成值 as printed.
    pub actual: String,
    /// The figure or comparison behind the score, in words.
    pub basis: String,
    pub deduction: Option<Deduction>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deduction {
    pub lost: Decimal,
    /// Why, with the figure that caused it.
    pub reason: String,
    /// What to do about it.
    pub measure: String,
}

impl Scored {
    /// Every leaf below (or this node, if it is one), in tree order.
    pub fn leaves(&self) -> Vec<&Scored> {
        if self.leaf.is_some() {
            return vec![self];
        }
        self.children.iter().flat_map(|c| c.leaves()).collect()
    }
}

impl ScoreSheet {
    /// Every leaf of the base and the adjustments, in tree order.
    pub fn leaves(&self) -> Vec<&Scored> {
        self.roots
            .iter()
            .chain(&self.adjustments)
            .flat_map(|r| r.leaves())
            .collect()
    }
}

pub fn score(framework: &Framework, facts: &FactsFile, figures: &Figures) -> Result<ScoreSheet> {
    check_branches(framework, facts)?;
    check_assessments(framework, facts)?;
    let scorer = Scorer {
        framework,
        facts,
        figures,
    };
    let mut roots = Vec::new();
    let (mut bonus, mut penalty) = (Decimal::ZERO, Decimal::ZERO);
    let mut adjustments = Vec::new();
    for node in &framework.roots {
        let mut scored = scorer.node(node, None)?;
        if node.def.role != Role::Base {
            // A bonus or penalty item has no full marks to fall short of.
            clear_deductions(&mut scored);
        }
        match node.def.role {
            Role::Base => roots.push(scored),
            Role::Bonus => {
                bonus += scored.score;
                adjustments.push(scored);
            }
            Role::Penalty => {
                penalty += scored.score;
                adjustments.push(scored);
            }
        }
    }
    let weight = framework.header.total;
    let raw: Decimal = roots.iter().map(|r| r.score).sum();
    let applicable: Decimal = roots.iter().map(|r| r.applicable).sum();
    let converted =
        (applicable < weight && !applicable.is_zero()).then(|| round2(raw * weight / applicable));
    let total = (converted.unwrap_or(raw) + bonus - penalty).max(Decimal::ZERO);
    Ok(ScoreSheet {
        framework: framework.header.name.clone(),
        levels: framework.header.levels.clone(),
        grade: framework.grade(total),
        roots,
        adjustments,
        weight,
        applicable,
        raw,
        converted,
        bonus,
        penalty,
        total,
    })
}

fn clear_deductions(node: &mut Scored) {
    if let Some(leaf) = &mut node.leaf {
        leaf.deduction = None;
    }
    node.children.iter_mut().for_each(clear_deductions);
}

/// Every unit indicator must hang under an open branch of the framework.
fn check_branches(framework: &Framework, facts: &FactsFile) -> Result<()> {
    for indicator in &facts.facts.indicators {
        let branch = &indicator.get_ref().branch;
        if !framework.find(branch).is_some_and(|n| n.def.open) {
            let open: Vec<String> = open_branches(&framework.roots);
            return Err(Error::Fact {
                location: Some(facts.location(indicator.span().start)),
                file: facts.path.clone(),
                field: "indicators.branch".into(),
                message: format!(
                    "「{branch}」不是可自设指标的分支。可用的分支：{}。",
                    open.join("、")
                ),
            });
        }
    }
    Ok(())
}

/// Every assessment must name a scored leaf of the framework.
fn check_assessments(framework: &Framework, facts: &FactsFile) -> Result<()> {
    for (id, assessment) in &facts.facts.assess {
        if framework.find(id).is_none_or(|n| n.def.rule.is_none()) {
            let mut ids = Vec::new();
            rule_leaves(&framework.roots, &mut ids);
            return Err(Error::Fact {
                location: Some(facts.location(assessment.span().start)),
                file: facts.path.clone(),
                field: format!("assess.{id}"),
                message: format!(
                    "评价指标体系中没有可评分的指标「{id}」。可用的指标：{}。",
                    ids.join("、")
                ),
            });
        }
    }
    Ok(())
}

fn rule_leaves(nodes: &[Node], out: &mut Vec<String>) {
    for n in nodes {
        if n.def.rule.is_some() {
            out.push(format!("{}（{}）", n.def.id, n.def.name));
        }
        rule_leaves(&n.children, out);
    }
}

fn open_branches(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .flat_map(|n| {
            if n.def.open {
                vec![format!("{}（{}）", n.def.id, n.def.name)]
            } else {
                open_branches(&n.children)
            }
        })
        .collect()
}

struct Scorer<'a> {
    framework: &'a Framework,
    facts: &'a FactsFile,
    figures: &'a Figures,
}

/// Where in the facts a leaf's inputs are, for messages.
struct Place {
    offset: Option<usize>,
    /// Dotted prefix of the fields, `indicators` or `assess.<id>`.
    prefix: String,
}

/// A scored leaf before it becomes a tree node.
struct Finding {
    score: Decimal,
    target: String,
    actual: String,
    basis: String,
    /// Why the score is what it is, with the figures (used when points are lost).
    reason: String,
}

impl Scorer<'_> {
    fn node(&self, node: &Node, inherited_measure: Option<&str>) -> Result<Scored> {
        let measure = node.def.measure.as_deref().or(inherited_measure);
        let mut scored = Scored {
            id: node.def.id.clone(),
            name: node.def.name.clone(),
            weight: node.def.weight,
            applicable: node.def.weight,
            score: Decimal::ZERO,
            description: node.def.description.clone(),
            standard: node.def.standard.clone(),
            not_applicable: None,
            children: Vec::new(),
            leaf: None,
        };
        if let Some(rule) = &node.def.rule {
            self.rule_leaf(node, rule, measure, &mut scored)?;
            return Ok(scored);
        }
        scored.children = if node.def.open {
            self.unit_leaves(node, measure)?
        } else {
            node.children
                .iter()
                .map(|c| self.node(c, measure))
                .collect::<Result<Vec<_>>>()?
        };
        scored.score = scored.children.iter().map(|c| c.score).sum();
        scored.applicable = scored.children.iter().map(|c| c.applicable).sum();
        Ok(scored)
    }

    fn error(&self, place: &Place, field: &str, message: String) -> Error {
        Error::Fact {
            location: place.offset.map(|o| self.facts.location(o)),
            file: self.facts.path.clone(),
            field: format!("{}.{field}", place.prefix),
            message,
        }
    }

    fn rule_leaf(
        &self,
        node: &Node,
        rule: &Rule,
        measure: Option<&str>,
        scored: &mut Scored,
    ) -> Result<()> {
        let def = &node.def;
        let spanned = self.facts.facts.assess.get(&def.id);
        let place = Place {
            offset: spanned.map(|s| s.span().start),
            prefix: format!("assess.{}", def.id),
        };
        let empty = Assessment::default();
        let assessment = spanned.map_or(&empty, |s| s.get_ref());
        if assessment.na {
            let how = match def.na {
                NaPolicy::Never => {
                    return Err(self.error(
                        &place,
                        "na",
                        format!("指标「{}」不允许标记为不适用。", def.name),
                    ));
                }
                NaPolicy::Full => NotApplicable::Full,
                NaPolicy::Exclude => NotApplicable::Excluded,
            };
            let why = assessment
                .reason
                .clone()
                .unwrap_or_else(|| "本年度无此事项".into());
            scored.not_applicable = Some(how);
            let basis = match how {
                NotApplicable::Full => format!("{why}，不适用，按满分计算"),
                NotApplicable::Excluded => format!("{why}，不适用，不计入评价总分"),
            };
            (scored.score, scored.applicable) = match how {
                NotApplicable::Full => (def.weight, def.weight),
                NotApplicable::Excluded => (Decimal::ZERO, Decimal::ZERO),
            };
            scored.leaf = Some(Leaf {
                target: def.target.clone().unwrap_or_else(|| rule_target(rule)),
                actual: "不适用".into(),
                basis,
                deduction: None,
            });
            return Ok(());
        }
        let finding = self.assess(node, rule, assessment, &place)?;
        let score = round2(finding.score);
        let measure = assessment.measure.as_deref().or(measure);
        scored.score = score;
        scored.leaf = Some(Leaf {
            target: def.target.clone().unwrap_or(finding.target),
            actual: finding.actual,
            basis: finding.basis,
            deduction: deduction(def.weight, score, finding.reason, measure, &def.name),
        });
        Ok(())
    }

    /// Scores a framework leaf by its rule, from figures or the assessment.
    fn assess(&self, node: &Node, rule: &Rule, a: &Assessment, place: &Place) -> Result<Finding> {
        let def = &node.def;
        let weight = def.weight;
        let need = |field: &str, what: &str| {
            self.error(
                place,
                field,
                format!(
                    "指标「{}」需要{what}：请在 [assess.{}] 中填写 {field}。",
                    def.name, def.id
                ),
            )
        };
        let with_reason = |text: String| match &a.reason {
            Some(r) => format!("{text}，{}", r.trim_end_matches('。')),
            None => text,
        };
        match rule {
            Rule::Linear { figure, .. }
            | Rule::Step { figure, .. }
            | Rule::Bands { figure, .. }
            | Rule::WeightTimesRate { figure } => {
                let x = self.figures.require(figure)?;
                let fig = self.figures.get(figure).expect("required figure exists");
                let shown = display(x, fig.kind, "");
                let (score, reason) = apply(rule, weight, x, fig.label, &shown)
                    .map_err(|message| self.framework_error(node, message))?;
                Ok(Finding {
                    score,
                    target: rule_target(rule),
                    basis: format!("{}{shown}", fig.label),
                    actual: shown,
                    reason,
                })
            }
            Rule::Target { op, value, figure } => {
                let (op, value) = match (op, value, &a.target) {
                    (Some(op), Some(value), _) => (*op, *value),
                    (_, _, Some(Target::Quantity { op, value })) => (*op, *value),
                    _ => return Err(need("target", "年度指标值")),
                };
                let figure = figure.as_deref().or(a.actual_figure.as_deref());
                let (actual, kind) = self
                    .actual_value(place, figure, a.actual)?
                    .ok_or_else(|| need("actual", "实际完成值"))?;
                // A rate's target is in percent unless the facts say otherwise.
                let unit = match (a.unit.as_str(), kind) {
                    ("", Some(Kind::Percent)) => "%",
                    (unit, _) => unit,
                };
                Ok(quantity(weight, op, value, actual, kind, unit))
            }
            Rule::Tiers { tiers } => {
                let tiers = tiers
                    .as_deref()
                    .unwrap_or(&self.framework.qualitative.tiers);
                let tier = a.tier.as_deref().ok_or_else(|| need("tier", "评价档次"))?;
                let score = a.score.ok_or_else(|| need("score", "评分"))?;
                let target = def.target.clone().unwrap_or_default();
                let actual = a.actual_text.clone().unwrap_or_else(|| tier.to_string());
                quality(
                    weight,
                    tiers,
                    &target,
                    tier,
                    score,
                    actual,
                    a.reason.as_deref(),
                    &def.name,
                )
                .map_err(|(field, message)| self.error(place, field, message))
            }
            Rule::Levels { levels } => {
                let name = a
                    .level
                    .as_deref()
                    .ok_or_else(|| need("level", "评价等级"))?;
                let level = levels.iter().find(|l| l.name == name).ok_or_else(|| {
                    let names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
                    self.error(
                        place,
                        "level",
                        format!("等级「{name}」不存在，可选：{}。", names.join("、")),
                    )
                })?;
                let basis = format!("评为“{name}”");
                Ok(Finding {
                    score: level.score,
                    target: levels.first().map(|l| l.name.clone()).unwrap_or_default(),
                    actual: a.actual_text.clone().unwrap_or_else(|| name.to_string()),
                    reason: with_reason(format!("{basis}，按等级得{}分", num::score(level.score))),
                    basis,
                })
            }
            Rule::Checklist { items } => {
                let met = a
                    .met
                    .as_ref()
                    .ok_or_else(|| need("met", "各检查项是否满足"))?;
                if met.len() != items.len() {
                    return Err(self.error(
                        place,
                        "met",
                        format!(
                            "指标「{}」有 {} 个检查项，met 却列了 {} 项。",
                            def.name,
                            items.len(),
                            met.len()
                        ),
                    ));
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
                let basis = format!("{} 项检查中满足 {met_count} 项", items.len());
                let actual = a.actual_text.clone().unwrap_or_else(|| basis.clone());
                Ok(Finding {
                    score,
                    target: format!("满足全部 {} 项", items.len()),
                    actual,
                    reason: with_reason(format!("{basis}，未满足：{}", missed.join("；"))),
                    basis,
                })
            }
            Rule::PerCase { points } => {
                let cases = a.cases.ok_or_else(|| need("cases", "不符合要求的情况数"))?;
                let lost = points.checked_mul(Decimal::from(cases)).unwrap_or(weight);
                let basis = format!("发现不符合要求的情况{cases}例");
                Ok(Finding {
                    score: clamp(weight - lost.min(weight), weight),
                    target: "无不符合要求的情况".into(),
                    actual: a.actual_text.clone().unwrap_or_else(|| basis.clone()),
                    reason: with_reason(format!("{basis}，每例扣{}分", num::score(*points))),
                    basis,
                })
            }
            Rule::Assessor => {
                let score = a.score.ok_or_else(|| need("score", "评分"))?;
                if score < Decimal::ZERO || score > weight {
                    return Err(self.error(
                        place,
                        "score",
                        format!(
                            "指标「{}」的评分 {} 超出 0–{} 分。",
                            def.name,
                            num::score(score),
                            num::score(weight)
                        ),
                    ));
                }
                if score < weight && a.reason.is_none() {
                    return Err(need("reason", "扣分理由"));
                }
                let actual = a.actual_text.clone().unwrap_or_default();
                let basis = if actual.is_empty() {
                    "评价人评分".to_string()
                } else {
                    format!("实际完成“{actual}”")
                };
                Ok(Finding {
                    score,
                    target: def.target.clone().unwrap_or_default(),
                    actual,
                    reason: with_reason(basis.clone()),
                    basis,
                })
            }
        }
    }

    /// The actual value of a quantitative indicator: a derived figure or a typed number.
    fn actual_value(
        &self,
        place: &Place,
        figure: Option<&str>,
        typed: Option<Decimal>,
    ) -> Result<Option<(Decimal, Option<Kind>)>> {
        match (figure, typed) {
            (Some(id), _) => {
                let kind = self.figures.get(id).map(|f| f.kind).ok_or_else(|| {
                    self.error(place, "actual_figure", format!("没有名为 {id} 的计算值。"))
                })?;
                Ok(Some((self.figures.require(id)?, Some(kind))))
            }
            (None, Some(actual)) => Ok(Some((actual, None))),
            (None, None) => Ok(None),
        }
    }

    fn framework_error(&self, node: &Node, message: String) -> Error {
        Error::Framework {
            location: Some(crate::error::Location::from_offset(
                &self.framework.file,
                &self.framework.text,
                node.offset,
            )),
            file: self.framework.file.clone(),
            indicator: node.def.id.clone(),
            message,
        }
    }

    /// The leaves a unit set itself under an open branch.
    fn unit_leaves(&self, node: &Node, measure: Option<&str>) -> Result<Vec<Scored>> {
        let facts = self.facts;
        let items: Vec<_> = facts
            .facts
            .indicators
            .iter()
            .filter(|i| i.get_ref().branch == node.def.id)
            .collect();
        if items.is_empty() {
            return Err(Error::Fact {
                location: None,
                file: facts.path.clone(),
                field: "indicators".into(),
                message: format!(
                    "「{}」（{}，{} 分）下没有指标。请添加 [[indicators]]，branch = \"{}\"，分值合计 {}。",
                    node.def.name,
                    node.def.id,
                    num::score(node.def.weight),
                    node.def.id,
                    num::score(node.def.weight)
                ),
            });
        }
        let sum: Decimal = items.iter().map(|i| i.get_ref().weight).sum();
        if sum != node.def.weight {
            return Err(Error::Fact {
                location: Some(facts.location(items[0].span().start)),
                file: facts.path.clone(),
                field: "indicators.weight".into(),
                message: format!(
                    "「{}」下各指标分值之和为 {}，应为 {}。",
                    node.def.name,
                    num::score(sum),
                    num::score(node.def.weight)
                ),
            });
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                self.unit_leaf(node, item.get_ref(), item.span().start, i + 1, measure)
            })
            .collect()
    }

    fn unit_leaf(
        &self,
        branch: &Node,
        fact: &IndicatorFact,
        offset: usize,
        index: usize,
        measure: Option<&str>,
    ) -> Result<Scored> {
        let weight = fact.weight;
        let place = Place {
            offset: Some(offset),
            prefix: "indicators".into(),
        };
        let finding = match &fact.target {
            Target::Quantity { op, value } => {
                let (actual, kind) = self
                    .actual_value(&place, fact.actual_figure.as_deref(), fact.actual)?
                    .expect("validated when the facts were loaded");
                quantity(weight, *op, *value, actual, kind, &fact.unit)
            }
            Target::Quality { text } => {
                let tier = fact.tier.as_deref().unwrap_or_default();
                let actual = fact.actual_text.clone().unwrap_or_else(|| tier.to_string());
                quality(
                    weight,
                    &self.framework.qualitative.tiers,
                    text,
                    tier,
                    fact.score.unwrap_or_default(),
                    actual,
                    fact.reason.as_deref(),
                    &fact.name,
                )
                .map_err(|(field, message)| self.error(&place, field, message))?
            }
        };
        let score = round2(finding.score);
        Ok(Scored {
            id: format!("{}.{index}", branch.def.id),
            name: fact.name.clone(),
            weight,
            applicable: weight,
            score,
            description: None,
            standard: None,
            not_applicable: None,
            children: Vec::new(),
            leaf: Some(Leaf {
                target: finding.target,
                actual: finding.actual,
                basis: finding.basis,
                deduction: deduction(
                    weight,
                    score,
                    finding.reason,
                    fact.measure.as_deref().or(measure),
                    &fact.name,
                ),
            }),
        })
    }
}

/// A quantitative target: met → full marks, else in proportion to completion.
fn quantity(
    weight: Decimal,
    op: Comparison,
    value: Decimal,
    actual: Decimal,
    kind: Option<Kind>,
    unit: &str,
) -> Finding {
    let target = format!("{}{}", op.symbol(), display_plain(value, unit));
    let actual_text = match kind {
        Some(kind) => display(actual, kind, unit),
        None => display_plain(actual, unit),
    };
    let ratio = completion(op, value, actual);
    let ratio_text = num::percent(ratio * Decimal::ONE_HUNDRED);
    Finding {
        score: weight * ratio.min(Decimal::ONE),
        reason: format!(
            "年度指标值{target}，实际完成{actual_text}，完成程度{ratio_text}，按完成比例计分"
        ),
        basis: format!("年度指标值{target}，实际完成{actual_text}"),
        target,
        actual: actual_text,
    }
}

/// A qualitative finding: the assessor's score must fall inside the chosen
/// tier, and a lost point needs a written reason. `Err` is (field, message).
#[allow(clippy::too_many_arguments)]
fn quality(
    weight: Decimal,
    tiers: &[Tier],
    target: &str,
    tier_name: &str,
    score: Decimal,
    actual: String,
    reason: Option<&str>,
    name: &str,
) -> std::result::Result<Finding, (&'static str, String)> {
    let tier = tiers.iter().find(|t| t.name == tier_name).ok_or_else(|| {
        let names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
        (
            "tier",
            format!("档次「{tier_name}」不存在，可选：{}。", names.join("、")),
        )
    })?;
    let low = round2(weight * tier.min / Decimal::ONE_HUNDRED);
    let high = round2(weight * tier.max / Decimal::ONE_HUNDRED);
    if score < low || score > high {
        return Err((
            "score",
            format!(
                "指标「{name}」评为「{tier_name}」，得分应在 {}–{} 分之间，现为 {} 分。",
                num::score(low),
                num::score(high),
                num::score(score)
            ),
        ));
    }
    let basis = if target.is_empty() {
        format!("实际完成“{actual}”，评为“{tier_name}”")
    } else {
        format!("年度指标值“{target}”，实际完成“{actual}”，评为“{tier_name}”")
    };
    let reason = match (reason, score < weight) {
        (Some(reason), _) => format!("{basis}，{}", reason.trim_end_matches('。')),
        (None, false) => basis.clone(),
        (None, true) => {
            return Err((
                "reason",
                format!("定性指标「{name}」扣了分，请在 reason 中写明扣分理由。"),
            ));
        }
    };
    Ok(Finding {
        score,
        target: target.to_string(),
        actual,
        basis,
        reason,
    })
}

/// Scores figure value `x` by `rule`; `Err` says why the rule cannot apply.
fn apply(
    rule: &Rule,
    weight: Decimal,
    x: Decimal,
    label: &str,
    shown: &str,
) -> std::result::Result<(Decimal, String), String> {
    let scored = match rule {
        Rule::Linear {
            full,
            per_point,
            direction,
            ..
        } => {
            let gap = distance(x, *full, *direction);
            let score = clamp(weight - deducted(gap.checked_mul(*per_point)), weight);
            let reason = format!(
                "{label}为{shown}，较{}{}{}个百分点，按每个百分点扣{}分计",
                num::percent(*full),
                side(x, *full),
                num::score(gap),
                num::score(*per_point)
            );
            (score, reason)
        }
        Rule::Step {
            threshold,
            step,
            points,
            direction,
            partial,
            ..
        } => {
            let beyond = distance(x, *threshold, *direction);
            let steps = beyond
                .checked_div(*step)
                .map(|s| if *partial { s } else { s.floor() });
            let score = clamp(
                weight - deducted(steps.and_then(|s| s.checked_mul(*points))),
                weight,
            );
            let reason = format!(
                "{label}为{shown}，较{}{}{}个百分点，按每{}个百分点扣{}分计",
                num::percent(*threshold),
                side(x, *threshold),
                num::score(beyond),
                num::score(*step),
                num::score(*points)
            );
            (score, reason)
        }
        Rule::Bands { bands, .. } => {
            let band = bands
                .iter()
                .find(|b| b.contains(x))
                .ok_or_else(|| format!("{label}为{shown}，不在任何档位内；请补全 bands。"))?;
            (
                band.score,
                format!("{label}为{shown}，按评分档位得{}分", num::score(band.score)),
            )
        }
        Rule::WeightTimesRate { .. } => {
            let rate = x.min(Decimal::ONE_HUNDRED).max(Decimal::ZERO);
            let score = weight * rate / Decimal::ONE_HUNDRED;
            (score, format!("{label}为{shown}，得分为分值 × {label}"))
        }
        other => {
            return Err(format!("规则 {other:?} 不按计算值计分。"));
        }
    };
    Ok(scored)
}

fn deduction(
    weight: Decimal,
    score: Decimal,
    reason: String,
    measure: Option<&str>,
    name: &str,
) -> Option<Deduction> {
    (score < weight).then(|| Deduction {
        lost: weight - score,
        reason,
        measure: measure.map(str::to_string).unwrap_or_else(|| {
            format!("针对“{name}”失分原因逐项整改，明确责任和时限，确保下一年度达到目标。")
        }),
    })
}

/// How far `x` lies from `mark` on the side that costs points.
fn distance(x: Decimal, mark: Decimal, direction: Direction) -> Decimal {
    let d = match direction {
        Direction::Below => mark - x,
        Direction::Above => x - mark,
        Direction::Both => (x - mark).abs(),
    };
    d.max(Decimal::ZERO)
}

fn side(x: Decimal, mark: Decimal) -> &'static str {
    if x < mark {
        "低"
    } else if x > mark {
        "高"
    } else {
        "相差"
    }
}

/// Points off; a deduction too large to compute takes everything.
fn deducted(points: Option<Decimal>) -> Decimal {
    points.unwrap_or(Decimal::MAX)
}

fn clamp(score: Decimal, weight: Decimal) -> Decimal {
    score.max(Decimal::ZERO).min(weight)
}

/// How much of a quantitative target was reached, as a fraction (1 = met).
fn completion(op: Comparison, target: Decimal, actual: Decimal) -> Decimal {
    let met = match op {
        Comparison::AtLeast => actual >= target,
        Comparison::AtMost => actual <= target,
        Comparison::Exactly => actual == target,
    };
    if met {
        return Decimal::ONE;
    }
    let (small, large) = match op {
        Comparison::AtLeast => (actual, target),
        Comparison::AtMost => (target, actual),
        Comparison::Exactly => (actual.min(target), actual.max(target)),
    };
    if large.is_zero() || small < Decimal::ZERO {
        return Decimal::ZERO;
    }
    small.checked_div(large).unwrap_or(Decimal::ZERO)
}

fn rule_target(rule: &Rule) -> String {
    match rule {
        Rule::Linear { full, .. } => num::percent(*full),
        Rule::Step {
            threshold,
            direction,
            ..
        } => match direction {
            Direction::Above => format!("≤{}", num::percent(*threshold)),
            Direction::Below => format!("≥{}", num::percent(*threshold)),
            Direction::Both => num::percent(*threshold),
        },
        Rule::Bands { .. } => "按档位计分".into(),
        Rule::WeightTimesRate { .. } => "100.00%".into(),
        Rule::Target {
            op: Some(op),
            value: Some(value),
            ..
        } => format!("{}{}%", op.symbol(), value.normalize()),
        Rule::Target { .. } | Rule::Tiers { .. } | Rule::Assessor => String::new(),
        Rule::Levels { levels } => levels.first().map(|l| l.name.clone()).unwrap_or_default(),
        Rule::Checklist { items } => format!("满足全部 {} 项", items.len()),
        Rule::PerCase { .. } => "无不符合要求的情况".into(),
    }
}

fn display(x: Decimal, kind: Kind, unit: &str) -> String {
    match kind {
        Kind::Percent => num::percent(x),
        Kind::Money => format!("{}万元", num::money(x, false)),
        Kind::Count => format!("{}{unit}", x.normalize()),
    }
}

fn display_plain(x: Decimal, unit: &str) -> String {
    format!("{}{unit}", x.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn quantitative_completion() {
        let c = |op, t: &str, a: &str| completion(op, dec(t), dec(a));
        assert_eq!(c(Comparison::AtLeast, "100", "120"), Decimal::ONE);
        assert_eq!(c(Comparison::AtLeast, "100", "100"), Decimal::ONE);
        assert_eq!(c(Comparison::AtLeast, "100", "90"), dec("0.9"));
        assert_eq!(c(Comparison::AtMost, "10", "20"), dec("0.5"));
        assert_eq!(c(Comparison::AtMost, "10", "10"), Decimal::ONE);
        assert_eq!(c(Comparison::Exactly, "100", "80"), dec("0.8"));
        assert_eq!(c(Comparison::Exactly, "80", "100"), dec("0.8"));
        assert_eq!(c(Comparison::AtLeast, "100", "-5"), Decimal::ZERO);
    }

    fn parse_rule(text: &str) -> Rule {
        toml::from_str::<toml::Table>(&format!("r = {text}")).unwrap()["r"]
            .clone()
            .try_into()
            .unwrap()
    }

    fn score_of(rule: &str, weight: &str, x: &str) -> Decimal {
        let (score, _) = apply(&parse_rule(rule), dec(weight), dec(x), "指标", "x").unwrap();
        round2(score)
    }

    #[test]
    fn linear_deduction_per_point() {
        let rule = r#"{ kind = "linear", figure = "budget_execution_rate", per_point = 1 }"#;
        // Reference 002: 99.93% of 10 points scores 9.93.
        assert_eq!(score_of(rule, "10", "99.93"), dec("9.93"));
        assert_eq!(score_of(rule, "10", "100"), dec("10"));
        assert_eq!(score_of(rule, "10", "120"), dec("10"));
        // Floor at 0.
        assert_eq!(score_of(rule, "10", "50"), dec("0"));
    }

    #[test]
    fn step_deduction_with_and_without_partial_steps() {
        // 000: 在职人员控制率 ≤100% full; each point over −0.5.
        let rule = r#"{ kind = "step", figure = "staff_control_rate", threshold = 100, step = 1, points = 0.5, direction = "above" }"#;
        assert_eq!(score_of(rule, "5", "100"), dec("5"));
        assert_eq!(score_of(rule, "5", "101"), dec("4.5"));
        assert_eq!(score_of(rule, "5", "101.9"), dec("4.5"));
        assert_eq!(score_of(rule, "5", "91"), dec("5"));
        assert_eq!(score_of(rule, "5", "150"), dec("0"));
        // 000: 预算完成率 each 5% below 100% −2; a started step counts when partial.
        let rule = r#"{ kind = "step", figure = "budget_execution_rate", threshold = 100, step = 5, points = 2, partial = true }"#;
        assert_eq!(score_of(rule, "5", "97.5"), dec("4"));
        let rule = r#"{ kind = "step", figure = "procurement_execution_rate", threshold = 100, step = 5, points = 2, direction = "both" }"#;
        assert_eq!(score_of(rule, "6", "110"), dec("2"));
        assert_eq!(score_of(rule, "6", "90"), dec("2"));
        assert_eq!(score_of(rule, "6", "104.99"), dec("6"));
    }

    #[test]
    fn huge_values_take_all_points_without_overflow() {
        let huge = "79228162514264337593543950335";
        let rule = r#"{ kind = "step", figure = "staff_control_rate", threshold = 0, step = 0.001, points = 1000, direction = "above" }"#;
        assert_eq!(score_of(rule, "5", huge), dec("0"));
        let rule = r#"{ kind = "linear", figure = "staff_control_rate", per_point = 1000, direction = "above" }"#;
        assert_eq!(score_of(rule, "5", huge), dec("0"));
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
        assert_eq!(score_of(rule, "6", "90"), dec("6"));
        assert_eq!(score_of(rule, "6", "89.99"), dec("4"));
        assert_eq!(score_of(rule, "6", "80"), dec("4"));
        assert_eq!(score_of(rule, "6", "69.99"), dec("0"));
        let rule = parse_rule(
            r#"{ kind = "bands", figure = "satisfaction_rate", bands = [{ from = 90, score = 6 }] }"#,
        );
        let err = apply(&rule, dec("6"), dec("50"), "满意度", "50.00%").unwrap_err();
        assert!(err.contains("不在任何档位"), "{err}");
    }

    #[test]
    fn weight_times_rate() {
        let rule = r#"{ kind = "weight_times_rate", figure = "satisfaction_rate" }"#;
        assert_eq!(score_of(rule, "2", "43"), dec("0.86"));
        assert_eq!(score_of(rule, "2", "100"), dec("2"));
        assert_eq!(score_of(rule, "2", "130"), dec("2"));
    }

    const FRAMEWORK: &str = r#"
[framework]
name = "测试"
levels = ["一级指标", "二级指标"]

[[indicator]]
id = "a"
name = "过程"
weight = 40

[[indicator]]
id = "a.rules"
name = "管理制度健全性"
weight = 8
rule = { kind = "checklist", items = [
  { text = "有内部财务管理制度", points = 2 },
  { text = "有厉行节约制度", points = 2 },
  { text = "制度合法合规", points = 2 },
  { text = "制度有效执行", points = 2 },
] }

[[indicator]]
id = "a.compliance"
name = "资金使用合规性"
weight = 6
rule = { kind = "per_case", points = 1 }

[[indicator]]
id = "a.building"
name = "新建楼堂馆所面积控制率"
weight = 5
na = "full"
rule = { kind = "step", figure = "building_area_control_rate", threshold = 100, step = 5, points = 2, direction = "above" }

[[indicator]]
id = "a.procurement"
name = "政府采购执行率"
weight = 6
na = "exclude"
rule = { kind = "step", figure = "procurement_execution_rate", threshold = 100, step = 5, points = 2, direction = "both" }

[[indicator]]
id = "a.efficiency"
name = "行政效能"
weight = 6
rule = { kind = "levels", levels = [{ name = "好", score = 6 }, { name = "一般", score = 3 }, { name = "差", score = 0 }] }

[[indicator]]
id = "a.life"
name = "提高人民群众生活质量"
weight = 9
target = "提高"
rule = { kind = "tiers" }

[[indicator]]
id = "b"
name = "产出"
weight = 60

[[indicator]]
id = "b.key"
name = "重点工作完成率"
weight = 30
rule = { kind = "target", op = ">=", value = 100 }

[[indicator]]
id = "b.people"
name = "群众满意度"
weight = 30
rule = { kind = "assessor" }

[[indicator]]
id = "plus"
name = "加分项"
weight = 5
role = "bonus"
rule = { kind = "assessor" }
"#;

    /// The minimal facts plus a finding for every assessed indicator.
    fn facts() -> String {
        format!("{}{ASSESSED}", crate::facts::MINIMAL)
    }

    const ASSESSED: &str = r#"
[procurement]
budget = 100
actual = 89
[assess."a.rules"]
met = [true, true, false, true]
[assess."a.compliance"]
cases = 2
reason = "两笔支出审批手续不全"
[assess."a.building"]
na = true
[assess."a.efficiency"]
level = "一般"
[assess."a.life"]
tier = "达成"
score = 8
reason = "社会调查中 95% 的受访者认为生活质量提高"
[assess."b.key"]
actual = 90
unit = "%"
[assess."b.people"]
score = 28
reason = "问卷满意度 96%"
[assess.plus]
score = 2
reason = "获省级表彰"
"#;

    fn sheet_with(facts_text: &str) -> Result<ScoreSheet> {
        sheet_for(FRAMEWORK, facts_text)
    }

    fn sheet_for(framework: &str, facts_text: &str) -> Result<ScoreSheet> {
        let fw = Framework::parse(std::path::Path::new("fw.toml"), framework).unwrap();
        let facts = FactsFile::parse(std::path::Path::new("f.toml"), facts_text.into())?;
        let figures = Figures::compute(&facts);
        score(&fw, &facts, &figures)
    }

    fn leaf<'a>(sheet: &'a ScoreSheet, id: &str) -> &'a Scored {
        sheet.leaves().into_iter().find(|l| l.id == id).unwrap()
    }

    #[test]
    fn every_assessed_rule_kind() {
        let sheet = sheet_with(&facts()).unwrap();
        assert_eq!(leaf(&sheet, "a.rules").score, dec("6"));
        let reason = &leaf(&sheet, "a.rules")
            .leaf
            .as_ref()
            .unwrap()
            .deduction
            .as_ref()
            .unwrap()
            .reason;
        assert!(reason.contains("制度合法合规"), "{reason}");
        assert_eq!(leaf(&sheet, "a.compliance").score, dec("4"));
        assert_eq!(leaf(&sheet, "a.efficiency").score, dec("3"));
        assert_eq!(leaf(&sheet, "a.life").score, dec("8"));
        assert_eq!(leaf(&sheet, "b.key").score, dec("27"));
        assert_eq!(leaf(&sheet, "b.people").score, dec("28"));
        // 政府采购执行率 89%: 11 points off 100%, two whole steps of 5 → −4.
        assert_eq!(leaf(&sheet, "a.procurement").score, dec("2"));
    }

    #[test]
    fn not_applicable_full_marks() {
        let sheet = sheet_with(&facts()).unwrap();
        let building = leaf(&sheet, "a.building");
        assert_eq!(building.score, dec("5"));
        assert_eq!(building.not_applicable, Some(NotApplicable::Full));
        assert_eq!(sheet.applicable, dec("100"));
        assert_eq!(sheet.converted, None);
    }

    #[test]
    fn not_applicable_leaves_the_base_and_converts() {
        let facts = format!(
            "{}\n[assess.\"a.procurement\"]\nna = true\nreason = \"本年度无政府采购\"\n",
            facts()
        );
        let facts = facts.replace("[procurement]\nbudget = 100\nactual = 89\n", "");
        let sheet = sheet_with(&facts).unwrap();
        assert_eq!(
            leaf(&sheet, "a.procurement").not_applicable,
            Some(NotApplicable::Excluded)
        );
        assert_eq!(sheet.applicable, dec("94"));
        // raw: 6 + 4 + 5 + 0 + 3 + 8 + 27 + 28 = 81 of 94 → 86.17 of 100.
        assert_eq!(sheet.raw, dec("81"));
        assert_eq!(sheet.converted, Some(dec("86.17")));
        // Plus the bonus of 2.
        assert_eq!(sheet.total, dec("88.17"));
        assert_eq!(sheet.grade, "良");
    }

    #[test]
    fn bonus_sits_outside_the_base() {
        let sheet = sheet_with(&facts()).unwrap();
        assert_eq!(sheet.raw, dec("83"));
        assert_eq!(sheet.bonus, dec("2"));
        assert_eq!(sheet.total, dec("85"));
        assert_eq!(sheet.roots.len(), 2);
        assert_eq!(sheet.adjustments.len(), 1);
    }

    #[test]
    fn penalty_comes_off_the_total_with_a_floor_of_zero() {
        let framework = FRAMEWORK.replace("role = \"bonus\"", "role = \"penalty\"");
        let sheet = sheet_for(&framework, &facts()).unwrap();
        assert_eq!(sheet.penalty, dec("2"));
        assert_eq!(sheet.total, dec("81"));
        let framework = framework.replace("weight = 5\nrole", "weight = 100\nrole");
        let facts = facts().replace(
            "score = 2\nreason = \"获省级表彰\"",
            "score = 95\nreason = \"重大违纪\"",
        );
        let sheet = sheet_for(&framework, &facts).unwrap();
        assert_eq!(sheet.total, Decimal::ZERO);
        assert_eq!(sheet.grade, "差");
    }

    #[test]
    fn assessment_errors_name_the_field() {
        let bad = |from: &str, to: &str| {
            sheet_with(&facts().replace(from, to))
                .unwrap_err()
                .to_string()
        };
        let msg = bad("score = 28\nreason = \"问卷满意度 96%\"", "score = 28");
        assert!(msg.contains("assess.b.people.reason"), "{msg}");
        let msg = bad("score = 28", "score = 31");
        assert!(
            msg.contains("assess.b.people.score") && msg.contains("0–30"),
            "{msg}"
        );
        let msg = bad("tier = \"达成\"\nscore = 8", "tier = \"达成\"\nscore = 5");
        assert!(
            msg.contains("assess.a.life.score") && msg.contains("7.2–9"),
            "{msg}"
        );
        let msg = bad("level = \"一般\"", "level = \"很好\"");
        assert!(msg.contains("好、一般、差"), "{msg}");
        let msg = bad("met = [true, true, false, true]", "met = [true]");
        assert!(msg.contains("4 个检查项"), "{msg}");
        let msg = bad(
            "[assess.\"a.efficiency\"]\nlevel",
            "[assess.\"a.efficiency\"]\nna = true\nlevel",
        );
        assert!(
            msg.contains("不允许标记为不适用") && msg.contains("f.toml:"),
            "{msg}"
        );
        let msg = bad("[assess.plus]", "[assess.minus]");
        assert!(
            msg.contains("assess.minus") && msg.contains("plus（加分项）"),
            "{msg}"
        );
    }

    #[test]
    fn distance_by_direction() {
        assert_eq!(
            distance(dec("99.93"), dec("100"), Direction::Below),
            dec("0.07")
        );
        assert_eq!(
            distance(dec("101"), dec("100"), Direction::Below),
            Decimal::ZERO
        );
        assert_eq!(
            distance(dec("101"), dec("100"), Direction::Above),
            Decimal::ONE
        );
        assert_eq!(distance(dec("95"), dec("100"), Direction::Both), dec("5"));
    }
}
