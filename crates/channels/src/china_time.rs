//! Times as the Chinese platforms write them: `yyyy-MM-dd HH:mm:ss` in China time
//! (GMT+8, no daylight saving), to and from Unix milliseconds.

use chrono::{DateTime, FixedOffset, NaiveDateTime};

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

pub(crate) fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("GMT+8 is a valid offset")
}

/// Unix ms as `yyyy-MM-dd HH:mm:ss` China time.
pub(crate) fn format(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&china())
        .format(FORMAT)
        .to_string()
}

/// Now, as a request `timestamp`.
pub(crate) fn now() -> String {
    format(chrono::Utc::now().timestamp_millis())
}

/// `yyyy-MM-dd HH:mm:ss` China time as Unix ms (`None` if it is not one).
pub(crate) fn parse(s: &str) -> Option<i64> {
    NaiveDateTime::parse_from_str(s.trim(), FORMAT)
        .ok()
        .and_then(|t| t.and_local_timezone(china()).single())
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_round_trips_and_is_eight_hours_ahead_of_utc() {
        assert_eq!(format(0), "1970-01-01 08:00:00");
        assert_eq!(parse("1970-01-01 08:00:00"), Some(0));
        assert_eq!(parse(" 2026-11-26 09:00:00 "), Some(1_795_654_800_000));
        assert_eq!(parse("2026-11-26"), None);
    }
}
