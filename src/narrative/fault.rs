//! Tera's errors in the words of the people who write profiles: the
//! template file, line and column, what is wrong in Chinese and what to do.
//! Tera's own messages are English and name its internals, so only the
//! names the template itself wrote (a variable, a field, a filter, another
//! template) are kept from them.

use std::path::{Path, PathBuf};

use tera::ErrorKind;

use crate::error::{Error, Location};
use crate::figures::{Figures, Gap};
use crate::profile::Profile;

/// Why one template cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fault {
    /// Its name in the profile, as `profile.toml` and includes name it.
    pub template: String,
    /// 1-based line and column, when tera knows them.
    pub at: Option<(usize, usize)>,
    /// Chinese, saying what to do.
    pub message: String,
}

impl Fault {
    /// `template` is the one being built or rendered, named when tera's
    /// error does not say which; `figures`, when given, explain a figure
    /// that is absent from the context because the facts lack a field.
    pub fn from_tera(err: &tera::Error, template: &str, figures: Option<&Figures>) -> Fault {
        let named = |name: &str| Fault {
            template: name.to_owned(),
            at: None,
            message: String::new(),
        };
        match err.kind() {
            ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
                let syntax = matches!(err.kind(), ErrorKind::SyntaxError(_));
                let span = report.span();
                Fault {
                    template: Some(report.filename())
                        .filter(|n| !n.is_empty())
                        .unwrap_or(template)
                        .to_owned(),
                    at: Some((span.start_line, span.start_col + 1)),
                    message: explain(report.message(), syntax, figures),
                }
            }
            // Errors found when the templates are put together come as
            // tera's printed reports: `error: …` then ` --> name:line:col`.
            ErrorKind::Msg(text) => {
                let first = text.lines().next().unwrap_or_default();
                let message = first.strip_prefix("error: ").unwrap_or(first);
                let place = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("--> "))
                    .and_then(|place| {
                        let mut parts = place.rsplitn(3, ':');
                        let column = parts.next()?.parse().ok()?;
                        let line = parts.next()?.parse().ok()?;
                        Some((parts.next()?.to_owned(), (line, column)))
                    });
                match place {
                    Some((name, at)) => Fault {
                        template: name,
                        at: Some(at),
                        message: explain(message, true, figures),
                    },
                    None => Fault {
                        message: explain(message, true, figures),
                        ..named(template)
                    },
                }
            }
            ErrorKind::CircularExtend {
                tpl,
                inheritance_chain,
            } => Fault {
                message: format!(
                    "模板之间循环继承（{}）。请去掉其中一处 extends。",
                    inheritance_chain.join(" → ")
                ),
                ..named(tpl)
            },
            ErrorKind::CircularInclude { tpl, include_chain } => Fault {
                message: format!(
                    "模板之间循环包含（{}）。请去掉其中一处 include。",
                    include_chain.join(" → ")
                ),
                ..named(tpl)
            },
            ErrorKind::MissingParent { current, parent } => Fault {
                message: format!("继承的模板 {parent} 不存在或本身有错误。请检查文件名。"),
                ..named(current)
            },
            ErrorKind::TemplateNotFound(name) => Fault {
                message: format!("找不到模板 {name}。请检查 profile.toml 中的文件名。"),
                ..named(template)
            },
            _ => Fault {
                message: "渲染时出错。请检查模板中的表达式和传给过滤器的值。".to_owned(),
                ..named(template)
            },
        }
    }

    /// This fault told as the cause of another template's: ` name 第 l 行第 c 列：…`.
    pub fn within(&self, name: &str) -> String {
        match self.at {
            Some((line, column)) => {
                format!("{name} 第 {line} 行第 {column} 列：{}", self.message)
            }
            None => format!("{name}：{}", self.message),
        }
    }

    /// The error for people, with the template's file as its author finds
    /// it and the offending line quoted.
    pub fn into_error(self, profile: &Profile) -> Error {
        let file = template_path(profile, &self.template);
        let source = profile
            .templates
            .iter()
            .find(|(name, _)| *name == self.template)
            .map(|(_, source)| source.as_str());
        let location = self.at.map(|(line, column)| {
            Box::new(Location {
                file: file.clone(),
                line,
                column,
                line_text: source
                    .and_then(|s| s.lines().nth(line.saturating_sub(1)))
                    .unwrap_or_default()
                    .to_owned(),
                cell: None,
            })
        });
        Error::Template {
            profile: profile.id.clone(),
            template: file.display().to_string(),
            location,
            message: self.message,
        }
    }
}

/// Where a template is for the person who edits it: in the profile folder,
/// or for a built-in profile and the shared `lib/`, in zpbg's `templates/`.
fn template_path(profile: &Profile, name: &str) -> PathBuf {
    match &profile.dir {
        Some(dir) if dir.join(name).is_file() => dir.join(name),
        _ if name.starts_with("lib/") => Path::new("templates").join(name),
        Some(dir) => dir.join(name),
        None => Path::new("templates").join(&profile.id).join(name),
    }
}

/// The first name tera quoted in backticks.
fn quoted(message: &str) -> &str {
    message.split('`').nth(1).unwrap_or_default()
}

/// What tera listed after `label` (variables or fields one could use).
fn listed<'a>(message: &'a str, label: &str) -> Option<&'a str> {
    let list = message.split(label).nth(1)?.trim().trim_end_matches('.');
    (!list.is_empty()).then_some(list)
}

/// One of tera's messages in Chinese. Messages not known here get a
/// general explanation: the located line tells the author where to look.
fn explain(message: &str, syntax: bool, figures: Option<&Figures>) -> String {
    let name = quoted(message);
    let choices = |label: &str, what: &str| {
        listed(message, label)
            .map(|list| format!("可用的{what}：{list}。"))
            .unwrap_or_default()
    };
    if message.starts_with("Field `") {
        if let Some(explained) = figures.and_then(|f| missing_figure(f, name)) {
            return explained;
        }
        return format!(
            "字段 {name} 不存在。请检查拼写。{}",
            choices("Available fields:", "字段")
        );
    }
    if message.starts_with("Variable `") {
        return if message.contains("exists but") {
            format!("变量 {name} 没有值。请先用 {{% if {name} %}} 判断。")
        } else {
            format!(
                "变量 {name} 不存在。请检查拼写。{}",
                choices("Available variables:", "变量")
            )
        };
    }
    if message.starts_with("Component `") && message.contains("defined in both") {
        let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        return format!(
            "组件 {name} 在 {} 中重复定义。请只保留一处。",
            quoted.get(1..).unwrap_or_default().join(" 和 ")
        );
    }
    let known = [
        ("Unknown filter", "过滤器 {} 不存在。请检查拼写。"),
        ("Unknown function", "函数 {} 不存在。请检查拼写。"),
        ("Unknown test", "判断 {} 不存在。请检查拼写。"),
        (
            "Unknown component",
            "组件 {} 不存在，或定义它的模板本身有错误。请检查拼写和定义它的模板。",
        ),
        (
            "Unknown template",
            "引用的模板 {} 不存在，或本身有错误。请检查文件名和该模板。",
        ),
        ("Block `", "块 {} 在被继承的模板中不存在。请检查块名。"),
        (
            "Closing tag",
            "结束标记与开始标记不匹配。请检查 {% end… %} 是否与开头成对。",
        ),
        (
            "Unexpected end of input",
            "模板意外结束：缺少结束标记。请检查 {% endif %}、{% endfor %}、}} 或 %} 是否齐全。",
        ),
        (
            "Math operations",
            "只能对数字做算术运算。请检查参与运算的值。",
        ),
        (
            "Iteration not possible",
            "这个值不是列表，不能用于 for 循环。",
        ),
        ("Cannot compare", "两个值类型不同，无法比较。"),
        ("Argument `", "调用组件时缺少参数 {}。"),
        (
            "Unknown argument",
            "调用组件时用了它没有定义的参数。请对照组件定义检查参数名。",
        ),
        (
            "Tried to render a variable that is undefined",
            "要输出的值不存在。请检查变量名，或先用 {% if %} 判断。",
        ),
    ];
    if let Some((_, text)) = known.iter().find(|(start, _)| message.starts_with(start)) {
        return text.replacen("{}", name, 1);
    }
    if syntax {
        "模板写法有误。请对照所示位置检查 {{ }}、{% %} 是否成对，表达式是否完整。".to_owned()
    } else {
        "渲染时出错。请检查所示位置的表达式和它用到的值。".to_owned()
    }
}

/// A figure that templates read as `f.<id>` or `money.<id>` is left out of
/// the context when it cannot be computed; this says which fact it needs.
fn missing_figure(figures: &Figures, id: &str) -> Option<String> {
    let figure = figures.get(id)?;
    let label = &figure.label;
    Some(match figure.value.as_ref().err()? {
        Gap::Missing(field) => format!(
            "模板用到「{label}」（{id}），计算它需要事实文件中的字段 {field}，但文件中没有填写。请在事实文件中补充 {field}，或从模板中去掉对 {id} 的引用。"
        ),
        Gap::ZeroBase(field) => format!(
            "模板用到「{label}」（{id}），但它的基数 {field} 为零，无法计算。请检查事实文件中的 {field}，或在模板中先判断它是否存在。"
        ),
        Gap::Overflow => {
            format!("模板用到「{label}」（{id}），但数值过大，无法计算。请检查事实文件中的金额。")
        }
        Gap::WrongType { field, expected } => format!(
            "模板用到「{label}」（{id}），但事实文件中的字段 {field} 不是{expected}。请改正该字段。"
        ),
        Gap::DivideByZero { expr, divisor, .. } => format!(
            "模板用到「{label}」（{id}），但其算式 {expr} 中的除数 {divisor} 等于 0，无法计算。请检查事实文件中相应的数值。"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FactsFile;

    fn render_error(source: &str, context: &tera::Context) -> tera::Error {
        let mut tera = tera::Tera::new();
        match tera.add_raw_template("sections/a.tera", source) {
            Err(err) => err,
            Ok(()) => tera.render("sections/a.tera", context).unwrap_err(),
        }
    }

    #[test]
    fn a_parse_error_keeps_line_and_column_and_drops_tera_english() {
        let err = render_error("= 标题\n\n金额 {{ x + }}\n", &tera::Context::new());
        let fault = Fault::from_tera(&err, "sections/a.tera", None);
        assert_eq!(fault.template, "sections/a.tera");
        let (line, column) = fault.at.unwrap();
        assert_eq!(line, 3);
        assert!(column > 4, "{column}");
        assert!(
            !fault.message.chars().any(|c| c.is_ascii_alphabetic()),
            "{}",
            fault.message
        );
    }

    #[test]
    fn a_missing_variable_is_named_at_its_line() {
        let err = render_error("第一行\n第二行 {{ nosuch }}\n", &tera::Context::new());
        let fault = Fault::from_tera(&err, "sections/a.tera", None);
        assert_eq!(fault.at, Some((2, 8)));
        assert!(
            fault.message.starts_with("变量 nosuch 不存在"),
            "{}",
            fault.message
        );
    }

    #[test]
    fn a_figure_the_facts_cannot_give_names_the_missing_field() {
        let facts = FactsFile::parse(
            Path::new("custom-facts.toml"),
            include_str!("../../tests/fixtures/custom-facts.toml").to_owned(),
        )
        .unwrap();
        let figures = Figures::compute(&facts, &[]);
        let mut context = tera::Context::new();
        context.insert(
            "money",
            &std::collections::BTreeMap::<String, String>::new(),
        );
        let err = render_error("资产 {{ money.asset_total }}", &context);
        let fault = Fault::from_tera(&err, "sections/a.tera", Some(&figures));
        assert_eq!(fault.at.map(|(line, _)| line), Some(1));
        assert!(fault.message.contains("asset_total"), "{}", fault.message);
        assert!(fault.message.contains("assets.fixed"), "{}", fault.message);
    }

    #[test]
    fn a_component_defined_twice_is_explained() {
        let mut tera = tera::Tera::new();
        let twice = "{% component c(x) %}{{ x }}{% endcomponent c %}";
        let err = tera
            .add_raw_templates([("a.tera", twice), ("b.tera", twice)])
            .unwrap_err();
        let fault = Fault::from_tera(&err, "", None);
        assert_eq!(
            fault.message,
            "组件 c 在 a.tera 和 b.tera 中重复定义。请只保留一处。"
        );
    }

    #[test]
    fn the_error_names_the_file_inside_the_profile_and_quotes_the_line() {
        let profile = Profile::builtin("hunan-2024").unwrap();
        let fault = Fault {
            template: "sections/budget.tera".to_owned(),
            at: Some((1, 3)),
            message: "变量 x 不存在。".to_owned(),
        };
        let text = fault.into_error(&profile).to_string();
        assert!(
            text.contains(
                "templates/hunan-2024/sections/budget.tera 第 1 行第 3 列有误：变量 x 不存在。"
            ),
            "{text}"
        );
        assert!(text.contains("\n  1 | "), "{text}");
    }
}
