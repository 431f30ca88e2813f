//! 发货单: what leaves one warehouse in one parcel run under one tracking number.
//!
//! A shipment is made when its waybill is taken (面单, status `labelled`): the orders of
//! one 合单 group routed to the same warehouse share it. Scanning verifies it and ships it:
//! one transaction posts the stock issue that consumes the orders' reservations at that
//! warehouse (ledger + value) and marks it `shipped`. Tracking then moves it to `signed`
//! or `exception`.

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, OrderId, SkuId, WarehouseId};
use jxc_core::paging::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use crate::{Actor, Result};

/// Where a shipment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// 待发货: waybill taken, label printable, not scanned out yet.
    Labelled,
    /// 已发货: verified, stock issued.
    Shipped,
    /// 已签收.
    Signed,
    /// 物流异常: 疑难, 退回, 拒签, or no tracking update for too long.
    Exception,
}

impl ShipmentStatus {
    pub const ALL: [ShipmentStatus; 4] = [
        ShipmentStatus::Labelled,
        ShipmentStatus::Shipped,
        ShipmentStatus::Signed,
        ShipmentStatus::Exception,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Labelled => "labelled",
            ShipmentStatus::Shipped => "shipped",
            ShipmentStatus::Signed => "signed",
            ShipmentStatus::Exception => "exception",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ShipmentStatus::Labelled => "待发货",
            ShipmentStatus::Shipped => "已发货",
            ShipmentStatus::Signed => "已签收",
            ShipmentStatus::Exception => "物流异常",
        }
    }
    pub fn parse(s: &str) -> Option<ShipmentStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Whether the goods have left the warehouse.
    pub fn is_out(self) -> bool {
        self != ShipmentStatus::Labelled
    }
}

/// A shipment to make: its orders (one 合单 group), its warehouse and its waybill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewShipment {
    pub warehouse_id: WarehouseId,
    pub wave_id: Option<i64>,
    pub orders: Vec<OrderId>,
    /// Our carrier code (`yuantong`, `sf`, …, `local` for self-delivery).
    pub carrier: String,
    pub tracking_no: String,
    /// The carrier's print data for the label (Cainiao's encrypted blob), '' for local.
    pub print_data: String,
}

/// A saved shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    pub id: i64,
    pub warehouse_id: WarehouseId,
    pub wave_id: Option<i64>,
    pub status: ShipmentStatus,
    /// By id.
    pub orders: Vec<OrderId>,
    pub carrier: String,
    pub tracking_no: String,
    pub print_data: String,
    pub packages: i64,
    /// Grams, when weighed.
    pub weight_g: Option<i64>,
    /// The stock issue posted when it shipped.
    pub document_id: Option<DocumentId>,
    /// Unix ms.
    pub created_at: i64,
    pub created_by: String,
    pub shipped_at: Option<i64>,
    pub shipped_by: String,
    /// 发货回传: '' not yet tried, `ok`, or the platform's error.
    pub writeback: String,
    /// 物流订阅: '' not subscribed, `ok`, or the tracking service's error.
    pub subscribed: String,
    /// The carrier's last tracking state (Kuaidi100's code), and when it changed.
    pub tracking_state: String,
    pub tracking_at: Option<i64>,
    /// Why it is an exception ('' otherwise).
    pub exception: String,
}

/// Which shipments to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShipmentFilter {
    pub status: Option<ShipmentStatus>,
    pub warehouse: Option<WarehouseId>,
    /// Only these warehouses (a user's limit); empty means all.
    pub warehouses: Vec<WarehouseId>,
    pub wave: Option<i64>,
    pub order: Option<OrderId>,
    pub tracking_no: Option<String>,
    /// Out (shipped, not signed or an exception) with no tracking update since this
    /// (Unix ms; the ship time when none came at all).
    pub quiet_since: Option<i64>,
    /// Shipped in `[from, to)` (Unix ms).
    pub shipped_from: Option<i64>,
    pub shipped_to: Option<i64>,
}

/// 扫描发货: what was verified at the packing bench.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipInput {
    /// Units scanned per SKU. Must equal what the orders hold reserved at the warehouse.
    pub scanned: Vec<(SkuId, i64)>,
    /// 序列号 scanned, for serial-numbered SKUs: exactly the serials the orders hold.
    pub serials: Vec<(SkuId, String)>,
    pub packages: i64,
    pub weight_g: Option<i64>,
}

/// A tracking update to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingUpdate {
    /// The carrier's state code.
    pub state: String,
    /// When the carrier last reported (Unix ms).
    pub at_ms: i64,
    /// The status it moves the shipment to (`Shipped` leaves it in transit).
    pub status: ShipmentStatus,
    /// Why, for an exception.
    pub exception: String,
}

/// 发货单.
#[async_trait]
pub trait ShipmentStore: Send + Sync {
    /// Makes shipments in one transaction. Every order must be allocated (status
    /// `allocated`) to ship from the shipment's warehouse and have no shipment from it
    /// yet; a tracking number is used once per carrier. Otherwise it is a conflict and
    /// nothing is made.
    async fn create_shipments(&self, s: &[NewShipment], actor: &Actor) -> Result<Vec<Shipment>>;
    async fn get_shipment(&self, id: i64) -> Result<Option<Shipment>>;
    /// Shipments by id (newest first with `page.desc`).
    async fn list_shipments(
        &self,
        filter: &ShipmentFilter,
        page: &PageRequest,
    ) -> Result<Page<Shipment>>;
    /// What a `labelled` shipment's orders hold reserved at its warehouse, per SKU: what
    /// the scan must match.
    async fn shipment_contents(&self, id: i64) -> Result<Vec<(SkuId, i64)>>;
    /// Ships a `labelled` shipment in one transaction: `scanned` must equal its contents,
    /// then an issue (出库单, reference = the tracking number) consumes the reservations
    /// and the shipment is `shipped`. Anything else is a conflict and changes nothing.
    async fn ship(&self, id: i64, input: &ShipInput, actor: &Actor) -> Result<Shipment>;
    /// Records the outcome of 发货回传 (`ok` or the platform's error).
    async fn set_writeback(&self, id: i64, outcome: &str) -> Result<()>;
    /// Records the outcome of subscribing to its tracking (`ok` or the service's error).
    async fn set_subscribed(&self, id: i64, outcome: &str) -> Result<()>;
    /// Records a tracking update of a shipment that is out (not `labelled`).
    async fn record_tracking(
        &self,
        id: i64,
        update: &TrackingUpdate,
        actor: &Actor,
    ) -> Result<Shipment>;
    /// Takes `n` values of the counter `name` (starting at `first` the first time):
    /// returns the first of them. Values are never given twice.
    async fn take_numbers(&self, name: &str, first: i64, n: i64) -> Result<i64>;
}
