//! Access log directories: segment files of chained frames, damaged as the fuzzer chooses
//! (see `govshare_fuzz::segment`).
//!
//! Verification never panics; it reports the first bad record right after the last good
//! one; a log written cleanly verifies whole; any range of a log that verifies does too.
//! Opening never panics; a log that verifies opens at the head verification found, answers
//! queries page by page with every record once, newest first, each chained to the one
//! before, verifies the same online as offline, and takes an append that verifies after it.
//! Queries on any log that opens always progress.

#![no_main]

use std::path::Path;

use govshare_audit::{
    AccessLog, GENESIS, LogOptions, NewRecord, Query, StoredRecord, Verification, chain_hash,
    verify_dir,
};
use govshare_fuzz::segment::{Log, MIN_FRAME};
use libfuzzer_sys::fuzz_target;

/// Logs with fewer records than this have every range start checked.
const SHORT_LOG: u64 = 16;

fuzz_target!(|log: Log| {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let written = log.write(dir.path());

    let v = verify_dir(dir.path(), None, None).expect("verification of readable files");
    assert_eq!(v.ok, v.first_bad_seq.is_none());
    assert_eq!(v.ok, v.problem.is_none());
    assert_eq!(v.records_checked, v.head_seq);
    if !v.ok {
        assert_eq!(v.first_bad_seq, Some(v.head_seq + 1), "{:?}", v.problem);
    }
    if written.clean {
        assert!(v.ok, "a clean log fails verification: {:?}", v.problem);
        assert_eq!(
            (v.records_checked, v.head_hash),
            (written.frames, written.head)
        );
    }
    check_range(
        dir.path(),
        &v,
        log.from.map(u64::from),
        log.to.map(u64::from),
    );
    // A short log that verifies: every start too.
    if v.ok && v.head_seq < SHORT_LOG {
        for from in 1..=v.head_seq + 1 {
            check_range(dir.path(), &v, Some(from), log.to.map(u64::from));
        }
    }

    match AccessLog::open(
        dir.path(),
        LogOptions {
            sync: false,
            ..LogOptions::default()
        },
    ) {
        Ok(opened) => check_open(dir.path(), &opened, &v, written.bytes / MIN_FRAME),
        Err(e) => assert!(!v.ok, "a log that verifies does not open: {e}"),
    }
});

/// A range of a log that verifies verifies too, from just after the record before it.
fn check_range(dir: &Path, whole: &Verification, from: Option<u64>, to: Option<u64>) {
    let result = verify_dir(dir, from, to);
    let (f, t) = (from.unwrap_or(1).max(1), to.unwrap_or(u64::MAX));
    if f > t {
        assert!(result.is_err(), "from {f} after to {t} is refused");
        return;
    }
    if !whole.ok || f > whole.head_seq + 1 {
        return;
    }
    let v = result.unwrap_or_else(|e| panic!("range {f}..={t} of a good log: {e}"));
    assert!(v.ok, "range {f}..={t} of a good log: {:?}", v.problem);
    assert_eq!(v.head_seq, t.min(whole.head_seq));
    assert_eq!(v.records_checked, v.head_seq + 1 - f);
}

/// `frames`: the most frames the files can hold.
fn check_open(dir: &Path, log: &AccessLog, v: &Verification, frames: u64) {
    if v.ok {
        let head = log.head();
        assert_eq!((head.seq, head.hash), (v.head_seq, v.head_hash));
    }
    let records = all_pages(log, frames);
    if v.ok {
        let records = records.expect("queries on a log that verifies");
        let seqs: Vec<u64> = records.iter().map(|r| r.record.seq).collect();
        assert_eq!(seqs, (1..=v.head_seq).rev().collect::<Vec<_>>());
        let mut prev = GENESIS;
        for r in records.iter().rev() {
            assert_eq!(chain_hash(&prev, &r.record.canonical_bytes()), r.hash);
            prev = r.hash;
        }
    }

    // Opening truncated a torn tail: the files now say what the running log says.
    let online = log.verify(None, None).expect("verifying the open log");
    let offline = verify_dir(dir, None, None).expect("verifying the files");
    assert_eq!(online, offline);
    assert_eq!(online.torn_tail_bytes, 0);
    if !v.ok {
        return;
    }
    assert_eq!((online.ok, online.head_seq), (true, v.head_seq));

    log.append_detached(NewRecord {
        method: "/govshare.v1.AuditService/QueryAccessLog".to_owned(),
        ..NewRecord::default()
    });
    log.close();
    let head = log.head();
    assert_eq!(head.seq, v.head_seq + 1);
    let after = verify_dir(dir, None, None).expect("verifying after an append");
    assert!(after.ok, "{:?}", after.problem);
    assert_eq!((after.head_seq, after.head_hash), (head.seq, head.hash));
}

/// Every record, page by page, newest first; the first error stops it. Each page must make
/// progress: there are never more pages than frames (and one for an empty log).
fn all_pages(log: &AccessLog, frames: u64) -> Result<Vec<StoredRecord>, String> {
    let mut records = Vec::new();
    let mut q = Query {
        limit: 7,
        ..Query::default()
    };
    for _ in 0..=frames + 1 {
        let page = log.query(&q).map_err(|e| e.to_string())?;
        records.extend(page.records);
        match page.next_before_seq {
            Some(before) => q.before_seq = Some(before),
            None => return Ok(records),
        }
    }
    panic!("queries do not progress: more pages than the {frames} frames the files can hold");
}
