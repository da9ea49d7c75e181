//! The Typst `World` for one report: the profile's template files and the
//! report data, all in memory. It never touches the network or the clock,
//! and reads from disk only the font files `--font-path`/`--system-fonts`
//! added, so a template can read nothing but what we hand it and the same
//! input always gives the same PDF.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{LazyLock, OnceLock};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Binding, Bytes, Datetime, Duration, Value};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use super::RenderError;
use super::fonts::FontSet;

/// Where the template finds the report data.
pub const DATA_PATH: &str = "data.json";

/// The standard library holds no per-report state, so every report shares it.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// The library for profiles that are not built in: no `plugin`, whose
/// WebAssembly runs outside Typst's evaluation, also as `std.plugin`.
static SANDBOXED_LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| {
    let mut library = Library::default();
    library
        .global
        .scope_mut()
        .bind("plugin".into(), Binding::detached(Value::None));
    library.std = Binding::detached(library.global.clone());
    LazyHash::new(library)
});

/// One served file; parsed as Typst only if something imports it.
struct Slot {
    bytes: Bytes,
    source: OnceLock<FileResult<Source>>,
}

pub struct ReportWorld {
    library: &'static LazyHash<Library>,
    fonts: FontSet,
    files: HashMap<FileId, Slot>,
    main: FileId,
    today: Option<Datetime>,
}

impl ReportWorld {
    /// `files` are keyed by path without a leading slash ("report.typ",
    /// "lib/gongwen.typ"); `data` is served as `/data.json` and replaces any
    /// profile file of that name, since the report data is the only truth.
    /// A profile that is not `trusted` gets the library without plugins.
    pub fn new(
        files: &BTreeMap<String, Vec<u8>>,
        main: &str,
        data: Vec<u8>,
        fonts: &FontSet,
        today: Option<Datetime>,
        trusted: bool,
    ) -> Result<Self, RenderError> {
        let mut slots = HashMap::with_capacity(files.len() + 1);
        for (path, bytes) in files {
            slots.insert(project_file(path)?, Slot::new(Bytes::new(bytes.clone())));
        }
        slots.insert(project_file(DATA_PATH)?, Slot::new(Bytes::new(data)));

        let main_id = project_file(main)?;
        if !slots.contains_key(&main_id) {
            return Err(RenderError::MissingMain(main.to_owned()));
        }
        Ok(Self {
            library: if trusted {
                &LIBRARY
            } else {
                &SANDBOXED_LIBRARY
            },
            fonts: fonts.clone(),
            files: slots,
            main: main_id,
            today,
        })
    }

    /// Serves `files`, `data`, `fonts` and `today` from now on, for the next
    /// round of `zpbg watch`. A file whose bytes are unchanged keeps its
    /// parsed source, so Typst's memoised work on it stays valid; a changed
    /// one is reparsed incrementally from its previous source.
    pub fn update(
        &mut self,
        files: &BTreeMap<String, Vec<u8>>,
        main: &str,
        data: Vec<u8>,
        fonts: &FontSet,
        today: Option<Datetime>,
    ) -> Result<(), RenderError> {
        let main_id = project_file(main)?;
        let mut old = std::mem::take(&mut self.files);
        let data = (DATA_PATH, data.as_slice());
        let served = files.iter().map(|(p, b)| (p.as_str(), b.as_slice()));
        for (path, bytes) in served.filter(|(p, _)| *p != DATA_PATH).chain([data]) {
            let id = project_file(path)?;
            let slot = match old.remove(&id) {
                Some(slot) if *slot.bytes == *bytes => slot,
                Some(slot) => slot.replaced(Bytes::new(bytes.to_vec())),
                None => Slot::new(Bytes::new(bytes.to_vec())),
            };
            self.files.insert(id, slot);
        }
        if !self.files.contains_key(&main_id) {
            return Err(RenderError::MissingMain(main.to_owned()));
        }
        self.main = main_id;
        self.fonts = fonts.clone();
        self.today = today;
        Ok(())
    }

    fn slot(&self, id: FileId) -> FileResult<&Slot> {
        match id.root() {
            VirtualRoot::Project => self
                .files
                .get(&id)
                .ok_or_else(|| FileError::NotFound(PathBuf::from(id.vpath().get_with_slash()))),
            // Packages would mean fetching code from the network.
            VirtualRoot::Package(_) => Err(FileError::AccessDenied),
        }
    }
}

impl Slot {
    fn new(bytes: Bytes) -> Self {
        Self {
            bytes,
            source: OnceLock::new(),
        }
    }

    /// The slot of the same file with new `bytes`, its source reparsed from
    /// the old one where that parsed (Typst reparses only the edited part).
    fn replaced(self, bytes: Bytes) -> Self {
        let source = OnceLock::new();
        if let Some(Ok(mut previous)) = self.source.into_inner()
            && let Ok(text) = text(&bytes)
        {
            previous.replace(text);
            let _ = source.set(Ok(previous));
        }
        Self { bytes, source }
    }
}

/// A file's text, without the BOM editors on Windows like to add.
fn text(bytes: &Bytes) -> FileResult<&str> {
    let text = std::str::from_utf8(bytes)?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The id of a file in the project root, rejecting paths that escape it.
fn project_file(path: &str) -> Result<FileId, RenderError> {
    let vpath = VirtualPath::new(path).map_err(|_| RenderError::BadPath(path.to_owned()))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        let slot = self.slot(id)?;
        slot.source
            .get_or_init(|| Ok(Source::new(id, text(&slot.bytes)?.to_owned())))
            .clone()
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.slot(id).map(|slot| slot.bytes.clone())
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    /// The report date, whatever the clock says, so output is reproducible;
    /// none when the facts give none.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> ReportWorld {
        let mut files = BTreeMap::new();
        files.insert("report.typ".to_owned(), b"hello".to_vec());
        files.insert(
            "lib/gongwen.typ".to_owned(),
            b"\xef\xbb\xbf#let x = 1".to_vec(),
        );
        let today = Datetime::from_ymd(2025, 5, 1);
        ReportWorld::new(
            &files,
            "report.typ",
            b"{}".to_vec(),
            FontSet::bundled(),
            today,
            true,
        )
        .unwrap()
    }

    fn id(path: &str) -> FileId {
        project_file(path).unwrap()
    }

    #[test]
    fn serves_only_the_given_files() {
        let w = world();
        assert_eq!(w.source(w.main()).unwrap().text(), "hello");
        assert_eq!(
            w.source(id("lib/gongwen.typ")).unwrap().text(),
            "#let x = 1"
        );
        assert_eq!(&*w.file(id("/data.json")).unwrap(), b"{}");
        for path in ["/etc/passwd", "Cargo.toml", "src/lib.rs", "lib"] {
            assert!(
                matches!(w.file(id(path)), Err(FileError::NotFound(_))),
                "{path}"
            );
        }
        let spec = "@preview/example:0.1.0".parse().unwrap();
        let pkg = RootedPath::new(
            VirtualRoot::Package(spec),
            VirtualPath::new("lib.typ").unwrap(),
        );
        assert!(matches!(w.file(pkg.intern()), Err(FileError::AccessDenied)));
    }

    #[test]
    fn rejects_paths_escaping_the_root() {
        let files = BTreeMap::new();
        let today = Datetime::from_ymd(2025, 5, 1);
        let err = ReportWorld::new(
            &files,
            "../report.typ",
            Vec::new(),
            FontSet::bundled(),
            today,
            true,
        );
        assert!(matches!(err, Err(RenderError::BadPath(_))));
        let err = ReportWorld::new(
            &files,
            "report.typ",
            Vec::new(),
            FontSet::bundled(),
            today,
            true,
        );
        assert!(matches!(err, Err(RenderError::MissingMain(_))));
    }

    #[test]
    fn an_update_serves_the_new_files_and_keeps_unchanged_sources() {
        let mut w = world();
        let lib = w.source(id("lib/gongwen.typ")).unwrap();
        w.source(w.main()).unwrap();
        let mut files = BTreeMap::new();
        files.insert("report.typ".to_owned(), b"hello again".to_vec());
        files.insert(
            "lib/gongwen.typ".to_owned(),
            b"\xef\xbb\xbf#let x = 1".to_vec(),
        );
        let data = b"{\"a\": 1}".to_vec();
        w.update(&files, "report.typ", data, FontSet::bundled(), None)
            .unwrap();
        assert_eq!(w.source(w.main()).unwrap().text(), "hello again");
        // What Typst's memoisation compares: the unchanged file is the same.
        let hash = typst::utils::hash128;
        assert_eq!(hash(&w.source(id("lib/gongwen.typ")).unwrap()), hash(&lib));
        assert_eq!(&*w.file(id("data.json")).unwrap(), b"{\"a\": 1}");
        assert_eq!(w.today(None), None);

        files.remove("lib/gongwen.typ");
        w.update(&files, "report.typ", Vec::new(), FontSet::bundled(), None)
            .unwrap();
        let gone = w.file(id("lib/gongwen.typ"));
        assert!(matches!(gone, Err(FileError::NotFound(_))));
        let err = w.update(&files, "other.typ", Vec::new(), FontSet::bundled(), None);
        assert!(matches!(err, Err(RenderError::MissingMain(_))));
    }

    #[test]
    fn today_is_the_report_date() {
        let w = world();
        assert_eq!(w.today(None), Datetime::from_ymd(2025, 5, 1));
        assert_eq!(
            w.today(Some(Duration::construct(0, 0, 3, 0, 0))),
            Datetime::from_ymd(2025, 5, 1)
        );
    }
}
