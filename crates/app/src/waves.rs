//! 波次与拣货: the allocated orders of a warehouse are cut into waves by the merchant's
//! wave rules (`core::fulfillment::waves`), and each wave has a pick list — every
//! reserved unit at its location, walked in S-shape (`core::fulfillment::picking`), with
//! the route's length against the naive order — and its 播种 slots.

use std::collections::{BTreeMap, HashMap};

use jxc_core::fulfillment::picking::{Stop, plan};
use jxc_core::fulfillment::routing::Decision;
use jxc_core::fulfillment::waves::{Waiting, WaveKind as PlanKind, WaveRules, plan_waves};
use jxc_core::ids::{OrderId, ShopId, WarehouseId};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{Actor, AllocationStatus, NewWave, ReservationFilter, Wave, WaveKind};
use serde::Serialize;

use crate::inventory::require_warehouse;
use crate::{App, Error, Result};

/// One line of a pick list: a location, a SKU, how many.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickLine {
    pub location: String,
    pub sku_code: String,
    pub sku_name: String,
    /// The first barcode (the SKU code when it has none), for the Code128 on the list.
    pub barcode: String,
    pub qty: i64,
}

/// 播种: which slot an order's units go to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slot {
    pub slot: i64,
    pub order_id: OrderId,
    pub platform_order_id: String,
    pub units: i64,
}

/// A wave's pick list, in walking order.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickList {
    pub wave: Wave,
    pub lines: Vec<PickLine>,
    /// Rack widths walked in S-shape, and in the naive order (by order, then line).
    pub route_length: i64,
    pub naive_length: i64,
    pub slots: Vec<Slot>,
}

impl App {
    /// Cuts the allocated orders of `warehouse` that are in no wave yet into waves.
    /// Orders paid after the cut-off stay for the next round.
    pub async fn create_waves(
        &self,
        user: &User,
        warehouse: WarehouseId,
        rules: &WaveRules,
        actor: &Actor,
    ) -> Result<Vec<Wave>> {
        require_warehouse(user, warehouse)?;
        if rules.max_shipments == 0 || rules.max_shipments > 500 {
            return Err(Error::invalid(
                "max_shipments",
                "每个波次 1–500 单 / 1 to 500 shipments a wave",
            ));
        }
        let ids = self.store.unwaved_allocated_orders(warehouse).await?;
        let mut waiting = Vec::with_capacity(ids.len());
        // A thousand orders at a time: their shop and payment time, and their decisions.
        for chunk in ids.chunks(1_000) {
            let orders: HashMap<OrderId, (ShopId, i64)> = self
                .store
                .allocation_inputs(chunk)
                .await?
                .into_iter()
                .map(|o| (o.order_id, (o.shop_id, o.paid_at_ms)))
                .collect();
            for a in self.store.get_allocations(chunk).await? {
                let Some((shop, paid_at_ms)) = orders.get(&a.order_id).copied() else {
                    continue;
                };
                if a.status != AllocationStatus::Allocated || !user.sees_shop(shop) {
                    continue;
                }
                let Ok(d) = serde_json::from_value::<Decision>(a.decision) else {
                    continue;
                };
                let lines: Vec<_> = d
                    .shipments
                    .iter()
                    .filter(|s| s.warehouse == warehouse)
                    .flat_map(|s| s.lines.clone())
                    .collect();
                waiting.push(Waiting {
                    id: a.order_id.0,
                    carrier: d.carrier.clone().unwrap_or_default(),
                    paid_at_ms,
                    lines,
                });
            }
        }
        let (planned, _later) = plan_waves(&waiting, rules);
        if planned.is_empty() {
            return Ok(Vec::new());
        }
        let new: Vec<NewWave> = planned
            .into_iter()
            .map(|w| {
                let (kind, sku) = match w.kind {
                    PlanKind::SingleUnit { sku } => (WaveKind::SingleUnit, Some(sku)),
                    PlanKind::Multi => (WaveKind::Multi, None),
                };
                let slots: BTreeMap<i64, usize> = w.slots.iter().copied().collect();
                NewWave {
                    warehouse_id: warehouse,
                    kind,
                    sku_id: sku,
                    carrier: w.carrier.unwrap_or_default(),
                    orders: w
                        .shipments
                        .iter()
                        .map(|s| (OrderId(*s), slots.get(s).map_or(0, |n| *n as i64)))
                        .collect(),
                }
            })
            .collect();
        Ok(self.store.create_waves(&new, actor).await?)
    }

    pub async fn waves(
        &self,
        user: &User,
        warehouse: Option<WarehouseId>,
        page: &PageRequest,
    ) -> Result<Page<Wave>> {
        if let Some(w) = warehouse {
            require_warehouse(user, w)?;
        }
        let mut p = self.store.list_waves(warehouse, page).await?;
        p.items.retain(|w| user.sees_warehouse(w.warehouse_id));
        Ok(p)
    }

    pub async fn wave(&self, user: &User, id: i64) -> Result<Wave> {
        let w = self
            .store
            .get_wave(id)
            .await?
            .ok_or_else(|| Error::not_found("wave", id))?;
        require_warehouse(user, w.warehouse_id)?;
        Ok(w)
    }

    /// Dissolves a wave: its orders wait for the next one.
    pub async fn dissolve_wave(&self, user: &User, id: i64, actor: &Actor) -> Result<Wave> {
        self.wave(user, id).await?;
        self.store
            .dissolve_wave(id, actor)
            .await?
            .ok_or_else(|| Error::not_found("wave", id))
    }

    /// The wave's pick list: its orders' reserved units by location and SKU, in S-shape.
    pub async fn pick_list(&self, user: &User, id: i64) -> Result<PickList> {
        let wave = self.wave(user, id).await?;
        // (location code, sku) → qty, and the naive walk: by order, then line.
        let mut by_spot: BTreeMap<(String, i64), i64> = BTreeMap::new();
        let mut naive: Vec<Stop> = Vec::new();
        let mut slots = Vec::new();
        for (order_id, slot) in &wave.orders {
            let Some(a) = self.store.get_allocation(*order_id).await? else {
                continue;
            };
            let order = self.store.get_order(*order_id).await?;
            let mut units = 0;
            for rid in &a.reservation_ids {
                let found = self
                    .store
                    .list_reservations(
                        &ReservationFilter {
                            id: Some(*rid),
                            ..Default::default()
                        },
                        &PageRequest::default(),
                    )
                    .await?;
                for r in found.items {
                    if r.warehouse_id != wave.warehouse_id || r.remaining <= 0 {
                        continue;
                    }
                    let loc = self
                        .store
                        .get_location(r.location_id)
                        .await?
                        .ok_or_else(|| Error::not_found("location", r.location_id))?;
                    naive.push(Stop {
                        code: loc.fields.code.clone(),
                        pick_seq: loc.fields.pick_seq,
                    });
                    *by_spot
                        .entry((loc.fields.code.clone(), r.sku_id.0))
                        .or_default() += r.remaining;
                    units += r.remaining;
                }
            }
            slots.push(Slot {
                slot: *slot,
                order_id: *order_id,
                platform_order_id: order.map(|o| o.order.platform_order_id).unwrap_or_default(),
                units,
            });
        }
        // One stop per location and SKU, walked in S-shape.
        let spots: Vec<((String, i64), i64)> = by_spot.into_iter().collect();
        let mut stops = Vec::with_capacity(spots.len());
        let mut seq = BTreeMap::new();
        for s in &naive {
            seq.insert(s.code.clone(), s.pick_seq);
        }
        for ((code, _), _) in &spots {
            stops.push(Stop {
                code: code.clone(),
                pick_seq: seq.get(code).copied().unwrap_or(0),
            });
        }
        let route = plan(&stops);
        let mut lines = Vec::with_capacity(spots.len());
        for i in &route.order {
            let ((code, sku_id), qty) = &spots[*i];
            let sku = self.sku(jxc_core::ids::SkuId(*sku_id)).await?;
            lines.push(PickLine {
                location: code.clone(),
                barcode: sku
                    .fields
                    .barcodes
                    .first()
                    .cloned()
                    .unwrap_or_else(|| sku.fields.code.clone()),
                sku_code: sku.fields.code,
                sku_name: sku.fields.name,
                qty: *qty,
            });
        }
        let naive_length = jxc_core::fulfillment::picking::walk_length(
            &naive,
            &(0..naive.len()).collect::<Vec<_>>(),
        );
        Ok(PickList {
            wave,
            lines,
            route_length: route.length,
            naive_length,
            slots,
        })
    }
}
