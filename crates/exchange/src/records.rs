//! The bound on one record (a CSV record, an NDJSON line) as data is read: a reader never
//! holds more than `exchange.max_record_bytes` of one record, however long the record is,
//! so one huge field costs at most the bound, not its own size.

use std::io::{self, BufRead, Read};

/// How far the CSV readers read ahead of the record they parse (their buffer).
pub(crate) const READ_AHEAD: usize = 64 * 1024;

/// A record longer than the bound. Carried inside an [`io::Error`] so that it passes through
/// the csv reader; see [`RecordTooLarge::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "记录超过 {limit} 字节的上限（exchange.max_record_bytes） \
     (the record is longer than the limit of {limit} bytes, exchange.max_record_bytes)"
)]
pub struct RecordTooLarge {
    pub limit: u64,
}

impl RecordTooLarge {
    /// The bound `e` reports, if it is this error.
    pub fn of(e: &io::Error) -> Option<RecordTooLarge> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<RecordTooLarge>())
            .copied()
    }

    pub(crate) fn error(limit: u64) -> io::Error {
        io::Error::other(RecordTooLarge { limit })
    }
}

/// Hands a CSV reader at most `limit` bytes (and its read-ahead) past the start of the record
/// it is parsing; the reader says where each record starts with [`Self::record_starts_at`].
pub(crate) struct BoundedRecords<R> {
    inner: R,
    read: u64,
    start: u64,
    limit: u64,
}

impl<R> BoundedRecords<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        BoundedRecords {
            inner,
            read: 0,
            start: 0,
            limit,
        }
    }

    /// The next record starts at this byte offset of the source.
    pub fn record_starts_at(&mut self, offset: u64) {
        self.start = offset;
    }
}

impl<R: Read> Read for BoundedRecords<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let end = self
            .start
            .saturating_add(self.limit)
            .saturating_add(READ_AHEAD as u64);
        let allowed = end.saturating_sub(self.read);
        if allowed == 0 && !buf.is_empty() {
            return Err(RecordTooLarge::error(self.limit));
        }
        let take = buf
            .len()
            .min(usize::try_from(allowed).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..take])?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Reads the next line of `reader` into `line` (cleared first), reading no more than
/// `limit` bytes of it besides its newline: `Ok(false)` at the end of the data, and
/// [`RecordTooLarge`] for a longer line, which is not read on.
pub(crate) fn bounded_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    limit: u64,
) -> io::Result<bool> {
    line.clear();
    let n = reader
        .take(limit.saturating_add(1))
        .read_until(b'\n', line)?;
    if n == 0 {
        return Ok(false);
    }
    let content = line.len() - usize::from(line.last() == Some(&b'\n'));
    if content as u64 > limit {
        return Err(RecordTooLarge::error(limit));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_within_the_bound_is_read_and_a_longer_one_refused_after_the_bound() {
        let data = b"abc\nabcdefgh\nxy".to_vec();
        let mut reader = io::BufReader::new(&data[..]);
        let mut line = Vec::new();
        assert!(bounded_line(&mut reader, &mut line, 4).expect("a short line"));
        assert_eq!(line, b"abc\n");
        let e = bounded_line(&mut reader, &mut line, 4).expect_err("a long line");
        assert_eq!(RecordTooLarge::of(&e), Some(RecordTooLarge { limit: 4 }));
        assert_eq!(line.len(), 5);
    }

    #[test]
    fn a_bounded_reader_stops_handing_out_bytes_past_the_bound() {
        let mut reader = BoundedRecords::new(io::repeat(b'x'), 10);
        let mut sink = Vec::new();
        let e = reader
            .read_to_end(&mut sink)
            .expect_err("an endless record");
        assert_eq!(sink.len(), 10 + READ_AHEAD);
        assert_eq!(RecordTooLarge::of(&e), Some(RecordTooLarge { limit: 10 }));
    }
}
