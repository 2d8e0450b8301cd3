//! The working-day calendar: weekends off, the State Council's yearly holidays, and the
//! make-up working days (调休) that turn a weekend day into a working day. Loaded from TOML.
//!
//! Statutory answer periods are counted in working days, and the day of receipt does not
//! count (期间开始之日不计算在内): [`WorkingCalendar::add_working_days`] returns the n-th
//! working day strictly after the given date, and [`WorkingCalendar::deadline`] turns that
//! into the last second of the day in the calendar's local time.
//!
//! The holiday list is only known one year ahead, so the file names the years it covers;
//! a date in any other year follows the weekends-only rule (Monday to Friday are working
//! days) rather than being refused, so that deadlines can always be computed.
//!
//! File format:
//!
//! ```toml
//! utc_offset = "+08:00"          # optional, default +08:00
//! [[year]]
//! year = 2026
//! source = "国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)"   # optional
//! holidays = [ { name = "元旦", from = "2026-01-01", to = "2026-01-03" } ]  # `to` optional
//! workdays = [ { name = "元旦调休", date = "2026-01-04" } ]
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc, Weekday};
use serde::Deserialize;

/// China Standard Time, the default offset of a calendar file.
const CHINA_STANDARD_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("+08:00 is a valid offset"),
};

/// The State Council's longest holiday is 9 days (Spring Festival 2026); a longer range is
/// almost certainly a typo in a month or a year, and it also bounds the work of
/// [`WorkingCalendar::add_working_days`].
const MAX_HOLIDAY_DAYS: i64 = 31;

/// A working-day calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingCalendar {
    offset: FixedOffset,
    holidays: BTreeSet<NaiveDate>,
    /// Make-up working days (调休上班); validated to be Saturdays or Sundays.
    workdays: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

/// Why a calendar file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CalendarError(pub String);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    utc_offset: Option<String>,
    #[serde(default)]
    year: Vec<RawYear>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i32,
    // Kept in the file for the operator's audit trail; the calendar does not need it.
    #[allow(dead_code)]
    source: Option<String>,
    #[serde(default)]
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    workdays: Vec<RawWorkday>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    from: DateText,
    to: Option<DateText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkday {
    name: String,
    date: DateText,
}

/// A date as written in the file, parsed later so that errors can name the holiday.
#[derive(Debug)]
struct DateText(String);

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = DateText;
            // An unquoted `2026-01-01` is a TOML date, which serde sees as a map; without
            // this the message would only say "expected a string".
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a quoted date such as \"2026-01-01\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DateText, E> {
                Ok(DateText(v.to_owned()))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Names an entry of the file in both languages, for error messages.
struct Entry<'a> {
    zh: String,
    en: String,
    year: i32,
    name: &'a str,
}

impl<'a> Entry<'a> {
    fn holiday(year: i32, name: &'a str) -> Self {
        Entry {
            zh: format!("{year} 年“{name}”"),
            en: format!("holiday \"{name}\" of {year}"),
            year,
            name,
        }
    }

    fn workday(year: i32, name: &'a str) -> Self {
        Entry {
            zh: format!("{year} 年调休上班日“{name}”"),
            en: format!("make-up working day \"{name}\" of {year}"),
            year,
            name,
        }
    }

    fn error(&self, zh: impl std::fmt::Display, en: impl std::fmt::Display) -> CalendarError {
        CalendarError(format!("{}{zh} ({}: {en})", self.zh, self.en))
    }

    /// Parses a date of this entry and checks that it lies in the entry's year.
    fn date(&self, DateText(text): &DateText) -> Result<NaiveDate, CalendarError> {
        let date = parse_date(text).ok_or_else(|| {
            self.error(
                format!("的日期 \"{text}\" 不是有效的 YYYY-MM-DD 日期"),
                format!("\"{text}\" is not a valid YYYY-MM-DD date"),
            )
        })?;
        if date.year() != self.year {
            let year = self.year;
            return Err(self.error(
                format!("的日期 {date} 不在 {year} 年内"),
                format!("{date} is not in {year}"),
            ));
        }
        Ok(date)
    }
}

/// Strict `YYYY-MM-DD`: chrono alone also accepts unpadded fields such as `2026-2-3`,
/// which a hand-edited file should not silently rely on.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Strict `±HH:MM`, so that `+8` or `08:00` is refused rather than guessed at.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let bytes = text.as_bytes();
    if bytes.len() != 6 || bytes[3] != b':' {
        return None;
    }
    let sign = match bytes[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = |s: &[u8]| -> Option<i32> {
        s.iter().try_fold(0i32, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + i32::from(b - b'0'))
        })
    };
    let hours = digits(&bytes[1..3])?;
    let minutes = digits(&bytes[4..6])?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn weekday_zh(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

fn weekday_en(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Number of Mondays to Fridays up to and including `date`, counted from an arbitrary
/// origin; only differences of this function are meaningful. Lets
/// [`WorkingCalendar::working_days_between`] answer for any span without walking it.
fn weekdays_through(date: NaiveDate) -> i64 {
    // 0001-01-01 (day 1 from CE) is a Monday, so the `k` days from it through `date` are
    // whole weeks of 5 weekdays then a partial week that starts on a Monday. Euclidean
    // division keeps the step of 1 per weekday for dates before the origin too.
    let k = i64::from(date.num_days_from_ce());
    5 * k.div_euclid(7) + k.rem_euclid(7).min(5)
}

impl WorkingCalendar {
    /// Parses and validates a calendar file (format in the module documentation).
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            CalendarError(format!(
                "日历文件无法解析 (calendar file cannot be parsed): {e}"
            ))
        })?;

        let offset = match raw.utc_offset.as_deref() {
            None => CHINA_STANDARD_TIME,
            Some(text) => parse_offset(text).ok_or_else(|| {
                CalendarError(format!(
                    "utc_offset \"{text}\" 不是有效的时区偏移，应形如 \"+08:00\" \
                     (utc_offset \"{text}\" is not a valid offset; expected e.g. \"+08:00\")"
                ))
            })?,
        };

        let mut calendar = WorkingCalendar::weekends_only(offset);
        for year in &raw.year {
            if !calendar.years.insert(year.year) {
                let y = year.year;
                return Err(CalendarError(format!(
                    "年份 {y} 出现了不止一次 (year {y} appears more than once)"
                )));
            }
            calendar.add_year(year)?;
        }
        Ok(calendar)
    }

    fn add_year(&mut self, raw: &RawYear) -> Result<(), CalendarError> {
        // Names by date, so that a date listed as both says which two entries clash.
        let mut holiday_names: BTreeMap<NaiveDate, &str> = BTreeMap::new();
        for holiday in &raw.holidays {
            let entry = Entry::holiday(raw.year, &holiday.name);
            let from = entry.date(&holiday.from)?;
            let to = match &holiday.to {
                Some(to) => entry.date(to)?,
                None => from,
            };
            if from > to {
                return Err(entry.error(
                    format!("的起始日 {from} 晚于结束日 {to}"),
                    format!("from {from} is after to {to}"),
                ));
            }
            let days = (to - from).num_days() + 1;
            if days > MAX_HOLIDAY_DAYS {
                return Err(entry.error(
                    format!("从 {from} 到 {to} 共 {days} 天，超过 {MAX_HOLIDAY_DAYS} 天"),
                    format!("{from} to {to} is {days} days, more than {MAX_HOLIDAY_DAYS}"),
                ));
            }
            for date in from.iter_days().take_while(|d| *d <= to) {
                holiday_names.entry(date).or_insert(entry.name);
            }
        }

        let mut workday_dates = BTreeSet::new();
        for workday in &raw.workdays {
            let entry = Entry::workday(raw.year, &workday.name);
            let date = entry.date(&workday.date)?;
            if !is_weekend(date) {
                let day = date.weekday();
                return Err(entry.error(
                    format!("的日期 {date} 是{}，本来就是工作日", weekday_zh(day)),
                    format!("{date} is a {}, already a working day", weekday_en(day)),
                ));
            }
            if let Some(holiday) = holiday_names.get(&date) {
                return Err(entry.error(
                    format!("的日期 {date} 同时是假日“{holiday}”的一天"),
                    format!("{date} is also a day of holiday \"{holiday}\""),
                ));
            }
            workday_dates.insert(date);
        }

        self.holidays.extend(holiday_names.into_keys());
        self.workdays.extend(workday_dates);
        Ok(())
    }

    /// A calendar with no holidays: Monday to Friday are working days. Covers no year.
    pub fn weekends_only(offset: FixedOffset) -> Self {
        WorkingCalendar {
            offset,
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
            years: BTreeSet::new(),
        }
    }

    /// The calendar's local time, which decides on which date an instant falls.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    /// Whether the file lists the holidays of `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years the file lists, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.iter().copied().collect()
    }

    /// A make-up working day is a working day; otherwise a holiday is not; otherwise
    /// Monday to Friday are.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.contains(&date) {
            return true;
        }
        if self.holidays.contains(&date) {
            return false;
        }
        !is_weekend(date)
    }

    /// The `n`-th working day strictly after `date`; `date` itself when `n` is 0.
    ///
    /// Saturates at the last date chrono can represent, far beyond any real deadline.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        // Terminates: outside holidays every week has 5 working days, holiday ranges are at
        // most 31 days, and `succ_opt` ends the walk at the end of chrono's range.
        while left > 0 {
            let Some(next) = day.succ_opt() else {
                return day;
            };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The end of the `n`-th working day after the local date of `from`: 23:59:59 local
    /// time of that day, as a UTC instant.
    pub fn deadline(&self, from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let due = self.add_working_days(self.local_date(from), n);
        let Some(last_second) = due.and_hms_opt(23, 59, 59) else {
            return DateTime::<Utc>::MAX_UTC;
        };
        self.to_utc(last_second)
    }

    /// The number of working days d with local_date(`from`) < d <= local_date(`to`);
    /// 0 if `to` is not after `from`. `working_days_between(t, deadline(t, n)) == n`.
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let (start, end) = (self.local_date(from), self.local_date(to));
        if end <= start {
            return 0;
        }
        // Loading guarantees that no date is both a holiday and a make-up day and that make-up
        // days are weekends, so each exception moves the plain weekday count by one.
        let (after_start, through_end) = (
            std::ops::Bound::Excluded(start),
            std::ops::Bound::Included(end),
        );
        let weekdays = weekdays_through(end) - weekdays_through(start);
        let lost = self
            .holidays
            .range((after_start, through_end))
            .filter(|d| !is_weekend(**d))
            .count();
        let gained = self
            .workdays
            .range((after_start, through_end))
            .filter(|d| is_weekend(**d))
            .count();
        let count = weekdays - lost as i64 + gained as i64;
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }

    fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        let utc = instant.naive_utc();
        // `with_timezone(..).date_naive()` panics at the very edge of chrono's range; there
        // the UTC date stands in.
        utc.checked_add_signed(TimeDelta::seconds(i64::from(self.offset.local_minus_utc())))
            .map_or(utc.date(), |local| local.date())
    }

    fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        local
            .checked_sub_signed(TimeDelta::seconds(i64::from(self.offset.local_minus_utc())))
            .map_or(DateTime::<Utc>::MAX_UTC, |utc| utc.and_utc())
    }
}
