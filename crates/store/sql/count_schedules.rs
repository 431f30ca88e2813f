//! 循环盘点计划 in SQL: count_schedules (migration 0015). A run locks the schedule row,
//! checks it is still due at the time the caller saw, creates the count through the same
//! code as any count (in the same transaction) unless the last one is still open or the
//! scope holds no stock, and moves the due time on.

use async_trait::async_trait;
use jxc_core::ids::WarehouseId;
use jxc_core::inventory::count::{CountStatus, RecountRule};
use jxc_core::inventory::count_schedule::NewCountSchedule;
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, CountSchedule, CountScheduleFilter, CountScheduleStore, Result, ScheduleOutcome,
    ScheduleRun, StoreError,
};

use super::SqlStore;
use super::counts::{count_of, create_count_in};
use super::records::push_keyset;
use super::util::*;

fn schedule_row(r: &Row) -> Result<CountSchedule> {
    Ok(CountSchedule {
        id: col(r, "id")?,
        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
        scope: col(r, "scope")?,
        zone: col(r, "zone")?,
        location_from: col(r, "location_from")?,
        location_to: col(r, "location_to")?,
        sku_codes: col(r, "sku_codes")?,
        abc_class: col(r, "abc_class")?,
        blind: col(r, "blind")?,
        recount: RecountRule {
            qty: col(r, "recount_qty")?,
            value: col(r, "recount_value")?,
        },
        note: col(r, "note")?,
        every_days: col(r, "every_days")?,
        next_due_at: col(r, "next_due_at")?,
        active: col(r, "active")?,
        last_count_id: col(r, "last_count_id")?,
        last_run_at: col(r, "last_run_at")?,
        last_outcome: col(r, "last_outcome")?,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        updated_at: col(r, "updated_at")?,
        updated_by: col(r, "updated_by")?,
    })
}

async fn schedule_of(c: &mut Conn, id: i64, lock: bool) -> Result<Option<CountSchedule>> {
    let mut sql = Sql::new("SELECT * FROM count_schedules WHERE id = ");
    sql.bind(id);
    if lock {
        sql.push(&crate::dialect::lock(""));
    }
    sql.fetch_optional(c)
        .await?
        .as_ref()
        .map(schedule_row)
        .transpose()
}

async fn locked(c: &mut Conn, id: i64) -> Result<CountSchedule> {
    schedule_of(c, id, true)
        .await?
        .ok_or_else(|| StoreError::not_found("count_schedule", id))
}

async fn require_warehouse(c: &mut Conn, w: WarehouseId) -> Result<()> {
    let found = Sql::new("SELECT id FROM warehouses WHERE id = ")
        .bind(w.0)
        .fetch_optional(c)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::conflict(
            "warehouse_id",
            "仓库不存在 / no such warehouse",
        )),
    }
}

fn audit_json(s: &CountSchedule) -> Result<serde_json::Value> {
    serde_json::to_value(s).map_err(|e| StoreError::Database(format!("schedule: {e}")))
}

/// The columns a person sets, in order, with their values.
fn fields(s: &NewCountSchedule) -> Vec<(&'static str, Val)> {
    let c = &s.count;
    vec![
        ("warehouse_id", Val::I(c.warehouse_id)),
        ("scope", c.scope.as_str().into()),
        ("zone", c.zone.as_str().into()),
        ("location_from", c.location_from.as_str().into()),
        ("location_to", c.location_to.as_str().into()),
        ("sku_codes", c.sku_codes.as_str().into()),
        ("abc_class", c.abc_class.as_str().into()),
        ("blind", Val::B(c.blind)),
        ("recount_qty", Val::I(c.recount_qty)),
        ("recount_value", Val::I(c.recount_value)),
        ("note", c.note.as_str().into()),
        ("every_days", Val::I(s.every_days)),
        ("next_due_at", Val::I(s.next_due_at)),
        ("active", Val::B(s.active)),
    ]
}

/// Sets `cols` of schedule `id`, stamps who and when, audits, and returns it.
async fn update(
    c: &mut Conn,
    id: i64,
    cols: Vec<(&'static str, Val)>,
    action: &str,
    actor: &Actor,
) -> Result<CountSchedule> {
    let before = locked(c, id).await?;
    let mut sql = Sql::new("UPDATE count_schedules SET updated_at = ");
    sql.bind(now_ms())
        .push(", updated_by = ")
        .bind(actor.0.as_str());
    for (name, v) in cols {
        sql.push(", ").push(name).push(" = ").bind(v);
    }
    sql.push(" WHERE id = ").bind(id).execute(c).await?;
    let after = locked(c, id).await?;
    audit(
        c,
        actor,
        action,
        "count_schedule",
        id,
        Some(audit_json(&before)?),
        Some(audit_json(&after)?),
    )
    .await?;
    Ok(after)
}

#[async_trait]
impl CountScheduleStore for SqlStore {
    async fn create_count_schedule(
        &self,
        s: &NewCountSchedule,
        actor: &Actor,
    ) -> Result<CountSchedule> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        require_warehouse(&mut tx, WarehouseId(s.count.warehouse_id)).await?;
        let now = now_ms();
        let mut cols = fields(s);
        cols.extend([
            ("created_at", Val::I(now)),
            ("created_by", actor.0.as_str().into()),
            ("updated_at", Val::I(now)),
            ("updated_by", actor.0.as_str().into()),
        ]);
        let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
        let r = Sql::new(&format!(
            "INSERT INTO count_schedules ({}) VALUES ",
            names.join(", ")
        ))
        .tuple(cols.into_iter().map(|(_, v)| v))
        .push(" RETURNING id")
        .fetch_one(&mut tx)
        .await?;
        let id: i64 = col(&r, "id")?;
        let k = locked(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            "create",
            "count_schedule",
            id,
            None,
            Some(audit_json(&k)?),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(k)
    }

    async fn update_count_schedule(
        &self,
        id: i64,
        s: &NewCountSchedule,
        actor: &Actor,
    ) -> Result<CountSchedule> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        require_warehouse(&mut tx, WarehouseId(s.count.warehouse_id)).await?;
        let k = update(&mut tx, id, fields(s), "update", actor).await?;
        tx.commit().await.db()?;
        Ok(k)
    }

    async fn set_count_schedule_active(
        &self,
        id: i64,
        active: bool,
        actor: &Actor,
    ) -> Result<CountSchedule> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let action = if active { "activate" } else { "deactivate" };
        let k = update(&mut tx, id, vec![("active", Val::B(active))], action, actor).await?;
        tx.commit().await.db()?;
        Ok(k)
    }

    async fn get_count_schedule(&self, id: i64) -> Result<Option<CountSchedule>> {
        let mut c = self.read.acquire().await.db()?;
        schedule_of(&mut c, id, false).await
    }

    async fn list_count_schedules(
        &self,
        filter: &CountScheduleFilter,
        page: &PageRequest,
    ) -> Result<Page<CountSchedule>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM count_schedules WHERE 1 = 1");
        if let Some(w) = filter.warehouse_id {
            sql.push(" AND warehouse_id = ").bind(w.0);
        }
        if !filter.warehouse_ids.is_empty() {
            sql.push(" AND ");
            push_in(
                &mut sql,
                "warehouse_id",
                filter.warehouse_ids.iter().map(|w| Val::I(w.0)),
            );
        }
        if let Some(a) = filter.active {
            sql.push(" AND active = ").bind(a);
        }
        push_keyset(&mut sql, "id", "id", page);
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(schedule_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |s| Cursor {
            key: String::new(),
            id: s.id,
        }))
    }

    async fn due_count_schedules(&self, now: i64, limit: u32) -> Result<Vec<CountSchedule>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new("SELECT * FROM count_schedules WHERE active = ")
            .bind(true)
            .push(" AND next_due_at <= ")
            .bind(now)
            .push(" ORDER BY next_due_at, id LIMIT ")
            .bind(limit.clamp(1, 1000) as i64)
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(schedule_row)
            .collect()
    }

    async fn run_count_schedule(
        &self,
        id: i64,
        run: &ScheduleRun,
        actor: &Actor,
    ) -> Result<ScheduleOutcome> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let s = locked(&mut tx, id).await?;
        if !s.active || s.next_due_at != run.due_at || run.next_due_at <= run.due_at {
            return Ok(ScheduleOutcome::NotDue);
        }
        if run.count.warehouse != s.warehouse_id {
            return Err(StoreError::conflict(
                "warehouse_id",
                "计划的仓库与盘点不符 / the count is not of the schedule's warehouse",
            ));
        }
        let open = match s.last_count_id {
            Some(last) => count_of(&mut tx, last, false)
                .await?
                .filter(|k| !matches!(k.status, CountStatus::Posted | CountStatus::Cancelled)),
            None => None,
        };
        let (outcome, code, last) = match open {
            Some(k) => (
                ScheduleOutcome::StillOpen { count_id: k.id },
                "still_open",
                s.last_count_id,
            ),
            None => match create_count_in(&mut tx, &run.count, run.sales_since, actor).await? {
                Some(k) => {
                    let id = k.id;
                    (
                        ScheduleOutcome::Created { count: Box::new(k) },
                        "created",
                        Some(id),
                    )
                }
                None => (ScheduleOutcome::NoStock, "no_stock", s.last_count_id),
            },
        };
        Sql::new("UPDATE count_schedules SET next_due_at = ")
            .bind(run.next_due_at)
            .push(", last_run_at = ")
            .bind(run.now)
            .push(", last_outcome = ")
            .bind(code)
            .push(", last_count_id = ")
            .bind(last)
            .push(" WHERE id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let after = locked(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            "run",
            "count_schedule",
            id,
            Some(audit_json(&s)?),
            Some(audit_json(&after)?),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(outcome)
    }
}
