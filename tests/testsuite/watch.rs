//! `zpbg watch` on a copy of the example: an edit to the facts updates the
//! PDF; a broken facts file is reported while the last PDF stays as it was;
//! the fix updates it again; Ctrl-C (SIGINT) ends the watch and leaves no
//! temporary file. Nothing here is timed: each step waits for its result
//! (up to a minute, for a slow machine).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{pdf_text, root, scratch};

const STEP: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(100);

/// Polls `ready` until it gives a value, failing the test with `what` and
/// the watch's messages after [`STEP`].
fn wait_for<T>(what: &str, log: &Path, mut ready: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = ready() {
            return value;
        }
        assert!(
            start.elapsed() < STEP,
            "waited {STEP:?} for {what}; zpbg watch said:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(POLL);
    }
}

/// Saves `text` as an editor does: a new file renamed over the old one.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("toml.new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Ends the watch if a step failed, so it does not outlive the test.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn watch_rerenders_on_change_keeps_the_last_pdf_on_error_and_ends_on_ctrl_c() {
    let dir = scratch("watch");
    let facts = dir.join("facts.toml");
    let example = std::fs::read_to_string(root().join("data/example.toml")).unwrap();
    std::fs::write(&facts, &example).unwrap();
    let out_dir = dir.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let pdf = out_dir.join("report.pdf");
    let log = dir.join("watch.log");
    let mut watch = Watch(
        Command::new(env!("CARGO_BIN_EXE_zpbg"))
            .args([
                "watch",
                facts.to_str().unwrap(),
                "-o",
                pdf.to_str().unwrap(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("zpbg runs"),
    );
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    let read_pdf = || std::fs::read(&pdf).ok();

    // The first round.
    let first = wait_for("the first PDF", &log, || {
        said().contains("已生成").then(read_pdf).flatten()
    });
    assert!(pdf_text(&pdf).contains("预算执行进度不够均衡"));

    // A problem's text changes: the PDF follows.
    let edited = example.replacen("预算执行进度不够均衡", "预算执行进度前松后紧", 1);
    assert_ne!(edited, example);
    save(&facts, &edited);
    let second = wait_for("the edited PDF", &log, || {
        read_pdf().filter(|bytes| *bytes != first)
    });
    assert!(pdf_text(&pdf).contains("预算执行进度前松后紧"));
    assert!(said().contains("已更新"), "{}", said());

    // Broken TOML: the error names the file, line and column, and the PDF
    // stays the last good one.
    let errors_before = said().matches("错误：").count();
    let broken = edited.replacen(
        "problem = \"预算执行进度前松后紧\"",
        "problem = \"预算执行进度前松后紧",
        1,
    );
    assert_ne!(broken, edited);
    save(&facts, &broken);
    let message = wait_for("the error", &log, || {
        let text = said();
        (text.matches("错误：").count() > errors_before).then_some(text)
    });
    let line = broken
        .lines()
        .position(|l| l.starts_with("problem = \"预算执行进度前松后紧"))
        .unwrap()
        + 1;
    assert!(
        message.contains(&format!("facts.toml:{line}:")),
        "the error names facts.toml:{line}:<column>:\n{message}"
    );
    assert!(message.contains("上次成功生成的结果"), "{message}");
    assert_eq!(read_pdf().as_ref(), Some(&second));

    // Fixed: updated again.
    let fixed = edited.replacen("预算执行进度前松后紧", "预算执行进度仍不均衡", 1);
    save(&facts, &fixed);
    wait_for("the fixed PDF", &log, || {
        read_pdf().filter(|bytes| *bytes != second)
    });
    assert!(pdf_text(&pdf).contains("预算执行进度仍不均衡"));

    // Ctrl-C ends it, as a shell reports an interrupted command.
    let pid = watch.0.id() as libc::pid_t;
    // SAFETY: signals the child this test started, still running.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = wait_for("the watch to end", &log, || watch.0.try_wait().unwrap());
    assert_eq!(status.code(), Some(130), "{}", said());
    for folder in [&dir as &Path, &out_dir] {
        for entry in std::fs::read_dir(folder).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                ["facts.toml", "out", "watch.log", "report.pdf"].contains(&name.as_str()),
                "left behind: {name}"
            );
        }
    }
}
