//! 分仓占用: approved orders are routed to a warehouse by the merchant's setup
//! (`core::fulfillment::routing`) and their stock is reserved there, in one transaction
//! with the allocation record; an order that cannot be fully reserved waits as 缺货 with
//! what is missing. Holding or cancelling an order releases its allocation.

use std::collections::BTreeMap;

use jxc_core::fulfillment::routing::{
    Candidate, Decision, Effect, OrderFacts, RoutingSetup, Rule, Stock, explode, route,
};
use jxc_core::ids::{OrderId, WarehouseId};
use jxc_core::inventory::ReserveRequest;
use jxc_core::orders::OrderState;
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{
    Actor, Allocation, AllocationStatus, ListFilter, NewAllocation, ReservationRequest,
    StoredOrder, SummaryBy, SummaryFilter,
};
use serde::Serialize;

use crate::{App, Error, Result};

/// The `source_type` of the reservations an allocation makes (the order's platform id is
/// their `source_ref`). Reservations made by hand for an order use their own type.
pub const ALLOCATION: &str = "allocation";

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
    fn skipped(order_id: OrderId, message: impl Into<String>) -> Self {
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
        if ids.is_empty() || ids.len() > 1000 {
            return Err(Error::invalid(
                "ids",
                "请选择 1 到 1000 个订单 / choose 1 to 1000 orders",
            ));
        }
        let setup = self.routing_setup().await?;
        let mut candidates = self.candidates().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let order = match self.order(user, *id).await {
                Ok(o) => o,
                Err(Error::NotFound { .. }) | Err(Error::Forbidden(_)) => {
                    out.push(AllocationOutcome::skipped(
                        *id,
                        "订单不存在或不在你的店铺范围内 / no such order in your shops",
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            };
            out.push(
                self.allocate_one(&order, &setup, &mut candidates, actor)
                    .await?,
            );
        }
        Ok(out)
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
            for o in p
                .items
                .iter()
                .filter(|o| o.holds.iter().all(|h| h.informational()))
            {
                match self.store.get_allocation(o.id).await? {
                    Some(a) if a.status == AllocationStatus::Allocated => {}
                    _ => ready.push(o.id),
                }
            }
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
        if ready.is_empty() {
            return Ok(Vec::new());
        }
        self.allocate_orders(user, &ready, actor).await
    }

    /// Orders waiting as 缺货 are tried again, oldest order first (after stock arrives).
    pub async fn retry_short_allocations(&self, actor: &Actor) -> Result<Vec<AllocationOutcome>> {
        let short = self
            .store
            .list_allocations(
                Some(AllocationStatus::Short),
                &PageRequest {
                    limit: jxc_core::paging::MAX_LIMIT,
                    ..Default::default()
                },
            )
            .await?;
        if short.items.is_empty() {
            return Ok(Vec::new());
        }
        let setup = self.routing_setup().await?;
        let mut candidates = self.candidates().await?;
        let mut out = Vec::new();
        for a in short.items {
            if let Some(order) = self.store.get_order(a.order_id).await? {
                out.push(
                    self.allocate_one(&order, &setup, &mut candidates, actor)
                        .await?,
                );
            }
        }
        Ok(out)
    }

    /// Allocates one order; `candidates` carry today's load and count this allocation.
    async fn allocate_one(
        &self,
        order: &StoredOrder,
        setup: &RoutingSetup,
        candidates: &mut [Candidate],
        actor: &Actor,
    ) -> Result<AllocationOutcome> {
        let id = order.id;
        if order.state != OrderState::Approved {
            return Ok(AllocationOutcome::skipped(
                id,
                "订单未审核 / the order is not approved",
            ));
        }
        // 缺货 and 可合单 only inform; any other live hold waits for a person.
        if order.live_holds().any(|h| !h.reason.informational()) {
            return Ok(AllocationOutcome::skipped(
                id,
                "订单有异常未解除 / the order is on hold",
            ));
        }
        if let Some(a) = self.store.get_allocation(id).await?
            && a.status == AllocationStatus::Allocated
        {
            return Ok(AllocationOutcome::skipped(
                id,
                "订单已分配 / allocated already",
            ));
        }
        let Some(facts) = self.facts(order).await? else {
            return Ok(AllocationOutcome::skipped(
                id,
                "有商品未匹配 / a line is not mapped to a SKU",
            ));
        };
        let stock = self.stock_for(&facts.needs).await?;
        // 合单: an order merged with one already allocated prefers its warehouse, so the
        // group ships as one parcel (the decision names this rule).
        let mut rules = setup.rules.clone();
        if let Some(w) = self.merge_group_warehouse(order).await? {
            rules.insert(
                0,
                Rule {
                    name: MERGED_RULE.into(),
                    effect: Effect::Prefer(vec![w]),
                    ..Default::default()
                },
            );
        }
        let decision = route(
            &facts,
            candidates,
            &stock,
            &rules,
            &setup.strategies,
            setup.allow_split,
        );
        let complete = !decision.shipments.is_empty() && decision.missing.is_empty();
        let reservations: Vec<ReservationRequest> = if complete {
            decision
                .shipments
                .iter()
                .flat_map(|s| {
                    s.lines.iter().map(|(sku, qty)| ReservationRequest {
                        request: ReserveRequest {
                            sku: *sku,
                            warehouse: s.warehouse,
                            qty: *qty,
                            location: None,
                            lot: None,
                        },
                        source_type: ALLOCATION.into(),
                        source_ref: order.order.platform_order_id.clone(),
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let json = serde_json::to_value(&decision)
            .map_err(|e| Error::Internal(format!("decision: {e}")))?;
        let new = NewAllocation {
            order_id: id,
            status: if complete {
                AllocationStatus::Allocated
            } else {
                AllocationStatus::Short
            },
            decision: json,
            warehouses: decision.shipments.iter().map(|s| s.warehouse).collect(),
            reservations,
        };
        match self.store.save_allocation(&new, actor).await {
            Ok(_) if complete => {
                for c in candidates.iter_mut() {
                    if new.warehouses.contains(&c.id) {
                        c.routed_today += 1;
                    }
                }
                Ok(AllocationOutcome {
                    order_id: id,
                    status: "allocated".into(),
                    message: format!("{} 个包裹 / shipments", decision.shipments.len()),
                    decision: Some(decision),
                })
            }
            Ok(_) => Ok(AllocationOutcome {
                order_id: id,
                status: "short".into(),
                message: "缺货，到货后重试 / short of stock: retried when stock arrives".into(),
                decision: Some(decision),
            }),
            // Someone reserved the stock between reading and reserving: 缺货 for now, and
            // the decision says so (it is retried like any other 缺货 order).
            Err(jxc_store::StoreError::Domain(jxc_core::Error::InsufficientStock { .. })) => {
                let mut raced = decision;
                raced.shipments.clear();
                raced.missing = facts.needs.iter().map(|(k, v)| (*k, *v)).collect();
                raced.why.push(jxc_core::fulfillment::routing::Step {
                    by: "库存刚被其他订单占用 / the stock was just taken by another order".into(),
                    kept: Vec::new(),
                    dropped: Vec::new(),
                });
                let short = NewAllocation {
                    order_id: id,
                    status: AllocationStatus::Short,
                    decision: serde_json::to_value(&raced)
                        .map_err(|e| Error::Internal(format!("decision: {e}")))?,
                    warehouses: Vec::new(),
                    reservations: Vec::new(),
                };
                match self.store.save_allocation(&short, actor).await {
                    Ok(_) => Ok(AllocationOutcome {
                        order_id: id,
                        status: "short".into(),
                        message: "库存刚被占用 / the stock was just taken".into(),
                        decision: Some(raced),
                    }),
                    Err(jxc_store::StoreError::Conflict(_)) => Ok(AllocationOutcome::skipped(
                        id,
                        "订单已分配 / allocated already",
                    )),
                    Err(e) => Err(e.into()),
                }
            }
            // Allocated at the same moment by another request.
            Err(jxc_store::StoreError::Conflict(_)) => Ok(AllocationOutcome::skipped(
                id,
                "订单已分配 / allocated already",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The one warehouse an order's 合单 group already ships from, if another order of
    /// the group is allocated whole to one warehouse.
    async fn merge_group_warehouse(&self, order: &StoredOrder) -> Result<Option<WarehouseId>> {
        let Some(group) = order.merge_group else {
            return Ok(None);
        };
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
        for m in members.items.iter().filter(|m| m.id != order.id) {
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

    /// What routing needs to know of an order; `None` when a line is not mapped.
    pub(crate) async fn facts(&self, o: &StoredOrder) -> Result<Option<OrderFacts>> {
        let mut lines = Vec::new();
        let mut bundles = BTreeMap::new();
        let mut weight = 0;
        for l in &o.order.lines {
            let Some(sku_id) = l.sku_id else {
                return Ok(None);
            };
            let sku = self.sku(sku_id).await?;
            weight += sku.fields.weight_g * l.qty;
            if !sku.components.is_empty() {
                bundles.insert(sku_id, sku.components.clone());
            }
            lines.push((sku_id, l.qty));
        }
        let shop = self.shop(o.order.shop_id).await?;
        Ok(Some(OrderFacts {
            shop: shop.fields.code,
            province: o.order.receiver.province.clone(),
            city: o.order.receiver.city.clone(),
            amount: o.order.paid_amount.0,
            weight_g: weight,
            has_buyer_message: !o.order.buyer_message.trim().is_empty(),
            needs: explode(&lines, &bundles),
        }))
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

    /// What each warehouse has available of these SKUs, now.
    pub(crate) async fn stock_for(
        &self,
        needs: &jxc_core::fulfillment::routing::Needs,
    ) -> Result<Stock> {
        let mut stock = Stock::new();
        for sku in needs.keys() {
            let rows = self
                .store
                .stock_summary(
                    &SummaryFilter {
                        by: SummaryBy::SkuWarehouse,
                        sku_id: Some(*sku),
                        ..Default::default()
                    },
                    &PageRequest {
                        limit: 500,
                        ..Default::default()
                    },
                )
                .await?;
            for r in rows.items {
                if let Some(w) = r.warehouse_id {
                    stock.insert((w, *sku), r.available);
                }
            }
        }
        Ok(stock)
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
    /// For `jxc check`: every allocated order still holds its stock (its reservations are
    /// live, or consumed by shipping), and every live reservation an allocation made
    /// belongs to an allocated order.
    pub(crate) async fn allocation_problems(&self) -> Result<Vec<String>> {
        use jxc_store::ReservationStatus;
        let mut allocated = Vec::new();
        let mut page = PageRequest {
            limit: jxc_core::paging::MAX_LIMIT,
            ..Default::default()
        };
        loop {
            let p = self
                .store
                .list_allocations(Some(AllocationStatus::Allocated), &page)
                .await?;
            allocated.extend(p.items);
            match p.next {
                Some(n) => page.after = Some(cursor(&n)?),
                None => break,
            }
        }
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
