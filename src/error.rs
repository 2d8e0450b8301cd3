//! The API's error type and its one mapping to `tonic::Status`, with `google.rpc` details:
//! field violations for bad input, precondition failures for version and state conflicts and
//! for sharing rules.

use govshare_model::Violations;
use govshare_sharing::SharingError;
use govshare_store::StoreError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, PreconditionViolation, StatusExt};

/// Why a call failed, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input: every failing field, with paths relative to the request message.
    #[error("invalid request: {0}")]
    InvalidArgument(Violations),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// Optimistic concurrency: the caller acted on a version that is no longer current.
    #[error("{message}")]
    VersionConflict { subject: String, message: String },
    /// The target's state, or a rule such as 不予共享, does not allow the action. `kind` is
    /// the precondition type in the reply's details (`STATE`, `SHARE_TYPE`, `OWN_ENTRY`).
    #[error("{message}")]
    FailedPrecondition {
        kind: &'static str,
        subject: String,
        message: String,
    },
    #[error("{0}")]
    ResourceExhausted(String),
    /// The client went away or broke off its stream; nothing was kept.
    #[error("{0}")]
    Cancelled(String),
    /// The store failed: retrying later may help.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
    /// Stored data is lost or damaged beyond what the service can repair.
    #[error("{0}")]
    DataLoss(String),
}

impl ApiError {
    /// One field violation.
    pub fn field(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Violations::default();
        v.push(field, description);
        ApiError::InvalidArgument(v)
    }
}

impl From<Violations> for ApiError {
    fn from(v: Violations) -> Self {
        ApiError::InvalidArgument(v)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} 不存在 (not found)")),
            StoreError::AlreadyExists(what) => {
                ApiError::AlreadyExists(format!("{what} 已存在 (already exists)"))
            }
            StoreError::VersionConflict {
                code,
                expected,
                actual,
            } => ApiError::VersionConflict {
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
            } => ApiError::FailedPrecondition {
                message: format!(
                    "目录 {code} 处于“{}”状态，不允许该操作 (entry {code} is {}: {action} is not allowed)",
                    state.label_zh(),
                    state.name()
                ),
                kind: "STATE",
                subject: code,
            },
            StoreError::SequenceExhausted(class) => ApiError::ResourceExhausted(format!(
                "分类码 {class} 下的顺序码已用尽 (every sequence number under {class} is used)"
            )),
            StoreError::Sharing(e) => e.into(),
            // sled and PostgreSQL pass the OS's words on as text.
            StoreError::Backend(m) if m.contains("No space left on device") => {
                ApiError::ResourceExhausted(disk_full_message("保存", "storing the change"))
            }
            StoreError::Backend(m) => ApiError::Unavailable(format!("storage unavailable: {m}")),
            StoreError::Corrupt(m) => ApiError::Internal(format!("stored data is corrupt: {m}")),
        }
    }
}

impl From<SharingError> for ApiError {
    fn from(e: SharingError) -> Self {
        let message = e.to_string();
        match e {
            SharingError::Invalid(violations) => ApiError::InvalidArgument(violations),
            SharingError::NotShared { code, .. } => ApiError::FailedPrecondition {
                kind: "SHARE_TYPE",
                subject: code.to_string(),
                message,
            },
            SharingError::EntryUnavailable { code, .. } => ApiError::FailedPrecondition {
                kind: "STATE",
                subject: code.to_string(),
                message,
            },
            SharingError::OwnEntry { code } => ApiError::FailedPrecondition {
                kind: "OWN_ENTRY",
                subject: code.to_string(),
                message,
            },
            SharingError::RequestNotPending { id, .. } => ApiError::FailedPrecondition {
                kind: "STATE",
                subject: id.to_string(),
                message,
            },
            SharingError::GrantNotActive { id, .. } => ApiError::FailedPrecondition {
                kind: "STATE",
                subject: id.to_string(),
                message,
            },
        }
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Self {
        let message = e.to_string();
        match e {
            ApiError::InvalidArgument(violations) => {
                let fields: Vec<FieldViolation> = violations
                    .0
                    .iter()
                    .map(|v| FieldViolation::new(v.field.clone(), v.description.clone()))
                    .collect();
                Status::with_error_details(
                    Code::InvalidArgument,
                    message,
                    ErrorDetails::with_bad_request(fields),
                )
            }
            ApiError::Unauthenticated(_) => Status::unauthenticated(message),
            ApiError::PermissionDenied(_) => Status::permission_denied(message),
            ApiError::NotFound(_) => Status::not_found(message),
            ApiError::AlreadyExists(_) => Status::already_exists(message),
            ApiError::VersionConflict { subject, .. } => Status::with_error_details(
                Code::Aborted,
                message.clone(),
                ErrorDetails::with_precondition_failure(vec![PreconditionViolation::new(
                    "VERSION", subject, message,
                )]),
            ),
            ApiError::FailedPrecondition { kind, subject, .. } => Status::with_error_details(
                Code::FailedPrecondition,
                message.clone(),
                ErrorDetails::with_precondition_failure(vec![PreconditionViolation::new(
                    kind, subject, message,
                )]),
            ),
            ApiError::ResourceExhausted(_) => Status::resource_exhausted(message),
            ApiError::Cancelled(_) => Status::cancelled(message),
            ApiError::Unavailable(_) => Status::unavailable(message),
            ApiError::Internal(_) => Status::internal(message),
            ApiError::DataLoss(_) => Status::data_loss(message),
        }
    }
}

/// The result of an API operation.
pub type ApiResult<T> = Result<T, ApiError>;

/// Whether `e` is a write refused for want of space (`ENOSPC`, or a quota: `EDQUOT`).
pub fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// The message of a call refused because the disk is full while doing `zh` / `en`.
pub fn disk_full_message(zh: &str, en: &str) -> String {
    format!(
        "磁盘空间不足，{zh}失败，请稍后重试 (no space left on the device while {en}; try again \
         later)"
    )
}
