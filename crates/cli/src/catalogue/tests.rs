//! Reading templates: grouping of item rows, cell values, every problem at its sheet, row and
//! column, and the round trip of written templates.

#![allow(clippy::unwrap_used)]

use super::import::check_locally;
use super::parse::{Parsed, parse};
use super::read::{Row, Sheet, csv_sheet};
use super::write::{self, EntryOut};
use super::{example, read};
use crate::proto::{Category, DataType, ShareType};

const PROVIDER: &str = "91110000600037341L";

const HEADER: &[&str] = &[
    "信息资源名称",
    "信息资源摘要",
    "类",
    "项",
    "目",
    "格式类型",
    "格式",
    "共享类型",
    "共享条件",
    "共享方式",
    "更新周期",
    "发布日期",
    "关键字",
    "信息项名称",
    "数据类型",
    "数据长度",
];

type Rows = Vec<Vec<&'static str>>;

/// A sheet named 目录 whose rows are numbered from 1, the header first.
fn sheet(rows: &[Vec<&str>]) -> Sheet {
    Sheet {
        name: Some("目录".into()),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, cells)| Row {
                number: u32::try_from(i).unwrap() + 1,
                cells: cells.iter().map(|c| (*c).to_string()).collect(),
            })
            .collect(),
    }
}

/// Two entries: the first with its continuation row left empty (as merged cells read), the
/// second with its entry columns repeated on each row.
fn two_entries() -> Rows {
    let rows: [&[&str]; 5] = [
        HEADER,
        &[
            "人口基础信息",
            "户籍人口",
            "基础",
            "1",
            "1",
            "数据库",
            "Dm",
            "有条件共享",
            "依法履职",
            "共享平台（接口）",
            "每日",
            "2024/3/15",
            "人口；户籍",
            "姓名",
            "字符型",
            "50",
        ],
        &[
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "出生日期",
            "D",
            "8",
        ],
        &[
            "法人单位基础信息",
            "法人",
            "base",
            "02",
            "001",
            "电子表格",
            "xlsx",
            "无条件共享",
            "",
            "共享平台(文件)",
            "每月",
            "2024-01-01",
            "",
            "统一社会信用代码",
            "C",
            "18",
        ],
        &[
            "法人单位基础信息",
            "法人",
            "base",
            "02",
            "001",
            "电子表格",
            "xlsx",
            "无条件共享",
            "",
            "共享平台(文件)",
            "每月",
            "2024-01-01",
            "法人",
            "名称",
            "c",
            "200",
        ],
    ];
    rows.iter().map(|r| r.to_vec()).collect()
}

fn parsed(rows: &[Vec<&str>]) -> Parsed {
    parse(&[sheet(rows)]).unwrap()
}

/// Every problem of the file, as told to people.
fn told(parsed: &Parsed) -> Vec<String> {
    let mut problems: Vec<_> = parsed
        .problems
        .iter()
        .chain(parsed.entries.iter().flat_map(|e| &e.problems))
        .collect();
    problems.sort_by_key(|p| p.sort_key());
    problems
        .iter()
        .map(|p| p.describe("户籍人口.xlsx"))
        .collect()
}

#[test]
fn empty_and_repeated_continuation_rows_group_items_under_their_entry() {
    let parsed = parsed(&two_entries());
    assert!(told(&parsed).is_empty(), "{:?}", told(&parsed));
    assert_eq!(parsed.entries.len(), 2);
    let first = &parsed.entries[0].metadata;
    assert_eq!(first.name, "人口基础信息");
    let names: Vec<&str> = first.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["姓名", "出生日期"]);
    assert_eq!(first.keywords, ["人口", "户籍"]);
    let second = &parsed.entries[1];
    assert_eq!(second.first_row, 4);
    assert_eq!(second.metadata.items.len(), 2);
    // A list column adds the values of later rows.
    assert_eq!(second.metadata.keywords, ["法人"]);
}

#[test]
fn cells_are_read_as_enum_labels_short_names_and_padded_codes() {
    let parsed = parsed(&two_entries());
    let m = &parsed.entries[0].metadata;
    let classification = m.classification.clone().unwrap();
    assert_eq!(classification.category, Category::Base as i32);
    assert_eq!(
        (
            classification.item.as_str(),
            classification.subitem.as_str()
        ),
        ("01", "001")
    );
    assert_eq!(m.publish_date, "2024-03-15");
    assert_eq!(
        m.sharing.clone().unwrap().share_type,
        ShareType::Conditional as i32
    );
    assert_eq!(m.items[1].data_type, DataType::D as i32);
    assert_eq!(
        parsed.entries[1].metadata.items[1].data_type,
        DataType::C as i32
    );
    let mut entries = parsed.entries;
    check_locally(&mut entries, Some(PROVIDER));
    assert!(
        entries.iter().all(|e| e.is_valid()),
        "{:?}",
        entries[0].problems
    );
}

#[test]
fn a_new_sequence_number_starts_a_new_entry_of_the_same_name() {
    let parsed = parsed(&[
        vec!["序号", "信息资源名称", "信息项名称"],
        vec!["1", "人口", "姓名"],
        vec!["", "", "性别"],
        vec!["2", "人口", "名称"],
    ]);
    assert_eq!(parsed.entries.len(), 2);
    assert_eq!(parsed.entries[0].metadata.items.len(), 2);
    assert_eq!(parsed.entries[1].first_row, 4);
}

#[test]
fn an_unknown_data_type_is_told_at_its_cell_once() {
    let mut rows = two_entries();
    rows[2][14] = "字符";
    let mut parsed = parsed(&rows);
    check_locally(&mut parsed.entries, Some(PROVIDER));
    let told = told(&parsed);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].starts_with(
            "户籍人口.xlsx 目录!第3行 “数据类型”: 未知数据类型 “字符” (unknown data type; \
             expected C, N, Y, D, T"
        ),
        "{}",
        told[0]
    );
    assert!(!parsed.entries[0].is_valid());
    assert!(parsed.entries[1].is_valid());
}

#[test]
fn model_violations_point_at_the_cells_they_come_from() {
    let mut rows = two_entries();
    // The second item repeats the first's name; the conditional share has no condition.
    rows[2][13] = "姓名";
    rows[1][8] = "";
    let mut parsed = parsed(&rows);
    check_locally(&mut parsed.entries, Some(PROVIDER));
    let told = told(&parsed);
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told[0].starts_with("户籍人口.xlsx 目录!第2行 “共享条件”: 有条件共享须填写共享条件"),
        "{}",
        told[0]
    );
    assert!(
        told[1].starts_with("户籍人口.xlsx 目录!第3行 “信息项名称”: 信息项名称“姓名”重复"),
        "{}",
        told[1]
    );
}

#[test]
fn every_unreadable_cell_is_told_with_sheet_row_and_column() {
    let mut rows = two_entries();
    rows[1][2] = "第四类";
    rows[1][5] = "表格";
    rows[1][10] = "每两天";
    rows[2][15] = "十八";
    let parsed = parsed(&rows);
    let told = told(&parsed);
    let expected = [
        "户籍人口.xlsx 目录!第2行 “类”: 未知类 “第四类”",
        "户籍人口.xlsx 目录!第2行 “格式类型”: 未知格式类型 “表格”",
        "户籍人口.xlsx 目录!第2行 “更新周期”: 未知更新周期 “每两天”",
        "户籍人口.xlsx 目录!第3行 “数据长度”: 数据长度应为正整数，实际为 “十八”",
    ];
    assert_eq!(told.len(), expected.len(), "{told:?}");
    for (told, expected) in told.iter().zip(expected) {
        assert!(
            told.starts_with(expected),
            "{told} does not start with {expected}"
        );
    }
}

#[test]
fn a_continuation_row_that_contradicts_its_entry_is_told() {
    let mut rows = two_entries();
    rows[4][1] = "另一个摘要";
    let told = told(&parsed(&rows));
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].starts_with("户籍人口.xlsx 目录!第5行 “信息资源摘要”: 与本目录第4行的 “法人” 不同"),
        "{}",
        told[0]
    );
}

#[test]
fn header_problems_and_stray_rows_belong_to_the_file() {
    let parsed = parsed(&[
        vec![
            "信息资源名称",
            "信息资源摘要",
            "备注",
            "信息项名称",
            "信息项名称",
        ],
        vec!["", "", "", "姓名", ""],
        vec!["人口", "摘要", "", "姓名", ""],
    ]);
    let told: Vec<String> = parsed
        .problems
        .iter()
        .map(|p| p.describe("a.csv"))
        .collect();
    assert!(
        told.iter()
            .any(|t| t.starts_with("a.csv 目录!第1行 “备注”: 未知的列")),
        "{told:?}"
    );
    assert!(
        told.iter()
            .any(|t| t.starts_with("a.csv 目录!第1行 “信息项名称”: 与列 “信息项名称” 重复")),
        "{told:?}"
    );
    assert!(
        told.iter()
            .any(|t| t.starts_with("a.csv 目录!第1行 “数据类型”: 缺少必需的列")),
        "{told:?}"
    );
    assert!(
        told.iter()
            .any(|t| t.starts_with("a.csv 目录!第2行 “信息资源名称”: 此行不属于任何目录")),
        "{told:?}"
    );
    assert_eq!(parsed.entries.len(), 1);
}

#[test]
fn a_title_above_the_header_and_english_headers_are_accepted() {
    let parsed = parsed(&[
        vec!["政务信息资源目录编制表"],
        vec![],
        vec!["Name", "Item Name", "Data Type", "Length"],
        vec!["人口", "姓名", "C", "50"],
    ]);
    assert_eq!(parsed.entries.len(), 1);
    assert_eq!(parsed.entries[0].first_row, 4);
    assert_eq!(parsed.entries[0].metadata.items[0].length, 50);
}

#[test]
fn a_file_without_a_header_row_is_refused() {
    let err = parse(&[sheet(&[vec!["a", "b"], vec!["c", "d"]])])
        .unwrap_err()
        .to_string();
    assert!(err.contains("找不到表头行"), "{err}");
}

#[test]
fn csv_with_a_byte_order_mark_parses_like_the_workbook() {
    let text: String = two_entries()
        .iter()
        .map(|row| format!("{}\n", row.join(",")))
        .collect();
    let csv = csv_sheet(format!("\u{feff}{text}").as_bytes()).unwrap();
    let from_csv = parse(&[csv]).unwrap();
    let from_sheet = parsed(&two_entries());
    assert_eq!(from_csv.entries.len(), 2);
    for (a, b) in from_csv.entries.iter().zip(&from_sheet.entries) {
        assert_eq!(a.metadata, b.metadata);
    }
    let mut rows = two_entries();
    rows[2][14] = "字符";
    let text: String = rows
        .iter()
        .map(|row| format!("{}\n", row.join(",")))
        .collect();
    let parsed = parse(&[csv_sheet(text.as_bytes()).unwrap()]).unwrap();
    // CSV has no sheet name.
    assert!(
        told(&parsed)[0].starts_with("户籍人口.xlsx 第3行 “数据类型”"),
        "{:?}",
        told(&parsed)
    );
}

#[test]
fn the_written_template_reads_back_to_its_example() {
    let example = example::entry();
    let entries = [EntryOut {
        code: "",
        metadata: &example,
    }];
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("template.xlsx");
    std::fs::write(&xlsx, write::xlsx(&entries).unwrap()).unwrap();
    let csv = dir.path().join("template.csv");
    std::fs::write(&csv, write::csv(&entries).unwrap()).unwrap();
    for path in [xlsx, csv] {
        let mut parsed = parse(&read::read(&path).unwrap()).unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.entries.len(), 1);
        check_locally(&mut parsed.entries, Some(PROVIDER));
        let entry = &parsed.entries[0];
        assert!(entry.is_valid(), "{:?}", entry.problems);
        // An item whose share type is the entry's is written empty and read as inherited.
        let mut expected = example.clone();
        expected.items[0].share_type = 0;
        expected.items[1].share_type = 0;
        assert_eq!(entry.metadata, expected, "{}", path.display());
    }
}

#[test]
fn the_template_is_the_same_bytes_every_time() {
    let example = example::entry();
    let entries = [EntryOut {
        code: "",
        metadata: &example,
    }];
    assert_eq!(
        write::xlsx(&entries).unwrap(),
        write::xlsx(&entries).unwrap()
    );
}

#[test]
fn the_shipped_templates_are_the_generated_ones() {
    let example = example::entry();
    let entries = [EntryOut {
        code: "",
        metadata: &example,
    }];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/examples");
    assert_eq!(
        std::fs::read(dir.join("catalogue-template.csv")).unwrap(),
        write::csv(&entries).unwrap(),
        "regenerate: govshare entry export --template --format csv -o deploy/examples/catalogue-template.csv"
    );
    assert_eq!(
        std::fs::read(dir.join("catalogue-template.xlsx")).unwrap(),
        write::xlsx(&entries).unwrap(),
        "regenerate: govshare entry export --template --format xlsx -o deploy/examples/catalogue-template.xlsx"
    );
}
