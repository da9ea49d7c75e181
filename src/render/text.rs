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
                for (i, row) in t.rows.iter().enumerate() {
                    // A merged group cell shows once, on its first row.
                    let covered = t.spans.get(i) == Some(&0);
                    let cells = row.iter().enumerate().map(|(c, cell)| {
                        if c == 0 && covered { "" } else { cell.as_str() }
                    });
                    out.push_str(&cells.collect::<Vec<_>>().join("\t"));
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
                spans: Vec::new(),
                totals: false,
            })]),
        ]);
        assert_eq!(text, "一、概况\n　　正文。\n\n表\n甲\t乙\n1\t2\n");
    }

    #[test]
    fn a_merged_group_cell_shows_once() {
        let table = Table {
            caption: "表".into(),
            header: vec!["类".into(), "数".into()],
            rows: [["甲", "1"], ["甲", "2"], ["合计", "3"]]
                .map(|r| r.map(String::from).to_vec())
                .to_vec(),
            align: vec!["left".into(), "right".into()],
            spans: vec![2, 0, 1],
            totals: true,
        };
        let text = blocks(&[Block::Table(table)]);
        assert_eq!(text, "表\n类\t数\n甲\t1\n\t2\n合计\t3\n");
    }
}
