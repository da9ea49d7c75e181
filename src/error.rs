//! Typed errors of the library. `Display` is the one place that turns them
//! into messages for people: Chinese, naming the file, line and field, and
//! saying what to do.

use std::fmt;
use std::path::PathBuf;

/// A position in a source file, 1-based, with the offending line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub line_text: String,
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
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}\n  {} | {}",
            self.file.display(),
            self.line,
            self.column,
            self.line,
            self.line_text
        )
    }
}

#[derive(Debug)]
pub enum Error {
    /// A file could not be read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// TOML syntax or a field of the wrong type.
    Toml {
        what: &'static str,
        location: Option<Box<Location>>,
        file: PathBuf,
        message: String,
    },
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
    /// The framework file is inconsistent.
    Framework {
        location: Option<Box<Location>>,
        file: PathBuf,
        indicator: String,
        message: String,
    },
    /// A profile is incomplete or names a file it does not have.
    Profile { profile: String, message: String },
    /// A section template failed to render.
    Template {
        profile: String,
        template: String,
        message: String,
    },
    /// `--section` named a section the profile does not have.
    UnknownSection { id: String, valid: Vec<String> },
    /// `--profile` named no built-in profile and no directory.
    UnknownProfile { name: String, valid: Vec<String> },
    /// A character no bundled font can draw.
    MissingGlyph {
        file: PathBuf,
        field: String,
        character: char,
    },
    /// Typst failed to lay out the report.
    Render(crate::render::RenderError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
                let message = message.trim();
                match location {
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
                message,
            } => write!(
                f,
                "模板配置「{profile}」的章节模板 {template} 渲染失败：{message}"
            ),
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
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Render(err) => Some(err),
            _ => None,
        }
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
}
