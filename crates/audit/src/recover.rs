//! Finding the head at open. Only the last segment is scanned: a torn tail (what a crash
//! during an unacknowledged append leaves) is truncated with a warning, and an empty last
//! segment (a crash right after creating it) is removed. A complete frame that does not
//! decode or whose hash is wrong is left as it is, for verification to report; the head is
//! then the last frame as stored.

use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use std::path::Path;

use crate::error::{AuditError, IoContext};
use crate::frame;
use crate::record::{GENESIS, RecordRef};
use crate::segment::{self, Scan};
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
    let mut files = segment::list(dir)?;
    loop {
        let Some(last) = files.last() else {
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
        if scan.end < len {
            tracing::warn!(
                segment = %path.display(),
                bytes = len - scan.end,
                "截断访问日志末尾不完整的记录 (truncating the torn tail of the access log, left \
                 by a crash during an unacknowledged append)"
            );
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
        let (seq, hash) = last_frame(&file, &path, last.first_seq, &scan)?;
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
