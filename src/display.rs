//! How a scored indicator is shown wherever a table prints it: the narrative's
//! indicator table, the annex, the score export and the batch summary; and
//! how a derived figure is shown by its kind. The numbers themselves are
//! formatted by `num`.

use rust_decimal::Decimal;

use crate::figures::Kind;
use crate::num;
use crate::scoring::{NotApplicable, Scored};

/// Printed instead of a score for an indicator that left the base.
pub const NOT_APPLICABLE: &str = "不适用";

/// The same in the CSV export, which other tools read.
pub const NOT_APPLICABLE_CSV: &str = "N/A";

/// Whether the indicator left the base: marked not applicable where the
/// framework excludes it (`na = "exclude"`), or, for a branch, every
/// indicator beneath it was.
fn left_base(node: &Scored) -> bool {
    node.leaves()
        .iter()
        .all(|leaf| leaf.not_applicable == Some(NotApplicable::Excluded))
}

/// An indicator's score cell. A branch shows its sum even when every leaf
/// left the base, since its rows say why.
pub fn score_cell(node: &Scored) -> String {
    cell(node, leaf_left_base(node), NOT_APPLICABLE)
}

/// [`score_cell`] for the CSV export: the same decision, in its own word.
pub fn csv_score_cell(node: &Scored) -> String {
    cell(node, leaf_left_base(node), NOT_APPLICABLE_CSV)
}

/// A first-level subtotal, which stands without rows beneath it: a branch
/// whose every indicator left the base has no score to show.
pub fn subtotal_cell(node: &Scored) -> String {
    cell(node, left_base(node), NOT_APPLICABLE)
}

fn leaf_left_base(node: &Scored) -> bool {
    node.leaf.is_some() && left_base(node)
}

fn cell(node: &Scored, left_base: bool, word: &str) -> String {
    if left_base {
        word.into()
    } else {
        num::points(node.score)
    }
}

/// A derived figure as the narrative prints it: amounts in 万元 (with
/// thousands separators when the profile groups money), percentages with two
/// decimals, counts as they are, other numbers with their own decimals.
pub fn figure(kind: Kind, value: Decimal, grouped: bool) -> String {
    match kind {
        Kind::Money => num::money(value, grouped),
        Kind::Percent => num::percent(value),
        Kind::Count => value.normalize().to_string(),
        // Already rounded and scaled to the decimals its profile asks for.
        Kind::Number => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::Leaf;

    fn leaf(weight: i64, score: i64, na: Option<NotApplicable>) -> Scored {
        Scored {
            id: "a.b".into(),
            name: "指标".into(),
            weight: Decimal::from(weight),
            applicable: match na {
                Some(NotApplicable::Excluded) => Decimal::ZERO,
                Some(NotApplicable::Full) | None => Decimal::from(weight),
            },
            score: Decimal::from(score),
            description: None,
            standard: None,
            not_applicable: na,
            children: Vec::new(),
            leaf: Some(Leaf::default()),
        }
    }

    fn branch(children: Vec<Scored>) -> Scored {
        Scored {
            id: "a".into(),
            name: "一级".into(),
            weight: children.iter().map(|c| c.weight).sum(),
            applicable: children.iter().map(|c| c.applicable).sum(),
            score: children.iter().map(|c| c.score).sum(),
            description: None,
            standard: None,
            not_applicable: None,
            children,
            leaf: None,
        }
    }

    #[test]
    fn an_excluded_leaf_shows_the_word_instead_of_its_score() {
        let excluded = leaf(8, 0, Some(NotApplicable::Excluded));
        assert_eq!(score_cell(&excluded), "不适用");
        assert_eq!(csv_score_cell(&excluded), "N/A");
        assert_eq!(subtotal_cell(&excluded), "不适用");
        let full = leaf(8, 8, Some(NotApplicable::Full));
        assert_eq!(score_cell(&full), "8");
        assert_eq!(csv_score_cell(&full), "8");
    }

    #[test]
    fn a_branch_shows_the_word_only_as_a_subtotal() {
        let gone = branch(vec![leaf(8, 0, Some(NotApplicable::Excluded))]);
        assert_eq!(score_cell(&gone), "0");
        assert_eq!(csv_score_cell(&gone), "0");
        assert_eq!(subtotal_cell(&gone), "不适用");
        let partly = branch(vec![
            leaf(8, 0, Some(NotApplicable::Excluded)),
            leaf(2, 1, None),
        ]);
        assert_eq!(subtotal_cell(&partly), "1");
    }

    #[test]
    fn figures_print_by_kind() {
        let value = Decimal::new(12345, 1);
        assert_eq!(figure(Kind::Money, value, true), "1,234.50");
        assert_eq!(figure(Kind::Money, value, false), "1234.50");
        assert_eq!(figure(Kind::Percent, value, true), "1234.50%");
        assert_eq!(figure(Kind::Count, Decimal::new(420, 1), true), "42");
    }
}
