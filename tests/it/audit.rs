//! The access log end to end: one record per call with what it was about, written durably
//! before the reply, queried with filters and paging under each credential's scope, verified
//! online and offline, and tampering detected.

#![allow(clippy::unwrap_used)]

mod disk_full;
mod durable_cut;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use govshare_server::proto::{
    self, AccessRecord, FetchDataRequest, QueryAccessLogRequest, Role, VerifyAccessLogRequest,
    fetch_data_response, publish_data_request,
};
use serde_json::Value;
use tonic::Code;

const LIST_ENTRIES: &str = "/govshare.v1.CatalogService/ListEntries";
const CREATE_DEPARTMENT: &str = "/govshare.v1.AdminService/CreateDepartment";
const PUBLISH_DATA: &str = "/govshare.v1.ExchangeService/PublishData";
const FETCH_DATA: &str = "/govshare.v1.ExchangeService/FetchData";
const QUERY_ACCESS_LOG: &str = "/govshare.v1.AuditService/QueryAccessLog";
const VERIFY_ACCESS_LOG: &str = "/govshare.v1.AuditService/VerifyAccessLog";

/// Three rows of 姓名, 公民身份号码, 出生日期.
const PEOPLE_CSV: &str = "姓名,公民身份号码,出生日期\n\
张三,110101199003071234,1990-03-07\n\
李四,110101198512121234,1985-12-12\n\
王五,,2000-01-01\n";

// --- the world of these tests ----------------------------------------------------------------

/// Department A (市公安局) provides a published 无条件共享 entry; department B (市民政局)
/// consumes; the auditor is a platform credential.
struct World {
    server: TestServer,
    a: String,
    b: String,
    a_cataloguer: Clients,
    b_consumer: Clients,
    auditor: Clients,
    /// A's published entry.
    code: String,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(configure: impl FnOnce(&mut govshare_server::config::Config)) -> World {
    let server = TestServer::start_with(tempfile::tempdir().unwrap(), configure).await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市民政局").await;
    let a_cataloguer = server.token(&a, &[Role::Cataloguer]).await;
    let b_consumer = server.token(&b, &[Role::Consumer]).await;
    let auditor = server.token("", &[Role::Auditor]).await;
    let code = published_entry(
        &server,
        &a_cataloguer,
        metadata_shared_as(&a, proto::ShareType::Unconditional),
    )
    .await;
    World {
        server,
        a,
        b,
        a_cataloguer,
        b_consumer,
        auditor,
        code,
    }
}

/// How one call ended: its code and its request id.
#[derive(Debug, Clone)]
struct Called {
    code: Code,
    id: String,
}

fn called<T>(result: &Result<tonic::Response<T>, tonic::Status>) -> Called {
    Called {
        code: match result {
            Ok(_) => Code::Ok,
            Err(status) => status.code(),
        },
        id: request_id(result),
    }
}

async fn get(clients: &Clients, code: &str, version: u64) -> Called {
    let result = clients
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: code.into(),
            version,
        })
        .await;
    called(&result)
}

async fn list_entries(clients: &Clients) -> Called {
    let result = clients
        .catalog
        .clone()
        .list_entries(proto::ListEntriesRequest::default())
        .await;
    called(&result)
}

async fn create_department(clients: &Clients, n: u32) -> (Called, String) {
    let code = govshare_model::testing::valid_credit_code(n);
    let result = clients
        .admin
        .clone()
        .create_department(proto::CreateDepartmentRequest {
            code: code.clone(),
            name: format!("部门{n}"),
            region_code: "110000".into(),
            parent_code: String::new(),
        })
        .await;
    (called(&result), code)
}

/// The messages of a complete upload of `data` to `entry_code`.
fn upload(entry_code: &str, data: &[u8]) -> Vec<proto::PublishDataRequest> {
    let mut messages = vec![proto::PublishDataRequest {
        part: Some(publish_data_request::Part::Header(proto::PublishHeader {
            entry_code: entry_code.into(),
            media_type: "text/csv".into(),
            ..Default::default()
        })),
    }];
    messages.extend(data.chunks(64 * 1024).map(|c| proto::PublishDataRequest {
        part: Some(publish_data_request::Part::Chunk(
            bytes::Bytes::copy_from_slice(c),
        )),
    }));
    messages.push(proto::PublishDataRequest {
        part: Some(publish_data_request::Part::End(proto::PublishEnd {})),
    });
    messages
}

async fn publish(clients: &Clients, entry_code: &str, data: &[u8]) -> Called {
    let result = clients
        .exchange
        .clone()
        .publish_data(tokio_stream::iter(upload(entry_code, data)))
        .await;
    called(&result)
}

/// FetchData of the latest snapshot of `entry_code`, read to the end: the call and the data
/// bytes delivered.
async fn fetch(clients: &Clients, entry_code: &str) -> (Called, u64) {
    let response = clients
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: entry_code.into(),
            snapshot_id: String::new(),
        })
        .await
        .unwrap();
    let id = request_id_in(response.metadata());
    let mut stream = response.into_inner();
    let mut delivered = 0;
    while let Some(message) = stream.message().await.unwrap() {
        if let Some(fetch_data_response::Part::Chunk(c)) = message.part {
            delivered += c.len() as u64;
        }
    }
    (Called { code: Code::Ok, id }, delivered)
}

/// A resource code that is well formed but names no entry: `code` with another sequence.
fn missing_code(code: &str) -> String {
    let (classification, _) = code.split_once('/').unwrap();
    format!("{classification}/999999")
}

/// What a record must say; `None`: not checked.
struct Expect<'a> {
    method: &'a str,
    outcome: Code,
    department: &'a str,
    token_id: &'a str,
    target: Option<&'a str>,
    owner: Option<&'a str>,
}

fn check(record: &AccessRecord, e: &Expect<'_>) {
    let context = format!("{record:#?}");
    assert_eq!(record.method, e.method, "method of {context}");
    assert_eq!(record.outcome, e.outcome as u32, "outcome of {context}");
    assert_eq!(
        record.department_code, e.department,
        "department of {context}"
    );
    assert_eq!(record.token_id, e.token_id, "token id of {context}");
    if let Some(target) = e.target {
        assert_eq!(record.target, target, "target of {context}");
    }
    if let Some(owner) = e.owner {
        assert_eq!(record.owner_code, owner, "owner of {context}");
    }
    assert!(record.time.is_some(), "time of {context}");
    assert_eq!(record.hash.len(), 64, "hash of {context}");
}

fn query(f: impl FnOnce(&mut QueryAccessLogRequest)) -> QueryAccessLogRequest {
    let mut request = QueryAccessLogRequest {
        page_size: 500,
        ..Default::default()
    };
    f(&mut request);
    request
}

/// The request ids of `records`, checking that none appears twice.
fn ids(records: &[AccessRecord]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for r in records {
        assert!(seen.insert(r.request_id.clone()), "twice: {r:#?}");
    }
    seen
}

fn set<'a>(ids: impl IntoIterator<Item = &'a Called>) -> BTreeSet<String> {
    ids.into_iter().map(|c| c.id.clone()).collect()
}

/// The seq of the newest record (queried as `auditor`; the query itself is the next record).
async fn newest_seq(auditor: &Clients) -> u64 {
    let page = auditor
        .audit
        .clone()
        .query_access_log(QueryAccessLogRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    page.records.first().map_or(0, |r| r.seq)
}

/// Polls (up to 10 s) for the one record of `request_id`, which may be written after the reply
/// (a call whose client went away).
async fn eventual_record(auditor: &Clients, request_id: &str) -> AccessRecord {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut found = records_of(auditor, request_id).await;
        if !found.is_empty() {
            assert_eq!(found.len(), 1, "{found:#?}");
            return found.remove(0);
        }
        assert!(
            Instant::now() < deadline,
            "no record of {request_id} after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// --- the binary ------------------------------------------------------------------------------

/// What one run of the binary left behind.
#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

/// Runs `govshare <args>` with no server or credential from the environment.
async fn govshare(args: &[&str]) -> Outcome {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_govshare"))
        .env_remove("GOVSHARE_TOKEN")
        .env_remove("GOVSHARE_SERVER")
        .args(args)
        .output()
        .await
        .unwrap();
    Outcome {
        code: output.status.code().expect("killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A JSON number that proto3 JSON may print as a string (64-bit integers).
fn json_u64(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other
            .as_u64()
            .unwrap_or_else(|| panic!("not a number: {other}")),
    }
}

// --- the segment files -----------------------------------------------------------------------

/// The segment files of an access-log directory, in order.
fn segments(audit_dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(audit_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    found.sort();
    found
}

/// A frame of a segment: where it starts, its payload, the record it holds.
struct Frame {
    start: usize,
    len: usize,
    payload: std::ops::Range<usize>,
    record: govshare_audit::AccessRecord,
}

/// The frames of a segment: `u32 LE len | payload | 32-byte hash`.
fn frames(data: &[u8]) -> Vec<Frame> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let len = u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        let payload = at + 4..at + 4 + len;
        let record = govshare_audit::AccessRecord::decode(&data[payload.clone()]).unwrap();
        found.push(Frame {
            start: at,
            len: 4 + len + 32,
            payload,
            record,
        });
        at += 4 + len + 32;
    }
    found
}

/// The offset, in a payload, of the string field at `index` (request_id 0, department_code,
/// token_id, method, target 4, owner_code, grant_id, detail 7): after the version byte and
/// five numbers, each string is a u16 LE length and its bytes.
fn string_offset(payload: &[u8], index: usize) -> std::ops::Range<usize> {
    let mut at = 1 + 8 + 8 + 4 + 8 + 8;
    for _ in 0..index {
        let len = u16::from_le_bytes([payload[at], payload[at + 1]]) as usize;
        at += 2 + len;
    }
    let len = u16::from_le_bytes([payload[at], payload[at + 1]]) as usize;
    at + 2..at + 2 + len
}

/// A copy of `segment_bytes` as the only segment of a new access-log directory.
fn log_dir_with(name: &Path, segment_bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name.file_name().unwrap()), segment_bytes).unwrap();
    dir
}

// --- one record per call ---------------------------------------------------------------------

#[tokio::test]
async fn every_call_leaves_exactly_one_record_and_health_checks_none() {
    let w = world().await;
    let admin = w.server.admin();
    let a_token = token_id(&w.a_cataloguer).await;
    let b_token = token_id(&w.b_consumer).await;
    let admin_token = token_id(&admin).await;
    let revoked = admin
        .admin
        .clone()
        .issue_token(proto::IssueTokenRequest {
            department_code: w.b.clone(),
            roles: vec![Role::Consumer as i32],
            name: "to be revoked".into(),
            expires_at: None,
        })
        .await
        .unwrap()
        .into_inner();
    admin
        .admin
        .clone()
        .revoke_token(proto::RevokeTokenRequest {
            token_id: revoked.token_id.clone(),
        })
        .await
        .unwrap();
    let revoked_clients = w.server.clients(&revoked.token);
    let unknown_clients = clients_with_authorization(&w.server, "Bearer gst_not_a_token");
    let missing = missing_code(&w.code);

    let before = newest_seq(&w.auditor).await;

    let got = get(&w.b_consumer, &w.code, 0).await;
    let listed = list_entries(&w.a_cataloguer).await;
    let (created, new_dept) = create_department(&admin, 3).await;
    let (not_admin, _) = create_department(&w.a_cataloguer, 4).await;
    let wrong_role = publish(&w.b_consumer, &w.code, PEOPLE_CSV.as_bytes()).await;
    let invalid = get(&w.b_consumer, "not-a-code", 0).await;
    let not_found = get(&w.b_consumer, &missing, 0).await;
    let anonymous = get(&w.server.anonymous(), &w.code, 0).await;
    let unknown = get(&unknown_clients, &w.code, 0).await;
    let revoked_call = get(&revoked_clients, &w.code, 0).await;
    let health = tonic_health::pb::health_client::HealthClient::new(w.server.channel.clone())
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    let health_id = health
        .metadata()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());

    let expected = [
        (
            &got,
            Expect {
                method: GET_ENTRY,
                outcome: Code::Ok,
                department: &w.b,
                token_id: &b_token,
                target: Some(&w.code),
                owner: Some(&w.a),
            },
        ),
        (
            &listed,
            Expect {
                method: LIST_ENTRIES,
                outcome: Code::Ok,
                department: &w.a,
                token_id: &a_token,
                target: Some(""),
                owner: Some(""),
            },
        ),
        (
            &created,
            Expect {
                method: CREATE_DEPARTMENT,
                outcome: Code::Ok,
                department: "",
                token_id: &admin_token,
                target: Some(&new_dept),
                owner: None,
            },
        ),
        (
            &not_admin,
            Expect {
                method: CREATE_DEPARTMENT,
                outcome: Code::PermissionDenied,
                department: &w.a,
                token_id: &a_token,
                target: None,
                owner: None,
            },
        ),
        (
            &wrong_role,
            Expect {
                method: PUBLISH_DATA,
                outcome: Code::PermissionDenied,
                department: &w.b,
                token_id: &b_token,
                target: Some(&w.code),
                owner: Some(&w.a),
            },
        ),
        (
            &invalid,
            Expect {
                method: GET_ENTRY,
                outcome: Code::InvalidArgument,
                department: &w.b,
                token_id: &b_token,
                target: Some("not-a-code"),
                owner: Some(""),
            },
        ),
        (
            &not_found,
            Expect {
                method: GET_ENTRY,
                outcome: Code::NotFound,
                department: &w.b,
                token_id: &b_token,
                target: Some(&missing),
                owner: Some(""),
            },
        ),
        (
            &anonymous,
            Expect {
                method: GET_ENTRY,
                outcome: Code::Unauthenticated,
                department: "",
                token_id: "",
                target: Some(""),
                owner: Some(""),
            },
        ),
        (
            &unknown,
            Expect {
                method: GET_ENTRY,
                outcome: Code::Unauthenticated,
                department: "",
                token_id: "",
                target: Some(""),
                owner: Some(""),
            },
        ),
        (
            &revoked_call,
            Expect {
                method: GET_ENTRY,
                outcome: Code::Unauthenticated,
                department: &w.b,
                token_id: &revoked.token_id,
                target: Some(""),
                owner: Some(""),
            },
        ),
    ];
    for (call, e) in &expected {
        assert_eq!(call.code, e.outcome, "{} {call:?}", e.method);
        assert_eq!(call.id.len(), 32, "request id {call:?}");
    }

    // Every record, newest first, in small pages.
    let all = query_all(&w.auditor, query(|q| q.page_size = 4))
        .await
        .unwrap();
    let by_id: HashMap<&str, Vec<&AccessRecord>> = all.iter().fold(HashMap::new(), |mut map, r| {
        map.entry(r.request_id.as_str()).or_default().push(r);
        map
    });
    for (call, e) in &expected {
        let records = by_id.get(call.id.as_str()).cloned().unwrap_or_default();
        assert_eq!(
            records.len(),
            1,
            "records of {} {call:?}: {records:#?}",
            e.method
        );
        check(records[0], e);
    }
    if let Some(health_id) = &health_id {
        assert!(
            !by_id.contains_key(health_id.as_str()),
            "the health check was recorded"
        );
    }
    assert!(all.iter().all(|r| !r.method.starts_with("/grpc.health")));

    // Nothing else happened since `before`: the query that found it, then the ten calls.
    let since: Vec<&AccessRecord> = all.iter().filter(|r| r.seq > before).collect();
    let seqs: Vec<u64> = since.iter().rev().map(|r| r.seq).collect();
    assert_eq!(
        seqs,
        (before + 1..=before + 1 + expected.len() as u64).collect::<Vec<_>>(),
        "{since:#?}"
    );
    let first = since.last().unwrap();
    assert_eq!(first.method, QUERY_ACCESS_LOG);
    let made: BTreeSet<String> = expected.iter().map(|(c, _)| c.id.clone()).collect();
    let found: BTreeSet<String> = since[..since.len() - 1]
        .iter()
        .map(|r| r.request_id.clone())
        .collect();
    assert_eq!(found, made);
}

#[tokio::test]
async fn fetches_record_bytes_delivered_and_their_grant_and_uploads_bytes_received() {
    let w = world().await;
    let published = publish(&w.a_cataloguer, &w.code, PEOPLE_CSV.as_bytes()).await;
    assert_eq!(published.code, Code::Ok);
    let request = create_request(&w.b_consumer, request_for(&w.code, &["姓名", "出生日期"]))
        .await
        .unwrap();
    assert!(!request.grant_id.is_empty(), "{request:?}");

    let (grantee, grantee_bytes) = fetch(&w.b_consumer, &w.code).await;
    let (provider, provider_bytes) = fetch(&w.a_cataloguer, &w.code).await;
    assert!(grantee_bytes > 0 && grantee_bytes < provider_bytes);

    let upload = record_of(&w.auditor, &published.id).await;
    assert_eq!(upload.method, PUBLISH_DATA);
    assert_eq!(upload.outcome, 0);
    assert_eq!(upload.bytes, PEOPLE_CSV.len() as u64, "{upload:#?}");
    assert_eq!(upload.target, w.code);
    assert_eq!(upload.owner_code, w.a);
    assert_eq!(upload.grant_id, "");

    let by_grantee = record_of(&w.auditor, &grantee.id).await;
    assert_eq!(by_grantee.method, FETCH_DATA);
    assert_eq!(by_grantee.outcome, 0);
    assert_eq!(by_grantee.bytes, grantee_bytes, "{by_grantee:#?}");
    assert_eq!(by_grantee.grant_id, request.grant_id);
    assert_eq!(by_grantee.department_code, w.b);
    assert_eq!(by_grantee.target, w.code);
    assert_eq!(by_grantee.owner_code, w.a);

    let by_provider = record_of(&w.auditor, &provider.id).await;
    assert_eq!(by_provider.method, FETCH_DATA);
    assert_eq!(by_provider.outcome, 0);
    assert_eq!(by_provider.bytes, provider_bytes, "{by_provider:#?}");
    assert_eq!(
        by_provider.grant_id, "",
        "the provider's own fetch has no grant"
    );
    assert_eq!(by_provider.department_code, w.a);
}

#[tokio::test]
async fn a_fetch_whose_client_goes_away_is_recorded_as_cancelled_with_the_bytes_sent() {
    let w = world_with(|c| c.exchange.chunk_bytes = 4096).await;
    // About 8 MiB of rows: more than the client buffers.
    let mut csv = String::from("姓名,公民身份号码,出生日期\n");
    while csv.len() < 8 << 20 {
        csv.push_str("张三,110101199003071234,1990-03-07\n");
    }
    assert_eq!(
        publish(&w.a_cataloguer, &w.code, csv.as_bytes()).await.code,
        Code::Ok
    );

    let response = w
        .a_cataloguer
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: w.code.clone(),
            snapshot_id: String::new(),
        })
        .await
        .unwrap();
    let id = request_id_in(response.metadata());
    let mut stream = response.into_inner();
    let mut received = 0;
    while received == 0 {
        match stream.message().await.unwrap().unwrap().part.unwrap() {
            fetch_data_response::Part::Chunk(c) => received += c.len() as u64,
            fetch_data_response::Part::Header(_) => {}
            fetch_data_response::Part::Trailer(t) => panic!("the whole snapshot came: {t:?}"),
        }
    }
    drop(stream);

    let record = eventual_record(&w.auditor, &id).await;
    assert_eq!(record.method, FETCH_DATA);
    assert_eq!(record.outcome, Code::Cancelled as u32, "{record:#?}");
    // At least the chunk the client holds left the server, and far from all of it.
    assert!(
        record.bytes >= received,
        "the record says {} bytes were sent; the client received {received}: {record:#?}",
        record.bytes
    );
    assert!(record.bytes < csv.len() as u64, "{record:#?}");
    assert_eq!(record.target, w.code);
    assert_eq!(record.owner_code, w.a);
}

// --- durability ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_call_survives_a_kill_of_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_server(dir.path());
    let mut child = Killed(child);
    let token = std::fs::read_to_string(dir.path().join("admin.token")).unwrap();
    let admin = clients_at(&addr, token.trim()).await;

    let mut acknowledged = Vec::new();
    let created = admin
        .admin
        .clone()
        .create_department(proto::CreateDepartmentRequest {
            code: govshare_model::testing::valid_credit_code(1),
            name: "市公安局".into(),
            region_code: "110000".into(),
            parent_code: String::new(),
        })
        .await;
    acknowledged.push(called(&created));
    let whoami = admin.admin.clone().who_am_i(proto::WhoAmIRequest {}).await;
    acknowledged.push(called(&whoami));
    // Calls in flight together, committed in groups.
    let together = futures::future::join_all((0..24).map(|i| {
        let admin = admin.clone();
        async move { get(&admin, &format!("durable-{i}"), 0).await }
    }))
    .await;
    acknowledged.extend(together);
    acknowledged.push(get(&admin, "the-last-one", 0).await);
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    let audit_dir = dir.path().join("audit");
    let cli = govshare(&[
        "audit",
        "verify",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ])
    .await;
    assert_eq!(cli.code, 0, "{cli:#?}");
    let verified = govshare_audit::verify_dir(&audit_dir, None, None).unwrap();
    assert!(verified.ok, "{verified:?}");
    assert!(verified.records_checked >= acknowledged.len() as u64);

    let log = govshare_audit::AccessLog::open(&audit_dir, Default::default()).unwrap();
    let page = log
        .query(&govshare_audit::Query {
            limit: 100_000,
            ..Default::default()
        })
        .unwrap();
    for call in &acknowledged {
        let found: Vec<_> = page
            .records
            .iter()
            .filter(|r| r.record.request_id == call.id)
            .collect();
        assert_eq!(found.len(), 1, "records of acknowledged call {call:?}");
    }
    let last = page.records.first().unwrap();
    assert_eq!(last.record.request_id, acknowledged.last().unwrap().id);
    log.close();
    assert!(
        govshare_audit::verify_dir(&audit_dir, None, None)
            .unwrap()
            .ok
    );
}

// --- tampering -------------------------------------------------------------------------------

#[tokio::test]
async fn an_edited_deleted_or_swapped_record_is_found_offline_and_online() {
    let server = TestServer::start().await;
    let admin = server.admin();
    for i in 0..20 {
        assert_eq!(
            get(&admin, &format!("tamper-{i:02}"), 0).await.code,
            Code::InvalidArgument
        );
    }
    let dir = server.stop().await;
    let audit_dir = dir.path().join("audit");
    let segment = segments(&audit_dir).pop().unwrap();
    let original = std::fs::read(&segment).unwrap();
    let frames = frames(&original);
    let k_index = frames
        .iter()
        .position(|f| f.record.target == "tamper-10")
        .unwrap();
    let k = frames[k_index].record.seq;
    assert!(k_index + 1 < frames.len());

    // Deleting frame k, and swapping frames k and k+1: found offline at k.
    let (f, next) = (&frames[k_index], &frames[k_index + 1]);
    let mut deleted = original.clone();
    deleted.drain(f.start..f.start + f.len);
    let deleted_dir = log_dir_with(&segment, &deleted);
    let v = govshare_audit::verify_dir(deleted_dir.path(), None, None).unwrap();
    assert!(!v.ok, "{v:?}");
    assert_eq!(v.first_bad_seq, Some(k), "{v:?}");
    let mut swapped = original[..f.start].to_vec();
    swapped.extend_from_slice(&original[next.start..next.start + next.len]);
    swapped.extend_from_slice(&original[f.start..f.start + f.len]);
    swapped.extend_from_slice(&original[next.start + next.len..]);
    assert_eq!(swapped.len(), original.len());
    let swapped_dir = log_dir_with(&segment, &swapped);
    let v = govshare_audit::verify_dir(swapped_dir.path(), None, None).unwrap();
    assert!(!v.ok, "{v:?}");
    assert_eq!(v.first_bad_seq, Some(k), "{v:?}");
    let cli = govshare(&[
        "audit",
        "verify",
        "--audit-dir",
        swapped_dir.path().to_str().unwrap(),
    ])
    .await;
    assert_ne!(cli.code, 0, "{cli:#?}");
    assert!(cli.stderr.contains(&format!("record {k}")), "{cli:#?}");

    // One byte of record k's target changed, in place.
    let mut edited = original.clone();
    let target = string_offset(&original[f.payload.clone()], 4);
    let at = f.payload.start + target.start;
    assert_eq!(&original[at..at + target.len()], b"tamper-10");
    edited[at] ^= 0x01; // 't' becomes 'u'
    std::fs::write(&segment, &edited).unwrap();

    let data_dir = dir.path().to_str().unwrap();
    let cli = govshare(&["audit", "verify", "--data-dir", data_dir]).await;
    assert_ne!(cli.code, 0, "{cli:#?}");
    assert!(
        cli.stdout.contains(&k.to_string()) && cli.stderr.contains(&format!("record {k}")),
        "{cli:#?}"
    );
    let cli = govshare(&[
        "--output",
        "json",
        "audit",
        "verify",
        "--data-dir",
        data_dir,
    ])
    .await;
    assert_ne!(cli.code, 0, "{cli:#?}");
    let json = cli.json();
    assert_eq!(json["ok"], Value::Bool(false), "{json}");
    assert_eq!(json_u64(&json["first_bad_seq"]), k, "{json}");

    // The server started on the damaged log: its startup verification, then VerifyAccessLog.
    let server = TestServer::start_in(dir).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let metrics = scrape(&server).await;
        if metrics.value("govshare_audit_verify_ok", &[]) == Some(0.0) {
            assert!(metrics.value_or_zero("govshare_audit_verify_failures_total", &[]) >= 1.0);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "govshare_audit_verify_ok is still not 0: {:?}",
            metrics.value("govshare_audit_verify_ok", &[])
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let auditor = server.token("", &[Role::Auditor]).await;
    let v = auditor
        .audit
        .clone()
        .verify_access_log(VerifyAccessLogRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(!v.ok, "{v:?}");
    assert_eq!(v.first_bad_seq, k, "{v:?}");
    assert!(!v.problem.is_empty());
    // The records before k still verify.
    let before = auditor
        .audit
        .clone()
        .verify_access_log(VerifyAccessLogRequest {
            from_seq: 1,
            to_seq: k - 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(before.ok, "{before:?}");
    assert_eq!(before.head_seq, k - 1);
}

// --- queries ---------------------------------------------------------------------------------

#[tokio::test]
async fn queries_filter_by_method_target_outcome_department_owner_and_time_and_page() {
    let w = world().await;
    let pause = || tokio::time::sleep(Duration::from_millis(5));

    let early = get(&w.b_consumer, &w.code, 0).await;
    pause().await;
    let t1 = chrono::Utc::now();
    pause().await;
    let b_gets = [
        get(&w.b_consumer, &w.code, 0).await,
        get(&w.b_consumer, &w.code, 0).await,
    ];
    let b_old_version = get(&w.b_consumer, &w.code, 2).await;
    let a_get = get(&w.a_cataloguer, &w.code, 0).await;
    let b_upload = publish(&w.b_consumer, &w.code, PEOPLE_CSV.as_bytes()).await;
    let a_list = list_entries(&w.a_cataloguer).await;
    pause().await;
    let t2 = chrono::Utc::now();
    pause().await;
    let late = get(&w.b_consumer, &w.code, 0).await;
    assert_eq!(b_old_version.code, Code::PermissionDenied);
    assert_eq!(b_upload.code, Code::PermissionDenied);
    let denied = set([&b_old_version, &b_upload]);
    let gets = set([
        &early,
        &b_gets[0],
        &b_gets[1],
        &b_old_version,
        &a_get,
        &late,
    ]);

    let run = |q: QueryAccessLogRequest| {
        let auditor = w.auditor.clone();
        async move { query_all(&auditor, q).await.unwrap() }
    };

    // The method, by name or full path.
    let by_name = run(query(|q| q.method = "GetEntry".into())).await;
    assert!(by_name.iter().all(|r| r.method == GET_ENTRY));
    let by_path = run(query(|q| q.method = GET_ENTRY.into())).await;
    assert_eq!(ids(&by_name), ids(&by_path));
    assert!(ids(&by_name).is_superset(&gets));
    assert!(!ids(&by_name).contains(&a_list.id));

    // The target.
    let by_target = run(query(|q| q.target = w.code.clone())).await;
    assert!(by_target.iter().all(|r| r.target == w.code));
    assert!(ids(&by_target).is_superset(&gets));
    assert!(ids(&by_target).contains(&b_upload.id));

    // The outcome, by name in any case or number.
    let by_outcome = run(query(|q| q.outcome = "PERMISSION_DENIED".into())).await;
    assert!(by_outcome.iter().all(|r| r.outcome == 7));
    assert_eq!(ids(&by_outcome), denied);
    for outcome in ["7", "permission_denied"] {
        let again = run(query(|q| q.outcome = outcome.into())).await;
        assert_eq!(ids(&again), denied, "outcome {outcome}");
    }
    let ok_gets = run(query(|q| {
        q.outcome = "OK".into();
        q.method = "GetEntry".into();
    }))
    .await;
    assert!(ids(&ok_gets).contains(&a_get.id));
    assert!(!ids(&ok_gets).contains(&b_old_version.id));

    // The calling department, and the owning department.
    let by_b = run(query(|q| q.department_code = w.b.clone())).await;
    assert!(by_b.iter().all(|r| r.department_code == w.b));
    assert!(ids(&by_b).is_superset(&set([&early, &b_old_version, &b_upload, &late])));
    assert!(!ids(&by_b).contains(&a_get.id));
    let about_a = run(query(|q| q.owner_code = w.a.clone())).await;
    assert!(about_a.iter().all(|r| r.owner_code == w.a));
    assert!(ids(&about_a).is_superset(&gets));
    assert!(!ids(&about_a).contains(&a_list.id));

    // A time range: exactly the calls made between t1 (inclusive) and t2 (exclusive).
    let between = run(query(|q| {
        q.start_time = Some(timestamp(t1));
        q.end_time = Some(timestamp(t2));
    }))
    .await;
    assert_eq!(
        ids(&between),
        set([
            &b_gets[0],
            &b_gets[1],
            &b_old_version,
            &a_get,
            &b_upload,
            &a_list
        ])
    );
    for r in &between {
        let time = instant(r.time.as_ref());
        assert!(t1 <= time && time < t2, "{r:#?}");
    }

    // Pages of 3: every GetEntry record once, newest first.
    let mut request = query(|q| {
        q.method = "GetEntry".into();
        q.page_size = 3;
    });
    let mut paged = Vec::new();
    let mut pages = 0;
    loop {
        let page = w
            .auditor
            .audit
            .clone()
            .query_access_log(request.clone())
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        assert!(page.records.len() <= 3);
        paged.extend(page.records);
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    assert!(pages >= 3, "{pages} pages");
    assert_eq!(ids(&paged), ids(&by_name));
    assert!(
        paged.windows(2).all(|p| p[0].seq > p[1].seq),
        "not newest first: {:?}",
        paged.iter().map(|r| r.seq).collect::<Vec<_>>()
    );

    // Refusals name the field.
    let refused = |q: QueryAccessLogRequest| {
        let auditor = w.auditor.clone();
        async move { auditor.audit.clone().query_access_log(q).await.unwrap_err() }
    };
    for outcome in ["DENIED", "17", "-1"] {
        let status = refused(query(|q| q.outcome = outcome.into())).await;
        assert_eq!(violated_fields(&status), ["outcome"], "outcome {outcome}");
    }
    let status = refused(query(|q| {
        q.start_time = Some(timestamp(t2));
        q.end_time = Some(timestamp(t1));
    }))
    .await;
    assert_eq!(violated_fields(&status), ["end_time"]);
    for token in ["%%% not a token %%%", "YWJj"] {
        let status = refused(query(|q| q.page_token = token.into())).await;
        assert_eq!(violated_fields(&status), ["page_token"], "token {token}");
    }
}

// --- who sees what ---------------------------------------------------------------------------

#[tokio::test]
async fn departments_see_records_about_their_entries_and_their_own_calls_only() {
    let w = world().await;
    let c = w.server.department(3, "市卫健委").await;
    let c_cataloguer = w.server.token(&c, &[Role::Cataloguer]).await;
    let c_code = published_entry(
        &w.server,
        &c_cataloguer,
        metadata_shared_as(&c, proto::ShareType::Unconditional),
    )
    .await;

    let b_reads_a = get(&w.b_consumer, &w.code, 0).await;
    let b_fetch_refused = {
        let result = w
            .b_consumer
            .exchange
            .clone()
            .fetch_data(FetchDataRequest {
                entry_code: w.code.clone(),
                snapshot_id: String::new(),
            })
            .await;
        called(&result)
    };
    assert_eq!(b_fetch_refused.code, Code::PermissionDenied);
    let a_own = list_entries(&w.a_cataloguer).await;
    let c_reads_c = get(&c_cataloguer, &c_code, 0).await;
    let b_reads_c = get(&w.b_consumer, &c_code, 0).await;
    let everything = set([&b_reads_a, &b_fetch_refused, &a_own, &c_reads_c, &b_reads_c]);

    // The auditor and the administrator see everything.
    for (who, clients) in [("auditor", &w.auditor), ("admin", &w.server.admin())] {
        let seen = ids(&query_all(clients, query(|_| {})).await.unwrap());
        assert!(seen.is_superset(&everything), "{who}");
    }

    // A's cataloguer: the records about A's entries, whoever called, and A's own calls.
    let seen_by_a = query_all(&w.a_cataloguer, query(|_| {})).await.unwrap();
    assert!(
        seen_by_a
            .iter()
            .all(|r| r.owner_code == w.a || r.department_code == w.a),
        "{seen_by_a:#?}"
    );
    let seen = ids(&seen_by_a);
    assert!(seen.is_superset(&set([&b_reads_a, &b_fetch_refused, &a_own])));
    assert!(!seen.contains(&c_reads_c.id));
    assert!(!seen.contains(&b_reads_c.id));
    // Filters narrow the scope, never widen it.
    let asked_for_c = query_all(&w.a_cataloguer, query(|q| q.owner_code = c.clone()))
        .await
        .unwrap();
    assert!(asked_for_c.is_empty(), "{asked_for_c:#?}");
    let asked_for_b = ids(
        &query_all(&w.a_cataloguer, query(|q| q.department_code = w.b.clone()))
            .await
            .unwrap(),
    );
    assert!(asked_for_b.contains(&b_reads_a.id));
    assert!(!asked_for_b.contains(&b_reads_c.id));

    // B's consumer sees its own calls about C's entry, but not C's own.
    let seen_by_b = ids(&query_all(&w.b_consumer, query(|_| {})).await.unwrap());
    assert!(seen_by_b.contains(&b_reads_c.id));
    assert!(!seen_by_b.contains(&c_reads_c.id));
    assert!(!seen_by_b.contains(&a_own.id));

    // Verification is for the auditor and the administrator; refusals are recorded too.
    let verify_refused = {
        let result = w
            .a_cataloguer
            .audit
            .clone()
            .verify_access_log(VerifyAccessLogRequest::default())
            .await;
        called(&result)
    };
    assert_eq!(verify_refused.code, Code::PermissionDenied);
    let invalid_query = {
        let result = w
            .a_cataloguer
            .audit
            .clone()
            .query_access_log(query(|q| q.outcome = "NOPE".into()))
            .await;
        called(&result)
    };
    assert_eq!(invalid_query.code, Code::InvalidArgument);
    let anonymous_query = {
        let result = w
            .server
            .anonymous()
            .audit
            .clone()
            .query_access_log(query(|_| {}))
            .await;
        called(&result)
    };
    assert_eq!(anonymous_query.code, Code::Unauthenticated);
    for auditor_ok in [&w.auditor, &w.server.admin()] {
        let v = auditor_ok
            .audit
            .clone()
            .verify_access_log(VerifyAccessLogRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(v.ok, "{v:?}");
    }
    let a_token = token_id(&w.a_cataloguer).await;
    for (call, method, outcome, department, token) in [
        (
            &verify_refused,
            VERIFY_ACCESS_LOG,
            Code::PermissionDenied,
            w.a.as_str(),
            a_token.as_str(),
        ),
        (
            &invalid_query,
            QUERY_ACCESS_LOG,
            Code::InvalidArgument,
            w.a.as_str(),
            a_token.as_str(),
        ),
        (
            &anonymous_query,
            QUERY_ACCESS_LOG,
            Code::Unauthenticated,
            "",
            "",
        ),
    ] {
        let record = record_of(&w.auditor, &call.id).await;
        check(
            &record,
            &Expect {
                method,
                outcome,
                department,
                token_id: token,
                target: None,
                owner: None,
            },
        );
    }
    // A's own refused calls are among the records A sees.
    let seen_by_a = ids(&query_all(&w.a_cataloguer, query(|_| {})).await.unwrap());
    assert!(seen_by_a.contains(&verify_refused.id));
    assert!(seen_by_a.contains(&invalid_query.id));
}

// --- the command line ------------------------------------------------------------------------

#[tokio::test]
async fn the_cli_queries_records_and_verifies_the_chain_online() {
    let w = world().await;
    let auditor = w.server.token_secret("", &[Role::Auditor]).await;
    let gets = [
        get(&w.b_consumer, &w.code, 0).await,
        get(&w.a_cataloguer, &w.code, 0).await,
        get(&w.b_consumer, "not-a-code", 0).await,
    ];
    let url = format!("http://{}", w.server.addr);
    let client = ["--server", url.as_str(), "--token", auditor.as_str()];

    let args = |extra: &[&'static str]| {
        let mut args: Vec<&str> = client.to_vec();
        args.extend(extra);
        args
    };
    let out = govshare(&args(&[
        "--output", "json", "audit", "query", "--method", "GetEntry",
    ]))
    .await;
    assert_eq!(out.code, 0, "{out:#?}");
    let json = out.json();
    let records = json["records"].as_array().unwrap();
    assert!(records.iter().all(|r| r["method"] == GET_ENTRY), "{json}");
    let listed: BTreeSet<String> = records
        .iter()
        .map(|r| r["request_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(listed.is_superset(&set(&gets)), "{json}");
    let invalid = records
        .iter()
        .find(|r| r["request_id"] == gets[2].id.as_str())
        .unwrap();
    assert_eq!(invalid["target"], "not-a-code");
    assert_eq!(json_u64(&invalid["outcome"]), Code::InvalidArgument as u64);

    // Every page, two at a time, with filters.
    let out = govshare(&args(&[
        "--output",
        "json",
        "audit",
        "query",
        "--method",
        "GetEntry",
        "--outcome",
        "OK",
        "--all",
        "--page-size",
        "2",
    ]))
    .await;
    assert_eq!(out.code, 0, "{out:#?}");
    let json = out.json();
    let paged: Vec<&Value> = json["records"].as_array().unwrap().iter().collect();
    let paged_ids: BTreeSet<String> = paged
        .iter()
        .map(|r| r["request_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        paged_ids.len(),
        paged.len(),
        "a record listed twice: {json}"
    );
    assert!(paged_ids.is_superset(&set(&gets[..2])));
    assert!(!paged_ids.contains(&gets[2].id));

    // The table, for people.
    let out = govshare(&args(&["audit", "query", "--target", "not-a-code"])).await;
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(
        out.stdout.contains("GetEntry") && out.stdout.contains("not-a-code"),
        "{out:#?}"
    );

    let out = govshare(&args(&["--output", "json", "audit", "verify"])).await;
    assert_eq!(out.code, 0, "{out:#?}");
    let json = out.json();
    assert_eq!(json["ok"], Value::Bool(true), "{json}");
    assert!(json_u64(&json["records_checked"]) > 3);
    let out = govshare(&args(&["audit", "verify"])).await;
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(out.stdout.contains("ok"), "{out:#?}");
}

// --- unknown methods -------------------------------------------------------------------------

#[tokio::test]
async fn a_call_to_an_unknown_method_is_unimplemented_and_recorded() {
    let w = world().await;
    for path in [
        "/govshare.v1.CatalogService/NoSuchMethod",
        "/no.such.Service/Method",
    ] {
        let status = call_path(&w.server, path).await;
        assert_eq!(status.code(), Code::Unimplemented, "{path}: {status:?}");
        let id = request_id_in(status.metadata());
        let record = record_of(&w.auditor, &id).await;
        assert_eq!(record.method, path);
        assert_eq!(record.outcome, Code::Unimplemented as u32, "{record:#?}");
        assert_eq!(record.token_id, token_id(&w.server.admin()).await);
        let by_path = query_all(&w.auditor, query(|q| q.method = path.into()))
            .await
            .unwrap();
        assert_eq!(ids(&by_path), BTreeSet::from([id]));
    }
}
