//! An annual report made by hand for the rendering tests: distinctive numbers, so that each one
//! found in an output can only have come from its field, and hostile text in names and reasons.
//! Each test file uses part of it.

#![allow(dead_code)]

pub mod numbers;

use govshare_server::proto::{
    AccessFigures, AnnualReport, CatalogueFigures, CatalogueRow, DepartmentFlow, ExchangeFigures,
    LateUpdate, OutcomeCount, ReasonCount, SharingFigures, SharingRow,
};
use prost_types::Timestamp;

/// A refusal reason that would run a script if a format did not escape it.
pub const HOSTILE_REASON: &str = "用途<script>alert(\"x\")</script> & 范围不符";
/// A receiving department whose name holds markup and a table separator.
pub const HOSTILE_DEPARTMENT: &str = "某市<b>数据</b>局 & 中心 | 二部";

fn at(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp { seconds, nanos: 0 })
}

fn catalogue_row(key: &str, label: &str, figures: [u64; 4]) -> CatalogueRow {
    let [registered, published, revoked, published_at_year_end] = figures;
    CatalogueRow {
        key: key.into(),
        label: label.into(),
        registered,
        published,
        revoked,
        published_at_year_end,
    }
}

fn sharing_row(key: &str, label: &str, figures: [u64; 6]) -> SharingRow {
    let [received, approved, refused, withdrawn, pending, overdue] = figures;
    SharingRow {
        key: key.into(),
        label: label.into(),
        received,
        approved,
        refused,
        withdrawn,
        pending,
        overdue,
    }
}

fn flow(code: &str, name: &str, figures: [u64; 4]) -> DepartmentFlow {
    let [
        snapshots_published,
        deliveries,
        bytes_delivered,
        rows_delivered,
    ] = figures;
    DepartmentFlow {
        department_code: code.into(),
        department_name: name.into(),
        snapshots_published,
        deliveries,
        bytes_delivered,
        rows_delivered,
    }
}

/// The report of a department for 2026, a year that is over.
pub fn report() -> AnnualReport {
    AnnualReport {
        year: 2026,
        department_code: "11330100MB1234567X".into(),
        department_name: "杭州市数据资源管理局".into(),
        // 2027-01-03 09:30:00 +08:00
        generated_at: at(1_798_939_800),
        utc_offset: "+08:00".into(),
        year_complete: true,
        catalogue: Some(CatalogueFigures {
            registered: 37,
            published: 29,
            republished: 11,
            revoked: 4,
            published_at_year_end: 203,
            by_category: vec![
                catalogue_row("CATEGORY_BASE", "基础", [17, 13, 1, 88]),
                catalogue_row("CATEGORY_THEME", "主题", [12, 9, 2, 71]),
                catalogue_row("CATEGORY_DEPARTMENT", "部门", [8, 7, 1, 44]),
            ],
            by_share_type: vec![
                catalogue_row("SHARE_TYPE_UNCONDITIONAL", "无条件共享", [19, 16, 3, 121]),
                catalogue_row("SHARE_TYPE_CONDITIONAL", "有条件共享", [15, 12, 1, 79]),
                catalogue_row("SHARE_TYPE_NOT_SHARED", "不予共享", [3, 1, 0, 3]),
            ],
            update_working_days: 15,
            updates_due: 23,
            updated_late: 6,
            late_updates: vec![
                LateUpdate {
                    entry_code: "330100/000123".into(),
                    entry_name: "企业登记<信息> & 变更".into(),
                    provider_code: "11330100MB1234567X".into(),
                    changed_at: at(1_780_000_000),
                    due_at: at(1_781_800_000),
                    published_at: at(1_783_000_000),
                    working_days: 27,
                },
                LateUpdate {
                    entry_code: "330100/000456".into(),
                    entry_name: "社保缴纳记录".into(),
                    provider_code: "11330100MB1234567X".into(),
                    changed_at: at(1_795_000_000),
                    due_at: at(1_796_800_000),
                    published_at: None,
                    working_days: 31,
                },
            ],
        }),
        sharing: Some(SharingFigures {
            received: 412,
            approved: 355,
            refused: 38,
            withdrawn: 9,
            pending: 10,
            overdue: 14,
            by_share_type: vec![
                sharing_row(
                    "SHARE_TYPE_UNCONDITIONAL",
                    "无条件共享",
                    [260, 258, 0, 2, 0, 0],
                ),
                sharing_row(
                    "SHARE_TYPE_CONDITIONAL",
                    "有条件共享",
                    [152, 97, 38, 7, 10, 14],
                ),
            ],
            refusal_reasons: vec![
                ReasonCount {
                    reason: HOSTILE_REASON.into(),
                    count: 21,
                },
                ReasonCount {
                    reason: "超出职能范围".into(),
                    count: 17,
                },
            ],
            answered: 135,
            median_answer_working_days: 3.5,
            p90_answer_working_days: 8.25,
            answer_working_days_limit: 10,
            requests_made: 58,
        }),
        exchange: Some(ExchangeFigures {
            snapshots_published: 96,
            bytes_published: 987_654_321,
            rows_published: 5_432_109,
            deliveries: 743,
            bytes_delivered: 1_234_567,
            rows_delivered: 86_420,
            by_provider: vec![flow(
                "11330100MB1234567X",
                "杭州市数据资源管理局",
                [96, 743, 1_234_567, 86_420],
            )],
            by_receiver: vec![
                flow(
                    "11330100MB7654321Y",
                    "杭州市公安局",
                    [0, 501, 876_543, 61_234],
                ),
                flow(
                    "11330100MB5550001Z",
                    HOSTILE_DEPARTMENT,
                    [0, 242, 358_024, 25_186],
                ),
            ],
        }),
        access: Some(AccessFigures {
            calls: 98_765,
            by_outcome: vec![
                OutcomeCount {
                    outcome: "OK".into(),
                    code: 0,
                    count: 97_531,
                },
                OutcomeCount {
                    outcome: "PERMISSION_DENIED".into(),
                    code: 7,
                    count: 1_111,
                },
                OutcomeCount {
                    outcome: "NOT_FOUND".into(),
                    code: 5,
                    count: 123,
                },
            ],
            refused_calls: 1_111,
            chain_verified: true,
            records_checked: 98_765,
            head_seq: 4_567_890,
            head_hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            chain_problem: String::new(),
        }),
    }
}
