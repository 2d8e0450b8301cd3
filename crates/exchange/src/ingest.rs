//! An upload on its way in: every byte is written to a temporary blob and hashed as it is
//! read, while CSV and NDJSON are checked row by row against the entry's 信息项. Only a
//! complete, well-formed upload within the size limit becomes a blob; anything else leaves
//! nothing behind.

use std::collections::HashSet;
use std::io::{self, BufReader, Read, Write};

use sha2::{Digest, Sha256};

use crate::project::DEFAULT_MAX_RECORD_BYTES;
use crate::records::{BoundedRecords, READ_AHEAD, RecordTooLarge, bounded_line};
use crate::values::{check_json, check_text};
use crate::{BlobStore, Column, MediaKind};

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// sha256 (lower-case hex) of the bytes, which is also the blob's name.
    pub sha256: String,
    pub size: u64,
    /// Data rows (CSV records after the header, NDJSON objects); 0 for opaque bytes.
    pub rows: u64,
    /// The columns in the order the upload has them; empty for opaque bytes.
    pub columns: Vec<String>,
}

/// Why an upload was refused. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("数据超过上限 {limit} 字节 (the snapshot is larger than the limit of {limit} bytes)")]
    TooLarge { limit: u64 },
    /// A malformed upload, with the 1-based line where it went wrong.
    #[error("第 {line} 行：{message} (line {line})")]
    Malformed { line: u64, message: String },
    /// The header does not name the entry's 信息项.
    #[error("第 1 行（表头）：{0} (line 1, the header)")]
    Columns(String),
    /// The bytes do not hash to the sha256 the client announced.
    #[error(
        "数据的 sha256 为 {actual}，与声明的 {expected} 不符，传输可能出错 \
         (the data hashes to {actual}, not the announced {expected}: it was damaged on the way)"
    )]
    Checksum { expected: String, actual: String },
    #[error("读取或写入数据失败 (reading or storing the data failed): {0}")]
    Io(#[from] io::Error),
}

/// Reads `source` to its end into a new blob of `store`, checking it as `kind` against
/// `columns` (the entry's 信息项), refusing more than `max_bytes`, and, if the client announced
/// one, a sha256 other than `expected_sha256`. A record is bounded by
/// [`DEFAULT_MAX_RECORD_BYTES`].
pub fn ingest(
    store: &BlobStore,
    source: impl Read,
    kind: MediaKind,
    columns: &[Column],
    max_bytes: u64,
    expected_sha256: Option<&str>,
) -> Result<Ingested, IngestError> {
    let bounds = Bounds {
        max_bytes,
        max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
    };
    ingest_bounded(store, source, kind, columns, bounds, expected_sha256)
}

/// The limits an upload is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The whole upload (`exchange.max_snapshot_bytes`).
    pub max_bytes: u64,
    /// One CSV record or NDJSON line (`exchange.max_record_bytes`): a longer one is refused
    /// having been read no further than the bound and a buffer's worth.
    pub max_record_bytes: u64,
}

/// [`ingest`] held to `bounds`.
pub fn ingest_bounded(
    store: &BlobStore,
    source: impl Read,
    kind: MediaKind,
    columns: &[Column],
    bounds: Bounds,
    expected_sha256: Option<&str>,
) -> Result<Ingested, IngestError> {
    let Bounds {
        max_bytes,
        max_record_bytes,
    } = bounds;
    let mut tee = Tee {
        source,
        blob: io::BufWriter::with_capacity(1 << 20, store.temp()?),
        hasher: Sha256::new(),
        size: 0,
        max_bytes,
        too_large: false,
    };
    let checked = match kind {
        MediaKind::Csv => match check_csv(&mut tee, columns, max_record_bytes) {
            Ok(checked) => Ok(checked),
            Err(CsvFailure::Plain(e)) => Err(e),
            Err(CsvFailure::Located {
                end,
                newlines,
                message,
            }) => Err(IngestError::Malformed {
                line: record_line(&mut tee, end, newlines)?,
                message,
            }),
        },
        MediaKind::Ndjson => check_ndjson(&mut tee, columns, max_record_bytes),
        MediaKind::Opaque => io::copy(&mut tee, &mut io::sink())
            .map(|_| (0, Vec::new()))
            .map_err(IngestError::Io),
    };
    // The size check fails the read that crossed the limit, whatever the reader made of it.
    if tee.too_large {
        return Err(IngestError::TooLarge { limit: max_bytes });
    }
    let (rows, names) = checked?;
    // A checker may stop before the end (e.g. after the last CSV record): read the rest.
    io::copy(&mut tee, &mut io::sink())?;
    if tee.too_large {
        return Err(IngestError::TooLarge { limit: max_bytes });
    }
    let Tee {
        blob, hasher, size, ..
    } = tee;
    let blob = blob.into_inner().map_err(|e| e.into_error())?;
    let sha256 = hex::encode(hasher.finalize());
    if let Some(expected) = expected_sha256
        && !expected.eq_ignore_ascii_case(&sha256)
    {
        return Err(IngestError::Checksum {
            expected: expected.to_owned(),
            actual: sha256,
        });
    }
    store.commit(blob, &sha256)?;
    Ok(Ingested {
        sha256,
        size,
        rows,
        columns: names,
    })
}

/// Passes reads through while writing them to the blob, hashing and counting them.
struct Tee<R> {
    source: R,
    blob: io::BufWriter<crate::TempBlob>,
    hasher: Sha256,
    size: u64,
    max_bytes: u64,
    too_large: bool,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.source.read(buf)?;
        self.size += n as u64;
        if self.size > self.max_bytes {
            self.too_large = true;
            return Err(io::Error::other("the snapshot is larger than the limit"));
        }
        self.blob.write_all(&buf[..n])?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Why a CSV upload failed: a bad record is located by the byte offset where it ends and
/// the newlines inside its fields, since the csv crate's own line numbers lag behind after
/// CRLF endings and blank lines.
enum CsvFailure {
    Located {
        end: u64,
        newlines: u64,
        message: String,
    },
    Plain(IngestError),
}

impl From<IngestError> for CsvFailure {
    fn from(e: IngestError) -> Self {
        CsvFailure::Plain(e)
    }
}

fn csv_io(e: csv::Error) -> CsvFailure {
    CsvFailure::Plain(match e.into_kind() {
        csv::ErrorKind::Io(io) => IngestError::Io(io),
        other => IngestError::Io(io::Error::other(format!("{other:?}"))),
    })
}

/// The fields of `record` as text, or why not (field numbers from 1).
fn utf8_fields(record: &csv::ByteRecord) -> Result<Vec<&str>, String> {
    record
        .iter()
        .enumerate()
        .map(|(i, field)| {
            std::str::from_utf8(field).map_err(|_| {
                format!(
                    "第 {} 个字段不是 UTF-8 文本 (field {} is not UTF-8)",
                    i + 1,
                    i + 1
                )
            })
        })
        .collect()
}

/// Checks the header against the entry's 信息项 and every record; returns the number of
/// records and the header's names.
fn check_csv(
    source: impl Read,
    columns: &[Column],
    max_record: u64,
) -> Result<(u64, Vec<String>), CsvFailure> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(READ_AHEAD)
        .from_reader(BoundedRecords::new(source, max_record));
    // A record over the bound is located where it starts: it was not read to its end.
    let too_large = |reader: &csv::Reader<BoundedRecords<_>>| CsvFailure::Located {
        end: reader.get_ref().record_start() + 1,
        newlines: 0,
        message: RecordTooLarge { limit: max_record }.to_string(),
    };
    let header = reader.byte_headers().cloned();
    let header = match header {
        Ok(header) => header,
        Err(_) if reader.get_ref().exceeded() => return Err(too_large(&reader)),
        Err(e) => return Err(csv_io(e)),
    };
    let located =
        |reader: &csv::Reader<_>, record: &csv::ByteRecord, message: String| CsvFailure::Located {
            end: reader.position().byte(),
            newlines: record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64,
            message,
        };
    if header.as_slice().len() as u64 > max_record {
        return Err(too_large(&reader));
    }
    let next = reader.position().byte();
    reader.get_mut().record_starts_at(next);
    let names: Vec<String> = match utf8_fields(&header) {
        Ok(fields) => fields.iter().map(|h| h.trim().to_owned()).collect(),
        Err(message) => return Err(located(&reader, &header, message)),
    };
    let by_position = header_columns(&names, columns)?;
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) if reader.get_ref().exceeded() => return Err(too_large(&reader)),
            Err(e) => return Err(csv_io(e)),
        }
        if record.as_slice().len() as u64 > max_record {
            return Err(too_large(&reader));
        }
        let next = reader.position().byte();
        reader.get_mut().record_starts_at(next);
        rows += 1;
        if record.len() != names.len() {
            let message = format!(
                "有 {} 个字段，表头有 {} 列 (has {} fields; the header has {} columns)",
                record.len(),
                names.len(),
                record.len(),
                names.len()
            );
            return Err(located(&reader, &record, message));
        }
        let fields = utf8_fields(&record).map_err(|m| located(&reader, &record, m))?;
        for (value, column) in fields.iter().zip(&by_position) {
            if let Some(message) = check_text(column, value) {
                return Err(located(&reader, &record, message));
            }
        }
    }
    Ok((rows, names))
}

/// The line where a bad record starts: one plus the newlines before its end (its own
/// terminator excluded), less those inside its fields. Read back from what was stored so far.
fn record_line<R>(tee: &mut Tee<R>, end: u64, newlines: u64) -> io::Result<u64> {
    tee.blob.flush()?;
    let stored = std::fs::File::open(tee.blob.get_ref().path())?;
    let mut before = 0u64;
    let mut buffer = vec![0; 1 << 16];
    let mut remaining = end.saturating_sub(1);
    let mut stored = stored.take(remaining);
    while remaining > 0 {
        let n = stored.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        before += buffer[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        remaining -= n as u64;
    }
    Ok((1 + before).saturating_sub(newlines).max(1))
}

/// The entry's column for each header name; the names must be exactly the 信息项.
fn header_columns<'c>(
    names: &[String],
    columns: &'c [Column],
) -> Result<Vec<&'c Column>, IngestError> {
    let mut seen = HashSet::new();
    let mut found = Vec::with_capacity(names.len());
    let mut unknown = Vec::new();
    for name in names {
        if !seen.insert(name.as_str()) {
            return Err(IngestError::Columns(format!(
                "表头中列“{name}”重复 (column {name:?} appears twice in the header)"
            )));
        }
        match columns.iter().find(|c| &c.name == name) {
            Some(c) => found.push(c),
            None => unknown.push(name.as_str()),
        }
    }
    let missing: Vec<&str> = columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| !seen.contains(n))
        .collect();
    if unknown.is_empty() && missing.is_empty() {
        return Ok(found);
    }
    Err(IngestError::Columns(column_mismatch(&unknown, &missing)))
}

fn column_mismatch(unknown: &[&str], missing: &[&str]) -> String {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    if !unknown.is_empty() {
        zh.push(format!("目录中没有这些信息项：{}", unknown.join("、")));
        en.push(format!("not items of the entry: {}", unknown.join(", ")));
    }
    if !missing.is_empty() {
        zh.push(format!("缺少这些信息项：{}", missing.join("、")));
        en.push(format!("missing items: {}", missing.join(", ")));
    }
    format!(
        "列名须与目录的信息项一致，{} (the columns must be the entry's items; {})",
        zh.join("；"),
        en.join("; ")
    )
}

/// Checks that every non-blank line is a JSON object keyed by 信息项 with fitting values.
fn check_ndjson(
    source: impl Read,
    columns: &[Column],
    max_record: u64,
) -> Result<(u64, Vec<String>), IngestError> {
    let mut reader = BufReader::with_capacity(READ_AHEAD, source);
    let mut line = Vec::new();
    let mut number = 0;
    let mut rows = 0;
    loop {
        match bounded_line(&mut reader, &mut line, max_record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(match RecordTooLarge::of(&e) {
                    Some(too_large) => IngestError::Malformed {
                        line: number + 1,
                        message: too_large.to_string(),
                    },
                    None => IngestError::Io(e),
                });
            }
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let malformed = |message: String| IngestError::Malformed {
            line: number,
            message,
        };
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&line)
            .map_err(|e| malformed(format!("不是 JSON 对象 (not a JSON object): {e}")))?;
        for (key, value) in &object {
            let column = columns.iter().find(|c| &c.name == key).ok_or_else(|| {
                malformed(format!(
                    "目录中没有信息项“{key}” (the entry has no item {key:?})"
                ))
            })?;
            if let Some(message) = check_json(column, value) {
                return Err(malformed(message));
            }
        }
        rows += 1;
    }
    Ok((rows, columns.iter().map(|c| c.name.clone()).collect()))
}
