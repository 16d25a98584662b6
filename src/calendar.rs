//! Dates as residents live them: the kelurahan's day is Asia/Jakarta's (UTC+7, no daylight saving).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};

/// Asia/Jakarta's offset from UTC, in milliseconds.
pub const JAKARTA_OFFSET_MS: i64 = 7 * 3_600_000;

/// The date in Asia/Jakarta at `now_ms` (epoch milliseconds).
pub fn jakarta_date(now_ms: i64) -> NaiveDate {
    DateTime::from_timestamp_millis(now_ms + JAKARTA_OFFSET_MS)
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// Whole years from `birth` to `on` (a birthday counts on the day itself).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// `YYYY-MM-DD` → date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// `YYYY-MM-DD HH:MM` in Asia/Jakarta → unix seconds.
pub fn parse_jakarta_time(s: &str) -> Option<i64> {
    let local = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M").ok()?;
    Some(local.and_utc().timestamp() - JAKARTA_OFFSET_MS / 1000)
}

/// Asia/Jakarta's wall-clock time at `secs` (unix seconds).
pub fn jakarta_local(secs: i64) -> NaiveDateTime {
    DateTime::from_timestamp(secs.saturating_add(JAKARTA_OFFSET_MS / 1000), 0)
        .map(|d| d.naive_utc())
        .unwrap_or_default()
}

/// `DD-MM-YYYY HH:MM` in Asia/Jakarta at `secs` (unix seconds).
pub fn jakarta_time(secs: i64) -> String {
    jakarta_local(secs).format("%d-%m-%Y %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn jakarta_day_starts_at_17_utc() {
        // 2026-11-24 17:00 UTC is midnight in Jakarta.
        let ms = 1_795_539_600_000;
        assert_eq!(jakarta_date(ms), d("2026-11-25"));
        assert_eq!(jakarta_date(ms - 1), d("2026-11-24"));
    }

    #[test]
    fn jakarta_wall_clock_times_are_utc_plus_seven() {
        let secs = parse_jakarta_time("2026-11-28 07:00").unwrap();
        assert_eq!(secs, 1_795_824_000);
        assert_eq!(jakarta_time(secs), "28-11-2026 07:00");
        assert_eq!(parse_jakarta_time("2026-11-28"), None);
        assert_eq!(parse_jakarta_time("2026-13-01 07:00"), None);
    }

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(age_on(d("2010-11-25"), d("2026-11-25")), 16);
        assert_eq!(age_on(d("2010-11-26"), d("2026-11-25")), 15);
        assert_eq!(age_on(d("2008-02-29"), d("2026-02-28")), 17);
        assert_eq!(age_on(d("2008-02-29"), d("2026-03-01")), 18);
    }
}
