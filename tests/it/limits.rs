//! The limits of `[api]`, each refusing cleanly while the server goes on serving: message
//! size, a credential's concurrency and rate quotas (RESOURCE_EXHAUSTED with a retry hint),
//! the time limit of a reply (DEADLINE_EXCEEDED) and the page-size cap.

#![allow(clippy::unwrap_used)]

use crate::common;
mod streams;

mod bounds;

use std::time::Duration;

use crate::common::{Clients, TestServer, register_entry, sample_metadata, violated_fields};
use govshare_server::proto::{
    CatalogEntry, CatalogEvent, GetEntryRequest, ListEntriesRequest, QueryAccessLogRequest,
    RegisterEntryRequest, Role, WatchCatalogRequest,
};
use tonic::Streaming;
use tonic_types::StatusExt as _;

#[tokio::test]
async fn oversized_message_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.api.max_message_bytes = 64 * 1024).await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    let mut metadata = sample_metadata("");
    metadata.summary = "很长的摘要".repeat(20_000); // about 300 KB
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
    assert!(
        matches!(
            status.code(),
            tonic::Code::ResourceExhausted | tonic::Code::OutOfRange
        ),
        "{status:?}"
    );
    let listed = cataloguer
        .catalog
        .clone()
        .list_entries(ListEntriesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.entries.is_empty());

    // The same connection still serves a request within the limit.
    let entry = cataloguer
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: Some(sample_metadata("")),
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(entry.code.ends_with("/000001"), "{}", entry.code);
}

/// The number of entries `clients` can list.
async fn entry_count(clients: &Clients) -> usize {
    clients
        .catalog
        .clone()
        .list_entries(ListEntriesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .entries
        .len()
}

/// The retry hint of a RESOURCE_EXHAUSTED status: `grpc-retry-pushback-ms` and the RetryInfo
/// detail, which must agree.
fn retry_hint(status: &tonic::Status) -> Duration {
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    crate::common::refusal::assert_reason(status, "QUOTA_EXCEEDED");
    let pushback: u64 = status
        .metadata()
        .get("grpc-retry-pushback-ms")
        .expect("grpc-retry-pushback-ms")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let detail = status
        .get_details_retry_info()
        .and_then(|info| info.retry_delay)
        .expect("a RetryInfo detail");
    assert_eq!(
        u128::from(pushback),
        detail.as_millis().max(1),
        "the two hints agree"
    );
    assert!(pushback > 0);
    Duration::from_millis(pushback)
}

/// Records of the access log with `outcome`, as the auditor sees them.
async fn records_with_outcome(
    server: &TestServer,
    outcome: &str,
) -> Vec<govshare_server::proto::AccessRecord> {
    server
        .admin()
        .audit
        .clone()
        .query_access_log(QueryAccessLogRequest {
            outcome: outcome.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .records
}

/// The value of `govshare_limit_rejections_total{limit="..."}`.
async fn rejections(server: &TestServer, limit: &str) -> f64 {
    common::metric(
        server,
        &format!("govshare_limit_rejections_total{{limit=\"{limit}\"}}"),
    )
    .await
}

async fn watch(clients: &Clients) -> Streaming<CatalogEvent> {
    clients
        .catalog
        .clone()
        .watch_catalog(WatchCatalogRequest { after_sequence: 0 })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_credential_over_its_concurrency_is_refused_with_a_retry_hint() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.api.per_token_concurrency = 2).await;
    let department = server.department(1, "市公安局").await;
    let busy = server.token(&department, &[Role::Cataloguer]).await;
    let other = server.token(&department, &[Role::Cataloguer]).await;

    // Two watches stay in flight for as long as they are open.
    let first = watch(&busy).await;
    let _second = watch(&busy).await;
    let status = busy
        .catalog
        .clone()
        .list_entries(ListEntriesRequest::default())
        .await
        .unwrap_err();
    retry_hint(&status);
    assert!(
        status.message().contains("同时进行的请求已达上限 2"),
        "{status:?}"
    );
    assert!(status.message().contains("retry after"), "{status:?}");
    assert_eq!(rejections(&server, "concurrency").await, 1.0);

    // The refused call changed nothing; another credential, the health check and the
    // refused credential's own open streams all go on.
    let refused_register = busy
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: Some(sample_metadata("")),
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap_err();
    assert_eq!(refused_register.code(), tonic::Code::ResourceExhausted);
    assert_eq!(entry_count(&other).await, 0);
    register_entry(&other, sample_metadata("")).await;
    assert_eq!(entry_count(&other).await, 1);

    // Each refusal is on the record, under the refused credential.
    let records = records_with_outcome(&server, "RESOURCE_EXHAUSTED").await;
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(records.iter().all(|r| r.department_code == department));

    // Closing a watch gives its slot back: the credential is served again.
    drop(first);
    let mut served = false;
    for _ in 0..50 {
        match busy
            .catalog
            .clone()
            .list_entries(ListEntriesRequest::default())
            .await
        {
            Ok(reply) => {
                assert_eq!(reply.into_inner().entries.len(), 1);
                served = true;
                break;
            }
            Err(status) => tokio::time::sleep(retry_hint(&status)).await,
        }
    }
    assert!(served, "the slot of the closed watch came back");
}

#[tokio::test]
async fn a_credential_over_its_rate_waits_as_long_as_the_hint_says() {
    let dir = tempfile::tempdir().unwrap();
    // Four calls at once, then one every two seconds (for every credential, the
    // administrator's too).
    let server = TestServer::start_with(dir, |c| {
        c.api.per_token_rate = 0.5;
        c.api.per_token_burst = 4;
    })
    .await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    let reader = server.token(&department, &[Role::Cataloguer]).await;

    register_entry(&cataloguer, sample_metadata("")).await;
    register_entry(&cataloguer, sample_metadata("")).await;
    assert_eq!(entry_count(&cataloguer).await, 2);
    assert_eq!(entry_count(&cataloguer).await, 2);
    let status = cataloguer
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: Some(sample_metadata("")),
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap_err();
    let hint = retry_hint(&status);
    assert!(hint <= Duration::from_secs(2), "{hint:?}");
    assert!(status.message().contains("每秒最多 0.5 次"), "{status:?}");
    assert_eq!(rejections(&server, "rate").await, 1.0);

    // Nothing was registered by the refused call; another credential has its own bucket.
    assert_eq!(entry_count(&reader).await, 2);

    // After the hinted wait the credential is served.
    tokio::time::sleep(hint).await;
    register_entry(&cataloguer, sample_metadata("")).await;
    assert_eq!(entry_count(&reader).await, 3);
}

#[tokio::test]
async fn a_reply_not_ready_in_time_is_deadline_exceeded_and_streams_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.api.request_timeout_ms = 300).await;
    let department = server.department(1, "市公安局").await;
    let secret = server.token_secret(&department, &[Role::Cataloguer]).await;
    let cataloguer = server.clients(&secret);
    let mut events = watch(&cataloguer).await;

    // A unary call whose request never arrives in full: the handler waits for the message,
    // and the server gives up at its limit.
    let mut grpc = tonic::client::Grpc::new(server.channel.clone());
    grpc.ready().await.unwrap();
    let mut request = tonic::Request::new(futures::stream::pending::<GetEntryRequest>());
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {secret}").parse().unwrap());
    let status = grpc
        .client_streaming(
            request,
            http::uri::PathAndQuery::from_static("/govshare.v1.CatalogService/GetEntry"),
            tonic_prost::ProstCodec::<GetEntryRequest, CatalogEntry>::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded, "{status:?}");
    crate::common::refusal::assert_reason(&status, "CALL_TIMED_OUT");
    assert!(status.message().contains("300 ms"), "{status:?}");
    assert_eq!(rejections(&server, "timeout").await, 1.0);
    let records = records_with_outcome(&server, "DEADLINE_EXCEEDED").await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].method, "/govshare.v1.CatalogService/GetEntry");

    // The watch opened before is older than the limit and still delivers.
    let entry = register_entry(&cataloguer, sample_metadata("")).await;
    let event = tokio::time::timeout(Duration::from_secs(5), events.message())
        .await
        .expect("an event")
        .unwrap()
        .expect("the watch goes on");
    assert_eq!(event.code, entry.code);
}

#[tokio::test]
async fn page_sizes_over_the_cap_are_served_as_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| {
        c.api.default_page_size = 2;
        c.api.max_page_size = 3;
    })
    .await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    for _ in 0..4 {
        register_entry(&cataloguer, sample_metadata("")).await;
    }
    let list = |page_size: i32, page_token: String| {
        let clients = cataloguer.clone();
        async move {
            clients
                .catalog
                .clone()
                .list_entries(ListEntriesRequest {
                    page_size,
                    page_token,
                    ..Default::default()
                })
                .await
        }
    };
    let first = list(i32::MAX, String::new()).await.unwrap().into_inner();
    assert_eq!(first.entries.len(), 3);
    assert!(!first.next_page_token.is_empty());
    let rest = list(i32::MAX, first.next_page_token)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.entries.len(), 1);
    assert!(rest.next_page_token.is_empty());
    assert_eq!(
        list(0, String::new())
            .await
            .unwrap()
            .into_inner()
            .entries
            .len(),
        2
    );

    let status = list(-1, String::new()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(violated_fields(&status), vec!["page_size".to_owned()]);
}
