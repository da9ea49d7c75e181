//! Consistency warnings: facts that are each valid but disagree with each
//! other. They do not stop a report; `zpbg check --strict` treats them as
//! failures. [`all`] adds a reviewer's warnings (`review`) to these.

use std::fmt;

use rust_decimal::Decimal;

use crate::error::Result;
use crate::facts::{FactsFile, ThreePublicItem};
use crate::figures::Figures;
use crate::num;
use crate::profile::Profile;
use crate::review;
use crate::scoring::ScoreSheet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Dotted path of the field to look at.
    pub field: String,
    /// Its line in the facts file, when the facts give one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "字段 {}：{}", self.field, self.message)
    }
}

/// Every warning `check` gives: these consistency checks, then what a
/// reviewer would send back. An `Err` is a problem's `indicators` naming
/// no indicator of the score sheet.
pub fn all(facts: &FactsFile, profile: &Profile, sheet: &ScoreSheet) -> Result<Vec<Warning>> {
    let figures = Figures::compute(facts, &profile.figures);
    let mut out = warnings(facts, &figures);
    out.extend(review::warnings(facts, profile, &figures, sheet)?);
    for w in &mut out {
        facts.cell_for_line(&mut w.field, &mut w.line);
    }
    Ok(out)
}

fn warnings(facts: &FactsFile, figures: &Figures) -> Vec<Warning> {
    let f = &facts.data;
    let m = &f.money;
    let mut out = Vec::new();
    let mut warn = |field: &str, message: String| {
        out.push(Warning {
            field: field.to_string(),
            line: None,
            message,
        })
    };
    let money = |v: Decimal| num::money(v, false);
    let figure = |id: &str| figures.get(id).and_then(|f| f.value.clone().ok());

    if let (Some(begin), Some(income), Some(end), Some(spent)) = (
        m.carryover_begin,
        m.income,
        m.carryover_end,
        figure("actual_total"),
    ) && begin + income - spent != end
    {
        warn(
            "money.carryover_end",
            format!(
                "上年结转结余 {} + 本年收入 {} − 本年支出 {} = {}，与年末结转结余 {} 不符。",
                money(begin),
                money(income),
                money(spent),
                money(begin + income - spent),
                money(end)
            ),
        );
    }
    if let (Some(reported), Some(basic), Some(project), Some(total)) = (
        m.expenditure_reported,
        figure("basic_actual"),
        figure("project_actual"),
        figure("actual_total"),
    ) && reported != total
    {
        warn(
            "money.expenditure_reported",
            format!(
                "基本支出 {} + 项目支出 {} = {}，与填写的支出合计 {} 不符。",
                money(basic),
                money(project),
                money(total),
                money(reported)
            ),
        );
    }
    if let Some(total) = &f.three_public.total {
        let kinds = f.three_public.items();
        for (label, field, pick) in [
            (
                "上年决算数",
                "previous",
                (|i: &ThreePublicItem| i.previous) as fn(&ThreePublicItem) -> Option<Decimal>,
            ),
            ("预算数", "budget", |i| Some(i.budget)),
            ("决算数", "actual", |i| Some(i.actual)),
        ] {
            // Last year's amounts are optional: compared only when all are given.
            let sum: Option<Decimal> = kinds.iter().map(|(_, i)| pick(i)).sum();
            if let (Some(sum), Some(given)) = (sum, pick(total))
                && sum != given
            {
                warn(
                    &format!("three_public.total.{field}"),
                    format!(
                        "“三公”经费各项{label}之和为 {}，与合计 {} 不符。",
                        money(sum),
                        money(given)
                    ),
                );
            }
        }
    }
    // 公用经费's items are part of it, so together they cannot exceed it.
    if let Some(public) = m.basic.as_ref().map(|b| b.public)
        && !m.public_items.is_empty()
    {
        let items = &m.public_items;
        for (label, field, whole, parts) in [
            (
                "上年决算数",
                "previous",
                public.previous,
                items.iter().map(|i| i.previous).sum::<Option<Decimal>>(),
            ),
            (
                "预算数",
                "budget",
                Some(public.budget),
                Some(items.iter().map(|i| i.budget).sum()),
            ),
            (
                "决算数",
                "actual",
                Some(public.actual),
                Some(items.iter().map(|i| i.actual).sum()),
            ),
        ] {
            if let (Some(whole), Some(parts)) = (whole, parts)
                && parts > whole
            {
                warn(
                    &format!("money.public_items.{field}"),
                    format!(
                        "公用经费各明细项{label}之和为 {}，超过公用经费{label} {}；明细项是公用经费的一部分，请核对。",
                        money(parts),
                        money(whole)
                    ),
                );
            }
        }
    }
    if let (Some(actual), Some(establishment)) =
        (figure("staff_actual"), figure("staff_establishment"))
        && actual > establishment
    {
        warn(
            "staffing.actual",
            format!("实有人数 {actual} 多于编制数 {establishment}。"),
        );
    }
    if let Some(s) = &f.survey {
        if s.valid > s.returned {
            warn(
                "survey.valid",
                format!("有效问卷 {} 份多于回收问卷 {} 份。", s.valid, s.returned),
            );
        }
        if s.returned > s.issued {
            warn(
                "survey.returned",
                format!("回收问卷 {} 份多于发放问卷 {} 份。", s.returned, s.issued),
            );
        }
    }
    // An override makes the page show characters in another order than typed
    // (a reversed number reads as a different number), so a reader of the
    // PDF may not see what the unit wrote.
    for (field, text) in facts.text_fields() {
        if let Some(c) = text.chars().find(|c| bidi_override(*c)) {
            warn(
                &field,
                format!(
                    "含有文字方向控制符 U+{:04X}，印出来的文字顺序会与输入不同。请删去该字符。",
                    c as u32
                ),
            );
        }
    }
    out
}

/// Explicit embeddings and overrides (U+202A–U+202E). Isolates and marks
/// only steer neutral characters and are left alone.
fn bidi_override(c: char) -> bool {
    matches!(c as u32, 0x202A..=0x202E)
}
