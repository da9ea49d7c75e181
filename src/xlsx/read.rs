//! A facts workbook → the TOML text of the same facts, and where each
//! value came from. The text then goes through `FactsFile::parse` like any
//! facts file, so a workbook is validated exactly as TOML is.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

use super::cell::{self, Raw};
use super::layout::{self, Field, Kind, SHEETS, Shape, Sheet};
use super::{CellMap, CellRef};
use crate::error::{Error, Location, Result};

/// The tables that exist in every facts file, so their required fields
/// are required even when nothing else of them is filled.
const ALWAYS: &[&str] = &["unit", "report", "money"];

/// Reads the workbook at `path`: the TOML text of its facts and the cell
/// of each value.
pub fn read(path: &Path) -> Result<(String, CellMap)> {
    let bytes = crate::input::read(path)?;
    let broken = |message: String| Error::Workbook {
        path: path.to_path_buf(),
        message,
    };
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| {
            broken(
                "不是可读取的 Excel 工作簿：文件已损坏，或是旧版 .xls 等其他格式；请在 Excel 中另存为 .xlsx 工作簿。"
                    .into(),
            )
        })?;
    let names = book.sheet_names();
    if !SHEETS.iter().any(|s| names.iter().any(|n| n == s.name)) {
        return Err(broken(
            "没有事实工作簿的工作表（如「单位信息」「资金」）；请在 zpbg init --xlsx 生成的工作簿中填写。"
                .into(),
        ));
    }
    let mut out = Book {
        path,
        table: Table::new(),
        fields: BTreeMap::new(),
    };
    for sheet in SHEETS {
        if names.iter().any(|n| n == sheet.name) {
            let grid = Grid::load(&mut book, sheet.name).map_err(broken)?;
            out.sheet(sheet, &grid)?;
        }
    }
    for name in &names {
        if SHEETS.iter().any(|s| s.name == name) {
            continue;
        }
        let grid = Grid::load(&mut book, name).map_err(broken)?;
        let keys = grid.raw(layout::TABLE_KEYS_ROW, 0);
        if let Raw::Text(key) = &keys
            && key.starts_with("tables.")
        {
            out.declared_table(&grid)?;
        }
    }
    out.finish()
}

/// One sheet's cells and whether each shows a percentage.
struct Grid {
    name: String,
    cells: calamine::Range<Data>,
    styles: calamine::StyleRange,
}

impl Grid {
    fn load<R: std::io::Read + std::io::Seek>(
        book: &mut Xlsx<R>,
        name: &str,
    ) -> std::result::Result<Self, String> {
        let failed =
            |_| format!("工作表「{name}」无法读取，工作簿可能已损坏；请在 Excel 中打开并另存。");
        Ok(Grid {
            name: name.to_string(),
            cells: book.worksheet_range(name).map_err(failed)?,
            styles: book.worksheet_style(name).map_err(failed)?,
        })
    }

    /// The last row with anything in it, from 0.
    fn last_row(&self) -> Option<u32> {
        self.cells.end().map(|(row, _)| row)
    }

    fn raw(&self, row: u32, col: u16) -> Raw {
        let col = u32::from(col);
        let percent = || {
            self.styles
                .get((row, col))
                .and_then(|s| s.number_format.as_ref())
                .is_some_and(|f| f.format_code.contains('%'))
        };
        match self.cells.get_value((row, col)) {
            None | Some(Data::Empty) => Raw::Empty,
            Some(Data::Int(i)) => Raw::Number {
                value: *i as f64,
                percent: percent(),
            },
            Some(Data::Float(f)) => Raw::Number {
                value: *f,
                percent: percent(),
            },
            Some(Data::String(s)) => Raw::Text(s.clone()),
            Some(Data::Bool(b)) => Raw::Bool(*b),
            Some(Data::DateTime(dt)) if dt.is_datetime() => {
                let (y, m, d, h, min, s, ms) = dt.to_ymd_hms_milli();
                match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
                    Some(date) => Raw::Date {
                        date,
                        time: (h, min, s, ms) != (0, 0, 0, 0),
                    },
                    None => Raw::Error(format!("{y}-{m}-{d}")),
                }
            }
            Some(Data::DateTimeIso(s)) => match cell::parse_date(s.get(..10).unwrap_or(s)) {
                Some(date) => Raw::Date {
                    date,
                    time: s
                        .get(10..)
                        .is_some_and(|t| t.chars().any(|c| c.is_ascii_digit() && c != '0')),
                },
                None => Raw::Error(s.clone()),
            },
            Some(Data::DateTime(dt)) => Raw::Error(format!("时长 {}", dt.as_f64())),
            Some(Data::DurationIso(s)) => Raw::Error(format!("时长 {s}")),
            Some(Data::Error(e)) => Raw::Error(e.to_string()),
        }
    }

    fn cell(&self, row: u32, col: u16, raw: &Raw) -> CellRef {
        CellRef {
            name: layout::cell_name(&self.name, row, col),
            shown: raw.shown(),
        }
    }
}

/// The facts being read and the cell of each field.
struct Book<'a> {
    path: &'a Path,
    table: Table,
    fields: BTreeMap<String, CellRef>,
}

/// One record being read: its values and the cells of its fields.
struct Record {
    table: Table,
    cells: Vec<(&'static Field, CellRef)>,
}

impl Book<'_> {
    fn error(&self, cell: &CellRef, field: &str, message: String) -> Error {
        Error::Fact {
            location: Some(Location::at_cell(self.path, &cell.name, &cell.shown)),
            file: self.path.to_path_buf(),
            field: field.to_string(),
            message,
        }
    }

    fn sheet(&mut self, sheet: &'static Sheet, grid: &Grid) -> Result<()> {
        match sheet.shape {
            Shape::Form => self.form(sheet, grid),
            Shape::Rows { path } => {
                for (row, record) in self.records(sheet, grid, layout::HEADER_ROW + 1)? {
                    self.add_record(sheet, grid, row, path, record)?;
                }
                Ok(())
            }
            Shape::Keyed { path } => {
                for (row, mut record) in self.records(sheet, grid, layout::HEADER_ROW + 1)? {
                    let (field, cell) = record.cells[0].clone();
                    let Some(Value::String(id)) = record.table.remove(field.key) else {
                        return Err(self.error(
                            &cell,
                            &format!("{path}.{}", field.key),
                            format!(
                                "第 {} 行填了评分内容，但没有填「{}」。",
                                row + 1,
                                field.label
                            ),
                        ));
                    };
                    let id = id.trim().to_string();
                    let at = format!("{path}.{id}");
                    if get(&self.table, &[path.to_string(), id.clone()]).is_some() {
                        return Err(self.error(
                            &cell,
                            &at,
                            format!("指标「{id}」在本表中出现了两次；每个指标只填一行。"),
                        ));
                    }
                    entry(&mut self.table, &[path]).insert(id, Value::Table(record.table));
                    self.fields.insert(at.clone(), cell);
                    for (field, cell) in record.cells.into_iter().skip(1) {
                        self.fields.insert(format!("{at}.{}", field.key), cell);
                    }
                }
                Ok(())
            }
            Shape::Paragraphs => self.paragraphs(sheet, grid),
        }
    }

    /// A field per row: label, value.
    fn form(&mut self, sheet: &'static Sheet, grid: &Grid) -> Result<()> {
        let mut cells = Vec::new();
        for (i, field) in sheet.fields.iter().enumerate() {
            let row = layout::HEADER_ROW + 1 + i as u32;
            let raw = grid.raw(row, 1);
            let cell = grid.cell(row, 1, &raw);
            if let Some(value) =
                cell::value(field.kind, &raw).map_err(|m| self.error(&cell, field.key, m))?
            {
                insert(&mut self.table, &split(field.key), value);
            }
            self.fields.insert(field.key.to_string(), cell.clone());
            cells.push((field, cell));
        }
        for (field, cell) in cells {
            let parent = layout::parent(field.key);
            let given = ALWAYS.contains(&parent) || get(&self.table, &split(parent)).is_some();
            if field.required && given && get(&self.table, &split(field.key)).is_none() {
                return Err(self.error(&cell, field.key, format!("「{}」必须填写。", field.label)));
            }
        }
        Ok(())
    }

    /// The records of a sheet with a record per row from `first`, each
    /// with its row; empty rows are skipped.
    fn records(
        &self,
        sheet: &'static Sheet,
        grid: &Grid,
        first: u32,
    ) -> Result<Vec<(u32, Record)>> {
        let mut out = Vec::new();
        let Some(last) = grid.last_row() else {
            return Ok(out);
        };
        for row in first..=last {
            let mut record = Record {
                table: Table::new(),
                cells: Vec::new(),
            };
            let mut filled = false;
            for (col, field) in sheet.fields.iter().enumerate() {
                let col = col as u16;
                let raw = grid.raw(row, col);
                let cell = grid.cell(row, col, &raw);
                let value =
                    cell::value(field.kind, &raw).map_err(|m| self.error(&cell, field.key, m))?;
                if let Some(value) = value {
                    // A row holding only its key (an indicator id, a block's
                    // name, a project) is a row left to fill, not a record.
                    filled |= !matches!(
                        field.kind,
                        Kind::IndicatorId | Kind::TextName | Kind::Project
                    );
                    insert(&mut record.table, &split(field.key), value);
                }
                record.cells.push((field, cell));
            }
            if filled {
                out.push((row, record));
            }
        }
        Ok(out)
    }

    /// Appends a record of a `Rows` sheet to the array at `path`, or to the
    /// project its 所属项目 names.
    fn add_record(
        &mut self,
        sheet: &'static Sheet,
        grid: &Grid,
        row: u32,
        path: &str,
        mut record: Record,
    ) -> Result<()> {
        let owner = record
            .cells
            .iter()
            .find(|(f, _)| f.kind == Kind::Project)
            .map(|(f, c)| (f.key, c.clone()));
        let mut at = split(path);
        let mut prefix = path.to_string();
        if let Some((key, cell)) = owner
            && let Some(Value::String(name)) = record.table.remove(key)
        {
            let n = self.project(&cell, name.trim())?;
            prefix = format!("projects[{}].{path}", n + 1);
            at = vec!["projects".into(), n.to_string(), path.to_string()];
        }
        let list = array_at(&mut self.table, &at);
        let n = list.len() + 1;
        let record_path = format!("{prefix}[{n}]");
        for (field, cell) in &record.cells {
            let parent = layout::parent(field.key);
            let given = parent.is_empty() || get(&record.table, &split(parent)).is_some();
            if field.required && given && get(&record.table, &split(field.key)).is_none() {
                return Err(self.error(
                    cell,
                    &format!("{record_path}.{}", field.key),
                    format!(
                        "「{}」第 {} 行的「{}」必须填写。",
                        sheet.name,
                        row + 1,
                        field.label
                    ),
                ));
            }
        }
        array_at(&mut self.table, &at).push(Value::Table(record.table));
        let first = grid.cell(row, 0, &grid.raw(row, 0));
        self.fields.insert(record_path.clone(), first);
        for (field, cell) in record.cells {
            if field.kind != Kind::Project {
                self.fields
                    .insert(format!("{record_path}.{}", field.key), cell);
            }
        }
        Ok(())
    }

    /// The index of the project named `name` on the 项目 sheet.
    fn project(&self, cell: &CellRef, name: &str) -> Result<usize> {
        let names: Vec<&str> = match self.table.get("projects") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|p| p.get("name").and_then(Value::as_str))
                .collect(),
            _ => Vec::new(),
        };
        let matches: Vec<usize> = (0..names.len())
            .filter(|&i| names[i].trim() == name)
            .collect();
        match matches.as_slice() {
            [n] => Ok(*n),
            [] => Err(self.error(
                cell,
                "project",
                format!("「项目」表中没有名为「{name}」的项目；请从下拉列表选择，单位整体的留空。"),
            )),
            _ => Err(self.error(
                cell,
                "project",
                format!("「项目」表中有多个名为「{name}」的项目；请给项目起不同的名称。"),
            )),
        }
    }

    /// `text.<name>`: one paragraph per row, in order.
    fn paragraphs(&mut self, sheet: &'static Sheet, grid: &Grid) -> Result<()> {
        for (row, record) in self.records(sheet, grid, layout::HEADER_ROW + 1)? {
            let (name_field, name_cell) = record.cells[0].clone();
            let (_, text_cell) = record.cells[2].clone();
            let (Some(Value::String(name)), Some(text)) =
                (record.table.get(name_field.key), record.table.get("text"))
            else {
                let (cell, label) = match record.table.get("text") {
                    None => (&text_cell, "段落"),
                    Some(_) => (&name_cell, "文字块"),
                };
                return Err(self.error(
                    cell,
                    "text",
                    format!("「{}」第 {} 行的「{label}」必须填写。", sheet.name, row + 1),
                ));
            };
            let name = name.trim().to_string();
            let path = format!("text.{name}");
            let list = array_at(&mut self.table, &["text".into(), name]);
            list.push(text.clone());
            let n = list.len();
            self.fields.entry(path.clone()).or_insert(text_cell.clone());
            self.fields.insert(format!("{path}[{n}]"), text_cell);
        }
        Ok(())
    }

    /// A sheet of a table the profile declares: a record per row, the
    /// columns named by the row of keys under the header.
    fn declared_table(&mut self, grid: &Grid) -> Result<()> {
        let mut columns = Vec::new();
        let mut id = None;
        for col in 0.. {
            let raw = grid.raw(layout::TABLE_KEYS_ROW, col);
            let Raw::Text(spec) = &raw else { break };
            let cell = grid.cell(layout::TABLE_KEYS_ROW, col, &raw);
            let parsed = spec
                .strip_prefix("tables.")
                .and_then(|s| s.rsplit_once(':'))
                .and_then(|(path, kind)| Some((path.split_once('.')?, table_kind(kind)?)));
            let Some(((table, key), kind)) = parsed else {
                return Err(self.error(
                    &cell,
                    "tables",
                    "表格的字段行被改动了；请恢复为 zpbg 生成时的内容（如 tables.表格编号.字段:text）。"
                        .into(),
                ));
            };
            if id.get_or_insert_with(|| table.to_string()).as_str() != table {
                return Err(self.error(
                    &cell,
                    "tables",
                    "同一工作表的字段行属于不同的表格；请恢复为 zpbg 生成时的内容。".into(),
                ));
            }
            columns.push((key.to_string(), kind));
        }
        let Some(id) = id else { return Ok(()) };
        let Some(last) = grid.last_row() else {
            return Ok(());
        };
        let path = format!("tables.{id}");
        for row in layout::TABLE_FIRST_ROW..=last {
            let mut record = Table::new();
            let mut cells = Vec::new();
            for (col, (key, kind)) in columns.iter().enumerate() {
                let raw = grid.raw(row, col as u16);
                let cell = grid.cell(row, col as u16, &raw);
                if let Some(value) = cell::value(*kind, &raw)
                    .map_err(|m| self.error(&cell, &format!("{path}.{key}"), m))?
                {
                    record.insert(key.clone(), value);
                }
                cells.push((key, cell));
            }
            if record.is_empty() {
                continue;
            }
            let list = array_at(&mut self.table, &["tables".into(), id.clone()]);
            list.push(Value::Table(record));
            let record_path = format!("{path}[{}]", list.len());
            self.fields.insert(record_path.clone(), cells[0].1.clone());
            for (key, cell) in cells {
                self.fields.insert(format!("{record_path}.{key}"), cell);
            }
        }
        Ok(())
    }

    /// The TOML text of the facts, and each value's cell by its span.
    fn finish(self) -> Result<(String, CellMap)> {
        let text = toml::to_string(&self.table).map_err(|e| Error::Workbook {
            path: self.path.to_path_buf(),
            message: format!("无法转换为事实数据：{e}"),
        })?;
        let mut spans = Vec::new();
        if let Ok(parsed) = DeTable::parse(&text) {
            for (key, value) in parsed.get_ref().iter() {
                spans_of(value, key.get_ref(), &self.fields, &mut spans);
            }
        }
        Ok((
            text,
            CellMap {
                spans,
                fields: self.fields,
            },
        ))
    }
}

/// The kind of a declared table's column, by its name in profile.toml.
fn table_kind(name: &str) -> Option<Kind> {
    Some(match name {
        "text" => Kind::Text,
        "amount" => Kind::Amount,
        "percent" => Kind::Number,
        "integer" => Kind::Integer,
        "date" => Kind::Date,
        _ => return None,
    })
}

fn spans_of(
    value: &toml::Spanned<DeValue<'_>>,
    path: &str,
    fields: &BTreeMap<String, CellRef>,
    out: &mut Vec<(std::ops::Range<usize>, CellRef)>,
) {
    if let Some(cell) = fields.get(path) {
        out.push((value.span(), cell.clone()));
    }
    match value.get_ref() {
        DeValue::Table(table) => {
            for (key, item) in table.iter() {
                spans_of(item, &format!("{path}.{}", key.get_ref()), fields, out);
            }
        }
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                spans_of(item, &format!("{path}[{}]", i + 1), fields, out);
            }
        }
        _ => {}
    }
}

fn split(key: &str) -> Vec<String> {
    if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').map(String::from).collect()
    }
}

/// The value at `path` (an array's element by its index as a segment).
fn get<'a>(table: &'a Table, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut value = table.get(first)?;
    for key in rest {
        value = match value {
            Value::Table(t) => t.get(key)?,
            Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The table at `path`, made where missing.
fn entry<'a>(table: &'a mut Table, path: &[&str]) -> &'a mut Table {
    let mut current = table;
    for key in path {
        let next = current
            .entry(key.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        current = match next {
            Value::Table(t) => t,
            _ => unreachable!("the layout nests tables in tables"),
        };
    }
    current
}

fn insert(table: &mut Table, path: &[String], value: Value) {
    let (last, parents) = path.split_last().expect("a field has a key");
    let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
    entry(table, &parents).insert(last.clone(), value);
}

/// The array at `path`, made where missing; a numeric segment is an index
/// into the array before it (`projects`, `0`, `indicators`).
fn array_at<'a>(table: &'a mut Table, path: &[String]) -> &'a mut Vec<Value> {
    let (last, parents) = path.split_last().expect("a path");
    let mut current = table;
    let mut i = 0;
    while i < parents.len() {
        let key = &parents[i];
        let next = current
            .entry(key.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        current = match next {
            Value::Table(t) => t,
            Value::Array(items) => {
                i += 1;
                let index: usize = parents[i].parse().expect("an index follows an array");
                match &mut items[index] {
                    Value::Table(t) => t,
                    _ => unreachable!("records are tables"),
                }
            }
            _ => unreachable!("the layout nests tables in tables"),
        };
        i += 1;
    }
    match current
        .entry(last.clone())
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(items) => items,
        _ => unreachable!("records sit in arrays"),
    }
}

#[cfg(test)]
mod tests {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    use super::*;

    /// A workbook as a person fills it in Excel: `indicator_actual` is
    /// typed into an indicator's 实际完成值 with the number format
    /// `format`, and the report date is a date cell.
    fn typed(name: &str, actual: f64, format: &str, date: ExcelDateTime) -> Result<String> {
        let mut book = Workbook::new();
        let unit = book.add_worksheet().set_name("单位信息").unwrap();
        unit.write(2, 1, "测试局").unwrap();
        unit.write(8, 1, 2024).unwrap();
        let date_format = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        unit.write_datetime_with_format(9, 1, &date, &date_format)
            .unwrap();
        let money = book.add_worksheet().set_name("资金").unwrap();
        money.write(2, 1, 100).unwrap();
        let sheet = book.add_worksheet().set_name("绩效指标").unwrap();
        for (col, value) in [(1, "output.quality"), (2, "结案率"), (4, ">="), (10, "%")] {
            sheet.write(1, col, value).unwrap();
        }
        sheet.write(1, 3, 5).unwrap();
        sheet.write(1, 5, 95).unwrap();
        let percent = Format::new().set_num_format(format);
        sheet
            .write_number_with_format(1, 11, actual, &percent)
            .unwrap();
        let path =
            std::env::temp_dir().join(format!("zpbg-xlsx-{}-{name}.xlsx", std::process::id()));
        book.save(&path).unwrap();
        let read = read(&path).map(|(text, _)| text);
        std::fs::remove_file(&path).unwrap();
        read
    }

    #[test]
    fn percent_and_date_cells_read_as_typed() {
        let day = ExcelDateTime::from_ymd(2025, 5, 1).unwrap();
        let text = typed("percent", 0.962, "0.0%", day.clone()).unwrap();
        assert!(text.contains("actual = 96.2\n"), "{text}");
        assert!(text.contains("date = 2025-05-01\n"), "{text}");
        let text = typed("plain", 96.2, "0.0", day).unwrap();
        assert!(text.contains("actual = 96.2\n"), "{text}");
        let noon = ExcelDateTime::parse_from_str("2025-05-01 12:00").unwrap();
        let msg = typed("noon", 96.2, "0.0", noon).unwrap_err().to_string();
        assert!(
            msg.contains("单位信息!B10") && msg.contains("时间"),
            "{msg}"
        );
    }
}
