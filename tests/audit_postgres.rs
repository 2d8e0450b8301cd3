//! The access log in PostgreSQL end to end: two servers configured with `store.backend =
//! "postgres"` write their calls into one chain in the shared database, and either server
//! queries and verifies all of it.
//!
//! The database comes from `GOVSHARE_TEST_POSTGRES_URL` (`scripts/test` sets it); the test
//! works in a schema of its own, dropped at its end. Each server keeps its catalogue in its
//! own sled directory here: only the access log is shared.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use common::Clients;
use govshare::config::Config;
use govshare::proto::{self, QueryAccessLogRequest, VerifyAccessLogRequest};
use govshare::server::{self, Listeners, Running};
use tempfile::TempDir;
use tokio_postgres::NoTls;
use tonic::transport::Channel;

const LIST_ENTRIES: &str = "/govshare.v1.CatalogService/ListEntries";
const CREATE_DEPARTMENT: &str = "/govshare.v1.AdminService/CreateDepartment";

/// A schema of its own for the test, dropped when it ends (even by a panic).
struct Schema {
    name: String,
    base: String,
}

impl Schema {
    async fn new() -> Schema {
        let base = std::env::var("GOVSHARE_TEST_POSTGRES_URL").unwrap_or_else(|_| {
            panic!(
                "GOVSHARE_TEST_POSTGRES_URL is not set: set it to a PostgreSQL database whose \
                 role may create schemas (e.g. \
                 postgres://govshare:govshare@127.0.0.1:5432/govshare_test), or run \
                 scripts/test, which sets it"
            )
        });
        let mut random = RandomState::new().build_hasher();
        random.write_u32(std::process::id());
        let name = format!("audit_e2e_{:016x}", random.finish());
        connect(&base)
            .await
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .unwrap();
        Schema { name, base }
    }

    fn url(&self) -> String {
        let joiner = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{joiner}options=-csearch_path%3D{}", self.base, self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                connect(&base)
                    .await
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test schema {}", self.name);
        }
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// A server with its own data directory whose access log is in the database at `url`.
struct Node {
    running: Running,
    admin: Clients,
    metrics_addr: std::net::SocketAddr,
    _dir: TempDir,
}

async fn node(url: &str) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let store = server::open_store(&config).unwrap();
    config.store.backend = "postgres".into();
    config.store.url = Some(url.to_owned());
    config.store.pool_size = 4;
    let listeners = Listeners {
        grpc: tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        metrics: Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()),
    };
    let running = server::start(config, store, listeners).await.unwrap();
    let token = std::fs::read_to_string(dir.path().join("admin.token")).unwrap();
    let channel = Channel::from_shared(format!("http://{}", running.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    Node {
        admin: Clients::over(&channel, Some(token.trim())),
        metrics_addr: running.metrics_addr.unwrap(),
        running,
        _dir: dir,
    }
}

/// Every record the log holds, newest first, through `clients`.
async fn all_records(clients: &Clients) -> Vec<proto::AccessRecord> {
    let mut request = QueryAccessLogRequest {
        page_size: 100,
        ..QueryAccessLogRequest::default()
    };
    let mut records = Vec::new();
    loop {
        let page = (clients.audit.clone())
            .query_access_log(request.clone())
            .await
            .unwrap()
            .into_inner();
        records.extend(page.records);
        if page.next_page_token.is_empty() {
            return records;
        }
        request.page_token = page.next_page_token;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_write_one_chain_in_postgres() {
    const CALLS: usize = 30;
    let schema = Schema::new().await;
    let (a, b) = (node(&schema.url()).await, node(&schema.url()).await);
    common::create_department(&a.admin, 1, "市公安局").await;
    common::create_department(&b.admin, 2, "市民政局").await;
    let mut calls = Vec::new();
    for clients in [a.admin.clone(), b.admin.clone()] {
        for _ in 0..CALLS {
            let mut catalog = clients.catalog.clone();
            calls.push(tokio::spawn(async move {
                catalog
                    .list_entries(proto::ListEntriesRequest::default())
                    .await
                    .unwrap();
            }));
        }
    }
    for call in calls {
        call.await.unwrap();
    }
    // Whichever server is asked sees the calls of both, in one gap-free sequence.
    let records = all_records(&b.admin).await;
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    let newest = seqs[0];
    assert_eq!(seqs, (1..=newest).rev().collect::<Vec<_>>());
    let count = |method: &str| records.iter().filter(|r| r.method == method).count();
    assert_eq!(count(LIST_ENTRIES), 2 * CALLS);
    assert_eq!(count(CREATE_DEPARTMENT), 2);
    for pair in records.windows(2) {
        assert_ne!(pair[0].hash, pair[1].hash);
    }
    let verified = (a.admin.audit.clone())
        .verify_access_log(VerifyAccessLogRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(verified.ok, "{verified:?}");
    assert!(verified.records_checked > newest, "{verified:?}");
    let ready = common::http_get(a.metrics_addr, "/readyz").await;
    assert_eq!(ready.status, 200);
    let metrics = common::http_get(b.metrics_addr, "/metrics").await.body;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("govshare_audit_log_size_bytes ") && !l.ends_with(" 0")),
        "{metrics}"
    );
    a.running.shutdown().await.unwrap();
    b.running.shutdown().await.unwrap();
}
