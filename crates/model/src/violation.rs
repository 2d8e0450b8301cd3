//! What validation reports: every failing field, each with a message for a data administrator.

use std::fmt;

/// The most characters of a client's input a message quotes back.
pub const MAX_QUOTED_CHARS: usize = 64;

/// `text` as a message quotes it: whole when short, otherwise its first [`MAX_QUOTED_CHARS`]
/// characters and "…", so that a huge input never makes a huge message.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// A message for people, in Chinese and in English. Shown as one text, Chinese first and
/// English in parentheses; a client that knows its user's language shows just that one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// The message in Chinese (zh-CN).
    pub zh: String,
    /// The same message in English (en).
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl Text {
    /// The two languages of a message written as one, "中文说明 (English explanation)", as the
    /// errors of the domain crates display themselves: split at the last " (" whose
    /// parenthesis closes the message. A message not written so is taken as Chinese alone.
    pub fn from_fused(message: &str) -> Self {
        if let Some(body) = message.strip_suffix(')') {
            let mut depth = 0usize;
            for (i, c) in body.char_indices().rev() {
                match c {
                    ')' => depth += 1,
                    '(' if depth > 0 => depth -= 1,
                    '(' => {
                        return match body[..i].strip_suffix(' ') {
                            Some(zh) if !zh.is_empty() => Text::new(zh, &body[i + 1..]),
                            _ => Text::new(message, ""),
                        };
                    }
                    _ => {}
                }
            }
        }
        Text::new(message, "")
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.zh.is_empty(), self.en.is_empty()) {
            (false, false) => write!(f, "{} ({})", self.zh, self.en),
            (true, _) => f.write_str(&self.en),
            (false, true) => f.write_str(&self.zh),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fused_message_splits_at_its_last_parenthesis() {
        let t = Text::from_fused("目录 (草稿) 不存在 (entry (draft) does not exist)");
        assert_eq!(t.zh, "目录 (草稿) 不存在");
        assert_eq!(t.en, "entry (draft) does not exist");
        assert_eq!(
            t.to_string(),
            "目录 (草稿) 不存在 (entry (draft) does not exist)"
        );
        assert_eq!(Text::from_fused("只有中文").en, "");
        assert_eq!(Text::from_fused("(only english)").zh, "(only english)");
    }
}

/// A [`Text`] from two format strings, Chinese first: `text!("目录 {code} 不存在", "entry {code}
/// does not exist")`. Each string captures and takes arguments as `format!` does.
#[macro_export]
macro_rules! text {
    ($zh:literal, $en:literal $(,)?) => {
        $crate::Text {
            zh: format!($zh),
            en: format!($en),
        }
    };
    ($zh:literal, $en:literal, $($arg:tt)+) => {
        $crate::Text {
            zh: format!($zh, $($arg)+),
            en: format!($en, $($arg)+),
        }
    };
}

/// Why one field failed, as a program reads it: the `FIELD_*` values of the contract's
/// `ErrorReason` (proto/govshare/v1/errors.proto).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldReason {
    /// A required field is empty or missing.
    Required,
    /// A text is longer than allowed.
    TooLong,
    /// A list has more elements than allowed.
    TooMany,
    /// A number, date or time is outside the allowed range.
    OutOfRange,
    /// A value is not in the required form (a code, a date, an identifier).
    InvalidFormat,
    /// An enum value or name the field does not accept (including UNSPECIFIED).
    UnknownValue,
    /// A value appears twice where it must be unique.
    Duplicate,
    /// A value contradicts another field of the same input.
    Inconsistent,
    /// A value names something the call may not use here.
    NotAllowed,
    /// Uploaded data is malformed.
    InvalidData,
}

impl FieldReason {
    /// Every reason, in the contract's order.
    pub const ALL: [FieldReason; 10] = [
        FieldReason::Required,
        FieldReason::TooLong,
        FieldReason::TooMany,
        FieldReason::OutOfRange,
        FieldReason::InvalidFormat,
        FieldReason::UnknownValue,
        FieldReason::Duplicate,
        FieldReason::Inconsistent,
        FieldReason::NotAllowed,
        FieldReason::InvalidData,
    ];

    /// The reason as the contract names it (without `ERROR_REASON_`): `FIELD_REQUIRED`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            FieldReason::Required => "FIELD_REQUIRED",
            FieldReason::TooLong => "FIELD_TOO_LONG",
            FieldReason::TooMany => "FIELD_TOO_MANY",
            FieldReason::OutOfRange => "FIELD_OUT_OF_RANGE",
            FieldReason::InvalidFormat => "FIELD_INVALID_FORMAT",
            FieldReason::UnknownValue => "FIELD_UNKNOWN_VALUE",
            FieldReason::Duplicate => "FIELD_DUPLICATE",
            FieldReason::Inconsistent => "FIELD_INCONSISTENT",
            FieldReason::NotAllowed => "FIELD_NOT_ALLOWED",
            FieldReason::InvalidData => "FIELD_INVALID_DATA",
        }
    }
}

impl fmt::Display for FieldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failing field: its path in the metadata (proto field names, `items[3].name`), why it
/// failed, and what is wrong and what is expected, in Chinese and in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub reason: FieldReason,
    pub text: Text,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, reason: FieldReason, text: Text) -> Self {
        Self {
            field: field.into(),
            reason,
            text,
        }
    }

    /// What is wrong, Chinese first and English in parentheses.
    pub fn description(&self) -> String {
        self.text.to_string()
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.text)
    }
}

/// All the failing fields of one input, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", list(.0))]
pub struct Violations(pub Vec<FieldViolation>);

fn list(violations: &[FieldViolation]) -> String {
    let lines: Vec<String> = violations.iter().map(ToString::to_string).collect();
    format!(
        "{}项校验未通过 ({} invalid fields): {}",
        violations.len(),
        violations.len(),
        lines.join("; ")
    )
}

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Records that `field` failed for `reason`, as `text` explains.
    pub fn add(&mut self, field: impl Into<String>, reason: FieldReason, text: Text) {
        self.0.push(FieldViolation::new(field, reason, text));
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldViolation> {
        self.0.iter()
    }

    /// The violations on exactly this field.
    pub fn on<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a FieldViolation> + 'a {
        self.0.iter().filter(move |v| v.field == field)
    }
}

impl IntoIterator for Violations {
    type Item = FieldViolation;
    type IntoIter = std::vec::IntoIter<FieldViolation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a FieldViolation;
    type IntoIter = std::slice::Iter<'a, FieldViolation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Vec<FieldViolation>> for Violations {
    fn from(v: Vec<FieldViolation>) -> Self {
        Self(v)
    }
}
