//! An upload on its way in: every byte is written to a temporary blob and hashed as it is
//! read, while CSV and NDJSON are checked row by row against the entry's 信息项. Only a
//! complete, well-formed upload within the size limit becomes a blob; anything else leaves
//! nothing behind.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read, Write};

use sha2::{Digest, Sha256};

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
    #[error("{0}")]
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
/// one, a sha256 other than `expected_sha256`.
pub fn ingest(
    store: &BlobStore,
    source: impl Read,
    kind: MediaKind,
    columns: &[Column],
    max_bytes: u64,
    expected_sha256: Option<&str>,
) -> Result<Ingested, IngestError> {
    let mut tee = Tee {
        source,
        blob: io::BufWriter::with_capacity(1 << 20, store.temp()?),
        hasher: Sha256::new(),
        size: 0,
        max_bytes,
        too_large: false,
    };
    let checked = match kind {
        MediaKind::Csv => check_csv(&mut tee, columns),
        MediaKind::Ndjson => check_ndjson(&mut tee, columns),
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

/// Checks the header against the entry's 信息项 and every record; returns the number of
/// records and the header's names.
fn check_csv(source: impl Read, columns: &[Column]) -> Result<(u64, Vec<String>), IngestError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(source);
    let header = reader.headers().map_err(csv_error)?.clone();
    let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let by_position = header_columns(&names, columns)?;
    let mut record = csv::StringRecord::new();
    let mut rows = 0;
    while reader.read_record(&mut record).map_err(csv_error)? {
        rows += 1;
        let line = record.position().map_or(rows + 1, |p| p.line());
        for (value, column) in record.iter().zip(&by_position) {
            if let Some(message) = check_text(column, value) {
                return Err(IngestError::Malformed { line, message });
            }
        }
    }
    Ok((rows, names))
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

fn csv_error(e: csv::Error) -> IngestError {
    let line = e.position().map_or(0, csv::Position::line);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => IngestError::Io(io),
        csv::ErrorKind::Utf8 { err, .. } => IngestError::Malformed {
            line,
            message: format!(
                "第 {} 个字段不是 UTF-8 文本 (field {} is not UTF-8)",
                err.field() + 1,
                err.field() + 1
            ),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => IngestError::Malformed {
            line,
            message: format!(
                "有 {len} 个字段，表头有 {expected_len} 列 (has {len} fields; the header has \
                 {expected_len} columns)"
            ),
        },
        other => IngestError::Malformed {
            line,
            message: format!("CSV 格式错误 (malformed CSV): {other:?}"),
        },
    }
}

/// Checks that every non-blank line is a JSON object keyed by 信息项 with fitting values.
fn check_ndjson(source: impl Read, columns: &[Column]) -> Result<(u64, Vec<String>), IngestError> {
    let mut reader = BufReader::with_capacity(1 << 16, source);
    let mut line = Vec::new();
    let mut number = 0;
    let mut rows = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
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
