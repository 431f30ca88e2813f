//! 波次 in SQL: waves and wave_orders. Creating waves checks, under the orders' row
//! locks, that every order is allocated to the wave's warehouse and in no wave yet.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use jxc_core::ids::{OrderId, SkuId, WarehouseId};
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{Actor, NewWave, Result, StoreError, Wave, WaveKind, WaveStore};

use super::SqlStore;
use super::records::push_keyset;
use super::util::*;

/// Orders per `IN (…)` list, well under the bind limit.
const CHUNK: usize = 500;

/// A wave row, without its orders yet.
fn wave(r: &Row) -> Result<Wave> {
    let kind: String = col(r, "kind")?;
    Ok(Wave {
        id: col(r, "id")?,
        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
        kind: WaveKind::parse(&kind)
            .ok_or_else(|| StoreError::Database(format!("unknown wave kind {kind}")))?,
        sku_id: col::<Option<i64>>(r, "sku_id")?.map(SkuId),
        carrier: col(r, "carrier")?,
        orders: Vec::new(),
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
    })
}

/// What the audit log keeps of a wave.
fn audit_json(w: &Wave) -> serde_json::Value {
    serde_json::json!({
        "warehouse_id": w.warehouse_id,
        "kind": w.kind,
        "sku_id": w.sku_id,
        "carrier": w.carrier,
        "orders": w.orders,
    })
}

/// Fills in the orders of `waves` (by slot, then order id).
async fn with_orders(c: &mut Conn, mut waves: Vec<Wave>) -> Result<Vec<Wave>> {
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let mut orders: BTreeMap<i64, Vec<(OrderId, i64)>> = BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT wave_id, order_id, slot FROM wave_orders WHERE ");
        push_in(&mut sql, "wave_id", chunk.iter().map(|&id| Val::I(id)));
        sql.push(" ORDER BY wave_id, slot, order_id");
        for r in sql.fetch_all(c).await? {
            orders
                .entry(col(&r, "wave_id")?)
                .or_default()
                .push((OrderId(col(&r, "order_id")?), col(&r, "slot")?));
        }
    }
    for w in &mut waves {
        w.orders = orders.remove(&w.id).unwrap_or_default();
    }
    Ok(waves)
}

async fn wave_of(c: &mut Conn, id: i64, lock: bool) -> Result<Option<Wave>> {
    let mut sql = Sql::new("SELECT * FROM waves WHERE id = ");
    sql.bind(id);
    if lock {
        sql.push(&crate::dialect::lock(""));
    }
    let Some(r) = sql.fetch_optional(c).await? else {
        return Ok(None);
    };
    Ok(with_orders(c, vec![wave(&r)?]).await?.pop())
}

/// Of `orders`, those with an `allocated` allocation shipping from `warehouse`.
pub(super) async fn allocated_to(
    c: &mut Conn,
    warehouse: WarehouseId,
    orders: &[OrderId],
) -> Result<BTreeSet<OrderId>> {
    let mut out = BTreeSet::new();
    for chunk in orders.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT s.order_id FROM allocation_shipments s JOIN order_allocations a ON a.order_id = s.order_id WHERE a.status = ",
        );
        sql.bind(jxc_store::AllocationStatus::Allocated.as_str())
            .push(" AND s.warehouse_id = ")
            .bind(warehouse.0)
            .push(" AND ");
        push_in(&mut sql, "s.order_id", chunk.iter().map(|o| Val::I(o.0)));
        for r in sql.fetch_all(c).await? {
            out.insert(OrderId(col(&r, "order_id")?));
        }
    }
    Ok(out)
}

/// Of `orders`, those in a wave already, with their wave.
async fn waved(c: &mut Conn, orders: &[OrderId]) -> Result<BTreeMap<OrderId, i64>> {
    let mut out = BTreeMap::new();
    for chunk in orders.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT order_id, wave_id FROM wave_orders WHERE ");
        push_in(&mut sql, "order_id", chunk.iter().map(|o| Val::I(o.0)));
        for r in sql.fetch_all(c).await? {
            out.insert(OrderId(col(&r, "order_id")?), col(&r, "wave_id")?);
        }
    }
    Ok(out)
}

/// Locks the order rows (in id order), so a wave and an allocation's release, or two
/// waves, of one order wait for each other on PostgreSQL.
pub(super) async fn lock_orders(c: &mut Conn, orders: &BTreeSet<OrderId>) -> Result<()> {
    let ids: Vec<OrderId> = orders.iter().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id FROM orders WHERE ");
        push_in(&mut sql, "id", chunk.iter().map(|o| Val::I(o.0)));
        sql.push(" ORDER BY id").push(&crate::dialect::lock(""));
        sql.fetch_all(c).await?;
    }
    Ok(())
}

#[async_trait]
impl WaveStore for SqlStore {
    async fn unwaved_allocated_orders(&self, warehouse: WarehouseId) -> Result<Vec<OrderId>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new(
            "SELECT s.order_id FROM allocation_shipments s JOIN order_allocations a ON a.order_id = s.order_id WHERE a.status = ",
        )
        .bind(jxc_store::AllocationStatus::Allocated.as_str())
        .push(" AND s.warehouse_id = ")
        .bind(warehouse.0)
        .push(" AND NOT EXISTS (SELECT 1 FROM wave_orders w WHERE w.order_id = s.order_id) ORDER BY s.order_id")
        .fetch_all(&mut c)
        .await?
        .iter()
        .map(|r| Ok(OrderId(col(r, "order_id")?)))
        .collect()
    }

    async fn create_waves(&self, waves: &[NewWave], actor: &Actor) -> Result<Vec<Wave>> {
        if waves.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let all: BTreeSet<OrderId> = waves
            .iter()
            .flat_map(|w| w.orders.iter().map(|(o, _)| *o))
            .collect();
        lock_orders(&mut tx, &all).await?;
        // What the checks need, read for every wave at once.
        let mut by_warehouse: BTreeMap<WarehouseId, Vec<OrderId>> = BTreeMap::new();
        for w in waves {
            by_warehouse
                .entry(w.warehouse_id)
                .or_default()
                .extend(w.orders.iter().map(|(o, _)| *o));
        }
        let mut allocated: BTreeMap<WarehouseId, BTreeSet<OrderId>> = BTreeMap::new();
        for (wh, ids) in &by_warehouse {
            allocated.insert(*wh, allocated_to(&mut tx, *wh, ids).await?);
        }
        let in_wave = waved(&mut tx, &all.iter().copied().collect::<Vec<_>>()).await?;
        // Every check first: nothing is written unless every wave passes.
        let mut seen = BTreeSet::new();
        for w in waves {
            if w.orders.is_empty() {
                return Err(StoreError::conflict(
                    "orders",
                    "波次没有订单 / a wave needs orders",
                ));
            }
            for (o, _) in &w.orders {
                if !allocated
                    .get(&w.warehouse_id)
                    .is_some_and(|a| a.contains(o))
                {
                    return Err(StoreError::conflict(
                        "orders",
                        format!(
                            "订单 {0} 未分配到该仓 / order {0} is not allocated to this warehouse",
                            o.0
                        ),
                    ));
                }
                if let Some(wave) = in_wave.get(o) {
                    return Err(StoreError::conflict(
                        "orders",
                        format!(
                            "订单 {0} 已在波次 {wave} / order {0} is already in wave {wave}",
                            o.0
                        ),
                    ));
                }
                if !seen.insert(*o) {
                    return Err(StoreError::conflict(
                        "orders",
                        format!(
                            "订单 {0} 重复出现在波次中 / order {0} is given to more than one wave",
                            o.0
                        ),
                    ));
                }
            }
        }
        // Then every wave, its orders and its audit row in multi-row statements.
        let now = now_ms();
        let ids = crate::dialect::next_ids(&mut tx, "waves", waves.len()).await?;
        let out: Vec<Wave> = waves
            .iter()
            .zip(&ids)
            .map(|(w, id)| {
                let mut orders = w.orders.clone();
                orders.sort_by_key(|&(o, slot)| (slot, o));
                Wave {
                    id: *id,
                    warehouse_id: w.warehouse_id,
                    kind: w.kind,
                    sku_id: w.sku_id,
                    carrier: w.carrier.clone(),
                    orders,
                    created_at: now,
                    created_by: actor.0.clone(),
                }
            })
            .collect();
        insert_rows(
            &mut tx,
            "waves",
            &[
                "id",
                "warehouse_id",
                "kind",
                "sku_id",
                "carrier",
                "created_at",
                "created_by",
            ],
            out.iter()
                .map(|w| {
                    vec![
                        Val::I(w.id),
                        Val::I(w.warehouse_id.0),
                        w.kind.as_str().into(),
                        Val::OI(w.sku_id.map(|s| s.0)),
                        w.carrier.as_str().into(),
                        Val::I(now),
                        actor.0.as_str().into(),
                    ]
                })
                .collect(),
            "",
        )
        .await?;
        insert_rows(
            &mut tx,
            "wave_orders",
            &["wave_id", "order_id", "slot"],
            out.iter()
                .flat_map(|w| {
                    w.orders
                        .iter()
                        .map(|&(o, slot)| vec![Val::I(w.id), Val::I(o.0), Val::I(slot)])
                })
                .collect(),
            "",
        )
        .await?;
        let audits = out
            .iter()
            .map(|w| (w.id.to_string(), None, Some(audit_json(w).to_string())))
            .collect();
        audit_many(&mut tx, actor, "create", "wave", audits).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn get_wave(&self, id: i64) -> Result<Option<Wave>> {
        let mut c = self.read.acquire().await.db()?;
        wave_of(&mut c, id, false).await
    }

    async fn list_waves(
        &self,
        warehouse: Option<WarehouseId>,
        page: &PageRequest,
    ) -> Result<Page<Wave>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM waves WHERE 1 = 1");
        if let Some(w) = warehouse {
            sql.push(" AND warehouse_id = ").bind(w.0);
        }
        push_keyset(&mut sql, "id", "id", page);
        let mut rows = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(wave)
            .collect::<Result<Vec<_>>>()?;
        // The row past the page only says there is a next page: its orders are not read.
        let past = rows.split_off(rows.len().min(page.limit as usize));
        let mut items = with_orders(&mut c, rows).await?;
        items.extend(past);
        Ok(Page::from_rows(items, page.limit, |w| Cursor {
            key: String::new(),
            id: w.id,
        }))
    }

    async fn dissolve_wave(&self, id: i64, actor: &Actor) -> Result<Option<Wave>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let Some(found) = wave_of(&mut tx, id, true).await? else {
            return Ok(None);
        };
        Sql::new("DELETE FROM wave_orders WHERE wave_id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        Sql::new("DELETE FROM waves WHERE id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "dissolve",
            "wave",
            id,
            Some(audit_json(&found)),
            None,
        )
        .await?;
        tx.commit().await.db()?;
        Ok(Some(found))
    }
}
