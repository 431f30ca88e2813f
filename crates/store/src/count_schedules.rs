//! 循环盘点计划: schedules that create a count every N days. The interval arithmetic and
//! the input checks are `jxc_core::inventory::count_schedule`'s; the store keeps the
//! schedules and runs a due one in one transaction: the count is created (or the run is
//! skipped) and the schedule moved on together, so a run is never lost or made twice.

use async_trait::async_trait;
use jxc_core::ids::WarehouseId;
use jxc_core::inventory::count::{NewCount, NewCountInput, RecountRule};
use jxc_core::inventory::count_schedule::NewCountSchedule;
use jxc_core::paging::{Page, PageRequest};
use serde::Serialize;

use crate::{Actor, Result, StockCount};

/// 循环盘点计划.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountSchedule {
    pub id: i64,
    pub warehouse_id: WarehouseId,
    /// `full`, `zone`, `locations`, `skus` or `abc`, with the fields that kind uses.
    pub scope: String,
    pub zone: String,
    pub location_from: String,
    pub location_to: String,
    pub sku_codes: String,
    pub abc_class: String,
    pub blind: bool,
    pub recount: RecountRule,
    pub note: String,
    pub every_days: i64,
    /// Unix ms.
    pub next_due_at: i64,
    pub active: bool,
    /// The count the schedule last created.
    pub last_count_id: Option<i64>,
    /// When it last ran (Unix ms) and what came of it: `created`, `still_open` (the last
    /// count was not finished), `no_stock` (nothing in scope), or '' (never ran).
    pub last_run_at: Option<i64>,
    pub last_outcome: String,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
}

impl CountSchedule {
    /// The count each run asks for.
    pub fn count_input(&self) -> NewCountInput {
        NewCountInput {
            warehouse_id: self.warehouse_id.0,
            scope: self.scope.clone(),
            zone: self.zone.clone(),
            location_from: self.location_from.clone(),
            location_to: self.location_to.clone(),
            sku_codes: self.sku_codes.clone(),
            abc_class: self.abc_class.clone(),
            blind: self.blind,
            recount_qty: self.recount.qty,
            recount_value: self.recount.value,
            note: self.note.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CountScheduleFilter {
    pub warehouse_id: Option<WarehouseId>,
    /// Only these warehouses (a user's limit); empty means all.
    pub warehouse_ids: Vec<WarehouseId>,
    pub active: Option<bool>,
}

/// One run of a due schedule.
#[derive(Debug, Clone)]
pub struct ScheduleRun {
    /// The due time the caller saw: if the schedule's is another by now (it ran
    /// elsewhere, or a person moved it), nothing happens.
    pub due_at: i64,
    /// Its due time after this run.
    pub next_due_at: i64,
    /// The run's time (Unix ms).
    pub now: i64,
    /// The count to create.
    pub count: NewCount,
    /// For an ABC scope: sales since (Unix ms).
    pub sales_since: i64,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ScheduleOutcome {
    /// The count was created.
    Created { count: Box<StockCount> },
    /// The schedule's last count is not posted or cancelled yet: no second one.
    StillOpen { count_id: i64 },
    /// Nothing is in stock within the scope: no count.
    NoStock,
    /// Not due (inactive, or its due time moved): nothing happened.
    NotDue,
}

/// 循环盘点计划.
#[async_trait]
pub trait CountScheduleStore: Send + Sync {
    /// The warehouse must exist.
    async fn create_count_schedule(
        &self,
        s: &NewCountSchedule,
        actor: &Actor,
    ) -> Result<CountSchedule>;
    /// Replaces every field of a schedule (its last run stays).
    async fn update_count_schedule(
        &self,
        id: i64,
        s: &NewCountSchedule,
        actor: &Actor,
    ) -> Result<CountSchedule>;
    /// 停用 / 启用.
    async fn set_count_schedule_active(
        &self,
        id: i64,
        active: bool,
        actor: &Actor,
    ) -> Result<CountSchedule>;
    async fn get_count_schedule(&self, id: i64) -> Result<Option<CountSchedule>>;
    /// By id (`page.desc` for newest first).
    async fn list_count_schedules(
        &self,
        filter: &CountScheduleFilter,
        page: &PageRequest,
    ) -> Result<Page<CountSchedule>>;
    /// Active schedules due at `now`, soonest first, at most `limit`.
    async fn due_count_schedules(&self, now: i64, limit: u32) -> Result<Vec<CountSchedule>>;
    /// Runs one due schedule in one transaction, under the schedule's lock: creates its
    /// count (lines resolved as for any count) unless its last count is still open or the
    /// scope holds no stock, and moves its due time to `run.next_due_at` whichever it is.
    async fn run_count_schedule(
        &self,
        id: i64,
        run: &ScheduleRun,
        actor: &Actor,
    ) -> Result<ScheduleOutcome>;
}
