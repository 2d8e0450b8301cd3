//! [`AccessLog`], the handle: opening a log directory, appending records (durable when
//! `append` returns) and its committed [`Head`]. Appends go to one writer thread that
//! commits them in groups (see `commit.rs`); queries and verification are in `read.rs` and
//! `verify.rs`.

use std::fmt;
use std::fs::{self, File};
use std::path::Path;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::commit::{Msg, Writer};
use crate::durable::MarkFile;
use crate::error::{AuditError, IoContext};
use crate::record::NewRecord;
use crate::recover::recover;
use crate::segment;
use crate::state::{Head, Shared, State};

/// Called after each durable group (the server feeds its metrics from it).
pub type CommitHook = Arc<dyn Fn(CommitStats) + Send + Sync>;

/// How a log is written.
#[derive(Clone)]
pub struct LogOptions {
    /// `fdatasync` each group before acknowledging it (default true). Without it an
    /// acknowledged record may be lost in a power failure (not in a process crash).
    pub sync: bool,
    /// A new segment starts once the current one reaches this size (default 64 MiB).
    pub segment_bytes: u64,
    /// Runs on the writer thread after each durable group: keep it quick, and do not let it
    /// hold the last handle of the log.
    pub on_commit: Option<CommitHook>,
}

/// One committed group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommitStats {
    pub records: usize,
    pub bytes: u64,
    /// From taking the group to its being durable.
    pub seconds: f64,
}

/// A durable append: where the record is and its chain hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    pub hash: [u8; 32],
}

/// The access log of one directory. Clones share the writer; it stops (after committing
/// what was queued) on [`close`](Self::close) or when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct AccessLog {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    tx: Sender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// Holds `DIR/LOCK` until closed.
    lock: Mutex<Option<File>>,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            sync: true,
            segment_bytes: 64 << 20,
            on_commit: None,
        }
    }
}

impl fmt::Debug for LogOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogOptions")
            .field("sync", &self.sync)
            .field("segment_bytes", &self.segment_bytes)
            .field(
                "on_commit",
                &self.on_commit.as_ref().map(|_| "Fn(CommitStats)"),
            )
            .finish()
    }
}

impl AccessLog {
    /// Opens (or creates) the log in `dir` and starts its writer. Takes the directory's
    /// lock ([`AuditError::Locked`] if another log holds it) and truncates a torn tail left
    /// by a crash (with a warning). Damaged records are left for [`verify`](Self::verify) to
    /// report; an impossible frame length in the last segment, or a log that ends before the
    /// last record acknowledged as durable (see `durable.rs`), stops the open
    /// ([`AuditError::Corrupt`]) and changes nothing.
    pub fn open(dir: &Path, options: LogOptions) -> Result<AccessLog, AuditError> {
        fs::create_dir_all(dir).at(dir)?;
        let lock = segment::lock(dir)?;
        let recovered = recover(dir)?;
        let mark = match options.sync {
            true => Some(MarkFile::open(dir)?),
            false => None,
        };
        let shared = Arc::new(Shared {
            dir: dir.to_owned(),
            state: std::sync::RwLock::new(State {
                segments: recovered.segments.clone(),
                head: recovered.head,
                closed: None,
                failed: false,
            }),
        });
        let writer = Writer::new(Arc::clone(&shared), options, recovered, mark);
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || writer.run(rx))
            .at(dir)?;
        Ok(AccessLog {
            inner: Arc::new(Inner {
                shared,
                tx,
                thread: Mutex::new(Some(thread)),
                lock: Mutex::new(Some(lock)),
            }),
        })
    }

    /// Appends `record`, returning once it is durable (with `sync`) and visible to readers.
    /// If the future is dropped after the record was queued, the record is still written.
    pub async fn append(&self, record: NewRecord) -> Result<Appended, AuditError> {
        let (tx, rx) = oneshot::channel();
        if self.inner.tx.send(Msg::Append(record, Some(tx))).is_err() {
            return Err(self.closed());
        }
        match rx.await {
            Ok(result) => result,
            Err(_) => Err(self.closed()),
        }
    }

    /// Queues `record` without waiting (for calls whose client went away). A record queued
    /// after the log closed is dropped with a warning.
    pub fn append_detached(&self, record: NewRecord) {
        if self.inner.tx.send(Msg::Append(record, None)).is_err() {
            tracing::warn!(
                "访问日志已停止，记录被丢弃 (the access log is closed; a detached record was dropped)"
            );
        }
    }

    /// `Ok` while the log accepts appends; [`AuditError::Closed`] once it was shut down or
    /// stopped for good after a write error (for readiness checks).
    pub fn check_open(&self) -> Result<(), AuditError> {
        match self.inner.shared.read().closed {
            None => Ok(()),
            Some(_) => Err(self.closed()),
        }
    }

    /// `Ok` unless the log stopped for good after a write error it could not undo (for
    /// liveness checks: a restart repairs the files and brings it back). A log that refuses
    /// appends for a while, say on a full disk, is alive: it takes them again once a write
    /// succeeds.
    pub fn check_alive(&self) -> Result<(), AuditError> {
        match self.inner.shared.read().failed {
            false => Ok(()),
            true => Err(self.closed()),
        }
    }

    /// The committed head.
    pub fn head(&self) -> Head {
        self.inner.shared.read().head
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.inner.shared.dir
    }

    /// Stops the writer after it has committed everything queued, and releases the
    /// directory's lock. Blocks until then. Later appends fail with [`AuditError::Closed`];
    /// queries and verification go on working.
    pub fn close(&self) {
        self.inner.close();
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    fn closed(&self) -> AuditError {
        let reason = self.inner.shared.read().closed.clone();
        AuditError::Closed {
            reason: reason.unwrap_or_else(|| "shut down".to_owned()),
        }
    }
}

impl Inner {
    fn close(&self) {
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // Fails only if the writer already stopped after an error.
            let _ = self.tx.send(Msg::Shutdown);
            if thread.join().is_err() {
                tracing::error!("访问日志写入线程异常退出 (the access log writer panicked)");
            }
        }
        self.lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.close();
    }
}
