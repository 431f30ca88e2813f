//! WooCommerce's REST API v3, as a simulated store serves it, and its webhooks.
//!
//! - `GET /wp-json/wc/v3/orders` with HTTP basic auth (consumer key = the shop's
//!   `app_key`, consumer secret = its `app_secret`; the `consumer_key` / `consumer_secret`
//!   query parameters are accepted too): `modified_after` / `modified_before` (ISO 8601,
//!   whole seconds, both exclusive; GMT with `dates_are_gmt=true`, else the site's zone,
//!   China), `orderby` (`date` default, `modified`), `order` (`desc` default, `asc`),
//!   `per_page` (1–100, default 10), `page` (from 1). The list is a bare JSON array with
//!   `X-WP-Total` and `X-WP-TotalPages`; a page past the last is `[]`.
//! - `GET /wp-json/wc/v3/orders/{id}`; an unknown id is 404 `woocommerce_rest_shop_order_invalid_id`.
//! - `PUT /wp-json/wc/v3/orders/{id}` is taken as the shipping write-back only: `status`
//!   `completed` with the meta `_tracking_number` and `_tracking_provider` (the Shipment
//!   Tracking extension's keys). It records the parcel; the order then reads `completed`
//!   with those meta entries. The same tracking number again is a success. Unlike
//!   WooCommerce, which takes any edit of any order, the simulator answers anything else
//!   (another status, no tracking number, an order unpaid, closed or completed under
//!   another tracking number) 400 `rest_invalid_param`, so a test notices an adapter that
//!   sends it.
//! - Errors are WordPress's `{"code","message","data":{"status"}}`: 401
//!   `woocommerce_rest_cannot_view` without credentials, `woocommerce_rest_authentication_error`
//!   with wrong ones; 400 `rest_invalid_param`. WooCommerce core has no rate limit; the
//!   rate-limit fault answers 429 `woocommerce_rest_too_many_requests` with `Retry-After`,
//!   as a host or plugin in front of it would.
//! - Money as two-decimal strings in CNY, prices with tax included and no tax charged.
//!   Coupons are spread over the lines (`subtotal` before, `total` after), as Woo does.
//! - Webhooks ([`send_webhooks`]): each changed order POSTed as JSON with
//!   `X-WC-Webhook-Source`, `-Topic`, `-Resource`, `-Event`, `-Signature` (base64
//!   HMAC-SHA256 of the body with the webhook secret), `-ID`, `-Delivery-ID`; [`send_ping`]
//!   sends the unsigned `webhook_id=N` ping Woo sends when a webhook is created.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{ShipRefusal, SimOrder, SimRefund, SimServer, SimState, SimStatus};

const SOURCE: &str = "https://jxc-sim.example.com/";
const WEBHOOK_ID: &str = "1";

pub fn router(state: SimState) -> Router {
    Router::new()
        .route("/wp-json/wc/v3/orders", get(list))
        .route("/wp-json/wc/v3/orders/{id}", get(one).put(update))
        .with_state(state)
}

pub async fn start(state: SimState) -> std::io::Result<SimServer> {
    SimServer::serve(router(state.clone()), state, ([127, 0, 0, 1], 0).into()).await
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "data": {"status": status.as_u16()}});
    (status, axum::Json(body)).into_response()
}

fn invalid_param(name: &str, why: &str) -> Response {
    let body = json!({"code": "rest_invalid_param", "message": format!("Invalid parameter(s): {name}"),
        "data": {"status": 400, "params": {name: why}}});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// The consumer key and secret of a request: basic auth, else the query parameters.
fn credentials(headers: &HeaderMap, q: &HashMap<String, String>) -> Option<(String, String)> {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(k, s)| (k.to_string(), s.to_string()))
        });
    basic.or_else(|| {
        Some((
            q.get("consumer_key")?.clone(),
            q.get("consumer_secret")?.clone(),
        ))
    })
}

/// Counts the request, checks the consumer key and secret, takes the pending faults (but
/// the malformed order, which the list applies).
fn gate(s: &SimState, headers: &HeaderMap, q: &HashMap<String, String>) -> Option<Response> {
    let w = &s.world;
    w.with(|w| w.stats.requests += 1);
    let refused = match credentials(headers, q) {
        None => Some((
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        )),
        Some((k, _)) if k != s.credentials.app_key => Some((
            "woocommerce_rest_authentication_error",
            "Consumer key is invalid.",
        )),
        Some((_, secret)) if secret != s.credentials.app_secret => Some((
            "woocommerce_rest_authentication_error",
            "Invalid signature - provided signature does not match.",
        )),
        Some(_) => None,
    };
    if let Some((code, message)) = refused {
        w.with(|w| w.stats.bad_signatures += 1);
        return Some(error(StatusCode::UNAUTHORIZED, code, message));
    }
    if w.take_fault(|f| &mut f.rate_limited) {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "woocommerce_rest_too_many_requests",
            "Too many requests. Please wait and try again.",
        );
        r.headers_mut()
            .insert("retry-after", "1".parse().expect("valid header"));
        return Some(r);
    }
    if w.take_fault(|f| &mut f.server_error) {
        return Some(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            "<p>There has been a critical error on this website.</p>",
        ));
    }
    if w.take_fault(|f| &mut f.malformed_body) {
        let php = "<br />\n<b>Fatal error</b>:  Allowed memory size exhausted in <b>wp-includes/class-wpdb.php</b><br />\n";
        return Some((StatusCode::OK, php).into_response());
    }
    None
}

/// A date bound in ms: GMT, or China time when `dates_are_gmt` is not set.
/// `Err` names a bound that is not a date.
fn bound<'a>(
    q: &HashMap<String, String>,
    name: &'a str,
    gmt: bool,
) -> Result<Option<i64>, &'a str> {
    let Some(t) = q.get(name) else {
        return Ok(None);
    };
    let naive =
        chrono::NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%dT%H:%M:%S").map_err(|_| name)?;
    let offset = if gmt { 0 } else { 8 * 3_600_000 };
    Ok(Some(naive.and_utc().timestamp_millis() - offset))
}

async fn list(
    State(s): State<SimState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = gate(&s, &headers, &q) {
        return r;
    }
    let number = |name: &str, default: usize| match q.get(name).map(|v| v.parse::<usize>()) {
        None => Some(default),
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => None,
    };
    let per_page = match number("per_page", 10) {
        Some(n) if (1..=100).contains(&n) => n,
        _ => {
            return invalid_param(
                "per_page",
                "per_page must be between 1 (inclusive) and 100 (inclusive)",
            );
        }
    };
    let page = match number("page", 1) {
        Some(n) if n >= 1 => n,
        _ => return invalid_param("page", "page must be greater than or equal to 1"),
    };
    let gmt = matches!(
        q.get("dates_are_gmt").map(String::as_str),
        Some("true" | "1")
    );
    let (after, before) = match (
        bound(&q, "modified_after", gmt),
        bound(&q, "modified_before", gmt),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(name), _) | (_, Err(name)) => return invalid_param(name, "Invalid date."),
    };
    // Exclusive bounds, compared in whole seconds.
    let start = after.map_or(i64::MIN / 2, |a| a + 1000);
    let end = before.unwrap_or(i64::MAX / 2);
    let mut orders: Vec<SimOrder> = s.world.modified_between(start, end);
    match q.get("orderby").map(String::as_str) {
        Some("modified") => {}
        _ => orders.sort_by_key(|o| (o.created_ms, o.id)),
    }
    if q.get("order").map(String::as_str) != Some("asc") {
        orders.reverse();
    }
    let total = orders.len();
    let pages = total.div_ceil(per_page);
    let mut rendered: Vec<Value> = orders
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(order_json)
        .collect();
    if let Some(first) = rendered.first_mut()
        && s.world.take_fault(|f| &mut f.malformed_order)
    {
        first["line_items"] = json!("oops");
    }
    (
        [
            ("x-wp-total", total.to_string()),
            ("x-wp-totalpages", pages.to_string()),
        ],
        axum::Json(Value::Array(rendered)),
    )
        .into_response()
}

async fn one(
    State(s): State<SimState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = gate(&s, &headers, &q) {
        return r;
    }
    match id.parse::<u64>().ok().and_then(|id| s.world.order(id)) {
        Some(o) => axum::Json(order_json(&o)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "woocommerce_rest_shop_order_invalid_id",
            "Invalid ID.",
        ),
    }
}

async fn update(
    State(s): State<SimState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    if let Some(r) = gate(&s, &headers, &q) {
        return r;
    }
    let Some(o) = id.parse::<u64>().ok().and_then(|id| s.world.order(id)) else {
        return error(
            StatusCode::NOT_FOUND,
            "woocommerce_rest_shop_order_invalid_id",
            "Invalid ID.",
        );
    };
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if v["status"] != "completed" {
        return invalid_param("status", "this simulator takes only status completed");
    }
    let meta = |key: &str| {
        v["meta_data"]
            .as_array()
            .and_then(|m| m.iter().find(|e| e["key"] == key))
            .and_then(|e| e["value"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let refused = |why: &str| invalid_param("status", why);
    match s.world.ship(
        o.id,
        &meta("_tracking_provider"),
        &meta("_tracking_number"),
        &[],
    ) {
        Ok(()) => axum::Json(order_json(&s.world.order(o.id).unwrap_or(o))).into_response(),
        Err(ShipRefusal::MissingTrackingNo) => {
            invalid_param("meta_data", "_tracking_number is required")
        }
        Err(ShipRefusal::UnknownOrder | ShipRefusal::UnknownLine(_)) => error(
            StatusCode::NOT_FOUND,
            "woocommerce_rest_shop_order_invalid_id",
            "Invalid ID.",
        ),
        Err(ShipRefusal::NotPaid) => refused("the order is not paid"),
        Err(ShipRefusal::Closed) => refused("the order is closed"),
        Err(ShipRefusal::AlreadyShipped) => {
            refused("the order is completed under another tracking number")
        }
    }
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// Unix ms as WordPress writes a date: GMT, or the site's zone (China) for `local`.
fn wp_time(ms: i64, local: bool) -> String {
    let shifted = ms + if local { 8 * 3_600_000 } else { 0 };
    chrono::DateTime::from_timestamp_millis(shifted)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

fn dates(name: &str, ms: Option<i64>) -> [(String, Value); 2] {
    let at = |local| ms.map_or(Value::Null, |m| json!(wp_time(m, local)));
    [
        (name.to_string(), at(true)),
        (format!("{name}_gmt"), at(false)),
    ]
}

/// Woo's status for an order.
fn status(o: &SimOrder) -> &'static str {
    match o.status {
        SimStatus::Unpaid => "pending",
        SimStatus::Paid => "processing",
        SimStatus::Shipped | SimStatus::Completed => "completed",
        SimStatus::Cancelled if o.paid_ms.is_none() => "cancelled",
        SimStatus::Cancelled => "refunded",
    }
}

/// An order in WooCommerce's REST v3 JSON.
pub fn order_json(o: &SimOrder) -> Value {
    let paid = o.line_paid_fen();
    let mut refunds = Vec::new();
    let line_items: Vec<Value> = o.lines.iter().zip(&paid).map(|(l, paid)| {
        if l.refund == SimRefund::Refunded {
            refunds.push(json!({"id": 900_000 + l.line_id, "reason": "买家退款", "total": yuan(-paid)}));
        }
        // `price` is a float in Woo (total ÷ quantity); written from exact 分 here.
        let price: Value = serde_json::from_str(&yuan(paid / l.qty.max(1))).unwrap_or(Value::Null);
        json!({
            "id": l.line_id, "name": format!("{} - {}", l.title, l.spec), "parent_name": l.title,
            "product_id": l.item_id, "variation_id": l.sku_id, "quantity": l.qty, "tax_class": "",
            "subtotal": yuan(l.price_fen * l.qty), "subtotal_tax": "0.00",
            "total": yuan(*paid), "total_tax": "0.00", "taxes": [],
            "meta_data": [{"id": 500_000 + l.line_id, "key": "pa_spec", "value": l.spec,
                "display_key": "规格", "display_value": l.spec}],
            "sku": l.sku_code, "price": price,
        })
    }).collect();
    let r = &o.receiver;
    let (last_name, first_name) = split_name(&r.name);
    let address = |email: bool| {
        let mut a = json!({"first_name": first_name, "last_name": last_name, "company": "",
            "address_1": format!("{}{}", r.district, r.detail), "address_2": "",
            "city": r.city, "state": state_code(&r.province), "postcode": r.zip, "country": "CN", "phone": r.mobile});
        if email {
            a["email"] = json!(format!("{}@example.com", o.buyer));
        }
        a
    };
    let discounts: i64 = o.lines.iter().map(|l| l.discount_fen).sum::<i64>() + o.discount_fen;
    let done =
        matches!(o.status, SimStatus::Shipped | SimStatus::Completed).then_some(o.modified_ms);
    let paid_ms = o.paid_ms.filter(|_| o.status != SimStatus::Unpaid);
    let mut order = json!({
        "id": o.id, "parent_id": 0, "number": o.id.to_string(),
        "order_key": format!("wc_order_{:x}", o.id.wrapping_mul(2_654_435_761)),
        "created_via": "checkout", "version": "8.5.2", "status": status(o),
        "currency": "CNY", "currency_symbol": "¥", "prices_include_tax": true,
        "discount_total": yuan(discounts), "discount_tax": "0.00",
        "shipping_total": yuan(o.shipping_fen), "shipping_tax": "0.00",
        "cart_tax": "0.00", "total": yuan(o.payment_fen()), "total_tax": "0.00",
        "customer_id": customer_id(&o.buyer), "customer_note": o.buyer_message,
        "billing": address(true), "shipping": address(false),
        "payment_method": "alipay", "payment_method_title": "支付宝",
        "transaction_id": paid_ms.map_or(String::new(), |_| format!("2024{:016}", o.id)),
        "meta_data": tracking_meta(o), "line_items": line_items, "tax_lines": [],
        "shipping_lines": if o.shipping_fen > 0 {
            json!([{"id": o.id, "method_title": "快递", "method_id": "flat_rate", "instance_id": "1",
                "total": yuan(o.shipping_fen), "total_tax": "0.00", "taxes": [], "meta_data": []}])
        } else { json!([]) },
        "fee_lines": [],
        "coupon_lines": if discounts > 0 {
            json!([{"id": o.id, "code": "manjian", "discount": yuan(discounts), "discount_tax": "0.00"}])
        } else { json!([]) },
        "refunds": refunds,
    });
    for (k, v) in dates("date_created", Some(o.created_ms))
        .into_iter()
        .chain(dates("date_modified", Some(o.modified_ms)))
        .chain(dates("date_paid", paid_ms))
        .chain(dates("date_completed", done))
    {
        order[k] = v;
    }
    order
}

/// The Shipment Tracking meta of the order's last parcel, as Woo lists meta entries.
fn tracking_meta(o: &SimOrder) -> Value {
    match o.shipments.last() {
        Some(s) => json!([
            {"id": 700_000 + o.id * 2, "key": "_tracking_number", "value": s.tracking_no},
            {"id": 700_001 + o.id * 2, "key": "_tracking_provider", "value": s.carrier},
        ]),
        None => json!([]),
    }
}

/// The state code a WooCommerce store sends for a Chinese province (its `i18n/states.php`:
/// `CN10` 上海, `CN12` 浙江 …), for the provinces the simulated shops ship to; other
/// names go as they are.
fn state_code(province: &str) -> String {
    const CODES: [(&str, &str); 10] = [
        ("北京市", "CN2"),
        ("上海市", "CN10"),
        ("江苏省", "CN11"),
        ("浙江省", "CN12"),
        ("福建省", "CN14"),
        ("山东省", "CN16"),
        ("湖北省", "CN18"),
        ("广东省", "CN20"),
        ("四川省", "CN24"),
        ("陕西省", "CN26"),
    ];
    CODES
        .iter()
        .find(|(name, _)| *name == province)
        .map_or(province, |(_, code)| code)
        .to_string()
}

/// A Chinese name as `(surname, given name)`.
fn split_name(name: &str) -> (String, String) {
    let mut chars = name.chars();
    let last: String = chars.next().map(String::from).unwrap_or_default();
    (last, chars.collect())
}

/// The customer id of a simulated buyer (`buyer123` → 123; 0 would be a guest).
fn customer_id(buyer: &str) -> u64 {
    let digits: String = buyer.chars().filter(char::is_ascii_digit).collect();
    digits.parse::<u64>().unwrap_or(0) + 1
}

/// base64(HMAC-SHA256(secret, body)), as WooCommerce signs webhooks.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

const USER_AGENT: &str = "WooCommerce/8.5.2 Hookshot (WordPress/6.4.3)";

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
        let event = if o.modified_ms == o.created_ms {
            "created"
        } else {
            "updated"
        };
        let resp = client
            .post(target_url)
            .header("content-type", "application/json")
            .header("user-agent", USER_AGENT)
            .header("x-wc-webhook-source", SOURCE)
            .header("x-wc-webhook-topic", format!("order.{event}"))
            .header("x-wc-webhook-resource", "order")
            .header("x-wc-webhook-event", event)
            .header(
                "x-wc-webhook-signature",
                sign(&state.credentials.webhook_secret, &body),
            )
            .header("x-wc-webhook-id", WEBHOOK_ID)
            .header(
                "x-wc-webhook-delivery-id",
                format!("{:016x}{:016x}", o.seq, o.id),
            )
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

/// The ping WooCommerce sends when a webhook is created: form-encoded, unsigned.
pub async fn send_ping(target_url: &str) -> Result<(), String> {
    let resp = reqwest::Client::new()
        .post(target_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("user-agent", USER_AGENT)
        .body(format!("webhook_id={WEBHOOK_ID}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    match resp.status().is_success() {
        true => Ok(()),
        false => Err(format!("ping to {target_url}: HTTP {}", resp.status())),
    }
}
