//! Crash safety under load. Writers register and update entries, consumers ask for data and
//! fetch it, and the provider publishes snapshots, all at once, while the server binary is
//! killed with SIGKILL at a random moment; several times over, on one data directory. After
//! every kill: the access-log chain verifies and holds the record of every acknowledged call,
//! every stored blob is complete (its content hashes to its name), the restarted server opens
//! the store cleanly, swept of unfinished uploads, and every acknowledged write is there.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::data::upload;
use crate::common::{
    Clients, Killed, clients_at, create_department, create_request, get_request, issue_token,
    metadata_shared_as, register_entry, request_for, sample_metadata, spawn_server,
};
use govshare_server::proto::{
    self, FetchDataRequest, GetEntryRequest, ListSnapshotsRequest, RequestState, Role, ShareType,
    UpdateEntryRequest, fetch_data_response,
};
use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use tokio::task::JoinSet;

const ROUNDS: usize = 4;

/// The people of this test: the administrator, A's cataloguer (provider), B's consumer.
#[derive(Clone)]
struct Tokens {
    admin: String,
    cataloguer: String,
    consumer: String,
    /// A published 无条件共享 entry of A.
    entry: String,
}

/// What the server acknowledged.
#[derive(Debug, Default)]
struct Acknowledged {
    /// Entry code, version and digest of every registration and update.
    versions: Vec<(String, u64, String)>,
    /// Ids of sharing requests (granted at once).
    requests: Vec<String>,
    /// Snapshot id and the sha256 of its data.
    snapshots: Vec<(String, String)>,
    /// Fetches that completed and checked out.
    fetches: usize,
    /// The request id (`x-request-id`) of every acknowledged write: its access record was
    /// durable before the reply.
    calls: Vec<String>,
}

type Shared = Arc<Mutex<Acknowledged>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_work_survives_repeated_kills_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_server(dir.path());
    let mut child = Killed(child);
    let tokens = set_up(dir.path(), &addr).await;
    let acked: Shared = Arc::default();
    let mut addr = addr;

    for round in 0..ROUNDS {
        let mut load = JoinSet::new();
        start_load(&mut load, &addr, &tokens, &acked, round).await;
        // Some of everything is acknowledged, then the kill comes at a random moment.
        wait_for_progress(&acked).await;
        let delay = rand::rng().random_range(0..800);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        load.abort_all();
        while load.join_next().await.is_some() {}

        check_offline(dir.path(), &acked);
        let (restarted, new_addr) = spawn_server(dir.path());
        child = Killed(restarted);
        addr = new_addr;
        check_acknowledged(&addr, &tokens, &acked, dir.path()).await;
    }
    let acked = acked.lock().unwrap();
    eprintln!(
        "{ROUNDS} kills: {} versions, {} requests, {} snapshots, {} fetches acknowledged",
        acked.versions.len(),
        acked.requests.len(),
        acked.snapshots.len(),
        acked.fetches
    );
}

/// Departments A and B, the tokens, and A's published entry.
async fn set_up(dir: &Path, addr: &str) -> Tokens {
    let admin_token = std::fs::read_to_string(dir.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let admin = clients_at(addr, &admin_token).await;
    let a = create_department(&admin, 1, "市公安局").await;
    let b = create_department(&admin, 2, "市人社局").await;
    let cataloguer = issue_token(&admin, &a, &[Role::Cataloguer]).await;
    let consumer = issue_token(&admin, &b, &[Role::Consumer]).await;
    let provider = clients_at(addr, &cataloguer).await;
    let entry = register_entry(&provider, metadata_shared_as(&a, ShareType::Unconditional)).await;
    provider
        .catalog
        .clone()
        .submit_entry(proto::SubmitEntryRequest {
            code: entry.code.clone(),
            expected_version: entry.head_version,
        })
        .await
        .unwrap();
    admin
        .catalog
        .clone()
        .review_entry(proto::ReviewEntryRequest {
            code: entry.code.clone(),
            version: entry.head_version,
            approve: true,
            comment: String::new(),
        })
        .await
        .unwrap();
    Tokens {
        admin: admin_token,
        cataloguer,
        consumer,
        entry: entry.code,
    }
}

/// Writers, requesters, a publisher and fetchers, each until its first failed call.
async fn start_load(
    load: &mut JoinSet<()>,
    addr: &str,
    tokens: &Tokens,
    acked: &Shared,
    round: usize,
) {
    let provider = clients_at(addr, &tokens.cataloguer).await;
    let consumer = clients_at(addr, &tokens.consumer).await;
    for worker in 0..8 {
        load.spawn(write(provider.clone(), acked.clone(), round, worker));
    }
    for _ in 0..2 {
        load.spawn(ask(consumer.clone(), tokens.entry.clone(), acked.clone()));
        load.spawn(fetch(consumer.clone(), tokens.entry.clone(), acked.clone()));
    }
    load.spawn(publish(
        provider,
        tokens.entry.clone(),
        acked.clone(),
        round,
    ));
}

/// Registers entries and updates each once.
async fn write(clients: Clients, acked: Shared, round: usize, worker: usize) {
    for n in 0.. {
        let mut metadata = sample_metadata("");
        metadata.name = format!("人口基础信息 {round}-{worker}-{n}");
        let Ok(entry) = clients
            .catalog
            .clone()
            .register_entry(proto::RegisterEntryRequest {
                metadata: Some(metadata.clone()),
                note: String::new(),
                validate_only: false,
            })
            .await
        else {
            return;
        };
        let call = common::request_id_in(entry.metadata());
        let entry = entry.into_inner();
        let version = entry.version.unwrap();
        {
            let mut a = acked.lock().unwrap();
            a.push_version(&entry.code, version.version, version.digest);
            a.calls.push(call);
        }
        metadata.summary = format!("第 {n} 次修订");
        let Ok(updated) = clients
            .catalog
            .clone()
            .update_entry(UpdateEntryRequest {
                code: entry.code.clone(),
                expected_version: version.version,
                metadata: Some(metadata),
                note: "修订".into(),
            })
            .await
        else {
            return;
        };
        let call = common::request_id_in(updated.metadata());
        let version = updated.into_inner().version.unwrap();
        {
            let mut a = acked.lock().unwrap();
            a.push_version(&entry.code, version.version, version.digest);
            a.calls.push(call);
        }
    }
}

/// Asks for every item of the entry; 无条件共享 is granted at once.
async fn ask(clients: Clients, entry: String, acked: Shared) {
    loop {
        let Ok(request) = create_request(&clients, request_for(&entry, &[])).await else {
            return;
        };
        assert_eq!(request.state, RequestState::Approved as i32);
        acked.lock().unwrap().requests.push(request.id);
    }
}

/// Publishes CSV snapshots of a few hundred rows, each different.
async fn publish(clients: Clients, entry: String, acked: Shared, round: usize) {
    for n in 0.. {
        let rows = 200 + (n % 7) * 150;
        let mut csv = String::from("姓名,公民身份号码,出生日期\n");
        for i in 0..rows {
            csv.push_str(&format!(
                "用户{round}-{n}-{i},110101199003071234,1990-03-07\n"
            ));
        }
        let messages = upload(&entry, "text/csv", csv.as_bytes(), 4096);
        let Ok(snapshot) = clients
            .exchange
            .clone()
            .publish_data(tokio_stream::iter(messages))
            .await
        else {
            return;
        };
        let snapshot = snapshot.into_inner();
        assert_eq!(snapshot.sha256, hex::encode(Sha256::digest(csv.as_bytes())));
        acked
            .lock()
            .unwrap()
            .snapshots
            .push((snapshot.id, snapshot.sha256));
    }
}

/// Fetches the latest snapshot (once there is one) and checks what arrived.
async fn fetch(clients: Clients, entry: String, acked: Shared) {
    loop {
        if acked.lock().unwrap().snapshots.is_empty() || acked.lock().unwrap().requests.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        match fetched(&clients, &entry, "").await {
            Some(_) => acked.lock().unwrap().fetches += 1,
            None => return,
        }
    }
}

/// FetchData of `snapshot_id` (empty: the latest): the data and its rows, once the trailer's
/// sha256 and row count match what arrived; `None` if the call failed.
async fn fetched(clients: &Clients, entry: &str, snapshot_id: &str) -> Option<(Vec<u8>, u64)> {
    let mut stream = clients
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: entry.into(),
            snapshot_id: snapshot_id.into(),
        })
        .await
        .ok()?
        .into_inner();
    let mut data = Vec::new();
    let mut trailer = None;
    while let Some(message) = stream.message().await.ok()? {
        match message.part.unwrap() {
            fetch_data_response::Part::Header(_) => {}
            fetch_data_response::Part::Chunk(c) => data.extend_from_slice(&c),
            fetch_data_response::Part::Trailer(t) => trailer = Some(t),
        }
    }
    let trailer = trailer?;
    assert_eq!(trailer.sha256, hex::encode(Sha256::digest(&data)));
    let lines = data.iter().filter(|b| **b == b'\n').count() as u64;
    assert_eq!(trailer.rows + 1, lines, "rows and a header line");
    Some((data, trailer.rows))
}

/// Every snapshot of `entry`, page by page.
async fn all_snapshots(clients: &Clients, entry: &str) -> Vec<proto::DataSnapshot> {
    let mut request = ListSnapshotsRequest {
        entry_code: entry.into(),
        page_size: 500,
        page_token: String::new(),
    };
    let mut all = Vec::new();
    loop {
        let page = clients
            .exchange
            .clone()
            .list_snapshots(request.clone())
            .await
            .unwrap()
            .into_inner();
        all.extend(page.snapshots);
        if page.next_page_token.is_empty() {
            return all;
        }
        request.page_token = page.next_page_token;
    }
}

impl Acknowledged {
    fn push_version(&mut self, code: &str, version: u64, digest: String) {
        self.versions.push((code.to_owned(), version, digest));
    }
}

/// Waits until at least one of each kind of write has been acknowledged since the last kill
/// (at most 60 s).
async fn wait_for_progress(acked: &Shared) {
    let before = {
        let a = acked.lock().unwrap();
        (a.versions.len(), a.requests.len(), a.snapshots.len())
    };
    for _ in 0..600 {
        {
            let a = acked.lock().unwrap();
            if a.versions.len() > before.0
                && a.requests.len() > before.1
                && a.snapshots.len() > before.2
            {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the load made no progress within 60 s");
}

/// With the server down: the access-log chain verifies and holds the record of every
/// acknowledged write, and every stored blob is complete.
fn check_offline(dir: &Path, acked: &Shared) {
    let verified = govshare_audit::verify_dir(&dir.join("audit"), None, None).unwrap();
    assert!(verified.ok, "{verified:?}");
    let recorded = recorded_calls(&dir.join("audit"));
    let calls = acked.lock().unwrap().calls.clone();
    let missing: Vec<_> = calls.iter().filter(|c| !recorded.contains(*c)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged writes have no access record, e.g. {:?}",
        missing.len(),
        calls.len(),
        missing.first()
    );
    let shards = dir.join("blobs").join("sha256");
    for shard in std::fs::read_dir(&shards).unwrap() {
        for blob in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let path = blob.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let content = std::fs::read(&path).unwrap();
            assert_eq!(
                hex::encode(Sha256::digest(&content)),
                name,
                "a stored blob is partial or damaged"
            );
        }
    }
}

/// The request ids of every record in the access log of `dir` (the server being down).
fn recorded_calls(dir: &Path) -> std::collections::HashSet<String> {
    let log = govshare_audit::AccessLog::open(dir, govshare_audit::LogOptions::default()).unwrap();
    let mut ids = std::collections::HashSet::new();
    let mut before_seq = None;
    loop {
        let page = log
            .query(&govshare_audit::Query {
                before_seq,
                limit: 10_000,
                scan_limit: 10_000,
                ..Default::default()
            })
            .unwrap();
        ids.extend(page.records.into_iter().map(|r| r.record.request_id));
        match page.next_before_seq {
            Some(seq) => before_seq = Some(seq),
            None => break,
        }
    }
    log.close();
    ids
}

/// With the server back: unfinished uploads are swept, and every acknowledged write is there.
async fn check_acknowledged(addr: &str, tokens: &Tokens, acked: &Shared, dir: &Path) {
    // The killed server's temporary directory is gone; the restarted one has its own, empty.
    let tmp: Vec<_> = std::fs::read_dir(dir.join("blobs").join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(tmp.len() <= 1, "unfinished uploads left behind: {tmp:?}");
    let files = common::files_under(&dir.join("blobs").join("tmp"));
    assert!(
        files.is_empty(),
        "unfinished uploads left behind: {files:?}"
    );

    let (versions, requests, snapshots) = {
        let a = acked.lock().unwrap();
        (a.versions.clone(), a.requests.clone(), a.snapshots.clone())
    };
    let provider = clients_at(addr, &tokens.cataloguer).await;
    let consumer = clients_at(addr, &tokens.consumer).await;
    for (code, version, digest) in &versions {
        let entry = provider
            .catalog
            .clone()
            .get_entry(GetEntryRequest {
                code: code.clone(),
                version: *version,
            })
            .await
            .unwrap_or_else(|s| panic!("acknowledged {code} v{version} is gone: {s:?}"))
            .into_inner();
        assert_eq!(&entry.version.unwrap().digest, digest, "{code} v{version}");
    }
    for id in &requests {
        let request = get_request(&consumer, id)
            .await
            .unwrap_or_else(|s| panic!("acknowledged request {id} is gone: {s:?}"));
        assert_eq!(request.state, RequestState::Approved as i32);
        assert!(!request.grant_id.is_empty());
    }
    let listed = all_snapshots(&provider, &tokens.entry).await;
    for (id, sha256) in &snapshots {
        let snapshot = listed
            .iter()
            .find(|s| &s.id == id)
            .unwrap_or_else(|| panic!("acknowledged snapshot {id} is gone"));
        assert_eq!(&snapshot.sha256, sha256);
    }
    // The newest acknowledged snapshot still streams out whole.
    if let Some((id, _)) = snapshots.last() {
        let (_, rows) = fetched(&consumer, &tokens.entry, id)
            .await
            .expect("the newest acknowledged snapshot can be fetched");
        assert!(rows >= 200);
    }
    // The administrator's credential still works: the token table came back too.
    let admin = clients_at(addr, &tokens.admin).await;
    admin
        .admin
        .clone()
        .who_am_i(proto::WhoAmIRequest {})
        .await
        .unwrap();
}
