//! The China day (UTC+8, no daylight saving): where "today", a day's load and a report's
//! days start. One place, so every use-case cuts days the same way.

use chrono::NaiveDate;

use crate::App;

pub const DAY_MS: i64 = 24 * 3_600_000;
const CHINA_MS: i64 = 8 * 3_600_000;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date")
}

/// Unix ms of the China midnight that starts the day `now_ms` is in.
pub fn day_start(now_ms: i64) -> i64 {
    (now_ms + CHINA_MS).div_euclid(DAY_MS) * DAY_MS - CHINA_MS
}

/// Unix ms of 00:00 China time on `d`.
pub fn midnight(d: NaiveDate) -> i64 {
    d.signed_duration_since(epoch()).num_days() * DAY_MS - CHINA_MS
}

/// The China date of a Unix ms time.
pub fn date(ms: i64) -> NaiveDate {
    epoch() + chrono::Days::new((ms + CHINA_MS).div_euclid(DAY_MS) as u64)
}

/// The China date of a Unix ms time, `YYYY-MM-DD`.
pub fn date_text(ms: i64) -> String {
    date(ms).format("%Y-%m-%d").to_string()
}

impl App {
    /// Today in China, by the app's clock.
    pub fn today(&self) -> NaiveDate {
        date(self.now_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_days_start_at_16_00_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        // 2026-11-25 16:00:00 UTC
        assert_eq!(midnight(d), 1_795_622_400_000);
        assert_eq!(date_text(1_795_622_400_000), "2026-11-26");
        assert_eq!(date_text(1_795_622_399_999), "2026-11-25");
        let t = 1_795_654_800_000; // 2026-11-26 01:00 UTC = 09:00 China
        assert_eq!(day_start(t), t - 9 * 3_600_000);
        assert_eq!(day_start(day_start(t)), day_start(t));
        assert_eq!(day_start(t), midnight(date(t)));
    }
}
