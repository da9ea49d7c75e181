//! Writing a built report out, in one of the formats zpbg produces. Each
//! format is one arm of [`write`] and one function below; a new format is
//! one more of each.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Error, Refusal, Result};
use crate::facts::FactsFile;
use crate::glyphs;
use crate::pipeline::Built;
use crate::profile::Profile;
use crate::render::{self, Archive, ChosenFonts, Export, FontSet, Live, RenderInput};
use crate::report::ReportData;

/// The files `gen` and `batch` write a report as (`--format pdf,docx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub pdf: bool,
    pub docx: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Formats {
            pdf: true,
            docx: false,
        }
    }
}

/// A format to write a report in, and where it goes.
pub enum Format<'a> {
    /// The laid-out report, conforming to `archive` when given. With
    /// `check_glyphs`, a character no bundled font can draw stops it.
    Pdf {
        path: &'a Path,
        archive: Option<Archive>,
        check_glyphs: bool,
    },
    /// The laid-out pages as pictures (`export` is PNG or SVG), one file
    /// each: `dir/<stem>-1.png`, `-2.png`…; pictures of pages the report no
    /// longer has are removed.
    Pages {
        dir: &'a Path,
        stem: &'a str,
        export: Export,
        check_glyphs: bool,
    },
    /// An editable Word file of the same report.
    Docx { path: &'a Path },
    /// What the embedded engine compiles, for inspecting the report or
    /// compiling it with the typst CLI.
    TypstSource { dir: &'a Path },
    /// The sections as plain text, as a reader would read them, to standard
    /// output (or a writer standing in for it).
    Text { to: &'a mut dyn Write },
}

/// Writes `report`, built from `facts` with `profile`, in `format`.
/// `fonts` are the fonts to typeset with; each font role of the profile
/// takes its face from them where they have it.
pub fn write(
    report: &Built,
    profile: &Profile,
    facts: &FactsFile,
    fonts: &FontSet,
    format: Format,
) -> Result<()> {
    write_live(report, profile, facts, fonts, format, &mut Live::default()).map(drop)
}

/// [`write`], laying out with `live`, which keeps Typst's work from one
/// call to the next (`zpbg watch`). Returns how many pages were laid out,
/// for the formats that lay out.
pub fn write_live(
    report: &Built,
    profile: &Profile,
    facts: &FactsFile,
    fonts: &FontSet,
    format: Format,
    live: &mut Live,
) -> Result<Option<usize>> {
    check(&format, &facts.path, profile)?;
    let (chosen, _) = fonts.resolve(&profile.fonts);
    let mut lay_out = |export: Export,
                       archive: Option<Archive>,
                       check_glyphs: bool|
     -> Result<render::Exported> {
        if check_glyphs {
            glyphs::check(facts, &report.data, &fonts.used(&chosen))?;
        }
        let input = RenderInput {
            files: &profile.typst_files,
            main: &profile.main,
            data: &report.data,
            fonts,
            chosen: &chosen,
            archive,
            limits: report.guard.as_ref().map(|guard| &guard.limits),
        };
        Ok(live.export(&input, export)?)
    };
    match format {
        Format::Pdf {
            path,
            archive,
            check_glyphs,
        } => {
            let exported = lay_out(Export::Pdf, archive, check_glyphs)?;
            // Only a finished PDF replaces an earlier one.
            write_atomically(path, &exported.files.concat())?;
            Ok(Some(exported.pages))
        }
        Format::Pages {
            dir,
            stem,
            export,
            check_glyphs,
        } => {
            let exported = lay_out(export, None, check_glyphs)?;
            pages(&exported.files, dir, stem, export.extension())?;
            Ok(Some(exported.pages))
        }
        Format::TypstSource { dir } => {
            let added = added_fonts(fonts, &chosen);
            for (rel, _) in &added {
                check_no_links(dir, Path::new(rel))?;
                check_file(&dir.join(rel), &facts.path, profile)?;
            }
            typst_source(&report.data, &added, &chosen, profile, dir).map(|()| None)
        }
        Format::Docx { path } => docx(&report.data, profile, path).map(|()| None),
        Format::Text { to } => {
            print(to, &render::text::sections(&report.data.sections)).map(|()| None)
        }
    }
}

/// The file name of page `n` (from 1) in `--format png|svg` output.
pub fn page_name(stem: &str, n: usize, extension: &str) -> String {
    format!("{stem}-{n}.{extension}")
}

/// Writes one file per page into `dir`, each atomically, and removes the
/// pictures of later pages left from a longer layout, so the folder shows
/// this report and no more.
fn pages(files: &[Vec<u8>], dir: &Path, stem: &str, extension: &str) -> Result<()> {
    for (i, bytes) in files.iter().enumerate() {
        write_into(dir, &page_name(stem, i + 1, extension), bytes)?;
    }
    for n in files.len() + 1.. {
        let stale = dir.join(page_name(stem, n, extension));
        match std::fs::symlink_metadata(&stale) {
            Ok(meta) if meta.is_file() => {
                std::fs::remove_file(&stale).map_err(|source| Error::Io {
                    path: stale,
                    source,
                })?;
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// Writes the report as .docx, naming the profile's faces; only a finished
/// file replaces an earlier one.
fn docx(data: &ReportData, profile: &Profile, path: &Path) -> Result<()> {
    let bytes = render::docx::render_docx(data, &profile.fonts)?;
    write_atomically(path, &bytes)
}

/// Writes the profile's Typst files, `data.json`, the bundled fonts and the
/// font files from `--font-path`/`--system-fonts` that a role uses to
/// `dir`, so that
/// `typst compile --root DIR --font-path DIR/fonts --ignore-system-fonts DIR/<main>`
/// makes the report.
fn typst_source(
    data: &ReportData,
    added: &[(String, &Path)],
    chosen: &ChosenFonts,
    profile: &Profile,
    dir: &Path,
) -> Result<()> {
    let json = serde_json::to_vec(&render::Served {
        data,
        fonts: chosen,
    })
    .expect("report data always serialises");
    let files = profile
        .typst_files
        .iter()
        .filter(|(rel, _)| rel.ends_with(".typ"))
        .map(|(rel, bytes)| (rel.clone(), bytes.as_slice()))
        .chain([("data.json".to_owned(), json.as_slice())])
        .chain(
            render::bundled_files()
                .iter()
                .map(|(name, bytes)| (format!("fonts/{name}"), bytes.as_slice())),
        );
    for (rel, bytes) in files {
        write_into(dir, &rel, bytes)?;
    }
    for (rel, from) in added {
        let bytes = std::fs::read(from).map_err(|source| Error::Io {
            path: from.to_path_buf(),
            source,
        })?;
        write_into(dir, rel, &bytes)?;
    }
    Ok(())
}

/// Writes `bytes` to `dir/rel`, making the folders it needs.
fn write_into(dir: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    write_atomically(&path, bytes)
}

/// The font files from disk a role uses, with the path `--emit typst`
/// writes each to: numbered, since two folders may hold files of one name.
fn added_fonts<'f>(fonts: &'f FontSet, chosen: &ChosenFonts) -> Vec<(String, &'f Path)> {
    fonts
        .chosen_files(chosen)
        .into_iter()
        .enumerate()
        .map(|(i, path)| {
            let name = path
                .file_name()
                .map_or_else(|| "font".into(), |name| name.to_string_lossy().into_owned());
            (format!("fonts/added/{}-{name}", i + 1), path)
        })
        .collect()
}

/// The paths, relative to its folder, that `--emit typst` writes: those of
/// [`typst_source`] but the added fonts.
fn typst_paths(profile: &Profile) -> impl Iterator<Item = String> {
    profile
        .typst_files
        .keys()
        .filter(|rel| rel.ends_with(".typ"))
        .cloned()
        .chain(["data.json".to_owned()])
        .chain(
            render::bundled_files()
                .iter()
                .map(|(name, _)| format!("fonts/{name}")),
        )
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

/// Refuses, before any work, a `format` that would write over the facts
/// file, into the profile's folder, or through anything but a regular file
/// or a folder (a symbolic link, device or FIFO would be replaced or written
/// through).
pub fn check(format: &Format, facts: &Path, profile: &Profile) -> Result<()> {
    match format {
        Format::Pdf { path, .. } | Format::Docx { path } => check_file(path, facts, profile),
        Format::Pages {
            dir, stem, export, ..
        } => {
            check_no_links(dir, Path::new(""))?;
            check_file(
                &dir.join(page_name(stem, 1, export.extension())),
                facts,
                profile,
            )
        }
        Format::TypstSource { dir } => {
            check_no_links(dir, Path::new(""))?;
            for rel in typst_paths(profile) {
                check_no_links(dir, Path::new(&rel))?;
                check_file(&dir.join(&rel), facts, profile)?;
            }
            Ok(())
        }
        Format::Text { .. } => Ok(()),
    }
}

fn check_file(path: &Path, facts: &Path, profile: &Profile) -> Result<()> {
    let refused = |reason| {
        Err(Error::OutputRefused {
            path: path.to_path_buf(),
            reason,
        })
    };
    not_a_link_or_device(path)?;
    let target = resolve(path);
    if std::fs::canonicalize(facts).is_ok_and(|facts| facts == target) {
        return refused(Refusal::FactsFile);
    }
    if let Some(dir) = profile.dir.as_ref().filter(|dir| target.starts_with(dir)) {
        return refused(Refusal::ProfileFile {
            profile: dir.clone(),
        });
    }
    Ok(())
}

/// Refuses a path that exists and is neither a regular file nor a folder.
fn not_a_link_or_device(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() || meta.is_dir() => Ok(()),
        Ok(meta) => Err(Error::OutputRefused {
            path: path.to_path_buf(),
            reason: Refusal::NotAFile {
                kind: crate::input::kind(&meta.file_type()),
            },
        }),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Refuses `dir` or any folder between it and `dir/rel` that is a symbolic
/// link, so nothing is written outside `dir`.
fn check_no_links(dir: &Path, rel: &Path) -> Result<()> {
    // Rebuilt from its parts: `link/` with its slash would be followed.
    let mut path: PathBuf = dir.components().collect();
    not_a_link_or_device(&path)?;
    for part in rel.components() {
        path.push(part);
        not_a_link_or_device(&path)?;
    }
    Ok(())
}

/// `path` made absolute with links resolved, though it need not exist: its
/// nearest existing ancestor canonicalized, the rest appended.
fn resolve(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut base = path;
    loop {
        if let Ok(found) = std::fs::canonicalize(if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        }) {
            let mut resolved = found;
            for part in rest.iter().rev() {
                resolved.push(part);
            }
            return resolved;
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            // Nothing of it exists, not even the working folder.
            (Some(_) | None, _) => return path.to_path_buf(),
        }
    }
}

/// Temporary files being written, for [`remove_temp_files`].
static TEMP_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Makes temporary names unique within the process; the process id, across.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn temp_files() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMP_FILES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes every temporary file still being written, for a process that is
/// interrupted. The guard it returns keeps any other from being made: hold it
/// until the process exits.
#[must_use]
pub fn remove_temp_files() -> impl Sized {
    let mut temps = temp_files();
    for tmp in temps.drain(..) {
        // Already renamed or removed is as good as removed.
        let _ = std::fs::remove_file(tmp);
    }
    temps
}

/// Writes beside the target, syncs and renames, so a failed or interrupted
/// run never leaves a truncated file under the target name, nor its
/// temporary file. The target must be a regular file or not exist yet.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    not_a_link_or_device(path)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report.pdf".into());
    let (tmp, mut file) = create_temp(dir, &name).map_err(io)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            std::fs::rename(&tmp, path)
        });
    let mut temps = temp_files();
    temps.retain(|t| t != &tmp);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    drop(temps);
    result.map_err(io)?;
    // The rename itself reaches the disk with the folder; a folder that cannot
    // be synced (some network file systems) leaves the file written anyway.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Creates a new temporary file in `dir` for `name`, registered for
/// [`remove_temp_files`] before anyone can be interrupted without knowing it.
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut temps = temp_files();
    loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => {
                temps.push(tmp.clone());
                return Ok((tmp, file));
            }
            // Left by an earlier process that had the same id.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(err),
        }
    }
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
