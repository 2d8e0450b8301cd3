//! An upload on its way in: every byte is written to a temporary blob and hashed as it is
//! read, while CSV and NDJSON are checked row by row against the entry's 信息项. Only a
//! complete, well-formed upload within the size limit becomes a blob; anything else leaves
//! nothing behind. The checks are fed the bytes as they arrive ([`Ingest`]): an upload that
//! waits for the network holds no thread.

use std::collections::HashSet;
use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

use crate::project::DEFAULT_MAX_RECORD_BYTES;
use crate::records::RecordTooLarge;
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
    /// as soon as it crosses the bound, having been held no further.
    pub max_record_bytes: u64,
}

/// [`ingest`] held to `bounds`.
pub fn ingest_bounded(
    store: &BlobStore,
    mut source: impl Read,
    kind: MediaKind,
    columns: &[Column],
    bounds: Bounds,
    expected_sha256: Option<&str>,
) -> Result<Ingested, IngestError> {
    let mut upload = Ingest::new(
        store,
        kind,
        columns.to_vec(),
        bounds,
        expected_sha256.map(str::to_owned),
    )?;
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = match source.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(IngestError::Io(e)),
        };
        upload.feed(&buffer[..n])?;
    }
    upload.finish()
}

/// An upload fed piece by piece as its bytes arrive: each piece is written to a temporary
/// blob, hashed and checked before `feed` returns, so nothing waits for the next piece and
/// the caller holds a thread only while it has bytes to give. After a refusal the upload is
/// dropped, and its temporary blob with it.
#[derive(Debug)]
pub struct Ingest {
    store: BlobStore,
    blob: io::BufWriter<crate::TempBlob>,
    hasher: Sha256,
    size: u64,
    max_bytes: u64,
    check: Check,
    expected_sha256: Option<String>,
}

/// The row checks of one media kind, fed the bytes in order.
#[derive(Debug)]
enum Check {
    Csv(Box<CsvCheck>),
    Ndjson(NdjsonCheck),
    Opaque,
}

impl Ingest {
    /// A new upload into a temporary blob of `store`, checked as `kind` against `columns`,
    /// refused past `bounds` or if its sha256 is not `expected_sha256`.
    pub fn new(
        store: &BlobStore,
        kind: MediaKind,
        columns: Vec<Column>,
        bounds: Bounds,
        expected_sha256: Option<String>,
    ) -> Result<Ingest, IngestError> {
        let Bounds {
            max_bytes,
            max_record_bytes,
        } = bounds;
        let check = match kind {
            MediaKind::Csv => Check::Csv(Box::new(CsvCheck::new(columns, max_record_bytes))),
            MediaKind::Ndjson => Check::Ndjson(NdjsonCheck::new(columns, max_record_bytes)),
            MediaKind::Opaque => Check::Opaque,
        };
        Ok(Ingest {
            store: store.clone(),
            blob: io::BufWriter::with_capacity(1 << 20, store.temp()?),
            hasher: Sha256::new(),
            size: 0,
            max_bytes,
            check,
            expected_sha256,
        })
    }

    /// Writes, hashes and checks the next bytes of the upload.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), IngestError> {
        // The size check comes first: it refuses whatever the checks would make of the rest.
        if self.size.saturating_add(data.len() as u64) > self.max_bytes {
            return Err(IngestError::TooLarge {
                limit: self.max_bytes,
            });
        }
        self.size += data.len() as u64;
        self.blob.write_all(data)?;
        self.hasher.update(data);
        match &mut self.check {
            Check::Csv(csv) => csv.feed(data).map_err(|e| self.located(e)),
            Check::Ndjson(ndjson) => ndjson.feed(data),
            Check::Opaque => Ok(()),
        }
    }

    /// Ends the upload: the last checks, the announced sha256, then the blob made durable.
    pub fn finish(mut self) -> Result<Ingested, IngestError> {
        let check = std::mem::replace(&mut self.check, Check::Opaque);
        let (rows, names) = match check {
            Check::Csv(csv) => csv.finish().map_err(|e| self.located(e))?,
            Check::Ndjson(ndjson) => ndjson.finish()?,
            Check::Opaque => (0, Vec::new()),
        };
        let Ingest {
            store,
            blob,
            hasher,
            size,
            expected_sha256,
            ..
        } = self;
        let blob = blob.into_inner().map_err(|e| e.into_error())?;
        let sha256 = hex::encode(hasher.finalize());
        if let Some(expected) = expected_sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(IngestError::Checksum {
                expected,
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

    /// A CSV failure as the error to answer, a bad record with the line where it starts.
    fn located(&mut self, failure: CsvFailure) -> IngestError {
        match failure {
            CsvFailure::Plain(e) => e,
            CsvFailure::Located {
                end,
                newlines,
                message,
            } => match record_line(&mut self.blob, end, newlines) {
                Ok(line) => IngestError::Malformed { line, message },
                Err(e) => IngestError::Io(e),
            },
        }
    }
}

/// Why a CSV upload failed: a bad record is located by the byte offset where it ends and
/// the newlines inside its fields, since a parser's own line numbers lag behind after CRLF
/// endings and blank lines.
#[derive(Debug)]
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

/// The fields of a record as text, or why not (field numbers from 1).
fn utf8_fields<'r>(fields: impl Iterator<Item = &'r [u8]>) -> Result<Vec<&'r str>, String> {
    fields
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

/// The CSV checks, fed in pieces: the header must name exactly the entry's 信息项, every
/// record must have the header's width and values that fit their items.
#[derive(Debug)]
struct CsvCheck {
    reader: csv_core::Reader,
    columns: Vec<Column>,
    /// The header's names and, for each, the index of its column; set by the first record.
    header: Option<(Vec<String>, Vec<usize>)>,
    /// The record being parsed: its fields' bytes and where each field ends.
    record: Vec<u8>,
    ends: Vec<usize>,
    record_len: usize,
    fields: usize,
    /// Bytes the parser consumed: where the last complete record ends.
    consumed: u64,
    rows: u64,
    /// The most bytes one record's fields may hold (`exchange.max_record_bytes`).
    max_record: u64,
}

impl CsvCheck {
    fn new(columns: Vec<Column>, max_record: u64) -> Self {
        CsvCheck {
            // The csv crate's defaults: comma, double quote, CRLF or LF, no comments.
            reader: csv_core::Reader::new(),
            max_record,
            columns,
            header: None,
            record: vec![0; 1 << 12],
            ends: vec![0; 64],
            record_len: 0,
            fields: 0,
            consumed: 0,
            rows: 0,
        }
    }

    /// Parses `input`, checking each record it completes. An empty input is the end.
    fn parse(&mut self, mut input: &[u8]) -> Result<(), CsvFailure> {
        let at_end = input.is_empty();
        loop {
            let (result, read, written, ended) = self.reader.read_record(
                input,
                &mut self.record[self.record_len..],
                &mut self.ends[self.fields..],
            );
            input = &input[read..];
            self.consumed += read as u64;
            self.record_len += written;
            self.fields += ended;
            match result {
                csv_core::ReadRecordResult::InputEmpty => return Ok(()),
                // The record's buffers grow only within the bounds: its bytes up to the record
                // bound, its fields up to one more than the entry has items (the header must
                // name them all, and every record must be as wide as the header).
                csv_core::ReadRecordResult::OutputFull => {
                    if self.record.len() as u64 > self.max_record {
                        return Err(self.partial_failure(
                            RecordTooLarge {
                                limit: self.max_record,
                            }
                            .to_string(),
                        ));
                    }
                    let larger = (self.record.len() * 2)
                        .min(usize::try_from(self.max_record + 1).unwrap_or(usize::MAX));
                    self.record.resize(larger, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let widest = self.columns.len() + 1;
                    if self.ends.len() >= widest {
                        let message = format!(
                            "字段多于目录的 {} 个信息项 (more fields than the entry's {} items)",
                            self.columns.len(),
                            self.columns.len()
                        );
                        return Err(self.partial_failure(message));
                    }
                    let larger = (self.ends.len() * 2).min(widest);
                    self.ends.resize(larger, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.record_done()?;
                    self.record_len = 0;
                    self.fields = 0;
                    // An empty input would read as the end of the data.
                    if input.is_empty() && !at_end {
                        return Ok(());
                    }
                }
                csv_core::ReadRecordResult::End => return Ok(()),
            }
        }
    }

    fn feed(&mut self, input: &[u8]) -> Result<(), CsvFailure> {
        if input.is_empty() {
            return Ok(());
        }
        self.parse(input)
    }

    /// The end of the data: the last record, if it has no line end; returns the number of
    /// records and the header's names.
    fn finish(mut self) -> Result<(u64, Vec<String>), CsvFailure> {
        self.parse(&[])?;
        if self.header.is_none() {
            // No record at all: an empty header, which names none of the items.
            header_columns(&[], &self.columns)?;
        }
        let names = self.header.map(|(names, _)| names).unwrap_or_default();
        Ok((self.rows, names))
    }

    /// A failure of the record being parsed, not yet complete: located where parsing got to,
    /// less the newlines inside its fields so far.
    fn partial_failure(&self, message: String) -> CsvFailure {
        CsvFailure::Located {
            end: self.consumed,
            newlines: self.record[..self.record_len]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64,
            message,
        }
    }

    fn record_done(&mut self) -> Result<(), CsvFailure> {
        if self.record_len as u64 > self.max_record {
            return Err(self.partial_failure(
                RecordTooLarge {
                    limit: self.max_record,
                }
                .to_string(),
            ));
        }
        let record = &self.record[..self.record_len];
        let ends = &self.ends[..self.fields];
        let fields = ends.iter().scan(0, |start, &end| {
            let field = &record[*start..end];
            *start = end;
            Some(field)
        });
        let located = |message: String| CsvFailure::Located {
            end: self.consumed,
            newlines: record.iter().filter(|&&b| b == b'\n').count() as u64,
            message,
        };
        let fields = utf8_fields(fields).map_err(located)?;
        let Some((names, by_position)) = &self.header else {
            let names: Vec<String> = fields.iter().map(|h| h.trim().to_owned()).collect();
            let by_position = header_columns(&names, &self.columns)?;
            self.header = Some((names, by_position));
            return Ok(());
        };
        self.rows += 1;
        if fields.len() != names.len() {
            return Err(located(format!(
                "有 {} 个字段，表头有 {} 列 (has {} fields; the header has {} columns)",
                fields.len(),
                names.len(),
                fields.len(),
                names.len()
            )));
        }
        for (value, &column) in fields.iter().zip(by_position) {
            if let Some(message) = check_text(&self.columns[column], value) {
                return Err(located(message));
            }
        }
        Ok(())
    }
}

/// The line where a bad record starts: one plus the newlines before its end (its own
/// terminator excluded), less those inside its fields. Read back from what was stored so far.
fn record_line(
    blob: &mut io::BufWriter<crate::TempBlob>,
    end: u64,
    newlines: u64,
) -> io::Result<u64> {
    blob.flush()?;
    let stored = std::fs::File::open(blob.get_ref().path())?;
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
fn header_columns(names: &[String], columns: &[Column]) -> Result<Vec<usize>, IngestError> {
    let mut seen = HashSet::new();
    let mut found = Vec::with_capacity(names.len());
    let mut unknown = Vec::new();
    for name in names {
        if !seen.insert(name.as_str()) {
            return Err(IngestError::Columns(format!(
                "表头中列“{name}”重复 (column {name:?} appears twice in the header)"
            )));
        }
        match columns.iter().position(|c| &c.name == name) {
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

/// The NDJSON checks, fed in pieces: every non-blank line is a JSON object keyed by 信息项
/// with fitting values.
#[derive(Debug)]
struct NdjsonCheck {
    columns: Vec<Column>,
    /// The start of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// Lines seen, blank ones included.
    lines: u64,
    rows: u64,
    /// The most bytes one line may hold, its newline aside (`exchange.max_record_bytes`).
    max_record: u64,
}

impl NdjsonCheck {
    fn new(columns: Vec<Column>, max_record: u64) -> Self {
        NdjsonCheck {
            columns,
            partial: Vec::new(),
            lines: 0,
            rows: 0,
            max_record,
        }
    }

    /// Refuses the line being read once it holds more than the bound; nothing beyond the bound
    /// is kept.
    fn within_bound(&self, content: usize) -> Result<(), IngestError> {
        if (self.partial.len() + content) as u64 > self.max_record {
            return Err(IngestError::Malformed {
                line: self.lines + 1,
                message: RecordTooLarge {
                    limit: self.max_record,
                }
                .to_string(),
            });
        }
        Ok(())
    }

    fn feed(&mut self, mut input: &[u8]) -> Result<(), IngestError> {
        while let Some(newline) = input.iter().position(|&b| b == b'\n') {
            self.within_bound(newline)?;
            let (line, rest) = input.split_at(newline + 1);
            if self.partial.is_empty() {
                self.check_line(line)?;
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                self.check_line(&whole)?;
            }
            input = rest;
        }
        self.within_bound(input.len())?;
        self.partial.extend_from_slice(input);
        Ok(())
    }

    /// The end of the data: the last line, if it has no line end.
    fn finish(mut self) -> Result<(u64, Vec<String>), IngestError> {
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.check_line(&last)?;
        }
        Ok((
            self.rows,
            self.columns.into_iter().map(|c| c.name).collect(),
        ))
    }

    fn check_line(&mut self, line: &[u8]) -> Result<(), IngestError> {
        self.lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let number = self.lines;
        let malformed = |message: String| IngestError::Malformed {
            line: number,
            message,
        };
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line)
            .map_err(|e| malformed(format!("不是 JSON 对象 (not a JSON object): {e}")))?;
        for (key, value) in &object {
            let column = self
                .columns
                .iter()
                .find(|c| &c.name == key)
                .ok_or_else(|| {
                    malformed(format!(
                        "目录中没有信息项“{key}” (the entry has no item {key:?})"
                    ))
                })?;
            if let Some(message) = check_json(column, value) {
                return Err(malformed(message));
            }
        }
        self.rows += 1;
        Ok(())
    }
}
