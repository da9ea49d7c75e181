//! Tables whose merged groups (一级/二级指标, a declared table's group
//! column) run over a page break: every page the table continues on repeats
//! the header row and shows the labels of the groups its rows belong to.
//! Pages are read back one by one with `pdftotext`.

use std::path::Path;
use std::process::Command;

use crate::harness::{assert_ok, root, scratch, squash, zpbg};

/// `zpbg gen FACTS [--profile P]` into `dir`, returning each page's text,
/// squashed.
fn pages(facts: &str, profile: Option<&str>, dir: &Path) -> Vec<String> {
    let facts = root().join(facts);
    let pdf = dir.join("out.pdf");
    let mut args = vec!["gen", facts.to_str().unwrap(), "-o", pdf.to_str().unwrap()];
    if let Some(profile) = profile {
        args.extend(["--profile", profile]);
    }
    assert_ok(&zpbg(&args));
    let count = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo (poppler-utils) is installed");
    let count: usize = String::from_utf8(count.stdout)
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .expect("pdfinfo names the page count")
        .trim()
        .parse()
        .unwrap();
    (1..=count)
        .map(|n| {
            let n = n.to_string();
            let out = Command::new("pdftotext")
                .args(["-f", &n, "-l", &n, "-raw", pdf.to_str().unwrap(), "-"])
                .output()
                .expect("pdftotext (poppler-utils) is installed");
            assert!(out.status.success());
            squash(&String::from_utf8(out.stdout).unwrap())
        })
        .collect()
}

/// Each leaf indicator of the facts' score sheet with the names of the
/// groups above it, from `zpbg score --format json`.
fn leaves(facts: &str) -> Vec<(String, Vec<String>)> {
    let out = zpbg(&[
        "score",
        root().join(facts).to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_ok(&out);
    let sheet: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    fn walk(node: &serde_json::Value, path: &[String], out: &mut Vec<(String, Vec<String>)>) {
        let name = node["name"].as_str().unwrap().to_owned();
        let children = node["children"].as_array().unwrap();
        if children.is_empty() {
            out.push((name, path.to_vec()));
            return;
        }
        let path = [path, &[name]].concat();
        for child in children {
            walk(child, &path, out);
        }
    }
    let mut out = Vec::new();
    for root in sheet["roots"].as_array().unwrap() {
        walk(root, &[], &mut out);
    }
    out
}

/// The annex of `facts` runs over at least `least` continuation pages, each
/// opening with the repeated `header`; the first indicator row of each has
/// the labels of all its groups on that page. Returns the continuation pages.
fn assert_groups_repeat(
    facts: &str,
    profile: Option<&str>,
    header: &str,
    least: usize,
) -> Vec<String> {
    let dir = scratch(facts.rsplit('/').next().unwrap());
    let leaves = leaves(facts);
    let continued: Vec<String> = pages(facts, profile, &dir)
        .into_iter()
        .filter(|page| page.starts_with(header))
        .collect();
    assert!(
        continued.len() >= least,
        "{facts}: the annex continues on {} pages, expected at least {least}",
        continued.len()
    );
    for page in &continued {
        let rows = &page[header.len()..];
        // The row that opens the page: the leaf named first after the header.
        let (name, groups) = leaves
            .iter()
            .filter(|(_, groups)| !groups.is_empty())
            .filter_map(|(name, groups)| rows.find(name.as_str()).map(|at| (at, name, groups)))
            .min()
            .map(|(_, name, groups)| (name, groups))
            .unwrap_or_else(|| panic!("{facts}: a continuation page with no indicator: {page}"));
        for group in groups {
            assert!(
                rows.contains(group.as_str()),
                "{facts}: 「{name}」 opens a page without its group 「{group}」: {page}"
            );
        }
    }
    continued
}

#[test]
fn hunan_2024_annex_repeats_its_groups_on_every_page() {
    let header =
        "绩效指标一级指标二级指标三级指标年度指标值实际完成值分值得分偏差原因分析及改进措施";
    let continued = assert_groups_repeat("tests/fixtures/long-annex.toml", None, header, 3);
    // The 40 数量指标 fill pages of their own, each labelled; 产出指标 runs
    // on until the pages before the last.
    let middle = &continued[..continued.len() - 1];
    for page in middle {
        assert!(page.contains("产出指标"), "{page}");
    }
    let quantity = middle.iter().filter(|p| p.contains("数量指标")).count();
    assert!(quantity >= 2, "数量指标 labelled on {quantity} pages");
    // The total never opens a page on its own.
    let last = continued.last().unwrap();
    let total = last.find("总分").expect("the total closes the annex");
    assert!(last[..total].contains("服务对象满意度"), "{last}");
}

#[test]
fn hunan_2020_annex_repeats_its_groups_on_every_page() {
    let header = "一级指标分值二级指标分值三级指标分值评价标准指标说明得分";
    assert_groups_repeat("tests/fixtures/ref000.toml", Some("hunan-2020"), header, 2);
}

#[test]
fn henan_2022_annex_repeats_its_groups_on_every_page() {
    let header =
        "一级指标分值二级指标三级指标指标值指标说明实际完成值分值得分未完成原因分析及改进措施";
    assert_groups_repeat("tests/fixtures/ref001.toml", Some("henan-2022"), header, 4);
}

/// A declared table with a group column (the jiangxi fixture's 类别), 30 of
/// its 40 rows in one group: the narrative table and its copy in the annex
/// both run over pages, and each page shows the header and the 类别 of its
/// rows.
#[test]
fn grouped_narrative_table_repeats_its_groups_on_every_page() {
    let dir = scratch("jiangxi");
    let pages = pages("tests/fixtures/jiangxi-long-facts.toml", None, &dir);
    let header = "类别项目名称预算数（万元）执行数（万元）受益人次完成进度完成时间";
    let farmland = ["高标准农田新建", "农田水利配套", "田间道路改造"];
    let mut continued = 0;
    for page in pages.iter().filter(|page| page.starts_with(header)) {
        continued += 1;
        if farmland.iter().any(|name| page.contains(name)) {
            assert!(page.contains("农田建设"), "{page}");
        }
        if page.contains("农技人员培训") {
            assert!(page.contains("技术推广"), "{page}");
        }
    }
    assert!(continued >= 3, "the tables continue on {continued} pages");
}
