//! The access log in PostgreSQL, for servers that share one database: [`PgAccessLog`]. The
//! records of every server form one hash chain, the same chain a segment file would hold
//! (same canonical bytes, same [`chain_hash`](crate::chain_hash)), so queries and
//! verification answer exactly as the file log does.
//!
//! - `connect.rs`: the URL, the pool, database errors.
//! - `schema.rs`: the tables and their migrations.
//! - `rows.rs`: a record as a row.
//! - `writer.rs`: the writer task's group commit; the head row's lock orders the servers.
//! - `query.rs`, `verify.rs`: [`PgAccessLog::query`] and [`PgAccessLog::verify`].
//!
//! Unlike the file log, a failed group does not stop the log: its transaction is rolled back
//! whole, so the next group goes on from the same head without a gap. Its waiters get the
//! error. (If the connection drops while `COMMIT` is under way the group may have committed
//! all the same: then its records are in the chain although their calls were refused.)
//!
//! As with the files, the chain holds no secret: whoever can write the tables can rewrite a
//! record and every later hash. Comparing the head hash with a copy kept elsewhere catches
//! that.

mod connect;
mod query;
mod rows;
mod schema;
mod verify;
mod writer;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use self::connect::db;
use self::rows::hash_of;
use self::writer::{Msg, Writer};
use crate::error::AuditError;
use crate::record::NewRecord;
use crate::state::Head;
use crate::writer::{Appended, CommitHook};

/// The access log in a PostgreSQL database, in the tables of the connection's current schema
/// (see `schema.rs`). Clones share one writer task and one pool; the writer stops (after
/// committing what was queued) on [`close`](Self::close) or when the last clone is dropped.
/// Several `PgAccessLog`s, in one process or many, may append to the same tables at once.
#[derive(Clone)]
pub struct PgAccessLog {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    tx: mpsc::UnboundedSender<Msg>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for PgAccessLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgAccessLog")
            .field("pool", &self.inner.pool.status())
            .field("open", &!self.inner.tx.is_closed())
            .finish()
    }
}

impl PgAccessLog {
    /// Connects to `url` with a pool of at most `pool_size` connections for reads (queries,
    /// verification, readiness) and one more for the writer task, so that a long
    /// verification never holds up appends; creates or updates the log's tables and starts
    /// the writer. `on_commit` runs on the writer task after
    /// each committed group: keep it quick. Errors never show the URL's password.
    pub async fn connect(
        url: &str,
        pool_size: usize,
        on_commit: Option<CommitHook>,
    ) -> Result<PgAccessLog, AuditError> {
        let pool = connect::pool(url, pool_size)?;
        let action = "connecting to the database";
        let mut client = pool.get().await.map_err(db(action))?;
        schema::migrate(&mut client).await?;
        let row = client
            .query_one("SHOW synchronous_commit", &[])
            .await
            .map_err(db(action))?;
        let synchronous_commit: String = row.try_get(0).map_err(db(action))?;
        if synchronous_commit == "off" {
            tracing::warn!(
                "数据库的 synchronous_commit 为 off，已确认的访问记录可能在数据库崩溃时丢失 \
                 (the database has synchronous_commit = off: an acknowledged access record may \
                 be lost if the database crashes)"
            );
        }
        drop(client);
        let writer_pool = connect::pool(url, 1)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let writer = tokio::spawn(Writer::new(writer_pool, on_commit).run(rx));
        Ok(PgAccessLog {
            inner: Arc::new(Inner {
                pool,
                tx,
                writer: Mutex::new(Some(writer)),
            }),
        })
    }

    /// Appends `record`, returning once the transaction holding it has committed (durable,
    /// with the database's default `synchronous_commit`) and it is visible to every server.
    /// If the future is dropped after the record was queued, the record is still written.
    pub async fn append(&self, record: NewRecord) -> Result<Appended, AuditError> {
        let (tx, rx) = oneshot::channel();
        if self.inner.tx.send(Msg::Append(record, Some(tx))).is_err() {
            return Err(closed());
        }
        rx.await.unwrap_or_else(|_| Err(closed()))
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

    /// `Ok` while the log accepts appends and the database answers (for readiness checks).
    pub async fn check_open(&self) -> Result<(), AuditError> {
        if self.inner.tx.is_closed() {
            return Err(closed());
        }
        let action = "checking the database";
        let client = self.inner.pool.get().await.map_err(db(action))?;
        client.simple_query("SELECT 1").await.map_err(db(action))?;
        Ok(())
    }

    /// `Ok` unless the writer task is gone without being closed (it panicked): a failed
    /// group never stops it, so only a restart would bring it back then.
    pub fn check_alive(&self) -> Result<(), AuditError> {
        let closed = self.inner.tx.is_closed();
        let shut_down = (self.inner.writer.lock())
            .unwrap_or_else(PoisonError::into_inner)
            .is_none();
        match closed && !shut_down {
            false => Ok(()),
            true => Err(AuditError::Closed {
                reason: "the writer task stopped".to_owned(),
            }),
        }
    }

    /// The committed head, as every server sees it; `size_bytes` is the size of the records
    /// table with its indexes.
    pub async fn head(&self) -> Result<Head, AuditError> {
        let action = "reading the head of the access log";
        let client = self.inner.pool.get().await.map_err(db(action))?;
        let statement = client
            .prepare_cached(
                "SELECT seq, hash, pg_total_relation_size('access_log_records') \
                 FROM access_log_head",
            )
            .await
            .map_err(db(action))?;
        let row = client
            .query_one(&statement, &[])
            .await
            .map_err(db(action))?;
        let seq: i64 = row.try_get(0).map_err(db(action))?;
        let hash: Vec<u8> = row.try_get(1).map_err(db(action))?;
        let size: i64 = row.try_get(2).map_err(db(action))?;
        let seq = u64::try_from(seq).unwrap_or(0);
        let hash = hash_of(&hash).map_err(|problem| AuditError::CorruptRow {
            seq,
            problem: format!("the head row is damaged: {problem}"),
        })?;
        Ok(Head {
            seq,
            hash,
            size_bytes: u64::try_from(size).unwrap_or(0),
        })
    }

    /// Stops the writer after it has committed everything queued, and waits for it. Later
    /// appends fail with [`AuditError::Closed`]; queries and verification go on working.
    pub async fn close(&self) {
        let writer = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(writer) = writer {
            // Fails only if the writer already stopped.
            let _ = self.inner.tx.send(Msg::Shutdown);
            if writer.await.is_err() {
                tracing::error!("访问日志写入任务异常退出 (the access log writer panicked)");
            }
        }
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.inner.pool
    }
}

fn closed() -> AuditError {
    AuditError::Closed {
        reason: "shut down".to_owned(),
    }
}
