//! Request-field helpers shared by the services: page sizes and tokens, codes, required text
//! (the text and credit-code checks are the use cases', `govshare_service::fields`).

use base64::Engine as _;
use govshare_model::{FieldReason, text};
use govshare_model::{ResourceCode, Violations};

pub(crate) use govshare_service::error::{check, checked};
pub(crate) use govshare_service::fields::{credit_code, optional_text, required_text};

use crate::config::ApiConfig;

/// The page size to use: the default for 0, the cap for anything larger; negative is an error.
pub(crate) fn page_size(requested: i32, api: &ApiConfig, v: &mut Violations) -> usize {
    match usize::try_from(requested) {
        Ok(0) => api.default_page_size,
        Ok(n) => n.min(api.max_page_size),
        Err(_) => {
            v.add(
                "page_size",
                FieldReason::OutOfRange,
                text!("每页条数不能为负数", "page_size must not be negative"),
            );
            0
        }
    }
}

/// The rows of one page, bounded in encoded bytes as well as in number (`api.max_page_bytes`):
/// a page ends before the row that would take it over, and continues from there. The first
/// row is always taken, so that every page moves on; one row is bounded by the request limits.
#[derive(Debug)]
pub(crate) struct PageBytes {
    budget: usize,
    used: usize,
}

impl PageBytes {
    pub(crate) fn new(api: &ApiConfig) -> Self {
        PageBytes {
            budget: api.max_page_bytes,
            used: 0,
        }
    }

    /// Whether a row of `len` encoded bytes still fits the page; counts it if so.
    pub(crate) fn admits(&mut self, len: usize) -> bool {
        // The row's field tag and length prefix.
        let framed = len + 1 + prost::length_delimiter_len(len);
        if self.used > 0 && self.used + framed > self.budget {
            return false;
        }
        self.used += framed;
        true
    }
}

/// An opaque page token for the key to continue after.
pub(crate) fn encode_page_token(after: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(after.as_bytes())
}

/// The key a page token continues after; `None` for the first page.
pub(crate) fn decode_page_token(token: &str, v: &mut Violations) -> Option<String> {
    if token.is_empty() {
        return None;
    }
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    if decoded.is_none() {
        v.add(
            "page_token",
            FieldReason::InvalidFormat,
            text!(
                "分页令牌无效，请使用上一页返回的 next_page_token",
                "page_token is not one this service issued"
            ),
        );
    }
    decoded
}

/// A required resource code.
pub(crate) fn resource_code(field: &str, text: &str, v: &mut Violations) -> Option<ResourceCode> {
    if text.trim().is_empty() {
        v.add(
            field,
            FieldReason::Required,
            text!("必填：信息资源代码", "required: the resource code"),
        );
        return None;
    }
    match ResourceCode::parse(text) {
        Ok(code) => Some(code),
        Err(e) => {
            govshare_service::fields::malformed(field, e, v);
            None
        }
    }
}

/// An optional resource code: empty means none.
pub(crate) fn optional_resource_code(
    field: &str,
    text: &str,
    v: &mut Violations,
) -> Option<ResourceCode> {
    if text.is_empty() {
        None
    } else {
        resource_code(field, text, v)
    }
}

/// An optional enum filter: 0 (unspecified) means none; an unknown code is an error.
pub(crate) fn enum_filter<T>(
    field: &str,
    code: i32,
    from_code: fn(i32) -> Option<T>,
    v: &mut Violations,
) -> Option<T> {
    if code == 0 {
        return None;
    }
    let parsed = from_code(code);
    if parsed.is_none() {
        v.add(
            field,
            FieldReason::UnknownValue,
            text!("未知代码 {code}", "unknown value {code}"),
        );
    }
    parsed
}

/// A version number that must be given (versions start at 1).
pub(crate) fn version(field: &str, value: u64, v: &mut Violations) {
    if value == 0 {
        v.add(
            field,
            FieldReason::Required,
            text!("必填：版本号从 1 开始", "required: versions start at 1"),
        );
    }
}

/// An optional timestamp field; an invalid one is a violation of `field`.
pub(crate) fn optional_time(
    field: &str,
    t: Option<prost_types::Timestamp>,
    v: &mut Violations,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let t = t?;
    let parsed = crate::convert::from_timestamp(&t);
    if parsed.is_none() {
        v.add(
            field,
            FieldReason::InvalidFormat,
            text!("时间无效", "not a valid timestamp"),
        );
    }
    parsed
}
