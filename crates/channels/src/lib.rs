//! jxc-channels: the sales channels (平台) an order can come from, behind one trait.
//!
//! - Pull platforms ([`taobao`], [`pdd`], [`jd`], [`douyin`]) implement [`Channel`]: the
//!   orders changed in a time window, a page at a time, and one order by id.
//! - Push platforms ([`shopify`], [`woocommerce`], and Douyin's push messages) implement
//!   [`PushChannel`]: verify a webhook's signature in constant time, then read it.
//!
//! - Every pull adapter also writes a shipment back ([`Channel::ship`], 发货回传): the
//!   carrier (our code, mapped through the one table in [`carriers`]) and the tracking
//!   number, for the whole order or some of its lines.
//!
//! Every adapter signs exactly as `shared/specs/integrations.md` says (each signer has its
//! test vector as a unit test), parses money from decimal text straight to 分 ([`money`]),
//! and maps the platform's statuses through a table ([`status`]). What it returns is our
//! [`NewOrder`] (lines not yet mapped to SKUs: the app does that), with the platform's
//! status text kept as sent.
//!
//! Nothing here touches the database: the sync engine in `jxc-app` owns cursors, retries
//! and the sync log.

mod china_time;
pub mod credentials;
pub mod error;
pub mod http;
pub mod money;
pub mod notify;
pub mod sign;
pub mod status;
pub mod waybill;
mod wire;

pub mod carriers;

// The platforms (one file each; see each module's header for its API and quirks).
pub mod cainiao;
pub mod douyin;
pub mod email;
pub mod jd;
pub mod kuaidi100;
pub mod pdd;
pub mod robots;
pub mod shopify;
pub mod taobao;
pub mod woocommerce;

use std::time::Duration;

use async_trait::async_trait;
use jxc_core::ids::ShopId;
use jxc_core::orders::NewOrder;
use jxc_core::partners::{Credentials, Platform};

pub use credentials::ShopCredentials;
pub use error::ChannelError;
pub use status::PlatformState;

/// A half-open window `[start, end)` of platform modification times, Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// Milliseconds rounded up to whole seconds (for platforms that take seconds).
pub(crate) fn ceil_secs(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

/// One order as a platform sent it, read into our model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOrder {
    /// `shop_id` is the adapter's shop; line `sku_id`s are `None` (the app maps them).
    pub order: NewOrder,
    /// The platform's last-modified time of the order, Unix milliseconds.
    pub modified_ms: i64,
    /// What the platform's status means to us (from the platform's status table).
    pub state: PlatformState,
}

/// One entry of a page: an order, or an order that could not be read. A bad order
/// never hides the good ones beside it, and its raw text is kept for the sync log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Order(Box<RemoteOrder>),
    Malformed {
        /// The order id, when it could be read at all.
        platform_order_id: Option<String>,
        reason: String,
        raw: String,
    },
}

impl Fetched {
    /// Reads one order from its raw JSON text with `read` (typically
    /// `serde_json::from_str` into the platform's shape, then into ours), turning a
    /// failure into [`Fetched::Malformed`] with the raw text kept and the id when the
    /// field `id_field` can be found.
    pub fn read(
        raw: &serde_json::value::RawValue,
        id_field: &str,
        read: impl FnOnce(&str) -> Result<RemoteOrder, String>,
    ) -> Fetched {
        match read(raw.get()) {
            Ok(o) => Fetched::Order(Box::new(o)),
            Err(reason) => Fetched::Malformed {
                platform_order_id: serde_json::from_str::<serde_json::Value>(raw.get())
                    .ok()
                    .and_then(|v| v.get(id_field).cloned())
                    .map(|v| match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    }),
                reason,
                raw: raw.get().to_string(),
            },
        }
    }
}

/// One page of changed orders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderPage {
    pub orders: Vec<Fetched>,
    /// Whether another page follows in the same window.
    pub has_next: bool,
    /// The platform's total for the window, when it says.
    pub total: Option<u64>,
}

/// A pull platform: orders changed in a window, a page at a time (pages count from 1;
/// adapters translate for platforms that count from 0).
#[async_trait]
pub trait Channel: Send + Sync {
    fn platform(&self) -> Platform;

    /// The longest window one query may span (e.g. Pinduoduo: 24 hours). The sync engine
    /// cuts longer spans into windows of at most this.
    fn max_window(&self) -> Duration;

    /// The orders modified in `window`, page `page` (from 1).
    async fn changed_orders(&self, window: Window, page: u32) -> Result<OrderPage, ChannelError>;

    /// One order by the platform's id; `None` if the platform does not know it.
    async fn order(&self, platform_order_id: &str) -> Result<Option<Fetched>, ChannelError>;

    /// 发货回传: tells the platform the order shipped, with the carrier and tracking number.
    /// Idempotent on the platform side as far as the platform allows: shipping an order the
    /// platform already shows as shipped with the same tracking number is Ok.
    async fn ship(&self, s: &ShipNotice) -> Result<(), ChannelError>;
}

/// One parcel of an order, as the platform is told it shipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNotice {
    pub platform_order_id: String,
    /// Our carrier code (`yuantong`, `zhongtong`, `sf`, `yunda`, `shentong`, `ems`, `jd`,
    /// `local`; see [`carriers::CARRIERS`]).
    pub carrier: String,
    pub tracking_no: String,
    /// The platform's line ids shipped in this parcel; empty = the whole order.
    pub line_ids: Vec<String>,
}

impl ShipNotice {
    /// The order id and tracking number, trimmed; a refusal when either is empty. Adapters
    /// call this before sending anything.
    pub(crate) fn checked(&self) -> Result<(&str, &str), ChannelError> {
        let order = self.platform_order_id.trim();
        let tracking = self.tracking_no.trim();
        if order.is_empty() {
            return Err(refused(
                "jxc.missing-order-id",
                "缺少平台订单号 / no platform order id",
            ));
        }
        if tracking.is_empty() {
            return Err(refused(
                "jxc.missing-tracking-no",
                "缺少运单号 / no tracking number",
            ));
        }
        Ok((order, tracking))
    }

    /// Refuses a part shipment on a platform whose shipping call covers whole orders only.
    pub(crate) fn whole_order_only(&self, platform: &str) -> Result<(), ChannelError> {
        if self.line_ids.is_empty() {
            return Ok(());
        }
        Err(refused(
            "jxc.part-shipment-unsupported",
            &format!(
                "{platform} 只能整单发货，不能按商品行回传 / {platform} ships whole orders only, not some of their lines"
            ),
        ))
    }
}

/// A request refused before it was sent, for a reason the platform would refuse it for
/// (codes `jxc.…`; never retryable).
pub(crate) fn refused(code: &str, message: &str) -> ChannelError {
    ChannelError::Platform {
        code: code.to_string(),
        message: message.to_string(),
    }
}

/// An incoming webhook request: headers (names lower-case) and the raw body, unparsed.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl WebhookRequest<'_> {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a verified webhook carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushContent {
    /// Whole orders in the payload (Shopify, WooCommerce).
    Orders(Vec<Fetched>),
    /// Ids of orders that changed; fetch them (Douyin push messages).
    OrderIds(Vec<String>),
    /// A message that needs nothing (a ping, a topic we do not use), with why.
    Ignored(String),
}

/// A verified webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMessage {
    /// The platform's delivery id (dedupe on it); empty when the platform sends none.
    pub delivery_id: String,
    pub topic: String,
    pub content: PushContent,
}

/// A push platform: checks a webhook's signature (constant time) before reading anything.
pub trait PushChannel: Send + Sync {
    fn platform(&self) -> Platform;
    /// `Err(ChannelError::BadSignature)` when the signature is missing or wrong; nothing
    /// of the body is read before the signature checks.
    fn receive(&self, request: WebhookRequest<'_>) -> Result<PushMessage, ChannelError>;
}

/// Options shared by every adapter: the HTTP client and its timeout.
#[derive(Debug, Clone)]
pub struct Options {
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(30),
        }
    }
}

/// The pull adapter for a shop, or `None` for platforms that only push or have no API
/// (手工). Errors say which credential is missing.
pub fn pull_channel(
    shop: ShopId,
    platform: Platform,
    credentials: &Credentials,
    options: &Options,
) -> Result<Option<Box<dyn Channel>>, ChannelError> {
    let c = ShopCredentials::new(&credentials.0);
    let http = http::Http::new(options)?;
    Ok(match platform {
        // pull adapters
        Platform::Pdd => Some(Box::new(pdd::Pdd::new(shop, &c, http)?)),
        Platform::Douyin => Some(Box::new(douyin::Douyin::new(shop, &c, http)?)),
        Platform::Woocommerce => Some(Box::new(woocommerce::Woo::new(shop, &c, http)?)),
        Platform::Taobao | Platform::Tmall => {
            Some(Box::new(taobao::Taobao::new(shop, platform, &c, http)?))
        }
        Platform::Jd => Some(Box::new(jd::Jd::new(shop, &c, http)?)),
        Platform::Shopify => Some(Box::new(shopify::Shopify::new(shop, &c, http)?)),
        Platform::Manual => None,
    })
}

/// The webhook receiver for a shop, or `None` for platforms that do not push.
pub fn push_channel(
    shop: ShopId,
    platform: Platform,
    credentials: &Credentials,
) -> Result<Option<Box<dyn PushChannel>>, ChannelError> {
    let c = ShopCredentials::new(&credentials.0);
    #[allow(unreachable_patterns)]
    Ok(match platform {
        // push adapters
        Platform::Douyin => Some(Box::new(douyin::DouyinPush::new(shop, &c)?)),
        Platform::Woocommerce => Some(Box::new(woocommerce::WooWebhooks::new(shop, &c)?)),
        Platform::Shopify => Some(Box::new(shopify::ShopifyWebhooks::new(shop, &c)?)),
        _ => None,
    })
}
