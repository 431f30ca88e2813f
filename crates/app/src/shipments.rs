//! 发货单与面单: the shipping setup, taking waybills for a wave's orders (one shipment per
//! 合单 group and warehouse), and what a shipment holds — for its label, the scan station
//! and the shipments list. Shipping itself is `shipping.rs`.

use std::collections::{BTreeMap, BTreeSet};

use jxc_channels::waybill::{
    Item, LocalRange, OrderChannel, Parcel, Party, Waybill, WaybillRequest, Waybills,
};
use jxc_core::fulfillment::shipping::{ShippingSetup, WaybillSource, parcels};
use jxc_core::ids::{OrderId, SkuId};
use jxc_core::orders::Receiver;
use jxc_core::paging::{Page, PageRequest};
use jxc_core::partners::Platform;
use jxc_core::users::User;
use jxc_store::{Actor, NewShipment, Shipment, ShipmentFilter, ShipmentStatus};
use serde::Serialize;

use crate::inventory::require_warehouse;
use crate::{App, Error, Result};

/// The settings key of the shipping setup.
pub const SHIPPING_SETTING: &str = "shipping_setup";

/// One SKU of a shipment: what the scan must count.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentLine {
    pub sku_id: SkuId,
    pub sku_code: String,
    pub sku_name: String,
    /// Every code a scanner may read for it: its barcodes, then its SKU code.
    pub barcodes: Vec<String>,
    pub qty: i64,
    /// 序列号商品: each unit's serial is scanned too.
    pub serial: bool,
    /// The serials the orders hold (labelled) or that shipped.
    pub serials: Vec<String>,
}

/// An order of a shipment, as the label and the station show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentOrder {
    pub id: OrderId,
    pub platform_order_id: String,
    pub buyer_message: String,
}

/// A shipment with what it holds and who it goes to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentView {
    pub shipment: Shipment,
    pub orders: Vec<ShipmentOrder>,
    pub receiver: Receiver,
    pub sender: Receiver,
    pub warehouse_name: String,
    pub lines: Vec<ShipmentLine>,
}

impl App {
    /// 发货设置 (the default until a person saves one: a local range `JXC…`).
    pub async fn shipping_setup(&self) -> Result<ShippingSetup> {
        match self.store.get_setting(SHIPPING_SETTING).await? {
            None => Ok(ShippingSetup::default()),
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| Error::Internal(format!("{SHIPPING_SETTING}: {e}"))),
        }
    }

    pub async fn set_shipping_setup(
        &self,
        setup: ShippingSetup,
        actor: &Actor,
    ) -> Result<ShippingSetup> {
        let setup = setup.validate()?;
        if let WaybillSource::Cainiao { shop_id, .. } = &setup.source {
            let shop = self.shop(jxc_core::ids::ShopId(*shop_id)).await?;
            if !matches!(shop.fields.platform, Platform::Taobao | Platform::Tmall) {
                return Err(Error::invalid(
                    "source.shop_id",
                    "菜鸟面单需要淘宝/天猫店铺的授权 / Cainiao needs a Taobao or Tmall shop",
                ));
            }
        }
        let text = serde_json::to_string(&setup).map_err(|e| Error::Internal(e.to_string()))?;
        self.store
            .set_setting(SHIPPING_SETTING, &text, actor)
            .await?;
        Ok(setup)
    }

    /// 打印面单: takes a waybill for every order of the wave that has no shipment yet —
    /// one shipment per 合单 group — and returns all the wave's shipments.
    pub async fn label_wave(&self, user: &User, wave: i64, actor: &Actor) -> Result<Vec<Shipment>> {
        let w = self.wave(user, wave).await?;
        let setup = self.shipping_setup().await?;
        if setup.sender_name.is_empty() {
            return Err(Error::Rule(
                "请先在发货设置中填写寄件人 / set the sender in the shipping setup first".into(),
            ));
        }
        let have = self.wave_shipments(w.id).await?;
        let labelled: BTreeSet<OrderId> = have.iter().flat_map(|s| s.orders.clone()).collect();
        let mut todo = Vec::new();
        let mut orders = BTreeMap::new();
        for (id, _) in &w.orders {
            if labelled.contains(id) {
                continue;
            }
            let o = self
                .store
                .get_order(*id)
                .await?
                .ok_or_else(|| Error::not_found("order", id))?;
            todo.push((*id, o.merge_group));
            orders.insert(*id, o);
        }
        if todo.is_empty() {
            return Ok(have);
        }
        let warehouse = self.warehouse(w.warehouse_id).await?;
        let sender = Party {
            name: setup.sender_name.clone(),
            mobile: setup.sender_phone.clone(),
            province: warehouse.fields.province.clone(),
            city: warehouse.fields.city.clone(),
            district: warehouse.fields.district.clone(),
            detail: warehouse.fields.address.clone(),
            ..Default::default()
        };
        let mut all: Vec<Parcel> = Vec::new();
        for group in parcels(&todo) {
            let first = &orders[&group[0]];
            let mut items: BTreeMap<String, i64> = BTreeMap::new();
            for id in &group {
                for l in &orders[id].order.lines {
                    *items.entry(l.title.clone()).or_default() += l.qty;
                }
            }
            let taobao = matches!(
                self.shop(first.order.shop_id).await?.fields.platform,
                Platform::Taobao | Platform::Tmall
            );
            all.push(Parcel {
                object_id: group
                    .iter()
                    .map(|o| o.0.to_string())
                    .collect::<Vec<_>>()
                    .join("+"),
                order_refs: group
                    .iter()
                    .map(|o| orders[o].order.platform_order_id.clone())
                    .collect(),
                channel: if taobao {
                    OrderChannel::Taobao
                } else {
                    OrderChannel::Other
                },
                receiver: first.order.receiver.clone(),
                items: items
                    .into_iter()
                    .map(|(name, count)| Item { name, count })
                    .collect(),
                weight_g: None,
            });
        }
        let (issuer, carrier_code, template): (Box<dyn Waybills>, String, String) =
            match &setup.source {
                WaybillSource::Local { prefix } => {
                    let first = self
                        .store
                        .take_numbers(&format!("waybill:{prefix}"), 1, all.len() as i64)
                        .await?;
                    let range = LocalRange::new(prefix, first as u64).map_err(Error::Rule)?;
                    (Box::new(range), "SELF".into(), String::new())
                }
                WaybillSource::Cainiao {
                    shop_id,
                    cp_code,
                    template_url,
                } => {
                    let shop = self.shop(jxc_core::ids::ShopId(*shop_id)).await?;
                    let c = jxc_channels::ShopCredentials::new(&shop.fields.credentials.0);
                    let http = jxc_channels::http::Http::new(&jxc_channels::Options {
                        timeout: self.sync.timeout,
                    })
                    .map_err(|e| Error::Upstream(e.to_string()))?;
                    let cn = jxc_channels::cainiao::Cainiao::new(&c, http)
                        .map_err(|e| Error::Upstream(e.to_string()))?;
                    (Box::new(cn), cp_code.clone(), template_url.clone())
                }
            };
        // Each batch's waybills are kept before the next is asked for: an issued number
        // is never lost to a later failure.
        let mut made = have;
        for batch in all.chunks(issuer.max_parcels().max(1)) {
            let req = WaybillRequest {
                carrier_code: carrier_code.clone(),
                sender: sender.clone(),
                parcels: batch.to_vec(),
                template_url: template.clone(),
            };
            let got: Vec<Waybill> = issuer
                .apply(&req)
                .await
                .map_err(|e| Error::Upstream(e.to_string()))?;
            let new: Vec<NewShipment> = got
                .into_iter()
                .map(|wb| NewShipment {
                    warehouse_id: w.warehouse_id,
                    wave_id: Some(w.id),
                    orders: wb
                        .object_id
                        .split('+')
                        .filter_map(|s| s.parse().ok())
                        .map(OrderId)
                        .collect(),
                    carrier: setup.carrier.clone(),
                    tracking_no: wb.waybill_code,
                    print_data: wb.print_data,
                })
                .collect();
            made.extend(self.store.create_shipments(&new, actor).await?);
        }
        made.sort_by_key(|s| s.id);
        Ok(made)
    }

    /// The shipments of a wave, by id.
    pub async fn wave_shipments(&self, wave: i64) -> Result<Vec<Shipment>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page =
                PageRequest::new(Some(jxc_core::paging::MAX_LIMIT), after.as_deref(), false)?;
            let p = self
                .store
                .list_shipments(
                    &ShipmentFilter {
                        wave: Some(wave),
                        ..Default::default()
                    },
                    &page,
                )
                .await?;
            out.extend(p.items);
            match p.next {
                Some(n) if Some(&n) != after.as_ref() => after = Some(n),
                _ => return Ok(out),
            }
        }
    }

    /// 发货单 list, limited to the user's warehouses.
    pub async fn shipments(
        &self,
        user: &User,
        mut filter: ShipmentFilter,
        page: &PageRequest,
    ) -> Result<Page<Shipment>> {
        if let Some(w) = filter.warehouse {
            require_warehouse(user, w)?;
        }
        filter.warehouses = user.fields.warehouse_ids.clone();
        Ok(self.store.list_shipments(&filter, page).await?)
    }

    pub async fn shipment(&self, user: &User, id: i64) -> Result<ShipmentView> {
        let s = self.visible_shipment(user, id).await?;
        self.view(s).await
    }

    /// A shipment of a warehouse the user sees.
    pub(crate) async fn visible_shipment(&self, user: &User, id: i64) -> Result<Shipment> {
        let s = self
            .store
            .get_shipment(id)
            .await?
            .ok_or_else(|| Error::not_found("shipment", id))?;
        require_warehouse(user, s.warehouse_id)?;
        Ok(s)
    }

    /// A shipment that has left its warehouse, of a warehouse the user sees.
    pub(crate) async fn out_shipment(&self, user: &User, id: i64) -> Result<Shipment> {
        let s = self.visible_shipment(user, id).await?;
        if !s.status.is_out() {
            return Err(Error::Rule(
                "发货单尚未发货 / the shipment has not shipped".into(),
            ));
        }
        Ok(s)
    }

    /// What the scan station finds for a scanned code: the tracking number on a label,
    /// or an order's platform id or our id (its shipment from a warehouse the user sees).
    pub async fn shipment_for_scan(&self, user: &User, code: &str) -> Result<ShipmentView> {
        let code = code.trim();
        if code.is_empty() || code.len() > 64 {
            return Err(Error::invalid(
                "code",
                "请扫描面单或订单号 / scan a label or an order",
            ));
        }
        let mut found = self
            .shipments(
                user,
                ShipmentFilter {
                    tracking_no: Some(code.to_string()),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await?
            .items;
        if found.is_empty() {
            let mut ids: Vec<OrderId> = self
                .store
                .list_orders(
                    &jxc_store::OrderFilter {
                        q: Some(code.to_string()),
                        shop_ids: user.fields.shop_ids.clone(),
                        ..Default::default()
                    },
                    &PageRequest::default(),
                )
                .await?
                .items
                .into_iter()
                .filter(|o| o.platform_order_id == code)
                .map(|o| o.id)
                .collect();
            if let Ok(n) = code.parse::<i64>() {
                ids.push(OrderId(n));
            }
            for id in ids {
                found.extend(
                    self.shipments(
                        user,
                        ShipmentFilter {
                            order: Some(id),
                            ..Default::default()
                        },
                        &PageRequest::default(),
                    )
                    .await?
                    .items,
                );
            }
        }
        // A labelled one first: that is what the bench is about to ship.
        found.sort_by_key(|s| (s.status != ShipmentStatus::Labelled, s.id));
        match found.into_iter().next() {
            Some(s) => self.view(s).await,
            None => Err(Error::not_found("shipment", code)),
        }
    }

    async fn view(&self, s: Shipment) -> Result<ShipmentView> {
        let mut orders = Vec::new();
        let mut receiver = Receiver::default();
        for id in &s.orders {
            if let Some(o) = self.store.get_order(*id).await? {
                if orders.is_empty() {
                    receiver = o.order.receiver.clone();
                }
                orders.push(ShipmentOrder {
                    id: *id,
                    platform_order_id: o.order.platform_order_id.clone(),
                    buyer_message: o.order.buyer_message.clone(),
                });
            }
        }
        let qty: Vec<(SkuId, i64)> = if s.status == ShipmentStatus::Labelled {
            self.store.shipment_contents(s.id).await?
        } else {
            // Out: what its issue took.
            let mut by_sku: BTreeMap<SkuId, i64> = BTreeMap::new();
            let doc = match s.document_id {
                Some(d) => self.store.get_document(d).await?,
                None => None,
            };
            for m in doc.into_iter().flat_map(|d| d.moves) {
                *by_sku.entry(m.sku_id).or_default() += m.qty.abs();
            }
            by_sku.into_iter().collect()
        };
        let mut lines = Vec::with_capacity(qty.len());
        for (sku_id, qty) in qty {
            let sku = self.sku(sku_id).await?;
            let mut barcodes = sku.fields.barcodes.clone();
            barcodes.push(sku.fields.code.clone());
            let serial = sku.fields.tracking.is_serial();
            let serials = if serial {
                self.shipment_serials(&s, &orders, sku_id).await?
            } else {
                Vec::new()
            };
            lines.push(ShipmentLine {
                sku_id,
                sku_code: sku.fields.code,
                sku_name: sku.fields.name,
                barcodes,
                qty,
                serial,
                serials,
            });
        }
        let warehouse = self.warehouse(s.warehouse_id).await?;
        let setup = self.shipping_setup().await?;
        let sender = Receiver {
            name: setup.sender_name,
            mobile: setup.sender_phone,
            province: warehouse.fields.province.clone(),
            city: warehouse.fields.city.clone(),
            district: warehouse.fields.district.clone(),
            detail: warehouse.fields.address.clone(),
            ..Default::default()
        };
        Ok(ShipmentView {
            shipment: s,
            orders,
            receiver,
            sender,
            warehouse_name: warehouse.fields.name,
            lines,
        })
    }

    /// 菜鸟打印组件: the `print` command for a wave's labelled shipments (Cainiao waybills
    /// only; a local range prints its own labels).
    pub async fn wave_print_command(
        &self,
        user: &User,
        wave: i64,
        printer: &str,
    ) -> Result<serde_json::Value> {
        let w = self.wave(user, wave).await?;
        let ships = self.wave_shipments(w.id).await?;
        let waybills: Vec<Waybill> = ships
            .iter()
            // Cainiao's print data is encrypted for its component; a local range's is
            // ours and prints from the labels page.
            .filter(|s| {
                s.status == ShipmentStatus::Labelled && s.print_data.contains("\"encryptedData\"")
            })
            .map(|s| Waybill {
                object_id: s.id.to_string(),
                waybill_code: s.tracking_no.clone(),
                print_data: s.print_data.clone(),
                carrier_code: s.carrier.clone(),
            })
            .collect();
        if waybills.is_empty() {
            return Err(Error::Rule(
                "此波次没有待打印的菜鸟面单（自配送面单在面单页打印）/ no Cainiao labels waiting: take waybills first (own-range labels print from the labels page)".into(),
            ));
        }
        Ok(jxc_channels::cainiao::print_command(
            &format!("wave-{}", w.id),
            printer,
            &waybills,
        ))
    }
}

impl App {
    /// The serial numbers of `sku` in shipment `s`: those its orders hold reserved while it
    /// waits to ship, or those its issue took once shipped.
    async fn shipment_serials(
        &self,
        s: &Shipment,
        orders: &[ShipmentOrder],
        sku: SkuId,
    ) -> Result<Vec<String>> {
        let mut out = Vec::new();
        if s.status != ShipmentStatus::Labelled {
            if let Some(d) = s.document_id
                && let Some(doc) = self.store.get_document(d).await?
            {
                out.extend(
                    doc.moves
                        .iter()
                        .filter(|m| m.sku_id == sku)
                        .map(|m| m.lot_no.clone()),
                );
            }
        } else {
            let balances = self
                .store
                .list_balances(
                    &jxc_store::BalanceFilter {
                        sku_id: Some(sku),
                        warehouse_id: Some(s.warehouse_id),
                        ..Default::default()
                    },
                    &PageRequest {
                        limit: jxc_core::paging::MAX_LIMIT,
                        ..Default::default()
                    },
                )
                .await?;
            let nos: BTreeMap<_, _> = balances
                .items
                .iter()
                .map(|b| (b.lot_id, b.lot_no.clone()))
                .collect();
            for o in orders {
                let held = self
                    .store
                    .list_reservations(
                        &jxc_store::ReservationFilter {
                            sku_id: Some(sku),
                            warehouse_id: Some(s.warehouse_id),
                            status: Some(jxc_store::ReservationStatus::Live),
                            source_ref: Some(o.platform_order_id.clone()),
                            ..Default::default()
                        },
                        &PageRequest {
                            limit: jxc_core::paging::MAX_LIMIT,
                            ..Default::default()
                        },
                    )
                    .await?;
                out.extend(
                    held.items
                        .iter()
                        .filter_map(|r| nos.get(&r.lot_id).cloned()),
                );
            }
        }
        out.sort();
        Ok(out)
    }
}
