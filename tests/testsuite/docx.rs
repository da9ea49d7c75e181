//! `--format docx`: the report as an editable Word file. The package is
//! opened with the `zip` crate and its XML read; LibreOffice converts it to
//! PDF to show that a real client reads the tables and headings.

use std::io::Read;
use std::path::Path;

use crate::harness::{
    assert_ok, libreoffice_convert, pdf_text, root, scratch, squash, stderr, zpbg,
};
use crate::outline::CHAPTERS;

fn example() -> String {
    root()
        .join("data/example.toml")
        .to_str()
        .unwrap()
        .to_owned()
}

/// One part of a .docx package, as text.
fn part(docx: &Path, name: &str) -> String {
    let file = std::fs::File::open(docx).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("{} has no {name}", docx.display()))
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn gen_docx(facts: &str, out: &Path) {
    assert_ok(&zpbg(&[
        "gen",
        facts,
        "--format",
        "docx",
        "-o",
        out.to_str().unwrap(),
    ]));
}

/// The paragraphs of `document.xml` with their style id and text.
fn styled_paragraphs(xml: &str) -> Vec<(String, String)> {
    xml.split("<w:p ")
        .skip(1)
        .map(|p| {
            let p = p.split("</w:p>").next().unwrap();
            let style = p
                .split("<w:pStyle w:val=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_default()
                .to_owned();
            let text: String = p
                .split("<w:t xml:space=\"preserve\">")
                .skip(1)
                .map(|t| t.split("</w:t>").next().unwrap())
                .collect();
            (style, text)
        })
        .collect()
}

#[test]
fn the_example_as_word_has_headings_toc_landscape_annex_and_merged_cells() {
    let dir = scratch("structure");
    let out = dir.join("r.docx");
    gen_docx(&example(), &out);
    let xml = part(&out, "word/document.xml");

    let paragraphs = styled_paragraphs(&xml);
    for chapter in CHAPTERS {
        assert!(
            paragraphs
                .iter()
                .any(|(style, text)| style == "Heading1" && text == chapter),
            "no Heading1 paragraph 「{chapter}」"
        );
    }
    assert!(paragraphs.iter().any(|(style, _)| style == "Heading2"));
    let styles = part(&out, "word/styles.xml");
    assert!(styles.contains(r#"<w:style w:type="paragraph" w:styleId="Heading1">"#));
    assert!(styles.contains(r#"<w:outlineLvl w:val="0" />"#), "{styles}");
    for face in [
        "仿宋_GB2312",
        "黑体",
        "楷体_GB2312",
        "方正小标宋简体",
        "Times New Roman",
    ] {
        assert!(styles.contains(face), "styles.xml names no {face}");
    }

    assert!(xml.contains(r#"TOC \o &quot;1-3&quot; \h"#) || xml.contains(r#"TOC \o "1-3" \h"#));
    assert!(xml.contains(r#"w:orient="landscape""#));
    // The 公文 grid on the portrait sections (contents, body): 22 lines of
    // 28 characters; the landscape annex has none.
    let grid = r#"<w:docGrid w:type="linesAndChars" w:linePitch="579" w:charSpace="-849" />"#;
    let sections: Vec<&str> = xml.split("<w:sectPr").skip(1).collect();
    assert!(sections.len() >= 3, "{} sections", sections.len());
    for section in &sections {
        let landscape = section.contains(r#"w:orient="landscape""#);
        assert_eq!(!section.contains(grid), landscape, "{section}");
    }
    assert!(styles.contains(r#"w:line="579" w:lineRule="exact""#));
    assert!(styles.contains(r#"<w:snapToGrid w:val="false" />"#));
    assert!(xml.contains(r#"<w:vMerge w:val="restart" />"#));
    assert!(xml.contains(r#"<w:vMerge w:val="continue" />"#));
    assert!(xml.contains("<w:gridSpan "));
    assert!(xml.contains("<w:tblHeader />"));
    // Page numbers: a PAGE field in each footer, right on odd pages and
    // left on even ones.
    assert!(part(&out, "word/settings.xml").contains("<w:evenAndOddHeaders"));
    let footers: Vec<String> = (1..=2)
        .map(|i| part(&out, &format!("word/footer{i}.xml")))
        .collect();
    assert!(
        footers
            .iter()
            .all(|f| f.contains(" PAGE ") && f.contains("— "))
    );
    assert!(
        footers
            .iter()
            .any(|f| f.contains(r#"<w:jc w:val="right" />"#))
    );
    assert!(
        footers
            .iter()
            .any(|f| f.contains(r#"<w:jc w:val="left" />"#))
    );

    let core = part(&out, "docProps/core.xml");
    for needle in [
        "<dc:title>2025年度示例县人力资源和社会保障局部门整体支出绩效自评报告</dc:title>",
        "<dc:creator>示例县人力资源和社会保障局</dc:creator>",
        "2026-04-20T00:00:00Z</dcterms:created>",
        "2026-04-20T00:00:00Z</dcterms:modified>",
    ] {
        assert!(core.contains(needle), "core.xml lacks {needle}: {core}");
    }
}

#[test]
fn the_same_facts_give_the_same_bytes() {
    let dir = scratch("same");
    let (a, b) = (dir.join("a.docx"), dir.join("b.docx"));
    gen_docx(&example(), &a);
    // A second later, so a time stamp of the run would show.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    gen_docx(&example(), &b);
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
}

#[test]
fn markup_in_the_facts_prints_as_text() {
    let dir = scratch("markup");
    let facts = std::fs::read_to_string(root().join("data/example.toml"))
        .unwrap()
        .replacen(
            "name = \"示例县人力资源和社会保障局\"",
            "name = \"示例县<w:p>&\\\"局\"",
            1,
        );
    assert!(facts.contains("<w:p>"), "the example's unit name moved");
    let path = dir.join("facts.toml");
    std::fs::write(&path, facts).unwrap();
    let out = dir.join("r.docx");
    gen_docx(path.to_str().unwrap(), &out);
    let xml = part(&out, "word/document.xml");
    assert!(
        xml.contains("示例县&lt;w:p&gt;&amp;&quot;局"),
        "not escaped"
    );
    assert!(!xml.contains("示例县<w:p>"));
    assert!(
        part(&out, "docProps/core.xml")
            .contains("<dc:creator>示例县&lt;w:p&gt;&amp;&quot;局</dc:creator>")
    );
}

#[test]
fn pdf_and_docx_are_written_side_by_side() {
    let dir = scratch("both");
    let pdf = dir.join("r.pdf");
    let out = zpbg(&[
        "gen",
        &example(),
        "--format",
        "pdf,docx",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert_ok(&out);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let docx = dir.join("r.docx");
    assert!(std::fs::read(&docx).unwrap().starts_with(b"PK"));
    assert!(stderr(&out).contains("r.docx"), "{}", stderr(&out));
}

#[test]
fn batch_writes_one_word_file_per_unit() {
    let dir = scratch("batch");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let example = std::fs::read_to_string(root().join("data/example.toml")).unwrap();
    std::fs::write(input.join("a.toml"), &example).unwrap();
    std::fs::write(
        input.join("b.toml"),
        example.replace("示例县人力资源和社会保障局", "示例县财政局"),
    )
    .unwrap();
    let out = dir.join("out");
    let run = zpbg(&[
        "batch",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "docx",
    ]);
    assert_ok(&run);
    for (name, unit) in [("a", "示例县人力资源和社会保障局"), ("b", "示例县财政局")]
    {
        let docx = out.join(format!("{name}.docx"));
        assert!(part(&docx, "docProps/core.xml").contains(unit));
        assert!(!out.join(format!("{name}.pdf")).exists());
    }
    // Units in one process number their paragraphs as a run of their own.
    let alone = dir.join("a.docx");
    gen_docx(input.join("a.toml").to_str().unwrap(), &alone);
    assert!(std::fs::read(&alone).unwrap() == std::fs::read(out.join("a.docx")).unwrap());
}

/// The example's total and each indicator as (name, weight, score), from
/// `score`.
fn leaves() -> (String, Vec<(String, String, String)>) {
    let out = zpbg(&["score", &example(), "--format", "json"]);
    assert_ok(&out);
    let sheet: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    fn walk(node: &serde_json::Value, out: &mut Vec<(String, String, String)>) {
        if node["leaf"].is_null() {
            for child in node["children"].as_array().unwrap() {
                walk(child, out);
            }
        } else {
            let text = |key: &str| node[key].as_str().unwrap().to_string();
            out.push((text("name"), text("weight"), text("score")));
        }
    }
    let mut leaves = Vec::new();
    for root in sheet["roots"].as_array().unwrap() {
        walk(root, &mut leaves);
    }
    (sheet["total"].as_str().unwrap().into(), leaves)
}

#[test]
fn libreoffice_reads_the_headings_scores_and_merged_groups() {
    let dir = scratch("soffice");
    let docx = dir.join("r.docx");
    gen_docx(&example(), &docx);
    if !libreoffice_convert(
        "libreoffice_reads_the_headings_scores_and_merged_groups",
        "libreoffice-writer-nogui",
        &docx,
        "pdf",
        &dir,
    ) {
        return;
    }
    let text = pdf_text(&dir.join("r.pdf"));
    for chapter in CHAPTERS {
        assert!(text.contains(&squash(chapter)), "no 「{chapter}」");
    }
    // The group labels of the merged level cells.
    for group in ["产出指标", "效益指标", "满意度指标", "数量指标"] {
        assert!(text.contains(group), "no group label 「{group}」");
    }
    // Every indicator with its 分值 and 得分 side by side: 预算执行率 in the
    // budget block after its rate, the others in the indicator rows; then
    // the total.
    let annex = &text[text.find("预算单位名称").expect("the annex table")..];
    let (total, leaves) = leaves();
    for (name, weight, score) in leaves {
        // The annex prints points as the report does: 4.60 → 4.6.
        let score = normal(&score);
        let cells = if name == "预算执行率" {
            format!("%{score}")
        } else {
            format!("{weight}{score}")
        };
        assert!(
            annex.contains(&squash(&cells)),
            "annex lacks {name} {weight} {score}"
        );
    }
    let total = normal(&total);
    assert!(
        annex.contains(&format!("总分100{total}")),
        "no total {total}"
    );
}

/// A number without trailing zeros after its point.
fn normal(number: &str) -> String {
    if number.contains('.') {
        number
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    } else {
        number.to_owned()
    }
}
