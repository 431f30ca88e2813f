//! 发货报表: how fast and how well orders ship — paid-to-shipped time (median and p90,
//! nearest rank), shipped within the platform's deadline or late, logistics exceptions
//! by kind — overall, per warehouse, per day, and shipments per person who shipped.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ids::WarehouseId;

/// One shipment that left, as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedRow {
    pub warehouse: WarehouseId,
    /// The China date it shipped, `YYYY-MM-DD`.
    pub day: String,
    /// Orders in it (合单 ships several).
    pub orders: i64,
    /// The earliest payment of its orders, Unix ms.
    pub paid_ms: i64,
    pub shipped_ms: i64,
    /// Who scanned and shipped it.
    pub by: String,
    /// Its logistics exception ('' for none).
    pub exception: String,
}

/// Figures of a group of shipments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    pub shipments: i64,
    pub orders: i64,
    /// Paid to shipped, minutes (nearest rank); `None` with no shipments.
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    /// Shipped within the deadline after payment.
    pub on_time: i64,
    pub late: i64,
    pub exceptions: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FulfilmentReport {
    pub deadline_hours: i64,
    pub overall: Figures,
    pub by_warehouse: Vec<(WarehouseId, Figures)>,
    pub by_day: Vec<(String, Figures)>,
    /// Shipments per person, most first.
    pub by_person: Vec<(String, i64)>,
    /// Exceptions per kind (拒签, 疑难, 无物流更新 …), most first.
    pub exceptions: Vec<(String, i64)>,
}

/// The kind of an exception text: `拒签 / 14` → `拒签`; the quiet rule's
/// `3 天无物流更新 / …` → `无物流更新`.
pub fn exception_kind(text: &str) -> String {
    let zh = text.split(" / ").next().unwrap_or("").trim();
    if zh.contains("无物流更新") {
        "无物流更新".into()
    } else {
        zh.to_string()
    }
}

/// The value at rank ⌈p·n⌉ of `sorted` (nearest rank), `p` in percent.
pub fn nearest_rank(sorted: &[i64], p: i64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as i64;
    let rank = (p * n + 99) / 100; // ⌈p·n/100⌉, at least 1 for p > 0
    Some(sorted[(rank.max(1) - 1) as usize])
}

fn figures(rows: &[&ShippedRow], deadline_ms: i64) -> Figures {
    let mut minutes: Vec<i64> = rows
        .iter()
        .map(|r| (r.shipped_ms - r.paid_ms).max(0) / 60_000)
        .collect();
    minutes.sort_unstable();
    let on_time = rows
        .iter()
        .filter(|r| r.shipped_ms - r.paid_ms <= deadline_ms)
        .count() as i64;
    Figures {
        shipments: rows.len() as i64,
        orders: rows.iter().map(|r| r.orders).sum(),
        median_minutes: nearest_rank(&minutes, 50),
        p90_minutes: nearest_rank(&minutes, 90),
        on_time,
        late: rows.len() as i64 - on_time,
        exceptions: rows.iter().filter(|r| !r.exception.is_empty()).count() as i64,
    }
}

fn grouped<K: Ord + Clone>(
    rows: &[ShippedRow],
    key: impl Fn(&ShippedRow) -> K,
    deadline_ms: i64,
) -> Vec<(K, Figures)> {
    let mut groups: BTreeMap<K, Vec<&ShippedRow>> = BTreeMap::new();
    for r in rows {
        groups.entry(key(r)).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|(k, v)| (k, figures(&v, deadline_ms)))
        .collect()
}

fn most_first(counts: BTreeMap<String, i64>) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

pub fn report(rows: &[ShippedRow], deadline_hours: i64) -> FulfilmentReport {
    let deadline_ms = deadline_hours * 3_600_000;
    let all: Vec<&ShippedRow> = rows.iter().collect();
    let mut people = BTreeMap::new();
    let mut kinds = BTreeMap::new();
    for r in rows {
        *people.entry(r.by.clone()).or_default() += 1;
        if !r.exception.is_empty() {
            *kinds.entry(exception_kind(&r.exception)).or_default() += 1;
        }
    }
    FulfilmentReport {
        deadline_hours,
        overall: figures(&all, deadline_ms),
        by_warehouse: grouped(rows, |r| r.warehouse, deadline_ms),
        by_day: grouped(rows, |r| r.day.clone(), deadline_ms),
        by_person: most_first(people),
        exceptions: most_first(kinds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn row(wh: i64, day: &str, paid_h: i64, shipped_h: i64, by: &str, ex: &str) -> ShippedRow {
        ShippedRow {
            warehouse: WarehouseId(wh),
            day: day.into(),
            orders: 1,
            paid_ms: paid_h * H,
            shipped_ms: shipped_h * H,
            by: by.into(),
            exception: ex.into(),
        }
    }

    #[test]
    fn nearest_rank_of_ten_values_takes_the_fifth_and_the_ninth() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&v, 50), Some(5));
        assert_eq!(nearest_rank(&v, 90), Some(9));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn four_shipments_two_warehouses_one_late_one_refused() {
        let rows = [
            row(1, "2026-11-20", 0, 2, "wang", ""),
            row(1, "2026-11-20", 0, 10, "wang", "拒签 / 14"),
            row(
                2,
                "2026-11-21",
                0,
                50,
                "li",
                "3 天无物流更新 / no tracking update for 3 days",
            ),
            row(2, "2026-11-21", 0, 24, "wang", ""),
        ];
        let r = report(&rows, 48);
        assert_eq!(r.overall.shipments, 4);
        // Minutes 120, 600, 1440, 3000: median rank 2, p90 rank 4.
        assert_eq!(r.overall.median_minutes, Some(600));
        assert_eq!(r.overall.p90_minutes, Some(3000));
        assert_eq!((r.overall.on_time, r.overall.late), (3, 1));
        assert_eq!(r.by_warehouse[1].0, WarehouseId(2));
        assert_eq!(
            (r.by_warehouse[1].1.on_time, r.by_warehouse[1].1.late),
            (1, 1)
        );
        assert_eq!(r.by_day[0].0, "2026-11-20");
        assert_eq!(r.by_day[0].1.exceptions, 1);
        assert_eq!(r.by_person, vec![("wang".into(), 3), ("li".into(), 1)]);
        assert_eq!(
            r.exceptions,
            vec![("拒签".into(), 1), ("无物流更新".into(), 1)]
        );
    }
}
