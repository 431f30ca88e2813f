//! 其他出入库: adjustments with a reason (报损, 样品, 赠品, 盘盈, 内部领用, 其他). Worth at
//! most the merchant's threshold (setting `adjustment_approval_threshold`, 分; default
//! ¥500) a request posts at once; above it a 仓库主管 (`StockApprove`) posts or rejects
//! it. The threshold is set by those who approve.

use jxc_core::inventory::adjustment::{
    DEFAULT_APPROVAL_THRESHOLD, NewAdjustment, NewAdjustmentInput, rejection_note,
};
use jxc_core::money::Fen;
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{Actor, AdjustmentFilter, StockAdjustment};

use crate::inventory::require_warehouse;
use crate::{App, Error, Result};

/// The settings key of the approval threshold, in 分.
pub const THRESHOLD_SETTING: &str = "adjustment_approval_threshold";

impl App {
    /// Requests worth more than this wait for approval.
    pub async fn adjustment_threshold(&self) -> Result<Fen> {
        Ok(self
            .store
            .get_setting(THRESHOLD_SETTING)
            .await?
            .and_then(|v| v.parse().ok())
            .map(Fen)
            .unwrap_or(DEFAULT_APPROVAL_THRESHOLD))
    }

    pub async fn set_adjustment_threshold(&self, threshold: Fen, actor: &Actor) -> Result<()> {
        if threshold.0 < 0 {
            return Err(Error::invalid("threshold", "不能为负 / cannot be negative"));
        }
        self.store
            .set_setting(THRESHOLD_SETTING, &threshold.0.to_string(), actor)
            .await?;
        Ok(())
    }

    /// Records a request; it posts at once when worth at most the threshold.
    pub async fn create_adjustment(
        &self,
        user: &User,
        input: &NewAdjustmentInput,
        actor: &Actor,
    ) -> Result<StockAdjustment> {
        let a = NewAdjustment::parse(input)?;
        require_warehouse(user, a.warehouse)?;
        let threshold = self.adjustment_threshold().await?;
        let made = self.store.create_adjustment(&a, threshold, actor).await?;
        self.after_posting(&made, actor).await;
        Ok(made)
    }

    pub async fn adjustments(
        &self,
        user: &User,
        mut filter: AdjustmentFilter,
        page: &PageRequest,
    ) -> Result<Page<StockAdjustment>> {
        if let Some(w) = filter.warehouse_id {
            require_warehouse(user, w)?;
        }
        filter.warehouse_ids = user.fields.warehouse_ids.clone();
        Ok(self.store.list_adjustments(&filter, page).await?)
    }

    pub async fn adjustment(&self, user: &User, id: i64) -> Result<StockAdjustment> {
        let a = self
            .store
            .get_adjustment(id)
            .await?
            .ok_or_else(|| Error::not_found("adjustment", id))?;
        require_warehouse(user, a.warehouse_id)?;
        Ok(a)
    }

    /// 审批过账: posts a pending request at today's average cost.
    pub async fn approve_adjustment(
        &self,
        user: &User,
        id: i64,
        actor: &Actor,
    ) -> Result<StockAdjustment> {
        self.adjustment(user, id).await?;
        let done = self.store.approve_adjustment(id, actor).await?;
        self.after_posting(&done, actor).await;
        Ok(done)
    }

    /// 驳回 with a note (required); nothing is posted.
    pub async fn reject_adjustment(
        &self,
        user: &User,
        id: i64,
        note: &str,
        actor: &Actor,
    ) -> Result<StockAdjustment> {
        let note = rejection_note(note)?;
        self.adjustment(user, id).await?;
        Ok(self.store.reject_adjustment(id, &note, actor).await?)
    }

    /// A posted request changed stock: its SKUs' alerts are looked at again, and stock
    /// that came in (盘盈, 其他 +) may be what 缺货 orders wait for.
    async fn after_posting(&self, a: &StockAdjustment, actor: &Actor) {
        if a.document_id.is_some() {
            let mut skus: Vec<_> = a.lines.iter().map(|l| l.sku_id).collect();
            skus.sort();
            skus.dedup();
            self.after_stock_change(&skus).await;
        }
        let brought = a.document_id.is_some() && a.lines.iter().any(|l| l.qty > 0);
        if brought && let Err(e) = self.retry_short_allocations(actor).await {
            tracing::warn!("retrying 缺货 orders after {} failed: {e}", a.number);
        }
    }
}
