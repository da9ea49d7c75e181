//! Hostile text in every text field of the facts: Typst code, markup,
//! tera syntax, brackets, long unbroken runs, right-to-left scripts, emoji and
//! invisible characters must all print literally, and the run must succeed.

use toml::Value;

use crate::harness::{assert_ok, pdf_text, read, scratch, squash, zpbg};

const CORPUS: &[&str] = &[
    r#"#read("/etc/passwd")"#,
    r#"#panic("boom")"#,
    "#let x = 1",
    "#{1 + 1}",
    "]",
    "[unbalanced",
    "$x^2 + y_1$",
    "<label>",
    "@ref",
    "```raw block```",
    "`inline raw`",
    "{{ year }}",
    "{% if true %}yes{% endif %}",
    "{# comment #}",
    "*not bold* _not emph_",
    r"\ backslash \n",
    "// not a comment",
    "/* not a block */",
    "= not a heading",
    "::table first_level",
    "- not a list + not enum / term: x",
    "<script>alert(1)</script>&amp;",
    "零\u{200B}宽\u{200D}字\u{200F}符",
    "العربية ١٢٣ مرحبا",
    "עברית שלום 2024",
    "混排 abc مرحبا 123 שלום 结束",
    "表情😀👍🏽🇨🇳1\u{FE0F}\u{20E3}👨\u{200D}👩\u{200D}👧🥲",
    "超长无断行文字测试超长无断行文字测试超长无断行文字测试超长无断行文字测试超长无断行文字测试超长无断行文字测试超长无断行文字测试超长无断行文字测试超长无断行文字测试超长无断行文字测试",
    "1234567890123456789012345678901234567890123456789012345678901234567890",
];

fn set(table: &mut Value, path: &[&str], value: Value) {
    let mut node = table;
    for key in &path[..path.len() - 1] {
        node = match key.parse::<usize>() {
            Ok(i) => &mut node.as_array_mut().unwrap()[i],
            Err(_) => node.get_mut(*key).unwrap(),
        };
    }
    let last = path[path.len() - 1];
    match last.parse::<usize>() {
        Ok(i) => node.as_array_mut().unwrap()[i] = value,
        Err(_) => {
            node.as_table_mut().unwrap().insert(last.to_string(), value);
        }
    }
}

#[test]
fn hostile_text_in_every_field_prints_literally() {
    let example = read("data/example.toml");
    let mut facts: Value = toml::from_str(&example).unwrap();
    let fields: &[&[&str]] = &[
        &["unit", "name"],
        &["unit", "level"],
        &["unit", "kind"],
        &["unit", "departments", "0"],
        &["unit", "subordinates", "0"],
        &["unit", "functions", "0"],
        &["report", "preparer"],
        &["staffing", "categories", "0", "name"],
        &["projects", "0", "name"],
        &["projects", "0", "purpose"],
        &["assets", "fixed", "0", "name"],
        &["goals", "0", "expected"],
        &["goals", "0", "achieved"],
        &["indicators", "1", "name"],
        &["indicators", "1", "unit"],
        &["indicators", "8", "actual_text"],
        &["indicators", "8", "reason"],
        &["indicators", "8", "measure"],
        &["text", "performance", "0"],
        &["text", "application", "0"],
        &["text", "publicity", "0"],
        &["problems", "0", "problem"],
        &["problems", "0", "cause"],
        &["problems", "0", "measure"],
    ];
    for (i, field) in fields.iter().enumerate() {
        let hostile = CORPUS[i % CORPUS.len()];
        set(&mut facts, field, Value::String(format!("甲{hostile}乙")));
    }
    // The whole corpus once more, one paragraph each.
    set(
        &mut facts,
        &["text", "other"],
        Value::Array(
            CORPUS
                .iter()
                .map(|s| Value::String(format!("甲{s}乙")))
                .collect(),
        ),
    );

    let dir = scratch("injection");
    let path = dir.join("hostile.toml");
    std::fs::write(&path, toml::to_string(&facts).unwrap()).unwrap();
    let pdf = dir.join("hostile.pdf");
    let out = zpbg(&["gen", path.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert_ok(&out);
    let text = pdf_text(&pdf);
    for hostile in CORPUS {
        let typed = format!("甲{hostile}乙");
        if hostile.chars().any(right_to_left) {
            // Text extraction gives right-to-left runs in visual order and
            // breaks lines around them, so each word is checked on its own.
            for word in hostile.split_whitespace() {
                assert!(
                    text.contains(&squash(word)),
                    "「{word}」 in 「{hostile}」 is missing"
                );
            }
        } else {
            assert!(
                text.contains(&squash(&typed)),
                "「{hostile}」 is not printed literally"
            );
        }
    }
}

fn right_to_left(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}
