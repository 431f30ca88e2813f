//! 调拨 in SQL: transfers, transfer_lines, and the in-transit location of each warehouse
//! (migration 0013).
//!
//! Every write locks the transfer row first, so ship, receive, close and cancel of one
//! transfer wait for each other. Each step posts one 调拨 document through `post_in` in
//! the same transaction: ship (source shelf → destination's transit location, at moving
//! average; the arriving units are held by reservations of the transfer), receive
//! (transit → a shelf of the destination, at the carried value, consuming the hold) and
//! the loss (out of transit at the remaining value, consuming the rest of the hold).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LocationId, LotId, ReservationId, SkuId, WarehouseId};
use jxc_core::inventory::posting::MoveKind;
use jxc_core::inventory::transfer::{
    LineProgress, NewTransfer, ReceiveInput, TransferStatus, plan_receipt,
};
use jxc_core::inventory::{BalanceKey, Document, DocumentKind, Line, LotSpec};
use jxc_core::money::Fen;
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, InTransitFilter, InTransitLine, InTransitTotal, Result, StoreError, Transfer,
    TransferFilter, TransferLine, TransferStore,
};

use super::SqlStore;
use super::posting::post_in;
use super::records::push_keyset;
use super::reservations::hold_in_transit_in;
use super::util::*;

/// `DB00000012`: the number people use for transfer 12.
pub fn transfer_number(id: i64) -> String {
    format!("DB{id:08}")
}

/// The code of every warehouse's in-transit location. It has a space, which no code a
/// person types may have, so it never clashes with a real shelf.
pub const TRANSIT_CODE: &str = "在途 TRANSIT";

fn status_of(s: &str) -> Result<TransferStatus> {
    TransferStatus::parse(s)
        .ok_or_else(|| StoreError::Database(format!("unknown transfer status {s}")))
}

fn transfer_row(r: &Row) -> Result<Transfer> {
    let id: i64 = col(r, "id")?;
    Ok(Transfer {
        id,
        number: transfer_number(id),
        from_warehouse_id: WarehouseId(col(r, "from_warehouse_id")?),
        to_warehouse_id: WarehouseId(col(r, "to_warehouse_id")?),
        status: status_of(&col::<String>(r, "status")?)?,
        note: col(r, "note")?,
        loss_reason: col(r, "loss_reason")?,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        shipped_at: col(r, "shipped_at")?,
        shipped_by: col(r, "shipped_by")?,
        closed_at: col(r, "closed_at")?,
        closed_by: col(r, "closed_by")?,
        totals: LineProgress::default(),
        qty: 0,
        lines: Vec::new(),
        documents: Vec::new(),
    })
}

fn progress(r: &Row, shipped: bool) -> Result<LineProgress> {
    Ok(LineProgress {
        shipped_qty: if shipped { col(r, "qty")? } else { 0 },
        shipped_value: Fen(col(r, "shipped_value")?),
        received_qty: col(r, "received_qty")?,
        received_value: Fen(col(r, "received_value")?),
        lost_qty: col(r, "lost_qty")?,
        lost_value: Fen(col(r, "lost_value")?),
    })
}

/// Fills in the totals, documents and (with `lines`) the lines of `ts`.
async fn complete(c: &mut Conn, mut ts: Vec<Transfer>, lines: bool) -> Result<Vec<Transfer>> {
    for t in &mut ts {
        let r = Sql::new(
            "SELECT CAST(COALESCE(SUM(qty), 0) AS BIGINT) AS qty, \
             CAST(COALESCE(SUM(shipped_value), 0) AS BIGINT) AS shipped_value, \
             CAST(COALESCE(SUM(received_qty), 0) AS BIGINT) AS received_qty, \
             CAST(COALESCE(SUM(received_value), 0) AS BIGINT) AS received_value, \
             CAST(COALESCE(SUM(lost_qty), 0) AS BIGINT) AS lost_qty, \
             CAST(COALESCE(SUM(lost_value), 0) AS BIGINT) AS lost_value \
             FROM transfer_lines WHERE transfer_id = ",
        )
        .bind(t.id)
        .fetch_one(c)
        .await?;
        let shipped = t.shipped_at.is_some();
        t.qty = col(&r, "qty")?;
        t.totals = progress(&r, shipped)?;
        t.documents = Sql::new("SELECT id FROM stock_documents WHERE reference = ")
            .bind(t.number.clone())
            .push(" AND kind = ")
            .bind(DocumentKind::Transfer.as_str())
            .push(" ORDER BY id")
            .fetch_all(c)
            .await?
            .iter()
            .map(|r| col(r, "id").map(DocumentId))
            .collect::<Result<_>>()?;
        if lines {
            t.lines = lines_of(c, t.id, shipped).await?;
        }
    }
    Ok(ts)
}

async fn lines_of(c: &mut Conn, id: i64, shipped: bool) -> Result<Vec<TransferLine>> {
    Sql::new(
        "SELECT l.*, s.code AS sku_code, s.name AS sku_name, COALESCE(p.code, '') AS location_code \
         FROM transfer_lines l JOIN skus s ON s.id = l.sku_id \
         LEFT JOIN locations p ON p.id = l.from_location_id WHERE l.transfer_id = ",
    )
    .bind(id)
    .push(" ORDER BY l.line_no")
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| {
        Ok(TransferLine {
            line_no: col::<i64>(r, "line_no")? as u32,
            sku_id: SkuId(col(r, "sku_id")?),
            sku_code: col(r, "sku_code")?,
            sku_name: col(r, "sku_name")?,
            from_location_id: col::<Option<i64>>(r, "from_location_id")?.map(LocationId),
            from_location_code: col(r, "location_code")?,
            lot_no: col(r, "lot_no")?,
            qty: col(r, "qty")?,
            progress: progress(r, shipped)?,
            reservation_id: col::<Option<i64>>(r, "reservation_id")?.map(ReservationId),
        })
    })
    .collect()
}

async fn transfer_of(c: &mut Conn, id: i64, lock: bool) -> Result<Option<Transfer>> {
    let mut sql = Sql::new("SELECT * FROM transfers WHERE id = ");
    sql.bind(id);
    if lock {
        sql.push(&crate::dialect::lock(""));
    }
    match sql.fetch_optional(c).await? {
        None => Ok(None),
        Some(r) => Ok(complete(c, vec![transfer_row(&r)?], true).await?.pop()),
    }
}

async fn locked(c: &mut Conn, id: i64) -> Result<Transfer> {
    transfer_of(c, id, true)
        .await?
        .ok_or_else(|| StoreError::not_found("transfer", id))
}

fn refuse_unless(t: &Transfer, ok: &[TransferStatus], what: &str) -> Result<()> {
    if ok.contains(&t.status) {
        return Ok(());
    }
    Err(wrong_status(
        "调拨单 ",
        &t.number,
        t.status.label_zh(),
        t.status.as_str(),
        what,
    ))
}

fn audit_json(t: &Transfer) -> serde_json::Value {
    serde_json::json!({
        "number": t.number,
        "from_warehouse_id": t.from_warehouse_id,
        "to_warehouse_id": t.to_warehouse_id,
        "status": t.status,
        "totals": t.totals,
        "loss_reason": t.loss_reason,
        "documents": t.documents,
    })
}

/// Writes the status change (and who did it), audits it, and reads the transfer back.
async fn finish(
    c: &mut Conn,
    before: &Transfer,
    to: TransferStatus,
    action: &str,
    actor: &Actor,
) -> Result<Transfer> {
    let mut sql = Sql::new("UPDATE transfers SET status = ");
    sql.bind(to.as_str());
    match to {
        TransferStatus::Shipped => {
            sql.push(", shipped_at = ")
                .bind(now_ms())
                .push(", shipped_by = ")
                .bind(actor.0.as_str());
        }
        TransferStatus::Closed | TransferStatus::Cancelled => {
            sql.push(", closed_at = ")
                .bind(now_ms())
                .push(", closed_by = ")
                .bind(actor.0.as_str());
        }
        _ => {}
    }
    sql.push(" WHERE id = ").bind(before.id).execute(c).await?;
    let after = transfer_of(c, before.id, false)
        .await?
        .ok_or_else(|| StoreError::not_found("transfer", before.id))?;
    audit(
        c,
        actor,
        action,
        "transfer",
        before.id,
        Some(audit_json(before)),
        Some(audit_json(&after)),
    )
    .await?;
    Ok(after)
}

/// The in-transit location of `warehouse`, made the first time it is needed.
pub(super) async fn transit_location(c: &mut Conn, warehouse: WarehouseId) -> Result<LocationId> {
    let now = now_ms();
    Sql::new(
        "INSERT INTO locations (warehouse_id, code, zone, pick_seq, active, transit, created_at, updated_at) VALUES ",
    )
    .tuple([
        Val::I(warehouse.0),
        TRANSIT_CODE.into(),
        "".into(),
        Val::I(i64::from(i32::MAX)),
        Val::B(true),
        Val::B(true),
        Val::I(now),
        Val::I(now),
    ])
    .push(" ON CONFLICT DO NOTHING")
    .execute(c)
    .await?;
    let r = Sql::new("SELECT id FROM locations WHERE warehouse_id = ")
        .bind(warehouse.0)
        .push(" AND transit = ")
        .bind(true)
        .fetch_optional(c)
        .await?
        .ok_or_else(|| {
            StoreError::Database(format!("warehouse {warehouse} has no in-transit location"))
        })?;
    Ok(LocationId(col(&r, "id")?))
}

/// Checks what a new transfer names: the warehouses (existing, active), the SKUs (not
/// bundles), the source locations (shelves of the source).
async fn check_new(c: &mut Conn, t: &NewTransfer) -> Result<()> {
    let mut sql = Sql::new("SELECT id, active FROM warehouses WHERE ");
    push_in(&mut sql, "id", [Val::I(t.from.0), Val::I(t.to.0)]);
    let found: BTreeMap<i64, bool> = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((col(r, "id")?, col(r, "active")?)))
        .collect::<Result<_>>()?;
    for (field, w) in [("from_warehouse_id", t.from), ("to_warehouse_id", t.to)] {
        match found.get(&w.0) {
            None => {
                return Err(StoreError::conflict(
                    field,
                    format!("仓库 {w} 不存在 / unknown warehouse"),
                ));
            }
            Some(false) => {
                return Err(StoreError::conflict(
                    field,
                    format!("仓库 {w} 已停用 / warehouse is inactive"),
                ));
            }
            Some(true) => {}
        }
    }
    let skus: BTreeSet<i64> = t.lines.iter().map(|l| l.sku.0).collect();
    let mut sql = Sql::new("SELECT id, is_bundle FROM skus WHERE ");
    push_in(&mut sql, "id", skus.iter().map(|s| Val::I(*s)));
    let skus: BTreeMap<i64, bool> = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((col(r, "id")?, col(r, "is_bundle")?)))
        .collect::<Result<_>>()?;
    let locs: BTreeSet<i64> = t
        .lines
        .iter()
        .filter_map(|l| l.from_location)
        .map(|l| l.0)
        .collect();
    let mut sql = Sql::new("SELECT id, warehouse_id, transit FROM locations WHERE ");
    push_in(&mut sql, "id", locs.iter().map(|l| Val::I(*l)));
    let locs: BTreeMap<i64, (i64, bool)> = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((col(r, "id")?, (col(r, "warehouse_id")?, col(r, "transit")?))))
        .collect::<Result<_>>()?;
    for (i, l) in t.lines.iter().enumerate() {
        match skus.get(&l.sku.0) {
            None => {
                return Err(StoreError::conflict(
                    format!("lines[{i}].sku_id"),
                    format!("商品 {} 不存在 / unknown sku", l.sku),
                ));
            }
            Some(true) => {
                return Err(StoreError::conflict(
                    format!("lines[{i}].sku_id"),
                    "组合装没有自己的库存，请调拨组件 / a bundle holds no stock: transfer its components",
                ));
            }
            Some(false) => {}
        }
        if let Some(loc) = l.from_location {
            if locs.get(&loc.0) != Some(&(t.from.0, false)) {
                return Err(StoreError::conflict(
                    format!("lines[{i}].from_location_id"),
                    format!(
                        "库位 {loc} 不是调出仓库的库位 / not a location of the source warehouse"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Makes a 调拨 document of `t` in `warehouse`.
fn document(t: &Transfer, warehouse: WarehouseId, note: String, lines: Vec<Line>) -> Document {
    Document {
        kind: DocumentKind::Transfer,
        warehouse,
        reference: t.number.clone(),
        note,
        lines,
    }
}

fn lot(no: &str) -> LotSpec {
    LotSpec {
        no: no.to_string(),
        ..Default::default()
    }
}

/// The receiving locations named by a receipt: shelves of the destination.
async fn check_targets(c: &mut Conn, t: &Transfer, receipt: &ReceiveInput) -> Result<LocationId> {
    let named: BTreeSet<i64> = receipt
        .lines
        .iter()
        .filter_map(|l| l.to_location_id)
        .collect();
    let mut sql = Sql::new("SELECT id, warehouse_id, transit FROM locations WHERE ");
    push_in(&mut sql, "id", named.iter().map(|l| Val::I(*l)));
    let found: BTreeMap<i64, (i64, bool)> = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((col(r, "id")?, (col(r, "warehouse_id")?, col(r, "transit")?))))
        .collect::<Result<_>>()?;
    for (i, l) in receipt.lines.iter().enumerate() {
        if let Some(loc) = l.to_location_id {
            if found.get(&loc) != Some(&(t.to_warehouse_id.0, false)) {
                return Err(StoreError::conflict(
                    format!("lines[{i}].to_location_id"),
                    format!("库位 {loc} 不是调入仓库的库位 / not a location of the destination"),
                ));
            }
        }
    }
    let r = Sql::new("SELECT default_location_id FROM warehouses WHERE id = ")
        .bind(t.to_warehouse_id.0)
        .fetch_one(c)
        .await?;
    Ok(LocationId(
        col::<Option<i64>>(&r, "default_location_id")?.unwrap_or_default(),
    ))
}

/// Adds what arrived (or was lost) to the lines: line no → (units, value).
async fn add_to_lines(
    c: &mut Conn,
    t: &Transfer,
    column: &str,
    added: &BTreeMap<u32, (i64, Fen)>,
) -> Result<()> {
    for (no, (qty, value)) in added {
        Sql::new(&format!(
            "UPDATE transfer_lines SET {column}_qty = {column}_qty + "
        ))
        .bind(*qty)
        .push(&format!(", {column}_value = {column}_value + "))
        .bind(value.0)
        .push(" WHERE transfer_id = ")
        .bind(t.id)
        .push(" AND line_no = ")
        .bind(*no as i64)
        .execute(c)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl TransferStore for SqlStore {
    async fn create_transfer(&self, t: &NewTransfer, actor: &Actor) -> Result<Transfer> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        check_new(&mut tx, t).await?;
        let r = Sql::new(
            "INSERT INTO transfers (from_warehouse_id, to_warehouse_id, status, note, created_at, created_by) VALUES ",
        )
        .tuple([
            Val::I(t.from.0),
            Val::I(t.to.0),
            TransferStatus::Requested.as_str().into(),
            t.note.as_str().into(),
            Val::I(now_ms()),
            actor.0.as_str().into(),
        ])
        .push(" RETURNING id")
        .fetch_one(&mut tx)
        .await?;
        let id: i64 = col(&r, "id")?;
        let rows = t.lines.iter().enumerate().map(|(i, l)| {
            vec![
                Val::I(id),
                Val::I(i as i64 + 1),
                Val::I(l.sku.0),
                Val::OI(l.from_location.map(|x| x.0)),
                l.lot_no.as_str().into(),
                Val::I(l.qty),
            ]
        });
        insert_rows(
            &mut tx,
            "transfer_lines",
            &[
                "transfer_id",
                "line_no",
                "sku_id",
                "from_location_id",
                "lot_no",
                "qty",
            ],
            rows.collect(),
            "",
        )
        .await?;
        let made = locked(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            "create",
            "transfer",
            id,
            None,
            Some(audit_json(&made)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(made)
    }

    async fn get_transfer(&self, id: i64) -> Result<Option<Transfer>> {
        let mut c = self.read.acquire().await.db()?;
        transfer_of(&mut c, id, false).await
    }

    async fn list_transfers(
        &self,
        f: &TransferFilter,
        page: &PageRequest,
    ) -> Result<Page<Transfer>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM transfers WHERE 1 = 1");
        if let Some(w) = f.from_warehouse_id {
            sql.push(" AND from_warehouse_id = ").bind(w.0);
        }
        if let Some(w) = f.to_warehouse_id {
            sql.push(" AND to_warehouse_id = ").bind(w.0);
        }
        if !f.warehouse_ids.is_empty() {
            let ids = || f.warehouse_ids.iter().map(|w| Val::I(w.0));
            sql.push(" AND (");
            push_in(&mut sql, "from_warehouse_id", ids());
            sql.push(" OR ");
            push_in(&mut sql, "to_warehouse_id", ids());
            sql.push(")");
        }
        if let Some(s) = f.status {
            sql.push(" AND status = ").bind(s.as_str());
        }
        if let Some(s) = f.sku_id {
            sql.push(" AND id IN (SELECT transfer_id FROM transfer_lines WHERE sku_id = ")
                .bind(s.0)
                .push(")");
        }
        push_keyset(&mut sql, "id", "id", page);
        let mut rows = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(transfer_row)
            .collect::<Result<Vec<_>>>()?;
        let past = rows.split_off(rows.len().min(page.limit as usize));
        let mut items = complete(&mut c, rows, false).await?;
        items.extend(past);
        Ok(Page::from_rows(items, page.limit, |t| Cursor {
            key: String::new(),
            id: t.id,
        }))
    }

    async fn ship_transfer(&self, id: i64, actor: &Actor) -> Result<Transfer> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let t = locked(&mut tx, id).await?;
        refuse_unless(&t, &[TransferStatus::Requested], "发货")?;
        let transit = transit_location(&mut tx, t.to_warehouse_id).await?;
        let lines = t
            .lines
            .iter()
            .map(|l| Line {
                sku: l.sku_id,
                location: l.from_location_id,
                to_location: Some(transit),
                lot: lot(&l.lot_no),
                qty: l.qty,
                value: None,
                reservation: None,
            })
            .collect();
        let note = format!("调拨发货 / shipped: {}", t.number);
        let doc = document(&t, t.from_warehouse_id, note, lines);
        let posted = post_in(&mut tx, &[doc], actor).await?.remove(0);
        // Per line: where it left (location, lot), its value, and where it arrived.
        let mut left: BTreeMap<u32, (LocationId, LotId, Fen)> = BTreeMap::new();
        let mut arrived: BTreeMap<u32, BalanceKey> = BTreeMap::new();
        for m in &posted.moves {
            let key = BalanceKey {
                sku: m.sku_id,
                warehouse: m.warehouse_id,
                location: m.location_id,
                lot: m.lot_id,
            };
            match m.kind {
                MoveKind::Out => {
                    left.insert(m.line_no, (m.location_id, m.lot_id, Fen(-m.value.0)));
                }
                MoveKind::In if m.location_id == transit => {
                    arrived.insert(m.line_no, key);
                }
                _ => {}
            }
        }
        let holds: Vec<(BalanceKey, i64)> = t
            .lines
            .iter()
            .map(|l| Ok((*arrived.get(&l.line_no).ok_or_else(missing_move)?, l.qty)))
            .collect::<Result<_>>()?;
        let held = hold_in_transit_in(&mut tx, &holds, &t.number, actor).await?;
        let mut rows = Vec::with_capacity(t.lines.len());
        let line_ids = line_ids(&mut tx, t.id).await?;
        for (l, r) in t.lines.iter().zip(&held) {
            let (loc, lot_id, value) = *left.get(&l.line_no).ok_or_else(missing_move)?;
            rows.push((
                line_ids[&l.line_no],
                vec![
                    Val::I(loc.0),
                    Val::I(lot_id.0),
                    Val::I(value.0),
                    Val::I(r.id.0),
                ],
            ));
        }
        update_rows(
            &mut tx,
            "transfer_lines",
            &[
                "from_location_id",
                "lot_id",
                "shipped_value",
                "reservation_id",
            ],
            rows,
        )
        .await?;
        let after = finish(&mut tx, &t, TransferStatus::Shipped, "ship", actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn receive_transfer(
        &self,
        id: i64,
        receipt: &ReceiveInput,
        actor: &Actor,
    ) -> Result<Transfer> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let t = locked(&mut tx, id).await?;
        refuse_unless(
            &t,
            &[TransferStatus::Shipped, TransferStatus::PartlyReceived],
            "收货",
        )?;
        let shelf = check_targets(&mut tx, &t, receipt).await?;
        let state: Vec<(u32, LineProgress)> =
            t.lines.iter().map(|l| (l.line_no, l.progress)).collect();
        let arrivals = plan_receipt(&state, receipt)?;
        let transit = transit_location(&mut tx, t.to_warehouse_id).await?;
        let mut added = BTreeMap::new();
        let mut lines = Vec::with_capacity(arrivals.len());
        for a in &arrivals {
            let l = &t.lines[a.line_no as usize - 1];
            lines.push(Line {
                sku: l.sku_id,
                location: Some(transit),
                to_location: Some(a.to_location.unwrap_or(shelf)),
                lot: lot(&l.lot_no),
                qty: a.qty,
                value: Some(a.value),
                reservation: l.reservation_id,
            });
            added.insert(a.line_no, (a.qty, a.value));
        }
        let note = format!("调拨收货 / received: {}", t.number);
        post_in(
            &mut tx,
            &[document(&t, t.to_warehouse_id, note, lines)],
            actor,
        )
        .await?;
        add_to_lines(&mut tx, &t, "received", &added).await?;
        let left: i64 = t
            .lines
            .iter()
            .map(|l| l.progress.remaining_qty() - added.get(&l.line_no).map_or(0, |a| a.0))
            .sum();
        let to = if left == 0 {
            TransferStatus::Closed
        } else {
            TransferStatus::PartlyReceived
        };
        let after = finish(&mut tx, &t, to, "receive", actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn close_transfer(&self, id: i64, reason: &str, actor: &Actor) -> Result<Transfer> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let t = locked(&mut tx, id).await?;
        refuse_unless(
            &t,
            &[TransferStatus::Shipped, TransferStatus::PartlyReceived],
            "关闭",
        )?;
        let transit = transit_location(&mut tx, t.to_warehouse_id).await?;
        let mut lost = BTreeMap::new();
        let mut lines = Vec::new();
        for l in t.lines.iter().filter(|l| l.progress.remaining_qty() > 0) {
            let (qty, value) = (l.progress.remaining_qty(), l.progress.remaining_value());
            lines.push(Line {
                sku: l.sku_id,
                location: Some(transit),
                to_location: None,
                lot: lot(&l.lot_no),
                qty: -qty,
                value: Some(value),
                reservation: l.reservation_id,
            });
            lost.insert(l.line_no, (qty, value));
        }
        if !lines.is_empty() {
            let note = format!("调拨损耗 / loss in transit: {}：{reason}", t.number);
            post_in(
                &mut tx,
                &[document(&t, t.to_warehouse_id, note, lines)],
                actor,
            )
            .await?;
            add_to_lines(&mut tx, &t, "lost", &lost).await?;
        }
        Sql::new("UPDATE transfers SET loss_reason = ")
            .bind(reason)
            .push(" WHERE id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let after = finish(&mut tx, &t, TransferStatus::Closed, "close", actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn cancel_transfer(&self, id: i64, actor: &Actor) -> Result<Transfer> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let t = locked(&mut tx, id).await?;
        if t.status.in_transit() {
            return Err(StoreError::conflict(
                "status",
                format!(
                    "调拨单 {} 已发货，不能取消：请收货，或关闭并记损耗 / a shipped transfer cannot be cancelled: receive it, or close it with a loss",
                    t.number
                ),
            ));
        }
        refuse_unless(&t, &[TransferStatus::Requested], "取消")?;
        let after = finish(&mut tx, &t, TransferStatus::Cancelled, "cancel", actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn in_transit(
        &self,
        f: &InTransitFilter,
        page: &PageRequest,
    ) -> Result<Page<InTransitLine>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new(
            "SELECT * FROM (SELECT t.id AS transfer_id, l.line_no, t.from_warehouse_id, t.to_warehouse_id, \
             t.shipped_at, l.sku_id, s.code AS sku_code, s.name AS sku_name, l.lot_no, \
             l.qty - l.received_qty - l.lost_qty AS left_qty, \
             l.shipped_value - l.received_value - l.lost_value AS left_value, \
             t.id * 10000 + l.line_no AS k \
             FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id JOIN skus s ON s.id = l.sku_id \
             WHERE t.status IN ('shipped', 'partly_received') AND l.qty - l.received_qty - l.lost_qty > 0",
        );
        if let Some(w) = f.warehouse_id {
            sql.push(" AND (t.from_warehouse_id = ")
                .bind(w.0)
                .push(" OR t.to_warehouse_id = ")
                .bind(w.0)
                .push(")");
        }
        if !f.warehouse_ids.is_empty() {
            let ids = || f.warehouse_ids.iter().map(|w| Val::I(w.0));
            sql.push(" AND (");
            push_in(&mut sql, "t.from_warehouse_id", ids());
            sql.push(" OR ");
            push_in(&mut sql, "t.to_warehouse_id", ids());
            sql.push(")");
        }
        if let Some(s) = f.sku_id {
            sql.push(" AND l.sku_id = ").bind(s.0);
        }
        sql.push(") x WHERE 1 = 1");
        push_keyset(&mut sql, "k", "k", page);
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(|r| {
                let id: i64 = col(r, "transfer_id")?;
                Ok(InTransitLine {
                    transfer_id: id,
                    number: transfer_number(id),
                    line_no: col::<i64>(r, "line_no")? as u32,
                    from_warehouse_id: WarehouseId(col(r, "from_warehouse_id")?),
                    to_warehouse_id: WarehouseId(col(r, "to_warehouse_id")?),
                    sku_id: SkuId(col(r, "sku_id")?),
                    sku_code: col(r, "sku_code")?,
                    sku_name: col(r, "sku_name")?,
                    lot_no: col(r, "lot_no")?,
                    qty: col(r, "left_qty")?,
                    value: Fen(col(r, "left_value")?),
                    shipped_at: col(r, "shipped_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |l| Cursor {
            key: String::new(),
            id: l.transfer_id * 10000 + l.line_no as i64,
        }))
    }

    async fn in_transit_totals(&self, limit: &[WarehouseId]) -> Result<Vec<InTransitTotal>> {
        let mut c = self.read.acquire().await.db()?;
        let mut out: BTreeMap<i64, InTransitTotal> = BTreeMap::new();
        for side in ["from", "to"] {
            let rows = Sql::new(&format!(
                "SELECT t.{side}_warehouse_id AS w, \
                 CAST(SUM(l.qty - l.received_qty - l.lost_qty) AS BIGINT) AS q, \
                 CAST(SUM(l.shipped_value - l.received_value - l.lost_value) AS BIGINT) AS v \
                 FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id \
                 WHERE t.status IN ('shipped', 'partly_received') GROUP BY t.{side}_warehouse_id"
            ))
            .fetch_all(&mut c)
            .await?;
            for r in rows {
                let w: i64 = col(&r, "w")?;
                let (q, v): (i64, i64) = (col(&r, "q")?, col(&r, "v")?);
                let e = out.entry(w).or_insert_with(|| InTransitTotal {
                    warehouse_id: WarehouseId(w),
                    ..Default::default()
                });
                if side == "from" {
                    (e.outgoing_qty, e.outgoing_value) = (q, Fen(v));
                } else {
                    (e.incoming_qty, e.incoming_value) = (q, Fen(v));
                }
            }
        }
        Ok(out
            .into_values()
            .filter(|t| t.outgoing_qty != 0 || t.incoming_qty != 0)
            .filter(|t| limit.is_empty() || limit.contains(&t.warehouse_id))
            .collect())
    }
}

fn missing_move() -> StoreError {
    StoreError::Database("a transfer line posted no move".into())
}

async fn line_ids(c: &mut Conn, id: i64) -> Result<BTreeMap<u32, i64>> {
    Sql::new("SELECT id, line_no FROM transfer_lines WHERE transfer_id = ")
        .bind(id)
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((col::<i64>(r, "line_no")? as u32, col(r, "id")?)))
        .collect()
}
