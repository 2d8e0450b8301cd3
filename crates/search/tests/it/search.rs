//! Searching a real index: Chinese segmentation as jieba does it, codes, English, ranking,
//! filters, facets, highlights and pagination.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use govshare_model::{Category, ShareType, UpdateCycle};
use govshare_search::{Filters, ProviderCount, SearchQuery, TextField};

#[test]
fn a_chinese_word_finds_the_entries_that_contain_it() {
    let (_dir, index) = index_of(&catalogue());
    // 户籍人口 and 常住人口 are both indexed with 人口 as a word of their own.
    assert_eq!(found(&index, "人口"), ["101001/000001", "101001/000002"]);
    assert_eq!(found(&index, "户籍"), ["101001/000001"]);
}

#[test]
fn a_compound_finds_its_own_text_and_its_parts_find_it_too() {
    let (_dir, index) = index_of(&catalogue());
    assert_eq!(found(&index, "社会保险"), ["205003/000001"]);
    assert_eq!(found(&index, "保险"), ["205003/000001"]);
    assert_eq!(found(&index, "医疗机构"), ["301002/000001"]);
    // 常住人口 is one dictionary word, and also 常住 + 人口.
    assert_eq!(found(&index, "常住人口"), ["101001/000002"]);
}

#[test]
fn jieba_does_not_expand_abbreviations() {
    let (_dir, index) = index_of(&catalogue());
    // 社保 is a word of its own to jieba, not 社会保险: it finds the 社保卡 entry only.
    assert_eq!(found(&index, "社保"), ["205003/000002"]);
}

#[test]
fn every_word_of_the_query_must_match() {
    let (_dir, index) = index_of(&catalogue());
    assert_eq!(found(&index, "人口 统计"), ["101001/000002"]);
    assert_eq!(found(&index, "常住人口数量"), ["101001/000002"]);
    assert!(found(&index, "人口 医疗").is_empty());
}

#[test]
fn punctuation_and_function_words_are_ignored() {
    let (_dir, index) = index_of(&catalogue());
    assert_eq!(found(&index, "户籍的人口，"), ["101001/000001"]);
}

#[test]
fn codes_are_found_whole_and_by_classification() {
    let (_dir, index) = index_of(&catalogue());
    assert_eq!(found(&index, "101001/000001"), ["101001/000001"]);
    assert_eq!(found(&index, " 101001/000002 "), ["101001/000002"]);
    assert_eq!(found(&index, "101001"), ["101001/000001", "101001/000002"]);
    assert!(found(&index, "101001/000009").is_empty());
}

#[test]
fn english_words_match_in_any_case() {
    let (_dir, index) = index_of(&catalogue());
    assert_eq!(found(&index, "api"), ["205003/000001"]);
    assert_eq!(found(&index, "API"), ["205003/000001"]);
    assert_eq!(found(&index, "kingbasees"), ["301002/000001"]);
    assert_eq!(found(&index, "KingbaseES 数据库"), ["301002/000001"]);
}

#[test]
fn item_names_keywords_and_provider_names_are_searched() {
    let (_dir, index) = index_of(&catalogue());
    assert_eq!(found(&index, "缴费基数"), ["205003/000001"]);
    assert_eq!(found(&index, "执业许可证"), ["301002/000001"]);
    assert_eq!(found(&index, "卫生健康委"), ["301002/000001"]);
    assert_eq!(
        found(&index, "人力资源"),
        ["205003/000001", "205003/000002"]
    );
}

#[test]
fn a_match_in_the_name_ranks_above_one_in_the_summary() {
    let docs = vec![
        doc(
            "101001/000001",
            "法人单位基础信息",
            "含企业登记的法人单位。",
        ),
        doc("101001/000002", "企业登记信息", "市场主体的基础数据。"),
        doc("101001/000003", "不动产统计", "登记在册的企业不动产。"),
    ];
    let (_dir, index) = index_of(&docs);
    let ranked = codes(&index, "企业");
    assert_eq!(ranked[0], "101001/000002", "{ranked:?}");
    assert_eq!(ranked.len(), 3);
    let page = search(&index, "企业");
    assert!(page.hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(page.hits[0].score > 0.0);
}

#[test]
fn highlights_mark_the_matched_words_per_field() {
    let (_dir, index) = index_of(&catalogue());
    let page = search(&index, "户籍 人口");
    let hit = &page.hits[0];
    assert_eq!(hit.code, "101001/000001");
    let name = hit
        .highlights
        .iter()
        .find(|h| h.field == TextField::Name)
        .expect("a name highlight");
    assert_eq!(name.fragment, "<em>户籍人口</em>基本信息");
    let fields: Vec<TextField> = hit.highlights.iter().map(|h| h.field).collect();
    assert_eq!(
        fields,
        [
            TextField::Name,
            TextField::Keywords,
            TextField::Items,
            TextField::Summary
        ]
    );
    let summary = &hit.highlights[3].fragment;
    assert!(summary.contains("<em>户籍人口</em>"), "{summary}");
}

#[test]
fn a_caller_with_the_documents_at_hand_gets_the_same_hits_and_highlights() {
    let docs = catalogue();
    let (_dir, index) = index_of(&docs);
    for text in ["户籍 人口", "企业", "社会保险", "101001/000002", ""] {
        let stored = search(&index, text);
        let page = index
            .search(&SearchQuery {
                text: text.into(),
                limit: 100,
                caller_highlights: true,
                ..SearchQuery::default()
            })
            .unwrap();
        assert_eq!(page.total, stored.total, "{text:?}");
        assert_eq!(page.facets, stored.facets, "{text:?}");
        assert_eq!(page.hits.len(), stored.hits.len(), "{text:?}");
        for (hit, expected) in page.hits.iter().zip(&stored.hits) {
            assert_eq!(hit.code, expected.code, "{text:?}");
            assert_eq!(hit.score, expected.score, "{text:?}");
            assert!(hit.highlights.is_empty());
            let doc = docs.iter().find(|d| d.code == hit.code).unwrap();
            assert_eq!(page.highlights(doc), expected.highlights, "{text:?}");
        }
    }
}

#[test]
fn highlights_escape_the_text_around_the_marks() {
    let (_dir, index) = index_of(&[doc("101001/000001", "人口<script>信息", "a & b")]);
    let page = search(&index, "人口");
    assert_eq!(
        page.hits[0].highlights[0].fragment,
        "<em>人口</em>&lt;script&gt;信息"
    );
}

#[test]
fn filters_restrict_the_hits_and_the_facets() {
    let (_dir, index) = index_of(&catalogue());
    let search_with = |text: &str, filters: Filters| {
        index
            .search(&SearchQuery {
                text: text.into(),
                filters,
                limit: 100,
                offset: 0,
                caller_highlights: false,
            })
            .unwrap()
    };
    let page = search_with(
        "信息",
        Filters {
            provider_code: Some(HUMAN_RESOURCES.into()),
            ..Filters::default()
        },
    );
    assert_eq!(page.total, 2);
    assert_eq!(
        page.facets.provider,
        [ProviderCount {
            code: HUMAN_RESOURCES.into(),
            name: "市人力资源社会保障局".into(),
            count: 2
        }]
    );
    let page = search_with(
        "",
        Filters {
            category: Some(Category::Base),
            update_cycle: Some(UpdateCycle::Monthly),
            ..Filters::default()
        },
    );
    let codes: Vec<&str> = page.hits.iter().map(|h| h.code.as_str()).collect();
    assert_eq!(codes, ["101001/000002"]);
    let page = search_with(
        "信息",
        Filters {
            share_type: Some(ShareType::NotShared),
            ..Filters::default()
        },
    );
    assert_eq!(page.total, 1);
    assert_eq!(page.hits[0].code, "301002/000001");
    assert!(
        search_with(
            "人口",
            Filters {
                category: Some(Category::Theme),
                ..Filters::default()
            }
        )
        .hits
        .is_empty()
    );
}

#[test]
fn facets_count_every_match_not_only_the_page() {
    let (_dir, index) = index_of(&catalogue());
    let page = index
        .search(&SearchQuery {
            text: "信息".into(),
            limit: 1,
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(page.hits.len(), 1);
    assert_eq!(page.total, 5);
    let f = &page.facets;
    assert_eq!(
        f.category,
        [
            (Category::Base, 2),
            (Category::Theme, 2),
            (Category::Department, 1)
        ]
    );
    assert_eq!(
        f.share_type,
        [
            (ShareType::Conditional, 3),
            (ShareType::Unconditional, 1),
            (ShareType::NotShared, 1)
        ]
    );
    assert_eq!(
        f.update_cycle,
        [
            (UpdateCycle::Daily, 3),
            (UpdateCycle::Monthly, 1),
            (UpdateCycle::Irregular, 1)
        ]
    );
    let providers: Vec<(&str, &str, u64)> = f
        .provider
        .iter()
        .map(|p| (p.code.as_str(), p.name.as_str(), p.count))
        .collect();
    assert_eq!(
        providers,
        [
            (PUBLIC_SECURITY, "市公安局", 2),
            (HUMAN_RESOURCES, "市人力资源社会保障局", 2),
            (HEALTH, "市卫生健康委", 1)
        ]
    );
}

#[test]
fn a_zero_limit_returns_the_total_and_facets_only() {
    let (_dir, index) = index_of(&catalogue());
    let page = index
        .search(&SearchQuery {
            text: "人口".into(),
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(page.hits.is_empty());
    assert_eq!(page.total, 2);
    assert_eq!(page.facets.category, [(Category::Base, 2)]);
}

#[test]
fn an_empty_query_lists_every_entry_by_code() {
    let (_dir, index) = index_of(&catalogue());
    for text in ["", "  "] {
        let page = search(&index, text);
        let codes: Vec<&str> = page.hits.iter().map(|h| h.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "101001/000001",
                "101001/000002",
                "205003/000001",
                "205003/000002",
                "301002/000001"
            ],
            "{text:?}"
        );
        assert!(page.hits.iter().all(|h| h.highlights.is_empty()));
        assert_eq!(page.total, 5);
    }
}

#[test]
fn a_query_of_words_that_are_never_indexed_matches_nothing() {
    let (_dir, index) = index_of(&catalogue());
    for text in ["的，", "the", "！？"] {
        let page = search(&index, text);
        assert!(page.hits.is_empty(), "{text:?}");
        assert_eq!(page.total, 0, "{text:?}");
        assert!(page.facets.category.is_empty(), "{text:?}");
    }
}

/// Many entries with the same score, spread over several commits (segments).
fn many_ties() -> (tempfile::TempDir, govshare_search::SearchIndex) {
    let (dir, index) = index_of(&[]);
    for n in (1..=57u32).rev() {
        index
            .upsert(&doc(
                &format!("101001/{n:06}"),
                "户籍人口基本信息",
                "同名目录",
            ))
            .unwrap();
        if n % 10 == 0 {
            commit(&index, u64::from(n));
        }
    }
    commit(&index, 100);
    (dir, index)
}

#[test]
fn pages_cover_every_hit_once_in_a_stable_order() {
    let (_dir, index) = many_ties();
    for text in ["人口", ""] {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = index
                .search(&SearchQuery {
                    text: text.into(),
                    offset,
                    limit: 10,
                    ..SearchQuery::default()
                })
                .unwrap();
            assert_eq!(page.total, 57);
            if page.hits.is_empty() {
                break;
            }
            offset += page.hits.len();
            seen.extend(page.hits.into_iter().map(|h| h.code));
        }
        let expected: Vec<String> = (1..=57).map(|n| format!("101001/{n:06}")).collect();
        if text.is_empty() {
            assert_eq!(seen, expected, "without words the order is by code");
        }
        seen.sort();
        assert_eq!(seen, expected, "{text:?}: every hit once");
    }
}

#[test]
fn an_upsert_replaces_the_entry_of_the_same_code() {
    let (_dir, index) = index_of(&catalogue());
    index
        .upsert(&doc("101001/000001", "流动人口登记信息", "暂住登记"))
        .unwrap();
    commit(&index, 2);
    assert_eq!(found(&index, "户籍人口"), Vec::<String>::new());
    assert_eq!(found(&index, "流动人口"), ["101001/000001"]);
    assert_eq!(index.num_docs(), 5);
}

#[test]
fn a_removed_entry_is_no_longer_found() {
    let (_dir, index) = index_of(&catalogue());
    index.remove("101001/000001").unwrap();
    // Not before the commit.
    assert_eq!(found(&index, "户籍").len(), 1);
    commit(&index, 2);
    assert!(found(&index, "户籍").is_empty());
    assert_eq!(search(&index, "").total, 4);
    assert_eq!(
        search(&index, "人口").facets.category,
        [(Category::Base, 1)]
    );
}
