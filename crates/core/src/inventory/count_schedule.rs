//! 循环盘点计划 (count schedules): a count that comes back — a warehouse and the same
//! scope as a count, every N days from a due time. When a schedule is due the app creates
//! its count and moves the due time on by whole intervals from where it was, so the
//! schedule never drifts, and periods missed while the server was down are skipped, not
//! made up in a burst.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::count::{CountScope, NewCount, NewCountInput, ScopeRequest};
use crate::error::Errors;
use crate::{Error, FieldError};

/// The longest interval, in days.
pub const MAX_EVERY_DAYS: i64 = 365;

const DAY_MS: i64 = 24 * 3_600_000;
const CHINA_MS: i64 = 8 * 3_600_000;

/// A schedule as a person or the API asks for it: the fields of a count, the interval and
/// when the next count is due.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CountScheduleInput {
    pub warehouse_id: i64,
    /// `full`, `zone`, `locations`, `skus` or `abc` (as for a count).
    pub scope: String,
    pub zone: String,
    pub location_from: String,
    pub location_to: String,
    /// 商家编码, separated by commas, spaces or new lines.
    pub sku_codes: String,
    /// `A`, `B` or `C`: the class is worked out again from sales at every count.
    pub abc_class: String,
    /// 盲盘.
    pub blind: bool,
    /// 复盘 when a line's variance is at least this many units (0: never by quantity).
    pub recount_qty: i64,
    /// 复盘 when a line's variance is worth at least this many 分 (0: never by value).
    pub recount_value: i64,
    pub note: String,
    /// A count every this many days, 1–365.
    pub every_days: i64,
    /// When the next count is due, China time: `YYYY-MM-DD` (00:00) or
    /// `YYYY-MM-DD HH:MM`. Empty: now for a new schedule, unchanged for a change.
    pub next_due: String,
    /// Whether the schedule runs (default: yes for a new schedule, unchanged for a
    /// change).
    pub active: Option<bool>,
}

impl CountScheduleInput {
    /// The count each run asks for.
    pub fn count_input(&self) -> NewCountInput {
        NewCountInput {
            warehouse_id: self.warehouse_id,
            scope: self.scope.clone(),
            zone: self.zone.clone(),
            location_from: self.location_from.clone(),
            location_to: self.location_to.clone(),
            sku_codes: self.sku_codes.clone(),
            abc_class: self.abc_class.clone(),
            blind: self.blind,
            recount_qty: self.recount_qty,
            recount_value: self.recount_value,
            note: self.note.clone(),
        }
    }
}

/// A checked schedule.
#[derive(Debug, Clone)]
pub struct NewCountSchedule {
    /// What each count asks for, as the count parser read it (scope kind and codes
    /// normalised). Kept as a request, so an ABC class is worked out again at each count.
    pub count: NewCountInput,
    pub every_days: i64,
    /// Unix ms.
    pub next_due_at: i64,
    pub active: bool,
}

impl NewCountSchedule {
    /// Checks every field at once. `default_due` is the due time when none is given.
    pub fn parse(input: &CountScheduleInput, default_due: i64) -> Result<NewCountSchedule, Error> {
        let mut e = Errors::default();
        let count = match NewCount::parse(&input.count_input()) {
            Ok(c) => Some(c),
            Err(Error::Invalid(v)) => {
                e.0.extend(v);
                None
            }
            Err(other) => return Err(other),
        };
        if !(1..=MAX_EVERY_DAYS).contains(&input.every_days) {
            e.push("every_days", "间隔须为 1 到 365 天 / every 1 to 365 days");
        }
        let due = if input.next_due.trim().is_empty() {
            Some(default_due)
        } else {
            e.take(parse_due("next_due", &input.next_due))
        };
        match (count, due) {
            (Some(count), Some(next_due_at)) if e.0.is_empty() => Ok(NewCountSchedule {
                count: normalised(&count),
                every_days: input.every_days,
                next_due_at,
                active: input.active.unwrap_or(true),
            }),
            _ => Err(Error::Invalid(e.0)),
        }
    }
}

/// The count input a parsed count stands for, in one spelling.
fn normalised(c: &NewCount) -> NewCountInput {
    let mut out = NewCountInput {
        warehouse_id: c.warehouse.0,
        blind: c.blind,
        recount_qty: c.recount.qty,
        recount_value: c.recount.value,
        note: c.note.clone(),
        ..Default::default()
    };
    match &c.scope {
        ScopeRequest::Ready(CountScope::Full) => out.scope = "full".into(),
        ScopeRequest::Ready(CountScope::Zone { zone }) => {
            out.scope = "zone".into();
            out.zone = zone.clone();
        }
        ScopeRequest::Ready(CountScope::Locations { from, to }) => {
            out.scope = "locations".into();
            out.location_from = from.clone();
            out.location_to = to.clone();
        }
        ScopeRequest::Ready(CountScope::Skus { codes })
        | ScopeRequest::Ready(CountScope::Abc { codes, .. }) => {
            out.scope = "skus".into();
            out.sku_codes = codes.join(",");
        }
        ScopeRequest::Abc(class) => {
            out.scope = "abc".into();
            out.abc_class = format!("{class:?}");
        }
    }
    out
}

/// A due time typed in China time: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or the browser's
/// `YYYY-MM-DDTHH:MM`, in the years 2000–2099.
pub fn parse_due(field: &str, s: &str) -> Result<i64, FieldError> {
    let s = s.trim();
    let bad = || {
        FieldError::new(
            field,
            "日期时间格式为 2026-05-01 或 2026-05-01 08:00 / a date, or a date and time like 2026-05-01 08:00",
        )
    };
    let at = if s.len() == 10 {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    } else {
        [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    }
    .ok_or_else(bad)?;
    if !(2000..2100).contains(&at.year()) {
        return Err(FieldError::new(
            field,
            "年份须在 2000 到 2099 之间 / a year from 2000 to 2099",
        ));
    }
    Ok(at.and_utc().timestamp_millis() - CHINA_MS)
}

/// A due time as people read it (and the form takes it back): `YYYY-MM-DD HH:MM`, China time.
pub fn due_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms.saturating_add(CHINA_MS))
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The next due time of a schedule due at `due` that runs at `now`: `due` moved on by
/// whole intervals until it is after `now` — one interval when it runs on time, more when
/// periods were missed (they are skipped, not made up).
pub fn next_due_after(due: i64, every_days: i64, now: i64) -> i64 {
    let every = every_days.clamp(1, MAX_EVERY_DAYS) * DAY_MS;
    let behind = now.saturating_sub(due).max(0);
    let steps = behind / every + 1;
    due.saturating_add(steps.saturating_mul(every))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CountScheduleInput {
        CountScheduleInput {
            warehouse_id: 3,
            scope: "skus".into(),
            sku_codes: " TEE， CAP\nMUG ".into(),
            every_days: 7,
            ..Default::default()
        }
    }

    #[test]
    fn a_schedule_keeps_its_count_request_in_one_spelling_and_defaults_to_active() {
        let s = NewCountSchedule::parse(&input(), 1_000).unwrap();
        assert_eq!(s.count.scope, "skus");
        assert_eq!(s.count.sku_codes, "CAP,MUG,TEE");
        assert_eq!(s.next_due_at, 1_000);
        assert!(s.active);
        let abc = NewCountSchedule::parse(
            &CountScheduleInput {
                scope: "abc".into(),
                abc_class: "a".into(),
                ..input()
            },
            0,
        )
        .unwrap();
        assert_eq!(
            (abc.count.scope.as_str(), abc.count.abc_class.as_str()),
            ("abc", "A")
        );
        assert!(abc.count.sku_codes.is_empty());
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = CountScheduleInput {
            warehouse_id: 0,
            scope: "zone".into(),
            every_days: 366,
            next_due: "2026-13-01".into(),
            recount_qty: -1,
            ..Default::default()
        };
        let Err(Error::Invalid(v)) = NewCountSchedule::parse(&bad, 0) else {
            panic!("refused")
        };
        let fields: Vec<&str> = v.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "warehouse_id",
            "zone",
            "recount_qty",
            "every_days",
            "next_due",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        for days in [0, -5, i64::MAX] {
            let r = NewCountSchedule::parse(
                &CountScheduleInput {
                    every_days: days,
                    ..input()
                },
                0,
            );
            assert!(matches!(r, Err(Error::Invalid(v)) if v[0].field == "every_days"));
        }
    }

    #[test]
    fn due_times_are_china_time() {
        // 2026-05-01 00:00 China = 2026-04-30 16:00 UTC.
        let midnight = parse_due("d", "2026-05-01").unwrap();
        assert_eq!(midnight, 1_777_564_800_000);
        assert_eq!(
            parse_due("d", "2026-05-01 08:30").unwrap(),
            midnight + 8 * 3_600_000 + 30 * 60_000
        );
        assert_eq!(
            parse_due("d", "2026-05-01T08:30").unwrap(),
            midnight + 30_600_000
        );
        assert_eq!(due_text(midnight + 30_600_000), "2026-05-01 08:30");
        for bad in [
            "",
            "tomorrow",
            "2026-02-30",
            "1999-12-31",
            "2026-05-01 25:00",
            "２０２６",
        ] {
            assert!(parse_due("next_due", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_next_due_time_steps_from_the_due_time_and_skips_missed_periods() {
        let day = DAY_MS;
        // On time, or a little late: one interval on from the due time, not from now.
        assert_eq!(next_due_after(0, 7, 0), 7 * day);
        assert_eq!(next_due_after(0, 7, 3_600_000), 7 * day);
        // Down for 20 days: the next is the first due time after now, no burst.
        assert_eq!(next_due_after(0, 7, 20 * day), 21 * day);
        assert_eq!(next_due_after(0, 7, 21 * day), 28 * day);
        // Absurd inputs do not overflow or go backwards.
        assert!(next_due_after(i64::MAX - 1, 365, i64::MAX) >= i64::MAX - 1);
        assert_eq!(next_due_after(10 * day, 0, 0), 11 * day);
    }
}
