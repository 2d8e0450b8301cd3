//! Column projection: a snapshot's CSV or NDJSON cut down to the delivered columns, emitted
//! in chunks, with the sha256 and size of exactly the bytes emitted. [`deliver`] is what a
//! fetch runs: the stored blob is checked against its recorded sha256 and size as it is read,
//! and the last chunk is held back until the check has passed, so damaged data never reaches
//! a client as a complete delivery.

use std::io::{self, BufReader, Read, Write};

use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};

use crate::MediaKind;
use crate::records::{BoundedRecords, READ_AHEAD, RecordTooLarge, bounded_line};

/// The bound on one record when none is configured: 16 MiB (`exchange.max_record_bytes`).
pub const DEFAULT_MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// What was emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub sha256: String,
    pub size: u64,
    /// Data rows emitted (0 for opaque bytes).
    pub rows: u64,
}

/// Emits `source` as `kind`, keeping only `keep` (column names, in the order to deliver), in
/// chunks of about `chunk` bytes. Opaque bytes are emitted unchanged and not hashed: the
/// returned `sha256` is then empty, the blob's name being the hash of exactly those bytes.
/// Stops with the error of `emit` (e.g. the receiver went away), and with [`RecordTooLarge`]
/// at a record longer than [`DEFAULT_MAX_RECORD_BYTES`]. The source is not checked against
/// anything: stored data goes out through [`deliver`].
pub fn project(
    source: impl Read,
    kind: MediaKind,
    keep: &[String],
    chunk: usize,
    emit: impl FnMut(Bytes) -> io::Result<()>,
) -> io::Result<Delivered> {
    project_bounded(source, kind, keep, chunk, DEFAULT_MAX_RECORD_BYTES, emit)
}

/// The sha256 (lower-case hex) and size a snapshot's blob was recorded with.
#[derive(Debug, Clone, Copy)]
pub struct Recorded<'a> {
    pub sha256: &'a str,
    pub size: u64,
}

/// Why a delivery stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The stored bytes are not the recorded ones: `read` bytes were read (more than recorded
    /// when `longer`). The last chunk was not emitted.
    #[error(
        "存储的数据与记录的 sha256 和大小不符：读到 {read} 字节 (the stored data does not \
         match its recorded sha256 and size: {read} bytes read)"
    )]
    Damaged { read: u64, longer: bool },
    /// A record longer than the bound (the data itself is as recorded).
    #[error(transparent)]
    RecordTooLarge(RecordTooLarge),
    /// Reading failed, or `emit` did (its error, as it returned it).
    #[error(transparent)]
    Io(io::Error),
}

/// [`project_bounded`] of a stored blob, checked as it is read against the sha256 and size it
/// was `recorded` with. Every chunk but the last is emitted as it is made; the last only once
/// the whole blob has been read and found intact. Damage found anywhere (a changed byte, a
/// missing or extra tail, data so mangled the projection fails on it) ends the delivery with
/// [`DeliverError::Damaged`] before that last chunk, so no complete delivery of damaged data
/// is ever emitted.
pub fn deliver(
    source: impl Read,
    kind: MediaKind,
    keep: &[String],
    chunk: usize,
    max_record_bytes: u64,
    recorded: Recorded<'_>,
    mut emit: impl FnMut(Bytes) -> io::Result<()>,
) -> Result<Delivered, DeliverError> {
    let mut source = Verifying {
        inner: source,
        hasher: Sha256::new(),
        size: 0,
        recorded: recorded.size,
        longer: false,
    };
    let mut held: Option<Bytes> = None;
    let mut emit_failed = false;
    let projected = {
        let hold_last = |bytes: Bytes| -> io::Result<()> {
            match held.replace(bytes) {
                Some(previous) => emit(previous).inspect_err(|_| emit_failed = true),
                None => Ok(()),
            }
        };
        project_bounded(&mut source, kind, keep, chunk, max_record_bytes, hold_last)
    };
    if emit_failed {
        return Err(DeliverError::Io(
            projected
                .err()
                .unwrap_or_else(|| io::Error::other("the data was not taken")),
        ));
    }
    // Whatever the projection made of the data, the rest is read and checked: damage explains
    // a failure better than the failure does.
    let drained = io::copy(&mut source, &mut io::sink());
    let damaged = DeliverError::Damaged {
        read: source.size,
        longer: source.longer,
    };
    if source.longer {
        return Err(damaged);
    }
    drained.map_err(DeliverError::Io)?;
    let sha256 = hex::encode(source.hasher.finalize_reset());
    if source.size != recorded.size || !sha256.eq_ignore_ascii_case(recorded.sha256) {
        return Err(damaged);
    }
    let delivered = projected.map_err(|e| match RecordTooLarge::of(&e) {
        Some(too_large) => DeliverError::RecordTooLarge(too_large),
        None => DeliverError::Io(e),
    })?;
    if let Some(last) = held.take() {
        emit(last).map_err(DeliverError::Io)?;
    }
    Ok(delivered)
}

/// Passes a stored blob through, hashing and counting it; refuses to read past its recorded
/// size.
struct Verifying<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
    recorded: u64,
    longer: bool,
}

impl<R: Read> Read for Verifying<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.size += n as u64;
        if self.size > self.recorded {
            self.longer = true;
            return Err(io::Error::other("the data is longer than recorded"));
        }
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// [`project`] with a bound of `max_record_bytes` on one record: a longer one is refused
/// with [`RecordTooLarge`] having read at most the bound and a buffer's worth of it.
pub fn project_bounded(
    source: impl Read,
    kind: MediaKind,
    keep: &[String],
    chunk: usize,
    max_record_bytes: u64,
    emit: impl FnMut(Bytes) -> io::Result<()>,
) -> io::Result<Delivered> {
    let mut sink = Chunker {
        buffer: BytesMut::with_capacity(chunk),
        chunk: chunk.max(1),
        hasher: Sha256::new(),
        size: 0,
        emit,
        failed: None,
    };
    let rows = match kind {
        MediaKind::Csv => project_csv(source, keep, max_record_bytes, &mut sink)?,
        MediaKind::Ndjson => project_ndjson(source, keep, max_record_bytes, &mut sink)?,
        MediaKind::Opaque => {
            copy_opaque(source, &mut sink)?;
            0
        }
    };
    sink.finish()?;
    let sha256 = if kind.is_tabular() {
        hex::encode(sink.hasher.finalize_reset())
    } else {
        String::new()
    };
    Ok(Delivered {
        sha256,
        size: sink.size,
        rows,
    })
}

/// The I/O error inside a csv error, kind and all (an `emit` failure stays what it was).
fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn project_csv(
    source: impl Read,
    keep: &[String],
    max_record: u64,
    sink: &mut impl Write,
) -> io::Result<u64> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(READ_AHEAD)
        .from_reader(BoundedRecords::new(source, max_record));
    let header = reader.byte_headers().map_err(csv_io)?.clone();
    bounded(&header, max_record)?;
    let next = reader.position().byte();
    reader.get_mut().record_starts_at(next);
    let positions: Vec<usize> = keep
        .iter()
        .map(|name| {
            header
                .iter()
                .position(|h| std::str::from_utf8(h).is_ok_and(|h| h.trim() == name))
                .ok_or_else(|| io::Error::other(format!("the snapshot has no column {name:?}")))
        })
        .collect::<io::Result<_>>()?;
    let mut writer = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(sink);
    writer.write_record(keep).map_err(csv_io)?;
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    while reader.read_byte_record(&mut record).map_err(csv_io)? {
        bounded(&record, max_record)?;
        let next = reader.position().byte();
        reader.get_mut().record_starts_at(next);
        writer
            .write_record(positions.iter().map(|&i| record.get(i).unwrap_or_default()))
            .map_err(csv_io)?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

/// A record read whole but longer than the bound (its fields without their delimiters).
fn bounded(record: &csv::ByteRecord, max_record: u64) -> io::Result<()> {
    if record.as_slice().len() as u64 > max_record {
        return Err(RecordTooLarge::error(max_record));
    }
    Ok(())
}

fn project_ndjson(
    source: impl Read,
    keep: &[String],
    max_record: u64,
    sink: &mut impl Write,
) -> io::Result<u64> {
    let mut reader = BufReader::with_capacity(READ_AHEAD, source);
    let mut line = Vec::new();
    let mut rows = 0;
    while bounded_line(&mut reader, &mut line, max_record)? {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&line).map_err(io::Error::other)?;
        // The kept keys in the order asked for (a JSON map would sort them).
        sink.write_all(b"{")?;
        let mut first = true;
        for (key, value) in keep.iter().filter_map(|k| object.get(k).map(|v| (k, v))) {
            if !first {
                sink.write_all(b",")?;
            }
            first = false;
            serde_json::to_writer(&mut *sink, key)?;
            sink.write_all(b":")?;
            serde_json::to_writer(&mut *sink, value)?;
        }
        sink.write_all(b"}\n")?;
        rows += 1;
    }
    Ok(rows)
}

/// Opaque bytes go out as they are, unhashed: the blob's name is already their sha256.
fn copy_opaque<E: FnMut(Bytes) -> io::Result<()>>(
    mut source: impl Read,
    sink: &mut Chunker<E>,
) -> io::Result<()> {
    loop {
        // Read straight into the chunk buffer: no copy between the file and the message.
        let start = sink.buffer.len();
        sink.buffer.resize(sink.chunk, 0);
        let n = loop {
            match source.read(&mut sink.buffer[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    sink.buffer.truncate(start);
                    return Err(e);
                }
            }
        };
        sink.buffer.truncate(start + n);
        sink.size += n as u64;
        if n == 0 {
            return Ok(());
        }
        if sink.buffer.len() >= sink.chunk {
            sink.send()?;
        }
    }
}

/// Collects written bytes into chunks, hashing and counting them. Once `emit` fails, every
/// later write fails the same way without calling it again (a writer flushing on drop must
/// not send the same bytes twice).
struct Chunker<E> {
    buffer: BytesMut,
    chunk: usize,
    hasher: Sha256,
    size: u64,
    emit: E,
    failed: Option<io::ErrorKind>,
}

impl<E: FnMut(Bytes) -> io::Result<()>> Chunker<E> {
    fn send(&mut self) -> io::Result<()> {
        if let Some(kind) = self.failed {
            return Err(io::Error::new(kind, "the data was not taken"));
        }
        let full = self.buffer.split().freeze();
        self.buffer.reserve(self.chunk);
        (self.emit)(full).inspect_err(|e| self.failed = Some(e.kind()))
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            Ok(())
        } else {
            self.send()
        }
    }
}

impl<E: FnMut(Bytes) -> io::Result<()>> Write for Chunker<E> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(kind) = self.failed {
            return Err(io::Error::new(kind, "the data was not taken"));
        }
        self.buffer.extend_from_slice(buf);
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        if self.buffer.len() >= self.chunk {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
