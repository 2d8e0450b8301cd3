//! Column projection: a snapshot's CSV or NDJSON cut down to the delivered columns, emitted
//! in chunks, with the sha256 and size of exactly the bytes emitted.

use std::io::{self, BufRead, BufReader, Read, Write};

use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};

use crate::MediaKind;

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
/// Stops with the error of `emit` (e.g. the receiver went away).
pub fn project(
    source: impl Read,
    kind: MediaKind,
    keep: &[String],
    chunk: usize,
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
        MediaKind::Csv => project_csv(source, keep, &mut sink)?,
        MediaKind::Ndjson => project_ndjson(source, keep, &mut sink)?,
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

fn project_csv(source: impl Read, keep: &[String], sink: &mut impl Write) -> io::Result<u64> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(1 << 16)
        .from_reader(source);
    let header = reader.byte_headers().map_err(csv_io)?.clone();
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
        writer
            .write_record(positions.iter().map(|&i| record.get(i).unwrap_or_default()))
            .map_err(csv_io)?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

fn project_ndjson(source: impl Read, keep: &[String], sink: &mut impl Write) -> io::Result<u64> {
    let mut reader = BufReader::with_capacity(1 << 16, source);
    let mut line = Vec::new();
    let mut rows = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
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
