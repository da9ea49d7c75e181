//! Typed errors of the library. `Display` is the one place that turns them
//! into messages for people: Chinese, naming the file, line and field, and
//! saying what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a source file, 1-based, with the offending line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub line_text: String,
    /// The workbook cell (`资金!B3`) the value came from, for facts read
    /// from a workbook; `line_text` is then what the cell shows.
    pub cell: Option<String>,
}

impl Location {
    /// Resolves a byte offset in `text` to a line and column. Boxed because
    /// errors carry it and should stay small.
    pub fn from_offset(file: impl Into<PathBuf>, text: &str, offset: usize) -> Box<Self> {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let line_text = text[line_start..]
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        Box::new(Location {
            file: file.into(),
            line,
            column,
            line_text,
            cell: None,
        })
    }

    /// A cell of a workbook, showing `shown`.
    pub fn at_cell(file: impl Into<PathBuf>, cell: &str, shown: &str) -> Box<Self> {
        Box::new(Location {
            file: file.into(),
            line: 0,
            column: 0,
            line_text: shown.to_string(),
            cell: Some(cell.to_string()),
        })
    }
}

/// How much of an offending line a message quotes: enough to see the
/// mistake, not a screenful of a 5000-character line.
pub const QUOTED_LINE_CHARS: usize = 200;

impl Location {
    /// At most [`QUOTED_LINE_CHARS`] characters of the line around the
    /// column, with `…` where it was cut.
    fn excerpt(&self) -> String {
        let chars: Vec<char> = self.line_text.chars().collect();
        if chars.len() <= QUOTED_LINE_CHARS {
            return self.line_text.clone();
        }
        let column = self.column.saturating_sub(1).min(chars.len());
        let start = column
            .saturating_sub(QUOTED_LINE_CHARS / 2)
            .min(chars.len() - QUOTED_LINE_CHARS);
        let end = start + QUOTED_LINE_CHARS;
        let mut text: String = chars[start..end].iter().collect();
        if start > 0 {
            text.insert(0, '…');
        }
        if end < chars.len() {
            text.push('…');
        }
        text
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(cell) = &self.cell {
            write!(f, "{} 单元格 {cell}", self.file.display())?;
            if !self.line_text.is_empty() {
                write!(f, "（填写的是「{}」）", printable(&self.excerpt()))?;
            }
            return Ok(());
        }
        write!(
            f,
            "{}:{}:{}\n  {} | {}",
            self.file.display(),
            self.line,
            self.column,
            self.line,
            printable(&self.excerpt())
        )
    }
}

/// `text` with every control character but newline and tab written as an
/// escape (`\u{1b}`), so a message quoting the input cannot drive the
/// terminal (colours, cursor moves, a bell) or hide what it says.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A formatter that passes text through [`printable`] on its way out.
struct Printable<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for Printable<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_str(&printable(s))
    }
}

#[derive(Debug)]
pub enum Error {
    /// A file could not be read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// TOML syntax or a field of the wrong type; `message` is toml's own.
    Toml {
        what: TomlFile,
        location: Option<Box<Location>>,
        file: PathBuf,
        message: String,
    },
    /// A workbook that cannot be read or written as one.
    Workbook { path: PathBuf, message: String },
    /// A fact is wrong or inconsistent; `field` is its dotted path.
    Fact {
        location: Option<Box<Location>>,
        file: PathBuf,
        field: String,
        message: String,
    },
    /// A derived figure needs a fact the file does not give.
    MissingFact {
        file: PathBuf,
        figure: String,
        field: String,
    },
    /// A figure an indicator's rule scores cannot be computed: `error` says
    /// why, `indicator` names the indicator that needs it.
    NeededBy {
        indicator: String,
        error: Box<Error>,
    },
    /// A key of `profile.toml` that parses but is wrong, at its place.
    ProfileAt {
        location: Box<Location>,
        message: String,
    },
    /// A profile figure's expression divides by zero for these facts.
    DivideByZero {
        file: PathBuf,
        /// The figure's label.
        figure: String,
        expr: String,
        /// The divisor as written in the expression.
        divisor: String,
    },
    /// The framework file is inconsistent.
    Framework {
        location: Option<Box<Location>>,
        file: PathBuf,
        indicator: String,
        message: String,
    },
    /// A profile is incomplete or names a file it does not have.
    Profile { profile: String, message: String },
    /// A template failed to build or render; `template` is its file, and
    /// `location` the line and column when they are known.
    Template {
        profile: String,
        template: String,
        location: Option<Box<Location>>,
        message: String,
    },
    /// `--section` named a section the profile does not have.
    UnknownSection { id: String, valid: Vec<String> },
    /// `--profile` named no built-in profile and no directory.
    UnknownProfile { name: String, valid: Vec<String> },
    /// A character no bundled font can draw.
    /// A `--font-path` that is not a folder.
    FontPath { path: PathBuf },
    MissingGlyph {
        file: PathBuf,
        field: String,
        character: char,
    },
    /// Typst failed to lay out the report.
    Render(crate::render::RenderError),
    /// The Word file could not be written.
    Docx(crate::render::docx::DocxError),
    /// Units of a batch whose PDFs would share a file name, or take the
    /// summary's.
    OutputNames { clashes: Vec<NameClash> },
    /// An input file larger than the limit; `size` when known before reading.
    InputTooLarge {
        path: PathBuf,
        size: Option<u64>,
        limit: u64,
    },
    /// An input path that is a directory, FIFO, device or socket.
    NotAFile { path: PathBuf, kind: &'static str },
    /// A profile folder beyond one of the limits on what is read of it.
    ProfileLimit { dir: PathBuf, limit: ProfileLimit },
    /// An output path that would replace an input, or write through a link
    /// or device.
    OutputRefused { path: PathBuf, reason: Refusal },
    /// The section templates of a profile that is not built in failed or
    /// went past a limit in their child process.
    Sandboxed {
        profile: String,
        failure: crate::sandbox::Failure,
    },
    /// `zpbg watch` cannot watch `path` for changes.
    Watch { path: PathBuf, reason: WatchFailure },
    /// zpbg panicked on one unit of a batch: a bug, whose message the panic
    /// hook has already printed.
    Panicked,
}

/// One output file name of a batch that more than one thing would take.
#[derive(Debug)]
pub struct NameClash {
    /// The PDF's file name.
    pub name: String,
    /// The facts files whose reports would be written under it.
    pub facts: Vec<PathBuf>,
    /// Whether the name is the summary's.
    pub reserved: bool,
}

/// The limits on reading a profile folder, each with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileLimit {
    /// Folders nested deeper than this below the profile folder.
    Depth(usize),
    /// More entries (files and folders, read or skipped) than this.
    Entries(usize),
    /// More bytes, over all the files read, than this.
    Bytes(u64),
}

impl fmt::Display for ProfileLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileLimit::Depth(n) => write!(f, "子目录嵌套超过 {n} 层"),
            ProfileLimit::Entries(n) => write!(f, "文件和子目录超过 {n} 个"),
            ProfileLimit::Bytes(n) => write!(f, "读取的文件合计超过 {}", megabytes(*n)),
        }
    }
}

/// Why a path cannot be watched for changes.
#[derive(Debug)]
pub enum WatchFailure {
    /// It does not exist (any more).
    Missing,
    /// The system's limit on watched folders is reached.
    TooMany,
    /// Reading it failed.
    Io(std::io::Error),
    /// The watcher's own message.
    Other(String),
}

/// Why an output path is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It is the facts file being read.
    FactsFile,
    /// It is inside the folder of the profile being used.
    ProfileFile { profile: PathBuf },
    /// It is a symbolic link, device, FIFO or socket.
    NotAFile { kind: &'static str },
}

/// A byte count for people: `23.0 MB`, `4 MB`.
fn megabytes(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kinds of TOML file zpbg reads, as a TOML error names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TomlFile {
    Facts,
    Framework,
    Profile,
}

impl fmt::Display for TomlFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TomlFile::Facts => "事实文件",
            TomlFile::Framework => "评价指标体系",
            TomlFile::Profile => "模板配置",
        })
    }
}

impl Error {
    /// Whether this is a write to a reader that has gone, as in
    /// `zpbg score … | head -1`: nothing is wrong, so the CLI ends quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The one way a TOML file that does not parse becomes an error: located
    /// in `text` when toml knows where.
    pub fn toml(what: TomlFile, file: &Path, text: &str, err: &toml::de::Error) -> Self {
        Error::Toml {
            what,
            location: err
                .span()
                .map(|span| Location::from_offset(file, text, span.start)),
            file: file.to_path_buf(),
            message: err.message().to_string(),
        }
    }
}

impl fmt::Display for Error {
    /// Messages quote file names, ids and lines from the input, so they are
    /// written through [`Printable`]: nothing reaches the terminal raw.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(&mut Printable(f))
    }
}

impl From<crate::render::FontPathError> for Error {
    fn from(err: crate::render::FontPathError) -> Self {
        Error::FontPath { path: err.path }
    }
}

impl Error {
    fn describe(&self, f: &mut dyn fmt::Write) -> fmt::Result {
        match self {
            Error::Io { path, source } => {
                let hint = match source.kind() {
                    std::io::ErrorKind::NotFound => "请检查文件路径是否正确。",
                    std::io::ErrorKind::PermissionDenied => "请检查文件权限。",
                    _ => "请检查磁盘与路径。",
                };
                write!(f, "无法读写文件 {}：{}。{}", path.display(), source, hint)
            }
            Error::Toml {
                what,
                location,
                file,
                message,
            } => {
                let message = match what {
                    TomlFile::Facts => explain_toml(message, Some(TARGET_SHAPE)),
                    TomlFile::Framework | TomlFile::Profile => explain_toml(message, None),
                };
                let message = message.trim();
                match location {
                    Some(loc) if loc.cell.is_some() => {
                        write!(f, "{what}有误：{loc}\n  {message}\n请按提示修改该单元格。")
                    }
                    Some(loc) => {
                        write!(f, "{what}格式错误：{loc}\n  {message}\n请按提示修改该行。")
                    }
                    None => write!(
                        f,
                        "{what}格式错误（{}）：{message}\n请按提示修改。",
                        file.display()
                    ),
                }
            }
            Error::Workbook { path, message } => {
                write!(f, "工作簿 {}：{message}", path.display())
            }
            Error::Fact {
                location,
                file,
                field,
                message,
            } => match location {
                Some(loc) => write!(f, "事实数据有误：字段 {field}：{message}\n  位置 {loc}"),
                None => write!(
                    f,
                    "事实数据有误（{}）：字段 {field}：{message}",
                    file.display()
                ),
            },
            Error::MissingFact {
                file,
                figure,
                field,
            } => write!(
                f,
                "{}：计算「{figure}」需要字段 {field}，但文件中没有填写。请在事实文件中补充 {field}。",
                file.display()
            ),
            Error::NeededBy { indicator, error } => {
                write!(f, "{error}\n  （计分需要：{indicator}。）")
            }
            Error::ProfileAt { location, message } => {
                write!(f, "模板配置有误：{message}\n  位置 {location}")
            }
            Error::DivideByZero {
                file,
                figure,
                expr,
                divisor,
            } => write!(
                f,
                "{}：计算「{figure}」时除数为 0：算式 {expr} 中的除数 {divisor} 等于 0，无法计算。请检查事实文件中与之相关的数值。",
                file.display()
            ),
            Error::Framework {
                location,
                file,
                indicator,
                message,
            } => match location {
                Some(loc) => write!(
                    f,
                    "评价指标体系有误：指标 {indicator}：{message}\n  位置 {loc}"
                ),
                None => write!(
                    f,
                    "评价指标体系有误（{}）：指标 {indicator}：{message}",
                    file.display()
                ),
            },
            Error::Profile { profile, message } => {
                write!(f, "模板配置「{profile}」有误：{message}")
            }
            Error::Template {
                profile,
                template,
                location,
                message,
            } => match location {
                Some(loc) => write!(
                    f,
                    "模板配置「{profile}」的模板 {} 第 {} 行第 {} 列有误：{message}\n  {} | {}",
                    loc.file.display(),
                    loc.line,
                    loc.column,
                    loc.line,
                    loc.excerpt()
                ),
                None => write!(f, "模板配置「{profile}」的模板 {template} 有误：{message}"),
            },
            Error::UnknownSection { id, valid } => write!(
                f,
                "没有名为「{id}」的章节。可用的章节：{}。",
                valid.join("、")
            ),
            Error::UnknownProfile { name, valid } => write!(
                f,
                "找不到模板配置「{name}」：既不是内置配置，也不是目录。内置配置：{}。",
                valid.join("、")
            ),
            Error::FontPath { path } => write!(
                f,
                "字体目录 {} 不存在或不是目录：--font-path 须给出存放字体文件（ttf/otf/ttc）的目录。",
                path.display()
            ),
            Error::MissingGlyph {
                file,
                field,
                character,
            } => write!(
                f,
                "{}：字段 {field} 中的字符「{character}」（U+{:04X}）没有可用的字形，印出来会是方框。请改用常见写法，或加 --allow-missing-glyphs 仍然生成。",
                file.display(),
                *character as u32
            ),
            Error::Render(err) => write!(f, "排版失败：{err}"),
            Error::Docx(err) => write!(f, "{err}"),
            Error::Sandboxed { profile, failure } => match failure {
                crate::sandbox::Failure::Refused(message) => f.write_str(message),
                crate::sandbox::Failure::Exceeded { .. }
                | crate::sandbox::Failure::Crashed { .. } => {
                    write!(f, "模板配置「{profile}」：{failure}")
                }
            },
            Error::OutputNames { clashes } => {
                f.write_str("输出文件名冲突，报告会互相覆盖，未生成任何文件：")?;
                for clash in clashes {
                    let files: Vec<String> = clash
                        .facts
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect();
                    let files = files.join("、");
                    if clash.reserved {
                        write!(
                            f,
                            "\n  {files} 的报告会是 {}，这个文件名留给汇总表；",
                            clash.name
                        )?;
                    } else {
                        write!(f, "\n  {files} 的报告都会是 {}；", clash.name)?;
                    }
                }
                f.write_str("\n请给这些事实文件改名（文件名不区分大小写）。")
            }
            Error::InputTooLarge { path, size, limit } => {
                let size = match size {
                    Some(size) => format!("有 {}（{size} 字节）", megabytes(*size)),
                    None => "读取中超过了上限".to_owned(),
                };
                write!(
                    f,
                    "文件 {} {size}，输入文件最大 {}，未读取。请检查是否选错了文件。",
                    path.display(),
                    megabytes(*limit)
                )
            }
            Error::NotAFile { path, kind } => write!(
                f,
                "{} 是{kind}，不是普通文件，未读取。请给出事实文件或模板文件的路径。",
                path.display()
            ),
            Error::ProfileLimit { dir, limit } => write!(
                f,
                "模板配置目录 {} {limit}，未读取。--profile 应指向只含 profile.toml、模板和图片等文件的配置目录。",
                dir.display()
            ),
            Error::OutputRefused { path, reason } => {
                write!(f, "不能把输出写到 {}：", path.display())?;
                match reason {
                    Refusal::FactsFile => f.write_str("这是事实文件本身，写入会覆盖它。"),
                    Refusal::ProfileFile { profile } => write!(
                        f,
                        "它在模板配置目录 {} 内，写入会改动配置。",
                        profile.display()
                    ),
                    Refusal::NotAFile { kind } => {
                        write!(f, "它是{kind}，写入会替换它或写到别处。")
                    }
                }?;
                f.write_str("请用 -o 指定另一个普通文件或目录。")
            }
            Error::Watch { path, reason } => {
                write!(f, "无法监视 {} 的改动：", path.display())?;
                match reason {
                    WatchFailure::Missing => f.write_str("它不存在。请检查路径。"),
                    WatchFailure::TooMany => f.write_str(
                        "系统允许监视的目录数已用完。请关闭其他监视程序，或调大 /proc/sys/fs/inotify/max_user_watches。",
                    ),
                    WatchFailure::Io(source) => write!(f, "{source}。请检查目录权限。"),
                    WatchFailure::Other(message) => {
                        write!(f, "{message}。请检查路径与权限后重新运行 zpbg watch。")
                    }
                }
            }
            Error::Panicked => {
                f.write_str("内部错误（见上方的 panic 信息），请向 zpbg 维护者报告。")
            }
        }
    }
}

/// How a facts file writes an indicator's target, the one untagged enum
/// whose serde message ("data did not match any variant") says nothing.
const TARGET_SHAPE: &str = "指标目标 target 应写成 { op = \">=\", value = 100 }（op 可为 >=、<=、=、>、<）、{ min = 90, max = 110 }、{ text = \"按时完成\", met = true } 或 { text = \"效果明显\" }。";

/// toml's and serde's English message in Chinese, with the names it quotes;
/// `untagged` explains the file's untagged enum, if any. Nothing English
/// reaches the user: a message not recognised gets a general hint.
fn explain_toml(message: &str, untagged: Option<&str>) -> String {
    let message = message.trim();
    let (head, expected) = message
        .split_once(", expected ")
        .map_or((message, None), |(h, e)| (h, Some(e)));
    if let Some(rest) = message.strip_prefix("missing field ") {
        format!("缺少必填字段 {}。", rest.trim_matches('`'))
    } else if let Some(rest) = head.strip_prefix("unknown field ") {
        let name = rest.trim_matches('`');
        match expected.map(backticked).filter(|l| !l.is_empty()) {
            Some(list) => format!("不认识的字段 {name}（拼写错误？）；这里可以写：{list}。"),
            None => format!("不认识的字段 {name}（拼写错误？）；这里不能写字段。"),
        }
    } else if let Some(rest) = head.strip_prefix("unknown variant ") {
        let list = expected.map(backticked).unwrap_or_default();
        format!("不认识的取值 {}；可以写：{list}。", rest.trim_matches('`'))
    } else if let Some(found) = head.strip_prefix("invalid type: ") {
        let found = value_kind(found).unwrap_or("这种值");
        match expected.and_then(value_kind) {
            Some(want) => format!("字段类型不对：这里写的是{found}，应写{want}。"),
            None => "字段类型不对（例如金额应写数字，文字应加引号）。".into(),
        }
    } else if let Some(found) = head.strip_prefix("invalid value: ") {
        let value = found.split('`').nth(1).unwrap_or(found);
        match expected.and_then(value_kind) {
            Some(want) => format!("取值 {value} 不对：应写{want}。"),
            None => format!("取值 {value} 不对。"),
        }
    } else if let Some(shape) = untagged
        && message.contains("data did not match any variant")
    {
        shape.into()
    } else if let Some(rest) = message.strip_prefix("duplicate key") {
        format!(
            "键{} 重复：同一个表里写了两次。",
            rest.trim().trim_matches('`')
        )
    } else {
        "写法有误。请检查所示位置的引号、括号、等号和逗号是否成对、完整。".into()
    }
}

/// `a`, `b` and `c` as 「a、b、c」.
fn backticked(list: &str) -> String {
    list.split('`')
        .skip(1)
        .step_by(2)
        .collect::<Vec<_>>()
        .join("、")
}

/// What serde calls a kind of value, in words a finance officer knows.
fn value_kind(serde: &str) -> Option<&'static str> {
    let word = serde
        .trim()
        .trim_start_matches("a ")
        .trim_start_matches("an ");
    let first = word.split([' ', ':']).next().unwrap_or(word);
    Some(match first {
        "string" | "str" | "char" => "加引号的文字",
        "integer" | "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" => "整数",
        "float" | "f32" | "f64" | "decimal" | "Decimal" => "数字",
        "boolean" | "bool" => "true 或 false",
        "sequence" | "array" | "tuple" => "方括号 [ ] 中的一组值",
        "map" | "table" | "struct" | "inline" => "表（{ } 或 [表名]）",
        "datetime" | "Datetime" | "date" => "日期（如 2025-05-01）",
        _ => return None,
    })
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Render(err) => Some(err),
            Error::Docx(err) => Some(err),
            _ => None,
        }
    }
}

impl fmt::Display for crate::render::docx::DocxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::render::docx::DocxError;
        match self {
            DocxError::Pack(message) => write!(f, "写 Word 文件失败：{message}"),
            DocxError::BadDate(date) => write!(
                f,
                "报告日期「{date}」不是 YYYY-MM-DD 形式的日期，无法写入 Word 文件属性。"
            ),
        }
    }
}

impl From<crate::render::docx::DocxError> for Error {
    fn from(err: crate::render::docx::DocxError) -> Self {
        Error::Docx(err)
    }
}

impl From<crate::render::RenderError> for Error {
    fn from(err: crate::render::RenderError) -> Self {
        Error::Render(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_resolves_to_line_and_column() {
        let text = "a = 1\nname = \"示例\"\n";
        let loc = Location::from_offset("f.toml", text, text.find("\"示").unwrap());
        assert_eq!((loc.line, loc.column), (2, 8));
        assert_eq!(loc.line_text, "name = \"示例\"");
    }

    #[test]
    fn a_quoted_line_is_cut_around_the_column_and_escaped() {
        let text = format!(
            "name = \"{}\u{1b}[31m{}\"\n",
            "长".repeat(3000),
            "x".repeat(2000)
        );
        let loc = Location::from_offset("f.toml", &text, text.find('\u{1b}').unwrap());
        let shown = loc.to_string();
        let quoted = shown.lines().nth(1).unwrap();
        assert!(quoted.chars().count() < QUOTED_LINE_CHARS + 20, "{quoted}");
        assert!(
            quoted.contains("\\u{1b}[31m") && quoted.contains('…'),
            "{quoted}"
        );
        assert!(!shown.contains('\u{1b}'));
        assert_eq!(printable("a\u{7}b\n\tc\u{9b}"), "a\\u{7}b\n\tc\\u{9b}");
    }

    #[test]
    fn ids_quoted_in_messages_are_escaped() {
        let err = Error::UnknownSection {
            id: "\u{1b}]0;title\u{7}".into(),
            valid: vec!["overview".into()],
        };
        let msg = err.to_string();
        assert!(!msg.chars().any(|c| c.is_control()), "{msg:?}");
        assert!(msg.contains("\\u{1b}]0;title\\u{7}"), "{msg}");
    }

    #[test]
    fn only_a_gone_reader_is_a_broken_pipe() {
        let io = |kind| Error::Io {
            path: PathBuf::from("<stdout>"),
            source: std::io::Error::from(kind),
        };
        assert!(io(std::io::ErrorKind::BrokenPipe).is_broken_pipe());
        assert!(!io(std::io::ErrorKind::PermissionDenied).is_broken_pipe());
        assert!(!Error::Panicked.is_broken_pipe());
    }

    #[test]
    fn toml_errors_share_one_shape_and_are_all_explained() {
        let text = "a = 1\n";
        let err = toml::from_str::<std::collections::HashMap<String, String>>(text).unwrap_err();
        let facts = Error::toml(TomlFile::Facts, Path::new("f.toml"), text, &err).to_string();
        let profile = Error::toml(TomlFile::Profile, Path::new("p.toml"), text, &err).to_string();
        assert!(facts.starts_with("事实文件格式错误：f.toml:1:"), "{facts}");
        assert!(
            facts.contains("字段类型不对：这里写的是整数，应写加引号的文字。"),
            "{facts}"
        );
        assert!(
            profile.starts_with("模板配置格式错误：p.toml:1:"),
            "{profile}"
        );
        assert!(profile.contains("字段类型不对"), "{profile}");
    }

    #[test]
    fn serde_messages_are_said_in_chinese() {
        let cases = [
            (
                "unknown field `remak`, expected one of `na`, `remark`",
                "不认识的字段 remak（拼写错误？）；这里可以写：na、remark。",
            ),
            (
                "invalid type: string \"很多\", expected a decimal",
                "字段类型不对：这里写的是加引号的文字，应写数字。",
            ),
            (
                "unknown variant `>>`, expected one of `>=`, `<=`",
                "不认识的取值 >>；可以写：>=、<=。",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "取值 -1 不对：应写整数。",
            ),
            ("missing field `figure`", "缺少必填字段 figure。"),
        ];
        for (english, chinese) in cases {
            assert_eq!(explain_toml(english, None), chinese);
        }
        let odd = explain_toml("something nobody expected", None);
        assert!(!odd.chars().any(|c| c.is_ascii_alphabetic()), "{odd}");
    }
}
