//! The server's access log, wherever it is kept: [`AccessLogHandle`] gives the server one
//! async interface to the segment files of one server (`govshare_audit::AccessLog`) and to
//! the PostgreSQL log that servers sharing a database append to (`PgAccessLog`). The file
//! log's blocking calls run on blocking threads here, so callers never block the runtime.

use govshare_audit::{
    AccessLog, Appended, AuditError, Head, NewRecord, PgAccessLog, Query, QueryPage, Verification,
};

/// The access log of a running server.
#[derive(Debug, Clone)]
pub(crate) enum AccessLogHandle {
    /// Segment files in a directory, written by this server only.
    Files(AccessLog),
    /// Tables in the PostgreSQL database the servers share.
    Postgres(PgAccessLog),
}

/// Why a read of the log failed: the log's own error, or the blocking task running it died.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LogError {
    #[error(transparent)]
    Log(#[from] AuditError),
    #[error("访问日志任务异常退出 (the access log task failed: {0})")]
    Task(String),
}

impl AccessLogHandle {
    /// Appends `record`, returning once it is durable. If the future is dropped after the
    /// record was queued, the record is still written.
    pub(crate) async fn append(&self, record: NewRecord) -> Result<Appended, AuditError> {
        match self {
            AccessLogHandle::Files(log) => log.append(record).await,
            AccessLogHandle::Postgres(log) => log.append(record).await,
        }
    }

    /// Queues `record` without waiting (for calls whose client went away).
    pub(crate) fn append_detached(&self, record: NewRecord) {
        match self {
            AccessLogHandle::Files(log) => log.append_detached(record),
            AccessLogHandle::Postgres(log) => log.append_detached(record),
        }
    }

    /// `Ok` while the log accepts appends (for readiness checks); for PostgreSQL, also while
    /// the database answers.
    pub(crate) async fn check_open(&self) -> Result<(), AuditError> {
        match self {
            AccessLogHandle::Files(log) => log.check_open(),
            AccessLogHandle::Postgres(log) => log.check_open().await,
        }
    }

    /// `Ok` unless the log stopped for good (for liveness checks: only a restart brings it
    /// back). A log refusing appends for a while, as on a full disk, is alive; so is a
    /// PostgreSQL log whose database is unreachable (a restart would not help it).
    pub(crate) fn check_alive(&self) -> Result<(), AuditError> {
        match self {
            AccessLogHandle::Files(log) => log.check_alive(),
            AccessLogHandle::Postgres(log) => log.check_alive(),
        }
    }

    /// The committed head: for PostgreSQL, as every server sees it.
    pub(crate) async fn head(&self) -> Result<Head, AuditError> {
        match self {
            AccessLogHandle::Files(log) => Ok(log.head()),
            AccessLogHandle::Postgres(log) => log.head().await,
        }
    }

    /// One page of the records matching `q`, newest first.
    pub(crate) async fn query(&self, q: Query) -> Result<QueryPage, LogError> {
        match self {
            AccessLogHandle::Files(log) => {
                let log = log.clone();
                blocking(move || log.query(&q)).await
            }
            AccessLogHandle::Postgres(log) => Ok(log.query(&q).await?),
        }
    }

    /// Verifies the chain from `from_seq` to `to_seq` (defaults: the whole log).
    pub(crate) async fn verify(
        &self,
        from_seq: Option<u64>,
        to_seq: Option<u64>,
    ) -> Result<Verification, LogError> {
        match self {
            AccessLogHandle::Files(log) => {
                let log = log.clone();
                blocking(move || log.verify(from_seq, to_seq)).await
            }
            AccessLogHandle::Postgres(log) => Ok(log.verify(from_seq, to_seq).await?),
        }
    }

    /// Commits everything queued and stops appending; reads go on working.
    pub(crate) async fn close(&self) -> Result<(), LogError> {
        match self {
            AccessLogHandle::Files(log) => {
                let log = log.clone();
                blocking(move || {
                    log.close();
                    Ok(())
                })
                .await
            }
            AccessLogHandle::Postgres(log) => {
                log.close().await;
                Ok(())
            }
        }
    }
}

/// Runs a blocking call of the file log on a blocking thread.
async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, AuditError> + Send + 'static,
) -> Result<T, LogError> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|e| LogError::Task(e.to_string()))?
        .map_err(LogError::Log)
}
