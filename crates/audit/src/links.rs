//! A segment as verification sees it: its bytes split into frames and what follows the last
//! one, and the check of its links, `stored(n) == sha256(stored(n-1) ‖ payload(n))`, with
//! each payload's decoding. Every stored hash is on disk, so the links are independent: they
//! are checked in chunks on `available_parallelism` threads and the earliest failure wins.

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{AuditError, IoContext};
use crate::frame::{self, Next};
use crate::record::{DecodeError, RecordRef, chain_hash};

/// Bytes read at a time.
const READ_PIECE: u64 = 512 * 1024;
/// Frames a thread checks at a time.
const CHUNK: usize = 8192;

/// A segment to verify: its first `len` bytes.
#[derive(Debug)]
pub(crate) struct Spec {
    pub first_seq: u64,
    pub path: PathBuf,
    pub len: u64,
}

/// A segment read into memory and split into frames.
#[derive(Default)]
pub(crate) struct Loaded {
    pub data: Vec<u8>,
    pub frames: Vec<Frame>,
    pub tail: Tail,
}

/// A complete frame in a segment's bytes.
#[derive(Clone, Copy)]
pub(crate) struct Frame {
    start: usize,
    payload_len: usize,
}

/// What follows the last complete frame of a segment.
#[derive(Default, Clone, Copy)]
pub(crate) enum Tail {
    #[default]
    Clean,
    /// This many bytes of an incomplete frame, or zeros.
    Torn(u64),
    BadLength(u32),
}

/// Why a link check failed.
pub(crate) enum LinkProblem {
    Decode(DecodeError),
    Hash,
}

impl Loaded {
    /// Reads the segment `spec` (reusing this one's buffers) and splits it into frames,
    /// a piece at a time while the piece is still in the cache.
    pub fn load(&mut self, spec: &Spec) -> Result<(), AuditError> {
        self.data.clear();
        self.data.reserve(usize::try_from(spec.len).unwrap_or(0));
        self.frames.clear();
        self.tail = Tail::Clean;
        let file = File::open(&spec.path).at(&spec.path)?;
        let mut reader = file.take(spec.len);
        let mut at = 0;
        loop {
            let piece = (&mut reader)
                .take(READ_PIECE)
                .read_to_end(&mut self.data)
                .at(&spec.path)?;
            at = self.split(at, piece == 0);
            if piece == 0 {
                return Ok(());
            }
        }
    }

    /// Splits the bytes read from `at` on into frames; unless `end` (all bytes read), only
    /// frames known to be complete. Returns where it stopped.
    fn split(&mut self, mut at: usize, end: bool) -> usize {
        while at < self.data.len() {
            let rest = &self.data[at..];
            if !end {
                let Some(prefix) = rest.first_chunk::<4>() else {
                    break;
                };
                let len = u32::from_le_bytes(*prefix);
                if !frame::valid_len(len) || rest.len() < frame::frame_len(len as usize) {
                    break;
                }
            }
            match frame::classify(rest) {
                Next::Frame(payload_len) => {
                    self.frames.push(Frame {
                        start: at,
                        payload_len,
                    });
                    at += frame::frame_len(payload_len);
                }
                Next::Torn => {
                    self.tail = Tail::Torn(rest.len() as u64);
                    break;
                }
                Next::BadLength(len) => {
                    self.tail = Tail::BadLength(len);
                    break;
                }
            }
        }
        at
    }

    /// In the last segment of a stopped log: takes a last frame (from `from` on) torn by a
    /// crash in the zero-filled space ahead of the writer (`frame::torn_in_zeros`) off the
    /// frames and into the torn tail. `prev` is the stored hash before frame 0.
    pub fn drop_torn_last(&mut self, from: usize, prev: &[u8; 32]) {
        let Some(i) = self.frames.len().checked_sub(1).filter(|&i| i >= from) else {
            return;
        };
        let link = if i > 0 { *self.hash(i - 1) } else { *prev };
        let f = self.frames[i];
        let end = f.start + frame::frame_len(f.payload_len);
        if frame::torn_in_zeros(&self.data[f.start..end], &self.data[end..], &link) {
            self.frames.pop();
            self.tail = Tail::Torn((self.data.len() - f.start) as u64);
        }
    }

    pub fn payload(&self, i: usize) -> &[u8] {
        let f = self.frames[i];
        frame::parts(&self.data[f.start..], f.payload_len).0
    }

    pub fn hash(&self, i: usize) -> &[u8; 32] {
        let f = self.frames[i];
        frame::parts(&self.data[f.start..], f.payload_len).1
    }

    /// The seq of frame `i`, read without decoding the rest.
    pub fn seq(&self, i: usize) -> Result<u64, DecodeError> {
        let payload = self.payload(i);
        match payload {
            [1, rest @ ..] if rest.len() >= 8 => {
                let mut seq = [0; 8];
                seq.copy_from_slice(&rest[..8]);
                Ok(u64::from_le_bytes(seq))
            }
            _ => Err(RecordRef::parse(payload)
                .err()
                .unwrap_or(DecodeError::Short("seq"))),
        }
    }

    /// Checks that frames `range` decode and link, the first one to `prev`; returns the
    /// first that does not. Threads take chunks of `CHUNK` frames until none are left, so
    /// one slowed down (by the loader, say) does not hold the others up.
    pub fn check_links(
        &self,
        range: Range<usize>,
        prev: &[u8; 32],
    ) -> Option<(usize, LinkProblem)> {
        let chunks = range.len().div_ceil(CHUNK);
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(chunks);
        if threads <= 1 {
            return self.check_chunk(range.clone(), range.start, prev);
        }
        let next = AtomicUsize::new(0);
        // The first chunk with a problem: later chunks need not be checked.
        let bad_chunk = AtomicUsize::new(usize::MAX);
        let worker = || {
            let mut found: Option<(usize, LinkProblem)> = None;
            loop {
                let c = next.fetch_add(1, Ordering::Relaxed);
                if c >= chunks || c > bad_chunk.load(Ordering::Relaxed) {
                    return found;
                }
                let lo = range.start + c * CHUNK;
                let hi = (lo + CHUNK).min(range.end);
                if let Some(problem) = self.check_chunk(lo..hi, range.start, prev) {
                    bad_chunk.fetch_min(c, Ordering::Relaxed);
                    if found.as_ref().is_none_or(|(at, _)| problem.0 < *at) {
                        found = Some(problem);
                    }
                }
            }
        };
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().unwrap_or(Some((range.start, LinkProblem::Hash))))
                .min_by_key(|(pos, _)| *pos)
        })
    }

    /// [`check_links`](Self::check_links) on one chunk; frame `first` links to `prev`.
    fn check_chunk(
        &self,
        chunk: Range<usize>,
        first: usize,
        prev: &[u8; 32],
    ) -> Option<(usize, LinkProblem)> {
        let mut link = if chunk.start == first {
            prev
        } else {
            self.hash(chunk.start - 1)
        };
        for i in chunk {
            let payload = self.payload(i);
            if let Err(e) = RecordRef::validate(payload) {
                return Some((i, LinkProblem::Decode(e)));
            }
            let stored = self.hash(i);
            if chain_hash(link, payload) != *stored {
                return Some((i, LinkProblem::Hash));
            }
            link = stored;
        }
        None
    }
}
