//! WatchCatalog over real gRPC: events in commit order, resumption without loss or repeat,
//! live delivery, and what each caller may see.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use crate::common::{
    Clients, TestServer, approve_review, publish_entry, register_entry, sample_metadata,
};
use govshare_server::proto::{
    CatalogEvent, CatalogEventKind, EntryState, IssueTokenRequest, RequestRevocationRequest,
    RevokeTokenRequest, Role, WatchCatalogRequest,
};
use tonic::Streaming;

/// Department A with a cataloguer, department B with a cataloguer, and the administrator, who
/// sees every change.
struct World {
    server: TestServer,
    provider: String,
    a: Clients,
    b: Clients,
    admin: Clients,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let provider = server.department(1, "市公安局").await;
    let a = server.token(&provider, &[Role::Cataloguer]).await;
    let other = server.department(2, "市民政局").await;
    let b = server.token(&other, &[Role::Cataloguer]).await;
    let admin = server.admin();
    World {
        server,
        provider,
        a,
        b,
        admin,
    }
}

async fn watch(clients: &Clients, after_sequence: u64) -> Streaming<CatalogEvent> {
    clients
        .catalog
        .clone()
        .watch_catalog(WatchCatalogRequest { after_sequence })
        .await
        .unwrap()
        .into_inner()
}

/// The next `n` events, each within a second.
async fn next(stream: &mut Streaming<CatalogEvent>, n: usize) -> Vec<CatalogEvent> {
    let mut events = Vec::new();
    for _ in 0..n {
        let event = tokio::time::timeout(Duration::from_secs(1), stream.message())
            .await
            .expect("an event within a second")
            .unwrap()
            .expect("the stream goes on");
        events.push(event);
    }
    events
}

/// Nothing more arrives within `wait`.
async fn quiet(stream: &mut Streaming<CatalogEvent>, wait: Duration) {
    if let Ok(more) = tokio::time::timeout(wait, stream.message()).await {
        panic!("expected no event, got {more:?}");
    }
}

fn kinds(events: &[CatalogEvent]) -> Vec<CatalogEventKind> {
    events.iter().map(CatalogEvent::kind).collect()
}

#[tokio::test]
async fn events_come_in_commit_order_with_their_entry_and_state() {
    let w = world().await;
    let entry = register_entry(&w.a, sample_metadata(&w.provider)).await;
    publish_entry(&w.server, &w.a, &entry.code).await;
    let mut stream = watch(&w.admin, 0).await;
    let events = next(&mut stream, 3).await;
    assert_eq!(
        kinds(&events),
        [
            CatalogEventKind::Registered,
            CatalogEventKind::Submitted,
            CatalogEventKind::Published
        ]
    );
    assert!(events.windows(2).all(|p| p[0].sequence < p[1].sequence));
    let published = &events[2];
    assert_eq!(published.code, entry.code);
    assert_eq!(published.version, 1);
    assert_eq!(published.state(), EntryState::Published);
    assert_eq!(published.provider_code, w.provider);
    assert!(published.time.is_some());
}

#[tokio::test]
async fn a_resumed_watch_loses_and_repeats_nothing() {
    let w = world().await;
    let first = register_entry(&w.a, sample_metadata(&w.provider)).await;
    publish_entry(&w.server, &w.a, &first.code).await;

    let mut stream = watch(&w.admin, 0).await;
    let seen = next(&mut stream, 2).await;
    drop(stream); // the connection breaks after two of three events

    // Changes made while nobody watches.
    let second = register_entry(&w.a, sample_metadata(&w.provider)).await;
    publish_entry(&w.server, &w.a, &second.code).await;

    let last = seen.last().unwrap().sequence;
    let mut resumed = watch(&w.admin, last).await;
    let rest = next(&mut resumed, 4).await;
    quiet(&mut resumed, Duration::from_millis(400)).await;
    let mut all: Vec<u64> = seen.iter().chain(&rest).map(|e| e.sequence).collect();
    let received = all.len();
    all.dedup();
    assert_eq!(all.len(), received, "no event repeated");
    assert_eq!(all, (1..=6).collect::<Vec<u64>>(), "no event lost");
    assert_eq!(rest[0].code, first.code);
    assert_eq!(rest[0].kind(), CatalogEventKind::Published);
    assert_eq!(rest[3].code, second.code);
}

#[tokio::test]
async fn a_change_reaches_a_watcher_that_has_caught_up_within_a_second() {
    let w = world().await;
    let mut stream = watch(&w.admin, 0).await;
    quiet(&mut stream, Duration::from_millis(300)).await;
    let entry = register_entry(&w.a, sample_metadata(&w.provider)).await;
    let event = next(&mut stream, 1).await.remove(0);
    assert_eq!(event.code, entry.code);
    assert_eq!(event.kind(), CatalogEventKind::Registered);
}

#[tokio::test]
async fn other_departments_see_only_changes_of_the_published_catalogue() {
    let w = world().await;
    let entry = register_entry(&w.a, sample_metadata(&w.provider)).await;
    publish_entry(&w.server, &w.a, &entry.code).await;
    w.a.catalog
        .clone()
        .request_revocation(RequestRevocationRequest {
            code: entry.code.clone(),
            reason: "数据已停止采集".into(),
        })
        .await
        .unwrap();
    approve_review(&w.server, &entry.code, 1).await;
    // Registered, Submitted, Published, RevocationRequested, Revoked.
    let mut own = watch(&w.a, 0).await;
    assert_eq!(next(&mut own, 5).await.len(), 5);

    let mut other = watch(&w.b, 0).await;
    let seen = next(&mut other, 2).await;
    assert_eq!(
        kinds(&seen),
        [CatalogEventKind::Published, CatalogEventKind::Revoked]
    );
    quiet(&mut other, Duration::from_millis(400)).await;

    // A draft of another department never shows.
    register_entry(&w.a, sample_metadata(&w.provider)).await;
    quiet(&mut other, Duration::from_millis(400)).await;
    let mut admin = watch(&w.admin, 5).await;
    assert_eq!(
        next(&mut admin, 1).await[0].kind(),
        CatalogEventKind::Registered
    );
}

#[tokio::test]
async fn a_watch_needs_a_credential() {
    let w = world().await;
    let status = w
        .server
        .anonymous()
        .catalog
        .watch_catalog(WatchCatalogRequest { after_sequence: 0 })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
}

#[tokio::test]
async fn the_cli_prints_events_as_json_lines_and_resumes_after_a_sequence() {
    let w = world().await;
    let entry = register_entry(&w.a, sample_metadata(&w.provider)).await;
    publish_entry(&w.server, &w.a, &entry.code).await;
    let token = w.server.token_secret("", &[Role::Admin]).await;
    let run = |args: Vec<String>| {
        let url = format!("http://{}", w.server.addr);
        let token = token.clone();
        async move {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_govshare"))
                .env_remove("GOVSHARE_TOKEN")
                .env_remove("GOVSHARE_SERVER")
                .args(["--server", &url, "--token", &token])
                .args(args)
                .output()
                .await
                .unwrap()
        }
    };
    let args = |after: &str| {
        [
            "entry", "watch", "--after", after, "--limit", "2", "--output", "json",
        ]
        .map(String::from)
        .to_vec()
    };
    let first = run(args("0")).await;
    assert!(first.status.success(), "{first:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(first.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["kind"], "CATALOG_EVENT_KIND_REGISTERED");
    assert_eq!(lines[0]["code"], entry.code.as_str());
    let last = lines[1]["sequence"].as_str().unwrap().to_owned();
    assert_eq!(last, "2");

    let rest = run(["entry", "watch", "--after", &last, "--limit", "1"]
        .map(String::from)
        .to_vec())
    .await;
    assert!(rest.status.success(), "{rest:?}");
    let text = String::from_utf8(rest.stdout).unwrap();
    assert!(text.starts_with("3\t"), "{text}");
    assert!(text.contains("已发布 (PUBLISHED)"), "{text}");
}

/// The status that ends `stream` within `wait`, after any events already on their way.
async fn end_of(stream: &mut Streaming<CatalogEvent>, wait: Duration) -> tonic::Status {
    tokio::time::timeout(wait, async {
        loop {
            match stream.message().await {
                Ok(Some(_)) => {}
                Ok(None) => panic!("the watch ended without a status"),
                Err(status) => return status,
            }
        }
    })
    .await
    .expect("the watch ends")
}

#[tokio::test]
async fn a_revoked_credential_loses_its_open_watch() {
    let w = world().await;
    let secret = w
        .server
        .token_secret(&w.provider, &[Role::Cataloguer])
        .await;
    let watcher = w.server.clients(&secret);
    let mut stream = watch(&watcher, 0).await;
    let first = register_entry(&w.a, sample_metadata(&w.provider)).await;
    assert_eq!(next(&mut stream, 1).await[0].code, first.code);

    w.server
        .admin()
        .admin
        .clone()
        .revoke_token(RevokeTokenRequest {
            token_id: common::token_id(&watcher).await,
        })
        .await
        .unwrap();
    // A new draft of the watcher's own department and a publication: neither reaches it.
    register_entry(&w.a, sample_metadata(&w.provider)).await;
    publish_entry(&w.server, &w.a, &first.code).await;
    let status = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .expect("the watch ends within a second of the next event")
        .expect_err("no event after the revocation");
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    crate::common::refusal::assert_reason(&status, "CREDENTIAL_REVOKED");
    assert!(status.message().contains("revoked"), "{status:?}");
}

#[tokio::test]
async fn an_expired_credential_loses_its_open_watch_within_a_second() {
    let w = world().await;
    let expires = chrono::Utc::now() + chrono::Duration::seconds(2);
    let secret = w
        .server
        .admin()
        .admin
        .clone()
        .issue_token(IssueTokenRequest {
            department_code: w.provider.clone(),
            roles: vec![Role::Cataloguer as i32],
            name: "expires soon".into(),
            expires_at: Some(common::timestamp(expires)),
        })
        .await
        .unwrap()
        .into_inner()
        .token;
    let mut stream = watch(&w.server.clients(&secret), 0).await;
    // A quiet watch, then its credential expires.
    let status = end_of(&mut stream, Duration::from_secs(6)).await;
    assert!(chrono::Utc::now() >= expires);
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    assert!(status.message().contains("expired"), "{status:?}");
}
