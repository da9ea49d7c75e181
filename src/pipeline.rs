//! The pipeline in one place: facts → profile → figures → score → narrative
//! → report data, which `output` writes as PDF or otherwise. Each stage only
//! sees the previous stages' outputs.

use std::borrow::Cow;

use crate::annex;
use crate::basic_data;
use crate::declared;
use crate::error::{Error, Result};
use crate::facts::FactsFile;
use crate::figures::Figures;
use crate::glyphs;
use crate::narrative;
use crate::profile::Profile;
use crate::projects;
use crate::render::{self, FontSet, RenderInput};
use crate::report::{Meta, ReportData};
use crate::sandbox::{self, Guard};
use crate::scoring::ScoreSheet;

/// The profile of facts files that name none.
pub const DEFAULT_PROFILE: &str = "hunan-2024";

/// The profile a facts file is built with: `--profile` (`flag`) wins, then
/// the facts file's own `profile`, then [`DEFAULT_PROFILE`]. A folder named
/// in the facts file is relative to that file, so a unit's facts and its
/// bureau's profile can travel together and be run from anywhere; a flag is
/// relative to the working directory, like any path on the command line.
pub fn profile_name<'a>(flag: Option<&'a str>, facts: &'a FactsFile) -> Cow<'a, str> {
    if let Some(flag) = flag {
        return Cow::Borrowed(flag);
    }
    match facts.data.profile.as_deref() {
        None => Cow::Borrowed(DEFAULT_PROFILE),
        Some(id) if Profile::builtin_ids().contains(&id) => Cow::Borrowed(id),
        Some(dir) => match facts.path.parent() {
            Some(base) if !base.as_os_str().is_empty() => {
                Cow::Owned(base.join(dir).to_string_lossy().into_owned())
            }
            _ => Cow::Borrowed(dir),
        },
    }
}

/// Everything computed for one unit, before layout.
#[derive(Debug, Clone)]
pub struct Built {
    pub sheet: ScoreSheet,
    pub data: ReportData,
    /// The limits its layout runs under, when its profile is not built in.
    pub guard: Option<Guard>,
}

/// Runs every stage up to the report data. With `section`, the data holds
/// just that section (numbered as in the full report) and no cover or annex.
/// In process: for built-in profiles, and for work already limited.
pub fn build(profile: &Profile, facts: &FactsFile, section: Option<&str>) -> Result<Built> {
    build_with(profile, facts, section, &mut |_| {})
}

/// [`build`] for a profile that may not be built in: with a `guard`, the
/// section templates first run in a child process within its limits, and
/// only templates known to finish run here (tera is deterministic).
pub fn build_guarded(
    profile: &Profile,
    facts: &FactsFile,
    section: Option<&str>,
    guard: Option<&Guard>,
) -> Result<Built> {
    if let Some(guard) = guard {
        sandbox::narrate(guard, facts, section).map_err(|failure| Error::Sandboxed {
            profile: profile.id.clone(),
            failure,
        })?;
    }
    let built = build(profile, facts, section)?;
    Ok(Built {
        guard: guard.cloned(),
        ..built
    })
}

/// [`build`], telling `on_template` each section template as it starts.
pub fn build_with(
    profile: &Profile,
    facts: &FactsFile,
    section: Option<&str>,
    on_template: &mut dyn FnMut(&str),
) -> Result<Built> {
    if let Some(id) = section
        && !profile.sections.iter().any(|s| s.id == id)
    {
        return Err(Error::UnknownSection {
            id: id.to_string(),
            valid: profile.section_ids(),
        });
    }
    let figures = Figures::compute(facts, &profile.figures);
    let sheet = ScoreSheet::compute(&profile.framework, facts, &figures)?;
    let declared = declared::read(profile, facts)?;
    let engine = narrative::engine(profile)?;
    let inputs = narrative::Inputs {
        profile,
        facts,
        figures: &figures,
        sheet: &sheet,
        declared: &declared,
    };
    let sections = narrative::sections(&engine, &inputs, section, on_template)?;
    let f = &facts.data;
    let date = facts.report_date()?;
    let notes = match section {
        None => narrative::annex_notes(&engine, &inputs)?,
        Some(_) => Default::default(),
    };
    let project_sheets = match section {
        None => projects::build(profile, facts, &figures, &engine, date)?,
        Some(_) => Vec::new(),
    };
    let data = ReportData {
        meta: Meta {
            title: profile.report_title(f.report.year, &f.unit.name),
            unit: f.unit.name.clone(),
            year: f.report.year.to_string(),
            date: date
                .map(|d| d.format("%Y年%-m月%-d日").to_string())
                .unwrap_or_default(),
            date_iso: date.map(|d| d.format("%Y-%m-%d").to_string()),
            front_matter: section.is_none(),
        },
        annex: section
            .is_none()
            .then(|| annex::build(profile, facts, &figures, &sheet, date, &notes)),
        basic_data: section
            .is_none()
            .then(|| basic_data::build(profile, facts, &figures, &declared, date))
            .flatten(),
        project_sheets,
        sections,
        tables: declared.tables,
    };
    Ok(Built {
        sheet,
        data,
        guard: None,
    })
}

/// What `gen` checks after building and before writing a PDF, so that
/// `check` refuses whatever `gen` would: every character has a glyph, and a
/// profile that is not built in lays out within its limits.
/// `fonts` are those `gen` would typeset with.
pub fn verify(report: &Built, profile: &Profile, facts: &FactsFile, fonts: &FontSet) -> Result<()> {
    let (chosen, _) = fonts.resolve(&profile.fonts);
    glyphs::check(facts, &report.data, &fonts.used(&chosen))?;
    if let Some(guard) = &report.guard {
        render::render_pdf(&RenderInput {
            files: &profile.typst_files,
            main: &profile.main,
            data: &report.data,
            fonts,
            chosen: &chosen,
            archive: None,
            limits: Some(&guard.limits),
        })?;
    }
    Ok(())
}

/// Scores without writing the narrative or laying anything out.
pub fn score_only(profile: &Profile, facts: &FactsFile) -> Result<ScoreSheet> {
    // The declared text and tables are checked too, so `score` refuses
    // the facts `gen` would.
    declared::read(profile, facts)?;
    let figures = Figures::compute(facts, &profile.figures);
    ScoreSheet::compute(&profile.framework, facts, &figures)
}
