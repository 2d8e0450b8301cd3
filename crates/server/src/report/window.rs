//! The year a report covers: from 1 January 00:00 to the next 1 January 00:00 in the
//! working-day calendar's time zone, counted up to the report's time while the year runs.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone as _, Utc};

/// The instants of one reporting year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Year {
    pub year: i32,
    /// Inclusive.
    pub start: DateTime<Utc>,
    /// Exclusive.
    pub end: DateTime<Utc>,
    /// Events count up to here (exclusive): the end, or the report's time in a running year.
    pub cutoff: DateTime<Utc>,
}

impl Year {
    /// `year` in `offset`, as seen at `now`; `None` for a year that cannot be represented.
    pub(crate) fn new(year: i32, offset: FixedOffset, now: DateTime<Utc>) -> Option<Year> {
        let start_of = |y: i32| {
            let date = NaiveDate::from_ymd_opt(y, 1, 1)?.and_hms_opt(0, 0, 0)?;
            offset
                .from_local_datetime(&date)
                .single()
                .map(|t| t.with_timezone(&Utc))
        };
        let (start, end) = (start_of(year)?, start_of(year.checked_add(1)?)?);
        Some(Year {
            year,
            start,
            end,
            cutoff: end.min(now),
        })
    }

    /// Whether `t` falls in the year and before the cutoff.
    pub(crate) fn counted(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.cutoff
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.cutoff == self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_runs_in_the_calendars_time_zone() {
        let beijing = FixedOffset::east_opt(8 * 3600).expect("offset");
        let now = Utc
            .with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
            .single()
            .expect("now");
        let y = Year::new(2026, beijing, now).expect("year");
        assert_eq!(y.start.to_rfc3339(), "2025-12-31T16:00:00+00:00");
        assert_eq!(y.end.to_rfc3339(), "2026-12-31T16:00:00+00:00");
        assert!(y.is_complete());
        // 2026-12-31 20:00 UTC is already 2027 in Beijing.
        let late = Utc
            .with_ymd_and_hms(2026, 12, 31, 20, 0, 0)
            .single()
            .expect("t");
        assert!(late >= y.end);
    }

    #[test]
    fn a_running_year_counts_up_to_now() {
        let now = Utc
            .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("now");
        let y = Year::new(2026, FixedOffset::east_opt(0).expect("utc"), now).expect("year");
        assert_eq!(y.cutoff, now);
        assert!(!y.is_complete());
        assert!(y.start <= now && now < y.end && !y.counted(now));
    }
}
