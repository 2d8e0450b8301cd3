//! Checks of single input fields that every use case and transport words the same way: each
//! adds a violation of the field it is given to the list being collected.

use govshare_model::{CreditCode, Violations};

/// A required credit code.
pub fn credit_code(field: &str, text: &str, v: &mut Violations) -> Option<CreditCode> {
    if text.is_empty() {
        v.push(
            field,
            "必填：统一社会信用代码 (required: the unified social credit code)",
        );
        return None;
    }
    match CreditCode::parse(text) {
        Ok(code) => Some(code),
        Err(e) => {
            v.push(field, e.to_string());
            None
        }
    }
}

/// Text that must not be blank and must fit `max` characters.
pub fn required_text(field: &str, text: &str, max: usize, what: &str, v: &mut Violations) {
    if text.trim().is_empty() {
        v.push(
            field,
            format!("必填：{what}不能为空 (required: must not be blank)"),
        );
    } else {
        optional_text(field, text, max, v);
    }
}

/// Text that may be empty but must fit `max` characters.
pub fn optional_text(field: &str, text: &str, max: usize, v: &mut Violations) {
    let n = text.chars().count();
    if n > max {
        v.push(
            field,
            format!("长度为 {n} 字，超过上限 {max} 字 (is {n} characters, at most {max} allowed)"),
        );
    }
}
