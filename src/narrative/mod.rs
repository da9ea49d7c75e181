//! Narrative: fills the profile's tera section templates from the facts, the
//! derived figures and the score sheet, and reads the result as a small
//! line-oriented markup:
//!
//! - `= 标题` … `==== 标题`: headings of levels 1–4, numbered here
//!   (一、 （一） 1. （1）) so the text and the PDF agree;
//! - `::table first_level`: a table built from the score sheet;
//! - blank lines separate paragraphs; lines of one paragraph are joined.
//!
//! Values inserted with `{{ }}` can never become markup: line breaks in them
//! are removed, and a value that would start a line with a marker is guarded.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use tera::{Context, Tera};

use crate::error::{Error, Result};
use crate::facts::FactsFile;
use crate::figures::{Figures, Kind};
use crate::framework::Framework;
use crate::num;
use crate::profile::Profile;
use crate::report::{Block, Section, Table};
use crate::scoring::{NotApplicable, ScoreSheet, Scored};

/// Placed before a value that starts with a marker character, so the line
/// reader never mistakes it for structure; removed from the final text.
const GUARD: char = '\u{E000}';

/// Builds the tera engine for a profile's section templates.
pub fn engine(profile: &Profile) -> Result<Tera> {
    let mut tera = Tera::new();
    tera.autoescape_on([".tera"]);
    tera.set_escape_fn(escape_value);
    for (name, source) in &profile.section_templates {
        tera.add_raw_template(name, source)
            .map_err(|err| Error::Template {
                profile: profile.id.clone(),
                template: name.clone(),
                message: tera_message(&err),
            })?;
    }
    Ok(tera)
}

fn escape_value(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let flat: String = input
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("")
        .replace(GUARD, "");
    if flat.starts_with(['=', ':']) {
        write!(out, "{GUARD}")?;
    }
    out.write_all(flat.as_bytes())
}

fn tera_message(err: &tera::Error) -> String {
    use std::error::Error as _;
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        message.push('：');
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// Renders every section of the profile, numbered as in the whole report.
pub fn sections(
    profile: &Profile,
    tera: &Tera,
    facts: &FactsFile,
    figures: &Figures,
    framework: &Framework,
    sheet: &ScoreSheet,
) -> Result<Vec<Section>> {
    let context = context(facts, figures, framework, sheet, profile.money_grouping)?;
    let mut numbering = Numbering::default();
    profile
        .sections
        .iter()
        .map(|spec| {
            let text = tera
                .render(&spec.template, &context)
                .map_err(|err| Error::Template {
                    profile: profile.id.clone(),
                    template: spec.template.clone(),
                    message: tera_message(&err),
                })?;
            let tables = Tables {
                sheet,
                facts,
                figures,
                profile,
            };
            Ok(Section {
                id: spec.id.clone(),
                blocks: parse(&text, &mut numbering, &tables)?,
            })
        })
        .collect()
}

#[derive(Default)]
struct Numbering {
    counters: [usize; 4],
}

impl Numbering {
    fn next(&mut self, level: usize) -> String {
        self.counters[level - 1] += 1;
        for deeper in &mut self.counters[level..] {
            *deeper = 0;
        }
        let n = self.counters[level - 1];
        match level {
            1 => format!("{}、", chinese_number(n)),
            2 => format!("（{}）", chinese_number(n)),
            3 => format!("{n}."),
            _ => format!("（{n}）"),
        }
    }
}

/// 1 → 一, 12 → 十二, 20 → 二十, 99 → 九十九.
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            }
        ),
        _ => n.to_string(),
    }
}

fn parse(text: &str, numbering: &mut Numbering, tables: &Tables) -> Result<Vec<Block>> {
    let mut blocks = Vec::new();
    let mut para = String::new();
    let flush = |para: &mut String, blocks: &mut Vec<Block>| {
        let text = para.replace(GUARD, "");
        if !text.trim().is_empty() {
            blocks.push(Block::Para {
                text: text.trim().to_string(),
            });
        }
        para.clear();
    };
    for line in text.lines() {
        let trimmed = line.trim();
        let level = line.chars().take_while(|c| *c == '=').count();
        if (1..=4).contains(&level) && line[level..].starts_with(' ') {
            flush(&mut para, &mut blocks);
            let title = line[level..].trim().replace(GUARD, "");
            blocks.push(Block::Heading {
                level: level as u8,
                text: format!("{}{title}", numbering.next(level)),
            });
        } else if let Some(name) = line.strip_prefix("::table ") {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Table(tables.build(name.trim())?));
        } else if trimmed.is_empty() {
            flush(&mut para, &mut blocks);
        } else {
            para.push_str(trimmed);
        }
    }
    flush(&mut para, &mut blocks);
    Ok(blocks)
}

/// What `::table` directives are built from.
struct Tables<'a> {
    sheet: &'a ScoreSheet,
    facts: &'a FactsFile,
    figures: &'a Figures,
    profile: &'a Profile,
}

impl Tables<'_> {
    fn build(&self, name: &str) -> Result<Table> {
        let sheet = self.sheet;
        match name {
            "first_level" => {
                // Weights are those that apply: an excluded indicator leaves its branch.
                let row = |name: &str, weight: Decimal, score: Decimal| {
                    vec![
                        name.to_string(),
                        num::score(weight),
                        num::score(score),
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
                        num::score(adj.weight),
                        num::score(adj.score),
                        String::new(),
                    ]);
                }
                if !sheet.adjustments.is_empty() {
                    rows.push(row("总分", sheet.weight, sheet.total));
                }
                Ok(Table {
                    caption: "部门整体支出绩效自评得分情况".into(),
                    header: ["一级指标", "分值", "得分", "得分率"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                    align: ["left", "center", "center", "center"]
                        .map(String::from)
                        .to_vec(),
                })
            }
            "indicators" => Ok(self.indicators()),
            "basic_data" => Ok(self.basic_data()),
            other => Err(Error::Template {
                profile: self.profile.id.clone(),
                template: "::table".into(),
                message: format!(
                    "不认识的表格「{other}」；可用的表格：first_level、indicators、basic_data。"
                ),
            }),
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
                        num::score(node.weight),
                        match node.not_applicable {
                            Some(NotApplicable::Excluded) => "不适用".into(),
                            _ => num::score(node.score),
                        },
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
        }
    }

    /// 部门整体支出绩效评价基础数据表 (000), from the facts and figures.
    fn basic_data(&self) -> Table {
        let f = &self.facts.facts;
        let grouped = self.profile.money_grouping;
        let money = |v: Decimal| num::money(v, grouped);
        let figure = |id: &str| {
            self.figures
                .get(id)
                .and_then(|fig| fig.value.clone().ok().map(|v| (fig.kind, v)))
                .map(|(kind, v)| match kind {
                    Kind::Money => money(v),
                    Kind::Percent => num::percent(v),
                    Kind::Count => v.normalize().to_string(),
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
                money(item.previous),
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
        }
    }
}

fn score_rate(score: Decimal, weight: Decimal) -> String {
    if weight.is_zero() {
        return "-".into();
    }
    num::percent(score * Decimal::ONE_HUNDRED / weight)
}

/// Renders blocks as a reader would read them: no markup, no escapes.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading { text, .. } => {
                out.push_str(text);
                out.push('\n');
            }
            Block::Para { text } => {
                out.push_str("　　");
                out.push_str(text);
                out.push('\n');
            }
            Block::Table(t) => {
                out.push_str(&t.caption);
                out.push('\n');
                out.push_str(&t.header.join("\t"));
                out.push('\n');
                for row in &t.rows {
                    out.push_str(&row.join("\t"));
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// A problem and its measure, as the problems and measures sections list them.
#[derive(Debug, Clone, Serialize)]
struct ProblemItem {
    number: String,
    problem: String,
    cause: Option<String>,
    measure: String,
}

/// Deductions first (each with the figure that caused it), then the unit's own.
fn problems(facts: &FactsFile, sheet: &ScoreSheet) -> Vec<ProblemItem> {
    let mut items: Vec<(String, Option<String>, String)> = sheet
        .leaves()
        .into_iter()
        .filter_map(|leaf| {
            let d = leaf.leaf.as_ref()?.deduction.as_ref()?;
            Some((
                format!("“{}”指标扣{}分", leaf.name, num::score(d.lost)),
                Some(format!(
                    "{}，该指标分值{}分，得分{}分",
                    d.reason,
                    num::score(leaf.weight),
                    num::score(leaf.score)
                )),
                d.measure.clone(),
            ))
        })
        .collect();
    items.extend(facts.facts.text.problems.iter().map(|p| {
        (
            p.problem.trim_end_matches('。').to_string(),
            p.cause
                .as_ref()
                .map(|c| c.trim_end_matches('。').to_string()),
            p.measure.clone(),
        )
    }));
    items
        .into_iter()
        .enumerate()
        .map(|(i, (problem, cause, measure))| ProblemItem {
            number: chinese_number(i + 1),
            problem,
            cause,
            measure,
        })
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

#[derive(Debug, Clone, Serialize)]
struct LeafView {
    target: String,
    actual: String,
    basis: String,
    deduction: Option<DeductionView>,
}

#[derive(Debug, Clone, Serialize)]
struct DeductionView {
    lost: String,
    reason: String,
    measure: String,
}

fn node_view(node: &Scored) -> NodeView {
    let leaf = node.leaf.as_ref().map(|l| LeafView {
        target: l.target.clone(),
        actual: l.actual.clone(),
        basis: l.basis.clone(),
        deduction: l.deduction.as_ref().map(|d| DeductionView {
            lost: num::score(d.lost),
            reason: d.reason.clone(),
            measure: d.measure.clone(),
        }),
    });
    let leaves = if node.leaf.is_some() {
        Vec::new()
    } else {
        node.leaves().into_iter().map(node_view).collect()
    };
    NodeView {
        id: node.id.clone(),
        name: node.name.clone(),
        weight: num::score(node.weight),
        score: num::score(node.score),
        description: node.description.clone(),
        leaf,
        children: node.children.iter().map(node_view).collect(),
        leaves,
    }
}

fn context(
    file: &FactsFile,
    figures: &Figures,
    framework: &Framework,
    sheet: &ScoreSheet,
    grouped: bool,
) -> Result<Context> {
    let facts = &file.facts;
    let money = |v: Decimal| num::money(v, grouped);
    let mut ctx = Context::new();
    ctx.insert("year", &facts.report.year);
    ctx.insert("unit", &facts.unit);

    // Every available figure, formatted; a template tests `{% if f.x %}`.
    let mut f = BTreeMap::new();
    let mut amounts = BTreeMap::new();
    for (id, figure) in figures.iter() {
        let Ok(value) = &figure.value else { continue };
        match figure.kind {
            Kind::Percent => {
                f.insert(id, num::percent(*value));
            }
            Kind::Money => {
                amounts.insert(id, money(*value));
            }
            Kind::Count => {
                f.insert(id, value.normalize().to_string());
            }
        }
    }
    ctx.insert("f", &f);
    ctx.insert("money", &amounts);

    let s = &facts.staffing;
    ctx.insert(
        "staffing",
        &serde_json::json!({
            "categories": s.categories,
            "establishment": f.get("staff_establishment"),
            "actual": f.get("staff_actual"),
            "temporary": s.temporary,
            "retired": s.retired,
        }),
    );
    let projects: Vec<_> = facts
        .projects
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p.name, "budget": money(p.budget), "actual": money(p.actual), "purpose": p.purpose,
            })
        })
        .collect();
    ctx.insert("projects", &projects);
    let three: Vec<_> = facts
        .three_public
        .items()
        .into_iter()
        .map(|(name, i)| {
            serde_json::json!({
                "name": name, "previous": money(i.previous), "budget": money(i.budget), "actual": money(i.actual),
            })
        })
        .collect();
    ctx.insert("three_public", &three);
    ctx.insert("procurement", &facts.procurement.is_some());
    let assets = facts.assets.as_ref().filter(|a| !a.fixed.is_empty()).map(|a| {
        let as_of = a
            .as_of
            .as_ref()
            .and_then(|d| d.date)
            .map(|d| format!("{}年{}月{}日", d.year, d.month, d.day))
            .unwrap_or_else(|| format!("{}年12月31日", facts.report.year));
        serde_json::json!({
            "as_of": as_of,
            "total": amounts.get("asset_total"),
            "items": a.fixed.iter().map(|i| serde_json::json!({"name": i.name, "value": money(i.value)})).collect::<Vec<_>>(),
        })
    });
    ctx.insert("assets", &assets);
    ctx.insert("goals", &facts.goals);
    ctx.insert("text", &facts.text);
    ctx.insert("problems", &problems(file, sheet));

    let grades: Vec<_> = framework
        .header
        .grades
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let upper = i
                .checked_sub(1)
                .map(|j| framework.header.grades[j].min)
                .unwrap_or(framework.header.total);
            let range = if g.min.is_zero() {
                format!("{}分以下", num::score(upper))
            } else {
                format!("{}分（含）—{}分", num::score(g.min), num::score(upper))
            };
            serde_json::json!({"name": g.name, "range": range})
        })
        .collect();
    ctx.insert(
        "score",
        &serde_json::json!({
            "framework": sheet.framework,
            "total": num::score(sheet.total),
            "weight": num::score(sheet.weight),
            "raw": num::score(sheet.raw),
            "applicable": num::score(sheet.applicable),
            "converted": sheet.converted.map(num::score),
            "bonus": (!sheet.bonus.is_zero()).then(|| num::score(sheet.bonus)),
            "penalty": (!sheet.penalty.is_zero()).then(|| num::score(sheet.penalty)),
            "adjustments": sheet.adjustments.iter().map(node_view).collect::<Vec<_>>(),
            "not_applicable": sheet
                .leaves()
                .into_iter()
                .filter(|l| l.not_applicable.is_some())
                .map(node_view)
                .collect::<Vec<_>>(),
            // Not applicable and left out of the base (the 换算 case).
            "excluded": sheet
                .leaves()
                .into_iter()
                .filter(|l| l.not_applicable == Some(NotApplicable::Excluded))
                .map(node_view)
                .collect::<Vec<_>>(),
            "grade": sheet.grade,
            "grades": grades,
            "roots": sheet.roots.iter().map(node_view).collect::<Vec<_>>(),
        }),
    );
    Ok(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        let got: Vec<String> = [1, 9, 10, 11, 12, 20, 21, 99]
            .into_iter()
            .map(chinese_number)
            .collect();
        assert_eq!(
            got,
            ["一", "九", "十", "十一", "十二", "二十", "二十一", "九十九"]
        );
    }

    #[test]
    fn numbering_resets_deeper_levels() {
        let mut n = Numbering::default();
        assert_eq!(n.next(1), "一、");
        assert_eq!(n.next(2), "（一）");
        assert_eq!(n.next(3), "1.");
        assert_eq!(n.next(3), "2.");
        assert_eq!(n.next(4), "（1）");
        assert_eq!(n.next(2), "（二）");
        assert_eq!(n.next(3), "1.");
        assert_eq!(n.next(1), "二、");
        assert_eq!(n.next(2), "（一）");
    }

    #[test]
    fn values_cannot_become_markup() {
        let mut out = Vec::new();
        escape_value("= 假标题\n::table first_level", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(GUARD));
        assert!(!text.contains('\n'));
    }
}
