//! Profiles: what a bureau standardises — the framework, the section
//! templates and their order, and the Typst page layout. Built-in profiles
//! are the folders of `templates/` embedded in the binary; a bureau's own is
//! a folder of the same shape.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Error, Location, ProfileLimit, Result, TomlFile};
use crate::expr::Formula;
use crate::figures::{self, Declared, Kind};
use crate::framework::{Framework, Node};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));
}

/// Shared Typst library folder, served to every profile as `lib/`.
const LIB: &str = "lib";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileToml {
    name: String,
    description: Option<String>,
    title: String,
    framework: String,
    main: String,
    #[serde(default)]
    money_grouping: bool,
    annex: AnnexSpec,
    sections: Vec<SectionSpec>,
    #[serde(default)]
    figures: Vec<Spanned<FigureSpec>>,
    #[serde(default)]
    text: Vec<TextSpec>,
    #[serde(default)]
    tables: Vec<TableSpec>,
    #[serde(default)]
    review: Review,
    #[serde(default)]
    fonts: FontRoles,
}

/// The faces a bureau mandates, by role (`[fonts]`): the report names them
/// and uses each where present, falling back to the bundled faces.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct FontRoles {
    /// 标题 (the report title, 2号).
    pub title: String,
    /// 正文 (body text, 3号).
    pub body: String,
    /// 一级标题 (「一、」 headings).
    pub heading1: String,
    /// 二级标题 (「（一）」 headings).
    pub heading2: String,
    /// 西文和数字.
    pub latin: String,
}

impl Default for FontRoles {
    fn default() -> Self {
        FontRoles {
            title: "方正小标宋简体".into(),
            body: "仿宋_GB2312".into(),
            heading1: "黑体".into(),
            heading2: "楷体_GB2312".into(),
            latin: "Times New Roman".into(),
        }
    }
}

/// A derived figure as `[[figures]]` declares it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FigureSpec {
    id: Spanned<String>,
    label: String,
    kind: Kind,
    expr: Spanned<String>,
    #[serde(default = "two")]
    decimals: u32,
}

fn two() -> u32 {
    2
}

/// Most decimals a profile figure may be rounded to: enough for any ratio a
/// report prints, far inside what `Decimal` holds.
const MAX_FIGURE_DECIMALS: u32 = 10;

/// Most figures a profile may declare. Ordering them walks from a figure
/// into the figures it reads, so this bounds how deep that goes.
const MAX_FIGURES: usize = 256;

/// What `check` holds a unit to, as a bureau's reviewer would (`[review]`),
/// and the sentences the report falls back on when the unit gives nothing;
/// the narrative prints them and `check` warns when they are used.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Review {
    /// 预算调整率 (percent, either way) above which the facts must say why
    /// the budget changed (`money.adjustment_reason`).
    pub adjustment_threshold: Decimal,
    /// 存在的问题 when the facts name no problem.
    pub fallback_problem: String,
    /// 改进措施 when the facts name no problem, or a problem has no measure.
    pub fallback_measure: String,
}

impl Default for Review {
    fn default() -> Self {
        Review {
            adjustment_threshold: Decimal::from(20),
            fallback_problem: "经自评，本年度各项绩效指标均达到年度目标，未发现需要专门说明的问题。"
                .into(),
            fallback_measure: "继续坚持预算绩效管理常态化，加强预算执行监控和绩效目标跟踪，进一步提高财政资金使用效益。"
                .into(),
        }
    }
}

/// A free text block a facts file may carry under `[text]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    /// Its key under `[text]` and in the templates' `text`.
    pub name: String,
    /// Heading a template may print above it.
    pub title: String,
    #[serde(default)]
    pub required: bool,
    /// One line telling the unit what to write, for `init`.
    #[serde(default)]
    pub description: String,
}

/// A table a facts file fills with `[[tables.<id>]]` records.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Facts key, `::table <id>` and `data.tables.<id>`.
    pub id: String,
    /// Caption printed above the table.
    pub title: String,
    /// Label of a totals row, when the table has one.
    pub totals: Option<String>,
    pub columns: Vec<ColumnSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Key of the cell in each record.
    pub key: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Equal consecutive cells merge into one; first column only.
    #[serde(default)]
    pub group: bool,
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Text,
    /// 万元, printed like every other amount of the report.
    Amount,
    /// A number already in percent.
    Percent,
    Integer,
    /// A TOML date, printed 2025年6月30日.
    Date,
}

impl ColumnType {
    /// Its name in profile.toml, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Text => "text（文字）",
            ColumnType::Amount => "amount（金额，万元）",
            ColumnType::Percent => "percent（百分比数值）",
            ColumnType::Integer => "integer（整数）",
            ColumnType::Date => "date（日期）",
        }
    }
}

/// Tables `::table` builds from the score sheet and figures; a profile's own
/// table may not take one of these names.
pub const BUILTIN_TABLES: &[&str] = &["first_level", "indicators"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexSpec {
    pub label: String,
    /// `{year}` and `{unit}` are replaced.
    pub title: String,
    /// The first-level indicator (a leaf, such as 预算执行率) whose 分值 and
    /// 得分 the annex prints in its budget block rather than among the
    /// indicator rows, as the provincial tables do. Absent: every indicator
    /// is a row.
    pub budget_indicator: Option<String>,
    /// The tera template that words a row's 偏差原因分析及改进措施, rendered
    /// with the row's deduction as `d`; the built-in wording by default.
    #[serde(default = "default_note")]
    pub note: String,
    /// 部门整体支出绩效评价基础数据表, listed before the 自评表 when the
    /// outline has one.
    pub basic_data: Option<AnnexPart>,
    /// 项目支出绩效自评表, one per project the facts describe, listed after
    /// the 自评表.
    pub projects: Option<ProjectsAnnex>,
}

/// An annex besides the 自评表: the label printed above it and its title
/// (`{year}` and `{unit}` replaced).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexPart {
    pub label: String,
    pub title: String,
}

impl AnnexPart {
    /// The title for a unit and year.
    pub fn title_for(&self, year: i32, unit: &str) -> String {
        fill_pattern(&self.title, year, unit)
    }
}

/// The 项目支出绩效自评表 annex.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectsAnnex {
    pub label: String,
    pub title: String,
    /// 分值 of 预算执行率 in each project's table; the project's own
    /// indicators share the rest of the framework's total.
    pub execution_weight: Decimal,
    /// 备注 lines printed under each table.
    #[serde(default)]
    pub notes: Vec<String>,
}

fn default_note() -> String {
    "lib/annex_note.tera".into()
}

/// One narrative section. Its heading is written in its template, beside
/// the text it heads, like the headings inside it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    /// What `--section` selects.
    pub id: String,
    /// Path of the tera template inside the profile.
    pub template: String,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Report title; `{year}` and `{unit}` are replaced.
    pub title: String,
    pub money_grouping: bool,
    pub annex: AnnexSpec,
    pub sections: Vec<SectionSpec>,
    /// Text blocks the facts may carry, in the order templates list them.
    pub text: Vec<TextSpec>,
    /// Tables the facts may fill, in declared order.
    pub tables: Vec<TableSpec>,
    pub review: Review,
    /// The mandated faces by role.
    pub fonts: FontRoles,
    pub framework: Framework,
    /// The figures the profile derives itself, after the built-in ones.
    pub figures: Vec<Declared>,
    /// (path, source) of every tera file of the profile and of the shared
    /// `lib/`, so a section template can import or include any of them.
    pub templates: Vec<(String, String)>,
    /// Files the Typst engine may read, by virtual path.
    pub typst_files: BTreeMap<String, Vec<u8>>,
    /// Virtual path of the Typst entry file.
    pub main: String,
    /// The folder it was read from, canonical, so nothing is written into
    /// it; `None` for a built-in profile.
    pub dir: Option<PathBuf>,
}

impl Profile {
    pub fn builtin_ids() -> Vec<&'static str> {
        let mut ids: Vec<&str> = builtin::FILES
            .iter()
            .filter_map(|(path, _)| path.strip_suffix("/profile.toml"))
            .collect();
        ids.dedup();
        ids
    }

    /// A built-in profile by id, or a profile folder by path.
    pub fn resolve(name: &str) -> Result<Self> {
        if Self::builtin_ids().contains(&name) {
            return Self::builtin(name);
        }
        let path = Path::new(name);
        if path.is_dir() {
            return Self::from_dir(path);
        }
        Err(Error::UnknownProfile {
            name: name.to_string(),
            valid: Self::builtin_ids().into_iter().map(String::from).collect(),
        })
    }

    pub fn builtin(id: &str) -> Result<Self> {
        let prefix = format!("{id}/");
        let files = builtin::FILES
            .iter()
            .filter_map(|(path, bytes)| {
                path.strip_prefix(&prefix)
                    .map(|rel| (rel.to_string(), bytes.to_vec()))
            })
            .collect();
        Self::from_files(id, Path::new("templates").join(id), files)
    }

    /// Reads a bureau's profile folder. Only regular files inside it whose
    /// extension a profile can use are read, within the limits above;
    /// symbolic links are skipped so a profile cannot pull in files from
    /// elsewhere.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let mut walk = Walk {
            root: dir,
            files: BTreeMap::new(),
            entries: 0,
            bytes: 0,
        };
        walk.dir(dir, 0)?;
        let files = walk.files;
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        let mut profile = Self::from_files(&id, dir.to_path_buf(), files)?;
        profile.dir = Some(std::fs::canonicalize(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?);
        Ok(profile)
    }

    fn from_files(id: &str, origin: PathBuf, mut files: BTreeMap<String, Vec<u8>>) -> Result<Self> {
        let error = |message: String| Error::Profile {
            profile: id.to_string(),
            message,
        };
        let text = |files: &BTreeMap<String, Vec<u8>>, name: &str| -> Result<String> {
            let bytes = files
                .get(name)
                .ok_or_else(|| error(format!("缺少文件 {name}。")))?;
            String::from_utf8(bytes.clone())
                .map_err(|_| error(format!("文件 {name} 不是 UTF-8 编码。")))
        };
        let manifest_path = origin.join("profile.toml");
        let manifest_text = text(&files, "profile.toml")?;
        let manifest: ProfileToml = toml::from_str(&manifest_text)
            .map_err(|err| Error::toml(TomlFile::Profile, &manifest_path, &manifest_text, &err))?;
        let framework_text = text(&files, &manifest.framework)?;
        let framework = Framework::parse(&origin.join(&manifest.framework), &framework_text)?;
        let figures = declared_figures(&manifest_path, &manifest_text, &manifest.figures)?;
        check_rule_figures(&framework, &figures)?;
        for section in &manifest.sections {
            if !files.contains_key(&section.template) {
                return Err(error(format!("缺少章节模板文件 {}。", section.template)));
            }
        }
        let mut ids: Vec<&str> = manifest.sections.iter().map(|s| s.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(dup) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(error(format!("章节 id「{}」重复。", dup[0])));
        }
        check_declarations(&manifest).map_err(error)?;
        if !files.contains_key(&manifest.annex.note) && manifest.annex.note != default_note() {
            return Err(error(format!(
                "缺少附表说明模板文件 {}。",
                manifest.annex.note
            )));
        }
        // The project's own indicators need some of the total to share.
        if let Some(projects) = &manifest.annex.projects
            && !(projects.execution_weight > Decimal::ZERO
                && projects.execution_weight < framework.header.total)
        {
            return Err(error(format!(
                "[annex.projects] execution_weight = {} 应大于 0 且小于指标体系总分 {}。",
                projects.execution_weight, framework.header.total
            )));
        }
        if !files.contains_key(&manifest.main) {
            return Err(error(format!("缺少排版入口文件 {}。", manifest.main)));
        }
        // A profile folder's own lib/ files win over the shared ones.
        for (path, bytes) in lib_files() {
            files.entry(path).or_insert(bytes);
        }
        let templates = files
            .keys()
            .filter(|path| path.ends_with(".tera"))
            .map(|path| Ok((path.clone(), text(&files, path)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Profile {
            id: id.to_string(),
            name: manifest.name,
            description: manifest.description,
            title: manifest.title,
            money_grouping: manifest.money_grouping,
            annex: manifest.annex,
            sections: manifest.sections,
            text: manifest.text,
            tables: manifest.tables,
            review: manifest.review,
            fonts: manifest.fonts,
            framework,
            figures,
            templates,
            typst_files: files,
            main: manifest.main,
            dir: None,
        })
    }

    /// The report's title for a unit and year.
    pub fn report_title(&self, year: i32, unit: &str) -> String {
        fill_pattern(&self.title, year, unit)
    }

    /// The annex's title for a unit and year.
    pub fn annex_title(&self, year: i32, unit: &str) -> String {
        fill_pattern(&self.annex.title, year, unit)
    }

    /// (label, title) of every annex the report carries: 基础数据表, 自评表,
    /// and 项目支出绩效自评表 when `with_projects` (some project has its own
    /// indicators), in the order of their labels.
    pub fn annexes(&self, year: i32, unit: &str, with_projects: bool) -> Vec<(String, String)> {
        let annex = &self.annex;
        let basic = annex.basic_data.as_ref().map(|a| (&a.label, &a.title));
        let projects = (annex.projects.as_ref())
            .filter(|_| with_projects)
            .map(|a| (&a.label, &a.title));
        let mut all: Vec<_> = basic
            .into_iter()
            .chain([(&annex.label, &annex.title)])
            .chain(projects)
            .map(|(label, title)| (label.clone(), fill_pattern(title, year, unit)))
            .collect();
        // Listed in their labels' order (附件1, 附件2 …), which is where the
        // profile's report.typ places them.
        all.sort_by_key(|(label, _)| label_number(label));
        all
    }

    pub fn section_ids(&self) -> Vec<String> {
        self.sections.iter().map(|s| s.id.clone()).collect()
    }
}

/// The number a label such as 附件2 ends with; a label without one sorts
/// after those with one, in declared order.
fn label_number(label: &str) -> u32 {
    let digits: String = label
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().unwrap_or(u32::MAX)
}

/// The profile's `[[figures]]`, each expression parsed, checked to name only
/// known figures, with no id taken twice or by a built-in figure, and no
/// figure depending on itself. Errors point at `profile.toml`.
fn declared_figures(
    path: &Path,
    text: &str,
    specs: &[Spanned<FigureSpec>],
) -> Result<Vec<Declared>> {
    let at = |offset: usize, message: String| Error::ProfileAt {
        location: Location::from_offset(path, text, offset),
        message,
    };
    if specs.len() > MAX_FIGURES {
        return Err(at(
            specs[MAX_FIGURES].span().start,
            format!("[[figures]] 超过 {MAX_FIGURES} 个；请精简。"),
        ));
    }
    let mut declared: Vec<Declared> = Vec::with_capacity(specs.len());
    for spec in specs {
        let s = spec.get_ref();
        let id = s.id.get_ref();
        let id_at = s.id.span().start;
        let mut chars = id.chars();
        let name_like = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_like || id == "facts" {
            return Err(at(
                id_at,
                format!(
                    "计算值 id「{id}」只能由英文字母、数字和下划线组成，不以数字开头，也不能是 facts（算式和模板按 id 引用它）。"
                ),
            ));
        }
        if figures::exists(id) {
            return Err(at(
                id_at,
                format!("计算值 id「{id}」与内置计算值重名；请换一个 id。"),
            ));
        }
        if declared.iter().any(|d| &d.id == id) {
            return Err(at(id_at, format!("计算值 id「{id}」重复。")));
        }
        if s.decimals > MAX_FIGURE_DECIMALS {
            return Err(at(
                spec.span().start,
                format!(
                    "计算值「{id}」的 decimals 为 {}，最多 {MAX_FIGURE_DECIMALS} 位小数。",
                    s.decimals
                ),
            ));
        }
        // The report prints amounts and percentages with two decimals; any
        // other rounding would score a value the text does not show.
        if matches!(s.kind, Kind::Money | Kind::Percent) && s.decimals != 2 {
            return Err(at(
                spec.span().start,
                format!(
                    "计算值「{id}」是金额或百分比，报告中按两位小数印出，decimals 只能为 2（填写的是 {}）；需要其他位数请用 kind = \"number\"。",
                    s.decimals
                ),
            ));
        }
        let formula = Formula::parse(s.expr.get_ref()).map_err(|e| {
            at(
                expr_offset(text, &s.expr, e.offset),
                format!("计算值「{id}」的算式有误：{}。", e.message),
            )
        })?;
        declared.push(Declared {
            id: id.clone(),
            label: s.label.clone(),
            kind: s.kind,
            formula,
            decimals: s.decimals,
        });
    }
    for (d, spec) in declared.iter().zip(specs) {
        let expr = &spec.get_ref().expr;
        for (name, offset) in d.formula.figures() {
            if !figures::exists(name) && !declared.iter().any(|o| o.id == name) {
                return Err(at(
                    expr_offset(text, expr, offset),
                    format!(
                        "计算值「{}」的算式引用了不存在的计算值 {name}；{}",
                        d.id,
                        known_figures(&declared)
                    ),
                ));
            }
        }
    }
    let order = dependency_order(&declared).map_err(|cycle| {
        let first = (declared.iter().position(|d| d.id == cycle[0])).expect("a declared id");
        at(
            expr_offset(text, &specs[first].get_ref().expr, 0),
            format!("计算值循环引用：{}。", cycle.join(" → ")),
        )
    })?;
    let mut slots: Vec<Option<Declared>> = declared.into_iter().map(Some).collect();
    Ok(order
        .into_iter()
        .map(|i| slots[i].take().expect("each figure once"))
        .collect())
}

/// The indexes of the figures, each after the figures it reads, so that
/// computing them in this order never recurses from one into another; or a
/// figure that depends on itself, as the ids around the loop (the first
/// repeated at the end). Depth-first with marks, so each figure is visited
/// once however the figures share inputs.
fn dependency_order(declared: &[Declared]) -> Result<Vec<usize>, Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    struct Walk<'a> {
        declared: &'a [Declared],
        marks: Vec<Mark>,
        stack: Vec<usize>,
        order: Vec<usize>,
    }
    impl Walk<'_> {
        fn visit(&mut self, i: usize) -> Result<(), Vec<String>> {
            self.marks[i] = Mark::Open;
            self.stack.push(i);
            for (name, _) in self.declared[i].formula.figures() {
                // Built-in figures read no profile figure.
                let Some(j) = self.declared.iter().position(|d| d.id == name) else {
                    continue;
                };
                match self.marks[j] {
                    Mark::Open => {
                        let start = (self.stack.iter().position(|&k| k == j))
                            .expect("an open figure is on the stack");
                        let mut cycle: Vec<String> = (self.stack[start..].iter())
                            .map(|&k| self.declared[k].id.clone())
                            .collect();
                        cycle.push(name.to_string());
                        return Err(cycle);
                    }
                    Mark::New => self.visit(j)?,
                    Mark::Done => {}
                }
            }
            self.stack.pop();
            self.marks[i] = Mark::Done;
            self.order.push(i);
            Ok(())
        }
    }
    let mut walk = Walk {
        declared,
        marks: vec![Mark::New; declared.len()],
        stack: Vec::new(),
        order: Vec::with_capacity(declared.len()),
    };
    for i in 0..declared.len() {
        if walk.marks[i] == Mark::New {
            walk.visit(i)?;
        }
    }
    Ok(walk.order)
}

/// The offset in `profile.toml` of byte `offset` of an expression: exact for
/// a string written without escapes, else the string's start.
fn expr_offset(text: &str, expr: &Spanned<String>, offset: usize) -> usize {
    let span = expr.span();
    let raw = &text[span.clone()];
    let quoted = raw.len() == expr.get_ref().len() + 2 && &raw[1..raw.len() - 1] == expr.get_ref();
    if quoted {
        span.start + 1 + offset
    } else {
        span.start
    }
}

/// A sentence listing every figure id, built-in then the profile's.
fn known_figures(declared: &[Declared]) -> String {
    let ids: Vec<&str> = (figures::CATALOGUE.iter().map(|d| d.id))
        .chain(declared.iter().map(|d| d.id.as_str()))
        .collect();
    format!("可用的有：{}。", ids.join(", "))
}

/// Every rule of the framework reads a figure that exists, built in or
/// declared by the profile; the error names the framework's line.
fn check_rule_figures(framework: &Framework, declared: &[Declared]) -> Result<()> {
    fn walk(framework: &Framework, nodes: &[Node], declared: &[Declared]) -> Result<()> {
        for node in nodes {
            if let Some(figure) = node.def.rule.as_ref().and_then(|r| r.figure())
                && !figures::exists(figure)
                && !declared.iter().any(|d| d.id == figure)
            {
                return Err(Error::Framework {
                    location: Some(Location::from_offset(
                        &framework.file,
                        &framework.text,
                        node.offset,
                    )),
                    file: framework.file.clone(),
                    indicator: node.def.id.clone(),
                    message: format!(
                        "计分规则引用了不存在的计算值 {figure}。{}",
                        known_figures(declared)
                    ),
                });
            }
            walk(framework, &node.children, declared)?;
        }
        Ok(())
    }
    walk(framework, &framework.roots, declared)
}

/// The declared text blocks and tables must be unambiguous: unique names,
/// no table named like a built-in one, a group column only first; the
/// review's threshold is not negative and its fallbacks say something.
fn check_declarations(manifest: &ProfileToml) -> std::result::Result<(), String> {
    fn duplicate<'a>(names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
        let mut names: Vec<&str> = names.collect();
        names.sort_unstable();
        names.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    }
    if let Some(dup) = duplicate(manifest.text.iter().map(|t| t.name.as_str())) {
        return Err(format!("文字块 name「{dup}」重复。"));
    }
    if let Some(dup) = duplicate(manifest.tables.iter().map(|t| t.id.as_str())) {
        return Err(format!("表格 id「{dup}」重复。"));
    }
    let review = &manifest.review;
    if review.adjustment_threshold.is_sign_negative() {
        return Err(format!(
            "[review] 的 adjustment_threshold 为 {}，应为不小于 0 的百分数（如 20）。",
            review.adjustment_threshold
        ));
    }
    for (key, text) in [
        ("fallback_problem", &review.fallback_problem),
        ("fallback_measure", &review.fallback_measure),
    ] {
        if text.trim().is_empty() {
            return Err(format!(
                "[review] 的 {key} 为空；请写一句单位未填写时报告印出的话，或删去该项用内置的句子。"
            ));
        }
    }
    for table in &manifest.tables {
        if BUILTIN_TABLES.contains(&table.id.as_str()) {
            return Err(format!(
                "表格 id「{}」与内置表格同名；内置表格：{}。请换一个 id。",
                table.id,
                BUILTIN_TABLES.join("、")
            ));
        }
        if table.columns.is_empty() {
            return Err(format!("表格「{}」没有列（columns）。", table.id));
        }
        if let Some(dup) = duplicate(table.columns.iter().map(|c| c.key.as_str())) {
            return Err(format!("表格「{}」的列 key「{dup}」重复。", table.id));
        }
        if let Some(col) = table.columns.iter().skip(1).find(|c| c.group) {
            return Err(format!(
                "表格「{}」的列「{}」设了 group = true；只有第一列可以合并单元格。",
                table.id, col.key
            ));
        }
    }
    Ok(())
}

/// Replaces `{year}` and `{unit}` in a title pattern of `profile.toml`.
pub fn fill_pattern(pattern: &str, year: i32, unit: &str) -> String {
    pattern
        .replace("{year}", &year.to_string())
        .replace("{unit}", unit)
}

/// The shared Typst library (`lib/…`) alone, for documents that belong to no
/// profile, such as the batch summary.
pub fn lib_files() -> BTreeMap<String, Vec<u8>> {
    let lib = format!("{LIB}/");
    builtin::FILES
        .iter()
        .filter(|(path, _)| path.starts_with(&lib))
        .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
        .collect()
}

/// Extensions of the files a profile folder can use: its manifest and
/// framework, section templates, the Typst layout and what Typst may load
/// (images and data). Other files are not read.
const PROFILE_EXTENSIONS: &[&str] = &[
    "toml", "tera", "typ", "png", "jpg", "jpeg", "gif", "svg", "webp", "json", "yaml", "yml",
    "csv", "xml", "txt", "bib",
];
/// How deep folders may nest below a profile folder.
pub const MAX_PROFILE_DEPTH: usize = 8;
/// How many entries (files and folders, read or skipped) a profile folder
/// may hold, so a wrong `--profile /usr` stops at once.
pub const MAX_PROFILE_ENTRIES: usize = 1000;
/// How many bytes the files read from a profile folder may add up to.
pub const MAX_PROFILE_BYTES: u64 = 32 * 1024 * 1024;

/// A walk of a profile folder, keeping count against the limits.
struct Walk<'a> {
    root: &'a Path,
    files: BTreeMap<String, Vec<u8>>,
    entries: usize,
    bytes: u64,
}

impl Walk<'_> {
    fn limit(&self, limit: ProfileLimit) -> Error {
        Error::ProfileLimit {
            dir: self.root.to_path_buf(),
            limit,
        }
    }

    /// Reads the profile files under `dir`, `depth` folders below the root.
    /// Symbolic links and hidden entries (`.git`) are skipped.
    fn dir(&mut self, dir: &Path, depth: usize) -> Result<()> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        if depth > MAX_PROFILE_DEPTH {
            return Err(self.limit(ProfileLimit::Depth(MAX_PROFILE_DEPTH)));
        }
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            self.entries += 1;
            if self.entries > MAX_PROFILE_ENTRIES {
                return Err(self.limit(ProfileLimit::Entries(MAX_PROFILE_ENTRIES)));
            }
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type().map_err(io(&path))?;
            if kind.is_dir() {
                self.dir(&path, depth + 1)?;
            } else if kind.is_file() && is_profile_file(&path) {
                let bytes = crate::input::read(&path)?;
                self.bytes += bytes.len() as u64;
                if self.bytes > MAX_PROFILE_BYTES {
                    return Err(self.limit(ProfileLimit::Bytes(MAX_PROFILE_BYTES)));
                }
                let rel = path
                    .strip_prefix(self.root)
                    .expect("walked from root")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                self.files.insert(rel, bytes);
            }
        }
        Ok(())
    }
}

pub(crate) fn is_profile_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PROFILE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_load() {
        let ids = Profile::builtin_ids();
        assert!(ids.contains(&"hunan-2024"), "{ids:?}");
        for id in ids {
            let p = Profile::builtin(id).unwrap();
            assert!(p.typst_files.contains_key(&p.main));
            assert!(p.typst_files.contains_key("lib/gongwen.typ"));
            assert!(!p.sections.is_empty());
        }
    }

    /// The files of hunan-2024, by their paths inside it.
    fn hunan_files() -> BTreeMap<String, Vec<u8>> {
        builtin::FILES
            .iter()
            .filter_map(|(path, bytes)| {
                let rel = path.strip_prefix("hunan-2024/")?;
                Some((rel.to_string(), bytes.to_vec()))
            })
            .collect()
    }

    /// hunan-2024 with `figures` appended to its profile.toml and `from`
    /// replaced by `to` in its framework.
    fn hunan_with(figures: &str, from: &str, to: &str) -> Result<Profile> {
        let mut files = hunan_files();
        let edit =
            |files: &mut BTreeMap<String, Vec<u8>>, name: &str, f: &dyn Fn(String) -> String| {
                let text = String::from_utf8(files[name].clone()).unwrap();
                files.insert(name.into(), f(text).into_bytes());
            };
        edit(&mut files, "profile.toml", &|t| format!("{t}\n{figures}"));
        edit(&mut files, "framework.toml", &|t| t.replace(from, to));
        Profile::from_files("t", PathBuf::from("t"), files)
    }

    const PER_HEAD: &str = r#"
[[figures]]
id = "per_head"
label = "人均支出"
kind = "money"
expr = "actual_total / staff_actual"
"#;

    #[test]
    fn a_rule_may_read_a_profile_figure() {
        let rule = r#"figure = "budget_execution_rate""#;
        let p = hunan_with(PER_HEAD, rule, r#"figure = "per_head""#).unwrap();
        assert_eq!(p.figures[0].id, "per_head");
        assert_eq!(p.figures[0].decimals, 2);
        let msg = hunan_with("", rule, r#"figure = "per_head""#)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("t/framework.toml:24:") && msg.contains("指标 budget"),
            "{msg}"
        );
        assert!(msg.contains("不存在的计算值 per_head"), "{msg}");
    }

    fn figure_error(figures: &str) -> String {
        hunan_with(figures, "", "").unwrap_err().to_string()
    }

    #[test]
    fn expression_errors_name_the_line_and_column() {
        let msg = figure_error(&PER_HEAD.replace("/ staff_actual", "/ （staff_actual"));
        let line = include_str!("../templates/hunan-2024/profile.toml")
            .lines()
            .count()
            + 7;
        assert!(msg.contains(&format!("t/profile.toml:{line}:")), "{msg}");
        assert!(msg.contains("缺少右括号"), "{msg}");
        // Column of the end of the expression: after `expr = "` and its text.
        let column = "expr = \"actual_total / （staff_actual".chars().count() + 1;
        assert!(msg.contains(&format!(":{line}:{column}")), "{msg}");
    }

    #[test]
    fn ids_must_be_new_and_names_known() {
        let msg = figure_error(&PER_HEAD.replace("\"per_head\"", "\"actual_total\""));
        assert!(msg.contains("与内置计算值重名"), "{msg}");
        let msg = figure_error(&format!("{PER_HEAD}{PER_HEAD}"));
        assert!(msg.contains("「per_head」重复"), "{msg}");
        let msg = figure_error(&PER_HEAD.replace("\"per_head\"", "\"per-head\""));
        assert!(msg.contains("只能由英文字母、数字和下划线组成"), "{msg}");
        let msg = figure_error(&PER_HEAD.replace("staff_actual", "staff_magic"));
        assert!(msg.contains("不存在的计算值 staff_magic"), "{msg}");
        // The column of the unknown name.
        let column = "expr = \"actual_total / ".chars().count() + 1;
        assert!(msg.contains(&format!(":{column}\n")), "{msg}");
        let msg =
            figure_error(&PER_HEAD.replace("kind = \"money\"", "kind = \"number\"\ndecimals = 11"));
        assert!(msg.contains("最多 10 位小数"), "{msg}");
        let msg =
            figure_error(&PER_HEAD.replace("kind = \"money\"", "kind = \"money\"\ndecimals = 1"));
        assert!(msg.contains("decimals 只能为 2"), "{msg}");
    }

    #[test]
    fn cycles_are_refused_and_order_follows_inputs() {
        let figure = |id: &str, expr: &str| {
            format!(
                "[[figures]]\nid = \"{id}\"\nlabel = \"{id}\"\nkind = \"number\"\nexpr = \"{expr}\"\n"
            )
        };
        let cyclic = [figure("a", "b + 1"), figure("b", "c * 2"), figure("c", "a")].concat();
        let msg = figure_error(&cyclic);
        assert!(msg.contains("循环引用：a → b → c → a"), "{msg}");
        let msg = figure_error(&figure("a", "a"));
        assert!(msg.contains("循环引用：a → a"), "{msg}");
        let ok = [
            figure("a", "b + c"),
            figure("b", "c * 2"),
            figure("c", "actual_total"),
        ]
        .concat();
        let p = hunan_with(&ok, "", "").unwrap();
        let ids: Vec<&str> = p.figures.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
    }

    #[test]
    fn declared_tables_must_not_shadow_builtins_or_group_late() {
        let manifest = |tables: &str| -> ProfileToml {
            toml::from_str(&format!(
                "name = \"n\"\ntitle = \"t\"\nframework = \"f\"\nmain = \"m\"\n\
                 sections = []\n[annex]\nlabel = \"l\"\ntitle = \"t\"\n{tables}"
            ))
            .unwrap()
        };
        let shadow = manifest(
            "[[tables]]\nid = \"indicators\"\ntitle = \"t\"\n\
             columns = [{ key = \"a\", title = \"A\", type = \"text\" }]\n",
        );
        let msg = check_declarations(&shadow).unwrap_err();
        assert!(msg.contains("indicators") && msg.contains("内置"), "{msg}");
        let late = manifest(
            "[[tables]]\nid = \"x\"\ntitle = \"t\"\ncolumns = [\n\
             { key = \"a\", title = \"A\", type = \"text\" },\n\
             { key = \"b\", title = \"B\", type = \"text\", group = true }]\n",
        );
        assert!(check_declarations(&late).unwrap_err().contains("第一列"));
    }

    #[test]
    fn unknown_profile_lists_builtins() {
        let msg = Profile::resolve("no-such-profile").unwrap_err().to_string();
        assert!(msg.contains("hunan-2024"), "{msg}");
    }

    #[test]
    fn review_settings_default_and_are_checked() {
        let hunan = Profile::builtin("hunan-2024").unwrap();
        assert_eq!(hunan.review.adjustment_threshold, Decimal::from(20));
        assert!(hunan.review.fallback_problem.starts_with("经自评"));
        // A profile without [review] gets the built-in sentences.
        let jiangxi = Profile::from_dir(Path::new("tests/fixtures/jiangxi-2025")).unwrap();
        let default = Review::default();
        assert_eq!(jiangxi.review.fallback_measure, default.fallback_measure);
        assert_eq!(jiangxi.review.adjustment_threshold, Decimal::from(20));
        for (from, to, words) in [
            (
                "adjustment_threshold = 20",
                "adjustment_threshold = -5",
                "adjustment_threshold 为 -5",
            ),
            (
                "fallback_measure = \"",
                "fallback_measure = \" \"\n# \"",
                "fallback_measure 为空",
            ),
            ("adjustment_threshold", "threshold", "threshold"),
        ] {
            let msg = hunan_profile_with(from, to).unwrap_err().to_string();
            assert!(msg.contains(words), "{msg}");
        }
    }

    /// hunan-2024 with `from` replaced by `to` in its profile.toml.
    fn hunan_profile_with(from: &str, to: &str) -> Result<Profile> {
        let mut files = hunan_files();
        let text = String::from_utf8(files["profile.toml"].clone()).unwrap();
        assert!(text.contains(from), "{from}");
        files.insert(
            "profile.toml".into(),
            text.replacen(from, to, 1).into_bytes(),
        );
        Profile::from_files("t", PathBuf::from("t"), files)
    }
}
