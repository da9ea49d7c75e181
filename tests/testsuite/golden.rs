//! The built-in profiles' PDFs (and the bureau profile fixture's) stay byte
//! for byte what they were: each is hashed and compared with
//! tests/golden/pdf.sha256, so a refactoring that moves a pixel fails here.
//! An intended change re-blesses the file with `ZPBG_BLESS=1`.

use sha2::{Digest, Sha256};

use crate::harness::{assert_ok, read, root, scratch, zpbg};

const GOLDEN: &str = "tests/golden/pdf.sha256";
const BLESS: &str = "ZPBG_BLESS=1 cargo test --test testsuite golden";

/// (output name, arguments of `zpbg gen` before `-o`).
const CASES: &[(&str, &[&str])] = &[
    ("ex.pdf", &["data/example.toml"]),
    (
        "ref000.pdf",
        &["tests/fixtures/ref000.toml", "--profile", "hunan-2020"],
    ),
    (
        "ref001.pdf",
        &["tests/fixtures/ref001.toml", "--profile", "henan-2022"],
    ),
    ("ref002.pdf", &["tests/fixtures/ref002.toml"]),
    (
        "custom.pdf",
        &[
            "tests/fixtures/custom-facts.toml",
            "--profile",
            "tests/fixtures/custom-profile",
        ],
    ),
];

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The checked-in hashes as (name, hash), in `sha256sum` format; lines
/// starting with `#` are comments.
fn golden() -> Vec<(String, String)> {
    read(GOLDEN)
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (hash, name) = line
                .split_once("  ")
                .unwrap_or_else(|| panic!("{GOLDEN}: not 「hash  name」: {line}"));
            (name.to_string(), hash.to_string())
        })
        .collect()
}

#[test]
fn builtin_pdfs_are_byte_identical_to_the_blessed_ones() {
    let dir = scratch("pdfs");
    // Paths are relative, as a user types them: cargo runs tests from the
    // package root.
    let actual: Vec<(String, String)> = CASES
        .iter()
        .map(|(name, args)| {
            let pdf = dir.join(name);
            let mut full = vec!["gen"];
            full.extend_from_slice(args);
            full.extend(["-o", pdf.to_str().unwrap()]);
            assert_ok(&zpbg(&full));
            (name.to_string(), sha256(&std::fs::read(&pdf).unwrap()))
        })
        .collect();

    if std::env::var("ZPBG_BLESS").is_ok_and(|v| v == "1") {
        let mut text = format!(
            "# SHA-256 of the PDFs tests/testsuite/golden.rs makes; rewritten by\n# {BLESS}\n"
        );
        for (name, hash) in &actual {
            text.push_str(&format!("{hash}  {name}\n"));
        }
        std::fs::write(root().join(GOLDEN), text).unwrap();
        return;
    }

    let expected = golden();
    let mut changed = Vec::new();
    for ((name, args), (_, hash)) in CASES.iter().zip(&actual) {
        let blessed = expected.iter().find(|(n, _)| n == name).map(|(_, h)| h);
        if blessed != Some(hash) {
            changed.push(format!(
                "  `zpbg gen {}` → {name}\n    blessed {}\n    now     {hash}",
                args.join(" "),
                blessed.map_or("(none)", String::as_str),
            ));
        }
    }
    for (name, _) in &expected {
        if !CASES.iter().any(|(n, _)| n == name) {
            changed.push(format!("  {name} is blessed but no longer made"));
        }
    }
    assert!(
        changed.is_empty(),
        "PDF output changed (compared with {GOLDEN}):\n{}\n\
         The new PDFs are kept in {}.\n\
         Only if the change is intended, re-bless with `{BLESS}` \
         and say why in the commit.",
        changed.join("\n"),
        dir.display(),
    );
}
