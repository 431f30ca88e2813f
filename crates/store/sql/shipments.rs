//! 发货单 in SQL: shipments, shipment_orders, counters. Shipping posts the issue through
//! `post_in` in the shipment's transaction, built from the orders' live reservations at
//! the shipment's warehouse, after the scan is compared with them under the locks.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LotId, OrderId, SkuId};
use jxc_core::inventory::{Document, DocumentKind, Line, LotSpec};
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, AllocationStatus, NewShipment, Reservation, ReservationStatus, Result, ShipInput,
    Shipment, ShipmentFilter, ShipmentStatus, ShipmentStore, StoreError, TrackingUpdate,
};

use super::SqlStore;
use super::fulfillment::allocation_of;
use super::inventory_lists::reservations_by_id;
use super::posting::post_in;
use super::records::push_keyset;
use super::util::*;
use super::waves::{allocated_to, lock_orders};

const CHUNK: usize = 500;

fn shipment(r: &Row) -> Result<Shipment> {
    let status: String = col(r, "status")?;
    Ok(Shipment {
        id: col(r, "id")?,
        warehouse_id: jxc_core::ids::WarehouseId(col(r, "warehouse_id")?),
        wave_id: col(r, "wave_id")?,
        status: ShipmentStatus::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown shipment status {status}")))?,
        orders: Vec::new(),
        carrier: col(r, "carrier")?,
        tracking_no: col(r, "tracking_no")?,
        print_data: col(r, "print_data")?,
        packages: col(r, "packages")?,
        weight_g: col(r, "weight_g")?,
        document_id: col::<Option<i64>>(r, "document_id")?.map(DocumentId),
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        shipped_at: col(r, "shipped_at")?,
        shipped_by: col(r, "shipped_by")?,
        writeback: col(r, "writeback")?,
        subscribed: col(r, "subscribed")?,
        tracking_state: col(r, "tracking_state")?,
        tracking_at: col(r, "tracking_at")?,
        exception: col(r, "exception")?,
    })
}

/// What the audit log keeps of a shipment.
fn audit_json(s: &Shipment) -> serde_json::Value {
    serde_json::json!({
        "warehouse_id": s.warehouse_id,
        "status": s.status,
        "orders": s.orders,
        "carrier": s.carrier,
        "tracking_no": s.tracking_no,
        "packages": s.packages,
        "weight_g": s.weight_g,
        "document_id": s.document_id,
        "tracking_state": s.tracking_state,
        "exception": s.exception,
    })
}

async fn with_orders(c: &mut Conn, mut list: Vec<Shipment>) -> Result<Vec<Shipment>> {
    let ids: Vec<i64> = list.iter().map(|s| s.id).collect();
    let mut orders: BTreeMap<i64, Vec<OrderId>> = BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT shipment_id, order_id FROM shipment_orders WHERE ");
        push_in(&mut sql, "shipment_id", chunk.iter().map(|&id| Val::I(id)));
        sql.push(" ORDER BY shipment_id, order_id");
        for r in sql.fetch_all(c).await? {
            orders
                .entry(col(&r, "shipment_id")?)
                .or_default()
                .push(OrderId(col(&r, "order_id")?));
        }
    }
    for s in &mut list {
        s.orders = orders.remove(&s.id).unwrap_or_default();
    }
    Ok(list)
}

async fn shipment_of(c: &mut Conn, id: i64, lock: bool) -> Result<Option<Shipment>> {
    let mut sql = Sql::new("SELECT * FROM shipments WHERE id = ");
    sql.bind(id);
    if lock {
        sql.push(&crate::dialect::lock(""));
    }
    let Some(r) = sql.fetch_optional(c).await? else {
        return Ok(None);
    };
    Ok(with_orders(c, vec![shipment(&r)?]).await?.pop())
}

async fn locked(c: &mut Conn, id: i64) -> Result<Shipment> {
    shipment_of(c, id, true)
        .await?
        .ok_or_else(|| StoreError::not_found("shipment", id))
}

/// The live reservations the shipment's orders hold at its warehouse, by id.
async fn live_contents(c: &mut Conn, s: &Shipment) -> Result<Vec<Reservation>> {
    let mut ids = BTreeSet::new();
    for o in &s.orders {
        match allocation_of(c, *o).await? {
            Some(a) if a.status == AllocationStatus::Allocated => {
                ids.extend(a.reservation_ids.iter().copied())
            }
            _ => {
                return Err(StoreError::conflict(
                    "orders",
                    format!(
                        "订单 {0} 已不在分配中 / order {0} is no longer allocated",
                        o.0
                    ),
                ));
            }
        }
    }
    Ok(reservations_by_id(c, &ids)
        .await?
        .into_iter()
        .filter(|r| r.warehouse_id == s.warehouse_id && r.status == ReservationStatus::Live)
        .collect())
}

fn per_sku(rs: &[Reservation]) -> BTreeMap<SkuId, i64> {
    let mut out = BTreeMap::new();
    for r in rs {
        *out.entry(r.sku_id).or_default() += r.remaining;
    }
    out
}

/// Lot numbers of `lots` (posting names a lot by number).
async fn lot_numbers(c: &mut Conn, lots: &BTreeSet<LotId>) -> Result<BTreeMap<LotId, String>> {
    let ids: Vec<i64> = lots
        .iter()
        .filter(|l| **l != LotId::NONE)
        .map(|l| l.0)
        .collect();
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id, lot_no FROM lots WHERE ");
        push_in(&mut sql, "id", chunk.iter().map(|&id| Val::I(id)));
        for r in sql.fetch_all(c).await? {
            out.insert(LotId(col(&r, "id")?), col(&r, "lot_no")?);
        }
    }
    Ok(out)
}

/// 序列号: for every serial-numbered SKU of the shipment, the serials scanned must be
/// exactly the ones its orders hold (the pick list and the station name them).
async fn check_serials(
    c: &mut Conn,
    live: &[Reservation],
    lots: &BTreeMap<LotId, String>,
    scanned: &[(SkuId, String)],
) -> Result<()> {
    let skus: Vec<i64> = live
        .iter()
        .map(|r| r.sku_id.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut serial: BTreeMap<SkuId, String> = BTreeMap::new();
    for chunk in skus.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id, code FROM skus WHERE tracking = 'serial' AND ");
        push_in(&mut sql, "id", chunk.iter().map(|&i| Val::I(i)));
        for r in sql.fetch_all(c).await? {
            serial.insert(SkuId(col(&r, "id")?), col(&r, "code")?);
        }
    }
    let mut given: BTreeMap<SkuId, Vec<String>> = BTreeMap::new();
    for (sku, no) in scanned {
        given.entry(*sku).or_default().push(no.trim().to_string());
    }
    for (sku, code) in &serial {
        let mut want: Vec<String> = live
            .iter()
            .filter(|r| r.sku_id == *sku)
            .filter_map(|r| lots.get(&r.lot_id).cloned())
            .collect();
        want.sort();
        let mut got = given.remove(sku).unwrap_or_default();
        got.sort();
        if got != want {
            return Err(StoreError::conflict(
                "serials",
                format!(
                    "{code} 的序列号应为 {}，扫描的是 {} / the serials scanned are not the ones reserved",
                    want.join("、"),
                    if got.is_empty() {
                        "（无）".to_string()
                    } else {
                        got.join("、")
                    }
                ),
            ));
        }
    }
    if let Some((sku, _)) = given.into_iter().next() {
        return Err(StoreError::conflict(
            "serials",
            format!(
                "SKU {} 不是序列号商品或不在本单 / not a serial-numbered sku of this shipment",
                sku.0
            ),
        ));
    }
    Ok(())
}

/// Of `orders`, those with a shipment that has left the warehouse.
pub(super) async fn shipped_orders(c: &mut Conn, orders: &[OrderId]) -> Result<BTreeSet<OrderId>> {
    let mut out = BTreeSet::new();
    for chunk in orders.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT so.order_id FROM shipment_orders so JOIN shipments s ON s.id = so.shipment_id WHERE s.status <> ",
        );
        sql.bind(ShipmentStatus::Labelled.as_str()).push(" AND ");
        push_in(&mut sql, "so.order_id", chunk.iter().map(|o| Val::I(o.0)));
        for r in sql.fetch_all(c).await? {
            out.insert(OrderId(col(&r, "order_id")?));
        }
    }
    Ok(out)
}

/// Forgets the labelled (not yet shipped) shipments of `order`, whole: the other orders
/// of its 合单 group need a new label too. Their waybill numbers are not reused.
pub(super) async fn drop_labelled(c: &mut Conn, order: OrderId, actor: &Actor) -> Result<()> {
    let ids: Vec<i64> = Sql::new(
        "SELECT s.id FROM shipments s JOIN shipment_orders so ON so.shipment_id = s.id WHERE so.order_id = ",
    )
    .bind(order.0)
    .push(" AND s.status = ")
    .bind(ShipmentStatus::Labelled.as_str())
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| col(r, "id"))
    .collect::<Result<_>>()?;
    for id in ids {
        let found = shipment_of(c, id, false).await?;
        Sql::new("DELETE FROM shipment_orders WHERE shipment_id = ")
            .bind(id)
            .execute(c)
            .await?;
        Sql::new("DELETE FROM shipments WHERE id = ")
            .bind(id)
            .execute(c)
            .await?;
        audit(
            c,
            actor,
            "drop",
            "shipment",
            id,
            found.as_ref().map(audit_json),
            None,
        )
        .await?;
    }
    Ok(())
}

/// Sets the text column `column` (`writeback` or `subscribed`) of a shipment.
async fn set_outcome(
    pool: &sqlx::Pool<crate::Db>,
    id: i64,
    column: &'static str,
    outcome: &str,
) -> Result<()> {
    let mut tx = crate::dialect::begin_write(pool).await?;
    let n = Sql::new(&format!("UPDATE shipments SET {column} = "))
        .bind(outcome.chars().take(500).collect::<String>())
        .push(" WHERE id = ")
        .bind(id)
        .execute(&mut tx)
        .await?;
    if n == 0 {
        return Err(StoreError::not_found("shipment", id));
    }
    tx.commit().await.db()
}

#[async_trait]
impl ShipmentStore for SqlStore {
    async fn create_shipments(&self, list: &[NewShipment], actor: &Actor) -> Result<Vec<Shipment>> {
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let all: BTreeSet<OrderId> = list.iter().flat_map(|s| s.orders.iter().copied()).collect();
        lock_orders(&mut tx, &all).await?;
        let mut seen = BTreeSet::new();
        for s in list {
            if s.orders.is_empty() {
                return Err(StoreError::conflict(
                    "orders",
                    "发货单没有订单 / a shipment needs orders",
                ));
            }
            if s.tracking_no.trim().is_empty() || s.carrier.trim().is_empty() {
                return Err(StoreError::conflict(
                    "tracking_no",
                    "发货单需要快递公司和运单号 / a shipment needs a carrier and a tracking number",
                ));
            }
            let allocated = allocated_to(&mut tx, s.warehouse_id, &s.orders).await?;
            for o in &s.orders {
                if !allocated.contains(o) {
                    return Err(StoreError::conflict(
                        "orders",
                        format!(
                            "订单 {0} 未分配到该仓 / order {0} is not allocated to this warehouse",
                            o.0
                        ),
                    ));
                }
                if !seen.insert((*o, s.warehouse_id)) {
                    return Err(StoreError::conflict(
                        "orders",
                        format!("订单 {0} 重复出现 / order {0} is given twice", o.0),
                    ));
                }
            }
            let mut sql = Sql::new("SELECT order_id FROM shipment_orders WHERE warehouse_id = ");
            sql.bind(s.warehouse_id.0).push(" AND ");
            push_in(&mut sql, "order_id", s.orders.iter().map(|o| Val::I(o.0)));
            if let Some(r) = sql.fetch_optional(&mut tx).await? {
                let o: i64 = col(&r, "order_id")?;
                return Err(StoreError::conflict(
                    "orders",
                    format!(
                        "订单 {o} 已有发货单 / order {o} already has a shipment from this warehouse"
                    ),
                ));
            }
        }
        let now = now_ms();
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            let r = Sql::new(
                "INSERT INTO shipments (warehouse_id, wave_id, status, carrier, tracking_no, print_data, created_at, created_by) VALUES ",
            )
            .tuple([
                Val::I(s.warehouse_id.0),
                Val::OI(s.wave_id),
                ShipmentStatus::Labelled.as_str().into(),
                s.carrier.as_str().into(),
                s.tracking_no.as_str().into(),
                s.print_data.as_str().into(),
                Val::I(now),
                actor.0.as_str().into(),
            ])
            .push(" RETURNING id")
            .fetch_one(&mut tx)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::conflict(
                    "tracking_no",
                    format!("运单号 {} 已被使用 / tracking number already used", s.tracking_no),
                ),
                e => e,
            })?;
            let id: i64 = col(&r, "id")?;
            let mut orders = s.orders.clone();
            orders.sort();
            insert_rows(
                &mut tx,
                "shipment_orders",
                &["shipment_id", "order_id", "warehouse_id"],
                orders
                    .iter()
                    .map(|o| vec![Val::I(id), Val::I(o.0), Val::I(s.warehouse_id.0)])
                    .collect(),
                "",
            )
            .await?;
            let saved = locked(&mut tx, id).await?;
            audit(
                &mut tx,
                actor,
                "create",
                "shipment",
                id,
                None,
                Some(audit_json(&saved)),
            )
            .await?;
            out.push(saved);
        }
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn get_shipment(&self, id: i64) -> Result<Option<Shipment>> {
        let mut c = self.read.acquire().await.db()?;
        shipment_of(&mut c, id, false).await
    }

    async fn list_shipments(
        &self,
        f: &ShipmentFilter,
        page: &PageRequest,
    ) -> Result<Page<Shipment>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM shipments WHERE 1 = 1");
        if let Some(s) = f.status {
            sql.push(" AND status = ").bind(s.as_str());
        }
        if let Some(w) = f.warehouse {
            sql.push(" AND warehouse_id = ").bind(w.0);
        }
        if !f.warehouses.is_empty() {
            sql.push(" AND ");
            push_in(
                &mut sql,
                "warehouse_id",
                f.warehouses.iter().map(|w| Val::I(w.0)),
            );
        }
        if let Some(w) = f.wave {
            sql.push(" AND wave_id = ").bind(w);
        }
        if let Some(o) = f.order {
            sql.push(" AND id IN (SELECT shipment_id FROM shipment_orders WHERE order_id = ")
                .bind(o.0)
                .push(")");
        }
        if let Some(t) = &f.tracking_no {
            sql.push(" AND tracking_no = ").bind(t.as_str());
        }
        if let Some(from) = f.shipped_from {
            sql.push(" AND shipped_at >= ").bind(from);
        }
        if let Some(to) = f.shipped_to {
            sql.push(" AND shipped_at < ").bind(to);
        }
        if let Some(before) = f.quiet_since {
            sql.push(" AND status = ")
                .bind(ShipmentStatus::Shipped.as_str())
                .push(" AND COALESCE(tracking_at, shipped_at) < ")
                .bind(before);
        }
        push_keyset(&mut sql, "id", "id", page);
        let mut rows = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(shipment)
            .collect::<Result<Vec<_>>>()?;
        let past = rows.split_off(rows.len().min(page.limit as usize));
        let mut items = with_orders(&mut c, rows).await?;
        items.extend(past);
        Ok(Page::from_rows(items, page.limit, |s| Cursor {
            key: String::new(),
            id: s.id,
        }))
    }

    async fn shipment_contents(&self, id: i64) -> Result<Vec<(SkuId, i64)>> {
        let mut c = self.read.acquire().await.db()?;
        let s = shipment_of(&mut c, id, false)
            .await?
            .ok_or_else(|| StoreError::not_found("shipment", id))?;
        Ok(per_sku(&live_contents(&mut c, &s).await?)
            .into_iter()
            .collect())
    }

    async fn ship(&self, id: i64, input: &ShipInput, actor: &Actor) -> Result<Shipment> {
        if input.packages < 1 || input.packages > 99 {
            return Err(StoreError::conflict(
                "packages",
                "包裹数 1–99 / 1 to 99 packages",
            ));
        }
        if input.weight_g.is_some_and(|w| w <= 0 || w > 1_000_000) {
            return Err(StoreError::conflict(
                "weight_g",
                "重量 1 克–1 吨 / 1 g to 1 t",
            ));
        }
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let before = locked(&mut tx, id).await?;
        lock_orders(&mut tx, &before.orders.iter().copied().collect()).await?;
        if before.status != ShipmentStatus::Labelled {
            return Err(StoreError::conflict(
                "status",
                format!(
                    "发货单已{} / the shipment is {}",
                    before.status.label_zh(),
                    before.status.as_str()
                ),
            ));
        }
        let live = live_contents(&mut tx, &before).await?;
        let expected = per_sku(&live);
        let mut scanned: BTreeMap<SkuId, i64> = BTreeMap::new();
        for (sku, n) in &input.scanned {
            *scanned.entry(*sku).or_default() += n;
        }
        scanned.retain(|_, n| *n != 0);
        if expected.is_empty() {
            return Err(StoreError::conflict(
                "scanned",
                "没有可发的占用库存 / nothing reserved to ship",
            ));
        }
        if scanned != expected {
            let diff: Vec<String> = expected
                .keys()
                .chain(scanned.keys())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .filter(|k| expected.get(k) != scanned.get(k))
                .map(|k| {
                    format!(
                        "SKU {}: 应 {} 扫 {}",
                        k.0,
                        expected.get(k).copied().unwrap_or(0),
                        scanned.get(k).copied().unwrap_or(0)
                    )
                })
                .collect();
            return Err(StoreError::conflict(
                "scanned",
                format!(
                    "扫描与订单不符 / the scan does not match: {}",
                    diff.join("; ")
                ),
            ));
        }
        let lots = lot_numbers(&mut tx, &live.iter().map(|r| r.lot_id).collect()).await?;
        check_serials(&mut tx, &live, &lots, &input.serials).await?;
        let lines: Vec<Line> = live
            .iter()
            .map(|r| Line {
                sku: r.sku_id,
                location: Some(r.location_id),
                to_location: None,
                lot: LotSpec {
                    no: lots.get(&r.lot_id).cloned().unwrap_or_default(),
                    production_date: None,
                    expiry_date: None,
                },
                qty: r.remaining,
                value: None,
                reservation: Some(r.id),
            })
            .collect();
        let orders: Vec<String> = before.orders.iter().map(|o| o.0.to_string()).collect();
        let doc = Document {
            kind: DocumentKind::Issue,
            warehouse: before.warehouse_id,
            reference: before.tracking_no.clone(),
            note: format!("发货 / shipment {} · 订单 {}", before.id, orders.join(",")),
            lines,
        };
        let posted = post_in(&mut tx, &[doc], actor).await?;
        let doc_id = posted
            .first()
            .map(|p| p.summary.id.0)
            .ok_or_else(|| StoreError::Database("the issue was not posted".into()))?;
        Sql::new("UPDATE shipments SET status = ")
            .bind(ShipmentStatus::Shipped.as_str())
            .push(", document_id = ")
            .bind(doc_id)
            .push(", packages = ")
            .bind(input.packages)
            .push(", weight_g = ")
            .bind(Val::OI(input.weight_g))
            .push(", shipped_at = ")
            .bind(now_ms())
            .push(", shipped_by = ")
            .bind(actor.0.as_str())
            .push(" WHERE id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let after = locked(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            "ship",
            "shipment",
            id,
            Some(audit_json(&before)),
            Some(audit_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn set_writeback(&self, id: i64, outcome: &str) -> Result<()> {
        set_outcome(&self.write, id, "writeback", outcome).await
    }

    async fn set_subscribed(&self, id: i64, outcome: &str) -> Result<()> {
        set_outcome(&self.write, id, "subscribed", outcome).await
    }

    async fn record_tracking(
        &self,
        id: i64,
        update: &TrackingUpdate,
        actor: &Actor,
    ) -> Result<Shipment> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let before = locked(&mut tx, id).await?;
        if !before.status.is_out() || update.status == ShipmentStatus::Labelled {
            return Err(StoreError::conflict(
                "status",
                "未发货的发货单没有物流 / a shipment not yet shipped has no tracking",
            ));
        }
        Sql::new("UPDATE shipments SET status = ")
            .bind(update.status.as_str())
            .push(", tracking_state = ")
            .bind(update.state.as_str())
            .push(", tracking_at = ")
            .bind(update.at_ms)
            .push(", exception = ")
            .bind(update.exception.as_str())
            .push(" WHERE id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let after = locked(&mut tx, id).await?;
        if after.status != before.status || after.exception != before.exception {
            audit(
                &mut tx,
                actor,
                "tracking",
                "shipment",
                id,
                Some(audit_json(&before)),
                Some(audit_json(&after)),
            )
            .await?;
        }
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn take_numbers(&self, name: &str, first: i64, n: i64) -> Result<i64> {
        if n < 1 {
            return Err(StoreError::conflict(
                "n",
                "至少取 1 个号 / take at least one",
            ));
        }
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let mut sql = Sql::new("SELECT next_value FROM counters WHERE name = ");
        sql.bind(name).push(&crate::dialect::lock(""));
        let start = match sql.fetch_optional(&mut tx).await? {
            Some(r) => {
                let next: i64 = col(&r, "next_value")?;
                Sql::new("UPDATE counters SET next_value = ")
                    .bind(next + n)
                    .push(" WHERE name = ")
                    .bind(name)
                    .execute(&mut tx)
                    .await?;
                next
            }
            None => {
                Sql::new("INSERT INTO counters (name, next_value) VALUES ")
                    .tuple([name.into(), Val::I(first + n)])
                    .execute(&mut tx)
                    .await?;
                first
            }
        };
        tx.commit().await.db()?;
        Ok(start)
    }
}
