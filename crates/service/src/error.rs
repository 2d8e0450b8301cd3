//! Why a use case failed, in terms a client can act on, and how the failures of the store and
//! of the sharing rules read as such. A transport maps [`ServiceError`] to its own status (the
//! server: to a gRPC status with `google.rpc` details: ErrorInfo with the [`Reason`],
//! LocalizedMessage in Chinese and in English, and the details the reason calls for).

use std::time::Duration;

use govshare_model::{FieldReason, Text, Violations, text};
use govshare_sharing::SharingError;
use govshare_store::{Named, StoreError};

pub use crate::reason::{Code, Reason};

/// Why a call failed, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input: every failing field, with paths relative to the input, whose fields are
    /// named as in the request message that carries it. Its reason is
    /// [`Reason::InvalidFields`]; each field has a [`FieldReason`] of its own.
    #[error("invalid request: {0}")]
    InvalidArgument(Violations),
    /// Any other refusal: a reason, its explanation and what it is about.
    #[error("{}", .0.text)]
    Refused(Box<Refusal>),
}

/// A refusal other than bad input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Why, as a program reads it; it decides the status code.
    pub reason: Reason,
    /// Why, for people, in Chinese and in English.
    pub text: Text,
    /// What the reason is about, as the contract lists for it: `code`, `request_id`, `role`….
    pub metadata: Vec<(&'static str, String)>,
    /// How long to wait before retrying, when waiting cures it.
    pub retry_after: Option<Duration>,
}

impl ServiceError {
    /// A refusal for `reason`, as `text` explains it.
    pub fn new(reason: Reason, text: Text) -> Self {
        ServiceError::Refused(Box::new(Refusal {
            reason,
            text,
            metadata: Vec::new(),
            retry_after: None,
        }))
    }

    /// The refusal with `key` = `value` among what it is about. Bad input has its fields
    /// instead, so it is returned as it is.
    pub fn with(mut self, key: &'static str, value: impl ToString) -> Self {
        if let ServiceError::Refused(r) = &mut self {
            r.metadata.push((key, value.to_string()));
        }
        self
    }

    /// The refusal with a hint of how long to wait before retrying.
    pub fn retry_after(mut self, wait: Duration) -> Self {
        if let ServiceError::Refused(r) = &mut self {
            r.retry_after = Some(wait);
        }
        self
    }

    /// One field violation.
    pub fn field(field: impl Into<String>, reason: FieldReason, text: Text) -> Self {
        let mut v = Violations::default();
        v.add(field, reason, text);
        ServiceError::InvalidArgument(v)
    }

    /// A fault of the server, not the caller's: `what` says what failed, for the operators.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        ServiceError::new(
            Reason::InternalError,
            text!("服务器内部错误：{what}", "internal error: {what}"),
        )
    }

    /// Why, as a program reads it.
    pub fn reason(&self) -> Reason {
        match self {
            ServiceError::InvalidArgument(_) => Reason::InvalidFields,
            ServiceError::Refused(r) => r.reason,
        }
    }

    /// The status code.
    pub fn code(&self) -> Code {
        self.reason().code()
    }

    /// The value of `key` among what the refusal is about.
    pub fn metadata(&self, key: &str) -> Option<&str> {
        match self {
            ServiceError::InvalidArgument(_) => None,
            ServiceError::Refused(r) => r
                .metadata
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.as_str()),
        }
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
            StoreError::NotFound(what) => not_found(what),
            StoreError::AlreadyExists(what) => already_exists(what),
            StoreError::VersionConflict {
                code,
                expected,
                actual,
            } => ServiceError::new(
                Reason::VersionConflict,
                text!(
                    "目录 {code} 的当前版本是 {actual}，请求基于版本 {expected}，未作任何修改",
                    "entry {code} is at version {actual}, not {expected}; nothing was changed"
                ),
            )
            .with("code", &code)
            .with("expected_version", expected)
            .with("current_version", actual),
            StoreError::InvalidState {
                code,
                state,
                action,
            } => ServiceError::new(Reason::EntryStateDisallows, {
                let (zh, en) = (state.label_zh(), state.name());
                text!(
                    "目录 {code} 处于“{zh}”状态，不允许该操作",
                    "entry {code} is {en}: {action} is not allowed"
                )
            })
            .with("code", &code)
            .with("state", state.name()),
            StoreError::SequenceExhausted(class) => ServiceError::new(
                Reason::SequenceExhausted,
                text!(
                    "分类码 {class} 下的顺序码已用尽",
                    "every sequence number under {class} is used"
                ),
            )
            .with("classification", class),
            StoreError::Sharing(e) => e.into(),
            // sled and PostgreSQL pass the OS's words on as text.
            StoreError::Backend(m) if m.contains("No space left on device") => {
                disk_full("保存", "storing the change")
            }
            StoreError::Backend(m) => store_unavailable(m),
            StoreError::Corrupt(m) => {
                ServiceError::internal(format_args!("stored data is corrupt: {m}"))
            }
        }
    }
}

/// The refusal of a missing record: it does not exist, in words that also fit one the caller
/// may not see.
fn not_found(what: Named) -> ServiceError {
    match what {
        Named::Entry(code) => entry_not_found(&code),
        Named::Request(id) => ServiceError::new(
            Reason::RequestNotFound,
            text!("共享申请 {id} 不存在", "request {id} does not exist"),
        )
        .with("request_id", id),
        Named::Grant(id) => ServiceError::new(
            Reason::GrantNotFound,
            text!("授权 {id} 不存在", "grant {id} does not exist"),
        )
        .with("grant_id", id),
        Named::Token(id) => ServiceError::new(
            Reason::TokenNotFound,
            text!("凭证 {id} 不存在", "credential {id} does not exist"),
        )
        .with("token_id", id),
        Named::Department(code) => department_not_found(&code),
    }
}

fn already_exists(what: Named) -> ServiceError {
    match what {
        Named::Department(code) => ServiceError::new(
            Reason::DepartmentExists,
            text!(
                "部门 {code} 已登记",
                "department {code} is already registered"
            ),
        )
        .with("department_code", code),
        Named::Token(id) => ServiceError::new(
            Reason::TokenExists,
            text!("凭证 {id} 已存在", "credential {id} already exists"),
        )
        .with("token_id", id),
        Named::Entry(code) => ServiceError::new(
            Reason::EntryExists,
            text!("目录 {code} 已存在", "entry {code} already exists"),
        )
        .with("code", code),
        Named::Request(id) | Named::Grant(id) => {
            ServiceError::internal(format_args!("{id} was recorded twice"))
        }
    }
}

/// An entry that does not exist or that the caller may not see: the same words for both.
pub fn entry_not_found(code: &str) -> ServiceError {
    ServiceError::new(
        Reason::EntryNotFound,
        text!(
            "目录 {code} 不存在或无权查看",
            "entry {code} does not exist or is not visible to this credential"
        ),
    )
    .with("code", code)
}

/// A department that is not registered.
pub fn department_not_found(code: &str) -> ServiceError {
    ServiceError::new(
        Reason::DepartmentNotFound,
        text!("部门 {code} 不存在", "department {code} is not registered"),
    )
    .with("department_code", code)
}

/// The store failed; retrying later may help.
pub fn store_unavailable(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::new(
        Reason::StoreUnavailable,
        text!(
            "存储暂不可用，请稍后重试：{what}",
            "storage unavailable, try again later: {what}"
        ),
    )
}

impl From<SharingError> for ServiceError {
    fn from(e: SharingError) -> Self {
        let text = e.text();
        match e {
            SharingError::Invalid(violations) => ServiceError::InvalidArgument(violations),
            SharingError::NotShared { code, .. } => {
                ServiceError::new(Reason::NotShared, text).with("code", code)
            }
            SharingError::EntryUnavailable { code, .. } => {
                ServiceError::new(Reason::EntryUnavailable, text).with("code", code)
            }
            SharingError::OwnEntry { code } => {
                ServiceError::new(Reason::OwnEntry, text).with("code", code)
            }
            SharingError::RequestNotPending { id, state, .. } => {
                ServiceError::new(Reason::RequestNotPending, text)
                    .with("request_id", id)
                    .with("state", state.name())
            }
            SharingError::GrantNotActive { id, state } => {
                ServiceError::new(Reason::GrantNotActive, text)
                    .with("grant_id", id)
                    .with("state", state.name())
            }
        }
    }
}

/// The result of a use case.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// A call refused because the disk is full while doing `zh` / `en`.
pub fn disk_full(zh: &str, en: &str) -> ServiceError {
    ServiceError::new(
        Reason::DiskFull,
        text!(
            "磁盘空间不足，{zh}失败，请稍后重试",
            "no space left on the device while {en}; try again later"
        ),
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
    value.ok_or_else(|| ServiceError::internal("a validated field is missing"))
}
