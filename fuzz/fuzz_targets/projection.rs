//! Upload checks and column projection of CSV and NDJSON snapshots.
//!
//! Input: nine bytes of settings, then the snapshot.
//!
//! - byte 0, bits: 0 NDJSON (else CSV); 1 the entry has an item the data lacks; 2 the data has
//!   a column the entry lacks; 3 a size limit one byte under the snapshot's size;
//! - byte 1: the chunk size, `16 × b + 1`;
//! - byte 2: the columns to deliver, bit `i % 8` for column `i` (none set: all);
//! - byte 3: how far to rotate their order;
//! - bytes 4–7: each column's 数据类型, a nibble per column;
//! - byte 8: the length of 字符型 columns (0: unbounded).
//!
//! The entry's columns are those the snapshot names, so that most snapshots are accepted.
//! An accepted snapshot is stored whole, under its sha256, and any subset of its columns
//! projects without error: the output parses back as CSV or NDJSON with the same number of
//! rows, only the delivered columns, each value as stored, in chunks whose size and sha256
//! are the ones reported. A refused snapshot, and any bytes as opaque data, project without
//! panicking; opaque bytes go out unchanged.

#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use govshare_exchange::{BlobStore, Column, IngestError, MediaKind, ingest, project};
use govshare_model::DataType;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

const SETTINGS: usize = 9;
/// At most this many columns are taken from the snapshot.
const MAX_COLUMNS: usize = 16;

struct Settings {
    kind: MediaKind,
    extra_item: bool,
    unknown_column: bool,
    limited: bool,
    chunk: usize,
    keep_mask: u8,
    rotate: u8,
    types: [u8; 4],
    length: u32,
}

fuzz_target!(|data: &[u8]| {
    let Some((settings, snapshot)) = data.split_first_chunk::<SETTINGS>() else {
        return;
    };
    let settings = Settings::read(settings);
    check_opaque(snapshot, settings.chunk);

    let columns = settings.columns(snapshot);
    let max_bytes = match settings.limited {
        true => (snapshot.len() as u64).saturating_sub(1),
        false => u64::MAX,
    };
    match ingest(store(), snapshot, settings.kind, &columns, max_bytes, None) {
        Ok(ingested) => {
            assert!(
                ingested.size <= max_bytes,
                "an upload over the limit was accepted"
            );
            assert_eq!(ingested.size, snapshot.len() as u64);
            assert_eq!(ingested.sha256, hex::encode(Sha256::digest(snapshot)));
            let stored = std::fs::read(store().path(&ingested.sha256)).expect("the blob");
            assert_eq!(stored, snapshot);
            let keep = settings.keep(&ingested.columns);
            let (out, rows) = project_all(&stored, settings.kind, &keep, settings.chunk)
                .unwrap_or_else(|e| panic!("an accepted snapshot does not project: {e}"));
            assert_eq!(rows, ingested.rows);
            match settings.kind {
                MediaKind::Csv => check_csv(snapshot, &out, &keep, rows),
                MediaKind::Ndjson => check_ndjson(snapshot, &out, &keep, rows),
                MediaKind::Opaque => unreachable!("only tabular kinds are ingested here"),
            }
            // The store would otherwise keep every snapshot accepted during the run.
            std::fs::remove_file(store().path(&ingested.sha256)).expect("removing the blob");
        }
        Err(IngestError::TooLarge { limit }) => assert_eq!(limit, max_bytes),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
            let _ = project_all(snapshot, settings.kind, &names, settings.chunk);
        }
    }
});

/// One store for the whole run, in a temporary directory (the caller's TMPDIR); each blob is
/// removed once checked.
fn store() -> &'static BlobStore {
    static STORE: OnceLock<(tempfile::TempDir, BlobStore)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let store = BlobStore::open(dir.path()).expect("a blob store");
            (dir, store)
        })
        .1
}

impl Settings {
    fn read(b: &[u8; SETTINGS]) -> Settings {
        Settings {
            kind: if b[0] & 1 == 0 {
                MediaKind::Csv
            } else {
                MediaKind::Ndjson
            },
            extra_item: b[0] & 2 != 0,
            unknown_column: b[0] & 4 != 0,
            limited: b[0] & 8 != 0,
            chunk: usize::from(b[1]) * 16 + 1,
            keep_mask: b[2],
            rotate: b[3],
            types: [b[4], b[5], b[6], b[7]],
            length: u32::from(b[8]),
        }
    }

    /// The entry's 信息项: the names the snapshot uses, changed as the flags say.
    fn columns(&self, snapshot: &[u8]) -> Vec<Column> {
        let mut names = match self.kind {
            MediaKind::Ndjson => ndjson_keys(snapshot),
            _ => csv_header(snapshot),
        };
        names.truncate(MAX_COLUMNS);
        if self.unknown_column {
            names.pop();
        }
        if self.extra_item || names.is_empty() {
            names.push("统一社会信用代码".to_owned());
        }
        names
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let nibble = (self.types[i / 2 % 4] >> (4 * (i % 2))) & 0xf;
                Column {
                    name,
                    data_type: DataType::ALL[usize::from(nibble) % DataType::ALL.len()],
                    length: self.length,
                }
            })
            .collect()
    }

    /// The columns to deliver out of `columns`: at least one, each once, in a chosen order.
    fn keep(&self, columns: &[String]) -> Vec<String> {
        let mut keep: Vec<String> = (columns.iter().enumerate())
            .filter(|(i, _)| self.keep_mask & (1 << (i % 8)) != 0)
            .map(|(_, c)| c.clone())
            .collect();
        if keep.is_empty() {
            keep = columns.to_vec();
        }
        if !keep.is_empty() {
            let by = usize::from(self.rotate) % keep.len();
            keep.rotate_left(by);
        }
        keep
    }
}

/// The header's names, trimmed, each once.
fn csv_header(snapshot: &[u8]) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(snapshot);
    let Ok(header) = reader.byte_headers() else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for field in header {
        if let Ok(name) = std::str::from_utf8(field)
            && !names.iter().any(|n| n == name.trim())
        {
            names.push(name.trim().to_owned());
        }
    }
    names
}

/// The keys of the snapshot's objects, each object's in sorted order, each key once.
fn ndjson_keys(snapshot: &[u8]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for object in ndjson_objects(snapshot).into_iter().flatten() {
        for key in object.keys() {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    }
    names
}

/// Each non-blank line, as an object if it is one.
fn ndjson_objects(bytes: &[u8]) -> Vec<Option<Map<String, Value>>> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(|line| serde_json::from_slice(line).ok())
        .collect()
}

/// Projects `source`, returning the bytes emitted and the rows reported, after checking the
/// chunks against what `project` reports.
fn project_all(
    source: &[u8],
    kind: MediaKind,
    keep: &[String],
    chunk: usize,
) -> std::io::Result<(Vec<u8>, u64)> {
    let mut chunks: Vec<Bytes> = Vec::new();
    let delivered = project(source, kind, keep, chunk, |bytes| {
        chunks.push(bytes);
        Ok(())
    })?;
    let out = chunks.concat();
    if let Some((_, full)) = chunks.split_last() {
        assert!(
            full.iter().all(|c| c.len() >= chunk),
            "a chunk below the size"
        );
        assert!(chunks.iter().all(|c| !c.is_empty()), "an empty chunk");
    }
    assert_eq!(delivered.size, out.len() as u64);
    match kind.is_tabular() {
        true => assert_eq!(delivered.sha256, hex::encode(Sha256::digest(&out))),
        false => assert_eq!(delivered.sha256, ""),
    }
    Ok((out, delivered.rows))
}

/// Opaque bytes go out exactly as they are.
fn check_opaque(snapshot: &[u8], chunk: usize) {
    let (out, rows) =
        project_all(snapshot, MediaKind::Opaque, &[], chunk).expect("reading memory never fails");
    assert_eq!(out, snapshot);
    assert_eq!(rows, 0);
}

fn check_csv(snapshot: &[u8], out: &[u8], keep: &[String], rows: u64) {
    let mut source = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(snapshot);
    let header: Vec<String> = (source.byte_headers().expect("an accepted header").iter())
        .map(|h| String::from_utf8_lossy(h).trim().to_owned())
        .collect();
    let positions: Vec<usize> = (keep.iter())
        .map(|k| header.iter().position(|h| h == k).expect("a kept column"))
        .collect();

    let mut output = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out);
    let mut records = output.byte_records();
    let first = records.next().expect("a header row").expect("a CSV header");
    let names: Vec<&[u8]> = first.iter().collect();
    let keep_bytes: Vec<&[u8]> = keep.iter().map(|k| k.as_bytes()).collect();
    assert_eq!(names, keep_bytes, "the header is not the delivered columns");

    let mut count = 0;
    for (got, want) in records.zip(source.byte_records()) {
        let (got, want) = (got.expect("output CSV parses"), want.expect("source CSV"));
        let expected: Vec<&[u8]> = positions.iter().map(|&i| &want[i]).collect();
        assert_eq!(got.iter().collect::<Vec<_>>(), expected, "row {count}");
        count += 1;
    }
    assert_eq!(count, rows, "rows in the output");
}

fn check_ndjson(snapshot: &[u8], out: &[u8], keep: &[String], rows: u64) {
    let sources = ndjson_objects(snapshot);
    let lines: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
    let (last, lines) = lines.split_last().expect("split gives a piece");
    assert!(last.is_empty(), "the output ends with a newline");
    assert_eq!(lines.len() as u64, rows, "rows in the output");
    assert_eq!(sources.len(), lines.len());
    for (line, source) in lines.iter().zip(sources) {
        let got: Map<String, Value> = serde_json::from_slice(line).expect("an output object");
        let source = source.expect("an accepted line is an object");
        let expected: Map<String, Value> = (keep.iter())
            .filter_map(|k| source.get(k).map(|v| (k.clone(), v.clone())))
            .collect();
        assert_eq!(got, expected);
    }
}
