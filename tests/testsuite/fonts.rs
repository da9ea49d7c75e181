//! The fonts a bureau mandates (`[fonts]` in profile.toml): `--font-path`
//! and `--system-fonts` add fonts, each role uses its mandated face when a
//! loaded font has that family, and falls back to a bundled face with a
//! notice otherwise; the glyph check counts only the fonts in use.
//!
//! The mandated faces are not free, so the tests make one: a copy of the
//! bundled FandolFang (OFL) whose `name` table says 仿宋_GB2312
//! (FangSong_GB2312 in English) and whose `cmap` also maps U+E123, a
//! character no bundled font draws.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{assert_ok, names, read, root, scratch, stderr, zpbg};

/// The family the built-in profiles mandate for 正文, in Chinese and in
/// English, and the PostScript name the renamed copy gets.
const BODY_ZH: &str = "仿宋_GB2312";
const BODY_EN: &str = "FangSong_GB2312";
/// As long as FandolFang's own 「FandolFang-Regular」, which its CFF table
/// repeats and the PDF names it by: the same length keeps the CFF's offsets.
const BODY_PS: &str = "FangSong_GB2312-Rg";
/// A private-use character only the renamed copy draws.
const RARE: char = '\u{E123}';

/// `dir/name`: FandolFang renamed to `family_en`/`family_zh` with the
/// PostScript name `ps` (18 bytes), with `RARE` mapped to the glyph of 仿.
fn renamed_font(dir: &Path, name: &str, family_en: &str, family_zh: &str, ps: &str) -> PathBuf {
    const OLD_PS: &[u8] = b"FandolFang-Regular";
    assert_eq!(ps.len(), OLD_PS.len());
    let mut data = std::fs::read(root().join("fonts/FandolFang-Regular.otf")).unwrap();
    let mut at = 0;
    while let Some(i) = data[at..].windows(OLD_PS.len()).position(|w| w == OLD_PS) {
        data[at + i..at + i + OLD_PS.len()].copy_from_slice(ps.as_bytes());
        at += i + OLD_PS.len();
    }
    let face = ttf_parser::Face::parse(&data, 0).unwrap();
    let mut map: BTreeMap<u32, u16> = BTreeMap::new();
    for sub in face.tables().cmap.unwrap().subtables {
        if !sub.is_unicode() {
            continue;
        }
        sub.codepoints(|cp| {
            if let Some(g) = sub.glyph_index(cp) {
                map.entry(cp).or_insert(g.0);
            }
        });
    }
    let fang = face.glyph_index('仿').unwrap().0;
    map.insert(RARE as u32, fang);
    let names = [
        (0x0409, 1, family_en),
        (0x0409, 2, "Regular"),
        (0x0409, 4, family_en),
        (0x0409, 6, ps),
        (0x0409, 16, family_en),
        (0x0804, 1, family_zh),
        (0x0804, 2, "Regular"),
        (0x0804, 4, family_zh),
        (0x0804, 16, family_zh),
    ];
    let font = replace_tables(
        &data,
        &[(*b"name", name_table(&names)), (*b"cmap", cmap_table(&map))],
    );
    let path = dir.join(name);
    std::fs::write(&path, font).unwrap();
    path
}

/// A `name` table (format 0) of Windows Unicode records (language, name id,
/// text), which must come sorted.
fn name_table(records: &[(u16, u16, &str)]) -> Vec<u8> {
    let mut strings = Vec::new();
    let mut out = Vec::new();
    out.extend(0u16.to_be_bytes());
    out.extend((records.len() as u16).to_be_bytes());
    out.extend((6 + 12 * records.len() as u16).to_be_bytes());
    for &(language, id, text) in records {
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for v in [
            3u16,
            1,
            language,
            id,
            utf16.len() as u16,
            strings.len() as u16,
        ] {
            out.extend(v.to_be_bytes());
        }
        strings.extend(utf16);
    }
    out.extend(strings);
    out
}

/// A `cmap` table with one format 12 subtable (Windows, full Unicode).
fn cmap_table(map: &BTreeMap<u32, u16>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0u16.to_be_bytes());
    out.extend(1u16.to_be_bytes());
    out.extend(3u16.to_be_bytes());
    out.extend(10u16.to_be_bytes());
    out.extend(12u32.to_be_bytes());
    out.extend(12u16.to_be_bytes());
    out.extend(0u16.to_be_bytes());
    out.extend((16 + 12 * map.len() as u32).to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend((map.len() as u32).to_be_bytes());
    for (&cp, &glyph) in map {
        out.extend(cp.to_be_bytes());
        out.extend(cp.to_be_bytes());
        out.extend(u32::from(glyph).to_be_bytes());
    }
    out
}

/// The font with the named tables replaced: the new ones are appended and
/// the table directory points at them (the old bytes stay, unreferenced).
fn replace_tables(font: &[u8], tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut out = font.to_vec();
    let count = u16::from_be_bytes([font[4], font[5]]) as usize;
    for (tag, table) in tables {
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        let offset = out.len() as u32;
        out.extend(table);
        let entry = (0..count)
            .map(|i| 12 + 16 * i)
            .find(|&at| &font[at..at + 4] == tag)
            .expect("the font has the table");
        let sum = table
            .chunks(4)
            .map(|c| {
                let mut word = [0u8; 4];
                word[..c.len()].copy_from_slice(c);
                u32::from_be_bytes(word)
            })
            .fold(0u32, u32::wrapping_add);
        out[entry + 4..entry + 8].copy_from_slice(&sum.to_be_bytes());
        out[entry + 8..entry + 12].copy_from_slice(&offset.to_be_bytes());
        out[entry + 12..entry + 16].copy_from_slice(&(table.len() as u32).to_be_bytes());
    }
    out
}

/// The font names `pdffonts` lists for a PDF.
fn pdf_fonts(pdf: &Path) -> String {
    let out = Command::new("pdffonts")
        .arg(pdf)
        .output()
        .expect("pdffonts (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn generate(facts: &Path, pdf: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["gen", facts.to_str().unwrap(), "-o", pdf.to_str().unwrap()];
    args.extend(extra);
    zpbg(&args)
}

fn example() -> PathBuf {
    root().join("data/example.toml")
}

#[test]
fn a_mandated_face_on_the_font_path_sets_its_role_and_drops_its_notice() {
    let dir = scratch("mandated");
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(fonts.join("nested")).unwrap();
    renamed_font(
        &fonts.join("nested"),
        "fangsong.otf",
        BODY_EN,
        BODY_ZH,
        BODY_PS,
    );

    // Without it: one notice per role, naming what stands in.
    let bare = dir.join("bare.pdf");
    let out = generate(&example(), &bare, &[]);
    assert_ok(&out);
    let err = stderr(&out);
    for line in [
        "提示：未找到字体「方正小标宋简体」（标题），改用内置的 FandolSong Bold。",
        "提示：未找到字体「仿宋_GB2312」（正文），改用内置的 FandolFang。",
        "提示：未找到字体「黑体」（一级标题），改用内置的 FandolHei。",
        "提示：未找到字体「楷体_GB2312」（二级标题），改用内置的 FandolKai。",
        "提示：未找到字体「Times New Roman」（西文和数字）",
    ] {
        assert_eq!(err.matches(line).count(), 1, "{line} once in:\n{err}");
    }
    assert!(!pdf_fonts(&bare).contains(BODY_PS));

    // With it: the body is set in it and only the other roles substitute.
    let with = dir.join("with.pdf");
    let out = generate(&example(), &with, &["--font-path", fonts.to_str().unwrap()]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(!err.contains("（正文）"), "{err}");
    assert_eq!(err.matches("提示：未找到字体").count(), 4, "{err}");
    let listed = pdf_fonts(&with);
    assert!(listed.contains(&format!("+{BODY_PS}")), "{listed}");
    // The bundled FandolFang still stands behind it, for what it lacks.
    assert_ne!(std::fs::read(&bare).unwrap(), std::fs::read(&with).unwrap());
}

#[test]
fn a_profile_naming_a_face_by_its_english_family_finds_it_too() {
    let dir = scratch("english");
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    renamed_font(&fonts, "heiti.otf", "SimHei", "黑体", "SimHei-Regular-Tst");
    let profile = dir.join("profile");
    crate::harness::custom_profile(&dir, "profile", &[]);
    let manifest = std::fs::read_to_string(profile.join("profile.toml")).unwrap();
    std::fs::write(
        profile.join("profile.toml"),
        format!("{manifest}\n[fonts]\nheading1 = \"simhei\"\nbody = \"\"\n"),
    )
    .unwrap();
    let pdf = dir.join("r.pdf");
    let out = zpbg(&[
        "gen",
        root()
            .join("tests/fixtures/custom-facts.toml")
            .to_str()
            .unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--font-path",
        fonts.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let err = stderr(&out);
    // Found (case does not matter), and an empty role asks for nothing.
    assert!(
        !err.contains("（一级标题）") && !err.contains("（正文）"),
        "{err}"
    );
    assert!(err.contains("（标题）"), "{err}");
    // The profile is not built in, so a child process laid it out, reading
    // the face from the folder itself.
    let listed = pdf_fonts(&pdf);
    assert!(listed.contains("+SimHei-Regular-Tst"), "{listed}");
}

#[test]
fn batch_prints_each_notice_once_and_uses_the_font_path() {
    let dir = scratch("batch");
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    renamed_font(&fonts, "fangsong.otf", BODY_EN, BODY_ZH, BODY_PS);
    let units = dir.join("units");
    std::fs::create_dir_all(&units).unwrap();
    for name in ["a", "b"] {
        std::fs::write(
            units.join(format!("{name}.toml")),
            read("data/example.toml"),
        )
        .unwrap();
    }
    let out_dir = dir.join("out");
    let out = zpbg(&[
        "batch",
        units.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        "--jobs",
        "1",
        "--font-path",
        fonts.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let err = stderr(&out);
    assert_eq!(err.matches("（标题）").count(), 1, "{err}");
    assert!(!err.contains("（正文）"), "{err}");
    assert!(pdf_fonts(&out_dir.join("a.pdf")).contains(&format!("+{BODY_PS}")));
}

#[test]
fn a_character_only_a_font_path_face_draws_needs_that_face_in_use() {
    let dir = scratch("glyph");
    let facts = dir.join("rare.toml");
    std::fs::write(
        &facts,
        read("data/example.toml")
            .replace("preparer = \"王某某\"", &format!("preparer = \"王{RARE}\"")),
    )
    .unwrap();
    let used = dir.join("used");
    let unused = dir.join("unused");
    std::fs::create_dir_all(&used).unwrap();
    std::fs::create_dir_all(&unused).unwrap();
    renamed_font(&used, "fangsong.otf", BODY_EN, BODY_ZH, BODY_PS);
    // The same glyphs under a family no role names: loaded, but not used.
    renamed_font(
        &unused,
        "other.otf",
        "Some Other Face",
        "别的字体",
        "SomeOtherFace-Regu",
    );
    let pdf = dir.join("r.pdf");

    for (args, ok) in [
        (vec![], false),
        (vec!["--font-path", unused.to_str().unwrap()], false),
        (vec!["--font-path", used.to_str().unwrap()], true),
    ] {
        let out = generate(&facts, &pdf, &args);
        let err = stderr(&out);
        assert_eq!(out.status.success(), ok, "{args:?}: {err}");
        if !ok {
            assert!(
                err.contains("report.preparer") && err.contains("U+E123"),
                "{err}"
            );
        }
        let mut check = vec!["check", facts.to_str().unwrap()];
        check.extend(&args);
        let out = zpbg(&check);
        assert_eq!(out.status.success(), ok, "check {args:?}: {}", stderr(&out));
    }
}

#[test]
fn system_fonts_can_be_added() {
    let dir = scratch("system");
    let pdf = dir.join("r.pdf");
    let out = generate(&example(), &pdf, &["--system-fonts"]);
    assert_ok(&out);
    assert!(pdf_text_starts(&pdf));
}

fn pdf_text_starts(pdf: &Path) -> bool {
    crate::harness::pdf_text(pdf).contains("部门整体支出绩效自评报告")
}

#[test]
fn a_font_path_that_is_not_a_folder_is_refused() {
    let dir = scratch("nofolder");
    let out = generate(
        &example(),
        &dir.join("r.pdf"),
        &["--font-path", dir.join("missing").to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--font-path"), "{}", stderr(&out));
}

#[test]
fn the_latin_face_sets_latin_and_digits_only() {
    let dir = scratch("latin");
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    // It has every Chinese glyph FandolFang has, yet only Latin letters and
    // digits may come from it.
    renamed_font(
        &fonts,
        "times.otf",
        "Times New Roman",
        "Times New Roman",
        "TimesNewRomanPS-Rg",
    );
    let pdf = dir.join("r.pdf");
    let out = generate(&example(), &pdf, &["--font-path", fonts.to_str().unwrap()]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(!err.contains("（西文和数字）"), "{err}");
    let listed = pdf_fonts(&pdf);
    assert!(listed.contains("+TimesNewRomanPS-Rg"), "{listed}");
    assert!(listed.contains("+FandolFang-Regular"), "{listed}");
}

#[test]
fn the_title_face_sets_the_titles() {
    let dir = scratch("title");
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    // Same length as FandolFang-Regular, which the CFF patch needs.
    let ps = "FZXiaoBiaoSong-B05";
    renamed_font(
        &fonts,
        "xbs.otf",
        "FZXiaoBiaoSong-B05S",
        "方正小标宋简体",
        ps,
    );
    let pdf = dir.join("r.pdf");
    let out = generate(&example(), &pdf, &["--font-path", fonts.to_str().unwrap()]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(!err.contains("（标题）"), "{err}");
    let listed = pdf_fonts(&pdf);
    assert!(listed.contains(&format!("+{ps}")), "{listed}");
}

#[test]
fn emit_typst_copies_the_font_path_faces_a_role_uses() {
    let dir = scratch("emit");
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    renamed_font(&fonts, "fangsong.otf", BODY_EN, BODY_ZH, BODY_PS);
    // A face no role asks for stays behind.
    renamed_font(
        &fonts,
        "other.otf",
        "Unused Face",
        "无用字体",
        "UnusedFace-Regular",
    );
    let out_dir = dir.join("src");
    let out = zpbg(&[
        "gen",
        example().to_str().unwrap(),
        "--emit",
        "typst",
        "-o",
        out_dir.to_str().unwrap(),
        "--font-path",
        fonts.to_str().unwrap(),
    ]);
    assert_ok(&out);
    assert_eq!(names(&out_dir.join("fonts/added")), ["1-fangsong.otf"]);
    assert_eq!(
        std::fs::read(out_dir.join("fonts/added/1-fangsong.otf")).unwrap(),
        std::fs::read(fonts.join("fangsong.otf")).unwrap()
    );
    let data = std::fs::read_to_string(out_dir.join("data.json")).unwrap();
    let served: serde_json::Value = serde_json::from_str(&data).unwrap();
    let body = served["fonts"]["body"].as_str().unwrap();
    assert!(body == BODY_EN || body == BODY_ZH, "{body}");
    // The bundled fonts are written unpacked, as the typst CLI reads them.
    assert_eq!(
        std::fs::read(out_dir.join("fonts/FandolFang-Regular.otf")).unwrap(),
        std::fs::read(root().join("fonts/FandolFang-Regular.otf")).unwrap()
    );
}
