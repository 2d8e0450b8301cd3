//! The annual report in Markdown, HTML, XLSX and JSON: every figure of the message appears in
//! each format exactly as the JSON gives it, and text from the report cannot become markup.

#![allow(clippy::unwrap_used)]

use crate::annual_fixture;

use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx, open_workbook_from_rs};
use govshare_cli::annual::{self, tables};
use govshare_server::proto::AnnualReport;
use serde_json::Value;

use crate::annual_fixture::numbers::{all_numbers, appears, json_of};
use crate::annual_fixture::{HOSTILE_DEPARTMENT, HOSTILE_REASON};

fn field<'a>(json: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(json, |v, key| &v[key])
}

fn as_f64(value: &Value) -> f64 {
    match value {
        Value::String(s) => s.parse::<u64>().unwrap() as f64,
        Value::Number(n) => n.as_f64().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

#[test]
fn json_is_the_proto3_mapping_of_the_message() {
    let report = annual_fixture::report();
    let json = json_of(&report);
    assert_eq!(json["year"], 2026);
    assert_eq!(json["catalogue"]["registered"], "37");
    assert_eq!(json["exchange"]["bytes_delivered"], "1234567");
    assert_eq!(json["sharing"]["median_answer_working_days"], 3.5);
    assert_eq!(
        json["sharing"]["refusal_reasons"][0]["reason"],
        HOSTILE_REASON
    );
    assert_eq!(json["generated_at"], "2027-01-03T01:30:00Z");
    assert_eq!(
        json,
        govshare_cli::output::to_json(&report).unwrap(),
        "the same mapping as --output json"
    );
}

#[test]
fn markdown_shows_every_number_of_the_json() {
    let report = annual_fixture::report();
    let md = annual::markdown(&report);
    for (path, n) in all_numbers(&report) {
        assert!(appears(&md, n), "{path} = {n:?} is not in the Markdown");
    }
    assert!(md.starts_with("# 2026年度政务数据共享工作报告（杭州市数据资源管理局）\n"));
    assert!(md.contains("| 编目 (registered) | 37 |"));
    assert!(md.contains("| 交付数据量 (bytes delivered) | 1,234,567 字节 (1.2 MiB) |"));
    assert!(md.contains("| 基础 | 17 | 13 | 1 | 88 |"));
    assert!(md.contains("| 中位数 (median) | 3.5 | 是 |"));
    assert!(md.contains("| 第90百分位 (p90) | 8.25 | 是 |"));
    assert!(md.contains("| 更新不及时比例 (late share) | 26.1% |"));
    assert!(md.contains("| 年末链头序号 (head seq) | 4567890 |"));
    assert!(md.contains("| 2026-07-02 21:46:40 +08:00 | 27 |"));
    assert!(md.contains("| 未发布 | 31 |"));
}

#[test]
fn markdown_escapes_markup_from_the_report() {
    let md = annual::markdown(&annual_fixture::report());
    assert!(!md.contains("<script>"));
    assert!(!md.contains(HOSTILE_DEPARTMENT));
    assert!(md.contains(r#"用途\<script\>alert("x")\</script\> \& 范围不符 | 21 |"#));
    assert!(md.contains(r"某市\<b\>数据\</b\>局 \& 中心 \| 二部"));
}

#[test]
fn a_platform_report_is_titled_for_the_whole_platform() {
    let mut report = annual_fixture::report();
    report.department_code.clear();
    report.department_name.clear();
    assert!(annual::markdown(&report).starts_with("# 2026年度政务数据共享工作报告（全平台）"));
    assert!(annual::html(&report).contains("<h1>2026年度政务数据共享工作报告（全平台）</h1>"));
}

#[test]
fn html_shows_every_number_of_the_json() {
    let report = annual_fixture::report();
    let html = annual::html(&report);
    for (path, n) in all_numbers(&report) {
        assert!(appears(&html, n), "{path} = {n:?} is not in the HTML");
    }
    assert!(html.contains("<td class=\"num\">1,234,567 字节 (1.2 MiB)</td>"));
}

#[test]
fn html_escapes_text_from_the_report() {
    let html = annual::html(&annual_fixture::report());
    assert!(!html.contains("<script"), "no script of any kind");
    assert!(!html.contains("<b>"));
    assert!(html.contains("用途&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 范围不符"));
    assert!(html.contains("某市&lt;b&gt;数据&lt;/b&gt;局 &amp; 中心 | 二部"));
    assert!(html.contains("企业登记&lt;信息&gt; &amp; 变更"));
}

#[test]
fn html_is_one_self_contained_printable_file_with_charts() {
    let html = annual::html(&annual_fixture::report());
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in [
        "http://", "https://", "src=", "href=", "url(", "@import", "<link", "<img", "<iframe",
        "<object", "<embed",
    ] {
        assert!(!html.contains(external), "{external} in the HTML");
    }
    assert!(html.matches("<svg").count() >= 5, "one chart per figure");
    for chart in [
        "目录按分类",
        "目录按共享类型",
        "共享申请结果（按共享类型）",
        "交付数据量（按接收部门）",
        "访问日志调用（按结果）",
    ] {
        assert!(html.contains(&format!("aria-label=\"{chart}\"")), "{chart}");
    }
    let bar = format!("fill=\"{}\"", annual::svg::SERIES_COLOURS[0]);
    assert!(html.matches(&bar).count() >= 10);
    for print_rule in [
        "@media print",
        "size: A4",
        "break-inside: avoid",
        "color: #000",
    ] {
        assert!(html.contains(print_rule), "{print_rule}");
    }
}

#[test]
fn an_empty_report_renders_in_every_format() {
    let report = AnnualReport::default();
    assert!(annual::markdown(&report).contains("无 (none)"));
    assert!(annual::html(&report).contains("无数据"));
    assert!(!annual::xlsx(&report).unwrap().is_empty());
    assert_eq!(json_of(&report)["year"], 0);
}

/// The cells of one worksheet, header row first.
fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = workbook
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(<[Data]>::to_vec).collect()
}

fn number_cell(cell: &Data, what: &str) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("{what}: {other:?} is not a number cell"),
    }
}

/// Checks a two-column sheet of figures: row i+1 holds the figure at `paths[i]` of the JSON
/// (or, for `a/b`, the share of a in b).
fn check_figures(bytes: &[u8], json: &Value, name: &str, paths: &[&str]) {
    let rows = sheet(bytes, name);
    assert_eq!(rows.len(), paths.len() + 1, "{name}: rows");
    for (row, path) in rows[1..].iter().zip(paths) {
        let cell = number_cell(&row[1], &format!("{name} {path}"));
        let expected = match path.split_once('/') {
            Some((part, whole)) => tables::ratio(
                as_f64(field(json, part)) as u64,
                as_f64(field(json, whole)) as u64,
            )
            .unwrap(),
            None => as_f64(field(json, path)),
        };
        assert_eq!(cell, expected, "{name} {path}");
    }
}

/// Checks a list sheet: one row per element of the JSON array at `path`, one column per field
/// (`$name` for text, `@name` for a time shown as text).
fn check_list(bytes: &[u8], json: &Value, name: &str, path: &str, fields: &[&str]) {
    let rows = sheet(bytes, name);
    let items = field(json, path).as_array().unwrap();
    assert_eq!(rows.len(), items.len() + 1, "{name}: rows");
    assert_eq!(rows[0].len(), fields.len(), "{name}: columns");
    for (row, item) in rows[1..].iter().zip(items) {
        for (cell, f) in row.iter().zip(fields) {
            if let Some(text) = f.strip_prefix('$') {
                assert_eq!(cell, &Data::String(item[text].as_str().unwrap().into()));
            } else if f.starts_with('@') {
                assert!(matches!(cell, Data::String(_)), "{name} {f}: {cell:?}");
            } else {
                assert_eq!(number_cell(cell, f), as_f64(&item[f]), "{name} {f}");
            }
        }
    }
}

#[test]
fn xlsx_has_one_sheet_per_table_with_the_numbers_of_the_json() {
    let report = annual_fixture::report();
    let json = json_of(&report);
    let bytes = annual::xlsx(&report).unwrap();

    let workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let names = workbook.sheet_names();
    let mut expected = vec!["概况"];
    for section in tables::sections(&report) {
        expected.extend(section.tables.iter().map(|t| t.sheet));
    }
    assert_eq!(names, expected);
    assert!(names.iter().all(|n| n.chars().count() <= 31));
    for name in &names {
        let rows = sheet(&bytes, name);
        assert!(
            rows[0]
                .iter()
                .all(|h| matches!(h, Data::String(s) if !s.is_empty())),
            "{name}: header row"
        );
    }

    assert_eq!(number_cell(&sheet(&bytes, "概况")[1][1], "year"), 2026.0);
    check_figures(
        &bytes,
        &json,
        "目录-总数",
        &[
            "catalogue.registered",
            "catalogue.published",
            "catalogue.republished",
            "catalogue.revoked",
            "catalogue.published_at_year_end",
            "catalogue.update_working_days",
            "catalogue.updates_due",
            "catalogue.updated_late",
            "catalogue.updated_late/catalogue.updates_due",
        ],
    );
    let catalogue_row = [
        "$label",
        "registered",
        "published",
        "revoked",
        "published_at_year_end",
    ];
    check_list(
        &bytes,
        &json,
        "目录-按分类",
        "catalogue.by_category",
        &catalogue_row,
    );
    check_list(
        &bytes,
        &json,
        "目录-按共享类型",
        "catalogue.by_share_type",
        &catalogue_row,
    );
    check_list(
        &bytes,
        &json,
        "目录-更新不及时",
        "catalogue.late_updates",
        &[
            "$entry_code",
            "$entry_name",
            "$provider_code",
            "@changed_at",
            "@due_at",
            "@published_at",
            "working_days",
        ],
    );
    check_figures(
        &bytes,
        &json,
        "共享-总数",
        &[
            "sharing.received",
            "sharing.approved",
            "sharing.refused",
            "sharing.withdrawn",
            "sharing.pending",
            "sharing.overdue",
            "sharing.approved/sharing.received",
            "sharing.overdue/sharing.received",
            "sharing.requests_made",
        ],
    );
    check_list(
        &bytes,
        &json,
        "共享-按共享类型",
        "sharing.by_share_type",
        &[
            "$label",
            "received",
            "approved",
            "refused",
            "withdrawn",
            "pending",
            "overdue",
        ],
    );
    check_list(
        &bytes,
        &json,
        "共享-拒绝理由",
        "sharing.refusal_reasons",
        &["$reason", "count"],
    );
    let answer = sheet(&bytes, "共享-答复时间");
    for (row, path) in [
        "sharing.answered",
        "sharing.median_answer_working_days",
        "sharing.p90_answer_working_days",
        "sharing.answer_working_days_limit",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            number_cell(&answer[row + 1][1], path),
            as_f64(field(&json, path))
        );
    }
    check_figures(
        &bytes,
        &json,
        "交换-总数",
        &[
            "exchange.snapshots_published",
            "exchange.bytes_published",
            "exchange.rows_published",
            "exchange.deliveries",
            "exchange.bytes_delivered",
            "exchange.rows_delivered",
        ],
    );
    check_list(
        &bytes,
        &json,
        "交换-按提供部门",
        "exchange.by_provider",
        &[
            "$department_code",
            "$department_name",
            "snapshots_published",
            "deliveries",
            "bytes_delivered",
            "rows_delivered",
        ],
    );
    check_list(
        &bytes,
        &json,
        "交换-按接收部门",
        "exchange.by_receiver",
        &[
            "$department_code",
            "$department_name",
            "deliveries",
            "bytes_delivered",
            "rows_delivered",
        ],
    );
    check_figures(
        &bytes,
        &json,
        "访问-总数",
        &[
            "access.calls",
            "access.refused_calls",
            "access.refused_calls/access.calls",
        ],
    );
    check_list(
        &bytes,
        &json,
        "访问-按结果",
        "access.by_outcome",
        &["$outcome", "code", "count"],
    );
    let chain = sheet(&bytes, "访问-链校验");
    assert_eq!(chain[1][1], Data::String("通过 (verified)".into()));
    assert_eq!(
        number_cell(&chain[2][1], "records_checked"),
        as_f64(&json["access"]["records_checked"])
    );
    assert_eq!(
        number_cell(&chain[3][1], "head_seq"),
        as_f64(&json["access"]["head_seq"])
    );
    assert_eq!(
        chain[4][1],
        Data::String(json["access"]["head_hash"].as_str().unwrap().into())
    );
}

#[test]
fn xlsx_keeps_integers_beyond_a_spreadsheet_number_exact_as_text() {
    let mut report = annual_fixture::report();
    report.exchange.as_mut().unwrap().bytes_published = u64::MAX;
    let bytes = annual::xlsx(&report).unwrap();
    assert_eq!(
        sheet(&bytes, "交换-总数")[2][1],
        Data::String(u64::MAX.to_string())
    );
}
