//! Helpers of the access log tests: realistic records, filling a log, and reading segment
//! files frame by frame to damage them.

#![allow(clippy::unwrap_used, dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use govshare_audit::{AccessLog, AccessRecord, Appended, LogOptions, NewRecord};

pub const DEPARTMENTS: [&str; 4] = [
    "91110000600037341L",
    "11100000000013127D",
    "12100000400010398P",
    "11110000000021135M",
];

pub const METHODS: [&str; 4] = [
    "/govshare.v1.CatalogService/GetEntry",
    "/govshare.v1.CatalogService/ListEntries",
    "/govshare.v1.ExchangeService/Download",
    "/govshare.v1.GrantService/RequestGrant",
];

/// The `i`th record of a realistic stream of calls.
pub fn record(i: u64) -> NewRecord {
    NewRecord {
        time: DateTime::from_timestamp_micros(1_750_000_000_000_000 + i as i64 * 1_000).unwrap(),
        request_id: format!("01JZ{i:022}"),
        department_code: if i % 11 == 5 {
            String::new()
        } else {
            DEPARTMENTS[(i % 4) as usize].to_owned()
        },
        token_id: format!("tok_{:016x}", i.wrapping_mul(7919)),
        method: METHODS[(i % 4) as usize].to_owned(),
        target: format!("1010{:02}/{:06}", i % 7, i % 1000),
        owner_code: DEPARTMENTS[((i + 1) % 4) as usize].to_owned(),
        grant_id: if i.is_multiple_of(3) {
            String::new()
        } else {
            format!("grant-{:08}", i % 97)
        },
        outcome: if i.is_multiple_of(10) { 7 } else { 0 },
        detail: format!("rows={} columns=12 projection=name,code", i % 500),
        duration_micros: 150 + i % 1000,
        bytes: i * 13 % 65536,
    }
}

/// The stored form of the `i`th record at `seq`.
pub fn stored(i: u64, seq: u64) -> AccessRecord {
    record(i).into_record(seq)
}

pub fn options(segment_bytes: u64) -> LogOptions {
    LogOptions {
        sync: false,
        segment_bytes,
        on_commit: None,
    }
}

pub fn open(dir: &Path, segment_bytes: u64) -> AccessLog {
    AccessLog::open(dir, options(segment_bytes)).unwrap()
}

/// Appends records `from..from + n` in order and waits until all are committed; returns
/// the last acknowledgement.
pub fn fill(log: &AccessLog, from: u64, n: u64) -> Appended {
    assert!(n > 0);
    for i in from..from + n - 1 {
        log.append_detached(record(i));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(log.append(record(from + n - 1))).unwrap()
}

/// Segment files of `dir`, in order.
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    found.sort();
    found
}

/// A frame of a segment file.
#[derive(Debug, Clone)]
pub struct Frame {
    pub path: PathBuf,
    pub start: usize,
    pub payload_len: usize,
    pub seq: u64,
}

impl Frame {
    pub fn end(&self) -> usize {
        self.start + 4 + self.payload_len + 32
    }
    pub fn payload_range(&self) -> std::ops::Range<usize> {
        self.start + 4..self.start + 4 + self.payload_len
    }
    pub fn hash_range(&self) -> std::ops::Range<usize> {
        self.start + 4 + self.payload_len..self.end()
    }
}

/// Every frame of every segment of a healthy log.
pub fn frames(dir: &Path) -> Vec<Frame> {
    let mut all = Vec::new();
    for path in segments(dir) {
        let bytes = fs::read(&path).unwrap();
        let mut at = 0;
        while at < bytes.len() {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            let payload = &bytes[at + 4..at + 4 + len];
            let seq = AccessRecord::decode(payload).unwrap().seq;
            all.push(Frame {
                path: path.clone(),
                start: at,
                payload_len: len,
                seq,
            });
            at += 4 + len + 32;
        }
    }
    all
}

/// The frame of record `seq`.
pub fn frame(dir: &Path, seq: u64) -> Frame {
    frames(dir).into_iter().find(|f| f.seq == seq).unwrap()
}

/// Replaces the bytes of `path` by what `edit` makes of them.
pub fn edit(path: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = fs::read(path).unwrap();
    edit(&mut bytes);
    fs::write(path, bytes).unwrap();
}
