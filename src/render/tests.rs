use std::io::Write;
use std::process::{Command, Stdio};

use super::*;
use crate::report::{
    Annex, AnnexBudget, AnnexGoal, AnnexRow, Block, Meta, Section, SpanCell, Table,
};

/// The Hunan 2024 profile's template files, read fresh so layout work does
/// not need a rebuild.
fn hunan_files() -> BTreeMap<String, Vec<u8>> {
    layout_files("hunan-2024")
}

/// A built-in profile's layout and the shared library, read fresh.
fn layout_files(profile: &str) -> BTreeMap<String, Vec<u8>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/");
    [
        format!("{profile}/report.typ"),
        s("lib/gongwen.typ"),
        s("lib/basic_data.typ"),
        s("lib/project_sheet.typ"),
    ]
    .into_iter()
    .map(|path| {
        let bytes = std::fs::read(format!("{root}{path}")).unwrap();
        let key = path.strip_prefix(&format!("{profile}/")).unwrap_or(&path);
        (key.to_owned(), bytes)
    })
    .collect()
}

fn s(text: &str) -> String {
    text.to_owned()
}

fn heading(level: u8, text: &str) -> Block {
    Block::Heading {
        level,
        text: s(text),
    }
}

fn para(text: &str) -> Block {
    Block::Para { text: s(text) }
}

fn meta(unit: &str) -> Meta {
    Meta {
        title: format!("2024年度{unit}部门整体支出绩效自评报告"),
        unit: s(unit),
        year: s("2024"),
        date: s("2025年5月1日"),
        date_iso: Some(s("2025-05-01")),
        front_matter: true,
    }
}

/// A report shaped like reference 002: three sections, a narrative table,
/// and an annex of 14 indicators in 5 first-level groups.
fn sample() -> ReportData {
    let basic = Section {
        id: s("basic"),
        blocks: vec![
            heading(1, "一、部门（单位）基本情况"),
            heading(2, "（一）机构设置情况"),
            para(
                "示例县人力资源和社会保障局（本级）为正科级全额拨款行政单位。下设内设机构：办公室、法规股、人事和财务股、就业促进和失业保险股、养老保险股、工伤保险和农民工工作股、工资福利股、事业单位人事管理和专业技术人员管理股。",
            ),
            heading(2, "（二）人员编制情况"),
            para(
                "2024年末，公务员编制数12人，实有人数11人；机关后勤编制数1人，实有人数1人；事业编制数17人，实有人数14人；临时人员14人，退休人员17人。",
            ),
            heading(2, "（三）主要职能职责"),
            para(
                "（1）贯彻执行上级人力资源和社会保障方针政策、法律法规和决策部署，对全县人力资源和社会保障工作进行综合管理、协调服务。",
            ),
            para(
                "（2）负责促进就业工作，完善就业公共服务体系，落实就业援助制度，统筹建立面向城乡劳动者的职业培训制度，牵头落实高校毕业生就业政策。",
            ),
            heading(2, "（四）资产管理情况"),
            para(
                "截至2024年12月31日，账面反映固定资产原值1,632.30万元。其中：房屋和构筑物1,440.93万元（办公用房建筑面积2,350㎡），设备172.61万元，家具和用具18.76万元。",
            ),
        ],
    };
    let budget = Section {
        id: s("budget"),
        blocks: vec![
            heading(1, "二、一般公共预算支出情况"),
            heading(2, "（一）部门预算收支情况"),
            para("2024年年初预算数440.43万元，全年预算数1,430.40万元，具体安排情况如下："),
            heading(3, "1.基本支出"),
            para(
                "2024年年初预算数为335.43万元，是指为保障部门机构正常运转、完成日常工作任务而发生的各项支出。其中：①工资福利支出303.98万元；②对个人和家庭补助支出0万元；③商品和服务支出31.46万元，包括办公费、交通费、会议费、印刷费、水电费等日常公用经费。",
            ),
            heading(3, "2.项目支出"),
            para(
                "2024年年初预算数为105.00万元，是指部门为完成特定行政工作任务或事业发展目标而发生的支出，主要用于开展劳动人事争议仲裁、春节大走访、继续教育培训及社会保险基金监督等工作。",
            ),
            Block::Table(Table {
                caption: s("表1　2024年度预算执行情况（单位：万元）"),
                header: vec![
                    s("项目"),
                    s("年初预算数"),
                    s("全年预算数"),
                    s("全年执行数"),
                    s("执行率"),
                ],
                rows: vec![
                    vec![
                        s("基本支出"),
                        s("335.43"),
                        s("311.69"),
                        s("310.69"),
                        s("99.68%"),
                    ],
                    vec![
                        s("其中：人员经费"),
                        s("303.98"),
                        s("285.23"),
                        s("284.67"),
                        s("99.80%"),
                    ],
                    vec![
                        s("　　　公用经费"),
                        s("31.46"),
                        s("26.46"),
                        s("26.02"),
                        s("98.34%"),
                    ],
                    vec![
                        s("项目支出"),
                        s("105.00"),
                        s("1,118.71"),
                        s("1,118.71"),
                        s("100.00%"),
                    ],
                    vec![
                        s("合计"),
                        s("440.43"),
                        s("1,430.40"),
                        s("1,429.40"),
                        s("99.93%"),
                    ],
                ],
                align: vec![s("left"), s("right"), s("right"), s("right"), s("right")],
                spans: Vec::new(),
                totals: false,
            }),
            heading(2, "（二）部门收支决算情况"),
            heading(4, "（1）基本支出"),
            para(
                "2024年基本支出总额310.69万元，主要保障我局机构正常运转、完成日常工作任务而发生的各项支出，包括在职和离退休人员基本工资、津贴补贴等人员经费以及办公费、印刷费、水电费、办公设备购置等日常公用经费。",
            ),
            heading(4, "（2）项目支出"),
            para(
                "2024年项目支出总额1,118.71万元，其中社会保障基金监管工作目标兑现经费105.00万元，其他项目支出1,013.71万元。",
            ),
        ],
    };
    let performance = Section {
        id: s("performance"),
        blocks: vec![
            heading(1, "三、部门整体支出绩效情况"),
            heading(2, "（一）绩效目标完成情况"),
            heading(3, "1.全年预算执行率（分值10分，得分9.93分）"),
            para("全年预算1,430.40万元，全年执行1,429.40万元，执行率99.93%。"),
            heading(3, "2.产出指标（分值40分，得分40分）"),
            heading(4, "（1）数量指标（分值20分，得分20分）"),
            para(
                "全年开展业务学习120人次，组织各类人事招考2场，处理劳动人事争议案件20件，印刷、发放人社政策宣传册5,000份。",
            ),
            heading(4, "（2）质量指标（分值10分，得分10分）"),
            para("资金使用合规率100%，项目绩效目标达标率98%，投诉案件结案率≧99%。"),
            heading(2, "（二）存在的问题及原因分析"),
            para(
                "一是公用经费管控不够精细，存在办公用品浪费情况。内控制度执行不到位，对日常支出把关不严，节约意识不足。二是固定资产管理效率还有待提高，部分固定资产已达到更换年限，未及时更新，导致维护成本加大。",
            ),
            heading(2, "（三）下一步改进措施"),
            para(
                "建立「按需申领」制度，工作人员根据实际需求填写办公用品申领单，由专人审核及发放。对可维修的办公设备进行维修，延长使用寿命；确需采购的，按照采购流程购置，及时做好固定资产登记。",
            ),
        ],
    };
    ReportData {
        meta: meta("示例县人力资源和社会保障局"),
        sections: vec![basic, budget, performance],
        annex: Some(sample_annex()),
        basic_data: None,
        project_sheets: Vec::new(),
        tables: Default::default(),
    }
}

fn sample_annex() -> Annex {
    let span = |text: &str, rowspan| {
        Some(SpanCell {
            text: s(text),
            name: s(text),
            weight: String::new(),
            rowspan,
        })
    };
    let row =
        |levels: Vec<Option<SpanCell>>, target: &str, actual: &str, weight: &str, score: &str| {
            AnnexRow {
                levels,
                target: s(target),
                actual: s(actual),
                weight: s(weight),
                score: s(score),
                note: String::new(),
                remark: String::new(),
                standard: String::new(),
                description: String::new(),
            }
        };
    let mut rows = vec![
        row(
            vec![
                span("成本指标（20分）", 1),
                span("经济成本指标", 1),
                span("整体支出控制额", 1),
            ],
            "≦1,430.40万元",
            "1,429.40万元",
            "20",
            "20",
        ),
        row(
            vec![
                span("产出指标（40分）", 7),
                span("数量指标", 4),
                span("开展业务学习", 1),
            ],
            "≥100人次",
            "120人次",
            "5",
            "5",
        ),
        row(
            vec![None, None, span("组织各类人事招考", 1)],
            "≥2场",
            "2场",
            "5",
            "5",
        ),
        row(
            vec![None, None, span("处理劳动人事争议案件数量", 1)],
            "≥20件",
            "20件",
            "5",
            "5",
        ),
        row(
            vec![None, None, span("印刷、发放人社政策宣传册", 1)],
            "≥5,000份",
            "5,000份",
            "5",
            "5",
        ),
        row(
            vec![None, span("质量指标", 2), span("资金使用合规率", 1)],
            "100%",
            "100%",
            "5",
            "5",
        ),
        row(
            vec![None, None, span("办公用房面积控制", 1)],
            "≦2,400㎡",
            "2,350㎡",
            "5",
            "5",
        ),
        row(
            vec![None, span("时效指标", 1), span("完成时间", 1)],
            "2024年12月底前",
            "2024年12月底前",
            "10",
            "10",
        ),
        row(
            vec![
                span("效益指标（20分）", 3),
                span("经济效益指标", 1),
                span("投诉案件结案率", 1),
            ],
            "≥99%",
            "100%",
            "5",
            "5",
        ),
        row(
            vec![
                None,
                span("社会效益指标", 1),
                span("各项社会保险基金任务完成率", 1),
            ],
            "≥99%",
            "100%",
            "10",
            "10",
        ),
        row(
            vec![None, span("可持续影响指标", 1), span("可持续影响情况", 1)],
            "效果明显",
            "效果明显",
            "5",
            "5",
        ),
        row(
            vec![
                span("满意度指标（10分）", 1),
                span("服务对象满意度指标", 1),
                span("群众满意、工作人员满意率", 1),
            ],
            "≥98%",
            "98.6%",
            "10",
            "10",
        ),
        row(
            vec![
                span("预算执行（10分）", 2),
                span("预算执行率", 1),
                span("全年预算执行率", 1),
            ],
            "100%",
            "99.93%",
            "10",
            "9.93",
        ),
        row(
            vec![None, span("信息公开", 1), span("⑪⑫项公开事项", 1)],
            "按时公开",
            "按时公开",
            "0",
            "0",
        ),
    ];
    rows[12].note = s("年末1.00万元公用经费未支付，下一步加强预算执行进度管理，确保资金及时支付。");
    rows[6].note = s("按10²㎡为单位核定。");
    let goal = |n: usize, text: &str| AnnexGoal {
        expected: format!("目标{n}：{text}"),
        achieved: format!("目标{n}：已完成。{text}"),
    };
    Annex {
        label: s("附件1"),
        title: s("2024年度部门（单位）整体支出绩效自评表"),
        unit: s("示例县人力资源和社会保障局"),
        money_unit: s("单位：万元"),
        budget: AnnexBudget {
            initial: s("440.43"),
            full: s("1,430.40"),
            actual: s("1,429.40"),
            weight: s("10"),
            rate: s("99.93%"),
            score: s("9.93"),
            basic: s("310.69"),
            project: s("1,118.71"),
        },
        goals: vec![
            goal(
                1,
                "开展劳动人事争议仲裁工作；承担机关有关规范性文件的合法性审查工作；开展行政复议、行政应诉、听证和执法监督等相关工作。",
            ),
            goal(
                2,
                "依法规范和管理全县人力资源市场，开展高校毕业生「三支一扶」和见习基地工作，指导全县职业技能培训、职业技能鉴定工作。",
            ),
            goal(3, "开展春节大走访，给困难人员送温暖。"),
            goal(
                4,
                "对各项社会保险基金实施监督，参与基金预算执行情况的监督工作。",
            ),
        ],
        level_names: vec![s("一级指标"), s("二级指标"), s("三级指标")],
        rows,
        total_weight: s("100"),
        total_score: s("99.93"),
        conversion: None,
        grade: Some(s("优")),
        footer: vec![
            s("填表人：张三"),
            s("填报日期：2025.5.1"),
            s("联系电话：0745-0000000"),
            s("单位负责人签字："),
        ],
    }
}

fn render_ok(data: &ReportData) -> Vec<u8> {
    render_layout_ok(&hunan_files(), data)
}

fn render_layout_ok(files: &BTreeMap<String, Vec<u8>>, data: &ReportData) -> Vec<u8> {
    let input = RenderInput {
        files,
        main: "report.typ",
        data,
        fonts: FontSet::bundled(),
        chosen: &ChosenFonts::default(),
        archive: None,
        limits: None,
    };
    match render(&input) {
        Ok((pdf, warnings)) => {
            assert!(warnings.is_empty(), "{}", RenderError::Typst(warnings));
            pdf
        }
        Err(err) => panic!("{err}"),
    }
}

/// The PDF's text as `pdftotext -raw` (poppler-utils) reads it: in content
/// order, which for Typst is reading order, table rows included.
fn pdf_text(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils) must be installed for this test");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sample_renders_deterministically() {
    let data = sample();
    let first = render_ok(&data);
    // Set ZPBG_SAMPLE_PDF=/tmp/sample.pdf to look at the result.
    if let Some(path) = std::env::var_os("ZPBG_SAMPLE_PDF") {
        std::fs::write(path, &first).unwrap();
    }
    assert!(first.starts_with(b"%PDF-"));
    assert!(first == render_ok(&data), "two renders differ");
}

#[test]
fn text_reads_back_in_order() {
    let text = pdf_text(&render_ok(&sample()));
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let expected = [
        "2024年度示例县人力资源和社会保障局",
        "单位名称：示例县人力资源和社会保障局（盖章）",
        "目录",
        "一、部门（单位）基本情况",
        "（一）机构设置情况",
        "一、部门（单位）基本情况",
        "办公用房建筑面积2,350㎡",
        "表12024年度预算执行情况（单位：万元）",
        "投诉案件结案率≧99%",
        "附件1",
        "2024年度部门（单位）整体支出绩效自评表",
        "10²㎡",
        "⑪⑫项公开事项",
        "总分10099.93",
    ];
    let mut rest = squeezed.as_str();
    for want in expected {
        let want: String = want
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '　')
            .collect();
        let at = rest
            .find(&want)
            .unwrap_or_else(|| panic!("「{want}」 missing or out of order in:\n{text}"));
        rest = &rest[at + want.len()..];
    }
}

#[test]
fn user_text_is_never_markup() {
    let nasty = "#panic(\"x\") ] [ *b* _i_ $x^2$ @ref <lab> \\ `raw` #{1+1} // c /* d */ = h";
    let mut data = sample();
    data.meta = meta(nasty);
    data.meta.front_matter = false;
    data.sections = vec![Section {
        id: s("x"),
        blocks: vec![
            heading(1, nasty),
            para(nasty),
            Block::Table(Table {
                caption: s(nasty),
                header: vec![s(nasty)],
                rows: vec![vec![s(nasty)]],
                align: vec![s(nasty)],
                spans: vec![1],
                totals: true,
            }),
        ],
    }];
    let annex = data.annex.as_mut().unwrap();
    annex.unit = s(nasty);
    annex.rows[0].note = s(nasty);
    annex.level_names[0] = s(nasty);
    annex.footer = vec![s(nasty)];

    let text = pdf_text(&render_ok(&data));
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let want: String = nasty.chars().filter(|c| !c.is_whitespace()).collect();
    // Title, heading, paragraph, caption, header cell, body cell, annex unit,
    // level name, note and footer: each printed literally.
    assert!(squeezed.matches(&want).count() >= 10, "{text}");
}

#[test]
fn errors_name_the_template_line() {
    let mut files = hunan_files();
    files.insert(
        s("report.typ"),
        b"#import \"/lib/gongwen.typ\": *\n\n#undefined-thing".to_vec(),
    );
    let data = sample();
    let fail = |files: &BTreeMap<String, Vec<u8>>| {
        render_pdf(&RenderInput {
            files,
            main: "report.typ",
            data: &data,
            fonts: FontSet::bundled(),
            chosen: &ChosenFonts::default(),
            archive: None,
            limits: None,
        })
        .unwrap_err()
    };
    let shown = fail(&files).to_string();
    assert!(shown.starts_with("模板排版失败"), "{shown}");
    assert!(shown.contains("report.typ:3："), "{shown}");

    files.insert(
        s("report.typ"),
        b"#read(\"/etc/passwd\") #read(\"../Cargo.toml\")".to_vec(),
    );
    let err = fail(&files);
    assert!(matches!(err, RenderError::Typst(_)), "{err}");
}

#[test]
fn section_preview_without_front_matter_or_annex() {
    let mut data = sample();
    data.meta.front_matter = false;
    data.annex = None;
    data.sections.truncate(1);
    let text = pdf_text(&render_ok(&data));
    assert!(!text.contains("盖章"), "no cover expected:\n{text}");
    assert!(text.contains("一、部门（单位）基本情况"), "{text}");
    assert!(!text.contains("附件1"), "no annex expected:\n{text}");
}

#[test]
fn annex_takes_any_number_of_levels() {
    for levels in [2, 4] {
        let mut data = sample();
        data.sections.truncate(1);
        let annex = data.annex.as_mut().unwrap();
        annex.goals.clear();
        annex.footer.clear();
        if levels == 2 {
            annex.level_names.remove(1);
            annex
                .rows
                .iter_mut()
                .for_each(|row| drop(row.levels.remove(1)));
        } else {
            annex.level_names.push(s("四级指标"));
            for row in &mut annex.rows {
                let text = format!("{}评分细则", row.levels[2].as_ref().unwrap().text);
                row.levels.push(Some(SpanCell {
                    name: text.clone(),
                    text,
                    weight: String::new(),
                    rowspan: 1,
                }));
            }
        }
        let pdf = render_ok(&data);
        if let Some(dir) = std::env::var_os("ZPBG_SAMPLE_DIR") {
            std::fs::write(
                std::path::Path::new(&dir).join(format!("levels{levels}.pdf")),
                &pdf,
            )
            .unwrap();
        }
        // The narrow level columns may wrap the name inside its cell.
        let text = pdf_text(&pdf).replace(['\n', ' '], "");
        assert!(text.contains("全年预算执行率"), "{text}");
    }
}

/// Groups that run over page breaks are cut per page where the previous
/// layout pass placed the rows. The cut must settle — Typst warns when a
/// document does not converge, which `render_layout_ok` refuses — and give
/// the same bytes every time, in every built-in layout. The sizes include
/// ones where a group opens on the last row of a page, which kept moving
/// between pages when the cut labels could make their rows taller.
#[test]
fn long_groups_settle_in_every_layout() {
    for extra in [10, 21, 30, 36] {
        let data = long_group(extra);
        for profile in ["hunan-2024", "hunan-2020", "henan-2022"] {
            let files = layout_files(profile);
            let pdf = render_layout_ok(&files, &data);
            if extra == 36 {
                assert!(
                    pdf == render_layout_ok(&files, &data),
                    "{profile}: renders differ"
                );
            }
            let text: String = pdf_text(&pdf).split_whitespace().collect();
            assert!(text.contains("第1项业务指标"), "{profile}, {extra}: {text}");
        }
    }
}

/// The sample with `extra` more rows in 产出指标 / 数量指标.
fn long_group(extra: usize) -> ReportData {
    let mut data = sample();
    data.sections.truncate(1);
    let annex = data.annex.as_mut().unwrap();
    for cell in annex.rows[1].levels[..2].iter_mut().flatten() {
        cell.rowspan += extra;
    }
    for i in 0..extra {
        let mut row = annex.rows[2].clone();
        let cell = row.levels[2].as_mut().unwrap();
        cell.text = format!("第{}项业务指标", extra - i);
        cell.name = cell.text.clone();
        annex.rows.insert(2, row);
    }
    data
}
