//! 演示数据: a realistic mid-size apparel + lifestyle merchant, for `jxc demo` and
//! `jxc serve --demo`.
//!
//! Everything is written through the app and store API (never SQL), in a few batched
//! transactions, and is the same on every run: the "randomness" is a fixed-seed PRNG.
//! Dates (lot production/expiry) are relative to today, so a few lots are always near
//! expiry and one or two are always expired. Loading into a database that already has
//! SKUs does nothing.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use jxc_core::catalog::{BundleComponent, ListingInput, NewSku, Sku, SkuInput};
use jxc_core::ids::{LocationId, LotId, ShopId, SkuId, WarehouseId};
use jxc_core::inventory::{Document, DocumentInput, DocumentKind, LineInput, ReserveRequest};
use jxc_core::money::Fen;
use jxc_core::paging::{Cursor, MAX_LIMIT, PageRequest};
use jxc_core::partners::{PartnerInput, PartnerKind, ShopInput};
use jxc_core::warehouses::{LocationInput, WarehouseInput};
use jxc_store::{Actor, PostedDocument, Reservation, ReservationRequest, SkuFilter};
use serde::Serialize;

use crate::{App, Error, Result};

/// What the demo loaded (or found already loaded).
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub skus: i64,
    pub bundles: i64,
    pub warehouses: i64,
    pub locations: i64,
    pub suppliers: i64,
    pub customers: i64,
    pub shops: i64,
    pub listings: i64,
    pub documents: i64,
    pub moves: i64,
    pub stock_value: Fen,
    pub already_loaded: bool,
}

mod catalog;
mod orders;
mod places;
mod rng;
mod shipped;
mod stock;

use catalog::*;
use places::*;
pub(crate) use rng::*;
use stock::*;

impl App {
    /// Fills an empty database with the demo merchant. With SKUs already there it does
    /// nothing and says so (`already_loaded`), so it is safe to run on every start.
    pub async fn load_demo(&self, actor: &Actor) -> Result<DemoSummary> {
        let counts = self.store.counts().await?;
        if counts.skus + counts.bundles > 0 {
            return self.demo_summary(true).await;
        }
        let mut rng = Rng::new(0x6A78_635F_6465_6D6F); // "jxc_demo"
        let today = business_today();

        // 仓库 and 库位.
        let mut whs = Vec::new();
        for w in WAREHOUSES {
            let created = self
                .create_warehouse(
                    &WarehouseInput {
                        code: Some(w.code.into()),
                        name: Some(w.name.into()),
                        kind: Some(w.kind.into()),
                        province: Some(w.province.into()),
                        city: Some(w.city.into()),
                        district: Some(w.district.into()),
                        address: Some(w.address.into()),
                        priority: Some(w.priority),
                        daily_capacity: Some(w.daily_capacity),
                        active: Some(true),
                    },
                    actor,
                )
                .await?;
            let mut plan = WarehousePlan {
                id: created.id,
                a_locs: Vec::new(),
                b_locs: Vec::new(),
            };
            for (code, zone, seq) in location_codes(w.a_aisles, w.b_aisles) {
                let loc = self
                    .create_location(
                        &LocationInput {
                            warehouse_id: Some(created.id.0),
                            code: Some(code),
                            zone: Some(zone.into()),
                            pick_seq: Some(seq),
                            active: Some(true),
                        },
                        actor,
                    )
                    .await?;
                if zone == "A" {
                    plan.a_locs.push(loc.id);
                } else {
                    plan.b_locs.push(loc.id);
                }
            }
            whs.push(plan);
        }

        // 供应商 and 客户.
        let mut customer_names = Vec::new();
        for (kind, specs) in [
            (PartnerKind::Supplier, SUPPLIERS),
            (PartnerKind::Customer, CUSTOMERS),
        ] {
            for (code, name, region, individual, contact, address) in specs {
                let tax_id = fake_credit_code(&mut rng, *individual, region);
                let phone = format!("1{}{}", rng.range(3, 9), rng.digits(9));
                let email = if *individual {
                    String::new()
                } else {
                    format!("{}@example.com", code.to_lowercase())
                };
                self.create_partner(
                    kind,
                    &PartnerInput {
                        code: Some((*code).into()),
                        name: Some((*name).into()),
                        contact: Some((*contact).into()),
                        phone: Some(phone),
                        email: Some(email),
                        address: Some((*address).into()),
                        tax_id: Some(tax_id),
                        active: Some(true),
                    },
                    actor,
                )
                .await?;
                if kind == PartnerKind::Customer {
                    customer_names.push(*name);
                }
            }
        }

        // 商品: one batch, then the bundles' components.
        let (skus, groups) = build_catalog(&mut rng);
        let rows = skus
            .iter()
            .enumerate()
            .map(|(i, s)| Ok((i + 2, NewSku::parse(&s.input)?)))
            .collect::<Result<Vec<_>>>()?;
        for outcome in self.store.import_skus(&rows, actor).await? {
            if let Err(e) = outcome.result {
                return Err(Error::Internal(format!(
                    "demo sku row {}: {}: {}",
                    outcome.row, e.field, e.reason
                )));
            }
        }
        let by_code: BTreeMap<String, SkuId> = all_skus(self)
            .await?
            .into_iter()
            .map(|s| (s.fields.code, s.id))
            .collect();
        let mut ids = Vec::with_capacity(skus.len());
        for s in &skus {
            let id = by_code
                .get(&s.code)
                .copied()
                .ok_or_else(|| Error::Internal(format!("demo sku {} was not created", s.code)))?;
            ids.push(id);
        }
        for (code, _, _, _, comps) in BUNDLES {
            let bundle = by_code
                .get(*code)
                .copied()
                .ok_or_else(|| Error::not_found("sku", code))?;
            let components = comps
                .iter()
                .map(|(c, qty)| {
                    by_code
                        .get(*c)
                        .map(|id| BundleComponent {
                            sku_id: *id,
                            qty: *qty,
                        })
                        .ok_or_else(|| Error::not_found("sku", c))
                })
                .collect::<Result<Vec<_>>>()?;
            self.set_bundle(bundle, &components, actor).await?;
        }

        // 店铺 and 平台商品匹配.
        let mut shops = Vec::new();
        for (code, name, platform, share, lifestyle) in SHOPS {
            let shop = self
                .create_shop(
                    &ShopInput {
                        code: Some((*code).into()),
                        name: Some((*name).into()),
                        platform: Some((*platform).into()),
                        credentials: Some(credentials(&mut rng, platform)),
                        active: Some(true),
                    },
                    actor,
                )
                .await?;
            self.demo_listings(
                &mut rng, shop.id, platform, *share, *lifestyle, &groups, &skus, &ids, actor,
            )
            .await?;
            shops.push((shop.id, *platform, *share));
        }

        // 期初: one document per warehouse, one batch.
        let mut t = Tracker::default();
        let mut lots: Vec<Vec<LotPlan>> = vec![Vec::new(); skus.len()];
        for (i, s) in skus.iter().enumerate() {
            if let Some(shelf) = s.shelf_life_days {
                lots[i] = plan_lots(&mut rng, &s.code, shelf, today);
                for l in &lots[i] {
                    t.expiry.insert((i, l.no.clone()), l.expiry);
                }
            }
        }
        let stock: Vec<usize> = (0..skus.len()).filter(|i| !skus[*i].is_bundle).collect();
        let n = stock.len().max(1);
        let mut openings = Vec::new();
        for (wi, (w, plan)) in WAREHOUSES.iter().zip(&whs).enumerate() {
            let mut lines = Vec::new();
            for (k, &i) in stock.iter().enumerate() {
                let s = &skus[i];
                let home = plan.a_locs[k * plan.a_locs.len() / n];
                let bulk = plan.b_locs[k * plan.b_locs.len() / n];
                if !lots[i].is_empty() {
                    if wi > 0 && !rng.chance(w.stocked_pct + 15) {
                        continue;
                    }
                    // The main warehouse holds both lots; the others only the newer one.
                    let held = if wi == 0 { &lots[i][..] } else { &lots[i][1..] };
                    for l in held {
                        let expired = l.expiry < today;
                        let qty = if expired {
                            rng.range(6, 12)
                        } else {
                            (rng.range(20, 80) * w.qty_pct / 100).max(3)
                        };
                        lines.push(lot_line(ids[i], home, l, qty, s.cost));
                        t.add((i, wi, home, l.no.clone()), qty);
                    }
                    continue;
                }
                if !rng.chance(w.stocked_pct) {
                    continue;
                }
                let base = if skus[i].input.size.as_deref() == Some("均码") {
                    rng.range(20, 60)
                } else {
                    rng.range(12, 30)
                };
                let qty = (base * s.size_weight / 10 * w.qty_pct / 100).max(2);
                lines.push(LineInput {
                    unit_cost: Some(s.cost),
                    ..line(ids[i], home, qty)
                });
                t.add((i, wi, home, String::new()), qty);
                if wi < 2 && rng.chance(35) {
                    let qty = (rng.range(20, 60) * w.qty_pct / 100).max(5);
                    lines.push(LineInput {
                        unit_cost: Some(s.cost),
                        ..line(ids[i], bulk, qty)
                    });
                    t.add((i, wi, bulk, String::new()), qty);
                }
            }
            openings.push(doc(
                DocumentKind::Opening,
                plan.id,
                &format!("QC-{}", w.code),
                &format!("{} 期初库存 / opening stock", w.name),
                lines,
            )?);
        }
        let mut lot_nos: BTreeMap<LotId, String> = BTreeMap::new();
        let remember = |posted: &[PostedDocument], lot_nos: &mut BTreeMap<LotId, String>| {
            for m in posted.iter().flat_map(|d| &d.moves) {
                if m.lot_id != LotId::NONE {
                    lot_nos.insert(m.lot_id, m.lot_no.clone());
                }
            }
        };
        let posted = self.store.post_documents(&openings, actor).await?;
        remember(&posted, &mut lot_nos);

        // A little activity: receipts, wholesale issues, a relocation, a count difference.
        let activity = self.demo_activity(
            &mut rng,
            &skus,
            &ids,
            &whs,
            &mut t,
            &lots,
            &customer_names,
            today,
        )?;
        let posted = self.store.post_documents(&activity, actor).await?;
        remember(&posted, &mut lot_nos);

        // Live orders hold stock; a few ship, one is cancelled.
        self.demo_orders(&mut rng, &skus, &ids, &whs, &mut t, &lot_nos, today, actor)
            .await?;

        // The order queue of each shop, taken in like a file.
        let now = chrono::Utc::now().timestamp_millis();
        for &(shop, platform, share) in &shops {
            self.demo_order_queue(&mut rng, shop, platform, share, now, actor)
                .await?;
        }

        // A few of them, with lot-tracked goods, picked, labelled and shipped (追溯).
        let lot_skus: std::collections::BTreeSet<SkuId> = (0..skus.len())
            .filter(|i| skus[*i].shelf_life_days.is_some() && !skus[*i].is_bundle)
            .map(|i| ids[i])
            .collect();
        let shop_ids: Vec<ShopId> = shops.iter().map(|s| s.0).collect();
        let wh_ids: Vec<WarehouseId> = whs.iter().map(|w| w.id).collect();
        self.demo_shipped(&mut rng, &shop_ids, &lot_skus, &wh_ids, now, actor)
            .await?;

        let summary = self.demo_summary(false).await?;
        tracing::info!(
            skus = summary.skus,
            moves = summary.moves,
            stock_value = %summary.stock_value,
            "demo data loaded"
        );
        Ok(summary)
    }

    async fn demo_summary(&self, already_loaded: bool) -> Result<DemoSummary> {
        let c = self.store.counts().await?;
        let totals = self.store.stock_totals().await?;
        let stock_value = totals
            .iter()
            .try_fold(Fen::ZERO, |acc, t| acc.checked_add(t.value))
            .ok_or_else(|| Error::Internal("stock value overflows".into()))?;
        Ok(DemoSummary {
            skus: c.skus,
            bundles: c.bundles,
            warehouses: c.warehouses,
            locations: c.locations,
            suppliers: c.suppliers,
            customers: c.customers,
            shops: c.shops,
            listings: c.listings,
            documents: c.documents,
            moves: c.moves,
            stock_value,
            already_loaded,
        })
    }
}
