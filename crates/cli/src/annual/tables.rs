//! The figures of an annual report laid out once as sections of tables, so that Markdown, HTML
//! and XLSX show the same rows with the same numbers: every number is a field of the message,
//! and the only derived one, a share, comes from [`ratio`].
//!
//! Every figures message is destructured field by field: a field added to the contract breaks
//! this build until it is given a place in the report.

use chrono::{DateTime, FixedOffset, Offset as _, Utc};

use crate::proto::{
    AccessFigures, AnnualReport, CatalogueFigures, CatalogueRow, DepartmentFlow, ExchangeFigures,
    LateUpdate, OutcomeCount, ReasonCount, SharingFigures, SharingRow,
};

/// One value of a table, typed so each format can show it its own way without changing it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A count, shown with digit grouping (1,234).
    Count(u64),
    /// A byte count, shown exactly (and with a human size where there is room).
    Bytes(u64),
    /// Working days as the server computed them (medians may be fractional).
    Days(f64),
    /// A sequence number or a code, shown without grouping.
    Plain(u64),
    /// A share of a whole (0.25 for 25 %); none when the whole is zero.
    Ratio(Option<f64>),
}

/// One table: its sheet name (at most 31 characters, for XLSX), its caption, a header row and
/// the rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: &'static str,
    pub caption: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// One part of the report (目录, 共享, 交换, 访问) and its tables.
#[derive(Debug, Clone)]
pub struct Section {
    pub heading: &'static str,
    pub tables: Vec<Table>,
}

/// The share `part / whole`, or none when `whole` is zero: the one place a figure of the report
/// is derived from others.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole != 0).then(|| part as f64 / whole as f64)
}

/// A share as people read it, one decimal: `12.5%`, or `-` without a whole.
pub fn percent_text(share: Option<f64>) -> String {
    share.map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// `1234567` as `1,234,567`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count in binary units for a quick reading (`1.2 MiB`); none below 1 KiB, where the
/// exact number says it all.
pub fn human_size(bytes: u64) -> Option<String> {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return None;
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    Some(format!("{value:.1} {}", UNITS[unit]))
}

/// Working days exactly as sent: `3`, `2.5`.
pub fn days_text(days: f64) -> String {
    format!("{days}")
}

/// A cell as plain text: the form Markdown and HTML print.
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Count(n) => grouped(*n),
        Cell::Bytes(n) => match human_size(*n) {
            Some(human) => format!("{} 字节 ({human})", grouped(*n)),
            None => format!("{} 字节", grouped(*n)),
        },
        Cell::Days(d) => days_text(*d),
        Cell::Plain(n) => n.to_string(),
        Cell::Ratio(r) => percent_text(*r),
    }
}

/// Whether column `column` of `table` holds numbers (to align it to the right).
pub fn is_numeric(table: &Table, column: usize) -> bool {
    table
        .rows
        .iter()
        .filter_map(|row| row.get(column))
        .all(|cell| !matches!(cell, Cell::Text(_)))
}

/// The title: the year, and the department or the whole platform.
pub fn title(report: &AnnualReport) -> String {
    format!(
        "{}年度政务数据共享工作报告（{}）",
        report.year,
        scope(report)
    )
}

/// Whom the report is about: the department's name (or code), or 全平台.
pub fn scope(report: &AnnualReport) -> String {
    match (
        report.department_name.as_str(),
        report.department_code.as_str(),
    ) {
        ("", "") => "全平台".to_string(),
        ("", code) => code.to_string(),
        (name, _) => name.to_string(),
    }
}

/// An instant in the report's calendar offset (UTC when the offset is missing or unreadable).
pub fn instant(report: &AnnualReport, ts: Option<&prost_types::Timestamp>) -> Option<String> {
    let ts = ts?;
    let offset = report
        .utc_offset
        .parse::<FixedOffset>()
        .unwrap_or_else(|_| Utc.fix());
    let nanos = u32::try_from(ts.nanos).unwrap_or(0);
    Some(match DateTime::from_timestamp(ts.seconds, nanos) {
        Some(t) => t
            .with_timezone(&offset)
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string(),
        None => format!("{}s", ts.seconds),
    })
}

/// The facts about the report itself: scope, year, when it was made.
pub fn overview(report: &AnnualReport) -> Table {
    let AnnualReport {
        year,
        department_code,
        department_name,
        generated_at,
        utc_offset,
        year_complete,
        catalogue: _,
        sharing: _,
        exchange: _,
        access: _,
    } = report;
    let text = |s: &str| Cell::Text(if s.is_empty() { "-".into() } else { s.into() });
    Table {
        sheet: "概况",
        caption: "报告概况 (overview)",
        header: vec!["项目", "内容"],
        rows: vec![
            vec![
                text("年度 (year)"),
                u64::try_from(*year).map_or_else(|_| Cell::Text(year.to_string()), Cell::Plain),
            ],
            vec![text("范围 (scope)"), text(&scope(report))],
            vec![text("部门代码 (department code)"), text(department_code)],
            vec![text("部门名称 (department name)"), text(department_name)],
            vec![
                text("生成时间 (generated at)"),
                text(&instant(report, generated_at.as_ref()).unwrap_or_default()),
            ],
            vec![text("时区 (UTC offset)"), text(utc_offset)],
            vec![
                text("年度已结束 (year complete)"),
                text(if *year_complete {
                    "是"
                } else {
                    "否：数据截至生成时间"
                }),
            ],
        ],
    }
}

/// The four parts of the report, in order.
pub fn sections(report: &AnnualReport) -> Vec<Section> {
    vec![
        catalogue(report),
        sharing(report),
        exchange(report),
        access(report),
    ]
}

fn label(text: &str) -> Cell {
    Cell::Text(text.to_string())
}

fn figures_table(sheet: &'static str, caption: &'static str, rows: Vec<(&str, Cell)>) -> Table {
    Table {
        sheet,
        caption,
        header: vec!["指标", "数值"],
        rows: rows
            .into_iter()
            .map(|(name, value)| vec![label(name), value])
            .collect(),
    }
}

fn catalogue(report: &AnnualReport) -> Section {
    let default = CatalogueFigures::default();
    let CatalogueFigures {
        registered,
        published,
        republished,
        revoked,
        published_at_year_end,
        by_category,
        by_share_type,
        update_working_days,
        updates_due,
        updated_late,
        late_updates,
    } = report.catalogue.as_ref().unwrap_or(&default);
    let totals = figures_table(
        "目录-总数",
        "目录总数 (catalogue totals)",
        vec![
            ("编目 (registered)", Cell::Count(*registered)),
            ("首次发布 (first published)", Cell::Count(*published)),
            ("变更发布 (republished)", Cell::Count(*republished)),
            ("撤销 (revoked)", Cell::Count(*revoked)),
            (
                "年末已发布 (published at year end)",
                Cell::Count(*published_at_year_end),
            ),
            (
                "更新时限，工作日 (update limit, working days)",
                Cell::Plain(u64::from(*update_working_days)),
            ),
            ("应更新 (updates due)", Cell::Count(*updates_due)),
            ("更新不及时 (updated late)", Cell::Count(*updated_late)),
            (
                "更新不及时比例 (late share)",
                Cell::Ratio(ratio(*updated_late, *updates_due)),
            ),
        ],
    );
    let late = Table {
        sheet: "目录-更新不及时",
        caption: "目录更新不及时 (late updates)",
        header: vec![
            "目录代码",
            "名称",
            "提供部门",
            "变更时间",
            "应发布时间",
            "发布时间",
            "工作日",
        ],
        rows: late_updates
            .iter()
            .map(|update| late_update_row(report, update))
            .collect(),
    };
    Section {
        heading: "一、目录 (Catalogue)",
        tables: vec![
            totals,
            catalogue_rows("目录-按分类", "按分类 (by category)", "分类", by_category),
            catalogue_rows(
                "目录-按共享类型",
                "按共享类型 (by share type)",
                "共享类型",
                by_share_type,
            ),
            late,
        ],
    }
}

fn catalogue_rows(
    sheet: &'static str,
    caption: &'static str,
    first: &'static str,
    rows: &[CatalogueRow],
) -> Table {
    Table {
        sheet,
        caption,
        header: vec![first, "编目", "发布", "撤销", "年末已发布"],
        rows: rows
            .iter()
            .map(|row| {
                let CatalogueRow {
                    key: _,
                    label,
                    registered,
                    published,
                    revoked,
                    published_at_year_end,
                } = row;
                vec![
                    Cell::Text(label.clone()),
                    Cell::Count(*registered),
                    Cell::Count(*published),
                    Cell::Count(*revoked),
                    Cell::Count(*published_at_year_end),
                ]
            })
            .collect(),
    }
}

fn late_update_row(report: &AnnualReport, update: &LateUpdate) -> Vec<Cell> {
    let LateUpdate {
        entry_code,
        entry_name,
        provider_code,
        changed_at,
        due_at,
        published_at,
        working_days,
    } = update;
    let when = |ts: Option<&prost_types::Timestamp>, none: &str| {
        Cell::Text(instant(report, ts).unwrap_or_else(|| none.to_string()))
    };
    vec![
        Cell::Text(entry_code.clone()),
        Cell::Text(entry_name.clone()),
        Cell::Text(provider_code.clone()),
        when(changed_at.as_ref(), "-"),
        when(due_at.as_ref(), "-"),
        when(published_at.as_ref(), "未发布"),
        Cell::Count(u64::from(*working_days)),
    ]
}

fn sharing(report: &AnnualReport) -> Section {
    let default = SharingFigures::default();
    let SharingFigures {
        received,
        approved,
        refused,
        withdrawn,
        pending,
        overdue,
        by_share_type,
        refusal_reasons,
        answered,
        median_answer_working_days,
        p90_answer_working_days,
        answer_working_days_limit,
        requests_made,
    } = report.sharing.as_ref().unwrap_or(&default);
    let totals = figures_table(
        "共享-总数",
        "共享申请总数 (sharing requests)",
        vec![
            ("收到申请 (received)", Cell::Count(*received)),
            ("同意 (approved)", Cell::Count(*approved)),
            ("拒绝 (refused)", Cell::Count(*refused)),
            ("撤回 (withdrawn)", Cell::Count(*withdrawn)),
            ("年末待办 (pending)", Cell::Count(*pending)),
            ("超期 (overdue)", Cell::Count(*overdue)),
            (
                "同意比例 (approved share)",
                Cell::Ratio(ratio(*approved, *received)),
            ),
            (
                "超期比例 (overdue share)",
                Cell::Ratio(ratio(*overdue, *received)),
            ),
            (
                "本部门提出申请 (requests made)",
                Cell::Count(*requests_made),
            ),
        ],
    );
    let by_type = Table {
        sheet: "共享-按共享类型",
        caption: "按共享类型 (by share type)",
        header: vec!["共享类型", "收到", "同意", "拒绝", "撤回", "待办", "超期"],
        rows: by_share_type
            .iter()
            .map(|row| {
                let SharingRow {
                    key: _,
                    label,
                    received,
                    approved,
                    refused,
                    withdrawn,
                    pending,
                    overdue,
                } = row;
                vec![
                    Cell::Text(label.clone()),
                    Cell::Count(*received),
                    Cell::Count(*approved),
                    Cell::Count(*refused),
                    Cell::Count(*withdrawn),
                    Cell::Count(*pending),
                    Cell::Count(*overdue),
                ]
            })
            .collect(),
    };
    let reasons = Table {
        sheet: "共享-拒绝理由",
        caption: "拒绝理由 (refusal reasons)",
        header: vec!["理由", "次数"],
        rows: refusal_reasons
            .iter()
            .map(|r| {
                let ReasonCount { reason, count } = r;
                vec![Cell::Text(reason.clone()), Cell::Count(*count)]
            })
            .collect(),
    };
    let within = |days: f64| {
        if *answered == 0 {
            "-"
        } else if days <= f64::from(*answer_working_days_limit) {
            "是"
        } else {
            "否"
        }
    };
    let answer_time = Table {
        sheet: "共享-答复时间",
        caption: "答复时间，工作日 (answer time, working days)",
        header: vec!["指标", "数值", "时限内 (within limit)"],
        rows: vec![
            vec![
                label("已答复申请 (answered)"),
                Cell::Count(*answered),
                label("-"),
            ],
            vec![
                label("中位数 (median)"),
                Cell::Days(*median_answer_working_days),
                label(within(*median_answer_working_days)),
            ],
            vec![
                label("第90百分位 (p90)"),
                Cell::Days(*p90_answer_working_days),
                label(within(*p90_answer_working_days)),
            ],
            vec![
                label("答复时限 (limit)"),
                Cell::Plain(u64::from(*answer_working_days_limit)),
                label("-"),
            ],
        ],
    };
    Section {
        heading: "二、共享 (Sharing)",
        tables: vec![totals, by_type, reasons, answer_time],
    }
}

fn exchange(report: &AnnualReport) -> Section {
    let default = ExchangeFigures::default();
    let ExchangeFigures {
        snapshots_published,
        bytes_published,
        rows_published,
        deliveries,
        bytes_delivered,
        rows_delivered,
        by_provider,
        by_receiver,
    } = report.exchange.as_ref().unwrap_or(&default);
    let totals = figures_table(
        "交换-总数",
        "交换总数 (exchange totals)",
        vec![
            (
                "发布快照 (snapshots published)",
                Cell::Count(*snapshots_published),
            ),
            (
                "发布数据量 (bytes published)",
                Cell::Bytes(*bytes_published),
            ),
            ("发布行数 (rows published)", Cell::Count(*rows_published)),
            ("交付次数 (deliveries)", Cell::Count(*deliveries)),
            (
                "交付数据量 (bytes delivered)",
                Cell::Bytes(*bytes_delivered),
            ),
            ("交付行数 (rows delivered)", Cell::Count(*rows_delivered)),
        ],
    );
    Section {
        heading: "三、交换 (Exchange)",
        tables: vec![
            totals,
            flows(
                "交换-按提供部门",
                "按提供部门 (by provider)",
                true,
                by_provider,
            ),
            flows(
                "交换-按接收部门",
                "按接收部门 (by receiver)",
                false,
                by_receiver,
            ),
        ],
    }
}

fn flows(
    sheet: &'static str,
    caption: &'static str,
    provider: bool,
    rows: &[DepartmentFlow],
) -> Table {
    let mut header = vec!["部门代码", "部门名称"];
    if provider {
        header.push("发布快照");
    }
    header.extend(["交付次数", "交付数据量", "交付行数"]);
    Table {
        sheet,
        caption,
        header,
        rows: rows
            .iter()
            .map(|flow| {
                let DepartmentFlow {
                    department_code,
                    department_name,
                    snapshots_published,
                    deliveries,
                    bytes_delivered,
                    rows_delivered,
                } = flow;
                let mut row = vec![
                    Cell::Text(department_code.clone()),
                    Cell::Text(department_name.clone()),
                ];
                if provider {
                    row.push(Cell::Count(*snapshots_published));
                }
                row.extend([
                    Cell::Count(*deliveries),
                    Cell::Bytes(*bytes_delivered),
                    Cell::Count(*rows_delivered),
                ]);
                row
            })
            .collect(),
    }
}

fn access(report: &AnnualReport) -> Section {
    let default = AccessFigures::default();
    let AccessFigures {
        calls,
        by_outcome,
        refused_calls,
        chain_verified,
        records_checked,
        head_seq,
        head_hash,
        chain_problem,
    } = report.access.as_ref().unwrap_or(&default);
    let totals = figures_table(
        "访问-总数",
        "访问日志 (access log)",
        vec![
            ("调用 (calls)", Cell::Count(*calls)),
            ("拒绝的调用 (refused calls)", Cell::Count(*refused_calls)),
            (
                "拒绝比例 (refused share)",
                Cell::Ratio(ratio(*refused_calls, *calls)),
            ),
        ],
    );
    let outcomes = Table {
        sheet: "访问-按结果",
        caption: "按结果 (calls by outcome)",
        header: vec!["结果", "代码", "次数"],
        rows: by_outcome
            .iter()
            .map(|o| {
                let OutcomeCount {
                    outcome,
                    code,
                    count,
                } = o;
                vec![
                    Cell::Text(outcome.clone()),
                    Cell::Plain(u64::from(*code)),
                    Cell::Count(*count),
                ]
            })
            .collect(),
    };
    let chain = figures_table(
        "访问-链校验",
        "哈希链校验 (chain verification)",
        vec![
            (
                "校验结果 (result)",
                label(if *chain_verified {
                    "通过 (verified)"
                } else {
                    "未通过 (failed)"
                }),
            ),
            (
                "检查记录数 (records checked)",
                Cell::Count(*records_checked),
            ),
            ("年末链头序号 (head seq)", Cell::Plain(*head_seq)),
            (
                "年末链头哈希 (head hash)",
                label(if head_hash.is_empty() { "-" } else { head_hash }),
            ),
            (
                "问题 (problem)",
                label(if chain_problem.is_empty() {
                    "-"
                } else {
                    chain_problem
                }),
            ),
        ],
    );
    Section {
        heading: "四、访问 (Access)",
        tables: vec![totals, outcomes, chain],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_puts_a_comma_every_three_digits() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn a_share_of_nothing_is_no_share() {
        assert_eq!(ratio(1, 0), None);
        assert_eq!(ratio(1, 4), Some(0.25));
        assert_eq!(percent_text(ratio(1, 8)), "12.5%");
        assert_eq!(percent_text(None), "-");
    }

    #[test]
    fn bytes_are_exact_with_a_human_size_beside() {
        assert_eq!(cell_text(&Cell::Bytes(512)), "512 字节");
        assert_eq!(
            cell_text(&Cell::Bytes(1_234_567)),
            "1,234,567 字节 (1.2 MiB)"
        );
    }
}
