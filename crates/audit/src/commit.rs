//! The writer thread and its group commit. It blocks for the first queued record, takes
//! whatever else is queued (up to [`MAX_GROUP`]), numbers and chains them, writes their
//! frames with one `write_all` (one more per segment started), `fdatasync`s once, publishes
//! the new committed state for readers and then answers every waiter. If any of that fails
//! (a full disk, say), every waiter of the group gets the error and what the group wrote is
//! undone: the segment is truncated back to its committed length and the segments the group
//! started are removed. The writer then goes on from the last committed record, so the next
//! group is a retry and seqs never have a gap; the calls meanwhile are refused, and nothing
//! unwritten is ever acknowledged. Only when the undo itself fails (the files are then in an
//! unknown state) does the log stop for good. With fdatasync, the active segment is
//! zero-filled ahead of the writer (`space.rs`) and cut back to its last frame when sealed
//! and at shutdown.

use std::fs::{self, File};
use std::io::{Seek, SeekFrom};
use std::mem;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use tokio::sync::oneshot;

use crate::durable::{Mark, MarkFile};
use crate::error::{AuditError, IoContext};
use crate::frame;
use crate::record::NewRecord;
use crate::recover::Recovered;
use crate::segment::{self, INDEX_EVERY};
use crate::space;
use crate::state::{SegIndex, Segment, Shared};
use crate::writer::{Appended, CommitHook, CommitStats, LogOptions};

/// The most records committed together.
pub(crate) const MAX_GROUP: usize = 4096;

type Reply = oneshot::Sender<Result<Appended, AuditError>>;

/// What the handles send the writer thread. Nearly every message is an append, so boxing
/// the record would only add an allocation per record.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Msg {
    Append(NewRecord, Option<Reply>),
    /// Commit what is queued, then stop.
    Shutdown,
}

/// The writer thread's state: the committed end of the log.
pub(crate) struct Writer {
    shared: Arc<Shared>,
    dir: PathBuf,
    sync: bool,
    segment_bytes: u64,
    on_commit: Option<CommitHook>,
    /// The segment being appended to, and its open file.
    active: Arc<Segment>,
    file: File,
    /// Committed bytes and frames of `active`.
    len: u64,
    count: u64,
    /// The length of `active`'s file: `len` and the zeros after it.
    allocated: u64,
    /// The last committed record.
    seq: u64,
    hash: [u8; 32],
    /// Reused for each group: its frames and their hashes.
    buf: Vec<u8>,
    hashes: Vec<[u8; 32]>,
    /// Groups failed in a row, and when the first of them failed.
    failing: Option<(u64, Instant)>,
    /// The durable mark, rewritten after each group (with `sync` only).
    mark: Option<MarkFile>,
}

/// A group being written.
struct Group {
    /// Segments filled and synced by this group: (segment, len, count, new index entries).
    sealed: Vec<(Arc<Segment>, u64, u64, Vec<u64>)>,
    /// Segments this group created; the last is `seg` if `file` is set.
    created: Vec<Arc<Segment>>,
    seg: Arc<Segment>,
    /// The file of `seg` when the group created it (otherwise the writer's file).
    file: Option<File>,
    /// Bytes of `seg` written so far and frames of `seg` encoded so far.
    len: u64,
    count: u64,
    /// The length of `seg`'s file.
    allocated: u64,
    offsets: Vec<u64>,
    written: u64,
}

impl Writer {
    pub fn new(
        shared: Arc<Shared>,
        options: LogOptions,
        recovered: Recovered,
        mark: Option<MarkFile>,
    ) -> Writer {
        let head = recovered.head;
        let active = recovered.segments.last().cloned().unwrap_or_else(|| {
            // `recover` always returns a segment to append to.
            Arc::new(Segment::new(head.seq + 1, PathBuf::new(), 0, None))
        });
        Writer {
            dir: shared.dir.clone(),
            shared,
            sync: options.sync,
            segment_bytes: options.segment_bytes,
            on_commit: options.on_commit,
            len: active.committed_len(),
            allocated: active.committed_len(),
            active,
            file: recovered.file,
            count: recovered.count,
            seq: head.seq,
            hash: head.hash,
            buf: Vec::with_capacity(1 << 20),
            hashes: Vec::with_capacity(MAX_GROUP),
            failing: None,
            mark,
        }
    }

    /// The thread's body: group commits until shut down or a write fails.
    pub fn run(mut self, rx: Receiver<Msg>) {
        let mut batch: Vec<(NewRecord, Option<Reply>)> = Vec::with_capacity(MAX_GROUP);
        let mut stopping = false;
        loop {
            let first = if stopping {
                rx.try_recv().ok()
            } else {
                rx.recv().ok()
            };
            let Some(first) = first else { break };
            let mut next = Some(first);
            while let Some(msg) = next {
                match msg {
                    Msg::Append(record, reply) => batch.push((record, reply)),
                    Msg::Shutdown => stopping = true,
                }
                next = if batch.len() < MAX_GROUP {
                    rx.try_recv().ok()
                } else {
                    None
                };
            }
            if batch.is_empty() {
                continue;
            }
            match self.commit(&mut batch) {
                Ok(()) => self.recovered(),
                Err(Failure::Refused(error)) => self.refuse(error, &mut batch),
                Err(Failure::Stopped(error)) => {
                    self.stop(error, &mut batch);
                    return;
                }
            }
        }
        if self.allocated > self.len {
            // Not needed for safety (opening the log cuts the zeros), but a stopped log's
            // files then end where their records do.
            if let Err(e) = space::release(&self.file, &self.active.path, self.len) {
                tracing::warn!(
                    error = %e,
                    "无法截去访问日志段末尾的预留空间 (could not cut the space reserved at the end \
                     of the access log segment)"
                );
            }
        }
        self.shared.write().closed = Some("shut down".to_owned());
    }

    /// Writes, syncs and publishes `batch`, then answers its waiters.
    fn commit(&mut self, batch: &mut Vec<(NewRecord, Option<Reply>)>) -> Result<(), Failure> {
        let started = Instant::now();
        let mut group = Group {
            sealed: Vec::new(),
            created: Vec::new(),
            seg: Arc::clone(&self.active),
            file: None,
            len: self.len,
            count: self.count,
            allocated: self.allocated,
            offsets: Vec::new(),
            written: 0,
        };
        let result = self.write_group(batch, &mut group);
        if let Err(error) = result {
            return Err(match self.undo(&group) {
                Ok(()) => Failure::Refused(error),
                Err(undo) => {
                    tracing::error!(
                        error = %undo,
                        "无法撤销失败的访问日志写入 (could not undo a failed access log write)"
                    );
                    Failure::Stopped(error)
                }
            });
        }
        let first_seq = self.seq + 1;
        let written = group.written;
        self.publish(group);
        self.write_mark();
        for (i, (_, reply)) in batch.drain(..).enumerate() {
            if let Some(reply) = reply {
                let seq = first_seq + i as u64;
                // The waiter may have gone away; the record is durable anyway.
                let _ = reply.send(Ok(Appended {
                    seq,
                    hash: self.hashes[i],
                }));
            }
        }
        if let Some(hook) = &self.on_commit {
            hook(CommitStats {
                records: self.hashes.len(),
                bytes: written,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
        Ok(())
    }

    /// Frames `batch` into the segment files, starting new segments as they fill up.
    fn write_group(
        &mut self,
        batch: &[(NewRecord, Option<Reply>)],
        group: &mut Group,
    ) -> Result<(), AuditError> {
        self.buf.clear();
        self.hashes.clear();
        let mut seq = self.seq;
        let mut hash = self.hash;
        for (record, _) in batch {
            if group.count > 0 && group.len + self.buf.len() as u64 >= self.segment_bytes {
                self.flush(group)?;
                self.start_segment(group, seq + 1)?;
            }
            if group.count.is_multiple_of(INDEX_EVERY) {
                group.offsets.push(group.len + self.buf.len() as u64);
            }
            seq = seq.checked_add(1).ok_or_else(|| {
                AuditError::corrupt(&group.seg.path, group.len, "record numbers are exhausted")
            })?;
            hash = frame::write_frame(&mut self.buf, &hash, |out| record.encode_into(seq, out));
            self.hashes.push(hash);
            group.count += 1;
        }
        self.flush(group)
    }

    /// Writes the encoded frames to the group's current segment and syncs it.
    fn flush(&mut self, group: &mut Group) -> Result<(), AuditError> {
        let file = group.file.as_ref().unwrap_or(&self.file);
        let path = &group.seg.path;
        let end = group.len + self.buf.len() as u64;
        if self.sync {
            group.allocated = space::reserve(file, path, group.allocated, end, self.segment_bytes)?;
        }
        file.write_all_at(&self.buf, group.len).at(path)?;
        // Past the zeros if none could be reserved.
        group.allocated = group.allocated.max(end);
        if self.sync {
            file.sync_data().at(path)?;
        }
        group.len += self.buf.len() as u64;
        group.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Seals the group's current segment and continues in a new one from `first_seq`.
    fn start_segment(&mut self, group: &mut Group, first_seq: u64) -> Result<(), AuditError> {
        if group.allocated > group.len {
            let file = group.file.as_ref().unwrap_or(&self.file);
            space::release(file, &group.seg.path, group.len)?;
            group.allocated = group.len;
        }
        let (path, file) = segment::create(&self.dir, first_seq)?;
        let seg = Arc::new(Segment::new(first_seq, path, 0, Some(SegIndex::default())));
        let full = mem::replace(&mut group.seg, Arc::clone(&seg));
        let offsets = mem::take(&mut group.offsets);
        group.sealed.push((full, group.len, group.count, offsets));
        group.created.push(seg);
        group.file = Some(file);
        group.len = 0;
        group.count = 0;
        group.allocated = 0;
        Ok(())
    }

    /// Makes a written group the committed state, for readers and for the next group.
    fn publish(&mut self, group: Group) {
        let Group {
            sealed,
            created,
            seg,
            file,
            len,
            count,
            allocated,
            offsets,
            written,
        } = group;
        self.seq += self.hashes.len() as u64;
        if let Some(&hash) = self.hashes.last() {
            self.hash = hash;
        }
        {
            let mut state = self.shared.write();
            for (full, len, count, offsets) in &sealed {
                full.extend(*len, *count, offsets);
            }
            seg.extend(len, count, &offsets);
            state.segments.extend(created);
            state.head.seq = self.seq;
            state.head.hash = self.hash;
            state.head.size_bytes += written;
        }
        if let Some(file) = file {
            self.file = file;
        }
        self.active = seg;
        self.len = len;
        self.count = count;
        self.allocated = allocated;
    }

    /// Records the committed head, now durable, in the durable mark before its waiters hear
    /// of it. A failed write of the mark only narrows the check at open.
    fn write_mark(&self) {
        let Some(file) = &self.mark else { return };
        let mark = Mark {
            segment: self.active.first_seq,
            end: self.len,
            seq: self.seq,
            hash: self.hash,
        };
        if let Err(e) = file.write(&mark) {
            tracing::warn!(
                error = %e,
                "无法更新访问日志的持久标记 (could not update the access log's durable mark)"
            );
        }
    }

    /// Takes back what a failed group wrote: the bytes past the committed length of the
    /// segment it started in (and the file position with them), and the segments it created.
    /// An error means the files may no longer be what the committed state says.
    fn undo(&mut self, group: &Group) -> Result<(), AuditError> {
        let path = &self.active.path;
        self.file.set_len(self.len).at(path)?;
        self.file.seek(SeekFrom::Start(self.len)).at(path)?;
        self.allocated = self.len;
        for seg in &group.created {
            match fs::remove_file(&seg.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(AuditError::io(&seg.path, e)),
            }
        }
        if !group.created.is_empty() {
            segment::sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Answers every waiter of a failed group whose write was undone; the log stays open and
    /// the next group tries again.
    fn refuse(&mut self, error: AuditError, batch: &mut Vec<(NewRecord, Option<Reply>)>) {
        let detached = batch.iter().filter(|(_, reply)| reply.is_none()).count();
        let (groups, since) = self.failing.get_or_insert((0, Instant::now()));
        *groups += 1;
        if *groups == 1 {
            tracing::error!(
                error = %error,
                records = batch.len(),
                detached,
                "访问日志写入失败，在恢复前拒绝请求 (an access log write failed and was undone; \
                 calls are refused until a write succeeds again)"
            );
        } else {
            tracing::warn!(
                error = %error,
                records = batch.len(),
                detached,
                failed_groups = *groups,
                failing_for_s = since.elapsed().as_secs(),
                "访问日志仍无法写入 (the access log still cannot be written)"
            );
        }
        for (_, reply) in batch.drain(..) {
            if let Some(reply) = reply {
                let _ = reply.send(Err(error.duplicate()));
            }
        }
    }

    /// Notes that a group was committed after failed ones.
    fn recovered(&mut self) {
        if let Some((groups, since)) = self.failing.take() {
            tracing::warn!(
                failed_groups = groups,
                seconds = since.elapsed().as_secs_f64(),
                head_seq = self.seq,
                "访问日志恢复写入 (the access log is written again)"
            );
        }
    }

    /// Answers every waiter of a failed group that could not be undone and stops the log
    /// for good.
    fn stop(&self, error: AuditError, batch: &mut Vec<(NewRecord, Option<Reply>)>) {
        tracing::error!(
            error = %error,
            records = batch.len(),
            "访问日志写入失败且无法撤销，日志已停止，需要重启服务 (an access log write failed and \
             could not be undone; the log stopped for good and the server needs a restart)"
        );
        {
            let mut state = self.shared.write();
            state.closed = Some(format!("stopped after a write error: {error}"));
            state.failed = true;
        }
        for (_, reply) in batch.drain(..) {
            if let Some(reply) = reply {
                let _ = reply.send(Err(error.duplicate()));
            }
        }
    }
}

/// Why a group failed: undone (the log goes on), or not (the log stops).
enum Failure {
    Refused(AuditError),
    Stopped(AuditError),
}
