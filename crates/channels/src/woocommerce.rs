//! WooCommerce (REST API v3): webhooks ([`WooWebhooks`]) bring orders as they change; the
//! pull adapter ([`Woo`]) backfills and catches missed webhooks.
//!
//! - **Pull**: `GET {base_url}/wp-json/wc/v3/orders?modified_after=…&modified_before=…&
//!   dates_are_gmt=true&orderby=modified&order=asc&per_page=100&page=N`, HTTP basic auth
//!   `consumer_key:consumer_secret`. WordPress's date bounds are whole seconds and both
//!   exclusive, so our half-open window `[start, end)` asks for after `ceil(start) − 1 s`,
//!   before `ceil(end)`. Pages are numbered; `X-WP-TotalPages` says whether one follows and
//!   `X-WP-Total` is the window's total. Errors are `{"code", "message", "data":{"status"}}`.
//! - **Ship** (发货回传): `PUT {base_url}/wp-json/wc/v3/orders/{id}` with
//!   `{"status":"completed","meta_data":[{"key":"_tracking_number",…},{"key":"_tracking_provider",…}]}`
//!   (the keys the WooCommerce Shipment Tracking extension reads; the provider is the
//!   carrier's name from [`crate::carriers`]). WooCommerce takes any edit of any order, so
//!   the adapter reads the order first: one already `completed` with this tracking number
//!   is done (Ok, nothing sent); one completed otherwise, closed (cancelled, refunded,
//!   failed, trash) or not paid is refused. Whole orders only. The shape is from the
//!   public REST docs and *unconfirmed* here (the spec covers reading orders only).
//! - **Push**: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(`webhook_secret`, raw body)),
//!   compared in constant time before anything is read; `X-WC-Webhook-Delivery-ID` is the
//!   delivery id. `order.created` / `order.updated` / `order.restored` carry the order;
//!   `order.deleted` carries only `{"id"}`, returned to fetch (a trashed order comes back
//!   as `trash`, closed; one deleted for good as unknown). Creating a webhook sends an
//!   unsigned form-encoded ping `webhook_id=N`: it is recognised by that exact shape and
//!   ignored (any other unsigned body is a bad signature). Other topics are ignored.
//!
//! Reading an order:
//! - Status as sent, through [`STATUSES`]; `paid_at` is `date_paid_gmt`.
//! - Lines: WooCommerce spreads coupons over the lines, so a line's discount is
//!   `subtotal − total` (before and after coupons) and `discount_merchant` stays 0; the unit
//!   price is `subtotal / quantity`. Woo keeps line amounts before tax: with
//!   `prices_include_tax` the line's tax is added back to unit price and discount, so they
//!   read as the shop shows them. A line's `paid` is `total + total_tax`; tax on shipping
//!   and fee lines are split over the lines by largest remainder, so that Σ lines.paid =
//!   `total − shipping_total`. (`price`, a float Woo computes, is not read.)
//! - Refunds: Woo's order lists `refunds[{id, reason, total}]` without lines. Every line of
//!   a `refunded` order reads `refunded`; with refunds on any other order, every line
//!   reads `partially_refunded <Σ refunded>` (e.g. `partially_refunded 19.80`), so each new
//!   refund shows as a change; with none, empty.
//! - Receiver from `shipping` (phone from `shipping.phone`, else `billing.phone`; a
//!   landline goes to `phone`). `address_1 address_2` is the detail (Chinese stores put the
//!   district there; `district` stays empty), `state` is kept as sent as the province —
//!   a store using WooCommerce's own list of Chinese provinces sends its codes (`CN2`…),
//!   which the address check then reports. Buyer: billing e-mail (else name),
//!   `customer_id` as `buyer_id`; `customer_note` is the buyer's message.

use std::time::Duration;

use async_trait::async_trait;
use jxc_core::ids::ShopId;
use jxc_core::partners::Platform;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::http::{Http, snippet};
use crate::status::{PlatformState, StatusRow};
use crate::{
    Channel, ChannelError, Fetched, OrderPage, PushChannel, PushContent, PushMessage, ShipNotice,
    ShopCredentials, WebhookRequest, Window, carriers, refused, sign,
};

mod order;

use order::{read_list, read_one};

/// WooCommerce's largest page.
pub const PAGE_SIZE: u32 = 100;

/// Every order status WooCommerce core documents, stored as sent.
pub const STATUSES: &[StatusRow] = &[
    row("pending", PlatformState::Unpaid),
    row("on-hold", PlatformState::Unpaid),
    row("checkout-draft", PlatformState::Unpaid),
    row("processing", PlatformState::AwaitingShipment),
    row("completed", PlatformState::Completed),
    row("cancelled", PlatformState::Closed),
    row("refunded", PlatformState::Closed),
    row("failed", PlatformState::Closed),
    row("trash", PlatformState::Closed),
];

const fn row(sent: &'static str, state: PlatformState) -> StatusRow {
    StatusRow {
        sent,
        stored: sent,
        state,
    }
}

/// The webhook signature: base64(HMAC-SHA256(secret, raw body)).
pub fn webhook_signature(secret: &str, body: &[u8]) -> String {
    sign::hmac_sha256_base64(secret, body)
}

/// The pull adapter of one WooCommerce store.
pub struct Woo {
    shop: ShopId,
    base: String,
    key: String,
    secret: String,
    http: Http,
}

impl Woo {
    pub fn new(shop: ShopId, c: &ShopCredentials, http: Http) -> Result<Self, ChannelError> {
        // A store's own site: there is no default endpoint.
        let base = c.require("base_url")?.trim_end_matches('/').to_string();
        Ok(Woo {
            shop,
            base,
            key: c.require("consumer_key")?.to_string(),
            secret: c.require("consumer_secret")?.to_string(),
            http,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/wp-json/wc/v3/{path}", self.base)
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, ChannelError> {
        let req = self.http.client().get(self.url(path)).query(query);
        self.send(req).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Answer, ChannelError> {
        let req = req.basic_auth(&self.key, Some(&self.secret));
        let r = self
            .http
            .send_reading_errors(req, |body| error_text(body).1)
            .await?;
        Ok(Answer {
            status: r.status,
            total: r.count("x-wp-total"),
            total_pages: r.count("x-wp-totalpages"),
            body: r.body,
        })
    }
}

#[async_trait]
impl Channel for Woo {
    fn platform(&self) -> Platform {
        Platform::Woocommerce
    }

    /// WooCommerce sets no limit; a week keeps page numbers low.
    fn max_window(&self) -> Duration {
        Duration::from_secs(7 * 24 * 3600)
    }

    async fn changed_orders(&self, window: Window, page: u32) -> Result<OrderPage, ChannelError> {
        let page = page.max(1);
        let query = [
            ("modified_after", gmt(crate::ceil_secs(window.start_ms) - 1)),
            ("modified_before", gmt(crate::ceil_secs(window.end_ms))),
            ("dates_are_gmt", "true".into()),
            ("orderby", "modified".into()),
            ("order", "asc".into()),
            ("per_page", PAGE_SIZE.to_string()),
            ("page", page.to_string()),
        ];
        let a = self.get("orders", &query).await?;
        if a.status != 200 {
            return Err(platform_error(&a.body));
        }
        let orders = read_list(self.shop, &a.body)?;
        let has_next = match a.total_pages {
            Some(pages) => u64::from(page) < pages,
            None => orders.len() == PAGE_SIZE as usize,
        };
        Ok(OrderPage {
            orders,
            has_next,
            total: a.total,
        })
    }

    async fn order(&self, platform_order_id: &str) -> Result<Option<Fetched>, ChannelError> {
        let id = platform_order_id.trim();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None); // not a WooCommerce order id
        }
        let a = self.get(&format!("orders/{id}"), &[]).await?;
        match a.status {
            404 => Ok(None),
            200 => {
                let raw: &RawValue = serde_json::from_str(&a.body).map_err(|e| {
                    ChannelError::malformed(format!("不是 JSON / not JSON: {e}"), &a.body)
                })?;
                Ok(Some(read_one(self.shop, raw)))
            }
            _ => Err(platform_error(&a.body)),
        }
    }

    async fn ship(&self, s: &ShipNotice) -> Result<(), ChannelError> {
        let (id, tracking) = s.checked()?;
        s.whole_order_only("WooCommerce")?;
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refused(
                "jxc.not-an-order-id",
                &format!("不是 WooCommerce 订单号 / not a WooCommerce order id: {id}"),
            ));
        }
        let provider = carriers::platform_code(&s.carrier, Platform::Woocommerce)?;
        let a = self.get(&format!("orders/{id}"), &[]).await?;
        if a.status != 200 {
            return Err(platform_error(&a.body));
        }
        let now: ShippingState = serde_json::from_str(&a.body).map_err(|e| {
            ChannelError::malformed(format!("订单格式不符 / unexpected order: {e}"), &a.body)
        })?;
        let sent_before = now.meta("_tracking_number");
        match (
            now.status.as_str(),
            crate::status::lookup(STATUSES, &now.status),
        ) {
            ("completed", _) if sent_before.as_deref() == Some(tracking) => return Ok(()),
            ("completed", _) => {
                let before = sent_before.as_deref().unwrap_or("-");
                return Err(refused(
                    "jxc.already-completed",
                    &format!(
                        "订单已完成，运单号 {before} / the order is completed already, tracking number {before}"
                    ),
                ));
            }
            (status, Some(row))
                if matches!(row.state, PlatformState::Closed | PlatformState::Unpaid) =>
            {
                return Err(refused(
                    "jxc.order-not-shippable",
                    &format!(
                        "订单状态 {status} 不能发货 / an order in status {status} cannot ship"
                    ),
                ));
            }
            _ => {}
        }
        let body = serde_json::json!({
            "status": "completed",
            "meta_data": [
                { "key": "_tracking_number", "value": tracking },
                { "key": "_tracking_provider", "value": provider },
            ],
        });
        let a = self
            .send(
                self.http
                    .client()
                    .put(self.url(&format!("orders/{id}")))
                    .json(&body),
            )
            .await?;
        match a.status {
            200 | 201 => Ok(()),
            _ => Err(platform_error(&a.body)),
        }
    }
}

/// What shipping needs of an order: its status and its meta data.
#[derive(Deserialize)]
struct ShippingState {
    status: String,
    #[serde(default)]
    meta_data: Vec<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    key: String,
    #[serde(default)]
    value: serde_json::Value,
}

impl ShippingState {
    /// The text of the meta entry `key`, if any.
    fn meta(&self, key: &str) -> Option<String> {
        self.meta_data
            .iter()
            .rev()
            .find(|m| m.key == key)
            .and_then(|m| m.value.as_str().map(str::to_string))
    }
}

/// The webhook receiver of one WooCommerce store.
pub struct WooWebhooks {
    shop: ShopId,
    secret: String,
}

impl WooWebhooks {
    pub fn new(shop: ShopId, c: &ShopCredentials) -> Result<Self, ChannelError> {
        Ok(WooWebhooks {
            shop,
            secret: c.require("webhook_secret")?.to_string(),
        })
    }
}

/// The ping WooCommerce sends when a webhook is created: exactly `webhook_id=<digits>`.
fn is_ping(body: &[u8]) -> bool {
    body.strip_prefix(b"webhook_id=")
        .is_some_and(|id| !id.is_empty() && id.iter().all(u8::is_ascii_digit))
}

impl PushChannel for WooWebhooks {
    fn platform(&self) -> Platform {
        Platform::Woocommerce
    }

    fn receive(&self, request: WebhookRequest<'_>) -> Result<PushMessage, ChannelError> {
        let sent = request
            .header("x-wc-webhook-signature")
            .unwrap_or("")
            .trim();
        let topic = request
            .header("x-wc-webhook-topic")
            .unwrap_or("")
            .to_string();
        let delivery_id = request
            .header("x-wc-webhook-delivery-id")
            .unwrap_or("")
            .to_string();
        let ignored = |why: &str| {
            Ok(PushMessage {
                delivery_id: delivery_id.clone(),
                topic: topic.clone(),
                content: PushContent::Ignored(why.to_string()),
            })
        };
        if sent.is_empty() && is_ping(request.body) {
            return ignored("WooCommerce 创建 webhook 时的 ping（不签名）/ unsigned ping");
        }
        let expected = webhook_signature(&self.secret, request.body);
        if sent.is_empty() || !sign::constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return Err(ChannelError::BadSignature);
        }
        if is_ping(request.body) {
            return ignored("WooCommerce ping");
        }
        let body = String::from_utf8_lossy(request.body);
        let content = match topic.as_str() {
            "order.created" | "order.updated" | "order.restored" => {
                let raw: &RawValue = serde_json::from_str(&body).map_err(|e| {
                    ChannelError::malformed(format!("不是 JSON / not JSON: {e}"), &body)
                })?;
                PushContent::Orders(vec![read_one(self.shop, raw)])
            }
            "order.deleted" => {
                #[derive(Deserialize)]
                struct Deleted {
                    id: u64,
                }
                let d: Deleted = serde_json::from_str(&body).map_err(|e| {
                    ChannelError::malformed(format!("缺订单号 / no order id: {e}"), &body)
                })?;
                PushContent::OrderIds(vec![d.id.to_string()])
            }
            other => PushContent::Ignored(format!("不处理的主题 {other} / topic not used")),
        };
        Ok(PushMessage {
            delivery_id,
            topic,
            content,
        })
    }
}

// ---- HTTP ----

struct Answer {
    status: u16,
    total: Option<u64>,
    total_pages: Option<u64>,
    body: String,
}

/// WordPress's error `{"code", "message", "data": {"status"}}` as (code, message).
fn error_text(body: &str) -> (String, String) {
    #[derive(Deserialize)]
    struct Error {
        code: String,
        #[serde(default)]
        message: String,
    }
    match serde_json::from_str::<Error>(body) {
        Ok(e) => (e.code, e.message),
        Err(_) => ("unknown".into(), snippet(body)),
    }
}

fn platform_error(body: &str) -> ChannelError {
    let (code, message) = error_text(body);
    ChannelError::Platform { code, message }
}

/// Seconds as WordPress takes a GMT date: `2024-01-01T04:00:00`.
fn gmt(s: i64) -> String {
    chrono::DateTime::from_timestamp(s, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{assert_table_agrees_with_core, lookup};

    #[test]
    fn webhook_signature_reproduces_the_spec_vector() {
        let expected = "zC8fc2J1qFdixyP4o8Kfvsu3wUJ60d2+FFia1JA2pik=";
        assert_eq!(webhook_signature("whsec", br#"{"id":1}"#), expected);
        let creds = serde_json::json!({"webhook_secret": "whsec"});
        let hooks = WooWebhooks::new(ShopId(1), &ShopCredentials::new(&creds)).unwrap();
        let headers = vec![
            ("x-wc-webhook-signature".to_string(), expected.to_string()),
            (
                "x-wc-webhook-topic".to_string(),
                "order.deleted".to_string(),
            ),
        ];
        let got = hooks.receive(WebhookRequest {
            headers: &headers,
            body: br#"{"id":1}"#,
        });
        assert_eq!(
            got.map(|m| m.content),
            Ok(PushContent::OrderIds(vec!["1".into()]))
        );
    }

    #[test]
    fn status_table_agrees_with_core() {
        assert_table_agrees_with_core(STATUSES);
        let state = |s: &str| lookup(STATUSES, s).map(|r| (r.stored, r.state));
        assert_eq!(
            state("processing"),
            Some(("processing", PlatformState::AwaitingShipment))
        );
        assert_eq!(state("on-hold"), Some(("on-hold", PlatformState::Unpaid)));
        assert_eq!(
            state("completed"),
            Some(("completed", PlatformState::Completed))
        );
        assert_eq!(state("trash"), Some(("trash", PlatformState::Closed)));
    }
}
