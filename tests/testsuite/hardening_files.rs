//! Files under hostile or careless use: batch output names that would
//! collide, inputs too large or not files at all, outputs that would replace
//! the inputs, and temporary files that outlive an interrupted run.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::harness::{
    assert_ok, custom_profile, mkfifo, names, pdf_text, read, root, scratch, squash, stderr, zpbg,
};

fn batch(inputs: &[&Path], out: &Path) -> std::process::Output {
    let mut args = vec!["batch".to_owned()];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap().to_owned()));
    args.extend(["-o".to_owned(), out.to_str().unwrap().to_owned()]);
    zpbg(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn batch_outputs_keep_the_whole_file_name() {
    let dir = scratch("names");
    let (units, out) = (dir.join("units"), dir.join("out"));
    std::fs::create_dir_all(&units).unwrap();
    let example = read("data/example.toml");
    for name in ["汇总表.2024.toml", "x.y.toml", "x.z.toml"] {
        std::fs::write(units.join(name), &example).unwrap();
    }
    let output = batch(&[&units], &out);
    assert_ok(&output);
    assert_eq!(
        names(&out),
        [
            "x.y.pdf",
            "x.z.pdf",
            "汇总表.2024.pdf",
            "汇总表.csv",
            "汇总表.pdf",
            "汇总表.xlsx"
        ]
    );
    // The unit's report is its own, not the summary written over it.
    let unit = pdf_text(&out.join("汇总表.2024.pdf"));
    assert!(!unit.contains("自评结果汇总表"), "{unit}");
}

#[test]
fn clashing_names_fail_the_batch_before_anything_is_written() {
    let dir = scratch("clash");
    let example = read("data/example.toml");
    for (sub, name) in [("a", "x.toml"), ("b", "X.toml"), ("c", "汇总表.toml")] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join(name), &example).unwrap();
    }
    let out = dir.join("out");
    let output = batch(&[&dir.join("a"), &dir.join("b"), &dir.join("c")], &out);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    for needle in ["x.toml", "X.toml", "汇总表.toml", "留给汇总表"] {
        assert!(err.contains(needle), "{err}");
    }
    assert!(!out.exists(), "{:?}", names(&out));
}

/// Runs zpbg, failing the test when it has not ended within a generous
/// budget (`ZPBG_TEST_BUDGET` seconds, 120 by default): the inputs here are
/// ones that used to hang it.
fn zpbg_within_budget(args: &[&str]) -> std::process::Output {
    let budget: u64 = std::env::var("ZPBG_TEST_BUDGET")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let mut child = Command::new(env!("CARGO_BIN_EXE_zpbg"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..budget * 10 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    panic!("zpbg {args:?} still running after {budget} s");
}

#[test]
fn a_huge_facts_file_is_refused_with_its_size() {
    let dir = scratch("huge");
    let facts = dir.join("huge.toml");
    let padding = format!("# {}\n", "x".repeat(1000)).repeat(5 * 1024);
    std::fs::write(&facts, read("data/example.toml") + &padding).unwrap();
    for command in ["check", "score", "gen"] {
        let out = zpbg(&[command, facts.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains("huge.toml") && err.contains("4.9 MB") && err.contains("最大 4 MB"),
            "{command}: {err}"
        );
    }
}

#[test]
fn fifos_devices_and_folders_are_refused_as_inputs() {
    let dir = scratch("special");
    let fifo = dir.join("fifo.toml");
    mkfifo(&fifo);
    for (path, kind) in [
        (fifo.as_path(), "命名管道"),
        (Path::new("/dev/zero"), "设备文件"),
        (dir.as_ref(), "目录"),
    ] {
        let out = zpbg_within_budget(&["check", path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(kind), "{err}");
    }
}

#[test]
fn a_fifo_among_a_batch_fails_its_unit_only() {
    let dir = scratch("batchfifo");
    let (units, out) = (dir.join("units"), dir.join("out"));
    std::fs::create_dir_all(&units).unwrap();
    std::fs::write(units.join("good.toml"), read("data/example.toml")).unwrap();
    mkfifo(&units.join("fifo.toml"));
    let output = zpbg_within_budget(&[
        "batch",
        units.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("fifo.toml") && err.contains("命名管道"),
        "{err}"
    );
    assert!(out.join("good.pdf").exists(), "{err}");
}

#[test]
fn a_profile_folder_is_read_only_for_profile_files_within_limits() {
    let dir = scratch("profile");
    let profile = custom_profile(&dir, "profile", &[]);
    let facts = root().join("tests/fixtures/custom-facts.toml");
    let score = |profile: &Path| {
        zpbg_within_budget(&[
            "score",
            facts.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ])
    };
    // A large file no profile uses is not read.
    std::fs::write(profile.join("backup.zip"), vec![0u8; 5 << 20]).unwrap();
    assert_ok(&score(&profile));
    // A large template is refused, named with its size.
    std::fs::write(profile.join("big.typ"), vec![b'/'; 5 << 20]).unwrap();
    let err = stderr(&score(&profile));
    assert!(err.contains("big.typ") && err.contains("5 MB"), "{err}");
    std::fs::remove_file(profile.join("big.typ")).unwrap();
    // Too many entries, as in `--profile /usr`.
    let many = profile.join("many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..1000 {
        std::fs::write(many.join(format!("{i}.txt")), "").unwrap();
    }
    let err = stderr(&score(&profile));
    assert!(err.contains("超过 1000 个"), "{err}");
    std::fs::remove_dir_all(&many).unwrap();
    // Folders nested too deep.
    let deep: PathBuf = (0..10).map(|i| format!("d{i}")).collect();
    std::fs::create_dir_all(profile.join(&deep)).unwrap();
    let err = stderr(&score(&profile));
    assert!(err.contains("超过 8 层"), "{err}");
}

#[test]
fn output_never_replaces_an_input_a_link_or_a_fifo() {
    let dir = scratch("clobber");
    let facts = dir.join("facts.toml");
    let example = read("data/example.toml");
    std::fs::write(&facts, &example).unwrap();
    let profile = custom_profile(&dir, "profile", &[]);
    let custom = root().join("tests/fixtures/custom-facts.toml");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "keep").unwrap();
    let link = dir.join("link.pdf");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let fifo = dir.join("fifo.pdf");
    mkfifo(&fifo);
    let cases: [(&Path, &Path, &str); 4] = [
        (&facts, &facts, "事实文件本身"),
        (&custom, &profile.join("report.typ"), "模板配置目录"),
        (&facts, &link, "符号链接"),
        (&facts, &fifo, "命名管道"),
    ];
    for (input, target, why) in cases {
        let out = zpbg_within_budget(&[
            "gen",
            input.to_str().unwrap(),
            "--profile",
            if input == custom {
                profile.to_str().unwrap()
            } else {
                "hunan-2024"
            },
            "-o",
            target.to_str().unwrap(),
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(why), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&facts).unwrap(), example);
    assert_eq!(
        std::fs::read(profile.join("report.typ")).unwrap(),
        std::fs::read(root().join("tests/fixtures/custom-profile/report.typ")).unwrap()
    );
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert_eq!(
        names(&dir).iter().filter(|n| n.ends_with(".tmp")).count(),
        0
    );
}

#[test]
fn emit_typst_does_not_follow_links_out_of_its_folder() {
    let dir = scratch("typstlink");
    let facts = root().join("data/example.toml");
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    // The folder itself a link, and a link inside it.
    let linked = dir.join("linked");
    std::os::unix::fs::symlink(&elsewhere, &linked).unwrap();
    let inner = dir.join("inner");
    std::fs::create_dir_all(&inner).unwrap();
    std::os::unix::fs::symlink(&elsewhere, inner.join("fonts")).unwrap();
    for out_dir in [&linked, &inner] {
        let out = zpbg(&[
            "gen",
            facts.to_str().unwrap(),
            "--emit",
            "typst",
            "-o",
            out_dir.to_str().unwrap(),
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("符号链接"), "{err}");
    }
    assert!(names(&elsewhere).is_empty(), "{:?}", names(&elsewhere));
    assert_eq!(names(&inner), ["fonts"]);
}

#[test]
fn an_interrupted_batch_leaves_no_temporary_files() {
    let dir = scratch("sigint");
    let (units, out) = (dir.join("units"), dir.join("out"));
    std::fs::create_dir_all(&units).unwrap();
    let example = read("data/example.toml");
    for i in 0..8 {
        std::fs::write(units.join(format!("u{i}.toml")), &example).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_zpbg"))
        .args([
            "batch",
            units.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .args(["--jobs", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the first unit is written, the batch is under way.
    let mut progress = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while progress.read_line(&mut line).unwrap() > 0 && !line.contains("] ok ") {
        line.clear();
    }
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: signals the child started above, which has not been reaped.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    for name in names(&out) {
        assert!(!name.ends_with(".tmp"), "{name} left behind");
        let pdf = std::fs::read(out.join(&name)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{name}");
    }
}

#[test]
fn the_summary_csv_and_pdf_list_the_same_failures() {
    let dir = scratch("failures");
    let (units, out) = (dir.join("units"), dir.join("out"));
    std::fs::create_dir_all(&units).unwrap();
    let example = read("data/example.toml");
    std::fs::write(units.join("good.toml"), &example).unwrap();
    std::fs::write(
        units.join("broken.toml"),
        example.replacen("budget_full = 1865.30", "budget_full = \"很多\"", 1),
    )
    .unwrap();
    std::fs::write(units.join("empty.toml"), "").unwrap();
    let output = batch(&[&units], &out);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let csv = std::fs::read_to_string(out.join("汇总表.csv")).unwrap();
    let pdf = pdf_text(&out.join("汇总表.pdf"));
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].ends_with("报告文件,事实文件,未生成原因"), "{csv}");
    assert_eq!(lines.len(), 4, "{csv}");
    for (file, why) in [
        ("broken.toml", "budget_full"),
        ("empty.toml", "缺少必填字段"),
    ] {
        let row = lines
            .iter()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("CSV lacks {file}: {csv}"));
        assert!(row.contains(why), "{row}");
        assert!(pdf.contains(&squash(file)), "PDF lacks {file}: {pdf}");
        assert!(pdf.contains(why), "PDF lacks {why}: {pdf}");
    }
    assert!(pdf.contains("另有2个事实文件未能生成报告"), "{pdf}");
}
