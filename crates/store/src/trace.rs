//! 追溯: where a lot went (forward: every document that moved it, the shipments, orders
//! and buyers that got it) and where an order's goods came from (backward: each shipped
//! line's lot, the receipts that brought that lot in). Read-only; one or two statements.

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LotId, OrderId, ShopId, SkuId, WarehouseId};
use jxc_core::inventory::DocumentKind;
use serde::Serialize;

use crate::Result;

/// A lot, named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TracedLot {
    pub lot_id: LotId,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub sku_name: String,
    pub lot_no: String,
    /// `YYYY-MM-DD`, when known.
    pub production_date: Option<String>,
    pub expiry_date: Option<String>,
}

/// One document that moved the lot, with its units (+ in, − out) in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TracedDocument {
    pub document_id: DocumentId,
    pub doc_no: String,
    pub kind: DocumentKind,
    /// The PO, order or transfer number the document names.
    pub reference: String,
    pub warehouse_id: WarehouseId,
    pub warehouse_code: String,
    pub qty: i64,
    /// Unix ms.
    pub posted_at: i64,
}

/// An order that received the lot (through a shipment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TracedOrder {
    pub order_id: OrderId,
    pub shop_id: ShopId,
    pub platform_order_id: String,
    pub buyer_nick: String,
    pub receiver_name: String,
    pub receiver_mobile: String,
    pub province: String,
    pub city: String,
}

/// A shipment the lot left in: its document, tracking number and orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TracedShipment {
    pub shipment_id: i64,
    pub carrier: String,
    pub tracking_no: String,
    pub document_id: DocumentId,
    pub orders: Vec<TracedOrder>,
}

/// 正向追溯: the lot, every document that moved it (oldest first), and the shipments it
/// left in with their orders and buyers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotTrace {
    pub lot: TracedLot,
    pub documents: Vec<TracedDocument>,
    pub shipments: Vec<TracedShipment>,
    /// Units of the lot on hand now, over all warehouses.
    pub on_hand: i64,
}

/// One shipped line of an order, traced back to its lot and the lot's receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TracedLine {
    pub sku_id: SkuId,
    pub sku_code: String,
    pub qty: i64,
    /// The issue that shipped it.
    pub issue: TracedDocument,
    /// `None` for a SKU that does not track lots.
    pub lot: Option<TracedLot>,
    /// The documents that brought the lot in (receipts, opening stock, transfers in).
    pub receipts: Vec<TracedDocument>,
}

/// 追溯.
#[async_trait]
pub trait TraceStore: Send + Sync {
    /// Lots of a SKU (by code) or with this number, newest first (for the search box).
    async fn find_lots(&self, q: &str, limit: u32) -> Result<Vec<TracedLot>>;
    /// `None` when there is no such lot.
    async fn trace_lot(&self, lot: LotId) -> Result<Option<LotTrace>>;
    /// The order's shipped lines; empty when it has not shipped.
    async fn trace_order(&self, order: OrderId) -> Result<Vec<TracedLine>>;
}
