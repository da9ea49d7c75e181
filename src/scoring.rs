//! Scores the facts against a framework. Leaves are scored by their rule and
//! rounded 四舍五入 to two decimals; every branch is the sum of its children,
//! so the totals always add up. Indicators marked not applicable either earn
//! full marks or leave the base, in which case the total is converted to the
//! framework's full score (换算得分).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use toml::Spanned;

use crate::error::{Error, Location, Result};
use crate::facts::{Assessment, FactsFile, IndicatorFact, Target};
use crate::figures::Figures;
use crate::framework::{Framework, NaPolicy, Node, Role};
use crate::num::{self, round2};
use crate::rule::target::{Actual, actual_value, met, quantity, range};
use crate::rule::tiers::{Judgement, quality};
use crate::rule::{Finding, Inputs, Problem, Rule, Shown};

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
    /// `None` when the framework declares no grades.
    pub grade: Option<String>,
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

/// A scored leaf's values, as data: templates word them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Leaf {
    /// The rule kind (`linear` …), or `unit_quantity` (a number or range
    /// target), `unit_text` (a text met or not) or `unit_quality` (a text
    /// judged by tier) for a unit's own indicator.
    pub kind: &'static str,
    /// 年度指标值 as printed.
    pub target: String,
    /// 实际完成值 as printed.
    pub actual: String,
    /// The facts' own unit of measure, target text, actual text, remark and
    /// reason, as the unit wrote them.
    pub unit: String,
    pub target_text: Option<String>,
    pub actual_text: Option<String>,
    pub remark: Option<String>,
    pub reason: Option<String>,
    /// The figure the rule read, if any.
    pub figure: Option<Shown>,
    /// The mark compared with, as printed; empty when the kind has none.
    pub threshold: String,
    /// Completion, as printed, when the kind scores by it.
    pub ratio: Option<String>,
    /// The kind's other printed values (see `rule::Finding::detail`).
    pub detail: BTreeMap<&'static str, String>,
    /// See [`Finding::exceeded`].
    pub exceeded: bool,
    pub deduction: Option<Deduction>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deduction {
    pub lost: Decimal,
    /// What the unit (or the framework) will do about it; templates word a
    /// default when there is none.
    pub measure: Option<String>,
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

    /// Scores the facts against the framework.
    pub fn compute(framework: &Framework, facts: &FactsFile, figures: &Figures) -> Result<Self> {
        for indicator in &facts.data.indicators {
            check_branch(framework, facts, indicator, "indicators")?;
        }
        check_assessments(framework, facts)?;
        let scorer = Scorer::new(framework, facts, figures);
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
        let converted = (applicable < weight && !applicable.is_zero())
            .then(|| round2(raw * weight / applicable));
        let total = (converted.unwrap_or(raw) + bonus - penalty).max(Decimal::ZERO);
        Ok(ScoreSheet {
            framework: framework.header.name.clone(),
            levels: framework.header.levels.clone(),
            grade: framework.grade(total)?,
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
}

fn clear_deductions(node: &mut Scored) {
    if let Some(leaf) = &mut node.leaf {
        leaf.deduction = None;
    }
    node.children.iter_mut().for_each(clear_deductions);
}

/// An indicator the unit set itself must hang under an open branch of the
/// framework; `field` is where it sits in the facts (`indicators`,
/// `projects[2].indicators`).
pub fn check_branch(
    framework: &Framework,
    facts: &FactsFile,
    indicator: &Spanned<IndicatorFact>,
    field: &str,
) -> Result<()> {
    let branch = &indicator.get_ref().branch;
    if framework.find(branch).is_some_and(|n| n.def.open) {
        return Ok(());
    }
    let open: Vec<String> = open_branches(&framework.roots);
    Err(Error::Fact {
        location: Some(facts.location(indicator.span().start)),
        file: facts.path.clone(),
        field: format!("{field}.branch"),
        message: format!(
            "「{branch}」不是可自设指标的分支。可用的分支：{}。",
            open.join("、")
        ),
    })
}

/// Every assessment must name a scored leaf of the framework.
fn check_assessments(framework: &Framework, facts: &FactsFile) -> Result<()> {
    for (id, assessment) in &facts.data.assess {
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

/// Scores a unit's facts leaf by leaf; the score sheet walks the whole
/// framework with it, and a project's sheet scores its own indicators with
/// [`Scorer::own_leaf`], so both score them alike.
pub struct Scorer<'a> {
    framework: &'a Framework,
    facts: &'a FactsFile,
    figures: &'a Figures,
}

/// Where in the facts a leaf's inputs are, for messages.
struct Place {
    offset: Option<usize>,
    /// Dotted prefix of the fields: `indicators`, `projects[2].indicators`
    /// or `assess.<id>`.
    prefix: String,
}

impl<'a> Scorer<'a> {
    pub fn new(framework: &'a Framework, facts: &'a FactsFile, figures: &'a Figures) -> Self {
        Scorer {
            framework,
            facts,
            figures,
        }
    }

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
        let spanned = self.facts.data.assess.get(&def.id);
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
            scored.not_applicable = Some(how);
            (scored.score, scored.applicable) = match how {
                NotApplicable::Full => (def.weight, def.weight),
                NotApplicable::Excluded => (Decimal::ZERO, Decimal::ZERO),
            };
            scored.leaf = Some(Leaf {
                kind: rule.name(),
                target: def.target.clone().unwrap_or_else(|| rule.target()),
                actual: "不适用".into(),
                ..assessed(assessment)
            });
            return Ok(());
        }
        let inputs = Inputs {
            indicator: def.indicator(),
            assessment,
            figures: self.figures,
            qualitative: &self.framework.qualitative.tiers,
        };
        let finding = rule
            .score(&inputs)
            .map_err(|problem| self.problem(node, &place, problem))?;
        let score = round2(finding.score);
        let measure = assessment.measure.as_deref().or(measure);
        scored.score = score;
        scored.leaf = Some(Leaf {
            deduction: deduction(def.weight, score, measure),
            ..leaf(
                rule.name(),
                finding,
                def.target.clone(),
                assessed(assessment),
            )
        });
        Ok(())
    }

    /// Says where a rule's problem with `node` lies: in the facts at
    /// `place`, or in the framework.
    fn problem(&self, node: &Node, place: &Place, problem: Problem) -> Error {
        match problem {
            Problem::Fact { field, message } => self.error(place, field, message),
            Problem::Framework(message) => Error::Framework {
                location: Some(Location::from_offset(
                    &self.framework.file,
                    &self.framework.text,
                    node.offset,
                )),
                file: self.framework.file.clone(),
                indicator: node.def.id.clone(),
                message,
            },
            Problem::Conflict { field, message } => {
                let rule =
                    Location::from_offset(&self.framework.file, &self.framework.text, node.offset);
                let message = format!(
                    "{message}评价指标体系中的规定见 {}:{}（指标 {}）。",
                    rule.file.display(),
                    rule.line,
                    node.def.id
                );
                self.error(place, field, message)
            }
            Problem::Figure(error) => Error::NeededBy {
                indicator: format!("指标「{}」（{}）的计分规则", node.def.name, node.def.id),
                error: Box::new(error),
            },
        }
    }

    /// The leaves a unit set itself under an open branch.
    fn unit_leaves(&self, node: &Node, measure: Option<&str>) -> Result<Vec<Scored>> {
        let facts = self.facts;
        let items: Vec<_> = facts
            .data
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
                    num::points(node.def.weight),
                    node.def.id,
                    num::points(node.def.weight)
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
                    num::points(sum),
                    num::points(node.def.weight)
                ),
            });
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.own_leaf(node, item, "indicators", i + 1, measure))
            .collect()
    }

    /// One indicator the unit set itself under the open `branch`, scored by
    /// its target: a number or range in proportion, a text met or not, a
    /// text by tier and score. `field` is where it sits in the facts
    /// (`indicators`, `projects[2].indicators`), `index` its place under the
    /// branch (its id is `<branch>.<index>`), `measure` the framework's
    /// measure when the indicator names none.
    pub fn own_leaf(
        &self,
        branch: &Node,
        item: &Spanned<IndicatorFact>,
        field: &str,
        index: usize,
        measure: Option<&str>,
    ) -> Result<Scored> {
        let fact = item.get_ref();
        let weight = fact.weight;
        let place = Place {
            offset: Some(item.span().start),
            prefix: field.into(),
        };
        let problem = |problem| self.problem(branch, &place, problem);
        // A quantitative target's actual value: typed, or a figure.
        let measured = || -> Result<Actual> {
            let (value, kind) =
                actual_value(self.figures, fact.actual_figure.as_deref(), fact.actual)
                    .map_err(problem)?
                    .expect("validated when the facts were loaded");
            Ok(Actual {
                value,
                kind,
                text: fact.actual_text.as_deref(),
            })
        };
        let (kind, finding) = match &fact.target {
            Target::Quantity { op, value } => {
                let actual = measured()?;
                let finding = quantity(weight, *op, *value, actual, &fact.unit);
                ("unit_quantity", finding)
            }
            Target::Range { min, max } => {
                let actual = measured()?;
                (
                    "unit_quantity",
                    range(weight, *min, *max, actual, &fact.unit),
                )
            }
            Target::Met { text, met: done } => {
                let finding = met(weight, text, *done, fact.actual_text.as_deref());
                if !done && fact.reason.is_none() {
                    return Err(self.error(
                        &place,
                        "reason",
                        format!("指标「{}」未达成，请在 reason 中写明原因。", fact.name),
                    ));
                }
                ("unit_text", finding)
            }
            Target::Quality { text } => {
                let tier = fact.tier.as_deref().unwrap_or_default();
                let judgement = Judgement {
                    tier,
                    score: fact.score.unwrap_or_default(),
                    actual: fact.actual_text.clone().unwrap_or_else(|| tier.to_string()),
                    reason: fact.reason.as_deref(),
                };
                let tiers = &self.framework.qualitative.tiers;
                let finding =
                    quality(&fact.name, weight, tiers, text, judgement).map_err(problem)?;
                ("unit_quality", finding)
            }
        };
        let score = round2(finding.score);
        let own = Leaf {
            unit: fact.unit.clone(),
            target_text: fact.target.text().map(str::to_string),
            actual_text: fact.actual_text.clone(),
            remark: fact.remark.clone(),
            reason: fact.reason.clone(),
            ..Leaf::default()
        };
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
                deduction: deduction(weight, score, fact.measure.as_deref().or(measure)),
                ..leaf(kind, finding, None, own)
            }),
        })
    }
}

/// The unit's own words on a leaf, from its `[assess.<id>]`.
fn assessed(a: &Assessment) -> Leaf {
    Leaf {
        unit: a.unit.clone(),
        target_text: a.target.as_ref().and_then(Target::text).map(str::to_string),
        actual_text: a.actual_text.clone(),
        remark: a.remark.clone(),
        reason: a.reason.clone(),
        ..Leaf::default()
    }
}

/// A leaf from its rule's finding and the unit's own words; `target` is
/// the framework's printed 年度指标值, which wins over the finding's.
fn leaf(kind: &'static str, finding: Finding, target: Option<String>, own: Leaf) -> Leaf {
    Leaf {
        kind,
        target: target.unwrap_or(finding.target),
        actual: finding.actual,
        figure: finding.figure,
        threshold: finding.threshold,
        ratio: finding.ratio,
        detail: finding.detail,
        exceeded: finding.exceeded,
        ..own
    }
}

fn deduction(weight: Decimal, score: Decimal, measure: Option<&str>) -> Option<Deduction> {
    (score < weight).then(|| Deduction {
        lost: weight - score,
        measure: measure.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const FRAMEWORK: &str = r#"
[framework]
name = "测试"
levels = ["一级指标", "二级指标"]
grades = [{ name = "优", min = 90 }, { name = "良", min = 80 }, { name = "中", min = 60 }, { name = "差", min = 0 }]

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
        let figures = Figures::compute(&facts, &[]);
        ScoreSheet::compute(&fw, &facts, &figures)
    }

    fn leaf<'a>(sheet: &'a ScoreSheet, id: &str) -> &'a Scored {
        sheet.leaves().into_iter().find(|l| l.id == id).unwrap()
    }

    #[test]
    fn every_assessed_rule_kind() {
        let sheet = sheet_with(&facts()).unwrap();
        assert_eq!(leaf(&sheet, "a.rules").score, dec("6"));
        let rules = leaf(&sheet, "a.rules").leaf.as_ref().unwrap();
        assert_eq!(rules.detail["missed"], "制度合法合规");
        assert_eq!(rules.deduction.as_ref().unwrap().lost, dec("2"));
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
        assert_eq!(sheet.grade.as_deref(), Some("良"));
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
        assert_eq!(sheet.grade.as_deref(), Some("差"));
    }

    #[test]
    fn a_framework_without_grades_grades_nothing() {
        let framework = FRAMEWORK.replace(
            "grades = [{ name = \"优\", min = 90 }, { name = \"良\", min = 80 }, { name = \"中\", min = 60 }, { name = \"差\", min = 0 }]\n",
            "",
        );
        let sheet = sheet_for(&framework, &facts()).unwrap();
        assert_eq!(sheet.grade, None);
        assert_eq!(sheet.total, dec("85"));
    }

    #[test]
    fn adjustments_need_a_reason_only_when_they_move_the_total() {
        // A bonus of 0 adds nothing and needs no reason.
        let facts = facts().replace("score = 2\nreason = \"获省级表彰\"", "score = 0");
        let sheet = sheet_with(&facts).unwrap();
        assert_eq!(sheet.bonus, Decimal::ZERO);
        assert!(
            sheet.adjustments[0]
                .leaf
                .as_ref()
                .unwrap()
                .deduction
                .is_none()
        );
        // Points added need one.
        let facts = facts.replace("[assess.plus]\nscore = 0", "[assess.plus]\nscore = 1");
        let msg = sheet_with(&facts).unwrap_err().to_string();
        assert!(msg.contains("assess.plus.reason"), "{msg}");
    }

    #[test]
    fn a_penalty_per_case_takes_points_per_case_up_to_its_cap() {
        let framework = FRAMEWORK.replace(
            "role = \"bonus\"\nrule = { kind = \"assessor\" }",
            "role = \"penalty\"\nrule = { kind = \"per_case\", points = 2 }",
        );
        let penalty = |cases: u32| {
            let facts = facts().replace(
                "[assess.plus]\nscore = 2\nreason = \"获省级表彰\"",
                &format!("[assess.plus]\ncases = {cases}"),
            );
            sheet_for(&framework, &facts).unwrap().penalty
        };
        assert_eq!(penalty(0), Decimal::ZERO);
        assert_eq!(penalty(1), dec("2"));
        assert_eq!(penalty(9), dec("5"));
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
}
