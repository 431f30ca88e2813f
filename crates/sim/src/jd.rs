//! JD POP simulator (`shared/specs/integrations.md` §3): `POST /routerjson` (form or
//! query parameters) with the business parameters in `360buy_param_json`, signed
//! `UPPER(MD5(secret + Σsorted(k+v) + secret))`, answering `jingdong.pop.order.search` and
//! `jingdong.pop.order.get`.
//!
//! Gateway checks with JD's codes (`{"error_response":{"code","zh_desc","en_desc"}}`):
//! app key (10, *unconfirmed*), signature (11/12), access token (18/19), timestamp within
//! 6 minutes of the wall clock (7/8; `yyyy-MM-dd HH:mm:ss` or the SDK's
//! `yyyy-MM-dd HH:mm:ss.SSS+0800`), `v` (4/5), method (14/15). Business errors are
//! `apiResult.success = false` (the `numberCode`s here are the simulator's own).
//!
//! Search: `dateType` 0 (modified time), both `start_date` and `end_date` inclusive at
//! whole seconds (*unconfirmed*; the adapter must not depend on it), at most 30 days,
//! `page` from 1, `page_size` ≤ 100, `order_state` a comma list. JD lists paid orders only.
//! Ids: orderId = `ORDER_BASE + SimOrder.id`; skuId / wareId are the world's.
//!
//! Shipping: `jingdong.pop.order.shipment` (`orderId`, `logiCoprId` one of
//! [`LOGI_COPR_IDS`], `logiNo`) ships the whole order →
//! `jingdong_pop_order_shipment_responce.sopjosshipment_result{success, chineseErrCode,
//! englishErrCode, errorCode}`; the order then reads `WAIT_GOODS_RECEIVE_CONFIRM`. A
//! refusal is `success: false` with the reason in `chineseErrCode` (the `errorCode`s are
//! the simulator's own). The same tracking number again is a success.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::world::{ShipRefusal, SimOrder, SimRefund, SimStatus};
use crate::{SimServer, SimState, china_time, parse_china_time};

/// A JD orderId is this plus the world's order id (12 digits).
pub const ORDER_BASE: u64 = 200_000_000_000;

const DAY_MS: i64 = 24 * 3_600_000;

pub fn router(state: SimState) -> Router {
    Router::new()
        .route("/routerjson", post(routerjson).get(routerjson))
        .with_state(state)
}

pub async fn start(state: SimState) -> std::io::Result<SimServer> {
    SimServer::serve(router(state.clone()), state, ([127, 0, 0, 1], 0).into()).await
}

pub fn order_id_text(order_id: u64) -> String {
    (ORDER_BASE + order_id).to_string()
}

pub fn order_id(text: &str) -> Option<u64> {
    text.trim().parse::<u64>().ok()?.checked_sub(ORDER_BASE)
}

type Params = HashMap<String, String>;

async fn routerjson(State(s): State<SimState>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    s.world.with(|w| w.stats.requests += 1);
    let mut list: Vec<(String, String)> = query
        .and_then(|q| serde_urlencoded::from_str(&q).ok())
        .unwrap_or_default();
    list.extend(serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default());
    let p: Params = list.iter().cloned().collect();

    if s.world.take_fault(|f| &mut f.server_error) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    if s.world.take_fault(|f| &mut f.rate_limited) {
        return error("2", "限制时间内调用失败次数", "App Call Limited");
    }
    if s.world.take_fault(|f| &mut f.malformed_body) {
        return (
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>504 Gateway Time-out</body></html>",
        )
            .into_response();
    }
    if let Some(refused) = check_request(&s, &list, &p) {
        return refused;
    }
    let business: Value = serde_json::from_str(get(&p, "360buy_param_json")).unwrap_or(Value::Null);
    match get(&p, "method") {
        "jingdong.pop.order.search" => search(&s, &business),
        "jingdong.pop.order.get" => order_get(&s, &business),
        "jingdong.pop.order.shipment" => shipment(&s, &business),
        _ => error("15", "不存在的方法名", "Invalid Method"),
    }
}

fn get<'a>(p: &'a Params, k: &str) -> &'a str {
    p.get(k).map(String::as_str).unwrap_or("")
}

/// The gateway's checks; the refusal if one fails.
fn check_request(s: &SimState, list: &[(String, String)], p: &Params) -> Option<Response> {
    let c = &s.credentials;
    let refuse = |code: &str, zh: &str, en: &str| {
        s.world.with(|w| w.stats.bad_signatures += 1);
        Some(error(code, zh, en))
    };
    if get(p, "app_key") != c.app_key {
        return refuse("10", "无效的app_key", "Invalid App Key");
    }
    match get(p, "sign") {
        "" => return refuse("11", "缺少签名参数", "Missing Signature"),
        sign if sign != expected_sign(&c.app_secret, list) => {
            return refuse("12", "无效签名", "Invalid Signature");
        }
        _ => {}
    }
    match get(p, "access_token") {
        "" => return refuse("18", "缺少access_token参数", "Missing access_token"),
        t if t != c.access_token => {
            return refuse("19", "无效access_token", "Invalid access_token");
        }
        _ => {}
    }
    let ts = get(p, "timestamp");
    if ts.is_empty() {
        return Some(error("7", "缺少时间戳参数", "Missing Timestamp"));
    }
    match parse_timestamp(ts) {
        Some(t) if (t - chrono::Utc::now().timestamp_millis()).abs() <= 6 * 60_000 => {}
        _ => return Some(error("8", "非法的时间戳参数", "Invalid Timestamp")),
    }
    match get(p, "v") {
        "" => return Some(error("4", "缺少版本参数", "Missing Version")),
        "2.0" => {}
        _ => return Some(error("5", "不支持的版本号", "Unsupported Version")),
    }
    if get(p, "method").is_empty() {
        return Some(error("14", "缺少方法名参数", "Missing Method"));
    }
    None
}

/// `yyyy-MM-dd HH:mm:ss` (China time) or `yyyy-MM-dd HH:mm:ss.SSS+0800`.
fn parse_timestamp(s: &str) -> Option<i64> {
    parse_china_time(s).or_else(|| {
        chrono::DateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f%z")
            .ok()
            .map(|t| t.timestamp_millis())
    })
}

/// JD's signature over `params`, computed here independently of the adapters.
pub fn expected_sign(secret: &str, params: &[(String, String)]) -> String {
    let mut v: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, val)| k != "sign" && !val.is_empty())
        .collect();
    v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let s: String = v.iter().map(|(k, val)| format!("{k}{val}")).collect();
    hex::encode_upper(Md5::digest(format!("{secret}{s}{secret}").as_bytes()))
}

fn error(code: &str, zh: &str, en: &str) -> Response {
    axum::Json(json!({ "error_response": { "code": code, "zh_desc": zh, "en_desc": en } }))
        .into_response()
}

fn api_result(ok: bool, zh: &str, en: &str, number: i64) -> Value {
    json!({ "success": ok, "chineseErrCode": zh, "englishErrCode": en, "numberCode": number })
}

fn search_failure(zh: &str, en: &str) -> Response {
    let r = json!({ "apiResult": api_result(false, zh, en, 10_400_001) });
    axum::Json(json!({ "jingdong_pop_order_search_responce": {
        "code": "0", "searchorderinfo_result": r } }))
    .into_response()
}

/// A business parameter given as text or a number.
fn param(b: &Value, k: &str) -> String {
    match b.get(k) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn search(s: &SimState, b: &Value) -> Response {
    let (Some(start), Some(end)) = (
        parse_china_time(&param(b, "start_date")),
        parse_china_time(&param(b, "end_date")),
    ) else {
        return search_failure(
            "start_date、end_date 格式错误",
            "invalid start_date or end_date",
        );
    };
    if end < start || end - start > 30 * DAY_MS {
        return search_failure("查询时间跨度不能超过30天", "the span must be 0 to 30 days");
    }
    if !matches!(param(b, "dateType").as_str(), "" | "0") {
        return search_failure("仅支持按修改时间查询", "only dateType 0 is simulated");
    }
    let page: usize = match param(b, "page").as_str() {
        "" => 1,
        n => n.parse().unwrap_or(0),
    };
    let page_size: usize = match param(b, "page_size").as_str() {
        "" => 20,
        n => n.parse().unwrap_or(0),
    };
    if page < 1 || !(1..=100).contains(&page_size) {
        return search_failure(
            "page 从1开始，page_size 不能超过100",
            "page >= 1, page_size <= 100",
        );
    }
    let states = param(b, "order_state");
    let wanted = |st: &str| states.is_empty() || states.split(',').any(|x| x.trim() == st);
    let all: Vec<SimOrder> = s
        .world
        .modified_between(start, end + 1000)
        .into_iter()
        .filter(|o| order_state(o).is_some_and(wanted))
        .collect();
    let from = (page - 1).saturating_mul(page_size).min(all.len());
    let to = (from + page_size).min(all.len());
    let mut orders: Vec<Value> = all[from..to].iter().map(order_json).collect();
    if !orders.is_empty() && s.world.take_fault(|f| &mut f.malformed_order) {
        orders[0]["orderPayment"] = json!({ "amount": "oops" });
    }
    let r = json!({
        "apiResult": api_result(true, "成功", "success", 10_100_000),
        "orderTotal": all.len(),
        "orderInfoList": orders,
    });
    axum::Json(json!({ "jingdong_pop_order_search_responce": {
        "code": "0", "searchorderinfo_result": r } }))
    .into_response()
}

fn order_get(s: &SimState, b: &Value) -> Response {
    let o = order_id(&param(b, "order_id"))
        .and_then(|id| s.world.order(id))
        .filter(|o| order_state(o).is_some());
    let mut info = json!({ "apiResult": api_result(true, "成功", "success", 10_100_000) });
    if let Some(o) = o {
        info["orderInfo"] = order_json(&o);
    }
    axum::Json(
        json!({ "jingdong_pop_order_get_responce": { "code": "0", "orderDetailInfo": info } }),
    )
    .into_response()
}

/// The `logiCoprId`s this simulated shop may ship with.
pub const LOGI_COPR_IDS: [&str; 9] = [
    "463", "467", "470", "465", "1327", "1499", "2087", "1274", "3046",
];

fn shipment(s: &SimState, b: &Value) -> Response {
    let answer = |ok: bool, code: &str, zh: &str, en: &str| {
        let r =
            json!({ "success": ok, "chineseErrCode": zh, "englishErrCode": en, "errorCode": code });
        axum::Json(json!({ "jingdong_pop_order_shipment_responce": {
            "code": "0", "sopjosshipment_result": r } }))
        .into_response()
    };
    let (order, copr, logi_no) = (
        param(b, "orderId"),
        param(b, "logiCoprId"),
        param(b, "logiNo"),
    );
    if logi_no.is_empty() {
        return answer(false, "SIM-1", "运单号不能为空", "logiNo is required");
    }
    if !LOGI_COPR_IDS.contains(&copr.as_str()) {
        return answer(false, "SIM-2", "物流公司不存在", "unknown logiCoprId");
    }
    let id = order_id(&order).filter(|id| {
        s.world
            .order(*id)
            .is_some_and(|o| order_state(&o).is_some())
    });
    let Some(id) = id else {
        return answer(false, "SIM-3", "订单不存在", "no such order");
    };
    match s.world.ship(id, &copr, &logi_no, &[]) {
        Ok(()) => answer(true, "", "成功", "success"),
        Err(ShipRefusal::MissingTrackingNo) => {
            answer(false, "SIM-1", "运单号不能为空", "logiNo is required")
        }
        Err(ShipRefusal::UnknownOrder | ShipRefusal::UnknownLine(_) | ShipRefusal::NotPaid) => {
            answer(false, "SIM-3", "订单不存在", "no such order")
        }
        Err(ShipRefusal::Closed) => {
            answer(false, "SIM-4", "订单已取消，不能出库", "order cancelled")
        }
        Err(ShipRefusal::AlreadyShipped) => {
            answer(false, "SIM-5", "订单已出库", "order shipped already")
        }
    }
}

/// JD's `orderState` for a world order; `None` while unpaid (JD does not list those).
pub fn order_state(o: &SimOrder) -> Option<&'static str> {
    o.paid_ms?;
    Some(match o.status {
        SimStatus::Unpaid => return None,
        SimStatus::Paid if o.lines.iter().any(|l| l.refund == SimRefund::Requested) => "LOCKED",
        SimStatus::Paid => "WAIT_SELLER_STOCK_OUT",
        SimStatus::Shipped => "WAIT_GOODS_RECEIVE_CONFIRM",
        SimStatus::Completed => "FINISHED_L",
        SimStatus::Cancelled => "TRADE_CANCELED",
    })
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// A world order in JD's `orderInfo` shape (money as yuan text).
pub fn order_json(o: &SimOrder) -> Value {
    let total: i64 = o.lines.iter().map(|l| l.price_fen * l.qty).sum();
    let seller_discount: i64 = o.discount_fen + o.lines.iter().map(|l| l.discount_fen).sum::<i64>();
    let r = &o.receiver;
    let items: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            json!({
                "skuId": l.sku_id.to_string(), "outerSkuId": l.sku_code,
                "skuName": format!("{} {}", l.title, l.spec), "jdPrice": yuan(l.price_fen),
                "wareId": l.item_id.to_string(), "itemTotal": l.qty.to_string(),
                "giftPoint": "0", "productNo": "",
            })
        })
        .collect();
    json!({
        "orderId": order_id_text(o.id), "venderId": "10001", "orderType": "22", "payType": "4-在线支付",
        "orderTotalPrice": yuan(total), "orderSellerPrice": yuan(total - seller_discount),
        "orderPayment": yuan(o.payment_fen()), "freightPrice": yuan(o.shipping_fen),
        "sellerDiscount": yuan(seller_discount),
        "orderState": order_state(o).unwrap_or("WAIT_SELLER_STOCK_OUT"),
        "orderStartTime": china_time(o.created_ms),
        "paymentConfirmTime": o.paid_ms.map(china_time).unwrap_or_else(|| "0001-01-01 00:00:00".into()),
        "modified": china_time(o.modified_ms),
        "orderRemark": o.buyer_message, "venderRemark": "", "pin": o.buyer,
        "consigneeInfo": {
            "fullname": r.name, "mobile": r.mobile, "telephone": "",
            "fullAddress": format!("{}{}{}{}", r.province, r.city, r.district, r.detail),
            "province": r.province, "city": r.city, "county": r.district, "town": "",
        },
        "itemInfoList": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_check_reproduces_the_official_jd_example() {
        let params: Vec<(String, String)> = [
            (
                "360buy_param_json",
                r#"{"end_date":null,"optional_fields":null,"order_state":"WAIT_SELLER_STOCK_OUT","page":"1","page_size":"200","start_date":null}"#,
            ),
            ("access_token", "yourtoken"),
            ("app_key", "yourappkey"),
            ("method", "jingdong.pop.order.search"),
            ("timestamp", "2021-05-07 09:20:39.683+0800"),
            ("v", "2.0"),
            ("sign", "ignored"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            expected_sign("yourappSecret", &params),
            "D70825340F4084360B9362B60DFD7930"
        );
    }

    #[test]
    fn both_timestamp_forms_are_read() {
        assert_eq!(
            parse_timestamp("2021-05-07 09:20:39.683+0800"),
            parse_timestamp("2021-05-07 09:20:39").map(|t| t + 683)
        );
        assert_eq!(order_id(&order_id_text(42)), Some(42));
    }
}
