//! What a finance-bureau reviewer sends back, as `check` warnings: lost
//! points no problem explains, problems without a cause or a measure of
//! their own, measures that are only a built-in sentence, an 实际完成值 that
//! copies its target, and a budget change, underspending or carry-over
//! left unexplained. Each names the field to write and says what to write.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rust_decimal::Decimal;

use crate::check::Warning;
use crate::error::Result;
use crate::facts::FactsFile;
use crate::figures::Figures;
use crate::framework::Node;
use crate::num;
use crate::numbers::{offset_of, offset_of_record};
use crate::problems::{self, Explained, lost};
use crate::profile::Profile;
use crate::scoring::{ScoreSheet, Scored};

/// The reviewer's warnings for one unit, in the order a reviewer reads the
/// report: problems and measures, indicators, then the money.
pub fn warnings(
    facts: &FactsFile,
    profile: &Profile,
    figures: &Figures,
    sheet: &ScoreSheet,
) -> Result<Vec<Warning>> {
    let explained = problems::resolve(facts, sheet)?;
    let places = Places::new(facts);
    let mut out = Vec::new();
    problem_texts(facts, profile, &mut out);
    borrowed_measures(facts, profile, &mut out);
    unexplained_losses(facts, sheet, &explained, &places, &mut out);
    claimed_losses(facts, sheet, &explained, &mut out);
    copied_actuals(facts, sheet, &places, &mut out);
    money(facts, profile, figures, &mut out);
    Ok(out)
}

/// A measure the unit wrote, where it wrote it.
#[derive(Debug, Clone)]
pub struct Measure {
    pub field: String,
    pub line: Option<usize>,
    pub text: String,
}

/// Every measure the unit wrote itself: its problems', its own
/// indicators' and its assessments', in file order.
pub fn measures(facts: &FactsFile) -> Vec<Measure> {
    let f = &facts.data;
    let line = |offset: Option<usize>| offset.map(|o| facts.location(o).line);
    let record =
        |table: &str, i: usize| line(offset_of_record(&facts.text, &[table], i, "measure"));
    let mut out = Vec::new();
    for (i, p) in f.problems.iter().enumerate() {
        out.extend(p.get_ref().measure.as_ref().map(|text| Measure {
            field: format!("problems[{}].measure", i + 1),
            line: record("problems", i),
            text: text.clone(),
        }));
    }
    for (i, indicator) in f.indicators.iter().enumerate() {
        out.extend(indicator.get_ref().measure.as_ref().map(|text| Measure {
            field: format!("indicators[{}].measure", i + 1),
            line: record("indicators", i),
            text: text.clone(),
        }));
    }
    for (id, assessment) in &f.assess {
        out.extend(assessment.get_ref().measure.as_ref().map(|text| Measure {
            field: format!("assess.{id}.measure"),
            line: line(offset_of(&facts.text, &["assess", id, "measure"])),
            text: text.clone(),
        }));
    }
    out.retain(|m| !blank(&m.text));
    out
}

/// One unit of a batch, as [`shared_measures`] compares it.
pub struct UnitMeasures<'a> {
    /// 单位名称.
    pub unit: &'a str,
    pub facts: &'a Path,
    pub measures: &'a [Measure],
}

/// Most other units a shared measure's warning names.
const NAMED_COPIES: usize = 3;

/// Measures two units of a batch both wrote (the same text, whitespace
/// aside): one warning on each, naming the other unit. The warnings come
/// back per unit, in the order given.
pub fn shared_measures(units: &[UnitMeasures]) -> Vec<Vec<Warning>> {
    let mut by_text: BTreeMap<String, Vec<(usize, &Measure)>> = BTreeMap::new();
    for (u, unit) in units.iter().enumerate() {
        for m in unit.measures {
            by_text.entry(normalized(&m.text)).or_default().push((u, m));
        }
    }
    let mut out = vec![Vec::new(); units.len()];
    for same in by_text.values() {
        for &(u, m) in same {
            let others: Vec<String> = same
                .iter()
                .filter(|(o, _)| *o != u)
                .map(|(o, other)| {
                    format!(
                        "「{}」（{} 的 {}）",
                        units[*o].unit,
                        units[*o].facts.display(),
                        other.field
                    )
                })
                .collect();
            if others.is_empty() {
                continue;
            }
            // A batch of many copies names a few, not every one to every one.
            let named = match others.len() {
                n if n <= NAMED_COPIES => others.join("、"),
                n => format!("{}等 {n} 处", others[..NAMED_COPIES].join("、")),
            };
            out[u].push(Warning {
                field: m.field.clone(),
                line: m.line,
                message: format!(
                    "改进措施与{named}的完全相同。措施应针对本单位自己的问题来写：请写明本单位具体做什么、由谁负责、何时完成。"
                ),
            });
        }
    }
    out
}

/// Problems without a cause or a measure, and no problems at all: the
/// report then prints the profile's fallback sentences.
fn problem_texts(facts: &FactsFile, profile: &Profile, out: &mut Vec<Warning>) {
    let review = &profile.review;
    let problems = &facts.data.problems;
    if problems.is_empty() {
        out.push(Warning {
            field: "problems".into(),
            line: None,
            message: format!(
                "没有填写 [[problems]]，报告的存在的问题将印出通用的一句「{}」，改进措施印出「{}」。请逐条写明本年度存在的问题（problem）、原因（cause）、涉及的指标（indicators）和改进措施（measure）。",
                review.fallback_problem, review.fallback_measure
            ),
        });
    }
    let line = |i: usize, key: &str| {
        offset_of_record(&facts.text, &["problems"], i, key).map(|o| facts.location(o).line)
    };
    for (i, p) in problems.iter().enumerate() {
        let p = p.get_ref();
        let n = i + 1;
        if p.cause.as_deref().is_none_or(blank) {
            out.push(Warning {
                field: format!("problems[{n}].cause"),
                line: line(i, "cause"),
                message: format!(
                    "问题「{}」没有写原因。请在 cause 中写明问题产生的原因（为什么会这样）；只列现象、不析原因的问题会被退回。",
                    p.problem.trim()
                ),
            });
        }
        if p.measure.as_deref().is_none_or(blank) {
            out.push(Warning {
                field: format!("problems[{n}].measure"),
                line: line(i, "measure"),
                message: format!(
                    "问题「{}」没有写改进措施，报告将印出通用的一句「{}」。请在 measure 中写明针对这一问题的具体措施。",
                    p.problem.trim(),
                    review.fallback_measure
                ),
            });
        }
    }
}

/// Measures that are the profile's fallback or a framework's default
/// measure, copied: the report then says what every unit says.
fn borrowed_measures(facts: &FactsFile, profile: &Profile, out: &mut Vec<Warning>) {
    let mut builtin: HashMap<String, String> = HashMap::new();
    builtin.insert(
        normalized(&profile.review.fallback_measure),
        "内置的通用措施".into(),
    );
    framework_measures(&profile.framework.roots, &mut builtin);
    for m in measures(facts) {
        if let Some(source) = builtin.get(&normalized(&m.text)) {
            out.push(Warning {
                field: m.field,
                line: m.line,
                message: format!(
                    "改进措施与{source}一字不差，每个单位都能这样写。请针对本单位的问题写明具体做什么、由谁负责、何时完成。"
                ),
            });
        }
    }
}

/// The framework's default measures by their text, each with the
/// indicator it belongs to as a message names it.
fn framework_measures(nodes: &[Node], out: &mut HashMap<String, String>) {
    for node in nodes {
        if let Some(text) = &node.def.measure {
            out.entry(normalized(text))
                .or_insert_with(|| format!("评价指标体系中指标「{}」的默认措施", node.def.name));
        }
        framework_measures(&node.children, out);
    }
}

/// Leaves that lost points that no problem names.
fn unexplained_losses(
    facts: &FactsFile,
    sheet: &ScoreSheet,
    explained: &[Explained],
    places: &Places,
    out: &mut Vec<Warning>,
) {
    for leaf in sheet.leaves() {
        let points = lost(leaf);
        if points.is_zero() || explained.iter().any(|e| names(e, leaf)) {
            continue;
        }
        let (field, line) = match places.of(leaf) {
            Some(place) => (place.field.clone(), place.line(facts)),
            None => ("problems".to_string(), None),
        };
        out.push(Warning {
            field,
            line,
            message: format!(
                "指标「{}」（{}）失分 {} 分，但没有哪个问题说明原因。请在 [[problems]] 中写明这项失分的问题（problem）和原因（cause），并在其 indicators 中写上「{}」。",
                leaf.name,
                leaf.id,
                num::points(points),
                leaf.name
            ),
        });
    }
}

/// At full marks, problems that name indicators as if they had lost points.
fn claimed_losses(
    facts: &FactsFile,
    sheet: &ScoreSheet,
    explained: &[Explained],
    out: &mut Vec<Warning>,
) {
    let full = sheet.total >= sheet.weight && sheet.leaves().iter().all(|l| lost(l).is_zero());
    if !full {
        return;
    }
    for (i, e) in explained.iter().enumerate() {
        if e.indicators.is_empty() {
            continue;
        }
        let named: Vec<String> = e
            .indicators
            .iter()
            .map(|l| format!("「{}」", l.name))
            .collect();
        out.push(Warning {
            field: format!("problems[{}].indicators", i + 1),
            line: offset_of_record(&facts.text, &["problems"], i, "indicators")
                .map(|o| facts.location(o).line),
            message: format!(
                "总分 {} 分为满分，没有指标失分，但问题「{}」的 indicators 写了{}，像是在说明并不存在的失分。请删去 indicators（与失分无关的问题不必写），或核对这些指标的评分。",
                num::points(sheet.total),
                e.problem.problem.trim(),
                named.join("、")
            ),
        });
    }
}

/// Leaves that lost points whose 实际完成值 only repeats the target.
fn copied_actuals(facts: &FactsFile, sheet: &ScoreSheet, places: &Places, out: &mut Vec<Warning>) {
    for leaf in sheet.leaves() {
        // An actual text is always the facts', so the leaf has a place.
        let (Some(detail), Some(place)) = (&leaf.leaf, places.of(leaf)) else {
            continue;
        };
        let Some(actual) = detail.actual_text.as_deref() else {
            continue;
        };
        let target = detail.target_text.as_deref().unwrap_or(&detail.target);
        let copied = [target, &detail.target]
            .iter()
            .any(|t| normalized(t) == normalized(actual));
        if lost(leaf).is_zero() || !(copied || restates_a_target(actual)) {
            continue;
        }
        out.push(Warning {
            field: format!("{}.actual_text", place.field),
            line: place.line_of(facts, "actual_text"),
            message: format!(
                "指标「{}」得分 {}（满分 {}），实际完成值「{}」却只是重复年度指标值「{}」，没有写出完成情况。请写明实际完成了多少、何时完成或做到什么程度。",
                leaf.name,
                num::points(leaf.score),
                num::points(leaf.weight),
                actual.trim(),
                target.trim()
            ),
        });
    }
}

/// Words that begin a target, not a result: 「≥100人次」「不少于4场」.
fn restates_a_target(text: &str) -> bool {
    const TARGET_WORDS: &[&str] = &[
        "≥",
        "≤",
        ">",
        "<",
        "＞",
        "＜",
        "不低于",
        "不少于",
        "不高于",
        "不超过",
        "不多于",
    ];
    let text = text.trim_start();
    TARGET_WORDS.iter().any(|w| text.starts_with(w))
}

/// The budget changed, was not all spent, or was carried over, and the
/// facts do not say why.
fn money(facts: &FactsFile, profile: &Profile, figures: &Figures, out: &mut Vec<Warning>) {
    let m = &facts.data.money;
    let value = |id: &str| figures.get(id).and_then(|f| f.value.clone().ok());
    let amount = |v: Decimal| num::money(v, profile.money_grouping);
    let line = |key: &str| offset_of(&facts.text, &["money", key]).map(|o| facts.location(o).line);
    let unexplained = |reason: &Option<String>| reason.as_deref().is_none_or(blank);
    let threshold = profile.review.adjustment_threshold;
    if let (Some(rate), Some(initial)) = (value("budget_adjustment_rate"), value("budget_initial"))
        && rate.abs() > threshold
        && unexplained(&m.adjustment_reason)
    {
        out.push(Warning {
            field: "money.adjustment_reason".into(),
            line: line("budget_full"),
            message: format!(
                "全年预算 {} 万元较年初预算 {} 万元调整了 {}，超过 {}，却没有写明原因。请在 money.adjustment_reason 中写明年中追加或调减了哪些资金、为什么。",
                amount(m.budget_full),
                amount(initial),
                num::percent(rate),
                num::percent(threshold)
            ),
        });
    }
    if let (Some(rate), Some(spent)) = (value("budget_execution_rate"), value("actual_total"))
        && rate < Decimal::ONE_HUNDRED
        && unexplained(&m.underspend_reason)
    {
        out.push(Warning {
            field: "money.underspend_reason".into(),
            line: line("budget_full"),
            message: format!(
                "预算执行率 {}（全年执行 {} 万元，全年预算 {} 万元），未达到 100%，却没有写明原因。请在 money.underspend_reason 中写明哪些资金没有支出、为什么。",
                num::percent(rate),
                amount(spent),
                amount(m.budget_full)
            ),
        });
    }
    if let Some(left) = m.carryover_end
        && left > Decimal::ZERO
        && unexplained(&m.carryover_reason)
    {
        out.push(Warning {
            field: "money.carryover_reason".into(),
            line: line("carryover_end"),
            message: format!(
                "年末结转结余 {} 万元，却没有说明。请在 money.carryover_reason 中写明结转结余的是哪些资金、为什么留到下一年、打算怎么用。",
                amount(left)
            ),
        });
    }
}

/// Whether a problem names this leaf.
fn names(explained: &Explained, leaf: &Scored) -> bool {
    explained.indicators.iter().any(|l| l.id == leaf.id)
}

/// Where the facts describe a leaf: a unit's own indicator or an assessment.
struct Place {
    /// `indicators[3]` or `assess.budget`.
    field: String,
    offset: usize,
    /// Path to the record: `indicators` and its index, or `assess` and the id.
    table: &'static str,
    record: Record,
}

enum Record {
    Index(usize),
    Id(String),
}

impl Place {
    fn line(&self, facts: &FactsFile) -> Option<usize> {
        Some(facts.location(self.offset).line)
    }

    /// The line of `key` in the record, or of the record when it lacks it.
    fn line_of(&self, facts: &FactsFile, key: &str) -> Option<usize> {
        let offset = match &self.record {
            Record::Index(i) => offset_of_record(&facts.text, &[self.table], *i, key),
            Record::Id(id) => offset_of(&facts.text, &[self.table, id, key]),
        };
        Some(facts.location(offset.unwrap_or(self.offset)).line)
    }
}

/// The places of the leaves the facts describe, by leaf id.
struct Places(HashMap<String, Place>);

impl Places {
    fn new(facts: &FactsFile) -> Self {
        let mut map = HashMap::new();
        let mut per_branch: HashMap<&str, usize> = HashMap::new();
        // A unit's leaf is `<branch>.<n>`, its n-th indicator under that branch.
        for (i, indicator) in facts.data.indicators.iter().enumerate() {
            let branch = indicator.get_ref().branch.as_str();
            let n = per_branch.entry(branch).or_default();
            *n += 1;
            map.insert(
                format!("{branch}.{n}"),
                Place {
                    field: format!("indicators[{}]", i + 1),
                    offset: indicator.span().start,
                    table: "indicators",
                    record: Record::Index(i),
                },
            );
        }
        for (id, assessment) in &facts.data.assess {
            map.insert(
                id.clone(),
                Place {
                    field: format!("assess.{id}"),
                    offset: assessment.span().start,
                    table: "assess",
                    record: Record::Id(id.clone()),
                },
            );
        }
        Places(map)
    }

    fn of(&self, leaf: &Scored) -> Option<&Place> {
        self.0.get(&leaf.id)
    }
}

/// A text as compared: without whitespace or a closing full stop.
fn normalized(text: &str) -> String {
    let joined: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    joined.trim_end_matches(['。', '.', '；', ';']).to_string()
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_with(edits: &[(&str, &str)]) -> FactsFile {
        let mut text = std::fs::read_to_string("data/example.toml").unwrap();
        for (from, to) in edits {
            assert!(text.contains(from), "{from}");
            text = text.replacen(from, to, 1);
        }
        FactsFile::parse(Path::new("f.toml"), text).unwrap()
    }

    fn review(facts: &FactsFile, profile: &Profile) -> Vec<Warning> {
        let figures = Figures::compute(facts, &profile.figures);
        let sheet = ScoreSheet::compute(&profile.framework, facts, &figures).unwrap();
        warnings(facts, profile, &figures, &sheet).unwrap()
    }

    fn hunan() -> Profile {
        Profile::builtin("hunan-2024").unwrap()
    }

    fn fields(warnings: &[Warning]) -> Vec<&str> {
        warnings.iter().map(|w| w.field.as_str()).collect()
    }

    #[test]
    fn the_example_gives_a_reviewer_nothing_to_send_back() {
        assert_eq!(review(&example_with(&[]), &hunan()), []);
    }

    #[test]
    fn an_unexplained_loss_names_the_indicator_and_its_line() {
        let facts = example_with(&[("indicators = [\"职业技能培训人次\"]\n", "")]);
        let warnings = review(&facts, &hunan());
        assert_eq!(fields(&warnings), ["indicators[3]"]);
        let line = facts.location(facts.data.indicators[2].span().start).line;
        assert_eq!(warnings[0].line, Some(line));
        assert!(warnings[0].message.contains("失分 0.4 分"), "{warnings:?}");
    }

    #[test]
    fn the_threshold_is_the_profiles() {
        // The example's budget changed by 10.75%.
        let facts = example_with(&[("adjustment_reason = ", "# ")]);
        assert_eq!(review(&facts, &hunan()), []);
        let mut strict = hunan();
        strict.review.adjustment_threshold = Decimal::from(10);
        let warnings = review(&facts, &strict);
        assert_eq!(fields(&warnings), ["money.adjustment_reason"]);
        assert!(warnings[0].message.contains("调整了 10.75%，超过 10.00%"));
    }

    #[test]
    fn a_measure_copied_from_the_framework_or_the_fallback() {
        let profile = hunan();
        let from_framework =
            "将年度工作任务分解到股室和月份，定期调度完成进度，确保数量指标按计划完成。";
        let fallback = format!(" {} ", profile.review.fallback_measure.replace('，', "， "));
        let facts = example_with(&[
            (
                "measure = \"每年一季度完成",
                &format!("measure = \"{from_framework}\"\n# \""),
            ),
            (
                "measure = \"推行失业保险金",
                &format!("measure = \"{fallback}\"\n# \""),
            ),
        ]);
        let warnings = review(&facts, &profile);
        assert_eq!(
            fields(&warnings),
            ["problems[2].measure", "problems[4].measure"]
        );
        assert!(warnings[0].message.contains("默认措施"), "{warnings:?}");
        assert!(
            warnings[1].message.contains("内置的通用措施"),
            "{warnings:?}"
        );
    }

    #[test]
    fn units_sharing_a_measure_each_name_the_other() {
        let m = |field: &str, text: &str| Measure {
            field: field.into(),
            line: Some(3),
            text: text.into(),
        };
        let a = [
            m("problems[1].measure", "按月 调度。"),
            m("problems[2].measure", "甲"),
        ];
        let b = [m("indicators[2].measure", "按月调度")];
        let c = [m("problems[1].measure", "丙")];
        let units = [
            UnitMeasures {
                unit: "甲局",
                facts: Path::new("a.toml"),
                measures: &a,
            },
            UnitMeasures {
                unit: "乙局",
                facts: Path::new("b.toml"),
                measures: &b,
            },
            UnitMeasures {
                unit: "丙局",
                facts: Path::new("c.toml"),
                measures: &c,
            },
        ];
        let shared = shared_measures(&units);
        assert_eq!(fields(&shared[0]), ["problems[1].measure"]);
        assert!(
            shared[0][0]
                .message
                .contains("「乙局」（b.toml 的 indicators[2].measure）")
        );
        assert_eq!(fields(&shared[1]), ["indicators[2].measure"]);
        assert!(
            shared[1][0]
                .message
                .contains("「甲局」（a.toml 的 problems[1].measure）")
        );
        assert!(shared[2].is_empty());
    }

    #[test]
    fn many_copies_name_a_few() {
        let same = [Measure {
            field: "problems[1].measure".into(),
            line: None,
            text: "按月调度".into(),
        }];
        let names: Vec<String> = (1..=6).map(|i| format!("{i}局")).collect();
        let units: Vec<UnitMeasures> = names
            .iter()
            .map(|n| UnitMeasures {
                unit: n,
                facts: Path::new("x.toml"),
                measures: &same,
            })
            .collect();
        let shared = shared_measures(&units);
        let message = &shared[0][0].message;
        assert!(
            message.contains("「4局」（x.toml 的 problems[1].measure）等 5 处"),
            "{message}"
        );
        assert!(!message.contains("5局"), "{message}");
    }

    #[test]
    fn target_words_and_normal_forms() {
        assert!(restates_a_target(" ≥1500人次"));
        assert!(restates_a_target("不少于4场"));
        assert!(!restates_a_target("1380人次"));
        assert_eq!(normalized(" 按月\n调度 。"), "按月调度");
    }
}
