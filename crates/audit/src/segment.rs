//! The log directory: segment files named by their first seq (`00000000000000000001.seg`, 20
//! digits), each a run of frames; `LOCK`, held exclusively by the one writer; and the
//! streaming scan of a segment's frames that finds its end and builds its sparse index (the
//! offset of every [`INDEX_EVERY`]th frame) without holding the segment in memory.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{AuditError, IoContext};
use crate::frame::{self, PREFIX};

/// One index entry per this many frames.
pub(crate) const INDEX_EVERY: u64 = 256;
/// The lock file in the log directory.
const LOCK_FILE: &str = "LOCK";

/// A segment file found in the directory.
#[derive(Debug, Clone)]
pub(crate) struct SegmentFile {
    pub first_seq: u64,
    pub path: PathBuf,
}

/// What scanning a segment found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scan {
    /// Offsets of frames 0, 256, 512, …
    pub offsets: Vec<u64>,
    /// Complete frames.
    pub count: u64,
    /// The end of the last complete frame.
    pub end: u64,
    /// Offset and payload length of the last complete frame.
    pub last: Option<(u64, usize)>,
    /// Offset and payload length of the frame before it.
    pub before_last: Option<(u64, usize)>,
}

/// The file name of the segment whose first record is `first_seq`.
pub(crate) fn file_name(first_seq: u64) -> String {
    format!("{first_seq:020}.seg")
}

/// The segments in `dir`, in order of their first seq. Other files are ignored.
pub(crate) fn list(dir: &Path) -> Result<Vec<SegmentFile>, AuditError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).at(dir)? {
        let path = entry.at(dir)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(digits) = name.strip_suffix(".seg") else {
            continue;
        };
        if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let first_seq = digits
            .parse::<u64>()
            .map_err(|_| AuditError::corrupt(&path, 0, "segment name is not a record number"))?;
        found.push(SegmentFile { first_seq, path });
    }
    found.sort_by_key(|s| s.first_seq);
    Ok(found)
}

/// Creates the empty segment starting at `first_seq` and makes its name durable.
pub(crate) fn create(dir: &Path, first_seq: u64) -> Result<(PathBuf, File), AuditError> {
    let path = dir.join(file_name(first_seq));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .at(&path)?;
    sync_dir(dir)?;
    Ok((path, file))
}

/// Makes the directory's entries (created, removed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

/// Takes the exclusive lock on `dir`, held while the returned file is open.
pub(crate) fn lock(dir: &Path) -> Result<File, AuditError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .at(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(AuditError::Locked {
            dir: dir.to_owned(),
        }),
        Err(TryLockError::Error(e)) => Err(AuditError::io(&path, e)),
    }
}

/// Scans the first `len` bytes of the segment at `path`. What follows the last complete frame
/// is a torn tail (`len - end` bytes) if `allow_torn`, otherwise corruption; an impossible
/// frame length is always corruption.
pub(crate) fn scan(path: &Path, len: u64, allow_torn: bool) -> Result<Scan, AuditError> {
    let file = File::open(path).at(path)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut scan = Scan::default();
    while scan.end < len {
        let rest = len - scan.end;
        let mut prefix = [0; PREFIX];
        if rest < PREFIX as u64 {
            break;
        }
        reader.read_exact(&mut prefix).at(path)?;
        let payload_len = u32::from_le_bytes(prefix);
        if !frame::valid_len(payload_len) {
            if payload_len == 0 && zeros(&mut reader, rest - PREFIX as u64, path)? {
                break;
            }
            let problem = format!("frame length {payload_len} is impossible");
            return Err(AuditError::corrupt(path, scan.end, problem));
        }
        let frame_len = frame::frame_len(payload_len as usize) as u64;
        if rest < frame_len {
            break;
        }
        if scan.count.is_multiple_of(INDEX_EVERY) {
            scan.offsets.push(scan.end);
        }
        reader
            .seek_relative((frame_len - PREFIX as u64) as i64)
            .at(path)?;
        scan.before_last = scan.last;
        scan.last = Some((scan.end, payload_len as usize));
        scan.count += 1;
        scan.end += frame_len;
    }
    if scan.end < len && !allow_torn {
        let problem = "the segment ends inside a frame";
        return Err(AuditError::corrupt(path, scan.end, problem));
    }
    Ok(scan)
}

/// Whether the next `n` bytes of `reader` are all zero.
pub(crate) fn zeros(reader: &mut impl Read, mut n: u64, path: &Path) -> Result<bool, AuditError> {
    let mut buf = vec![0; 64 * 1024];
    while n > 0 {
        let want = n.min(buf.len() as u64) as usize;
        reader.read_exact(&mut buf[..want]).at(path)?;
        if buf[..want].iter().any(|&b| b != 0) {
            return Ok(false);
        }
        n -= want as u64;
    }
    Ok(true)
}
