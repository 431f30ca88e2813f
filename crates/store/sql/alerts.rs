//! 预警 in SQL: stock_levels, alerts (a partial unique index keeps one open alert per
//! cause), alert_channels, alert_deliveries; and the two fact queries alerts are decided
//! from, each a few grouped statements however many SKUs there are.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::NaiveDate;
use jxc_core::alerts::{AlertKind, Cause, ChannelKind, LotFacts, PairFacts, StockLevel};
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::inventory::DocumentKind;
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, Alert, AlertChannel, AlertFilter, AlertStore, AlertSync, Delivery, NewAlertChannel,
    Result, StockLevelFilter, StockLevelRow, StoreError,
};

use super::SqlStore;
use super::records::push_keyset;
use super::util::*;

const CHUNK: usize = 500;

fn alert_row(r: &Row) -> Result<Alert> {
    let kind: String = col(r, "kind")?;
    Ok(Alert {
        id: col(r, "id")?,
        kind: AlertKind::parse(&kind)
            .ok_or_else(|| StoreError::Database(format!("unknown alert kind {kind}")))?,
        cause_key: col(r, "cause_key")?,
        sku_id: col::<Option<i64>>(r, "sku_id")?.map(SkuId),
        warehouse_id: col::<Option<i64>>(r, "warehouse_id")?.map(WarehouseId),
        title: col(r, "title")?,
        detail: col(r, "detail")?,
        link: col(r, "link")?,
        opened_at: col(r, "opened_at")?,
        closed_at: col(r, "closed_at")?,
        closed_by: col(r, "closed_by")?,
        acked_at: col(r, "acked_at")?,
        acked_by: col(r, "acked_by")?,
    })
}

fn channel_row(r: &Row) -> Result<AlertChannel> {
    let kind: String = col(r, "kind")?;
    let kinds: String = col(r, "kinds")?;
    Ok(AlertChannel {
        id: col(r, "id")?,
        name: col(r, "name")?,
        kind: ChannelKind::parse(&kind)
            .ok_or_else(|| StoreError::Database(format!("unknown channel kind {kind}")))?,
        config: col(r, "config")?,
        kinds: kinds.split(',').filter_map(AlertKind::parse).collect(),
        active: col(r, "active")?,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
    })
}

/// `AND sku_id IN (…)` for `skus` when given (chunked by the caller's statements).
fn push_skus(sql: &mut Sql, col_name: &str, skus: Option<&[SkuId]>) {
    if let Some(skus) = skus {
        sql.push(" AND ");
        push_in(sql, col_name, skus.iter().map(|s| Val::I(s.0)));
    }
}

/// The SKU sets to query with: all at once, or in chunks under the bind limit.
fn sku_chunks(skus: Option<&[SkuId]>) -> Vec<Option<&[SkuId]>> {
    match skus {
        None => vec![None],
        Some(s) => s.chunks(CHUNK).map(Some).collect(),
    }
}

async fn alert_of(c: &mut Conn, id: i64) -> Result<Alert> {
    let r = Sql::new("SELECT * FROM alerts WHERE id = ")
        .bind(id)
        .fetch_optional(c)
        .await?
        .ok_or_else(|| StoreError::not_found("alert", id))?;
    alert_row(&r)
}

/// The values of an alert row for `cause`.
fn cause_row(cause: &Cause, now: i64) -> Vec<Val> {
    vec![
        Val::T(cause.key.clone()),
        cause.kind.as_str().into(),
        Val::OI(cause.sku_id.map(|s| s.0)),
        Val::OI(cause.warehouse_id.map(|w| w.0)),
        Val::T(cause.title.clone()),
        Val::T(cause.detail.clone()),
        Val::T(cause.link.clone()),
        Val::I(now),
    ]
}

/// Opens an alert for `cause` unless one is open; returns it when opened.
async fn open_in(c: &mut Conn, cause: &Cause, now: i64) -> Result<Option<Alert>> {
    let r = Sql::new(
        "INSERT INTO alerts (cause_key, kind, sku_id, warehouse_id, title, detail, link, opened_at) VALUES ",
    )
    .tuple(cause_row(cause, now))
    .push(" ON CONFLICT (cause_key) WHERE closed_at IS NULL DO NOTHING RETURNING *")
    .fetch_optional(c)
    .await?;
    r.map(|r| alert_row(&r)).transpose()
}

#[async_trait]
impl AlertStore for SqlStore {
    async fn set_stock_levels(&self, levels: &[StockLevel], actor: &Actor) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        for (table, field, ids) in [
            (
                "skus",
                "sku_id",
                levels.iter().map(|l| l.sku_id.0).collect::<BTreeSet<i64>>(),
            ),
            (
                "warehouses",
                "warehouse_id",
                levels.iter().map(|l| l.warehouse_id.0).collect(),
            ),
        ] {
            let ids: Vec<i64> = ids.into_iter().collect();
            for chunk in ids.chunks(CHUNK) {
                let mut sql = Sql::new(&format!("SELECT id FROM {table} WHERE "));
                push_in(&mut sql, "id", chunk.iter().map(|&i| Val::I(i)));
                let found: BTreeSet<i64> = sql
                    .fetch_all(&mut tx)
                    .await?
                    .iter()
                    .map(|r| col(r, "id"))
                    .collect::<Result<_>>()?;
                if let Some(missing) = chunk.iter().find(|i| !found.contains(i)) {
                    return Err(StoreError::conflict(
                        field,
                        format!("{missing} 不存在 / does not exist"),
                    ));
                }
            }
        }
        let now = now_ms();
        let rows = levels
            .iter()
            .map(|l| {
                vec![
                    Val::I(l.sku_id.0),
                    Val::I(l.warehouse_id.0),
                    Val::OI(l.min_qty),
                    Val::OI(l.max_qty),
                    Val::OI(l.cover_days),
                    Val::I(now),
                    actor.0.as_str().into(),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "stock_levels",
            &[
                "sku_id",
                "warehouse_id",
                "min_qty",
                "max_qty",
                "cover_days",
                "updated_at",
                "updated_by",
            ],
            rows,
            " ON CONFLICT (sku_id, warehouse_id) DO UPDATE SET min_qty = excluded.min_qty, \
             max_qty = excluded.max_qty, cover_days = excluded.cover_days, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .await?;
        let after = match levels {
            [one] => serde_json::to_value(one).ok(),
            many => Some(serde_json::json!({ "levels": many.len() })),
        };
        let key = match levels {
            [one] => format!("{}:{}", one.sku_id.0, one.warehouse_id.0),
            _ => "import".to_string(),
        };
        audit(&mut tx, actor, "set", "stock_level", key, None, after).await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn delete_stock_level(
        &self,
        sku: SkuId,
        warehouse: WarehouseId,
        actor: &Actor,
    ) -> Result<bool> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let n = Sql::new("DELETE FROM stock_levels WHERE sku_id = ")
            .bind(sku.0)
            .push(" AND warehouse_id = ")
            .bind(warehouse.0)
            .execute(&mut tx)
            .await?;
        if n > 0 {
            let key = format!("{}:{}", sku.0, warehouse.0);
            audit(&mut tx, actor, "delete", "stock_level", key, None, None).await?;
        }
        tx.commit().await.db()?;
        Ok(n > 0)
    }

    async fn list_stock_levels(
        &self,
        f: &StockLevelFilter,
        page: &PageRequest,
    ) -> Result<Page<StockLevelRow>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new(
            "SELECT * FROM (SELECT l.*, s.code AS sku_code, s.name AS sku_name, w.code AS warehouse_code, \
             s.code || ' ' || w.code AS sort_key, \
             COALESCE((SELECT CAST(SUM(b.on_hand) AS BIGINT) FROM stock_balances b WHERE b.sku_id = l.sku_id AND b.warehouse_id = l.warehouse_id), 0) AS on_hand, \
             COALESCE((SELECT CAST(SUM(b.on_hand - b.reserved) AS BIGINT) FROM stock_balances b WHERE b.sku_id = l.sku_id AND b.warehouse_id = l.warehouse_id), 0) AS available, \
             l.sku_id * 1000000 + l.warehouse_id AS id \
             FROM stock_levels l JOIN skus s ON s.id = l.sku_id JOIN warehouses w ON w.id = l.warehouse_id WHERE 1 = 1",
        );
        if let Some(w) = f.warehouse_id {
            sql.push(" AND l.warehouse_id = ").bind(w.0);
        }
        if !f.warehouse_ids.is_empty() {
            sql.push(" AND ");
            push_in(
                &mut sql,
                "l.warehouse_id",
                f.warehouse_ids.iter().map(|w| Val::I(w.0)),
            );
        }
        if !f.q.trim().is_empty() {
            let p = like_pattern(&f.q);
            sql.push(" AND (lower(s.code) LIKE ")
                .bind(p.clone())
                .push(" ESCAPE '\\' OR lower(s.name) LIKE ")
                .bind(p)
                .push(" ESCAPE '\\')");
        }
        sql.push(") x WHERE 1 = 1");
        push_keyset(&mut sql, "sort_key", "id", page);
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(|r| {
                Ok(StockLevelRow {
                    level: StockLevel {
                        sku_id: SkuId(col(r, "sku_id")?),
                        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
                        min_qty: col(r, "min_qty")?,
                        max_qty: col(r, "max_qty")?,
                        cover_days: col(r, "cover_days")?,
                    },
                    sku_code: col(r, "sku_code")?,
                    sku_name: col(r, "sku_name")?,
                    warehouse_code: col(r, "warehouse_code")?,
                    on_hand: col(r, "on_hand")?,
                    available: col(r, "available")?,
                    updated_at: col(r, "updated_at")?,
                    updated_by: col(r, "updated_by")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |l| Cursor {
            key: format!("{} {}", l.sku_code, l.warehouse_code),
            id: l.level.sku_id.0 * 1_000_000 + l.level.warehouse_id.0,
        }))
    }

    async fn pair_facts(&self, skus: Option<&[SkuId]>, sold_since: i64) -> Result<Vec<PairFacts>> {
        let mut c = self.read.acquire().await.db()?;
        let mut pairs: BTreeMap<(i64, i64), PairFacts> = BTreeMap::new();
        for chunk in sku_chunks(skus) {
            // Balances summed per pair, with the pair's level if any.
            let mut sql = Sql::new(
                "SELECT b.sku_id, b.warehouse_id, CAST(SUM(b.on_hand) AS BIGINT) AS on_hand, \
                 CAST(SUM(b.on_hand - b.reserved) AS BIGINT) AS available \
                 FROM stock_balances b WHERE 1 = 1",
            );
            push_skus(&mut sql, "b.sku_id", chunk);
            sql.push(" GROUP BY b.sku_id, b.warehouse_id HAVING SUM(b.on_hand) <> 0 OR SUM(b.reserved) <> 0");
            for r in sql.fetch_all(&mut c).await? {
                let key = (col(&r, "sku_id")?, col(&r, "warehouse_id")?);
                let p = pairs.entry(key).or_default();
                p.on_hand = col(&r, "on_hand")?;
                p.available = col(&r, "available")?;
            }
            let mut sql = Sql::new("SELECT * FROM stock_levels WHERE 1 = 1");
            push_skus(&mut sql, "sku_id", chunk);
            for r in sql.fetch_all(&mut c).await? {
                let key = (col(&r, "sku_id")?, col(&r, "warehouse_id")?);
                let p = pairs.entry(key).or_default();
                p.min_qty = col(&r, "min_qty")?;
                p.max_qty = col(&r, "max_qty")?;
                p.cover_days = col(&r, "cover_days")?;
            }
            // Issues: units since `sold_since` and the last one; receipts: the first.
            let mut sql = Sql::new(
                "SELECT m.sku_id, m.warehouse_id, \
                 CAST(SUM(CASE WHEN m.at >= ",
            );
            sql.bind(sold_since)
                .push(
                    " THEN -m.qty ELSE 0 END) AS BIGINT) AS sold, MAX(m.at) AS last_at \
                     FROM stock_moves m JOIN stock_documents d ON d.id = m.document_id \
                     WHERE m.qty < 0 AND d.kind = ",
                )
                .bind(DocumentKind::Issue.as_str());
            push_skus(&mut sql, "m.sku_id", chunk);
            sql.push(" GROUP BY m.sku_id, m.warehouse_id");
            for r in sql.fetch_all(&mut c).await? {
                let key = (col(&r, "sku_id")?, col(&r, "warehouse_id")?);
                if let Some(p) = pairs.get_mut(&key) {
                    p.sold_30d = col(&r, "sold")?;
                    p.last_sale_at = col(&r, "last_at")?;
                }
            }
            let mut sql = Sql::new(
                "SELECT sku_id, warehouse_id, MIN(at) AS first_at FROM stock_moves WHERE qty > 0",
            );
            push_skus(&mut sql, "sku_id", chunk);
            sql.push(" GROUP BY sku_id, warehouse_id");
            for r in sql.fetch_all(&mut c).await? {
                let key = (col(&r, "sku_id")?, col(&r, "warehouse_id")?);
                if let Some(p) = pairs.get_mut(&key) {
                    p.first_in_at = col(&r, "first_at")?;
                }
            }
        }
        // Names.
        let mut codes: BTreeMap<i64, String> = BTreeMap::new();
        let sku_ids: BTreeSet<i64> = pairs.keys().map(|k| k.0).collect();
        let sku_ids: Vec<i64> = sku_ids.into_iter().collect();
        for chunk in sku_ids.chunks(CHUNK) {
            let mut sql = Sql::new("SELECT id, code FROM skus WHERE ");
            push_in(&mut sql, "id", chunk.iter().map(|&i| Val::I(i)));
            for r in sql.fetch_all(&mut c).await? {
                codes.insert(col(&r, "id")?, col(&r, "code")?);
            }
        }
        let mut whs: BTreeMap<i64, String> = BTreeMap::new();
        for r in Sql::new("SELECT id, code FROM warehouses")
            .fetch_all(&mut c)
            .await?
        {
            whs.insert(col(&r, "id")?, col(&r, "code")?);
        }
        Ok(pairs
            .into_iter()
            .map(|((sku, wh), mut p)| {
                p.sku = SkuId(sku);
                p.warehouse = WarehouseId(wh);
                p.sku_code = codes.get(&sku).cloned().unwrap_or_default();
                p.warehouse_code = whs.get(&wh).cloned().unwrap_or_default();
                p
            })
            .collect())
    }

    async fn lot_facts(&self, by: NaiveDate, skus: Option<&[SkuId]>) -> Result<Vec<LotFacts>> {
        let mut c = self.read.acquire().await.db()?;
        let mut out = Vec::new();
        for chunk in sku_chunks(skus) {
            let mut sql = Sql::new(
                "SELECT b.sku_id, b.warehouse_id, s.code AS sku_code, w.code AS warehouse_code, t.lot_no, t.expiry_date, \
                 CAST(SUM(b.on_hand) AS BIGINT) AS on_hand FROM stock_balances b \
                 JOIN lots t ON t.id = b.lot_id JOIN skus s ON s.id = b.sku_id JOIN warehouses w ON w.id = b.warehouse_id \
                 WHERE t.expiry_date IS NOT NULL AND t.expiry_date <= ",
            );
            sql.bind(by.format("%Y-%m-%d").to_string());
            push_skus(&mut sql, "b.sku_id", chunk);
            sql.push(
                " GROUP BY b.sku_id, b.warehouse_id, s.code, w.code, t.lot_no, t.expiry_date \
                 HAVING SUM(b.on_hand) > 0 ORDER BY t.expiry_date, s.code",
            );
            for r in sql.fetch_all(&mut c).await? {
                let exp: String = col(&r, "expiry_date")?;
                let Ok(expiry) = NaiveDate::parse_from_str(&exp, "%Y-%m-%d") else {
                    continue;
                };
                out.push(LotFacts {
                    sku: SkuId(col(&r, "sku_id")?),
                    warehouse: WarehouseId(col(&r, "warehouse_id")?),
                    sku_code: col(&r, "sku_code")?,
                    warehouse_code: col(&r, "warehouse_code")?,
                    lot_no: col(&r, "lot_no")?,
                    expiry,
                    on_hand: col(&r, "on_hand")?,
                });
            }
        }
        Ok(out)
    }

    async fn sync_alerts(
        &self,
        kinds: &[AlertKind],
        skus: Option<&[SkuId]>,
        causes: &[Cause],
    ) -> Result<AlertSync> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        // The open alerts this evaluation speaks for.
        let mut open: BTreeMap<String, i64> = BTreeMap::new();
        for chunk in sku_chunks(skus) {
            let mut sql = Sql::new("SELECT id, cause_key FROM alerts WHERE closed_at IS NULL AND ");
            push_in(
                &mut sql,
                "kind",
                kinds.iter().map(|k| Val::T(k.as_str().into())),
            );
            push_skus(&mut sql, "sku_id", chunk);
            for r in sql.fetch_all(&mut tx).await? {
                open.insert(col(&r, "cause_key")?, col(&r, "id")?);
            }
        }
        let mut out = AlertSync::default();
        let wanted: BTreeSet<&str> = causes.iter().map(|c| c.key.as_str()).collect();
        let gone: Vec<i64> = open
            .iter()
            .filter(|(k, _)| !wanted.contains(k.as_str()))
            .map(|(_, id)| *id)
            .collect();
        for chunk in gone.chunks(CHUNK) {
            let mut sql = Sql::new("UPDATE alerts SET closed_at = ");
            sql.bind(now)
                .push(", closed_by = ")
                .bind(Actor::system("alerts").0)
                .push(" WHERE ");
            push_in(&mut sql, "id", chunk.iter().map(|&i| Val::I(i)));
            out.closed += sql.execute(&mut tx).await? as i64;
        }
        let new: Vec<&Cause> = causes
            .iter()
            .filter(|c| !open.contains_key(&c.key))
            .collect();
        out.still_open = (causes.len() - new.len()) as i64;
        // Many rows a statement: a first evaluation of a whole catalogue opens thousands.
        for chunk in new.chunks(CHUNK / 2) {
            let mut sql = Sql::new(
                "INSERT INTO alerts (cause_key, kind, sku_id, warehouse_id, title, detail, link, opened_at) VALUES ",
            );
            for (i, cause) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.tuple(cause_row(cause, now));
            }
            sql.push(" ON CONFLICT (cause_key) WHERE closed_at IS NULL DO NOTHING RETURNING *");
            let opened = sql
                .fetch_all(&mut tx)
                .await?
                .iter()
                .map(alert_row)
                .collect::<Result<Vec<_>>>()?;
            // Open already under a kind or SKU this evaluation did not look at.
            out.still_open += (chunk.len() - opened.len()) as i64;
            out.opened.extend(opened);
        }
        out.opened.sort_by_key(|a| a.id);
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn open_alert(&self, cause: &Cause) -> Result<Option<Alert>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let a = open_in(&mut tx, cause, now_ms()).await?;
        tx.commit().await.db()?;
        Ok(a)
    }

    async fn list_alerts(&self, f: &AlertFilter, page: &PageRequest) -> Result<Page<Alert>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM alerts WHERE 1 = 1");
        match f.open {
            Some(true) => {
                sql.push(" AND closed_at IS NULL");
            }
            Some(false) => {
                sql.push(" AND closed_at IS NOT NULL");
            }
            None => {}
        }
        if let Some(k) = f.kind {
            sql.push(" AND kind = ").bind(k.as_str());
        }
        if let Some(w) = f.warehouse_id {
            sql.push(" AND warehouse_id = ").bind(w.0);
        }
        if !f.warehouse_ids.is_empty() {
            sql.push(" AND (warehouse_id IS NULL OR ");
            push_in(
                &mut sql,
                "warehouse_id",
                f.warehouse_ids.iter().map(|w| Val::I(w.0)),
            );
            sql.push(")");
        }
        push_keyset(&mut sql, "id", "id", page);
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(alert_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |a| Cursor {
            key: String::new(),
            id: a.id,
        }))
    }

    async fn get_alert(&self, id: i64) -> Result<Option<Alert>> {
        let mut c = self.read.acquire().await.db()?;
        match alert_of(&mut c, id).await {
            Ok(a) => Ok(Some(a)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn ack_alert(&self, id: i64, actor: &Actor) -> Result<Alert> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let before = alert_of(&mut tx, id).await?;
        if before.acked_at.is_none() {
            Sql::new("UPDATE alerts SET acked_at = ")
                .bind(now_ms())
                .push(", acked_by = ")
                .bind(actor.0.as_str())
                .push(" WHERE id = ")
                .bind(id)
                .execute(&mut tx)
                .await?;
            audit(&mut tx, actor, "ack", "alert", id, None, None).await?;
        }
        let a = alert_of(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(a)
    }

    async fn close_alert(&self, id: i64, actor: &Actor) -> Result<Alert> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let before = alert_of(&mut tx, id).await?;
        if !before.kind.is_event() {
            return Err(StoreError::conflict(
                "kind",
                "此预警在原因消除后自动关闭，不能手动关闭 / this alert closes by itself when its cause is fixed",
            ));
        }
        if before.closed_at.is_none() {
            Sql::new("UPDATE alerts SET closed_at = ")
                .bind(now_ms())
                .push(", closed_by = ")
                .bind(actor.0.as_str())
                .push(" WHERE id = ")
                .bind(id)
                .execute(&mut tx)
                .await?;
            audit(&mut tx, actor, "close", "alert", id, None, None).await?;
        }
        let a = alert_of(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(a)
    }

    async fn open_alert_count(&self, warehouse_ids: &[WarehouseId]) -> Result<i64> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM alerts WHERE closed_at IS NULL");
        if !warehouse_ids.is_empty() {
            sql.push(" AND (warehouse_id IS NULL OR ");
            push_in(
                &mut sql,
                "warehouse_id",
                warehouse_ids.iter().map(|w| Val::I(w.0)),
            );
            sql.push(")");
        }
        col(&sql.fetch_one(&mut c).await?, "n")
    }

    async fn save_alert_channel(
        &self,
        id: Option<i64>,
        ch: &NewAlertChannel,
        actor: &Actor,
    ) -> Result<AlertChannel> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let kinds: Vec<&str> = ch.kinds.iter().map(|k| k.as_str()).collect();
        let id = match id {
            None => {
                let r = Sql::new(
                    "INSERT INTO alert_channels (name, kind, config, kinds, active, created_at, created_by) VALUES ",
                )
                .tuple([
                    Val::T(ch.name.clone()),
                    ch.kind.as_str().into(),
                    Val::T(ch.config.clone()),
                    Val::T(kinds.join(",")),
                    Val::B(ch.active),
                    Val::I(now_ms()),
                    actor.0.as_str().into(),
                ])
                .push(" RETURNING id")
                .fetch_one(&mut tx)
                .await?;
                col(&r, "id")?
            }
            Some(id) => {
                let n = Sql::new("UPDATE alert_channels SET name = ")
                    .bind(ch.name.clone())
                    .push(", kind = ")
                    .bind(ch.kind.as_str())
                    .push(", config = ")
                    .bind(ch.config.clone())
                    .push(", kinds = ")
                    .bind(kinds.join(","))
                    .push(", active = ")
                    .bind(ch.active)
                    .push(" WHERE id = ")
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
                if n == 0 {
                    return Err(StoreError::not_found("alert channel", id));
                }
                id
            }
        };
        // The audit row names the channel, never its config (it holds secrets).
        let after = serde_json::json!({"name": ch.name, "kind": ch.kind, "kinds": kinds, "active": ch.active});
        audit(
            &mut tx,
            actor,
            "save",
            "alert_channel",
            id,
            None,
            Some(after),
        )
        .await?;
        let r = Sql::new("SELECT * FROM alert_channels WHERE id = ")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let out = channel_row(&r)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn list_alert_channels(&self) -> Result<Vec<AlertChannel>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new("SELECT * FROM alert_channels ORDER BY id")
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(channel_row)
            .collect()
    }

    async fn get_alert_channel(&self, id: i64) -> Result<Option<AlertChannel>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new("SELECT * FROM alert_channels WHERE id = ")
            .bind(id)
            .fetch_optional(&mut c)
            .await?
            .map(|r| channel_row(&r))
            .transpose()
    }

    async fn record_delivery(&self, alert: i64, channel: i64, error: Option<&str>) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        Sql::new("INSERT INTO alert_deliveries (alert_id, channel_id, status, error, at) VALUES ")
            .tuple([
                Val::I(alert),
                Val::I(channel),
                if error.is_some() { "failed" } else { "sent" }.into(),
                error.unwrap_or("").into(),
                Val::I(now_ms()),
            ])
            .push(
                " ON CONFLICT (alert_id, channel_id) DO UPDATE SET status = excluded.status, \
                 error = excluded.error, at = excluded.at, attempts = alert_deliveries.attempts + 1",
            )
            .execute(&mut tx)
            .await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn failed_deliveries(&self, max_attempts: i64) -> Result<Vec<(Alert, i64)>> {
        let mut c = self.read.acquire().await.db()?;
        let rows = Sql::new(
            "SELECT a.*, d.channel_id FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id \
             WHERE d.status = 'failed' AND a.closed_at IS NULL AND d.attempts < ",
        )
        .bind(max_attempts)
        .push(" ORDER BY a.id, d.channel_id")
        .fetch_all(&mut c)
        .await?;
        rows.iter()
            .map(|r| Ok((alert_row(r)?, col(r, "channel_id")?)))
            .collect()
    }

    async fn alert_deliveries(&self, alert: i64) -> Result<Vec<Delivery>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new(
            "SELECT d.*, c.name FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id WHERE d.alert_id = ",
        )
        .bind(alert)
        .push(" ORDER BY d.channel_id")
        .fetch_all(&mut c)
        .await?
        .iter()
        .map(|r| {
            Ok(Delivery {
                alert_id: col(r, "alert_id")?,
                channel_id: col(r, "channel_id")?,
                channel_name: col(r, "name")?,
                status: col(r, "status")?,
                attempts: col(r, "attempts")?,
                error: col(r, "error")?,
                at: col(r, "at")?,
            })
        })
        .collect()
    }
}
