//! 其他出入库 in SQL: stock_adjustments, stock_adjustment_lines (migration 0013).
//!
//! A request is valued by posting it through `post_in` inside a savepoint: the posting
//! decides the value under the balance locks, exactly as it would post. Worth at most
//! the threshold, the savepoint is kept (posted at once); worth more, it is rolled back
//! and the request waits. Approval posts it again, at the average cost of that moment.

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LocationId, SkuId, WarehouseId};
use jxc_core::inventory::adjustment::{
    AdjustmentLine, AdjustmentReason, AdjustmentStatus, NewAdjustment, document, needs_approval,
};
use jxc_core::inventory::posting::MoveKind;
use jxc_core::money::Fen;
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, AdjustmentFilter, AdjustmentLineRow, AdjustmentStore, PostedDocument, Result,
    StockAdjustment, StoreError,
};

use super::SqlStore;
use super::posting::post_in;
use super::records::push_keyset;
use super::util::*;

/// `QT00000012`: the number people use for request 12.
pub fn adjustment_number(id: i64) -> String {
    format!("QT{id:08}")
}

fn row(r: &Row) -> Result<StockAdjustment> {
    let id: i64 = col(r, "id")?;
    let reason: String = col(r, "reason")?;
    let status: String = col(r, "status")?;
    Ok(StockAdjustment {
        id,
        number: adjustment_number(id),
        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
        reason: AdjustmentReason::parse(&reason)
            .ok_or_else(|| StoreError::Database(format!("unknown reason {reason}")))?,
        note: col(r, "note")?,
        status: AdjustmentStatus::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown status {status}")))?,
        value: Fen(col(r, "value")?),
        threshold: Fen(col(r, "threshold")?),
        document_id: col::<Option<i64>>(r, "document_id")?.map(DocumentId),
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        decided_at: col(r, "decided_at")?,
        decided_by: col(r, "decided_by")?,
        decision_note: col(r, "decision_note")?,
        lines: Vec::new(),
    })
}

async fn lines_of(c: &mut Conn, id: i64) -> Result<Vec<AdjustmentLineRow>> {
    Sql::new(
        "SELECT l.*, s.code AS sku_code, s.name AS sku_name, COALESCE(p.code, '') AS location_code \
         FROM stock_adjustment_lines l JOIN skus s ON s.id = l.sku_id \
         LEFT JOIN locations p ON p.id = l.location_id WHERE l.adjustment_id = ",
    )
    .bind(id)
    .push(" ORDER BY l.line_no")
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| {
        Ok(AdjustmentLineRow {
            line_no: col::<i64>(r, "line_no")? as u32,
            sku_id: SkuId(col(r, "sku_id")?),
            sku_code: col(r, "sku_code")?,
            sku_name: col(r, "sku_name")?,
            location_id: col::<Option<i64>>(r, "location_id")?.map(LocationId),
            location_code: col(r, "location_code")?,
            lot_no: col(r, "lot_no")?,
            qty: col(r, "qty")?,
            stated_value: col::<Option<i64>>(r, "stated_value")?.map(Fen),
        })
    })
    .collect()
}

async fn adjustment_of(c: &mut Conn, id: i64, lock: bool) -> Result<Option<StockAdjustment>> {
    let mut sql = Sql::new("SELECT * FROM stock_adjustments WHERE id = ");
    sql.bind(id);
    if lock {
        sql.push(&crate::dialect::lock(""));
    }
    let Some(r) = sql.fetch_optional(c).await? else {
        return Ok(None);
    };
    let mut a = row(&r)?;
    a.lines = lines_of(c, id).await?;
    Ok(Some(a))
}

async fn pending(c: &mut Conn, id: i64, what: &str) -> Result<StockAdjustment> {
    let a = adjustment_of(c, id, true)
        .await?
        .ok_or_else(|| StoreError::not_found("adjustment", id))?;
    if a.status != AdjustmentStatus::Pending {
        return Err(wrong_status(
            "",
            &a.number,
            a.status.label_zh(),
            a.status.as_str(),
            what,
        ));
    }
    Ok(a)
}

fn audit_json(a: &StockAdjustment) -> serde_json::Value {
    serde_json::json!({
        "number": a.number,
        "warehouse_id": a.warehouse_id,
        "reason": a.reason,
        "note": a.note,
        "status": a.status,
        "value": a.value,
        "threshold": a.threshold,
        "document_id": a.document_id,
        "decided_by": a.decided_by,
        "decision_note": a.decision_note,
    })
}

/// What a posting is worth: Σ |value| of its stock moves (revaluations aside).
fn worth(p: &PostedDocument) -> Fen {
    Fen(p
        .moves
        .iter()
        .filter(|m| m.kind != MoveKind::Revalue)
        .map(|m| m.value.0.abs())
        .sum())
}

/// Posts `a`'s lines as its 调整单.
async fn post(
    c: &mut Conn,
    number: &str,
    warehouse: WarehouseId,
    reason: AdjustmentReason,
    note: &str,
    lines: &[AdjustmentLine],
    actor: &Actor,
) -> Result<PostedDocument> {
    let doc = document(number, warehouse, reason, note, lines);
    Ok(post_in(c, &[doc], actor).await?.remove(0))
}

fn as_lines(rows: &[AdjustmentLineRow]) -> Vec<AdjustmentLine> {
    rows.iter()
        .map(|l| AdjustmentLine {
            sku: l.sku_id,
            location: l.location_id,
            lot_no: l.lot_no.clone(),
            qty: l.qty,
            value: l.stated_value,
        })
        .collect()
}

#[async_trait]
impl AdjustmentStore for SqlStore {
    async fn create_adjustment(
        &self,
        a: &NewAdjustment,
        threshold: Fen,
        actor: &Actor,
    ) -> Result<StockAdjustment> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        if Sql::new("SELECT id FROM warehouses WHERE id = ")
            .bind(a.warehouse.0)
            .fetch_optional(&mut tx)
            .await?
            .is_none()
        {
            return Err(StoreError::conflict(
                "warehouse_id",
                format!("仓库 {} 不存在 / unknown warehouse", a.warehouse),
            ));
        }
        let r = Sql::new(
            "INSERT INTO stock_adjustments (warehouse_id, reason, note, status, value, threshold, created_at, created_by) VALUES ",
        )
        .tuple([
            Val::I(a.warehouse.0),
            a.reason.as_str().into(),
            a.note.as_str().into(),
            AdjustmentStatus::Pending.as_str().into(),
            Val::I(0),
            Val::I(threshold.0),
            Val::I(now_ms()),
            actor.0.as_str().into(),
        ])
        .push(" RETURNING id")
        .fetch_one(&mut tx)
        .await?;
        let id: i64 = col(&r, "id")?;
        let number = adjustment_number(id);
        Sql::new("SAVEPOINT adjustment_value")
            .execute(&mut tx)
            .await?;
        let posted = post(
            &mut tx,
            &number,
            a.warehouse,
            a.reason,
            &a.note,
            &a.lines,
            actor,
        )
        .await?;
        let value = worth(&posted);
        let (status, doc) = if needs_approval(value, threshold) {
            Sql::new("ROLLBACK TO SAVEPOINT adjustment_value")
                .execute(&mut tx)
                .await?;
            (AdjustmentStatus::Pending, None)
        } else {
            Sql::new("RELEASE SAVEPOINT adjustment_value")
                .execute(&mut tx)
                .await?;
            (AdjustmentStatus::Posted, Some(posted.summary.id.0))
        };
        Sql::new("UPDATE stock_adjustments SET status = ")
            .bind(status.as_str())
            .push(", value = ")
            .bind(value.0)
            .push(", document_id = ")
            .bind(doc)
            .push(" WHERE id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let rows = a.lines.iter().enumerate().map(|(i, l)| {
            vec![
                Val::I(id),
                Val::I(i as i64 + 1),
                Val::I(l.sku.0),
                Val::OI(l.location.map(|x| x.0)),
                l.lot_no.as_str().into(),
                Val::I(l.qty),
                Val::OI(l.value.map(|v| v.0)),
            ]
        });
        insert_rows(
            &mut tx,
            "stock_adjustment_lines",
            &[
                "adjustment_id",
                "line_no",
                "sku_id",
                "location_id",
                "lot_no",
                "qty",
                "stated_value",
            ],
            rows.collect(),
            "",
        )
        .await?;
        let made = adjustment_of(&mut tx, id, false)
            .await?
            .ok_or_else(|| StoreError::not_found("adjustment", id))?;
        audit(
            &mut tx,
            actor,
            "create",
            "stock_adjustment",
            id,
            None,
            Some(audit_json(&made)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(made)
    }

    async fn get_adjustment(&self, id: i64) -> Result<Option<StockAdjustment>> {
        let mut c = self.read.acquire().await.db()?;
        adjustment_of(&mut c, id, false).await
    }

    async fn list_adjustments(
        &self,
        f: &AdjustmentFilter,
        page: &PageRequest,
    ) -> Result<Page<StockAdjustment>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM stock_adjustments WHERE 1 = 1");
        if let Some(w) = f.warehouse_id {
            sql.push(" AND warehouse_id = ").bind(w.0);
        }
        if !f.warehouse_ids.is_empty() {
            sql.push(" AND ");
            push_in(
                &mut sql,
                "warehouse_id",
                f.warehouse_ids.iter().map(|w| Val::I(w.0)),
            );
        }
        if let Some(s) = f.status {
            sql.push(" AND status = ").bind(s.as_str());
        }
        if let Some(r) = f.reason {
            sql.push(" AND reason = ").bind(r.as_str());
        }
        push_keyset(&mut sql, "id", "id", page);
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |a| Cursor {
            key: String::new(),
            id: a.id,
        }))
    }

    async fn approve_adjustment(&self, id: i64, actor: &Actor) -> Result<StockAdjustment> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let a = pending(&mut tx, id, "审批").await?;
        let posted = post(
            &mut tx,
            &a.number,
            a.warehouse_id,
            a.reason,
            &a.note,
            &as_lines(&a.lines),
            actor,
        )
        .await?;
        let after = decide(
            &mut tx,
            &a,
            AdjustmentStatus::Posted,
            Some((worth(&posted), posted.summary.id)),
            "",
            actor,
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn reject_adjustment(
        &self,
        id: i64,
        note: &str,
        actor: &Actor,
    ) -> Result<StockAdjustment> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let a = pending(&mut tx, id, "驳回").await?;
        let after = decide(&mut tx, &a, AdjustmentStatus::Rejected, None, note, actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }
}

/// Records a decision on a pending request (and, when posted, what it posted).
async fn decide(
    c: &mut Conn,
    a: &StockAdjustment,
    to: AdjustmentStatus,
    posted: Option<(Fen, DocumentId)>,
    note: &str,
    actor: &Actor,
) -> Result<StockAdjustment> {
    let mut sql = Sql::new("UPDATE stock_adjustments SET status = ");
    sql.bind(to.as_str())
        .push(", decided_at = ")
        .bind(now_ms())
        .push(", decided_by = ")
        .bind(actor.0.as_str())
        .push(", decision_note = ")
        .bind(note);
    if let Some((value, doc)) = posted {
        sql.push(", value = ")
            .bind(value.0)
            .push(", document_id = ")
            .bind(doc.0);
    }
    sql.push(" WHERE id = ").bind(a.id).execute(c).await?;
    let after = adjustment_of(c, a.id, false)
        .await?
        .ok_or_else(|| StoreError::not_found("adjustment", a.id))?;
    let action = if to == AdjustmentStatus::Posted {
        "approve"
    } else {
        "reject"
    };
    audit(
        c,
        actor,
        action,
        "stock_adjustment",
        a.id,
        Some(audit_json(a)),
        Some(audit_json(&after)),
    )
    .await?;
    Ok(after)
}
