//! The score sheet for people and other tools: an indented table, JSON, or
//! CSV (UTF-8 with BOM so Excel opens it).

use std::fmt::Write as _;

use crate::display;
use crate::num;
use crate::scoring::{Leaf, ScoreSheet, Scored};

/// An indented tree with weights, scores and the reason for every deduction.
pub fn table(sheet: &ScoreSheet) -> String {
    let mut out = String::new();
    writeln!(out, "{}", sheet.framework).ok();
    writeln!(out, "{}{:>6}{:>6}", padded("指标"), "分值", "得分").ok();
    for node in sheet.roots.iter().chain(&sheet.adjustments) {
        tree(&mut out, node, 0);
    }
    writeln!(out, "{}", "-".repeat(60)).ok();
    if let Some(converted) = sheet.converted {
        writeln!(
            out,
            "适用指标得分 {} / {}，换算得分 {}",
            num::points(sheet.raw),
            num::points(sheet.applicable),
            num::points(converted)
        )
        .ok();
    }
    if !sheet.bonus.is_zero() || !sheet.penalty.is_zero() {
        writeln!(
            out,
            "加分 {}，扣分 {}",
            num::points(sheet.bonus),
            num::points(sheet.penalty)
        )
        .ok();
    }
    writeln!(
        out,
        "总分 {} / {}{}",
        num::points(sheet.total),
        num::points(sheet.weight),
        sheet
            .grade
            .as_ref()
            .map(|g| format!("，等级 {g}"))
            .unwrap_or_default()
    )
    .ok();
    out
}

/// A deduction in one line for the terminal and the CSV: the values behind
/// it and the unit's reason. The report words it through its templates.
fn summary(leaf: &Leaf) -> String {
    let mut parts = Vec::new();
    if let Some(figure) = &leaf.figure {
        parts.push(format!("{}为{}", figure.label, figure.value));
    }
    if !leaf.target.is_empty() {
        parts.push(format!("年度指标值 {}", leaf.target));
    }
    if !leaf.actual.is_empty() {
        parts.push(format!("实际完成 {}", leaf.actual));
    }
    if let Some(ratio) = &leaf.ratio {
        parts.push(format!("完成程度 {ratio}"));
    }
    if let Some(reason) = &leaf.reason {
        parts.push(reason.clone());
    }
    parts.join("；")
}

fn tree(out: &mut String, node: &Scored, depth: usize) {
    let name = padded(&format!("{}{}", "  ".repeat(depth), node.name));
    let score = display::score_cell(node);
    writeln!(out, "{name}{:>8}{:>8}", num::points(node.weight), score).ok();
    if let Some((leaf, d)) = node
        .leaf
        .as_ref()
        .and_then(|l| Some((l, l.deduction.as_ref()?)))
    {
        writeln!(
            out,
            "{}  扣{}分：{}",
            "  ".repeat(depth),
            num::points(d.lost),
            summary(leaf)
        )
        .ok();
    }
    for child in &node.children {
        tree(out, child, depth + 1);
    }
}

/// Pads to 44 terminal columns; Chinese characters are two columns wide.
fn padded(text: &str) -> String {
    let width: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(44usize.saturating_sub(width)))
}

pub fn json(sheet: &ScoreSheet) -> String {
    serde_json::to_string_pretty(sheet).expect("a score sheet always serialises")
}

/// One row per indicator at every level, then the totals.
pub fn csv(sheet: &ScoreSheet) -> String {
    let mut out =
        String::from("\u{feff}id,level,name,weight,score,target,actual,deduction_reason\n");
    fn walk(out: &mut String, node: &Scored, level: usize) {
        let leaf = node.leaf.as_ref();
        let row = [
            node.id.clone(),
            level.to_string(),
            node.name.clone(),
            num::points(node.weight),
            display::csv_score_cell(node),
            leaf.map(|l| l.target.clone()).unwrap_or_default(),
            leaf.map(|l| l.actual.clone()).unwrap_or_default(),
            leaf.filter(|l| l.deduction.is_some())
                .map(summary)
                .unwrap_or_default(),
        ];
        let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
        for child in &node.children {
            walk(out, child, level + 1);
        }
    }
    for node in sheet.roots.iter().chain(&sheet.adjustments) {
        walk(&mut out, node, 1);
    }
    let total = [
        "total".to_string(),
        "0".into(),
        sheet
            .grade
            .as_ref()
            .map_or("总分".into(), |g| format!("总分（{g}）")),
        num::points(sheet.weight),
        num::points(sheet.total),
        String::new(),
        String::new(),
        String::new(),
    ];
    let cells: Vec<String> = total.iter().map(|c| csv_cell(c)).collect();
    out.push_str(&cells.join(","));
    out.push('\n');
    out
}

/// One CSV cell, quoted when it holds a comma, quote or line break.
pub fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("说\"明\""), "\"说\"\"明\"\"\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
