//! 发货报表: the shipments that left in a span of China days (a warehouse, or every one
//! the user sees), with their orders' payment times, summed by `core::fulfillment::report`.

use chrono::NaiveDate;
use jxc_core::fulfillment::report::{FulfilmentReport, ShippedRow, report};
use jxc_core::ids::WarehouseId;
use jxc_core::paging::PageRequest;
use jxc_core::users::User;
use jxc_store::ShipmentFilter;

use crate::inventory::require_warehouse;
use crate::{App, Error, Result};

const DAY_MS: i64 = 24 * 3_600_000;
const CHINA_MS: i64 = 8 * 3_600_000;

/// Unix ms of 00:00 China time on `d`.
pub fn china_midnight(d: NaiveDate) -> i64 {
    d.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date"))
        .num_days()
        * DAY_MS
        - CHINA_MS
}

/// The China date of a Unix ms time, `YYYY-MM-DD`.
pub fn china_date(ms: i64) -> String {
    let days = (ms + CHINA_MS).div_euclid(DAY_MS);
    (NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date") + chrono::Days::new(days as u64))
        .format("%Y-%m-%d")
        .to_string()
}

impl App {
    /// The report of shipments shipped from `from` to `to` (China days, both included;
    /// at most 92 days), against a platform deadline of `deadline_hours` after payment.
    pub async fn fulfilment_report(
        &self,
        user: &User,
        from: NaiveDate,
        to: NaiveDate,
        deadline_hours: i64,
        warehouse: Option<WarehouseId>,
    ) -> Result<FulfilmentReport> {
        if to < from || (to - from).num_days() > 91 {
            return Err(Error::invalid(
                "to",
                "结束日期须在开始日期之后，最多 92 天 / to on or after from, at most 92 days",
            ));
        }
        if !(1..=720).contains(&deadline_hours) {
            return Err(Error::invalid(
                "deadline_hours",
                "发货时限 1–720 小时 / 1 to 720 hours",
            ));
        }
        if let Some(w) = warehouse {
            require_warehouse(user, w)?;
        }
        let filter = ShipmentFilter {
            warehouse,
            shipped_from: Some(china_midnight(from)),
            shipped_to: Some(china_midnight(to) + DAY_MS),
            ..Default::default()
        };
        let mut rows = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page =
                PageRequest::new(Some(jxc_core::paging::MAX_LIMIT), after.as_deref(), false)?;
            let p = self.shipments(user, filter.clone(), &page).await?;
            for s in &p.items {
                let Some(shipped_ms) = s.shipped_at else {
                    continue;
                };
                let mut paid_ms = shipped_ms;
                for o in &s.orders {
                    if let Some(order) = self.store.get_order(*o).await? {
                        paid_ms =
                            paid_ms.min(order.order.paid_at.unwrap_or(order.order.created_at));
                    }
                }
                rows.push(ShippedRow {
                    warehouse: s.warehouse_id,
                    day: china_date(shipped_ms),
                    orders: s.orders.len() as i64,
                    paid_ms,
                    shipped_ms,
                    by: s.shipped_by.clone(),
                    exception: s.exception.clone(),
                });
            }
            match p.next {
                Some(n) if Some(&n) != after.as_ref() => after = Some(n),
                _ => break,
            }
        }
        Ok(report(&rows, deadline_hours))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_days_start_at_16_00_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        // 2026-11-25 16:00:00 UTC
        assert_eq!(china_midnight(d), 1_795_622_400_000);
        assert_eq!(china_date(1_795_622_400_000), "2026-11-26");
        assert_eq!(china_date(1_795_622_399_999), "2026-11-25");
    }
}
