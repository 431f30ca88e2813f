//! 分仓占用: the merchant's routing setup, and per order the allocation routing decided
//! (which warehouses ship it, the stock reserved for it), with the shipments routed to
//! each warehouse (to count a warehouse's load of the day).
//!
//! The routing itself is `jxc_core::fulfillment::routing`; the store keeps its setup and
//! its decision as JSON and reserves the stock in the same transaction as the decision.

use async_trait::async_trait;
use jxc_core::catalog::BundleComponent;
use jxc_core::ids::{OrderId, ReservationId, ShopId, SkuId, WarehouseId};
use jxc_core::orders::split::PartLine;
use jxc_core::orders::{HoldReason, OrderState};
use jxc_core::paging::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use crate::{Actor, ReservationRequest, Result};

/// Whether routing found stock for the whole order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AllocationStatus {
    /// 已分配: warehouses chosen, stock reserved.
    Allocated,
    /// 缺货: no warehouse (or split) can ship it; nothing reserved.
    Short,
}

impl AllocationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AllocationStatus::Allocated => "allocated",
            AllocationStatus::Short => "short",
        }
    }
    pub fn parse(s: &str) -> Option<AllocationStatus> {
        [AllocationStatus::Allocated, AllocationStatus::Short]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// An allocation to save: routing's decision for one order and what to reserve for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAllocation {
    pub order_id: OrderId,
    pub status: AllocationStatus,
    /// Routing's decision as it explains itself (steps, who dropped out and why).
    pub decision: serde_json::Value,
    /// The warehouses that ship a part of the order (one shipment each).
    pub warehouses: Vec<WarehouseId>,
    /// The stock to reserve (only when `status` is `Allocated`).
    #[serde(with = "reservation_requests")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub reservations: Vec<ReservationRequest>,
}

/// A saved allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub order_id: OrderId,
    pub status: AllocationStatus,
    pub decision: serde_json::Value,
    /// The reservations made for the order (empty when short).
    pub reservation_ids: Vec<ReservationId>,
    /// Unix ms.
    pub created_at: i64,
    pub created_by: String,
}

/// What allocating an order needs to know of it, read for a whole batch at once (the
/// full order is much more than routing looks at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationInput {
    pub order_id: OrderId,
    pub shop_id: ShopId,
    pub platform_order_id: String,
    pub state: OrderState,
    pub province: String,
    pub city: String,
    /// 分.
    pub paid_amount: i64,
    /// When it was paid (when it was created, if it was not), Unix ms: 缺货 orders are
    /// retried oldest paid first.
    pub paid_at_ms: i64,
    pub has_buyer_message: bool,
    /// The lines in order: the SKU they map to (`None`: not mapped) and the quantity.
    pub lines: Vec<(Option<SkuId>, i64)>,
    /// Live holds.
    pub holds: Vec<HoldReason>,
    pub merge_group: Option<OrderId>,
    /// 拆单: the parts it ships in (empty: whole).
    pub parts: Vec<Vec<PartLine>>,
    /// The status of its allocation, if it has one.
    pub allocation: Option<AllocationStatus>,
}

/// What routing needs of a SKU: its weight, and its components if it is a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingSku {
    pub id: SkuId,
    pub weight_g: i64,
    pub components: Vec<BundleComponent>,
}

/// 分仓: the routing setup and the allocation of orders.
#[async_trait]
pub trait FulfillmentStore: Send + Sync {
    /// The merchant's routing setup (`None` before it was ever set).
    async fn get_routing_setup(&self) -> Result<Option<serde_json::Value>>;
    /// Replaces the routing setup.
    async fn set_routing_setup(&self, setup: &serde_json::Value, actor: &Actor) -> Result<()>;
    /// Saves an order's allocation in one transaction. An `Allocated` one reserves its
    /// stock (all of it or, e.g. with too little stock, nothing is saved and the error is
    /// returned) and records a shipment per warehouse. An order allocated already is a
    /// conflict; a `Short` allocation of the order is replaced.
    async fn save_allocation(&self, a: &NewAllocation, actor: &Actor) -> Result<Allocation>;
    /// Saves the allocations of many orders in one transaction, all or none: an error
    /// (e.g. too little stock for one of them, or one allocated already) saves nothing.
    /// The allocations are returned in the order given.
    async fn save_allocations(&self, a: &[NewAllocation], actor: &Actor)
    -> Result<Vec<Allocation>>;
    /// What routing needs of these orders, in the order of `ids` (unknown ids are left
    /// out).
    async fn allocation_inputs(&self, ids: &[OrderId]) -> Result<Vec<AllocationInput>>;
    /// Weight and bundle components of these SKUs (unknown ids are left out).
    async fn routing_skus(&self, ids: &[SkuId]) -> Result<Vec<RoutingSku>>;
    /// Available (on hand − reserved) of these SKUs per warehouse, where they have
    /// balances.
    async fn available_by_warehouse(
        &self,
        skus: &[SkuId],
    ) -> Result<Vec<(SkuId, WarehouseId, i64)>>;
    async fn get_allocation(&self, order: OrderId) -> Result<Option<Allocation>>;
    /// The allocations of these orders, in the order of `ids` (orders without one are
    /// left out).
    async fn get_allocations(&self, ids: &[OrderId]) -> Result<Vec<Allocation>>;
    /// Allocations by order id, optionally of one status.
    async fn list_allocations(
        &self,
        status: Option<AllocationStatus>,
        page: &PageRequest,
    ) -> Result<Page<Allocation>>;
    /// Undoes an order's allocation in one transaction: releases its reservations that
    /// are still live, forgets its shipments and the allocation. Returns what was
    /// released, `None` when the order had no allocation.
    async fn release_allocation(&self, order: OrderId, actor: &Actor)
    -> Result<Option<Allocation>>;
    /// Shipments routed to each warehouse since `since_ms` (Unix ms), by warehouse id.
    async fn shipments_routed_since(&self, since_ms: i64) -> Result<Vec<(WarehouseId, i64)>>;
}

/// Serde for `Vec<ReservationRequest>` (the model type itself is not serialisable).
mod reservation_requests {
    use jxc_core::inventory::ReserveRequest;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::ReservationRequest;

    #[derive(Serialize)]
    struct Ref<'a> {
        request: &'a ReserveRequest,
        source_type: &'a str,
        source_ref: &'a str,
    }

    #[derive(Deserialize)]
    struct Owned {
        request: ReserveRequest,
        source_type: String,
        source_ref: String,
    }

    pub fn serialize<S: Serializer>(v: &[ReservationRequest], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|r| Ref {
            request: &r.request,
            source_type: &r.source_type,
            source_ref: &r.source_ref,
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<ReservationRequest>, D::Error> {
        Ok(Vec::<Owned>::deserialize(d)?
            .into_iter()
            .map(|o| ReservationRequest {
                request: o.request,
                source_type: o.source_type,
                source_ref: o.source_ref,
            })
            .collect())
    }
}
