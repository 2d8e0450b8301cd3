//! 信息资源分类码 and 信息资源代码 (分类码/顺序码).

use std::fmt;
use std::str::FromStr;

use crate::enums::Category;
use crate::serde_str::serde_as_str;
use crate::text;
use crate::violation::{Text, excerpt};

/// The largest 顺序码: six digits.
pub const MAX_SEQUENCE: u32 = 999_999;

const MIN_CLASSIFICATION_DIGITS: usize = 6;
const MAX_CLASSIFICATION_DIGITS: usize = 18;

/// 分类码: 类 (1 digit, 1–3) + 项 (2 digits) + 目 (3 digits) + 细目 (0–12 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassificationCode(String);

/// 信息资源代码: 分类码 + "/" + a six-digit 顺序码 (000001–999999).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceCode {
    classification: ClassificationCode,
    sequence: u32,
}

/// Why a text is not a classification or resource code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    Classification(String),
    Category(String),
    Separator(String),
    Sequence(String),
}

impl CodeError {
    /// What is wrong, in Chinese and in English.
    pub fn text(&self) -> Text {
        match self {
            CodeError::Classification(s) => text!(
                "分类码应为6至18位数字，实际为“{s}”",
                "classification code must be 6 to 18 digits, got \"{s}\""
            ),
            CodeError::Category(s) => text!(
                "分类码首位为类，应为1 基础、2 主题或3 部门，实际为“{s}”",
                "the first digit of a classification code is the category 1, 2 or 3, got \"{s}\""
            ),
            CodeError::Separator(s) => text!(
                "信息资源代码应为“分类码/顺序码”，如303084122704/000001，实际为“{s}”",
                "resource code must be \"classification/sequence\", e.g. 303084122704/000001, got \"{s}\""
            ),
            CodeError::Sequence(s) => text!(
                "顺序码应为000001至999999之间的6位数字，实际为“{s}”",
                "sequence must be 6 digits from 000001 to 999999, got \"{s}\""
            ),
        }
    }
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text().fmt(f)
    }
}

impl std::error::Error for CodeError {}

impl ClassificationCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let digits = s.len();
        if !(MIN_CLASSIFICATION_DIGITS..=MAX_CLASSIFICATION_DIGITS).contains(&digits)
            || !s.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(CodeError::Classification(excerpt(s)));
        }
        if !matches!(s.as_bytes()[0], b'1'..=b'3') {
            return Err(CodeError::Category(excerpt(s)));
        }
        Ok(Self(s.to_owned()))
    }

    /// Joins checked parts; the caller has checked each one.
    pub(crate) fn from_parts(category: Category, item: &str, subitem: &str, detail: &str) -> Self {
        Self(format!("{}{item}{subitem}{detail}", category.code()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 类.
    pub fn category(&self) -> Category {
        let digit = i32::from(self.0.as_bytes()[0] - b'0');
        Category::from_code(digit).unwrap_or(Category::Base)
    }

    /// 项: 2 digits.
    pub fn item(&self) -> &str {
        &self.0[1..3]
    }

    /// 目: 3 digits.
    pub fn subitem(&self) -> &str {
        &self.0[3..6]
    }

    /// 细目: 0–12 digits.
    pub fn detail(&self) -> &str {
        &self.0[6..]
    }
}

impl fmt::Display for ClassificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ClassificationCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for ClassificationCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

serde_as_str!(ClassificationCode);

impl ResourceCode {
    /// The code for the `sequence`-th resource under `classification`.
    ///
    /// # Panics
    /// If `sequence` is not in `1..=MAX_SEQUENCE`; the store assigns sequences within it. Use
    /// [`ResourceCode::try_new`] for an unchecked number.
    pub fn new(classification: ClassificationCode, sequence: u32) -> Self {
        assert!(
            (1..=MAX_SEQUENCE).contains(&sequence),
            "sequence {sequence} outside 1..={MAX_SEQUENCE}"
        );
        Self {
            classification,
            sequence,
        }
    }

    pub fn try_new(classification: ClassificationCode, sequence: u32) -> Result<Self, CodeError> {
        if !(1..=MAX_SEQUENCE).contains(&sequence) {
            return Err(CodeError::Sequence(sequence.to_string()));
        }
        Ok(Self {
            classification,
            sequence,
        })
    }

    /// Reads "303084122704/000001": exactly one "/", a 6-digit sequence, nothing around.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let Some((classification, sequence)) = s.split_once('/') else {
            return Err(CodeError::Separator(excerpt(s)));
        };
        if sequence.contains('/') {
            return Err(CodeError::Separator(excerpt(s)));
        }
        let classification = ClassificationCode::parse(classification)?;
        if sequence.len() != 6 || !sequence.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::Sequence(excerpt(sequence)));
        }
        let number = sequence
            .parse()
            .map_err(|_| CodeError::Sequence(excerpt(sequence)))?;
        if number == 0 {
            return Err(CodeError::Sequence(excerpt(sequence)));
        }
        Ok(Self {
            classification,
            sequence: number,
        })
    }

    pub fn classification(&self) -> &ClassificationCode {
        &self.classification
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for ResourceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:06}", self.classification, self.sequence)
    }
}

impl FromStr for ResourceCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_str!(ResourceCode);
