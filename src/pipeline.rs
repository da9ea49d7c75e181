//! The pipeline in one place: facts → figures → score → narrative → report
//! data → PDF. Each stage only sees the previous stages' outputs.

use crate::annex;
use crate::error::{Error, Result};
use crate::facts::FactsFile;
use crate::figures::Figures;
use crate::narrative;
use crate::profile::Profile;
use crate::render::{self, Archive, RenderInput};
use crate::report::{Meta, ReportData};
use crate::scoring::{self, ScoreSheet};

/// The sections as plain text, as a reader would read them.
pub use crate::render::text::sections as plain_text;

/// Everything computed for one unit, before layout.
#[derive(Debug, Clone)]
pub struct Report {
    pub sheet: ScoreSheet,
    pub data: ReportData,
}

/// Runs every stage up to the report data. With `section`, the data holds
/// just that section (numbered as in the full report) and no cover or annex.
pub fn build(profile: &Profile, facts: &FactsFile, section: Option<&str>) -> Result<Report> {
    if let Some(id) = section
        && !profile.sections.iter().any(|s| s.id == id)
    {
        return Err(Error::UnknownSection {
            id: id.to_string(),
            valid: profile.section_ids(),
        });
    }
    let figures = Figures::compute(facts);
    let sheet = scoring::score(&profile.framework, facts, &figures)?;
    let tera = narrative::engine(profile)?;
    let mut sections =
        narrative::sections(profile, &tera, facts, &figures, &profile.framework, &sheet)?;
    if let Some(id) = section {
        sections.retain(|s| s.id == id);
    }
    let f = &facts.facts;
    let date = facts.report_date()?;
    let data = ReportData {
        meta: Meta {
            title: annex::fill(&profile.title, f.report.year, &f.unit.name),
            unit: f.unit.name.clone(),
            year: f.report.year.to_string(),
            date: date.format("%Y年%-m月%-d日").to_string(),
            date_iso: date.format("%Y-%m-%d").to_string(),
            front_matter: section.is_none(),
        },
        annex: section
            .is_none()
            .then(|| annex::build(profile, facts, &figures, &sheet)),
        sections,
    };
    Ok(Report { sheet, data })
}

/// Scores without writing the narrative or laying anything out.
pub fn score(profile: &Profile, facts: &FactsFile) -> Result<ScoreSheet> {
    scoring::score(&profile.framework, facts, &Figures::compute(facts))
}

/// Lays the report out as PDF bytes, conforming to `archive` when given.
pub fn pdf(profile: &Profile, data: &ReportData, archive: Option<Archive>) -> Result<Vec<u8>> {
    Ok(render::render_pdf(&RenderInput {
        files: &profile.typst_files,
        main: &profile.main,
        data,
        archive,
    })?)
}

/// Writes what the embedded engine compiles — the profile's Typst files,
/// `data.json` and the bundled fonts — to `dir`, so the report can be
/// inspected or compiled with the typst CLI:
/// `typst compile --root DIR --font-path DIR/fonts --ignore-system-fonts DIR/<main>`.
pub fn emit_typst(profile: &Profile, data: &ReportData, dir: &std::path::Path) -> Result<()> {
    let write = |rel: &str, bytes: &[u8]| {
        let path = dir.join(rel);
        path.parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, bytes))
            .map_err(|source| Error::Io { path, source })
    };
    for (rel, bytes) in &profile.typst_files {
        if rel.ends_with(".typ") {
            write(rel, bytes)?;
        }
    }
    let json = serde_json::to_vec(data).expect("report data always serialises");
    write("data.json", &json)?;
    for (name, bytes) in render::bundled_files() {
        write(&format!("fonts/{name}"), bytes)?;
    }
    Ok(())
}
