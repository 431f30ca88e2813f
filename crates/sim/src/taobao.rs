//! Taobao TOP simulator (`shared/specs/integrations.md` §1): `POST /router/rest` (form or
//! query parameters), signed md5 / hmac / hmac-sha256, answering
//! `taobao.trades.sold.increment.get` and `taobao.trade.fullinfo.get` in TOP's
//! non-simplified JSON.
//!
//! Checks, in TOP's order, with TOP's codes: app key (28/29), signature (24/25), session
//! (26/27), timestamp within ±10 minutes of the wall clock (30/31), `v` (32/34),
//! `format=json` (23). Windows are half-open `[start_modified, end_modified)`, at most one
//! day (41); `page_size` ≤ 100 (41). Ids: tid = `TID_BASE + SimOrder.id`, oid =
//! `OID_BASE + SimLine.line_id`. Municipalities come with an empty `receiver_city`.
//!
//! Shipping: `taobao.logistics.offline.send` (`tid`, `out_sid`, `company_code`, and for a
//! part shipment `is_split=1` with `sub_tid`, the oids) answers
//! `{"logistics_offline_send_response":{"shipping":{"is_success":true}}}` and records the
//! parcel in the world; a part shipment shows as `SELLER_CONSIGNED_PART`, its lines as
//! `WAIT_BUYER_CONFIRM_GOODS`. Refusals are TOP errors: 40 for a missing argument, 41 for
//! a bad one (an unknown `company_code`, a `sub_tid` without `is_split=1`), 15
//! `isv.trade-not-exist` for an unknown tid, and 15 `isv.logistics-offline-service-error`
//! (the simulator's sub code; TOP's real ones are not in the spec) for an order that is
//! closed, unpaid or shipped under another tracking number. The same tracking number
//! again is a success.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::world::{ShipRefusal, SimLine, SimOrder, SimRefund, SimStatus};
use crate::{SimServer, SimState, china_time, parse_china_time};

/// A tid is this plus the world's order id (19 digits, like TOP's).
pub const TID_BASE: u64 = 4_000_000_000_000_000_000;
/// An oid is this plus the world's line id.
pub const OID_BASE: u64 = 4_100_000_000_000_000_000;

pub fn router(state: SimState) -> Router {
    Router::new()
        .route("/router/rest", post(rest).get(rest))
        .with_state(state)
}

pub async fn start(state: SimState) -> std::io::Result<SimServer> {
    SimServer::serve(router(state.clone()), state, ([127, 0, 0, 1], 0).into()).await
}

/// The tid TOP shows for a world order, and back.
pub fn tid(order_id: u64) -> u64 {
    TID_BASE + order_id
}

pub fn order_id(tid: &str) -> Option<u64> {
    tid.trim().parse::<u64>().ok()?.checked_sub(TID_BASE)
}

pub(crate) type Params = HashMap<String, String>;

async fn rest(State(s): State<SimState>, RawQuery(query): RawQuery, body: Bytes) -> Response {
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
        return error(
            7,
            "App Call Limited",
            "accesscontrol.limited-by-api-access-count",
            "This ban will last for 1 more seconds",
        );
    }
    if s.world.take_fault(|f| &mut f.malformed_body) {
        return (
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response();
    }
    if let Some(refused) = check_request(&s, &list, &p) {
        return refused;
    }
    match get(&p, "method") {
        "taobao.trades.sold.increment.get" => increment(&s, &p),
        "taobao.trade.fullinfo.get" => fullinfo(&s, &p),
        "taobao.logistics.offline.send" => offline_send(&s, &p),
        _ => error(22, "Invalid method", "", ""),
    }
}

pub(crate) fn get<'a>(p: &'a Params, k: &str) -> &'a str {
    p.get(k).map(String::as_str).unwrap_or("")
}

/// App key, signature, session, timestamp, version, format — TOP's checks; the refusal
/// if one fails.
pub(crate) fn check_request(
    s: &SimState,
    list: &[(String, String)],
    p: &Params,
) -> Option<Response> {
    let c = &s.credentials;
    let refuse = |code: i64, msg: &str| {
        s.world.with(|w| w.stats.bad_signatures += 1);
        Some(error(code, msg, "", ""))
    };
    match get(p, "app_key") {
        "" => return refuse(28, "Missing app key"),
        k if k != c.app_key => return refuse(29, "Invalid app Key"),
        _ => {}
    }
    let sign = get(p, "sign");
    if sign.is_empty() {
        return refuse(24, "Missing signature");
    }
    let method = match get(p, "sign_method") {
        "" => "md5",
        m => m,
    };
    match expected_sign(method, &c.app_secret, list) {
        Some(expected) if expected == sign => {}
        _ => return refuse(25, "Invalid signature"),
    }
    match get(p, "session") {
        "" => return refuse(26, "Missing session"),
        t if t != c.access_token => return refuse(27, "Invalid session"),
        _ => {}
    }
    let Some(ts) = parse_china_time(get(p, "timestamp")) else {
        return Some(error(30, "Missing timestamp", "", ""));
    };
    if (ts - chrono::Utc::now().timestamp_millis()).abs() > 10 * 60_000 {
        return Some(error(31, "Invalid timestamp", "", ""));
    }
    match get(p, "v") {
        "" => Some(error(32, "Missing version", "", "")),
        "2.0" => match get(p, "format") {
            "json" => None,
            _ => Some(error(
                23,
                "Invalid format",
                "",
                "this simulator speaks json only",
            )),
        },
        _ => Some(error(34, "Unsupported version", "", "")),
    }
}

/// TOP's signature over `params`, computed here independently of the adapters.
pub fn expected_sign(method: &str, secret: &str, params: &[(String, String)]) -> Option<String> {
    let mut v: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, val)| k != "sign" && !val.is_empty())
        .collect();
    v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let s: String = v.iter().map(|(k, val)| format!("{k}{val}")).collect();
    let digest = match method {
        "md5" => Md5::digest(format!("{secret}{s}{secret}").as_bytes()).to_vec(),
        "hmac" => {
            let mut m = Hmac::<Md5>::new_from_slice(secret.as_bytes()).ok()?;
            m.update(s.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        "hmac-sha256" => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).ok()?;
            m.update(s.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        _ => return None,
    };
    Some(hex::encode_upper(digest))
}

/// `{"error_response":{…}}` as TOP writes it (HTTP 200).
pub(crate) fn error(code: i64, msg: &str, sub_code: &str, sub_msg: &str) -> Response {
    let mut e = json!({ "code": code, "msg": msg });
    if !sub_code.is_empty() {
        e["sub_code"] = json!(sub_code);
        e["sub_msg"] = json!(sub_msg);
    }
    axum::Json(json!({ "error_response": e })).into_response()
}

fn invalid(sub_msg: &str) -> Response {
    error(41, "Invalid arguments", "isv.invalid-parameter", sub_msg)
}

fn increment(s: &SimState, p: &Params) -> Response {
    let (Some(start), Some(end)) = (
        parse_china_time(get(p, "start_modified")),
        parse_china_time(get(p, "end_modified")),
    ) else {
        return error(
            40,
            "Missing required arguments",
            "isv.missing-parameter",
            "start_modified, end_modified",
        );
    };
    if end <= start || end - start > 24 * 3_600_000 {
        return invalid("修改时间跨度必须大于0且不能大于一天");
    }
    let page_no: usize = get(p, "page_no").parse().unwrap_or(1);
    let page_size: usize = match get(p, "page_size") {
        "" => 40,
        n => n.parse().unwrap_or(0),
    };
    if page_no < 1 || !(1..=100).contains(&page_size) {
        return invalid("page_no >= 1, 1 <= page_size <= 100");
    }
    let all = s.world.modified_between(start, end);
    let from = (page_no - 1).saturating_mul(page_size).min(all.len());
    let to = (from + page_size).min(all.len());
    let mut trades: Vec<Value> = all[from..to].iter().map(trade_json).collect();
    if !trades.is_empty() && s.world.take_fault(|f| &mut f.malformed_order) {
        trades[0]["payment"] = json!({ "amount": "oops" });
    }
    let mut r = json!({ "has_next": to < all.len() });
    if get(p, "use_has_next") != "true" {
        r["total_results"] = json!(all.len());
    }
    if !trades.is_empty() {
        r["trades"] = json!({ "trade": trades });
    }
    axum::Json(json!({ "trades_sold_increment_get_response": r })).into_response()
}

fn fullinfo(s: &SimState, p: &Params) -> Response {
    match order_id(get(p, "tid")).and_then(|id| s.world.order(id)) {
        Some(o) => {
            axum::Json(json!({ "trade_fullinfo_get_response": { "trade": trade_json(&o) } }))
                .into_response()
        }
        None => error(
            15,
            "Remote service error",
            "isv.trade-not-exist",
            "交易不存在",
        ),
    }
}

/// The logistics company codes this simulated shop may ship with (TOP's codes).
pub const COMPANY_CODES: [&str; 11] = [
    "YTO", "ZTO", "STO", "YUNDA", "SF", "EMS", "JD", "POSTB", "HTKY", "ZJS", "DBL",
];

fn offline_send(s: &SimState, p: &Params) -> Response {
    let missing = |name: &str| {
        error(
            40,
            "Missing required arguments",
            "isv.missing-parameter",
            name,
        )
    };
    let (tid, out_sid, company) = (get(p, "tid"), get(p, "out_sid"), get(p, "company_code"));
    if tid.is_empty() {
        return missing("tid");
    }
    if out_sid.trim().is_empty() {
        return missing("out_sid");
    }
    if company.is_empty() {
        return missing("company_code");
    }
    if !COMPANY_CODES.contains(&company) {
        return invalid(&format!("物流公司 {company} 不存在"));
    }
    let sub_tid = get(p, "sub_tid");
    if !sub_tid.is_empty() && get(p, "is_split") != "1" {
        return invalid("sub_tid 须与 is_split=1 一起传");
    }
    let mut lines = Vec::new();
    for oid in sub_tid.split(',').filter(|o| !o.trim().is_empty()) {
        match oid
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|o| o.checked_sub(OID_BASE))
        {
            Some(line) => lines.push(line),
            None => return invalid(&format!("子订单 {oid} 不存在")),
        }
    }
    let Some(id) = order_id(tid) else {
        return error(
            15,
            "Remote service error",
            "isv.trade-not-exist",
            "交易不存在",
        );
    };
    let refused = |why: &str| {
        error(
            15,
            "Remote service error",
            "isv.logistics-offline-service-error",
            why,
        )
    };
    match s.world.ship(id, company, out_sid, &lines) {
        Ok(()) => axum::Json(json!({
            "logistics_offline_send_response": { "shipping": { "is_success": true } }
        }))
        .into_response(),
        Err(ShipRefusal::UnknownOrder) => error(
            15,
            "Remote service error",
            "isv.trade-not-exist",
            "交易不存在",
        ),
        Err(ShipRefusal::MissingTrackingNo) => missing("out_sid"),
        Err(ShipRefusal::UnknownLine(l)) => {
            invalid(&format!("子订单 {} 不属于该交易", OID_BASE + l))
        }
        Err(ShipRefusal::NotPaid) => refused("交易未付款，不能发货"),
        Err(ShipRefusal::Closed) => refused("交易已关闭，不能发货"),
        Err(ShipRefusal::AlreadyShipped) => refused("交易已发货，运单号不同"),
    }
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// The trade status TOP would show.
pub fn trade_status(o: &SimOrder) -> &'static str {
    match o.status {
        SimStatus::Unpaid => "WAIT_BUYER_PAY",
        SimStatus::Paid if o.part_shipped() => "SELLER_CONSIGNED_PART",
        SimStatus::Paid => "WAIT_SELLER_SEND_GOODS",
        SimStatus::Shipped => "WAIT_BUYER_CONFIRM_GOODS",
        SimStatus::Completed => "TRADE_FINISHED",
        SimStatus::Cancelled if o.paid_ms.is_none() => "TRADE_CLOSED_BY_TAOBAO",
        SimStatus::Cancelled => "TRADE_CLOSED",
    }
}

pub fn refund_status(r: SimRefund) -> &'static str {
    match r {
        SimRefund::None => "NO_REFUND",
        SimRefund::Requested => "WAIT_SELLER_AGREE",
        SimRefund::Refunded => "SUCCESS",
    }
}

/// A world order in TOP's trade shape.
pub fn trade_json(o: &SimOrder) -> Value {
    let status = trade_status(o);
    let paid = o.line_paid_fen();
    let r = &o.receiver;
    let lines: Vec<Value> = o
        .lines
        .iter()
        .zip(&paid)
        .map(|(l, paid)| {
            let status = match status {
                "SELLER_CONSIGNED_PART" if o.line_shipped(l.line_id) => "WAIT_BUYER_CONFIRM_GOODS",
                "SELLER_CONSIGNED_PART" => "WAIT_SELLER_SEND_GOODS",
                other => other,
            };
            line_json(l, *paid, status)
        })
        .collect();
    let total: i64 = o.lines.iter().map(|l| l.price_fen * l.qty).sum();
    let mut t = json!({
        "tid": tid(o.id), "status": status, "type": "fixed",
        "created": china_time(o.created_ms), "modified": china_time(o.modified_ms),
        "payment": yuan(o.payment_fen()), "total_fee": yuan(total),
        "post_fee": yuan(o.shipping_fen), "discount_fee": yuan(o.discount_fen), "adjust_fee": "0.00",
        "buyer_nick": o.buyer, "buyer_message": o.buyer_message, "seller_memo": "", "seller_flag": 0,
        "receiver_name": r.name, "receiver_state": r.province,
        "receiver_city": if r.city == r.province { "" } else { r.city.as_str() },
        "receiver_district": r.district, "receiver_town": "", "receiver_address": r.detail,
        "receiver_zip": r.zip, "receiver_mobile": r.mobile, "receiver_phone": "",
        "shipping_type": "express",
        "orders": { "order": lines },
    });
    if let Some(ms) = o.paid_ms {
        t["pay_time"] = json!(china_time(ms));
    }
    t
}

fn line_json(l: &SimLine, paid: i64, trade_status: &str) -> Value {
    let status = if l.refund == SimRefund::Refunded {
        "TRADE_CLOSED"
    } else {
        trade_status
    };
    json!({
        "oid": OID_BASE + l.line_id, "num_iid": l.item_id, "sku_id": l.sku_id.to_string(),
        "outer_iid": l.sku_code.split('-').next().unwrap_or(""), "outer_sku_id": l.sku_code,
        "title": l.title, "sku_properties_name": format!("颜色分类:{}", l.spec),
        "num": l.qty, "price": yuan(l.price_fen), "total_fee": yuan(l.total_fen()),
        "payment": yuan(l.total_fen()), "discount_fee": yuan(l.discount_fen), "adjust_fee": "0.00",
        "divide_order_fee": yuan(paid), "part_mjz_discount": yuan(l.total_fen() - paid),
        "refund_status": refund_status(l.refund), "status": status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(method: &str) -> Vec<(String, String)> {
        [
            ("app_key", "12345678"),
            ("fields", "num_iid,title,nick,price,num"),
            ("format", "json"),
            ("method", "taobao.item.seller.get"),
            ("num_iid", "11223344"),
            ("session", "test"),
            ("sign_method", method),
            ("timestamp", "2016-01-01 12:00:00"),
            ("v", "2.0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn the_signature_check_reproduces_the_top_vectors() {
        assert_eq!(
            expected_sign("md5", "helloworld", &vector("md5")).as_deref(),
            Some("66987CB115214E59E6EC978214934FB8")
        );
        assert_eq!(
            expected_sign("hmac", "helloworld", &vector("hmac")).as_deref(),
            Some("D56D7858309C31B6251083A874D48273")
        );
        assert_eq!(expected_sign("sha1", "helloworld", &vector("sha1")), None);
        assert_eq!(order_id(&tid(42).to_string()), Some(42));
    }
}
