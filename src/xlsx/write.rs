//! Workbooks zpbg writes: the fillable facts workbook (`init --xlsx`, and
//! `convert` of a facts file), laid out by `layout` so `read` reads back
//! every value, and the batch's 汇总表.xlsx. Written with fixed document
//! properties, so the same input gives the same bytes.

use std::collections::BTreeSet;

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties, ExcelDateTime,
    Format, FormatBorder, Formula, Note, Workbook, Worksheet, XlsxError,
};
use toml::{Table, Value};

use super::cell::yes_no;
use super::layout::{self, CHOICES_SHEET, Field, HELP_SHEET, Kind, SHEETS, Shape, Sheet};
use crate::framework::Node;
use crate::profile::{ColumnType, Profile, TableSpec};

type Result<T> = std::result::Result<T, String>;

fn failed(e: XlsxError) -> String {
    format!("写入工作簿失败：{e}")
}

/// The facts workbook for `facts` under `profile`, every value of `facts`
/// in its cell. A value the layout has no cell for is refused, so nothing
/// is dropped on the way.
pub fn facts_workbook(facts: &Table, profile: &Profile) -> Result<Vec<u8>> {
    let mut book = new_workbook()?;
    let choices = Choices::of(profile);
    let mut writer = Writer {
        facts,
        choices: &choices,
        written: BTreeSet::new(),
        styles: Styles::new(),
    };
    help_sheet(book.add_worksheet())?;
    for sheet in SHEETS {
        writer.sheet(book.add_worksheet(), sheet)?;
    }
    let mut names: Vec<String> = SHEETS.iter().map(|s| s.name.to_string()).collect();
    for spec in &profile.tables {
        let name = table_sheet_name(spec, &names);
        writer.declared_table(book.add_worksheet(), &name, spec)?;
        names.push(name);
    }
    choices.sheet(book.add_worksheet(), &writer.styles)?;
    let mut left = Vec::new();
    for (key, value) in facts {
        leaves(value, key, &mut left);
    }
    left.retain(|path| !writer.written.contains(path));
    if !left.is_empty() {
        return Err(format!(
            "以下字段在工作簿中没有对应的单元格，无法写入：{}。",
            left.join("、")
        ));
    }
    book.save_to_buffer().map_err(failed)
}

/// The workbook for a new unit: empty but for the profile, or with
/// `example` the values `zpbg init` writes into its TOML.
pub fn template(profile: &Profile, example: bool) -> Result<Vec<u8>> {
    let facts = if example {
        crate::init::facts_template(profile)
            .parse::<Table>()
            .map_err(|e| format!("示例数据无法读取：{e}"))?
    } else {
        Table::from_iter([("profile".to_string(), Value::String(profile.id.clone()))])
    };
    facts_workbook(&facts, profile)
}

/// 汇总表.xlsx: the summary's `header` and `rows` (numbers where a cell
/// holds one), the header frozen, and the units that made no report with
/// why on a sheet of their own.
pub fn summary(
    header: &[String],
    rows: &[Vec<String>],
    failed_units: &[(String, String)],
) -> Result<Vec<u8>> {
    let mut book = new_workbook()?;
    let styles = Styles::new();
    let points = Format::new()
        .set_num_format("0.00")
        .set_border(FormatBorder::Thin);
    let plain = Format::new().set_border(FormatBorder::Thin);
    let sheet = book.add_worksheet();
    sheet.set_name("汇总").map_err(failed)?;
    for (col, title) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, title, &styles.header)
            .map_err(failed)?;
        sheet
            .set_column_width(col as u16, if col == 1 { 36 } else { 12 })
            .map_err(failed)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (col, text) in row.iter().enumerate() {
            let col = col as u16;
            // The rank is a whole number; scores print with two decimals.
            let written = match text.parse::<f64>() {
                Ok(n) if col == 0 => sheet.write_number_with_format(r, col, n, &plain),
                Ok(n) if col > 1 => sheet.write_number_with_format(r, col, n, &points),
                _ => sheet.write_string_with_format(r, col, text, &plain),
            };
            written.map_err(failed)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    let sheet = book.add_worksheet();
    sheet.set_name("未生成报告").map_err(failed)?;
    for (col, title) in ["事实文件", "未生成原因"].iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *title, &styles.header)
            .map_err(failed)?;
    }
    sheet.set_column_width(0, 36).map_err(failed)?;
    sheet.set_column_width(1, 100).map_err(failed)?;
    for (r, (facts, reason)) in failed_units.iter().enumerate() {
        sheet
            .write_string_with_format(r as u32 + 1, 0, facts, &plain)
            .map_err(failed)?;
        sheet
            .write_string_with_format(r as u32 + 1, 1, reason, &plain)
            .map_err(failed)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    book.save_to_buffer().map_err(failed)
}

/// A workbook whose properties carry no time of writing.
fn new_workbook() -> Result<Workbook> {
    let mut book = Workbook::new();
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1).map_err(failed)?;
    book.set_properties(
        &DocProperties::new()
            .set_author("zpbg")
            .set_creation_datetime(&epoch),
    );
    Ok(book)
}

struct Styles {
    header: Format,
    label: Format,
    note: Format,
    keys: Format,
}

impl Styles {
    fn new() -> Self {
        let border = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
        Styles {
            header: border.clone().set_bold().set_background_color("#D9E1F2"),
            label: border.clone().set_background_color("#F2F2F2"),
            note: border.set_font_color("#595959"),
            keys: Format::new().set_font_size(8).set_font_color("#808080"),
        }
    }

    /// An input cell of `kind`: unlocked, with its number format.
    fn input(kind: Kind) -> Format {
        let format = Format::new()
            .set_unlocked()
            .set_border(FormatBorder::Thin)
            .set_border_color("#BFBFBF");
        match kind {
            Kind::Amount => format.set_num_format("#,##0.00####"),
            Kind::Integer => format.set_num_format("0"),
            Kind::Date => format.set_num_format("yyyy-mm-dd"),
            Kind::Number => format,
            Kind::Info => Format::new().set_font_color("#595959").set_text_wrap(),
            _ => format.set_num_format("@").set_text_wrap(),
        }
    }
}

/// The dropdowns' choices, from the profile.
struct Choices {
    /// Indicators an assessor scores, with their names.
    indicators: Vec<(String, String)>,
    /// Branches under which the unit sets its own indicators.
    branches: Vec<String>,
    /// Declared text blocks, with their titles.
    texts: Vec<(String, String)>,
}

impl Choices {
    fn of(profile: &Profile) -> Self {
        fn walk(nodes: &[Node], out: &mut Choices) {
            for node in nodes {
                if node.def.open {
                    out.branches.push(node.def.id.clone());
                } else if node.def.rule.is_some() {
                    out.indicators
                        .push((node.def.id.clone(), node.def.name.clone()));
                }
                walk(&node.children, out);
            }
        }
        let mut out = Choices {
            indicators: Vec::new(),
            branches: Vec::new(),
            texts: profile
                .text
                .iter()
                .map(|t| (t.name.clone(), t.title.clone()))
                .collect(),
        };
        walk(&profile.framework.roots, &mut out);
        out
    }

    /// The column of the 选项 sheet listing a kind's choices, and how many.
    fn column(&self, kind: Kind) -> Option<(u16, usize)> {
        let column = match kind {
            Kind::IndicatorId => Some((0, self.indicators.len())),
            Kind::Branch => Some((2, self.branches.len())),
            Kind::TextName => Some((3, self.texts.len())),
            _ => None,
        };
        column.filter(|(_, n)| *n > 0)
    }

    fn sheet(&self, ws: &mut Worksheet, styles: &Styles) -> Result<()> {
        ws.set_name(CHOICES_SHEET).map_err(failed)?;
        let columns: [(&str, Vec<&str>); 4] = [
            (
                "指标编号",
                self.indicators.iter().map(|(id, _)| id.as_str()).collect(),
            ),
            (
                "指标名称",
                self.indicators.iter().map(|(_, n)| n.as_str()).collect(),
            ),
            (
                "框架分支",
                self.branches.iter().map(String::as_str).collect(),
            ),
            (
                "文字块",
                self.texts.iter().map(|(n, _)| n.as_str()).collect(),
            ),
        ];
        for (col, (title, items)) in columns.iter().enumerate() {
            let col = col as u16;
            ws.write_string_with_format(0, col, *title, &styles.header)
                .map_err(failed)?;
            ws.set_column_width(col, 24).map_err(failed)?;
            for (row, item) in items.iter().enumerate() {
                ws.write_string(row as u32 + 1, col, *item)
                    .map_err(failed)?;
            }
        }
        ws.protect();
        Ok(())
    }
}

fn help_sheet(ws: &mut Worksheet) -> Result<()> {
    ws.set_name(HELP_SHEET).map_err(failed)?;
    let lines = [
        "本工作簿是 zpbg 的事实数据表：填好后运行 zpbg check 事实.xlsx 检查，zpbg gen 事实.xlsx 生成报告。",
        "只在白色的输入格中填写；灰色的标签和表头已锁定。每个字段的说明见其标签的批注和「说明」列。",
        "金额一律以万元为单位，可写 1,234.50 或「1,234.50万元」；数值最多 6 位小数，公式结果请先用 ROUND 取整。",
        "百分比填百分数：98 表示 98%；设为百分比格式的单元格中的 98%、或写成文字的「98%」，也读作 98。",
        "日期设为日期格式，或写成 2025-12-31、2025年12月31日。",
        "多条内容（如内设机构、主要职能）在一个单元格内每行写一条（换行：Alt+Enter）。",
        "表格类工作表每行一条记录，空行不读取；项目的绩效目标和指标在「所属项目」中选择项目名称。",
        "与 TOML 事实文件互相转换：zpbg convert 事实.xlsx -o 事实.toml，或 zpbg convert 事实.toml -o 事实.xlsx。",
    ];
    ws.set_column_width(0, 110).map_err(failed)?;
    let wrap = Format::new().set_text_wrap();
    for (row, line) in lines.iter().enumerate() {
        ws.write_string_with_format(row as u32, 0, *line, &wrap)
            .map_err(failed)?;
    }
    ws.protect();
    Ok(())
}

/// A declared table's sheet name: its title, shortened and cleaned to
/// what Excel allows, and unlike the sheets before it.
fn table_sheet_name(spec: &TableSpec, taken: &[String]) -> String {
    let clean: String = spec
        .title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
        .take(28)
        .collect();
    let base = if clean.trim().is_empty() {
        spec.id.chars().take(28).collect()
    } else {
        clean
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t == &name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

struct Writer<'a> {
    facts: &'a Table,
    choices: &'a Choices,
    /// Paths of the values written, as [`leaves`] names them.
    written: BTreeSet<String>,
    styles: Styles,
}

impl Writer<'_> {
    fn sheet(&mut self, ws: &mut Worksheet, sheet: &'static Sheet) -> Result<()> {
        let (facts, choices) = (self.facts, self.choices);
        ws.set_name(sheet.name).map_err(failed)?;
        match sheet.shape {
            Shape::Form => self.form(ws, sheet)?,
            Shape::Rows { path } => {
                let mut records: Vec<(String, String, &Table)> = Vec::new();
                for (i, record) in tables(get(facts, path)).enumerate() {
                    records.push((String::new(), format!("{path}[{}]", i + 1), record));
                }
                // Goals and indicators of projects follow the unit's own,
                // each with its project's name.
                if sheet.fields.iter().any(|f| f.kind == Kind::Project) {
                    for (n, project) in tables(facts.get("projects")).enumerate() {
                        let name = project.get("name").and_then(Value::as_str).unwrap_or("");
                        for (i, record) in tables(project.get(path)).enumerate() {
                            records.push((
                                name.to_string(),
                                format!("projects[{}].{path}[{}]", n + 1, i + 1),
                                record,
                            ));
                        }
                    }
                }
                self.header(ws, sheet.fields, 0)?;
                for (row, (project, at, record)) in records.into_iter().enumerate() {
                    let row = row as u32 + 1;
                    for (col, field) in sheet.fields.iter().enumerate() {
                        let col = col as u16;
                        if field.kind == Kind::Project {
                            if !project.is_empty() {
                                ws.write_string_with_format(
                                    row,
                                    col,
                                    &project,
                                    &Styles::input(Kind::Project),
                                )
                                .map_err(failed)?;
                            }
                        } else if let Some(value) = get_in(record, field.key) {
                            self.put(
                                ws,
                                row,
                                col,
                                field.kind,
                                value,
                                format!("{at}.{}", field.key),
                            )?;
                        }
                    }
                }
                self.columns(ws, sheet.fields, 1)?;
            }
            Shape::Keyed { path } => {
                self.header(ws, sheet.fields, 0)?;
                let given: Vec<(&String, &Value)> = match get(facts, path) {
                    Some(Value::Table(t)) => t.iter().collect(),
                    _ => Vec::new(),
                };
                let mut row = 1;
                let names: std::collections::BTreeMap<&str, &str> = choices
                    .indicators
                    .iter()
                    .map(|(id, name)| (id.as_str(), name.as_str()))
                    .collect();
                for (id, record) in &given {
                    let at = format!("{path}.{id}");
                    self.key_cells(ws, row, id, names.get(id.as_str()).copied())?;
                    if let Value::Table(record) = record {
                        for (col, field) in sheet.fields.iter().enumerate().skip(2) {
                            if let Some(value) = get_in(record, field.key) {
                                self.put(
                                    ws,
                                    row,
                                    col as u16,
                                    field.kind,
                                    value,
                                    format!("{at}.{}", field.key),
                                )?;
                            }
                        }
                    }
                    row += 1;
                }
                // The indicators left to assess, ready to fill.
                for (id, name) in &choices.indicators {
                    if !given.iter().any(|(g, _)| *g == id) {
                        self.key_cells(ws, row, id, Some(name.as_str()))?;
                        row += 1;
                    }
                }
                self.columns(ws, sheet.fields, 1)?;
            }
            Shape::Paragraphs => {
                self.header(ws, sheet.fields, 0)?;
                let mut rows: Vec<(String, Option<String>)> = Vec::new();
                if let Some(Value::Table(text)) = facts.get("text") {
                    for (name, value) in text {
                        let paragraphs: Vec<&str> = match value {
                            Value::String(s) => vec![s.as_str()],
                            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                            _ => continue,
                        };
                        if paragraphs.iter().any(|p| p.trim().is_empty()) {
                            return Err(format!(
                                "文字块 text.{name} 中有空段落，工作簿中一行一段，无法写入；请删去空段落。"
                            ));
                        }
                        self.written.insert(format!("text.{name}"));
                        rows.extend(
                            paragraphs
                                .into_iter()
                                .map(|p| (name.clone(), Some(p.to_string()))),
                        );
                    }
                }
                for (name, _) in &choices.texts {
                    if !rows.iter().any(|(n, _)| n == name) {
                        rows.push((name.clone(), None));
                    }
                }
                let titles: std::collections::BTreeMap<&str, &str> = choices
                    .texts
                    .iter()
                    .map(|(n, t)| (n.as_str(), t.as_str()))
                    .collect();
                for (row, (name, text)) in rows.iter().enumerate() {
                    let row = row as u32 + 1;
                    ws.write_string_with_format(row, 0, name, &Styles::input(Kind::TextName))
                        .map_err(failed)?;
                    if let Some(title) = titles.get(name.as_str()) {
                        ws.write_string_with_format(row, 1, *title, &Styles::input(Kind::Info))
                            .map_err(failed)?;
                    }
                    if let Some(text) = text {
                        ws.write_string_with_format(row, 2, text, &Styles::input(Kind::Text))
                            .map_err(failed)?;
                    }
                }
                self.columns(ws, sheet.fields, 1)?;
            }
        }
        ws.protect();
        Ok(())
    }

    /// An assessed indicator's id and, for reference, its name.
    fn key_cells(&self, ws: &mut Worksheet, row: u32, id: &str, name: Option<&str>) -> Result<()> {
        ws.write_string_with_format(row, 0, id, &Styles::input(Kind::IndicatorId))
            .map_err(failed)?;
        if let Some(name) = name {
            ws.write_string_with_format(row, 1, name, &Styles::input(Kind::Info))
                .map_err(failed)?;
        }
        Ok(())
    }

    /// A field per row: label, value, what to write.
    fn form(&mut self, ws: &mut Worksheet, sheet: &'static Sheet) -> Result<()> {
        let facts = self.facts;
        for (col, title) in ["项目", "填写", "说明"].iter().enumerate() {
            ws.write_string_with_format(0, col as u16, *title, &self.styles.header)
                .map_err(failed)?;
        }
        for (i, field) in sheet.fields.iter().enumerate() {
            let row = i as u32 + 1;
            let label = if field.required {
                format!("{}（必填）", field.label)
            } else {
                field.label.to_string()
            };
            ws.write_string_with_format(row, 0, &label, &self.styles.label)
                .map_err(failed)?;
            ws.write_string_with_format(row, 2, explain(field), &self.styles.note)
                .map_err(failed)?;
            match get(facts, field.key) {
                Some(value) => self.put(ws, row, 1, field.kind, value, field.key.to_string())?,
                None => {
                    ws.write_blank(row, 1, &Styles::input(field.kind))
                        .map_err(failed)?;
                }
            }
            if let Some(rule) = self.validation(field.kind) {
                ws.add_data_validation(row, 1, row, 1, &rule)
                    .map_err(failed)?;
            }
        }
        ws.set_column_width(0, 30).map_err(failed)?;
        ws.set_column_width(1, 48).map_err(failed)?;
        ws.set_column_width(2, 60).map_err(failed)?;
        ws.set_freeze_panes(1, 0).map_err(failed)?;
        Ok(())
    }

    /// The header row of a record sheet, each label with its note.
    fn header(&self, ws: &mut Worksheet, fields: &[Field], row: u32) -> Result<()> {
        for (col, field) in fields.iter().enumerate() {
            let col = col as u16;
            let label = if field.required {
                format!("{}（必填）", field.label)
            } else {
                field.label.to_string()
            };
            ws.write_string_with_format(row, col, &label, &self.styles.header)
                .map_err(failed)?;
            ws.insert_note(row, col, &Note::new(explain(field)).set_author("zpbg"))
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Input columns below the header from `first`: unlocked, formatted,
    /// validated.
    fn columns(&self, ws: &mut Worksheet, fields: &[Field], first: u32) -> Result<()> {
        for (col, field) in fields.iter().enumerate() {
            let col = col as u16;
            ws.set_column_format(col, &Styles::input(field.kind))
                .map_err(failed)?;
            let width = match field.kind {
                Kind::Text | Kind::Lines => 36,
                Kind::Info => 30,
                _ => 14,
            };
            ws.set_column_width(col, width).map_err(failed)?;
            if let Some(rule) = self.validation(field.kind) {
                ws.add_data_validation(first, col, first + layout::INPUT_ROWS - 1, col, &rule)
                    .map_err(failed)?;
            }
        }
        ws.set_freeze_panes(first, 0).map_err(failed)?;
        Ok(())
    }

    /// What a cell of `kind` may hold, as Excel checks it while typing.
    /// Numbers and dates only warn, so `1,234.50万元` or `98%` typed as
    /// text can still be entered: zpbg reads them.
    fn validation(&self, kind: Kind) -> Option<DataValidation> {
        let warn = |v: DataValidation| {
            v.set_error_style(DataValidationErrorStyle::Warning)
                .set_error_message(kind.name())
                .ok()
        };
        let list =
            |formula: String| DataValidation::new().allow_list_formula(Formula::new(formula));
        match kind {
            Kind::Amount => warn(
                DataValidation::new()
                    .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
            ),
            Kind::Number => warn(
                DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(-1e12, 1e12)),
            ),
            Kind::Integer => warn(
                DataValidation::new()
                    .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0)),
            ),
            Kind::Date => {
                let from = ExcelDateTime::from_ymd(2000, 1, 1).ok()?;
                let to = ExcelDateTime::from_ymd(2101, 12, 31).ok()?;
                warn(DataValidation::new().allow_date(DataValidationRule::Between(from, to)))
            }
            Kind::Bool => DataValidation::new().allow_list_strings(&["是", "否"]).ok(),
            Kind::Choice(choices) => DataValidation::new().allow_list_strings(choices).ok(),
            Kind::IndicatorId | Kind::Branch | Kind::TextName => {
                let (col, n) = self.choices.column(kind)?;
                let letter = layout::column_letters(col);
                Some(list(format!(
                    "='{CHOICES_SHEET}'!${letter}$2:${letter}${}",
                    n + 1
                )))
            }
            Kind::Project => Some(list(format!("='项目'!$A$2:$A${}", layout::INPUT_ROWS + 1))),
            Kind::Text | Kind::Lines | Kind::Flags | Kind::Info => None,
        }
    }

    /// Writes `value` into the cell of a field of `kind`, noting `path` as
    /// written.
    fn put(
        &mut self,
        ws: &mut Worksheet,
        row: u32,
        col: u16,
        kind: Kind,
        value: &Value,
        path: String,
    ) -> Result<()> {
        let format = Styles::input(kind);
        let written = match value {
            Value::String(s) => ws.write_string_with_format(row, col, s, &format),
            Value::Integer(i) => ws.write_number_with_format(row, col, *i as f64, &format),
            Value::Float(f) => ws.write_number_with_format(row, col, *f, &format),
            Value::Boolean(b) => ws.write_string_with_format(row, col, yes_no(*b), &format),
            Value::Datetime(dt) => {
                let date = dt
                    .date
                    .filter(|_| dt.time.is_none() && dt.offset.is_none())
                    .ok_or_else(|| format!("字段 {path} 的日期 {dt} 带有时间，工作簿只写日期。"))?;
                let date =
                    ExcelDateTime::from_ymd(date.year, date.month, date.day).map_err(failed)?;
                ws.write_datetime_with_format(row, col, &date, &format)
            }
            Value::Array(items) => {
                let text = match kind {
                    Kind::Flags => items
                        .iter()
                        .map(|v| v.as_bool().map(yes_no))
                        .collect::<Option<Vec<_>>>()
                        .map(|f| f.join("、")),
                    _ => items
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .filter(|s| !s.contains('\n') && !s.trim().is_empty())
                        })
                        .collect::<Option<Vec<_>>>()
                        .map(|l| l.join("\n")),
                }
                .ok_or_else(|| {
                    format!("字段 {path} 的列表中有换行、空项或不同类型的值，无法写入一个单元格。")
                })?;
                ws.write_string_with_format(row, col, &text, &format)
            }
            Value::Table(_) => return Err(format!("字段 {path} 是表，工作簿中没有它的位置。")),
        };
        written.map_err(failed)?;
        self.written.insert(path);
        Ok(())
    }

    /// The sheet of a table the profile declares: titles, the row of keys
    /// that lets `read` read it without the profile, then the records.
    fn declared_table(&mut self, ws: &mut Worksheet, name: &str, spec: &TableSpec) -> Result<()> {
        ws.set_name(name).map_err(failed)?;
        let path = format!("tables.{}", spec.id);
        for (col, column) in spec.columns.iter().enumerate() {
            let col = col as u16;
            let (kind, word) = column_kind(column.kind);
            ws.write_string_with_format(
                layout::HEADER_ROW,
                col,
                &column.title,
                &self.styles.header,
            )
            .map_err(failed)?;
            let note = if column.optional {
                format!("{}；可不填", column.kind.name())
            } else {
                column.kind.name().to_string()
            };
            ws.insert_note(layout::HEADER_ROW, col, &Note::new(note).set_author("zpbg"))
                .map_err(failed)?;
            ws.write_string_with_format(
                layout::TABLE_KEYS_ROW,
                col,
                format!("{path}.{}:{word}", column.key),
                &self.styles.keys,
            )
            .map_err(failed)?;
            ws.set_column_format(col, &Styles::input(kind))
                .map_err(failed)?;
            ws.set_column_width(col, if kind == Kind::Text { 30 } else { 14 })
                .map_err(failed)?;
            if let Some(rule) = self.validation(kind) {
                let first = layout::TABLE_FIRST_ROW;
                ws.add_data_validation(first, col, first + layout::INPUT_ROWS - 1, col, &rule)
                    .map_err(failed)?;
            }
        }
        let facts = self.facts;
        let records = facts.get("tables").and_then(|t| t.get(&spec.id));
        for (i, record) in tables(records).enumerate() {
            let row = layout::TABLE_FIRST_ROW + i as u32;
            for (col, column) in spec.columns.iter().enumerate() {
                if let Some(value) = record.get(&column.key) {
                    let at = format!("{path}[{}].{}", i + 1, column.key);
                    self.put(ws, row, col as u16, column_kind(column.kind).0, value, at)?;
                }
            }
        }
        ws.set_freeze_panes(layout::TABLE_FIRST_ROW, 0)
            .map_err(failed)?;
        ws.protect();
        Ok(())
    }
}

/// A declared column's kind in the workbook, and its name in the row of
/// keys (as in profile.toml).
fn column_kind(kind: ColumnType) -> (Kind, &'static str) {
    match kind {
        ColumnType::Text => (Kind::Text, "text"),
        ColumnType::Amount => (Kind::Amount, "amount"),
        ColumnType::Percent => (Kind::Number, "percent"),
        ColumnType::Integer => (Kind::Integer, "integer"),
        ColumnType::Date => (Kind::Date, "date"),
    }
}

/// A field's note: what to write and how.
fn explain(field: &Field) -> String {
    let mut parts = vec![field.kind.name().to_string()];
    if !field.note.is_empty() {
        parts.push(field.note.to_string());
    }
    parts.join("。")
}

/// The value at the dotted `path` from the top of the facts.
fn get<'a>(facts: &'a Table, path: &str) -> Option<&'a Value> {
    get_in(facts, path)
}

fn get_in<'a>(table: &'a Table, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut value = table.get(parts.next()?)?;
    for key in parts {
        value = value.as_table()?.get(key)?;
    }
    Some(value)
}

/// The tables of an array of tables; nothing for anything else.
fn tables(value: Option<&Value>) -> impl Iterator<Item = &Table> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table)
}

/// Every value of the facts by the path the writer notes it under: a
/// scalar, or a list of scalars, as one; arrays of tables by index.
fn leaves(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Table(table) => {
            for (key, item) in table {
                leaves(item, &format!("{path}.{key}"), out);
            }
        }
        // An empty list reads back as the same nothing.
        Value::Array(items) if items.is_empty() => {}
        Value::Array(items) if items.iter().all(Value::is_table) => {
            for (i, item) in items.iter().enumerate() {
                leaves(item, &format!("{path}[{}]", i + 1), out);
            }
        }
        _ => out.push(path.to_string()),
    }
}
