//! Pinduoduo simulator: `POST /api/router` with every parameter in one JSON body, signed
//! `UPPER(MD5(secret + Σsorted(k+v) + secret))` (objects JSON-serialised).
//!
//! - `pdd.order.number.list.increment.get`: paid orders whose `updated_at` second lies in
//!   `[start_updated_at, end_updated_at]` (both inclusive, at most 30 minutes apart), by
//!   modified time, pages from 1 of at most 100.
//! - `pdd.order.information.get`: one order by `order_sn`; `order_info: null` if unknown.
//! - Unpaid orders are not listed (PDD shows orders once paid). Order numbers are
//!   `yymmdd-<id>` (China date of creation). Amounts are JSON numbers in yuan with two
//!   decimals, written as text (never through a float). Receiver name, phone and address
//!   come as ciphertext with `*_mask` variants, as PDD sends them.
//! - Refunds: a refund asked → `refund_status` 2 (售后处理中); part of the lines refunded
//!   → 3 (退款中); all refunded → 4 (退款成功).
//! - `pdd.logistics.online.send`: ships a whole order (`order_sn`, `logistics_id` one of
//!   [`LOGISTICS_IDS`], `tracking_number`) → `logistics_online_send_response.is_success`;
//!   the order then reads `order_status` 2 with its `tracking_number` and `logistics_id`.
//!   The same tracking number again is a success.
//! - Errors: `error_response{error_code,error_msg,sub_code,sub_msg}`: 10016 unknown
//!   client_id, 10035 bad signature, 10019 bad access_token, 70031 rate limited, 10000
//!   bad parameters (a missing tracking number, an unknown `logistics_id`), 50000 业务处理失败
//!   for an unknown, unpaid, closed or otherwise shipped order (the simulator's own code;
//!   PDD's real ones are not in the spec).

use std::net::SocketAddr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use crate::{ShipRefusal, SimOrder, SimRefund, SimServer, SimState, SimStatus, china_time};

/// The longest `end_updated_at − start_updated_at`, seconds.
pub const MAX_WINDOW_SECS: i64 = 30 * 60;
pub const MAX_PAGE_SIZE: i64 = 100;

pub fn router(state: SimState) -> axum::Router {
    axum::Router::new()
        .route("/api/router", post(api_router))
        .with_state(state)
}

pub async fn start(state: SimState) -> std::io::Result<SimServer> {
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    SimServer::serve(router(state.clone()), state, addr).await
}

/// The order number PDD would show for `o`: `yymmdd-<id>`.
pub fn order_sn(o: &SimOrder) -> String {
    let date = china_time(o.created_ms);
    let yymmdd: String = date
        .chars()
        .filter(char::is_ascii_digit)
        .skip(2)
        .take(6)
        .collect();
    format!("{yymmdd}-{:09}", o.id)
}

/// The world id inside an order number.
pub fn parse_order_sn(sn: &str) -> Option<u64> {
    sn.split_once('-')?.1.parse().ok()
}

fn error(code: i64, msg: &str, sub_msg: &str) -> Response {
    let body = json!({"error_response": {
        "error_code": code, "error_msg": msg, "sub_code": code.to_string(), "sub_msg": sub_msg,
        "request_id": "sim"
    }});
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// A parameter as signed: strings as they are, anything else as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn expected_sign(secret: &str, params: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = params
        .iter()
        .filter(|(k, v)| k.as_str() != "sign" && !v.is_null())
        .map(|(k, _)| k)
        .collect();
    keys.sort();
    let mut s = secret.to_string();
    for k in keys {
        s.push_str(k);
        s.push_str(&text(&params[k.as_str()]));
    }
    s.push_str(secret);
    hex::encode_upper(Md5::digest(s.as_bytes()))
}

fn int(params: &Map<String, Value>, key: &str) -> Option<i64> {
    match params.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

async fn api_router(State(state): State<SimState>, body: String) -> Response {
    let world = &state.world;
    world.with(|w| w.stats.requests += 1);
    if world.take_fault(|f| &mut f.server_error) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "server error").into_response();
    }
    let Ok(Value::Object(params)) = serde_json::from_str::<Value>(&body) else {
        return error(10000, "参数错误", "请求体不是 JSON 对象");
    };
    let creds = &state.credentials;
    let refused = if params.get("client_id").map(text).as_deref() != Some(&creds.app_key) {
        Some((10016, "client_id不存在"))
    } else if params.get("sign").map(text) != Some(expected_sign(&creds.app_secret, &params)) {
        Some((10035, "签名错误"))
    } else if params.get("access_token").map(text).as_deref() != Some(&creds.access_token) {
        Some((10019, "access_token已过期"))
    } else {
        None
    };
    if let Some((code, msg)) = refused {
        world.with(|w| w.stats.bad_signatures += 1);
        return error(code, msg, msg);
    }
    if world.take_fault(|f| &mut f.rate_limited) {
        return error(70031, "调用频率超限", "接口调用过于频繁，请稍后再试");
    }
    if world.take_fault(|f| &mut f.malformed_body) {
        return (StatusCode::OK, "<html><body>502 Bad Gateway</body></html>").into_response();
    }
    match params.get("type").map(text).as_deref() {
        Some("pdd.order.number.list.increment.get") => increment(&state, &params),
        Some("pdd.order.information.get") => information(&state, &params),
        Some("pdd.logistics.online.send") => online_send(&state, &params),
        _ => error(10000, "参数错误", "type 不存在"),
    }
}

fn increment(state: &SimState, p: &Map<String, Value>) -> Response {
    let (Some(start), Some(end)) = (int(p, "start_updated_at"), int(p, "end_updated_at")) else {
        return error(10000, "参数错误", "start_updated_at/end_updated_at 必填");
    };
    if end < start || end - start > MAX_WINDOW_SECS {
        return error(10000, "参数错误", "开始时间结束时间间距不超过 30 分钟");
    }
    let page = int(p, "page").unwrap_or(1);
    let size = int(p, "page_size").unwrap_or(100);
    if page < 1 || !(1..=MAX_PAGE_SIZE).contains(&size) {
        return error(10000, "参数错误", "page 从 1 开始，page_size 最大 100");
    }
    let orders: Vec<SimOrder> = state
        .world
        .modified_between(start * 1000, (end + 1) * 1000)
        .into_iter()
        .filter(|o| o.paid_ms.is_some())
        .collect();
    let total = orders.len() as i64;
    let mut list: Vec<Value> = orders
        .iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .map(render)
        .collect();
    if !list.is_empty() && state.world.take_fault(|f| &mut f.malformed_order) {
        list[0]["order_status"] = json!("oops");
    }
    let body = json!({"order_sn_increment_get_response": {
        "total_count": total, "has_next": page * size < total, "order_sn_list": list
    }});
    json_response(&body)
}

fn information(state: &SimState, p: &Map<String, Value>) -> Response {
    let sn = p.get("order_sn").map(text).unwrap_or_default();
    let found = parse_order_sn(&sn)
        .and_then(|id| state.world.order(id))
        .filter(|o| o.paid_ms.is_some() && order_sn(o) == sn);
    let info = found.as_ref().map(render).unwrap_or(Value::Null);
    json_response(&json!({"order_info_get_response": {"order_info": info}}))
}

/// The company ids of `pdd.logistics.companies.get` this simulated shop may ship with.
pub const LOGISTICS_IDS: [i64; 10] = [1, 3, 44, 85, 115, 118, 120, 121, 132, 180];

fn online_send(state: &SimState, p: &Map<String, Value>) -> Response {
    let sn = p.get("order_sn").map(text).unwrap_or_default();
    let tracking = p.get("tracking_number").map(text).unwrap_or_default();
    let logistics_id = match p.get("logistics_id") {
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    if sn.is_empty() || tracking.trim().is_empty() {
        return error(10000, "参数错误", "order_sn、tracking_number 必填");
    }
    let Some(logistics_id) = logistics_id.filter(|id| LOGISTICS_IDS.contains(id)) else {
        return error(10000, "参数错误", "logistics_id 不存在");
    };
    let refused = |why: &str| error(50000, "业务处理失败", why);
    let found = parse_order_sn(&sn)
        .and_then(|id| state.world.order(id))
        .filter(|o| order_sn(o) == sn);
    let Some(o) = found else {
        return refused("订单不存在");
    };
    match state
        .world
        .ship(o.id, &logistics_id.to_string(), &tracking, &[])
    {
        Ok(()) => json_response(&json!({"logistics_online_send_response": {"is_success": true}})),
        Err(ShipRefusal::MissingTrackingNo) => error(10000, "参数错误", "tracking_number 必填"),
        Err(ShipRefusal::UnknownOrder | ShipRefusal::UnknownLine(_)) => refused("订单不存在"),
        Err(ShipRefusal::NotPaid) => refused("订单未支付，不能发货"),
        Err(ShipRefusal::Closed) => refused("订单已取消或已退款，不能发货"),
        Err(ShipRefusal::AlreadyShipped) => refused("订单已发货"),
    }
}

/// Marks a yuan amount so [`json_response`] writes it as a bare JSON number.
const YUAN_MARK: char = '\u{E000}';

fn yuan(fen: i64) -> Value {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    Value::String(format!("{YUAN_MARK}{sign}{}.{:02}", a / 100, a % 100))
}

/// The body as JSON text, marked yuan strings written as numbers (`"\u{E000}95.00"` → `95.00`).
fn json_response(v: &Value) -> Response {
    let text = v.to_string();
    let quote_mark = format!("\"{YUAN_MARK}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find(&quote_mark) {
        out.push_str(&rest[..i]);
        let after = &rest[i + quote_mark.len()..];
        let end = after.find('"').unwrap_or(after.len());
        out.push_str(&after[..end]);
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        out,
    )
        .into_response()
}

fn cipher(s: &str) -> String {
    format!("~AgAAAA{}~", hex::encode(s.as_bytes()))
}

/// `张*`: the first character, the rest starred.
pub fn mask_name(name: &str) -> String {
    let first: String = name.chars().take(1).collect();
    format!(
        "{first}{}",
        "*".repeat(name.chars().count().saturating_sub(1))
    )
}

/// `1387677****`: the last four digits starred.
pub fn mask_phone(phone: &str) -> String {
    let keep = phone.chars().count().saturating_sub(4);
    format!("{}****", phone.chars().take(keep).collect::<String>())
}

/// The address with its digits starred.
pub fn mask_address(detail: &str) -> String {
    detail
        .chars()
        .map(|c| if c.is_ascii_digit() { '*' } else { c })
        .collect()
}

fn refund_status(o: &SimOrder) -> i64 {
    let refunded = o
        .lines
        .iter()
        .filter(|l| l.refund == SimRefund::Refunded)
        .count();
    if o.lines.iter().any(|l| l.refund == SimRefund::Requested) {
        2
    } else if refunded == o.lines.len() && refunded > 0 {
        4
    } else if refunded > 0 {
        3
    } else {
        1
    }
}

/// An order in PDD's JSON shape.
pub fn render(o: &SimOrder) -> Value {
    let order_status = match o.status {
        SimStatus::Shipped => 2,
        SimStatus::Completed => 3,
        SimStatus::Unpaid | SimStatus::Paid | SimStatus::Cancelled => 1,
    };
    let gross: i64 = o.lines.iter().map(|l| l.price_fen * l.qty).sum();
    let discount = gross - o.goods_fen() + o.discount_fen;
    let paid = o.paid_ms.map(china_time).unwrap_or_default();
    let r = &o.receiver;
    let last = o.shipments.last();
    let items: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            json!({
                "goods_id": l.item_id.to_string(), "goods_name": l.title,
                "goods_price": yuan(l.price_fen), "goods_count": l.qty, "goods_spec": l.spec,
                "goods_img": "", "sku_id": l.sku_id.to_string(), "outer_id": l.sku_code,
                "outer_goods_id": l.sku_code.split('-').next().unwrap_or_default()
            })
        })
        .collect();
    json!({
        "order_sn": order_sn(o), "order_status": order_status,
        "refund_status": refund_status(o), "after_sales_status": 0,
        "created_time": china_time(o.created_ms), "confirm_time": paid, "pay_time": paid,
        "updated_at": china_time(o.modified_ms), "last_ship_time": "",
        "goods_amount": yuan(gross), "discount_amount": yuan(discount),
        "seller_discount": yuan(discount), "platform_discount": yuan(0),
        "capital_free_discount": yuan(0), "postage": yuan(o.shipping_fen),
        "pay_amount": yuan(o.payment_fen()), "pay_type": "WEIXIN",
        "country": "中国", "province": r.province, "city": r.city, "town": r.district,
        "address": cipher(&r.detail), "address_mask": mask_address(&r.detail),
        "receiver_name": cipher(&r.name), "receiver_name_mask": mask_name(&r.name),
        "receiver_phone": cipher(&r.mobile), "receiver_phone_mask": mask_phone(&r.mobile),
        "tracking_number": last.map_or("", |s| s.tracking_no.as_str()),
        "logistics_id": last.and_then(|s| s.carrier.parse::<i64>().ok()).unwrap_or(0),
        "shipping_time": last.map_or(String::new(), |s| china_time(s.at_ms)),
        "buyer_memo": o.buyer_message, "remark": "", "trade_type": 0,
        "item_list": items
    })
}
