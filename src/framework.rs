//! A performance framework as data: an indicator tree of any depth read from
//! TOML, each leaf with its weight and scoring rule. Ids are dotted paths
//! (`output.quantity`), so the tree's shape is in the ids themselves.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Location, Result, TomlFile};
use crate::numbers;
use crate::rule::tiers::{Tier, check_tiers};
use crate::rule::{self, Rule};

/// Deepest indicator tree a framework may describe, counting the level an
/// open branch adds for the unit's own indicators. Real frameworks have 3
/// or 4 levels; the limit keeps every recursive walk of the tree (scoring,
/// the annex, export, init) far from the stack's end, in `batch`'s threads
/// too.
pub const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFile {
    framework: Header,
    #[serde(default)]
    qualitative: Option<Qualitative>,
    indicator: Vec<Spanned<IndicatorDef>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    /// Column names of the levels, e.g. 一级指标, 二级指标, 三级指标.
    pub levels: Vec<String>,
    /// Points of the whole tree; the first-level weights must sum to it.
    #[serde(default = "hundred")]
    pub total: Decimal,
    /// Named score bands; none means the report prints no grade at all.
    #[serde(default)]
    pub grades: Vec<Grade>,
}

fn hundred() -> Decimal {
    Decimal::ONE_HUNDRED
}

/// A grade's band: `min` ≤ score, `above` < score, score ≤ `max`, score <
/// `below`; a missing end is open. Listed from best to worst, the first band
/// holding the score names it, so `min`-only bands need no upper ends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub name: String,
    pub min: Option<Decimal>,
    pub above: Option<Decimal>,
    pub max: Option<Decimal>,
    pub below: Option<Decimal>,
}

impl Grade {
    fn holds(&self, score: Decimal) -> bool {
        self.min.is_none_or(|m| score >= m)
            && self.above.is_none_or(|a| score > a)
            && self.max.is_none_or(|m| score <= m)
            && self.below.is_none_or(|b| score < b)
    }

    /// The band's lower end and whether it is included.
    pub fn lower(&self) -> Option<(Decimal, bool)> {
        self.min
            .map(|m| (m, true))
            .or(self.above.map(|a| (a, false)))
    }

    /// The band's upper end and whether it is included.
    pub fn upper(&self) -> Option<(Decimal, bool)> {
        self.max
            .map(|m| (m, true))
            .or(self.below.map(|b| (b, false)))
    }
}

/// How the assessor's score of a qualitative indicator is bounded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualitative {
    pub tiers: Vec<Tier>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    pub id: String,
    pub name: String,
    pub weight: Decimal,
    /// How a leaf is scored.
    pub rule: Option<Rule>,
    /// The unit supplies this branch's leaves in its facts.
    #[serde(default)]
    pub open: bool,
    /// 年度指标值 as printed for a rule-scored leaf, e.g. 「100%」.
    pub target: Option<String>,
    /// 指标说明: what it measures.
    pub description: Option<String>,
    /// 评价标准: how it is scored, as printed in the annex.
    pub standard: Option<String>,
    /// Whether the facts may mark it not applicable, and what that means.
    #[serde(default)]
    pub na: NaPolicy,
    /// A first-level indicator may sit outside the base as 加分 or 扣分.
    #[serde(default)]
    pub role: Role,
    /// 改进措施 wording used when this indicator (or one below it) loses points.
    pub measure: Option<String>,
}

impl IndicatorDef {
    /// The indicator as its rule sees it.
    pub fn indicator(&self) -> rule::Indicator<'_> {
        rule::Indicator {
            id: &self.id,
            name: &self.name,
            weight: self.weight,
            target: self.target.as_deref(),
            standard: self.standard.as_deref(),
            role: self.role,
        }
    }
}

/// What a not-applicable mark in the facts does to an indicator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NaPolicy {
    /// The indicator always applies.
    #[default]
    Never,
    /// Not applicable earns full marks (000: 没有楼堂馆所项目的部门按满分计算).
    Full,
    /// Not applicable leaves the base; the total is converted to 100.
    Exclude,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Base,
    /// 加分项: its score is added to the total.
    Bonus,
    /// 扣分项: its score is taken off the total.
    Penalty,
}

/// A node of the validated tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub def: IndicatorDef,
    /// Byte offset of its table in the framework file, for messages.
    pub offset: usize,
    pub children: Vec<Node>,
}

impl Node {
    pub fn depth(&self) -> usize {
        self.def.id.split('.').count()
    }
}

#[derive(Debug, Clone)]
pub struct Framework {
    pub file: PathBuf,
    pub text: String,
    pub header: Header,
    pub qualitative: Qualitative,
    pub roots: Vec<Node>,
}

impl Framework {
    pub fn parse(file: &Path, text: &str) -> Result<Self> {
        let raw: FrameworkFile = toml::from_str(text)
            .map_err(|err| Error::toml(TomlFile::Framework, file, text, &err))?;
        numbers::check(text).map_err(|e| Error::Framework {
            location: Some(Location::from_offset(file, text, e.offset)),
            file: file.to_path_buf(),
            indicator: e.field,
            message: e.message,
        })?;
        if let Some(q) = &raw.qualitative {
            let fw_error = |message| Error::Framework {
                location: None,
                file: file.to_path_buf(),
                indicator: "qualitative".into(),
                message,
            };
            if q.tiers.is_empty() {
                return Err(fw_error("[qualitative] tiers 不能为空。".into()));
            }
        }
        let fw = Framework {
            file: file.to_path_buf(),
            text: text.to_string(),
            qualitative: raw.qualitative.unwrap_or_else(|| Qualitative {
                tiers: vec![
                    tier("达成", 80, 100),
                    tier("部分达成", 60, 80),
                    tier("未达成", 0, 60),
                ],
            }),
            header: raw.framework,
            roots: Vec::new(),
        };
        check_tiers(&fw.qualitative.tiers)
            .map_err(|message| fw.error(None, "qualitative", message))?;
        fw.check_grades()?;
        let defs: Vec<(IndicatorDef, usize)> = raw
            .indicator
            .into_iter()
            .map(|s| {
                let offset = s.span().start;
                (s.into_inner(), offset)
            })
            .collect();
        fw.build(defs)
    }

    fn error(&self, offset: Option<usize>, indicator: &str, message: String) -> Error {
        Error::Framework {
            location: offset.map(|o| Location::from_offset(&self.file, &self.text, o)),
            file: self.file.clone(),
            indicator: indicator.to_string(),
            message,
        }
    }

    fn build(mut self, defs: Vec<(IndicatorDef, usize)>) -> Result<Self> {
        rule::check_points("total", self.header.total)
            .map_err(|message| self.error(None, "framework.total", message))?;
        // Before anything walks the tree recursively.
        self.check_depth(&defs)?;
        let mut seen = BTreeSet::new();
        for (def, offset) in &defs {
            if !seen.insert(def.id.as_str()) {
                return Err(self.error(Some(*offset), &def.id, "指标 id 重复。".into()));
            }
            if let Some((parent, _)) = def.id.rsplit_once('.')
                && !seen.contains(parent)
            {
                return Err(self.error(
                    Some(*offset),
                    &def.id,
                    format!("上级指标 {parent} 不存在（上级须写在下级之前）。"),
                ));
            }
            self.check_rule(def, *offset)?;
        }
        let roots = attach(&defs, None);
        if roots.is_empty() {
            return Err(self.error(None, "-", "没有任何指标。".into()));
        }
        self.check_weights(&roots)?;
        for (def, offset) in &defs {
            if def.role != Role::Base && def.id.contains('.') {
                return Err(self.error(
                    Some(*offset),
                    &def.id,
                    "只有一级指标可以设为加分项（bonus）或扣分项（penalty）。".into(),
                ));
            }
        }
        let sum: Decimal = roots
            .iter()
            .filter(|n| n.def.role == Role::Base)
            .map(|n| n.def.weight)
            .sum();
        if sum != self.header.total {
            return Err(self.error(
                Some(roots[0].offset),
                &roots[0].def.id,
                format!(
                    "一级指标分值之和为 {sum}，与总分 {} 不符。",
                    self.header.total
                ),
            ));
        }
        let depth = max_depth(&roots);
        if self.header.levels.len() < depth {
            return Err(self.error(
                None,
                "framework.levels",
                format!(
                    "指标树有 {depth} 级，但 levels 只列出 {} 个级别名称。",
                    self.header.levels.len()
                ),
            ));
        }
        self.roots = roots;
        Ok(self)
    }

    /// The first indicator deeper than `MAX_DEPTH` is refused. Depth is the
    /// number of parts of its dotted id, plus one under an open branch.
    fn check_depth(&self, defs: &[(IndicatorDef, usize)]) -> Result<()> {
        for (def, offset) in defs {
            let depth = def.id.split('.').count() + usize::from(def.open);
            if depth > MAX_DEPTH {
                return Err(self.error(
                    Some(*offset),
                    &shorten(&def.id),
                    format!(
                        "指标层级为 {depth} 级（open 的指标下单位自设的指标算一级），超过上限 {MAX_DEPTH} 级。请减少层级。"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_rule(&self, def: &IndicatorDef, offset: usize) -> Result<()> {
        if def.weight <= Decimal::ZERO {
            return Err(self.error(Some(offset), &def.id, "分值必须大于 0。".into()));
        }
        rule::check_points("weight", def.weight)
            .map_err(|message| self.error(Some(offset), &def.id, message))?;
        let Some(rule) = &def.rule else {
            return Ok(());
        };
        if def.open {
            return Err(self.error(
                Some(offset),
                &def.id,
                "open（由单位自设下级指标）的指标不能同时有 rule。".into(),
            ));
        }
        rule.check(def.weight)
            .map_err(|message| self.error(Some(offset), &def.id, message))
    }

    fn check_weights(&self, nodes: &[Node]) -> Result<()> {
        for node in nodes {
            if node.children.is_empty() {
                if node.def.rule.is_none() && !node.def.open {
                    return Err(self.error(
                        Some(node.offset),
                        &node.def.id,
                        "末级指标需要计分规则 rule，或标记 open = true 由单位自设下级指标。".into(),
                    ));
                }
                continue;
            }
            if node.def.open || node.def.rule.is_some() {
                return Err(self.error(
                    Some(node.offset),
                    &node.def.id,
                    "有下级指标的指标不能再有 rule 或 open。".into(),
                ));
            }
            let sum: Decimal = node.children.iter().map(|c| c.def.weight).sum();
            if sum != node.def.weight {
                return Err(self.error(
                    Some(node.offset),
                    &node.def.id,
                    format!(
                        "下级指标分值之和为 {sum}，与本指标分值 {} 不符。",
                        node.def.weight
                    ),
                ));
            }
            self.check_weights(&node.children)?;
        }
        Ok(())
    }

    pub fn find(&self, id: &str) -> Option<&Node> {
        fn walk<'a>(nodes: &'a [Node], id: &str) -> Option<&'a Node> {
            nodes.iter().find_map(|n| {
                if n.def.id == id {
                    Some(n)
                } else {
                    walk(&n.children, id)
                }
            })
        }
        walk(&self.roots, id)
    }

    /// Each band has at most one lower and one upper end.
    fn check_grades(&self) -> Result<()> {
        for g in &self.header.grades {
            let both = |a: Option<Decimal>, b: Option<Decimal>| a.is_some() && b.is_some();
            if both(g.min, g.above) || both(g.max, g.below) {
                return Err(self.error(
                    None,
                    "framework.grades",
                    format!(
                        "等级「{}」的下限只能写 min（含）或 above（不含）之一，上限只能写 max（含）或 below（不含）之一。",
                        g.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The grade of `score`: the first band holding it; `None` when the
    /// framework declares no grades. A score in no band is the framework's
    /// fault: its bands leave a gap.
    pub fn grade(&self, score: Decimal) -> Result<Option<String>> {
        let grades = &self.header.grades;
        if grades.is_empty() {
            return Ok(None);
        }
        match grades.iter().find(|g| g.holds(score)) {
            Some(g) => Ok(Some(g.name.clone())),
            None => Err(self.error(
                None,
                "framework.grades",
                format!(
                    "总分 {} 不在任何等级的范围内。请补全 grades，使各等级覆盖 0 到总分的全部分数。",
                    crate::num::points(score)
                ),
            )),
        }
    }
}

/// A long id as a message names it: its first and last parts.
fn shorten(id: &str) -> String {
    let parts: Vec<&str> = id.split('.').collect();
    if parts.len() <= 4 {
        return id.to_string();
    }
    format!("{}.{}.….{}", parts[0], parts[1], parts[parts.len() - 1])
}

fn tier(name: &str, min: i64, max: i64) -> Tier {
    Tier {
        name: name.into(),
        min: min.into(),
        max: max.into(),
    }
}

fn attach(defs: &[(IndicatorDef, usize)], parent: Option<&str>) -> Vec<Node> {
    defs.iter()
        .filter(|(def, _)| def.id.rsplit_once('.').map(|(p, _)| p) == parent)
        .map(|(def, offset)| Node {
            def: def.clone(),
            offset: *offset,
            children: attach(defs, Some(&def.id)),
        })
        .collect()
}

fn max_depth(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| {
            if n.def.open {
                n.depth() + 1
            } else {
                n.depth().max(max_depth(&n.children))
            }
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FW: &str = r#"
[framework]
name = "测试"
levels = ["一级指标", "二级指标", "三级指标"]

[[indicator]]
id = "budget"
name = "预算执行率"
weight = 10
rule = { kind = "linear", figure = "budget_execution_rate", per_point = 1 }

[[indicator]]
id = "output"
name = "产出指标"
weight = 90

[[indicator]]
id = "output.quantity"
name = "数量指标"
weight = 90
open = true
"#;

    fn parse(text: &str) -> Result<Framework> {
        Framework::parse(Path::new("fw.toml"), text)
    }

    #[test]
    fn builds_tree() {
        let fw = parse(FW).unwrap();
        assert_eq!(fw.roots.len(), 2);
        assert_eq!(fw.roots[1].children[0].def.id, "output.quantity");
        assert_eq!(fw.grade(Decimal::ZERO).unwrap(), None);
    }

    fn with_grades(grades: &str) -> Framework {
        let text = FW.replace(
            "levels = [\"一级指标\", \"二级指标\", \"三级指标\"]\n",
            &format!("levels = [\"一级指标\", \"二级指标\", \"三级指标\"]\ngrades = {grades}\n"),
        );
        parse(&text).unwrap()
    }

    #[test]
    fn grades_by_bands_open_or_closed() {
        let grade = |fw: &Framework, s: &str| fw.grade(s.parse().unwrap()).unwrap();
        // min-only bands, best first: the first band the score reaches.
        let fw = with_grades(
            r#"[{ name = "优", min = 90 }, { name = "良", min = 80 }, { name = "差", min = 0 }]"#,
        );
        assert_eq!(grade(&fw, "99.93").as_deref(), Some("优"));
        assert_eq!(grade(&fw, "89.99").as_deref(), Some("良"));
        assert_eq!(grade(&fw, "0").as_deref(), Some("差"));
        // Open ends: 85 is 中 (above 85 is needed for 好), 60 is 差.
        let fw = with_grades(
            r#"[{ name = "好", above = 85 }, { name = "中", min = 60, max = 85 }, { name = "差", below = 60 }]"#,
        );
        assert_eq!(grade(&fw, "85.01").as_deref(), Some("好"));
        assert_eq!(grade(&fw, "85").as_deref(), Some("中"));
        assert_eq!(grade(&fw, "59.99").as_deref(), Some("差"));
        // A gap is the framework's fault and names its file.
        let fw = with_grades(r#"[{ name = "好", min = 80 }, { name = "差", below = 50 }]"#);
        let msg = fw.grade("60".parse().unwrap()).unwrap_err().to_string();
        assert!(
            msg.contains("fw.toml") && msg.contains("不在任何等级"),
            "{msg}"
        );
        // Two lower ends are refused.
        let text = FW.replace(
            "三级指标\"]\n",
            "三级指标\"]\ngrades = [{ name = \"好\", min = 1, above = 2 }]\n",
        );
        let msg = parse(&text).unwrap_err().to_string();
        assert!(msg.contains("min（含）或 above（不含）之一"), "{msg}");
    }

    #[test]
    fn weights_must_add_up() {
        let text = FW.replace("weight = 90\nopen", "weight = 80\nopen");
        let msg = parse(&text).unwrap_err().to_string();
        assert!(msg.contains("fw.toml:12:"), "{msg}");
        assert!(msg.contains("output") && msg.contains("80"), "{msg}");
    }

    #[test]
    fn duplicate_and_orphan_ids() {
        let text = FW.replace("id = \"output\"\n", "id = \"budget\"\n");
        let msg = parse(&text).unwrap_err().to_string();
        assert!(msg.contains("重复"), "{msg}");
        let text = FW.replace("id = \"output.quantity\"", "id = \"outcome.quantity\"");
        let msg = parse(&text).unwrap_err().to_string();
        assert!(msg.contains("上级指标 outcome 不存在"), "{msg}");
    }

    /// A chain of `depth` indicators, the last scored by the assessor.
    fn chain(depth: usize, open: bool) -> String {
        let levels = vec!["\"级\""; depth + usize::from(open)].join(", ");
        let mut text = format!("[framework]\nname = \"深\"\nlevels = [{levels}]\n");
        for level in 1..=depth {
            let id = vec!["a"; level].join(".");
            text.push_str(&format!(
                "[[indicator]]\nid = \"{id}\"\nname = \"级\"\nweight = 100\n"
            ));
        }
        text.push_str(if open {
            "open = true\n"
        } else {
            "rule = { kind = \"assessor\" }\n"
        });
        text
    }

    #[test]
    fn depth_is_limited() {
        parse(&chain(MAX_DEPTH, false)).unwrap();
        // The 17th level, on line 4 × 16 + 4, is the first too deep.
        let msg = parse(&chain(MAX_DEPTH + 1, false)).unwrap_err().to_string();
        assert!(
            msg.contains("fw.toml:68:") && msg.contains("17 级"),
            "{msg}"
        );
        assert!(msg.contains("指标 a.a.….a："), "{msg}");
        // An open branch's unit indicators are one level more.
        let msg = parse(&chain(MAX_DEPTH, true)).unwrap_err().to_string();
        assert!(msg.contains("fw.toml:64:"), "{msg}");
    }

    #[test]
    fn overlapping_bands_are_refused() {
        let text = FW.replace(
            r#"rule = { kind = "linear", figure = "budget_execution_rate", per_point = 1 }"#,
            r#"rule = { kind = "bands", figure = "satisfaction_rate", bands = [
  { to = 80, to_open = true, score = 5 },
  { from = 85, score = 10 },
] }"#,
        );
        // A gap between 80 and 85.
        let msg = parse(&text).unwrap_err().to_string();
        assert!(msg.contains("重叠或不衔接"), "{msg}");
        let text = FW.replace(
            r#"rule = { kind = "linear", figure = "budget_execution_rate", per_point = 1 }"#,
            r#"rule = { kind = "bands", figure = "satisfaction_rate", bands = [
  { to = 80, to_open = true, score = 0 },
  { from = 80, to = 90, score = 5 },
  { from = 90, score = 10 },
] }"#,
        );
        // 90 is in both of the last two bands.
        let msg = parse(&text).unwrap_err().to_string();
        assert!(
            msg.contains("[80, 90]") && msg.contains("[90, +∞]"),
            "{msg}"
        );
    }
}
