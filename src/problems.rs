//! The unit's problems tied to the score sheet: each problem's `indicators`
//! resolved to the leaves they name, so the narrative can say which lost
//! points a problem explains and `check` can find lost points none explains.

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::facts::{FactsFile, Problem};
use crate::scoring::{ScoreSheet, Scored};

/// One problem with the leaves it names, in the order the unit wrote them.
#[derive(Debug, Clone)]
pub struct Explained<'a> {
    pub problem: &'a Problem,
    /// Byte offset of the problem in the facts file, for messages.
    pub offset: usize,
    pub indicators: Vec<&'a Scored>,
}

impl Explained<'_> {
    /// Points the named indicators lost together.
    pub fn lost(&self) -> Decimal {
        self.indicators.iter().map(|l| lost(l)).sum()
    }
}

/// Points a leaf lost: zero for full marks and for 加分/扣分 items, which
/// have no full marks to fall short of.
pub fn lost(leaf: &Scored) -> Decimal {
    leaf.leaf
        .as_ref()
        .and_then(|l| l.deduction.as_ref())
        .map_or(Decimal::ZERO, |d| d.lost)
}

/// Resolves every problem's `indicators` by leaf id or by name. A name that
/// matches no leaf, or several, is an error naming the problem's line.
pub fn resolve<'a>(facts: &'a FactsFile, sheet: &'a ScoreSheet) -> Result<Vec<Explained<'a>>> {
    let leaves = sheet.leaves();
    facts
        .data
        .problems
        .iter()
        .enumerate()
        .map(|(i, spanned)| {
            let problem = spanned.get_ref();
            let offset = spanned.span().start;
            let indicators = problem
                .indicators
                .iter()
                .map(|wanted| find(&leaves, wanted).map_err(|message| Error::Fact {
                    location: Some(facts.location(offset)),
                    file: facts.path.clone(),
                    field: format!("problems[{}].indicators", i + 1),
                    message,
                }))
                .collect::<Result<_>>()?;
            Ok(Explained {
                problem,
                offset,
                indicators,
            })
        })
        .collect()
}

fn find<'a>(leaves: &[&'a Scored], wanted: &str) -> std::result::Result<&'a Scored, String> {
    let wanted = wanted.trim();
    if let Some(leaf) = leaves.iter().find(|l| l.id == wanted) {
        return Ok(leaf);
    }
    let named: Vec<_> = leaves.iter().filter(|l| l.name == wanted).collect();
    match named.as_slice() {
        [leaf] => Ok(leaf),
        [] => Err(format!(
            "没有名为「{wanted}」的指标。请写评分表中的三级指标名称，例如：{}。",
            leaves
                .iter()
                .take(6)
                .map(|l| format!("「{}」", l.name))
                .collect::<Vec<_>>()
                .join("、")
        )),
        several => Err(format!(
            "名为「{wanted}」的指标有 {} 个。请改写指标编号：{}。",
            several.len(),
            several
                .iter()
                .map(|l| format!("「{}」", l.id))
                .collect::<Vec<_>>()
                .join("、")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Figures;
    use crate::profile::Profile;
    use std::path::Path;

    fn sheet_of(facts: &FactsFile) -> ScoreSheet {
        let profile = Profile::builtin("hunan-2024").unwrap();
        let figures = Figures::compute(facts, &profile.figures);
        ScoreSheet::compute(&profile.framework, facts, &figures).unwrap()
    }

    fn example(problems: &str) -> FactsFile {
        let text = std::fs::read_to_string("data/example.toml").unwrap();
        let cut = text.find("[[problems]]").unwrap();
        FactsFile::parse(Path::new("f.toml"), format!("{}{problems}", &text[..cut])).unwrap()
    }

    #[test]
    fn names_and_ids_find_their_leaf() {
        let facts = example(
            "[[problems]]\nproblem = \"p\"\ncause = \"c\"\nindicators = [\"职业技能培训人次\", \"budget\"]\n",
        );
        let sheet = sheet_of(&facts);
        let resolved = resolve(&facts, &sheet).unwrap();
        let names: Vec<_> = resolved[0].indicators.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["职业技能培训人次", "预算执行率"]);
        assert!(resolved[0].lost() > Decimal::ZERO);
    }

    #[test]
    fn an_unknown_name_is_refused_with_its_line() {
        let facts = example("[[problems]]\nproblem = \"p\"\ncause = \"c\"\nindicators = [\"不存在\"]\n");
        let sheet = sheet_of(&facts);
        let err = resolve(&facts, &sheet).unwrap_err().to_string();
        assert!(err.contains("problems[1].indicators"), "{err}");
        assert!(err.contains("「不存在」"), "{err}");
    }
}
