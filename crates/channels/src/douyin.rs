//! Douyin shop (抖店) open platform, pull and push.
//!
//! Pull ([`Douyin`]): `POST {base_url}/{method with dots as slashes}` with `app_key`,
//! `method`, `access_token`, `timestamp` (China time), `v=2`, `sign_method=hmac-sha256`
//! and `sign` in the query, and the business parameters as the body (`param_json`:
//! compact JSON, keys sorted recursively). See [`sign`].
//!
//! - Changed orders: `order.searchList` by `update_time` (Unix seconds; the window's
//!   seconds rounded up at both ends and the orders filtered to `[start, end)`, so an
//!   order modified exactly at a window's end belongs to the next window), pages from 0
//!   (ours from 1), at most 100 a page. The platform documents no window limit we could
//!   confirm; we keep windows to one day ([`MAX_WINDOW`]), as the simulator does.
//! - One order: `order.orderDetail` (`shop_order_id`) → `data.shop_order_detail`; an
//!   error saying the order does not exist (不存在), or a `null` detail, is `None`.
//! - Envelope `{"err_no":0,"message":"success","data":{…}}` (the newer `code` 10000 /
//!   `msg` / `sub_code` / `sub_msg` form is read too). 60000 (触发限流) → rate limited;
//!   30001 (授权失效) and 40001/40003 whose `sub_code` is about the signature, the
//!   access_token or the app_key → unauthorized; others → platform error.
//! - Shipping (发货回传): `order.logisticsAdd` with `order_id`, `company_code` (Douyin's
//!   logistics company code, [`crate::carriers`]) and `logistics_code` (the tracking
//!   number); success is the envelope's `err_no` 0. The call ships whole orders only (a
//!   part shipment is `order.logisticsAddMultiPack`, not used), so a part shipment is
//!   refused before sending. The shape is from Douyin's public docs and *unconfirmed* here
//!   (the spec covers reading orders only), and so is the answer to the same tracking
//!   number sent twice (the simulator accepts it).
//! - Amounts are integer 分. Per line: `origin_amount` = price × qty, `sum_amount` = after
//!   the line's own discount, `pay_amount` = what the buyer paid for the line, so Σ lines
//!   paid = pay_amount − post_amount. `promotion_shop_amount` / `promotion_platform_amount`
//!   are the order-level discounts by who funded them.
//! - Receiver: plain `post_receiver`/`post_tel`/`post_addr.detail` when sent, else the
//!   `encrypt_*` ciphertext as it came. A line's refund status is
//!   `after_sale_info.refund_status` as sent (a number, as text).
//!
//! Push ([`DouyinPush`]): header `event-sign` = hex MD5(app_key + body + app_secret),
//! checked in constant time; the body is an array of messages
//! `{"tag":"101","msg_id":"…","data":"{\"p_id\":…}"}` whose `data` is a JSON string. Order
//! and refund tags (100–299) give the `p_id`s to fetch; other tags are ignored.

use std::time::Duration;

use async_trait::async_trait;
use jxc_core::ids::ShopId;
use jxc_core::money::Fen;
use jxc_core::orders::{NewOrder, OrderLine, Receiver};
use jxc_core::partners::Platform;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::http::Http;
use crate::sign::{constant_time_eq, hmac_sha256_hex, md5_lower};
use crate::status::{PlatformState, StatusRow, lookup};
use crate::wire::{Text, either};
use crate::{
    Channel, ChannelError, Fetched, OrderPage, PushChannel, PushContent, PushMessage, RemoteOrder,
    ShipNotice, ShopCredentials, WebhookRequest, Window, carriers,
};

pub const DEFAULT_BASE_URL: &str = "https://openapi-fxg.jinritemai.com";
pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 3600);
pub const PAGE_SIZE: u32 = 100;
pub const API_VERSION: &str = "2";

/// `order_status` → the Chinese label we store and what it means.
pub const STATUSES: &[StatusRow] = &[
    StatusRow {
        sent: "1",
        stored: "待支付",
        state: PlatformState::Unpaid,
    },
    StatusRow {
        sent: "105",
        stored: "已支付",
        state: PlatformState::AwaitingShipment,
    },
    StatusRow {
        sent: "2",
        stored: "备货中",
        state: PlatformState::AwaitingShipment,
    },
    StatusRow {
        sent: "101",
        stored: "部分发货",
        state: PlatformState::PartShipped,
    },
    StatusRow {
        sent: "3",
        stored: "已发货",
        state: PlatformState::Shipped,
    },
    StatusRow {
        sent: "4",
        stored: "已取消",
        state: PlatformState::Closed,
    },
    StatusRow {
        sent: "5",
        stored: "已完成",
        state: PlatformState::Completed,
    },
];

/// `lowercase hex HMAC-SHA256(secret, secret + "app_key"+ak + "method"+m + "param_json"+pj
/// + "timestamp"+ts + "v"+v + secret)`.
pub fn sign(
    secret: &str,
    app_key: &str,
    method: &str,
    param_json: &str,
    timestamp: &str,
    v: &str,
) -> String {
    let pattern = format!(
        "{secret}app_key{app_key}method{method}param_json{param_json}timestamp{timestamp}v{v}{secret}"
    );
    hmac_sha256_hex(secret, &pattern)
}

/// Compact JSON with the keys of every object sorted, as `param_json` is signed.
pub fn param_json(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        Value::String(k.clone()),
                        param_json(&m[k.as_str()])
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(param_json).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// The Douyin pull adapter of one shop.
pub struct Douyin {
    shop: ShopId,
    app_key: String,
    app_secret: String,
    access_token: String,
    base_url: String,
    http: Http,
}

impl Douyin {
    pub fn new(shop: ShopId, c: &ShopCredentials, http: Http) -> Result<Self, ChannelError> {
        Ok(Douyin {
            shop,
            app_key: c.require("app_key")?.to_string(),
            app_secret: c.require("app_secret")?.to_string(),
            access_token: c.require("access_token")?.to_string(),
            base_url: c.base_url(DEFAULT_BASE_URL),
            http,
        })
    }

    /// Calls `method` with `params`: the body of a successful answer, or the error mapped.
    async fn call(&self, method: &str, params: &Value) -> Result<String, ChannelError> {
        let body = param_json(params);
        let timestamp = crate::china_time::now();
        let signature = sign(
            &self.app_secret,
            &self.app_key,
            method,
            &body,
            &timestamp,
            API_VERSION,
        );
        let url = format!("{}/{}", self.base_url, method.replace('.', "/"));
        let req = self
            .http
            .client()
            .post(url)
            .query(&[
                ("app_key", self.app_key.as_str()),
                ("method", method),
                ("access_token", self.access_token.as_str()),
                ("timestamp", timestamp.as_str()),
                ("v", API_VERSION),
                ("sign_method", "hmac-sha256"),
                ("sign", signature.as_str()),
            ])
            .header("content-type", "application/json")
            .body(body);
        let resp = self.http.send(req).await?;
        check_envelope(&Http::json(&resp.body)?, &resp.body, resp.retry_after)?;
        Ok(resp.body)
    }

    fn read(&self, raw: &RawValue) -> Fetched {
        Fetched::read(raw, "order_id", |text| {
            let o: DyOrder = serde_json::from_str(text).map_err(|e| e.to_string())?;
            o.into_remote(self.shop)
        })
    }
}

fn number(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `Ok` for a successful envelope; the platform's error mapped otherwise.
fn check_envelope(
    v: &Value,
    body: &str,
    retry_after: Option<Duration>,
) -> Result<(), ChannelError> {
    let code = match (number(v.get("err_no")), number(v.get("code"))) {
        (Some(0), _) | (None, Some(10000)) => return Ok(()),
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => {
            return Err(ChannelError::malformed(
                "没有 err_no / no err_no in the answer",
                body,
            ));
        }
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    let sub_code = text("sub_code");
    let message = [text("message"), text("msg"), sub_code, text("sub_msg")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    let refused_credentials = ["isv.signature", "isv.access-token", "isv.app-id"]
        .iter()
        .any(|p| sub_code.starts_with(p));
    Err(match code {
        60000 => ChannelError::RateLimited {
            message: format!("{code} {message}"),
            retry_after,
        },
        30001 => ChannelError::Unauthorized(format!("{code} {message}")),
        40001 | 40003 if refused_credentials => {
            ChannelError::Unauthorized(format!("{code} {message}"))
        }
        _ => ChannelError::Platform {
            code: code.to_string(),
            message,
        },
    })
}

/// Unix milliseconds as whole seconds, rounded up.

#[async_trait]
impl Channel for Douyin {
    fn platform(&self) -> Platform {
        Platform::Douyin
    }

    fn max_window(&self) -> Duration {
        MAX_WINDOW
    }

    async fn changed_orders(&self, window: Window, page: u32) -> Result<OrderPage, ChannelError> {
        let page0 = page.max(1) - 1;
        let params = json!({
            "update_time_start": crate::ceil_secs(window.start_ms),
            "update_time_end": crate::ceil_secs(window.end_ms),
            "page": page0, "size": PAGE_SIZE,
            "order_by": "update_time", "order_asc": true,
        });
        let body = self.call("order.searchList", &params).await?;
        let r: Envelope<SearchData> = serde_json::from_str(&body).map_err(|e| {
            ChannelError::malformed(format!("订单列表格式不符 / unexpected shape: {e}"), &body)
        })?;
        let d = r.data;
        let orders = d
            .shop_order_list
            .iter()
            .map(|raw| self.read(raw))
            .filter(|f| match f {
                Fetched::Order(o) => {
                    o.modified_ms >= window.start_ms && o.modified_ms < window.end_ms
                }
                Fetched::Malformed { .. } => true,
            })
            .collect();
        let size = u64::from(d.size.unwrap_or(PAGE_SIZE).max(1));
        Ok(OrderPage {
            orders,
            has_next: (u64::from(page0) + 1) * size < d.total,
            total: Some(d.total),
        })
    }

    async fn order(&self, platform_order_id: &str) -> Result<Option<Fetched>, ChannelError> {
        let params = json!({ "shop_order_id": platform_order_id });
        let body = match self.call("order.orderDetail", &params).await {
            Err(ChannelError::Platform { message, .. }) if message.contains("不存在") => {
                return Ok(None);
            }
            other => other?,
        };
        let r: Envelope<DetailData> = serde_json::from_str(&body).map_err(|e| {
            ChannelError::malformed(format!("订单详情格式不符 / unexpected shape: {e}"), &body)
        })?;
        Ok(r.data.shop_order_detail.map(|raw| self.read(&raw)))
    }

    async fn ship(&self, s: &ShipNotice) -> Result<(), ChannelError> {
        let (order_id, tracking) = s.checked()?;
        s.whole_order_only("抖店 / Douyin")?;
        let params = json!({
            "order_id": order_id,
            "company_code": carriers::platform_code(&s.carrier, Platform::Douyin)?,
            "logistics_code": tracking,
        });
        self.call("order.logisticsAdd", &params).await.map(|_| ())
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize)]
struct SearchData {
    #[serde(default)]
    shop_order_list: Vec<Box<RawValue>>,
    #[serde(default)]
    total: u64,
    #[serde(default)]
    size: Option<u32>,
}

#[derive(Deserialize)]
struct DetailData {
    #[serde(default)]
    shop_order_detail: Option<Box<RawValue>>,
}

/// An order as Douyin sends it (the fields we use). Amounts in 分.
#[derive(Deserialize)]
struct DyOrder {
    order_id: Text,
    order_status: i64,
    create_time: i64,
    #[serde(default)]
    pay_time: i64,
    update_time: i64,
    pay_amount: i64,
    #[serde(default)]
    post_amount: i64,
    #[serde(default)]
    promotion_shop_amount: i64,
    #[serde(default)]
    promotion_platform_amount: i64,
    #[serde(default)]
    post_addr: PostAddr,
    #[serde(default)]
    post_receiver: Text,
    #[serde(default)]
    encrypt_post_receiver: Text,
    #[serde(default)]
    post_tel: Text,
    #[serde(default)]
    encrypt_post_tel: Text,
    #[serde(default)]
    buyer_words: Text,
    #[serde(default)]
    seller_words: Text,
    #[serde(default)]
    seller_remark_stars: i64,
    #[serde(default)]
    doudian_open_id: Text,
    sku_order_list: Vec<DySku>,
}

#[derive(Deserialize, Default)]
struct PostAddr {
    #[serde(default)]
    province: Named,
    #[serde(default)]
    city: Named,
    #[serde(default)]
    town: Named,
    #[serde(default)]
    street: Named,
    #[serde(default)]
    detail: Text,
    #[serde(default)]
    encrypt_detail: Text,
}

#[derive(Deserialize, Default)]
struct Named {
    #[serde(default)]
    name: Text,
}

#[derive(Deserialize)]
struct DySku {
    order_id: Text,
    #[serde(default)]
    product_id: Text,
    #[serde(default)]
    product_name: Text,
    #[serde(default)]
    sku_id: Text,
    #[serde(default)]
    out_sku_id: Text,
    /// 商家编码 (preferred over `out_sku_id` when set).
    #[serde(default)]
    code: Text,
    item_num: i64,
    #[serde(default)]
    goods_price: Option<i64>,
    origin_amount: i64,
    #[serde(default)]
    sum_amount: Option<i64>,
    pay_amount: i64,
    #[serde(default)]
    spec: Vec<Spec>,
    #[serde(default)]
    after_sale_info: Option<AfterSale>,
}

#[derive(Deserialize)]
struct Spec {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    value: Text,
}

#[derive(Deserialize)]
struct AfterSale {
    #[serde(default)]
    refund_status: Text,
}

fn secs_to_ms(field: &str, s: i64) -> Result<i64, String> {
    s.checked_mul(1000)
        .filter(|ms| *ms >= 0)
        .ok_or_else(|| format!("{field} 不是时间 / not a time: {s}"))
}

impl DySku {
    fn into_line(self) -> Result<OrderLine, String> {
        let bad = || {
            format!(
                "商品行 {} 金额不符 / line amounts do not add up",
                self.order_id.0
            )
        };
        let unit = match self.goods_price {
            Some(p) => p,
            None => self
                .origin_amount
                .checked_div(self.item_num)
                .ok_or_else(bad)?,
        };
        let after_line_discount = self.sum_amount.unwrap_or(self.origin_amount);
        let spec = self
            .spec
            .iter()
            .map(|s| format!("{}:{}", s.name.0, s.value.0))
            .collect::<Vec<_>>()
            .join(";");
        Ok(OrderLine {
            line_discount: Fen(self
                .origin_amount
                .checked_sub(after_line_discount)
                .ok_or_else(bad)?),
            order_discount_share: Fen(after_line_discount
                .checked_sub(self.pay_amount)
                .ok_or_else(bad)?),
            platform_line_id: self.order_id.0,
            platform_item_id: self.product_id.0,
            platform_sku_id: self.sku_id.0,
            outer_code: either(self.code, self.out_sku_id),
            title: self.product_name.0,
            spec,
            qty: self.item_num,
            unit_price: Fen(unit),
            shipping_share: Fen::ZERO,
            paid: Fen(self.pay_amount),
            refund_status: self
                .after_sale_info
                .map(|a| a.refund_status.0)
                .unwrap_or_default(),
            sku_id: None,
        })
    }
}

impl DyOrder {
    fn into_remote(self, shop: ShopId) -> Result<RemoteOrder, String> {
        let paid_at = match self.pay_time {
            0 => None,
            t => Some(secs_to_ms("pay_time", t)?),
        };
        let sent = self.order_status.to_string();
        let (platform_status, state) = match lookup(STATUSES, &sent) {
            Some(r) => (r.stored.to_string(), r.state),
            // Unknown: kept as sent; paid or not is all we can tell.
            None if paid_at.is_some() => (sent, PlatformState::AwaitingShipment),
            None => (sent, PlatformState::Unpaid),
        };
        let goods: i64 = self.sku_order_list.iter().map(|s| s.origin_amount).sum();
        let lines = self
            .sku_order_list
            .into_iter()
            .map(DySku::into_line)
            .collect::<Result<Vec<_>, _>>()?;
        let a = self.post_addr;
        let order = NewOrder {
            shop_id: shop,
            platform_order_id: self.order_id.0,
            platform_status,
            buyer_nick: String::new(),
            buyer_id: self.doudian_open_id.0,
            receiver: Receiver {
                name: either(self.post_receiver, self.encrypt_post_receiver),
                mobile: either(self.post_tel, self.encrypt_post_tel),
                phone: String::new(),
                province: a.province.name.0,
                city: a.city.name.0,
                district: a.town.name.0,
                town: a.street.name.0,
                detail: either(a.detail, a.encrypt_detail),
                zip: String::new(),
            },
            buyer_message: self.buyer_words.0,
            seller_memo: self.seller_words.0,
            seller_flag: self.seller_remark_stars,
            created_at: secs_to_ms("create_time", self.create_time)?,
            paid_at,
            currency: "CNY".into(),
            goods_amount: Fen(goods),
            shipping_fee: Fen(self.post_amount),
            discount_merchant: Fen(self.promotion_shop_amount),
            discount_platform: Fen(self.promotion_platform_amount),
            points_value: Fen::ZERO,
            paid_amount: Fen(self.pay_amount),
            lines,
        };
        Ok(RemoteOrder {
            order,
            modified_ms: secs_to_ms("update_time", self.update_time)?,
            state,
        })
    }
}

/// The Douyin push-message receiver of one shop.
pub struct DouyinPush {
    app_key: String,
    app_secret: String,
}

impl DouyinPush {
    pub fn new(_shop: ShopId, c: &ShopCredentials) -> Result<Self, ChannelError> {
        Ok(DouyinPush {
            app_key: c.require("app_key")?.to_string(),
            app_secret: c.require("app_secret")?.to_string(),
        })
    }

    /// `hex MD5(app_key + body + app_secret)`, as the header `event-sign` carries it.
    pub fn event_sign(app_key: &str, body: &[u8], app_secret: &str) -> String {
        let mut msg = Vec::with_capacity(app_key.len() + body.len() + app_secret.len());
        msg.extend_from_slice(app_key.as_bytes());
        msg.extend_from_slice(body);
        msg.extend_from_slice(app_secret.as_bytes());
        md5_lower(&msg)
    }
}

#[derive(Deserialize)]
struct PushItem {
    tag: Text,
    #[serde(default)]
    msg_id: Text,
    #[serde(default)]
    data: Text,
}

#[derive(Deserialize)]
struct PushData {
    p_id: Text,
}

/// Order (1xx) and refund (2xx) messages name an order to fetch.
fn names_an_order(tag: &str) -> bool {
    tag.parse::<u32>().is_ok_and(|t| (100..300).contains(&t))
}

impl PushChannel for DouyinPush {
    fn platform(&self) -> Platform {
        Platform::Douyin
    }

    fn receive(&self, request: WebhookRequest<'_>) -> Result<PushMessage, ChannelError> {
        let given = request
            .header("event-sign")
            .ok_or(ChannelError::BadSignature)?
            .trim()
            .to_ascii_lowercase();
        let expected = Self::event_sign(&self.app_key, request.body, &self.app_secret);
        if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return Err(ChannelError::BadSignature);
        }
        let text = String::from_utf8_lossy(request.body);
        let items: Vec<PushItem> = serde_json::from_str(&text).map_err(|e| {
            ChannelError::malformed(
                format!("推送消息格式不符 / unexpected push body: {e}"),
                &text,
            )
        })?;
        let mut ids: Vec<String> = Vec::new();
        for item in items.iter().filter(|i| names_an_order(&i.tag.0)) {
            let d: PushData = serde_json::from_str(&item.data.0).map_err(|e| {
                ChannelError::malformed(
                    format!("消息 {} 没有 p_id / no p_id: {e}", item.msg_id.0),
                    &text,
                )
            })?;
            if !d.p_id.0.is_empty() && !ids.contains(&d.p_id.0) {
                ids.push(d.p_id.0);
            }
        }
        let join = |f: fn(&PushItem) -> &str| items.iter().map(f).collect::<Vec<_>>().join(",");
        let tags = join(|i| i.tag.0.as_str());
        Ok(PushMessage {
            delivery_id: join(|i| i.msg_id.0.as_str()),
            content: if ids.is_empty() {
                PushContent::Ignored(format!("未使用的消息 {tags} / tags not used"))
            } else {
                PushContent::OrderIds(ids)
            },
            topic: tags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::assert_table_agrees_with_core;

    #[test]
    fn signer_reproduces_the_vector() {
        let pj = param_json(&json!({"size": 10, "page": 0}));
        assert_eq!(pj, r#"{"page":0,"size":10}"#);
        assert_eq!(
            sign(
                "dysecret",
                "1234567890",
                "order.searchList",
                &pj,
                "2024-01-01 12:00:00",
                "2"
            ),
            "6d866c2d2532a88eeb840705728effd6c38a6ec14a81853f7e114fa14a5e55b9"
        );
    }

    #[test]
    fn param_json_sorts_keys_at_every_depth() {
        let v = json!({"b": [{"z": 1, "a": "x"}], "a": {"d": null, "c": true}});
        assert_eq!(
            param_json(&v),
            r#"{"a":{"c":true,"d":null},"b":[{"a":"x","z":1}]}"#
        );
    }

    #[test]
    fn status_table_agrees_with_core() {
        assert_table_agrees_with_core(STATUSES);
        assert_eq!(
            lookup(STATUSES, "4").map(|r| (r.stored, r.state)),
            Some(("已取消", PlatformState::Closed))
        );
        assert_eq!(
            lookup(STATUSES, "101").map(|r| r.state),
            Some(PlatformState::PartShipped)
        );
        assert_eq!(lookup(STATUSES, "5").map(|r| r.stored), Some("已完成"));
    }

    #[test]
    fn an_order_reads_with_plain_or_encrypted_receiver_fields() {
        let raw = r##"{"order_id":"6900000000000000001","order_status":105,
            "create_time":1700000000,"pay_time":1700000005,"update_time":1700000010,
            "pay_amount":9300,"post_amount":800,"promotion_shop_amount":1000,
            "post_addr":{"province":{"name":"浙江省"},"city":{"name":"杭州市"},
              "town":{"name":"西湖区"},"street":{"name":"文新街道"},
              "detail":"文三路1号","encrypt_detail":"#x#"},
            "post_receiver":"张三","encrypt_post_receiver":"#y#","encrypt_post_tel":"#z#",
            "sku_order_list":[{"order_id":6950000000000000001,"product_id":100001,
              "sku_id":1000011,"out_sku_id":"","code":"TS-BLK-L","item_num":1,
              "goods_price":9900,"origin_amount":9900,"sum_amount":9500,"pay_amount":8500}]}"##;
        let o: DyOrder = serde_json::from_str(raw).unwrap();
        let r = o.into_remote(ShopId(3)).unwrap();
        let n = &r.order;
        assert_eq!(
            (n.platform_status.as_str(), r.state),
            ("已支付", PlatformState::AwaitingShipment)
        );
        assert_eq!(
            (n.created_at, n.paid_at, r.modified_ms),
            (
                1_700_000_000_000,
                Some(1_700_000_005_000),
                1_700_000_010_000
            )
        );
        assert_eq!(
            (n.receiver.name.as_str(), n.receiver.mobile.as_str()),
            ("张三", "#z#")
        );
        assert_eq!(
            (n.receiver.detail.as_str(), n.receiver.town.as_str()),
            ("文三路1号", "文新街道")
        );
        let l = &n.lines[0];
        assert_eq!(l.platform_line_id, "6950000000000000001");
        assert_eq!(
            (l.outer_code.as_str(), l.platform_item_id.as_str()),
            ("TS-BLK-L", "100001")
        );
        assert_eq!(
            (l.line_discount, l.order_discount_share, l.paid),
            (Fen(400), Fen(1000), Fen(8500))
        );
        assert_eq!(
            (n.goods_amount, n.discount_merchant),
            (Fen(9900), Fen(1000))
        );
        assert!(n.amounts_add_up());
    }

    #[test]
    fn error_codes_map_to_rate_limits_and_refusals() {
        let e = |v: Value| check_envelope(&v, "", None).unwrap_err();
        assert!(matches!(
            e(json!({"err_no": 60000, "message": "触发限流"})),
            ChannelError::RateLimited { .. }
        ));
        assert!(matches!(
            e(json!({"err_no": 40003, "message": "x", "sub_code": "isv.signature-invalid"})),
            ChannelError::Unauthorized(_)
        ));
        assert!(matches!(
            e(json!({"code": 50002, "msg": "业务处理失败"})),
            ChannelError::Platform { .. }
        ));
        assert!(check_envelope(&json!({"code": 10000, "msg": "success"}), "", None).is_ok());
    }
}
