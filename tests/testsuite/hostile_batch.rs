//! One batch, one unit per hostile input: a framework too deep, a huge
//! facts file, a FIFO, a looping template, and names that look alike. The
//! good units' PDFs are written whole, and both summaries list every
//! failure with its reason.

use std::path::Path;

use crate::harness::{custom_profile, mkfifo, pdf_text, read, scratch, squash, zpbg};

/// A framework of one chain of single-child indicators, `depth` levels deep.
fn deep_framework(depth: usize) -> String {
    let levels: Vec<String> = (1..=depth).map(|i| format!("\"第{i}级\"")).collect();
    let mut text = format!(
        "[framework]\nname = \"过深\"\nlevels = [{}]\n",
        levels.join(", ")
    );
    for level in 1..=depth {
        let id = vec!["a"; level].join(".");
        text.push_str(&format!(
            "\n[[indicator]]\nid = \"{id}\"\nname = \"第{level}级\"\nweight = 100\n"
        ));
        if level == depth {
            text.push_str("rule = { kind = \"assessor\" }\n");
        }
    }
    text
}

/// The custom facts, naming `profile` as theirs.
fn facts_for(profile: &Path) -> String {
    format!(
        "profile = {:?}\n{}",
        profile.to_str().unwrap(),
        read("tests/fixtures/custom-facts.toml")
    )
}

#[test]
fn a_batch_of_hostile_units_keeps_the_good_ones_and_lists_every_failure() {
    let dir = scratch("hostile-batch");
    let (units, out) = (dir.join("units"), dir.join("out"));
    std::fs::create_dir_all(&units).unwrap();
    let example = read("data/example.toml");
    let good = ["good", "x.y", "x.z", "汇总表.2024"];
    for name in good {
        std::fs::write(units.join(format!("{name}.toml")), &example).unwrap();
    }
    let deep = custom_profile(&dir, "deep", &[("framework.toml", &deep_framework(40))]);
    std::fs::write(units.join("deep.toml"), facts_for(&deep)).unwrap();
    let looping = custom_profile(
        &dir,
        "looping",
        &[(
            "sections/summary.tera",
            "= 循环\n\n{% for i in range(end=100000) %}{% for j in range(end=100000) %}x{% endfor %}{% endfor %}\n",
        )],
    );
    std::fs::write(units.join("loop.toml"), facts_for(&looping)).unwrap();
    let mut huge = example.clone();
    while huge.len() < 5 << 20 {
        huge.push_str("# 填充\n");
    }
    std::fs::write(units.join("huge.toml"), huge).unwrap();
    mkfifo(&units.join("fifo.toml"));

    let output = zpbg(&[
        "batch",
        units.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--time-limit",
        "3",
    ]);
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{err}");

    for name in good {
        let path = out.join(format!("{name}.pdf"));
        let pdf = std::fs::read(&path).unwrap();
        let tail = &pdf[pdf.len().saturating_sub(32)..];
        assert!(pdf.starts_with(b"%PDF"), "{name}.pdf is not a PDF");
        assert!(
            tail.windows(5).any(|w| w == b"%%EOF"),
            "{name}.pdf is cut short"
        );
        assert!(
            pdf_text(&path).contains("示例县人力资源和社会保障局"),
            "{name}.pdf"
        );
    }
    let csv = std::fs::read_to_string(out.join("汇总表.csv")).unwrap();
    let summary = pdf_text(&out.join("汇总表.pdf"));
    for (file, why) in [
        ("deep.toml", "16"),
        ("huge.toml", "MB"),
        ("fifo.toml", "命名管道"),
        ("loop.toml", "sections/summary.tera"),
    ] {
        let row = csv
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("汇总表.csv lacks {file}: {csv}"));
        assert!(row.contains(why), "{file}: {row}");
        assert!(summary.contains(&squash(file)), "汇总表.pdf lacks {file}");
    }
    assert!(summary.contains("另有4个事实文件未能生成报告"), "{summary}");
    let written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(written.is_empty(), "temporary files left: {written:?}");
}
