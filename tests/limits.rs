//! Oversized requests are refused cleanly and change nothing; the server stays healthy.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, sample_metadata};
use govshare::proto::{ListEntriesRequest, RegisterEntryRequest, Role};

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
