//! 调拨: transfers between warehouses. The states and the value arithmetic are
//! `jxc_core`'s ([`jxc_core::inventory::transfer`]); the store posts each step — ship,
//! receive, loss — as one 调拨 document through the ledger's one path, in the same
//! transaction as the transfer's change, and holds the stock in transit with a
//! reservation of the transfer at the destination's in-transit location.

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LocationId, ReservationId, SkuId, WarehouseId};
use jxc_core::inventory::transfer::{LineProgress, NewTransfer, ReceiveInput, TransferStatus};
use jxc_core::money::Fen;
use jxc_core::paging::{Page, PageRequest};
use serde::Serialize;

use crate::{Actor, Result};

/// 调拨单.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transfer {
    pub id: i64,
    /// `DB00000012`.
    pub number: String,
    pub from_warehouse_id: WarehouseId,
    pub to_warehouse_id: WarehouseId,
    pub status: TransferStatus,
    pub note: String,
    /// 损耗原因, when it was closed with units still in transit.
    pub loss_reason: String,
    /// Unix ms.
    pub created_at: i64,
    pub created_by: String,
    pub shipped_at: Option<i64>,
    pub shipped_by: String,
    pub closed_at: Option<i64>,
    pub closed_by: String,
    /// Units asked for, and what became of them (values in 分).
    pub totals: LineProgress,
    pub qty: i64,
    /// Its lines (empty in lists).
    pub lines: Vec<TransferLine>,
    /// The 调拨 documents it posted (ship, each receipt, the loss).
    pub documents: Vec<DocumentId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferLine {
    /// From 1.
    pub line_no: u32,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub sku_name: String,
    /// Where it leaves the source (the default location when none was named).
    pub from_location_id: Option<LocationId>,
    pub from_location_code: String,
    pub lot_no: String,
    pub qty: i64,
    pub progress: LineProgress,
    /// The reservation holding it in transit.
    pub reservation_id: Option<ReservationId>,
}

/// The transfers to list.
#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    pub from_warehouse_id: Option<WarehouseId>,
    pub to_warehouse_id: Option<WarehouseId>,
    /// Only transfers from or to these warehouses (a user's limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub status: Option<TransferStatus>,
    /// Only those with a line of this SKU.
    pub sku_id: Option<SkuId>,
}

/// A line in transit, from where to where.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InTransitLine {
    pub transfer_id: i64,
    pub number: String,
    pub line_no: u32,
    pub from_warehouse_id: WarehouseId,
    pub to_warehouse_id: WarehouseId,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub sku_name: String,
    pub lot_no: String,
    pub qty: i64,
    pub value: Fen,
    pub shipped_at: Option<i64>,
}

/// In transit per warehouse: going out (shipped from it) and coming in (to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InTransitTotal {
    pub warehouse_id: WarehouseId,
    pub outgoing_qty: i64,
    pub outgoing_value: Fen,
    pub incoming_qty: i64,
    pub incoming_value: Fen,
}

/// Which lines in transit to list.
#[derive(Debug, Clone, Default)]
pub struct InTransitFilter {
    /// Lines going out of or coming into this warehouse.
    pub warehouse_id: Option<WarehouseId>,
    /// Only from or to these warehouses (a user's limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub sku_id: Option<SkuId>,
}

/// 调拨.
#[async_trait]
pub trait TransferStore: Send + Sync {
    /// 新建调拨单 (待发货). Both warehouses must exist and be active, the SKUs exist and
    /// hold stock, the named locations be shelves of the source.
    async fn create_transfer(&self, t: &NewTransfer, actor: &Actor) -> Result<Transfer>;
    async fn get_transfer(&self, id: i64) -> Result<Option<Transfer>>;
    /// Newest first with `page.desc`; without lines.
    async fn list_transfers(
        &self,
        filter: &TransferFilter,
        page: &PageRequest,
    ) -> Result<Page<Transfer>>;
    /// 发货: every line leaves its source location at moving average into the
    /// destination's in-transit location, held there by a reservation of the transfer.
    async fn ship_transfer(&self, id: i64, actor: &Actor) -> Result<Transfer>;
    /// 收货: some or all of each line's units in transit arrive on a shelf of the
    /// destination at the value they carried. All of it arrived: the transfer is closed.
    async fn receive_transfer(
        &self,
        id: i64,
        receipt: &ReceiveInput,
        actor: &Actor,
    ) -> Result<Transfer>;
    /// 关闭: what is still in transit is written off as a loss (损耗) at its value, with
    /// the reason given.
    async fn close_transfer(&self, id: i64, reason: &str, actor: &Actor) -> Result<Transfer>;
    /// 取消: only before it ships; nothing reaches the ledger.
    async fn cancel_transfer(&self, id: i64, actor: &Actor) -> Result<Transfer>;
    /// Lines in transit, by transfer and line (`page.desc` reverses).
    async fn in_transit(
        &self,
        filter: &InTransitFilter,
        page: &PageRequest,
    ) -> Result<Page<InTransitLine>>;
    /// In transit per warehouse with any (limited to `warehouse_ids` unless empty).
    async fn in_transit_totals(&self, warehouse_ids: &[WarehouseId])
    -> Result<Vec<InTransitTotal>>;
}
