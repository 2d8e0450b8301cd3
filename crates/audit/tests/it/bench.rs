//! Measurements, ignored by default; run in release:
//!
//! ```text
//! cargo test -p govshare-audit --release --test it bench:: -- --ignored --nocapture --test-threads 1
//! ```
//!
//! `AUDIT_BENCH_RECORDS` sets the records verified (default 2,000,000); with
//! `AUDIT_BENCH_DIR` the log is written there once and reused by later runs.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Instant;

use govshare_audit::{AccessLog, LogOptions, verify_dir};

use crate::common::{fill, record};

#[test]
#[ignore]
fn verify_rate() {
    let n: u64 = std::env::var("AUDIT_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("AUDIT_BENCH_DIR").map_or(temp.path().to_owned(), PathBuf::from);
    let options = LogOptions {
        sync: false,
        ..LogOptions::default()
    };
    let log = AccessLog::open(&dir, options).unwrap();
    let have = log.head().seq;
    let started = Instant::now();
    for chunk in have / 100_000..n.div_ceil(100_000) {
        let from = chunk * 100_000;
        fill(&log, from, 100_000.min(n - from));
    }
    let append = started.elapsed().as_secs_f64();
    let size = log.head().size_bytes;
    log.close();
    if have < n {
        println!(
            "appended {} records without sync in {append:.2} s: {:.0} records/s",
            n - have,
            (n - have) as f64 / append
        );
    }
    println!("{n} records, {:.0} MB", size as f64 / 1e6);

    for round in 0..3 {
        let started = Instant::now();
        let v = verify_dir(&dir, None, None).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        assert!(v.ok && v.records_checked == n, "{v:?}");
        println!(
            "verify {round}: {n} records in {seconds:.2} s: {:.0} records/s, {:.0} MB/s",
            n as f64 / seconds,
            size as f64 / 1e6 / seconds
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn append_rate_with_sync_and_64_appenders() {
    let dir = tempfile::tempdir().unwrap();
    let log = AccessLog::open(dir.path(), LogOptions::default()).unwrap();
    let per_task = 3_000u64;
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for t in 0..64u64 {
        let log = log.clone();
        set.spawn(async move {
            for i in 0..per_task {
                log.append(record(t * per_task + i)).await.unwrap();
            }
        });
    }
    while let Some(done) = set.join_next().await {
        done.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let n = 64 * per_task;
    assert_eq!(log.head().seq, n);
    println!(
        "{n} appends with sync by 64 appenders in {seconds:.2} s: {:.0} appends/s",
        n as f64 / seconds
    );
    assert!(log.verify(None, None).unwrap().ok);
}

#[test]
#[ignore]
fn writer_rate_without_sync() {
    let dir = tempfile::tempdir().unwrap();
    let options = LogOptions {
        sync: false,
        ..LogOptions::default()
    };
    let log = AccessLog::open(dir.path(), options).unwrap();
    let n = 1_000_000u64;
    let records: Vec<_> = (0..n).map(record).collect();
    let started = Instant::now();
    for r in records {
        log.append_detached(r);
    }
    log.close();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(log.head().seq, n);
    println!(
        "{n} detached appends without sync, records made beforehand, in {seconds:.2} s: {:.0} appends/s",
        n as f64 / seconds
    );
}
