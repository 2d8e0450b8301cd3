//! SearchEntries end to end: what is searchable and how soon, Chinese and English words and
//! codes, filters, facets, highlights, paging, revocation, rebuilding the index, bad input and
//! the access-log record.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crate::common::cli::govshare_with;
use crate::common::*;
use govshare_server::proto::{
    self, Category, Role, SearchEntriesRequest, SearchEntriesResponse, ShareType,
};
use tonic::Code;

/// A published change must be searchable within this long.
const DEADLINE: Duration = Duration::from_secs(1);

struct World {
    server: TestServer,
    /// 市公安局 and its cataloguer.
    police: String,
    cataloguer: Clients,
    /// 市人力资源社会保障局 and its cataloguer.
    labour: String,
    labour_cataloguer: Clients,
    /// A consumer of a third department.
    reader: Clients,
}

async fn world() -> World {
    world_in(tempfile::tempdir().unwrap()).await
}

async fn world_in(dir: tempfile::TempDir) -> World {
    let server = TestServer::start_in(dir).await;
    let police = server.department(1, "市公安局").await;
    let labour = server.department(2, "市人力资源社会保障局").await;
    let other = server.department(3, "市民政局").await;
    let cataloguer = server.token(&police, &[Role::Cataloguer]).await;
    let labour_cataloguer = server.token(&labour, &[Role::Cataloguer]).await;
    let reader = server.token(&other, &[Role::Consumer]).await;
    World {
        server,
        police,
        cataloguer,
        labour,
        labour_cataloguer,
        reader,
    }
}

/// The sample metadata of `provider` renamed, summarised and itemised.
fn entry_metadata(
    provider: &str,
    name: &str,
    summary: &str,
    items: &[&str],
) -> proto::ResourceMetadata {
    let mut m = sample_metadata(provider);
    m.name = name.into();
    m.summary = summary.into();
    m.keywords = Vec::new();
    let template = m.items[0].clone();
    m.items = items
        .iter()
        .map(|n| proto::InfoItem {
            name: (*n).into(),
            ..template.clone()
        })
        .collect();
    m
}

fn household(provider: &str) -> proto::ResourceMetadata {
    entry_metadata(
        provider,
        "户籍人口基本信息",
        "本市户籍人口的姓名、身份号码和户籍地址，通过 API 接口共享。",
        &["姓名", "公民身份号码", "户籍地址"],
    )
}

fn insurance(provider: &str) -> proto::ResourceMetadata {
    let mut m = entry_metadata(
        provider,
        "社会保险参保信息",
        "职工养老、医疗、失业保险的参保登记和缴费记录。",
        &["参保人姓名", "参保险种", "缴费基数"],
    );
    m.classification = Some(proto::Classification {
        category: Category::Theme as i32,
        item: "05".into(),
        subitem: "003".into(),
        detail: String::new(),
    });
    let sharing = m.sharing.as_mut().unwrap();
    sharing.share_type = ShareType::Unconditional as i32;
    sharing.condition.clear();
    m
}

fn query(text: &str) -> SearchEntriesRequest {
    SearchEntriesRequest {
        query: text.into(),
        ..SearchEntriesRequest::default()
    }
}

async fn search(
    clients: &Clients,
    request: SearchEntriesRequest,
) -> Result<SearchEntriesResponse, tonic::Status> {
    clients
        .catalog
        .clone()
        .search_entries(request)
        .await
        .map(tonic::Response::into_inner)
}

fn codes(response: &SearchEntriesResponse) -> Vec<String> {
    let mut codes: Vec<String> = response
        .hits
        .iter()
        .map(|h| h.entry.as_ref().unwrap().code.clone())
        .collect();
    codes.sort();
    codes
}

/// Searches `text` until `done` holds of the codes found and the total agrees with them, or
/// the deadline passes; returns the last response and how long it took.
async fn search_until(
    clients: &Clients,
    text: &str,
    done: impl Fn(&[String]) -> bool,
) -> (SearchEntriesResponse, Duration) {
    let started = Instant::now();
    loop {
        let response = search(clients, query(text)).await.unwrap();
        let found = codes(&response);
        let settled = response.total == found.len() as u64;
        if (settled && done(&found)) || started.elapsed() > DEADLINE * 5 {
            return (response, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `code` is found by `text`, and asserts it took less than [`DEADLINE`].
async fn searchable(clients: &Clients, text: &str, code: &str) -> SearchEntriesResponse {
    let (response, took) = search_until(clients, text, |c| c.iter().any(|c| c == code)).await;
    assert!(
        codes(&response).contains(&code.to_owned()),
        "{code} not found by {text:?} after {took:?}: {response:#?}"
    );
    assert!(took < DEADLINE, "{code} took {took:?} to become searchable");
    response
}

#[tokio::test]
async fn a_published_entry_is_searchable_within_one_second() {
    let w = world().await;
    let code = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    let response = searchable(&w.reader, "人口", &code).await;
    assert_eq!(response.total, 1);
    let hit = &response.hits[0];
    assert!(hit.score > 0.0);
    let entry = hit.entry.as_ref().unwrap();
    assert_eq!(entry.state, proto::EntryState::Published as i32);
    assert_eq!(entry.published_version, 1);
    assert_eq!(entry.metadata.as_ref().unwrap().name, "户籍人口基本信息");
}

#[tokio::test]
async fn chinese_and_english_words_and_codes_find_the_entry() {
    let w = world().await;
    let code = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    searchable(&w.reader, "户籍人口", &code).await;
    for text in [
        "户籍",
        "身份号码",
        "api",
        "API 接口",
        code.as_str(),
        "101001",
        "市公安局",
    ] {
        let response = search(&w.reader, query(text)).await.unwrap();
        assert_eq!(codes(&response), vec![code.clone()], "{text:?}");
    }
    for text in ["企业", "社会保险", "101002"] {
        let response = search(&w.reader, query(text)).await.unwrap();
        assert!(response.hits.is_empty(), "{text:?}: {response:?}");
        assert_eq!(response.total, 0);
    }
}

#[tokio::test]
async fn hits_carry_highlights_with_marked_words() {
    let w = world().await;
    let code = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    let response = searchable(&w.reader, "户籍人口", &code).await;
    let highlights = &response.hits[0].highlights;
    let fields: Vec<&str> = highlights.iter().map(|h| h.field.as_str()).collect();
    // The entry has no keywords, and its provider's name has no such word.
    assert_eq!(fields, ["name", "items", "summary"]);
    assert_eq!(highlights[0].fragment, "<em>户籍人口</em>基本信息");
    assert!(
        highlights.iter().all(|h| h.fragment.contains("<em>")),
        "{highlights:?}"
    );
}

#[tokio::test]
async fn filters_narrow_the_hits_and_facets_count_every_match() {
    let w = world().await;
    let household = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    let insurance = published_entry(&w.server, &w.labour_cataloguer, insurance(&w.labour)).await;
    searchable(&w.reader, "信息", &insurance).await;
    searchable(&w.reader, "信息", &household).await;

    let all = search(
        &w.reader,
        SearchEntriesRequest {
            page_size: 1,
            ..query("信息")
        },
    )
    .await
    .unwrap();
    assert_eq!(all.hits.len(), 1);
    assert_eq!(all.total, 2);
    let facet = |name: &str| {
        all.facets
            .iter()
            .find(|f| f.field == name)
            .unwrap_or_else(|| panic!("no {name} facet in {:?}", all.facets))
            .counts
            .iter()
            .map(|c| (c.value.clone(), c.label.clone(), c.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        facet("category"),
        [
            ("BASE".to_owned(), "基础".to_owned(), 1),
            ("THEME".to_owned(), "主题".to_owned(), 1)
        ]
    );
    assert_eq!(
        facet("share_type"),
        [
            ("UNCONDITIONAL".to_owned(), "无条件共享".to_owned(), 1),
            ("CONDITIONAL".to_owned(), "有条件共享".to_owned(), 1)
        ]
    );
    let mut providers = facet("provider");
    providers.sort();
    assert_eq!(
        providers,
        [
            (w.police.clone(), "市公安局".to_owned(), 1),
            (w.labour.clone(), "市人力资源社会保障局".to_owned(), 1)
        ]
    );
    assert_eq!(
        facet("update_cycle"),
        [("DAILY".to_owned(), "每日".to_owned(), 2)]
    );

    let filtered = |request: SearchEntriesRequest| {
        let reader = w.reader.clone();
        async move { codes(&search(&reader, request).await.unwrap()) }
    };
    assert_eq!(
        filtered(SearchEntriesRequest {
            category: Category::Theme as i32,
            ..query("信息")
        })
        .await,
        vec![insurance.clone()]
    );
    assert_eq!(
        filtered(SearchEntriesRequest {
            share_type: ShareType::Conditional as i32,
            ..query("")
        })
        .await,
        vec![household.clone()]
    );
    assert_eq!(
        filtered(SearchEntriesRequest {
            provider_code: w.labour.clone(),
            ..query("")
        })
        .await,
        vec![insurance.clone()]
    );
    assert!(
        filtered(SearchEntriesRequest {
            update_cycle: proto::UpdateCycle::Yearly as i32,
            ..query("信息")
        })
        .await
        .is_empty()
    );
    let narrowed = search(
        &w.reader,
        SearchEntriesRequest {
            category: Category::Theme as i32,
            ..query("信息")
        },
    )
    .await
    .unwrap();
    assert_eq!(narrowed.total, 1);
    assert_eq!(narrowed.facets[0].counts.len(), 1);
}

#[tokio::test]
async fn pages_cover_every_hit_once() {
    let w = world().await;
    let mut published = Vec::new();
    for n in 0..7 {
        let m = entry_metadata(
            &w.police,
            &format!("人口统计信息{n}"),
            "按街道汇总的常住人口数量。",
            &["街道", "人数"],
        );
        published.push(published_entry(&w.server, &w.cataloguer, m).await);
    }
    published.sort();
    let last = published.last().unwrap().clone();
    searchable(&w.reader, "人口", &last).await;
    let (_, _) = search_until(&w.reader, "人口", |c| c.len() == 7).await;
    for text in ["人口", ""] {
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let page = search(
                &w.reader,
                SearchEntriesRequest {
                    page_size: 3,
                    page_token: token.clone(),
                    ..query(text)
                },
            )
            .await
            .unwrap();
            assert_eq!(page.total, 7);
            assert!(page.hits.len() <= 3);
            seen.extend(
                page.hits
                    .iter()
                    .map(|h| h.entry.as_ref().unwrap().code.clone()),
            );
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        if text.is_empty() {
            assert_eq!(seen, published, "without words, pages are in code order");
        }
        seen.sort();
        assert_eq!(seen, published, "{text:?}");
    }
}

#[tokio::test]
async fn a_revoked_entry_disappears_within_one_second() {
    let w = world().await;
    let code = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    searchable(&w.reader, "户籍", &code).await;
    w.cataloguer
        .catalog
        .clone()
        .request_revocation(proto::RequestRevocationRequest {
            code: code.clone(),
            reason: "职能调整".into(),
        })
        .await
        .unwrap();
    // Pending revocation: still published, still found.
    let response = search(&w.reader, query("户籍")).await.unwrap();
    assert_eq!(codes(&response), vec![code.clone()]);
    approve_review(&w.server, &code, 1).await;
    let (response, took) = search_until(&w.reader, "户籍", |c| c.is_empty()).await;
    assert!(response.hits.is_empty(), "{response:?}");
    assert_eq!(response.total, 0);
    assert!(took < DEADLINE, "the revoked entry stayed {took:?}");
}

#[tokio::test]
async fn drafts_and_pending_entries_are_never_found() {
    let w = world().await;
    let draft = register_entry(&w.cataloguer, household(&w.police)).await;
    let pending = register_entry(&w.cataloguer, household(&w.police)).await;
    w.cataloguer
        .catalog
        .clone()
        .submit_entry(proto::SubmitEntryRequest {
            code: pending.code.clone(),
            expected_version: 1,
        })
        .await
        .unwrap();
    // Published after them: once it is found, their events were applied too.
    let published = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    let response = searchable(&w.cataloguer, "户籍", &published).await;
    assert_eq!(codes(&response), vec![published.clone()]);
    assert_eq!(response.total, 1);
    assert_ne!(draft.code, published);
    for clients in [&w.cataloguer, &w.reader, &w.server.admin()] {
        let response = search(clients, query("")).await.unwrap();
        assert_eq!(codes(&response), vec![published.clone()]);
    }
}

#[tokio::test]
async fn an_edit_is_found_once_it_is_published() {
    let w = world().await;
    let code = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    searchable(&w.reader, "户籍", &code).await;
    let mut edited = household(&w.police);
    edited.name = "流动人口登记信息".into();
    w.cataloguer
        .catalog
        .clone()
        .update_entry(proto::UpdateEntryRequest {
            code: code.clone(),
            expected_version: 1,
            metadata: Some(edited),
            note: "改名".into(),
        })
        .await
        .unwrap();
    // A draft of a published entry: readers still find the published version.
    let response = search(&w.reader, query("流动人口")).await.unwrap();
    assert!(response.hits.is_empty(), "{response:?}");
    publish_entry(&w.server, &w.cataloguer, &code).await;
    let response = searchable(&w.reader, "流动人口", &code).await;
    let entry = response.hits[0].entry.as_ref().unwrap();
    assert_eq!(entry.published_version, 2);
    assert_eq!(entry.metadata.as_ref().unwrap().name, "流动人口登记信息");
}

#[tokio::test]
async fn the_index_is_rebuilt_when_its_directory_was_deleted() {
    let w = world().await;
    let code = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    searchable(&w.reader, "户籍", &code).await;
    let dir = w.server.stop().await;
    std::fs::remove_dir_all(dir.path().join("search")).unwrap();

    let server = TestServer::start_in(dir).await;
    let reader = server
        .token(
            &govshare_model::testing::valid_credit_code(3),
            &[Role::Consumer],
        )
        .await;
    let (response, took) = search_until(&reader, "户籍", |c| c.contains(&code)).await;
    assert_eq!(codes(&response), vec![code.clone()], "after {took:?}");
    assert!(server.dir.path().join("search").join("meta.json").exists());
}

#[tokio::test]
async fn the_index_catches_up_after_a_restart() {
    let w = world().await;
    let first = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    searchable(&w.reader, "户籍", &first).await;
    let dir = w.server.stop().await;

    let w = world_restarted(dir).await;
    let second = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    let response = searchable(&w.reader, "户籍", &second).await;
    assert_eq!(codes(&response), {
        let mut both = vec![first, second];
        both.sort();
        both
    });
}

/// Copies the directory `from` to `to`, recursively.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn an_index_made_from_another_catalogue_is_rebuilt() {
    let a = world().await;
    let theirs = published_entry(&a.server, &a.cataloguer, household(&a.police)).await;
    searchable(&a.reader, "户籍", &theirs).await;
    let b = world().await;
    let ours = published_entry(&b.server, &b.labour_cataloguer, insurance(&b.labour)).await;
    searchable(&b.reader, "社会保险", &ours).await;
    let a_dir = a.server.stop().await;
    let b_dir = b.server.stop().await;
    // The same number of events, other entries: only the checkpoint's fingerprint differs.
    std::fs::remove_dir_all(b_dir.path().join("search")).unwrap();
    copy_dir(&a_dir.path().join("search"), &b_dir.path().join("search"));

    let b = world_restarted(b_dir).await;
    let (response, took) = search_until(&b.reader, "", |c| c == vec![ours.clone()]).await;
    assert_eq!(codes(&response), vec![ours.clone()], "after {took:?}");
    assert!(
        search(&b.reader, query("户籍"))
            .await
            .unwrap()
            .hits
            .is_empty()
    );
}

/// The clients of a world whose server is restarted in `dir` (departments 1 to 3 exist).
async fn world_restarted(dir: tempfile::TempDir) -> World {
    let server = TestServer::start_in(dir).await;
    let police = govshare_model::testing::valid_credit_code(1);
    let labour = govshare_model::testing::valid_credit_code(2);
    let other = govshare_model::testing::valid_credit_code(3);
    World {
        cataloguer: server.token(&police, &[Role::Cataloguer]).await,
        labour_cataloguer: server.token(&labour, &[Role::Cataloguer]).await,
        reader: server.token(&other, &[Role::Consumer]).await,
        server,
        police,
        labour,
    }
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let w = world().await;
    let cases: Vec<(SearchEntriesRequest, &str)> = vec![
        (
            SearchEntriesRequest {
                category: 99,
                ..query("人口")
            },
            "category",
        ),
        (
            SearchEntriesRequest {
                share_type: -1,
                ..query("人口")
            },
            "share_type",
        ),
        (
            SearchEntriesRequest {
                update_cycle: 42,
                ..query("")
            },
            "update_cycle",
        ),
        (
            SearchEntriesRequest {
                page_size: -5,
                ..query("人口")
            },
            "page_size",
        ),
        (
            SearchEntriesRequest {
                page_token: "not a token!".into(),
                ..query("人口")
            },
            "page_token",
        ),
        (
            SearchEntriesRequest {
                // A ListEntries token: a code, not an offset.
                page_token: "MTAxMDAxLzAwMDAwMQ".into(),
                ..query("人口")
            },
            "page_token",
        ),
        (
            SearchEntriesRequest {
                provider_code: "91110000600037341X".into(),
                ..query("人口")
            },
            "provider_code",
        ),
        (query(&"人".repeat(201)), "query"),
    ];
    for (request, field) in cases {
        let status = search(&w.reader, request.clone()).await.unwrap_err();
        assert_eq!(violated_fields(&status), [field], "{request:?}");
    }
    let status = search(
        &w.reader,
        SearchEntriesRequest {
            category: 99,
            page_size: -1,
            ..query("人口")
        },
    )
    .await
    .unwrap_err();
    assert_eq!(violated_fields(&status), ["category", "page_size"]);
}

#[tokio::test]
async fn searching_needs_a_credential() {
    let w = world().await;
    let status = search(&w.server.anonymous(), query("人口"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
}

#[tokio::test]
async fn the_access_log_records_the_query_and_the_number_of_hits() {
    let w = world().await;
    let code = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    searchable(&w.reader, "户籍", &code).await;
    let result = w
        .reader
        .catalog
        .clone()
        .search_entries(query("户籍 人口"))
        .await;
    let id = request_id(&result);
    let auditor = w.server.token("", &[Role::Auditor]).await;
    let record = record_of(&auditor, &id).await;
    assert_eq!(record.method, "/govshare.v1.CatalogService/SearchEntries");
    assert_eq!(record.target, "户籍 人口");
    assert_eq!(record.detail, "1 hits");
    assert_eq!(record.outcome, Code::Ok as u32);
}

#[tokio::test]
async fn the_cli_prints_hits_with_marked_words_and_facets() {
    let w = world().await;
    let household_code = published_entry(&w.server, &w.cataloguer, household(&w.police)).await;
    let insurance_code =
        published_entry(&w.server, &w.labour_cataloguer, insurance(&w.labour)).await;
    searchable(&w.reader, "人口", &household_code).await;
    searchable(&w.reader, "社会保险", &insurance_code).await;
    let token = w.server.token_secret("", &[Role::Auditor]).await;

    let table = govshare_with(&w.server, &token, &["entry", "search", "户籍人口"]).await;
    let table = table.success();
    assert!(table.contains(&household_code), "{table}");
    assert!(!table.contains(&insurance_code), "{table}");
    assert!(table.contains("【户籍人口】基本信息"), "{table}");
    assert!(table.contains("共 1 条"), "{table}");
    assert!(table.contains("分类 (category): "), "{table}");

    // Every published entry, filtered by provider, as JSON.
    let json = govshare_with(
        &w.server,
        &token,
        &[
            "entry",
            "search",
            "--provider",
            &w.labour,
            "--all",
            "--output",
            "json",
        ],
    )
    .await
    .json();
    assert_eq!(json["total"], "1", "{json}");
    assert_eq!(json["hits"][0]["entry"]["code"], insurance_code.as_str());

    // A bad filter is refused before the call, naming the accepted values.
    let refused = govshare_with(
        &w.server,
        &token,
        &["entry", "search", "人口", "--share-type", "SOMETIMES"],
    )
    .await;
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("SOMETIMES"), "{refused:?}");

    let none = govshare_with(&w.server, &token, &["entry", "search", "不存在的词"]).await;
    assert!(
        none.success().contains("no published entry matches"),
        "{none:?}"
    );
}
