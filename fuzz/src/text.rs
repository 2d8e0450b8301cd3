//! Text built from fuzzer bytes: as given, padded with whitespace, long enough to cross a
//! length limit, or digits of a chosen length.

use arbitrary::Arbitrary;

/// The longest text built by repetition: past every limit of the metadata (4000 characters)
/// and of access records (2048 bytes).
const MAX_REPEATED_CHARS: usize = 4200;

/// Free text.
#[derive(Arbitrary, Debug, Clone)]
pub enum Text {
    Plain(String),
    /// Surrounded by whitespace, which validation trims from some fields.
    Padded(String),
    /// The text's characters over and over, `count % 4200` of them.
    Repeated(String, u16),
}

impl Text {
    pub fn text(&self) -> String {
        match self {
            Text::Plain(s) => s.clone(),
            Text::Padded(s) => format!(" \t{s}\u{3000}\n"),
            Text::Repeated(s, count) => s
                .chars()
                .cycle()
                .take(usize::from(*count) % MAX_REPEATED_CHARS)
                .collect(),
        }
    }
}

/// A digit string: of the length the field wants, of any length from 0 to 20, or any text.
#[derive(Arbitrary, Debug, Clone)]
pub enum Digits {
    Fit(u64),
    Of { len: u8, value: u64 },
    Text(String),
}

impl Digits {
    /// The text, `wanted` digits long for [`Digits::Fit`].
    pub fn text(&self, wanted: usize) -> String {
        let digits = |len: usize, value: u64| {
            let all = format!("{value:020}");
            all[all.len() - len.min(all.len())..].to_owned()
        };
        match self {
            Digits::Fit(value) => digits(wanted, *value),
            Digits::Of { len, value } => digits(usize::from(*len) % 21, *value),
            Digits::Text(s) => s.clone(),
        }
    }
}

/// A coded value: one the field knows, unspecified (0), or any number.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Code {
    Known(u8),
    Unspecified,
    Any(i32),
}

impl Code {
    /// The number, one of `1..=known` for [`Code::Known`].
    pub fn value(self, known: u8) -> i32 {
        match self {
            Code::Known(b) => i32::from(1 + b % known.max(1)),
            Code::Unspecified => 0,
            Code::Any(n) => n,
        }
    }
}
