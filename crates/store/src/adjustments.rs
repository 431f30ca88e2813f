//! 其他出入库: adjustments with a reason. The store values a request by posting it (the
//! ledger's one path) inside a savepoint: worth at most the threshold, it stays posted;
//! worth more, the posting is rolled back and the request waits for approval.

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LocationId, SkuId, WarehouseId};
use jxc_core::inventory::adjustment::{AdjustmentReason, AdjustmentStatus, NewAdjustment};
use jxc_core::money::Fen;
use jxc_core::paging::{Page, PageRequest};
use serde::Serialize;

use crate::{Actor, Result};

/// 其他出入库单.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockAdjustment {
    pub id: i64,
    /// `QT00000012`.
    pub number: String,
    pub warehouse_id: WarehouseId,
    pub reason: AdjustmentReason,
    pub note: String,
    pub status: AdjustmentStatus,
    /// Its worth in 分 (Σ |value| of its moves): when asked, then what it posted.
    pub value: Fen,
    /// The threshold it was held to when asked.
    pub threshold: Fen,
    /// The 调整单 it posted.
    pub document_id: Option<DocumentId>,
    /// Unix ms.
    pub created_at: i64,
    pub created_by: String,
    /// Who approved (posted) or rejected it; empty when it posted at once.
    pub decided_at: Option<i64>,
    pub decided_by: String,
    pub decision_note: String,
    /// Its lines (empty in lists).
    pub lines: Vec<AdjustmentLineRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdjustmentLineRow {
    pub line_no: u32,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub sku_name: String,
    pub location_id: Option<LocationId>,
    pub location_code: String,
    pub lot_no: String,
    pub qty: i64,
    /// The stated value of a + line.
    pub stated_value: Option<Fen>,
}

#[derive(Debug, Clone, Default)]
pub struct AdjustmentFilter {
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub status: Option<AdjustmentStatus>,
    pub reason: Option<AdjustmentReason>,
}

/// 其他出入库.
#[async_trait]
pub trait AdjustmentStore: Send + Sync {
    /// Records a request and values it by posting it: worth at most `threshold` it is
    /// posted (已过账); worth more, nothing is posted and it waits (待审批). A request that
    /// cannot post now (not enough stock, an unknown SKU) is refused and nothing is kept.
    async fn create_adjustment(
        &self,
        a: &NewAdjustment,
        threshold: Fen,
        actor: &Actor,
    ) -> Result<StockAdjustment>;
    async fn get_adjustment(&self, id: i64) -> Result<Option<StockAdjustment>>;
    /// Newest first with `page.desc`; without lines.
    async fn list_adjustments(
        &self,
        filter: &AdjustmentFilter,
        page: &PageRequest,
    ) -> Result<Page<StockAdjustment>>;
    /// 审批过账: a pending request posts now, at today's average cost.
    async fn approve_adjustment(&self, id: i64, actor: &Actor) -> Result<StockAdjustment>;
    /// 驳回: a pending request is refused with `note`; nothing is posted.
    async fn reject_adjustment(
        &self,
        id: i64,
        note: &str,
        actor: &Actor,
    ) -> Result<StockAdjustment>;
}
