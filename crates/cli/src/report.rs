//! How a failed command is told on stderr: the gRPC status with its reason, field violations
//! and precondition failures, or the error chain. The explanation is in the user's language
//! ([`Language`]): Chinese or English alone, or both.

use govshare_client::{StatusError, code_name};
use govshare_model::Text;
use tonic_types::StatusExt as _;

/// The language of the messages a command prints for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// 中文 (zh-CN).
    Chinese,
    /// English.
    English,
    /// Both, Chinese first and English in parentheses, as the server words its status.
    Both,
}

impl Language {
    /// The user's language: `GOVSHARE_LANG`, else the locale (`LC_ALL`, `LC_MESSAGES`,
    /// `LANG`): `zh…` Chinese, `en…` English, anything else (C, POSIX, unset) both.
    pub fn of_environment() -> Language {
        let chosen = ["GOVSHARE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
        Language::of_locale(chosen.as_deref().unwrap_or(""))
    }

    /// The language a locale name such as `zh_CN.UTF-8` or `en-US` asks for.
    pub fn of_locale(locale: &str) -> Language {
        let locale = locale.to_ascii_lowercase();
        if locale.starts_with("zh") {
            Language::Chinese
        } else if locale.starts_with("en") {
            Language::English
        } else {
            Language::Both
        }
    }

    /// `text`, written "中文 (English)", in this language.
    fn pick(self, text: &str) -> String {
        let split = Text::from_fused(text);
        match self {
            Language::Chinese if !split.zh.is_empty() => split.zh,
            Language::English if !split.en.is_empty() => split.en,
            _ => text.to_owned(),
        }
    }
}

/// The lines describing `err`, ready for stderr.
pub fn describe(err: &anyhow::Error) -> Vec<String> {
    let status = err.downcast_ref::<tonic::Status>().or_else(|| {
        err.downcast_ref::<govshare_client::Error>()
            .and_then(govshare_client::Error::status)
            .map(govshare_client::StatusError::tonic)
    });
    match status {
        Some(status) => describe_status(status, Language::of_environment()),
        None => vec![format!("error: {err:#}")],
    }
}

fn describe_status(status: &tonic::Status, language: Language) -> Vec<String> {
    let told = StatusError::new(status.clone());
    let message = match language {
        Language::Chinese => told.localized("zh-CN"),
        Language::English => told.localized("en"),
        Language::Both => None,
    }
    .unwrap_or(status.message());
    let reason = told.reason().map(|r| format!(" [{r}]")).unwrap_or_default();
    let mut lines = vec![format!(
        "error: {}{reason}: {message}",
        code_name(status.code())
    )];
    if let Some(bad_request) = status.get_details_bad_request() {
        for v in bad_request.field_violations {
            lines.push(format!(
                "  - {}: {}",
                v.field,
                language.pick(&v.description)
            ));
        }
    }
    if let Some(failure) = status.get_details_precondition_failure() {
        for v in failure.violations {
            let kind = if v.r#type.is_empty() {
                String::new()
            } else {
                format!(" [{}]", v.r#type)
            };
            let description = language.pick(&v.description);
            lines.push(format!("  - {}: {description}{kind}", v.subject));
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
    fn a_refusal_is_told_with_its_reason_in_the_users_language() {
        use tonic_types::{ErrorDetail, ErrorInfo, LocalizedMessage};
        let details = vec![
            ErrorDetail::ErrorInfo(ErrorInfo::new(
                "ENTRY_NOT_FOUND",
                "govshare.v1",
                std::collections::HashMap::new(),
            )),
            ErrorDetail::LocalizedMessage(LocalizedMessage::new("zh-CN", "目录 X 不存在")),
            ErrorDetail::LocalizedMessage(LocalizedMessage::new("en", "entry X does not exist")),
        ];
        let status = tonic::Status::with_error_details_vec(
            tonic::Code::NotFound,
            "目录 X 不存在 (entry X does not exist)",
            details,
        );
        let first = |language| describe_status(&status, language)[0].clone();
        assert_eq!(
            first(Language::of_locale("zh_CN.UTF-8")),
            "error: NOT_FOUND [ENTRY_NOT_FOUND]: 目录 X 不存在"
        );
        assert_eq!(
            first(Language::of_locale("en_US.UTF-8")),
            "error: NOT_FOUND [ENTRY_NOT_FOUND]: entry X does not exist"
        );
        assert_eq!(
            first(Language::of_locale("C.UTF-8")),
            "error: NOT_FOUND [ENTRY_NOT_FOUND]: 目录 X 不存在 (entry X does not exist)"
        );
        // A field's description, "中文 (English)", is told in the one language too.
        let bad = tonic::Status::with_error_details(
            tonic::Code::InvalidArgument,
            "invalid",
            ErrorDetails::with_bad_request(vec![FieldViolation::new(
                "name",
                "必填：名称 (required: the name)",
            )]),
        );
        assert_eq!(
            describe_status(&bad, Language::English)[1],
            "  - name: required: the name"
        );
        assert_eq!(
            describe_status(&bad, Language::Chinese)[1],
            "  - name: 必填：名称"
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
