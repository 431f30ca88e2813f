//! 平台同步 in SQL: shop_sync, sync_runs, raw_payloads, webhook_deliveries.

use async_trait::async_trait;
use jxc_core::ids::ShopId;
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, ChannelStore, DeliverySeen, RawPayload, Result, ShopSync, SyncRun, SyncRunFilter,
    SyncTally, SyncTrigger,
};

use super::SqlStore;
use super::records::push_keyset;
use super::util::*;

fn shop_sync(r: &Row) -> Result<ShopSync> {
    Ok(ShopSync {
        shop_id: ShopId(col(r, "shop_id")?),
        enabled: col(r, "enabled")?,
        interval_secs: col(r, "interval_secs")?,
        cursor_ms: col(r, "cursor_ms")?,
        next_run_at: col(r, "next_run_at")?,
        last_run_at: col(r, "last_run_at")?,
        last_status: col(r, "last_status")?,
        last_error: col(r, "last_error")?,
    })
}

fn sync_run(r: &Row) -> Result<SyncRun> {
    let trigger: String = col(r, "trigger_kind")?;
    Ok(SyncRun {
        id: col(r, "id")?,
        shop_id: ShopId(col(r, "shop_id")?),
        trigger: SyncTrigger::parse(&trigger).unwrap_or(SyncTrigger::Manual),
        window_start: ts(col(r, "window_start")?),
        window_end: ts(col(r, "window_end")?),
        started_at: ts(col(r, "started_at")?),
        finished_at: col::<Option<i64>>(r, "finished_at")?.map(ts),
        status: col(r, "status")?,
        error: col(r, "error")?,
        tally: SyncTally {
            windows: col(r, "windows")?,
            pages: col(r, "pages")?,
            fetched: col(r, "fetched")?,
            created: col(r, "created")?,
            changed: col(r, "changed")?,
            unchanged: col(r, "unchanged")?,
            malformed: col(r, "malformed")?,
            retries: col(r, "retries")?,
        },
    })
}

/// `SET windows = …, pages = …` of a tally.
fn set_tally(sql: &mut Sql, t: &SyncTally) {
    sql.push("windows = ")
        .bind(t.windows)
        .push(", pages = ")
        .bind(t.pages)
        .push(", fetched = ")
        .bind(t.fetched)
        .push(", created = ")
        .bind(t.created)
        .push(", changed = ")
        .bind(t.changed)
        .push(", unchanged = ")
        .bind(t.unchanged)
        .push(", malformed = ")
        .bind(t.malformed)
        .push(", retries = ")
        .bind(t.retries);
}

#[async_trait]
impl ChannelStore for SqlStore {
    async fn get_shop_sync(&self, shop: ShopId) -> Result<Option<ShopSync>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new("SELECT * FROM shop_sync WHERE shop_id = ")
            .bind(shop.0)
            .fetch_optional(&mut c)
            .await?
            .map(|r| shop_sync(&r))
            .transpose()
    }

    async fn set_shop_sync(
        &self,
        shop: ShopId,
        enabled: bool,
        interval_secs: i64,
        actor: &Actor,
    ) -> Result<ShopSync> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let before = Sql::new("SELECT * FROM shop_sync WHERE shop_id = ")
            .bind(shop.0)
            .fetch_optional(&mut tx)
            .await?
            .map(|r| shop_sync(&r))
            .transpose()?;
        let now = now_ms();
        Sql::new("INSERT INTO shop_sync (shop_id, enabled, interval_secs, next_run_at) VALUES ")
            .tuple([Val::I(shop.0), Val::B(enabled), Val::I(interval_secs), Val::I(now)])
            .push(" ON CONFLICT (shop_id) DO UPDATE SET enabled = excluded.enabled, interval_secs = excluded.interval_secs, next_run_at = excluded.next_run_at")
            .execute(&mut tx)
            .await?;
        let after = shop_sync(
            &Sql::new("SELECT * FROM shop_sync WHERE shop_id = ")
                .bind(shop.0)
                .fetch_one(&mut tx)
                .await?,
        )?;
        let json = |s: &ShopSync| serde_json::json!({"enabled": s.enabled, "interval_secs": s.interval_secs});
        audit(
            &mut tx,
            actor,
            "sync_settings",
            "shop",
            shop.0,
            before.as_ref().map(json),
            Some(json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn due_shop_syncs(&self, now_ms: i64) -> Result<Vec<ShopSync>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new("SELECT s.* FROM shop_sync s JOIN shops p ON p.id = s.shop_id WHERE s.enabled = ")
            .bind(true)
            .push(" AND p.active = ")
            .bind(true)
            .push(" AND s.next_run_at <= ")
            .bind(now_ms)
            .push(" ORDER BY s.next_run_at, s.shop_id")
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(shop_sync)
            .collect()
    }

    async fn start_sync_run(
        &self,
        shop: ShopId,
        trigger: SyncTrigger,
        window_start_ms: i64,
        window_end_ms: i64,
    ) -> Result<i64> {
        let mut c = self.write.acquire().await.db()?;
        let r = Sql::new("INSERT INTO sync_runs (shop_id, trigger_kind, window_start, window_end, started_at, status) VALUES ")
            .tuple([
                Val::I(shop.0),
                trigger.as_str().into(),
                Val::I(window_start_ms),
                Val::I(window_end_ms),
                Val::I(now_ms()),
                "running".into(),
            ])
            .push(" RETURNING id")
            .fetch_one(&mut c)
            .await?;
        col(&r, "id")
    }

    async fn advance_sync_cursor(
        &self,
        shop: ShopId,
        run_id: i64,
        cursor_ms: i64,
        tally: &SyncTally,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        Sql::new("UPDATE shop_sync SET cursor_ms = ")
            .bind(cursor_ms)
            .push(" WHERE shop_id = ")
            .bind(shop.0)
            .push(" AND (cursor_ms IS NULL OR cursor_ms < ")
            .bind(cursor_ms)
            .push(")")
            .execute(&mut tx)
            .await?;
        let mut sql = Sql::new("UPDATE sync_runs SET ");
        set_tally(&mut sql, tally);
        sql.push(" WHERE id = ")
            .bind(run_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn finish_sync_run(
        &self,
        run_id: i64,
        status: &str,
        error: &str,
        tally: &SyncTally,
        next_run_at: i64,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let mut sql = Sql::new("UPDATE sync_runs SET status = ");
        sql.bind(status)
            .push(", error = ")
            .bind(error)
            .push(", finished_at = ")
            .bind(now)
            .push(", ");
        set_tally(&mut sql, tally);
        sql.push(" WHERE id = ")
            .bind(run_id)
            .execute(&mut tx)
            .await?;
        Sql::new("UPDATE shop_sync SET last_run_at = ")
            .bind(now)
            .push(", last_status = ")
            .bind(status)
            .push(", last_error = ")
            .bind(error)
            .push(", next_run_at = ")
            .bind(next_run_at)
            .push(" WHERE shop_id = (SELECT shop_id FROM sync_runs WHERE id = ")
            .bind(run_id)
            .push(")")
            .execute(&mut tx)
            .await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn interrupt_running_syncs(&self) -> Result<u64> {
        let mut c = self.write.acquire().await.db()?;
        Sql::new("UPDATE sync_runs SET status = 'interrupted', finished_at = ")
            .bind(now_ms())
            .push(" WHERE status = 'running'")
            .execute(&mut c)
            .await
    }

    async fn list_sync_runs(&self, f: &SyncRunFilter, page: &PageRequest) -> Result<Page<SyncRun>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM sync_runs WHERE 1 = 1");
        if let Some(s) = f.shop_id {
            sql.push(" AND shop_id = ").bind(s.0);
        }
        if let Some(s) = &f.status {
            sql.push(" AND status = ").bind(s.as_str());
        }
        if !f.only_shops.is_empty() {
            sql.push(" AND ");
            push_in(&mut sql, "shop_id", f.only_shops.iter().map(|i| Val::I(*i)));
        }
        push_keyset(&mut sql, "id", "id", page);
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(sync_run)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |r| Cursor {
            key: String::new(),
            id: r.id,
        }))
    }

    async fn save_raw_payload(
        &self,
        shop: ShopId,
        run_id: Option<i64>,
        platform_order_id: &str,
        reason: &str,
        raw: &str,
    ) -> Result<i64> {
        let mut c = self.write.acquire().await.db()?;
        let r = Sql::new("INSERT INTO raw_payloads (shop_id, run_id, platform_order_id, reason, raw, at) VALUES ")
            .tuple([
                Val::I(shop.0),
                Val::OI(run_id),
                platform_order_id.into(),
                reason.into(),
                raw.into(),
                Val::I(now_ms()),
            ])
            .push(" RETURNING id")
            .fetch_one(&mut c)
            .await?;
        col(&r, "id")
    }

    async fn list_raw_payloads(
        &self,
        shop: Option<ShopId>,
        page: &PageRequest,
    ) -> Result<Page<RawPayload>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM raw_payloads WHERE 1 = 1");
        if let Some(s) = shop {
            sql.push(" AND shop_id = ").bind(s.0);
        }
        push_keyset(&mut sql, "id", "id", page);
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(|r| {
                Ok(RawPayload {
                    id: col(r, "id")?,
                    shop_id: ShopId(col(r, "shop_id")?),
                    run_id: col(r, "run_id")?,
                    platform_order_id: col(r, "platform_order_id")?,
                    reason: col(r, "reason")?,
                    raw: col(r, "raw")?,
                    at: ts(col(r, "at")?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |r| Cursor {
            key: String::new(),
            id: r.id,
        }))
    }

    async fn begin_delivery(
        &self,
        shop: ShopId,
        delivery_id: &str,
        topic: &str,
    ) -> Result<DeliverySeen> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let seen = Sql::new("SELECT processed_at FROM webhook_deliveries WHERE shop_id = ")
            .bind(shop.0)
            .push(" AND delivery_id = ")
            .bind(delivery_id)
            .fetch_optional(&mut tx)
            .await?;
        let out = match seen {
            Some(r) => match col::<Option<i64>>(&r, "processed_at")? {
                Some(_) => DeliverySeen::Done,
                None => DeliverySeen::Unfinished,
            },
            None => {
                Sql::new("INSERT INTO webhook_deliveries (shop_id, delivery_id, topic, received_at) VALUES ")
                    .tuple([
                        Val::I(shop.0),
                        delivery_id.into(),
                        topic.into(),
                        Val::I(now_ms()),
                    ])
                    .execute(&mut tx)
                    .await?;
                DeliverySeen::New
            }
        };
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn finish_delivery(&self, shop: ShopId, delivery_id: &str) -> Result<()> {
        let mut c = self.write.acquire().await.db()?;
        Sql::new("UPDATE webhook_deliveries SET processed_at = ")
            .bind(now_ms())
            .push(" WHERE shop_id = ")
            .bind(shop.0)
            .push(" AND delivery_id = ")
            .bind(delivery_id)
            .execute(&mut c)
            .await?;
        Ok(())
    }
}
