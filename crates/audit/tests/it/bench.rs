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

/// Durable appends from `AUDIT_BENCH_WAITERS` (default 64) callers at once, each waiting for
/// its record to be durable before the next, as calls do, for `AUDIT_BENCH_SECONDS` (default
/// 5): records per second, groups per second and the process's CPU time per record (the
/// writer's group commit and the callers' hand-offs; its fdatasyncs, mostly).
#[test]
#[ignore]
fn durable_append_cost() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let waiters = env("AUDIT_BENCH_WAITERS", 64);
    let seconds = env("AUDIT_BENCH_SECONDS", 5);
    let dir = tempfile::tempdir_in(".").unwrap();
    let groups = Arc::new(AtomicU64::new(0));
    let counted = groups.clone();
    let options = LogOptions {
        sync: true,
        on_commit: Some(Arc::new(move |_| {
            counted.fetch_add(1, Ordering::Relaxed);
        })),
        ..LogOptions::default()
    };
    let log = Arc::new(AccessLog::open(dir.path(), options).unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let appended = Arc::new(AtomicU64::new(0));
    let (cpu_before, groups_before, started) = (
        process_cpu(),
        groups.load(Ordering::Relaxed),
        Instant::now(),
    );
    runtime.block_on(async {
        let tasks: Vec<_> = (0..waiters)
            .map(|w| {
                let (log, stop, appended) = (log.clone(), stop.clone(), appended.clone());
                tokio::spawn(async move {
                    let mut i = w * 1_000_000_000;
                    while !stop.load(Ordering::Relaxed) {
                        log.append(record(i)).await.unwrap();
                        appended.fetch_add(1, Ordering::Relaxed);
                        i += 1;
                    }
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu() - cpu_before;
    let n = appended.load(Ordering::Relaxed) as f64;
    let g = (groups.load(Ordering::Relaxed) - groups_before) as f64;
    println!(
        "{waiters} waiters, {seconds} s: {:.0} records/s, {:.0} groups/s ({:.1} records a group), \
         {:.1} µs of CPU per record",
        n / elapsed,
        g / elapsed,
        n / g.max(1.0),
        cpu * 1e6 / n.max(1.0)
    );
    log.close();
}

/// CPU seconds (user + system) this process used so far.
fn process_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}
