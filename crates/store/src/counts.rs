//! 盘点: counts, their lines and scans. The arithmetic and the states are `jxc_core`'s
//! ([`jxc_core::inventory::count`]); the store resolves a count's scope into lines, takes
//! scans once each, records the ledger position of every counted line under the balance's
//! lock, and posts the variances through the ledger's one path.

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LocationId, LotId, SkuId, WarehouseId};
use jxc_core::inventory::count::{Accuracy, CountScope, CountStatus, NewCount, RecountRule};
use jxc_core::paging::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use crate::{Actor, Result};

/// 盘点单.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockCount {
    pub id: i64,
    /// `PD00000012`.
    pub number: String,
    pub warehouse_id: WarehouseId,
    pub status: CountStatus,
    pub scope: CountScope,
    /// 盲盘: counters are not shown what the ledger expects.
    pub blind: bool,
    pub recount: RecountRule,
    pub note: String,
    /// Unix ms.
    pub created_at: i64,
    pub created_by: String,
    pub submitted_at: Option<i64>,
    pub submitted_by: String,
    pub posted_at: Option<i64>,
    pub posted_by: String,
    pub progress: CountProgress,
    /// The adjustment documents (调整单) the count posted.
    pub documents: Vec<DocumentId>,
}

/// How far a count has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountProgress {
    pub lines: i64,
    pub counted: i64,
    /// Lines waiting for their second count (复盘).
    pub recount: i64,
    /// Counted lines whose count differs from the ledger.
    pub variances: i64,
}

/// The counts to list.
#[derive(Debug, Clone, Default)]
pub struct CountFilter {
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's warehouse limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub status: Option<CountStatus>,
}

/// One line of a count, named for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountLine {
    pub id: i64,
    pub location_id: LocationId,
    pub location_code: String,
    pub zone: String,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub sku_name: String,
    pub lot_id: LotId,
    pub lot_no: String,
    /// Units found; `None` until counted.
    pub counted: Option<i64>,
    /// On hand at the ledger position when counted.
    pub expected: Option<i64>,
    /// The balance's last move id when counted (`None`: no move yet).
    pub position: Option<i64>,
    pub counted_at: Option<i64>,
    pub counted_by: String,
    /// The first count and its expectation, when the line was counted twice.
    pub first_counted: Option<i64>,
    pub first_expected: Option<i64>,
    pub needs_recount: bool,
    /// The value posted for the variance (分), once posted.
    pub value_variance: Option<i64>,
    /// On hand now (for the review; a blind count hides it from counters).
    pub on_hand: i64,
}

impl CountLine {
    /// `counted − expected`, once counted.
    pub fn variance(&self) -> Option<i64> {
        Some(self.counted? - self.expected?)
    }
}

/// Which lines to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineState {
    #[default]
    All,
    Uncounted,
    Counted,
    /// Counted and different from the ledger.
    Variance,
    /// Waiting for the second count.
    Recount,
}

impl LineState {
    pub const ALL: [LineState; 5] = [
        LineState::All,
        LineState::Uncounted,
        LineState::Counted,
        LineState::Variance,
        LineState::Recount,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            LineState::All => "all",
            LineState::Uncounted => "uncounted",
            LineState::Counted => "counted",
            LineState::Variance => "variance",
            LineState::Recount => "recount",
        }
    }
    pub fn parse(s: &str) -> Option<LineState> {
        LineState::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Default)]
pub struct CountLineFilter {
    pub state: LineState,
    /// Locations whose code starts with this.
    pub location: String,
    /// 商家编码 or name containing this.
    pub q: String,
}

/// How an entry changes its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryMode {
    /// A scan: adds its units to what was counted.
    Add,
    /// A typed total: replaces what was counted.
    Set,
}

/// A scan or a typed count, by the codes a person sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountEntry {
    /// Scans carry an id, so one sent twice counts once.
    pub scan_id: Option<String>,
    /// 库位码.
    pub location: String,
    /// Barcode or 商家编码.
    pub code: String,
    pub lot_no: String,
    pub qty: i64,
    pub mode: EntryMode,
}

/// What became of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EntryOutcome {
    /// Taken: the line's count is now `counted`.
    Counted {
        line_id: i64,
        sku_code: String,
        counted: i64,
    },
    /// This scan id was taken before; nothing changed.
    Duplicate {
        line_id: i64,
        sku_code: String,
        counted: i64,
    },
    /// Not taken, and why (unknown code, outside the count's scope, …).
    Refused { reason: String },
}

/// 盘点.
#[async_trait]
pub trait CountStore: Send + Sync {
    /// Creates a count and its lines: every balance in scope with stock on hand (ABC
    /// counts class the warehouse's SKUs by the value issued since `sales_since`, Unix ms).
    /// A count with no line is refused.
    async fn create_count(
        &self,
        count: &NewCount,
        sales_since: i64,
        actor: &Actor,
    ) -> Result<StockCount>;
    async fn get_count(&self, id: i64) -> Result<Option<StockCount>>;
    /// Newest first with `page.desc`.
    async fn list_counts(
        &self,
        filter: &CountFilter,
        page: &PageRequest,
    ) -> Result<Page<StockCount>>;
    /// Lines by location code, then SKU code, then lot.
    async fn count_lines(
        &self,
        id: i64,
        filter: &CountLineFilter,
        page: &PageRequest,
    ) -> Result<Page<CountLine>>;
    /// Takes scans and typed counts in one transaction, each answering for itself. A line
    /// counted for the first time (or the first time in its recount) records the ledger
    /// position then, under the balance's lock. A SKU found where the count expected
    /// nothing gets a new line, if both are inside the scope.
    async fn record_counts(
        &self,
        id: i64,
        entries: &[CountEntry],
        actor: &Actor,
    ) -> Result<Vec<EntryOutcome>>;
    /// 完成库位: every line of `location` not counted yet is counted as 0. Returns how
    /// many lines that was.
    async fn close_location(&self, id: i64, location: LocationId, actor: &Actor) -> Result<i64>;
    /// Ends counting. Lines not counted are refused (naming how many), or counted as 0
    /// with `zero_uncounted`. On the first submit, lines whose variance passes the
    /// recount rule go to a second count (status 复盘中) with their first count kept;
    /// otherwise the count waits for approval (待审核).
    async fn submit_count(
        &self,
        id: i64,
        zero_uncounted: bool,
        actor: &Actor,
    ) -> Result<StockCount>;
    /// 审核过账: posts every variance as 调整单 lines (盘盈 valued at average cost) in
    /// one transaction, and the count is final.
    async fn approve_count(&self, id: i64, actor: &Actor) -> Result<StockCount>;
    /// 退回: a submitted count goes back to counting.
    async fn reopen_count(&self, id: i64, actor: &Actor) -> Result<StockCount>;
    /// 作废: a count not posted is cancelled; nothing reaches the ledger.
    async fn cancel_count(&self, id: i64, actor: &Actor) -> Result<StockCount>;
    /// 准确率 of a count from its counted lines (variance and, once posted, its value;
    /// before, its worth at average cost now).
    async fn count_accuracy(&self, id: i64) -> Result<Accuracy>;
}
