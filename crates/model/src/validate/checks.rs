//! The field checks shared by the element validators: coded values, trimmed text, digit strings.

use std::ops::RangeInclusive;

use crate::enums::{CodeEnum, choices};
use crate::text;
use crate::violation::{FieldReason, Violations, excerpt};

/// A coded value that must be given (not 0) and known.
pub(super) fn required_enum<E: CodeEnum>(v: &mut Violations, field: &str, code: i32) -> Option<E> {
    if code == 0 {
        let (what_zh, what_en) = E::WHAT;
        let (zh, en) = choices::<E>();
        v.add(
            field,
            FieldReason::UnknownValue,
            text!(
                "{what_zh}为必填项，可选：{zh}",
                "{what_en} is required; one of: {en}"
            ),
        );
        return None;
    }
    known_enum(v, field, code)
}

/// A coded value that may be 0 (unspecified: `Ok(None)`) but otherwise must be known.
pub(super) fn optional_enum<E: CodeEnum>(
    v: &mut Violations,
    field: &str,
    code: i32,
) -> Result<Option<E>, ()> {
    if code == 0 {
        return Ok(None);
    }
    known_enum(v, field, code).map(Some).ok_or(())
}

/// The coded value `code`, reported when it is none of `E`'s.
pub(super) fn known_enum<E: CodeEnum>(v: &mut Violations, field: &str, code: i32) -> Option<E> {
    let found = E::from_code(code);
    if found.is_none() {
        let (what_zh, what_en) = E::WHAT;
        let (zh, en) = choices::<E>();
        v.add(
            field,
            FieldReason::UnknownValue,
            text!(
                "未知的{what_zh}代码{code}，可选：{zh}",
                "unknown {what_en} code {code}; expected one of: {en}"
            ),
        );
    }
    found
}

/// Trimmed text that must not be blank and holds at most `max_chars` characters.
pub(super) fn trimmed_text(
    v: &mut Violations,
    field: &str,
    text: &str,
    (what_zh, what_en): (&str, &str),
    max_chars: usize,
) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        v.add(
            field,
            FieldReason::Required,
            text!(
                "{what_zh}为必填项，不能为空",
                "{what_en} is required and must not be blank"
            ),
        );
        return None;
    }
    let chars = text.chars().count();
    if chars > max_chars {
        too_long(v, field, (what_zh, what_en), max_chars, chars);
        return None;
    }
    Some(text.to_owned())
}

/// Text that may be empty but holds at most `max_chars` characters; kept as given.
pub(super) fn bounded_text(
    v: &mut Violations,
    field: &str,
    text: &str,
    what: (&str, &str),
    max_chars: usize,
) -> bool {
    // No more bytes than characters allowed: it fits without counting.
    if text.len() <= max_chars {
        return true;
    }
    let chars = text.chars().count();
    if chars <= max_chars {
        return true;
    }
    too_long(v, field, what, max_chars, chars);
    false
}

/// Reports a text of `chars` characters over `max_chars`.
fn too_long(
    v: &mut Violations,
    field: &str,
    (what_zh, what_en): (&str, &str),
    max_chars: usize,
    chars: usize,
) {
    v.add(
        field,
        FieldReason::TooLong,
        text!(
            "{what_zh}不能超过{max_chars}个字符，实际为{chars}个",
            "{what_en} must be at most {max_chars} characters, got {chars}"
        ),
    );
}

/// A string of ASCII digits whose length is in `len`; a range starting at 0 makes it optional.
pub(super) fn digits(
    v: &mut Violations,
    field: &str,
    text: &str,
    len: RangeInclusive<usize>,
    (what_zh, what_en): (&str, &str),
) -> Option<String> {
    if len.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text.to_owned());
    }
    let (min, max) = (*len.start(), *len.end());
    let (expected_zh, expected_en) = match (min, max) {
        (0, max) => (
            format!("为空或1至{max}位数字"),
            format!("empty or 1 to {max} digits"),
        ),
        (min, max) if min == max => (format!("为{min}位数字"), format!("{min} digits")),
        (min, max) => (
            format!("为{min}至{max}位数字"),
            format!("{min} to {max} digits"),
        ),
    };
    let text = excerpt(text);
    if text.is_empty() {
        v.add(
            field,
            FieldReason::Required,
            text!(
                "{what_zh}为必填项，应{expected_zh}",
                "{what_en} is required: {expected_en}"
            ),
        );
    } else {
        v.add(
            field,
            FieldReason::InvalidFormat,
            text!(
                "{what_zh}应{expected_zh}，实际为“{text}”",
                "{what_en} must be {expected_en}, got \"{text}\""
            ),
        );
    }
    None
}
