//! Orders that shipped, so 追溯 has something to follow: a handful of the demo's platform
//! orders with lot-tracked goods (the queue's clean ones, topped up with new ones taken in
//! through the same intake) are approved, allocated, cut into waves, labelled from the
//! local waybill range and scanned out with exactly what their shipments hold — the
//! use-cases a warehouse uses, in the same order.
//!
//! 发货回传: the demo ships with the local range's carrier (`local`, 商家自配送) and only
//! orders of shops whose platform has no code for it (Taobao, Douyin). Their adapter
//! refuses before anything is sent, and the refusal is kept on the shipment as any failed
//! write-back is (and can be retried once the shop is pointed at a platform). So loading
//! the demo never calls a platform, and it is as fast and as repeatable offline as online.

use std::collections::BTreeSet;

use jxc_core::fulfillment::shipping::ShippingSetup;
use jxc_core::fulfillment::waves::WaveRules;
use jxc_core::ids::{OrderId, UserId};
use jxc_core::orders::{NewOrder, OrderLine, OrderState, Receiver};
use jxc_core::partners::{Platform, Shop};
use jxc_core::users::{NewUser, Role, User};
use jxc_store::{ListFilter, OrderFilter};

use super::orders::{GIVEN, STREETS, SURNAMES, place};
use super::*;
use crate::shipping::{ScannedSku, ShipRequest};

/// How many orders the demo ships.
const SHIPPED: usize = 8;

/// The demo's sender (the address on a label is its warehouse's).
const SENDER_NAME: &str = "简初服饰仓储部";
const SENDER_PHONE: &str = "0571-88886666";

/// Who the demo acts as where a use-case asks for a user: an admin of every warehouse
/// and shop. Never stored, so the first `serve` still creates the real admin.
fn demo_user() -> User {
    User {
        id: UserId(0),
        fields: NewUser {
            username: "demo".into(),
            display_name: "演示数据 / demo".into(),
            roles: vec![Role::Admin],
            warehouse_ids: Vec::new(),
            shop_ids: Vec::new(),
            active: true,
        },
        last_login_at: None,
    }
}

impl App {
    /// Ships up to [`SHIPPED`] orders with lot-tracked lines; returns how many shipments
    /// left.
    pub(super) async fn demo_shipped(
        &self,
        rng: &mut Rng,
        shops: &[ShopId],
        lot_skus: &BTreeSet<SkuId>,
        warehouses: &[WarehouseId],
        now_ms: i64,
        actor: &Actor,
    ) -> Result<usize> {
        let user = demo_user();
        let setup = self
            .set_shipping_setup(
                ShippingSetup {
                    sender_name: SENDER_NAME.into(),
                    sender_phone: SENDER_PHONE.into(),
                    ..Default::default()
                },
                actor,
            )
            .await?;
        // Shops whose platform the write-back refuses before sending anything.
        let mut quiet = Vec::new();
        for id in shops {
            let shop = self.shop(*id).await?;
            let p = shop.fields.platform;
            if p != Platform::Manual
                && jxc_channels::carriers::platform_code(&setup.carrier, p).is_err()
            {
                quiet.push(shop);
            }
        }
        let mut picked = self.clean_lot_orders(&quiet, lot_skus).await?;
        picked.truncate(SHIPPED);
        for shop in &quiet {
            if picked.len() >= SHIPPED {
                break;
            }
            let want = SHIPPED - picked.len();
            picked.extend(
                self.demo_lot_orders(rng, shop, lot_skus, want, now_ms, actor)
                    .await?,
            );
        }
        if picked.is_empty() {
            return Ok(0);
        }
        self.approve_orders(&user, &picked, actor).await?;
        self.allocate_orders(&user, &picked, actor).await?;
        let rules = WaveRules {
            single_units_apart: true,
            by_carrier: false,
            cutoff_ms: None,
            max_shipments: 50,
        };
        let mut shipped = 0;
        for wh in warehouses {
            for wave in self.create_waves(&user, *wh, &rules, actor).await? {
                for s in self.label_wave(&user, wave.id, actor).await? {
                    let scanned = self
                        .store
                        .shipment_contents(s.id)
                        .await?
                        .into_iter()
                        .map(|(sku, qty)| ScannedSku { sku_id: sku.0, qty })
                        .collect();
                    let req = ShipRequest {
                        scanned,
                        packages: Some(1),
                        ..Default::default()
                    };
                    let out = self.ship(&user, s.id, &req, actor).await?;
                    tracing::debug!(
                        shipment = s.id,
                        writeback = %out.writeback,
                        "demo shipment shipped"
                    );
                    shipped += 1;
                }
            }
        }
        Ok(shipped)
    }

    /// The queue's paid orders of `shops` with no hold and a lot-tracked line.
    async fn clean_lot_orders(
        &self,
        shops: &[Shop],
        lot_skus: &BTreeSet<SkuId>,
    ) -> Result<Vec<OrderId>> {
        let mut out = Vec::new();
        for shop in shops {
            let filter = OrderFilter {
                state: Some(OrderState::PendingReview),
                held: Some(false),
                shop_id: Some(shop.id),
                ..Default::default()
            };
            let page = PageRequest::new(Some(MAX_LIMIT), None, false)?;
            for o in self.orders(&filter, &page).await?.items {
                let Some(full) = self.store.get_order(o.id).await? else {
                    continue;
                };
                let lot = full
                    .order
                    .lines
                    .iter()
                    .any(|l| l.sku_id.is_some_and(|s| lot_skus.contains(&s)));
                let mapped = full.order.lines.iter().all(|l| l.sku_id.is_some());
                if lot && mapped && full.order.paid_at.is_some() {
                    out.push(o.id);
                }
            }
        }
        Ok(out)
    }

    /// Up to `n` orders of `shop`'s lot-tracked listings, paid a day or two ago, taken in
    /// like the queue. Returns the orders created.
    async fn demo_lot_orders(
        &self,
        rng: &mut Rng,
        shop: &Shop,
        lot_skus: &BTreeSet<SkuId>,
        n: usize,
        now_ms: i64,
        actor: &Actor,
    ) -> Result<Vec<OrderId>> {
        let filter = ListFilter {
            parent_id: Some(shop.id.0),
            ..Default::default()
        };
        let listings: Vec<_> = self
            .store
            .list_listings(&filter, &PageRequest::new(Some(MAX_LIMIT), None, false)?)
            .await?
            .items
            .into_iter()
            .filter(|l| lot_skus.contains(&l.fields.sku_id))
            .collect();
        if listings.is_empty() || n == 0 {
            return Ok(Vec::new());
        }
        let ((prefix, len), _) = id_formats(shop.fields.platform.as_str());
        let mut orders = Vec::with_capacity(n);
        for i in 0..n {
            let created = now_ms - rng.range(26 * 60, 48 * 60) * 60_000;
            let (province, city, district) = place(rng);
            let receiver = Receiver {
                name: format!(
                    "{}{}",
                    SURNAMES[rng.below(SURNAMES.len())],
                    GIVEN[rng.below(GIVEN.len())]
                ),
                mobile: format!(
                    "1{}{}",
                    ["35", "37", "52", "88"][rng.below(4)],
                    rng.digits(8)
                ),
                province,
                city,
                district,
                detail: format!(
                    "{}{}号",
                    STREETS[rng.below(STREETS.len())],
                    rng.range(1, 399)
                ),
                ..Default::default()
            };
            let mut lines: Vec<OrderLine> = Vec::new();
            for _ in 0..rng.range(1, 2) {
                let l = &listings[rng.below(listings.len())];
                if lines.iter().any(|x| x.outer_code == l.fields.outer_code) {
                    continue;
                }
                let price = match self.store.get_sku(l.fields.sku_id).await? {
                    Some(s) => s.fields.list_price,
                    None => continue,
                };
                let qty = rng.range(1, 2);
                lines.push(OrderLine {
                    platform_line_id: format!("{}{}", prefix, rng.digits(len)),
                    platform_item_id: l.fields.platform_item_id.clone(),
                    platform_sku_id: l.fields.platform_sku_id.clone(),
                    outer_code: l.fields.outer_code.clone(),
                    title: l.fields.title.clone(),
                    qty,
                    unit_price: price,
                    paid: Fen(price.0 * qty),
                    refund_status: "NO_REFUND".into(),
                    ..Default::default()
                });
            }
            if lines.is_empty() {
                continue;
            }
            let goods: i64 = lines.iter().map(|l| l.paid.0).sum();
            let shipping = if goods >= 9900 { 0 } else { 800 };
            let o = NewOrder {
                shop_id: shop.id,
                platform_order_id: format!("{}{}", prefix, rng.digits(len)),
                platform_status: "WAIT_SELLER_SEND_GOODS".into(),
                buyer_nick: format!(
                    "{}{}",
                    if shop.fields.platform == Platform::Douyin {
                        "dy"
                    } else {
                        "tb"
                    },
                    rng.digits(7)
                ),
                receiver,
                created_at: created,
                paid_at: Some(created + 120_000),
                currency: "CNY".into(),
                goods_amount: Fen(goods),
                shipping_fee: Fen(shipping),
                paid_amount: Fen(goods + shipping),
                lines,
                ..Default::default()
            };
            orders.push((i + 1, o));
        }
        Ok(self.intake(shop.id, orders, actor).await?.order_ids)
    }
}
