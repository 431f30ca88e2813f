//! Rows, filters and results of 订单 that cross the store boundary.

use chrono::{DateTime, Utc};
use jxc_core::ids::{OrderId, ShopId, SkuId};
use jxc_core::money::Fen;
use jxc_core::orders::split::PartLine;
use jxc_core::orders::{Change, HoldReason, NewOrder, OrderState};
use serde::Serialize;

/// An order to import, with the holds the pure detectors found (address, phone, amounts,
/// unmapped lines, not paid, buyer message). The store adds the ones that need the
/// other orders: duplicates and merge candidates.
#[derive(Debug, Clone)]
pub struct IncomingOrder {
    /// Where it came from (spreadsheet row), for reports.
    pub row: usize,
    pub order: NewOrder,
    pub holds: Vec<HoldReason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderImportAction {
    Created,
    /// The same content again: nothing happened.
    Unchanged,
    /// The platform changed something: applied and recorded as events.
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderImportOutcome {
    pub row: usize,
    pub order_id: OrderId,
    pub action: OrderImportAction,
    pub changes: Vec<Change>,
}

/// A hold on an order: live while `released_at` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    pub id: i64,
    pub reason: HoldReason,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub released_at: Option<DateTime<Utc>>,
    pub released_by: Option<String>,
    pub release_note: Option<String>,
}

/// An event in an order's history (who, when, what).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `imported`, `changed`, `approved`, `held`, `released`, `cancelled`, `tagged`,
    /// `address_edited` …
    pub kind: String,
    pub detail: String,
}

/// An order as stored: what arrived, our state, holds and tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredOrder {
    pub id: OrderId,
    pub state: OrderState,
    #[serde(flatten)]
    pub order: NewOrder,
    /// Every hold, live and released, oldest first.
    pub holds: Vec<Hold>,
    pub tags: Vec<String>,
    pub priority: i64,
    /// 合单: the group this order ships with (the group's smallest order id).
    pub merge_group: Option<OrderId>,
    /// 拆单: the parts it ships in (empty: whole).
    pub parts: Vec<Vec<PartLine>>,
    pub imported_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StoredOrder {
    pub fn live_holds(&self) -> impl Iterator<Item = &Hold> {
        self.holds.iter().filter(|h| h.released_at.is_none())
    }
}

/// A row of the order list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderSummary {
    pub id: OrderId,
    pub shop_id: ShopId,
    pub shop_name: String,
    pub platform: String,
    pub platform_order_id: String,
    pub platform_status: String,
    pub state: OrderState,
    /// Live hold reasons.
    pub holds: Vec<HoldReason>,
    pub buyer_nick: String,
    pub receiver_name: String,
    pub province: String,
    pub city: String,
    pub paid_amount: Fen,
    pub created_at: DateTime<Utc>,
    pub line_count: i64,
    pub qty: i64,
    pub tags: Vec<String>,
    pub buyer_message: String,
    pub merge_group: Option<OrderId>,
}

/// Filters of the order list. Empty means no limit.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub state: Option<OrderState>,
    /// Only held (`true`) or only not held (`false`) orders.
    pub held: Option<bool>,
    pub hold_reason: Option<HoldReason>,
    pub shop_id: Option<ShopId>,
    /// The shops the user may see.
    pub shop_ids: Vec<ShopId>,
    pub platform: Option<String>,
    /// Platform order id, buyer nick or receiver name contains.
    pub q: Option<String>,
    pub province: Option<String>,
    pub sku_id: Option<SkuId>,
    pub tag: Option<String>,
    /// 合单: the orders of one merge group.
    pub merge_group: Option<OrderId>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

/// How many orders are in each tab of the order list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderCounts {
    pub pending_review: i64,
    pub approved: i64,
    pub cancelled: i64,
    /// Orders with at least one live hold (异常), any state.
    pub held: i64,
    /// Live holds per reason.
    pub by_reason: Vec<(HoldReason, i64)>,
}

/// What an action on many orders did to each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkOutcome {
    pub order_id: OrderId,
    pub ok: bool,
    /// Why not, when not.
    pub reason: String,
}
