//! Group commit: writers that committed a batch wait here for one shared flush.
//!
//! A writer enqueues itself after its batch was applied; a dedicated thread takes every
//! writer queued so far, flushes sled, fdatasyncs the log file (sled 0.34's flush ends in
//! `sync_file_range`, which does not flush the device cache) and wakes them all. Writers that
//! arrive during a flush form the next batch, so concurrent writers share flushes.

use std::fs::File;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::StoreError;

type Waiter = oneshot::Sender<Result<(), String>>;

/// Handle to the committer thread. Dropping it ends the thread after its last flush and waits
/// for it, so the sled directory is released when the store is.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    queue: Option<mpsc::Sender<Waiter>>,
    thread: Option<JoinHandle<()>>,
}

impl GroupCommit {
    /// Starts the committer. `log_file`, if given, is fdatasynced after each flush.
    pub(crate) fn start(db: sled::Db, log_file: Option<File>) -> std::io::Result<Self> {
        let (queue, rx) = mpsc::channel::<Waiter>();
        let thread = std::thread::Builder::new()
            .name("govshare-commit".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let outcome = flush(&db, log_file.as_ref());
                    for waiter in batch {
                        // A writer that gave up waiting (cancelled call) is no error here.
                        let _ = waiter.send(outcome.clone());
                    }
                }
            })?;
        Ok(GroupCommit {
            queue: Some(queue),
            thread: Some(thread),
        })
    }

    /// Returns once everything committed before this call is durable.
    pub(crate) async fn durable(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .as_ref()
            .and_then(|q| q.send(tx).ok())
            .ok_or_else(|| StoreError::Backend("the store is closed".into()))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Backend(format!("flush failed: {e}"))),
            Err(_) => Err(StoreError::Backend("the store is closed".into())),
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn flush(db: &sled::Db, log_file: Option<&File>) -> Result<(), String> {
    db.flush().map_err(|e| e.to_string())?;
    if let Some(file) = log_file {
        file.sync_data().map_err(|e| e.to_string())?;
    }
    Ok(())
}
