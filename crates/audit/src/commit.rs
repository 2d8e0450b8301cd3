//! The writer thread and its group commit. It blocks for the first queued record, takes
//! whatever else is queued (up to [`MAX_GROUP`]), numbers and chains them, writes their
//! frames with one `write_all` (one more per segment started), `fdatasync`s once, publishes
//! the new committed state for readers and then answers every waiter. If any of that fails,
//! every waiter of the group gets the error, what the group wrote is undone as far as
//! possible, and the log stops: seqs never have a gap.

use std::fs::{self, File};
use std::io::Write;
use std::mem;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use tokio::sync::oneshot;

use crate::error::{AuditError, IoContext};
use crate::frame;
use crate::record::NewRecord;
use crate::recover::Recovered;
use crate::segment::{self, INDEX_EVERY};
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
    /// The last committed record.
    seq: u64,
    hash: [u8; 32],
    /// Reused for each group: its frames and their hashes.
    buf: Vec<u8>,
    hashes: Vec<[u8; 32]>,
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
    offsets: Vec<u64>,
    written: u64,
}

impl Writer {
    pub fn new(shared: Arc<Shared>, options: LogOptions, recovered: Recovered) -> Writer {
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
            active,
            file: recovered.file,
            count: recovered.count,
            seq: head.seq,
            hash: head.hash,
            buf: Vec::with_capacity(1 << 20),
            hashes: Vec::with_capacity(MAX_GROUP),
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
            if let Err(error) = self.commit(&mut batch) {
                self.fail(error, &mut batch);
                return;
            }
        }
        self.shared.write().closed = Some("shut down".to_owned());
    }

    /// Writes, syncs and publishes `batch`, then answers its waiters.
    fn commit(&mut self, batch: &mut Vec<(NewRecord, Option<Reply>)>) -> Result<(), AuditError> {
        let started = Instant::now();
        let mut group = Group {
            sealed: Vec::new(),
            created: Vec::new(),
            seg: Arc::clone(&self.active),
            file: None,
            len: self.len,
            count: self.count,
            offsets: Vec::new(),
            written: 0,
        };
        let result = self.write_group(batch, &mut group);
        if let Err(error) = result {
            self.undo(&group);
            return Err(error);
        }
        let first_seq = self.seq + 1;
        let written = group.written;
        self.publish(group);
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
        (&*file).write_all(&self.buf).at(path)?;
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
        let (path, file) = segment::create(&self.dir, first_seq)?;
        let seg = Arc::new(Segment::new(first_seq, path, 0, Some(SegIndex::default())));
        let full = mem::replace(&mut group.seg, Arc::clone(&seg));
        let offsets = mem::take(&mut group.offsets);
        group.sealed.push((full, group.len, group.count, offsets));
        group.created.push(seg);
        group.file = Some(file);
        group.len = 0;
        group.count = 0;
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
    }

    /// Takes back what a failed group wrote: the committed length of the segment it started
    /// in, and the segments it created.
    fn undo(&self, group: &Group) {
        if let Err(e) = self.file.set_len(self.len) {
            tracing::error!(
                segment = %self.active.path.display(),
                error = %e,
                "无法撤销失败的写入 (could not truncate a failed access log write)"
            );
        }
        for seg in &group.created {
            if let Err(e) = fs::remove_file(&seg.path) {
                tracing::error!(segment = %seg.path.display(), error = %e, "could not remove a segment of a failed write");
            }
        }
        if !group.created.is_empty() {
            let _ = segment::sync_dir(&self.dir);
        }
    }

    /// Answers every waiter of a failed group and stops the log.
    fn fail(&self, error: AuditError, batch: &mut Vec<(NewRecord, Option<Reply>)>) {
        tracing::error!(
            error = %error,
            records = batch.len(),
            "访问日志写入失败，日志已停止 (an access log write failed; the log stopped accepting records)"
        );
        self.shared.write().closed = Some(format!("stopped after a write error: {error}"));
        for (_, reply) in batch.drain(..) {
            if let Some(reply) = reply {
                let _ = reply.send(Err(error.duplicate()));
            }
        }
    }
}
