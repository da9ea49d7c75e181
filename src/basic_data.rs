//! The annex 部门整体支出绩效评价基础数据表: staff, then the money of 基本支出,
//! 公用经费 and its items, 三公经费, 项目支出 by category, 政府采购 and the
//! 基本支出 adjustment in three columns (上年决算数, 本年预算数, 本年决算数),
//! then 楼堂馆所 and the unit's 厉行节约 measures. Every cell comes from the
//! facts or the figures; a subtotal is the sum of the rows under it as
//! printed, and a value the facts do not give prints as 「—」, never as 0.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::annex;
use crate::declared::Declared;
use crate::display;
use crate::facts::{Facts, FactsFile, ThreePublicItem};
use crate::figures::Figures;
use crate::num;
use crate::profile::Profile;
use crate::report::{BasicData, BasicDataBlock, BasicDataMoney, BasicDataRow, BasicDataText};

/// Printed where the facts give no value.
pub const NONE: &str = "—";

/// The declared text block printed as 厉行节约保障措施.
pub const THRIFT_TEXT: &str = "thrift";

/// The category of projects that name none.
pub const OTHER_CATEGORY: &str = "其他";

/// The annex of one unit, when the profile declares it; `date` is the
/// report date, already checked.
pub fn build(
    profile: &Profile,
    facts: &FactsFile,
    figures: &Figures,
    declared: &Declared,
    date: Option<NaiveDate>,
) -> Option<BasicData> {
    let part = profile.annex.basic_data.as_ref()?;
    let f = &facts.data;
    let year = f.report.year;
    let grouped = profile.money_grouping;
    let figure = |id: &str| {
        figures
            .get(id)
            .and_then(|fig| Some(display::figure(fig.kind, fig.value.clone().ok()?, grouped)))
            .unwrap_or_else(|| NONE.into())
    };
    let building = match &f.building {
        Some(b) => vec![
            b.approved_area.normalize().to_string(),
            b.actual_area.normalize().to_string(),
            figure("building_area_control_rate"),
            num::money(b.approved_investment, grouped),
            num::money(b.actual_investment, grouped),
            figure("building_investment_control_rate"),
        ],
        None => vec![NONE.to_string(); 6],
    };
    let thrift = declared
        .text
        .get(THRIFT_TEXT)
        .filter(|paragraphs| !paragraphs.is_empty())
        .cloned()
        .unwrap_or_else(|| vec![NONE.into()]);
    Some(BasicData {
        label: part.label.clone(),
        title: part.title_for(year, &f.unit.name),
        unit: format!("填报单位：{}", f.unit.name),
        staff: BasicDataBlock {
            title: "财政供养人员情况（人）".into(),
            header: vec!["编制".into(), format!("{year}年实际在职人数"), "控制率".into()],
            values: vec![
                figure("staff_establishment"),
                figure("staff_actual"),
                figure("staff_control_rate"),
            ],
        },
        money: BasicDataMoney {
            title: "经费控制情况（万元）".into(),
            header: vec![
                format!("{}年决算数", year - 1),
                format!("{year}年预算数"),
                format!("{year}年决算数"),
            ],
            rows: money_rows(f, figures)
                .into_iter()
                .map(|row| row.print(grouped))
                .collect(),
        },
        building: BasicDataBlock {
            title: format!("楼堂馆所控制情况（{year}年完工项目）"),
            header: [
                "批复规模（㎡）",
                "实际规模（㎡）",
                "规模控制率",
                "预算投资（万元）",
                "实际投资（万元）",
                "投资概算控制率",
            ]
            .map(String::from)
            .to_vec(),
            values: building,
        },
        thrift: BasicDataText {
            title: "厉行节约保障措施".into(),
            paragraphs: thrift,
        },
        note: "说明：“项目支出”需要填报基本支出以外的所有项目支出情况，“公用经费”填报基本支出中的一般商品和服务支出。".into(),
        footer: annex::signature(f, date),
    })
}

/// 上年决算数, 本年预算数 and 本年决算数 of one row, rounded as printed;
/// `None` where the facts do not say.
#[derive(Debug, Clone, Copy, Default)]
struct Amounts {
    previous: Option<Decimal>,
    budget: Option<Decimal>,
    actual: Option<Decimal>,
}

impl Amounts {
    fn new(previous: Option<Decimal>, budget: Option<Decimal>, actual: Option<Decimal>) -> Self {
        Amounts {
            previous: previous.map(num::round2),
            budget: budget.map(num::round2),
            actual: actual.map(num::round2),
        }
    }

    fn of(item: &ThreePublicItem) -> Self {
        Amounts::new(item.previous, Some(item.budget), Some(item.actual))
    }

    /// The column-wise sum of rows that each state a value: a column is
    /// known only if every part knows it, and there is at least one part.
    fn sum_all(parts: &[Amounts]) -> Self {
        let column = |pick: fn(&Amounts) -> Option<Decimal>| {
            if parts.is_empty() {
                return None;
            }
            parts.iter().map(pick).sum()
        };
        Amounts {
            previous: column(|a| a.previous),
            budget: column(|a| a.budget),
            actual: column(|a| a.actual),
        }
    }
}

/// One row before printing: its name, how far it is indented, its amounts.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    indent: u8,
    amounts: Amounts,
}

impl Row {
    fn new(name: impl Into<String>, indent: u8, amounts: Amounts) -> Self {
        Row {
            name: name.into(),
            indent,
            amounts,
        }
    }

    fn print(self, grouped: bool) -> BasicDataRow {
        let cell = |v: Option<Decimal>| v.map_or_else(|| NONE.into(), |v| num::money(v, grouped));
        let a = self.amounts;
        BasicDataRow {
            name: self.name,
            indent: self.indent,
            cells: vec![cell(a.previous), cell(a.budget), cell(a.actual)],
        }
    }
}

/// The 经费控制情况 rows in the order of the provincial form.
fn money_rows(f: &Facts, figures: &Figures) -> Vec<Row> {
    let value = |id: &str| figures.get(id).and_then(|fig| fig.value.clone().ok());
    let basic = f.money.basic.as_ref();
    let previous = basic.and_then(|b| Some(b.personnel.previous? + b.public.previous?));
    let mut rows = vec![
        Row::new(
            "一、部门基本支出",
            0,
            Amounts::new(previous, value("basic_budget"), value("basic_actual")),
        ),
        Row::new(
            "其中：公用经费",
            1,
            basic.map_or_else(Amounts::default, |b| {
                Amounts::new(
                    b.public.previous,
                    Some(b.public.budget),
                    Some(b.public.actual),
                )
            }),
        ),
    ];
    rows.extend(public_item_rows(f));
    rows.extend(three_public_rows(f));
    rows.extend(project_rows(f));
    rows.push(Row::new(
        "政府采购金额",
        0,
        // The form asks for no previous year here.
        f.procurement.as_ref().map_or_else(Amounts::default, |p| {
            Amounts::new(None, Some(p.budget), Some(p.actual))
        }),
    ));
    rows.push(Row::new(
        "部门基本支出预算调整",
        0,
        Amounts::new(None, basic.and_then(|b| b.adjustment), None),
    ));
    rows
}

/// 公用经费's items, numbered under 「其中：」; the form's five when the
/// facts give none, so a reader sees what is missing.
fn public_item_rows(f: &Facts) -> Vec<Row> {
    let items: Vec<(String, Amounts)> = if f.money.public_items.is_empty() {
        ["办公费", "水电费", "差旅费", "会议费", "培训费"]
            .map(|name| (name.to_string(), Amounts::default()))
            .to_vec()
    } else {
        f.money
            .public_items
            .iter()
            .map(|i| {
                let amounts = Amounts::new(i.previous, Some(i.budget), Some(i.actual));
                (i.name.clone(), amounts)
            })
            .collect()
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, (name, amounts))| {
            let lead = if i == 0 { "其中：" } else { "" };
            Row::new(format!("{lead}{}.{name}", i + 1), 2, amounts)
        })
        .collect()
}

/// 三公经费 and its kinds. A kind the facts leave out had no spending: its
/// row shows 「—」 and it adds nothing to the totals above it, as in the
/// figures.
fn three_public_rows(f: &Facts) -> Vec<Row> {
    let t = &f.three_public;
    let kind = |item: &Option<ThreePublicItem>| item.as_ref().map(Amounts::of);
    let (purchase, operation) = (kind(&t.vehicle_purchase), kind(&t.vehicle_operation));
    let (overseas, reception) = (kind(&t.overseas), kind(&t.reception));
    let given = |parts: &[Option<Amounts>]| {
        let parts: Vec<Amounts> = parts.iter().flatten().copied().collect();
        Amounts::sum_all(&parts)
    };
    let vehicles = given(&[purchase, operation]);
    let vehicles_given = (purchase.is_some() || operation.is_some()).then_some(vehicles);
    vec![
        Row::new("三公经费", 0, given(&[vehicles_given, overseas, reception])),
        Row::new("1.公务用车购置和维护经费", 1, vehicles),
        Row::new("其中：公车购置", 2, purchase.unwrap_or_default()),
        Row::new("公车运行维护", 2, operation.unwrap_or_default()),
        Row::new("2.出国经费", 1, overseas.unwrap_or_default()),
        Row::new("3.公务接待", 1, reception.unwrap_or_default()),
    ]
}

/// 二、部门项目支出 and one row per 项目类别, in the order the facts first
/// name them, projects without a category last as 「其他」. Last year's
/// amounts come from `money.previous_projects`; a category it leaves out
/// shows 「—」 and adds nothing.
fn project_rows(f: &Facts) -> Vec<Row> {
    fn category(c: Option<&String>) -> &str {
        c.map_or(OTHER_CATEGORY, String::as_str)
    }
    let mut names: Vec<&str> = Vec::new();
    let this_year = f.projects.iter().map(|p| category(p.category.as_ref()));
    let last_year = f
        .money
        .previous_projects
        .iter()
        .map(|p| p.category.as_str());
    for name in this_year.chain(last_year) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    // 「其他」 closes the list, whichever side named it first.
    if let Some(at) = names.iter().position(|n| *n == OTHER_CATEGORY) {
        let other = names.remove(at);
        names.push(other);
    }
    let categories: Vec<Row> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let projects =
                || (f.projects.iter()).filter(|p| category(p.category.as_ref()) == *name);
            let previous = (f.money.previous_projects.iter())
                .filter(|p| p.category == *name)
                .map(|p| p.amount)
                .reduce(|a, b| a + b);
            let amounts = Amounts::new(
                previous,
                Some(projects().map(|p| p.budget).sum()),
                Some(projects().map(|p| p.actual).sum()),
            );
            Row::new(format!("{}.{name}", i + 1), 1, amounts)
        })
        .collect();
    let mut total = Amounts::sum_all(&categories.iter().map(|r| r.amounts).collect::<Vec<_>>());
    // Last year's total is known when the facts give any of it; categories
    // they leave out had none.
    total.previous = (categories.iter())
        .filter_map(|r| r.amounts.previous)
        .reduce(|a, b| a + b);
    // No projects at all is a known nothing this year.
    total.budget.get_or_insert(Decimal::ZERO);
    total.actual.get_or_insert(Decimal::ZERO);
    let mut rows = vec![Row::new("二、部门项目支出", 0, total)];
    rows.extend(categories);
    rows
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn facts(text: &str) -> FactsFile {
        FactsFile::parse(Path::new("t.toml"), text.into()).unwrap()
    }

    fn rows(text: &str) -> Vec<BasicDataRow> {
        let file = facts(text);
        let figures = Figures::compute(&file, &[]);
        money_rows(&file.data, &figures)
            .into_iter()
            .map(|r| r.print(false))
            .collect()
    }

    fn row<'a>(rows: &'a [BasicDataRow], name: &str) -> &'a [String] {
        &rows
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no row {name}: {rows:?}"))
            .cells
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const EXAMPLE: &str = include_str!("../data/example.toml");

    #[test]
    fn project_categories_add_up_to_the_project_total() {
        let rows = rows(EXAMPLE);
        let total = row(&rows, "二、部门项目支出");
        let categories: Vec<&BasicDataRow> = rows
            .iter()
            .skip_while(|r| r.name != "二、部门项目支出")
            .skip(1)
            .take_while(|r| r.indent == 1)
            .collect();
        assert!(categories.len() >= 2, "{rows:?}");
        for (column, printed) in total.iter().enumerate() {
            let sum: Decimal = categories.iter().map(|r| dec(&r.cells[column])).sum();
            assert_eq!(sum, dec(printed), "column {column}: {rows:?}");
        }
        let file = facts(EXAMPLE);
        let figures = Figures::compute(&file, &[]);
        let figure = |id| num::money(figures.require(id).unwrap(), false);
        assert_eq!(total[1], figure("project_budget"));
        assert_eq!(total[2], figure("project_actual"));
    }

    #[test]
    fn vehicles_and_three_public_add_up() {
        let text = format!(
            "{}\n[three_public.vehicle_purchase]\nprevious = 0\nbudget = 20\nactual = 18.5\n\
             [three_public.vehicle_operation]\nprevious = 3\nbudget = 4\nactual = 3.25\n\
             [three_public.reception]\nprevious = 1.5\nbudget = 2\nactual = 1.1\n",
            crate::facts::MINIMAL
        );
        let rows = rows(&text);
        assert_eq!(
            row(&rows, "1.公务用车购置和维护经费"),
            ["3.00", "24.00", "21.75"]
        );
        assert_eq!(row(&rows, "三公经费"), ["4.50", "26.00", "22.85"]);
        // Left out: none spent, so 「—」 and nothing added.
        assert_eq!(row(&rows, "2.出国经费"), [NONE; 3]);
    }

    #[test]
    fn a_kind_without_last_year_leaves_the_totals_unknown_for_last_year() {
        let text = format!(
            "{}\n[three_public.reception]\nbudget = 2\nactual = 1.1\n\
             [three_public.overseas]\nprevious = 1\nbudget = 0\nactual = 0\n",
            crate::facts::MINIMAL
        );
        let rows = rows(&text);
        assert_eq!(row(&rows, "三公经费"), [NONE, "2.00", "1.10"]);
        assert_eq!(row(&rows, "1.公务用车购置和维护经费"), [NONE; 3]);
    }

    #[test]
    fn missing_previous_year_prints_a_dash_never_zero() {
        let rows = rows(crate::facts::MINIMAL);
        assert_eq!(row(&rows, "一、部门基本支出"), [NONE, "60.00", "57.50"]);
        assert_eq!(row(&rows, "其中：公用经费"), [NONE, "10.00", "9.50"]);
        assert_eq!(row(&rows, "其中：1.办公费"), [NONE; 3]);
        assert_eq!(row(&rows, "5.培训费"), [NONE; 3]);
        assert_eq!(row(&rows, "二、部门项目支出"), [NONE, "0.00", "0.00"]);
        assert_eq!(row(&rows, "政府采购金额"), [NONE; 3]);
        assert_eq!(row(&rows, "部门基本支出预算调整"), [NONE; 3]);
    }

    #[test]
    fn last_years_basic_spending_is_the_sum_of_its_parts() {
        let text = crate::facts::MINIMAL
            .replace("{ budget = 50,", "{ previous = 45.5, budget = 50,")
            .replace("{ budget = 10,", "{ previous = 8.25, budget = 10,");
        let rows = rows(&text);
        assert_eq!(row(&rows, "一、部门基本支出"), ["53.75", "60.00", "57.50"]);
        assert_eq!(row(&rows, "其中：公用经费"), ["8.25", "10.00", "9.50"]);
    }

    #[test]
    fn uncategorised_projects_close_the_list_as_other() {
        let text = format!(
            "{}\nprevious_projects = [{{ category = \"其他\", amount = 4 }}, {{ category = \"运行维护费\", amount = 6 }}]\n\
             [[projects]]\nname = \"甲\"\nbudget = 1\nactual = 1\n\
             [[projects]]\nname = \"乙\"\nbudget = 2\nactual = 3\ncategory = \"业务工作经费\"\n\
             [[projects]]\nname = \"丙\"\nbudget = 5\nactual = 4\ncategory = \"业务工作经费\"\n",
            crate::facts::MINIMAL
        );
        let rows = rows(&text);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        let at = names.iter().position(|n| *n == "二、部门项目支出").unwrap();
        assert_eq!(
            names[at + 1..at + 4],
            ["1.业务工作经费", "2.运行维护费", "3.其他"]
        );
        assert_eq!(row(&rows, "1.业务工作经费"), [NONE, "7.00", "7.00"]);
        assert_eq!(row(&rows, "2.运行维护费"), ["6.00", "0.00", "0.00"]);
        assert_eq!(row(&rows, "3.其他"), ["4.00", "1.00", "1.00"]);
        assert_eq!(row(&rows, "二、部门项目支出"), ["10.00", "8.00", "8.00"]);
    }
}
