//! ExchangeService end to end: publishing snapshots and fetching them under grants.

#![allow(clippy::unwrap_used)]

mod integrity;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::data::{end_message, upload};
use crate::common::*;
use govshare_server::proto::{
    self, FetchDataRequest, PublishDataRequest, PublishHeader, fetch_data_response,
    publish_data_request,
};
use sha2::{Digest, Sha256};
use tonic::Code;

/// What one fetch delivered.
struct Fetched {
    header: proto::FetchHeader,
    data: Vec<u8>,
    trailer: proto::FetchTrailer,
}

async fn fetch(clients: &Clients, entry_code: &str) -> Result<Fetched, tonic::Status> {
    fetch_snapshot(clients, entry_code, "").await
}

/// FetchData of the snapshot numbered `snapshot_id` (empty: the latest), read to the end.
async fn fetch_snapshot(
    clients: &Clients,
    entry_code: &str,
    snapshot_id: &str,
) -> Result<Fetched, tonic::Status> {
    let mut stream = clients
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: entry_code.into(),
            snapshot_id: snapshot_id.into(),
        })
        .await?
        .into_inner();
    let mut header = None;
    let mut data = Vec::new();
    let mut trailer = None;
    while let Some(message) = stream.message().await? {
        match message.part.unwrap() {
            fetch_data_response::Part::Header(h) => header = Some(h),
            fetch_data_response::Part::Chunk(c) => data.extend_from_slice(&c),
            fetch_data_response::Part::Trailer(t) => trailer = Some(t),
        }
    }
    Ok(Fetched {
        header: header.unwrap(),
        data,
        trailer: trailer.unwrap(),
    })
}

#[tokio::test]
async fn a_grantee_receives_only_the_granted_columns() {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市人社局").await;
    let cataloguer = server.token(&a, &[proto::Role::Cataloguer]).await;
    let consumer = server.token(&b, &[proto::Role::Consumer]).await;
    let code = published_entry(
        &server,
        &cataloguer,
        metadata_shared_as(&a, proto::ShareType::Unconditional),
    )
    .await;
    let csv = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n李四,110101198512121234,1985-12-12\n";
    let snapshot = cataloguer
        .exchange
        .clone()
        .publish_data(tokio_stream::iter(upload(
            &code,
            "text/csv",
            csv.as_bytes(),
            7,
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(snapshot.rows, 2);
    assert_eq!(snapshot.sha256, hex::encode(Sha256::digest(csv.as_bytes())));

    let denied = fetch(&consumer, &code).await.err().unwrap();
    assert_eq!(denied.code(), tonic::Code::PermissionDenied, "{denied:?}");

    create_request(&consumer, request_for(&code, &["姓名", "出生日期"]))
        .await
        .unwrap();
    let fetched = fetch(&consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "出生日期"]);
    assert_eq!(
        String::from_utf8(fetched.data.clone()).unwrap(),
        "姓名,出生日期\n张三,1990-03-07\n李四,1985-12-12\n"
    );
    assert_eq!(
        fetched.trailer.sha256,
        hex::encode(Sha256::digest(&fetched.data))
    );
    assert_eq!(fetched.trailer.rows, 2);
}

// --- the world of these tests ----------------------------------------------------------------

const MIB: usize = 1024 * 1024;

/// Department A (市公安局) provides and publishes; department B (市人社局) consumes.
struct World {
    server: TestServer,
    /// A's cataloguer, who publishes.
    cataloguer: Clients,
    /// A's approver, who decides requests and revokes grants.
    approver: Clients,
    /// A's own consumer.
    provider_consumer: Clients,
    /// B's consumer, the grantee.
    consumer: Clients,
    a: String,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(configure: impl FnOnce(&mut govshare_server::config::Config)) -> World {
    let server = TestServer::start_with(tempfile::tempdir().unwrap(), configure).await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市人社局").await;
    World {
        cataloguer: server.token(&a, &[proto::Role::Cataloguer]).await,
        approver: server.token(&a, &[proto::Role::Approver]).await,
        provider_consumer: server.token(&a, &[proto::Role::Consumer]).await,
        consumer: server.token(&b, &[proto::Role::Consumer]).await,
        server,
        a,
    }
}

impl World {
    /// A published entry of A with `metadata`.
    async fn entry(&self, metadata: proto::ResourceMetadata) -> String {
        published_entry(&self.server, &self.cataloguer, metadata).await
    }

    /// A published 无条件共享 entry of A: 姓名 C(50), 公民身份号码 C(18), 出生日期 D(8).
    async fn unconditional_entry(&self) -> String {
        self.entry(metadata_shared_as(&self.a, proto::ShareType::Unconditional))
            .await
    }

    /// B's request for `items` of an 无条件共享 `code`, granted at once.
    async fn grant(&self, code: &str, items: &[&str]) -> proto::SharingRequest {
        let request = create_request(&self.consumer, request_for(code, items))
            .await
            .unwrap();
        assert_eq!(request.state, proto::RequestState::Approved as i32);
        assert!(!request.grant_id.is_empty());
        request
    }
}

/// PublishData of `messages`.
async fn publish(
    clients: &Clients,
    messages: Vec<PublishDataRequest>,
) -> Result<proto::DataSnapshot, tonic::Status> {
    clients
        .exchange
        .clone()
        .publish_data(tokio_stream::iter(messages))
        .await
        .map(tonic::Response::into_inner)
}

fn header_message(header: PublishHeader) -> PublishDataRequest {
    PublishDataRequest {
        part: Some(publish_data_request::Part::Header(header)),
    }
}

fn chunk_message(data: impl Into<bytes::Bytes>) -> PublishDataRequest {
    PublishDataRequest {
        part: Some(publish_data_request::Part::Chunk(data.into())),
    }
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The records of CSV text (RFC 4180: quoted fields may hold commas, doubled quotes and line
/// breaks; records end with LF or CRLF).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

fn csv_text(data: &[u8]) -> Vec<Vec<String>> {
    csv_records(std::str::from_utf8(data).unwrap())
}

/// The JSON values of NDJSON bytes, one per non-blank line.
fn ndjson_values(data: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(data)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Deterministic pseudo-random bytes: chunk number `i` of a long stream, `len` bytes of an
/// xorshift64 sequence seeded by `i`.
fn generated_chunk(i: u64, len: usize) -> Vec<u8> {
    let mut state = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut out = vec![0u8; len];
    for word in out.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        word.copy_from_slice(&state.to_le_bytes()[..word.len()]);
    }
    out
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut data = vec![0u8; len];
    rand::fill(&mut data[..]);
    data
}

const PEOPLE_CSV: &str = "姓名,公民身份号码,出生日期\n\
\"张三,又名张叁\",110101199003071234,1990-03-07\n\
\"李四\n（户籍迁入）\",110101198512121234,1985-12-12\n\
\"王\"\"五\"\"\",,2000-01-01\n";

const PEOPLE_NDJSON: &str = "\
{\"姓名\":\"张三\",\"公民身份号码\":\"110101199003071234\",\"出生日期\":\"1990-03-07\"}\n\
{\"姓名\":\"李四\\n（户籍迁入）\",\"出生日期\":\"19851212\"}\n\
{\"姓名\":\"王\\\"五\\\"\",\"公民身份号码\":null,\"出生日期\":\"2000-01-01\"}\n";

// --- round trips -----------------------------------------------------------------------------

#[tokio::test]
async fn csv_round_trip_delivers_the_same_rows_to_a_grantee_of_every_item() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let snapshot = publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 5),
    )
    .await
    .unwrap();
    assert_eq!(snapshot.rows, 3);
    w.grant(&code, &[]).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "公民身份号码", "出生日期"]);
    let rows = csv_text(&fetched.data);
    assert_eq!(rows, csv_records(PEOPLE_CSV));
    assert_eq!(
        rows[2],
        ["李四\n（户籍迁入）", "110101198512121234", "1985-12-12"]
    );
    assert_eq!(fetched.trailer.sha256, hex_sha256(&fetched.data));
    assert_eq!(fetched.trailer.size_bytes, fetched.data.len() as u64);
    assert_eq!(fetched.trailer.rows, 3);
}

#[tokio::test]
async fn ndjson_round_trip_delivers_the_same_rows_to_a_grantee_of_every_item() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let snapshot = publish(
        &w.cataloguer,
        upload(&code, "application/x-ndjson", PEOPLE_NDJSON.as_bytes(), 11),
    )
    .await
    .unwrap();
    assert_eq!(snapshot.rows, 3);
    w.grant(&code, &[]).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "公民身份号码", "出生日期"]);
    assert_eq!(
        ndjson_values(&fetched.data),
        ndjson_values(PEOPLE_NDJSON.as_bytes())
    );
    assert_eq!(fetched.trailer.sha256, hex_sha256(&fetched.data));
    assert_eq!(fetched.trailer.size_bytes, fetched.data.len() as u64);
    assert_eq!(fetched.trailer.rows, 3);
}

#[tokio::test]
async fn opaque_bytes_round_trip_unchanged_to_a_grantee_of_every_item() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let data = random_bytes(3 * MIB + 123);
    let snapshot = publish(
        &w.cataloguer,
        upload(&code, "application/octet-stream", &data, 64 * 1024),
    )
    .await
    .unwrap();
    assert_eq!(snapshot.sha256, hex_sha256(&data));
    assert_eq!(snapshot.size_bytes, data.len() as u64);
    assert_eq!(snapshot.rows, 0);
    assert!(snapshot.columns.is_empty());
    w.grant(&code, &[]).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert!(fetched.header.columns.is_empty());
    assert!(
        fetched.data == data,
        "the delivered bytes differ from the upload"
    );
    assert_eq!(fetched.trailer.sha256, hex_sha256(&fetched.data));
    assert_eq!(fetched.trailer.size_bytes, data.len() as u64);
    assert_eq!(fetched.trailer.rows, 0);
}

#[tokio::test]
async fn published_snapshot_describes_the_upload() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let csv = "出生日期,姓名,公民身份号码\n1990-03-07,张三,110101199003071234\n1985-12-12,李四,\n";
    let mut messages = upload(&code, "text/csv", csv.as_bytes(), 16);
    messages[0] = header_message(PublishHeader {
        entry_code: code.clone(),
        media_type: "text/csv".into(),
        note: "2026年2月户籍数据".into(),
        size_bytes: csv.len() as u64,
        sha256: hex_sha256(csv.as_bytes()),
    });
    let before = chrono::Utc::now();
    let snapshot = publish(&w.cataloguer, messages).await.unwrap();
    let after = chrono::Utc::now();

    assert_eq!(snapshot.id, "SNP-000001");
    assert_eq!(snapshot.entry_code, code);
    assert_eq!(snapshot.sha256, hex_sha256(csv.as_bytes()));
    assert_eq!(snapshot.size_bytes, csv.len() as u64);
    assert_eq!(snapshot.rows, 2);
    assert_eq!(snapshot.media_type, "text/csv");
    assert_eq!(snapshot.columns, ["出生日期", "姓名", "公民身份号码"]);
    assert_eq!(snapshot.entry_version, 1);
    assert_eq!(snapshot.note, "2026年2月户籍数据");
    assert_eq!(snapshot.author, token_id(&w.cataloguer).await);
    let created = instant(snapshot.created_at.as_ref());
    assert!(before <= created && created <= after, "{created}");

    let fetched = fetch(&w.cataloguer, &code).await.unwrap();
    assert_eq!(fetched.header.snapshot, Some(snapshot.clone()));
    assert_eq!(fetched.header.grant_id, "");
    let listed = list_snapshots(&w.cataloguer, &code, 0, "").await.unwrap();
    assert_eq!(listed.snapshots, [snapshot]);
}

// --- a long stream ---------------------------------------------------------------------------

/// The size of the long stream, in MiB.
const BIG_MIB: u64 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_300_mib_snapshot_streams_in_and_out_with_matching_sha256_and_size() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    w.grant(&code, &[]).await;

    // Upload: generated 1 MiB at a time as the stream is polled, hashed on the way.
    let started = Instant::now();
    let sent = Arc::new(Mutex::new((Sha256::new(), 0u64)));
    let tally = sent.clone();
    let header = header_message(PublishHeader {
        entry_code: code.clone(),
        media_type: "application/octet-stream".into(),
        ..Default::default()
    });
    let messages = std::iter::once(header)
        .chain((0..BIG_MIB).map(move |i| {
            let chunk = generated_chunk(i, MIB);
            let mut tally = tally.lock().unwrap();
            tally.0.update(&chunk);
            tally.1 += chunk.len() as u64;
            chunk_message(chunk)
        }))
        .chain(std::iter::once(end_message()));
    let snapshot = w
        .cataloguer
        .exchange
        .clone()
        .publish_data(tokio_stream::iter(messages))
        .await
        .unwrap()
        .into_inner();
    let uploaded = started.elapsed();
    let (hasher, sent_size) = std::mem::take(&mut *sent.lock().unwrap());
    let sent_sha256 = hex::encode(hasher.finalize());
    assert_eq!(sent_size, BIG_MIB * MIB as u64);
    assert_eq!(snapshot.size_bytes, sent_size);
    assert_eq!(snapshot.sha256, sent_sha256);

    // Fetch: hashed and counted chunk by chunk, never held whole.
    let started = Instant::now();
    let mut stream = w
        .consumer
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: code.clone(),
            snapshot_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut received = Sha256::new();
    let mut received_size = 0u64;
    let mut trailer = None;
    while let Some(message) = stream.message().await.unwrap() {
        match message.part.unwrap() {
            fetch_data_response::Part::Header(h) => {
                assert_eq!(h.snapshot.unwrap().id, snapshot.id);
            }
            fetch_data_response::Part::Chunk(c) => {
                received.update(&c);
                received_size += c.len() as u64;
            }
            fetch_data_response::Part::Trailer(t) => trailer = Some(t),
        }
    }
    let fetched = started.elapsed();
    let received_sha256 = hex::encode(received.finalize());
    eprintln!("{BIG_MIB} MiB: published in {uploaded:.2?}, fetched in {fetched:.2?}");
    assert_eq!(received_size, sent_size);
    assert_eq!(received_sha256, sent_sha256);
    let trailer = trailer.unwrap();
    assert_eq!(trailer.sha256, sent_sha256);
    assert_eq!(trailer.size_bytes, sent_size);
}

// --- projection ------------------------------------------------------------------------------

/// The five items in another order than the entry's.
const FIVE_CSV: &str = "登记时间,月收入,出生日期,公民身份号码,姓名\n\
2026-02-14 08:30:00,8500.50,1990-03-07,110101199003071234,张三\n\
2026-02-15 09:00:00,6200,1985-12-12,110101198512121234,李四\n";

const FIVE_NDJSON: &str = "\
{\"姓名\":\"张三\",\"公民身份号码\":\"110101199003071234\",\"出生日期\":\"1990-03-07\",\"月收入\":8500.5,\"登记时间\":\"2026-02-14 08:30:00\"}\n\
{\"姓名\":\"李四\",\"公民身份号码\":\"110101198512121234\",\"出生日期\":\"1985-12-12\",\"月收入\":\"6200\",\"登记时间\":\"2026-02-15 09:00:00\"}\n";

#[tokio::test]
async fn csv_grantee_of_two_items_receives_exactly_those_columns_in_the_datas_order() {
    let w = world().await;
    let code = w.entry(five_item_metadata(&w.a)).await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", FIVE_CSV.as_bytes(), 9),
    )
    .await
    .unwrap();
    let request = w.grant(&code, &["姓名", "月收入"]).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["月收入", "姓名"]);
    assert_eq!(fetched.header.grant_id, request.grant_id);
    assert_eq!(
        std::str::from_utf8(&fetched.data).unwrap(),
        "月收入,姓名\n8500.50,张三\n6200,李四\n"
    );
    assert_eq!(fetched.trailer.sha256, hex_sha256(&fetched.data));
    assert_eq!(fetched.trailer.size_bytes, fetched.data.len() as u64);
    assert_eq!(fetched.trailer.rows, 2);
}

#[tokio::test]
async fn ndjson_grantee_of_two_items_receives_exactly_those_keys() {
    let w = world().await;
    let code = w.entry(five_item_metadata(&w.a)).await;
    publish(
        &w.cataloguer,
        upload(&code, "application/x-ndjson", FIVE_NDJSON.as_bytes(), 9),
    )
    .await
    .unwrap();
    w.grant(&code, &["出生日期", "姓名"]).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "出生日期"]);
    assert_eq!(
        ndjson_values(&fetched.data),
        [
            serde_json::json!({"姓名": "张三", "出生日期": "1990-03-07"}),
            serde_json::json!({"姓名": "李四", "出生日期": "1985-12-12"}),
        ]
    );
    assert_eq!(fetched.trailer.sha256, hex_sha256(&fetched.data));
    assert_eq!(fetched.trailer.size_bytes, fetched.data.len() as u64);
    assert_eq!(fetched.trailer.rows, 2);
}

#[tokio::test]
async fn ndjson_grantee_receives_the_keys_of_each_line_in_the_datas_order() {
    let w = world().await;
    let code = w.entry(five_item_metadata(&w.a)).await;
    publish(
        &w.cataloguer,
        upload(&code, "application/x-ndjson", FIVE_NDJSON.as_bytes(), 9),
    )
    .await
    .unwrap();
    w.grant(&code, &["出生日期", "姓名"]).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "出生日期"]);
    let text = String::from_utf8(fetched.data).unwrap();
    for line in text.lines() {
        let name = line.find("\"姓名\"").unwrap();
        let birth = line.find("\"出生日期\"").unwrap();
        assert!(name < birth, "keys out of the data's order: {line}");
    }
}

#[tokio::test]
async fn not_shared_item_reaches_the_providers_own_consumer() {
    let w = world().await;
    let code = w.entry(mixed_metadata(&w.a)).await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();

    let fetched = fetch(&w.provider_consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "公民身份号码", "出生日期"]);
    assert_eq!(fetched.header.grant_id, "");
    assert_eq!(csv_text(&fetched.data), csv_records(PEOPLE_CSV));
}

#[tokio::test]
async fn not_shared_item_cannot_be_requested_so_nothing_is_delivered() {
    let w = world().await;
    let code = w.entry(mixed_metadata(&w.a)).await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();

    let status = create_request(&w.consumer, request_for(&code, &["公民身份号码"]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["items[0]"]);
    let refused = fetch_refused(&w.consumer, &code).await;
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}

/// B asks for every shareable item of a mixed entry (姓名 无条件, 公民身份号码 不予共享,
/// 出生日期 有条件) and A's approver agrees: the grant holds 姓名 and 出生日期.
async fn grant_of_every_shareable_item(w: &World, code: &str) -> proto::SharingRequest {
    let request = create_request(&w.consumer, request_for(code, &[]))
        .await
        .unwrap();
    assert_eq!(request.items, ["姓名", "出生日期"]);
    let decided = decide_request(&w.approver, &request.id, true, "同意")
        .await
        .unwrap();
    assert!(!decided.grant_id.is_empty());
    decided
}

#[tokio::test]
async fn not_shared_item_never_reaches_a_grantee_of_every_shareable_item() {
    let w = world().await;
    let code = w.entry(mixed_metadata(&w.a)).await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();
    grant_of_every_shareable_item(&w, &code).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "出生日期"]);
    let expected: Vec<Vec<String>> = csv_records(PEOPLE_CSV)
        .into_iter()
        .map(|r| vec![r[0].clone(), r[2].clone()])
        .collect();
    assert_eq!(csv_text(&fetched.data), expected);
    let text = String::from_utf8(fetched.data).unwrap();
    assert!(
        !text.contains("公民身份号码") && !text.contains("110101"),
        "{text}"
    );
}

#[tokio::test]
async fn opaque_snapshot_of_an_entry_with_a_not_shared_item_is_refused_to_the_grantee() {
    let w = world().await;
    let code = w.entry(mixed_metadata(&w.a)).await;
    publish(
        &w.cataloguer,
        upload(&code, "application/pdf", &random_bytes(10_000), 4096),
    )
    .await
    .unwrap();
    grant_of_every_shareable_item(&w, &code).await;

    let status = fetch_refused(&w.consumer, &code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("公民身份号码"), "{status:?}");
}

#[tokio::test]
async fn opaque_snapshot_is_refused_to_a_grant_of_some_items_naming_the_others() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    publish(
        &w.cataloguer,
        upload(&code, "application/zip", &random_bytes(10_000), 4096),
    )
    .await
    .unwrap();
    w.grant(&code, &["姓名"]).await;

    let status = fetch_refused(&w.consumer, &code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(
        status.message().contains("公民身份号码") && status.message().contains("出生日期"),
        "{status:?}"
    );
}

// --- refusals --------------------------------------------------------------------------------

#[tokio::test]
async fn fetch_without_a_grant_is_denied_before_any_chunk() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();

    let status = fetch_refused(&w.consumer, &code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
}

#[tokio::test]
async fn fetch_after_the_grant_is_revoked_is_denied() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();
    let request = w.grant(&code, &[]).await;
    fetch(&w.consumer, &code).await.unwrap();

    revoke_grant(&w.approver, &request.grant_id, "停止共享")
        .await
        .unwrap();
    let status = fetch_refused(&w.consumer, &code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
}

#[tokio::test]
async fn fetch_after_the_grant_expires_is_denied() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();
    let until = chrono::Utc::now() + chrono::Duration::seconds(2);
    let request = create_request(
        &w.consumer,
        proto::CreateRequestRequest {
            requested_until: Some(timestamp(until)),
            ..request_for(&code, &[])
        },
    )
    .await
    .unwrap();
    assert!(!request.grant_id.is_empty());
    fetch(&w.consumer, &code).await.unwrap();

    let wait = (until - chrono::Utc::now() + chrono::Duration::milliseconds(300))
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait).await;
    let status = fetch_refused(&w.consumer, &code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_the_grant_stops_a_fetch_in_progress() {
    let w = world_with(|c| c.exchange.chunk_bytes = 4096).await;
    let code = w.unconditional_entry().await;
    let total = 32 * MIB;
    let data = random_bytes(total);
    publish(
        &w.cataloguer,
        upload(&code, "application/octet-stream", &data, MIB),
    )
    .await
    .unwrap();
    let request = w.grant(&code, &[]).await;

    let mut stream = w
        .consumer
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: code.clone(),
            snapshot_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut received = 0usize;
    let mut chunks = 0;
    while chunks < 4 {
        match stream.message().await.unwrap().unwrap().part.unwrap() {
            fetch_data_response::Part::Header(_) => {}
            fetch_data_response::Part::Chunk(c) => {
                assert!(data[received..].starts_with(&c));
                received += c.len();
                chunks += 1;
            }
            fetch_data_response::Part::Trailer(t) => panic!("finished early: {t:?}"),
        }
    }

    revoke_grant(&w.approver, &request.grant_id, "停止共享")
        .await
        .unwrap();
    let status = loop {
        match stream.message().await {
            Ok(Some(message)) => match message.part.unwrap() {
                fetch_data_response::Part::Chunk(c) => received += c.len(),
                other => panic!("unexpected after the revocation: {other:?}"),
            },
            Ok(None) => panic!("the stream ended without an error after {received} bytes"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(received < total, "all {total} bytes arrived");
}

// --- malformed uploads -----------------------------------------------------------------------

/// Publishes `data` as `media_type` to a fresh 无条件共享 entry, which must be refused; checks
/// that nothing was kept and returns the status.
async fn refused_upload(media_type: &str, data: &[u8]) -> tonic::Status {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let status = publish(&w.cataloguer, upload(&code, media_type, data, 7))
        .await
        .unwrap_err();
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
    status
}

/// The description of the violation on `chunk`, which must be the only one.
fn chunk_violation(status: &tonic::Status) -> String {
    assert_eq!(violated_fields(status), ["chunk"], "{status:?}");
    violation_of(status, "chunk")
}

#[tokio::test]
async fn csv_header_missing_an_item_is_refused_naming_it() {
    let status = refused_upload("text/csv", "姓名,出生日期\n张三,1990-03-07\n".as_bytes()).await;
    let message = chunk_violation(&status);
    assert!(message.contains("公民身份号码"), "{message}");
}

#[tokio::test]
async fn csv_header_with_an_unknown_column_is_refused_naming_it() {
    let csv = "姓名,公民身份号码,出生日期,民族\n张三,110101199003071234,1990-03-07,汉\n";
    let status = refused_upload("text/csv", csv.as_bytes()).await;
    let message = chunk_violation(&status);
    assert!(message.contains("民族"), "{message}");
}

#[tokio::test]
async fn csv_header_mismatch_is_refused_naming_line_1() {
    let status = refused_upload("text/csv", "姓名,出生日期\n张三,1990-03-07\n".as_bytes()).await;
    let message = chunk_violation(&status);
    assert!(message.contains("line 1"), "{message}");
}

#[tokio::test]
async fn csv_row_with_too_few_fields_is_refused_naming_its_line() {
    let csv = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n李四,1985-12-12\n";
    let status = refused_upload("text/csv", csv.as_bytes()).await;
    let message = chunk_violation(&status);
    assert!(message.contains("line 3"), "{message}");
}

#[tokio::test]
async fn csv_value_of_the_wrong_type_is_refused_naming_its_line_and_item() {
    let csv = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n李四,110101198512121234,1990-13-45\n";
    let status = refused_upload("text/csv", csv.as_bytes()).await;
    let message = chunk_violation(&status);
    assert!(message.contains("line 3"), "{message}");
    assert!(
        message.contains("出生日期") && message.contains("1990-13-45"),
        "{message}"
    );
}

#[tokio::test]
async fn csv_that_is_not_utf8_is_refused_naming_its_line() {
    let mut csv = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n"
        .as_bytes()
        .to_vec();
    csv.extend_from_slice(b"\xd5\xc5\xc8\xfd,110101198512121234,1985-12-12\n");
    let status = refused_upload("text/csv", &csv).await;
    let message = chunk_violation(&status);
    assert!(message.contains("line 3"), "{message}");
}

#[tokio::test]
async fn ndjson_line_that_is_not_an_object_is_refused_naming_its_line() {
    let ndjson = "{\"姓名\":\"张三\"}\n[\"李四\"]\n";
    let status = refused_upload("application/x-ndjson", ndjson.as_bytes()).await;
    let message = chunk_violation(&status);
    assert!(message.contains("line 2"), "{message}");
}

#[tokio::test]
async fn ndjson_unknown_key_is_refused_naming_its_line_and_key() {
    let ndjson = "{\"姓名\":\"张三\"}\n{\"姓名\":\"李四\"}\n{\"姓名\":\"王五\",\"民族\":\"汉\"}\n";
    let status = refused_upload("application/x-ndjson", ndjson.as_bytes()).await;
    let message = chunk_violation(&status);
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("民族"), "{message}");
}

#[tokio::test]
async fn upload_that_does_not_start_with_the_header_is_refused() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let mut messages = upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64);
    messages.rotate_left(1);
    let status = publish(&w.cataloguer, messages).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["header"]);
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}

#[tokio::test]
async fn header_sent_twice_is_refused() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let mut messages = upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 32);
    let again = messages[0].clone();
    messages.insert(2, again);
    let status = publish(&w.cataloguer, messages).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["header"]);
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}

#[tokio::test]
async fn publishing_to_an_unpublished_entry_fails_its_precondition() {
    let w = world().await;
    let draft = register_entry(
        &w.cataloguer,
        metadata_shared_as(&w.a, proto::ShareType::Unconditional),
    )
    .await;
    let status = publish(
        &w.cataloguer,
        upload(&draft.code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    crate::common::refusal::assert_reason(&status, "ENTRY_UNAVAILABLE");
    assert_eq!(precondition_types(&status), ["STATE"]);
    assert_nothing_kept(&w.server, &w.cataloguer, &draft.code).await;
}

#[tokio::test]
async fn wrong_announced_sha256_is_refused_on_the_header() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let mut messages = upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64);
    messages[0] = header_message(PublishHeader {
        entry_code: code.clone(),
        media_type: "text/csv".into(),
        sha256: hex_sha256(b"something else"),
        ..Default::default()
    });
    let status = publish(&w.cataloguer, messages).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["header.sha256"]);
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}

// --- limits ----------------------------------------------------------------------------------

#[tokio::test]
async fn upload_over_the_limit_is_resource_exhausted_and_nothing_kept() {
    let w = world_with(|c| c.exchange.max_snapshot_bytes = MIB as u64).await;
    let code = w.unconditional_entry().await;
    let status = publish(
        &w.cataloguer,
        upload(
            &code,
            "application/octet-stream",
            &random_bytes(2 * MIB),
            64 * 1024,
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    crate::common::refusal::assert_reason(&status, "SNAPSHOT_TOO_LARGE");
    assert!(status.message().contains("1048576"), "{status:?}");
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}

#[tokio::test]
async fn announced_size_over_the_limit_is_refused_at_once() {
    let w = world_with(|c| c.exchange.max_snapshot_bytes = MIB as u64).await;
    let code = w.unconditional_entry().await;
    let header = header_message(PublishHeader {
        entry_code: code.clone(),
        media_type: "application/octet-stream".into(),
        size_bytes: 2 * MIB as u64,
        ..Default::default()
    });
    // The header and then nothing, never ending: only an answer to the header can come.
    let messages =
        tokio_stream::StreamExt::chain(tokio_stream::iter([header]), futures::stream::pending());
    let mut exchange = w.cataloguer.exchange.clone();
    let call = exchange.publish_data(messages);
    let status = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("no answer before the rest of the upload")
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    crate::common::refusal::assert_reason(&status, "SNAPSHOT_TOO_LARGE");
    assert!(status.message().contains("1048576"), "{status:?}");
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}

/// Encodes upload messages with prost, except that a message without a part stands for a
/// failure on the client's side: encoding it fails, which breaks the request stream off with
/// an error (RST_STREAM INTERNAL_ERROR) instead of ending it.
#[derive(Default)]
struct FailingCodec(tonic_prost::ProstCodec<PublishDataRequest, proto::DataSnapshot>);

struct FailingEncoder(tonic_prost::ProstEncoder<PublishDataRequest>);

impl tonic::codec::Encoder for FailingEncoder {
    type Item = PublishDataRequest;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: PublishDataRequest,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        if item.part.is_none() {
            return Err(tonic::Status::internal("the client failed while uploading"));
        }
        self.0.encode(item, dst)
    }
}

impl tonic::codec::Codec for FailingCodec {
    type Encode = PublishDataRequest;
    type Decode = proto::DataSnapshot;
    type Encoder = FailingEncoder;
    type Decoder = <tonic_prost::ProstCodec<PublishDataRequest, proto::DataSnapshot> as tonic::codec::Codec>::Decoder;

    fn encoder(&mut self) -> FailingEncoder {
        FailingEncoder(self.0.encoder())
    }

    fn decoder(&mut self) -> Self::Decoder {
        self.0.decoder()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_broken_off_by_a_client_error_leaves_nothing() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let secret = w
        .server
        .token_secret(&w.a, &[proto::Role::Cataloguer])
        .await;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut request = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(rx));
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {secret}").parse().unwrap());
    let mut grpc = tonic::client::Grpc::new(w.server.channel.clone());
    grpc.ready().await.unwrap();
    let call = tokio::spawn(async move {
        grpc.client_streaming(
            request,
            http::uri::PathAndQuery::from_static("/govshare.v1.ExchangeService/PublishData"),
            FailingCodec::default(),
        )
        .await
    });
    tx.send(header_message(PublishHeader {
        entry_code: code.clone(),
        media_type: "application/octet-stream".into(),
        ..Default::default()
    }))
    .await
    .unwrap();
    // More than the server gathers before it starts writing.
    for i in 0..24 {
        tx.send(chunk_message(generated_chunk(i, 64 * 1024)))
            .await
            .unwrap();
    }
    let tmp = blob_dir(w.server.dir.path()).join("tmp");
    let deadline = Instant::now() + Duration::from_secs(2);
    while files_under(&tmp).is_empty() {
        assert!(Instant::now() < deadline, "no temporary blob appeared");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The client fails midway: its request stream ends in an error.
    tx.send(PublishDataRequest { part: None }).await.unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("the call ends once its stream fails")
        .unwrap();
    assert!(outcome.is_err(), "{outcome:?}");
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
    drop(tx);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_dropped_by_the_client_midway_leaves_nothing() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut exchange = w.cataloguer.exchange.clone();
    let call = tokio::spawn(async move {
        exchange
            .publish_data(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await
    });
    tx.send(header_message(PublishHeader {
        entry_code: code.clone(),
        media_type: "application/octet-stream".into(),
        ..Default::default()
    }))
    .await
    .unwrap();
    // More than the server gathers before it starts writing.
    for i in 0..24 {
        tx.send(chunk_message(generated_chunk(i, 64 * 1024)))
            .await
            .unwrap();
    }
    // The server is writing the upload to a temporary blob.
    let tmp = blob_dir(w.server.dir.path()).join("tmp");
    let deadline = Instant::now() + Duration::from_secs(2);
    while files_under(&tmp).is_empty() {
        assert!(Instant::now() < deadline, "no temporary blob appeared");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The client gives up midway: the call is dropped while the stream is still open.
    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
    drop(tx);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}

// --- identical content, several snapshots ------------------------------------------------------

#[tokio::test]
async fn identical_bytes_published_twice_are_two_snapshots_over_one_blob() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let data = random_bytes(100_000);
    let first = publish(
        &w.cataloguer,
        upload(&code, "application/octet-stream", &data, 4096),
    )
    .await
    .unwrap();
    let second = publish(
        &w.cataloguer,
        upload(&code, "application/octet-stream", &data, 4096),
    )
    .await
    .unwrap();

    assert_ne!(first.id, second.id);
    assert_eq!(first.sha256, hex_sha256(&data));
    assert_eq!(second.sha256, first.sha256);
    let blobs = stored_blobs(&w.server);
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    assert_eq!(
        blobs[0].file_name().unwrap().to_str().unwrap(),
        first.sha256
    );
    assert!(std::fs::read(&blobs[0]).unwrap() == data);
    let listed = list_snapshots(&w.cataloguer, &code, 0, "").await.unwrap();
    assert_eq!(listed.snapshots, [second, first]);
}

/// Three CSV snapshots of one entry, each with one row: 张一, 张二, 张三.
async fn three_snapshots(w: &World, code: &str) -> Vec<proto::DataSnapshot> {
    let mut snapshots = Vec::new();
    for name in ["张一", "张二", "张三"] {
        let csv = format!("姓名,公民身份号码,出生日期\n{name},,1990-03-07\n");
        snapshots.push(
            publish(&w.cataloguer, upload(code, "text/csv", csv.as_bytes(), 64))
                .await
                .unwrap(),
        );
    }
    snapshots
}

#[tokio::test]
async fn snapshots_are_listed_newest_first_page_by_page() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let published = three_snapshots(&w, &code).await;

    let first = list_snapshots(&w.cataloguer, &code, 2, "").await.unwrap();
    let ids: Vec<&str> = first.snapshots.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["SNP-000003", "SNP-000002"]);
    assert!(!first.next_page_token.is_empty());
    let second = list_snapshots(&w.cataloguer, &code, 2, &first.next_page_token)
        .await
        .unwrap();
    assert_eq!(second.snapshots, [published[0].clone()]);
    assert!(second.next_page_token.is_empty());
}

#[tokio::test]
async fn fetch_without_a_snapshot_id_delivers_the_latest() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let published = three_snapshots(&w, &code).await;
    w.grant(&code, &[]).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.snapshot, Some(published[2].clone()));
    assert_eq!(csv_text(&fetched.data)[1][0], "张三");
}

#[tokio::test]
async fn an_older_snapshot_stays_fetchable_by_its_id() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let published = three_snapshots(&w, &code).await;
    w.grant(&code, &[]).await;

    let fetched = fetch_snapshot(&w.consumer, &code, &published[0].id)
        .await
        .unwrap();
    assert_eq!(fetched.header.snapshot, Some(published[0].clone()));
    assert_eq!(csv_text(&fetched.data)[1][0], "张一");
    assert_eq!(fetched.trailer.sha256, hex_sha256(&fetched.data));
}

#[tokio::test]
async fn a_snapshot_id_of_another_entry_is_not_found() {
    let w = world().await;
    let first = w.unconditional_entry().await;
    let second = w.unconditional_entry().await;
    let theirs = publish(
        &w.cataloguer,
        upload(&first, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();
    publish(
        &w.cataloguer,
        upload(&second, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();

    let status = fetch_snapshot(&w.cataloguer, &second, &theirs.id)
        .await
        .err()
        .unwrap();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}

// --- durability ------------------------------------------------------------------------------

#[tokio::test]
async fn a_published_snapshot_survives_a_restart() {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let secret = server.token_secret(&a, &[proto::Role::Cataloguer]).await;
    let cataloguer = server.clients(&secret);
    let code = published_entry(
        &server,
        &cataloguer,
        metadata_shared_as(&a, proto::ShareType::Unconditional),
    )
    .await;
    let data = random_bytes(200_000);
    let snapshot = publish(
        &cataloguer,
        upload(&code, "application/octet-stream", &data, 8192),
    )
    .await
    .unwrap();

    let server = TestServer::start_in(server.stop().await).await;
    let cataloguer = server.clients(&secret);
    let listed = list_snapshots(&cataloguer, &code, 0, "").await.unwrap();
    assert_eq!(listed.snapshots, std::slice::from_ref(&snapshot));
    let fetched = fetch(&cataloguer, &code).await.unwrap();
    assert_eq!(fetched.header.snapshot, Some(snapshot));
    assert!(fetched.data == data, "the data changed across the restart");
}

#[tokio::test]
async fn temporary_blobs_left_behind_are_removed_at_start() {
    let server = TestServer::start().await;
    let dir = server.stop().await;
    let blobs = blob_dir(dir.path());
    let tmp = blobs.join("tmp");
    let a_day_and_more_ago = std::time::SystemTime::now() - Duration::from_secs(25 * 3600);
    let age = |path: &std::path::Path| {
        let file = std::fs::File::open(path).unwrap();
        file.set_modified(a_day_and_more_ago).unwrap();
    };
    // A server that was killed: its lock is free, its half upload goes at once.
    let killed = "0123456789abcdef0123456789abcdef";
    std::fs::write(blobs.join("locks").join(format!("{killed}.lock")), b"").unwrap();
    std::fs::create_dir_all(tmp.join(killed)).unwrap();
    std::fs::write(tmp.join(killed).join("upload"), b"half an upload").unwrap();
    // Stray files nobody has touched for more than a day go too.
    std::fs::write(tmp.join("0123456789abcdef"), b"half an upload").unwrap();
    age(&tmp.join("0123456789abcdef"));
    std::fs::create_dir_all(tmp.join("nested")).unwrap();
    std::fs::write(tmp.join("nested").join("junk"), b"junk").unwrap();
    age(&tmp.join("nested").join("junk"));
    age(&tmp.join("nested"));
    // A recent one may be another server's upload in progress (the directory may be shared).
    std::fs::write(tmp.join("fedcba9876543210"), b"being written").unwrap();

    let server = TestServer::start_in(dir).await;
    let left = files_under(&blob_dir(server.dir.path()).join("tmp"));
    assert_eq!(left, vec![tmp.join("fedcba9876543210")]);
    assert!(blob_dir(server.dir.path()).join("tmp").is_dir());
}

#[tokio::test]
async fn an_upload_ending_without_its_end_message_is_interrupted_and_nothing_kept() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let mut messages = upload(&code, "application/octet-stream", b"0123456789", 4);
    messages.pop();

    let status = publish(&w.cataloguer, messages).await.unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(violation_of(&status, "end").contains("中断"), "{status:?}");
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}

#[tokio::test]
async fn an_upload_of_another_size_than_announced_is_refused_and_nothing_kept() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let mut messages = upload(&code, "application/octet-stream", b"0123456789", 4);
    messages[0] = header_message(PublishHeader {
        entry_code: code.clone(),
        media_type: "application/octet-stream".into(),
        size_bytes: 11,
        ..Default::default()
    });

    let status = publish(&w.cataloguer, messages).await.unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let violation = violation_of(&status, "header.size_bytes");
    assert!(
        violation.contains("11") && violation.contains("10"),
        "{violation}"
    );
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}
