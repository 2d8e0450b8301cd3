//! 统一社会信用代码 (GB 32100-2015): the 18-character code identifying a department.

use std::fmt;
use std::str::FromStr;

use crate::serde_str::serde_as_str;
use crate::text;
use crate::violation::Text;

/// The code's alphabet; a character's value is its index (0–30). No I, O, S, V, Z.
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const LEN: usize = 18;

/// A well-formed 统一社会信用代码, check character verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

/// Why a text is not a 统一社会信用代码. Positions count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    Length { actual: usize },
    Lowercase { position: usize, found: char },
    InvalidCharacter { position: usize, found: char },
    RegionNotDigits { position: usize, found: char },
    CheckCharacter { expected: char, actual: char },
}

impl CreditCodeError {
    /// What is wrong, in Chinese and in English.
    pub fn text(&self) -> Text {
        match *self {
            CreditCodeError::Length { actual } => text!(
                "统一社会信用代码应为18位，实际为{actual}位",
                "credit code must be 18 characters, got {actual}"
            ),
            CreditCodeError::Lowercase { position, found } => text!(
                "统一社会信用代码第{position}位“{found}”为小写字母，应使用大写",
                "credit code character {position} '{found}' is lower case; use upper case"
            ),
            CreditCodeError::InvalidCharacter { position, found } => text!(
                "统一社会信用代码第{position}位“{found}”不是有效字符，应为数字或除I、O、S、V、Z外的大写字母",
                "credit code character {position} '{found}' is invalid; expected a digit or an upper-case letter other than I, O, S, V, Z"
            ),
            CreditCodeError::RegionNotDigits { position, found } => text!(
                "统一社会信用代码第3–8位为行政区划码，应为数字，第{position}位为“{found}”",
                "credit code positions 3-8 are the region code and must be digits; character {position} is '{found}'"
            ),
            CreditCodeError::CheckCharacter { expected, actual } => text!(
                "校验码应为{expected}，实际为{actual}",
                "check character should be {expected}, got {actual}"
            ),
        }
    }
}

impl fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text().fmt(f)
    }
}

impl std::error::Error for CreditCodeError {}

fn value_of(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters of a code; `None` unless `first17` is
/// exactly 17 characters of the alphabet.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    let mut count = 0;
    for (c, weight) in first17.chars().zip(WEIGHTS) {
        sum += value_of(c)? * weight;
        count += 1;
    }
    if count != WEIGHTS.len() || first17.chars().count() != WEIGHTS.len() {
        return None;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(check as usize)
}

impl CreditCode {
    /// Accepts exactly the 18 characters: no surrounding whitespace, upper case only.
    pub fn parse(s: &str) -> Result<Self, CreditCodeError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != LEN {
            return Err(CreditCodeError::Length {
                actual: chars.len(),
            });
        }
        for (i, &c) in chars.iter().enumerate() {
            let position = i + 1;
            if c.is_lowercase() {
                return Err(CreditCodeError::Lowercase { position, found: c });
            }
            // A wrong last character is reported as a wrong check character, with the right one.
            if position == LEN {
                break;
            }
            if value_of(c).is_none() {
                return Err(CreditCodeError::InvalidCharacter { position, found: c });
            }
            if (3..=8).contains(&position) && !c.is_ascii_digit() {
                return Err(CreditCodeError::RegionNotDigits { position, found: c });
            }
        }
        let first17: String = chars[..LEN - 1].iter().collect();
        let expected = check_char(&first17).ok_or(CreditCodeError::Length {
            actual: chars.len(),
        })?;
        let actual = chars[LEN - 1];
        if expected != actual {
            return Err(CreditCodeError::CheckCharacter { expected, actual });
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 行政区划码: positions 3–8.
    pub fn region(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

serde_as_str!(CreditCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guideline_vectors() {
        assert!(CreditCode::parse("91110000600037341L").is_ok());
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            CreditCode::parse("91350100M000100Y4Z"),
            Err(CreditCodeError::CheckCharacter {
                expected: '3',
                actual: 'Z'
            })
        );
    }

    #[test]
    fn check_char_matches_vectors() {
        assert_eq!(check_char("91110000600037341"), Some('L'));
        assert_eq!(check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(check_char("9111000060003734"), None);
        assert_eq!(check_char("9111000060003734I"), None);
    }
}
