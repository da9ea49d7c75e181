//! `zpbg watch`: writes a report, then writes it again each time its facts
//! file or its profile folder changes. One [`Live`] layout is kept across
//! rounds, so the fonts are loaded once and, with a built-in profile, Typst
//! reuses its work on whatever did not change. A profile that is not built
//! in is laid out in a fresh child process each round, within its limits,
//! as `gen` does. A round that fails leaves the last good output in place
//! (every file is replaced atomically) and the watch goes on.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};
use rust_decimal::Decimal;

use crate::check;
use crate::error::{Error, Result, WatchFailure};
use crate::facts::FactsFile;
use crate::output::{self, Format};
use crate::pipeline;
use crate::profile::{self, Profile};
use crate::render::{Export, FontSet, Live, Substitution};
use crate::sandbox::{Guard, Limits};
use crate::scoring::{ScoreSheet, Scored};

/// How long the files must be quiet before a round starts, so that an
/// editor's save (write, rename, touch) is one change.
const QUIET: Duration = Duration::from_millis(50);

/// Rounds an entry of Typst's memo cache may go unused before it is
/// dropped, as the typst CLI's watch keeps it.
const MEMO_ROUNDS: usize = 10;

/// What to watch and where each round writes.
pub struct Options<'a> {
    pub facts: &'a Path,
    /// `--profile`, else the facts file's own, else the default.
    pub profile: Option<&'a str>,
    pub section: Option<&'a str>,
    pub target: &'a Target,
    pub fonts: &'a FontSet,
    pub limits: Limits,
}

/// Where each round writes.
pub enum Target {
    Pdf(PathBuf),
    /// One picture per page, `dir/<stem>-1.png`… (see [`Format::Pages`]).
    Pages {
        dir: PathBuf,
        stem: String,
        export: Export,
    },
}

impl Target {
    /// The file or folder written.
    pub fn path(&self) -> &Path {
        match self {
            Target::Pdf(path) | Target::Pages { dir: path, .. } => path,
        }
    }

    fn format(&self) -> Format<'_> {
        match self {
            Target::Pdf(path) => Format::Pdf {
                path,
                archive: None,
                check_glyphs: true,
            },
            Target::Pages { dir, stem, export } => Format::Pages {
                dir,
                stem,
                export: *export,
                check_glyphs: true,
            },
        }
    }
}

/// One round: how long it took and what it made.
pub struct Round {
    pub took: Duration,
    pub outcome: Result<Done>,
}

/// A round that wrote its output.
pub struct Done {
    pub pages: usize,
    pub total: Decimal,
    pub grade: Option<String>,
    /// Pages and total of the last round that wrote; `None` for the first.
    pub before: Option<(usize, Decimal)>,
    /// The scored indicators whose score changed since that round.
    pub changed: Vec<Changed>,
    /// How many warnings `check` would print.
    pub warnings: usize,
    /// The font roles that fall back to a bundled face.
    pub substitutions: Vec<Substitution>,
}

/// An indicator whose score changed between two rounds.
#[derive(Debug, PartialEq, Eq)]
pub struct Changed {
    pub name: String,
    pub from: Decimal,
    pub to: Decimal,
}

/// What a watch tells its caller.
pub enum Event {
    Round(Round),
    /// A folder could not be watched; its changes go unseen until a later
    /// round watches it again.
    Unwatched(Error),
}

/// A scored leaf indicator: id, name and score.
type LeafScore = (String, String, Decimal);

/// What the last round that wrote made, to compare the next with.
struct Last {
    pages: usize,
    total: Decimal,
    leaves: Vec<LeafScore>,
}

/// The state kept from one round to the next.
pub struct Session<'a> {
    options: Options<'a>,
    live: Live,
    last: Option<Last>,
    /// The folder of the profile the facts last named, canonical; `None`
    /// for a built-in one.
    profile_dir: Option<PathBuf>,
    /// The built-in profile last used: it cannot change while zpbg runs.
    builtin: Option<Profile>,
}

impl<'a> Session<'a> {
    pub fn new(options: Options<'a>) -> Self {
        Session {
            options,
            live: Live::default(),
            last: None,
            profile_dir: None,
            builtin: None,
        }
    }

    /// Reads the files again and writes the output.
    pub fn round(&mut self) -> Round {
        let start = Instant::now();
        let outcome = self.render();
        typst::comemo::evict(MEMO_ROUNDS);
        Round {
            took: start.elapsed(),
            outcome,
        }
    }

    fn render(&mut self) -> Result<Done> {
        let options = &self.options;
        let facts = FactsFile::load(options.facts)?;
        let name = pipeline::profile_name(options.profile, &facts);
        let name: &str = &name;
        // Known before the profile loads, so a broken profile is watched
        // until it is fixed.
        self.profile_dir = (!Profile::builtin_ids().contains(&name))
            .then(|| std::fs::canonicalize(name).ok())
            .flatten();
        let folder;
        let profile = if Profile::builtin_ids().contains(&name) {
            if self.builtin.as_ref().is_none_or(|p| p.id != name) {
                self.builtin = Some(Profile::builtin(name)?);
            }
            self.builtin.as_ref().expect("loaded above")
        } else {
            // A folder is read again each round: its files are being edited.
            folder = Profile::resolve(name)?;
            &folder
        };
        let guard = Guard::new(name, options.limits);
        let report = pipeline::build_guarded(profile, &facts, options.section, guard.as_ref())?;
        let warnings = check::all(&facts, profile, &report.sheet)?.len();
        let format = options.target.format();
        let pages = output::write_live(
            &report,
            profile,
            &facts,
            options.fonts,
            format,
            &mut self.live,
        )?
        .unwrap_or_default();
        let sheet = &report.sheet;
        let leaves = leaves(sheet);
        let (_, substitutions) = options.fonts.resolve(&profile.fonts);
        let done = Done {
            pages,
            total: sheet.total,
            grade: sheet.grade.clone(),
            before: self.last.as_ref().map(|last| (last.pages, last.total)),
            changed: self
                .last
                .as_ref()
                .map(|last| changed(&last.leaves, &leaves))
                .unwrap_or_default(),
            warnings,
            substitutions,
        };
        self.last = Some(Last {
            pages,
            total: sheet.total,
            leaves,
        });
        Ok(done)
    }

    /// Whether a change to `path` (absolute, as the watcher reports it)
    /// can change the report: the facts file, or a file the profile folder
    /// serves. Editors' swap and backup files are not.
    fn concerns(&self, path: &Path, facts: &Path) -> bool {
        path == facts
            || self.profile_dir.as_ref().is_some_and(|dir| {
                path.starts_with(dir)
                    && profile::is_profile_file(path)
                    && !path.file_name().is_some_and(|name| {
                        let name = name.to_string_lossy();
                        name.starts_with('.') || name.ends_with('~')
                    })
            })
    }
}

/// Every scored leaf of `sheet`: (id, name, score).
fn leaves(sheet: &ScoreSheet) -> Vec<LeafScore> {
    fn walk(node: &Scored, out: &mut Vec<LeafScore>) {
        if node.children.is_empty() {
            out.push((node.id.clone(), node.name.clone(), node.score));
        }
        for child in &node.children {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    for root in sheet.roots.iter().chain(&sheet.adjustments) {
        walk(root, &mut out);
    }
    out
}

/// The leaves of `after` whose score differs from the same leaf in `before`.
fn changed(before: &[LeafScore], after: &[LeafScore]) -> Vec<Changed> {
    after
        .iter()
        .filter_map(|(id, name, to)| {
            let (_, _, from) = before.iter().find(|(old, _, _)| old == id)?;
            (from != to).then(|| Changed {
                name: name.clone(),
                from: *from,
                to: *to,
            })
        })
        .collect()
}

/// Renders once, then again after each change to the facts file or the
/// profile folder, telling `on_event` each round. Returns only if the
/// watcher stops; the process ends it with Ctrl-C.
pub fn run(options: Options, on_event: &mut dyn FnMut(Event)) -> Result<()> {
    // The folder is watched, not the file: editors save by writing a new
    // file and renaming it over the old one.
    let facts = absolute(options.facts)?;
    let facts_dir = facts
        .parent()
        .expect("a file's path has a folder")
        .to_path_buf();
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher =
        notify::recommended_watcher(tx).map_err(|err| watch_error(&facts_dir, err))?;
    watcher
        .watch(&facts_dir, RecursiveMode::NonRecursive)
        .map_err(|err| watch_error(&facts_dir, err))?;
    let mut session = Session::new(options);
    let mut watched: Option<PathBuf> = None;
    loop {
        on_event(Event::Round(session.round()));
        if session.profile_dir != watched {
            if let Some(old) = watched.take() {
                // Gone already is as good as unwatched.
                let _ = watcher.unwatch(&old);
            }
            if let Some(dir) = &session.profile_dir {
                match watcher.watch(dir, RecursiveMode::Recursive) {
                    Ok(()) => watched = Some(dir.clone()),
                    Err(err) => on_event(Event::Unwatched(watch_error(dir, err))),
                }
            }
        }
        // A change that concerns the report, then quiet: the rest of the
        // save belongs to this round. Other events (the output written, a
        // file of the folder read) neither start a round nor delay one.
        let mut quiet_until: Option<Instant> = None;
        loop {
            let event = match quiet_until {
                None => rx
                    .recv()
                    .map_err(|mpsc::RecvError| mpsc::RecvTimeoutError::Disconnected),
                Some(until) => rx.recv_timeout(until.saturating_duration_since(Instant::now())),
            };
            match event {
                Ok(Ok(event))
                    if is_change(&event.kind)
                        && event.paths.iter().any(|p| session.concerns(p, &facts)) =>
                {
                    quiet_until = Some(Instant::now() + QUIET);
                }
                Ok(Ok(_)) => {}
                Ok(Err(err)) => on_event(Event::Unwatched(watch_error(&facts_dir, err))),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }
}

/// Whether an event changes a file. Opening one does not: every round
/// opens the facts and the profile's files.
fn is_change(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Modify(_)
            | EventKind::Remove(_)
            | EventKind::Access(AccessKind::Close(AccessMode::Write))
    )
}

/// `path` with its folder made canonical, as the watcher reports paths in
/// it; the file itself need not exist yet.
fn absolute(path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(dir.join(path.file_name().unwrap_or_default()))
}

fn watch_error(path: &Path, err: notify::Error) -> Error {
    let reason = match err.kind {
        notify::ErrorKind::PathNotFound | notify::ErrorKind::WatchNotFound => WatchFailure::Missing,
        notify::ErrorKind::MaxFilesWatch => WatchFailure::TooMany,
        notify::ErrorKind::Io(source) if source.kind() == std::io::ErrorKind::NotFound => {
            WatchFailure::Missing
        }
        notify::ErrorKind::Io(source) => WatchFailure::Io(source),
        notify::ErrorKind::Generic(message) => WatchFailure::Other(message),
        notify::ErrorKind::InvalidConfig(config) => WatchFailure::Other(format!("{config:?}")),
    };
    Error::Watch {
        path: path.to_path_buf(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(id: &str, score: i64) -> LeafScore {
        (id.into(), format!("指标{id}"), Decimal::from(score))
    }

    #[test]
    fn only_leaves_whose_score_moved_are_changed() {
        let before = [leaf("a", 10), leaf("b", 5), leaf("gone", 1)];
        let after = [leaf("a", 10), leaf("b", 4), leaf("new", 3)];
        assert_eq!(
            changed(&before, &after),
            [Changed {
                name: "指标b".into(),
                from: Decimal::from(5),
                to: Decimal::from(4),
            }]
        );
    }

    #[test]
    fn opening_a_file_is_no_change() {
        use notify::event::{CreateKind, ModifyKind};
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_change(&EventKind::Modify(ModifyKind::Any)));
        assert!(is_change(&EventKind::Create(CreateKind::File)));
    }

    #[test]
    fn the_facts_and_the_profile_files_concern_the_report() {
        let target = Target::Pdf(PathBuf::from("/w/out.pdf"));
        let mut session = Session::new(Options {
            facts: Path::new("facts.toml"),
            profile: None,
            section: None,
            target: &target,
            fonts: FontSet::bundled(),
            limits: Limits::default(),
        });
        let facts = Path::new("/w/facts.toml");
        assert!(session.concerns(facts, facts));
        for other in [
            "/w/out.pdf",
            "/w/.out.pdf.1.2.tmp",
            "/w/facts.toml~",
            "/p/report.typ",
        ] {
            assert!(!session.concerns(Path::new(other), facts), "{other}");
        }
        session.profile_dir = Some(PathBuf::from("/p"));
        assert!(session.concerns(Path::new("/p/sections/issues.tera"), facts));
        for other in ["/p/.report.typ.swp", "/p/report.typ~", "/p/notes.docx"] {
            assert!(!session.concerns(Path::new(other), facts), "{other}");
        }
    }
}
