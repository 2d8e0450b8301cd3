//! Record numbers issued in order by the store: requests `REQ-000042`, grants `GRT-000042`
//! and data snapshots `SNP-000042` (at least six digits; more once they run out).

use std::fmt;
use std::str::FromStr;

use govshare_model::{Text, text};
use serde::{Deserialize, Serialize};

/// Why a request or grant number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    value: String,
    what: &'static str,
    what_en: &'static str,
    prefix: &'static str,
}

impl IdError {
    /// What is wrong, in Chinese and in English.
    pub fn text(&self) -> Text {
        let IdError {
            value,
            what,
            what_en,
            prefix,
        } = self;
        text!(
            "“{value}”不是有效的{what}编号，应为 {prefix}-000001 的形式",
            "{value:?} is not a {what_en} number such as {prefix}-000001"
        )
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text().fmt(f)
    }
}

impl std::error::Error for IdError {}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $what:literal, $what_en:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// The first number is 1.
            pub fn new(n: u64) -> Option<Self> {
                (n > 0).then_some($name(n))
            }

            pub fn get(self) -> u64 {
                self.0
            }

            /// The number issued after this one.
            pub fn next(self) -> Self {
                $name(self.0.saturating_add(1))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}-{:06}", $prefix, self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, IdError> {
                let error = || IdError {
                    value: s.to_owned(),
                    what: $what,
                    what_en: $what_en,
                    prefix: $prefix,
                };
                let digits = s
                    .trim()
                    .strip_prefix($prefix)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .filter(|d| d.len() >= 6 && d.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(error)?;
                // Only the form Display writes: one number, one spelling.
                digits
                    .parse::<u64>()
                    .ok()
                    .and_then($name::new)
                    .filter(|id| id.to_string() == s.trim())
                    .ok_or_else(error)
            }
        }
    };
}

id_type!(
    /// A sharing request's number (申请编号).
    RequestId,
    "REQ",
    "申请",
    "request"
);
id_type!(
    /// A grant's number (授权编号).
    GrantId,
    "GRT",
    "授权",
    "grant"
);
id_type!(
    /// A data snapshot's number (数据快照编号).
    SnapshotId,
    "SNP",
    "数据快照",
    "snapshot"
);
