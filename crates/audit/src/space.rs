//! Space ahead of the writer. The active segment is zero-filled up to [`AHEAD`] past its
//! committed end, so that a group's fdatasync writes its data alone: on a file that grows with every
//! group, each fdatasync must also write the inode for the new size, a second I/O in sequence
//! (`scripts/sync-cost`: a third less CPU and wall time per sync on a zero-filled file).
//! Space reserved with `fallocate` does not help: writing into it changes the inode as well.
//!
//! So a segment's file may end in zeros past its last frame. Readers never see them (they read
//! committed bytes only); a segment is cut back to its last frame when it is sealed and when
//! the log shuts down; after a crash, opening the log cuts the zeros, and a frame torn by the
//! crash inside them (see [`crate::frame::torn_in_zeros`]) is a torn tail, as at the end of a
//! growing file.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::{AuditError, IoContext};

/// Bytes zero-filled at a time.
pub(crate) const AHEAD: u64 = 1 << 20;
/// Zeros always left past a group, so that a frame torn in them is never a file's last bytes.
const SLACK: u64 = 4096;

/// Zero-fills `file` from `allocated` (its length) so that it holds more than `need` bytes,
/// [`AHEAD`] at a time but not past `limit` (the segment's size) unless `need` is, and at
/// least [`SLACK`] past `need`; returns the new length. The zeros become durable with the next
/// fdatasync.
pub(crate) fn reserve(
    file: &File,
    path: &Path,
    allocated: u64,
    need: u64,
    limit: u64,
) -> Result<u64, AuditError> {
    if need + SLACK <= allocated {
        return Ok(allocated);
    }
    let target = (allocated + AHEAD).min(limit).max(need + SLACK);
    match fill(file, allocated, target) {
        Ok(()) => Ok(target),
        // A disk too full for the zeros may still hold the group: it is written without
        // them, into a file that grows (as if nothing had been reserved); a frame torn there
        // is cut short at the file's end.
        Err(_) => {
            file.set_len(allocated).at(path)?;
            Ok(allocated)
        }
    }
}

/// Writes zeros over bytes `from..to` of `file`.
fn fill(file: &File, from: u64, to: u64) -> std::io::Result<()> {
    let zeros = vec![0; (to - from).min(1 << 20) as usize];
    let mut at = from;
    while at < to {
        let n = (to - at).min(zeros.len() as u64) as usize;
        file.write_all_at(&zeros[..n], at)?;
        at += n as u64;
    }
    Ok(())
}

/// Cuts `file` back to `len`, its last frame's end, durably: a sealed segment never ends in
/// zeros, even after a crash.
pub(crate) fn release(file: &File, path: &Path, len: u64) -> Result<(), AuditError> {
    file.set_len(len).at(path)?;
    file.sync_data().at(path)
}
