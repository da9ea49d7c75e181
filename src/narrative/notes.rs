//! The annex rows' 偏差原因分析及改进措施, worded by a template like the
//! report's text: the profile's `[annex] note`, rendered once per leaf that
//! lost points with that deduction as `d`; the project sheets' rows are
//! worded by the same template.

use std::collections::BTreeMap;

use tera::Context;

use super::{
    Engine, GUARD, Inputs,
    context::{deductions, leaf_deductions},
};
use crate::error::Result;
use crate::figures::Figures;
use crate::profile::Profile;
use crate::scoring::Scored;

/// The note of every leaf that lost points, by leaf id.
pub fn annex_notes(engine: &Engine, inputs: &Inputs) -> Result<BTreeMap<String, String>> {
    render(
        engine,
        inputs.profile,
        inputs.figures,
        deductions(inputs.sheet),
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
    render(engine, profile, figures, leaf_deductions(leaves))
}

fn render(
    engine: &Engine,
    profile: &Profile,
    figures: &Figures,
    deductions: Vec<super::context::DeductionView>,
) -> Result<BTreeMap<String, String>> {
    let template = &profile.annex.note;
    deductions
        .into_iter()
        .map(|d| {
            let mut context = Context::new();
            context.insert("d", &d);
            let text = engine
                .render(template, &context, figures)
                .map_err(|fault| fault.into_error(profile))?;
            Ok((d.id.clone(), text.replace(GUARD, "").trim().to_string()))
        })
        .collect()
}
