//! Scores the facts against a framework. Leaves are scored by their rule and
//! rounded 四舍五入 to two decimals; every branch is the sum of its children,
//! so the totals always add up.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::facts::{Comparison, FactsFile, IndicatorFact, Target};
use crate::figures::{Figures, Kind};
use crate::framework::{Direction, Framework, Node, Rule};
use crate::num::{self, round2};

#[derive(Debug, Clone, Serialize)]
pub struct ScoreSheet {
    pub framework: String,
    pub levels: Vec<String>,
    pub roots: Vec<Scored>,
    pub weight: Decimal,
    pub total: Decimal,
    pub grade: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub id: String,
    pub name: String,
    pub weight: Decimal,
    pub score: Decimal,
    /// What the indicator measures (指标说明), when known.
    pub description: Option<String>,
    pub children: Vec<Scored>,
    /// Present on leaves.
    pub leaf: Option<Leaf>,
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
    pub fn leaves(&self) -> Vec<&Scored> {
        self.roots.iter().flat_map(|r| r.leaves()).collect()
    }
}

pub fn score(framework: &Framework, facts: &FactsFile, figures: &Figures) -> Result<ScoreSheet> {
    check_branches(framework, facts)?;
    let scorer = Scorer {
        framework,
        facts,
        figures,
    };
    let roots = framework
        .roots
        .iter()
        .map(|n| scorer.node(n, None))
        .collect::<Result<Vec<_>>>()?;
    let total: Decimal = roots.iter().map(|r| r.score).sum();
    Ok(ScoreSheet {
        framework: framework.header.name.clone(),
        levels: framework.header.levels.clone(),
        weight: framework.header.total,
        grade: framework.grade(total),
        total,
        roots,
    })
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

impl Scorer<'_> {
    fn node(&self, node: &Node, inherited_measure: Option<&str>) -> Result<Scored> {
        let measure = node.def.measure.as_deref().or(inherited_measure);
        let children = if node.def.open {
            self.unit_leaves(node, measure)?
        } else {
            node.children
                .iter()
                .map(|c| self.node(c, measure))
                .collect::<Result<Vec<_>>>()?
        };
        let (score, leaf) = match &node.def.rule {
            Some(rule) => {
                let (score, leaf) = self.rule_leaf(node, rule, measure)?;
                (score, Some(leaf))
            }
            None => (children.iter().map(|c| c.score).sum(), None),
        };
        Ok(Scored {
            id: node.def.id.clone(),
            name: node.def.name.clone(),
            weight: node.def.weight,
            score,
            description: node.def.description.clone(),
            children,
            leaf,
        })
    }

    fn rule_leaf(
        &self,
        node: &Node,
        rule: &Rule,
        measure: Option<&str>,
    ) -> Result<(Decimal, Leaf)> {
        let id = rule.figure();
        let x = self.figures.require(id)?;
        let figure = self.figures.get(id).expect("required figure exists");
        let label = figure.label;
        let weight = node.def.weight;
        let shown = display(x, figure.kind, "");
        let (score, reason) = apply(rule, weight, x, label, &shown)
            .map_err(|message| self.framework_error(node, message))?;
        let score = round2(score);
        let target = node.def.target.clone().unwrap_or_else(|| rule_target(rule));
        let leaf = Leaf {
            basis: format!("{label}{shown}"),
            deduction: deduction(weight, score, reason, measure, &node.def.name),
            target,
            actual: shown,
        };
        Ok((score, leaf))
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
        let measure = fact.measure.as_deref().or(measure);
        let fact_error = |field: &str, message: String| Error::Fact {
            location: Some(self.facts.location(offset)),
            file: self.facts.path.clone(),
            field: field.to_string(),
            message,
        };
        let (score, target, actual, basis, reason) = match &fact.target {
            Target::Quantity { op, value } => {
                let (actual, kind) = match (&fact.actual_figure, fact.actual) {
                    (Some(id), _) => {
                        let kind = self.figures.get(id).map(|f| f.kind).ok_or_else(|| {
                            fact_error(
                                "indicators.actual_figure",
                                format!("没有名为 {id} 的计算值。"),
                            )
                        })?;
                        (self.figures.require(id)?, Some(kind))
                    }
                    (None, Some(actual)) => (actual, None),
                    (None, None) => unreachable!("validated when the facts were loaded"),
                };
                let unit = fact.unit.as_str();
                let target = format!("{}{}", op.symbol(), display_plain(*value, unit));
                let actual_text = match kind {
                    Some(kind) => display(actual, kind, unit),
                    None => display_plain(actual, unit),
                };
                let ratio = completion(*op, *value, actual);
                let score = round2(weight * ratio.min(Decimal::ONE));
                let ratio_text = num::percent(ratio * Decimal::ONE_HUNDRED);
                let reason = format!(
                    "年度指标值{target}，实际完成{actual_text}，完成程度{ratio_text}，按完成比例计分"
                );
                let basis = format!("年度指标值{target}，实际完成{actual_text}");
                (score, target, actual_text, basis, reason)
            }
            Target::Quality { text } => {
                let tier_name = fact.tier.as_deref().unwrap_or_default();
                let score = fact.score.unwrap_or_default();
                let tiers = &self.framework.qualitative.tiers;
                let tier = tiers.iter().find(|t| t.name == tier_name).ok_or_else(|| {
                    let names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
                    fact_error(
                        "indicators.tier",
                        format!("档次「{tier_name}」不存在，可选：{}。", names.join("、")),
                    )
                })?;
                let low = round2(weight * tier.min / Decimal::ONE_HUNDRED);
                let high = round2(weight * tier.max / Decimal::ONE_HUNDRED);
                if score < low || score > high {
                    return Err(fact_error(
                        "indicators.score",
                        format!(
                            "指标「{}」评为「{tier_name}」，得分应在 {}–{} 分之间，现为 {} 分。",
                            fact.name,
                            num::score(low),
                            num::score(high),
                            num::score(score)
                        ),
                    ));
                }
                let actual = fact
                    .actual_text
                    .clone()
                    .unwrap_or_else(|| tier_name.to_string());
                let basis = format!("年度指标值“{text}”，实际完成“{actual}”，评为“{tier_name}”");
                let reason = match (&fact.reason, score < weight) {
                    (Some(reason), _) => format!("{basis}，{}", reason.trim_end_matches('。')),
                    (None, false) => basis.clone(),
                    (None, true) => {
                        return Err(fact_error(
                            "indicators.reason",
                            format!(
                                "定性指标「{}」扣了分，请在 reason 中写明扣分理由。",
                                fact.name
                            ),
                        ));
                    }
                };
                (round2(score), text.clone(), actual, basis, reason)
            }
        };
        Ok(Scored {
            id: format!("{}.{index}", branch.def.id),
            name: fact.name.clone(),
            weight,
            score,
            description: None,
            children: Vec::new(),
            leaf: Some(Leaf {
                target,
                actual,
                basis,
                deduction: deduction(weight, score, reason, measure, &fact.name),
            }),
        })
    }
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
            let score = clamp(weight - gap * per_point, weight);
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
            let steps = if *partial {
                beyond / step
            } else {
                (beyond / step).floor()
            };
            let score = clamp(weight - steps * points, weight);
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
            format!("针对「{name}」失分原因逐项整改，明确责任和时限，确保下一年度达到目标。")
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
