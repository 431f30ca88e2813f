//! 追溯: find a lot, follow it forward to the shipments, orders and buyers that got it,
//! or follow an order back to its lots and their receipts. What a user sees keeps to
//! their warehouses and shops.

use jxc_core::ids::{LotId, OrderId};
use jxc_core::users::User;
use jxc_store::{LotTrace, TracedLine, TracedLot};

use crate::{App, Error, Result};

impl App {
    /// Lots with this number, or of the SKU with this code (newest first).
    pub async fn find_lots(&self, q: &str) -> Result<Vec<TracedLot>> {
        if q.trim().is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.store.find_lots(q, 100).await?)
    }

    /// 正向追溯. Documents, shipments and orders outside the user's warehouses and shops
    /// are left out.
    pub async fn trace_lot(&self, user: &User, lot: LotId) -> Result<LotTrace> {
        let mut t = self
            .store
            .trace_lot(lot)
            .await?
            .ok_or_else(|| Error::not_found("lot", lot))?;
        t.documents.retain(|d| user.sees_warehouse(d.warehouse_id));
        let docs: std::collections::BTreeSet<_> =
            t.documents.iter().map(|d| d.document_id).collect();
        t.shipments.retain(|s| docs.contains(&s.document_id));
        for s in &mut t.shipments {
            s.orders.retain(|o| user.sees_shop(o.shop_id));
        }
        Ok(t)
    }

    /// 反向追溯: the order's shipped lines back to their lots and receipts.
    pub async fn trace_order(&self, user: &User, order: OrderId) -> Result<Vec<TracedLine>> {
        self.order(user, order).await?;
        Ok(self.store.trace_order(order).await?)
    }
}
