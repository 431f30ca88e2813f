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

use crate::china_day::{DAY_MS, date_text, midnight};

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
            shipped_from: Some(midnight(from)),
            shipped_to: Some(midnight(to) + DAY_MS),
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
                    day: date_text(shipped_ms),
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
