//! 分配 a batch of orders at once: read what routing needs of up to a thousand orders,
//! their SKUs and the warehouses' stock in a handful of queries; route them one after
//! another in memory, each taking its units and its place in a warehouse's load as it
//! goes (`core::fulfillment::allocating`), so the batch never promises a unit twice; then
//! save every decision and its reservations in one transaction. The store checks the
//! stock again under its locks: a batch that loses a race with another writer saves
//! nothing and is done again one order at a time, where an order that loses is 缺货.

use std::collections::{BTreeMap, HashMap};

use jxc_core::catalog::BundleComponent;
use jxc_core::fulfillment::allocating::{count_routed, is_complete, route_parts, take};
use jxc_core::fulfillment::routing::{
    Candidate, Decision, Effect, OrderFacts, RoutingSetup, Rule, Step, Stock, explode, route,
};
use jxc_core::ids::{OrderId, ShopId, SkuId, WarehouseId};
use jxc_core::inventory::ReserveRequest;
use jxc_core::orders::OrderState;
use jxc_core::users::User;
use jxc_store::{
    Actor, AllocationInput, AllocationStatus, NewAllocation, ReservationRequest, StoreError,
};

use crate::fulfillment::{ALLOCATION, AllocationOutcome, BATCH, MERGED_RULE};
use crate::{App, Error, Result};

/// What a batch decided before saving: an outcome per order asked for, the allocations
/// to save, and the warehouses' load and the stock it saw, counting them.
struct Plan {
    outcomes: Vec<AllocationOutcome>,
    new: Vec<NewAllocation>,
    candidates: Vec<Candidate>,
    stock: Stock,
}

/// How a batch treats orders that stay 缺货.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Short {
    /// Save their decision (what is missing now).
    Save,
    /// Leave their earlier 缺货 record as it is (a retry after stock arrived).
    Keep,
}

/// The routing facts of an order: one per part (the whole order is one part), or why
/// it cannot be routed.
pub(crate) type Facts = std::result::Result<Vec<OrderFacts>, &'static str>;

/// SKU weights and bundle components, read once for many orders.
pub(crate) struct SkuFacts {
    weight: HashMap<SkuId, i64>,
    bundles: BTreeMap<SkuId, Vec<BundleComponent>>,
}

const NOT_MAPPED: &str = "有商品未匹配 / a line is not mapped to a SKU";
const ALLOCATED_ALREADY: &str = "订单已分配 / allocated already";
const NOT_YOURS: &str = "订单不存在或不在你的店铺范围内 / no such order in your shops";

impl SkuFacts {
    /// An order's facts: the parts of a 拆单, else the whole order.
    pub(crate) fn facts(&self, o: &AllocationInput, shop: &str) -> Facts {
        let mut lines = Vec::with_capacity(o.lines.len());
        for (sku, qty) in &o.lines {
            lines.push((sku.ok_or(NOT_MAPPED)?, *qty));
        }
        let parts: Vec<Vec<(SkuId, i64)>> = if o.parts.is_empty() {
            vec![lines]
        } else {
            o.parts
                .iter()
                .map(|p| {
                    p.iter()
                        .filter_map(|pl| lines.get(pl.line.wrapping_sub(1)).map(|l| (l.0, pl.qty)))
                        .collect()
                })
                .collect()
        };
        Ok(parts
            .iter()
            .map(|lines| OrderFacts {
                shop: shop.to_string(),
                province: o.province.clone(),
                city: o.city.clone(),
                amount: o.paid_amount,
                weight_g: lines
                    .iter()
                    .map(|(s, q)| self.weight.get(s).copied().unwrap_or(0) * q)
                    .sum(),
                has_buyer_message: o.has_buyer_message,
                needs: explode(lines, &self.bundles),
            })
            .collect())
    }
}

impl App {
    /// SKU weights and bundles of every line of these orders.
    pub(crate) async fn sku_facts(&self, inputs: &[AllocationInput]) -> Result<SkuFacts> {
        let mut ids: Vec<SkuId> = inputs
            .iter()
            .flat_map(|o| o.lines.iter().filter_map(|l| l.0))
            .collect();
        ids.sort();
        ids.dedup();
        let mut f = SkuFacts {
            weight: HashMap::with_capacity(ids.len()),
            bundles: BTreeMap::new(),
        };
        for s in self.store.routing_skus(&ids).await? {
            f.weight.insert(s.id, s.weight_g);
            if !s.components.is_empty() {
                f.bundles.insert(s.id, s.components);
            }
        }
        Ok(f)
    }

    /// Shop codes by id (routing rules name shops by code).
    pub(crate) async fn shop_codes(
        &self,
        inputs: &[AllocationInput],
    ) -> Result<HashMap<ShopId, String>> {
        let mut out = HashMap::new();
        for o in inputs {
            if !out.contains_key(&o.shop_id) {
                out.insert(o.shop_id, self.shop(o.shop_id).await?.fields.code);
            }
        }
        Ok(out)
    }

    /// What each warehouse has available of these SKUs, now.
    pub(crate) async fn stock_of(&self, skus: &[SkuId]) -> Result<Stock> {
        Ok(self
            .store
            .available_by_warehouse(skus)
            .await?
            .into_iter()
            .map(|(s, w, n)| ((w, s), n))
            .collect())
    }

    /// Routes and reserves `ids`, a thousand at a time, in order; `user` limits them to
    /// the user's shops (`None`: the system retrying 缺货 orders). While one batch is
    /// saved, the next is read and routed against the stock the first leaves (or less,
    /// if the database already shows less), so the two overlap without promising a unit
    /// twice.
    pub(crate) async fn allocate_batches(
        &self,
        ids: &[OrderId],
        user: Option<&User>,
        short: Short,
        actor: &Actor,
    ) -> Result<Vec<AllocationOutcome>> {
        let mut out = Vec::with_capacity(ids.len());
        let mut batches = ids.chunks(BATCH);
        let Some(mut these) = batches.next() else {
            return Ok(out);
        };
        let setup = self.routing_setup().await?;
        let candidates = self.candidates().await?;
        let mut plan = self
            .plan(these, user, short, &setup, candidates, &Stock::new())
            .await?;
        loop {
            let next_ids = batches.next();
            // The next batch is planned on a task of its own, so its routing runs on the
            // other core while this one's statements are built and written.
            let next = next_ids.map(|n| {
                let (app, ids, user, setup) =
                    (self.clone(), n.to_vec(), user.cloned(), setup.clone());
                let (candidates, carried) = (plan.candidates.clone(), plan.stock.clone());
                tokio::spawn(async move {
                    app.plan(&ids, user.as_ref(), short, &setup, candidates, &carried)
                        .await
                })
            });
            let saved = self.store.save_allocations(&plan.new, actor).await;
            let next = match next {
                Some(task) => Some(
                    task.await
                        .map_err(|e| Error::Internal(format!("planning a batch: {e}")))?,
                ),
                None => None,
            };
            match saved {
                Ok(_) => out.extend(plan.outcomes),
                Err(e) if lost_race(&e) => {
                    let mut candidates = self.candidates().await?;
                    for id in these {
                        let (o, c) = self
                            .allocate_alone(*id, user, short, &setup, candidates, actor)
                            .await?;
                        out.push(o);
                        candidates = c;
                    }
                }
                Err(e) => return Err(e.into()),
            }
            match (next_ids, next) {
                (Some(n), Some(next)) => {
                    plan = next?;
                    these = n;
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// One order on its own (after its batch lost a race): an order that loses again
    /// waits as 缺货, and its decision says the stock was just taken.
    async fn allocate_alone(
        &self,
        id: OrderId,
        user: Option<&User>,
        short: Short,
        setup: &RoutingSetup,
        candidates: Vec<Candidate>,
        actor: &Actor,
    ) -> Result<(AllocationOutcome, Vec<Candidate>)> {
        let before = candidates.clone();
        let mut plan = self
            .plan(&[id], user, short, setup, candidates, &Stock::new())
            .await?;
        let outcome = plan.outcomes.pop().unwrap_or_else(|| {
            AllocationOutcome::skipped(id, "订单不存在 / no such order".to_string())
        });
        match self.store.save_allocations(&plan.new, actor).await {
            Ok(_) => Ok((outcome, plan.candidates)),
            Err(StoreError::Conflict(_)) => {
                Ok((AllocationOutcome::skipped(id, ALLOCATED_ALREADY), before))
            }
            Err(StoreError::Domain(jxc_core::Error::InsufficientStock { .. })) => {
                let Some(mut raced) = outcome.decision else {
                    return Ok((outcome, before));
                };
                raced.missing = raced
                    .shipments
                    .drain(..)
                    .flat_map(|s| s.lines)
                    .fold(BTreeMap::<SkuId, i64>::new(), |mut m, (s, q)| {
                        *m.entry(s).or_default() += q;
                        m
                    })
                    .into_iter()
                    .collect();
                raced.why.push(Step {
                    by: "库存刚被其他订单占用 / the stock was just taken by another order".into(),
                    kept: Vec::new(),
                    dropped: Vec::new(),
                });
                let new = NewAllocation {
                    order_id: id,
                    status: AllocationStatus::Short,
                    decision: to_json(&raced)?,
                    warehouses: Vec::new(),
                    reservations: Vec::new(),
                };
                match self.store.save_allocation(&new, actor).await {
                    Ok(_) => Ok((
                        AllocationOutcome {
                            order_id: id,
                            status: "short".into(),
                            message: "库存刚被占用 / the stock was just taken".into(),
                            decision: Some(raced),
                        },
                        before,
                    )),
                    Err(StoreError::Conflict(_)) => {
                        Ok((AllocationOutcome::skipped(id, ALLOCATED_ALREADY), before))
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Reads the batch and routes it in memory; saves nothing. `carried` is the stock
    /// a batch being saved leaves: where it knows a SKU's stock, routing takes the
    /// smaller of it and what the database shows.
    async fn plan(
        &self,
        ids: &[OrderId],
        user: Option<&User>,
        short: Short,
        setup: &RoutingSetup,
        mut candidates: Vec<Candidate>,
        carried: &Stock,
    ) -> Result<Plan> {
        let inputs = self.store.allocation_inputs(ids).await?;
        let skus = self.sku_facts(&inputs).await?;
        let shops = self.shop_codes(&inputs).await?;
        let mut by_id: HashMap<OrderId, (&AllocationInput, Facts)> = inputs
            .iter()
            .map(|o| (o.order_id, (o, skus.facts(o, &shops[&o.shop_id]))))
            .collect();
        let needed = skus_of(
            by_id
                .values()
                .filter_map(|(_, f)| f.as_ref().ok())
                .flatten(),
        );
        let mut stock = self.stock_of(&needed).await?;
        for (k, v) in stock.iter_mut() {
            if let Some(c) = carried.get(k) {
                *v = (*v).min(*c);
            }
        }
        // 合单 groups allocated in this batch, by the one warehouse they ship from.
        let mut groups: HashMap<OrderId, WarehouseId> = HashMap::new();
        let mut plan = Plan {
            outcomes: Vec::with_capacity(ids.len()),
            new: Vec::new(),
            candidates: Vec::new(),
            stock: Stock::new(),
        };
        for id in ids {
            let Some((o, facts)) = by_id.remove(id) else {
                plan.outcomes.push(AllocationOutcome::skipped(
                    *id,
                    if plan.outcomes.iter().any(|x| x.order_id == *id) {
                        "同一订单在本批中已处理 / the order is named twice"
                    } else {
                        NOT_YOURS
                    },
                ));
                continue;
            };
            if let Some(why) = not_ready(o, user) {
                plan.outcomes.push(AllocationOutcome::skipped(*id, why));
                continue;
            }
            let facts = match facts {
                Ok(f) => f,
                Err(why) => {
                    plan.outcomes.push(AllocationOutcome::skipped(*id, why));
                    continue;
                }
            };
            // 合单: an order merged with one already allocated prefers its warehouse, so
            // the group ships as one parcel (the decision names this rule).
            let mut rules = setup.rules.clone();
            let group_warehouse = match o.merge_group {
                Some(g) => match groups.get(&g) {
                    Some(w) => Some(*w),
                    None => self.merge_group_warehouse(o.order_id, g).await?,
                },
                None => None,
            };
            if let Some(w) = group_warehouse {
                rules.insert(
                    0,
                    Rule {
                        name: MERGED_RULE.into(),
                        effect: Effect::Prefer(vec![w]),
                        ..Default::default()
                    },
                );
            }
            let decision = match facts.as_slice() {
                [whole] => route(
                    whole,
                    &candidates,
                    &stock,
                    &rules,
                    &setup.strategies,
                    setup.allow_split,
                ),
                parts => route_parts(
                    parts,
                    &candidates,
                    &stock,
                    &rules,
                    &setup.strategies,
                    setup.allow_split,
                ),
            };
            let complete = is_complete(&decision);
            if complete {
                take(&mut stock, &decision);
                count_routed(&mut candidates, &decision);
                if let (Some(g), [only]) = (o.merge_group, decision.shipments.as_slice()) {
                    groups.entry(g).or_insert(only.warehouse);
                }
            }
            if complete || short == Short::Save {
                plan.new.push(new_allocation(o, &decision, complete)?);
            }
            plan.outcomes.push(if complete {
                AllocationOutcome {
                    order_id: *id,
                    status: "allocated".into(),
                    message: format!("{} 个包裹 / shipments", decision.shipments.len()),
                    decision: Some(decision),
                }
            } else {
                AllocationOutcome {
                    order_id: *id,
                    status: "short".into(),
                    message: "缺货，到货后重试 / short of stock: retried when stock arrives".into(),
                    decision: Some(decision),
                }
            });
        }
        plan.candidates = candidates;
        plan.stock = stock;
        Ok(plan)
    }
}

/// Every SKU these facts need, once each.
pub(crate) fn skus_of<'a>(facts: impl Iterator<Item = &'a OrderFacts>) -> Vec<SkuId> {
    let mut skus: Vec<SkuId> = facts.flat_map(|f| f.needs.keys().copied()).collect();
    skus.sort();
    skus.dedup();
    skus
}

/// Why an order cannot be allocated now, if it cannot.
fn not_ready(o: &AllocationInput, user: Option<&User>) -> Option<&'static str> {
    if user.is_some_and(|u| !u.sees_shop(o.shop_id)) {
        Some(NOT_YOURS)
    } else if o.state != OrderState::Approved {
        Some("订单未审核 / the order is not approved")
    } else if o.holds.iter().any(|h| !h.informational()) {
        // 缺货 and 可合单 only inform; any other live hold waits for a person.
        Some("订单有异常未解除 / the order is on hold")
    } else if o.allocation == Some(AllocationStatus::Allocated) {
        Some(ALLOCATED_ALREADY)
    } else {
        None
    }
}

fn new_allocation(o: &AllocationInput, d: &Decision, complete: bool) -> Result<NewAllocation> {
    let reservations = if complete {
        d.shipments
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
                    source_ref: o.platform_order_id.clone(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(NewAllocation {
        order_id: o.order_id,
        status: if complete {
            AllocationStatus::Allocated
        } else {
            AllocationStatus::Short
        },
        decision: to_json(d)?,
        warehouses: if complete {
            d.shipments.iter().map(|s| s.warehouse).collect()
        } else {
            Vec::new()
        },
        reservations,
    })
}

fn to_json(d: &Decision) -> Result<serde_json::Value> {
    serde_json::to_value(d).map_err(|e| Error::Internal(format!("decision: {e}")))
}

/// The store refused the batch because another writer got there first: too little
/// stock under its locks, or an order allocated meanwhile.
fn lost_race(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Conflict(_) | StoreError::Domain(jxc_core::Error::InsufficientStock { .. })
    )
}
