//! Appending: concurrent appenders get distinct, consecutive seqs whose hashes chain; the
//! lock keeps a second writer out; a closed log refuses appends; records are bounded.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use govshare_audit::{
    AccessLog, AuditError, DETAIL_LIMIT, GENESIS, LogOptions, Query, chain_hash, verify_dir,
};

use crate::common::{fill, open, record};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_get_consecutive_chained_seqs() {
    let dir = tempfile::tempdir().unwrap();
    let groups = Arc::new(AtomicU64::new(0));
    let committed = Arc::new(AtomicU64::new(0));
    let (g, c) = (groups.clone(), committed.clone());
    let options = LogOptions {
        sync: true,
        segment_bytes: 64 * 1024,
        on_commit: Some(Arc::new(move |stats| {
            g.fetch_add(1, Ordering::Relaxed);
            c.fetch_add(stats.records as u64, Ordering::Relaxed);
            assert!(stats.bytes > 0 && stats.seconds >= 0.0);
        })),
    };
    let log = AccessLog::open(dir.path(), options).unwrap();
    let (tasks, per_task) = (32u64, 100u64);
    let mut set = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let log = log.clone();
        set.spawn(async move {
            let mut acks = Vec::new();
            for i in 0..per_task {
                let n = t * per_task + i;
                acks.push((log.append(record(n)).await.unwrap(), n));
            }
            acks
        });
    }
    let mut by_seq = BTreeMap::new();
    while let Some(acks) = set.join_next().await {
        for (ack, n) in acks.unwrap() {
            assert!(
                by_seq.insert(ack.seq, (ack.hash, n)).is_none(),
                "seq {} twice",
                ack.seq
            );
        }
    }
    let total = tasks * per_task;
    assert_eq!(
        by_seq.keys().copied().collect::<Vec<_>>(),
        (1..=total).collect::<Vec<_>>()
    );

    // Each acknowledged hash chains from the previous over the record that got the seq.
    let mut prev = GENESIS;
    for (&seq, &(hash, n)) in &by_seq {
        let canonical = record(n).into_record(seq).canonical_bytes();
        assert_eq!(chain_hash(&prev, &canonical), hash, "seq {seq}");
        prev = hash;
    }
    let head = log.head();
    assert_eq!((head.seq, head.hash), (total, prev));
    assert_eq!(committed.load(Ordering::Relaxed), total);
    assert!(
        groups.load(Ordering::Relaxed) < total,
        "appends were grouped"
    );

    let live = log.verify(None, None).unwrap();
    assert!(live.ok, "{live:?}");
    assert_eq!(
        (live.records_checked, live.head_seq, live.head_hash),
        (total, total, prev)
    );
    log.close();
    let offline = verify_dir(dir.path(), None, None).unwrap();
    assert_eq!(offline, live);
    assert!(common::segments(dir.path()).len() > 3);
}

#[test]
fn a_second_writer_is_locked_out_until_close() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 1 << 20);
    let second = AccessLog::open(dir.path(), LogOptions::default());
    assert!(
        matches!(second, Err(AuditError::Locked { .. })),
        "{second:?}"
    );
    log.close();
    let again = open(dir.path(), 1 << 20);
    drop(again);
    // Dropping the last handle releases the lock too.
    open(dir.path(), 1 << 20);
}

#[test]
fn a_closed_log_refuses_appends_but_answers_queries() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 1 << 20);
    fill(&log, 0, 10);
    let clone = log.clone();
    assert!(log.check_open().is_ok());
    log.close();
    assert!(matches!(clone.check_open(), Err(AuditError::Closed { .. })));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let refused = runtime.block_on(clone.append(record(10)));
    assert!(
        matches!(refused, Err(AuditError::Closed { .. })),
        "{refused:?}"
    );
    clone.append_detached(record(11));
    assert_eq!(clone.head().seq, 10);
    assert_eq!(clone.query(&Query::default()).unwrap().records.len(), 10);
    assert!(clone.verify(None, None).unwrap().ok);
}

#[test]
fn close_commits_what_was_queued() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 4096);
    for i in 0..5000 {
        log.append_detached(record(i));
    }
    log.close();
    assert_eq!(log.head().seq, 5000);
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(v.ok && v.records_checked == 5000, "{v:?}");
}

#[test]
fn records_are_bounded_on_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 1 << 20);
    let mut long = record(0);
    long.detail = "详".repeat(3000);
    long.target = "t".repeat(10_000);
    log.append_detached(long.clone());
    fill(&log, 1, 1);
    let page = log.query(&Query::default()).unwrap();
    let got = &page.records[1].record;
    assert_eq!(got, &long.into_record(1));
    assert!(got.detail.len() <= DETAIL_LIMIT && got.detail.len() > DETAIL_LIMIT - 3);
    assert_eq!(got.target.len(), 512);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_that_cannot_be_undone_fails_its_group_and_stops_the_log_for_good() {
    // Writes to /dev/full fail with "no space left on device", and it cannot be truncated
    // back: the log cannot know what its segment holds, so it stops. (A failed write that is
    // undone leaves the log open: tests/it/audit/disk_full.rs of the server.)
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(full, dir.path().join("00000000000000000001.seg")).unwrap();
    let log = open(dir.path(), 1 << 20);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..20 {
        let log = log.clone();
        set.spawn(async move { log.append(record(i)).await });
    }
    let mut io = 0;
    while let Some(result) = set.join_next().await {
        match result.unwrap() {
            Err(AuditError::Io { source, .. }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
                io += 1;
            }
            Err(AuditError::Closed { reason }) => assert!(reason.contains("write error")),
            other => panic!("{other:?}"),
        }
    }
    assert!(io >= 1);
    let after = log.append(record(99)).await;
    assert!(
        matches!(&after, Err(AuditError::Closed { reason }) if reason.contains("write error")),
        "{after:?}"
    );
    assert!(matches!(log.check_open(), Err(AuditError::Closed { .. })));
    assert!(matches!(log.check_alive(), Err(AuditError::Closed { .. })));
    assert_eq!(log.head().seq, 0);
    assert!(log.query(&Query::default()).unwrap().records.is_empty());
}
