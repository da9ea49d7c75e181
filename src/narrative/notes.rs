//! The annex rows' 偏差原因分析及改进措施, worded by a template like the
//! report's text: the profile's `[annex] note`, rendered once per leaf that
//! lost points with that deduction as `d` and, when one of the unit's
//! problems names the leaf, that problem as `problem`; the project sheets'
//! rows are worded by the same template.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Context;

use super::{
    Engine, GUARD, Inputs, clause,
    context::{deductions, leaf_deductions},
    given_clause,
};
use crate::error::Result;
use crate::figures::Figures;
use crate::problems;
use crate::profile::Profile;
use crate::scoring::Scored;

/// The unit's problem that explains a leaf's lost points, in its words.
#[derive(Serialize)]
struct ProblemNote<'a> {
    problem: &'a str,
    cause: Option<&'a str>,
    measure: Option<&'a str>,
}

/// The note of every leaf that lost points, by leaf id.
pub fn annex_notes(engine: &Engine, inputs: &Inputs) -> Result<BTreeMap<String, String>> {
    let explained = problems::resolve(inputs.facts, inputs.sheet)?;
    // The first problem naming a leaf explains it.
    let mut by_leaf = BTreeMap::new();
    for e in &explained {
        for leaf in &e.indicators {
            by_leaf.entry(leaf.id.as_str()).or_insert(ProblemNote {
                problem: clause(&e.problem.problem),
                cause: given_clause(&e.problem.cause),
                measure: given_clause(&e.problem.measure),
            });
        }
    }
    render(
        engine,
        inputs.profile,
        inputs.figures,
        deductions(inputs.sheet),
        &by_leaf,
    )
}

/// [`annex_notes`] for leaves scored outside the score sheet (a project's
/// own indicators), worded by the same template.
pub fn leaf_notes<'a>(
    engine: &Engine,
    profile: &Profile,
    figures: &Figures,
    leaves: impl IntoIterator<Item = &'a Scored>,
) -> Result<BTreeMap<String, String>> {
    render(
        engine,
        profile,
        figures,
        leaf_deductions(leaves),
        &BTreeMap::new(),
    )
}

fn render(
    engine: &Engine,
    profile: &Profile,
    figures: &Figures,
    deductions: Vec<super::context::DeductionView>,
    problems: &BTreeMap<&str, ProblemNote>,
) -> Result<BTreeMap<String, String>> {
    let template = &profile.annex.note;
    deductions
        .into_iter()
        .map(|d| {
            let mut context = Context::new();
            context.insert("d", &d);
            context.insert("problem", &problems.get(d.id.as_str()));
            let text = engine
                .render(template, &context, figures)
                .map_err(|fault| fault.into_error(profile))?;
            Ok((d.id.clone(), text.replace(GUARD, "").trim().to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::facts::FactsFile;
    use crate::scoring::ScoreSheet;

    /// The notes of the example under hunan-2024, its facts edited by
    /// `edit`.
    fn notes(edit: impl Fn(&str) -> String) -> BTreeMap<String, String> {
        let profile = Profile::builtin("hunan-2024").unwrap();
        let example = edit(include_str!("../../data/example.toml"));
        let facts = FactsFile::parse(Path::new("example.toml"), example).unwrap();
        let figures = Figures::compute(&facts, &profile.figures);
        let sheet = ScoreSheet::compute(&profile.framework, &facts, &figures).unwrap();
        let declared = crate::declared::read(&profile, &facts).unwrap();
        let engine = crate::narrative::engine(&profile).unwrap();
        let inputs = Inputs {
            profile: &profile,
            facts: &facts,
            figures: &figures,
            sheet: &sheet,
            declared: &declared,
        };
        annex_notes(&engine, &inputs).unwrap()
    }

    #[test]
    fn a_row_a_problem_names_gives_that_problems_cause_and_measure() {
        let notes = notes(str::to_string);
        let training = &notes["output.quantity.2"];
        assert!(
            training.starts_with("年度指标值≥1500人次，实际完成1380人次"),
            "{training}"
        );
        assert!(
            training.contains("。主要原因是上半年对企业用工和劳动者培训需求摸排不细"),
            "{training}"
        );
        assert!(
            training.ends_with("确保全年培训1500人次以上。"),
            "{training}"
        );
    }

    #[test]
    fn a_row_no_problem_names_keeps_the_built_in_measure() {
        let unnamed = notes(|t| t.replacen("indicators = [\"职业技能培训人次\"]\n", "", 1));
        let training = &unnamed["output.quantity.2"];
        assert!(!training.contains("主要原因是"), "{training}");
        assert!(!training.contains("签订订单式培训协议"), "{training}");
    }
}
