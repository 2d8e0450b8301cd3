//! What can go wrong with the access log.

use std::io;
use std::path::{Path, PathBuf};

/// An access log error.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("访问日志读写失败 (access log I/O failed on {path}): {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Another process (or another `AccessLog` in this one) holds the log's lock.
    #[error(
        "访问日志 {dir} 正被另一进程使用 (the access log in {dir} is locked by another process; \
         only one server may write it)"
    )]
    Locked { dir: PathBuf },
    /// The log no longer accepts appends: it was shut down, or stopped after a write failed.
    #[error("访问日志已停止 (the access log is closed: {reason})")]
    Closed { reason: String },
    /// The files are damaged in a way that stops reading; `verify_dir` tells more.
    #[error("访问日志已损坏 (the access log is corrupt: {path} at byte {offset}: {problem})")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        problem: String,
    },
    /// A verification range the log cannot answer.
    #[error("无效的范围 (invalid range): {0}")]
    Range(String),
    /// The database URL of the PostgreSQL mode cannot be used; `url` is shown without its
    /// password.
    #[error("访问日志数据库地址无效 (invalid access log database URL {url}): {message}")]
    Url { url: String, message: String },
    /// The PostgreSQL database of the log failed or refused a statement (unreachable, a
    /// lost connection, a full pool, a conflicting schema...).
    #[error("访问日志数据库操作失败 (the access log database failed while {action}): {message}")]
    Database {
        /// What the log was doing, e.g. "committing records".
        action: &'static str,
        /// The database's words, with their causes.
        message: String,
    },
    /// A row of the PostgreSQL log that is not a record; `verify` tells more.
    #[error("访问日志已损坏 (the access log is corrupt: record {seq} in the database: {problem})")]
    CorruptRow { seq: u64, problem: String },
}

impl AuditError {
    pub(crate) fn io(path: &Path, source: io::Error) -> AuditError {
        AuditError::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// Whether a write failed for want of space (`ENOSPC`, or a quota: `EDQUOT`): the log
    /// refuses appends until space is freed, then takes them again.
    pub fn is_disk_full(&self) -> bool {
        match self {
            AuditError::Io { source, .. } => {
                source.kind() == io::ErrorKind::StorageFull
                    || source.kind() == io::ErrorKind::QuotaExceeded
            }
            _ => false,
        }
    }

    /// The same error again, for each waiter of a failed group.
    pub(crate) fn duplicate(&self) -> AuditError {
        match self {
            AuditError::Io { path, source } => AuditError::Io {
                path: path.clone(),
                source: io::Error::new(source.kind(), source.to_string()),
            },
            AuditError::Locked { dir } => AuditError::Locked { dir: dir.clone() },
            AuditError::Closed { reason } => AuditError::Closed {
                reason: reason.clone(),
            },
            AuditError::Corrupt {
                path,
                offset,
                problem,
            } => AuditError::corrupt(path, *offset, problem.clone()),
            AuditError::Range(message) => AuditError::Range(message.clone()),
            AuditError::Url { url, message } => AuditError::Url {
                url: url.clone(),
                message: message.clone(),
            },
            AuditError::Database { action, message } => AuditError::Database {
                action,
                message: message.clone(),
            },
            AuditError::CorruptRow { seq, problem } => AuditError::CorruptRow {
                seq: *seq,
                problem: problem.clone(),
            },
        }
    }

    pub(crate) fn corrupt(path: &Path, offset: u64, problem: impl Into<String>) -> AuditError {
        AuditError::Corrupt {
            path: path.to_owned(),
            offset,
            problem: problem.into(),
        }
    }
}

/// Attaches a path to I/O errors.
pub(crate) trait IoContext<T> {
    fn at(self, path: &Path) -> Result<T, AuditError>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: &Path) -> Result<T, AuditError> {
        self.map_err(|e| AuditError::io(path, e))
    }
}
