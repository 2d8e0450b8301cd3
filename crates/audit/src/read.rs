//! Queries, newest first. A query walks back from `before_seq` (or the head) one index block
//! (up to `INDEX_EVERY` frames, found through the segment's sparse index) at a time, so a
//! page costs what it examines, not the size of the segment. Only committed bytes are read:
//! a reader never sees a partial frame while the writer appends.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::{AuditError, IoContext};
use crate::frame::{self, Next};
use crate::record::{AccessRecord, RecordRef};
use crate::segment::INDEX_EVERY;
use crate::state::{SegIndex, Segment};
use crate::writer::AccessLog;

/// Which records to return. String filters match exactly; every filter given must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Only records before this seq (exclusive); `None`: from the head.
    pub before_seq: Option<u64>,
    /// The most records returned (at least 1).
    pub limit: usize,
    /// The most records examined by one call (at least 1).
    pub scan_limit: usize,
    pub department_code: Option<String>,
    /// The full path (`/govshare.v1.CatalogService/GetEntry`) or the part after the last
    /// `/` (`GetEntry`).
    pub method: Option<String>,
    pub target: Option<String>,
    pub outcome: Option<u32>,
    pub owner_code: Option<String>,
    /// Inclusive.
    pub start: Option<DateTime<Utc>>,
    /// Exclusive.
    pub end: Option<DateTime<Utc>>,
    /// Records of this department: those it made or whose target it owns.
    pub scope: Option<String>,
}

/// A record with its stored chain hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub record: AccessRecord,
    pub hash: [u8; 32],
}

/// One page of a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryPage {
    /// Newest first.
    pub records: Vec<StoredRecord>,
    /// Set while older records remain unexamined: the `before_seq` of the next page.
    pub next_before_seq: Option<u64>,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            before_seq: None,
            limit: 100,
            scan_limit: 100_000,
            department_code: None,
            method: None,
            target: None,
            outcome: None,
            owner_code: None,
            start: None,
            end: None,
            scope: None,
        }
    }
}

impl AccessLog {
    /// One page of the records matching `q`, newest first. Blocking: run it on a blocking
    /// thread. A record that cannot be decoded stops the query with
    /// [`AuditError::Corrupt`].
    pub fn query(&self, q: &Query) -> Result<QueryPage, AuditError> {
        query_segments(&self.shared().segments(), q)
    }
}

fn query_segments(segments: &[Arc<Segment>], q: &Query) -> Result<QueryPage, AuditError> {
    let limit = q.limit.max(1);
    let scan_limit = q.scan_limit.max(1);
    let before = q.before_seq.unwrap_or(u64::MAX);
    let filter = Filter::new(q);
    let mut page = QueryPage::default();
    let Some(mut si) = segments.iter().rposition(|s| s.first_seq < before) else {
        return Ok(page);
    };
    let mut examined = 0;
    let mut block = Block::default();
    let mut newest = true;
    loop {
        let seg = &segments[si];
        let index = seg.index()?;
        // Frames [0, end) of this segment remain.
        let mut end = index.count;
        if newest {
            end = end.min(before - seg.first_seq);
            newest = false;
        }
        let file = match end {
            0 => None,
            _ => Some(File::open(&seg.path).at(&seg.path)?),
        };
        while let (Some(file), true) = (&file, end > 0) {
            let k = (end - 1) / INDEX_EVERY;
            block.read(seg, file, &index, k, end - k * INDEX_EVERY)?;
            for (i, &(offset, payload_len)) in block.frames.iter().enumerate().rev() {
                let at = offset - block.offset;
                let (payload, hash) = frame::parts(&block.data[at as usize..], payload_len);
                let record = RecordRef::parse(payload).map_err(|e| {
                    AuditError::corrupt(&seg.path, offset, format!("record cannot be decoded: {e}"))
                })?;
                examined += 1;
                if record.seq < before && filter.matches(&record) {
                    let record = record
                        .to_record()
                        .map_err(|e| AuditError::corrupt(&seg.path, offset, e.to_string()))?;
                    page.records.push(StoredRecord {
                        record,
                        hash: *hash,
                    });
                }
                if page.records.len() >= limit || examined >= scan_limit {
                    let older = i > 0 || k > 0 || si > 0;
                    // Always progress, even through a damaged log.
                    page.next_before_seq = older.then(|| record.seq.min(before - 1));
                    return Ok(page);
                }
            }
            end = k * INDEX_EVERY;
        }
        if si == 0 {
            return Ok(page);
        }
        si -= 1;
    }
}

/// The frames of one index block, read in one go.
#[derive(Default)]
struct Block {
    data: Vec<u8>,
    /// Where `data` starts in the segment.
    offset: u64,
    /// (offset, payload length) of each frame.
    frames: Vec<(u64, usize)>,
}

impl Block {
    /// Reads the first `n` frames of index block `k`.
    fn read(
        &mut self,
        seg: &Segment,
        file: &File,
        index: &SegIndex,
        k: u64,
        n: u64,
    ) -> Result<(), AuditError> {
        let corrupt = |offset, problem: &str| AuditError::corrupt(&seg.path, offset, problem);
        let start = *index
            .offsets
            .get(k as usize)
            .ok_or_else(|| corrupt(0, "index block missing"))?;
        let end = index
            .offsets
            .get(k as usize + 1)
            .copied()
            .unwrap_or(index.len);
        if end < start {
            return Err(corrupt(start, "index out of order"));
        }
        self.data.resize((end - start) as usize, 0);
        file.read_exact_at(&mut self.data, start).at(&seg.path)?;
        self.offset = start;
        self.frames.clear();
        let mut at = 0;
        while (self.frames.len() as u64) < n {
            match frame::classify(&self.data[at..]) {
                Next::Frame(payload_len) => {
                    self.frames.push((start + at as u64, payload_len));
                    at += frame::frame_len(payload_len);
                }
                _ => {
                    return Err(corrupt(
                        start + at as u64,
                        "the frame is incomplete or its length impossible",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A query's filters, ready to apply.
struct Filter<'q> {
    q: &'q Query,
    start: Option<i64>,
    end: Option<i64>,
}

impl<'q> Filter<'q> {
    fn new(q: &'q Query) -> Self {
        Filter {
            q,
            start: q.start.map(|t| t.timestamp_micros()),
            end: q.end.map(|t| t.timestamp_micros()),
        }
    }

    fn matches(&self, r: &RecordRef<'_>) -> bool {
        let q = self.q;
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        eq(&q.department_code, r.department_code())
            && eq(&q.target, r.target())
            && eq(&q.owner_code, r.owner_code())
            && q.outcome.is_none_or(|o| o == r.outcome)
            && self.start.is_none_or(|s| r.time_micros >= s)
            && self.end.is_none_or(|e| r.time_micros < e)
            && q.method
                .as_deref()
                .is_none_or(|m| r.method() == m || r.method().rsplit('/').next() == Some(m))
            && q.scope
                .as_deref()
                .is_none_or(|s| r.owner_code() == s || r.department_code() == s)
    }
}
