//! Rounding and number display. Everything is `Decimal`; rounding is
//! 四舍五入 (half away from zero), never the banker's rounding of
//! `Decimal::round()`.

use rust_decimal::{Decimal, RoundingStrategy};

/// 四舍五入 to two decimals.
pub fn round2(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Points (a score or a weight) as printed: no trailing zeros (`9.93`, `20`, `0.5`).
pub fn points(value: Decimal) -> String {
    round2(value).normalize().to_string()
}

/// A percentage (already in percent) as printed: always two decimals, `99.93%`.
pub fn percent(value: Decimal) -> String {
    format!("{:.2}%", round2(value))
}

/// An amount in 万元, two decimals, optionally with thousands separators.
pub fn money(value: Decimal, grouped: bool) -> String {
    let text = format!("{:.2}", round2(value));
    if !grouped {
        return text;
    }
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round2(dec("2.345")), dec("2.35"));
        assert_eq!(round2(dec("2.355")), dec("2.36"));
        assert_eq!(round2(dec("-2.345")), dec("-2.35"));
        // Banker's rounding would give 0.12 here.
        assert_eq!(round2(dec("0.125")), dec("0.13"));
    }

    #[test]
    fn formats_scores_percentages_and_money() {
        assert_eq!(points(dec("9.930")), "9.93");
        assert_eq!(points(dec("20.00")), "20");
        assert_eq!(percent(dec("99.930069")), "99.93%");
        assert_eq!(percent(dec("100")), "100.00%");
        assert_eq!(money(dec("1430.4"), false), "1430.40");
        assert_eq!(money(dec("1430.4"), true), "1,430.40");
        assert_eq!(money(dec("1234567.891"), true), "1,234,567.89");
        assert_eq!(money(dec("-1234.5"), true), "-1,234.50");
        assert_eq!(money(dec("12.5"), true), "12.50");
    }
}
