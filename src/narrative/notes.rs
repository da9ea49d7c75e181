//! The annex rows' 偏差原因分析及改进措施, worded by a template like the
//! report's text: the profile's `[annex] note`, rendered once per leaf that
//! lost points with that deduction as `d`.

use std::collections::BTreeMap;

use tera::{Context, Tera};

use super::{GUARD, context::deductions, tera_message};
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::scoring::ScoreSheet;

/// The note of every leaf that lost points, by leaf id.
pub fn annex_notes(
    profile: &Profile,
    tera: &Tera,
    sheet: &ScoreSheet,
) -> Result<BTreeMap<String, String>> {
    let template = &profile.annex.note;
    deductions(sheet)
        .into_iter()
        .map(|d| {
            let mut context = Context::new();
            context.insert("d", &d);
            let text = tera
                .render(template, &context)
                .map_err(|err| Error::Template {
                    profile: profile.id.clone(),
                    template: template.clone(),
                    message: tera_message(&err),
                })?;
            Ok((d.id.clone(), text.replace(GUARD, "").trim().to_string()))
        })
        .collect()
}
