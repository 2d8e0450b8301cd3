//! Finding the head at open. Only the last segment is scanned: a torn tail (what a crash
//! during an unacknowledged append leaves) is truncated with a warning, the zeros reserved
//! ahead of the writer (`space.rs`) without one, and an empty last segment (a crash right
//! after creating it) is removed. A last frame torn inside those zeros is part of the torn
//! tail (`frame::torn_in_zeros`). Any other complete frame that does not decode or whose hash
//! is wrong is left as it is, for verification to report; the head is then the last frame as
//! stored.
//!
//! Before anything is changed, the log is held against its durable mark (`durable.rs`): if it
//! ends before the last record acknowledged as durable, or that record is not the one
//! acknowledged, acknowledged records were cut (damage, not a crash) and the open fails with
//! [`AuditError::Corrupt`], leaving the files as they are for the operator to keep and
//! examine. Removing `DIR/DURABLE` is the operator's way to accept the loss and go on.

use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use std::path::Path;

use crate::durable::{self, Mark};
use crate::error::{AuditError, IoContext};
use crate::frame;
use crate::record::{GENESIS, RecordRef};
use crate::segment::{self, INDEX_EVERY, Scan, SegmentFile};
use crate::state::{Head, SegIndex, Segment};

/// The state of a log directory as the writer takes it over.
#[derive(Debug)]
pub(crate) struct Recovered {
    /// All segments; the last is the one to append to, with its index built.
    pub segments: Vec<Arc<Segment>>,
    pub head: Head,
    /// The last segment, opened for writing and positioned at its end.
    pub file: File,
    /// Frames in the last segment.
    pub count: u64,
}

/// Opens the segments of `dir` (creating the first one if there is none) and finds the head.
pub(crate) fn recover(dir: &Path) -> Result<Recovered, AuditError> {
    let mark = durable::read(dir)?;
    let mut files = segment::list(dir)?;
    loop {
        let Some(last) = files.last() else {
            if let Some(mark) = mark.filter(|m| m.seq > 0) {
                return Err(cut(dir, &mark, 0, None));
            }
            let (path, file) = segment::create(dir, 1)?;
            let seg = Segment::new(1, path, 0, Some(SegIndex::default()));
            let head = Head {
                seq: 0,
                hash: GENESIS,
                size_bytes: 0,
            };
            return Ok(Recovered {
                segments: vec![Arc::new(seg)],
                head,
                file,
                count: 0,
            });
        };
        let path = last.path.clone();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .at(&path)?;
        let len = file.metadata().at(&path)?.len();
        let scan = segment::scan(&path, len, true)?;
        let scan = without_torn_frame(&files, &file, &path, len, scan)?;
        let (seq, hash) = last_frame(&file, &path, last.first_seq, &scan)?;
        if let Some(mark) = &mark {
            let torn = (scan.end < len).then_some((path.as_path(), scan.end, len - scan.end));
            if seq < mark.seq {
                return Err(cut(dir, mark, seq, torn));
            }
            // An empty segment has no last frame to compare: its predecessor's is, next.
            if seq == mark.seq && scan.last.is_some() && hash != mark.hash {
                return Err(AuditError::corrupt(
                    &path,
                    scan.last.map_or(0, |(offset, _)| offset),
                    format!(
                        "record {seq} is not the one acknowledged as durable: its hash differs \
                         from the durable mark's (damage, not a crash); nothing was changed: \
                         keep a copy of the directory and run `govshare audit verify`"
                    ),
                ));
            }
        }
        if scan.end < len {
            file.seek(SeekFrom::Start(scan.end)).at(&path)?;
            if segment::zeros(&mut file, len - scan.end, &path)? {
                tracing::info!(
                    segment = %path.display(),
                    bytes = len - scan.end,
                    "截去访问日志段末尾未用的预留空间 (cutting the unused space reserved at the \
                     end of the access log segment)"
                );
            } else {
                tracing::warn!(
                    segment = %path.display(),
                    bytes = len - scan.end,
                    "截断访问日志末尾不完整的记录 (truncating the torn tail of the access log, \
                     left by a crash during an unacknowledged append)"
                );
            }
            file.set_len(scan.end).at(&path)?;
            file.sync_all().at(&path)?;
        }
        if scan.count == 0 && (files.len() > 1 || last.first_seq != 1) {
            tracing::warn!(
                segment = %path.display(),
                "删除空的访问日志段 (removing an empty access log segment)"
            );
            drop(file);
            fs::remove_file(&path).at(&path)?;
            segment::sync_dir(dir)?;
            files.pop();
            continue;
        }
        file.seek(SeekFrom::End(0)).at(&path)?;

        let mut segments = Vec::with_capacity(files.len());
        let mut size_bytes = scan.end;
        for sealed in &files[..files.len() - 1] {
            let len = fs::metadata(&sealed.path).at(&sealed.path)?.len();
            size_bytes += len;
            let seg = Segment::new(sealed.first_seq, sealed.path.clone(), len, None);
            segments.push(Arc::new(seg));
        }
        let index = SegIndex {
            offsets: scan.offsets,
            count: scan.count,
            len: scan.end,
        };
        segments.push(Arc::new(Segment::new(
            last.first_seq,
            path,
            scan.end,
            Some(index),
        )));
        let head = Head {
            seq,
            hash,
            size_bytes,
        };
        return Ok(Recovered {
            segments,
            head,
            file,
            count: scan.count,
        });
    }
}

/// The scan of the last segment taken back to the frame before its last one if that one was
/// torn by a crash in the zero-filled space ahead of the writer (`frame::torn_in_zeros`): such
/// a frame is whole by its length prefix, and only its link tells it from a written one.
fn without_torn_frame(
    files: &[SegmentFile],
    file: &File,
    path: &Path,
    len: u64,
    mut scan: Scan,
) -> Result<Scan, AuditError> {
    let Some((offset, payload_len)) = scan.last else {
        return Ok(scan);
    };
    let prev = match scan.before_last {
        Some((at, before_len)) => stored_hash(file, path, at, before_len)?,
        None => match files {
            [.., before, _] => {
                let before_len = fs::metadata(&before.path).at(&before.path)?.len();
                let sealed = segment::scan(&before.path, before_len, false)?;
                match sealed.last {
                    Some((at, l)) => {
                        let sealed_file = File::open(&before.path).at(&before.path)?;
                        stored_hash(&sealed_file, &before.path, at, l)?
                    }
                    None => return Ok(scan),
                }
            }
            [only] if only.first_seq == 1 => GENESIS,
            _ => return Ok(scan),
        },
    };
    let mut bytes = vec![0; usize::try_from(len - offset).unwrap_or(usize::MAX)];
    file.read_exact_at(&mut bytes, offset).at(path)?;
    let (frame, after) = bytes.split_at(frame::frame_len(payload_len));
    if !frame::torn_in_zeros(frame, after, &prev) {
        return Ok(scan);
    }
    scan.count -= 1;
    if scan.count.is_multiple_of(INDEX_EVERY) {
        scan.offsets.pop();
    }
    scan.end = offset;
    scan.last = scan.before_last.take();
    Ok(scan)
}

/// The stored hash of the frame at `offset` with a payload of `payload_len` bytes.
fn stored_hash(
    file: &File,
    path: &Path,
    offset: u64,
    payload_len: usize,
) -> Result<[u8; 32], AuditError> {
    let mut hash = [0; frame::HASH];
    let at = offset + (frame::PREFIX + payload_len) as u64;
    file.read_exact_at(&mut hash, at).at(path)?;
    Ok(hash)
}

/// The seq and stored hash of the last frame of a scanned segment (0 and [`GENESIS`] if it
/// has none). A frame that does not decode is taken to be where its position says.
fn last_frame(
    file: &File,
    path: &Path,
    first_seq: u64,
    scan: &Scan,
) -> Result<(u64, [u8; 32]), AuditError> {
    let Some((offset, payload_len)) = scan.last else {
        return Ok((first_seq.saturating_sub(1), GENESIS));
    };
    let mut buf = vec![0; frame::frame_len(payload_len)];
    file.read_exact_at(&mut buf, offset).at(path)?;
    let (payload, hash) = frame::parts(&buf, payload_len);
    let by_position = first_seq + scan.count - 1;
    let seq = match RecordRef::parse(payload) {
        Ok(record) if record.seq != u64::MAX => record.seq,
        Ok(_) => by_position,
        Err(e) => {
            tracing::warn!(
                segment = %path.display(),
                offset,
                error = %e,
                "访问日志最后一条记录无法解码，请运行校验 (the last access log record cannot be \
                 decoded; run verification)"
            );
            by_position
        }
    };
    Ok((seq, *hash))
}

/// The error of a log that ends at record `seq` (with `torn`: a segment, where its last whole
/// frame ends, and the bytes after it) although records up to the mark's were acknowledged.
fn cut(dir: &Path, mark: &Mark, seq: u64, torn: Option<(&Path, u64, u64)>) -> AuditError {
    let missing = match mark.seq - seq {
        1 => format!("record {}", mark.seq),
        _ => format!("records {}–{}", seq + 1, mark.seq),
    };
    let (path, offset, how) = match torn {
        Some((path, end, bytes)) => (
            path.to_owned(),
            end,
            format!(
                "record {} is cut short ({bytes} bytes of it remain)",
                seq + 1
            ),
        ),
        None => (
            dir.join(segment::file_name(mark.segment)),
            mark.end,
            format!("the log ends at record {seq}"),
        ),
    };
    AuditError::corrupt(
        &path,
        offset,
        format!(
            "{how}, but {missing} had been acknowledged as durable: the log was cut after they \
             were written (damage or tampering, not a crash). Nothing was changed: keep a copy \
             of the directory and run `govshare audit verify`; to go on without the lost \
             records, remove {}",
            dir.join(durable::FILE).display()
        ),
    )
}
