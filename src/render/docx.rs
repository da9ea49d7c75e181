//! The report as an editable Word file: the same [`ReportData`] the Typst
//! layout places, written with `docx-rs` as real Word structure — heading
//! styles with outline levels, a TOC field, 公文 body style, page numbers as
//! a PAGE field at the outer edge, the annex tables with merged cells and
//! repeated header rows in a landscape section, and the document properties.
//!
//! Every string is placed as text (the crate escapes it); nothing of the
//! report is read as markup. The archive is re-packed with fixed metadata so
//! the same report gives the same bytes.

use std::cell::Cell as Counter;
use std::fmt;
use std::io::{Cursor, Read, Write};

use docx_rs::{
    AlignmentType, BreakType, DocGrid, DocGridType, Docx, FieldCharType, Footer, InstrText,
    LineSpacing, LineSpacingType, PageMargin, PageNumType, PageOrientationType, PageSize,
    Paragraph, Run, RunFonts, SectionProperty, SpecialIndentType, Style, StyleType, Table,
    TableCell, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType, create_footer_rid,
};

use crate::profile::FontRoles;
use crate::report::{
    Annex, AnnexGoal, AnnexRow, BasicData, Block, ProjectSheet, ReportData, Table as DataTable,
};

/// Why a Word file could not be written; `error.rs` words it.
#[derive(Debug)]
pub enum DocxError {
    /// The crate failed to write the package.
    Pack(String),
    /// `meta.date_iso` is not a `YYYY-MM-DD` date.
    BadDate(String),
}

impl std::error::Error for DocxError {}

// Lengths in twentieths of a point (twips) and sizes in half points, as
// Word stores them.
const MM: f64 = 56.692_913;
fn mm(v: f64) -> i32 {
    (v * MM).round() as i32
}

/// A4, 210 × 297 mm.
const A4_SHORT: u32 = 11906;
const A4_LONG: u32 = 16838;

/// 三号 (16 pt), 二号 (22 pt), 四号 (14 pt), 五号 (10.5 pt), 小四 (12 pt).
const SAN: usize = 32;
const ER: usize = 44;
const SI: usize = 28;
const WU: usize = 21;
const XIAO_SI: usize = 24;

/// The 公文 text grid (GB/T 9704): 22 lines of 28 characters on the 225 ×
/// 156 mm 版心. A line is 225 mm / 22 = 579.8 twips, rounded down so that
/// 22 fit; Word counts a character cell from the 16 pt default size plus
/// `CHAR_SPACE` 4096ths of a point: 156 mm / 28 = 15.7927 pt, so −849.
const PITCH: i32 = 579;
const CHAR_SPACE: isize = -849;

/// 宋体 for page numbers, as GB/T 9704 prescribes for them.
const SONG: &str = "宋体";

/// Writes `data` as a .docx, naming the faces of `fonts`.
pub fn render_docx(data: &ReportData, fonts: &FontRoles) -> Result<Vec<u8>, DocxError> {
    let date = match &data.meta.date_iso {
        Some(iso) => Some(
            chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
                .map_err(|_| DocxError::BadDate(iso.clone()))?,
        ),
        None => None,
    };
    let writer = Writer {
        fonts,
        ids: Counter::new(1),
    };
    let docx = writer.document(data);
    let mut raw = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut raw)
        .map_err(|e| DocxError::Pack(e.to_string()))?;
    repack(&raw.into_inner(), &core_xml(data, date))
}

/// The document under construction. Paragraph ids are numbered per
/// document, not by the crate's per-thread counter, so a batch thread's
/// second report gets the same ids as a run of its own.
struct Writer<'a> {
    fonts: &'a FontRoles,
    ids: Counter<u32>,
}

/// Style ids; the heading ids are those Word and LibreOffice know as
/// built-in headings, so the navigation pane and `TOC \o` find them.
const BODY: &str = "Normal";
const HEADINGS: [&str; 4] = ["Heading1", "Heading2", "Heading3", "Heading4"];
const TITLE: &str = "Title";
const TABLE_TEXT: &str = "TableText";
const TABLE_HEAD: &str = "TableHead";
const CAPTION: &str = "TableCaption";
const ANNEX_TITLE: &str = "AnnexTitle";
const SMALL: &str = "Small";

impl Writer<'_> {
    fn para(&self) -> Paragraph {
        let id = self.ids.get();
        self.ids.set(id + 1);
        // Word wants paragraph ids below 0x80000000.
        Paragraph::new().id(format!("{id:08X}"))
    }

    fn text(&self, style: &str, text: &str) -> Paragraph {
        self.para()
            .style(style)
            .add_run(Run::new().add_text(clean(text)))
    }

    fn fonts(&self, east_asia: &str) -> RunFonts {
        RunFonts::new()
            .east_asia(east_asia)
            .ascii(&self.fonts.latin)
            .hi_ansi(&self.fonts.latin)
            .cs(&self.fonts.latin)
    }

    fn document(&self, data: &ReportData) -> Docx {
        let meta = &data.meta;
        let mut docx = self.styles(Docx::new());
        let landscape = data.annex.is_some() || !data.project_sheets.is_empty();
        let portrait = || {
            SectionProperty::new()
                .page_size(PageSize::new().size(A4_SHORT, A4_LONG))
                .page_margin(portrait_margins())
                .doc_grid(text_grid())
        };

        if meta.front_matter {
            for p in self.cover(&meta.title, &meta.unit, &meta.date) {
                docx = docx.add_paragraph(p);
            }
            // The contents end the first section, which has no page numbers.
            let [head, field] = self.toc();
            docx = docx
                .add_paragraph(head)
                .add_paragraph(field.section_property(portrait()));
        } else {
            docx = docx.add_paragraph(self.text(TITLE, &meta.title));
        }

        // The body, then the portrait 基础数据表: pages numbered from 1.
        let mut parts: Vec<Part> = Vec::new();
        for section in &data.sections {
            for block in &section.blocks {
                match block {
                    Block::Heading { level, text } => {
                        let style = HEADINGS[usize::from((*level).clamp(1, 4) - 1)];
                        parts.push(Part::p(self.text(style, text).keep_next(true)));
                    }
                    Block::Para { text } => parts.push(Part::p(self.text(BODY, text))),
                    Block::Table(t) => parts.extend(self.data_table(t, PORTRAIT_WIDTH)),
                }
            }
        }
        if let Some(d) = &data.basic_data {
            parts.push(Part::p(self.page_break()));
            parts.extend(self.basic_data(d));
        }
        if landscape {
            // The body's section ends here and shares the last section's
            // footers (the crate's own `Section` drops an even footer).
            let (odd, even) = (create_footer_rid(1), create_footer_rid(2));
            parts.push(Part::p(
                self.para().style(SMALL).section_property(
                    portrait()
                        .page_num_type(PageNumType::new().start(1))
                        .footer(self.page_number(AlignmentType::Right), &odd)
                        .even_footer(self.page_number(AlignmentType::Left), &even),
                ),
            ));
            if let Some(a) = &data.annex {
                parts.extend(self.annex(a));
            }
            for (i, p) in data.project_sheets.iter().enumerate() {
                if i > 0 || data.annex.is_some() {
                    parts.push(Part::p(self.page_break()));
                }
                parts.extend(self.project_sheet(p));
            }
        }
        for part in parts {
            docx = match part {
                Part::P(p) => docx.add_paragraph(*p),
                Part::T(t) => docx.add_table(*t),
            };
        }
        docx = if landscape {
            // The last section is the document's own: landscape A4, its
            // page numbers continuing the body's count.
            docx.page_size(A4_LONG, A4_SHORT)
                .page_orient(PageOrientationType::Landscape)
                .page_margin(landscape_margins())
        } else {
            let mut docx = docx
                .page_size(A4_SHORT, A4_LONG)
                .page_margin(portrait_margins())
                .page_num_type(PageNumType::new().start(1));
            docx.document = docx.document.doc_grid(text_grid());
            docx
        };
        // These are footers 1 and 2; `even_footer` also turns on even/odd
        // footers.
        docx.footer(self.page_number(AlignmentType::Right))
            .even_footer(self.page_number(AlignmentType::Left))
    }

    fn styles(&self, docx: Docx) -> Docx {
        let f = self.fonts;
        let exact = |line: i32| {
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(line)
                .before(0)
                .after(0)
        };
        // Two characters of 三号 (the crate writes no `firstLineChars`).
        let indented =
            |s: Style| s.indent(None, Some(SpecialIndentType::FirstLine(640)), None, None);
        let heading = |level: usize, face: &str| {
            let s = Style::new(HEADINGS[level], StyleType::Paragraph)
                .name(format!("heading {}", level + 1))
                .based_on(BODY)
                .next(BODY)
                .q_format(true)
                .fonts(self.fonts(face))
                .outline_lvl(level);
            if level == 2 { s.bold() } else { s }
        };
        docx.default_fonts(self.fonts(&f.body))
            .default_size(SAN)
            .add_style(
                indented(Style::new(BODY, StyleType::Paragraph).name("Normal"))
                    .fonts(self.fonts(&f.body))
                    .size(SAN)
                    .align(AlignmentType::Both)
                    .line_spacing(exact(PITCH)),
            )
            .add_style(heading(0, &f.heading1))
            .add_style(heading(1, &f.heading2))
            .add_style(heading(2, &f.body))
            .add_style(heading(3, &f.body))
            .add_style(
                Style::new(TITLE, StyleType::Paragraph)
                    .name("Title")
                    .snap_to_grid(false)
                    .fonts(self.fonts(&f.title))
                    .size(ER)
                    .align(AlignmentType::Center)
                    .line_spacing(
                        LineSpacing::new()
                            .line_rule(LineSpacingType::Exact)
                            .line(800),
                    )
                    .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
            )
            .add_style(
                Style::new(ANNEX_TITLE, StyleType::Paragraph)
                    .name("Annex Title")
                    .based_on(TITLE)
                    .size(SAN + 4)
                    .outline_lvl(0)
                    .line_spacing(
                        LineSpacing::new()
                            .line_rule(LineSpacingType::Exact)
                            .line(600)
                            .after(240),
                    ),
            )
            .add_style(
                Style::new(TABLE_TEXT, StyleType::Paragraph)
                    .name("Table Text")
                    .snap_to_grid(false)
                    .fonts(self.fonts(&f.body))
                    .size(WU)
                    .line_spacing(
                        LineSpacing::new()
                            .line_rule(LineSpacingType::Auto)
                            .line(240)
                            .before(0)
                            .after(0),
                    )
                    .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
            )
            .add_style(
                Style::new(TABLE_HEAD, StyleType::Paragraph)
                    .name("Table Head")
                    .based_on(TABLE_TEXT)
                    .fonts(self.fonts(&f.heading1))
                    .align(AlignmentType::Center),
            )
            .add_style(
                Style::new(CAPTION, StyleType::Paragraph)
                    .name("Table Caption")
                    .snap_to_grid(false)
                    .fonts(self.fonts(&f.heading1))
                    .size(SI)
                    .align(AlignmentType::Center)
                    .line_spacing(exact(PITCH))
                    .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
            )
            .add_style(
                Style::new(SMALL, StyleType::Paragraph)
                    .name("Annex Note")
                    .snap_to_grid(false)
                    .fonts(self.fonts(&f.body))
                    .size(XIAO_SI)
                    .line_spacing(
                        LineSpacing::new()
                            .line_rule(LineSpacingType::Auto)
                            .line(300)
                            .before(120),
                    )
                    .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
            )
    }

    /// Title in 2号 标题 face, then the unit and the date.
    fn cover(&self, title: &str, unit: &str, date: &str) -> Vec<Paragraph> {
        let blank = || self.para().style(BODY);
        let mut out: Vec<Paragraph> = (0..4).map(|_| blank()).collect();
        out.push(self.text(TITLE, title));
        out.extend((0..8).map(|_| blank()));
        let centred = |s: String| {
            self.para()
                .style(BODY)
                .align(AlignmentType::Center)
                .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None)
                .add_run(Run::new().add_text(clean(&s)))
        };
        out.push(centred(format!("单位名称：{unit}（盖章）")));
        out.push(centred(date.to_owned()));
        out
    }

    /// 目录 and a TOC field over heading levels 1–3 (and the annex titles,
    /// by outline level), filled in when Word updates fields on opening.
    fn toc(&self) -> [Paragraph; 2] {
        let head = self
            .text(TITLE, "目　录")
            .page_break_before(true)
            .line_spacing(LineSpacing::new().after(PITCH as u32));
        let field = self
            .para()
            .style(BODY)
            .add_run(Run::new().add_field_char(FieldCharType::Begin, true))
            .add_run(
                Run::new()
                    .add_instr_text(InstrText::Unsupported(r#" TOC \o "1-3" \h \z \u "#.into())),
            )
            .add_run(Run::new().add_field_char(FieldCharType::Separate, false))
            .add_run(Run::new().add_text("（在 Word 中右击此处选择“更新域”生成目录）"))
            .add_run(Run::new().add_field_char(FieldCharType::End, false));
        [head, field]
    }

    /// 「— N —」 in 四号 宋体, one character in from the outer edge.
    fn page_number(&self, side: AlignmentType) -> Footer {
        let (left, right) = match side {
            AlignmentType::Left => (Some(SI as i32 * 10), None),
            _ => (None, Some(SI as i32 * 10)),
        };
        let run = || {
            Run::new()
                .size(SI)
                .fonts(RunFonts::new().east_asia(SONG).ascii(SONG).hi_ansi(SONG))
        };
        let p = self
            .para()
            .align(side)
            .indent(left, Some(SpecialIndentType::FirstLine(0)), right, None)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Auto)
                    .line(240),
            )
            .add_run(run().add_text("— "))
            .add_run(run().add_field_char(FieldCharType::Begin, false))
            .add_run(run().add_instr_text(InstrText::Unsupported(" PAGE ".into())))
            .add_run(run().add_field_char(FieldCharType::Separate, false))
            .add_run(run().add_text("1"))
            .add_run(run().add_field_char(FieldCharType::End, false))
            .add_run(run().add_text(" —"));
        Footer::new().add_paragraph(p)
    }

    fn page_break(&self) -> Paragraph {
        self.para()
            .style(SMALL)
            .add_run(Run::new().add_break(BreakType::Page))
    }

    /// A paragraph one point tall, so two tables stay apart as Word
    /// requires (adjacent tables would merge) but read as one.
    fn joint(&self) -> Paragraph {
        self.para().style(TABLE_TEXT).size(2).line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(20),
        )
    }

    /// 「附件1」 at the top left, then the title, listed in the contents.
    fn annex_heading(&self, label: &str, title: &str) -> Vec<Part> {
        vec![
            Part::p(
                self.para()
                    .style(BODY)
                    .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None)
                    .add_run(
                        Run::new()
                            .fonts(self.fonts(&self.fonts.heading1))
                            .add_text(clean(label)),
                    ),
            ),
            Part::p(self.text(ANNEX_TITLE, title).keep_next(true)),
        ]
    }

    fn small(&self, text: &str, align: AlignmentType) -> Paragraph {
        self.text(SMALL, text).align(align)
    }

    /// A narrative table: caption, a repeated header row, the first column
    /// merged where `spans` groups it, a bold totals row.
    fn data_table(&self, t: &DataTable, width: i32) -> Vec<Part> {
        let n = t.header.len().max(1);
        let align = |i: usize| match t.align.get(i).map(String::as_str) {
            Some("center") => AlignmentType::Center,
            Some("right") => AlignmentType::Right,
            _ => AlignmentType::Left,
        };
        let mut rows = vec![t.header.iter().map(|h| Cell::head(h)).collect::<Vec<_>>()];
        for (i, row) in t.rows.iter().enumerate() {
            let bold = t.totals && i + 1 == t.rows.len();
            let mut cells = Vec::new();
            for (x, text) in row.iter().enumerate() {
                let span = if x == 0 {
                    t.spans.get(i).copied()
                } else {
                    None
                };
                if span == Some(0) {
                    continue;
                }
                let mut c = Cell::text(text).align(align(x));
                c.bold = bold;
                c.rowspan = span.unwrap_or(1).max(1);
                cells.push(c);
            }
            rows.push(cells);
        }
        let weights = column_weights(t);
        let mut out = vec![Part::p(self.text(CAPTION, &t.caption).keep_next(true))];
        out.push(Part::t(self.table(&grid(&weights, width), rows, 1, n)));
        out.push(Part::p(self.para().style(SMALL)));
        out
    }

    /// Turns rows of cells (each placed once, as in the layout) into a Word
    /// table: merged columns become `vMerge`, spans `gridSpan`, and the first
    /// `header` rows repeat on every page.
    fn table(&self, widths: &[i32], rows: Vec<Vec<Cell>>, header: usize, ncols: usize) -> Table {
        let total: i32 = widths.iter().sum();
        let placed = place(rows, ncols);
        let word_rows = placed
            .into_iter()
            .enumerate()
            .map(|(r, row)| {
                let cells = row
                    .into_iter()
                    .map(|p| self.cell(p, widths))
                    .collect::<Vec<_>>();
                let row = TableRow::new(cells);
                // `cantSplit` marks the header rows; `repack` adds
                // `tblHeader` beside it, which the crate cannot write.
                if r < header { row.cant_split() } else { row }
            })
            .collect();
        Table::new(word_rows)
            .set_grid(widths.iter().map(|w| *w as usize).collect())
            .width(total as usize, WidthType::Dxa)
            .layout(TableLayoutType::Fixed)
    }

    fn cell(&self, placed: Placed, widths: &[i32]) -> TableCell {
        let width: i32 = widths[placed.col..placed.col + placed.colspan].iter().sum();
        let mut cell = TableCell::new()
            .width(width as usize, WidthType::Dxa)
            .vertical_align(VAlignType::Center);
        if placed.colspan > 1 {
            cell = cell.grid_span(placed.colspan);
        }
        match placed.merge {
            Merge::None => {}
            Merge::Restart => cell = cell.vertical_merge(VMergeType::Restart),
            Merge::Continue => {
                // A covered cell holds an empty paragraph, as Word requires.
                return cell
                    .vertical_merge(VMergeType::Continue)
                    .add_paragraph(self.para().style(TABLE_TEXT));
            }
        }
        let c = placed.cell;
        let style = if c.head { TABLE_HEAD } else { TABLE_TEXT };
        for text in &c.paragraphs {
            let mut run = Run::new().add_text(clean(text));
            if c.bold {
                run = run.fonts(self.fonts(&self.fonts.heading1));
            }
            let mut p = self.para().style(style).add_run(run);
            if !c.head {
                p = p.align(c.align);
            }
            if c.indent > 0 {
                p = p.indent(Some(c.indent * WU as i32 * 10), None, None, None);
            }
            cell = cell.add_paragraph(p);
        }
        if c.paragraphs.is_empty() {
            cell = cell.add_paragraph(self.para().style(style));
        }
        cell
    }

    /// 附件：部门（单位）整体支出绩效自评表.
    fn annex(&self, a: &Annex) -> Vec<Part> {
        let levels = a.level_names.len();
        let ncols = levels + 5;
        let widths = indicator_grid(levels);
        let mut out = self.annex_heading(&a.label, &a.title);
        out.push(Part::p(self.small(&a.money_unit, AlignmentType::Right)));

        let b = &a.budget;
        let k = ncols - 7;
        let mut upper = vec![vec![
            Cell::head("预算单位名称"),
            Cell::text(&a.unit).span(ncols - 1),
        ]];
        let (head_row, money_row) = money_rows(
            Cell::head("年度预算申请").rows(3),
            k,
            ["年初预算数", "全年预算数", "全年执行数"],
            [&b.initial, &b.full, &b.actual, &b.weight, &b.rate, &b.score],
        );
        let mut split_row = Vec::new();
        if k > 0 {
            split_row.push(Cell::head("其中").span(k));
        }
        split_row.push(Cell::text(&format!("基本支出：{}", b.basic)).span(3));
        split_row.push(Cell::text(&format!("项目支出：{}", b.project)).span(3));
        upper.extend([head_row, money_row, split_row]);
        let split = (ncols - 1) / 2;
        upper.extend(goal_rows(&a.goals, split, ncols));
        upper.push(vec![Cell::head("绩效指标").span(ncols)]);
        out.push(Part::t(self.table(&widths, upper, 0, ncols)));
        out.push(Part::p(self.joint()));

        let mut rows = vec![indicator_head(&a.level_names)];
        rows.extend(a.rows.iter().map(indicator_row));
        let mut total = vec![
            Cell::head("总分").span(levels + 2),
            Cell::text(&a.total_weight).align(AlignmentType::Center),
            Cell::text(&a.total_score).align(AlignmentType::Center),
        ];
        let result = match (&a.conversion, &a.grade) {
            (Some(c), Some(g)) => format!("{c}；自评等级：{g}"),
            (Some(c), None) => c.clone(),
            (None, Some(g)) => format!("自评等级：{g}"),
            (None, None) => String::new(),
        };
        total.push(Cell::text(&result));
        rows.push(total);
        out.push(Part::t(self.table(&widths, rows, 1, ncols)));
        if !a.footer.is_empty() {
            out.push(Part::p(
                self.small(&a.footer.join("　　　"), AlignmentType::Left),
            ));
        }
        out
    }

    /// 附件：项目支出绩效自评表 of one project.
    fn project_sheet(&self, p: &ProjectSheet) -> Vec<Part> {
        let levels = p.level_names.len();
        let ncols = levels + 5;
        let widths = indicator_grid(levels);
        let mut out = self.annex_heading(&p.label, &p.title);

        let name_span = ncols - 5;
        let pair = |a: &str, x: &str, b: &str, y: &str| {
            vec![
                Cell::head(a),
                Cell::text(x).span(name_span),
                Cell::head(b),
                Cell::text(y).span(ncols - name_span - 2),
            ]
        };
        let mut upper = vec![
            pair("项目支出名称", &p.name, "项目类别", &p.category),
            pair("主管部门", &p.department, "实施单位", &p.implementer),
        ];
        let m = &p.money;
        let k = ncols - 7;
        let (head_row, money_row) = money_rows(
            Cell::head("项目资金（万元）").rows(2 + p.sources.len()),
            k,
            ["年初预算", "全年预算", "全年执行数"],
            [&m.initial, &m.full, &m.actual, &m.weight, &m.rate, &m.score],
        );
        upper.extend([head_row, money_row]);
        for (i, s) in p.sources.iter().enumerate() {
            let mut row = Vec::new();
            if k > 0 {
                let mut name = Cell::text(&s.name).span(k);
                if i == 0 {
                    name.paragraphs.insert(0, "其中：".into());
                }
                row.push(name);
            }
            row.extend(
                [&s.initial, &s.full, &s.actual]
                    .map(|v| Cell::text(v).align(AlignmentType::Center)),
            );
            row.extend((0..3).map(|_| Cell::text("")));
            upper.push(row);
        }
        upper.extend(goal_rows(&p.goals, levels, ncols));
        upper.push(vec![Cell::head("绩效指标").span(ncols)]);
        out.push(Part::t(self.table(&widths, upper, 0, ncols)));
        out.push(Part::p(self.joint()));

        let mut rows = vec![indicator_head(&p.level_names)];
        rows.extend(p.rows.iter().map(indicator_row));
        rows.push(vec![
            Cell::head(&p.total_label).span(levels + 2),
            Cell::text(&p.total_weight).align(AlignmentType::Center),
            Cell::text(&p.total_score).align(AlignmentType::Center),
            Cell::text(""),
        ]);
        out.push(Part::t(self.table(&widths, rows, 1, ncols)));
        for (i, note) in p.notes.iter().enumerate() {
            let text = if i == 0 {
                format!("备注：{note}")
            } else {
                format!("　　　{note}")
            };
            out.push(Part::p(self.small(&text, AlignmentType::Left)));
        }
        if !p.signature.is_empty() {
            out.push(Part::p(self.small(&p.signature, AlignmentType::Left)));
        }
        out
    }

    /// 附件：部门整体支出绩效评价基础数据表: portrait, seven columns (the
    /// label column, then six the blocks pair up or use one by one).
    fn basic_data(&self, d: &BasicData) -> Vec<Part> {
        let mut out = self.annex_heading(&d.label, &d.title);
        out.push(Part::p(self.small(&d.unit, AlignmentType::Left)));
        let spread = |cells: &[String], head: bool| -> Vec<Cell> {
            let n = cells.len().max(1);
            cells
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    // Six columns shared out; the last cell takes what is left.
                    let span = if i + 1 == n {
                        6 - (n - 1) * (6 / n)
                    } else {
                        6 / n
                    };
                    let c = if head {
                        Cell::head(s)
                    } else {
                        Cell::text(s).align(AlignmentType::Center)
                    };
                    c.span(span.max(1))
                })
                .collect()
        };
        let mut rows = Vec::new();
        let mut staff = vec![Cell::head(&d.staff.title).rows(2)];
        staff.extend(spread(&d.staff.header, true));
        rows.push(staff);
        rows.push(spread(&d.staff.values, false));
        let mut money = vec![Cell::head(&d.money.title)];
        money.extend(spread(&d.money.header, true));
        rows.push(money);
        for r in &d.money.rows {
            let mut name = Cell::text(&r.name);
            name.indent = i32::from(r.indent);
            let mut row = vec![name];
            row.extend(spread(&r.cells, false));
            rows.push(row);
        }
        let mut building = vec![Cell::head(&d.building.title).rows(2)];
        building.extend(spread(&d.building.header, true));
        rows.push(building);
        rows.push(spread(&d.building.values, false));
        let mut thrift = Cell::text("").span(6);
        thrift.paragraphs = d.thrift.paragraphs.clone();
        rows.push(vec![Cell::head(&d.thrift.title), thrift]);
        let widths = grid(&[2.7, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], PORTRAIT_WIDTH);
        out.push(Part::t(self.table(&widths, rows, 0, 7)));
        out.push(Part::p(self.small(&d.note, AlignmentType::Left)));
        out.push(Part::p(
            self.small(&d.footer.join("　　"), AlignmentType::Left),
        ));
        out
    }
}

/// A paragraph or a table of the document, in order.
enum Part {
    P(Box<Paragraph>),
    T(Box<Table>),
}

impl Part {
    fn p(p: Paragraph) -> Self {
        Part::P(Box::new(p))
    }

    fn t(t: Table) -> Self {
        Part::T(Box::new(t))
    }
}

/// Width of the portrait 版心, 156 mm, and of the landscape annex's.
const PORTRAIT_WIDTH: i32 = 8844;
const LANDSCAPE_WIDTH: i32 = 13776;

/// The portrait sections' grid. Titles and tables, in other sizes, are
/// kept off it (`snap_to_grid(false)` in their styles); the landscape
/// annex has none.
fn text_grid() -> DocGrid {
    DocGrid::new()
        .grid_type(DocGridType::LinesAndChars)
        .line_pitch(PITCH as usize)
        .char_space(CHAR_SPACE)
}

fn portrait_margins() -> PageMargin {
    // GB/T 9704: 版心 156 × 225 mm; the page number 7 mm below it.
    PageMargin::new()
        .top(mm(37.0))
        .bottom(mm(35.0))
        .left(mm(28.0))
        .right(mm(26.0))
        .header(mm(15.0))
        .footer(mm(23.0))
        .gutter(0)
}

fn landscape_margins() -> PageMargin {
    PageMargin::new()
        .top(mm(26.0))
        .bottom(mm(28.0))
        .left(mm(28.0))
        .right(mm(26.0))
        .header(mm(12.0))
        .footer(mm(16.0))
        .gutter(0)
}

/// Column widths of the indicator tables, as the PDF's: the levels (the
/// last wider), 年度指标值, 实际完成值, then 分值 and 得分 at 15 mm and
/// the 偏差原因 column.
fn indicator_grid(levels: usize) -> Vec<i32> {
    let fixed = mm(15.0);
    let mut weights: Vec<f64> = (0..levels)
        .map(|i| if i + 1 == levels { 3.2 } else { 2.4 })
        .collect();
    weights.extend([2.7, 2.7, 5.6]);
    let mut widths = grid(&weights, LANDSCAPE_WIDTH - 2 * fixed);
    let note = widths.pop().expect("the note column");
    widths.extend([fixed, fixed, note]);
    widths
}

/// `total` shared out in proportion to `weights`, the rounding left over
/// given to the last column.
fn grid(weights: &[f64], total: i32) -> Vec<i32> {
    let sum: f64 = weights.iter().sum();
    let mut out: Vec<i32> = weights
        .iter()
        .map(|w| (f64::from(total) * w / sum).round() as i32)
        .collect();
    let used: i32 = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += total - used;
    }
    out
}

/// A narrative table's columns in proportion to their longest entry, each
/// between 2 and 12 characters, as the PDF shares them out.
fn column_weights(t: &DataTable) -> Vec<f64> {
    (0..t.header.len().max(1))
        .map(|i| {
            let longest = std::iter::once(t.header.get(i))
                .chain(t.rows.iter().map(|r| r.get(i)))
                .flatten()
                .map(|s| {
                    s.chars()
                        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
                        .sum()
                })
                .fold(0.0_f64, f64::max);
            longest.clamp(2.0, 12.0)
        })
        .collect()
}

/// The money block's first two rows, as the 自评表 and the project sheets
/// share them: `label` on the left (spanning the block), `k` columns for
/// the row heads, then the three amounts' `heads` with 分值, 执行率 and 得分
/// over the 年度资金总额 `values`.
fn money_rows(
    label: Cell,
    k: usize,
    heads: [&str; 3],
    values: [&String; 6],
) -> (Vec<Cell>, Vec<Cell>) {
    let mut head_row = vec![label];
    let mut money_row = Vec::new();
    if k > 0 {
        head_row.push(Cell::head("").span(k));
        money_row.push(Cell::head("年度资金总额").span(k));
    }
    head_row.extend(
        heads
            .into_iter()
            .chain(["分值", "执行率", "得分"])
            .map(Cell::head),
    );
    money_row.extend(values.map(|s| Cell::text(s).align(AlignmentType::Center)));
    (head_row, money_row)
}

fn goal_rows(goals: &[AnnexGoal], split: usize, ncols: usize) -> Vec<Vec<Cell>> {
    if goals.is_empty() {
        return Vec::new();
    }
    let mut rows = vec![vec![
        Cell::head("年度总体目标").rows(goals.len() + 1),
        Cell::head("预期目标").span(split),
        Cell::head("实际完成情况").span(ncols - 1 - split),
    ]];
    rows.extend(goals.iter().map(|g| {
        vec![
            Cell::text(&g.expected).span(split),
            Cell::text(&g.achieved).span(ncols - 1 - split),
        ]
    }));
    rows
}

fn indicator_head(level_names: &[String]) -> Vec<Cell> {
    level_names
        .iter()
        .map(|s| Cell::head(s))
        .chain(
            [
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            ]
            .map(Cell::head),
        )
        .collect()
}

/// One indicator row: the level cells that open here (a covered level has
/// none), then 年度指标值, 实际完成值, 分值, 得分 and 偏差原因.
fn indicator_row(row: &AnnexRow) -> Vec<Cell> {
    let mut cells: Vec<Cell> = row
        .levels
        .iter()
        .flatten()
        .map(|l| {
            Cell::text(&l.text)
                .align(AlignmentType::Center)
                .rows(l.rowspan.max(1))
        })
        .collect();
    cells.extend(
        [&row.target, &row.actual, &row.weight, &row.score]
            .map(|s| Cell::text(s).align(AlignmentType::Center)),
    );
    cells.push(Cell::text(&row.note));
    cells
}

/// A table cell as the layout places it: once, with its spans.
#[derive(Debug, Clone)]
struct Cell {
    paragraphs: Vec<String>,
    colspan: usize,
    rowspan: usize,
    head: bool,
    bold: bool,
    align: AlignmentType,
    /// Steps of one character the text is indented.
    indent: i32,
}

impl Cell {
    fn text(s: &str) -> Self {
        Cell {
            paragraphs: vec![s.to_owned()],
            colspan: 1,
            rowspan: 1,
            head: false,
            bold: false,
            align: AlignmentType::Left,
            indent: 0,
        }
    }

    fn head(s: &str) -> Self {
        Cell {
            head: true,
            align: AlignmentType::Center,
            ..Cell::text(s)
        }
    }

    fn span(self, colspan: usize) -> Self {
        Cell { colspan, ..self }
    }

    fn rows(self, rowspan: usize) -> Self {
        Cell { rowspan, ..self }
    }

    fn align(self, align: AlignmentType) -> Self {
        Cell { align, ..self }
    }
}

/// How a Word cell takes part in a vertical merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merge {
    None,
    Restart,
    Continue,
}

/// A cell at its grid column, with its part in a vertical merge.
#[derive(Debug, Clone)]
struct Placed {
    col: usize,
    colspan: usize,
    merge: Merge,
    cell: Cell,
}

/// Word has no rowspan: a merged cell is one cell per row, the first
/// `vMerge restart`, the rest `vMerge continue`. Each input row lists only
/// the cells that open in it (as HTML and Typst do); this fills in the
/// continuing cells where a cell above spans down, and pads a short row to
/// the full width so every row covers the grid.
fn place(rows: Vec<Vec<Cell>>, ncols: usize) -> Vec<Vec<Placed>> {
    // Per grid column: rows still covered by a cell above, and its colspan.
    let mut pending: Vec<(usize, usize)> = vec![(0, 1); ncols];
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut cells = row.into_iter();
        let mut placed = Vec::new();
        let mut col = 0;
        while col < ncols {
            let (left, colspan) = pending[col];
            if left > 0 {
                pending[col].0 -= 1;
                placed.push(Placed {
                    col,
                    colspan,
                    merge: Merge::Continue,
                    cell: Cell::text(""),
                });
                col += colspan;
                continue;
            }
            let cell = cells.next().unwrap_or_else(|| {
                // Pad to the next covered column or the end of the row.
                let end = (col..ncols).find(|&c| pending[c].0 > 0).unwrap_or(ncols);
                Cell::text("").span(end - col)
            });
            let colspan = cell.colspan.clamp(1, ncols - col);
            let merge = if cell.rowspan > 1 {
                pending[col] = (cell.rowspan - 1, colspan);
                Merge::Restart
            } else {
                Merge::None
            };
            placed.push(Placed {
                col,
                colspan,
                merge,
                cell,
            });
            col += colspan;
        }
        out.push(placed);
    }
    out
}

/// Text as XML 1.0 can hold it: control characters other than tab and
/// line breaks have no representation and are dropped.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r')
                || !(c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .collect()
}

/// XML text content and attribute values with the five predefined entities.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `docProps/core.xml`: title, author = the unit, created and modified =
/// the report date (not the time of the run), so the file is reproducible.
/// The crate cannot set title or author, so it is written here whole.
fn core_xml(data: &ReportData, date: Option<chrono::NaiveDate>) -> String {
    let stamp = date
        .map(|d| d.format("%Y-%m-%dT00:00:00Z").to_string())
        .unwrap_or_else(|| "1980-01-01T00:00:00Z".into());
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title>",
            "<dc:creator>{unit}</dc:creator>",
            "<cp:lastModifiedBy>{unit}</cp:lastModifiedBy>",
            "<cp:revision>1</cp:revision>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>"#,
            "</cp:coreProperties>"
        ),
        title = escape(&data.meta.title),
        unit = escape(&data.meta.unit),
        stamp = stamp,
    )
}

/// The crate's package rewritten entry by entry in the same order, with a
/// fixed timestamp and compressed: its own writer may stamp the time of the
/// run. `core` replaces `docProps/core.xml`; header rows get `tblHeader`
/// (marked `cantSplit` when built, see [`Writer::table`]); Word is asked to
/// update fields on opening, which fills the contents.
fn repack(raw: &[u8], core: &str) -> Result<Vec<u8>, DocxError> {
    let err = |e: &dyn fmt::Display| DocxError::Pack(e.to_string());
    let mut input = zip::ZipArchive::new(Cursor::new(raw)).map_err(|e| err(&e))?;
    let mut output = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for i in 0..input.len() {
        let mut entry = input.by_index(i).map_err(|e| err(&e))?;
        let name = entry.name().to_owned();
        if entry.is_dir() {
            output.add_directory(name, options).map_err(|e| err(&e))?;
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| err(&e))?;
        let bytes = match name.as_str() {
            "docProps/core.xml" => core.as_bytes().to_vec(),
            "word/document.xml" => String::from_utf8_lossy(&bytes)
                .replace("<w:cantSplit />", "<w:cantSplit /><w:tblHeader />")
                .into_bytes(),
            "word/settings.xml" => String::from_utf8_lossy(&bytes)
                .replacen(
                    "</w:settings>",
                    r#"<w:updateFields w:val="true" /></w:settings>"#,
                    1,
                )
                .into_bytes(),
            _ => bytes,
        };
        output.start_file(name, options).map_err(|e| err(&e))?;
        output.write_all(&bytes).map_err(|e| err(&e))?;
    }
    Ok(output.finish().map_err(|e| err(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merges(rows: &[Vec<Placed>]) -> Vec<Vec<(usize, usize, Merge)>> {
        rows.iter()
            .map(|r| r.iter().map(|p| (p.col, p.colspan, p.merge)).collect())
            .collect()
    }

    #[test]
    fn a_rowspan_becomes_a_restart_and_continues_below() {
        // 产出指标 spans three rows, 数量指标 two; the third row opens 质量指标.
        let rows = vec![
            vec![
                Cell::text("产出指标").rows(3),
                Cell::text("数量指标").rows(2),
                Cell::text("a"),
            ],
            vec![Cell::text("b")],
            vec![Cell::text("质量指标"), Cell::text("c")],
            vec![Cell::text("效益指标"), Cell::text("x"), Cell::text("d")],
        ];
        let placed = place(rows, 3);
        assert_eq!(
            merges(&placed),
            vec![
                vec![
                    (0, 1, Merge::Restart),
                    (1, 1, Merge::Restart),
                    (2, 1, Merge::None)
                ],
                vec![
                    (0, 1, Merge::Continue),
                    (1, 1, Merge::Continue),
                    (2, 1, Merge::None)
                ],
                vec![
                    (0, 1, Merge::Continue),
                    (1, 1, Merge::None),
                    (2, 1, Merge::None)
                ],
                vec![
                    (0, 1, Merge::None),
                    (1, 1, Merge::None),
                    (2, 1, Merge::None)
                ],
            ]
        );
        assert_eq!(placed[2][1].cell.paragraphs, ["质量指标"]);
    }

    #[test]
    fn a_merged_cell_keeps_its_colspan_on_every_row_and_short_rows_are_padded() {
        let rows = vec![
            vec![Cell::head("年度总体目标").rows(2).span(2), Cell::text("a")],
            vec![],
        ];
        let placed = place(rows, 4);
        assert_eq!(
            merges(&placed),
            vec![
                vec![
                    (0, 2, Merge::Restart),
                    (2, 1, Merge::None),
                    (3, 1, Merge::None)
                ],
                vec![(0, 2, Merge::Continue), (2, 2, Merge::None)],
            ]
        );
    }

    #[test]
    fn grids_add_up_to_the_width() {
        for levels in 1..=4 {
            let g = indicator_grid(levels);
            assert_eq!(g.len(), levels + 5);
            assert_eq!(g.iter().sum::<i32>(), LANDSCAPE_WIDTH, "{g:?}");
            assert!(g.iter().all(|w| *w > 0), "{g:?}");
        }
        assert_eq!(grid(&[1.0, 1.0, 1.0], 100).iter().sum::<i32>(), 100);
    }

    #[test]
    fn control_characters_are_dropped_and_markup_is_escaped() {
        assert_eq!(clean("a\u{1}b\tc"), "ab\tc");
        assert_eq!(escape("<w:p>&\"'"), "&lt;w:p&gt;&amp;&quot;&apos;");
    }
}
