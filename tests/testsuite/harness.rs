//! Helpers shared by the integration tests that run the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn zpbg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zpbg"))
        .args(args)
        .output()
        .expect("zpbg runs")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of the repository, by its path from the root, as text.
pub fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

/// Fails the test with zpbg's own message unless the run succeeded.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "zpbg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scratch directory unique to one test of the suite. It is removed when
/// the test passes and kept for inspection when it fails.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// `name` need only be unique within its test module: the directory also
/// carries the name of the calling module's file, so two modules that both
/// ask for, say, "glyph" still get a directory each.
#[track_caller]
pub fn scratch(name: &str) -> Scratch {
    let module = Path::new(std::panic::Location::caller().file())
        .file_stem()
        .expect("a source file")
        .to_string_lossy();
    let dir =
        std::env::temp_dir().join(format!("zpbg-test-{}-{module}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// Text as the reader sees it: no whitespace and none of the invisible
/// characters (zero-width breaks, direction marks and embeddings) the layout
/// or the text extraction may insert.
pub fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(*c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060 | 0x2066..=0x2069)
        })
        .collect()
}

/// The PDF's text, squashed, so checks ignore where lines and cells break.
pub fn pdf_text(pdf: &Path) -> String {
    let output = Command::new("pdftotext")
        .args(["-raw", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(output.status.success());
    squash(&String::from_utf8(output.stdout).unwrap())
}

/// `zpbg gen FACTS --profile PROFILE -o PDF`.
pub fn gen_with(facts: &Path, profile: &Path, pdf: &Path) -> Output {
    zpbg(&[
        "gen",
        facts.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
    ])
}

/// What zpbg printed on stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Makes a FIFO at `path`, the input that once made zpbg read forever.
pub fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// A copy of the custom profile fixture as `dir/name`, with `changes`
/// (file, text) written over it: a bureau's own profile to break on purpose.
pub fn custom_profile(dir: &Path, name: &str, changes: &[(&str, &str)]) -> PathBuf {
    let target = dir.join(name);
    std::fs::create_dir_all(target.join("sections")).unwrap();
    let source = root().join("tests/fixtures/custom-profile");
    for file in [
        "profile.toml",
        "framework.toml",
        "report.typ",
        "sections/summary.tera",
        "sections/issues.tera",
    ] {
        std::fs::copy(source.join(file), target.join(file)).unwrap();
    }
    for (file, text) in changes {
        std::fs::write(target.join(file), text).unwrap();
    }
    target
}

/// Converts `file` with LibreOffice headless (`--convert-to to`) into
/// `dir`. Without LibreOffice, `test` is skipped with a message naming the
/// Debian `package` to install, except in CI (`CI` set), where it fails.
pub fn libreoffice_convert(test: &str, package: &str, file: &Path, to: &str, dir: &Path) -> bool {
    let Some(soffice) = ["soffice", "libreoffice"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run {test}: soffice is not installed (apt-get install {package})"
        );
        eprintln!("SKIPPED {test}: soffice is not installed (apt-get install {package})");
        return false;
    };
    // A profile of its own, so a desktop LibreOffice left open does not
    // take the conversion over.
    let profile = format!("-env:UserInstallation=file://{}/lo", dir.display());
    let out = Command::new(soffice)
        .args([&profile, "--headless", "--convert-to", to, "--outdir"])
        .arg(dir)
        .arg(file)
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// The file names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
