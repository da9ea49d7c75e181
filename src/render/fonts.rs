//! The bundled fonts, compiled into the binary so every machine typesets the
//! same report. They are parsed once per process (Typst reads glyph data
//! lazily) and a batch run shares the parsed set across units.

use std::sync::LazyLock;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

macro_rules! bundled {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/", $file)))),*]
    };
}

/// Each bundled face. The order is the font book's order, which only matters
/// as a tie-break when Typst picks a fallback.
static BUNDLED: &[(&str, &[u8])] = bundled![
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

/// Parsed fonts plus the metadata Typst selects from.
pub struct FontSet {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static BUNDLED_SET: LazyLock<FontSet> = LazyLock::new(|| {
    let fonts: Vec<Font> = BUNDLED
        .iter()
        .flat_map(|(_, data)| Font::iter(Bytes::new(*data)))
        .collect();
    FontSet {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// The bundled font files by name, for `--emit typst`.
pub fn bundled_files() -> &'static [(&'static str, &'static [u8])] {
    BUNDLED
}

impl FontSet {
    /// The bundled fonts, parsed on first use and shared afterwards.
    pub fn bundled() -> &'static FontSet {
        &BUNDLED_SET
    }

    pub(crate) fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    /// The font at `index` in [`FontSet::book`]; cheap, fonts are shared.
    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    /// Whether any font in the set has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.fonts
            .iter()
            .any(|f| f.info().coverage.contains(c as u32))
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
    fn all_faces_parse_under_expected_families() {
        let set = FontSet::bundled();
        assert_eq!(set.fonts.len(), BUNDLED.len());
        let families: Vec<&str> = set.book.families().map(|(name, _)| name).collect();
        for family in FAMILIES {
            assert!(families.contains(family), "{family} not in {families:?}");
        }
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
