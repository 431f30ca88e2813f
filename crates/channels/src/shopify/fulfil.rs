//! 发货回传 on Shopify (REST Admin `2024-10`), through fulfillment orders — the only way
//! to create a fulfillment in this API version (`POST /orders/{id}/fulfillments.json` is
//! gone since 2022-07):
//!
//! 1. `GET orders/{id}/fulfillment_orders.json`: the order's fulfillment orders and, per
//!    line item, what is still `fulfillable_quantity`. An unknown order is 404.
//! 2. `POST fulfillments.json` with `{"fulfillment": {"line_items_by_fulfillment_order":
//!    [{"fulfillment_order_id", "fulfillment_order_line_items": [{"id", "quantity"}]}],
//!    "tracking_info": {"number", "company"}, "notify_customer": true}}` for the open
//!    (`open`, `in_progress`) fulfillment orders' lines asked for (all of them for a whole
//!    order); 201 on success.
//!
//! When nothing asked for is left to fulfil, `GET orders/{id}/fulfillments.json` says
//! whether it was fulfilled with this tracking number already (then it is done: a repeat
//! is Ok); otherwise the ship is refused. The shapes are from Shopify's public REST docs
//! and *unconfirmed* here (the spec covers reading orders only).

use std::collections::HashSet;

use jxc_core::partners::Platform;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Shopify, platform_error};
use crate::{ChannelError, ShipNotice, carriers, refused};

#[derive(Deserialize)]
struct FulfillmentOrders {
    fulfillment_orders: Vec<FulfillmentOrder>,
}

#[derive(Deserialize)]
struct FulfillmentOrder {
    id: u64,
    status: String,
    #[serde(default)]
    line_items: Vec<FulfillmentOrderLine>,
}

#[derive(Deserialize)]
struct FulfillmentOrderLine {
    id: u64,
    line_item_id: u64,
    #[serde(default)]
    fulfillable_quantity: i64,
}

#[derive(Deserialize)]
struct Fulfillments {
    fulfillments: Vec<Fulfillment>,
}

#[derive(Deserialize)]
struct Fulfillment {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    tracking_number: Option<String>,
    #[serde(default)]
    tracking_numbers: Vec<String>,
}

impl Shopify {
    pub(super) async fn fulfil(&self, s: &ShipNotice) -> Result<(), ChannelError> {
        let (id, tracking) = s.checked()?;
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refused(
                "jxc.not-an-order-id",
                &format!("不是 Shopify 订单号 / not a Shopify order id: {id}"),
            ));
        }
        let company = carriers::platform_code(&s.carrier, Platform::Shopify)?;
        let orders: FulfillmentOrders = self
            .get_json(&format!("orders/{id}/fulfillment_orders.json"))
            .await?;
        let wanted: HashSet<&str> = s.line_ids.iter().map(|l| l.trim()).collect();
        let known: HashSet<String> = orders
            .fulfillment_orders
            .iter()
            .flat_map(|fo| fo.line_items.iter().map(|l| l.line_item_id.to_string()))
            .collect();
        let unknown: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|l| !known.contains(*l))
            .collect();
        if !unknown.is_empty() {
            return Err(refused(
                "jxc.unknown-line",
                &format!("订单没有这些商品行 / the order has no line items {unknown:?}"),
            ));
        }
        let groups: Vec<Value> = orders
            .fulfillment_orders
            .iter()
            .filter(|fo| matches!(fo.status.as_str(), "open" | "in_progress"))
            .filter_map(|fo| {
                let items: Vec<Value> = fo
                    .line_items
                    .iter()
                    .filter(|l| l.fulfillable_quantity > 0)
                    .filter(|l| wanted.is_empty() || wanted.contains(&*l.line_item_id.to_string()))
                    .map(|l| json!({ "id": l.id, "quantity": l.fulfillable_quantity }))
                    .collect();
                (!items.is_empty()).then(|| {
                    json!({ "fulfillment_order_id": fo.id, "fulfillment_order_line_items": items })
                })
            })
            .collect();
        if groups.is_empty() {
            if self.fulfilled_with(id, tracking).await? {
                return Ok(()); // done before with this tracking number
            }
            let statuses: Vec<&str> = orders
                .fulfillment_orders
                .iter()
                .map(|fo| fo.status.as_str())
                .collect();
            return Err(refused(
                "jxc.nothing-to-fulfil",
                &format!(
                    "Shopify 上没有待发货的商品（fulfillment orders: {statuses:?}）/ nothing left to fulfil on Shopify"
                ),
            ));
        }
        let body = json!({ "fulfillment": {
            "line_items_by_fulfillment_order": groups,
            "tracking_info": { "number": tracking, "company": company },
            "notify_customer": true,
        }});
        let req = self
            .http
            .client()
            .post(self.url("fulfillments.json"))
            .json(&body);
        match self.send(req).await? {
            (200 | 201, _, _) => Ok(()),
            (status, _, body) => Err(platform_error(status, &body)),
        }
    }

    /// Whether the order has a live fulfillment with `tracking`.
    async fn fulfilled_with(&self, id: &str, tracking: &str) -> Result<bool, ChannelError> {
        let f: Fulfillments = self
            .get_json(&format!("orders/{id}/fulfillments.json"))
            .await?;
        Ok(f.fulfillments.iter().any(|f| {
            f.status.as_deref() != Some("cancelled")
                && (f.tracking_number.as_deref() == Some(tracking)
                    || f.tracking_numbers.iter().any(|t| t == tracking))
        }))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, ChannelError> {
        let (status, _, body) = self.send(self.http.client().get(self.url(path))).await?;
        if status != 200 {
            return Err(platform_error(status, &body));
        }
        serde_json::from_str(&body).map_err(|e| {
            ChannelError::malformed(format!("{path} 格式不符 / unexpected shape: {e}"), &body)
        })
    }
}
