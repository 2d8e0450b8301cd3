//! Bounds on what one request may ask of the server: counts checked before any per-item work,
//! text lengths, pages bounded in bytes, error messages bounded in size, and oversize messages
//! refused as RESOURCE_EXHAUSTED and counted.

use std::time::{Duration, Instant};

use govshare_server::proto::{
    self, CreateRequestRequest, ListEntriesRequest, RegisterEntryRequest, Role, WhoAmIRequest,
};
use prost::Message as _;
use tonic_types::StatusExt as _;

use crate::common::{
    self, Clients, TestServer, info_item, metadata_shared_as, publish_data, published_entry,
    register_entry, register_refused, sample_metadata, violated_fields,
};

/// A gRPC client's default limit on a reply it decodes.
const CLIENT_DECODE_LIMIT: usize = 4 * 1024 * 1024;

/// `n` items, each valid on its own: 项1, 项2, ...
fn many_items(n: usize) -> Vec<proto::InfoItem> {
    (1..=n)
        .map(|i| {
            info_item(
                &format!("项{i}"),
                proto::DataType::C,
                10,
                proto::ShareType::Unspecified,
            )
        })
        .collect()
}

/// WhoAmI of `clients`, and how long it took.
async fn timed_who_am_i(clients: &Clients) -> Duration {
    let start = Instant::now();
    clients
        .admin
        .clone()
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap();
    start.elapsed()
}

/// Calls the server while `attack` runs: every WhoAmI of `bystander` must be answered
/// within a second or so. Returns the attack's outcome and how long it took.
async fn meanwhile<T: Send + 'static>(
    bystander: &Clients,
    attack: tokio::task::JoinHandle<T>,
) -> (T, Duration) {
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    while !attack.is_finished() {
        slowest = slowest.max(timed_who_am_i(bystander).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed();
    let outcome = attack.await.unwrap();
    assert!(
        slowest < Duration::from_secs(3),
        "another department's WhoAmI took {slowest:?} while the attack ran"
    );
    (outcome, elapsed)
}

/// Makes `call` twice at once while `bystander` keeps calling (see [`meanwhile`]); both must
/// be refused within 10 s. Returns the two refusals.
async fn refused_twice_at_once<F>(bystander: &Clients, call: impl Fn() -> F) -> Vec<tonic::Status>
where
    F: std::future::Future<Output = Result<(), tonic::Status>> + Send + 'static,
{
    let calls: Vec<_> = (0..2).map(|_| tokio::spawn(call())).collect();
    let attack = tokio::spawn(futures::future::join_all(calls));
    let (outcomes, elapsed) = meanwhile(bystander, attack).await;
    assert!(
        elapsed < Duration::from_secs(10),
        "refused after {elapsed:?}"
    );
    outcomes
        .into_iter()
        .map(|outcome| outcome.unwrap().unwrap_err())
        .collect()
}

/// The violation message of `field` in an INVALID_ARGUMENT status.
fn violation(status: &tonic::Status, field: &str) -> String {
    common::violation_of(status, field)
}

// Two workers: a handler that hogs one of them for long starves the server's other calls, as
// it does on a small production machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_entry_with_100000_items_is_refused_at_once_and_others_keep_being_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir).await;
    let attacker_department = server.department(1, "市公安局").await;
    let other_department = server.department(2, "市民政局").await;
    let attacker = server
        .token(&attacker_department, &[Role::Cataloguer])
        .await;
    let bystander = server.token(&other_department, &[Role::Consumer]).await;

    let mut metadata = sample_metadata("");
    metadata.items = many_items(100_000);
    let refusals = refused_twice_at_once(&bystander, || {
        let mut catalog = attacker.catalog.clone();
        let metadata = metadata.clone();
        async move {
            catalog
                .register_entry(RegisterEntryRequest {
                    metadata: Some(metadata),
                    note: String::new(),
                    validate_only: false,
                })
                .await
                .map(drop)
        }
    })
    .await;
    for status in refusals {
        assert_eq!(violated_fields(&status), vec!["metadata.items".to_owned()]);
        let message = violation(&status, "metadata.items");
        assert!(message.contains("1000"), "{message}");
        assert!(message.contains("100000"), "{message}");
    }
    let listed = attacker
        .catalog
        .clone()
        .list_entries(ListEntriesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.entries.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_request_with_100000_item_names_is_refused_at_once_and_others_keep_being_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir).await;
    let provider_department = server.department(1, "市公安局").await;
    let consumer_department = server.department(2, "市民政局").await;
    let bystander_department = server.department(3, "市人社局").await;
    let provider = server
        .token(&provider_department, &[Role::Cataloguer])
        .await;
    let consumer = server.token(&consumer_department, &[Role::Consumer]).await;
    let bystander = server.token(&bystander_department, &[Role::Consumer]).await;
    let mut metadata = metadata_shared_as("", proto::ShareType::Unconditional);
    metadata.items = many_items(1000);
    let code = published_entry(&server, &provider, metadata).await;

    // Names the entry does not have, and the names it has, many times over.
    let items: Vec<String> = (0..100_000).map(|i| format!("项{}", i % 2000)).collect();
    let refusals = refused_twice_at_once(&bystander, || {
        let mut sharing = consumer.sharing.clone();
        let request = CreateRequestRequest {
            items: items.clone(),
            ..common::request_for(&code, &[])
        };
        async move { sharing.create_request(request).await.map(drop) }
    })
    .await;
    for status in refusals {
        assert_eq!(violated_fields(&status), vec!["items".to_owned()]);
        let message = violation(&status, "items");
        assert!(message.contains("1000"), "{message}");
    }
    assert!(common::all_request_ids(&server).await.is_empty());
}

#[tokio::test]
async fn a_draft_with_a_3_9_mb_condition_or_description_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir).await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;

    let huge = "条".repeat(1_300_000); // 3.9 MB
    let mut metadata = sample_metadata("");
    metadata.sharing.as_mut().unwrap().condition = huge.clone();
    let status = register_refused(&cataloguer, metadata).await;
    assert_eq!(
        violated_fields(&status),
        vec!["metadata.sharing.condition".to_owned()]
    );
    assert!(
        violation(&status, "metadata.sharing.condition").contains("2000"),
        "{status:?}"
    );

    let mut metadata = sample_metadata("");
    metadata.items[0].description = huge;
    let status = register_refused(&cataloguer, metadata).await;
    assert_eq!(
        violated_fields(&status),
        vec!["metadata.items[0].description".to_owned()]
    );

    // Text at the limit is accepted.
    let mut metadata = sample_metadata("");
    metadata.sharing.as_mut().unwrap().condition = "条".repeat(2000);
    metadata.items[0].description = "述".repeat(2000);
    register_entry(&cataloguer, metadata).await;
}

#[tokio::test]
async fn a_listing_of_entries_with_the_longest_texts_fits_client_pages_and_reaches_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir).await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;

    // Each entry about 1.2 MB: 200 items with the longest description, and the longest
    // condition; five of them are more than a client decodes in one reply.
    let mut metadata = sample_metadata("");
    metadata.items = many_items(200);
    for item in &mut metadata.items {
        item.description = "述".repeat(2000);
    }
    metadata.sharing.as_mut().unwrap().condition = "条".repeat(2000);
    let mut registered = Vec::new();
    for _ in 0..5 {
        registered.push(register_entry(&cataloguer, metadata.clone()).await.code);
    }

    let mut listed = Vec::new();
    let mut page_token = String::new();
    for _ in 0..10 {
        let page = cataloguer
            .catalog
            .clone()
            .list_entries(ListEntriesRequest {
                page_size: 500,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.encoded_len() < CLIENT_DECODE_LIMIT);
        assert!(!page.entries.is_empty());
        listed.extend(page.entries.into_iter().map(|e| e.code));
        page_token = page.next_page_token;
        if page_token.is_empty() {
            break;
        }
    }
    assert!(page_token.is_empty(), "the listing ends");
    listed.sort();
    registered.sort();
    assert_eq!(listed, registered);
}

/// The size of what a status puts in the reply's headers: its message and its details.
fn status_header_bytes(status: &tonic::Status) -> usize {
    status.message().len() + status.details().len()
}

#[tokio::test]
async fn a_format_detail_of_a_million_characters_is_refused_with_a_short_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir).await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    let mut metadata = sample_metadata("");
    metadata.format.as_mut().unwrap().detail = "库".repeat(1_000_000);
    let status = register_refused(&cataloguer, metadata).await;
    assert_eq!(
        violated_fields(&status),
        vec!["metadata.format.detail".to_owned()]
    );
    assert!(status.message().len() <= 4096, "{}", status.message().len());
    assert!(status_header_bytes(&status) <= 16 * 1024);
    assert!(
        violation(&status, "metadata.format.detail").contains("200"),
        "{status:?}"
    );
}

#[tokio::test]
async fn a_csv_header_of_10000_columns_is_refused_with_a_short_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir).await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    let code = published_entry(
        &server,
        &cataloguer,
        metadata_shared_as("", proto::ShareType::Unconditional),
    )
    .await;
    let header: Vec<String> = (0..10_000).map(|i| format!("第{i}列的名称")).collect();
    let csv = format!("{}\n", header.join(","));
    let status = publish_data(&cataloguer, &code, "text/csv", csv.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(status.message().len() <= 4096, "{}", status.message().len());
    assert!(status_header_bytes(&status) <= 16 * 1024);
    let details = status.get_details_bad_request().expect("BadRequest");
    assert_eq!(details.field_violations[0].field, "chunk");
}

/// The value of `govshare_limit_rejections_total{limit="message_size"}`.
async fn message_size_rejections(server: &TestServer) -> f64 {
    common::metric(
        server,
        "govshare_limit_rejections_total{limit=\"message_size\"}",
    )
    .await
}

#[tokio::test]
async fn an_oversize_unary_message_is_resource_exhausted_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.api.max_message_bytes = 64 * 1024).await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    let mut metadata = sample_metadata("");
    metadata.summary = "很长的摘要".repeat(20_000); // about 300 KB
    let status = register_refused(&cataloguer, metadata).await;
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    crate::common::refusal::assert_reason(&status, "MESSAGE_TOO_LARGE");
    assert!(status.message().contains("65536"), "{status:?}");
    assert_eq!(message_size_rejections(&server).await, 1.0);
    // The connection goes on serving.
    register_entry(&cataloguer, sample_metadata("")).await;
}

#[tokio::test]
async fn an_oversize_publish_chunk_is_resource_exhausted_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.api.max_message_bytes = 64 * 1024).await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    let code = published_entry(
        &server,
        &cataloguer,
        metadata_shared_as("", proto::ShareType::Unconditional),
    )
    .await;
    let messages = vec![
        proto::PublishDataRequest {
            part: Some(proto::publish_data_request::Part::Header(
                proto::PublishHeader {
                    entry_code: code.clone(),
                    media_type: "application/octet-stream".into(),
                    ..Default::default()
                },
            )),
        },
        proto::PublishDataRequest {
            part: Some(proto::publish_data_request::Part::Chunk(
                bytes::Bytes::from(vec![7u8; 100 * 1024]),
            )),
        },
        proto::PublishDataRequest {
            part: Some(proto::publish_data_request::Part::End(proto::PublishEnd {})),
        },
    ];
    let status = cataloguer
        .exchange
        .clone()
        .publish_data(tokio_stream::iter(messages))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    crate::common::refusal::assert_reason(&status, "MESSAGE_TOO_LARGE");
    assert!(status.message().contains("65536"), "{status:?}");
    assert_eq!(message_size_rejections(&server).await, 1.0);
    let snapshots = common::list_snapshots(&cataloguer, &code, 0, "")
        .await
        .unwrap();
    assert!(snapshots.snapshots.is_empty());
}

#[tokio::test]
async fn a_code_of_a_million_characters_is_refused_and_recorded_in_short() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir).await;
    let department = server.department(1, "市公安局").await;
    let cataloguer = server.token(&department, &[Role::Cataloguer]).await;
    let status = cataloguer
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: "码".repeat(1_000_000),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), vec!["code".to_owned()]);
    assert!(status.message().len() < 1024, "{}", status.message());
    let records = server
        .admin()
        .audit
        .clone()
        .query_access_log(proto::QueryAccessLogRequest {
            method: "GetEntry".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .records;
    assert_eq!(records.len(), 1);
    assert!(
        records[0].target.chars().count() <= 201,
        "{}",
        records[0].target.len()
    );
}
