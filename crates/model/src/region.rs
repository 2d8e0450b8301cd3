//! 行政区划代码: the 6-digit administrative region code (GB/T 2260).

use std::fmt;
use std::str::FromStr;

use crate::serde_str::serde_as_str;
use crate::text;
use crate::violation::{Text, excerpt};

/// Six ASCII digits, not starting with "00" (no province is numbered 00).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

/// Why a text is not a 行政区划代码.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionCodeError {
    Format(String),
    NoProvince(String),
}

impl RegionCodeError {
    /// What is wrong, in Chinese and in English.
    pub fn text(&self) -> Text {
        match self {
            RegionCodeError::Format(s) => text!(
                "行政区划代码应为6位数字，实际为“{s}”",
                "region code must be 6 digits, got \"{s}\""
            ),
            RegionCodeError::NoProvince(s) => text!(
                "行政区划代码不能以00开头，实际为“{s}”",
                "region code cannot start with 00, got \"{s}\""
            ),
        }
    }
}

impl fmt::Display for RegionCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text().fmt(f)
    }
}

impl std::error::Error for RegionCodeError {}

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, RegionCodeError> {
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::Format(excerpt(s)));
        }
        if s.starts_with("00") {
            return Err(RegionCodeError::NoProvince(excerpt(s)));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for RegionCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

serde_as_str!(RegionCode);
