//! 扫描发货: a verified shipment ships — the store posts its issue and consumes the
//! reservations in one transaction — then the tracking number is written back to each
//! order's platform (发货回传) and the buyer-notification hook is called. Those two happen
//! after the commit: a platform that is down does not un-ship a parcel that left; the
//! outcome is kept on the shipment and can be retried. Then its tracking is subscribed
//! (`tracking.rs`).

use std::collections::BTreeMap;

use jxc_channels::ShipNotice;
use jxc_core::fulfillment::routing::Decision;
use jxc_core::ids::SkuId;
use jxc_core::users::User;
use jxc_store::{Actor, ShipInput, Shipment};
use serde::{Deserialize, Serialize};

use crate::{App, Error, Result};

/// What the packing bench sends: the units scanned per SKU, packages and weight.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ShipRequest {
    pub scanned: Vec<ScannedSku>,
    /// 序列号 scanned, for serial-numbered SKUs.
    pub serials: Vec<ScannedSerial>,
    /// Parcels (default 1).
    pub packages: Option<i64>,
    /// Grams, when weighed.
    pub weight_g: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScannedSku {
    pub sku_id: i64,
    pub qty: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScannedSerial {
    pub sku_id: i64,
    pub serial: String,
}

/// A shipment shipped, and what the platforms and the buyer hook said.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipped {
    pub shipment: Shipment,
    /// 发货回传: `ok`, `skipped: …` (manual orders) or the platform's error.
    pub writeback: String,
    /// 买家通知: `ok`, '' (no hook set) or the hook's error.
    pub notified: String,
    /// 物流订阅 (快递100): `ok`, '' (not set up, or a carrier that cannot be tracked) or
    /// the service's error.
    pub subscribed: String,
}

impl App {
    /// Ships a labelled shipment whose scan matched (the store checks it again under its
    /// locks), then writes back and notifies.
    pub async fn ship(
        &self,
        user: &User,
        id: i64,
        req: &ShipRequest,
        actor: &Actor,
    ) -> Result<Shipped> {
        self.visible_shipment(user, id).await?;
        let mut scanned: BTreeMap<SkuId, i64> = BTreeMap::new();
        for (i, s) in req.scanned.iter().enumerate() {
            if s.qty < 0 || s.qty > 100_000 {
                return Err(Error::invalid(
                    format!("scanned[{i}].qty"),
                    "数量 0–100000 / 0 to 100000",
                ));
            }
            *scanned.entry(SkuId(s.sku_id)).or_default() += s.qty;
        }
        let shipped_skus: Vec<SkuId> = scanned.keys().copied().collect();
        let shipment = self
            .store
            .ship(
                id,
                &ShipInput {
                    serials: req
                        .serials
                        .iter()
                        .map(|x| (SkuId(x.sku_id), x.serial.clone()))
                        .collect(),
                    scanned: scanned.into_iter().collect(),
                    packages: req.packages.unwrap_or(1),
                    weight_g: req.weight_g,
                },
                actor,
            )
            .await?;
        let writeback = self.write_back(&shipment).await?;
        let notified = self.notify_buyer(&shipment).await;
        let subscribed = self.subscribe_tracking(&shipment).await?;
        self.after_stock_change(&shipped_skus).await;
        Ok(Shipped {
            shipment: self.visible_shipment(user, id).await?,
            writeback,
            notified,
            subscribed,
        })
    }

    /// 重新回传: writes a shipped shipment's tracking number back again (after a
    /// platform error).
    pub async fn retry_writeback(&self, user: &User, id: i64) -> Result<String> {
        let s = self.out_shipment(user, id).await?;
        self.write_back(&s).await
    }

    /// Tells each order's platform the shipment left; keeps the outcome on the shipment.
    async fn write_back(&self, s: &Shipment) -> Result<String> {
        let mut outcomes = Vec::new();
        for id in &s.orders {
            let Some(o) = self.store.get_order(*id).await? else {
                continue;
            };
            let shop = self.shop(o.order.shop_id).await?;
            if shop.fields.platform == jxc_core::partners::Platform::Manual {
                outcomes.push("skipped: 手工单无需回传 / manual order".to_string());
                continue;
            }
            let decision = self
                .store
                .get_allocation(*id)
                .await?
                .and_then(|a| serde_json::from_value::<Decision>(a.decision).ok());
            // A part shipment names its lines: those whose SKU this warehouse ships.
            let line_ids = match decision {
                Some(d) if d.shipments.len() > 1 => {
                    let here: std::collections::BTreeSet<SkuId> = d
                        .shipments
                        .iter()
                        .filter(|x| x.warehouse == s.warehouse_id)
                        .flat_map(|x| x.lines.iter().map(|(sku, _)| *sku))
                        .collect();
                    o.order
                        .lines
                        .iter()
                        .filter(|l| l.sku_id.is_some_and(|k| here.contains(&k)))
                        .map(|l| l.platform_line_id.clone())
                        .filter(|x| !x.is_empty())
                        .collect()
                }
                _ => Vec::new(),
            };
            let notice = ShipNotice {
                platform_order_id: o.order.platform_order_id.clone(),
                carrier: s.carrier.clone(),
                tracking_no: s.tracking_no.clone(),
                line_ids,
            };
            let r = match self.channel_of(&shop) {
                Ok(ch) => match ch.ship(&notice).await {
                    // Pinduoduo, JD, Douyin and WooCommerce take one tracking number per
                    // order: the first part to leave writes the whole order back; later
                    // parts have nothing to tell them.
                    Err(jxc_channels::ChannelError::Platform { code, .. })
                        if code == "jxc.part-shipment-unsupported" =>
                    {
                        if self.another_part_is_out(*id, s.id).await? {
                            Ok(Some(
                                "skipped: 平台只收一个运单号，首个包裹已回传 / the platform takes one tracking number; the first part's was written back",
                            ))
                        } else {
                            let whole = ShipNotice {
                                line_ids: Vec::new(),
                                ..notice.clone()
                            };
                            ch.ship(&whole).await.map(|()| None)
                        }
                    }
                    r => r.map(|()| None),
                },
                Err(e) => Err(e),
            };
            outcomes.push(match r {
                Ok(None) => "ok".to_string(),
                Ok(Some(skipped)) => skipped.to_string(),
                Err(e) => format!("{}: {e}", o.order.platform_order_id),
            });
        }
        let outcome = if outcomes.iter().all(|x| x == "ok")
            || (outcomes.iter().any(|x| x == "ok")
                && outcomes
                    .iter()
                    .all(|x| x == "ok" || x.starts_with("skipped")))
        {
            "ok".to_string()
        } else if outcomes.iter().all(|x| x.starts_with("skipped")) {
            outcomes.first().cloned().unwrap_or_default()
        } else {
            outcomes
                .into_iter()
                .filter(|x| x != "ok" && !x.starts_with("skipped"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        self.store.set_writeback(s.id, &outcome).await?;
        Ok(outcome)
    }

    /// Whether another shipment of `order` than `this` has left a warehouse.
    async fn another_part_is_out(&self, order: jxc_core::ids::OrderId, this: i64) -> Result<bool> {
        let p = self
            .store
            .list_shipments(
                &jxc_store::ShipmentFilter {
                    order: Some(order),
                    ..Default::default()
                },
                &jxc_core::paging::PageRequest::default(),
            )
            .await?;
        Ok(p.items.iter().any(|x| x.id != this && x.status.is_out()))
    }

    /// 买家通知: POSTs the shipment to the merchant's hook, signed; '' when none is set.
    async fn notify_buyer(&self, s: &Shipment) -> String {
        let setup = match self.shipping_setup().await {
            Ok(x) => x,
            Err(e) => return e.to_string(),
        };
        if setup.notify_url.is_empty() {
            return String::new();
        }
        let mut orders = Vec::new();
        for id in &s.orders {
            if let Ok(Some(o)) = self.store.get_order(*id).await {
                orders.push(serde_json::json!({
                    "order_id": id,
                    "shop_id": o.order.shop_id,
                    "platform_order_id": o.order.platform_order_id,
                    "receiver_mobile": o.order.receiver.mobile,
                }));
            }
        }
        let body = serde_json::json!({
            "event": "shipment.shipped",
            "shipment_id": s.id,
            "carrier": s.carrier,
            "tracking_no": s.tracking_no,
            "packages": s.packages,
            "shipped_at": s.shipped_at,
            "orders": orders,
        })
        .to_string();
        let options = jxc_channels::Options {
            timeout: self.sync.timeout,
        };
        match jxc_channels::notify::post_signed(
            &options,
            &setup.notify_url,
            &setup.notify_secret,
            &format!("shipment-{}", s.id),
            &body,
        )
        .await
        {
            Ok(()) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }
}
