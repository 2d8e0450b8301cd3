//! The one mapping of a use case's [`ServiceError`] to a `tonic::Status`, with `google.rpc`
//! details (proto/govshare/v1/errors.proto): an ErrorInfo with the reason, a LocalizedMessage in
//! zh-CN and one in en, and, where they apply, the failing fields (BadRequest), the failed
//! precondition (PreconditionFailure), the resource (ResourceInfo) and when to retry
//! (RetryInfo). A status is bounded in size whatever its error quotes, so that it always fits
//! the reply's headers.

use govshare_model::FieldViolation as Violation;
use govshare_model::{Text, Violations};
pub(crate) use govshare_service::error::disk_full;
pub(crate) use govshare_service::{Code, Reason, ServiceError, ServiceResult};
use tonic::Status;
use tonic_types::{
    BadRequest, ErrorDetail, ErrorInfo, FieldViolation, LocalizedMessage, PreconditionFailure,
    PreconditionViolation, ResourceInfo, RetryInfo, StatusExt,
};

/// The domain of every ErrorInfo: the contract's package.
pub(crate) const ERROR_DOMAIN: &str = "govshare.v1";

/// The status of a failed call: the one mapping of [`ServiceError`].
pub(crate) fn status(e: ServiceError) -> Status {
    let reason = e.reason();
    let code = grpc_code(reason.code());
    match e {
        ServiceError::InvalidArgument(violations) => {
            let (message, text, fields) = bad_request(violations);
            let mut details = described(reason, &[], &text);
            details.push(ErrorDetail::BadRequest(BadRequest::new(fields)));
            Status::with_error_details_vec(code, message, details)
        }
        ServiceError::Refused(refusal) => {
            let text = Text::new(
                bounded(refusal.text.zh, MAX_LOCALIZED_BYTES),
                bounded(refusal.text.en, MAX_LOCALIZED_BYTES),
            );
            let message = text.to_string();
            let metadata: Vec<(&str, String)> = refusal
                .metadata
                .into_iter()
                .map(|(k, v)| (k, bounded(v, MAX_METADATA_VALUE_BYTES)))
                .collect();
            let mut details = described(reason, &metadata, &text);
            if let Some(kind) = precondition_type(reason) {
                let subject = metadata.first().map(|(_, v)| v.clone()).unwrap_or_default();
                details.push(ErrorDetail::PreconditionFailure(PreconditionFailure::new(
                    vec![PreconditionViolation::new(kind, subject, message.clone())],
                )));
            }
            if let Some(resource) = resource_info(&metadata) {
                details.push(ErrorDetail::ResourceInfo(resource));
            }
            if let Some(wait) = refusal.retry_after {
                details.push(ErrorDetail::RetryInfo(RetryInfo::new(Some(wait))));
            }
            Status::with_error_details_vec(code, message, details)
        }
    }
}

/// A refusal for `reason`, as `text` explains it, about `metadata`: for the tower layers,
/// which answer before any use case runs.
pub(crate) fn refused(reason: Reason, text: Text, metadata: &[(&'static str, String)]) -> Status {
    let mut e = ServiceError::new(reason, text);
    for (k, v) in metadata {
        e = e.with(k, v);
    }
    status(e)
}

/// The refusal a status this server made says (its ErrorInfo's reason, `fallback` if it has
/// none, and its LocalizedMessages): for a status that a layer answered in the middle of a
/// stream a use case reads, and that the use case passes on as its own failure.
pub(crate) fn refusal_of(status: &Status, fallback: Reason) -> ServiceError {
    let mut reason = fallback;
    let mut text = Text::from_fused(status.message());
    for detail in status.get_error_details_vec() {
        match detail {
            ErrorDetail::ErrorInfo(info) => {
                reason = Reason::named(&info.reason).unwrap_or(fallback)
            }
            ErrorDetail::LocalizedMessage(m) if m.locale == "zh-CN" => text.zh = m.message,
            ErrorDetail::LocalizedMessage(m) if m.locale == "en" => text.en = m.message,
            _ => {}
        }
    }
    ServiceError::new(reason, text)
}

/// Gives the status in `headers` (a trailers-only reply's headers, or a reply's trailers) the
/// details every refusal carries when it has none: a status that tonic itself answered (an
/// unknown method, a message it could not decode) rather than a use case or a layer of ours.
///
/// Returns the reason of the refusal, the one its details already named or the one added:
/// `None` for OK (whose details are never read), for headers that hold no status, and for
/// details that name no reason this server knows (which it never sends; logged at debug).
pub(crate) fn ensure_described(headers: &mut http::HeaderMap) -> Option<Reason> {
    let code = tonic::Code::from_bytes(headers.get(STATUS_HEADER)?.as_bytes());
    if code == tonic::Code::Ok {
        return None;
    }
    let status = Status::from_header_map(headers)?;
    if headers.contains_key(DETAILS_HEADER) {
        return reason_in(&status);
    }
    let reason = match status.code() {
        tonic::Code::Unimplemented => Reason::MethodNotFound,
        tonic::Code::DeadlineExceeded => Reason::CallTimedOut,
        tonic::Code::ResourceExhausted => Reason::MessageTooLarge,
        tonic::Code::Cancelled => Reason::UploadInterrupted,
        _ => Reason::InternalError,
    };
    let text = match reason {
        Reason::MethodNotFound => govshare_model::text!(
            "服务器不提供该方法",
            "the server does not offer this method"
        ),
        _ => {
            let said = Text::from_fused(status.message());
            if said.en.is_empty() {
                Text::new(said.zh.clone(), said.zh)
            } else {
                said
            }
        }
    };
    let message = match status.message() {
        "" => text.to_string(),
        said => said.to_owned(),
    };
    let described =
        Status::with_error_details_vec(status.code(), message, described(reason, &[], &text));
    let _ = described.add_header(headers);
    Some(reason)
}

/// The reason a status's ErrorInfo names, if it is one of [`Reason::ALL`].
fn reason_in(status: &Status) -> Option<Reason> {
    let details = status.get_error_details();
    let named = details.error_info().map(|info| info.reason.as_str());
    let reason = named.and_then(Reason::named);
    if reason.is_none() {
        tracing::debug!(
            code = ?status.code(),
            reason = named.unwrap_or(""),
            "a refusal names no reason this server knows: not counted in govshare_refusals_total"
        );
    }
    reason
}

/// The header (or trailer) of a status's code.
const STATUS_HEADER: &str = "grpc-status";

/// The header (or trailer) of a status's `google.rpc` details.
const DETAILS_HEADER: &str = "grpc-status-details-bin";

/// The ErrorInfo and the two LocalizedMessages every refusal carries.
fn described(reason: Reason, metadata: &[(&str, String)], text: &Text) -> Vec<ErrorDetail> {
    let metadata: std::collections::HashMap<String, String> = metadata
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let mut details = vec![ErrorDetail::ErrorInfo(ErrorInfo::new(
        reason.as_str(),
        ERROR_DOMAIN,
        metadata,
    ))];
    for (locale, message) in [("zh-CN", &text.zh), ("en", &text.en)] {
        if !message.is_empty() {
            details.push(ErrorDetail::LocalizedMessage(LocalizedMessage::new(
                locale,
                message.clone(),
            )));
        }
    }
    details
}

/// The gRPC code of a [`Code`].
pub(crate) fn grpc_code(code: Code) -> tonic::Code {
    match code {
        Code::InvalidArgument => tonic::Code::InvalidArgument,
        Code::Unauthenticated => tonic::Code::Unauthenticated,
        Code::PermissionDenied => tonic::Code::PermissionDenied,
        Code::NotFound => tonic::Code::NotFound,
        Code::AlreadyExists => tonic::Code::AlreadyExists,
        Code::Aborted => tonic::Code::Aborted,
        Code::FailedPrecondition => tonic::Code::FailedPrecondition,
        Code::ResourceExhausted => tonic::Code::ResourceExhausted,
        Code::Cancelled => tonic::Code::Cancelled,
        Code::DeadlineExceeded => tonic::Code::DeadlineExceeded,
        Code::Unavailable => tonic::Code::Unavailable,
        Code::Internal => tonic::Code::Internal,
        Code::DataLoss => tonic::Code::DataLoss,
        Code::Unimplemented => tonic::Code::Unimplemented,
    }
}

/// The PreconditionFailure type of an ABORTED or FAILED_PRECONDITION reason: what kind of
/// precondition failed (`VERSION`, `STATE`, `SHARE_TYPE`, `OWN_ENTRY`, `SIZE`).
fn precondition_type(reason: Reason) -> Option<&'static str> {
    Some(match reason {
        Reason::VersionConflict => "VERSION",
        Reason::EntryStateDisallows
        | Reason::EntryUnavailable
        | Reason::RequestNotPending
        | Reason::GrantNotActive => "STATE",
        Reason::NotShared => "SHARE_TYPE",
        Reason::OwnEntry => "OWN_ENTRY",
        Reason::RecordTooLarge => "SIZE",
        _ => return None,
    })
}

/// The resource a refusal is about, by the most specific key of its metadata.
fn resource_info(metadata: &[(&str, String)]) -> Option<ResourceInfo> {
    const KINDS: [(&str, &str); 6] = [
        ("snapshot_id", "govshare.v1.Snapshot"),
        ("grant_id", "govshare.v1.Grant"),
        ("request_id", "govshare.v1.SharingRequest"),
        ("token_id", "govshare.v1.TokenInfo"),
        ("code", "govshare.v1.CatalogEntry"),
        ("department_code", "govshare.v1.Department"),
    ];
    KINDS.iter().find_map(|(key, kind)| {
        let (_, name) = metadata.iter().find(|(k, _)| k == key)?;
        Some(ResourceInfo::new(*kind, name.clone(), "", ""))
    })
}

/// The longest status message, in bytes.
pub(crate) const MAX_STATUS_MESSAGE_BYTES: usize = 4096;
/// The longest LocalizedMessage, in bytes: each language's text of the status message.
const MAX_LOCALIZED_BYTES: usize = 1024;
/// The most field violations a status lists.
pub(crate) const MAX_FIELD_VIOLATIONS: usize = 20;
/// The longest value of an ErrorInfo's metadata, in bytes.
const MAX_METADATA_VALUE_BYTES: usize = 256;
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

/// The message, its text in each language, and the listed violations of an INVALID_ARGUMENT
/// status: the first [`MAX_FIELD_VIOLATIONS`], each cut to size, and how many more there were.
fn bad_request(violations: Violations) -> (String, Text, Vec<FieldViolation>) {
    let total = violations.len();
    let listed: Vec<Violation> = violations
        .into_iter()
        .take(MAX_FIELD_VIOLATIONS)
        .map(|v| {
            let text = Text::new(
                bounded(v.text.zh, (MAX_VIOLATION_BYTES - 3) / 2),
                bounded(v.text.en, (MAX_VIOLATION_BYTES - 3) / 2),
            );
            Violation::new(bounded(v.field, MAX_FIELD_PATH_BYTES), v.reason, text)
        })
        .collect();
    let more = total - listed.len();
    let fields = listed
        .iter()
        .map(|v| FieldViolation {
            field: v.field.clone(),
            description: v.description(),
            reason: v.reason.as_str().to_owned(),
            localized_message: None,
        })
        .collect();
    let list = |max: usize, head: String, lines: Vec<String>, sep: &str, tail: String| {
        let room = max.saturating_sub(head.len() + tail.len());
        format!("{head}{}{tail}", bounded(lines.join(sep), room))
    };
    let (tail, tail_zh, tail_en) = if more > 0 {
        (
            format!("；另有{more}项未列出 ({more} more not listed)"),
            format!("；另有{more}项未列出"),
            format!("; {more} more not listed"),
        )
    } else {
        Default::default()
    };
    // As `ServiceError`'s display, counting every violation, listing those that fit.
    let message = list(
        MAX_STATUS_MESSAGE_BYTES,
        format!("invalid request: {total}项校验未通过 ({total} invalid fields): "),
        listed.iter().map(ToString::to_string).collect(),
        "; ",
        tail,
    );
    // The same in each language alone (a text missing in one language is given in the other).
    let either = |a: &String, b: &String| if a.is_empty() { b.clone() } else { a.clone() };
    let text = Text {
        zh: list(
            MAX_LOCALIZED_BYTES,
            format!("{total}项校验未通过："),
            listed
                .iter()
                .map(|v| format!("{}：{}", v.field, either(&v.text.zh, &v.text.en)))
                .collect(),
            "；",
            tail_zh,
        ),
        en: list(
            MAX_LOCALIZED_BYTES,
            format!("{total} invalid fields: "),
            listed
                .iter()
                .map(|v| format!("{}: {}", v.field, either(&v.text.en, &v.text.zh)))
                .collect(),
            "; ",
            tail_en,
        ),
    };
    (message, text, fields)
}

/// Whether `e` is a write refused for want of space (`ENOSPC`, or a quota: `EDQUOT`).
pub(crate) fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
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
            v.add(
                format!("items[{i}]"),
                govshare_model::FieldReason::TooLong,
                Text::new("错".repeat(10_000), "wrong".repeat(10_000)),
            );
        }
        let bad = status(ServiceError::InvalidArgument(v));
        assert!(bad.message().len() <= MAX_STATUS_MESSAGE_BYTES);
        assert!(bad.message().contains("980"), "{}", bad.message());
        let details = bad.get_details_bad_request().expect("BadRequest");
        assert_eq!(details.field_violations.len(), MAX_FIELD_VIOLATIONS);
        assert!(
            details
                .field_violations
                .iter()
                .all(|f| f.description.len() <= MAX_VIOLATION_BYTES)
        );
        let internal = status(ServiceError::internal("长".repeat(1_000_000)));
        assert!(internal.message().len() <= MAX_STATUS_MESSAGE_BYTES);
    }

    /// `status` as a reply's trailers.
    fn trailers(status: &Status) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        status.add_header(&mut headers).expect("renders");
        headers
    }

    #[test]
    fn the_reason_a_refusal_names_is_found_and_the_status_kept() {
        let refused = status(ServiceError::new(
            Reason::EntryNotFound,
            Text::new("没有该目录", "no such entry"),
        ));
        let mut headers = trailers(&refused);
        let before = headers.clone();
        assert_eq!(ensure_described(&mut headers), Some(Reason::EntryNotFound));
        assert_eq!(headers, before);
    }

    #[test]
    fn a_bare_status_is_described_and_its_added_reason_returned() {
        let mut headers = trailers(&Status::unimplemented(""));
        assert_eq!(ensure_described(&mut headers), Some(Reason::MethodNotFound));
        let described = Status::from_header_map(&headers).expect("a status");
        let details = described.get_error_details();
        let info = details.error_info().expect("an ErrorInfo");
        assert_eq!(info.reason, "METHOD_NOT_FOUND");
        assert_eq!(info.domain, ERROR_DOMAIN);
    }

    #[test]
    fn ok_is_neither_decoded_nor_described() {
        // Details that do not even decode: reading them would fail (tonic panics on them).
        let mut headers = http::HeaderMap::new();
        headers.insert(STATUS_HEADER, http::HeaderValue::from_static("0"));
        headers.insert(DETAILS_HEADER, http::HeaderValue::from_static("%%%"));
        let before = headers.clone();
        assert_eq!(ensure_described(&mut headers), None);
        assert_eq!(headers, before);
        let mut plain = trailers(&Status::ok(""));
        assert_eq!(ensure_described(&mut plain), None);
        assert!(!plain.contains_key(DETAILS_HEADER));
        let mut none = http::HeaderMap::new();
        assert_eq!(ensure_described(&mut none), None);
        assert!(none.is_empty());
    }

    #[test]
    fn a_reason_this_server_does_not_know_is_not_returned() {
        let foreign = Status::with_error_details_vec(
            tonic::Code::NotFound,
            "gone",
            vec![ErrorDetail::ErrorInfo(ErrorInfo::new(
                "NO_SUCH_REASON",
                ERROR_DOMAIN,
                std::collections::HashMap::new(),
            ))],
        );
        let mut headers = trailers(&foreign);
        let before = headers.clone();
        assert_eq!(ensure_described(&mut headers), None);
        assert_eq!(headers, before);
        let no_info = Status::with_error_details_vec(
            tonic::Code::NotFound,
            "gone",
            vec![ErrorDetail::RetryInfo(RetryInfo::new(None))],
        );
        assert_eq!(ensure_described(&mut trailers(&no_info)), None);
    }
}
