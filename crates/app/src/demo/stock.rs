//! Opening stock, lots, and a little realistic activity (receipts, issues, a relocation, a count, orders).

use super::*;

/// A lot to create: number, production and expiry dates.
#[derive(Clone)]
pub(super) struct LotPlan {
    pub(super) no: String,
    pub(super) production: NaiveDate,
    pub(super) expiry: NaiveDate,
}

/// (sku index, warehouse index, location, lot number)
pub(super) type Slot = (usize, usize, LocationId, String);

/// What the demo has put where, so every issue and reservation it plans is covered.
#[derive(Default)]
pub(super) struct Tracker {
    pub(super) on_hand: BTreeMap<Slot, i64>,
    pub(super) reserved: BTreeMap<Slot, i64>,
    /// Expiry per (sku index, lot number).
    pub(super) expiry: BTreeMap<(usize, String), NaiveDate>,
}

impl Tracker {
    pub(super) fn add(&mut self, slot: Slot, qty: i64) {
        *self.on_hand.entry(slot).or_default() += qty;
    }
    fn available(&self, slot: &Slot) -> i64 {
        self.on_hand.get(slot).copied().unwrap_or(0) - self.reserved.get(slot).copied().unwrap_or(0)
    }
    fn expired(&self, sku: usize, lot: &str, today: NaiveDate) -> bool {
        self.expiry
            .get(&(sku, lot.to_string()))
            .is_some_and(|x| *x < today)
    }
    /// What a reservation can take of a SKU in a warehouse (expired lots are never reserved).
    fn reservable(&self, sku: usize, wh: usize, today: NaiveDate) -> i64 {
        self.on_hand
            .keys()
            .filter(|s| s.0 == sku && s.1 == wh && !self.expired(sku, &s.3, today))
            .map(|s| self.available(s).max(0))
            .sum()
    }
}

pub(super) fn line(sku: SkuId, loc: LocationId, qty: i64) -> LineInput {
    LineInput {
        sku_id: sku.0,
        location_id: Some(loc.0),
        qty,
        ..Default::default()
    }
}

pub(super) fn lot_line(
    sku: SkuId,
    loc: LocationId,
    lot: &LotPlan,
    qty: i64,
    cost: i64,
) -> LineInput {
    LineInput {
        lot_no: Some(lot.no.clone()),
        production_date: Some(lot.production),
        expiry_date: Some(lot.expiry),
        unit_cost: Some(cost),
        ..line(sku, loc, qty)
    }
}

pub(super) fn doc(
    kind: DocumentKind,
    wh: WarehouseId,
    reference: &str,
    note: &str,
    lines: Vec<LineInput>,
) -> Result<Document> {
    Ok(Document::parse(
        kind,
        &DocumentInput {
            warehouse_id: wh.0,
            reference: reference.into(),
            note: note.into(),
            lines,
        },
    )?)
}

/// The lots of a consumable: an older and a newer one. Some consumables get an old lot
/// that is already expired or about to expire, so the expiry views have something to show.
pub(super) fn plan_lots(rng: &mut Rng, code: &str, shelf: i64, today: NaiveDate) -> Vec<LotPlan> {
    let mk = |production: NaiveDate, seq: u32| LotPlan {
        no: format!("{}{seq:02}", production.format("%Y%m%d")),
        production,
        expiry: production + Duration::days(shelf),
    };
    // Days before today the old lot was made.
    let old_age = match code {
        "FD003" => shelf + 5,  // expired 5 days ago
        "CS005" => shelf + 12, // expired 12 days ago
        "FD005" => shelf - 10, // expires in 10 days
        "FD001" => shelf - 25, // expires in 25 days
        _ => rng.range(30, (shelf / 3).max(31)),
    };
    let new_age = rng.range(3, 20).min(old_age - 1);
    vec![
        mk(today - Duration::days(old_age), 1),
        mk(today - Duration::days(new_age), 2),
    ]
}

impl App {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn demo_activity(
        &self,
        rng: &mut Rng,
        skus: &[DemoSku],
        ids: &[SkuId],
        whs: &[WarehousePlan],
        t: &mut Tracker,
        lots: &[Vec<LotPlan>],
        customers: &[&str],
        today: NaiveDate,
    ) -> Result<Vec<Document>> {
        let idx = |code: &str| {
            skus.iter()
                .position(|s| s.code == code)
                .ok_or_else(|| Error::Internal(format!("demo sku {code} missing")))
        };
        // Where a SKU lives in a warehouse: its first zone-A slot, or the first A location.
        let home = |t: &Tracker, i: usize, wi: usize| {
            t.on_hand
                .keys()
                .find(|s| s.0 == i && s.1 == wi && whs[wi].a_locs.contains(&s.2))
                .map(|s| s.2)
                .unwrap_or(whs[wi].a_locs[0])
        };
        let mut docs = Vec::new();

        // 采购入库: T-shirts restocked at a slightly higher cost.
        let mut lines = Vec::new();
        for code in [
            "TS001-BLK-M",
            "TS001-BLK-L",
            "TS001-BLK-XL",
            "TS001-WHT-M",
            "TS001-WHT-L",
            "TS001-WHT-XL",
        ] {
            let i = idx(code)?;
            let loc = home(t, i, 0);
            let qty = rng.range(40, 60);
            lines.push(LineInput {
                unit_cost: Some(skus[i].cost * 104 / 100),
                ..line(ids[i], loc, qty)
            });
            t.add((i, 0, loc, String::new()), qty);
        }
        docs.push(doc(
            DocumentKind::Receipt,
            whs[0].id,
            "CG-DEMO-0001",
            "采购入库 · 湖州织里锦程服饰有限公司",
            lines,
        )?);

        // Jeans into Guangzhou, a little cheaper than before.
        let mut lines = Vec::new();
        for code in [
            "JN001-DBL-30",
            "JN001-DBL-31",
            "JN001-DBL-32",
            "JN001-DBL-33",
        ] {
            let i = idx(code)?;
            let loc = home(t, i, 1);
            let qty = rng.range(20, 30);
            lines.push(LineInput {
                unit_cost: Some(skus[i].cost * 98 / 100),
                ..line(ids[i], loc, qty)
            });
            t.add((i, 1, loc, String::new()), qty);
        }
        docs.push(doc(
            DocumentKind::Receipt,
            whs[1].id,
            "CG-DEMO-0002",
            "采购入库 · 广州新塘丰源牛仔制衣厂",
            lines,
        )?);

        // Fresh lots of food.
        let mut lines = Vec::new();
        for code in ["FD001", "FD002"] {
            let i = idx(code)?;
            let shelf = skus[i].shelf_life_days.unwrap_or(365);
            let production = today - Duration::days(rng.range(1, 3));
            let lot = LotPlan {
                no: format!("{}03", production.format("%Y%m%d")),
                production,
                expiry: production + Duration::days(shelf),
            };
            if lots[i].iter().any(|l| l.no == lot.no) {
                continue;
            }
            let loc = home(t, i, 0);
            let qty = rng.range(60, 100);
            lines.push(lot_line(ids[i], loc, &lot, qty, skus[i].cost));
            t.expiry.insert((i, lot.no.clone()), lot.expiry);
            t.add((i, 0, loc, lot.no), qty);
        }
        if !lines.is_empty() {
            docs.push(doc(
                DocumentKind::Receipt,
                whs[0].id,
                "CG-DEMO-0003",
                "采购入库 · 杭州临安丰收坚果食品有限公司",
                lines,
            )?);
        }

        // 批发出库: wholesale orders from untracked stock with enough on hand.
        for (n, (wi, nlines)) in [(0usize, 5usize), (1, 4), (0, 3)].into_iter().enumerate() {
            let candidates: Vec<Slot> = t
                .on_hand
                .keys()
                .filter(|s| s.1 == wi && s.3.is_empty() && t.available(s) >= 10)
                .cloned()
                .collect();
            let mut lines = Vec::new();
            let mut used = Vec::new();
            for _ in 0..nlines {
                if candidates.is_empty() {
                    break;
                }
                let s = candidates[rng.below(candidates.len())].clone();
                if used.contains(&s) {
                    continue;
                }
                let qty = (t.available(&s) / 4).max(1);
                lines.push(line(ids[s.0], s.2, qty));
                t.add(s.clone(), -qty);
                used.push(s);
            }
            if lines.is_empty() {
                continue;
            }
            let customer = customers.get(n).copied().unwrap_or("散客");
            docs.push(doc(
                DocumentKind::Issue,
                whs[wi].id,
                &format!("PF-DEMO-{:04}", n + 1),
                &format!("批发出库 · {customer}"),
                lines,
            )?);
        }

        // 移库: replenish picking faces from bulk storage.
        let bulk: Vec<Slot> = t
            .on_hand
            .keys()
            .filter(|s| s.1 == 0 && whs[0].b_locs.contains(&s.2) && t.available(s) >= 10)
            .cloned()
            .collect();
        let mut lines = Vec::new();
        for s in bulk.iter().step_by((bulk.len() / 3).max(1)).take(3) {
            let to = home(t, s.0, 0);
            let qty = t.available(s) / 2;
            lines.push(LineInput {
                to_location_id: Some(to.0),
                ..line(ids[s.0], s.2, qty)
            });
            t.add(s.clone(), -qty);
            t.add((s.0, 0, to, String::new()), qty);
        }
        if !lines.is_empty() {
            docs.push(doc(
                DocumentKind::Relocation,
                whs[0].id,
                "YK-DEMO-0001",
                "补货：B区存储位 → A区拣货位",
                lines,
            )?);
        }

        // 盘点差异: one damaged, two found.
        let untracked: Vec<Slot> = t
            .on_hand
            .keys()
            .filter(|s| s.1 == 0 && s.3.is_empty() && t.available(s) >= 5)
            .cloned()
            .collect();
        if untracked.len() >= 2 {
            let lost = untracked[rng.below(untracked.len())].clone();
            let found = untracked
                .iter()
                .find(|s| s.0 != lost.0)
                .cloned()
                .unwrap_or_else(|| lost.clone());
            t.add(lost.clone(), -1);
            t.add(found.clone(), 2);
            docs.push(doc(
                DocumentKind::Adjustment,
                whs[0].id,
                "PD-DEMO-0001",
                "月度盘点差异：破损1件，盘盈2件",
                vec![
                    line(ids[lost.0], lost.2, -1),
                    line(ids[found.0], found.2, 2),
                ],
            )?);
        }
        Ok(docs)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn demo_orders(
        &self,
        rng: &mut Rng,
        skus: &[DemoSku],
        ids: &[SkuId],
        whs: &[WarehousePlan],
        t: &mut Tracker,
        lot_nos: &BTreeMap<LotId, String>,
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<()> {
        let index: BTreeMap<SkuId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut reqs = Vec::new();
        let mut orders: Vec<(String, usize)> = Vec::new();
        // What earlier requests of this batch will take, per (sku, warehouse).
        let mut pending: BTreeMap<(usize, usize), i64> = BTreeMap::new();
        for n in 1..=16 {
            let wi = match n % 8 {
                0 | 5 | 7 => 1,
                3 => 2,
                _ => 0,
            };
            let order = format!("DEMO-SO-{n:04}");
            let candidates: Vec<usize> = (0..skus.len())
                .filter(|i| {
                    !skus[*i].is_bundle
                        && t.reservable(*i, wi, today)
                            - pending.get(&(*i, wi)).copied().unwrap_or(0)
                            >= 3
                })
                .collect();
            let lines = rng.range(1, 2);
            let mut picked = Vec::new();
            for _ in 0..lines {
                if candidates.is_empty() {
                    break;
                }
                let i = candidates[rng.below(candidates.len())];
                if picked.contains(&i) {
                    continue;
                }
                picked.push(i);
                let qty = rng.range(1, 2);
                *pending.entry((i, wi)).or_default() += qty;
                reqs.push(ReservationRequest {
                    request: ReserveRequest {
                        sku: ids[i],
                        warehouse: whs[wi].id,
                        qty,
                        location: None,
                        lot: None,
                    },
                    source_type: "order".into(),
                    source_ref: order.clone(),
                });
            }
            if !picked.is_empty() {
                orders.push((order, wi));
            }
        }
        let held: Vec<Reservation> = self.store.reserve(&reqs, actor).await?;
        let slot_of = |r: &Reservation| -> Result<Slot> {
            let i = *index
                .get(&r.sku_id)
                .ok_or_else(|| Error::Internal("reservation for an unknown demo sku".into()))?;
            let wi = whs
                .iter()
                .position(|w| w.id == r.warehouse_id)
                .ok_or_else(|| Error::Internal("reservation in an unknown warehouse".into()))?;
            let lot = if r.lot_id == LotId::NONE {
                String::new()
            } else {
                lot_nos
                    .get(&r.lot_id)
                    .cloned()
                    .ok_or_else(|| Error::Internal("reservation of an unknown lot".into()))?
            };
            Ok((i, wi, r.location_id, lot))
        };
        for r in &held {
            *t.reserved.entry(slot_of(r)?).or_default() += r.qty;
        }

        // The first orders ship (出库 consuming their reservations); the fifth is cancelled.
        let mut shipments = Vec::new();
        for (order, wi) in orders.iter().take(4) {
            let lines: Vec<LineInput> = held
                .iter()
                .filter(|r| &r.source_ref == order)
                .map(|r| {
                    let s = slot_of(r)?;
                    Ok(LineInput {
                        lot_no: (!s.3.is_empty()).then(|| s.3.clone()),
                        reservation_id: Some(r.id.0),
                        ..line(r.sku_id, r.location_id, r.qty)
                    })
                })
                .collect::<Result<_>>()?;
            if lines.is_empty() {
                continue;
            }
            shipments.push(doc(
                DocumentKind::Issue,
                whs[*wi].id,
                order,
                "订单发货 / order shipped",
                lines,
            )?);
        }
        self.store.post_documents(&shipments, actor).await?;
        if let Some((cancelled, _)) = orders.get(4) {
            let ids: Vec<_> = held
                .iter()
                .filter(|r| &r.source_ref == cancelled)
                .map(|r| r.id)
                .collect();
            self.store.release(&ids, actor).await?;
        }
        Ok(())
    }
}
