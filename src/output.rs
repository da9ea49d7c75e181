//! Writing a built report out, in one of the formats zpbg produces. Each
//! format is one arm of [`write`] and one function below; a new format is
//! one more of each.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::facts::FactsFile;
use crate::glyphs;
use crate::pipeline::Built;
use crate::profile::Profile;
use crate::render::{self, Archive, FontSet, RenderInput};
use crate::report::ReportData;

/// A format to write a report in, and where it goes.
pub enum Format<'a> {
    /// The laid-out report, conforming to `archive` when given. With
    /// `check_glyphs`, a character no bundled font can draw stops it.
    Pdf {
        path: &'a Path,
        archive: Option<Archive>,
        check_glyphs: bool,
    },
    /// What the embedded engine compiles, for inspecting the report or
    /// compiling it with the typst CLI.
    TypstSource { dir: &'a Path },
    /// The sections as plain text, as a reader would read them, to standard
    /// output (or a writer standing in for it).
    Text { to: &'a mut dyn Write },
}

/// Writes `report`, built from `facts` with `profile`, in `format`.
pub fn write(report: &Built, profile: &Profile, facts: &FactsFile, format: Format) -> Result<()> {
    match format {
        Format::Pdf {
            path,
            archive,
            check_glyphs,
        } => pdf(report, profile, facts, path, archive, check_glyphs),
        Format::TypstSource { dir } => typst_source(&report.data, profile, dir),
        Format::Text { to } => print(to, &render::text::sections(&report.data.sections)),
    }
}

fn pdf(
    report: &Built,
    profile: &Profile,
    facts: &FactsFile,
    path: &Path,
    archive: Option<Archive>,
    check_glyphs: bool,
) -> Result<()> {
    if check_glyphs {
        glyphs::check(facts, &report.data, FontSet::bundled())?;
    }
    let bytes = render::render_pdf(&RenderInput {
        files: &profile.typst_files,
        main: &profile.main,
        data: &report.data,
        archive,
        limits: report.guard.as_ref().map(|guard| &guard.limits),
    })?;
    // Only a finished PDF replaces an earlier one.
    write_atomically(path, &bytes)
}

/// Writes the profile's Typst files, `data.json` and the bundled fonts to
/// `dir`, so that
/// `typst compile --root DIR --font-path DIR/fonts --ignore-system-fonts DIR/<main>`
/// makes the report.
fn typst_source(data: &ReportData, profile: &Profile, dir: &Path) -> Result<()> {
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

/// Prints `text` to standard output, given as `to`, all at once.
pub fn print(to: &mut dyn Write, text: &str) -> Result<()> {
    to.write_all(text.as_bytes())
        .and_then(|()| to.flush())
        .map_err(|source| Error::Io {
            path: PathBuf::from("<stdout>"),
            source,
        })
}

/// Writes beside the target and renames, so a failed run never leaves a
/// truncated file under the target name.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report.pdf".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standard output whose reader has gone.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn printing_to_a_closed_pipe_is_a_broken_pipe() {
        let err = print(&mut Closed, "总分\n").unwrap_err();
        assert!(err.is_broken_pipe(), "{err}");
    }
}
