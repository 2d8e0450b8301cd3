//! Why a call failed, as a program reads it: the contract's `ErrorReason`
//! (proto/govshare/v1/errors.proto) and the gRPC code each reason comes with. The server
//! checks, in a test, that this list and the contract's are the same.

use std::fmt;

/// The status code of a failure, independent of the transport (the gRPC codes it maps to
/// have the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    AlreadyExists,
    Aborted,
    FailedPrecondition,
    ResourceExhausted,
    Cancelled,
    DeadlineExceeded,
    Unavailable,
    Internal,
    DataLoss,
    Unimplemented,
}

/// Why a call failed: one value of the contract's `ErrorReason`, without its prefix. The
/// `FIELD_*` reasons of single fields are [`govshare_model::FieldReason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No `authorization: Bearer <token>` metadata (and no client certificate that names a
    /// department).
    CredentialMissing,
    /// The token is not one this platform issued.
    CredentialInvalid,
    /// The token was revoked by the platform administrator. Metadata: `token_id`.
    CredentialRevoked,
    /// The token's validity ended. Metadata: `token_id`.
    CredentialExpired,
    /// The token binds ADMIN or AUDITOR to a department, against the separation of duties
    /// (GB/T 39477); ask the platform administrator for a platform credential. Metadata:
    /// `token_id`.
    CredentialRoleMisbound,
    /// The client certificate is not one the platform accepts for a department.
    CertificateRefused,
    /// The credential lacks the role the call needs. Metadata: `role` (ADMIN, CATALOGUER,
    /// APPROVER, CONSUMER or AUDITOR).
    RoleRequired,
    /// The call acts for a department, and a platform credential has none.
    DepartmentCredentialRequired,
    /// Only the department that provides the entry may do this. Metadata: `department_code`.
    ProviderOnly,
    /// Only the department that made the sharing request may do this. Metadata:
    /// `department_code`.
    RequesterOnly,
    /// Outside the providing department only the published version of an entry is readable.
    /// Metadata: `code`, `version` (the published one).
    PublishedVersionOnly,
    /// A department may read its own yearly report only. Metadata: `department_code`.
    OwnReportOnly,
    /// The caller's department holds no active grant for the entry: request it first.
    /// Metadata: `code`.
    NoActiveGrant,
    /// The grant was revoked (before the call, or while its data moved; the transfer
    /// stopped). Metadata: `grant_id`.
    GrantRevoked,
    /// The grant's validity ended (before the call, or while its data moved). Metadata:
    /// `grant_id`.
    GrantExpired,
    /// The caller's grants cover none of the snapshot's deliverable items, or the snapshot
    /// is opaque data that cannot be cut down to the granted items. Metadata:
    /// `snapshot_id`.
    ItemsNotGranted,
    /// No such catalogue entry, or the caller may not see it. Metadata: `code`.
    EntryNotFound,
    /// The entry has no such version. Metadata: `code`, `version`.
    VersionNotFound,
    /// No such sharing request, or the caller may not see it. Metadata: `request_id`.
    RequestNotFound,
    /// No such grant, or the caller may not see it. Metadata: `grant_id`.
    GrantNotFound,
    /// The entry has no such data snapshot. Metadata: `code`, `snapshot_id`.
    SnapshotNotFound,
    /// No data has been published for the entry yet. Metadata: `code`.
    DataNotPublished,
    /// No such department is registered. Metadata: `department_code`.
    DepartmentNotFound,
    /// No such credential. Metadata: `token_id`.
    TokenNotFound,
    /// A department with that unified social credit code is already registered. Metadata:
    /// `department_code`.
    DepartmentExists,
    /// A credential with that id already exists. Metadata: `token_id`.
    TokenExists,
    /// An entry with that code already exists. Metadata: `code`.
    EntryExists,
    /// The change was based on a version of the entry that is no longer current; nothing
    /// was changed. Read the entry again and retry on its current version. Metadata:
    /// `code`, `expected_version`, `current_version`.
    VersionConflict,
    /// The entry's state does not allow the action (for example submitting an entry that is
    /// already pending review). Metadata: `code`, `state` (an EntryState name).
    EntryStateDisallows,
    /// The entry is not published (or has been revoked), so it cannot be requested or its
    /// data moved. Metadata: `code`.
    EntryUnavailable,
    /// The entry, or the requested items, are 不予共享 (not shared); the message and the
    /// PreconditionFailure give the legal basis. Metadata: `code`.
    NotShared,
    /// A department cannot request its own entry. Metadata: `code`.
    OwnEntry,
    /// The request has already been decided or withdrawn. Metadata: `request_id`, `state`.
    RequestNotPending,
    /// The grant is no longer active (revoked or expired), so it cannot be revoked again.
    /// Metadata: `grant_id`, `state`.
    GrantNotActive,
    /// A record of the snapshot is larger than one message may carry, so it cannot be
    /// delivered. Metadata: `snapshot_id`.
    RecordTooLarge,
    /// The credential's rate or concurrency quota is used up; RetryInfo (and the
    /// `grpc-retry-pushback-ms` trailer) says when to retry. Metadata: `limit` (`rate` or
    /// `concurrency`).
    QuotaExceeded,
    /// A message is larger than the server accepts; split it. Metadata: `limit_bytes`.
    MessageTooLarge,
    /// The snapshot is larger than the platform stores. Metadata: `limit_bytes`.
    SnapshotTooLarge,
    /// Too many data transfers run at once, for the department or for the server; retry
    /// later. Metadata: `scope` (`department` or `server`).
    TooManyTransfers,
    /// Every sequence number under the classification is used. Metadata: `classification`.
    SequenceExhausted,
    /// The server's disk is full; nothing was kept. Retry later.
    DiskFull,
    /// The client broke off its upload; nothing was kept.
    UploadInterrupted,
    /// The server did not finish the call within its time limit; a write may still have
    /// taken effect, so read before retrying. Metadata: `limit_ms`.
    CallTimedOut,
    /// A data stream saw no message for longer than its idle limit and was ended. Metadata:
    /// `limit_ms`.
    StreamIdle,
    /// The server's store failed.
    StoreUnavailable,
    /// The bucket that holds shared data is unavailable.
    BucketUnavailable,
    /// Full-text search is unavailable.
    SearchUnavailable,
    /// The access log cannot be written or read, so the call was not completed.
    AccessLogUnavailable,
    /// A fault in the server; the operators have its log under the request id.
    InternalError,
    /// Stored data failed its sha256 check or is missing; what was received of it must not
    /// be used. Metadata: `snapshot_id` where known.
    DataDamaged,
    /// The server does not offer this method.
    MethodNotFound,
    /// One or more fields are invalid; BadRequest lists them.
    InvalidFields,
}

impl Reason {
    /// Every reason, in the contract's order.
    pub const ALL: [Reason; 52] = [
        Reason::CredentialMissing,
        Reason::CredentialInvalid,
        Reason::CredentialRevoked,
        Reason::CredentialExpired,
        Reason::CredentialRoleMisbound,
        Reason::CertificateRefused,
        Reason::RoleRequired,
        Reason::DepartmentCredentialRequired,
        Reason::ProviderOnly,
        Reason::RequesterOnly,
        Reason::PublishedVersionOnly,
        Reason::OwnReportOnly,
        Reason::NoActiveGrant,
        Reason::GrantRevoked,
        Reason::GrantExpired,
        Reason::ItemsNotGranted,
        Reason::EntryNotFound,
        Reason::VersionNotFound,
        Reason::RequestNotFound,
        Reason::GrantNotFound,
        Reason::SnapshotNotFound,
        Reason::DataNotPublished,
        Reason::DepartmentNotFound,
        Reason::TokenNotFound,
        Reason::DepartmentExists,
        Reason::TokenExists,
        Reason::EntryExists,
        Reason::VersionConflict,
        Reason::EntryStateDisallows,
        Reason::EntryUnavailable,
        Reason::NotShared,
        Reason::OwnEntry,
        Reason::RequestNotPending,
        Reason::GrantNotActive,
        Reason::RecordTooLarge,
        Reason::QuotaExceeded,
        Reason::MessageTooLarge,
        Reason::SnapshotTooLarge,
        Reason::TooManyTransfers,
        Reason::SequenceExhausted,
        Reason::DiskFull,
        Reason::UploadInterrupted,
        Reason::CallTimedOut,
        Reason::StreamIdle,
        Reason::StoreUnavailable,
        Reason::BucketUnavailable,
        Reason::SearchUnavailable,
        Reason::AccessLogUnavailable,
        Reason::InternalError,
        Reason::DataDamaged,
        Reason::MethodNotFound,
        Reason::InvalidFields,
    ];

    /// The reason as the contract names it, without `ERROR_REASON_`: `ENTRY_NOT_FOUND`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::CredentialMissing => "CREDENTIAL_MISSING",
            Reason::CredentialInvalid => "CREDENTIAL_INVALID",
            Reason::CredentialRevoked => "CREDENTIAL_REVOKED",
            Reason::CredentialExpired => "CREDENTIAL_EXPIRED",
            Reason::CredentialRoleMisbound => "CREDENTIAL_ROLE_MISBOUND",
            Reason::CertificateRefused => "CERTIFICATE_REFUSED",
            Reason::RoleRequired => "ROLE_REQUIRED",
            Reason::DepartmentCredentialRequired => "DEPARTMENT_CREDENTIAL_REQUIRED",
            Reason::ProviderOnly => "PROVIDER_ONLY",
            Reason::RequesterOnly => "REQUESTER_ONLY",
            Reason::PublishedVersionOnly => "PUBLISHED_VERSION_ONLY",
            Reason::OwnReportOnly => "OWN_REPORT_ONLY",
            Reason::NoActiveGrant => "NO_ACTIVE_GRANT",
            Reason::GrantRevoked => "GRANT_REVOKED",
            Reason::GrantExpired => "GRANT_EXPIRED",
            Reason::ItemsNotGranted => "ITEMS_NOT_GRANTED",
            Reason::EntryNotFound => "ENTRY_NOT_FOUND",
            Reason::VersionNotFound => "VERSION_NOT_FOUND",
            Reason::RequestNotFound => "REQUEST_NOT_FOUND",
            Reason::GrantNotFound => "GRANT_NOT_FOUND",
            Reason::SnapshotNotFound => "SNAPSHOT_NOT_FOUND",
            Reason::DataNotPublished => "DATA_NOT_PUBLISHED",
            Reason::DepartmentNotFound => "DEPARTMENT_NOT_FOUND",
            Reason::TokenNotFound => "TOKEN_NOT_FOUND",
            Reason::DepartmentExists => "DEPARTMENT_EXISTS",
            Reason::TokenExists => "TOKEN_EXISTS",
            Reason::EntryExists => "ENTRY_EXISTS",
            Reason::VersionConflict => "VERSION_CONFLICT",
            Reason::EntryStateDisallows => "ENTRY_STATE_DISALLOWS",
            Reason::EntryUnavailable => "ENTRY_UNAVAILABLE",
            Reason::NotShared => "NOT_SHARED",
            Reason::OwnEntry => "OWN_ENTRY",
            Reason::RequestNotPending => "REQUEST_NOT_PENDING",
            Reason::GrantNotActive => "GRANT_NOT_ACTIVE",
            Reason::RecordTooLarge => "RECORD_TOO_LARGE",
            Reason::QuotaExceeded => "QUOTA_EXCEEDED",
            Reason::MessageTooLarge => "MESSAGE_TOO_LARGE",
            Reason::SnapshotTooLarge => "SNAPSHOT_TOO_LARGE",
            Reason::TooManyTransfers => "TOO_MANY_TRANSFERS",
            Reason::SequenceExhausted => "SEQUENCE_EXHAUSTED",
            Reason::DiskFull => "DISK_FULL",
            Reason::UploadInterrupted => "UPLOAD_INTERRUPTED",
            Reason::CallTimedOut => "CALL_TIMED_OUT",
            Reason::StreamIdle => "STREAM_IDLE",
            Reason::StoreUnavailable => "STORE_UNAVAILABLE",
            Reason::BucketUnavailable => "BUCKET_UNAVAILABLE",
            Reason::SearchUnavailable => "SEARCH_UNAVAILABLE",
            Reason::AccessLogUnavailable => "ACCESS_LOG_UNAVAILABLE",
            Reason::InternalError => "INTERNAL_ERROR",
            Reason::DataDamaged => "DATA_DAMAGED",
            Reason::MethodNotFound => "METHOD_NOT_FOUND",
            Reason::InvalidFields => "INVALID_FIELDS",
        }
    }

    /// The reason the contract calls `name` (`ENTRY_NOT_FOUND`), if there is one.
    pub fn named(name: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The status code the reason comes with.
    pub fn code(self) -> Code {
        match self {
            Reason::CredentialMissing
            | Reason::CredentialInvalid
            | Reason::CredentialRevoked
            | Reason::CredentialExpired
            | Reason::CredentialRoleMisbound
            | Reason::CertificateRefused => Code::Unauthenticated,
            Reason::RoleRequired
            | Reason::DepartmentCredentialRequired
            | Reason::ProviderOnly
            | Reason::RequesterOnly
            | Reason::PublishedVersionOnly
            | Reason::OwnReportOnly
            | Reason::NoActiveGrant
            | Reason::GrantRevoked
            | Reason::GrantExpired
            | Reason::ItemsNotGranted => Code::PermissionDenied,
            Reason::EntryNotFound
            | Reason::VersionNotFound
            | Reason::RequestNotFound
            | Reason::GrantNotFound
            | Reason::SnapshotNotFound
            | Reason::DataNotPublished
            | Reason::DepartmentNotFound
            | Reason::TokenNotFound => Code::NotFound,
            Reason::DepartmentExists | Reason::TokenExists | Reason::EntryExists => {
                Code::AlreadyExists
            }
            Reason::VersionConflict => Code::Aborted,
            Reason::EntryStateDisallows
            | Reason::EntryUnavailable
            | Reason::NotShared
            | Reason::OwnEntry
            | Reason::RequestNotPending
            | Reason::GrantNotActive
            | Reason::RecordTooLarge => Code::FailedPrecondition,
            Reason::QuotaExceeded
            | Reason::MessageTooLarge
            | Reason::SnapshotTooLarge
            | Reason::TooManyTransfers
            | Reason::SequenceExhausted
            | Reason::DiskFull => Code::ResourceExhausted,
            Reason::UploadInterrupted => Code::Cancelled,
            Reason::CallTimedOut | Reason::StreamIdle => Code::DeadlineExceeded,
            Reason::StoreUnavailable
            | Reason::BucketUnavailable
            | Reason::SearchUnavailable
            | Reason::AccessLogUnavailable => Code::Unavailable,
            Reason::InternalError => Code::Internal,
            Reason::DataDamaged => Code::DataLoss,
            Reason::MethodNotFound => Code::Unimplemented,
            Reason::InvalidFields => Code::InvalidArgument,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
