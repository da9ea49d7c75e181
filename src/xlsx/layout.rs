//! The one description of the facts workbook: which sheet, row and column
//! holds which facts field, its Chinese label, its kind and a note. The
//! writer (`write`) and the reader (`read`) both walk it, so they cannot
//! drift apart. The tables a profile declares are described by the sheets
//! themselves (see [`TABLE_KEYS_ROW`]), so reading needs no profile.

/// What a cell holds, which decides how it is read, validated and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A list of texts, one per line of the cell.
    Lines,
    /// 万元, at least 0.
    Amount,
    /// Any number; a percent cell or `98%` reads as 98.
    Number,
    /// A whole number at least 0.
    Integer,
    Date,
    /// 是 or 否.
    Bool,
    /// 是 or 否 per checklist item, separated by 、.
    Flags,
    /// One of the listed values.
    Choice(&'static [&'static str]),
    /// A framework indicator id (a dropdown of the profile's ids).
    IndicatorId,
    /// An open framework branch (a dropdown of the profile's branches).
    Branch,
    /// A declared text block's name (a dropdown of the profile's blocks).
    TextName,
    /// The name of a project on the 项目 sheet; empty for the unit itself.
    Project,
    /// Written for the reader's benefit and never read back (an indicator's
    /// name beside its id).
    Info,
}

impl Kind {
    /// Its name in notes and messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text | Kind::Info => "文字",
            Kind::Lines => "文字，每行一项（单元格内换行：Alt+Enter）",
            Kind::Amount => "金额（万元），不小于 0",
            Kind::Number => "数值；百分比填百分数，如 98 或 98%",
            Kind::Integer => "不小于 0 的整数",
            Kind::Date => "日期，如 2025-12-31",
            Kind::Bool => "是 或 否",
            Kind::Flags => "逐项填 是 或 否，以顿号分隔，如 是、是、否",
            Kind::Choice(_) => "从下拉列表选择",
            Kind::IndicatorId => "评价指标编号，从下拉列表选择",
            Kind::Branch => "指标所属的框架分支，从下拉列表选择",
            Kind::TextName => "文字块名称，从下拉列表选择",
            Kind::Project => "所属项目名称（与「项目」表一致）；单位整体的留空",
        }
    }
}

/// One facts field: its dotted key within the sheet's record (or from the
/// top for a form sheet), label and kind. `required` means required
/// whenever the table it belongs to is given at all.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub note: &'static str,
}

const fn f(key: &'static str, label: &'static str, kind: Kind, note: &'static str) -> Field {
    Field {
        key,
        label,
        kind,
        required: false,
        note,
    }
}

const fn req(key: &'static str, label: &'static str, kind: Kind, note: &'static str) -> Field {
    Field {
        key,
        label,
        kind,
        required: true,
        note,
    }
}

/// How a sheet lays out its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One record: a field per row (label in A, value in B, note in C).
    Form,
    /// Records under the array at `path`: a field per column, a record per
    /// row below the header.
    Rows { path: &'static str },
    /// Records under the table at `path`, each under the key in the first
    /// column (`assess.<id>`).
    Keyed { path: &'static str },
    /// The paragraphs of `text.<name>`, one per row: the name, then the text.
    Paragraphs,
}

#[derive(Debug, Clone, Copy)]
pub struct Sheet {
    pub name: &'static str,
    pub shape: Shape,
    pub fields: &'static [Field],
}

/// The header row of record sheets; records start below it.
pub const HEADER_ROW: u32 = 0;
/// Rows a record sheet offers for input (formatted, validated, unlocked).
pub const INPUT_ROWS: u32 = 200;
/// On a sheet of a profile-declared table: the row under the header that
/// names each column's facts key and kind (`tables.<id>.<key>:<kind>`), so
/// the workbook describes itself and reading needs no profile.
pub const TABLE_KEYS_ROW: u32 = 1;
/// The first record row of a declared table's sheet.
pub const TABLE_FIRST_ROW: u32 = 2;

const TIERS: &[&str] = &["达成", "部分达成", "未达成"];
const OPS: &[&str] = &[">=", "<=", "=", ">", "<"];

/// The target of an indicator, in the columns of its row.
macro_rules! target_fields {
    () => {
        [
            f(
                "target.op",
                "目标比较",
                Kind::Choice(OPS),
                "定量目标的比较方式：>= 不低于、<= 不高于、= 等于；与「目标值」一起填",
            ),
            f("target.value", "目标值", Kind::Number, "定量目标的数值"),
            f("target.min", "目标下限", Kind::Number, "区间目标的下限（含）；与上限一起填"),
            f("target.max", "目标上限", Kind::Number, "区间目标的上限（含）"),
            f(
                "target.text",
                "目标文字",
                Kind::Text,
                "定性目标的文字，如「按时完成」",
            ),
            f(
                "target.met",
                "目标是否达成",
                Kind::Bool,
                "定性目标只判断达成与否时填 是/否（满分或零分）；按档次评分时留空",
            ),
        ]
    };
}

const INDICATOR: [Field; 17] = {
    let t = target_fields!();
    [
        f(
            "project",
            "所属项目",
            Kind::Project,
            "项目的指标填项目名称；单位整体的指标留空",
        ),
        req(
            "branch",
            "框架分支",
            Kind::Branch,
            "指标所属的框架分支，如 output.quantity",
        ),
        req("name", "指标名称", Kind::Text, "三级指标名称"),
        req("weight", "分值", Kind::Number, "分值，最多两位小数"),
        t[0],
        t[1],
        t[2],
        t[3],
        t[4],
        t[5],
        f("unit", "计量单位", Kind::Text, "如 人次、%、万元"),
        f("actual", "实际完成值", Kind::Number, "定量指标的实际完成值"),
        f(
            "actual_figure",
            "引用计算值",
            Kind::Text,
            "以计算值作实际完成值时填其编号，如 actual_total",
        ),
        f(
            "actual_text",
            "实际完成情况",
            Kind::Text,
            "定性指标的实际完成情况",
        ),
        f(
            "tier",
            "达成档次",
            Kind::Choice(TIERS),
            "定性指标按档次评分时选择",
        ),
        f("score", "评分", Kind::Number, "定性指标按档次评分时的得分"),
        f("reason", "偏差原因", Kind::Text, "失分时说明原因"),
    ]
};

const INDICATOR_TAIL: [Field; 2] = [
    f("measure", "改进措施", Kind::Text, "针对偏差的改进措施"),
    f("remark", "备注", Kind::Text, ""),
];

const fn concat<const A: usize, const B: usize, const C: usize>(
    a: [Field; A],
    b: [Field; B],
) -> [Field; C] {
    let mut out = [a[0]; C];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < C {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

const INDICATORS: [Field; 19] = concat(INDICATOR, INDICATOR_TAIL);

const ASSESS: [Field; 21] = {
    let t = target_fields!();
    [
        req(
            "id",
            "指标编号",
            Kind::IndicatorId,
            "评价指标体系中的指标编号，从下拉列表选择",
        ),
        f("name", "指标名称", Kind::Info, "仅供对照，读取时不使用"),
        f(
            "na",
            "不适用",
            Kind::Bool,
            "本年度无此事项时填 是，并在「原因」中说明",
        ),
        f("score", "评分", Kind::Number, "评价人给出的得分"),
        f("tier", "档次", Kind::Text, "按档次评分的指标选定的档次"),
        f("level", "等级", Kind::Text, "按等级评分的指标选定的等级"),
        f(
            "met",
            "逐项符合",
            Kind::Flags,
            "清单类指标：逐项填 是/否，以顿号分隔",
        ),
        f(
            "cases",
            "不合规件数",
            Kind::Integer,
            "按件扣分的指标发现的不合规件数",
        ),
        f("value", "指标值", Kind::Number, "计算类指标直接给出的数值"),
        t[0],
        t[1],
        t[2],
        t[3],
        t[4],
        t[5],
        f("unit", "计量单位", Kind::Text, ""),
        f("actual", "实际完成值", Kind::Number, ""),
        f(
            "actual_figure",
            "引用计算值",
            Kind::Text,
            "以计算值作实际完成值时填其编号",
        ),
        f("actual_text", "实际完成情况", Kind::Text, ""),
        f("reason", "原因", Kind::Text, "失分或不适用的原因"),
        f("measure", "改进措施", Kind::Text, ""),
    ]
};

const ASSESS_ALL: [Field; 22] = concat(ASSESS, [f("remark", "备注", Kind::Text, "")]);

/// The fixed sheets, in workbook order. A record sheet's first column is
/// its key (assess id, text name) where it has one.
pub const SHEETS: &[Sheet] = &[
    Sheet {
        name: "单位信息",
        shape: Shape::Form,
        fields: &[
            f(
                "profile",
                "模板配置",
                Kind::Text,
                "内置配置名（如 hunan-2024）或配置目录；可不填",
            ),
            req("unit.name", "单位名称", Kind::Text, "单位全称"),
            f("unit.level", "机构级别", Kind::Text, "如 正科级"),
            f("unit.kind", "单位性质", Kind::Text, "如 全额拨款行政单位"),
            f("unit.departments", "内设机构", Kind::Lines, "每行一个"),
            f(
                "unit.subordinates",
                "下属单位",
                Kind::Lines,
                "纳入评价的下属单位，每行一个",
            ),
            f("unit.functions", "主要职能", Kind::Lines, "每行一条"),
            req(
                "report.year",
                "评价年度",
                Kind::Integer,
                "所评价的预算年度，如 2025",
            ),
            f(
                "report.date",
                "报告日期",
                Kind::Date,
                "印在封面上，须在评价年度结束之后",
            ),
            f("report.preparer", "填表人", Kind::Text, ""),
            f("report.phone", "联系电话", Kind::Text, ""),
        ],
    },
    Sheet {
        name: "人员",
        shape: Shape::Form,
        fields: &[
            f(
                "staffing.establishment",
                "编制总数",
                Kind::Integer,
                "可不填：由「人员编制」各类相加",
            ),
            f(
                "staffing.actual",
                "实有总人数",
                Kind::Integer,
                "可不填：由「人员编制」各类相加",
            ),
            f("staffing.temporary", "临时人员", Kind::Integer, "人"),
            f("staffing.retired", "退休人员", Kind::Integer, "人"),
        ],
    },
    Sheet {
        name: "人员编制",
        shape: Shape::Rows {
            path: "staffing.categories",
        },
        fields: &[
            req("name", "类别", Kind::Text, "如 行政、事业、工勤"),
            req("establishment", "编制数", Kind::Integer, "人"),
            req("actual", "实有人数", Kind::Integer, "人"),
        ],
    },
    Sheet {
        name: "资金",
        shape: Shape::Form,
        fields: &[
            f(
                "money.carryover_begin",
                "上年结转结余",
                Kind::Amount,
                "万元",
            ),
            req(
                "money.budget_full",
                "全年预算数",
                Kind::Amount,
                "年初预算加全年调整，万元",
            ),
            f("money.adjustments", "本年追加预算", Kind::Amount, "万元"),
            f(
                "money.income",
                "本年收入合计",
                Kind::Amount,
                "决算报表数，万元",
            ),
            f(
                "money.expenditure_reported",
                "本年支出合计",
                Kind::Amount,
                "决算报表数，万元",
            ),
            f("money.carryover_end", "年末结转结余", Kind::Amount, "万元"),
            f(
                "money.basic.personnel.previous",
                "人员经费上年决算数",
                Kind::Amount,
                "万元",
            ),
            req(
                "money.basic.personnel.budget",
                "人员经费年初预算数",
                Kind::Amount,
                "填写基本支出时必填，万元",
            ),
            req(
                "money.basic.personnel.actual",
                "人员经费全年执行数",
                Kind::Amount,
                "填写基本支出时必填，万元",
            ),
            f(
                "money.basic.public.previous",
                "公用经费上年决算数",
                Kind::Amount,
                "万元",
            ),
            req(
                "money.basic.public.budget",
                "公用经费年初预算数",
                Kind::Amount,
                "填写基本支出时必填，万元",
            ),
            req(
                "money.basic.public.actual",
                "公用经费全年执行数",
                Kind::Amount,
                "填写基本支出时必填，万元",
            ),
            f(
                "money.basic.adjustment",
                "基本支出预算调整数",
                Kind::Number,
                "全年预算减年初预算，调减为负数，万元",
            ),
            f(
                "money.adjustment_reason",
                "预算调整原因",
                Kind::Text,
                "全年预算较年初预算变化的原因",
            ),
            f(
                "money.underspend_reason",
                "未支出原因",
                Kind::Text,
                "预算执行率未达 100% 的原因",
            ),
            f(
                "money.carryover_reason",
                "结转结余原因",
                Kind::Text,
                "年末结转结余是哪些资金、为什么结转",
            ),
            req(
                "money.government_fund.budget",
                "政府性基金年初预算数",
                Kind::Amount,
                "有政府性基金预算支出时填写，万元",
            ),
            req(
                "money.government_fund.actual",
                "政府性基金全年执行数",
                Kind::Amount,
                "万元",
            ),
            f(
                "money.government_fund.purpose",
                "政府性基金用途",
                Kind::Text,
                "",
            ),
            req(
                "money.state_capital.budget",
                "国有资本经营年初预算数",
                Kind::Amount,
                "有国有资本经营预算支出时填写，万元",
            ),
            req(
                "money.state_capital.actual",
                "国有资本经营全年执行数",
                Kind::Amount,
                "万元",
            ),
            f(
                "money.state_capital.purpose",
                "国有资本经营用途",
                Kind::Text,
                "",
            ),
            req(
                "money.social_insurance.budget",
                "社会保险基金年初预算数",
                Kind::Amount,
                "有社会保险基金预算支出时填写，万元",
            ),
            req(
                "money.social_insurance.actual",
                "社会保险基金全年执行数",
                Kind::Amount,
                "万元",
            ),
            f(
                "money.social_insurance.purpose",
                "社会保险基金用途",
                Kind::Text,
                "",
            ),
            req(
                "special_funds.total",
                "专项资金总数",
                Kind::Amount,
                "部门参与分配的专项资金，万元",
            ),
            req(
                "special_funds.detailed",
                "已细化专项资金",
                Kind::Amount,
                "已细化到具体乡镇和承担单位的，万元",
            ),
        ],
    },
    Sheet {
        name: "资金来源",
        shape: Shape::Rows {
            path: "money.sources",
        },
        fields: &[
            req("name", "资金来源", Kind::Text, "如 一般公共预算"),
            req("amount", "金额", Kind::Amount, "万元"),
        ],
    },
    Sheet {
        name: "公用经费明细",
        shape: Shape::Rows {
            path: "money.public_items",
        },
        fields: &[
            req("name", "明细名称", Kind::Text, "办公费、水电费、差旅费等"),
            f("previous", "上年决算数", Kind::Amount, "万元"),
            req("budget", "本年预算数", Kind::Amount, "万元"),
            req("actual", "本年决算数", Kind::Amount, "万元"),
        ],
    },
    Sheet {
        name: "上年项目支出",
        shape: Shape::Rows {
            path: "money.previous_projects",
        },
        fields: &[
            req(
                "category",
                "项目类别",
                Kind::Text,
                "与「项目」表的项目类别对应",
            ),
            req("amount", "上年决算数", Kind::Amount, "万元"),
        ],
    },
    Sheet {
        name: "项目",
        shape: Shape::Rows { path: "projects" },
        fields: &[
            req("name", "项目名称", Kind::Text, "项目名称，不要重复"),
            f(
                "category",
                "项目类别",
                Kind::Text,
                "如 业务工作经费、运行维护费、市级专项资金",
            ),
            req("budget", "年初预算", Kind::Amount, "万元"),
            f(
                "budget_full",
                "全年预算",
                Kind::Amount,
                "万元；缺省为年初预算",
            ),
            req("actual", "全年执行数", Kind::Amount, "万元"),
            f("purpose", "主要用途", Kind::Text, ""),
            f("department", "主管部门", Kind::Text, "缺省为本单位"),
            f("implementer", "实施单位", Kind::Text, "缺省为本单位"),
            req(
                "funds.appropriation.budget",
                "财政拨款年初预算",
                Kind::Amount,
                "按资金来源拆分时填写，万元",
            ),
            f(
                "funds.appropriation.budget_full",
                "财政拨款全年预算",
                Kind::Amount,
                "万元",
            ),
            req(
                "funds.appropriation.actual",
                "财政拨款全年执行数",
                Kind::Amount,
                "万元",
            ),
            req(
                "funds.carryover.budget",
                "上年结转年初预算",
                Kind::Amount,
                "万元",
            ),
            f(
                "funds.carryover.budget_full",
                "上年结转全年预算",
                Kind::Amount,
                "万元",
            ),
            req(
                "funds.carryover.actual",
                "上年结转全年执行数",
                Kind::Amount,
                "万元",
            ),
            req(
                "funds.other.budget",
                "其他资金年初预算",
                Kind::Amount,
                "万元",
            ),
            f(
                "funds.other.budget_full",
                "其他资金全年预算",
                Kind::Amount,
                "万元",
            ),
            req(
                "funds.other.actual",
                "其他资金全年执行数",
                Kind::Amount,
                "万元",
            ),
        ],
    },
    Sheet {
        name: "三公经费",
        shape: Shape::Form,
        fields: &[
            f(
                "three_public.overseas.previous",
                "因公出国（境）费上年决算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.overseas.budget",
                "因公出国（境）费本年预算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.overseas.actual",
                "因公出国（境）费本年决算",
                Kind::Amount,
                "万元",
            ),
            f(
                "three_public.vehicle_purchase.previous",
                "公务用车购置费上年决算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.vehicle_purchase.budget",
                "公务用车购置费本年预算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.vehicle_purchase.actual",
                "公务用车购置费本年决算",
                Kind::Amount,
                "万元",
            ),
            f(
                "three_public.vehicle_operation.previous",
                "公务用车运行维护费上年决算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.vehicle_operation.budget",
                "公务用车运行维护费本年预算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.vehicle_operation.actual",
                "公务用车运行维护费本年决算",
                Kind::Amount,
                "万元",
            ),
            f(
                "three_public.reception.previous",
                "公务接待费上年决算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.reception.budget",
                "公务接待费本年预算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.reception.actual",
                "公务接待费本年决算",
                Kind::Amount,
                "万元",
            ),
            f(
                "three_public.total.previous",
                "合计上年决算",
                Kind::Amount,
                "决算报表的合计数，可不填，万元",
            ),
            req(
                "three_public.total.budget",
                "合计本年预算",
                Kind::Amount,
                "万元",
            ),
            req(
                "three_public.total.actual",
                "合计本年决算",
                Kind::Amount,
                "万元",
            ),
        ],
    },
    Sheet {
        name: "政府采购",
        shape: Shape::Form,
        fields: &[
            req("procurement.budget", "政府采购预算数", Kind::Amount, "万元"),
            req(
                "procurement.actual",
                "实际政府采购金额",
                Kind::Amount,
                "万元",
            ),
        ],
    },
    Sheet {
        name: "资产",
        shape: Shape::Form,
        fields: &[
            f(
                "assets.as_of",
                "统计截止日期",
                Kind::Date,
                "缺省为评价年度年末",
            ),
            req(
                "building.approved_area",
                "新建楼堂馆所批复规模",
                Kind::Number,
                "本年竣工的新建楼堂馆所，平方米",
            ),
            req(
                "building.actual_area",
                "新建楼堂馆所实际规模",
                Kind::Number,
                "平方米",
            ),
            req(
                "building.approved_investment",
                "新建楼堂馆所预算投资",
                Kind::Amount,
                "万元",
            ),
            req(
                "building.actual_investment",
                "新建楼堂馆所实际投资",
                Kind::Amount,
                "万元",
            ),
        ],
    },
    Sheet {
        name: "固定资产",
        shape: Shape::Rows {
            path: "assets.fixed",
        },
        fields: &[
            req("name", "资产类别", Kind::Text, "如 房屋和构筑物、通用设备"),
            req("value", "原值", Kind::Amount, "万元"),
        ],
    },
    Sheet {
        name: "满意度与绩效管理",
        shape: Shape::Form,
        fields: &[
            req("survey.issued", "发放问卷", Kind::Integer, "份"),
            req("survey.returned", "回收问卷", Kind::Integer, "份"),
            req("survey.valid", "有效问卷", Kind::Integer, "份"),
            req(
                "survey.satisfied",
                "满意（含比较满意）",
                Kind::Integer,
                "份",
            ),
            req(
                "performance_management.projects",
                "部门项目总数",
                Kind::Integer,
                "个",
            ),
            req(
                "performance_management.monitored",
                "已完成绩效监控的项目数",
                Kind::Integer,
                "个",
            ),
            req(
                "performance_management.self_evaluated",
                "已完成绩效自评的项目数",
                Kind::Integer,
                "个",
            ),
            req(
                "performance_management.key_projects",
                "部门重点绩效评价项目数",
                Kind::Integer,
                "个",
            ),
            req(
                "performance_management.key_evaluated",
                "已完成重点评价的项目数",
                Kind::Integer,
                "个",
            ),
            req(
                "performance_management.suggestions",
                "评价提出的意见建议数",
                Kind::Integer,
                "条",
            ),
            req(
                "performance_management.adopted",
                "其中已采纳的",
                Kind::Integer,
                "条",
            ),
        ],
    },
    Sheet {
        name: "绩效目标",
        shape: Shape::Rows { path: "goals" },
        fields: &[
            f(
                "project",
                "所属项目",
                Kind::Project,
                "项目的目标填项目名称；单位整体的目标留空",
            ),
            req("expected", "预期目标", Kind::Text, ""),
            req("achieved", "实际完成情况", Kind::Text, ""),
        ],
    },
    Sheet {
        name: "绩效指标",
        shape: Shape::Rows { path: "indicators" },
        fields: &INDICATORS,
    },
    Sheet {
        name: "评分事项",
        shape: Shape::Keyed { path: "assess" },
        fields: &ASSESS_ALL,
    },
    Sheet {
        name: "问题与措施",
        shape: Shape::Rows { path: "problems" },
        fields: &[
            req("problem", "存在的问题", Kind::Text, "用自己的话写问题"),
            f("cause", "原因", Kind::Text, "问题为什么发生"),
            f(
                "indicators",
                "涉及的失分指标",
                Kind::Lines,
                "指标名称或编号，每行一个",
            ),
            f("measure", "改进措施", Kind::Text, ""),
        ],
    },
    Sheet {
        name: "文字说明",
        shape: Shape::Paragraphs,
        fields: &[
            req("name", "文字块", Kind::TextName, "模板配置声明的文字块"),
            f("title", "标题", Kind::Info, "仅供对照，读取时不使用"),
            req(
                "text",
                "段落",
                Kind::Text,
                "一行一段；多段写多行，文字块相同",
            ),
        ],
    },
];

/// The sheet listing the dropdowns' choices; written, never read.
pub const CHOICES_SHEET: &str = "选项";
/// The sheet explaining how to fill the workbook; written, never read.
pub const HELP_SHEET: &str = "填表说明";

/// A1-style name of a cell, `资金!B3`, for messages.
pub fn cell_name(sheet: &str, row: u32, col: u16) -> String {
    format!("{sheet}!{}{}", column_letters(col), row + 1)
}

/// `A`, `B`, …, `Z`, `AA`, … for a column counted from 0.
pub fn column_letters(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// The table a field sits in (`money.basic.personnel` of
/// `money.basic.personnel.budget`): where it is given at all, a `required`
/// field of it must be too.
pub fn parent(key: &str) -> &str {
    key.rsplit_once('.').map_or("", |(parent, _)| parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(cell_name("资金", 6, 2), "资金!C7");
    }

    #[test]
    fn sheet_names_and_keys_are_unique() {
        let mut names: Vec<&str> = SHEETS.iter().map(|s| s.name).collect();
        names.extend([CHOICES_SHEET, HELP_SHEET]);
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), before);
        for sheet in SHEETS {
            assert!(sheet.name.chars().count() <= 31, "{}", sheet.name);
            let mut keys: Vec<&str> = sheet.fields.iter().map(|f| f.key).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), sheet.fields.len(), "{}", sheet.name);
        }
    }
}
