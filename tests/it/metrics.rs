//! The metrics address end to end: `/metrics` in the Prometheus text format (gRPC calls by
//! method and code, refusals by reason, the state of the catalogue, requests and grants,
//! exchange bytes, the access log, the process), the probes, and the JSON log line of a call.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use govshare_server::proto::{self, Role, ShareType};
use govshare_service::Reason;
use serde_json::Value;
use tonic::Code;
use tonic_types::StatusExt as _;

const CATALOG: &str = "govshare.v1.CatalogService";

/// The labels of GetEntry's started counter and latency histogram.
const GET_ENTRY_LABELS: [(&str, &str); 3] = [
    ("grpc_type", "unary"),
    ("grpc_service", CATALOG),
    ("grpc_method", "GetEntry"),
];

/// The labels of GetEntry's handled counter for `code`.
fn handled_labels(code: &'static str) -> [(&'static str, &'static str); 4] {
    [
        ("grpc_type", "unary"),
        ("grpc_service", CATALOG),
        ("grpc_method", "GetEntry"),
        ("grpc_code", code),
    ]
}

/// Department A provides, department B consumes.
struct World {
    server: TestServer,
    a: String,
    a_cataloguer: Clients,
    b_consumer: Clients,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市民政局").await;
    World {
        a_cataloguer: server.token(&a, &[Role::Cataloguer]).await,
        b_consumer: server.token(&b, &[Role::Consumer]).await,
        server,
        a,
    }
}

impl World {
    /// A published entry of A shared as `share_type`.
    async fn entry(&self, share_type: ShareType) -> String {
        published_entry(
            &self.server,
            &self.a_cataloguer,
            metadata_shared_as(&self.a, share_type),
        )
        .await
    }
}

/// Scrapes `server` until `ready` holds for the page (at most `seconds`), and returns it.
async fn scrape_until(
    server: &TestServer,
    seconds: u64,
    ready: impl Fn(&Scrape) -> bool,
) -> Scrape {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let page = scrape(server).await;
        if ready(&page) || Instant::now() >= deadline {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn grpc_calls_are_counted_by_method_and_code() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;

    let reply = http_get(w.server.metrics_addr, "/metrics").await;
    assert_eq!(reply.status, 200);
    let content_type = reply.header("content-type").unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let before = Scrape::parse(&reply.body);

    for _ in 0..3 {
        get_entry(&w.b_consumer, &code, 0).await.unwrap();
    }
    // Another department may read the published version only.
    let refused = get_entry(&w.b_consumer, &code, 2).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");

    let after = scrape(&w.server).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        after.value_or_zero(name, labels) - before.value_or_zero(name, labels)
    };
    assert_eq!(
        delta("grpc_server_handled_total", &handled_labels("OK")),
        3.0
    );
    assert_eq!(
        delta(
            "grpc_server_handled_total",
            &handled_labels("PermissionDenied")
        ),
        1.0
    );
    assert_eq!(delta("grpc_server_started_total", &GET_ENTRY_LABELS), 4.0);
    let count = delta("grpc_server_handling_seconds_count", &GET_ENTRY_LABELS);
    assert!(count >= 3.0, "handling_seconds_count grew by {count}");
    assert_eq!(count, 4.0);
    // The histogram's buckets are there, ending at +Inf with the count.
    let mut inf = GET_ENTRY_LABELS.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(
        after.value("grpc_server_handling_seconds_bucket", &inf),
        after.value("grpc_server_handling_seconds_count", &GET_ENTRY_LABELS)
    );
    // Methods not called yet are exported with zeros.
    assert!(
        after
            .value(
                "grpc_server_started_total",
                &[
                    ("grpc_type", "server_stream"),
                    ("grpc_service", "govshare.v1.ExchangeService"),
                    ("grpc_method", "FetchData"),
                ]
            )
            .is_some()
    );
}

#[tokio::test]
async fn unknown_paths_are_counted_under_one_unknown_label_set() {
    let server = TestServer::start().await;
    let method_values = |page: &Scrape| {
        page.series("grpc_server_started_total")
            .iter()
            .map(|s| s.labels["grpc_method"].clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let unknown_started = [
        ("grpc_type", "unary"),
        ("grpc_service", "unknown"),
        ("grpc_method", "unknown"),
    ];
    let unknown_handled = [
        ("grpc_type", "unary"),
        ("grpc_service", "unknown"),
        ("grpc_method", "unknown"),
        ("grpc_code", "Unimplemented"),
    ];
    let before = scrape(&server).await;

    for path in [
        "/govshare.v1.CatalogService/NoSuchMethod",
        "/made.up.Service/Whatever",
    ] {
        let status = call_path(&server, path).await;
        assert_eq!(status.code(), Code::Unimplemented, "{status:?}");
    }

    let after = scrape(&server).await;
    assert_eq!(
        after.value_or_zero("grpc_server_started_total", &unknown_started)
            - before.value_or_zero("grpc_server_started_total", &unknown_started),
        2.0
    );
    assert_eq!(
        after.value_or_zero("grpc_server_handled_total", &unknown_handled)
            - before.value_or_zero("grpc_server_handled_total", &unknown_handled),
        2.0
    );
    assert_eq!(method_values(&after), method_values(&before));
    assert!(!after.text.contains("NoSuchMethod"));
    assert!(!after.text.contains("made.up"));
    assert!(!after.text.contains("Whatever"));
}

// --- refusals by reason ----------------------------------------------------------------------

/// `govshare_refusals_total` of every reason on `page`.
fn refusals(page: &Scrape) -> BTreeMap<String, f64> {
    page.series("govshare_refusals_total")
        .into_iter()
        .map(|s| (s.labels["reason"].clone(), s.value))
        .collect()
}

/// How far each reason's count moved from `before` to `after`, the reasons that did not move
/// left out.
fn moved(before: &Scrape, after: &Scrape) -> BTreeMap<String, f64> {
    let before = refusals(before);
    refusals(after)
        .into_iter()
        .map(|(reason, n)| {
            let delta = n - before.get(&reason).copied().unwrap_or(0.0);
            (reason, delta)
        })
        .filter(|(_, delta)| *delta != 0.0)
        .collect()
}

/// The reason of the ErrorInfo `status` carries.
fn reason_of(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .unwrap_or_else(|| panic!("no ErrorInfo: {status:?}"))
        .reason
}

#[tokio::test]
async fn refusals_are_counted_once_by_the_reason_their_reply_carries() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let csv = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n";
    let snapshot = publish_data(&w.a_cataloguer, &code, "text/csv", csv.as_bytes())
        .await
        .unwrap();

    // Every reason has its series from the start, at 0: nothing was refused yet.
    let start = scrape(&w.server).await;
    let counted = refusals(&start);
    let all: BTreeSet<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        counted.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        all
    );
    assert!(counted.values().all(|n| *n == 0.0), "{counted:?}");

    // Refused before any use case runs (the auth layer), by a use case, by tonic itself (an
    // unknown method: the layer adds the reason), and a stream refused before it starts.
    let unknown = w
        .server
        .clients("not-a-token")
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: code.clone(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(reason_of(&unknown), "CREDENTIAL_INVALID");
    let missing = get_entry(&w.b_consumer, "303084122704/999999", 0)
        .await
        .unwrap_err();
    assert_eq!(reason_of(&missing), "ENTRY_NOT_FOUND");
    let no_method = call_path(&w.server, "/govshare.v1.CatalogService/NoSuchMethod").await;
    assert_eq!(reason_of(&no_method), "METHOD_NOT_FOUND");
    let no_grant = fetch_refused(&w.b_consumer, &code).await;
    assert_eq!(reason_of(&no_grant), "NO_ACTIVE_GRANT");
    let after_refusals = scrape(&w.server).await;
    let expected: BTreeMap<String, f64> = [
        ("CREDENTIAL_INVALID", 1.0),
        ("ENTRY_NOT_FOUND", 1.0),
        ("METHOD_NOT_FOUND", 1.0),
        ("NO_ACTIVE_GRANT", 1.0),
    ]
    .into_iter()
    .map(|(r, n)| (r.to_owned(), n))
    .collect();
    assert_eq!(moved(&start, &after_refusals), expected);

    // Calls answered OK, unary and streaming, count nothing.
    get_entry(&w.b_consumer, &code, 0).await.unwrap();
    let granted = create_request(&w.b_consumer, request_for(&code, &["姓名", "出生日期"]))
        .await
        .unwrap();
    assert_eq!(granted.state, proto::RequestState::Approved as i32);
    let delivered = fetch_delivery(&w.b_consumer, &code, "").await.unwrap();
    assert!(!delivered.data.is_empty());
    let after_ok = scrape(&w.server).await;
    assert_eq!(moved(&after_refusals, &after_ok), BTreeMap::new());

    // A stream that started and is refused in its trailers: the stored data is damaged.
    let blob = blob_dir(w.server.dir.path())
        .join("sha256")
        .join(&snapshot.sha256[..2])
        .join(&snapshot.sha256);
    let mut permissions = std::fs::metadata(&blob).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&blob, permissions).unwrap();
    let damaged = std::fs::read_to_string(&blob)
        .unwrap()
        .replace("1990-03-07", "1990-03-08");
    std::fs::write(&blob, damaged).unwrap();
    let mut stream = w
        .b_consumer
        .exchange
        .clone()
        .fetch_data(proto::FetchDataRequest {
            entry_code: code.clone(),
            snapshot_id: String::new(),
        })
        .await
        .expect("the stream starts: its refusal comes in the trailers")
        .into_inner();
    let ended = loop {
        match stream.message().await {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the damaged data was delivered whole"),
            Err(status) => break status,
        }
    };
    assert_eq!(ended.code(), Code::DataLoss, "{ended:?}");
    assert_eq!(reason_of(&ended), "DATA_DAMAGED");
    let after_damage = scrape(&w.server).await;
    assert_eq!(
        moved(&after_ok, &after_damage),
        BTreeMap::from([("DATA_DAMAGED".to_owned(), 1.0)])
    );
}

#[tokio::test]
async fn gauges_count_the_catalogue_requests_and_grants_and_counters_the_bytes_and_records() {
    let w = world().await;
    let conditional = w.entry(ShareType::Conditional).await;
    let unconditional = w.entry(ShareType::Unconditional).await;
    register_entry(
        &w.a_cataloguer,
        metadata_shared_as(&w.a, ShareType::Unconditional),
    )
    .await;
    let pending = create_request(&w.b_consumer, request_for(&conditional, &[]))
        .await
        .unwrap();
    assert_eq!(pending.state, proto::RequestState::Pending as i32);
    let granted = create_request(
        &w.b_consumer,
        request_for(&unconditional, &["姓名", "出生日期"]),
    )
    .await
    .unwrap();
    assert_eq!(granted.state, proto::RequestState::Approved as i32);
    assert!(!granted.grant_id.is_empty());

    // The gauges are counted at a scrape at most every 5 s: this first scrape counts them.
    let expected_gauges = |page: &Scrape| {
        page.value("govshare_catalog_entries", &[("state", "published")]) == Some(2.0)
            && page.value("govshare_catalog_entries", &[("state", "draft")]) == Some(1.0)
            && page.value("govshare_sharing_requests", &[("state", "pending")]) == Some(1.0)
            && page.value("govshare_sharing_requests", &[("state", "approved")]) == Some(1.0)
            && page.value("govshare_sharing_requests_pending", &[]) == Some(1.0)
            && page.value("govshare_sharing_grants_active", &[]) == Some(1.0)
    };
    let before = scrape_until(&w.server, 7, expected_gauges).await;
    assert!(
        expected_gauges(&before),
        "{:#?}",
        before
            .samples
            .iter()
            .filter(|s| s.name.starts_with("govshare_catalog")
                || s.name.starts_with("govshare_sharing"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        before.value("govshare_catalog_entries", &[("state", "revoked")]),
        Some(0.0),
        "every state has a series"
    );
    assert_eq!(
        before.value("govshare_sharing_requests_overdue", &[]),
        Some(0.0)
    );
    assert!(before.value("govshare_store_size_bytes", &[]).unwrap() > 0.0);
    assert!(before.value("process_resident_memory_bytes", &[]).unwrap() > 0.0);
    assert_eq!(before.value("govshare_audit_verify_ok", &[]), Some(1.0));
    assert!(before.value("govshare_audit_records_total", &[]).unwrap() > 0.0);
    let build = before.series("govshare_build_info");
    assert_eq!(build.len(), 1);
    assert_eq!(build[0].value, 1.0);

    // Bytes moved: exactly what was published and what was delivered.
    let csv = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n李四,110101198512121234,1985-12-12\n";
    publish_data(&w.a_cataloguer, &unconditional, "text/csv", csv.as_bytes())
        .await
        .unwrap();
    let delivered = fetch_delivery(&w.b_consumer, &unconditional, "")
        .await
        .unwrap();
    assert!(!delivered.data.is_empty());
    let calls = 2.0;
    let records = |page: &Scrape| page.value_or_zero("govshare_audit_records_total", &[]);
    let records_before = records(&before);
    // The commit hook runs just after the waiting calls are answered.
    let after = scrape_until(&w.server, 5, |page| records(page) >= records_before + calls).await;
    let bytes = |page: &Scrape, direction: &str| {
        page.value_or_zero("govshare_exchange_bytes_total", &[("direction", direction)])
    };
    assert_eq!(
        bytes(&after, "received") - bytes(&before, "received"),
        csv.len() as f64
    );
    assert_eq!(
        bytes(&after, "sent") - bytes(&before, "sent"),
        delivered.data.len() as f64
    );
    assert_eq!(records(&after) - records_before, calls);
    assert!(after.value_or_zero("govshare_audit_commit_seconds_count", &[]) > 0.0);
}

#[tokio::test]
async fn the_access_log_size_is_reported() {
    let w = world().await;
    w.entry(ShareType::Unconditional).await;
    let page = scrape(&w.server).await;
    let on_disk: u64 = files_under(&w.server.dir.path().join("audit"))
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(on_disk > 0);
    let reported = page.value("govshare_audit_log_size_bytes", &[]).unwrap();
    assert!(
        reported > 0.0,
        "govshare_audit_log_size_bytes is {reported} with {on_disk} bytes of segments on disk"
    );
}

#[tokio::test]
async fn reads_of_versions_are_counted_as_cache_hits_and_misses() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let hits =
        |page: &Scrape| page.value_or_zero("govshare_catalog_versions_cache_hits_total", &[]);
    let misses =
        |page: &Scrape| page.value_or_zero("govshare_catalog_versions_cache_misses_total", &[]);
    let before = scrape(&w.server).await;
    for _ in 0..3 {
        get_entry(&w.b_consumer, &code, 0).await.unwrap();
    }
    let after = scrape(&w.server).await;
    // The first read may go to the store, the others are answered from memory.
    assert!(hits(&after) - hits(&before) >= 2.0, "{}", after.text);
    assert!(misses(&after) + hits(&after) - misses(&before) - hits(&before) >= 3.0);
    assert!(
        after
            .value("govshare_catalog_versions_cache_bytes", &[])
            .unwrap()
            > 0.0
    );
}

#[tokio::test]
async fn probes_answer_while_serving() {
    let server = TestServer::start().await;
    let health = http_get(server.metrics_addr, "/healthz").await;
    assert_eq!(health.status, 200, "{health:?}");
    assert_eq!(health.body.trim(), "ok");
    let ready = http_get(server.metrics_addr, "/readyz").await;
    assert_eq!(ready.status, 200, "{ready:?}");
    assert_eq!(ready.body.trim(), "ready");
    let missing = http_get(server.metrics_addr, "/nothing-here").await;
    assert_eq!(missing.status, 404);
}

// --- the log line ----------------------------------------------------------------------------

/// `govshare serve` with JSON logs at level info; stderr is collected line by line.
struct LoggingServer {
    child: std::process::Child,
    addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
    dir: tempfile::TempDir,
}

impl Drop for LoggingServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_logging_server() -> LoggingServer {
    let dir = tempfile::tempdir().unwrap();
    let mut child = common::serve_command(
        dir.path(),
        &["--console-addr", "127.0.0.1:0", "--log-format", "json"],
    )
    .env("GOVSHARE_LOG", "info")
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let collected = stderr.clone();
    let pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            collected.lock().unwrap().push(line);
        }
    });
    let addr = common::grpc_addr_in(&common::printed_at_start(&mut child));
    LoggingServer {
        child,
        addr,
        stderr,
        dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calls_json_log_line_carries_its_request_id_method_and_code() {
    let server = spawn_logging_server();
    let token = std::fs::read_to_string(server.dir.path().join("admin.token")).unwrap();
    let admin = clients_at(&server.addr, token.trim()).await;
    let result = admin
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: "not-a-code".into(),
            version: 0,
        })
        .await;
    let id = request_id(&result);
    assert_eq!(result.unwrap_err().code(), Code::InvalidArgument);

    let deadline = Instant::now() + Duration::from_secs(5);
    let line = loop {
        let found = server
            .stderr
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["fields"]["request_id"] == id.as_str());
        if let Some(line) = found {
            break line;
        }
        assert!(
            Instant::now() < deadline,
            "no JSON log line with request_id {id}: {:#?}",
            server.stderr.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(line["target"], "govshare::call", "{line}");
    assert_eq!(line["fields"]["method"], common::GET_ENTRY, "{line}");
    assert_eq!(line["fields"]["code"], "InvalidArgument", "{line}");
    assert_eq!(line["fields"]["target_id"], "not-a-code", "{line}");
    assert_eq!(line["level"], "INFO", "{line}");
}
