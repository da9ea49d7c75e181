//! Plain text: the sections as a reader would read them, with no markup and
//! no escapes, for previewing a section in the terminal.

use crate::report::{Block, Section};

/// Every section's text, a blank line between sections.
pub fn sections(sections: &[Section]) -> String {
    sections
        .iter()
        .map(|s| blocks(&s.blocks))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A heading on its line, a paragraph indented two full-width spaces, a
/// table as its caption and tab-separated rows.
fn blocks(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading { text, .. } => {
                out.push_str(text);
                out.push('\n');
            }
            Block::Para { text } => {
                out.push_str("　　");
                out.push_str(text);
                out.push('\n');
            }
            Block::Table(t) => {
                out.push_str(&t.caption);
                out.push('\n');
                out.push_str(&t.header.join("\t"));
                out.push('\n');
                for row in &t.rows {
                    out.push_str(&row.join("\t"));
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Table;

    #[test]
    fn reads_without_markup() {
        let section = |blocks| Section {
            id: String::new(),
            blocks,
        };
        let text = sections(&[
            section(vec![
                Block::Heading {
                    level: 1,
                    text: "一、概况".into(),
                },
                Block::Para {
                    text: "正文。".into(),
                },
            ]),
            section(vec![Block::Table(Table {
                caption: "表".into(),
                header: vec!["甲".into(), "乙".into()],
                rows: vec![vec!["1".into(), "2".into()]],
                align: vec!["left".into(), "right".into()],
            })]),
        ]);
        assert_eq!(text, "一、概况\n　　正文。\n\n表\n甲\t乙\n1\t2\n");
    }
}
