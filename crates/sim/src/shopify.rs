//! Shopify's REST Admin API `2024-10`, as a simulated store serves it, and its webhooks.
//!
//! - `GET /admin/api/2024-10/orders.json` with `X-Shopify-Access-Token`: `status`
//!   (`any`; default `open`), `updated_at_min` / `updated_at_max` (ISO 8601, whole seconds,
//!   both inclusive), `limit` (default 50, at most 250), `order=updated_at asc`. Paging is
//!   by cursor: a `Link: <…?limit=N&page_info=…>; rel="next"` header while more follow; a
//!   request with `page_info` may carry only `limit` (the filters live in the cursor).
//! - `GET /admin/api/2024-10/orders/{id}.json` → `{"order": …}`, 404 `{"errors":"Not Found"}`.
//! - A wrong token is 401 `{"errors":"[API] Invalid API key or access token (unrecognized
//!   login or wrong password)"}`; the rate-limit fault is 429 with `Retry-After: 2.0`.
//! - Orders are in the shop's time zone (China, `+08:00`), money as two-decimal strings in
//!   CNY, taxes included in the prices. A line discount is a `discount_allocation` of an
//!   `explicit` discount application; the order's 满减 one of an `all` application (a code).
//! - Shipping, through fulfillment orders (one per order, id `FO_BASE + order id`, its
//!   line items `FO_LINE_BASE + line id`): `GET orders/{id}/fulfillment_orders.json`
//!   (status `open`, `in_progress` once part shipped, `closed` when shipped or cancelled;
//!   `fulfillable_quantity` per line), `POST fulfillments.json` with
//!   `line_items_by_fulfillment_order` (no line items = all of the fulfillment order's) and
//!   `tracking_info{number, company}` → 201 `{"fulfillment": …}`, and
//!   `GET orders/{id}/fulfillments.json`. The order then shows `fulfillment_status`
//!   `fulfilled` (or `partial`) and its `fulfillments`. Refusals are 422
//!   `{"errors": […]}`; unlike Shopify, the simulator also refuses a fulfillment without a
//!   tracking number (a test should notice one missing) and of an unpaid order.
//! - Webhooks ([`send_webhooks`]): each changed order POSTed as JSON with `X-Shopify-Topic`,
//!   `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the body with the webhook secret),
//!   `X-Shopify-Shop-Domain`, `X-Shopify-Webhook-Id`, `X-Shopify-API-Version`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{SimOrder, SimRefund, SimServer, SimState, SimStatus};

mod fulfil;

pub use fulfil::{FO_BASE, FO_LINE_BASE};

const BASE: &str = "/admin/api/2024-10";
pub const SHOP_DOMAIN: &str = "jxc-sim.myshopify.com";
const MAX_LIMIT: usize = 250;

pub fn router(state: SimState) -> Router {
    Router::new()
        .route(&format!("{BASE}/orders.json"), get(list))
        .route(&format!("{BASE}/orders/{{file}}"), get(one))
        .route(
            &format!("{BASE}/orders/{{file}}/fulfillment_orders.json"),
            get(fulfil::fulfillment_orders),
        )
        .route(
            &format!("{BASE}/orders/{{file}}/fulfillments.json"),
            get(fulfil::fulfillments),
        )
        .route(
            &format!("{BASE}/fulfillments.json"),
            axum::routing::post(fulfil::create),
        )
        .with_state(state)
}

pub async fn start(state: SimState) -> std::io::Result<SimServer> {
    SimServer::serve(router(state.clone()), state, ([127, 0, 0, 1], 0).into()).await
}

pub(crate) fn errors(status: StatusCode, errors: Value) -> Response {
    (status, axum::Json(json!({ "errors": errors }))).into_response()
}

/// Counts the request, checks the token and takes the pending faults (but the
/// malformed order, which the list applies).
pub(crate) fn gate(s: &SimState, headers: &HeaderMap) -> Option<Response> {
    let w = &s.world;
    w.with(|w| w.stats.requests += 1);
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok());
    if token != Some(s.credentials.access_token.as_str()) {
        w.with(|w| w.stats.bad_signatures += 1);
        return Some(errors(
            StatusCode::UNAUTHORIZED,
            json!("[API] Invalid API key or access token (unrecognized login or wrong password)"),
        ));
    }
    if w.take_fault(|f| &mut f.rate_limited) {
        let body = json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."});
        return Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "2.0")],
                axum::Json(body),
            )
                .into_response(),
        );
    }
    if w.take_fault(|f| &mut f.server_error) {
        return Some(errors(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!("Internal Server Error"),
        ));
    }
    if w.take_fault(|f| &mut f.malformed_body) {
        return Some((StatusCode::OK, "<html><body>Shopify is down</body></html>").into_response());
    }
    None
}

/// What a `page_info` cursor holds: the window (seconds, inclusive) and the last
/// `(updated ms, id)` already served.
struct Cursor {
    min_s: i64,
    max_s: i64,
    after: (i64, u64),
}

impl Cursor {
    fn encode(&self) -> String {
        let text = format!(
            "{}:{}:{}:{}",
            self.min_s, self.max_s, self.after.0, self.after.1
        );
        URL_SAFE_NO_PAD.encode(text)
    }

    fn decode(s: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let v: Vec<&str> = text.split(':').collect();
        match v.as_slice() {
            [a, b, c, d] => Some(Cursor {
                min_s: a.parse().ok()?,
                max_s: b.parse().ok()?,
                after: (c.parse().ok()?, d.parse().ok()?),
            }),
            _ => None,
        }
    }
}

/// A time filter in seconds (`default` when absent); `Err` names a filter not ISO 8601.
fn seconds<'a>(field: &'a str, q: &HashMap<String, String>, default: i64) -> Result<i64, &'a str> {
    match q.get(field) {
        None => Ok(default),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| t.timestamp())
            .map_err(|_| field),
    }
}

async fn list(
    State(s): State<SimState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = gate(&s, &headers) {
        return r;
    }
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            let why = json!({"limit": ["must be between 1 and 250"]});
            return errors(StatusCode::BAD_REQUEST, why);
        }
    };
    let (cursor, status) = match q.get("page_info") {
        Some(p) => {
            let only_limit = q.keys().all(|k| k == "limit" || k == "page_info");
            match Cursor::decode(p) {
                Some(c) if only_limit => (c, "any".to_string()),
                _ => {
                    let why = json!({"page_info": ["is invalid or was combined with filters"]});
                    return errors(StatusCode::BAD_REQUEST, why);
                }
            }
        }
        None => {
            let (min_s, max_s) = match (
                seconds("updated_at_min", &q, 0),
                seconds("updated_at_max", &q, i64::MAX / 2000),
            ) {
                (Ok(min), Ok(max)) => (min, max),
                (Err(field), _) | (_, Err(field)) => {
                    return errors(StatusCode::BAD_REQUEST, json!({ field: ["is invalid"] }));
                }
            };
            let status = q.get("status").cloned().unwrap_or_else(|| "open".into());
            (
                Cursor {
                    min_s,
                    max_s,
                    after: (i64::MIN, 0),
                },
                status,
            )
        }
    };
    let mut orders: Vec<SimOrder> = s
        .world
        .modified_between(cursor.min_s * 1000, (cursor.max_s + 1) * 1000)
        .into_iter()
        .filter(|o| (o.modified_ms, o.id) > cursor.after && has_status(o, &status))
        .collect();
    let more = orders.len() > limit;
    orders.truncate(limit);
    let mut rendered: Vec<Value> = orders.iter().map(order_json).collect();
    if let Some(first) = rendered.first_mut()
        && s.world.take_fault(|f| &mut f.malformed_order)
    {
        first["line_items"] = json!("oops");
    }
    let mut response = axum::Json(json!({ "orders": rendered })).into_response();
    if let (true, Some(last)) = (more, orders.last()) {
        let next = Cursor {
            after: (last.modified_ms, last.id),
            ..cursor
        };
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or(SHOP_DOMAIN);
        let link = format!(
            "<http://{host}{BASE}/orders.json?limit={limit}&page_info={}>; rel=\"next\"",
            next.encode()
        );
        if let Ok(v) = link.parse() {
            response.headers_mut().insert("link", v);
        }
    }
    response
}

fn has_status(o: &SimOrder, status: &str) -> bool {
    match status {
        "open" => !matches!(o.status, SimStatus::Cancelled | SimStatus::Completed),
        "closed" => o.status == SimStatus::Completed,
        "cancelled" => o.status == SimStatus::Cancelled && o.paid_ms.is_none(),
        _ => true,
    }
}

async fn one(State(s): State<SimState>, headers: HeaderMap, Path(file): Path<String>) -> Response {
    if let Some(r) = gate(&s, &headers) {
        return r;
    }
    let order = file
        .strip_suffix(".json")
        .and_then(|id| id.parse::<u64>().ok())
        .and_then(|id| s.world.order(id));
    match order {
        Some(o) => axum::Json(json!({ "order": order_json(&o) })).into_response(),
        None => errors(StatusCode::NOT_FOUND, json!("Not Found")),
    }
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// Unix ms as Shopify writes times: ISO 8601 in the shop's zone (China).
pub fn shop_time(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The customer id of a simulated buyer (`buyer123` → 7000000123).
fn customer_id(buyer: &str) -> u64 {
    let digits: String = buyer.chars().filter(char::is_ascii_digit).collect();
    7_000_000_000 + digits.parse::<u64>().unwrap_or(0)
}

/// An order in Shopify's REST JSON.
pub fn order_json(o: &SimOrder) -> Value {
    let any_refunded = o.lines.iter().any(|l| l.refund == SimRefund::Refunded);
    let (financial, cancelled_at) = match (o.status, o.paid_ms) {
        (SimStatus::Unpaid, _) => ("pending", None),
        (SimStatus::Cancelled, None) => ("voided", Some(shop_time(o.modified_ms))),
        (SimStatus::Cancelled, Some(_)) => ("refunded", None),
        _ if any_refunded => ("partially_refunded", None),
        _ => ("paid", None),
    };
    let fulfilled = matches!(o.status, SimStatus::Shipped | SimStatus::Completed);
    let fulfillment_status = match (fulfilled, o.part_shipped()) {
        (true, _) => json!("fulfilled"),
        (false, true) => json!("partial"),
        _ => Value::Null,
    };
    let paid = o.line_paid_fen();
    let mut applications = Vec::new();
    let mut line_items = Vec::new();
    let mut refunds = Vec::new();
    for (l, paid) in o.lines.iter().zip(&paid) {
        let mut allocations = Vec::new();
        if l.discount_fen > 0 {
            allocations.push(json!({"amount": yuan(l.discount_fen), "discount_application_index": applications.len()}));
            applications.push(json!({"type": "manual", "title": "单品优惠", "description": "单品优惠", "value": yuan(l.discount_fen), "value_type": "fixed_amount", "allocation_method": "one", "target_selection": "explicit", "target_type": "line_item"}));
        }
        let share = l.total_fen() - paid;
        if share > 0 {
            // The order discount's application comes last; its index is fixed below.
            allocations.push(json!({"amount": yuan(share), "discount_application_index": -1}));
        }
        line_items.push(json!({
            "id": l.line_id, "admin_graphql_api_id": format!("gid://shopify/LineItem/{}", l.line_id),
            "product_id": l.item_id, "variant_id": l.sku_id, "sku": l.sku_code,
            "title": l.title, "variant_title": l.spec, "name": format!("{} - {}", l.title, l.spec),
            "quantity": l.qty, "current_quantity": if l.refund == SimRefund::Refunded { 0 } else { l.qty },
            "price": yuan(l.price_fen), "total_discount": yuan(l.discount_fen + share),
            "discount_allocations": allocations, "tax_lines": [], "taxable": true,
            "requires_shipping": true, "gift_card": false,
            "fulfillment_status": if fulfilled || o.line_shipped(l.line_id) { json!("fulfilled") } else { Value::Null },
        }));
        if l.refund == SimRefund::Refunded {
            refunds.push(json!({
                "id": 9_000_000_000u64 + l.line_id, "order_id": o.id,
                "created_at": shop_time(o.modified_ms), "note": null, "restock": false,
                "refund_line_items": [{"id": 8_000_000_000u64 + l.line_id, "line_item_id": l.line_id,
                    "quantity": l.qty, "restock_type": "no_restock", "subtotal": yuan(*paid), "total_tax": "0.00"}],
                "transactions": [{"kind": "refund", "status": "success", "amount": yuan(*paid), "currency": "CNY"}],
            }));
        }
    }
    if o.discount_fen > 0 {
        let index = applications.len();
        for item in &mut line_items {
            if let Some(allocs) = item["discount_allocations"].as_array_mut() {
                for a in allocs
                    .iter_mut()
                    .filter(|a| a["discount_application_index"] == -1)
                {
                    a["discount_application_index"] = json!(index);
                }
            }
        }
        applications.push(json!({"type": "discount_code", "code": "MANJIAN30", "value": yuan(o.discount_fen), "value_type": "fixed_amount", "allocation_method": "across", "target_selection": "all", "target_type": "line_item"}));
    }
    let line_discounts: i64 = o.lines.iter().map(|l| l.discount_fen).sum();
    let r = &o.receiver;
    let (last_name, first_name) = split_name(&r.name);
    let address = json!({
        "name": r.name, "first_name": first_name, "last_name": last_name,
        "address1": format!("{}{}", r.district, r.detail), "address2": "",
        "city": r.city, "province": r.province, "zip": r.zip,
        "country": "China", "country_code": "CN", "phone": r.mobile,
    });
    let email = format!("{}@example.com", o.buyer);
    json!({
        "id": o.id, "admin_graphql_api_id": format!("gid://shopify/Order/{}", o.id),
        "name": format!("#{}", o.id), "order_number": o.id, "email": email,
        "created_at": shop_time(o.created_ms), "updated_at": shop_time(o.modified_ms),
        "processed_at": shop_time(o.paid_ms.unwrap_or(o.created_ms)),
        "cancelled_at": cancelled_at, "cancel_reason": cancelled_at.as_ref().map(|_| "customer"),
        "closed_at": (o.status == SimStatus::Completed).then(|| shop_time(o.modified_ms)),
        "currency": "CNY", "presentment_currency": "CNY",
        "financial_status": financial,
        "fulfillment_status": fulfillment_status,
        "fulfillments": fulfil::fulfillments_json(o),
        "taxes_included": true, "total_tax": "0.00",
        "total_line_items_price": yuan(o.lines.iter().map(|l| l.price_fen * l.qty).sum()),
        "subtotal_price": yuan(o.goods_fen() - o.discount_fen),
        "total_discounts": yuan(line_discounts + o.discount_fen),
        "total_price": yuan(o.payment_fen()),
        "discount_codes": if o.discount_fen > 0 { json!([{"code": "MANJIAN30", "amount": yuan(o.discount_fen), "type": "fixed_amount"}]) } else { json!([]) },
        "discount_applications": applications,
        "line_items": line_items,
        "shipping_lines": [{"id": o.id, "code": "standard", "title": "快递", "source": "shopify",
            "price": yuan(o.shipping_fen), "discounted_price": yuan(o.shipping_fen),
            "discount_allocations": [], "tax_lines": []}],
        "shipping_address": address, "billing_address": address,
        "customer": {"id": customer_id(&o.buyer), "email": email, "first_name": first_name, "last_name": last_name},
        "note": if o.buyer_message.is_empty() { Value::Null } else { json!(o.buyer_message) },
        "tags": "", "refunds": refunds,
    })
}

/// A Chinese name as `(surname, given name)`.
fn split_name(name: &str) -> (String, String) {
    let mut chars = name.chars();
    let last: String = chars.next().map(String::from).unwrap_or_default();
    (last, chars.collect())
}

/// The webhook topic an order's latest change reads as.
fn topic(o: &SimOrder) -> &'static str {
    match o.status {
        _ if o.modified_ms == o.created_ms => "orders/create",
        SimStatus::Cancelled if o.paid_ms.is_none() => "orders/cancelled",
        SimStatus::Paid if o.paid_ms == Some(o.modified_ms) => "orders/paid",
        _ if o.shipments.last().is_some_and(|s| s.at_ms == o.modified_ms) => {
            if o.part_shipped() {
                "orders/partially_fulfilled"
            } else {
                "orders/fulfilled"
            }
        }
        _ => "orders/updated",
    }
}

/// base64(HMAC-SHA256(secret, body)), as Shopify signs webhooks.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// POSTs every order changed after `after_seq` to `target_url` as a signed webhook; the
/// last seq delivered (or `after_seq` when nothing changed).
pub async fn send_webhooks(
    state: &SimState,
    target_url: &str,
    after_seq: u64,
) -> Result<u64, String> {
    let client = reqwest::Client::new();
    let mut last = after_seq;
    for o in state.world.changed_after(after_seq) {
        let body = serde_json::to_vec(&order_json(&o)).map_err(|e| e.to_string())?;
        let webhook_id = format!(
            "{:08x}-{:04x}-4000-8000-{:012x}",
            o.seq & 0xffff_ffff,
            (o.seq >> 32) & 0xffff,
            o.id & 0xffff_ffff_ffff
        );
        let resp = client
            .post(target_url)
            .header("content-type", "application/json")
            .header("x-shopify-topic", topic(&o))
            .header(
                "x-shopify-hmac-sha256",
                sign(&state.credentials.webhook_secret, &body),
            )
            .header("x-shopify-shop-domain", SHOP_DOMAIN)
            .header("x-shopify-webhook-id", webhook_id)
            .header("x-shopify-api-version", "2024-10")
            .header("x-shopify-triggered-at", shop_time(o.modified_ms))
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("webhook to {target_url}: HTTP {}", resp.status()));
        }
        state.world.with(|w| w.stats.webhooks_sent += 1);
        last = o.seq;
    }
    Ok(last)
}
