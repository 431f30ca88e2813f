//! 预警: stock levels per SKU × warehouse, the facts alerts are decided from, the alerts
//! themselves (one open per cause), the channels they go to and what was delivered.
//! Deciding is `jxc_core::alerts`'s; sending is the app's.

use async_trait::async_trait;
use chrono::NaiveDate;
use jxc_core::alerts::{AlertKind, Cause, ChannelKind, LotFacts, PairFacts, StockLevel};
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::paging::{Page, PageRequest};
use serde::Serialize;

use crate::{Actor, Result};

/// An alert: open while its cause holds (or, for an event, until closed by a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: i64,
    pub kind: AlertKind,
    pub cause_key: String,
    pub sku_id: Option<SkuId>,
    pub warehouse_id: Option<WarehouseId>,
    pub title: String,
    pub detail: String,
    /// The jxc page (a path) where it is fixed.
    pub link: String,
    /// Unix ms.
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// Who closed it (`system:alerts` when its cause went away).
    pub closed_by: String,
    pub acked_at: Option<i64>,
    pub acked_by: String,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Open (`true`), closed (`false`) or both.
    pub open: Option<bool>,
    pub kind: Option<AlertKind>,
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's limit) and alerts of no warehouse; empty: all.
    pub warehouse_ids: Vec<WarehouseId>,
}

/// What an evaluation changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertSync {
    /// Newly opened: these are to be sent.
    pub opened: Vec<Alert>,
    /// Closed because their cause went away.
    pub closed: i64,
    /// Causes that were open already (told before, not again).
    pub still_open: i64,
}

/// A stock level with the names and stock a person needs next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLevelRow {
    #[serde(flatten)]
    pub level: StockLevel,
    pub sku_code: String,
    pub sku_name: String,
    pub warehouse_code: String,
    pub on_hand: i64,
    pub available: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

#[derive(Debug, Clone, Default)]
pub struct StockLevelFilter {
    pub warehouse_id: Option<WarehouseId>,
    pub warehouse_ids: Vec<WarehouseId>,
    /// SKU code or name contains.
    pub q: String,
}

/// A channel to create or change. `config` is the app's JSON (URL, secret or SMTP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlertChannel {
    pub name: String,
    pub kind: ChannelKind,
    pub config: String,
    /// The kinds it takes; empty: every kind.
    pub kinds: Vec<AlertKind>,
    pub active: bool,
}

/// A channel as stored. `config` holds secrets: the app never shows it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChannel {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    pub config: String,
    pub kinds: Vec<AlertKind>,
    pub active: bool,
    pub created_at: i64,
    pub created_by: String,
}

impl AlertChannel {
    /// Whether the channel takes alerts of `kind`.
    pub fn takes(&self, kind: AlertKind) -> bool {
        self.active && (self.kinds.is_empty() || self.kinds.contains(&kind))
    }
}

/// One alert sent (or tried) to one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub alert_id: i64,
    pub channel_id: i64,
    pub channel_name: String,
    /// `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub error: String,
    pub at: i64,
}

/// 预警.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Sets (creates or replaces) the limits of SKUs in warehouses, in one transaction,
    /// audited (an import of thousands is one statement per few hundred rows).
    async fn set_stock_levels(&self, levels: &[StockLevel], actor: &Actor) -> Result<()>;
    /// Removes them; `false` when there were none.
    async fn delete_stock_level(
        &self,
        sku: SkuId,
        warehouse: WarehouseId,
        actor: &Actor,
    ) -> Result<bool>;
    /// By SKU code, then warehouse.
    async fn list_stock_levels(
        &self,
        filter: &StockLevelFilter,
        page: &PageRequest,
    ) -> Result<Page<StockLevelRow>>;
    /// Every SKU × warehouse with a level or stock on hand (of `skus` when given), with
    /// what was issued since `sold_since` (Unix ms), the last issue and the first receipt.
    async fn pair_facts(&self, skus: Option<&[SkuId]>, sold_since: i64) -> Result<Vec<PairFacts>>;
    /// Lots with stock expiring on or before `by` (of `skus` when given).
    async fn lot_facts(&self, by: NaiveDate, skus: Option<&[SkuId]>) -> Result<Vec<LotFacts>>;
    /// In one transaction: opens an alert for each cause not open yet, and closes the
    /// open alerts of `kinds` (of `skus` when given) whose cause is not among `causes`.
    async fn sync_alerts(
        &self,
        kinds: &[AlertKind],
        skus: Option<&[SkuId]>,
        causes: &[Cause],
    ) -> Result<AlertSync>;
    /// Opens one alert unless its cause is open already.
    async fn open_alert(&self, cause: &Cause) -> Result<Option<Alert>>;
    /// Newest first with `page.desc`.
    async fn list_alerts(&self, filter: &AlertFilter, page: &PageRequest) -> Result<Page<Alert>>;
    async fn get_alert(&self, id: i64) -> Result<Option<Alert>>;
    /// 已读/处理中: someone has seen it; it stays open while its cause holds.
    async fn ack_alert(&self, id: i64, actor: &Actor) -> Result<Alert>;
    /// Closes an event alert. A condition alert closes by itself when fixed: refused.
    async fn close_alert(&self, id: i64, actor: &Actor) -> Result<Alert>;
    async fn open_alert_count(&self, warehouse_ids: &[WarehouseId]) -> Result<i64>;
    /// Creates (`id` None) or changes a channel, audited without its config.
    async fn save_alert_channel(
        &self,
        id: Option<i64>,
        ch: &NewAlertChannel,
        actor: &Actor,
    ) -> Result<AlertChannel>;
    async fn list_alert_channels(&self) -> Result<Vec<AlertChannel>>;
    async fn get_alert_channel(&self, id: i64) -> Result<Option<AlertChannel>>;
    /// Records a try: `error` None when sent. A second try of the same pair counts up.
    async fn record_delivery(&self, alert: i64, channel: i64, error: Option<&str>) -> Result<()>;
    /// Open alerts whose delivery to a channel failed fewer than `max_attempts` times.
    async fn failed_deliveries(&self, max_attempts: i64) -> Result<Vec<(Alert, i64)>>;
    async fn alert_deliveries(&self, alert: i64) -> Result<Vec<Delivery>>;
}
