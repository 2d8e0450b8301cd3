//! Reopening: what was acknowledged is there and the chain goes on across segments; the torn
//! tail a crash leaves, at the end of a growing file or in the zeros reserved ahead of the
//! writer, is reported by offline verification and truncated at open (with a warning unless
//! it is zeros alone); damage that is not a torn tail is left alone or stops the open, and so does a
//! log that ends before the last record acknowledged as durable.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use govshare_audit::{AccessLog, AuditError, GENESIS, LogOptions, Query, chain_hash, verify_dir};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::common::{fill, frame, open, segments, stored};

#[test]
fn appends_survive_reopen_and_continue_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 2048);
    let last = fill(&log, 0, 100);
    let head = log.head();
    assert_eq!((head.seq, head.hash), (100, last.hash));
    log.close();
    assert!(segments(dir.path()).len() >= 10);
    let size: u64 = segments(dir.path())
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .sum();
    assert_eq!(head.size_bytes, size);

    let log = open(dir.path(), 2048);
    assert_eq!(log.head(), head);
    let next = fill(&log, 100, 1);
    let canonical = stored(100, 101).canonical_bytes();
    assert_eq!(next.seq, 101);
    assert_eq!(next.hash, chain_hash(&head.hash, &canonical));
    fill(&log, 101, 49);
    // Older segments are indexed on first use after the reopen.
    let all = log
        .query(&Query {
            limit: 1000,
            ..Query::default()
        })
        .unwrap();
    let seqs: Vec<u64> = all.records.iter().map(|r| r.record.seq).collect();
    assert_eq!(seqs, (1..=150).rev().collect::<Vec<_>>());
    assert_eq!(all.records[149].record, stored(0, 1));
    log.close();

    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!((v.records_checked, v.head_seq), (150, 150));
}

#[test]
fn an_empty_log_opens_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(v.ok && v.records_checked == 0 && v.head_hash == GENESIS);
    let log = open(dir.path(), 2048);
    assert_eq!(log.head().seq, 0);
    assert_eq!(log.head().hash, GENESIS);
    assert!(log.query(&Query::default()).unwrap().records.is_empty());
    log.close();
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(v.ok && v.records_checked == 0 && v.head_seq == 0, "{v:?}");
    // Reopening the empty log again is fine.
    let log = open(dir.path(), 2048);
    assert_eq!(fill(&log, 0, 1).seq, 1);
}

/// Tails a crash may leave after the last complete frame.
fn torn_tails(dir: &std::path::Path) -> Vec<(&'static str, Vec<u8>)> {
    let f = frame(dir, 3);
    let whole = fs::read(&f.path).unwrap()[f.start..f.end()].to_vec();
    vec![
        ("a cut length prefix", whole[..3].to_vec()),
        ("a prefix alone", whole[..4].to_vec()),
        ("a cut payload", whole[..60].to_vec()),
        ("a cut hash", whole[..whole.len() - 1].to_vec()),
        ("zeros", vec![0; 5000]),
    ]
}

/// Appends each torn tail, followed by `zeros` zero bytes, to the last segment of a closed
/// log of 10 records, then checks that offline verification passes and reports the tail, and
/// that opening the log with `reopen` cuts it (with a warning unless it is zeros alone) and
/// the chain goes on.
fn torn_tails_are_cut(reopen: fn(&std::path::Path) -> AccessLog, zeros: usize) {
    let base = tempfile::tempdir().unwrap();
    fill(&open(base.path(), 1 << 20), 0, 5);
    for (what, tail) in torn_tails(base.path()) {
        let dir = tempfile::tempdir().unwrap();
        let log = reopen(dir.path());
        fill(&log, 0, 10);
        let head = log.head();
        log.close();
        let last = segments(dir.path()).pop().unwrap();
        let clean_len = fs::metadata(&last).unwrap().len();
        let mut crashed = tail.clone();
        crashed.resize(tail.len() + zeros, 0);
        OpenOptions::new()
            .append(true)
            .open(&last)
            .unwrap()
            .write_all(&crashed)
            .unwrap();

        let v = verify_dir(dir.path(), None, None).unwrap();
        assert!(v.ok, "{what}: {v:?}");
        assert_eq!(v.torn_tail_bytes, crashed.len() as u64, "{what}");
        assert_eq!(v.records_checked, 10, "{what}");

        let warnings = Arc::new(AtomicUsize::new(0));
        let subscriber = CountWarnings(warnings.clone());
        let log = tracing::subscriber::with_default(subscriber, || reopen(dir.path()));
        // Zeros alone are space reserved ahead of the writer, cut without a warning.
        let torn = tail.iter().any(|&b| b != 0);
        let warned = warnings.load(Ordering::Relaxed);
        assert_eq!(warned, usize::from(torn), "{what}");
        assert_eq!(fs::metadata(&last).unwrap().len(), clean_len, "{what}");
        assert_eq!(log.head(), head, "{what}");
        assert_eq!(fill(&log, 10, 5).seq, 15, "{what}");
        log.close();
        let v = verify_dir(dir.path(), None, None).unwrap();
        assert!(
            v.ok && v.torn_tail_bytes == 0 && v.records_checked == 15,
            "{what}: {v:?}"
        );
    }
}

#[test]
fn a_torn_tail_is_reported_then_truncated_with_a_warning() {
    torn_tails_are_cut(|dir| open(dir, 1 << 20), 0);
}

#[test]
fn a_torn_tail_after_the_acknowledged_records_of_a_synced_log_is_still_a_crash_left_over() {
    torn_tails_are_cut(synced, 0);
}

/// What a crash inside a write into the zeros reserved ahead leaves: the start of a frame,
/// then zeros (the frame now whole by its length prefix, its hash wrong).
#[test]
fn a_record_torn_in_the_zeros_reserved_ahead_is_a_torn_tail() {
    torn_tails_are_cut(synced, 8192);
}

#[test]
fn an_empty_last_segment_is_removed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 1 << 20);
    fill(&log, 0, 10);
    log.close();
    let empty = dir.path().join("00000000000000000011.seg");
    fs::write(&empty, [0u8; 40]).unwrap();
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(v.ok && v.torn_tail_bytes == 40, "{v:?}");
    let log = open(dir.path(), 1 << 20);
    assert!(!empty.exists());
    assert_eq!(log.head().seq, 10);
    fill(&log, 10, 1);
    log.close();
    assert!(verify_dir(dir.path(), None, None).unwrap().ok);
}

#[test]
fn an_impossible_frame_length_stops_the_open() {
    let dir = tempfile::tempdir().unwrap();
    fill(&open(dir.path(), 1 << 20), 0, 10);
    let last = segments(dir.path()).pop().unwrap();
    OpenOptions::new()
        .append(true)
        .open(&last)
        .unwrap()
        .write_all(b"garbage, not a frame")
        .unwrap();
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(!v.ok && v.first_bad_seq == Some(11), "{v:?}");
    let opened = AccessLog::open(dir.path(), common::options(1 << 20));
    assert!(
        matches!(opened, Err(AuditError::Corrupt { .. })),
        "{opened:?}"
    );
}

#[test]
fn a_damaged_last_record_is_kept_and_the_log_opens() {
    let dir = tempfile::tempdir().unwrap();
    fill(&open(dir.path(), 1 << 20), 0, 10);
    let f = frame(dir.path(), 10);
    common::edit(&f.path, |b| b[f.payload_range().end - 1] ^= 0x01);
    let len = fs::metadata(&f.path).unwrap().len();
    let log = open(dir.path(), 1 << 20);
    assert_eq!(fs::metadata(&f.path).unwrap().len(), len);
    assert_eq!(log.head().seq, 10);
    fill(&log, 10, 2);
    let v = log.verify(None, None).unwrap();
    assert_eq!(v.first_bad_seq, Some(10), "{v:?}");
    assert_eq!(v.head_seq, 9);
}

/// Counts warning events.
struct CountWarnings(Arc<AtomicUsize>);

impl Subscriber for CountWarnings {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        if *event.metadata().level() == Level::WARN {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// A log written with fdatasync, as the server writes it.
fn synced(dir: &std::path::Path) -> AccessLog {
    let options = LogOptions {
        sync: true,
        ..common::options(1 << 20)
    };
    AccessLog::open(dir, options).unwrap()
}

#[test]
fn a_record_cut_after_it_was_acknowledged_is_damage_verify_fails_and_the_log_does_not_open() {
    for (what, cut_to_seq, keep) in [
        ("the last record cut in the middle", 10, 60usize),
        ("the last record cut inside its hash", 10, 100),
        ("the last two records cut off whole", 9, 0),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let log = synced(dir.path());
        fill(&log, 0, 10);
        log.close();
        let last = segments(dir.path()).pop().unwrap();
        let f = frame(dir.path(), cut_to_seq);
        let cut_len = (f.start + keep.min(f.end() - f.start - 1)) as u64;
        OpenOptions::new()
            .write(true)
            .open(&last)
            .unwrap()
            .set_len(cut_len)
            .unwrap();

        let v = verify_dir(dir.path(), None, None).unwrap();
        assert!(!v.ok, "{what}: {v:?}");
        assert_eq!(v.first_bad_seq, Some(cut_to_seq), "{what}: {v:?}");
        assert_eq!(v.torn_tail_bytes, 0, "{what}: {v:?}");
        let problem = v.problem.unwrap();
        assert!(problem.contains("acknowledged"), "{what}: {problem}");

        let opened = AccessLog::open(dir.path(), common::options(1 << 20));
        let Err(AuditError::Corrupt { problem, .. }) = opened else {
            panic!("{what}: {opened:?}");
        };
        assert!(problem.contains("DURABLE"), "{what}: {problem}");
        assert_eq!(fs::metadata(&last).unwrap().len(), cut_len, "{what}");

        // The operator accepts the loss: the log opens after what is left.
        fs::remove_file(dir.path().join("DURABLE")).unwrap();
        let log = synced(dir.path());
        assert_eq!(log.head().seq, cut_to_seq - 1, "{what}");
        assert_eq!(fill(&log, 20, 1).seq, cut_to_seq, "{what}");
        log.close();
        assert!(verify_dir(dir.path(), None, None).unwrap().ok, "{what}");
    }
}

#[test]
fn a_rewritten_last_record_is_not_the_acknowledged_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = synced(dir.path());
    fill(&log, 0, 10);
    log.close();
    // Record 10 replaced by another record 10, chained correctly: only the mark tells.
    let f = frame(dir.path(), 10);
    let last = segments(dir.path()).pop().unwrap();
    let mut bytes = fs::read(&last).unwrap();
    bytes.truncate(f.start);
    fs::write(&last, &bytes).unwrap();
    fs::remove_file(dir.path().join("DURABLE")).unwrap();
    let marked = tempfile::tempdir().unwrap();
    let other = synced(marked.path());
    fill(&other, 0, 10);
    other.close();
    // The other log's mark (same 9 records, a different 10th) says what was acknowledged.
    let log = synced(dir.path());
    fill(&log, 100, 1);
    log.close();
    fs::copy(marked.path().join("DURABLE"), dir.path().join("DURABLE")).unwrap();
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(!v.ok && v.first_bad_seq == Some(10), "{v:?}");
    let opened = AccessLog::open(dir.path(), common::options(1 << 20));
    assert!(
        matches!(opened, Err(AuditError::Corrupt { .. })),
        "{opened:?}"
    );
}

#[test]
fn a_synced_log_writes_into_zeros_reserved_ahead_and_ends_where_its_records_do() {
    let dir = tempfile::tempdir().unwrap();
    let options = LogOptions {
        sync: true,
        ..common::options(4096)
    };
    let log = AccessLog::open(dir.path(), options).unwrap();
    fill(&log, 0, 60);
    let head = log.head();
    let lens: Vec<u64> = segments(dir.path())
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .collect();
    assert!(lens.len() >= 3, "{lens:?}");
    // The active segment runs on in zeros past its records; sealed ones were cut back.
    let (active, sealed) = lens.split_last().unwrap();
    let sealed_bytes: u64 = sealed.iter().sum();
    assert!(sealed_bytes + active > head.size_bytes, "{lens:?} {head:?}");
    // A stopped log's directory read as it is: the zeros are a tail, nothing is wrong.
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(v.ok && v.records_checked == 60, "{v:?}");
    assert_eq!(v.torn_tail_bytes, sealed_bytes + active - head.size_bytes);
    log.close();
    let size: u64 = segments(dir.path())
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .sum();
    assert_eq!(size, head.size_bytes);
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(
        v.ok && v.torn_tail_bytes == 0 && v.records_checked == 60,
        "{v:?}"
    );
}

#[test]
fn an_acknowledged_record_that_looks_torn_in_zeros_is_still_a_cut() {
    let dir = tempfile::tempdir().unwrap();
    let log = synced(dir.path());
    fill(&log, 0, 10);
    log.close();
    // Record 10's last bytes zeroed, zeros after it: it looks torn, but it was acknowledged.
    let f = frame(dir.path(), 10);
    common::edit(&f.path, |b| {
        let end = f.end();
        b[end - 20..end].fill(0);
        b.resize(end + 4096, 0);
    });
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(!v.ok && v.first_bad_seq == Some(10), "{v:?}");
    assert!(v.problem.unwrap().contains("acknowledged"));
    let opened = AccessLog::open(dir.path(), common::options(1 << 20));
    assert!(
        matches!(opened, Err(AuditError::Corrupt { .. })),
        "{opened:?}"
    );
}
