//! The profile-declared parts of the facts: the free text blocks under
//! `[text]` and the records of `[[tables.<id>]]`. Which keys exist and what
//! type each cell has come from the profile, so they are checked here, once
//! the profile is known, and turned into paragraphs and printed tables.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::error::Result;
use crate::facts::FactsFile;
use crate::num;
use crate::numbers;
use crate::profile::{ColumnSpec, ColumnType, Profile, TableSpec};
use crate::report::Table;

/// The declared parts of one facts file, checked and ready to print.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// Paragraphs of every declared text block by name (empty when absent).
    pub text: BTreeMap<String, Vec<String>>,
    /// Every declared table by id (no rows when the facts give none).
    pub tables: BTreeMap<String, Table>,
}

/// Checks the facts' `[text]` and `[tables]` against the profile and builds
/// what templates and the layout read.
pub fn read(profile: &Profile, facts: &FactsFile) -> Result<Declared> {
    let f = &facts.data;
    let declared_text: Vec<&str> = profile.text.iter().map(|t| t.name.as_str()).collect();
    only_declared(
        facts,
        profile,
        "text",
        "文字块",
        f.text.keys(),
        &declared_text,
    )?;
    let declared_tables: Vec<&str> = profile.tables.iter().map(|t| t.id.as_str()).collect();
    only_declared(
        facts,
        profile,
        "tables",
        "表格",
        f.tables.keys(),
        &declared_tables,
    )?;
    let mut text = BTreeMap::new();
    for spec in &profile.text {
        let field = format!("text.{}", spec.name);
        let paragraphs = match f.text.get(&spec.name) {
            None if spec.required => {
                return Err(facts.fact_error(
                    None,
                    &field,
                    format!(
                        "模板配置「{}」要求填写文字块「{}」（{}）；请在 [text] 下补写 {} = \"……\"。",
                        profile.id, spec.name, spec.title, spec.name
                    ),
                ));
            }
            None => Vec::new(),
            Some(value) => paragraphs(value).ok_or_else(|| {
                facts.fact_error(
                    numbers::offset_of(&facts.text, &["text", &spec.name]),
                    &field,
                    "应为一段文字（\"……\"）或多段文字的列表（[\"……\", \"……\"]）。".into(),
                )
            })?,
        };
        text.insert(spec.name.clone(), paragraphs);
    }
    let tables = profile
        .tables
        .iter()
        .map(|spec| {
            let records = f.tables.get(&spec.id).map(Vec::as_slice).unwrap_or(&[]);
            Ok((
                spec.id.clone(),
                table(spec, records, profile.money_grouping, facts)?,
            ))
        })
        .collect::<Result<_>>()?;
    Ok(Declared { text, tables })
}

/// Refuses a key under `[section]` of the facts that the profile does not
/// declare, naming the ones it does (`what`: 文字块 or 表格).
fn only_declared<'a>(
    facts: &FactsFile,
    profile: &Profile,
    section: &str,
    what: &str,
    given: impl Iterator<Item = &'a String>,
    declared: &[&str],
) -> Result<()> {
    let Some(key) = given.into_iter().find(|k| !declared.contains(&k.as_str())) else {
        return Ok(());
    };
    let list = if declared.is_empty() {
        "（无）".to_string()
    } else {
        declared.join("、")
    };
    Err(facts.fact_error(
        numbers::offset_of(&facts.text, &[section, key]),
        &format!("{section}.{key}"),
        format!(
            "模板配置「{}」没有声明{what}「{key}」；已声明的{what}：{list}。",
            profile.id
        ),
    ))
}

/// A string is one paragraph; a list of strings is one paragraph each.
fn paragraphs(value: &toml::Value) -> Option<Vec<String>> {
    match value {
        toml::Value::String(s) => Some(vec![s.clone()]),
        toml::Value::Array(items) => items.iter().map(|v| v.as_str().map(String::from)).collect(),
        _ => None,
    }
}

/// A cell as read, before printing; amounts and integers keep their value
/// for the totals row.
enum Cell {
    Text(String),
    Number(Decimal),
}

/// Prints the records of one declared table, with its merged group column
/// and totals row.
fn table(
    spec: &TableSpec,
    records: &[toml::Table],
    grouped: bool,
    facts: &FactsFile,
) -> Result<Table> {
    let mut rows = Vec::with_capacity(records.len() + 1);
    let mut sums = vec![Decimal::ZERO; spec.columns.len()];
    for (i, record) in records.iter().enumerate() {
        let at = |key: &str| numbers::offset_of_record(&facts.text, &["tables", &spec.id], i, key);
        let field = |key: &str| format!("tables.{}[{}].{key}", spec.id, i + 1);
        let error = |key: &str, message: String| {
            facts.fact_error(
                at(key),
                &field(key),
                format!("表格「{}」第 {} 条记录：{message}", spec.id, i + 1),
            )
        };
        if let Some(key) = record
            .keys()
            .find(|k| !spec.columns.iter().any(|c| &c.key == *k))
        {
            return Err(error(
                key,
                format!(
                    "没有「{key}」这一列；可写的列：{}。",
                    spec.columns
                        .iter()
                        .map(|c| c.key.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
        }
        let mut row = Vec::with_capacity(spec.columns.len());
        for (c, column) in spec.columns.iter().enumerate() {
            let printed = match record.get(&column.key) {
                None if column.optional => String::new(),
                None => {
                    return Err(error(
                        &column.key,
                        format!("缺少「{}」（{}）一栏；请补写。", column.key, column.title),
                    ));
                }
                Some(value) => match cell(column, value) {
                    Some(Cell::Text(text)) => text,
                    Some(Cell::Number(value)) => {
                        sums[c] += value;
                        print_number(column.kind, value, grouped)
                    }
                    None => {
                        return Err(error(
                            &column.key,
                            format!(
                                "「{}」（{}）应为 {}。",
                                column.key,
                                column.title,
                                column.kind.name()
                            ),
                        ));
                    }
                },
            };
            row.push(printed);
        }
        rows.push(row);
    }
    // The group column merges data rows only; a totals row stands alone.
    let mut spans = if spec.columns[0].group {
        group_spans(&rows)
    } else {
        Vec::new()
    };
    let totals = spec.totals.as_ref().filter(|_| !rows.is_empty());
    if let Some(label) = totals {
        let mut row: Vec<String> = spec
            .columns
            .iter()
            .zip(&sums)
            .map(|(column, sum)| match column.kind {
                ColumnType::Amount | ColumnType::Integer => {
                    print_number(column.kind, *sum, grouped)
                }
                _ => String::new(),
            })
            .collect();
        row[0] = label.clone();
        rows.push(row);
        if !spans.is_empty() {
            spans.push(1);
        }
    }
    Ok(Table {
        caption: spec.title.clone(),
        header: spec.columns.iter().map(|c| c.title.clone()).collect(),
        rows,
        align: spec.columns.iter().map(|c| align(c.kind).into()).collect(),
        spans,
        totals: totals.is_some(),
    })
}

/// Reads one cell by its column's type. Amounts and integers come back as
/// the value they print as, so the totals row sums what the rows show.
fn cell(column: &ColumnSpec, value: &toml::Value) -> Option<Cell> {
    match column.kind {
        ColumnType::Text => value.as_str().map(|s| Cell::Text(s.to_string())),
        ColumnType::Amount => decimal(value).map(|v| Cell::Number(num::round2(v))),
        ColumnType::Integer => value.as_integer().map(|v| Cell::Number(Decimal::from(v))),
        ColumnType::Percent => decimal(value).map(|v| Cell::Text(num::percent(v))),
        ColumnType::Date => match value {
            toml::Value::Datetime(dt) => {
                let date = dt.date.filter(|_| dt.time.is_none())?;
                Some(Cell::Text(format!(
                    "{}年{}月{}日",
                    date.year, date.month, date.day
                )))
            }
            _ => None,
        },
    }
}

/// A TOML number as a decimal; `numbers::check` has already made sure the
/// float reads back exactly as written.
fn decimal(value: &toml::Value) -> Option<Decimal> {
    match value {
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        toml::Value::Float(f) => Decimal::from_str(&f.to_string()).ok(),
        _ => None,
    }
}

fn print_number(kind: ColumnType, value: Decimal, grouped: bool) -> String {
    match kind {
        ColumnType::Amount => num::money(value, grouped),
        _ => value.normalize().to_string(),
    }
}

fn align(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Text => "left",
        ColumnType::Date => "center",
        ColumnType::Amount | ColumnType::Percent | ColumnType::Integer => "right",
    }
}

/// Rows each first-column cell spans: the first of a run of equal values
/// spans the run, the others are covered (0).
fn group_spans(rows: &[Vec<String>]) -> Vec<usize> {
    let mut spans = vec![0; rows.len()];
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || rows[i][0] != rows[start][0] {
            spans[start] = i - start;
            start = i;
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde::Deserialize;

    use super::*;
    use crate::facts::MINIMAL;

    #[derive(Deserialize)]
    struct Declarations {
        text: Vec<crate::profile::TextSpec>,
        tables: Vec<TableSpec>,
    }

    const DECLARATIONS: &str = r#"
[[text]]
name = "thrift"
title = "厉行节约保障措施"
required = true

[[text]]
name = "other"
title = "其他需要说明的情况"

[[tables]]
id = "training"
title = "培训情况"
totals = "合计"
columns = [
  { key = "kind", title = "类别", type = "text", group = true },
  { key = "people", title = "人次", type = "integer" },
  { key = "amount", title = "金额", type = "amount" },
  { key = "rate", title = "合格率", type = "percent", optional = true },
  { key = "date", title = "日期", type = "date", optional = true },
]
"#;

    const RECORDS: &str = r#"
[text]
thrift = "压减会议费。"
other = ["一。", "二。"]

[[tables.training]]
kind = "就业"
people = 10
amount = 1.005
rate = 96.5
date = 2025-06-30

[[tables.training]]
kind = "就业"
people = 5
amount = 1.005

[[tables.training]]
kind = "创业"
people = 1
amount = 1000
"#;

    fn profile() -> Profile {
        let mut profile = Profile::builtin("hunan-2024").unwrap();
        let d: Declarations = toml::from_str(DECLARATIONS).unwrap();
        profile.text = d.text;
        profile.tables = d.tables;
        profile
    }

    fn read_with(extra: &str) -> Result<Declared> {
        let facts = FactsFile::parse(Path::new("t.toml"), format!("{MINIMAL}{extra}"))?;
        read(&profile(), &facts)
    }

    /// The 1-based line of the facts (MINIMAL then `extra`) that `line`
    /// opens, the `nth` such line from 0, as messages print it.
    fn line_of(extra: &str, line: &str, nth: usize) -> usize {
        let facts = format!("{MINIMAL}{extra}");
        let (i, _) = facts
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with(line))
            .nth(nth)
            .unwrap();
        i + 1
    }

    fn error(extra: &str) -> String {
        read_with(extra).unwrap_err().to_string()
    }

    #[test]
    fn text_blocks_become_paragraphs() {
        let d = read_with(RECORDS).unwrap();
        assert_eq!(d.text["thrift"], ["压减会议费。"]);
        assert_eq!(d.text["other"], ["一。", "二。"]);
    }

    #[test]
    fn undeclared_text_key_names_line_and_declared_keys() {
        let extra = "[text]\nthrift = \"x\"\nperformance = \"y\"\n";
        let msg = error(extra);
        let line = line_of(extra, "performance", 0);
        assert!(msg.contains(&format!("t.toml:{line}:")), "{msg}");
        assert!(msg.contains("performance"), "{msg}");
        assert!(msg.contains("thrift、other"), "{msg}");
    }

    #[test]
    fn required_block_missing_names_block_and_profile() {
        let msg = error("[text]\nother = \"y\"\n");
        assert!(
            msg.contains("thrift") && msg.contains("厉行节约保障措施"),
            "{msg}"
        );
        assert!(msg.contains("hunan-2024"), "{msg}");
    }

    #[test]
    fn undeclared_table_names_line_and_declared_ids() {
        let msg = error("[text]\nthrift = \"x\"\n[[tables.staff]]\nname = \"a\"\n");
        assert!(msg.contains("staff") && msg.contains("training"), "{msg}");
        assert!(msg.contains("t.toml:"), "{msg}");
    }

    #[test]
    fn cell_errors_name_table_record_and_column() {
        let base = "[text]\nthrift = \"x\"\n[[tables.training]]\nkind = \"a\"\npeople = 1\namount = 1\n[[tables.training]]\nkind = \"a\"\n";
        let extra = format!("{base}people = \"五\"\namount = 1\n");
        let wrong = error(&extra);
        assert!(
            wrong.contains("第 2 条记录") && wrong.contains("people"),
            "{wrong}"
        );
        assert!(wrong.contains("integer"), "{wrong}");
        let line = line_of(&extra, "people", 1);
        assert!(wrong.contains(&format!("t.toml:{line}:")), "{wrong}");
        let missing = error(&format!("{base}people = 1\n"));
        assert!(missing.contains("缺少「amount」"), "{missing}");
        let unknown = error(&format!("{base}people = 1\namount = 1\ncost = 2\n"));
        assert!(
            unknown.contains("cost") && unknown.contains("kind、people"),
            "{unknown}"
        );
        let date = error(&format!("{base}people = 1\namount = 1\ndate = \"6月\"\n"));
        assert!(date.contains("date（日期）"), "{date}");
    }

    #[test]
    fn totals_sum_the_printed_values_and_groups_merge() {
        let t = &read_with(RECORDS).unwrap().tables["training"];
        assert_eq!(t.rows[0], ["就业", "10", "1.01", "96.50%", "2025年6月30日"]);
        // 1.005 prints as 1.01 twice: the total is what the rows add up to.
        assert_eq!(t.rows[3], ["合计", "16", "1002.02", "", ""]);
        assert_eq!(t.spans, [2, 0, 1, 1]);
        assert!(t.totals);
    }

    #[test]
    fn absent_table_has_no_rows_and_no_totals() {
        let t = &read_with("[text]\nthrift = \"x\"\n").unwrap().tables["training"];
        assert!(t.rows.is_empty() && !t.totals && t.spans.is_empty());
    }

    #[test]
    fn group_spans_cover_runs() {
        let rows: Vec<Vec<String>> = ["a", "a", "b", "a"]
            .iter()
            .map(|s| vec![s.to_string()])
            .collect();
        assert_eq!(group_spans(&rows), [2, 0, 1, 1]);
    }
}
