//! The durable mark, `DIR/DURABLE`: the last record known to be durable (its seq and chain
//! hash) and where it ends (its segment and the segment's length there). It is what tells a
//! crash from damage. A crash during an unacknowledged append leaves a torn tail *after* the
//! mark, which opening the log truncates with a warning; a log that ends *before* the mark
//! (a record cut in the middle, or whole records gone) lost records that were acknowledged,
//! which is damage: verification fails and the log does not open.
//!
//! The writer rewrites the mark after each group's fdatasync and before answering the group,
//! with one positioned write of [`LEN`] bytes and no fsync of its own: after a process crash
//! the page cache still holds it; after a power failure it may be older than the log (it
//! never claims more than was synced before it was written), which only narrows the check.
//! A log written without fdatasync (`sync = false`) keeps no mark: there an acknowledged
//! record may be lost in a power failure.
//!
//! Layout, little-endian: `b"GSDURBL1"`, the first seq of the segment, the segment's length
//! at the end of the record, the record's seq, its chain hash, then the sha256 of all that.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{AuditError, IoContext};

/// The mark's file in the log directory.
pub(crate) const FILE: &str = "DURABLE";
const MAGIC: &[u8; 8] = b"GSDURBL1";
/// Bytes of a mark.
pub(crate) const LEN: usize = 8 + 8 + 8 + 8 + 32 + 32;

/// The last durable record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    /// The first seq of the segment holding it.
    pub segment: u64,
    /// The segment's length up to the end of its frame.
    pub end: u64,
    pub seq: u64,
    pub hash: [u8; 32],
}

impl Mark {
    fn encode(&self) -> [u8; LEN] {
        let mut out = [0; LEN];
        out[..8].copy_from_slice(MAGIC);
        out[8..16].copy_from_slice(&self.segment.to_le_bytes());
        out[16..24].copy_from_slice(&self.end.to_le_bytes());
        out[24..32].copy_from_slice(&self.seq.to_le_bytes());
        out[32..64].copy_from_slice(&self.hash);
        let sum = checksum(&out[..64]);
        out[64..].copy_from_slice(sum.as_ref());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Mark> {
        if bytes.len() != LEN || &bytes[..8] != MAGIC {
            return None;
        }
        if checksum(&bytes[..64]).as_ref() != &bytes[64..] {
            return None;
        }
        let u64_at = |at: usize| {
            let mut n = [0; 8];
            n.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(n)
        };
        let mut hash = [0; 32];
        hash.copy_from_slice(&bytes[32..64]);
        Some(Mark {
            segment: u64_at(8),
            end: u64_at(16),
            seq: u64_at(24),
            hash,
        })
    }
}

fn checksum(bytes: &[u8]) -> ring::digest::Digest {
    ring::digest::digest(&ring::digest::SHA256, bytes)
}

/// The mark of the log in `dir`: `None` if there is none yet (a new log, a log written
/// without fdatasync, or one from before marks were kept); [`AuditError::Corrupt`] if the
/// file holds something else.
pub(crate) fn read(dir: &Path) -> Result<Option<Mark>, AuditError> {
    let path = dir.join(FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AuditError::io(&path, e)),
    };
    if bytes.is_empty() {
        return Ok(None);
    }
    Mark::decode(&bytes).map(Some).ok_or_else(|| {
        AuditError::corrupt(
            &path,
            0,
            "the durable mark is damaged: it does not say which records were acknowledged",
        )
    })
}

/// The mark's file, open for the writer.
#[derive(Debug)]
pub(crate) struct MarkFile {
    path: PathBuf,
    file: File,
}

impl MarkFile {
    /// Opens (or creates, empty) the mark of the log in `dir`.
    pub fn open(dir: &Path) -> Result<MarkFile, AuditError> {
        let path = dir.join(FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .at(&path)?;
        Ok(MarkFile { path, file })
    }

    /// Replaces the mark. Without fsync: see the module documentation.
    pub fn write(&self, mark: &Mark) -> Result<(), AuditError> {
        self.file.write_all_at(&mark.encode(), 0).at(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_reads_back_and_a_changed_byte_is_refused() {
        let mark = Mark {
            segment: 4097,
            end: 123_456,
            seq: 5000,
            hash: [7; 32],
        };
        let bytes = mark.encode();
        assert_eq!(Mark::decode(&bytes), Some(mark));
        for i in 0..LEN {
            let mut changed = bytes;
            changed[i] ^= 1;
            assert_eq!(Mark::decode(&changed), None, "byte {i}");
        }
        assert_eq!(Mark::decode(&bytes[..LEN - 1]), None);
    }
}
