//! The API's error type and its one mapping to `tonic::Status`, with `google.rpc` details:
//! field violations for bad input, precondition failures for version and state conflicts and
//! for sharing rules. A status is bounded in size whatever its error quotes, so that it
//! always fits the reply's headers.

use govshare_model::{FieldViolation as Violation, Violations};
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
    /// A stream waited longer than its idle timeout for the client; nothing was kept.
    #[error("{0}")]
    DeadlineExceeded(String),
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
        // Bad input has its message built from the violations listed.
        let message = match &e {
            ApiError::InvalidArgument(_) => String::new(),
            e => bounded(e.to_string(), MAX_STATUS_MESSAGE_BYTES),
        };
        match e {
            ApiError::InvalidArgument(violations) => {
                let (message, fields) = bad_request(violations);
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
            ApiError::DeadlineExceeded(_) => Status::deadline_exceeded(message),
            ApiError::Unavailable(_) => Status::unavailable(message),
            ApiError::Internal(_) => Status::internal(message),
            ApiError::DataLoss(_) => Status::data_loss(message),
        }
    }
}

/// The longest status message, in bytes.
pub(crate) const MAX_STATUS_MESSAGE_BYTES: usize = 4096;
/// The most field violations a status lists.
pub(crate) const MAX_FIELD_VIOLATIONS: usize = 20;
/// The longest description of one field violation, in bytes.
const MAX_VIOLATION_BYTES: usize = 512;
/// The longest field path of one field violation, in bytes.
const MAX_FIELD_PATH_BYTES: usize = 128;

/// `text` cut to at most `max` bytes, on a character boundary, with "…" where it was cut.
pub(crate) fn bounded(mut text: String, max: usize) -> String {
    const MARK: &str = "…";
    if text.len() <= max {
        return text;
    }
    let mut end = max.saturating_sub(MARK.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(MARK);
    text
}

/// The message and the listed violations of an INVALID_ARGUMENT status: the first
/// [`MAX_FIELD_VIOLATIONS`], each cut to size, and how many more there were.
fn bad_request(violations: Violations) -> (String, Vec<FieldViolation>) {
    let total = violations.len();
    let listed: Vec<Violation> = violations
        .into_iter()
        .take(MAX_FIELD_VIOLATIONS)
        .map(|v| {
            Violation::new(
                bounded(v.field, MAX_FIELD_PATH_BYTES),
                bounded(v.description, MAX_VIOLATION_BYTES),
            )
        })
        .collect();
    let more = total - listed.len();
    let fields = listed
        .iter()
        .map(|v| FieldViolation::new(v.field.clone(), v.description.clone()))
        .collect();
    // As `ApiError`'s display, counting every violation, listing those that fit.
    let head = format!("invalid request: {total}项校验未通过 ({total} invalid fields): ");
    let tail = if more > 0 {
        format!("；另有{more}项未列出 ({more} more not listed)")
    } else {
        String::new()
    };
    let lines: Vec<String> = listed.iter().map(ToString::to_string).collect();
    let room = MAX_STATUS_MESSAGE_BYTES.saturating_sub(head.len() + tail.len());
    let message = format!("{head}{}{tail}", bounded(lines.join("; "), room));
    (message, fields)
}

/// The result of an API operation.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// Whether `e` is a write refused for want of space (`ENOSPC`, or a quota: `EDQUOT`).
pub(crate) fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// The message of a call refused because the disk is full while doing `zh` / `en`.
pub(crate) fn disk_full_message(zh: &str, en: &str) -> String {
    format!(
        "磁盘空间不足，{zh}失败，请稍后重试 (no space left on the device while {en}; try again \
         later)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_is_cut_on_a_character_boundary_with_a_mark() {
        assert_eq!(bounded("短".into(), 10), "短");
        let cut = bounded("字".repeat(100), 10);
        assert_eq!(cut, "字字…");
        assert!(cut.len() <= 10);
    }

    #[test]
    fn a_status_lists_a_bounded_number_of_bounded_violations() {
        let mut v = Violations::new();
        for i in 0..1000 {
            v.push(format!("items[{i}]"), "错".repeat(10_000));
        }
        let status = Status::from(ApiError::InvalidArgument(v));
        assert!(status.message().len() <= MAX_STATUS_MESSAGE_BYTES);
        assert!(status.message().contains("980"), "{}", status.message());
        let details = status.get_details_bad_request().expect("BadRequest");
        assert_eq!(details.field_violations.len(), MAX_FIELD_VIOLATIONS);
        assert!(
            details
                .field_violations
                .iter()
                .all(|f| f.description.len() <= MAX_VIOLATION_BYTES)
        );
        let status = Status::from(ApiError::Internal("长".repeat(1_000_000)));
        assert!(status.message().len() <= MAX_STATUS_MESSAGE_BYTES);
    }
}
