//! CatalogService over real gRPC: registering entries, their codes and validation, versioned
//! edits, history and diffs, and listing with filters and pages.

#![allow(clippy::unwrap_used)]

use crate::common::{
    Clients, TestServer, get_entry, listed_codes, metadata_under, register_entry, sample_metadata,
    violated_fields,
};
use govshare_server::proto::{
    CatalogEntry, Category, DataType, DiffVersionsRequest, EntryState, ListEntriesRequest,
    ListVersionsRequest, RegisterEntryRequest, ResourceMetadata, Role, ShareType,
    SubmitEntryRequest, UpdateCycle, UpdateEntryRequest,
};
use tonic::Code;

/// A server with department 1 (市公安局) and a cataloguer of it.
async fn provider() -> (TestServer, String, Clients) {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    (server, department, cataloguer)
}

fn renamed(mut m: ResourceMetadata, name: &str) -> ResourceMetadata {
    m.name = name.into();
    m
}

async fn update(
    clients: &Clients,
    code: &str,
    expected_version: u64,
    metadata: ResourceMetadata,
    note: &str,
) -> Result<CatalogEntry, tonic::Status> {
    clients
        .catalog
        .clone()
        .update_entry(UpdateEntryRequest {
            code: code.into(),
            expected_version,
            metadata: Some(metadata),
            note: note.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn registered_entry_is_a_draft_at_version_1_coded_under_its_classification() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    assert_eq!(entry.state, EntryState::Draft as i32);
    assert_eq!(entry.head_version, 1);
    assert_eq!(entry.published_version, 0);
    assert_eq!(entry.version.as_ref().unwrap().version, 1);
    // 类 1 + 项 01 + 目 001 + 细目 "" = 101001, then the first 顺序码.
    assert_eq!(entry.code, "101001/000001");
    assert_eq!(entry.provider_code, department);
}

#[tokio::test]
async fn sequence_numbers_count_per_classification() {
    let (_server, department, cataloguer) = provider().await;
    let first = register_entry(&cataloguer, sample_metadata(&department)).await;
    let second = register_entry(&cataloguer, sample_metadata(&department)).await;
    let other = register_entry(
        &cataloguer,
        metadata_under(&department, Category::Theme, "05", "010", "01"),
    )
    .await;
    assert_eq!(first.code, "101001/000001");
    assert_eq!(second.code, "101001/000002");
    assert_eq!(other.code, "20501001/000001");
}

#[tokio::test]
async fn provider_name_is_taken_from_the_department_record() {
    let (_server, department, cataloguer) = provider().await;
    let mut metadata = sample_metadata(&department);
    metadata.provider_name = "冒充的名称".into();
    let entry = register_entry(&cataloguer, metadata).await;
    assert_eq!(entry.metadata.unwrap().provider_name, "市公安局");
}

#[tokio::test]
async fn provider_code_defaults_to_the_callers_department() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata("")).await;
    assert_eq!(entry.provider_code, department);
    assert_eq!(entry.metadata.unwrap().provider_code, department);
}

#[tokio::test]
async fn version_digest_is_the_sha256_hex_of_the_canonical_metadata() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    let digest = entry.version.as_ref().unwrap().digest.clone();
    assert_eq!(digest.len(), 64, "{digest}");
    assert!(
        digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "lowercase hex: {digest}"
    );

    let read = get_entry(&cataloguer, &entry.code, 1).await.unwrap();
    assert_eq!(read.version.unwrap().digest, digest);

    let returned = entry.metadata.unwrap();
    let provider_name = returned.provider_name.clone();
    let mut canonical =
        govshare_model::validate(&govshare_server::convert::metadata_input(returned)).unwrap();
    canonical.provider_name = provider_name;
    assert_eq!(
        govshare_model::digest_of(&canonical.canonical_bytes()),
        digest
    );
}

#[tokio::test]
async fn every_metadata_violation_is_reported_at_once() {
    let (_server, department, cataloguer) = provider().await;
    let mut metadata = sample_metadata(&department);
    metadata.name = "   ".into();
    metadata.items[0].data_type = 99;
    metadata.items[2].name = metadata.items[0].name.clone();
    metadata.sharing.as_mut().unwrap().share_type = ShareType::Conditional as i32;
    metadata.sharing.as_mut().unwrap().condition = String::new();
    metadata.publish_date = "2026-02-30".into();

    let status = cataloguer
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: Some(metadata),
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&status),
        [
            "metadata.name",
            "metadata.items[0].data_type",
            "metadata.items[2].name",
            "metadata.sharing.condition",
            "metadata.publish_date",
        ]
    );
}

#[tokio::test]
async fn refused_registration_stores_nothing() {
    let (_server, department, cataloguer) = provider().await;
    let mut metadata = sample_metadata(&department);
    metadata.name = String::new();
    metadata.publish_date = "15/01/2026".into();
    cataloguer
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: Some(metadata),
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap_err();

    let listed = listed_codes(
        &cataloguer,
        ListEntriesRequest {
            provider_code: department.clone(),
            ..Default::default()
        },
    )
    .await;
    assert!(listed.is_empty(), "{listed:?}");
    let next = register_entry(&cataloguer, sample_metadata(&department)).await;
    assert_eq!(next.code, "101001/000001", "no sequence number was used up");
}

#[tokio::test]
async fn missing_metadata_is_a_violation() {
    let (_server, _department, cataloguer) = provider().await;
    let status = cataloguer
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: None,
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["metadata"]);
}

#[tokio::test]
async fn classified_resource_is_refused() {
    let (_server, department, cataloguer) = provider().await;
    let mut metadata = sample_metadata(&department);
    metadata.classified = true;
    let status = cataloguer
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: Some(metadata),
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["metadata.classified"]);
}

#[tokio::test]
async fn update_at_the_head_writes_the_next_version_with_its_note() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    let updated = update(
        &cataloguer,
        &entry.code,
        1,
        renamed(sample_metadata(&department), "常住人口基础信息"),
        "名称按职责调整",
    )
    .await
    .unwrap();
    assert_eq!(updated.code, entry.code);
    assert_eq!(updated.head_version, 2);
    assert_eq!(updated.state, EntryState::Draft as i32);
    let version = updated.version.unwrap();
    assert_eq!(version.version, 2);
    assert_eq!(version.note, "名称按职责调整");
    assert_eq!(updated.metadata.unwrap().name, "常住人口基础信息");
}

#[tokio::test]
async fn stale_update_is_refused_and_overwrites_nothing() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    update(
        &cataloguer,
        &entry.code,
        1,
        renamed(sample_metadata(&department), "第二版"),
        "",
    )
    .await
    .unwrap();

    let status = update(
        &cataloguer,
        &entry.code,
        1,
        renamed(sample_metadata(&department), "基于旧版本的修改"),
        "",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(status.code(), Code::Aborted | Code::FailedPrecondition),
        "{status:?}"
    );

    let current = get_entry(&cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(current.head_version, 2);
    assert_eq!(current.version.unwrap().version, 2);
    assert_eq!(current.metadata.unwrap().name, "第二版");
    let versions = cataloguer
        .catalog
        .clone()
        .list_versions(ListVersionsRequest {
            code: entry.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(versions.len(), 2);
}

#[tokio::test]
async fn classification_cannot_change_in_an_update() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    let status = update(
        &cataloguer,
        &entry.code,
        1,
        metadata_under(&department, Category::Theme, "05", "010", ""),
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(violated_fields(&status), ["metadata.classification"]);
    assert_eq!(
        get_entry(&cataloguer, &entry.code, 0)
            .await
            .unwrap()
            .head_version,
        1
    );
}

#[tokio::test]
async fn older_version_is_read_by_number() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    update(
        &cataloguer,
        &entry.code,
        1,
        renamed(sample_metadata(&department), "第二版"),
        "",
    )
    .await
    .unwrap();
    let old = get_entry(&cataloguer, &entry.code, 1).await.unwrap();
    assert_eq!(old.version.unwrap().version, 1);
    assert_eq!(old.head_version, 2);
    assert_eq!(old.metadata.unwrap().name, "人口基础信息");
}

#[tokio::test]
async fn unknown_entry_is_not_found() {
    let (_server, _department, cataloguer) = provider().await;
    let status = get_entry(&cataloguer, "101001/000042", 0)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}

#[tokio::test]
async fn list_versions_lists_every_version_with_its_note() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    for v in 1..=3u64 {
        update(
            &cataloguer,
            &entry.code,
            v,
            renamed(sample_metadata(&department), &format!("第{}版", v + 1)),
            &format!("修改{}", v + 1),
        )
        .await
        .unwrap();
    }
    let versions = cataloguer
        .catalog
        .clone()
        .list_versions(ListVersionsRequest {
            code: entry.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let listed: Vec<(u64, String)> = versions
        .versions
        .iter()
        .map(|v| (v.version, v.note.clone()))
        .collect();
    assert_eq!(
        listed,
        [
            (1, "登记".to_owned()),
            (2, "修改2".to_owned()),
            (3, "修改3".to_owned()),
            (4, "修改4".to_owned()),
        ]
    );
    assert!(versions.next_page_token.is_empty());
}

#[tokio::test]
async fn list_versions_paginates() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    for v in 1..=4u64 {
        update(
            &cataloguer,
            &entry.code,
            v,
            renamed(sample_metadata(&department), &format!("第{}版", v + 1)),
            "",
        )
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut page_token = String::new();
    loop {
        let page = cataloguer
            .catalog
            .clone()
            .list_versions(ListVersionsRequest {
                code: entry.code.clone(),
                page_size: 2,
                page_token: page_token.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.versions.len() <= 2);
        pages += 1;
        seen.extend(page.versions.iter().map(|v| v.version));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
        assert!(pages < 10, "page tokens do not terminate");
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn diff_of_an_edit_shows_the_changed_field() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    update(
        &cataloguer,
        &entry.code,
        1,
        renamed(sample_metadata(&department), "常住人口基础信息"),
        "",
    )
    .await
    .unwrap();
    let diff = cataloguer
        .catalog
        .clone()
        .diff_versions(DiffVersionsRequest {
            code: entry.code.clone(),
            from_version: 1,
            to_version: 2,
        })
        .await
        .unwrap()
        .into_inner();
    let changes: Vec<(&str, &str, &str)> = diff
        .changes
        .iter()
        .map(|c| (c.path.as_str(), c.before.as_str(), c.after.as_str()))
        .collect();
    assert_eq!(changes, [("name", "人口基础信息", "常住人口基础信息")]);
    assert_eq!(diff.from.unwrap().version, 1);
    assert_eq!(diff.to.unwrap().version, 2);
}

#[tokio::test]
async fn diff_of_a_version_with_itself_is_empty() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    let diff = cataloguer
        .catalog
        .clone()
        .diff_versions(DiffVersionsRequest {
            code: entry.code.clone(),
            from_version: 1,
            to_version: 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(diff.changes.is_empty(), "{:?}", diff.changes);
}

#[tokio::test]
async fn list_entries_filters_by_category() {
    let (_server, department, cataloguer) = provider().await;
    register_entry(&cataloguer, sample_metadata(&department)).await;
    let theme = register_entry(
        &cataloguer,
        metadata_under(&department, Category::Theme, "05", "010", ""),
    )
    .await;
    let listed = listed_codes(
        &cataloguer,
        ListEntriesRequest {
            category: Category::Theme as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(listed, [theme.code]);
}

#[tokio::test]
async fn list_entries_filters_by_share_type() {
    let (_server, department, cataloguer) = provider().await;
    register_entry(&cataloguer, sample_metadata(&department)).await;
    let mut open = sample_metadata(&department);
    let sharing = open.sharing.as_mut().unwrap();
    sharing.share_type = ShareType::Unconditional as i32;
    sharing.condition = String::new();
    let open = register_entry(&cataloguer, open).await;
    let listed = listed_codes(
        &cataloguer,
        ListEntriesRequest {
            share_type: ShareType::Unconditional as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(listed, [open.code]);
}

#[tokio::test]
async fn list_entries_filters_by_state() {
    let (_server, department, cataloguer) = provider().await;
    let draft = register_entry(&cataloguer, sample_metadata(&department)).await;
    let submitted = register_entry(&cataloguer, sample_metadata(&department)).await;
    cataloguer
        .catalog
        .clone()
        .submit_entry(SubmitEntryRequest {
            code: submitted.code.clone(),
            expected_version: 1,
        })
        .await
        .unwrap();
    let pending = listed_codes(
        &cataloguer,
        ListEntriesRequest {
            state: EntryState::PendingPublish as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(pending, [submitted.code]);
    let drafts = listed_codes(
        &cataloguer,
        ListEntriesRequest {
            state: EntryState::Draft as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(drafts, [draft.code]);
}

#[tokio::test]
async fn list_entries_filters_by_update_cycle() {
    let (_server, department, cataloguer) = provider().await;
    register_entry(&cataloguer, sample_metadata(&department)).await;
    let mut monthly = sample_metadata(&department);
    monthly.update_cycle = UpdateCycle::Monthly as i32;
    let monthly = register_entry(&cataloguer, monthly).await;
    let listed = listed_codes(
        &cataloguer,
        ListEntriesRequest {
            update_cycle: UpdateCycle::Monthly as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(listed, [monthly.code]);
}

#[tokio::test]
async fn list_entries_filters_by_provider() {
    let (server, department, cataloguer) = provider().await;
    let other_department = server.department(2, "市民政局").await;
    let other = server.token(&other_department, &[Role::Cataloguer]).await;
    let mine = register_entry(&cataloguer, sample_metadata(&department)).await;
    let theirs = register_entry(&other, sample_metadata(&other_department)).await;
    let admin = server.admin();
    let listed = listed_codes(
        &admin,
        ListEntriesRequest {
            provider_code: department.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(listed, [mine.code]);
    let listed = listed_codes(
        &admin,
        ListEntriesRequest {
            provider_code: other_department,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(listed, [theirs.code]);
}

#[tokio::test]
async fn list_entries_pages_chain_without_gaps_or_duplicates() {
    let (_server, department, cataloguer) = provider().await;
    let mut registered = Vec::new();
    for _ in 0..5 {
        registered.push(
            register_entry(&cataloguer, sample_metadata(&department))
                .await
                .code,
        );
    }
    registered.sort();
    let mut seen = Vec::new();
    let mut page_sizes = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = cataloguer
            .catalog
            .clone()
            .list_entries(ListEntriesRequest {
                page_size: 2,
                page_token: page_token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        page_sizes.push(page.entries.len());
        seen.extend(page.entries.into_iter().map(|e| e.code));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
        assert!(page_sizes.len() < 10, "page tokens do not terminate");
    }
    assert_eq!(page_sizes, [2, 2, 1]);
    seen.sort();
    assert_eq!(seen, registered);
}

#[tokio::test]
async fn bad_page_token_is_a_violation() {
    let (_server, _department, cataloguer) = provider().await;
    let status = cataloguer
        .catalog
        .clone()
        .list_entries(ListEntriesRequest {
            page_token: "!!not a token!!".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["page_token"]);
}

#[tokio::test]
async fn unknown_enum_filter_value_is_a_violation() {
    let (_server, _department, cataloguer) = provider().await;
    let status = cataloguer
        .catalog
        .clone()
        .list_entries(ListEntriesRequest {
            category: 42,
            update_cycle: 99,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["category", "update_cycle"]);
}

#[tokio::test]
async fn item_with_unknown_data_type_names_the_item() {
    let (_server, department, cataloguer) = provider().await;
    let mut metadata = sample_metadata(&department);
    metadata.items[1].data_type = DataType::Unspecified as i32;
    let status = cataloguer
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: Some(metadata),
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["metadata.items[1].data_type"]);
}

#[tokio::test]
async fn concurrent_registrations_get_distinct_consecutive_codes() {
    let (_server, department, cataloguer) = provider().await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let clients = cataloguer.clone();
            let metadata = sample_metadata(&department);
            tokio::spawn(async move { register_entry(&clients, metadata).await.code })
        })
        .collect();
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap());
    }
    codes.sort();
    let expected: Vec<String> = (1..=10).map(|n| format!("101001/{n:06}")).collect();
    assert_eq!(codes, expected);
}

#[tokio::test]
async fn concurrent_updates_of_the_same_head_let_exactly_one_win() {
    let (_server, department, cataloguer) = provider().await;
    let entry = register_entry(&cataloguer, sample_metadata(&department)).await;
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let clients = cataloguer.clone();
            let code = entry.code.clone();
            let metadata = renamed(sample_metadata(&department), &format!("并发修改{n}"));
            tokio::spawn(async move { update(&clients, &code, 1, metadata, "").await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(updated) => winners.push(updated.metadata.unwrap().name),
            Err(status) => assert!(
                matches!(status.code(), Code::Aborted | Code::FailedPrecondition),
                "{status:?}"
            ),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let current = get_entry(&cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(current.head_version, 2);
    assert_eq!(current.metadata.unwrap().name, winners[0]);
}
