//! The working-day calendar, against the shipped China calendar (deploy/calendar/cn.toml)
//! and small hand-written files.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, FixedOffset, NaiveDate, Timelike, Utc};
use govshare_sharing::{CalendarError, WorkingCalendar};
use proptest::prelude::*;

const SHIPPED: &str = include_str!("../../../../deploy/calendar/cn.toml");

fn cn() -> WorkingCalendar {
    WorkingCalendar::from_toml(SHIPPED).unwrap()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

/// Counts working days in (start, end] by walking them, independently of the calendar's
/// own `working_days_between`.
fn count_working_days(calendar: &WorkingCalendar, start: NaiveDate, end: NaiveDate) -> u32 {
    start
        .iter_days()
        .skip(1)
        .take_while(|d| *d <= end)
        .filter(|d| calendar.is_working_day(*d))
        .count() as u32
}

/// A file with one 2026 block holding the given `holidays` and `workdays` arrays.
fn file_2026(holidays: &str, workdays: &str) -> String {
    format!("[[year]]\nyear = 2026\nholidays = [{holidays}]\nworkdays = [{workdays}]\n")
}

fn refused(text: &str) -> String {
    let CalendarError(message) = WorkingCalendar::from_toml(text).unwrap_err();
    message
}

// --- the shipped file ---

#[test]
fn shipped_file_covers_2025_and_2026_only() {
    let calendar = cn();
    assert!(calendar.covers(2025));
    assert!(calendar.covers(2026));
    assert!(!calendar.covers(2024));
    assert!(!calendar.covers(2027));
    assert_eq!(calendar.years(), vec![2025, 2026]);
    assert_eq!(calendar.offset(), beijing());
}

#[test]
fn shipped_file_has_the_2025_national_day_week_and_its_make_up_days() {
    let calendar = cn();
    for day in ["2025-10-01", "2025-10-03", "2025-10-08"] {
        assert!(!calendar.is_working_day(date(day)), "{day} is a holiday");
    }
    // Sunday 28 September and Saturday 11 October 2025 were working days.
    assert!(calendar.is_working_day(date("2025-09-28")));
    assert!(calendar.is_working_day(date("2025-10-11")));
    // From Monday 2025-09-29: Tue 09-30 is 1, Thu 10-09 is 2, Fri 10-10 is 3.
    assert_eq!(
        calendar.add_working_days(date("2025-09-29"), 3),
        date("2025-10-10")
    );
}

#[test]
fn shipped_file_lists_every_holiday_and_make_up_day_of_the_2026_notice() {
    let calendar = cn();
    let holidays = [
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ];
    for (from, to) in holidays {
        for day in date(from).iter_days().take_while(|d| *d <= date(to)) {
            assert!(!calendar.is_working_day(day), "{day} should be a holiday");
        }
    }
    let make_up = [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ];
    for day in make_up {
        assert!(calendar.is_working_day(date(day)), "{day} should be worked");
    }
    // 365 days - 104 weekend days - 19 holidays falling on Mon-Fri + 6 make-up days.
    assert_eq!(
        count_working_days(&calendar, date("2025-12-31"), date("2026-12-31")),
        248
    );
}

// --- working days ---

#[test]
fn zero_working_days_is_the_same_date() {
    assert_eq!(
        cn().add_working_days(date("2026-02-15"), 0),
        date("2026-02-15")
    );
}

#[test]
fn a_friday_plus_one_working_day_is_the_next_monday() {
    assert_eq!(
        cn().add_working_days(date("2026-03-13"), 1),
        date("2026-03-16")
    );
}

#[test]
fn the_day_of_receipt_does_not_count() {
    // Monday + 1 is Tuesday, not Monday itself.
    assert_eq!(
        cn().add_working_days(date("2026-03-16"), 1),
        date("2026-03-17")
    );
}

#[test]
fn a_spring_festival_make_up_saturday_is_a_working_day() {
    // Friday 2026-02-13 + 1: Saturday 2026-02-14 is worked (春节调休).
    assert_eq!(
        cn().add_working_days(date("2026-02-13"), 1),
        date("2026-02-14")
    );
}

#[test]
fn the_spring_festival_holiday_is_skipped() {
    // 2026-02-15 (Sunday) to 2026-02-23 (Monday) are off; the next working day is Tuesday.
    assert_eq!(
        cn().add_working_days(date("2026-02-14"), 1),
        date("2026-02-24")
    );
}

#[test]
fn ten_working_days_before_national_day_count_the_make_up_sunday() {
    // From Friday 2026-09-18: Sun 09-20 (make-up) is 1, Mon-Thu 09-21..24 are 2-5,
    // Fri-Sun 09-25..27 are the Mid-Autumn holiday, Mon-Wed 09-28..30 are 6-8,
    // 10-01..07 are the National Day holiday, Thu 10-08 is 9 and Fri 10-09 is 10.
    assert_eq!(
        cn().add_working_days(date("2026-09-18"), 10),
        date("2026-10-09")
    );
}

#[test]
fn ten_working_days_across_national_day_count_the_make_up_saturday() {
    // From Wednesday 2026-09-30: 10-01..07 are off, Thu 10-08 is 1, Fri 10-09 is 2,
    // Sat 10-10 (make-up) is 3, Mon-Fri 10-12..16 are 4-8, Mon 10-19 is 9, Tue 10-20 is 10.
    // Weekends only would have given Wednesday 2026-10-14.
    assert_eq!(
        cn().add_working_days(date("2026-09-30"), 10),
        date("2026-10-20")
    );
}

#[test]
fn years_outside_the_file_use_weekends_only() {
    let calendar = cn();
    // National Day 2024 and 2027 are not in the file: plain weekdays.
    assert!(calendar.is_working_day(date("2024-10-01")));
    assert!(calendar.is_working_day(date("2027-10-01")));
    assert!(!calendar.is_working_day(date("2027-10-02")));
    assert_eq!(
        calendar.add_working_days(date("2027-02-05"), 1),
        date("2027-02-08")
    );
}

#[test]
fn weekends_only_calendar_has_no_holidays_and_covers_no_year() {
    let calendar = WorkingCalendar::weekends_only(beijing());
    assert!(calendar.years().is_empty());
    assert!(!calendar.covers(2026));
    assert!(calendar.is_working_day(date("2026-10-01")));
    assert!(!calendar.is_working_day(date("2026-10-10")));
    assert_eq!(
        calendar.add_working_days(date("2026-09-30"), 10),
        date("2026-10-14")
    );
}

#[test]
fn adding_working_days_terminates_at_the_end_of_the_representable_range() {
    let calendar = WorkingCalendar::weekends_only(beijing());
    assert_eq!(calendar.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
}

// --- deadlines ---

#[test]
fn deadline_is_the_last_second_of_the_due_day_in_beijing() {
    // Received Wednesday 2026-09-30 10:00 Beijing; 10 working days is 2026-10-20.
    let due = cn().deadline(instant("2026-09-30T02:00:00Z"), 10);
    assert_eq!(due, instant("2026-10-20T23:59:59+08:00"));
    let local = due.with_timezone(&beijing());
    assert_eq!((local.hour(), local.minute(), local.second()), (23, 59, 59));
    assert_eq!(local.nanosecond(), 0);
}

#[test]
fn deadline_counts_from_the_beijing_date_of_a_late_utc_instant() {
    // 2026-09-29T17:00Z is Wednesday 2026-09-30 01:00 in Beijing: one working day later is
    // Thursday 10-08 after the holiday, whereas the UTC date (09-29) would give 09-30.
    assert_eq!(
        cn().deadline(instant("2026-09-29T17:00:00Z"), 1),
        instant("2026-10-08T23:59:59+08:00")
    );
}

#[test]
fn deadline_of_an_instant_already_in_the_national_day_holiday_in_beijing() {
    // 2026-09-30T17:00Z is 2026-10-01 01:00 Beijing, a holiday: 10 working days from it
    // end on 2026-10-20 as from 09-30 (10-01 would not have counted either way).
    assert_eq!(
        cn().deadline(instant("2026-09-30T17:00:00Z"), 10),
        instant("2026-10-20T23:59:59+08:00")
    );
}

#[test]
fn deadline_on_a_make_up_saturday_received_just_after_beijing_midnight() {
    // 2026-02-13T16:30Z is Saturday 2026-02-14 00:30 Beijing (a make-up working day, which
    // as the day of receipt does not count): the next working day is 2026-02-24.
    assert_eq!(
        cn().deadline(instant("2026-02-13T16:30:00Z"), 1),
        instant("2026-02-24T23:59:59+08:00")
    );
}

#[test]
fn deadline_with_zero_days_is_the_end_of_the_day_of_receipt() {
    assert_eq!(
        cn().deadline(instant("2026-03-16T01:00:00Z"), 0),
        instant("2026-03-16T23:59:59+08:00")
    );
}

#[test]
fn deadline_uses_the_offset_of_the_file() {
    let calendar = WorkingCalendar::from_toml("utc_offset = \"-05:00\"\n").unwrap();
    // Friday 2026-03-13 22:00 in UTC-5 is already Saturday in UTC.
    assert_eq!(
        calendar.deadline(instant("2026-03-14T03:00:00Z"), 1),
        instant("2026-03-16T23:59:59-05:00")
    );
}

// --- working_days_between ---

#[test]
fn working_days_between_undoes_deadline() {
    let calendar = cn();
    for from in [
        "2026-02-13T16:30:00Z",
        "2026-09-18T09:15:00Z",
        "2026-09-29T17:00:00Z",
        "2026-12-25T03:00:00Z",
    ] {
        let from = instant(from);
        for n in [0, 1, 5, 10, 15, 20, 60] {
            assert_eq!(
                calendar.working_days_between(from, calendar.deadline(from, n)),
                n,
                "from {from}, n {n}"
            );
        }
    }
}

#[test]
fn working_days_between_counts_days_after_the_day_of_receipt() {
    let calendar = cn();
    // Received Friday 2026-09-18, answered Monday 09-21 morning Beijing: 09-20 (make-up) and
    // 09-21 count.
    assert_eq!(
        calendar.working_days_between(
            instant("2026-09-18T02:00:00Z"),
            instant("2026-09-21T01:00:00Z")
        ),
        2
    );
    // Answered the same Beijing day: none.
    assert_eq!(
        calendar.working_days_between(
            instant("2026-09-18T02:00:00Z"),
            instant("2026-09-18T15:59:59Z")
        ),
        0
    );
}

#[test]
fn working_days_between_is_zero_when_to_is_not_after_from() {
    let calendar = cn();
    let t = instant("2026-10-20T02:00:00Z");
    assert_eq!(calendar.working_days_between(t, t), 0);
    assert_eq!(
        calendar.working_days_between(t, instant("2026-09-01T02:00:00Z")),
        0
    );
}

#[test]
fn working_days_between_spans_many_years_without_walking_them() {
    let calendar = WorkingCalendar::weekends_only(beijing());
    // 1000 weeks after a Monday, at 5 working days a week.
    let from = instant("2026-03-16T02:00:00Z");
    let to = from + chrono::TimeDelta::weeks(1000);
    assert_eq!(calendar.working_days_between(from, to), 5000);
}

// --- parsing ---

#[test]
fn utc_offset_defaults_to_beijing_time() {
    let calendar = WorkingCalendar::from_toml(&file_2026("", "")).unwrap();
    assert_eq!(calendar.offset(), beijing());
    assert_eq!(calendar.years(), vec![2026]);
}

#[test]
fn a_holiday_without_to_is_a_single_day() {
    let calendar =
        WorkingCalendar::from_toml(&file_2026(r#"{ name = "测试", from = "2026-03-18" }"#, ""))
            .unwrap();
    assert!(calendar.is_working_day(date("2026-03-17")));
    assert!(!calendar.is_working_day(date("2026-03-18")));
    assert!(calendar.is_working_day(date("2026-03-19")));
}

#[test]
fn years_are_listed_in_ascending_order() {
    let text = "[[year]]\nyear = 2027\n[[year]]\nyear = 2025\n[[year]]\nyear = 2026\n";
    let calendar = WorkingCalendar::from_toml(text).unwrap();
    assert_eq!(calendar.years(), vec![2025, 2026, 2027]);
}

// --- rejections ---

#[test]
fn rejects_a_toml_syntax_error_with_its_line() {
    let message = refused("[[year]]\nyear = 2026\nholidays = [ { name = \"元旦\" \n");
    assert!(
        message.contains("TOML") || message.contains("parse"),
        "{message}"
    );
    assert!(message.contains("line 3"), "{message}");
}

#[test]
fn rejects_an_unknown_top_level_key() {
    let message = refused("utc_offest = \"+08:00\"\n");
    assert!(message.contains("utc_offest"), "{message}");
}

#[test]
fn rejects_an_unknown_key_in_a_holiday() {
    let message = refused(&file_2026(
        r#"{ name = "元旦", from = "2026-01-01", until = "2026-01-03" }"#,
        "",
    ));
    assert!(message.contains("until"), "{message}");
}

#[test]
fn rejects_an_invalid_date() {
    let message = refused(&file_2026(r#"{ name = "春节", from = "2026-02-30" }"#, ""));
    assert!(message.contains("2026-02-30"), "{message}");
    assert!(message.contains("春节"), "{message}");
}

#[test]
fn rejects_a_date_not_written_as_yyyy_mm_dd() {
    let message = refused(&file_2026(
        "",
        r#"{ name = "春节调休", date = "2026-2-14" }"#,
    ));
    assert!(message.contains("2026-2-14"), "{message}");
    assert!(message.contains("春节调休"), "{message}");
}

#[test]
fn rejects_an_unquoted_toml_date_asking_for_quotes() {
    let message = refused(&file_2026(r#"{ name = "元旦", from = 2026-01-01 }"#, ""));
    assert!(message.contains("2026-01-01"), "{message}");
    assert!(message.contains("quoted date"), "{message}");
}

#[test]
fn rejects_from_after_to() {
    let message = refused(&file_2026(
        r#"{ name = "国庆节", from = "2026-10-07", to = "2026-10-01" }"#,
        "",
    ));
    assert!(message.contains("国庆节"), "{message}");
    assert!(message.contains("2026-10-07"), "{message}");
    assert!(message.contains("2026-10-01"), "{message}");
}

#[test]
fn rejects_a_holiday_date_outside_its_year() {
    let message = refused(&file_2026(
        r#"{ name = "春节", from = "2025-02-15", to = "2025-02-23" }"#,
        "",
    ));
    assert_eq!(
        message,
        "2026 年“春节”的日期 2025-02-15 不在 2026 年内 \
         (holiday \"春节\" of 2026: 2025-02-15 is not in 2026)"
    );
}

#[test]
fn rejects_a_workday_outside_its_year() {
    let message = refused(&file_2026(
        "",
        r#"{ name = "元旦调休", date = "2027-01-02" }"#,
    ));
    assert!(message.contains("2027-01-02"), "{message}");
    assert!(message.contains("元旦调休"), "{message}");
}

#[test]
fn rejects_the_same_year_twice() {
    let message = refused("[[year]]\nyear = 2026\n[[year]]\nyear = 2026\n");
    assert!(message.contains("2026"), "{message}");
}

#[test]
fn rejects_a_date_that_is_both_holiday_and_workday() {
    let message = refused(&file_2026(
        r#"{ name = "春节", from = "2026-02-14", to = "2026-02-23" }"#,
        r#"{ name = "春节调休", date = "2026-02-14" }"#,
    ));
    assert!(message.contains("2026-02-14"), "{message}");
    assert!(message.contains("春节调休"), "{message}");
    assert!(message.contains("\"春节\""), "{message}");
}

#[test]
fn rejects_a_make_up_workday_on_a_weekday() {
    // Monday 2026-02-16: already a working day, so listing it is a data-entry mistake.
    let message = refused(&file_2026(
        "",
        r#"{ name = "春节调休", date = "2026-02-16" }"#,
    ));
    assert!(message.contains("2026-02-16"), "{message}");
    assert!(message.contains("春节调休"), "{message}");
    assert!(message.contains("Monday"), "{message}");
}

#[test]
fn rejects_a_holiday_longer_than_31_days() {
    let message = refused(&file_2026(
        r#"{ name = "春节", from = "2026-01-15", to = "2026-02-15" }"#,
        "",
    ));
    assert!(message.contains("春节"), "{message}");
    assert!(message.contains("32"), "{message}");
}

#[test]
fn accepts_a_holiday_of_exactly_31_days() {
    let text = file_2026(
        r#"{ name = "测试", from = "2026-01-01", to = "2026-01-31" }"#,
        "",
    );
    assert!(WorkingCalendar::from_toml(&text).is_ok());
}

#[test]
fn rejects_a_bad_utc_offset() {
    for bad in ["+8", "08:00", "+24:00", "+08:60", "UTC+8"] {
        let message = refused(&format!("utc_offset = \"{bad}\"\n"));
        assert!(message.contains(&format!("\"{bad}\"")), "{message}");
    }
}

// --- properties ---

fn any_date_2025_to_2028() -> impl Strategy<Value = NaiveDate> {
    let first = date("2025-01-01");
    let days = (date("2028-12-31") - first).num_days();
    (0..=days).prop_map(move |d| first + chrono::TimeDelta::days(d))
}

proptest! {
    #[test]
    fn add_working_days_lands_exactly_n_working_days_later(
        start in any_date_2025_to_2028(),
        n in 0u32..40,
    ) {
        let calendar = cn();
        let end = calendar.add_working_days(start, n);
        if n == 0 {
            prop_assert_eq!(end, start);
        } else {
            prop_assert!(end > start);
            prop_assert!(calendar.is_working_day(end));
        }
        prop_assert_eq!(count_working_days(&calendar, start, end), n);
    }

    #[test]
    fn working_days_between_agrees_with_walking_the_days(
        start in any_date_2025_to_2028(),
        end in any_date_2025_to_2028(),
    ) {
        let calendar = cn();
        let at_noon = |d: NaiveDate| d.and_hms_opt(4, 0, 0).unwrap().and_utc();
        prop_assert_eq!(
            calendar.working_days_between(at_noon(start), at_noon(end)),
            count_working_days(&calendar, start, end)
        );
    }

    #[test]
    fn working_days_between_undoes_deadline_for_any_instant(
        seconds in 0i64..(4 * 366 * 86_400),
        n in 0u32..40,
    ) {
        let calendar = cn();
        let from = instant("2025-01-01T00:00:00Z") + chrono::TimeDelta::seconds(seconds);
        let due = calendar.deadline(from, n);
        prop_assert_eq!(calendar.working_days_between(from, due), n);
        let local = due.with_timezone(&calendar.offset());
        prop_assert_eq!((local.hour(), local.minute(), local.second()), (23, 59, 59));
        prop_assert!(n == 0 || calendar.is_working_day(local.date_naive()));
    }
}
