//! How a failed command is told on stderr: the gRPC status with its field violations and
//! precondition failures, or the error chain.

use govshare_client::code_name;
use tonic_types::StatusExt as _;

/// The lines describing `err`, ready for stderr.
pub fn describe(err: &anyhow::Error) -> Vec<String> {
    let status = err.downcast_ref::<tonic::Status>().or_else(|| {
        err.downcast_ref::<govshare_client::Error>()
            .and_then(govshare_client::Error::status)
            .map(govshare_client::StatusError::tonic)
    });
    match status {
        Some(status) => describe_status(status),
        None => vec![format!("error: {err:#}")],
    }
}

fn describe_status(status: &tonic::Status) -> Vec<String> {
    let mut lines = vec![format!(
        "error: {}: {}",
        code_name(status.code()),
        status.message()
    )];
    if let Some(bad_request) = status.get_details_bad_request() {
        for v in bad_request.field_violations {
            lines.push(format!("  - {}: {}", v.field, v.description));
        }
    }
    if let Some(failure) = status.get_details_precondition_failure() {
        for v in failure.violations {
            let kind = if v.r#type.is_empty() {
                String::new()
            } else {
                format!(" [{}]", v.r#type)
            };
            lines.push(format!("  - {}: {}{kind}", v.subject, v.description));
        }
    }
    // A status with a source, or about the HTTP/2 framing, was made by the client from a
    // failed connection, not sent by the server: say why it failed.
    let mut cause = std::error::Error::source(status);
    if cause.is_some() || status.message().starts_with("h2 protocol error") {
        while let Some(error) = cause {
            let text = error.to_string();
            if !lines[0].contains(&text) {
                lines[0].push_str(&format!(": {text}"));
            }
            cause = error.source();
        }
        lines.push(
            "  (the connection failed: a server with TLS is given as https:// with --ca-cert, \
             and with --client-cert and --client-key if it requires client certificates; a \
             plain one as http://)"
                .into(),
        );
    }
    if status.code() == tonic::Code::Unauthenticated {
        lines.push("  (the credential comes from --token, --token-file or GOVSHARE_TOKEN)".into());
    }
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

    #[test]
    fn status_is_told_with_its_code_and_field_violations() {
        let details = ErrorDetails::with_bad_request(vec![FieldViolation::new(
            "items[0].name",
            "名称不能为空",
        )]);
        let status = tonic::Status::with_error_details(
            tonic::Code::InvalidArgument,
            "invalid metadata",
            details,
        );
        let lines = describe(&anyhow::Error::new(status));
        assert_eq!(
            lines,
            vec![
                "error: INVALID_ARGUMENT: invalid metadata".to_string(),
                "  - items[0].name: 名称不能为空".to_string(),
            ]
        );
    }

    #[test]
    fn a_failed_connection_is_told_with_its_cause_and_a_hint() {
        #[derive(Debug)]
        struct Transport(std::io::Error);
        impl std::fmt::Display for Transport {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("transport error")
            }
        }
        impl std::error::Error for Transport {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let alert = std::io::Error::other("received fatal alert: CertificateRequired");
        let status = tonic::Status::from_error(Box::new(Transport(alert)));
        let lines = describe(&anyhow::Error::new(status));
        assert_eq!(
            lines[0],
            "error: UNKNOWN: transport error: received fatal alert: CertificateRequired"
        );
        assert!(lines[1].contains("--client-cert"), "{lines:?}");
        let answered = tonic::Status::unknown("transport error");
        assert_eq!(describe(&anyhow::Error::new(answered)).len(), 1);
    }

    #[test]
    fn a_status_from_the_client_library_is_told_the_same() {
        let details = ErrorDetails::with_precondition_failure_violation(
            "STATE",
            "101001/000001",
            "条目未发布",
        );
        let status = tonic::Status::with_error_details(
            tonic::Code::FailedPrecondition,
            "not published",
            details,
        );
        let error = anyhow::Error::new(govshare_client::Error::from(status));
        assert_eq!(
            describe(&error),
            vec![
                "error: FAILED_PRECONDITION: not published".to_string(),
                "  - 101001/000001: 条目未发布 [STATE]".to_string(),
            ]
        );
    }
}
