//! Group commit: writers that committed a transaction wait here for one shared flush.
//!
//! A writer enqueues itself after its transaction committed; the committer takes every writer
//! queued so far, flushes sled, fdatasyncs the log file (sled 0.34's flush ends in
//! `sync_file_range`, which does not flush the device cache) and wakes them all. Writers that
//! arrive during a flush form the next batch, so concurrent writers share flushes.

use std::fs::File;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::StoreError;

type Waiter = oneshot::Sender<Result<(), String>>;

/// Handle to the committer task.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::UnboundedSender<Waiter>,
}

impl GroupCommit {
    /// Starts the committer on the current tokio runtime. `sync_data` selects fdatasync after
    /// each flush.
    pub(crate) fn start(db: sled::Db, log_file: Option<File>) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<Waiter>();
        let log_file = log_file.map(Arc::new);
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while rx.recv_many(&mut batch, usize::MAX).await > 0 {
                let db = db.clone();
                let log_file = log_file.clone();
                let outcome = tokio::task::spawn_blocking(move || -> Result<(), String> {
                    db.flush().map_err(|e| e.to_string())?;
                    if let Some(file) = log_file {
                        file.sync_data().map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
                .await
                .unwrap_or_else(|e| Err(format!("flush task failed: {e}")));
                for waiter in batch.drain(..) {
                    // A writer that gave up waiting (cancelled call) is no error here.
                    let _ = waiter.send(outcome.clone());
                }
            }
        });
        GroupCommit { queue }
    }

    /// Returns once everything committed before this call is durable.
    pub(crate) async fn durable(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send(tx)
            .map_err(|_| StoreError::Backend("the store is closed".into()))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Backend(format!("flush failed: {e}"))),
            Err(_) => Err(StoreError::Backend("the store is closed".into())),
        }
    }
}
