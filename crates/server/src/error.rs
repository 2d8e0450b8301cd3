//! The one mapping of a use case's [`ServiceError`] to a `tonic::Status`, with `google.rpc`
//! details: field violations for bad input, precondition failures for version and state
//! conflicts and for sharing rules. A status is bounded in size whatever its error quotes, so
//! that it always fits the reply's headers.

use govshare_model::FieldViolation as Violation;
use govshare_model::Violations;
pub(crate) use govshare_service::error::disk_full_message;
pub(crate) use govshare_service::{ServiceError, ServiceResult};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, PreconditionViolation, StatusExt};

/// The status of a failed call: the one mapping of [`ServiceError`].
pub(crate) fn status(e: ServiceError) -> Status {
    // Bad input has its message built from the violations listed.
    let message = match &e {
        ServiceError::InvalidArgument(_) => String::new(),
        e => bounded(e.to_string(), MAX_STATUS_MESSAGE_BYTES),
    };
    match e {
        ServiceError::InvalidArgument(violations) => {
            let (message, fields) = bad_request(violations);
            Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request(fields),
            )
        }
        ServiceError::Unauthenticated(_) => Status::unauthenticated(message),
        ServiceError::PermissionDenied(_) => Status::permission_denied(message),
        ServiceError::NotFound(_) => Status::not_found(message),
        ServiceError::AlreadyExists(_) => Status::already_exists(message),
        ServiceError::VersionConflict { subject, .. } => Status::with_error_details(
            Code::Aborted,
            message.clone(),
            ErrorDetails::with_precondition_failure(vec![PreconditionViolation::new(
                "VERSION", subject, message,
            )]),
        ),
        ServiceError::FailedPrecondition { kind, subject, .. } => Status::with_error_details(
            Code::FailedPrecondition,
            message.clone(),
            ErrorDetails::with_precondition_failure(vec![PreconditionViolation::new(
                kind, subject, message,
            )]),
        ),
        ServiceError::ResourceExhausted(_) => Status::resource_exhausted(message),
        ServiceError::Cancelled(_) => Status::cancelled(message),
        ServiceError::DeadlineExceeded(_) => Status::deadline_exceeded(message),
        ServiceError::Unavailable(_) => Status::unavailable(message),
        ServiceError::Internal(_) => Status::internal(message),
        ServiceError::DataLoss(_) => Status::data_loss(message),
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
            let description = bounded(v.description(), MAX_VIOLATION_BYTES);
            Violation::new(
                bounded(v.field, MAX_FIELD_PATH_BYTES),
                v.reason,
                govshare_model::Text::new(description, String::new()),
            )
        })
        .collect();
    let more = total - listed.len();
    let fields = listed
        .iter()
        .map(|v| FieldViolation::new(v.field.clone(), v.description()))
        .collect();
    // As `ServiceError`'s display, counting every violation, listing those that fit.
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
            v.push(format!("items[{i}]"), "错".repeat(10_000));
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
        let internal = status(ServiceError::Internal("长".repeat(1_000_000)));
        assert!(internal.message().len() <= MAX_STATUS_MESSAGE_BYTES);
    }
}
