//! Helpers shared by the integration tests that run the real binary.

use std::path::PathBuf;
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

/// A scratch directory unique to one test of one test binary.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zpbg-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
