//! Queries: each filter, pagination newest first with every record exactly once, the scan
//! limit with its continuation, and readers running while the writer appends.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use govshare_audit::{AccessLog, AccessRecord, Query, QueryPage, chain_hash};

use crate::common::{DEPARTMENTS, fill, open, stored};

const N: u64 = 700;

/// Which records a query should return.
type Keep = Box<dyn Fn(&AccessRecord) -> bool>;

/// A log of `N` records (record `i` at seq `i + 1`) in several segments, and the records.
fn log() -> (tempfile::TempDir, AccessLog, Vec<AccessRecord>) {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 32 * 1024);
    fill(&log, 0, N);
    let records = (0..N).map(|i| stored(i, i + 1)).collect();
    (dir, log, records)
}

/// Every record `q` matches, following `next_before_seq`; checks each page.
fn all_pages(log: &AccessLog, q: &Query) -> (Vec<AccessRecord>, usize) {
    let mut q = q.clone();
    let mut found = Vec::new();
    let mut pages = 0;
    loop {
        let QueryPage {
            records,
            next_before_seq,
        } = log.query(&q).unwrap();
        pages += 1;
        assert!(records.len() <= q.limit.max(1));
        for r in records {
            assert!(r.record.seq < q.before_seq.unwrap_or(u64::MAX));
            found.push(r.record);
        }
        match next_before_seq {
            Some(next) => {
                assert!(next < q.before_seq.unwrap_or(u64::MAX), "no progress");
                q.before_seq = Some(next);
            }
            None => return (found, pages),
        }
    }
}

/// The records matching `keep`, newest first.
fn expected(records: &[AccessRecord], keep: impl Fn(&AccessRecord) -> bool) -> Vec<AccessRecord> {
    records.iter().rev().filter(|r| keep(r)).cloned().collect()
}

fn time(i: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_750_000_000_000_000 + i * 1_000).unwrap()
}

#[test]
fn each_filter() {
    let (_dir, log, records) = log();
    let dept = DEPARTMENTS[2].to_owned();
    let cases: Vec<(Query, Keep)> = vec![
        (Query::default(), Box::new(|_| true)),
        (
            Query {
                department_code: Some(dept.clone()),
                ..Query::default()
            },
            Box::new(|r| r.department_code == DEPARTMENTS[2]),
        ),
        (
            Query {
                department_code: Some(String::new()),
                ..Query::default()
            },
            Box::new(|r| r.department_code.is_empty()),
        ),
        (
            Query {
                method: Some("/govshare.v1.ExchangeService/Download".into()),
                ..Query::default()
            },
            Box::new(|r| r.method.ends_with("/Download")),
        ),
        (
            Query {
                method: Some("ListEntries".into()),
                ..Query::default()
            },
            Box::new(|r| r.method.ends_with("/ListEntries")),
        ),
        (
            Query {
                method: Some("CatalogService/ListEntries".into()),
                ..Query::default()
            },
            Box::new(|_| false),
        ),
        (
            Query {
                target: Some("101003/000045".into()),
                ..Query::default()
            },
            Box::new(|r| r.target == "101003/000045"),
        ),
        (
            Query {
                outcome: Some(7),
                ..Query::default()
            },
            Box::new(|r| r.outcome == 7),
        ),
        (
            Query {
                owner_code: Some(dept.clone()),
                ..Query::default()
            },
            Box::new(|r| r.owner_code == DEPARTMENTS[2]),
        ),
        (
            Query {
                start: Some(time(100)),
                end: Some(time(250)),
                ..Query::default()
            },
            Box::new(|r| r.time >= time(100) && r.time < time(250)),
        ),
        (
            Query {
                scope: Some(dept.clone()),
                ..Query::default()
            },
            Box::new(|r| r.owner_code == DEPARTMENTS[2] || r.department_code == DEPARTMENTS[2]),
        ),
        (
            Query {
                scope: Some(dept.clone()),
                outcome: Some(0),
                method: Some("GetEntry".into()),
                ..Query::default()
            },
            Box::new(|r| {
                (r.owner_code == DEPARTMENTS[2] || r.department_code == DEPARTMENTS[2])
                    && r.outcome == 0
                    && r.method.ends_with("/GetEntry")
            }),
        ),
    ];
    for (mut q, keep) in cases {
        q.limit = 1000;
        let want = expected(&records, keep);
        let (got, _) = all_pages(&log, &q);
        assert_eq!(got, want, "{q:?}");
        assert!(
            !want.is_empty() || q.method.is_some(),
            "{q:?} tests nothing"
        );
    }
}

#[test]
fn pages_hold_every_record_once_newest_first() {
    let (_dir, log, records) = log();
    for limit in [1, 7, 256, 257, 1000] {
        let q = Query {
            limit,
            ..Query::default()
        };
        let (got, pages) = all_pages(&log, &q);
        assert_eq!(got, expected(&records, |_| true), "limit {limit}");
        assert_eq!(pages, (N as usize).div_ceil(limit), "limit {limit}");
    }
    let q = Query {
        before_seq: Some(301),
        limit: 1000,
        ..Query::default()
    };
    assert_eq!(all_pages(&log, &q).0, expected(&records[..300], |_| true));
    let q = Query {
        before_seq: Some(1),
        ..Query::default()
    };
    assert_eq!(log.query(&q).unwrap(), QueryPage::default());
    // The hashes returned are the stored ones: they chain.
    let page = log
        .query(&Query {
            limit: 50,
            ..Query::default()
        })
        .unwrap();
    for pair in page.records.windows(2) {
        let canonical = pair[0].record.canonical_bytes();
        assert_eq!(chain_hash(&pair[1].hash, &canonical), pair[0].hash);
    }
    assert_eq!(page.records[0].hash, log.head().hash);
}

#[test]
fn the_scan_limit_stops_a_page_with_a_continuation() {
    let (_dir, log, records) = log();
    let q = Query {
        target: Some("101003/000045".into()),
        scan_limit: 50,
        limit: 10,
        ..Query::default()
    };
    let first = log.query(&q).unwrap();
    assert_eq!(first.next_before_seq, Some(N - 49));
    let (got, pages) = all_pages(&log, &q);
    assert_eq!(got, expected(&records, |r| r.target == "101003/000045"));
    assert_eq!(pages, (N as usize).div_ceil(50));
}

#[test]
fn readers_never_see_a_partial_record_while_appending() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 16 * 1024);
    fill(&log, 0, 10);
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (log, done) = (log.clone(), done.clone());
            std::thread::spawn(move || {
                let mut rounds = 0;
                while !done.load(Ordering::Relaxed) || rounds < 10 {
                    let head = log.head();
                    let page = log
                        .query(&Query {
                            limit: 300,
                            ..Query::default()
                        })
                        .unwrap();
                    let newest = page.records[0].record.seq;
                    assert!(newest >= head.seq);
                    for (k, r) in page.records.iter().enumerate() {
                        assert_eq!(r.record.seq, newest - k as u64);
                        assert_eq!(r.record, stored(r.record.seq - 1, r.record.seq));
                    }
                    for pair in page.records.windows(2) {
                        let canonical = pair[0].record.canonical_bytes();
                        assert_eq!(chain_hash(&pair[1].hash, &canonical), pair[0].hash);
                    }
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    for chunk in 0..40 {
        fill(&log, 10 + chunk * 500, 500);
    }
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.join().unwrap() >= 10);
    }
    assert!(log.verify(None, None).unwrap().ok);
}
