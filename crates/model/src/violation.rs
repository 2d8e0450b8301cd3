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

/// One failing field: its path in the metadata (proto field names, `items[3].name`) and what is
/// wrong and what is expected, Chinese first and English in parentheses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.description)
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

    pub fn push(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation::new(field, description));
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
