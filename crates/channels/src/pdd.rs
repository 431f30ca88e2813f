//! Pinduoduo (拼多多) open platform: `POST {base_url}/api/router` with every parameter in
//! one JSON body, signed `UPPER(MD5(secret + Σsorted(k+v) + secret))`.
//!
//! - Changed orders: `pdd.order.number.list.increment.get` by last-modified time
//!   (`start_updated_at`/`end_updated_at`, Unix seconds, at most 30 minutes apart), pages
//!   from 1, at most 100 a page. The window's seconds are rounded up at both ends and the
//!   orders filtered to `[start, end)` by `updated_at`, so an order modified exactly at a
//!   window's end belongs to the next window whether the platform's bounds are inclusive
//!   or not.
//! - One order: `pdd.order.information.get` → `order_info_get_response.order_info`
//!   (`null` = unknown order).
//! - Amounts are yuan as JSON numbers, read exactly with [`Yuan`]. PDD gives no per-line
//!   payment: the order's `discount_amount` is split over the lines by largest remainder,
//!   so Σ lines paid = goods − discount = pay_amount − postage.
//! - PDD has no line ids: a line's id is `{order_sn}-{n}` (n from 1, in the order sent).
//! - Receiver fields may be ciphertext with `*_mask` variants: the mask is stored when
//!   present (it is readable), else what came.
//! - Status: `refund_status` 4 (退款成功) closes the order (`已关闭`); otherwise
//!   `order_status` 1/2/3 is stored as its label. The lines carry the refund label.
//! - Shipping (发货回传): `pdd.logistics.online.send` with `order_sn`, `logistics_id`
//!   (PDD's numeric company id, [`crate::carriers`]) and `tracking_number`; the answer is
//!   `logistics_online_send_response.is_success`. Whole orders only (the call has no line
//!   parameter), so a part shipment is refused before sending. The shape is from PDD's
//!   public docs and *unconfirmed* here (the spec covers reading orders only), and so is
//!   the answer to the same tracking number sent twice (the simulator accepts it).
//! - Errors (codes from public SDKs and forum posts, *unconfirmed*): 70031/70032/70033
//!   (调用频率/流量限制) → rate limited; 10016/10019/10035 (client_id、access_token、
//!   签名) → unauthorized; others → platform error.

use std::time::Duration;

use async_trait::async_trait;
use jxc_core::ids::ShopId;
use jxc_core::money::{Fen, split_largest_remainder};
use jxc_core::orders::{NewOrder, OrderLine, Receiver};
use jxc_core::partners::Platform;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::http::Http;
use crate::money::Yuan;
use crate::sign::{md5_upper, sorted_concat};
use crate::status::{PlatformState, StatusRow, lookup};
use crate::wire::{Text, either};
use crate::{
    Channel, ChannelError, Fetched, OrderPage, RemoteOrder, ShipNotice, ShopCredentials, Window,
    carriers,
};

pub const DEFAULT_BASE_URL: &str = "https://gw-api.pinduoduo.com";
/// The platform's limit on `end_updated_at − start_updated_at`.
pub const MAX_WINDOW: Duration = Duration::from_secs(30 * 60);
pub const PAGE_SIZE: u32 = 100;

const RATE_LIMIT_CODES: [i64; 3] = [70031, 70032, 70033];
const AUTH_CODES: [i64; 3] = [10016, 10019, 10035];

/// What the status table is keyed by when the order was wholly refunded.
const REFUNDED: &str = "refund_status=4";

/// `order_status` (and a whole refund) → what we store and what it means.
pub const STATUSES: &[StatusRow] = &[
    StatusRow {
        sent: "1",
        stored: "待发货",
        state: PlatformState::AwaitingShipment,
    },
    StatusRow {
        sent: "2",
        stored: "已发货待签收",
        state: PlatformState::Shipped,
    },
    StatusRow {
        sent: "3",
        stored: "已签收",
        state: PlatformState::Completed,
    },
    StatusRow {
        sent: REFUNDED,
        stored: "已关闭",
        state: PlatformState::Closed,
    },
];

/// The label of an order's `refund_status`, kept on its lines.
pub fn refund_label(refund_status: i64) -> String {
    match refund_status {
        1 => "无售后或售后关闭".into(),
        2 => "售后处理中".into(),
        3 => "退款中".into(),
        4 => "退款成功".into(),
        other => other.to_string(),
    }
}

/// `UPPER(MD5(secret + Σsorted(k+v) + secret))` over every parameter but `sign`.
pub fn sign<'a>(secret: &str, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    md5_upper(&format!("{secret}{}{secret}", sorted_concat(params)))
}

/// A parameter's text as it is signed: strings as they are, anything else JSON.
fn param_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The Pinduoduo pull adapter of one shop.
pub struct Pdd {
    shop: ShopId,
    client_id: String,
    client_secret: String,
    access_token: String,
    router_url: String,
    http: Http,
}

impl Pdd {
    pub fn new(shop: ShopId, c: &ShopCredentials, http: Http) -> Result<Self, ChannelError> {
        Ok(Pdd {
            shop,
            client_id: c.require("client_id")?.to_string(),
            client_secret: c.require("client_secret")?.to_string(),
            access_token: c.require("access_token")?.to_string(),
            router_url: format!("{}/api/router", c.base_url(DEFAULT_BASE_URL)),
            http,
        })
    }

    /// Calls API `api` with business `params`: the body of a successful answer, or the
    /// platform's error mapped.
    async fn call(&self, api: &str, params: Map<String, Value>) -> Result<String, ChannelError> {
        let mut body = params;
        for (k, v) in [
            ("type", api.to_string()),
            ("client_id", self.client_id.clone()),
            ("access_token", self.access_token.clone()),
            ("timestamp", chrono::Utc::now().timestamp().to_string()),
            ("data_type", "JSON".into()),
            ("version", "V1".into()),
        ] {
            body.insert(k.into(), Value::String(v));
        }
        let texts: Vec<(String, String)> = body
            .iter()
            .map(|(k, v)| (k.clone(), param_text(v)))
            .collect();
        let signature = sign(
            &self.client_secret,
            texts.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        body.insert("sign".into(), Value::String(signature));
        let resp = self
            .http
            .send(self.http.client().post(&self.router_url).json(&body))
            .await?;
        let v = Http::json(&resp.body)?;
        if let Some(e) = v.get("error_response") {
            return Err(platform_error(e, resp.retry_after));
        }
        Ok(resp.body)
    }
}

/// Maps `error_response{error_code,error_msg,sub_code,sub_msg}`.
fn platform_error(e: &Value, retry_after: Option<Duration>) -> ChannelError {
    let code = e.get("error_code").map(param_text).unwrap_or_default();
    let text = |k: &str| e.get(k).map(param_text).unwrap_or_default();
    let message = [text("error_msg"), text("sub_code"), text("sub_msg")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    let n: i64 = code.trim().parse().unwrap_or(0);
    if RATE_LIMIT_CODES.contains(&n) {
        ChannelError::RateLimited {
            message: format!("{code} {message}"),
            retry_after,
        }
    } else if AUTH_CODES.contains(&n) {
        ChannelError::Unauthorized(format!("{code} {message}"))
    } else {
        ChannelError::Platform { code, message }
    }
}

#[async_trait]
impl Channel for Pdd {
    fn platform(&self) -> Platform {
        Platform::Pdd
    }

    fn max_window(&self) -> Duration {
        MAX_WINDOW
    }

    async fn changed_orders(&self, window: Window, page: u32) -> Result<OrderPage, ChannelError> {
        let mut p = Map::new();
        p.insert("is_lucky_flag".into(), 0.into());
        p.insert("order_status".into(), 5.into());
        p.insert("refund_status".into(), 5.into());
        p.insert(
            "start_updated_at".into(),
            crate::ceil_secs(window.start_ms).into(),
        );
        p.insert(
            "end_updated_at".into(),
            crate::ceil_secs(window.end_ms).into(),
        );
        p.insert("page".into(), page.max(1).into());
        p.insert("page_size".into(), PAGE_SIZE.into());
        p.insert("use_has_next".into(), true.into());
        let body = self.call("pdd.order.number.list.increment.get", p).await?;
        let r: IncrementResponse = serde_json::from_str(&body).map_err(|e| {
            ChannelError::malformed(format!("增量订单格式不符 / unexpected shape: {e}"), &body)
        })?;
        let r = r.order_sn_increment_get_response;
        let orders = r
            .order_sn_list
            .iter()
            .map(|raw| self.read(raw))
            .filter(|f| match f {
                Fetched::Order(o) => {
                    o.modified_ms >= window.start_ms && o.modified_ms < window.end_ms
                }
                Fetched::Malformed { .. } => true,
            })
            .collect();
        Ok(OrderPage {
            orders,
            has_next: r.has_next,
            total: r.total_count,
        })
    }

    async fn order(&self, platform_order_id: &str) -> Result<Option<Fetched>, ChannelError> {
        let mut p = Map::new();
        p.insert("order_sn".into(), platform_order_id.into());
        let body = self.call("pdd.order.information.get", p).await?;
        let r: InformationResponse = serde_json::from_str(&body).map_err(|e| {
            ChannelError::malformed(format!("订单详情格式不符 / unexpected shape: {e}"), &body)
        })?;
        Ok(r.order_info_get_response
            .order_info
            .filter(|raw| raw.get() != "null")
            .map(|raw| self.read(&raw)))
    }

    async fn ship(&self, s: &ShipNotice) -> Result<(), ChannelError> {
        let (order_sn, tracking) = s.checked()?;
        s.whole_order_only("拼多多 / Pinduoduo")?;
        let company = carriers::platform_code(&s.carrier, Platform::Pdd)?;
        let logistics_id: u64 = company
            .parse()
            .map_err(|_| crate::refused("jxc.carrier-not-on-platform", &company))?;
        let mut p = Map::new();
        p.insert("order_sn".into(), order_sn.into());
        p.insert("logistics_id".into(), logistics_id.into());
        p.insert("tracking_number".into(), tracking.into());
        let body = self.call("pdd.logistics.online.send", p).await?;
        let r: OnlineSendResponse = serde_json::from_str(&body).map_err(|e| {
            ChannelError::malformed(format!("发货回执格式不符 / unexpected shape: {e}"), &body)
        })?;
        if r.logistics_online_send_response.is_success {
            Ok(())
        } else {
            Err(ChannelError::Platform {
                code: "is_success=false".into(),
                message: format!(
                    "拼多多未确认发货 / Pinduoduo did not confirm: {}",
                    crate::http::snippet(&body)
                ),
            })
        }
    }
}

#[derive(Deserialize)]
struct OnlineSendResponse {
    logistics_online_send_response: OnlineSend,
}

#[derive(Deserialize)]
struct OnlineSend {
    #[serde(default)]
    is_success: bool,
}

impl Pdd {
    fn read(&self, raw: &RawValue) -> Fetched {
        Fetched::read(raw, "order_sn", |text| {
            let o: PddOrder = serde_json::from_str(text).map_err(|e| e.to_string())?;
            o.into_remote(self.shop)
        })
    }
}

#[derive(Deserialize)]
struct IncrementResponse {
    order_sn_increment_get_response: IncrementPage,
}

#[derive(Deserialize)]
struct IncrementPage {
    #[serde(default)]
    total_count: Option<u64>,
    #[serde(default)]
    has_next: bool,
    #[serde(default)]
    order_sn_list: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
struct InformationResponse {
    order_info_get_response: Information,
}

#[derive(Deserialize)]
struct Information {
    #[serde(default)]
    order_info: Option<Box<RawValue>>,
}

/// An order as PDD sends it (the fields we use).
#[derive(Deserialize)]
struct PddOrder {
    order_sn: String,
    order_status: i64,
    #[serde(default)]
    refund_status: i64,
    created_time: String,
    #[serde(default)]
    pay_time: Option<String>,
    updated_at: String,
    goods_amount: Yuan,
    #[serde(default)]
    discount_amount: Yuan,
    #[serde(default)]
    seller_discount: Yuan,
    #[serde(default)]
    platform_discount: Yuan,
    #[serde(default)]
    postage: Yuan,
    pay_amount: Yuan,
    #[serde(default)]
    province: Text,
    #[serde(default)]
    city: Text,
    #[serde(default)]
    town: Text,
    #[serde(default)]
    address: Text,
    #[serde(default)]
    address_mask: Text,
    #[serde(default)]
    receiver_name: Text,
    #[serde(default)]
    receiver_name_mask: Text,
    #[serde(default)]
    receiver_phone: Text,
    #[serde(default)]
    receiver_phone_mask: Text,
    #[serde(default)]
    buyer_memo: Text,
    #[serde(default)]
    remark: Text,
    item_list: Vec<PddItem>,
}

#[derive(Deserialize)]
struct PddItem {
    #[serde(default)]
    goods_id: Text,
    #[serde(default)]
    goods_name: Text,
    goods_price: Yuan,
    goods_count: i64,
    #[serde(default)]
    goods_spec: Text,
    #[serde(default)]
    sku_id: Text,
    #[serde(default)]
    outer_id: Text,
    #[serde(default)]
    outer_goods_id: Text,
}

fn china_ms(field: &str, s: &str) -> Result<i64, String> {
    crate::china_time::parse(s).ok_or_else(|| format!("{field} 不是时间 / not a time: {s:?}"))
}

impl PddOrder {
    fn into_remote(self, shop: ShopId) -> Result<RemoteOrder, String> {
        let modified_ms = china_ms("updated_at", &self.updated_at)?;
        let created_at = china_ms("created_time", &self.created_time)?;
        let paid_at = match self.pay_time.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(china_ms("pay_time", t)?),
        };
        let key = if self.refund_status == 4 {
            REFUNDED.to_string()
        } else {
            self.order_status.to_string()
        };
        let (platform_status, state) = match lookup(STATUSES, &key) {
            Some(r) => (r.stored.to_string(), r.state),
            // Unknown: kept as sent; paid (PDD lists only paid orders) and not shipped.
            None => (key, PlatformState::AwaitingShipment),
        };
        let gross: Vec<i64> = self
            .item_list
            .iter()
            .map(|i| i.goods_price.0.0.checked_mul(i.goods_count))
            .collect::<Option<_>>()
            .ok_or("金额溢出 / amount overflow")?;
        let shares = split_largest_remainder(self.discount_amount.0.0, &gross);
        let refund_status = refund_label(self.refund_status);
        let lines = self
            .item_list
            .into_iter()
            .zip(gross.iter().zip(&shares))
            .enumerate()
            .map(|(n, (i, (g, share)))| OrderLine {
                platform_line_id: format!("{}-{}", self.order_sn, n + 1),
                platform_item_id: i.goods_id.0,
                platform_sku_id: i.sku_id.0,
                outer_code: either(i.outer_id, i.outer_goods_id),
                title: i.goods_name.0,
                spec: i.goods_spec.0,
                qty: i.goods_count,
                unit_price: i.goods_price.0,
                line_discount: Fen::ZERO,
                order_discount_share: Fen(*share),
                shipping_share: Fen::ZERO,
                paid: Fen(g - share),
                refund_status: refund_status.clone(),
                sku_id: None,
            })
            .collect();
        let order = NewOrder {
            shop_id: shop,
            platform_order_id: self.order_sn,
            platform_status,
            buyer_nick: String::new(),
            buyer_id: String::new(),
            receiver: Receiver {
                name: either(self.receiver_name_mask, self.receiver_name),
                mobile: either(self.receiver_phone_mask, self.receiver_phone),
                phone: String::new(),
                province: self.province.0,
                city: self.city.0,
                district: self.town.0,
                town: String::new(),
                detail: either(self.address_mask, self.address),
                zip: String::new(),
            },
            buyer_message: self.buyer_memo.0,
            seller_memo: self.remark.0,
            seller_flag: 0,
            created_at,
            paid_at,
            currency: "CNY".into(),
            goods_amount: self.goods_amount.0,
            shipping_fee: self.postage.0,
            discount_merchant: self.seller_discount.0,
            discount_platform: self.platform_discount.0,
            points_value: Fen::ZERO,
            paid_amount: self.pay_amount.0,
            lines,
        };
        Ok(RemoteOrder {
            order,
            modified_ms,
            state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::assert_table_agrees_with_core;

    #[test]
    fn signer_reproduces_the_official_vector() {
        let params = [
            ("access_token", "asd78172s8ds9a921j9qqwda12312w1w21211"),
            ("client_id", "1"),
            ("data_type", "XML"),
            ("order_status", "1"),
            ("page", "1"),
            ("page_size", "10"),
            ("timestamp", "1480411125"),
            ("type", "pdd.order.number.list.get"),
        ];
        assert_eq!(
            sorted_concat(params),
            "access_tokenasd78172s8ds9a921j9qqwda12312w1w21211client_id1data_typeXML\
             order_status1page1page_size10timestamp1480411125typepdd.order.number.list.get"
        );
        assert_eq!(
            sign("testSecret", params),
            "E4DE3ED21002510DED352819E7AE6775"
        );
    }

    #[test]
    fn status_table_agrees_with_core() {
        assert_table_agrees_with_core(STATUSES);
        assert_eq!(lookup(STATUSES, "1").map(|r| r.stored), Some("待发货"));
        assert_eq!(
            lookup(STATUSES, "2").map(|r| r.state),
            Some(PlatformState::Shipped)
        );
        assert_eq!(
            lookup(STATUSES, REFUNDED).map(|r| (r.stored, r.state)),
            Some(("已关闭", PlatformState::Closed))
        );
    }

    #[test]
    fn error_codes_map_to_rate_limits_and_refusals() {
        let e = |code: i64| {
            platform_error(
                &serde_json::json!({"error_code": code, "error_msg": "x"}),
                None,
            )
        };
        assert!(matches!(e(70031), ChannelError::RateLimited { .. }));
        assert!(matches!(e(10019), ChannelError::Unauthorized(_)));
        assert!(matches!(e(50000), ChannelError::Platform { .. }));
    }
}
