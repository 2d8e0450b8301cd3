//! Group apply: one thread owns every write.
//!
//! A writer sends its change as a job and waits for the reply. The thread takes every job
//! queued so far (a group), decides each in arrival order against the committed state plus
//! the writes of the group's earlier changes, so two changes of one record in one group see
//! each other. A change that fails writes nothing. The writes of the whole group go into one
//! atomic sled batch; the thread then flushes sled, fdatasyncs the log file (sled 0.34's
//! flush ends in `sync_file_range`, which does not flush the device cache) and only then
//! answers the group's writers. Jobs that arrive meanwhile form the next group.
//!
//! sled 0.34 keeps the first error of a write to its files (a full disk, say) and fails every
//! later write with it until the database is opened again: after a failed apply or flush the
//! store is stopped for good, and says so ([`GroupApply::stopped`]) so that the server can
//! exit for its supervisor to restart it.

use std::collections::HashMap;
use std::fs::File;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use tokio::sync::oneshot;

use super::keys;
use crate::{Result, StoreError};

/// Called once the group of its change is durable (or failed to be).
type Reply = Box<dyn FnOnce(std::result::Result<(), &str>) + Send>;
/// A change: decides and stages its writes in a group, and returns its reply.
type Job = Box<dyn FnOnce(&mut Group<'_>) -> Reply + Send>;

/// Handle to the writer thread; it ends when the last handle is dropped, and that drop
/// waits for it, so the database is closed once the store is.
#[derive(Debug, Clone)]
pub(crate) struct GroupApply {
    // Declared before `_thread`: the last handle drops the last sender first, which ends the
    // thread, then joins it.
    queue: mpsc::Sender<Job>,
    /// Why the store stopped for good, once a group failed to be applied or flushed.
    stopped: Arc<Mutex<Option<String>>>,
    _thread: Arc<Joined>,
}

#[derive(Debug)]
struct Joined(Option<std::thread::JoinHandle<()>>);

impl Drop for Joined {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            // A panic of the writer thread already failed its writers; nothing to add here.
            let _ = thread.join();
        }
    }
}

/// What only the writer thread touches, as committed.
struct State {
    /// The sequence number of the last catalogue event written.
    last_event: u64,
    /// The last 顺序码 issued per 分类码, loaded on first use. Entries are never deleted, so
    /// the highest code under a 分类码 is its last 顺序码, and none is ever issued twice.
    last_sequence: HashMap<String, u32>,
}

/// The changes decided so far in one group, not yet applied.
pub(super) struct Group<'a> {
    tree: &'a sled::Tree,
    state: &'a State,
    writes: HashMap<Vec<u8>, Vec<u8>>,
    last_event: u64,
    last_sequence: HashMap<String, u32>,
}

/// One change being decided: reads see the group's writes, its own writes are staged apart
/// and join the group only if the change succeeds.
pub(super) struct Change<'g, 'a> {
    group: &'g Group<'a>,
    writes: Vec<(Vec<u8>, Vec<u8>)>,
    last_event: u64,
    sequences: Vec<(String, u32)>,
}

impl<'a> Group<'a> {
    fn run<T>(&mut self, f: impl FnOnce(&mut Change<'_, 'a>) -> Result<T>) -> Result<T> {
        let mut change = Change {
            group: self,
            writes: Vec::new(),
            last_event: self.last_event,
            sequences: Vec::new(),
        };
        // A change that panics fails alone and writes nothing; the thread goes on.
        let value = std::panic::catch_unwind(AssertUnwindSafe(|| f(&mut change)))
            .map_err(|_| StoreError::Backend("a change panicked".into()))??;
        let Change {
            writes,
            last_event,
            sequences,
            ..
        } = change;
        self.writes.extend(writes);
        self.last_event = last_event;
        self.last_sequence.extend(sequences);
        Ok(value)
    }
}

impl Change<'_, '_> {
    /// The tree, for scans that the staged writes cannot affect.
    pub(super) fn tree(&self) -> &sled::Tree {
        self.group.tree
    }

    /// The value of `key` as this change would leave it.
    pub(super) fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>> {
        if let Some((_, v)) = self.writes.iter().rev().find(|(k, _)| k == key) {
            return Ok(Some(v.as_slice().into()));
        }
        if let Some(v) = self.group.writes.get(key) {
            return Ok(Some(v.as_slice().into()));
        }
        Ok(self.group.tree.get(key)?)
    }

    pub(super) fn contains(&self, key: &[u8]) -> Result<bool> {
        Ok(self.writes.iter().any(|(k, _)| k == key)
            || self.group.writes.contains_key(key)
            || self.group.tree.contains_key(key)?)
    }

    pub(super) fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.push((key, value));
    }

    /// Takes the next catalogue event sequence number.
    pub(super) fn next_event(&mut self) -> u64 {
        self.last_event += 1;
        self.last_event
    }

    /// The last 顺序码 issued under `class`, if known without a scan.
    pub(super) fn last_sequence(&self, class: &str) -> Option<u32> {
        self.sequences
            .iter()
            .rev()
            .find(|(c, _)| c == class)
            .map(|(_, s)| *s)
            .or_else(|| self.group.last_sequence.get(class).copied())
            .or_else(|| self.group.state.last_sequence.get(class).copied())
    }

    pub(super) fn set_last_sequence(&mut self, class: &str, sequence: u32) {
        self.sequences.push((class.to_owned(), sequence));
    }
}

impl GroupApply {
    /// Starts the writer thread. `log_file`, if given, is fdatasynced after each flush.
    pub(crate) fn start(db: sled::Db, tree: sled::Tree, log_file: Option<File>) -> Result<Self> {
        let last_event = match tree.scan_prefix(keys::EVENT).next_back() {
            Some(kv) => keys::event_seq(&kv?.0)?,
            None => 0,
        };
        let mut state = State {
            last_event,
            last_sequence: HashMap::new(),
        };
        let (queue, rx) = mpsc::channel::<Job>();
        let stopped = Arc::new(Mutex::new(None));
        let stopped_by_writer = Arc::clone(&stopped);
        let thread = std::thread::Builder::new()
            .name("govshare-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut group = Group {
                        tree: &tree,
                        state: &state,
                        writes: HashMap::new(),
                        last_event: state.last_event,
                        last_sequence: HashMap::new(),
                    };
                    let mut replies = vec![first(&mut group)];
                    for job in rx.try_iter() {
                        replies.push(job(&mut group));
                    }
                    let Group {
                        writes,
                        last_event,
                        last_sequence,
                        ..
                    } = group;
                    let outcome = if writes.is_empty() {
                        // Everything a change could have read was durable before the group.
                        Ok(())
                    } else {
                        apply(&tree, writes).and_then(|()| {
                            state.last_event = last_event;
                            state.last_sequence.extend(last_sequence);
                            flush(&db, log_file.as_ref())
                        })
                    };
                    if let Err(e) = &outcome {
                        tracing::error!(
                            error = %e,
                            "存储写入失败，需要重启服务 (a store write failed; the embedded store \
                             cannot write again until the server restarts)"
                        );
                        let mut stopped = stopped_by_writer
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner);
                        stopped.get_or_insert_with(|| e.clone());
                    }
                    for reply in replies {
                        reply(outcome.as_ref().map(|_| ()).map_err(String::as_str));
                    }
                }
            })?;
        Ok(GroupApply {
            queue,
            stopped,
            _thread: Arc::new(Joined(Some(thread))),
        })
    }

    /// Why the store stopped for good, if a group failed to be applied or flushed.
    pub(crate) fn stopped(&self) -> Option<String> {
        (self.stopped.lock())
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs `change` in the next group; returns its outcome once it is durable. A change
    /// that fails writes nothing.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        change: impl FnOnce(&mut Change<'_, '_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |group| {
            let outcome = group.run(change);
            Box::new(move |durable| {
                let reply = match (outcome, durable) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Ok(_), Err(e)) => Err(StoreError::Backend(format!("commit failed: {e}"))),
                    (Err(e), _) => Err(e),
                };
                // A writer that gave up waiting (cancelled call) is no error here.
                let _ = tx.send(reply);
            })
        });
        let closed = || StoreError::Backend("the store is closed".into());
        self.queue.send(job).map_err(|_| closed())?;
        rx.await.map_err(|_| closed())?
    }
}

/// Applies a group's writes as one atomic batch.
fn apply(tree: &sled::Tree, writes: HashMap<Vec<u8>, Vec<u8>>) -> std::result::Result<(), String> {
    let mut batch = sled::Batch::default();
    for (key, value) in writes {
        batch.insert(key, value);
    }
    tree.apply_batch(batch).map_err(|e| e.to_string())
}

/// Makes everything applied so far durable.
fn flush(db: &sled::Db, log_file: Option<&File>) -> std::result::Result<(), String> {
    db.flush().map_err(|e| e.to_string())?;
    if let Some(file) = log_file {
        file.sync_data().map_err(|e| e.to_string())?;
    }
    Ok(())
}
