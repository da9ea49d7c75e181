//! The annex rows' 偏差原因分析及改进措施, worded by a template like the
//! report's text: the profile's `[annex] note`, rendered once per leaf that
//! lost points with that deduction as `d`.

use std::collections::BTreeMap;

use tera::Context;

use super::{Engine, GUARD, Inputs, context::deductions};
use crate::error::Result;

/// The note of every leaf that lost points, by leaf id.
pub fn annex_notes(engine: &Engine, inputs: &Inputs) -> Result<BTreeMap<String, String>> {
    let template = &inputs.profile.annex.note;
    deductions(inputs.sheet)
        .into_iter()
        .map(|d| {
            let mut context = Context::new();
            context.insert("d", &d);
            let text = engine
                .render(template, &context, inputs.figures)
                .map_err(|fault| fault.into_error(inputs.profile))?;
            Ok((d.id.clone(), text.replace(GUARD, "").trim().to_string()))
        })
        .collect()
}
