//! Why a use case failed, in terms a client can act on, and how the failures of the store and
//! of the sharing rules read as such. A transport maps [`ServiceError`] to its own status (the
//! server: to a gRPC status with `google.rpc` details).

use govshare_model::Violations;
use govshare_sharing::SharingError;
use govshare_store::StoreError;

/// Why a call failed, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input: every failing field, with paths relative to the input, whose fields are
    /// named as in the request message that carries it.
    #[error("invalid request: {0}")]
    InvalidArgument(Violations),
    /// No credential, or one that is not (or no longer) valid.
    #[error("{0}")]
    Unauthenticated(String),
    /// The credential lacks the role or the department the action needs.
    #[error("{0}")]
    PermissionDenied(String),
    /// The target does not exist, or the caller may not know that it does.
    #[error("{0}")]
    NotFound(String),
    /// The target already exists.
    #[error("{0}")]
    AlreadyExists(String),
    /// Optimistic concurrency: the caller acted on a version that is no longer current.
    #[error("{message}")]
    VersionConflict {
        /// What is versioned: the entry's code.
        subject: String,
        /// What happened, for people.
        message: String,
    },
    /// The target's state, or a rule such as 不予共享, does not allow the action. `kind` is
    /// the precondition type in the reply's details (`STATE`, `SHARE_TYPE`, `OWN_ENTRY`).
    #[error("{message}")]
    FailedPrecondition {
        /// The precondition type: `STATE`, `SHARE_TYPE` or `OWN_ENTRY`.
        kind: &'static str,
        /// What the precondition is about: an entry's code, a request's or a grant's id.
        subject: String,
        /// What happened, for people.
        message: String,
    },
    /// A limit is reached: a quota, a sequence of codes, the disk.
    #[error("{0}")]
    ResourceExhausted(String),
    /// The client went away or broke off its stream; nothing was kept.
    #[error("{0}")]
    Cancelled(String),
    /// A stream waited longer than its idle timeout for the client; nothing was kept.
    #[error("{0}")]
    DeadlineExceeded(String),
    /// The store failed: retrying later may help.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an invariant broken: not the caller's fault.
    #[error("{0}")]
    Internal(String),
    /// Stored data is lost or damaged beyond what the service can repair.
    #[error("{0}")]
    DataLoss(String),
}

impl ServiceError {
    /// One field violation.
    pub fn field(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Violations::default();
        v.push(field, description);
        ServiceError::InvalidArgument(v)
    }
}

impl From<Violations> for ServiceError {
    fn from(v: Violations) -> Self {
        ServiceError::InvalidArgument(v)
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => {
                ServiceError::NotFound(format!("{what} 不存在 (not found)"))
            }
            StoreError::AlreadyExists(what) => {
                ServiceError::AlreadyExists(format!("{what} 已存在 (already exists)"))
            }
            StoreError::VersionConflict {
                code,
                expected,
                actual,
            } => ServiceError::VersionConflict {
                message: format!(
                    "目录 {code} 的当前版本是 {actual}，请求基于版本 {expected}，未作任何修改 \
                     (entry {code} is at version {actual}, not {expected}; nothing was changed)"
                ),
                subject: code,
            },
            StoreError::InvalidState {
                code,
                state,
                action,
            } => ServiceError::FailedPrecondition {
                message: format!(
                    "目录 {code} 处于“{}”状态，不允许该操作 (entry {code} is {}: {action} is not allowed)",
                    state.label_zh(),
                    state.name()
                ),
                kind: "STATE",
                subject: code,
            },
            StoreError::SequenceExhausted(class) => ServiceError::ResourceExhausted(format!(
                "分类码 {class} 下的顺序码已用尽 (every sequence number under {class} is used)"
            )),
            StoreError::Sharing(e) => e.into(),
            // sled and PostgreSQL pass the OS's words on as text.
            StoreError::Backend(m) if m.contains("No space left on device") => {
                ServiceError::ResourceExhausted(disk_full_message("保存", "storing the change"))
            }
            StoreError::Backend(m) => {
                ServiceError::Unavailable(format!("storage unavailable: {m}"))
            }
            StoreError::Corrupt(m) => {
                ServiceError::Internal(format!("stored data is corrupt: {m}"))
            }
        }
    }
}

impl From<SharingError> for ServiceError {
    fn from(e: SharingError) -> Self {
        let message = e.to_string();
        match e {
            SharingError::Invalid(violations) => ServiceError::InvalidArgument(violations),
            SharingError::NotShared { code, .. } => ServiceError::FailedPrecondition {
                kind: "SHARE_TYPE",
                subject: code.to_string(),
                message,
            },
            SharingError::EntryUnavailable { code, .. } => ServiceError::FailedPrecondition {
                kind: "STATE",
                subject: code.to_string(),
                message,
            },
            SharingError::OwnEntry { code } => ServiceError::FailedPrecondition {
                kind: "OWN_ENTRY",
                subject: code.to_string(),
                message,
            },
            SharingError::RequestNotPending { id, .. } => ServiceError::FailedPrecondition {
                kind: "STATE",
                subject: id.to_string(),
                message,
            },
            SharingError::GrantNotActive { id, .. } => ServiceError::FailedPrecondition {
                kind: "STATE",
                subject: id.to_string(),
                message,
            },
        }
    }
}

/// The result of a use case.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// The message of a call refused because the disk is full while doing `zh` / `en`.
pub fn disk_full_message(zh: &str, en: &str) -> String {
    format!(
        "磁盘空间不足，{zh}失败，请稍后重试 (no space left on the device while {en}; try again \
         later)"
    )
}

/// Fails with every violation collected so far, if any.
pub fn check(v: Violations) -> ServiceResult<()> {
    if v.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::InvalidArgument(v))
    }
}

/// Fails with every violation collected so far; otherwise returns the value parsed alongside
/// them, which is present whenever its field recorded no violation.
pub fn checked<T>(v: Violations, value: Option<T>) -> ServiceResult<T> {
    check(v)?;
    value.ok_or_else(|| ServiceError::Internal("a validated field is missing".into()))
}
