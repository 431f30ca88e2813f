//! 调拨: transfers between warehouses — create, ship (the source's side), receive in
//! parts and close with a loss (the destination's side), cancel before shipping, and the
//! stock in transit per warehouse. The states and arithmetic are
//! `jxc_core::inventory::transfer`; the store posts each step through the ledger.
//!
//! A user limited to some warehouses sees the transfers from or to them; shipping and
//! cancelling need the source, receiving and closing the destination.

use jxc_core::FieldError;
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::inventory::transfer::{NewTransfer, NewTransferInput, ReceiveInput, loss_reason};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{Actor, InTransitFilter, InTransitLine, InTransitTotal, Transfer, TransferFilter};

use crate::inventory::require_warehouse;
use crate::{App, Error, Result};

impl App {
    pub async fn create_transfer(
        &self,
        user: &User,
        input: &NewTransferInput,
        actor: &Actor,
    ) -> Result<Transfer> {
        let t = NewTransfer::parse(input)?;
        require_warehouse(user, t.from)?;
        Ok(self.store.create_transfer(&t, actor).await?)
    }

    /// Transfers from or to the user's warehouses.
    pub async fn transfers(
        &self,
        user: &User,
        mut filter: TransferFilter,
        page: &PageRequest,
    ) -> Result<Page<Transfer>> {
        for w in [filter.from_warehouse_id, filter.to_warehouse_id]
            .into_iter()
            .flatten()
        {
            require_warehouse(user, w)?;
        }
        filter.warehouse_ids = user.fields.warehouse_ids.clone();
        Ok(self.store.list_transfers(&filter, page).await?)
    }

    pub async fn transfer(&self, user: &User, id: i64) -> Result<Transfer> {
        let t = self
            .store
            .get_transfer(id)
            .await?
            .ok_or_else(|| Error::not_found("transfer", id))?;
        if !user.sees_warehouse(t.from_warehouse_id) && !user.sees_warehouse(t.to_warehouse_id) {
            return Err(Error::not_found("transfer", id));
        }
        Ok(t)
    }

    /// 发货 (the source warehouse).
    pub async fn ship_transfer(&self, user: &User, id: i64, actor: &Actor) -> Result<Transfer> {
        let t = self.transfer(user, id).await?;
        require_warehouse(user, t.from_warehouse_id)?;
        let after = self.store.ship_transfer(id, actor).await?;
        self.after_transfer_moved(&after).await;
        Ok(after)
    }

    /// Stock moved: the alerts of the transfer's SKUs are looked at again.
    async fn after_transfer_moved(&self, t: &Transfer) {
        let skus: std::collections::BTreeSet<SkuId> = t.lines.iter().map(|l| l.sku_id).collect();
        self.after_stock_change(&skus.into_iter().collect::<Vec<_>>())
            .await;
    }

    /// 收货 (the destination). Stock arrived: 缺货 orders are tried again.
    pub async fn receive_transfer(
        &self,
        user: &User,
        id: i64,
        receipt: &ReceiveInput,
        actor: &Actor,
    ) -> Result<Transfer> {
        let t = self.transfer(user, id).await?;
        require_warehouse(user, t.to_warehouse_id)?;
        let after = self.store.receive_transfer(id, receipt, actor).await?;
        self.after_transfer_moved(&after).await;
        if let Err(e) = self.retry_short_allocations(actor).await {
            // The receipt stands whatever happens to the waiting orders.
            tracing::warn!("retrying 缺货 orders after {} failed: {e}", after.number);
        }
        Ok(after)
    }

    /// 关闭: what has not arrived is written off as a loss; the reason is required.
    pub async fn close_transfer(
        &self,
        user: &User,
        id: i64,
        reason: &str,
        actor: &Actor,
    ) -> Result<Transfer> {
        let reason = loss_reason(reason)?;
        let t = self.transfer(user, id).await?;
        require_warehouse(user, t.to_warehouse_id)?;
        let after = self.store.close_transfer(id, &reason, actor).await?;
        self.after_transfer_moved(&after).await;
        Ok(after)
    }

    /// 取消 (the source warehouse), only before shipping.
    pub async fn cancel_transfer(&self, user: &User, id: i64, actor: &Actor) -> Result<Transfer> {
        let t = self.transfer(user, id).await?;
        require_warehouse(user, t.from_warehouse_id)?;
        Ok(self.store.cancel_transfer(id, actor).await?)
    }

    /// Lines in transit going out of or coming into the user's warehouses.
    pub async fn in_transit(
        &self,
        user: &User,
        mut filter: InTransitFilter,
        page: &PageRequest,
    ) -> Result<Page<InTransitLine>> {
        if let Some(w) = filter.warehouse_id {
            require_warehouse(user, w)?;
        }
        filter.warehouse_ids = user.fields.warehouse_ids.clone();
        Ok(self.store.in_transit(&filter, page).await?)
    }

    /// In transit per warehouse the user sees (going out and coming in).
    pub async fn in_transit_totals(&self, user: &User) -> Result<Vec<InTransitTotal>> {
        let mut all = self.store.in_transit_totals(&[]).await?;
        all.retain(|t| user.sees_warehouse(t.warehouse_id));
        Ok(all)
    }
}

/// A line as a person types it on a page: codes, not ids.
#[derive(Debug, Clone, Default)]
pub struct CodedLine {
    /// 商家编码.
    pub sku_code: String,
    /// 库位码 in the line's warehouse ("" for its default location).
    pub location_code: String,
}

impl App {
    /// The ids of typed lines: `lines[i].sku_id` or `lines[i].<location_field>` when a
    /// code is unknown (every unknown code at once).
    pub async fn resolve_codes(
        &self,
        warehouse: WarehouseId,
        lines: &[CodedLine],
        location_field: &str,
    ) -> Result<Vec<(i64, Option<i64>)>> {
        let mut errors = Vec::new();
        let mut out = Vec::with_capacity(lines.len());
        for (i, l) in lines.iter().enumerate() {
            let code = l.sku_code.trim();
            let sku = match self.store.get_sku_by_code(code).await? {
                Some(s) => s.id.0,
                None => {
                    errors.push(FieldError::new(
                        format!("lines[{i}].sku_id"),
                        format!("商家编码 {code} 不存在 / unknown SKU code"),
                    ));
                    0
                }
            };
            let loc = l.location_code.trim();
            let location = if loc.is_empty() {
                None
            } else {
                match self.store.get_location_by_code(warehouse, loc).await? {
                    Some(x) => Some(x.id.0),
                    None => {
                        errors.push(FieldError::new(
                            format!("lines[{i}].{location_field}"),
                            format!("库位 {loc} 不在该仓库 / unknown location in this warehouse"),
                        ));
                        None
                    }
                }
            };
            out.push((sku, location));
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(Error::Invalid(errors))
        }
    }
}
