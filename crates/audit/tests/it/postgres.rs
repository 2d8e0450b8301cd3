//! The access log in PostgreSQL, against a real database: records read back as appended,
//! several logs appending at once form one chain, tampering is found at the right record,
//! queries answer as the file log does, and appends are durable when they return.
//!
//! The database comes from `GOVSHARE_TEST_POSTGRES_URL` (`scripts/test` sets it). Each test
//! works in a schema of its own, dropped at its end.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use govshare_audit::{
    AccessLog, AccessRecord, AuditError, CommitHook, CommitStats, NewRecord, PgAccessLog, Query,
    QueryPage, chain_hash,
};
use tokio_postgres::NoTls;

use crate::common::{DEPARTMENTS, record, stored};

/// A schema of its own for one test, dropped when the test ends (even by a panic).
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
        let name = format!("audit_test_{:016x}", random.finish());
        let client = connect(&base).await;
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .unwrap();
        Schema { name, base }
    }

    /// The database URL with this schema as the search path.
    fn url(&self) -> String {
        let joiner = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{joiner}options=-csearch_path%3D{}", self.base, self.name)
    }

    async fn log(&self) -> PgAccessLog {
        PgAccessLog::connect(&self.url(), 4, None).await.unwrap()
    }

    /// A plain connection in this schema, to look at or damage the tables.
    async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url()).await
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // Its own runtime: the test's may be gone or panicking.
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

/// Appends records `from..from + n` in order and waits for the last; returns its seq.
async fn fill(log: &PgAccessLog, from: u64, n: u64) -> u64 {
    for i in from..from + n - 1 {
        log.append_detached(record(i));
    }
    log.append(record(from + n - 1)).await.unwrap().seq
}

/// The same for a file log.
async fn fill_files(log: &AccessLog, from: u64, n: u64) {
    for i in from..from + n - 1 {
        log.append_detached(record(i));
    }
    log.append(record(from + n - 1)).await.unwrap();
}

/// Every page of `q`, following the continuation.
async fn all_pages(log: &PgAccessLog, q: &Query) -> Vec<QueryPage> {
    let mut q = q.clone();
    let mut pages = Vec::new();
    loop {
        let page = log.query(&q).await.unwrap();
        let next = page.next_before_seq;
        pages.push(page);
        match next {
            Some(next) => q.before_seq = Some(next),
            None => return pages,
        }
    }
}

fn time(i: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_750_000_000_000_000 + i * 1_000).unwrap()
}

#[tokio::test]
async fn records_read_back_as_appended() {
    let schema = Schema::new().await;
    let log = schema.log().await;
    let empty = log.verify(None, None).await.unwrap();
    assert!(empty.ok && empty.records_checked == 0 && empty.head_hash == govshare_audit::GENESIS);
    assert_eq!(log.head().await.unwrap().seq, 0);
    assert_eq!(
        log.query(&Query::default()).await.unwrap(),
        QueryPage::default()
    );
    let mut records: Vec<NewRecord> = (0..40).map(record).collect();
    records[3].detail = "审批通过：".repeat(500);
    records[4].target = "a\0b 含 NUL".into();
    records[5].time = DateTime::from_timestamp_micros(i64::MIN / 2).unwrap();
    let mut prev = govshare_audit::GENESIS;
    for (i, r) in records.iter().enumerate() {
        let appended = log.append(r.clone()).await.unwrap();
        let seq = i as u64 + 1;
        assert_eq!(appended.seq, seq);
        let canonical = r.clone().into_record(seq).canonical_bytes();
        assert_eq!(appended.hash, chain_hash(&prev, &canonical));
        prev = appended.hash;
    }
    let page = log
        .query(&Query {
            limit: 1000,
            ..Query::default()
        })
        .await
        .unwrap();
    let want: Vec<AccessRecord> = (records.iter().enumerate().rev())
        .map(|(i, r)| r.clone().into_record(i as u64 + 1))
        .collect();
    let got: Vec<AccessRecord> = page.records.iter().map(|r| r.record.clone()).collect();
    assert_eq!(got, want);
    assert_eq!(page.next_before_seq, None);
    assert_eq!(page.records[0].hash, prev);
    let head = log.head().await.unwrap();
    assert_eq!((head.seq, head.hash), (40, prev));
    assert!(head.size_bytes > 0);
    let by_target = log
        .query(&Query {
            target: Some("a\0b 含 NUL".into()),
            ..Query::default()
        })
        .await
        .unwrap();
    assert_eq!(by_target.records.len(), 1);
    assert_eq!(by_target.records[0].record.seq, 5);
    assert!(log.verify(None, None).await.unwrap().ok);
    log.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_logs_appending_at_once_form_one_chain() {
    const EACH: u64 = 400;
    let schema = Schema::new().await;
    let (a, b) = (schema.log().await, schema.log().await);
    let mut tasks = Vec::new();
    for (k, log) in [a.clone(), b.clone()].into_iter().enumerate() {
        for part in 0..4u64 {
            let log = log.clone();
            tasks.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..EACH / 4 {
                    let n = k as u64 * 100_000 + part * 1000 + i;
                    if i % 5 == 4 {
                        log.append_detached(record(n));
                    } else {
                        seqs.push(log.append(record(n)).await.unwrap().seq);
                    }
                }
                seqs
            }));
        }
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    a.close().await;
    b.close().await;
    acknowledged.sort_unstable();
    acknowledged.dedup();
    assert_eq!(acknowledged.len() as u64, 2 * EACH * 4 / 5);
    let v = a.verify(None, None).await.unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.records_checked, 2 * EACH);
    assert_eq!(v.head_seq, 2 * EACH);
    let head = b.head().await.unwrap();
    assert_eq!((head.seq, head.hash), (v.head_seq, v.head_hash));
    // Every record is there once: the seqs are 1..=2·EACH without a gap.
    let pages = all_pages(
        &b,
        &Query {
            limit: 1000,
            ..Query::default()
        },
    )
    .await;
    let seqs: Vec<u64> = (pages.iter().flat_map(|p| &p.records))
        .map(|r| r.record.seq)
        .collect();
    assert_eq!(seqs, (1..=2 * EACH).rev().collect::<Vec<_>>());
    let mut ids: Vec<String> = (pages.iter().flat_map(|p| &p.records))
        .map(|r| r.record.request_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as u64, 2 * EACH);
}

/// A log of 100 records in a fresh schema.
async fn hundred() -> (Schema, PgAccessLog) {
    let schema = Schema::new().await;
    let log = schema.log().await;
    assert_eq!(fill(&log, 0, 100).await, 100);
    assert!(log.verify(None, None).await.unwrap().ok);
    (schema, log)
}

/// Verifies and returns the first bad seq and the problem.
async fn failure(log: &PgAccessLog) -> (u64, String) {
    let v = log.verify(None, None).await.unwrap();
    assert!(!v.ok, "the damage was not found");
    let bad = v.first_bad_seq.unwrap();
    assert_eq!(v.head_seq, bad - 1, "{v:?}");
    assert_eq!(v.records_checked, bad - 1, "{v:?}");
    (bad, v.problem.unwrap())
}

#[tokio::test]
async fn a_changed_record_is_found_at_its_seq() {
    let (schema, log) = hundred().await;
    let db = schema.client().await;
    // One byte of the record's bytes (its outcome).
    db.batch_execute(
        "UPDATE access_log_records
         SET canonical = set_byte(canonical, 17, get_byte(canonical, 17) # 1) WHERE seq = 40",
    )
    .await
    .unwrap();
    let (bad, problem) = failure(&log).await;
    assert_eq!(bad, 40, "{problem}");
    assert!(problem.contains("hash does not match"), "{problem}");
}

#[tokio::test]
async fn a_changed_hash_or_column_is_found_at_its_seq() {
    let (schema, log) = hundred().await;
    let db = schema.client().await;
    db.batch_execute(
        "UPDATE access_log_records SET target = 'someone else' WHERE seq = 71;
         UPDATE access_log_records SET hash = set_byte(hash, 0, get_byte(hash, 0) # 1)
         WHERE seq = 85",
    )
    .await
    .unwrap();
    let (bad, problem) = failure(&log).await;
    assert_eq!(bad, 71, "{problem}");
    assert!(problem.contains("target column"), "{problem}");
    db.batch_execute("UPDATE access_log_records SET target = '101000/000070' WHERE seq = 71")
        .await
        .unwrap();
    let (bad, problem) = failure(&log).await;
    assert_eq!(bad, 85, "{problem}");
}

#[tokio::test]
async fn a_deleted_record_is_found_at_its_seq() {
    let (schema, log) = hundred().await;
    let db = schema.client().await;
    db.batch_execute("DELETE FROM access_log_records WHERE seq = 30")
        .await
        .unwrap();
    let (bad, problem) = failure(&log).await;
    assert_eq!(bad, 30, "{problem}");
    assert!(problem.contains("missing"), "{problem}");
}

#[tokio::test]
async fn records_cut_off_the_end_are_found() {
    let (schema, log) = hundred().await;
    let db = schema.client().await;
    db.batch_execute("DELETE FROM access_log_records WHERE seq > 97")
        .await
        .unwrap();
    let (bad, problem) = failure(&log).await;
    assert_eq!(bad, 98, "{problem}");
    assert!(problem.contains("head"), "{problem}");
}

#[tokio::test]
async fn swapped_records_are_found_at_the_first() {
    let (schema, log) = hundred().await;
    let db = schema.client().await;
    // Renumber 20 and 21 into each other's places, moving every column.
    db.batch_execute(
        "UPDATE access_log_records SET seq = seq + 1000000 WHERE seq IN (20, 21);
         UPDATE access_log_records SET seq = 1000041 - seq WHERE seq IN (1000020, 1000021);",
    )
    .await
    .unwrap();
    let (bad, problem) = failure(&log).await;
    assert_eq!(bad, 20, "{problem}");
    assert!(problem.contains("out of order"), "{problem}");
}

#[tokio::test]
async fn verifying_a_range_takes_its_predecessor_as_given() {
    let (schema, log) = hundred().await;
    let v = log.verify(Some(50), Some(60)).await.unwrap();
    assert!(v.ok);
    assert_eq!((v.records_checked, v.head_seq), (11, 60));
    let db = schema.client().await;
    db.batch_execute("UPDATE access_log_records SET hash = '\\x00' WHERE seq = 49")
        .await
        .unwrap();
    let v = log.verify(Some(51), None).await.unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.records_checked, 50);
    let v = log.verify(Some(50), None).await.unwrap();
    assert_eq!(v.first_bad_seq, Some(49), "{v:?}");
    assert!(matches!(
        log.verify(Some(102), None).await,
        Err(AuditError::Range(_))
    ));
    assert!(matches!(
        log.verify(Some(9), Some(8)).await,
        Err(AuditError::Range(_))
    ));
}

#[tokio::test]
async fn queries_answer_as_the_file_log_does() {
    const N: u64 = 700;
    let schema = Schema::new().await;
    let log = schema.log().await;
    fill(&log, 0, N).await;
    let dir = tempfile::tempdir().unwrap();
    let files = common::open(dir.path(), 32 * 1024);
    fill_files(&files, 0, N).await;
    let dept = DEPARTMENTS[2].to_owned();
    let filters = [
        Query::default(),
        Query {
            department_code: Some(dept.clone()),
            ..Query::default()
        },
        Query {
            department_code: Some(String::new()),
            ..Query::default()
        },
        Query {
            method: Some("/govshare.v1.ExchangeService/Download".into()),
            ..Query::default()
        },
        Query {
            method: Some("ListEntries".into()),
            ..Query::default()
        },
        Query {
            method: Some("CatalogService/ListEntries".into()),
            ..Query::default()
        },
        Query {
            target: Some("101003/000045".into()),
            ..Query::default()
        },
        Query {
            outcome: Some(7),
            ..Query::default()
        },
        Query {
            owner_code: Some(dept.clone()),
            ..Query::default()
        },
        Query {
            start: Some(time(100)),
            end: Some(time(250)),
            ..Query::default()
        },
        Query {
            scope: Some(dept.clone()),
            outcome: Some(0),
            method: Some("GetEntry".into()),
            ..Query::default()
        },
    ];
    for filter in filters {
        for (limit, scan_limit) in [(1000, 100_000), (7, 100_000), (10, 50), (1, 1), (256, 700)] {
            let q = Query {
                limit,
                scan_limit,
                ..filter.clone()
            };
            let mut want_q = q.clone();
            let mut want = Vec::new();
            loop {
                let page = files.query(&want_q).unwrap();
                let next = page.next_before_seq;
                want.push(page);
                match next {
                    Some(next) => want_q.before_seq = Some(next),
                    None => break,
                }
            }
            assert_eq!(all_pages(&log, &q).await, want, "{q:?}");
        }
    }
    for before in [1, 2, 301, N, N + 1, N + 100] {
        let q = Query {
            before_seq: Some(before),
            limit: 50,
            ..Query::default()
        };
        assert_eq!(log.query(&q).await.unwrap(), files.query(&q).unwrap());
    }
    // The same records make the same chain in either log.
    assert_eq!(log.head().await.unwrap().hash, files.head().hash);
}

#[tokio::test]
async fn an_append_is_durable_when_it_returns() {
    let schema = Schema::new().await;
    let log = schema.log().await;
    fill(&log, 0, 10).await;
    let appended = log.append(record(10)).await.unwrap();
    // A connection of its own, opened after the append returned.
    let db = schema.client().await;
    let row = db
        .query_one(
            "SELECT hash, canonical FROM access_log_records WHERE seq = $1",
            &[&(appended.seq as i64)],
        )
        .await
        .unwrap();
    let hash: Vec<u8> = row.get(0);
    let canonical: Vec<u8> = row.get(1);
    assert_eq!(hash, appended.hash);
    assert_eq!(canonical, stored(10, 11).canonical_bytes());
    let head = db
        .query_one("SELECT seq FROM access_log_head", &[])
        .await
        .unwrap();
    assert_eq!(head.get::<_, i64>(0), 11);
}

#[tokio::test]
async fn a_refused_group_leaves_no_gap() {
    let schema = Schema::new().await;
    let log = schema.log().await;
    fill(&log, 0, 10).await;
    let db = schema.client().await;
    db.batch_execute(
        "ALTER TABLE access_log_records ADD CONSTRAINT refuse_boom CHECK (target <> 'boom')",
    )
    .await
    .unwrap();
    let boom = NewRecord {
        target: "boom".into(),
        ..record(10)
    };
    let error = log.append(boom).await.unwrap_err();
    assert!(matches!(error, AuditError::Database { .. }), "{error}");
    assert!(error.to_string().contains("refuse_boom"), "{error}");
    // The log goes on from the same head.
    assert_eq!(log.append(record(11)).await.unwrap().seq, 11);
    log.check_open().await.unwrap();
    log.check_alive().unwrap();
    let v = log.verify(None, None).await.unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.records_checked, 11);
}

#[tokio::test]
async fn close_commits_detached_records_then_refuses_appends() {
    let schema = Schema::new().await;
    let log = schema.log().await;
    for i in 0..500 {
        log.append_detached(record(i));
    }
    log.close().await;
    let db = schema.client().await;
    let count: i64 = db
        .query_one("SELECT count(*) FROM access_log_records", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 500);
    assert!(matches!(
        log.append(record(500)).await,
        Err(AuditError::Closed { .. })
    ));
    assert!(log.check_open().await.is_err());
    // Reading goes on.
    assert!(log.verify(None, None).await.unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_queued_together_share_one_transaction() {
    const N: usize = 3000;
    let schema = Schema::new().await;
    let groups = Arc::new(Mutex::new(Vec::<CommitStats>::new()));
    let seen = groups.clone();
    let hook: CommitHook = Arc::new(move |stats| seen.lock().unwrap().push(stats));
    let log = PgAccessLog::connect(&schema.url(), 2, Some(hook))
        .await
        .unwrap();
    log.check_open().await.unwrap();
    let started = std::time::Instant::now();
    for i in 0..N {
        log.append_detached(record(i as u64));
    }
    // And callers waiting for their own record, many at once.
    let waiting: Vec<_> = (0..50u64)
        .map(|t| {
            let log = log.clone();
            tokio::spawn(async move {
                for i in 0..20 {
                    log.append(record(10_000 + t * 100 + i)).await.unwrap();
                }
            })
        })
        .collect();
    for task in waiting {
        task.await.unwrap();
    }
    log.close().await;
    let elapsed = started.elapsed();
    let groups = groups.lock().unwrap();
    let records: usize = groups.iter().map(|g| g.records).sum();
    assert_eq!(records, N + 1000);
    // Each group is one transaction of four round trips, whatever its size.
    assert!(
        groups.len() * 10 <= records,
        "{} transactions for {records} records",
        groups.len()
    );
    eprintln!(
        "{records} records in {} transactions, {:.0} records/s",
        groups.len(),
        records as f64 / elapsed.as_secs_f64()
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_showing_it() {
    let schema = Schema::new().await;
    let url = schema.url();
    let wrong = match url
        .split_once("://")
        .and_then(|(s, r)| Some((s, r.split_once('@')?)))
    {
        Some((scheme, (userinfo, rest))) => {
            let user = userinfo.split(':').next().unwrap();
            format!("{scheme}://{user}:not-the-Secret-42@{rest}")
        }
        None => return,
    };
    let error = PgAccessLog::connect(&wrong, 1, None).await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, AuditError::Database { .. }), "{text}");
    assert!(!text.contains("not-the-Secret-42"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_starting_together_create_the_tables_once() {
    let schema = Schema::new().await;
    let url = schema.url();
    let started = AtomicUsize::new(0);
    let logs = connect_four(&url, &started).await;
    assert_eq!(started.load(Ordering::Relaxed), 4);
    let db = schema.client().await;
    let versions: i64 = db
        .query_one("SELECT count(*) FROM access_log_schema_version", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(versions, 1);
    for log in logs {
        log.append(record(1)).await.unwrap();
    }
    assert_eq!(
        db.query_one("SELECT seq FROM access_log_head", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        4
    );
}

/// Four logs connecting at once.
async fn connect_four(url: &str, started: &AtomicUsize) -> Vec<PgAccessLog> {
    let connect = || async {
        let log = PgAccessLog::connect(url, 1, None).await.unwrap();
        started.fetch_add(1, Ordering::Relaxed);
        log
    };
    let (a, b, c, d) = tokio::join!(connect(), connect(), connect(), connect());
    vec![a, b, c, d]
}
