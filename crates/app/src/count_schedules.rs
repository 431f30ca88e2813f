//! 循环盘点计划: counts that come back every N days. A 仓库主管 keeps the schedules; the
//! scheduler (`channels/schedule.rs`) calls [`App::run_due_count_schedules`] every minute,
//! which creates the count of every due schedule — skipping, and logging, one whose last
//! count is still open or whose scope holds no stock — and moves its due time on by whole
//! intervals from the due time (core `next_due_after`).

use jxc_core::ids::WarehouseId;
use jxc_core::inventory::count::NewCount;
use jxc_core::inventory::count_schedule::{
    CountScheduleInput, NewCountSchedule, due_text, next_due_after,
};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{Actor, CountSchedule, CountScheduleFilter, ScheduleOutcome, ScheduleRun};
use serde::Serialize;

use crate::china_day::DAY_MS;
use crate::counts::ABC_SALES_DAYS;
use crate::inventory::require_warehouse;
use crate::{App, Error, Result};

/// Due schedules taken per pass (the rest wait for the next minute).
const RUN_BATCH: u32 = 100;

/// What one due schedule's run did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountScheduleRun {
    pub schedule_id: i64,
    pub warehouse_id: WarehouseId,
    /// The due time that ran (Unix ms) and as people read it.
    pub due_at: i64,
    pub due: String,
    pub outcome: ScheduleOutcome,
}

impl App {
    /// 新建循环盘点计划. Without a due time the first count is due now.
    pub async fn create_count_schedule(
        &self,
        user: &User,
        input: &CountScheduleInput,
        actor: &Actor,
    ) -> Result<CountSchedule> {
        let s = NewCountSchedule::parse(input, self.now_ms())?;
        require_warehouse(user, WarehouseId(s.count.warehouse_id))?;
        Ok(self.store.create_count_schedule(&s, actor).await?)
    }

    /// Schedules in the user's warehouses.
    pub async fn count_schedules(
        &self,
        user: &User,
        mut filter: CountScheduleFilter,
        page: &PageRequest,
    ) -> Result<Page<CountSchedule>> {
        if let Some(w) = filter.warehouse_id {
            require_warehouse(user, w)?;
        }
        filter.warehouse_ids = user.fields.warehouse_ids.clone();
        Ok(self.store.list_count_schedules(&filter, page).await?)
    }

    pub async fn count_schedule(&self, user: &User, id: i64) -> Result<CountSchedule> {
        let s = self
            .store
            .get_count_schedule(id)
            .await?
            .ok_or_else(|| Error::not_found("count_schedule", id))?;
        require_warehouse(user, s.warehouse_id)?;
        Ok(s)
    }

    /// Changes every field; without a due time, or without `active`, the schedule keeps
    /// its own.
    pub async fn update_count_schedule(
        &self,
        user: &User,
        id: i64,
        input: &CountScheduleInput,
        actor: &Actor,
    ) -> Result<CountSchedule> {
        let before = self.count_schedule(user, id).await?;
        let input = CountScheduleInput {
            active: input.active.or(Some(before.active)),
            ..input.clone()
        };
        let s = NewCountSchedule::parse(&input, before.next_due_at)?;
        require_warehouse(user, WarehouseId(s.count.warehouse_id))?;
        Ok(self.store.update_count_schedule(id, &s, actor).await?)
    }

    /// 停用 (`active` false) or 启用.
    pub async fn set_count_schedule_active(
        &self,
        user: &User,
        id: i64,
        active: bool,
        actor: &Actor,
    ) -> Result<CountSchedule> {
        self.count_schedule(user, id).await?;
        Ok(self
            .store
            .set_count_schedule_active(id, active, actor)
            .await?)
    }

    /// Runs every schedule due at `now` (the scheduler passes the app's clock; tests pass
    /// their own time). Each run is one transaction; one that fails is logged and the
    /// others still run.
    pub async fn run_due_count_schedules(&self, now: i64) -> Result<Vec<CountScheduleRun>> {
        let actor = Actor::system("count-schedule");
        let mut out = Vec::new();
        for s in self.store.due_count_schedules(now, RUN_BATCH).await? {
            let count = match NewCount::parse(&s.count_input()) {
                Ok(c) => c,
                Err(e) => {
                    // Stored schedules were checked when saved; one that no longer reads
                    // is paused rather than tried every minute.
                    tracing::error!("count schedule {} cannot run, paused: {e}", s.id);
                    self.store
                        .set_count_schedule_active(s.id, false, &actor)
                        .await?;
                    continue;
                }
            };
            let run = ScheduleRun {
                due_at: s.next_due_at,
                next_due_at: next_due_after(s.next_due_at, s.every_days, now),
                now,
                count,
                sales_since: now - ABC_SALES_DAYS * DAY_MS,
            };
            let outcome = match self.store.run_count_schedule(s.id, &run, &actor).await {
                Ok(o) => o,
                Err(e) => {
                    tracing::error!("count schedule {}: {e}", s.id);
                    continue;
                }
            };
            match &outcome {
                ScheduleOutcome::Created { count } => tracing::info!(
                    "count schedule {}: created count {} ({} lines)",
                    s.id,
                    count.number,
                    count.progress.lines
                ),
                ScheduleOutcome::StillOpen { count_id } => tracing::info!(
                    "count schedule {} skipped: its count {count_id} is still open",
                    s.id
                ),
                ScheduleOutcome::NoStock => tracing::info!(
                    "count schedule {} skipped: nothing in stock within its scope",
                    s.id
                ),
                ScheduleOutcome::NotDue => continue,
            }
            out.push(CountScheduleRun {
                schedule_id: s.id,
                warehouse_id: s.warehouse_id,
                due_at: s.next_due_at,
                due: due_text(s.next_due_at),
                outcome,
            });
        }
        Ok(out)
    }
}
