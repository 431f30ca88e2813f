//! Taobao / Tmall (TOP, `shared/specs/integrations.md` §1).
//!
//! - Changed orders: `taobao.trades.sold.increment.get` by modified time (China time,
//!   window ≤ 1 day, `use_has_next=true`, `page_no` from 1, `page_size` ≤ 100).
//! - One order: `taobao.trade.fullinfo.get` (`tid`); an unknown tid is TOP's
//!   `isv.trade-not-exist` error, read as `None`.
//! - Every call is a form POST to `{base_url}/router/rest` (default
//!   `https://gw.api.taobao.com`), signed md5, hmac (HMAC-MD5) or hmac-sha256 as the
//!   credential `sign_method` says (default md5). See [`sign_request`].
//! - Answers are non-simplified JSON: lists are wrapped in objects keyed by the singular
//!   name (`trades.trade`, `orders.order`); an empty list is left out altogether.
//! - Money is yuan text (`"86.20"`). A line's own discount is `discount_fee −
//!   adjust_fee`; what the buyer paid for it is `divide_order_fee` (after order-level
//!   discounts), else `payment`. The order-level discount (`discount_merchant`) is the sum
//!   of the lines' shares; TOP does not say in these fields which part the platform funded.
//! - Shipping (发货回传): `taobao.logistics.offline.send` (自己联系物流): `tid`, `out_sid`
//!   (the tracking number), `company_code` ([`crate::carriers`]); a part shipment adds
//!   `is_split=1` and `sub_tid` (the oids, comma-separated). The answer is
//!   `logistics_offline_send_response.shipping.is_success`. This shape is from TOP's public
//!   docs and *unconfirmed* here (the spec covers reading orders only), and so is what TOP
//!   answers to the same tracking number sent twice: the simulator accepts it; if TOP
//!   answers an error instead, it comes back as that error.
//! - TOP times have whole seconds. The query asks for the window widened to whole seconds
//!   and keeps the orders whose `modified` falls in `[start, end)`, so an order modified
//!   exactly at a window's end comes in the next window, whatever TOP does at the edges.

use std::time::Duration;

use async_trait::async_trait;
use jxc_core::ids::ShopId;
use jxc_core::money::Fen;
use jxc_core::orders::{NewOrder, OrderLine, Receiver};
use jxc_core::partners::Platform;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::china_time;
use crate::http::{Http, snippet};
use crate::money::Yuan;
use crate::sign;
use crate::status::{self, PlatformState, StatusRow};
use crate::wire::{Count, Text};
use crate::{
    Channel, ChannelError, Fetched, OrderPage, RemoteOrder, ShipNotice, ShopCredentials, Window,
    carriers,
};

pub const DEFAULT_BASE_URL: &str = "https://gw.api.taobao.com";

/// The trade and line fields we ask for (both calls).
const FIELDS: &str = "tid,status,type,created,pay_time,modified,payment,total_fee,post_fee,\
discount_fee,adjust_fee,buyer_nick,buyer_open_uid,buyer_message,seller_memo,seller_flag,\
receiver_name,receiver_state,receiver_city,receiver_district,receiver_town,receiver_address,\
receiver_zip,receiver_mobile,receiver_phone,orders";

const PAGE_SIZE: u32 = 100;

/// `trade.status` (spec §1), stored as sent.
pub const STATUSES: &[StatusRow] = &[
    row("TRADE_NO_CREATE_PAY", PlatformState::Unpaid),
    row("WAIT_BUYER_PAY", PlatformState::Unpaid),
    row("PAY_PENDING", PlatformState::Unpaid),
    row("WAIT_PRE_AUTH_CONFIRM", PlatformState::Unpaid),
    row("WAIT_SELLER_SEND_GOODS", PlatformState::AwaitingShipment),
    // 已付款但禁止发货 (拼团中 etc.): paid and waiting; the status text says why.
    row("PAID_FORBID_CONSIGN", PlatformState::AwaitingShipment),
    row("SELLER_CONSIGNED_PART", PlatformState::PartShipped),
    row("WAIT_BUYER_CONFIRM_GOODS", PlatformState::Shipped),
    row("TRADE_BUYER_SIGNED", PlatformState::Completed),
    row("TRADE_FINISHED", PlatformState::Completed),
    row("TRADE_CLOSED", PlatformState::Closed),
    row("TRADE_CLOSED_BY_TAOBAO", PlatformState::Closed),
];

const fn row(sent: &'static str, state: PlatformState) -> StatusRow {
    StatusRow {
        sent,
        stored: sent,
        state,
    }
}

/// How TOP requests are signed (credential `sign_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMethod {
    Md5,
    /// HMAC-MD5.
    Hmac,
    HmacSha256,
}

impl SignMethod {
    pub fn parse(s: &str) -> Option<SignMethod> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md5" => Some(SignMethod::Md5),
            "hmac" => Some(SignMethod::Hmac),
            "hmac-sha256" => Some(SignMethod::HmacSha256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignMethod::Md5 => "md5",
            SignMethod::Hmac => "hmac",
            SignMethod::HmacSha256 => "hmac-sha256",
        }
    }
}

/// TOP's signature: every parameter but `sign`, empty values dropped, sorted by name,
/// `name+value` concatenated; md5 = `MD5(secret + s + secret)`, hmac = `HMAC-MD5(secret,
/// s)`, hmac-sha256 = `HMAC-SHA256(secret, s)`; uppercase hex.
pub fn sign_request(method: SignMethod, secret: &str, params: &[(&str, &str)]) -> String {
    let s = sign::sorted_concat(params.iter().copied().filter(|(k, _)| *k != "sign"));
    match method {
        SignMethod::Md5 => sign::md5_upper(&format!("{secret}{s}{secret}")),
        SignMethod::Hmac => sign::hmac_md5_upper(secret, &s),
        SignMethod::HmacSha256 => sign::hmac_sha256_hex(secret, &s).to_ascii_uppercase(),
    }
}

/// A Taobao or Tmall shop.
#[derive(Debug, Clone)]
pub struct Taobao {
    shop: ShopId,
    platform: Platform,
    app_key: String,
    app_secret: String,
    session: String,
    sign_method: SignMethod,
    endpoint: String,
    http: Http,
}

impl Taobao {
    /// `platform` is [`Platform::Taobao`] or [`Platform::Tmall`] (the same API).
    pub fn new(
        shop: ShopId,
        platform: Platform,
        c: &ShopCredentials,
        http: Http,
    ) -> Result<Self, ChannelError> {
        let sign_method = match c.get("sign_method") {
            None => SignMethod::Md5,
            Some(m) => SignMethod::parse(m).ok_or(ChannelError::MissingCredential(
                "sign_method (md5 | hmac | hmac-sha256)",
            ))?,
        };
        Ok(Taobao {
            shop,
            platform,
            app_key: c.require("app_key")?.to_string(),
            app_secret: c.require("app_secret")?.to_string(),
            session: c.require("session")?.to_string(),
            sign_method,
            endpoint: format!("{}/router/rest", c.base_url(DEFAULT_BASE_URL)),
            http,
        })
    }

    /// Calls `method` with `business` parameters; the body of a 2xx/4xx answer.
    async fn call(
        &self,
        method: &str,
        business: &[(&str, String)],
    ) -> Result<String, ChannelError> {
        let timestamp = china_time::now();
        let mut params: Vec<(&str, &str)> = vec![
            ("method", method),
            ("app_key", &self.app_key),
            ("session", &self.session),
            ("timestamp", &timestamp),
            ("format", "json"),
            ("v", "2.0"),
            ("sign_method", self.sign_method.as_str()),
        ];
        params.extend(business.iter().map(|(k, v)| (*k, v.as_str())));
        let sign = sign_request(self.sign_method, &self.app_secret, &params);
        params.push(("sign", &sign));
        let req = self.http.client().post(&self.endpoint).form(&params);
        Ok(self.http.send(req).await?.body)
    }
}

#[async_trait]
impl Channel for Taobao {
    fn platform(&self) -> Platform {
        self.platform
    }

    /// The platform allows a day; the window is widened to whole seconds (start down,
    /// end up), which can add up to two seconds, so ask for two seconds less.
    fn max_window(&self) -> Duration {
        Duration::from_secs(24 * 3600 - 2)
    }

    async fn changed_orders(&self, window: Window, page: u32) -> Result<OrderPage, ChannelError> {
        let start = window.start_ms.div_euclid(1000) * 1000;
        let end = (window.end_ms + 999).div_euclid(1000) * 1000;
        let body = self
            .call(
                "taobao.trades.sold.increment.get",
                &[
                    ("fields", FIELDS.to_string()),
                    ("start_modified", china_time::format(start)),
                    ("end_modified", china_time::format(end)),
                    ("page_no", page.max(1).to_string()),
                    ("page_size", PAGE_SIZE.to_string()),
                    ("use_has_next", "true".to_string()),
                ],
            )
            .await?;
        let list: TradeList = answer(&body, "trades_sold_increment_get_response")?;
        let orders = list
            .trades
            .map(|t| t.trade)
            .unwrap_or_default()
            .iter()
            .map(|raw| Fetched::read(raw, "tid", |t| read_trade(self.shop, t)))
            .filter(|f| match f {
                Fetched::Order(o) => {
                    o.modified_ms >= window.start_ms && o.modified_ms < window.end_ms
                }
                Fetched::Malformed { .. } => true,
            })
            .collect();
        Ok(OrderPage {
            orders,
            has_next: list.has_next,
            total: list.total_results,
        })
    }

    async fn order(&self, platform_order_id: &str) -> Result<Option<Fetched>, ChannelError> {
        let tid = platform_order_id.trim();
        if tid.is_empty() || !tid.chars().all(|c| c.is_ascii_digit()) {
            return Ok(None);
        }
        let fields = [("fields", FIELDS.to_string()), ("tid", tid.to_string())];
        let body = self.call("taobao.trade.fullinfo.get", &fields).await?;
        let info: FullInfo = match answer(&body, "trade_fullinfo_get_response") {
            Ok(info) => info,
            Err(ChannelError::Platform { message, .. }) if no_such_trade(&message) => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        Ok(info
            .trade
            .map(|raw| Fetched::read(&raw, "tid", |t| read_trade(self.shop, t))))
    }

    async fn ship(&self, s: &ShipNotice) -> Result<(), ChannelError> {
        let (tid, out_sid) = s.checked()?;
        let company = carriers::platform_code(&s.carrier, self.platform)?;
        let mut params = vec![
            ("tid", tid.to_string()),
            ("out_sid", out_sid.to_string()),
            ("company_code", company),
        ];
        if !s.line_ids.is_empty() {
            let oids: Vec<&str> = s.line_ids.iter().map(|l| l.trim()).collect();
            params.push(("is_split", "1".to_string()));
            params.push(("sub_tid", oids.join(",")));
        }
        let body = self.call("taobao.logistics.offline.send", &params).await?;
        let sent: OfflineSend = answer(&body, "logistics_offline_send_response")?;
        match sent.shipping {
            Some(Shipping { is_success: true }) => Ok(()),
            _ => Err(ChannelError::Platform {
                code: "is_success=false".into(),
                message: format!("淘宝未确认发货 / TOP did not confirm: {}", snippet(&body)),
            }),
        }
    }
}

/// TOP's answer for an unknown tid (`isv.trade-not-exist`, 交易不存在).
fn no_such_trade(message: &str) -> bool {
    message.contains("trade-not-exist") || message.contains("不存在")
}

// ---- The answer's shape -------------------------------------------------------------

#[derive(Deserialize)]
struct TradeList {
    #[serde(default)]
    total_results: Option<u64>,
    #[serde(default)]
    has_next: bool,
    #[serde(default)]
    trades: Option<Trades>,
}

#[derive(Deserialize)]
struct Trades {
    #[serde(default)]
    trade: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
struct FullInfo {
    #[serde(default)]
    trade: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct Trade {
    tid: Text,
    status: Text,
    created: Text,
    #[serde(default)]
    pay_time: Text,
    modified: Text,
    payment: Yuan,
    #[serde(default)]
    total_fee: Yuan,
    #[serde(default)]
    post_fee: Yuan,
    #[serde(default)]
    buyer_nick: Text,
    #[serde(default)]
    buyer_open_uid: Text,
    #[serde(default)]
    buyer_message: Text,
    #[serde(default)]
    seller_memo: Text,
    #[serde(default)]
    seller_flag: Count,
    #[serde(default)]
    receiver_name: Text,
    #[serde(default)]
    receiver_state: Text,
    #[serde(default)]
    receiver_city: Text,
    #[serde(default)]
    receiver_district: Text,
    #[serde(default)]
    receiver_town: Text,
    #[serde(default)]
    receiver_address: Text,
    #[serde(default)]
    receiver_zip: Text,
    #[serde(default)]
    receiver_mobile: Text,
    #[serde(default)]
    receiver_phone: Text,
    #[serde(default)]
    orders: Option<Lines>,
}

#[derive(Deserialize)]
struct Lines {
    #[serde(default)]
    order: Vec<Line>,
}

#[derive(Deserialize)]
struct Line {
    oid: Text,
    #[serde(default)]
    num_iid: Text,
    #[serde(default)]
    sku_id: Text,
    #[serde(default)]
    outer_iid: Text,
    #[serde(default)]
    outer_sku_id: Text,
    #[serde(default)]
    title: Text,
    #[serde(default)]
    sku_properties_name: Text,
    num: Count,
    price: Yuan,
    #[serde(default)]
    discount_fee: Yuan,
    #[serde(default)]
    adjust_fee: Yuan,
    #[serde(default)]
    divide_order_fee: Option<Yuan>,
    #[serde(default)]
    payment: Yuan,
    #[serde(default)]
    refund_status: Text,
}

#[derive(Deserialize)]
struct OfflineSend {
    #[serde(default)]
    shipping: Option<Shipping>,
}

#[derive(Deserialize)]
struct Shipping {
    #[serde(default)]
    is_success: bool,
}

#[derive(Deserialize)]
struct TopError {
    #[serde(default)]
    code: Text,
    #[serde(default)]
    msg: Text,
    #[serde(default)]
    sub_code: Text,
    #[serde(default)]
    sub_msg: Text,
}

/// The part of the answer under `key`, or the error the platform answered with.
fn answer<T: DeserializeOwned>(body: &str, key: &str) -> Result<T, ChannelError> {
    crate::wire::answer(body, key, top_error)
}

/// TOP's error: 7 = call limit, 24–29 = signature, session or app key refused.
pub(crate) fn top_error(raw: &str, body: &str) -> ChannelError {
    let e: TopError = match serde_json::from_str(raw) {
        Ok(e) => e,
        Err(err) => {
            return ChannelError::malformed(
                format!("错误格式不符 / unexpected error: {err}"),
                body,
            );
        }
    };
    let message = [&e.msg.0, &e.sub_code.0, &e.sub_msg.0]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" / ");
    let message = if message.is_empty() {
        snippet(body)
    } else {
        message
    };
    let limited = e.sub_code.0.starts_with("accesscontrol.limited")
        || e.sub_code.0.starts_with("isp.call-limited");
    match e.code.0.as_str() {
        "7" => ChannelError::RateLimited {
            retry_after: ban_seconds(&e.sub_msg.0),
            message,
        },
        _ if limited => ChannelError::RateLimited {
            retry_after: ban_seconds(&e.sub_msg.0),
            message,
        },
        "24" | "25" | "26" | "27" | "28" | "29" => {
            ChannelError::Unauthorized(format!("{} {message}", e.code.0))
        }
        code => ChannelError::Platform {
            code: code.to_string(),
            message,
        },
    }
}

/// `This ban will last for 12 more seconds` → 12 s.
fn ban_seconds(sub_msg: &str) -> Option<Duration> {
    let rest = sub_msg.split("last for ").nth(1)?;
    let n: u64 = rest.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_secs(n))
}

// ---- Into our order -----------------------------------------------------------------

fn read_trade(shop: ShopId, raw: &str) -> Result<RemoteOrder, String> {
    let t: Trade =
        serde_json::from_str(raw).map_err(|e| format!("交易格式不符 / unexpected trade: {e}"))?;
    let created_at =
        time_field("created", &t.created.0)?.ok_or("created 为空 / created is empty")?;
    let modified_ms =
        time_field("modified", &t.modified.0)?.ok_or("modified 为空 / modified is empty")?;
    let paid_at = time_field("pay_time", &t.pay_time.0)?;
    let lines = t
        .orders
        .map(|o| o.order)
        .unwrap_or_default()
        .into_iter()
        .map(read_line)
        .collect::<Result<Vec<_>, String>>()?;
    let discount_merchant = lines
        .iter()
        .try_fold(Fen::ZERO, |sum, l| sum.checked_add(l.order_discount_share))
        .ok_or("金额溢出 / amount overflow")?;
    let (platform_status, state) = status_of(&t.status.0, paid_at.is_some());
    let province = t.receiver_state.0;
    let city = match t.receiver_city.0 {
        // Municipalities (北京市, 上海市 …) may come without a city.
        c if c.trim().is_empty() => province.clone(),
        c => c,
    };
    let order = NewOrder {
        shop_id: shop,
        platform_order_id: t.tid.0,
        platform_status,
        buyer_nick: t.buyer_nick.0,
        buyer_id: t.buyer_open_uid.0,
        receiver: Receiver {
            name: t.receiver_name.0,
            mobile: t.receiver_mobile.0,
            phone: t.receiver_phone.0,
            province,
            city,
            district: t.receiver_district.0,
            town: t.receiver_town.0,
            detail: t.receiver_address.0,
            zip: t.receiver_zip.0,
        },
        buyer_message: t.buyer_message.0,
        seller_memo: t.seller_memo.0,
        seller_flag: t.seller_flag.0,
        created_at,
        paid_at,
        currency: "CNY".into(),
        goods_amount: t.total_fee.0,
        shipping_fee: t.post_fee.0,
        discount_merchant,
        discount_platform: Fen::ZERO,
        points_value: Fen::ZERO,
        paid_amount: t.payment.0,
        lines,
    };
    Ok(RemoteOrder {
        order,
        modified_ms,
        state,
    })
}

fn read_line(l: Line) -> Result<OrderLine, String> {
    let overflow = || format!("子订单 {} 金额溢出 / line amount overflow", l.oid.0);
    let line_discount = l
        .discount_fee
        .0
        .checked_sub(l.adjust_fee.0)
        .ok_or_else(overflow)?;
    let paid = l.divide_order_fee.unwrap_or(l.payment).0;
    let line_total = l
        .price
        .0
        .times(l.num.0)
        .and_then(|g| g.checked_sub(line_discount))
        .ok_or_else(overflow)?;
    let order_discount_share = line_total.checked_sub(paid).ok_or_else(overflow)?;
    let outer_code = match l.outer_sku_id.0.trim() {
        "" => l.outer_iid.0,
        code => code.to_string(),
    };
    Ok(OrderLine {
        platform_line_id: l.oid.0,
        platform_item_id: l.num_iid.0,
        platform_sku_id: l.sku_id.0,
        outer_code,
        title: l.title.0,
        spec: l.sku_properties_name.0,
        qty: l.num.0,
        unit_price: l.price.0,
        line_discount,
        order_discount_share,
        shipping_share: Fen::ZERO,
        paid,
        refund_status: l.refund_status.0,
        sku_id: None,
    })
}

/// The stored status and its meaning; an unknown status is kept as sent and read
/// defensively (closed if it says so, else by whether the order is paid).
fn status_of(sent: &str, paid: bool) -> (String, PlatformState) {
    if let Some(r) = status::lookup(STATUSES, sent) {
        return (r.stored.to_string(), r.state);
    }
    tracing::warn!(
        status = sent,
        "未知的淘宝订单状态 / unknown Taobao trade status"
    );
    let state = if sent.contains("CLOSED") || sent.contains("CANCEL") {
        PlatformState::Closed
    } else if paid {
        PlatformState::AwaitingShipment
    } else {
        PlatformState::Unpaid
    };
    (sent.to_string(), state)
}

// ---- China time ---------------------------------------------------------------------

/// `yyyy-MM-dd HH:mm:ss` China time as Unix ms; empty is `None`.
fn time_field(name: &str, s: &str) -> Result<Option<i64>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    china_time::parse(s)
        .map(Some)
        .ok_or_else(|| format!("{name} 不是时间 / {name} is not a time: {s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(method: &str) -> Vec<(&str, &str)> {
        vec![
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
    }

    #[test]
    fn md5_signature_matches_the_official_top_example() {
        assert_eq!(
            sign_request(SignMethod::Md5, "helloworld", &vector("md5")),
            "66987CB115214E59E6EC978214934FB8"
        );
    }

    #[test]
    fn hmac_signature_matches_the_spec_vector() {
        assert_eq!(
            sign_request(SignMethod::Hmac, "helloworld", &vector("hmac")),
            "D56D7858309C31B6251083A874D48273"
        );
    }

    #[test]
    fn sign_itself_and_empty_values_are_not_signed() {
        let mut p = vector("md5");
        p.push(("sign", "XYZ"));
        p.push(("empty", ""));
        assert_eq!(
            sign_request(SignMethod::Md5, "helloworld", &p),
            "66987CB115214E59E6EC978214934FB8"
        );
    }

    #[test]
    fn status_table_agrees_with_core() {
        status::assert_table_agrees_with_core(STATUSES);
        assert_eq!(
            status_of("WAIT_SELLER_SEND_GOODS", true),
            (
                "WAIT_SELLER_SEND_GOODS".into(),
                PlatformState::AwaitingShipment
            )
        );
        assert_eq!(
            status_of("TRADE_CLOSED_BY_TAOBAO", false).1,
            PlatformState::Closed
        );
        assert_eq!(
            status_of("WAIT_BUYER_CONFIRM_GOODS", true).1,
            PlatformState::Shipped
        );
        assert_eq!(
            status_of("SOMETHING_NEW", false),
            ("SOMETHING_NEW".into(), PlatformState::Unpaid)
        );
    }

    #[test]
    fn the_spec_example_line_reads_exactly() {
        let raw = r#"{"tid":500001084,"status":"WAIT_SELLER_SEND_GOODS","created":"2017-07-28 14:18:32",
          "pay_time":"2017-07-28 14:18:32","modified":"2017-07-28 14:20:00","payment":"86.20",
          "total_fee":"100.00","post_fee":"0.00","seller_flag":3,"receiver_state":"北京市","receiver_city":"",
          "orders":{"order":[{"oid":500001083,"num_iid":100018587597,"sku_id":"5000000017",
          "outer_iid":"B-C352","outer_sku_id":"","title":"T","sku_properties_name":"颜色:黑色;尺码:L",
          "num":1,"price":"100.00","total_fee":"85.00","payment":"86.20","discount_fee":"10.00",
          "adjust_fee":"5.00","divide_order_fee":"86.20","refund_status":"NO_REFUND"}]}}"#;
        let o = read_trade(ShopId(1), raw).expect("reads");
        let l = &o.order.lines[0];
        assert_eq!(l.platform_line_id, "500001083");
        assert_eq!(l.outer_code, "B-C352");
        assert_eq!(l.line_discount, Fen(500));
        assert_eq!(l.paid, Fen(8620));
        assert_eq!(o.order.receiver.city, "北京市");
        assert_eq!(o.order.seller_flag, 3);
        assert_eq!(
            ban_seconds("This ban will last for 12 more seconds"),
            Some(Duration::from_secs(12))
        );
    }
}
