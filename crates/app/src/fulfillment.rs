//! 分仓占用: approved orders are routed to a warehouse by the merchant's setup
//! (`core::fulfillment::routing`) and their stock is reserved there, in one transaction
//! with the allocation record; an order that cannot be fully reserved waits as 缺货 with
//! what is missing. Holding or cancelling an order releases its allocation. Orders are
//! allocated in batches (`fulfillment_batch`).

use std::collections::BTreeMap;

use jxc_core::fulfillment::routing::{Candidate, Decision, RoutingSetup};
use jxc_core::ids::{OrderId, WarehouseId};
use jxc_core::orders::OrderState;
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{Actor, Allocation, AllocationStatus, ListFilter};
use serde::Serialize;

use crate::fulfillment_batch::Short;
use crate::{App, Error, Result};

/// The `source_type` of the reservations an allocation makes (the order's platform id is
/// their `source_ref`). Reservations made by hand for an order use their own type.
pub const ALLOCATION: &str = "allocation";

/// The most orders one batch routes and reserves (one transaction).
pub const BATCH: usize = 1_000;

/// The rule routing follows for an order merged (合单) with one already allocated.
pub const MERGED_RULE: &str = "合单同仓 / merged orders ship together";

/// What allocating one order did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationOutcome {
    pub order_id: OrderId,
    /// `allocated`, `short` (缺货: waits for stock) or `skipped` (not ready: the message
    /// says why).
    pub status: String,
    pub message: String,
    pub decision: Option<Decision>,
}

impl AllocationOutcome {
    pub(crate) fn skipped(order_id: OrderId, message: impl Into<String>) -> Self {
        AllocationOutcome {
            order_id,
            status: "skipped".into(),
            message: message.into(),
            decision: None,
        }
    }
}

impl App {
    /// The routing setup (the default when none was saved).
    pub async fn routing_setup(&self) -> Result<RoutingSetup> {
        match self.store.get_routing_setup().await? {
            Some(v) => serde_json::from_value(v)
                .map_err(|e| Error::Internal(format!("stored routing setup: {e}"))),
            None => Ok(RoutingSetup::default()),
        }
    }

    /// Saves a routing setup after checking it (and that its warehouses exist).
    pub async fn set_routing_setup(
        &self,
        setup: RoutingSetup,
        actor: &Actor,
    ) -> Result<RoutingSetup> {
        let setup = setup.validate()?;
        for (i, r) in setup.rules.iter().enumerate() {
            use jxc_core::fulfillment::routing::Effect;
            if let Effect::Allow(ws) | Effect::Prefer(ws) | Effect::Forbid(ws) = &r.effect {
                for w in ws {
                    if self.store.get_warehouse(*w).await?.is_none() {
                        return Err(Error::invalid(
                            format!("rules[{i}].effect"),
                            format!("仓库 {w} 不存在 / no warehouse {w}"),
                        ));
                    }
                }
            }
        }
        let json = serde_json::to_value(&setup)
            .map_err(|e| Error::Internal(format!("routing setup: {e}")))?;
        self.store.set_routing_setup(&json, actor).await?;
        Ok(setup)
    }

    /// Routes and reserves these orders (approved, not held, every line mapped).
    pub async fn allocate_orders(
        &self,
        user: &User,
        ids: &[OrderId],
        actor: &Actor,
    ) -> Result<Vec<AllocationOutcome>> {
        if ids.is_empty() || ids.len() > BATCH {
            return Err(Error::invalid(
                "ids",
                "请选择 1 到 1000 个订单 / choose 1 to 1000 orders",
            ));
        }
        self.allocate_many(user, ids, actor).await
    }

    /// Routes and reserves any number of orders, a thousand a transaction (分配全部).
    pub async fn allocate_many(
        &self,
        user: &User,
        ids: &[OrderId],
        actor: &Actor,
    ) -> Result<Vec<AllocationOutcome>> {
        self.allocate_batches(ids, Some(user), Short::Save, actor)
            .await
    }

    /// 分配 every approved order without a blocking hold that is not allocated yet (缺货
    /// ones are tried again), in order of arrival, at most `limit`.
    pub async fn allocate_ready(
        &self,
        user: &User,
        limit: usize,
        actor: &Actor,
    ) -> Result<Vec<AllocationOutcome>> {
        let filter = jxc_store::OrderFilter {
            state: Some(OrderState::Approved),
            shop_ids: user.fields.shop_ids.clone(),
            ..Default::default()
        };
        let mut ready = Vec::new();
        let mut page = PageRequest {
            limit: jxc_core::paging::MAX_LIMIT,
            ..Default::default()
        };
        loop {
            let p = self.orders(&filter, &page).await?;
            let ids: Vec<OrderId> = p
                .items
                .iter()
                .filter(|o| o.holds.iter().all(|h| h.informational()))
                .map(|o| o.id)
                .collect();
            ready.extend(
                self.store
                    .allocation_inputs(&ids)
                    .await?
                    .into_iter()
                    .filter(|o| o.allocation != Some(AllocationStatus::Allocated))
                    .map(|o| o.order_id),
            );
            match p.next {
                Some(n) if ready.len() < limit => {
                    page.after = Some(
                        jxc_core::paging::Cursor::decode(&n)
                            .map_err(|e| Error::Internal(format!("order cursor: {e}")))?,
                    )
                }
                _ => break,
            }
        }
        ready.truncate(limit);
        self.allocate_many(user, &ready, actor).await
    }

    /// Orders waiting as 缺货 are tried again, oldest paid first (after stock arrives),
    /// a thousand at a time; those still short keep their record.
    pub async fn retry_short_allocations(&self, actor: &Actor) -> Result<Vec<AllocationOutcome>> {
        let short: Vec<OrderId> = self
            .all_allocations(AllocationStatus::Short)
            .await?
            .iter()
            .map(|a| a.order_id)
            .collect();
        let mut by_paid = Vec::with_capacity(short.len());
        for chunk in short.chunks(BATCH) {
            by_paid.extend(
                self.store
                    .allocation_inputs(chunk)
                    .await?
                    .iter()
                    .map(|o| (o.paid_at_ms, o.order_id)),
            );
        }
        by_paid.sort();
        let short: Vec<OrderId> = by_paid.into_iter().map(|(_, id)| id).collect();
        self.allocate_batches(&short, None, Short::Keep, actor)
            .await
    }

    /// The one warehouse an order's 合单 group already ships from, if another order of
    /// the group is allocated whole to one warehouse.
    pub(crate) async fn merge_group_warehouse(
        &self,
        order: OrderId,
        group: OrderId,
    ) -> Result<Option<WarehouseId>> {
        let members = self
            .store
            .list_orders(
                &jxc_store::OrderFilter {
                    merge_group: Some(group),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await?;
        for m in members.items.iter().filter(|m| m.id != order) {
            if let Some(a) = self.store.get_allocation(m.id).await?
                && a.status == AllocationStatus::Allocated
                && let Ok(d) = serde_json::from_value::<Decision>(a.decision)
                && let [only] = d.shipments.as_slice()
            {
                return Ok(Some(only.warehouse));
            }
        }
        Ok(None)
    }

    /// The warehouses, with the shipments routed to each since midnight China time. A
    /// batch reads them once and counts its own allocations on top.
    pub(crate) async fn candidates(&self) -> Result<Vec<Candidate>> {
        let since = crate::china_day::day_start(self.now_ms());
        let routed: BTreeMap<WarehouseId, i64> = self
            .store
            .shipments_routed_since(since)
            .await?
            .into_iter()
            .collect();
        let warehouses = self
            .store
            .list_warehouses(
                &ListFilter::default(),
                &PageRequest {
                    limit: jxc_core::paging::MAX_LIMIT,
                    ..Default::default()
                },
            )
            .await?
            .items;
        Ok(warehouses
            .into_iter()
            .map(|w| Candidate {
                id: w.id,
                code: w.fields.code.clone(),
                province: w.fields.province.clone(),
                priority: w.fields.priority,
                daily_capacity: w.fields.daily_capacity,
                routed_today: routed.get(&w.id).copied().unwrap_or(0),
                active: w.fields.active,
            })
            .collect())
    }

    /// An order's allocation, if it has one.
    pub async fn allocation(&self, user: &User, id: OrderId) -> Result<Option<Allocation>> {
        self.order(user, id).await?;
        Ok(self.store.get_allocation(id).await?)
    }

    /// Allocations (分配结果), `allocated` or `short` (缺货).
    pub async fn allocations(
        &self,
        status: Option<AllocationStatus>,
        page: &PageRequest,
    ) -> Result<Page<Allocation>> {
        Ok(self.store.list_allocations(status, page).await?)
    }

    /// Releases an order's allocation (its reservations and its place in the load).
    pub async fn release_allocation(
        &self,
        user: &User,
        id: OrderId,
        actor: &Actor,
    ) -> Result<Option<Allocation>> {
        self.order(user, id).await?;
        Ok(self.store.release_allocation(id, actor).await?)
    }

    /// After holds and cancels: the allocations of these orders go back.
    pub(crate) async fn release_allocations_of(
        &self,
        ids: &[OrderId],
        actor: &Actor,
    ) -> Result<()> {
        for id in ids {
            match self.store.release_allocation(*id, actor).await {
                // A shipped order keeps its allocation: what left cannot be un-reserved;
                // its hold only informs (a return brings the goods back).
                Ok(_) | Err(jxc_store::StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

impl App {
    /// Every allocation of one status, by order id.
    async fn all_allocations(&self, status: AllocationStatus) -> Result<Vec<Allocation>> {
        let mut all = Vec::new();
        let mut page = PageRequest {
            limit: jxc_core::paging::MAX_LIMIT,
            ..Default::default()
        };
        loop {
            let p = self.store.list_allocations(Some(status), &page).await?;
            all.extend(p.items);
            match p.next {
                Some(n) => page.after = Some(cursor(&n)?),
                None => break,
            }
        }
        Ok(all)
    }

    /// For `jxc check`: every allocated order still holds its stock (its reservations are
    /// live, or consumed by shipping), and every live reservation an allocation made
    /// belongs to an allocated order.
    pub(crate) async fn allocation_problems(&self) -> Result<Vec<String>> {
        use jxc_store::ReservationStatus;
        let allocated = self.all_allocations(AllocationStatus::Allocated).await?;
        let mut by_status: BTreeMap<i64, (ReservationStatus, String, String)> = BTreeMap::new();
        for status in [ReservationStatus::Live, ReservationStatus::Released] {
            let mut page = PageRequest {
                limit: jxc_core::paging::MAX_LIMIT,
                ..Default::default()
            };
            loop {
                let p = self
                    .store
                    .list_reservations(
                        &jxc_store::ReservationFilter {
                            status: Some(status),
                            ..Default::default()
                        },
                        &page,
                    )
                    .await?;
                for r in p.items {
                    by_status.insert(r.id.0, (r.status, r.source_type, r.source_ref));
                }
                match p.next {
                    Some(n) => page.after = Some(cursor(&n)?),
                    None => break,
                }
            }
        }
        let mut out = Vec::new();
        let mut owned = std::collections::BTreeSet::new();
        for a in &allocated {
            for rid in &a.reservation_ids {
                owned.insert(rid.0);
                if let Some((ReservationStatus::Released, _, _)) = by_status.get(&rid.0) {
                    out.push(format!(
                        "订单 {} 已分配，但占用 {} 已释放 / order {} is allocated but reservation {} was released",
                        a.order_id, rid, a.order_id, rid
                    ));
                }
            }
        }
        for (id, (status, kind, reference)) in &by_status {
            if *status == ReservationStatus::Live && kind == ALLOCATION && !owned.contains(id) {
                out.push(format!(
                    "占用 {id}（订单 {reference}）不属于任何已分配的订单 / reservation {id} (order {reference}) belongs to no allocated order"
                ));
            }
        }
        Ok(out)
    }
}

fn cursor(n: &str) -> Result<jxc_core::paging::Cursor> {
    jxc_core::paging::Cursor::decode(n).map_err(|e| Error::Internal(format!("cursor: {e}")))
}
