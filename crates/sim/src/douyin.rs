//! Douyin shop (抖店) simulator: `POST /order/searchList` and `POST /order/orderDetail`
//! with the common parameters in the query and `param_json` as the body, signed
//! `hex HMAC-SHA256(secret, secret + "app_key"… "method"… "param_json"… "timestamp"…
//! "v"… + secret)`; and push messages signed
//! `event-sign = hex MD5(app_key + body + app_secret)`.
//!
//! - `order.searchList`: orders whose `update_time` second lies in
//!   `[update_time_start, update_time_end]` (inclusive, at most one day apart), by update
//!   time, `page` from 0, `size` at most 100.
//! - `order.orderDetail`: one order by `shop_order_id`; unknown → err 50002 订单不存在.
//! - Ids are 19-digit numbers: orders `6900…` + the world id, line (sku) orders `6950…` +
//!   the line id. Amounts are integer 分. The receiver comes encrypted only
//!   (`encrypt_post_receiver`, `encrypt_post_tel`, `post_addr.encrypt_detail`).
//! - A line's `after_sale_info.refund_status`: 0 none, 1 asked (待退款), 3 refunded.
//! - `order.logisticsAdd`: ships a whole order (`order_id`, `company_code` one of
//!   [`COMPANY_CODES`], `logistics_code` = the tracking number) → `err_no` 0; the order
//!   then reads 3 已发货 with its `logistics_info`. The same tracking number again is a
//!   success; an unknown order is 50002 订单不存在, one that cannot ship 50002
//!   `isv.business-failed:10007` 此订单状态不允许发货, a missing tracking number or an unknown
//!   company 40004 `isv.parameter-invalid:10002`.
//! - Errors: `{"err_no":…,"message":…,"sub_code":…,"sub_msg":…,"data":null}`: 40003 with
//!   `isv.app-id-invalid` / `isv.signature-invalid` / `isv.access-token-no-existed`,
//!   60000 rate limited, 40004 bad business parameters.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use crate::{ShipRefusal, SimOrder, SimRefund, SimServer, SimState, SimStatus};

pub const MAX_WINDOW_SECS: i64 = 24 * 3600;
pub const MAX_PAGE_SIZE: i64 = 100;
/// The simulated shop's id on Douyin.
pub const SHOP_ID: u64 = 4_463_798;

const ORDER_ID_BASE: u64 = 6_900_000_000_000_000_000;
const LINE_ID_BASE: u64 = 6_950_000_000_000_000_000;

pub fn router(state: SimState) -> axum::Router {
    axum::Router::new()
        .route("/order/searchList", post(search_list))
        .route("/order/orderDetail", post(order_detail))
        .route("/order/logisticsAdd", post(logistics_add))
        .with_state(state)
}

pub async fn start(state: SimState) -> std::io::Result<SimServer> {
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    SimServer::serve(router(state.clone()), state, addr).await
}

/// The shop order id Douyin would show for `o`.
pub fn order_id(o: &SimOrder) -> String {
    (ORDER_ID_BASE + o.id).to_string()
}

/// The world id inside a shop order id.
pub fn parse_order_id(id: &str) -> Option<u64> {
    id.trim().parse::<u64>().ok()?.checked_sub(ORDER_ID_BASE)
}

/// The sku order id of a line.
pub fn line_id(line_id: u64) -> String {
    (LINE_ID_BASE + line_id).to_string()
}

/// Douyin-style ciphertext of a receiver field.
pub fn cipher(s: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    format!("#{b64}#1##")
}

/// `order_status` for a world order.
pub fn status_code(o: &SimOrder) -> i64 {
    match o.status {
        SimStatus::Unpaid => 1,
        SimStatus::Paid if o.part_shipped() => 101,
        SimStatus::Paid => 2,
        SimStatus::Shipped => 3,
        SimStatus::Cancelled => 4,
        SimStatus::Completed => 5,
    }
}

fn error(err_no: i64, message: &str, sub_code: &str, sub_msg: &str) -> Response {
    let body = json!({
        "err_no": err_no, "message": message, "sub_code": sub_code, "sub_msg": sub_msg,
        "data": null, "log_id": "sim"
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn ok(data: Value) -> Response {
    let body = json!({"err_no": 0, "message": "success", "data": data, "log_id": "sim"});
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn expected_sign(secret: &str, q: &HashMap<String, String>, param_json: &str) -> String {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let pattern = format!(
        "{secret}app_key{}method{}param_json{param_json}timestamp{}v{}{secret}",
        get("app_key"),
        get("method"),
        get("timestamp"),
        get("v"),
    );
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(pattern.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks faults, the app key, the signature and the token; the business parameters, or
/// the answer to give instead.
fn admit(
    state: &SimState,
    method: &str,
    q: &HashMap<String, String>,
    body: &str,
) -> Result<Map<String, Value>, Box<Response>> {
    let world = &state.world;
    world.with(|w| w.stats.requests += 1);
    if world.take_fault(|f| &mut f.server_error) {
        return Err(Box::new(
            (StatusCode::INTERNAL_SERVER_ERROR, "server error").into_response(),
        ));
    }
    let c = &state.credentials;
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let refused = if get("app_key") != c.app_key {
        Some(("isv.app-id-invalid", "认证失败，app_key不存在"))
    } else if get("method") != method
        || get("sign_method") != "hmac-sha256"
        || get("sign") != expected_sign(&c.app_secret, q, body)
    {
        Some(("isv.signature-invalid", "签名校验失败"))
    } else if get("access_token") != c.access_token {
        Some((
            "isv.access-token-no-existed",
            "access_token不存在，请使用最新的access_token访问",
        ))
    } else {
        None
    };
    if let Some((sub_code, sub_msg)) = refused {
        world.with(|w| w.stats.bad_signatures += 1);
        return Err(Box::new(error(
            40003,
            "非法的参数（平台校验）",
            sub_code,
            sub_msg,
        )));
    }
    if world.take_fault(|f| &mut f.rate_limited) {
        return Err(Box::new(error(60000, "触发限流，请稍后重试", "", "")));
    }
    if world.take_fault(|f| &mut f.malformed_body) {
        return Err(Box::new(
            (StatusCode::OK, "<html><body>502 Bad Gateway</body></html>").into_response(),
        ));
    }
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Box::new(error(
            40003,
            "非法的参数（平台校验）",
            "isv.parameter-format-invalid",
            "业务参数json解析失败",
        ))),
    }
}

fn int(p: &Map<String, Value>, key: &str) -> Option<i64> {
    match p.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

async fn search_list(
    State(state): State<SimState>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let p = match admit(&state, "order.searchList", &q, &body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let bad = |why: &str| error(40004, "非法的参数（业务校验）", "isv.business-failed", why);
    let (Some(start), Some(end)) = (int(&p, "update_time_start"), int(&p, "update_time_end"))
    else {
        return bad("update_time_start/update_time_end 必填");
    };
    if end < start || end - start > MAX_WINDOW_SECS {
        return bad("更新时间跨度不能超过 1 天");
    }
    let page = int(&p, "page").unwrap_or(0);
    let size = int(&p, "size").unwrap_or(10);
    if page < 0 || !(1..=MAX_PAGE_SIZE).contains(&size) {
        return bad("page 从 0 开始，size 最大 100");
    }
    let orders = state.world.modified_between(start * 1000, (end + 1) * 1000);
    let mut list: Vec<Value> = orders
        .iter()
        .skip((page * size) as usize)
        .take(size as usize)
        .map(render)
        .collect();
    if !list.is_empty() && state.world.take_fault(|f| &mut f.malformed_order) {
        list[0]["order_status"] = json!("oops");
    }
    ok(json!({"shop_order_list": list, "total": orders.len(), "page": page, "size": size}))
}

async fn order_detail(
    State(state): State<SimState>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let p = match admit(&state, "order.orderDetail", &q, &body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = p
        .get("shop_order_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match parse_order_id(id).and_then(|n| state.world.order(n)) {
        Some(o) => ok(json!({"shop_order_detail": render(&o)})),
        None => error(
            50002,
            "业务处理失败",
            "isv.business-failed:4000001",
            "订单不存在",
        ),
    }
}

/// The logistics company codes this simulated shop may ship with.
pub const COMPANY_CODES: [&str; 9] = [
    "yuantong",
    "zhongtong",
    "shentong",
    "yunda",
    "shunfeng",
    "ems",
    "jd",
    "youzhengguonei",
    "jtexpress",
];

async fn logistics_add(
    State(state): State<SimState>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let p = match admit(&state, "order.logisticsAdd", &q, &body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default().trim();
    let bad = |why: &str| error(40004, "非法的参数", "isv.parameter-invalid:10002", why);
    let (company, tracking) = (text("company_code"), text("logistics_code"));
    if tracking.is_empty() {
        return bad("运单号不能为空");
    }
    if !COMPANY_CODES.contains(&company) {
        return bad("物流公司不存在");
    }
    let unknown = || {
        error(
            50002,
            "业务处理失败",
            "isv.business-failed:4000001",
            "订单不存在",
        )
    };
    let Some(id) = parse_order_id(text("order_id")) else {
        return unknown();
    };
    let cannot = || {
        error(
            50002,
            "业务处理失败",
            "isv.business-failed:10007",
            "此订单状态不允许发货",
        )
    };
    match state.world.ship(id, company, tracking, &[]) {
        Ok(()) => ok(json!({})),
        Err(ShipRefusal::MissingTrackingNo) => bad("运单号不能为空"),
        Err(ShipRefusal::UnknownOrder | ShipRefusal::UnknownLine(_)) => unknown(),
        Err(ShipRefusal::NotPaid | ShipRefusal::Closed | ShipRefusal::AlreadyShipped) => cannot(),
    }
}

fn refund_status(r: SimRefund) -> i64 {
    match r {
        SimRefund::None => 0,
        SimRefund::Requested => 1,
        SimRefund::Refunded => 3,
    }
}

/// An order in Douyin's JSON shape.
pub fn render(o: &SimOrder) -> Value {
    let paid = o.line_paid_fen();
    let skus: Vec<Value> = o
        .lines
        .iter()
        .zip(&paid)
        .map(|(l, paid)| {
            json!({
                "order_id": line_id(l.line_id), "parent_order_id": order_id(o),
                "product_id": l.item_id, "product_name": l.title, "sku_id": l.sku_id,
                "out_sku_id": l.sku_code, "code": l.sku_code, "item_num": l.qty,
                "goods_price": l.price_fen, "origin_amount": l.price_fen * l.qty,
                "sum_amount": l.total_fen(), "pay_amount": paid,
                "spec": [{"name": "规格", "value": l.spec}],
                "after_sale_info": {
                    "after_sale_status": if l.refund == SimRefund::None { 0 } else { 6 },
                    "refund_status": refund_status(l.refund)
                }
            })
        })
        .collect();
    let line_discounts: i64 = o.lines.iter().map(|l| l.discount_fen).sum();
    let r = &o.receiver;
    let place = |name: &str| json!({"id": "", "name": name});
    let logistics: Vec<Value> = o
        .shipments
        .iter()
        .map(|s| json!({"tracking_no": s.tracking_no, "company": s.carrier, "ship_time": s.at_ms / 1000}))
        .collect();
    json!({
        "order_id": order_id(o), "shop_id": SHOP_ID, "order_status": status_code(o),
        "create_time": o.created_ms / 1000, "pay_time": o.paid_ms.map_or(0, |t| t / 1000),
        "update_time": o.modified_ms / 1000,
        "order_amount": o.goods_fen() + o.shipping_fen, "pay_amount": o.payment_fen(),
        "post_amount": o.shipping_fen, "promotion_amount": line_discounts + o.discount_fen,
        "promotion_shop_amount": o.discount_fen, "promotion_platform_amount": 0,
        "post_addr": {
            "province": place(&r.province), "city": place(&r.city), "town": place(&r.district),
            "street": place(""), "encrypt_detail": cipher(&r.detail)
        },
        "encrypt_post_receiver": cipher(&r.name), "encrypt_post_tel": cipher(&r.mobile),
        "buyer_words": o.buyer_message, "seller_words": "", "seller_remark_stars": 0,
        "doudian_open_id": format!("dy_{}", o.buyer), "sku_order_list": skus,
        "logistics_info": logistics
    })
}

/// The push tag for an order's latest change.
pub fn push_tag(o: &SimOrder) -> &'static str {
    if o.lines.iter().any(|l| l.refund == SimRefund::Requested) {
        return "200";
    }
    match o.status {
        SimStatus::Unpaid => "100",
        SimStatus::Paid => "101",
        SimStatus::Shipped => "102",
        SimStatus::Completed => "103",
        SimStatus::Cancelled => "106",
    }
}

/// `hex MD5(app_key + body + app_secret)`.
pub fn event_sign(app_key: &str, body: &str, app_secret: &str) -> String {
    hex::encode(Md5::digest(
        format!("{app_key}{body}{app_secret}").as_bytes(),
    ))
}

/// One push message body (an array of one message) for `o`.
pub fn push_body(o: &SimOrder) -> String {
    let tag = push_tag(o);
    let s_ids: Vec<u64> = o.lines.iter().map(|l| LINE_ID_BASE + l.line_id).collect();
    let data = json!({
        "p_id": ORDER_ID_BASE + o.id, "s_ids": s_ids, "shop_id": SHOP_ID,
        "order_status": status_code(o), "order_type": 0, "update_time": o.modified_ms / 1000
    });
    json!([{
        "tag": tag, "msg_id": format!("{}:{}:{tag}", o.seq, order_id(o)),
        "data": data.to_string()
    }])
    .to_string()
}

/// POSTs a push message for every order changed after `after_seq`; the last seq delivered.
pub async fn send_webhooks(
    state: &SimState,
    target_url: &str,
    after_seq: u64,
) -> Result<u64, String> {
    let client = reqwest::Client::new();
    let c = &state.credentials;
    let mut last = after_seq;
    for o in state.world.changed_after(after_seq) {
        let body = push_body(&o);
        let resp = client
            .post(target_url)
            .header("content-type", "application/json")
            .header("app-id", &c.app_key)
            .header("event-sign", event_sign(&c.app_key, &body, &c.app_secret))
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        state.world.with(|w| w.stats.webhooks_sent += 1);
        last = o.seq;
    }
    Ok(last)
}
