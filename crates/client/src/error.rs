//! The errors of the client: the server's refusals with their google.rpc details, and what
//! can fail on this side (the configuration, the connection, files, the integrity of data).

use std::fmt;
use std::time::Duration;

use tonic_types::{
    ErrorDetail, ErrorDetails, ErrorInfo, FieldViolation, PreconditionViolation, RetryInfo,
    StatusExt as _,
};

/// What a call of this crate can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server refused the call (or tonic made a status of a failed call): its code, its
    /// message and the details it attached. Shown as `CODE: message`.
    #[error(transparent)]
    Status(Box<StatusError>),
    /// The server URL cannot be used.
    #[error("invalid server URL {server:?}")]
    InvalidServer {
        /// The URL given.
        server: String,
        /// Why it cannot be used.
        #[source]
        source: tonic::transport::Error,
    },
    /// The configuration does not hold together (TLS settings for a plain server, a file
    /// that is not PEM, an empty token file).
    #[error("{0}")]
    Config(String),
    /// The token holds characters that cannot be sent in a header.
    #[error("the token holds characters that cannot be sent in a header")]
    InvalidToken(#[source] tonic::metadata::errors::InvalidMetadataValue),
    /// The TLS settings were refused by the TLS library.
    #[error("the TLS options cannot be used")]
    Tls(#[source] tonic::transport::Error),
    /// The server could not be reached, or the TLS handshake failed.
    #[error("cannot connect to {server}")]
    Connect {
        /// The URL of the server.
        server: String,
        /// Why the connection failed.
        #[source]
        source: tonic::transport::Error,
    },
    /// A local file or stream failed: `context` says which and what was being done.
    #[error("{context}")]
    Io {
        /// What was being done, with the file's name.
        context: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The data to publish cannot be sent as it is (not a regular file, or it changed while
    /// it was sent); nothing was kept on the server.
    #[error("{0}")]
    Input(String),
    /// The bytes received or recorded are not the bytes sent (sha256 or size differ).
    #[error("{0}")]
    Integrity(String),
    /// The server's stream did not follow the protocol (no header first, no trailer, …).
    #[error("{0}")]
    Protocol(String),
    /// A task of a transfer failed (it panicked or was cancelled).
    #[error("a task of the transfer failed")]
    Task(#[source] tokio::task::JoinError),
}

impl Error {
    /// The server's status, when the error is one.
    pub fn status(&self) -> Option<&StatusError> {
        match self {
            Error::Status(status) => Some(status),
            _ => None,
        }
    }

    /// The gRPC code of a status error; `None` for errors made on this side.
    pub fn code(&self) -> Option<tonic::Code> {
        self.status().map(StatusError::code)
    }

    /// The reason of a status error (see [`StatusError::reason`]).
    pub fn reason(&self) -> Option<&str> {
        self.status().and_then(StatusError::reason)
    }

    /// The explanation of a status error in `locale` (see [`StatusError::localized`]).
    pub fn localized(&self, locale: &str) -> Option<&str> {
        self.status().and_then(|s| s.localized(locale))
    }

    /// The wait a RESOURCE_EXHAUSTED refusal asks for, from its `grpc-retry-pushback-ms`
    /// header or its RetryInfo detail.
    pub fn retry_after(&self) -> Option<Duration> {
        let status = self.status()?;
        crate::retry::pushback(status.tonic()).or_else(|| {
            (status.code() == tonic::Code::ResourceExhausted)
                .then(|| status.retry_info().and_then(|r| r.retry_delay))
                .flatten()
        })
    }
}

impl From<tonic::Status> for Error {
    fn from(status: tonic::Status) -> Error {
        Error::Status(Box::new(StatusError::new(status)))
    }
}

/// A status the server answered with, and the google.rpc details decoded from it.
#[derive(Debug, Clone)]
pub struct StatusError {
    status: tonic::Status,
    details: ErrorDetails,
    /// The LocalizedMessage details, by locale (`zh-CN`, `en`).
    localized: Vec<(String, String)>,
}

impl StatusError {
    /// Decodes the details of `status`; details that cannot be decoded are left out.
    pub fn new(status: tonic::Status) -> StatusError {
        let details = status.get_error_details();
        let localized = status
            .get_error_details_vec()
            .into_iter()
            .filter_map(|d| match d {
                ErrorDetail::LocalizedMessage(m) => Some((m.locale, m.message)),
                _ => None,
            })
            .collect();
        StatusError {
            status,
            details,
            localized,
        }
    }

    /// The gRPC code.
    pub fn code(&self) -> tonic::Code {
        self.status.code()
    }

    /// The server's message.
    pub fn message(&self) -> &str {
        self.status.message()
    }

    /// The field violations of a BadRequest detail (INVALID_ARGUMENT): which field, and why.
    pub fn field_violations(&self) -> &[FieldViolation] {
        self.details
            .bad_request()
            .map_or(&[], |b| b.field_violations.as_slice())
    }

    /// The violations of a PreconditionFailure detail (FAILED_PRECONDITION): the kind, the
    /// subject and why.
    pub fn precondition_failures(&self) -> &[PreconditionViolation] {
        self.details
            .precondition_failure()
            .map_or(&[], |p| p.violations.as_slice())
    }

    /// The ErrorInfo detail: a machine-readable reason and its domain.
    pub fn error_info(&self) -> Option<&ErrorInfo> {
        self.details.error_info()
    }

    /// Why the call failed, as a program reads it: the ErrorInfo's reason, one of the
    /// contract's ErrorReason names without its prefix (`ENTRY_NOT_FOUND`, `ROLE_REQUIRED`…;
    /// ERRORS.md lists them). Branch on this, never on the message.
    pub fn reason(&self) -> Option<&str> {
        self.error_info().map(|info| info.reason.as_str())
    }

    /// The explanation for people in `locale` (`zh-CN` or `en`; `zh` matches `zh-CN`), if the
    /// server sent one.
    pub fn localized(&self, locale: &str) -> Option<&str> {
        let wanted = locale.to_ascii_lowercase();
        self.localized
            .iter()
            .find(|(l, _)| {
                let l = l.to_ascii_lowercase();
                l == wanted || l.split('-').next() == Some(wanted.as_str())
            })
            .map(|(_, m)| m.as_str())
    }

    /// The RetryInfo detail: how long to wait before trying again.
    pub fn retry_info(&self) -> Option<&RetryInfo> {
        self.details.retry_info()
    }

    /// Every decoded detail.
    pub fn details(&self) -> &ErrorDetails {
        &self.details
    }

    /// The status as tonic gave it, with its metadata and (for a failed connection) its
    /// source error.
    pub fn tonic(&self) -> &tonic::Status {
        &self.status
    }

    /// The status as tonic gave it.
    pub fn into_tonic(self) -> tonic::Status {
        self.status
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", code_name(self.code()), self.message())
    }
}

impl std::error::Error for StatusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.status)
    }
}

/// The canonical name of a status code: `InvalidArgument` → `INVALID_ARGUMENT`.
pub fn code_name(code: tonic::Code) -> String {
    let mut out = String::new();
    for (i, c) in format!("{code:?}").chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_uppercase());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tonic_types::{ErrorDetails, StatusExt as _};

    use super::*;

    #[test]
    fn a_status_carries_its_decoded_details() {
        let mut details = ErrorDetails::with_bad_request_violation("items[0].name", "名称不能为空");
        details.add_precondition_failure_violation("STATE", "101001/000001", "条目未发布");
        details.set_error_info("ENTRY_NOT_PUBLISHED", "govshare.gov.cn", []);
        let status = tonic::Status::with_error_details(
            tonic::Code::InvalidArgument,
            "invalid metadata",
            details,
        );
        let error = Error::from(status);
        assert_eq!(error.to_string(), "INVALID_ARGUMENT: invalid metadata");
        assert_eq!(error.code(), Some(tonic::Code::InvalidArgument));
        let status = error.status().unwrap();
        assert_eq!(status.field_violations()[0].field, "items[0].name");
        assert_eq!(status.field_violations()[0].description, "名称不能为空");
        assert_eq!(status.precondition_failures()[0].r#type, "STATE");
        assert_eq!(status.precondition_failures()[0].subject, "101001/000001");
        assert_eq!(status.error_info().unwrap().reason, "ENTRY_NOT_PUBLISHED");
        assert!(status.retry_info().is_none());
    }

    #[test]
    fn a_refusal_tells_its_reason_and_its_explanation_in_each_language() {
        use tonic_types::{ErrorDetail, LocalizedMessage};
        let status = tonic::Status::with_error_details_vec(
            tonic::Code::NotFound,
            "目录 X 不存在 (entry X does not exist)",
            vec![
                ErrorDetail::ErrorInfo(ErrorInfo::new(
                    "ENTRY_NOT_FOUND",
                    "govshare.v1",
                    std::collections::HashMap::new(),
                )),
                ErrorDetail::LocalizedMessage(LocalizedMessage::new("zh-CN", "目录 X 不存在")),
                ErrorDetail::LocalizedMessage(LocalizedMessage::new(
                    "en",
                    "entry X does not exist",
                )),
            ],
        );
        let error = Error::from(status);
        assert_eq!(error.reason(), Some("ENTRY_NOT_FOUND"));
        assert_eq!(error.localized("zh-CN"), Some("目录 X 不存在"));
        assert_eq!(error.localized("zh"), Some("目录 X 不存在"));
        assert_eq!(error.localized("EN"), Some("entry X does not exist"));
        assert_eq!(error.localized("fr"), None);
        assert_eq!(Error::from(tonic::Status::internal("x")).reason(), None);
    }

    #[test]
    fn a_quota_refusal_tells_its_wait() {
        let details = ErrorDetails::with_retry_info(Some(Duration::from_millis(1500)));
        let status =
            tonic::Status::with_error_details(tonic::Code::ResourceExhausted, "quota", details);
        assert_eq!(
            Error::from(status).retry_after(),
            Some(Duration::from_millis(1500))
        );
        let mut status = tonic::Status::resource_exhausted("quota");
        status.metadata_mut().insert(
            govshare_proto::RETRY_PUSHBACK_HEADER,
            "250".parse().unwrap(),
        );
        assert_eq!(
            Error::from(status).retry_after(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            Error::from(tonic::Status::unavailable("down")).retry_after(),
            None
        );
        assert_eq!(Error::Protocol("x".into()).code(), None);
    }

    #[test]
    fn code_names_are_canonical() {
        assert_eq!(
            code_name(tonic::Code::FailedPrecondition),
            "FAILED_PRECONDITION"
        );
        assert_eq!(code_name(tonic::Code::NotFound), "NOT_FOUND");
        assert_eq!(code_name(tonic::Code::Ok), "OK");
    }
}
