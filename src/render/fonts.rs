//! The fonts a report is typeset with: the bundled ones, compiled into the
//! binary so every machine typesets the same report, plus any the user adds
//! with `--font-path` or `--system-fonts`. The bundled ones are parsed once
//! per process (Typst reads glyph data lazily); a font from disk is read
//! when Typst first asks for it. A batch run shares one set across units.
//!
//! A profile names the faces a bureau mandates by role (`[fonts]`);
//! [`FontSet::resolve`] picks each where a font of that family is loaded
//! and says which roles fall back to the bundled faces.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};

use serde::{Deserialize, Serialize};
use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;

use super::bundled::{self, Packed};
use crate::profile::FontRoles;

/// Each bundled face, by its file under `fonts/`. The order is the font
/// book's order, which only matters as a tie-break when Typst picks a
/// fallback.
const BUNDLED: &[&str] = &[
    "FandolSong-Regular.otf",
    "FandolSong-Bold.otf",
    "FandolHei-Regular.otf",
    "FandolHei-Bold.otf",
    "FandolKai-Regular.otf",
    "FandolFang-Regular.otf",
    // Symbols Fandol lacks but real reports use: ≦ ⑪ ⑫ ㎡ ².
    "NotoSerifCJKsc-Symbols.otf",
    // Rare ideographs in unit and place names.
    "DroidSansFallbackFull.ttf",
    // Right-to-left scripts and emoji that units type into names and text.
    "NotoNaskhArabic-Regular.ttf",
    "NotoNaskhArabic-Bold.ttf",
    "NotoSerifHebrew-Regular.ttf",
    "NotoSerifHebrew-Bold.ttf",
    "NotoColorEmoji.ttf",
];

/// Parsed fonts plus the metadata Typst selects from; cheap to clone.
#[derive(Clone)]
pub struct FontSet(Arc<Inner>);

struct Inner {
    book: LazyHash<FontBook>,
    /// In the book's order: the bundled faces, then those from disk.
    faces: Vec<Face>,
    /// Every family name of each face, in every language its `name` table
    /// gives (nameID 1 and 16), lowercased: 「仿宋_GB2312」 as well as
    /// 「FangSong_GB2312」.
    names: Vec<Vec<String>>,
    /// The faces from disk, as a child process rebuilds the set.
    disk: Vec<DiskFace>,
}

enum Face {
    Bundled(Font),
    /// Read from `disk[i]` on first use; `None` if it is gone or broken.
    Disk(usize, OnceLock<Option<Font>>),
}

/// A face in a font file on disk: where it is and what Typst needs to
/// select it, so the file itself is read only if the face is used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiskFace {
    path: PathBuf,
    index: u32,
    info: FontInfo,
    names: Vec<String>,
}

/// Where to look for fonts besides the bundled ones.
#[derive(Debug, Clone, Default)]
pub struct FontSources {
    /// `--font-path`: folders searched recursively for ttf/otf/ttc/otc.
    pub dirs: Vec<PathBuf>,
    /// `--system-fonts`: the operating system's fonts.
    pub system: bool,
}

/// Each bundled font file's bytes, in [`BUNDLED`]'s order, from the cache.
static BUNDLED_BYTES: LazyLock<Vec<(&'static str, Bytes)>> = LazyLock::new(|| {
    let cache = bundled::cache_dir();
    BUNDLED
        .iter()
        .map(|name| (*name, packed(name).bytes(cache.as_deref())))
        .collect()
});

fn packed(name: &str) -> &'static Packed {
    bundled::packed(name).unwrap_or_else(|| panic!("build.rs embeds every file of fonts/: {name}"))
}

static BUNDLED_SET: LazyLock<FontSet> = LazyLock::new(|| {
    let fonts: Vec<Font> = BUNDLED_BYTES
        .iter()
        .flat_map(|(_, data)| Font::iter(data.clone()))
        .collect();
    let names = BUNDLED_BYTES
        .iter()
        .flat_map(|(_, data)| {
            let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
            (0..count).map(|index| family_names(data, index))
        })
        .collect();
    FontSet(Arc::new(Inner {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        faces: fonts.into_iter().map(Face::Bundled).collect(),
        names,
        disk: Vec::new(),
    }))
});

/// The bundled font files by name, for `--emit typst`.
pub fn bundled_files() -> &'static [(&'static str, Bytes)] {
    &BUNDLED_BYTES
}

/// Every family name (nameID 1 and 16) of a face in every language,
/// lowercased and deduplicated.
fn family_names(data: &[u8], index: u32) -> Vec<String> {
    let Ok(face) = ttf_parser::Face::parse(data, index) else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for name in face.names() {
        if !matches!(
            name.name_id,
            ttf_parser::name_id::FAMILY | ttf_parser::name_id::TYPOGRAPHIC_FAMILY
        ) {
            continue;
        }
        if let Some(text) = name.to_string() {
            let text = text.trim().to_lowercase();
            if !text.is_empty() && !names.contains(&text) {
                names.push(text);
            }
        }
    }
    names
}

impl FontSet {
    /// The bundled fonts, parsed on first use and shared afterwards.
    pub fn bundled() -> &'static FontSet {
        &BUNDLED_SET
    }

    /// The bundled fonts plus those `sources` find. Folders are searched in
    /// the order given, then the system's fonts; a face the bundled set
    /// already has by family and style still comes second, so the bundled
    /// one wins a tie. A `--font-path` that is not a folder is an error.
    pub fn load(sources: &FontSources) -> Result<FontSet, FontPathError> {
        if sources.dirs.is_empty() && !sources.system {
            return Ok(Self::bundled().clone());
        }
        let mut db = fontdb::Database::new();
        for dir in &sources.dirs {
            if !dir.is_dir() {
                return Err(FontPathError { path: dir.clone() });
            }
            db.load_fonts_dir(dir);
        }
        if sources.system {
            db.load_system_fonts();
        }
        let mut disk = Vec::new();
        for face in db.faces() {
            let path = match &face.source {
                fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => path.clone(),
                fontdb::Source::Binary(_) => continue,
            };
            // The path travels to a child process as JSON, which holds only
            // UTF-8.
            if path.to_str().is_none() {
                continue;
            }
            let found = db.with_face_data(face.id, |data, index| {
                FontInfo::new(data, index).map(|info| (info, family_names(data, index)))
            });
            if let Some(Some((info, names))) = found {
                disk.push(DiskFace {
                    path,
                    index: face.index,
                    info,
                    names,
                });
            }
        }
        // A folder lists its files in no set order; the book's order breaks
        // ties between faces of one family and style, so it is fixed: the
        // folders in the order given, then the system's, each by path.
        let rank = |path: &Path| {
            (sources.dirs.iter())
                .position(|dir| path.starts_with(dir))
                .unwrap_or(sources.dirs.len())
        };
        disk.sort_by(|a, b| {
            (rank(&a.path), &a.path, a.index).cmp(&(rank(&b.path), &b.path, b.index))
        });
        Ok(Self::with_disk(disk))
    }

    /// The bundled fonts plus the faces `disk` describes, read lazily.
    pub(crate) fn with_disk(disk: Vec<DiskFace>) -> FontSet {
        let bundled = &Self::bundled().0;
        if disk.is_empty() {
            return Self::bundled().clone();
        }
        let mut book = (*bundled.book).clone();
        let mut faces: Vec<Face> = bundled
            .faces
            .iter()
            .map(|face| match face {
                Face::Bundled(font) => Face::Bundled(font.clone()),
                Face::Disk(..) => unreachable!("the bundled set has no disk faces"),
            })
            .collect();
        let mut names = bundled.names.clone();
        for (i, face) in disk.iter().enumerate() {
            book.push(face.info.clone());
            faces.push(Face::Disk(i, OnceLock::new()));
            names.push(face.names.clone());
        }
        FontSet(Arc::new(Inner {
            book: LazyHash::new(book),
            faces,
            names,
            disk,
        }))
    }

    /// The faces read from disk, for a child process to rebuild the set.
    pub(crate) fn disk(&self) -> &[DiskFace] {
        &self.0.disk
    }

    pub(crate) fn book(&self) -> &LazyHash<FontBook> {
        &self.0.book
    }

    /// The font at `index` in [`FontSet::book`]; cheap, fonts are shared.
    /// A face from disk is read the first time it is asked for.
    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        match self.0.faces.get(index)? {
            Face::Bundled(font) => Some(font.clone()),
            Face::Disk(i, font) => font
                .get_or_init(|| {
                    let face = &self.0.disk[*i];
                    let data = std::fs::read(&face.path).ok()?;
                    Font::new(Bytes::new(data), face.index)
                })
                .clone(),
        }
    }

    fn info(&self, index: usize) -> &FontInfo {
        match &self.0.faces[index] {
            Face::Bundled(font) => font.info(),
            Face::Disk(i, _) => &self.0.disk[*i].info,
        }
    }

    /// Whether any font of the set, used or not, has a glyph for `c`; the
    /// glyph check asks [`FontSet::used`] instead.
    pub fn covers(&self, c: char) -> bool {
        (0..self.0.faces.len()).any(|i| self.info(i).coverage.contains(c as u32))
    }

    /// The family Typst knows a loaded face by whose family name, in any
    /// language, is `wanted` (ignoring case); the first such face in the
    /// book's order.
    fn find_family(&self, wanted: &str) -> Option<String> {
        let wanted = wanted.trim().to_lowercase();
        if wanted.is_empty() {
            return None;
        }
        (0..self.0.faces.len())
            .find(|&i| {
                self.0.names[i].contains(&wanted) || self.info(i).family.to_lowercase() == wanted
            })
            .map(|i| self.info(i).family.clone())
    }

    /// Each role's face where a loaded font has the family the profile
    /// names, and a [`Substitution`] for each role that falls back to the
    /// bundled face. A role named "" asks for nothing and falls back
    /// without a notice.
    pub fn resolve(&self, roles: &FontRoles) -> (ChosenFonts, Vec<Substitution>) {
        let mut chosen = ChosenFonts::default();
        let mut substitutions = Vec::new();
        for role in Role::ALL {
            let wanted = role.wanted(roles);
            if wanted.trim().is_empty() {
                continue;
            }
            match self.find_family(wanted) {
                Some(family) => *role.slot(&mut chosen) = Some(family),
                None => substitutions.push(Substitution {
                    role,
                    wanted: wanted.to_owned(),
                }),
            }
        }
        (chosen, substitutions)
    }

    /// The font files from disk that hold a face of a family in `chosen`,
    /// each once, in the book's order: what `--emit typst` must copy so
    /// the typst CLI sets each role as zpbg does.
    pub fn chosen_files(&self, chosen: &ChosenFonts) -> Vec<&Path> {
        let families: HashSet<String> = [
            &chosen.title,
            &chosen.body,
            &chosen.heading1,
            &chosen.heading2,
            &chosen.latin,
        ]
        .into_iter()
        .flatten()
        .map(|f| f.to_lowercase())
        .collect();
        let mut files: Vec<&Path> = Vec::new();
        for face in &self.0.disk {
            let path = face.path.as_path();
            if families.contains(&face.info.family.to_lowercase()) && !files.contains(&path) {
                files.push(path);
            }
        }
        files
    }

    /// The faces a report set in `chosen` can draw with: every bundled
    /// face (the layouts' fallback chain holds them all), the faces of the
    /// chosen families, and the Latin face for what it is used for. A face
    /// loaded from disk that no role chose is not among them.
    pub fn used(&self, chosen: &ChosenFonts) -> UsedFonts<'_> {
        let bundled = Self::bundled();
        let mut families: HashSet<String> = (0..bundled.0.faces.len())
            .map(|i| bundled.info(i).family.to_lowercase())
            .collect();
        families.extend(
            [
                &chosen.title,
                &chosen.body,
                &chosen.heading1,
                &chosen.heading2,
            ]
            .into_iter()
            .flatten()
            .map(|f| f.to_lowercase()),
        );
        let of = |families: &HashSet<String>| {
            (0..self.0.faces.len())
                .filter(|&i| families.contains(&self.info(i).family.to_lowercase()))
                .collect::<Vec<_>>()
        };
        let latin: HashSet<String> = chosen.latin.iter().map(|f| f.to_lowercase()).collect();
        UsedFonts {
            set: self,
            faces: of(&families),
            latin: of(&latin),
        }
    }
}

/// The fonts a report is drawn with, for the glyph check.
pub struct UsedFonts<'a> {
    set: &'a FontSet,
    faces: Vec<usize>,
    /// The Latin face, which the layouts use only for Latin letters and
    /// digits.
    latin: Vec<usize>,
}

impl UsedFonts<'_> {
    /// Whether a used face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        let has = |i: &usize| self.set.info(*i).coverage.contains(c as u32);
        self.faces.iter().any(has) || (latin(c) && self.latin.iter().any(has))
    }
}

/// What `lib/gongwen.typ` sets in the Latin face (its `covers` regex):
/// Latin letters, digits and ASCII punctuation, not the middle dot Chinese
/// shares, nor any CJK, even where the face has them.
fn latin(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{B6}' | '\u{B8}'..='\u{24F}')
}

/// A `--font-path` that is not a folder.
#[derive(Debug)]
pub struct FontPathError {
    pub path: PathBuf,
}

/// A role of [`FontRoles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Title,
    Body,
    Heading1,
    Heading2,
    Latin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Title,
        Role::Body,
        Role::Heading1,
        Role::Heading2,
        Role::Latin,
    ];

    /// How a notice names the role.
    pub fn label(self) -> &'static str {
        match self {
            Role::Title => "标题",
            Role::Body => "正文",
            Role::Heading1 => "一级标题",
            Role::Heading2 => "二级标题",
            Role::Latin => "西文和数字",
        }
    }

    /// What the role falls back to, as a notice says it.
    pub fn fallback(self) -> &'static str {
        match self {
            Role::Title => "内置的 FandolSong Bold",
            Role::Body => "内置的 FandolFang",
            Role::Heading1 => "内置的 FandolHei",
            Role::Heading2 => "内置的 FandolKai",
            Role::Latin => "各角色内置字体（Fandol）自带的西文字形",
        }
    }

    fn wanted(self, roles: &FontRoles) -> &str {
        match self {
            Role::Title => &roles.title,
            Role::Body => &roles.body,
            Role::Heading1 => &roles.heading1,
            Role::Heading2 => &roles.heading2,
            Role::Latin => &roles.latin,
        }
    }

    fn slot(self, chosen: &mut ChosenFonts) -> &mut Option<String> {
        match self {
            Role::Title => &mut chosen.title,
            Role::Body => &mut chosen.body,
            Role::Heading1 => &mut chosen.heading1,
            Role::Heading2 => &mut chosen.heading2,
            Role::Latin => &mut chosen.latin,
        }
    }
}

/// The family each role is set in, as Typst names it; `None`: the bundled
/// face. Served to the layout as `fonts` in `/data.json`, where
/// `lib/gongwen.typ` puts each before the bundled face of its role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenFonts {
    pub title: Option<String>,
    pub body: Option<String>,
    pub heading1: Option<String>,
    pub heading2: Option<String>,
    pub latin: Option<String>,
}

/// A role whose mandated face is not loaded, so the bundled one stands in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Substitution {
    pub role: Role,
    /// The family the profile names.
    pub wanted: String,
}

impl fmt::Display for Substitution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "提示：未找到字体「{}」（{}），改用{}。",
            self.wanted,
            self.role.label(),
            self.role.fallback()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the templates use; Typst takes FandolFang's legacy family
    /// name (id 1), not its typographic one.
    const FAMILIES: &[&str] = &[
        "FandolSong",
        "FandolHei",
        "FandolKai",
        "FandolFang R",
        "Noto Serif CJK SC",
        "Droid Sans Fallback",
        "Noto Naskh Arabic",
        "Noto Serif Hebrew",
        "Noto Color Emoji",
    ];

    #[test]
    fn the_book_order_names_every_bundled_file_once() {
        let mut order = BUNDLED.to_vec();
        order.sort_unstable();
        order.dedup();
        let embedded: Vec<&str> = bundled::FONTS.iter().map(|font| font.name).collect();
        assert_eq!(order, embedded);
    }

    #[test]
    fn all_faces_parse_under_expected_families() {
        let set = FontSet::bundled();
        assert_eq!(set.0.faces.len(), BUNDLED.len());
        let families: Vec<&str> = set.book().families().map(|(name, _)| name).collect();
        for family in FAMILIES {
            assert!(families.contains(family), "{family} not in {families:?}");
        }
    }

    fn roles(title: &str, body: &str, heading1: &str, heading2: &str, latin: &str) -> FontRoles {
        FontRoles {
            title: title.into(),
            body: body.into(),
            heading1: heading1.into(),
            heading2: heading2.into(),
            latin: latin.into(),
        }
    }

    #[test]
    fn mandated_faces_missing_fall_back_with_one_notice_each() {
        let (chosen, notices) = FontSet::bundled().resolve(&FontRoles::default());
        assert_eq!(chosen, ChosenFonts::default());
        let lines: Vec<String> = notices.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "提示：未找到字体「方正小标宋简体」（标题），改用内置的 FandolSong Bold。",
                "提示：未找到字体「仿宋_GB2312」（正文），改用内置的 FandolFang。",
                "提示：未找到字体「黑体」（一级标题），改用内置的 FandolHei。",
                "提示：未找到字体「楷体_GB2312」（二级标题），改用内置的 FandolKai。",
                "提示：未找到字体「Times New Roman」（西文和数字），改用各角色内置字体（Fandol）自带的西文字形。",
            ]
        );
    }

    #[test]
    fn a_role_finds_a_loaded_family_by_any_of_its_names() {
        // FandolFang's typographic family (name id 16) finds the family
        // Typst knows it by; case and spaces around do not matter.
        let (chosen, notices) = FontSet::bundled().resolve(&roles(
            "fandolsong",
            " FandolFang ",
            "FANDOLHEI",
            "方正楷体",
            "Noto Serif Hebrew",
        ));
        assert_eq!(chosen.title.as_deref(), Some("FandolSong"));
        assert_eq!(chosen.body.as_deref(), Some("FandolFang R"));
        assert_eq!(chosen.heading1.as_deref(), Some("FandolHei"));
        assert_eq!(chosen.heading2, None);
        assert_eq!(chosen.latin.as_deref(), Some("Noto Serif Hebrew"));
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].role, Role::Heading2);
        assert_eq!(notices[0].wanted, "方正楷体");
    }

    #[test]
    fn a_role_is_a_family_name_never_a_file() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/FandolFang-Regular.otf");
        let (chosen, notices) =
            FontSet::bundled().resolve(&roles(path, "../fonts/FandolKai-Regular.otf", "", "", ""));
        assert_eq!(chosen, ChosenFonts::default());
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[0].wanted, path);
    }

    #[test]
    fn an_empty_role_asks_for_nothing() {
        let (chosen, notices) = FontSet::bundled().resolve(&roles("", "", " ", "", ""));
        assert_eq!(chosen, ChosenFonts::default());
        assert!(notices.is_empty());
    }

    #[test]
    fn no_sources_is_the_bundled_set_and_a_missing_folder_an_error() {
        let set = FontSet::load(&FontSources::default()).unwrap();
        assert!(Arc::ptr_eq(&set.0, &FontSet::bundled().0));
        let missing = std::env::temp_dir().join("zpbg-no-such-font-folder");
        let err = FontSet::load(&FontSources {
            dirs: vec![missing.clone()],
            system: false,
        });
        assert!(matches!(err, Err(FontPathError { path }) if path == missing));
    }

    #[test]
    fn fonts_from_a_folder_come_after_the_bundled_ones_and_load_lazily() {
        let dir = std::env::temp_dir().join(format!("zpbg-fonts-unit-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let file = dir.join("sub/hebrew.TTF");
        std::fs::write(&file, packed("NotoSerifHebrew-Regular.ttf").bytes(None)).unwrap();
        let set = FontSet::load(&FontSources {
            dirs: vec![dir.clone()],
            system: false,
        })
        .unwrap();
        assert_eq!(set.disk().len(), 1);
        let index = BUNDLED.len();
        assert_eq!(set.book().info(index).unwrap().family, "Noto Serif Hebrew");
        // The child process rebuilds the same book from the list.
        let json = serde_json::to_string(set.disk()).unwrap();
        let again = FontSet::with_disk(serde_json::from_str(&json).unwrap());
        assert_eq!(again.book().info(index), set.book().info(index));
        assert!(again.font(index).is_some());
        std::fs::remove_dir_all(&dir).unwrap();
        // Read on first use, and kept: the file is gone now.
        assert!(set.font(index).is_none());
        assert!(again.font(index).is_some());
    }

    #[test]
    fn the_glyph_check_counts_chosen_faces_and_latin_only_for_latin() {
        let set = FontSet::bundled();
        let none = set.used(&ChosenFonts::default());
        assert!(none.covers('仿') && !none.covers('\u{E000}'));
        assert!(
            latin('A') && latin('5') && latin('é') && !latin('·') && !latin('“') && !latin('仿')
        );
    }

    #[test]
    fn covers_symbols_fandol_lacks() {
        let set = FontSet::bundled();
        for c in "≦⑪⑫㎡²仿宋䶮".chars() {
            assert!(set.covers(c), "{c}");
        }
        assert!(!set.covers('\u{E000}'));
    }

    #[test]
    fn covers_right_to_left_scripts_and_emoji() {
        let set = FontSet::bundled();
        for c in "مرحبا بالعالم ٠١٢ שלום עולם 😀👍🏽🇨🇳🥲🫠".chars()
        {
            assert!(set.covers(c), "{c} U+{:04X}", c as u32);
        }
    }
}
