//! Fixtures: documents shaped like real catalogue entries, and an index in a temp directory.

#![allow(dead_code, clippy::unwrap_used)]

use govshare_model::{Category, ShareType, UpdateCycle};
use govshare_search::{SearchDoc, SearchIndex, SearchPage, SearchQuery};
use tempfile::TempDir;

pub const PUBLIC_SECURITY: &str = "11110000000000001X";
pub const HEALTH: &str = "11110000000000002X";
pub const HUMAN_RESOURCES: &str = "11110000000000003X";

/// An entry of `provider` named `name` with the summary `summary`; other fields neutral.
pub fn doc(code: &str, name: &str, summary: &str) -> SearchDoc {
    SearchDoc {
        code: code.into(),
        name: name.into(),
        summary: summary.into(),
        keywords: Vec::new(),
        items: vec!["记录编号".into()],
        provider_code: PUBLIC_SECURITY.into(),
        provider_name: "市公安局".into(),
        category: Category::Base,
        share_type: ShareType::Conditional,
        update_cycle: UpdateCycle::Daily,
    }
}

/// A small catalogue of three departments.
pub fn catalogue() -> Vec<SearchDoc> {
    vec![
        SearchDoc {
            keywords: vec!["人口".into(), "户籍".into()],
            items: vec!["姓名".into(), "公民身份号码".into(), "户籍地址".into()],
            ..doc(
                "101001/000001",
                "户籍人口基本信息",
                "本市户籍人口的姓名、身份号码和户籍地址，用于政务服务身份核验。",
            )
        },
        SearchDoc {
            update_cycle: UpdateCycle::Monthly,
            ..doc(
                "101001/000002",
                "常住人口统计信息",
                "按街道汇总的常住人口数量。",
            )
        },
        SearchDoc {
            provider_code: HUMAN_RESOURCES.into(),
            provider_name: "市人力资源社会保障局".into(),
            category: Category::Theme,
            share_type: ShareType::Unconditional,
            items: vec!["参保人姓名".into(), "参保险种".into(), "缴费基数".into()],
            ..doc(
                "205003/000001",
                "社会保险参保信息",
                "职工养老、医疗、失业保险的参保登记和缴费记录，通过 API 接口共享。",
            )
        },
        SearchDoc {
            provider_code: HEALTH.into(),
            provider_name: "市卫生健康委".into(),
            category: Category::Department,
            share_type: ShareType::NotShared,
            update_cycle: UpdateCycle::Irregular,
            items: vec!["机构名称".into(), "执业许可证号".into()],
            ..doc(
                "301002/000001",
                "医疗机构执业登记信息",
                "医疗机构的执业许可、诊疗科目和床位数，数据存放于 KingbaseES 数据库。",
            )
        },
        SearchDoc {
            provider_code: HUMAN_RESOURCES.into(),
            provider_name: "市人力资源社会保障局".into(),
            category: Category::Theme,
            ..doc(
                "205003/000002",
                "社保卡发放信息",
                "社保卡的制卡和发放记录。",
            )
        },
    ]
}

/// A committed index of `docs` in a fresh temp directory.
pub fn index_of(docs: &[SearchDoc]) -> (TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(&dir.path().join("search")).unwrap();
    for d in docs {
        index.upsert(d).unwrap();
    }
    commit(&index, 1);
    (dir, index)
}

pub fn commit(index: &SearchIndex, seq: u64) {
    index
        .commit(&govshare_search::Checkpoint {
            seq,
            fingerprint: format!("event {seq}"),
        })
        .unwrap();
}

/// The first page (up to 100 hits) of `text`.
pub fn search(index: &SearchIndex, text: &str) -> SearchPage {
    index
        .search(&SearchQuery {
            text: text.into(),
            limit: 100,
            ..SearchQuery::default()
        })
        .unwrap()
}

/// The codes of the first page of `text`, in rank order.
pub fn codes(index: &SearchIndex, text: &str) -> Vec<String> {
    search(index, text)
        .hits
        .into_iter()
        .map(|h| h.code)
        .collect()
}

/// The codes of the first page of `text`, sorted.
pub fn found(index: &SearchIndex, text: &str) -> Vec<String> {
    let mut c = codes(index, text);
    c.sort();
    c
}
