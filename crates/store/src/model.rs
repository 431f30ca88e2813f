//! Rows, filters and results that cross the store boundary.

use chrono::{DateTime, NaiveDate, Utc};
use jxc_core::FieldError;
use jxc_core::ids::*;
use jxc_core::inventory::posting::MoveKind;
use jxc_core::inventory::{DocumentKind, ReserveRequest};
use jxc_core::money::Fen;
use serde::Serialize;

/// A generic list filter for master data: free text, active flag, and one parent id
/// (the warehouse of locations, the shop of listings).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Matches code or name (contains, case-insensitive for ASCII).
    pub q: Option<String>,
    pub active: Option<bool>,
    pub parent_id: Option<i64>,
    /// Only these records (a user's warehouses or shops); empty means no limit.
    pub only_ids: Vec<i64>,
    /// Only records under these parents (the listings of a user's shops); empty means no
    /// limit.
    pub only_parents: Vec<i64>,
    /// `code` (default), `name` or `id`.
    pub sort: Sort,
}

impl ListFilter {
    /// Limited to the records with these ids (empty: no limit).
    pub fn within<I: Into<i64> + Copy>(mut self, ids: &[I]) -> ListFilter {
        self.only_ids = ids.iter().map(|&i| i.into()).collect();
        self
    }

    /// Limited to records under these parents (empty: no limit).
    pub fn under<I: Into<i64> + Copy>(mut self, parents: &[I]) -> ListFilter {
        self.only_parents = parents.iter().map(|&i| i.into()).collect();
        self
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Code,
    Name,
    Id,
}

impl Sort {
    pub fn parse(s: Option<&str>) -> Result<Sort, FieldError> {
        match s.unwrap_or("code").trim_start_matches('-') {
            "code" => Ok(Sort::Code),
            "name" => Ok(Sort::Name),
            "id" => Ok(Sort::Id),
            other => Err(FieldError::new(
                "sort",
                format!("不能按 “{other}” 排序 (code/name/id)"),
            )),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SkuFilter {
    pub list: ListFilter,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub is_bundle: Option<bool>,
}

/// The result of one import row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportOutcome {
    /// The row number in the file (1 = the header row).
    pub row: usize,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub result: Result<ImportAction, FieldError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Created,
    Updated,
    Unchanged,
}

/// A reservation request with what it is for.
#[derive(Debug, Clone)]
pub struct ReservationRequest {
    pub request: ReserveRequest,
    /// e.g. `order`, `transfer`, `manual`.
    pub source_type: String,
    /// e.g. the order number.
    pub source_ref: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    Live,
    Released,
    Consumed,
}

impl ReservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Live => "live",
            ReservationStatus::Released => "released",
            ReservationStatus::Consumed => "consumed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Live, Self::Released, Self::Consumed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reservation {
    pub id: ReservationId,
    pub sku_id: SkuId,
    pub warehouse_id: WarehouseId,
    pub location_id: LocationId,
    pub lot_id: LotId,
    /// Quantity reserved at first.
    pub qty: i64,
    /// Quantity still held (0 once released or consumed).
    pub remaining: i64,
    pub status: ReservationStatus,
    pub source_type: String,
    pub source_ref: String,
    pub created_at: DateTime<Utc>,
    pub actor: String,
}

#[derive(Debug, Clone, Default)]
pub struct ReservationFilter {
    pub id: Option<ReservationId>,
    pub sku_id: Option<SkuId>,
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's warehouse limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub status: Option<ReservationStatus>,
    pub source_ref: Option<String>,
}

/// A posted stock document with its ledger rows. Posted documents never change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostedDocument {
    #[serde(flatten)]
    pub summary: DocumentSummary,
    pub moves: Vec<MoveRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentSummary {
    pub id: DocumentId,
    /// e.g. `RK00000012`.
    pub doc_no: String,
    pub kind: DocumentKind,
    pub warehouse_id: WarehouseId,
    pub reference: String,
    pub note: String,
    pub posted_at: DateTime<Utc>,
    pub actor: String,
}

#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    pub kind: Option<DocumentKind>,
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's warehouse limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub reference: Option<String>,
}

/// One ledger row (库存流水), with the names a person reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveRow {
    pub id: MoveId,
    pub document_id: DocumentId,
    pub doc_no: String,
    pub doc_kind: DocumentKind,
    pub line_no: u32,
    pub kind: MoveKind,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub warehouse_id: WarehouseId,
    pub location_id: LocationId,
    pub location_code: String,
    pub lot_id: LotId,
    pub lot_no: String,
    pub qty: i64,
    /// Signed value in 分 (+ in, − out).
    pub value: Fen,
    pub reservation_id: Option<ReservationId>,
    pub at: DateTime<Utc>,
    pub actor: String,
}

#[derive(Debug, Clone, Default)]
pub struct MoveFilter {
    pub sku_id: Option<SkuId>,
    /// SKU code or name contains.
    pub q: Option<String>,
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's warehouse limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub location_id: Option<LocationId>,
    pub document_id: Option<DocumentId>,
    pub doc_kind: Option<DocumentKind>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// One balance (库存余额) with the names a person reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BalanceRow {
    pub id: i64,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub sku_name: String,
    pub warehouse_id: WarehouseId,
    pub warehouse_code: String,
    pub location_id: LocationId,
    pub location_code: String,
    pub lot_id: LotId,
    pub lot_no: String,
    pub expiry_date: Option<NaiveDate>,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    /// 分, at moving average.
    pub value: Fen,
    /// The last ledger row that changed this balance.
    pub last_move_id: Option<MoveId>,
}

#[derive(Debug, Clone, Default)]
pub struct BalanceFilter {
    pub sku_id: Option<SkuId>,
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's warehouse limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub location_id: Option<LocationId>,
    pub lot_id: Option<LotId>,
    /// SKU code or name contains.
    pub q: Option<String>,
    /// Leave out balances with nothing on hand and nothing reserved (default true).
    pub nonzero: bool,
    /// `code` sorts by SKU code; `id` by balance id.
    pub sort: Sort,
    /// 临期/过期: only lots that expire on or before this day (expired ones included).
    pub expires_by: Option<NaiveDate>,
}

/// How the stock summary groups balances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SummaryBy {
    /// One row per SKU (按商品), summed over the warehouses of the filter.
    #[default]
    Sku,
    /// One row per SKU × warehouse (按仓库).
    SkuWarehouse,
}

/// A filter of the stock summary. Rows come in SKU-code order (then SKU id, or warehouse
/// id in the SKU × warehouse view), paged by keyset.
#[derive(Debug, Clone, Default)]
pub struct SummaryFilter {
    pub by: SummaryBy,
    pub sku_id: Option<SkuId>,
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's warehouse limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    /// SKU code or name contains.
    pub q: Option<String>,
    /// Low stock: only rows with at most this available. By SKU this lists every active
    /// stock SKU (not bundles, not inactive) at or under it, also SKUs with no stock at
    /// all; by SKU × warehouse only the pairs that have balances. Without it, only rows
    /// with something on hand, reserved or valued.
    pub available_at_most: Option<i64>,
}

/// One row of the stock summary: a SKU (and a warehouse, by SKU × warehouse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SummaryRow {
    pub sku_id: SkuId,
    pub sku_code: String,
    pub sku_name: String,
    /// By SKU × warehouse only.
    pub warehouse_id: Option<WarehouseId>,
    pub warehouse_code: String,
    pub warehouse_name: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    /// 分.
    pub value: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockTotal {
    pub warehouse_id: WarehouseId,
    pub warehouse_code: String,
    pub warehouse_name: String,
    pub on_hand: i64,
    pub value: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `create`, `update`, `post`, `reserve`, `release` …
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    pub skus: i64,
    pub bundles: i64,
    pub warehouses: i64,
    pub locations: i64,
    pub shops: i64,
    pub suppliers: i64,
    pub customers: i64,
    pub listings: i64,
    pub documents: i64,
    pub moves: i64,
    pub live_reservations: i64,
}

/// A session about to start. `id_hash` is the SHA-256 of the cookie value.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id_hash: String,
    pub user_id: UserId,
    /// The anti-CSRF token every form and state-changing request of this session carries.
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: UserId,
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An API token of a user, as listed (the token itself is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}
