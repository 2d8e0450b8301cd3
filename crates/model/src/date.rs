//! 发布日期 as strictly `YYYY-MM-DD`, in input and in canonical bytes alike.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serializer};

pub(crate) enum DateError {
    /// Not `YYYY-MM-DD`.
    Format,
    /// Well-formed but no such day.
    NoSuchDay,
}

pub(crate) fn parse_strict(s: &str) -> Result<NaiveDate, DateError> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shaped {
        return Err(DateError::Format);
    }
    let number =
        |range: std::ops::Range<usize>| s[range].parse::<u32>().map_err(|_| DateError::Format);
    let year = i32::try_from(number(0..4)?).map_err(|_| DateError::Format)?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?).ok_or(DateError::NoSuchDay)
}

pub(crate) fn format(date: &NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(date))
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(deserializer)?;
    parse_strict(&s)
        .map_err(|_| serde::de::Error::custom(format!("invalid date \"{s}\", expected YYYY-MM-DD")))
}
