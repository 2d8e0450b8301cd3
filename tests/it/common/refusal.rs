//! What a refusal says to a program and to people (ERRORS.md): its ErrorInfo reason in domain
//! `govshare.v1`, and its explanation in zh-CN and in en.

use std::collections::BTreeMap;

use tonic_types::{ErrorDetail, StatusExt};

/// The reason and the explanations a refusal carries, with every detail decoded.
#[derive(Debug)]
pub struct Refusal {
    pub reason: String,
    pub domain: String,
    pub metadata: BTreeMap<String, String>,
    pub zh: String,
    pub en: String,
    pub details: Vec<ErrorDetail>,
}

/// The refusal in `status`, which must carry an ErrorInfo and both LocalizedMessages.
pub fn refusal(status: &tonic::Status) -> Refusal {
    let details = status.get_error_details_vec();
    let info = status
        .get_details_error_info()
        .unwrap_or_else(|| panic!("no ErrorInfo: {status:?}"));
    let localized = |locale: &str| {
        details
            .iter()
            .find_map(|d| match d {
                ErrorDetail::LocalizedMessage(m) if m.locale == locale => Some(m.message.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {locale} LocalizedMessage: {status:?}"))
    };
    Refusal {
        reason: info.reason.clone(),
        domain: info.domain.clone(),
        metadata: info.metadata.clone().into_iter().collect(),
        zh: localized("zh-CN"),
        en: localized("en"),
        details,
    }
}

/// A WhoAmI with `clients`' credential, refused as UNAUTHENTICATED for `reason`; returns the
/// refusal's status.
pub async fn who_am_i_refused(clients: &super::Clients, reason: &str) -> tonic::Status {
    let status = clients
        .admin
        .clone()
        .who_am_i(govshare_server::proto::WhoAmIRequest {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    assert_reason(&status, reason);
    status
}

/// Asserts that `status` carries `reason` (as ERRORS.md names it) in domain `govshare.v1`,
/// explained in Chinese and in English; returns the refusal.
#[track_caller]
pub fn assert_reason(status: &tonic::Status, reason: &str) -> Refusal {
    let r = refusal(status);
    assert_eq!(r.reason, reason, "{status:?}");
    assert_eq!(r.domain, "govshare.v1", "{status:?}");
    assert!(!r.zh.is_empty() && !r.en.is_empty(), "{status:?}");
    r
}
