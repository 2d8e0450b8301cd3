//! One visibility rule for every way of reading the catalogue: a reader finds the same entries
//! in ListEntries and in WatchCatalog. The auditor in particular reads the published catalogue
//! like any other department's credential: another department's draft, an entry awaiting
//! review and the edits of a published entry exist for the provider and the administrator
//! only.

use std::collections::BTreeSet;
use std::time::Duration;

use govshare_server::proto::{
    CatalogEventKind, ListEntriesRequest, Role, SubmitEntryRequest, UpdateEntryRequest,
    WatchCatalogRequest,
};
use tonic::Code;

use crate::common::{
    Clients, get_entry, listed_codes, publish_entry, register_entry, sample_metadata,
};

/// Every event `clients` receives from the start of the catalogue's history, once the watch has
/// been quiet for half a second.
async fn watched(clients: &Clients) -> Vec<(String, CatalogEventKind)> {
    let mut stream = clients
        .catalog
        .clone()
        .watch_catalog(WatchCatalogRequest { after_sequence: 0 })
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    while let Ok(event) = tokio::time::timeout(Duration::from_millis(500), stream.message()).await {
        let event = event.unwrap().expect("the watch goes on");
        events.push((event.code.clone(), event.kind()));
    }
    events
}

#[tokio::test]
async fn every_reader_finds_the_same_entries_listed_and_watched() {
    let w = super::world().await;
    let a_metadata = || sample_metadata(&w.a);
    // Department A's catalogue: a draft, an entry awaiting review, a published entry, and a
    // published entry with a newer, unpublished head.
    let draft = register_entry(&w.a_cataloguer, a_metadata()).await;
    let pending = register_entry(&w.a_cataloguer, a_metadata()).await;
    w.a_cataloguer
        .catalog
        .clone()
        .submit_entry(SubmitEntryRequest {
            code: pending.code.clone(),
            expected_version: 1,
        })
        .await
        .unwrap();
    let published = register_entry(&w.a_cataloguer, a_metadata()).await;
    publish_entry(&w.server, &w.a_cataloguer, &published.code).await;
    let edited = register_entry(&w.a_cataloguer, a_metadata()).await;
    publish_entry(&w.server, &w.a_cataloguer, &edited.code).await;
    let mut changed = a_metadata();
    changed.summary = "更新后的摘要，尚未发布".into();
    w.a_cataloguer
        .catalog
        .clone()
        .update_entry(UpdateEntryRequest {
            code: edited.code.clone(),
            expected_version: 1,
            metadata: Some(changed),
            note: "改摘要".into(),
        })
        .await
        .unwrap();

    let auditor = w.server.token("", &[Role::Auditor]).await;
    let all: BTreeSet<String> = [&draft, &pending, &published, &edited]
        .map(|e| e.code.clone())
        .into();
    let in_catalogue: BTreeSet<String> = [&published, &edited].map(|e| e.code.clone()).into();
    for (who, clients, expected) in [
        ("A's cataloguer", &w.a_cataloguer, &all),
        ("the administrator", &w.server.admin(), &all),
        ("B's cataloguer", &w.b_cataloguer, &in_catalogue),
        ("the auditor", &auditor, &in_catalogue),
    ] {
        let listed: BTreeSet<String> = listed_codes(clients, ListEntriesRequest::default())
            .await
            .into_iter()
            .collect();
        let events = watched(clients).await;
        let watched: BTreeSet<String> = events.iter().map(|(code, _)| code.clone()).collect();
        assert_eq!(&listed, expected, "{who}: ListEntries");
        assert_eq!(watched, listed, "{who}: WatchCatalog and ListEntries");
        if expected == &in_catalogue {
            // Of the published catalogue's history, its publications only: not the edit made
            // since, nor the registrations and submissions before.
            assert!(
                events
                    .iter()
                    .all(|(_, kind)| *kind == CatalogEventKind::Published),
                "{who}: {events:?}"
            );
            assert_eq!(events.len(), 2, "{who}: {events:?}");
        }
    }

    // GetEntry agrees: for the auditor the draft and the pending entry do not exist, and the
    // edited entry is at its published version.
    for code in [&draft.code, &pending.code] {
        let status = get_entry(&auditor, code, 0).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{code}: {status:?}");
    }
    let seen = get_entry(&auditor, &edited.code, 0).await.unwrap();
    assert_eq!(seen.version.unwrap().version, 1);
    let head = get_entry(&auditor, &edited.code, 2).await.unwrap_err();
    assert_eq!(head.code(), Code::PermissionDenied, "{head:?}");
}
