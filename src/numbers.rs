//! Numbers in a TOML file as they are written. serde hands a TOML float to
//! `Decimal` through an `f64`, which keeps only about 16 significant digits:
//! a number is accepted only if that trip leaves it unchanged, and only
//! within a sane range, so no amount is ever silently altered.

use std::str::FromStr;

use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Largest magnitude of any number in a facts or framework file: 10^12
/// (万元 means 10^16 元, far beyond any budget). Products of two amounts and
/// rates then stay well inside `Decimal`'s 28 digits.
pub const MAX_MAGNITUDE: i64 = 1_000_000_000_000;

/// A number that cannot be read as written.
#[derive(Debug, PartialEq, Eq)]
pub struct Inexact {
    /// Dotted path of the field, arrays counted from 1.
    pub field: String,
    /// Byte offset of the number in the file.
    pub offset: usize,
    pub message: String,
}

/// Checks every number of `text`, which has already been deserialized into
/// its typed structs (so its nesting is as shallow as theirs).
pub fn check(text: &str) -> Result<(), Inexact> {
    // A file that does not parse was refused before.
    let Ok(table) = DeTable::parse(text) else {
        return Ok(());
    };
    walk_table(table.get_ref(), "")
}

/// Byte offset of the value at `path` (table keys only), for messages.
pub fn offset_of(text: &str, path: &[&str]) -> Option<usize> {
    let table = DeTable::parse(text).ok()?;
    let (last, tables) = path.split_last()?;
    let mut current = table.get_ref();
    for key in tables {
        current = current.get(*key)?.get_ref().as_table()?;
    }
    current.get(*last).map(|v| v.span().start)
}

/// Byte offset of `key` in record `index` (from 0) of the array of tables
/// at `path`, or of the record itself when it lacks the key.
pub fn offset_of_record(text: &str, path: &[&str], index: usize, key: &str) -> Option<usize> {
    let table = DeTable::parse(text).ok()?;
    let (last, tables) = path.split_last()?;
    let mut current = table.get_ref();
    for k in tables {
        current = current.get(*k)?.get_ref().as_table()?;
    }
    let record = current.get(*last)?.get_ref().as_array()?.get(index)?;
    let cell = record.get_ref().as_table().and_then(|r| r.get(key));
    Some(cell.unwrap_or(record).span().start)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk_table(table: &DeTable<'_>, path: &str) -> Result<(), Inexact> {
    for (key, value) in table.iter() {
        walk(value, &join(path, key.get_ref()))?;
    }
    Ok(())
}

fn walk(value: &Spanned<DeValue<'_>>, path: &str) -> Result<(), Inexact> {
    let offset = value.span().start;
    let problem = |message: String| Inexact {
        field: path.to_string(),
        offset,
        message,
    };
    match value.get_ref() {
        DeValue::Integer(int) => {
            let n = i64::from_str_radix(int.as_str(), int.radix()).ok();
            if n.is_none_or(|n| n.unsigned_abs() > MAX_MAGNITUDE.unsigned_abs()) {
                return Err(problem(out_of_range(&int.to_string())));
            }
        }
        DeValue::Float(float) => {
            let written = float.as_str();
            let exact = Decimal::from_str(written)
                .or_else(|_| Decimal::from_scientific(written))
                .ok();
            // What serde makes of it: the shortest text of the f64.
            let read = written
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(|f| Decimal::from_str(&f.to_string()).ok());
            match (exact, read) {
                (Some(exact), _) if exact.abs() > Decimal::from(MAX_MAGNITUDE) => {
                    return Err(problem(out_of_range(written)));
                }
                (Some(exact), Some(read)) if exact == read => {}
                (Some(_), Some(read)) => {
                    return Err(problem(format!(
                        "数值 {written} 的有效数字太多，读入后会变成 {read}。请最多写 15 位有效数字。"
                    )));
                }
                (None, _) | (Some(_), None) => {
                    return Err(problem(format!(
                        "数值 {written} 无法精确表示（位数过多、过大或过小）。请最多写 15 位有效数字，绝对值不超过 {MAX_MAGNITUDE}。"
                    )));
                }
            }
        }
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{}]", i + 1))?;
            }
        }
        DeValue::Table(table) => walk_table(table, path)?,
        DeValue::String(_) | DeValue::Boolean(_) | DeValue::Datetime(_) => {}
    }
    Ok(())
}

fn out_of_range(written: &str) -> String {
    format!("数值 {written} 超出允许范围：绝对值不能超过 {MAX_MAGNITUDE}（金额以万元计）。")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> Option<String> {
        check(text).err().map(|e| e.field)
    }

    #[test]
    fn exact_numbers_pass() {
        assert_eq!(
            check("a = 1865.30\nb = [0.1, 1e3, 1_000]\nc = { d = -2 }\n"),
            Ok(())
        );
        assert_eq!(check("a = 123456789012.345\n"), Ok(()));
    }

    #[test]
    fn digits_lost_through_f64_are_refused() {
        let err = check("x = 1\n[m]\na = 1234567.1234567891234\n").unwrap_err();
        assert_eq!(err.field, "m.a");
        assert_eq!(err.offset, "x = 1\n[m]\na = ".len());
        assert!(err.message.contains("1234567.1234567891234"), "{err:?}");
        assert_eq!(
            field("p = [{ v = 0.12345678901234567 }]\n").as_deref(),
            Some("p[1].v")
        );
    }

    #[test]
    fn huge_numbers_are_refused() {
        assert_eq!(field("a = 7e28\n").as_deref(), Some("a"));
        assert_eq!(field("a = 1000000000001\n").as_deref(), Some("a"));
        assert_eq!(field("a = -1.5e12\n").as_deref(), Some("a"));
        assert_eq!(field("a = 1e-40\n").as_deref(), Some("a"));
        assert_eq!(check("a = 1e12\n"), Ok(()));
    }

    #[test]
    fn offsets_of_keys() {
        let text = "[report]\nyear = 2024\n";
        assert_eq!(offset_of(text, &["report", "year"]), Some(16));
        assert_eq!(offset_of(text, &["report", "date"]), None);
    }
}
