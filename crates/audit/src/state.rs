//! What the writer thread publishes for readers: the segments and how much of each is
//! committed (durable), their sparse indexes, and the head. Readers never look past a
//! committed length, so they never see a partial frame.
//!
//! Lock order: `Shared::state`, then a segment's `index`. Readers do not hold both; the
//! writer takes both only to publish a group.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::AuditError;
use crate::segment::{self, INDEX_EVERY};

/// The committed head of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The last committed record, 0 for an empty log.
    pub seq: u64,
    /// Its chain hash, [`GENESIS`](crate::GENESIS) for an empty log.
    pub hash: [u8; 32],
    /// Committed bytes over all segments.
    pub size_bytes: u64,
}

/// State shared by the handles, the writer thread and readers.
#[derive(Debug)]
pub(crate) struct Shared {
    pub dir: PathBuf,
    pub state: RwLock<State>,
}

#[derive(Debug)]
pub(crate) struct State {
    /// In order of first seq; the last one is being written.
    pub segments: Vec<Arc<Segment>>,
    pub head: Head,
    /// Why the log stopped accepting appends, once it has.
    pub closed: Option<String>,
    /// It stopped because a failed write could not be undone: only a restart (which repairs
    /// the files at open) brings it back.
    pub failed: bool,
}

/// One segment file.
#[derive(Debug)]
pub(crate) struct Segment {
    pub first_seq: u64,
    pub path: PathBuf,
    /// Committed bytes.
    pub len: AtomicU64,
    /// Built when first needed (at open for the last segment), then extended by the writer.
    pub index: Mutex<Option<SegIndex>>,
}

/// Where every `INDEX_EVERY`th frame of a segment starts.
#[derive(Debug, Clone, Default)]
pub(crate) struct SegIndex {
    pub offsets: Vec<u64>,
    /// Frames indexed.
    pub count: u64,
    /// Bytes indexed: the committed length when the index was last extended.
    pub len: u64,
}

impl Shared {
    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The segments as they are now.
    pub fn segments(&self) -> Vec<Arc<Segment>> {
        self.read().segments.clone()
    }
}

impl Segment {
    pub fn new(first_seq: u64, path: PathBuf, len: u64, index: Option<SegIndex>) -> Segment {
        Segment {
            first_seq,
            path,
            len: AtomicU64::new(len),
            index: Mutex::new(index),
        }
    }

    pub fn committed_len(&self) -> u64 {
        self.len.load(Ordering::Acquire)
    }

    fn lock_index(&self) -> MutexGuard<'_, Option<SegIndex>> {
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the index, built by scanning the committed bytes if this is its first use.
    pub fn index(&self) -> Result<SegIndex, AuditError> {
        let mut guard = self.lock_index();
        if let Some(index) = guard.as_ref() {
            return Ok(index.clone());
        }
        let len = self.committed_len();
        let scan = segment::scan(&self.path, len, false)?;
        let index = SegIndex {
            offsets: scan.offsets,
            count: scan.count,
            len,
        };
        *guard = Some(index.clone());
        Ok(index)
    }

    /// Publishes frames the writer committed: the segment now holds `count` frames in `len`
    /// bytes, `offsets` being the index entries among the new ones.
    pub fn extend(&self, len: u64, count: u64, offsets: &[u64]) {
        let mut guard = self.lock_index();
        if let Some(index) = guard.as_mut() {
            index.offsets.extend_from_slice(offsets);
            index.count = count;
            index.len = len;
            debug_assert_eq!(index.offsets.len() as u64, count.div_ceil(INDEX_EVERY));
        }
        self.len.store(len, Ordering::Release);
    }
}
