//! The pipeline in one place: facts → profile → figures → score → narrative
//! → report data, which `output` writes as PDF or otherwise. Each stage only
//! sees the previous stages' outputs.

use crate::annex;
use crate::error::{Error, Result};
use crate::facts::FactsFile;
use crate::figures::Figures;
use crate::narrative;
use crate::profile::Profile;
use crate::report::{Meta, ReportData};
use crate::scoring::ScoreSheet;

/// The profile of facts files that name none.
pub const DEFAULT_PROFILE: &str = "hunan-2024";

/// The profile a facts file is built with: `--profile` (`flag`) wins, then
/// the facts file's own `profile`, then [`DEFAULT_PROFILE`].
pub fn profile_name<'a>(flag: Option<&'a str>, facts: &'a FactsFile) -> &'a str {
    flag.or(facts.data.profile.as_deref())
        .unwrap_or(DEFAULT_PROFILE)
}

/// Everything computed for one unit, before layout.
#[derive(Debug, Clone)]
pub struct Built {
    pub sheet: ScoreSheet,
    pub data: ReportData,
}

/// Runs every stage up to the report data. With `section`, the data holds
/// just that section (numbered as in the full report) and no cover or annex.
pub fn build(profile: &Profile, facts: &FactsFile, section: Option<&str>) -> Result<Built> {
    if let Some(id) = section
        && !profile.sections.iter().any(|s| s.id == id)
    {
        return Err(Error::UnknownSection {
            id: id.to_string(),
            valid: profile.section_ids(),
        });
    }
    let figures = Figures::compute(facts);
    let sheet = ScoreSheet::compute(&profile.framework, facts, &figures)?;
    let tera = narrative::engine(profile)?;
    let mut sections =
        narrative::sections(profile, &tera, facts, &figures, &profile.framework, &sheet)?;
    if let Some(id) = section {
        sections.retain(|s| s.id == id);
    }
    let f = &facts.data;
    let date = facts.report_date()?;
    let data = ReportData {
        meta: Meta {
            title: profile.report_title(f.report.year, &f.unit.name),
            unit: f.unit.name.clone(),
            year: f.report.year.to_string(),
            date: date.format("%Y年%-m月%-d日").to_string(),
            date_iso: date.format("%Y-%m-%d").to_string(),
            front_matter: section.is_none(),
        },
        annex: section
            .is_none()
            .then(|| annex::build(profile, facts, &figures, &sheet, date)),
        sections,
    };
    Ok(Built { sheet, data })
}

/// Scores without writing the narrative or laying anything out.
pub fn score_only(profile: &Profile, facts: &FactsFile) -> Result<ScoreSheet> {
    ScoreSheet::compute(&profile.framework, facts, &Figures::compute(facts))
}
