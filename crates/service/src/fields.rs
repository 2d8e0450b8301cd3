//! Checks of single input fields that every use case and transport words the same way: each
//! adds a violation of the field it is given to the list being collected.

use govshare_model::{CreditCode, FieldReason, Text, Violations, text};

/// A required credit code.
pub fn credit_code(field: &str, text: &str, v: &mut Violations) -> Option<CreditCode> {
    if text.is_empty() {
        v.add(
            field,
            FieldReason::Required,
            text!(
                "必填：统一社会信用代码",
                "required: the unified social credit code"
            ),
        );
        return None;
    }
    match CreditCode::parse(text) {
        Ok(code) => Some(code),
        Err(e) => {
            malformed(field, e, v);
            None
        }
    }
}

/// Text that must not be blank and must fit `max` characters.
pub fn required_text(field: &str, text: &str, max: usize, what: &str, v: &mut Violations) {
    if text.trim().is_empty() {
        v.add(
            field,
            FieldReason::Required,
            text!("必填：{what}不能为空", "required: must not be blank"),
        );
    } else {
        optional_text(field, text, max, v);
    }
}

/// Text that may be empty but must fit `max` characters.
pub fn optional_text(field: &str, text: &str, max: usize, v: &mut Violations) {
    let n = text.chars().count();
    if n > max {
        v.add(
            field,
            FieldReason::TooLong,
            text!(
                "长度为 {n} 字，超过上限 {max} 字",
                "is {n} characters, at most {max} allowed"
            ),
        );
    }
}

/// A value that is not in its required form, as the parser's error `e` explains.
pub fn malformed(field: &str, e: impl std::fmt::Display, v: &mut Violations) {
    v.add(
        field,
        FieldReason::InvalidFormat,
        Text::from_fused(&e.to_string()),
    );
}
