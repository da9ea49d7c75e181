//! One cell's content read as the facts value its field's kind wants.
//! Amounts and numbers become exact decimals: a numeric cell's `f64` is
//! taken by its shortest round-trip text, and refused when that text has
//! more decimals than anyone types (the mark of a formula's float drift).
//! Text that a person typed for a number, a percent or a date is read when
//! it can only mean one thing, and refused with the reason otherwise.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use toml::Value;
use toml::value::{Date, Datetime};

use super::layout::Kind;

/// Decimals a number cell may carry: 万元 to the fen is six places, more
/// than any rate or count needs.
pub const MAX_DECIMALS: u32 = 6;

/// A cell as the workbook stores it, before its field's kind is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Empty,
    /// A number; `percent` when the cell's number format shows it as a
    /// percentage (Excel stores 98% as 0.98).
    Number {
        value: f64,
        percent: bool,
    },
    Text(String),
    Bool(bool),
    /// A date cell; `time` when it also holds a time of day.
    Date {
        date: NaiveDate,
        time: bool,
    },
    /// An Excel error value such as `#DIV/0!`.
    Error(String),
}

impl Raw {
    /// Whether the cell holds nothing (blank text counts as nothing).
    pub fn is_empty(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a person sees it, for messages.
    pub fn shown(&self) -> String {
        match self {
            Raw::Empty => String::new(),
            Raw::Number { value, percent } => match exact(*value) {
                Some(d) if *percent => format!("{}%", (d * Decimal::ONE_HUNDRED).normalize()),
                Some(d) => d.to_string(),
                None => value.to_string(),
            },
            Raw::Text(t) => t.clone(),
            Raw::Bool(b) => yes_no(*b).into(),
            Raw::Date { date, .. } => date.format("%Y-%m-%d").to_string(),
            Raw::Error(e) => e.clone(),
        }
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// The value of a cell of `kind`: `None` for an empty cell, an error
/// message (naming no cell; the caller does) for one that cannot be read.
pub fn value(kind: Kind, raw: &Raw) -> Result<Option<Value>, String> {
    if raw.is_empty() {
        return Ok(None);
    }
    if let Raw::Error(e) = raw {
        return Err(format!("单元格是错误值 {e}；请改正公式或填写数值。"));
    }
    let value = match kind {
        Kind::Info => return Ok(None),
        Kind::Text | Kind::IndicatorId | Kind::Branch | Kind::TextName | Kind::Project => {
            Value::String(text(raw)?)
        }
        Kind::Lines => Value::Array(
            text(raw)?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| Value::String(l.into()))
                .collect(),
        ),
        Kind::Amount => number_value(amount(raw)?),
        Kind::Number => number_value(number(raw)?),
        Kind::Integer => Value::Integer(integer(raw)?),
        Kind::Date => date(raw)?,
        Kind::Bool => Value::Boolean(boolean(raw)?),
        Kind::Flags => Value::Array(
            text(raw)?
                .split(['、', ',', '，'])
                .map(|s| flag(s.trim()).map(Value::Boolean))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Choice(choices) => {
            let t = text(raw)?;
            let t = t.trim();
            if !choices.contains(&t) {
                return Err(format!(
                    "「{t}」不是可选的值；请从下拉列表选择：{}。",
                    choices.join("、")
                ));
            }
            Value::String(t.into())
        }
    };
    Ok(Some(value))
}

/// A decimal as TOML writes it: an integer when it is whole.
pub fn number_value(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0
        && let Ok(i) = i64::try_from(d)
    {
        return Value::Integer(i);
    }
    // Exact: the decimal has at most MAX_DECIMALS places and 15 digits
    // survive an f64 and its shortest text.
    Value::Float(d.to_string().parse().expect("a decimal's text is a float"))
}

/// The exact decimal a number cell means: its shortest round-trip text.
pub fn exact(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    Decimal::from_str(&f.to_string()).ok()
}

fn decimals_checked(d: Decimal, shown: &str) -> Result<Decimal, String> {
    let d = d.normalize();
    if d.scale() > MAX_DECIMALS {
        return Err(format!(
            "数值 {shown} 有 {} 位小数（常见于公式计算的结果）；最多 {MAX_DECIMALS} 位，请用 ROUND 取整或直接填写数值。",
            d.scale()
        ));
    }
    Ok(d)
}

fn cell_number(value: f64) -> Result<Decimal, String> {
    let d = exact(value).ok_or_else(|| format!("数值 {value} 无法读取。"))?;
    decimals_checked(d, &d.to_string())
}

/// Text typed for a number: spaces and thousands separators dropped.
fn squeeze(t: &str) -> String {
    t.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，'))
        .collect()
}

fn parse_decimal(t: &str, original: &str, what: &str) -> Result<Decimal, String> {
    let d = Decimal::from_str(t)
        .map_err(|_| format!("「{original}」不是{what}；请填写数字，如 1234.50。"))?;
    decimals_checked(d, original)
}

/// 万元: a number cell, or text like `1,234.50`, `1,234.50万元`.
fn amount(raw: &Raw) -> Result<Decimal, String> {
    match raw {
        Raw::Number { percent: true, .. } => Err(format!(
            "金额单元格设成了百分比格式（显示为 {}）；请改为数值格式，填写万元数。",
            raw.shown()
        )),
        Raw::Number { value, .. } => cell_number(*value),
        Raw::Text(t) => {
            let s = squeeze(t);
            let s = s.trim_start_matches(['¥', '￥']);
            if s.ends_with('%') {
                return Err(format!("「{t}」是百分比，这里应填金额（万元）。"));
            }
            let s = match s.strip_suffix("万元").or_else(|| s.strip_suffix("万")) {
                Some(s) => s,
                None if s.ends_with('元') => {
                    return Err(format!(
                        "「{t}」以元为单位；金额一律填万元，如 12,345 元填 1.2345。"
                    ));
                }
                None => s,
            };
            parse_decimal(s, t, "金额")
        }
        _ => Err(not_a("金额（万元）", raw)),
    }
}

/// A number; a percent cell holding 0.98, or text `98%`, means 98.
fn number(raw: &Raw) -> Result<Decimal, String> {
    match raw {
        Raw::Number {
            value,
            percent: true,
        } => {
            let d = exact(*value).ok_or_else(|| format!("数值 {value} 无法读取。"))?;
            decimals_checked(d * Decimal::ONE_HUNDRED, &raw.shown())
        }
        Raw::Number { value, .. } => cell_number(*value),
        Raw::Text(t) => {
            let s = squeeze(t);
            match s.strip_suffix(['%', '％']) {
                Some(s) => parse_decimal(s, t, "百分数"),
                None => parse_decimal(&s, t, "数值"),
            }
        }
        _ => Err(not_a("数值", raw)),
    }
}

fn integer(raw: &Raw) -> Result<i64, String> {
    let d = match raw {
        Raw::Number { percent: true, .. } => {
            return Err(format!(
                "这里应填整数，单元格却是百分比（{}）。",
                raw.shown()
            ));
        }
        Raw::Number { value, .. } => cell_number(*value)?,
        Raw::Text(t) => parse_decimal(&squeeze(t), t, "整数")?,
        _ => return Err(not_a("整数", raw)),
    };
    if d.scale() != 0 || d.is_sign_negative() {
        return Err(format!("{} 不是不小于 0 的整数。", raw.shown()));
    }
    i64::try_from(d).map_err(|_| format!("{} 太大。", raw.shown()))
}

fn date(raw: &Raw) -> Result<Value, String> {
    let date = match raw {
        Raw::Date { time: true, .. } => {
            return Err(format!(
                "{} 带有时间；这里只填日期，如 2025-12-31。",
                raw.shown()
            ));
        }
        Raw::Date { date, .. } => *date,
        Raw::Text(t) => parse_date(t.trim()).ok_or_else(|| {
            format!("「{t}」不是日期；请写成 2025-12-31 或 2025年12月31日，或设为日期格式。")
        })?,
        Raw::Number { .. } => {
            return Err(format!(
                "{} 是数字而不是日期；请把单元格设为日期格式，或写成 2025-12-31。",
                raw.shown()
            ));
        }
        _ => return Err(not_a("日期", raw)),
    };
    Ok(toml_date(date))
}

/// A date typed as text: `2025-12-31`, `2025/12/31`, `2025.12.31` or
/// `2025年12月31日`.
pub fn parse_date(t: &str) -> Option<NaiveDate> {
    let chinese = t
        .strip_suffix('日')
        .and_then(|t| t.split_once('年'))
        .and_then(|(y, md)| md.split_once('月').map(|(m, d)| (y, m, d)));
    let (y, m, d) = match chinese {
        Some(parts) => parts,
        None => {
            let mut parts = t.splitn(3, ['-', '/', '.']);
            (parts.next()?, parts.next()?, parts.next()?)
        }
    };
    let num = |s: &str| s.trim().parse::<u32>().ok();
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(y)?).ok()?, num(m)?, num(d)?)?;
    (y.trim().len() == 4).then_some(date)
}

pub fn toml_date(date: NaiveDate) -> Value {
    Value::Datetime(Datetime {
        date: Some(Date {
            year: date.year() as u16,
            month: date.month() as u8,
            day: date.day() as u8,
        }),
        time: None,
        offset: None,
    })
}

fn boolean(raw: &Raw) -> Result<bool, String> {
    match raw {
        Raw::Bool(b) => Ok(*b),
        Raw::Text(t) => flag(t.trim()),
        _ => Err(not_a("是 或 否", raw)),
    }
}

fn flag(t: &str) -> Result<bool, String> {
    match t {
        "是" | "true" | "TRUE" => Ok(true),
        "否" | "false" | "FALSE" => Ok(false),
        _ => Err(format!("「{t}」应为 是 或 否。")),
    }
}

/// The text of a text cell; a number or date typed into it reads as
/// written.
fn text(raw: &Raw) -> Result<String, String> {
    match raw {
        Raw::Text(t) => Ok(t.clone()),
        Raw::Number { percent: false, .. } | Raw::Date { time: false, .. } => Ok(raw.shown()),
        _ => Err(not_a("文字", raw)),
    }
}

fn not_a(what: &str, raw: &Raw) -> String {
    format!("这里应填{what}，单元格中是「{}」。", raw.shown())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(value: f64) -> Raw {
        Raw::Number {
            value,
            percent: false,
        }
    }

    fn text(t: &str) -> Raw {
        Raw::Text(t.into())
    }

    fn read(kind: Kind, raw: Raw) -> Result<Value, String> {
        value(kind, &raw).map(Option::unwrap)
    }

    fn dec(s: &str) -> Value {
        number_value(Decimal::from_str(s).unwrap())
    }

    #[test]
    fn amounts_read_exactly() {
        assert_eq!(read(Kind::Amount, num(1865.3)), Ok(dec("1865.30")));
        assert!(read(Kind::Amount, num(0.1 + 0.2)).is_err());
        assert_eq!(read(Kind::Amount, num(40.11)), Ok(Value::Float(40.11)));
        assert_eq!(read(Kind::Amount, num(20.0)), Ok(Value::Integer(20)));
        assert_eq!(read(Kind::Amount, text("1,234.50万元")), Ok(dec("1234.5")));
        assert_eq!(read(Kind::Amount, text(" 1，234 ")), Ok(dec("1234")));
        for bad in ["12,345元", "98%", "很多", "1.2.3"] {
            let msg = read(Kind::Amount, text(bad)).unwrap_err();
            assert!(msg.contains(bad), "{msg}");
        }
        let drift = read(Kind::Amount, num(1865.2999999999)).unwrap_err();
        assert!(drift.contains("10 位小数"), "{drift}");
        let percent = Raw::Number {
            value: 0.98,
            percent: true,
        };
        assert!(read(Kind::Amount, percent).unwrap_err().contains("百分比"));
    }

    #[test]
    fn percents_read_as_percent_numbers() {
        let cell = Raw::Number {
            value: 0.962,
            percent: true,
        };
        assert_eq!(read(Kind::Number, cell), Ok(dec("96.2")));
        assert_eq!(read(Kind::Number, text("98%")), Ok(Value::Integer(98)));
        assert_eq!(read(Kind::Number, num(98.0)), Ok(Value::Integer(98)));
        assert_eq!(read(Kind::Number, text("3.5")), Ok(dec("3.5")));
        assert!(read(Kind::Number, text("九十八")).is_err());
        assert!(read(Kind::Integer, text("98%")).is_err());
    }

    #[test]
    fn dates_read_from_cells_and_text() {
        let d = |y, m, d| toml_date(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        for t in ["2026-04-20", "2026/4/20", "2026年4月20日", "2026.04.20"] {
            assert_eq!(read(Kind::Date, text(t)), Ok(d(2026, 4, 20)), "{t}");
        }
        for bad in ["26-4-20", "2026-02-30", "四月二十日", "2026年4月"] {
            let msg = read(Kind::Date, text(bad)).unwrap_err();
            assert!(msg.contains(bad), "{msg}");
        }
        assert!(
            read(Kind::Date, num(46132.0))
                .unwrap_err()
                .contains("日期格式")
        );
        let at_noon = Raw::Date {
            date: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
            time: true,
        };
        assert!(read(Kind::Date, at_noon).unwrap_err().contains("时间"));
    }

    #[test]
    fn integers_choices_and_flags() {
        assert_eq!(read(Kind::Integer, text("1,380")), Ok(Value::Integer(1380)));
        assert!(read(Kind::Integer, num(2.5)).is_err());
        assert!(read(Kind::Integer, num(-1.0)).is_err());
        let tiers = Kind::Choice(&["达成", "部分达成", "未达成"]);
        assert_eq!(
            read(tiers, text("部分达成")),
            Ok(Value::String("部分达成".into()))
        );
        let msg = read(tiers, num(7.0)).unwrap_err();
        assert!(msg.contains("下拉列表"), "{msg}");
        assert_eq!(
            read(Kind::Flags, text("是、否")),
            Ok(Value::Array(vec![
                Value::Boolean(true),
                Value::Boolean(false)
            ]))
        );
        assert!(read(Kind::Bool, text("对")).is_err());
        assert_eq!(value(Kind::Text, &text("  ")), Ok(None));
        assert_eq!(
            read(Kind::Lines, text("甲\n\n乙 ")),
            Ok(Value::Array(vec!["甲".into(), "乙".into()]))
        );
        assert!(value(Kind::Amount, &Raw::Error("#DIV/0!".into())).is_err());
    }
}
