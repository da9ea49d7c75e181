//! Picture previews: `gen --section ID --format png|svg -o DIR` writes one
//! picture per page of the section, `DIR/<section>-1.png`…, at the size
//! `--ppi` gives, the same bytes for the same facts.

use std::path::Path;
use std::process::Command;

use crate::harness::{assert_ok, names, root, scratch, stderr, zpbg};

/// Each page's width and height in points, as `pdfinfo` reads them.
fn page_sizes(pdf: &Path) -> Vec<(f64, f64)> {
    let out = Command::new("pdfinfo")
        .args(["-f", "1", "-l", "9999", pdf.to_str().unwrap()])
        .output()
        .expect("pdfinfo (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|line| line.starts_with("Page") && line.contains(" size: "))
        .map(|line| {
            // 「Page    1 size: 595.28 x 841.89 pts (A4)」
            let size = line.split(" size: ").nth(1).unwrap();
            let mut numbers = size.split_whitespace();
            let width = numbers.next().unwrap().parse().unwrap();
            assert_eq!(numbers.next(), Some("x"));
            let height = numbers.next().unwrap().parse().unwrap();
            (width, height)
        })
        .collect()
}

/// The size of a PNG, decoded whole, so a broken image fails here.
fn decoded_size(bytes: &[u8]) -> (u32, u32) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).expect("PNG pixels decode");
    (info.width, info.height)
}

#[test]
fn png_preview_has_a_picture_per_page_of_the_section_at_the_ppi() {
    let dir = scratch("png");
    let facts = root().join("data/example.toml");
    let facts = facts.to_str().unwrap();
    let pdf = dir.join("problems.pdf");
    let pdf = pdf.to_str().unwrap();
    assert_ok(&zpbg(&["gen", facts, "--section", "problems", "-o", pdf]));
    let sizes = page_sizes(Path::new(pdf));
    assert!(!sizes.is_empty());

    let ppi = 96.0;
    let pictures = dir.join("png");
    let run = || {
        let out = zpbg(&[
            "gen",
            facts,
            "--section",
            "problems",
            "--format",
            "png",
            "--ppi",
            "96",
            "-o",
            pictures.to_str().unwrap(),
        ]);
        assert_ok(&out);
        assert!(stderr(&out).contains("页图片"), "{}", stderr(&out));
    };
    run();
    let expected: Vec<String> = (1..=sizes.len())
        .map(|n| format!("problems-{n}.png"))
        .collect();
    assert_eq!(names(&pictures), expected);
    let first: Vec<Vec<u8>> = (expected.iter())
        .map(|name| std::fs::read(pictures.join(name)).unwrap())
        .collect();
    for ((name, bytes), (width, height)) in expected.iter().zip(&first).zip(&sizes) {
        // As typst-render sizes a page: points × pixels per point, rounded.
        let px = |pt: f64| (pt * ppi / 72.0).round() as u32;
        assert_eq!(decoded_size(bytes), (px(*width), px(*height)), "{name}");
    }

    // Same facts, same bytes; a picture of a page the section no longer has
    // is removed.
    std::fs::write(
        pictures.join(format!("problems-{}.png", sizes.len() + 1)),
        b"old",
    )
    .unwrap();
    run();
    assert_eq!(names(&pictures), expected);
    for (name, bytes) in expected.iter().zip(&first) {
        assert_eq!(
            &std::fs::read(pictures.join(name)).unwrap(),
            bytes,
            "{name}"
        );
    }
}

#[test]
fn svg_preview_writes_a_picture_per_page() {
    let dir = scratch("svg");
    let facts = root().join("data/example.toml");
    let out = zpbg(&[
        "gen",
        facts.to_str().unwrap(),
        "--section",
        "problems",
        "--format",
        "svg",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let names = names(&dir);
    assert!(!names.is_empty());
    for (n, name) in names.iter().enumerate() {
        assert_eq!(name, &format!("problems-{}.svg", n + 1));
        let svg = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{name}");
    }
}

#[test]
fn pictures_are_not_combined_with_other_formats() {
    let dir = scratch("mixed");
    let facts = root().join("data/example.toml");
    let out = zpbg(&[
        "gen",
        facts.to_str().unwrap(),
        "--format",
        "pdf,png",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("须单独使用"), "{}", stderr(&out));
    assert!(names(&dir).is_empty());
}
