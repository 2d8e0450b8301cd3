//! Access log directories built from fuzzer bytes: segment files of frames with real chain
//! hashes, damaged as the bytes say (wrong seqs or names, broken links, payloads that are not
//! records, stray bytes, torn or zero tails).

use std::path::Path;

use arbitrary::Arbitrary;
use chrono::{DateTime, Utc};
use govshare_audit::{AccessRecord, GENESIS, NewRecord, chain_hash};

/// A log directory and a range of it to verify.
#[derive(Arbitrary, Debug)]
pub struct Log {
    pub segments: Vec<SegmentSpec>,
    pub from: Option<u8>,
    pub to: Option<u8>,
}

/// One segment file.
#[derive(Arbitrary, Debug)]
pub struct SegmentSpec {
    name: Name,
    frames: Vec<FrameSpec>,
    tail: Tail,
}

/// A segment's file name: for the record that comes next, or any record.
#[derive(Arbitrary, Debug)]
pub enum Name {
    Next,
    Seq(u8),
}

/// What comes next in a segment.
#[derive(Arbitrary, Debug)]
pub enum FrameSpec {
    /// A frame holding a record.
    Record {
        seq: Seq,
        record: SmallRecord,
        link: Link,
    },
    /// A frame whose payload is these bytes.
    Payload { bytes: Vec<u8>, link: Link },
    /// Bytes that are not a frame.
    Raw(Vec<u8>),
}

/// A record's seq: the one its position gives, or any.
#[derive(Arbitrary, Debug)]
pub enum Seq {
    Next,
    Other(u64),
}

/// The stored hash: the true chain hash, or it with one bit flipped.
#[derive(Arbitrary, Debug)]
pub enum Link {
    Chained,
    Flipped(u8),
}

/// What follows the last frame.
#[derive(Arbitrary, Debug)]
pub enum Tail {
    Clean,
    Zeros(u8),
    /// The first `n % len` bytes of the next record's frame (a crash during its append).
    Cut(u16),
    Bytes(Vec<u8>),
}

/// The parts of a record that vary; the rest stays empty.
#[derive(Arbitrary, Debug)]
pub struct SmallRecord {
    micros: i64,
    outcome: u8,
    method: u8,
    detail: String,
}

/// What was written: the frames, all the bytes, and whether the log is exactly what the
/// writer produces.
pub struct Written {
    /// Frames written (records and other payloads), not counting a torn tail.
    pub frames: u64,
    /// Bytes of all segments.
    pub bytes: u64,
    /// Only whole records, chained, numbered from 1 without a gap, in segments named for
    /// their first record, none empty but the last, which alone may end in a torn tail.
    pub clean: bool,
    /// The hash stored in the last frame ([`GENESIS`] if none).
    pub head: [u8; 32],
}

/// The smallest frame: length, a one-byte payload, hash.
pub const MIN_FRAME: u64 = 4 + 1 + 32;

impl Log {
    /// Writes the segments into `dir`.
    pub fn write(&self, dir: &Path) -> Written {
        write(dir, &self.segments)
    }
}

fn write(dir: &Path, segments: &[SegmentSpec]) -> Written {
    let mut next = 1;
    let mut prev = GENESIS;
    let mut clean = true;
    let mut total = 0;
    for (i, segment) in segments.iter().enumerate() {
        let last = i == segments.len() - 1;
        let first_seq = match segment.name {
            Name::Next => next,
            Name::Seq(n) => {
                clean &= u64::from(n) == next;
                u64::from(n)
            }
        };
        let mut bytes = Vec::new();
        let first_of_segment = next;
        for frame in &segment.frames {
            match frame {
                FrameSpec::Record { seq, record, link } => {
                    let seq = match seq {
                        Seq::Next => next,
                        Seq::Other(n) => {
                            clean &= *n == next;
                            *n
                        }
                    };
                    let payload = record.record(seq).canonical_bytes();
                    clean &= matches!(link, Link::Chained);
                    prev = push_frame(&mut bytes, &prev, &payload, link);
                }
                FrameSpec::Payload {
                    bytes: payload,
                    link,
                } => {
                    clean = false;
                    prev = push_frame(&mut bytes, &prev, payload, link);
                }
                FrameSpec::Raw(raw) => {
                    clean &= raw.is_empty();
                    bytes.extend_from_slice(raw);
                    continue;
                }
            }
            next += 1;
        }
        // A sealed segment holds at least one frame and nothing after its last.
        clean &= last || next > first_of_segment;
        match &segment.tail {
            Tail::Clean => {}
            Tail::Zeros(n) => {
                clean &= last || *n == 0;
                bytes.resize(bytes.len() + usize::from(*n), 0);
            }
            Tail::Cut(n) => {
                let mut frame = Vec::new();
                let record = SmallRecord::default().record(next);
                push_frame(&mut frame, &prev, &record.canonical_bytes(), &Link::Chained);
                let keep = usize::from(*n) % frame.len();
                clean &= last || keep == 0;
                bytes.extend_from_slice(&frame[..keep]);
            }
            Tail::Bytes(raw) => {
                clean &= raw.is_empty();
                bytes.extend_from_slice(raw);
            }
        }
        let path = dir.join(format!("{first_seq:020}.seg"));
        clean &= !path.exists();
        std::fs::write(&path, &bytes).expect("writing a segment");
        total += bytes.len() as u64;
    }
    Written {
        frames: next - 1,
        bytes: total,
        clean,
        head: prev,
    }
}

/// Appends a frame holding `payload` linked to `prev`; returns the hash it stores.
fn push_frame(out: &mut Vec<u8>, prev: &[u8; 32], payload: &[u8], link: &Link) -> [u8; 32] {
    let mut hash = chain_hash(prev, payload);
    if let Link::Flipped(bit) = link {
        hash[usize::from(bit / 8) % 32] ^= 1 << (bit % 8);
    }
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&hash);
    hash
}

impl SmallRecord {
    fn record(&self, seq: u64) -> AccessRecord {
        let min = DateTime::<Utc>::MIN_UTC.timestamp_micros();
        let max = DateTime::<Utc>::MAX_UTC.timestamp_micros();
        let time = DateTime::from_timestamp_micros(self.micros.clamp(min, max));
        NewRecord {
            time: time.unwrap_or_default(),
            method: format!("/govshare.v1.CatalogService/M{}", self.method % 4),
            outcome: u32::from(self.outcome % 17),
            detail: self.detail.clone(),
            ..NewRecord::default()
        }
        .into_record(seq)
    }
}

impl Default for SmallRecord {
    fn default() -> Self {
        SmallRecord {
            micros: 1_750_000_000_000_000,
            outcome: 0,
            method: 0,
            detail: String::new(),
        }
    }
}
