//! 盘点 in SQL: stock_counts, stock_count_lines, stock_count_scans.
//!
//! Every write locks the count row first, so scans, submit and approval of one count
//! wait for each other. A line's ledger position is read under the balance row's lock,
//! so a posting in flight on that balance is either wholly before or wholly after it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LocationId, LotId, SkuId, WarehouseId};
use jxc_core::inventory::count::{
    Accuracy, CountScope, CountStatus, CountedLine, NewCount, RecountRule, ScopeRequest,
    abc_classes,
};
use jxc_core::inventory::{Document, DocumentKind, Line, LotSpec, document::MAX_LINES};
use jxc_core::money::Fen;
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, CountEntry, CountFilter, CountLine, CountLineFilter, CountProgress, CountStore,
    EntryMode, EntryOutcome, LineState, Result, StockCount, StoreError,
};

use super::SqlStore;
use super::posting::post_in;
use super::records::push_keyset;
use super::util::*;

/// `PD00000012`: the number people use for count 12.
pub fn count_number(id: i64) -> String {
    format!("PD{id:08}")
}

fn status_of(s: &str) -> Result<CountStatus> {
    CountStatus::parse(s).ok_or_else(|| StoreError::Database(format!("unknown count status {s}")))
}

/// A count row, without its progress and documents yet.
fn count_row(r: &Row) -> Result<StockCount> {
    let id: i64 = col(r, "id")?;
    let scope: String = col(r, "scope_json")?;
    Ok(StockCount {
        id,
        number: count_number(id),
        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
        status: status_of(&col::<String>(r, "status")?)?,
        scope: serde_json::from_str(&scope)
            .map_err(|e| StoreError::Database(format!("count {id} scope: {e}")))?,
        blind: col(r, "blind")?,
        recount: RecountRule {
            qty: col(r, "recount_qty")?,
            value: col(r, "recount_value")?,
        },
        note: col(r, "note")?,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        submitted_at: col(r, "submitted_at")?,
        submitted_by: col(r, "submitted_by")?,
        posted_at: col(r, "posted_at")?,
        posted_by: col(r, "posted_by")?,
        progress: CountProgress::default(),
        documents: Vec::new(),
    })
}

/// Fills in the progress and posted documents of `counts`.
async fn complete(c: &mut Conn, mut counts: Vec<StockCount>) -> Result<Vec<StockCount>> {
    for k in &mut counts {
        let r = Sql::new(
            "SELECT COUNT(*) AS lines, \
             COUNT(counted) AS counted, \
             COALESCE(SUM(CASE WHEN needs_recount THEN 1 ELSE 0 END), 0) AS recount, \
             COALESCE(SUM(CASE WHEN counted IS NOT NULL AND counted <> expected THEN 1 ELSE 0 END), 0) AS variances \
             FROM stock_count_lines WHERE count_id = ",
        )
        .bind(k.id)
        .fetch_one(c)
        .await?;
        k.progress = CountProgress {
            lines: col(&r, "lines")?,
            counted: col(&r, "counted")?,
            recount: col(&r, "recount")?,
            variances: col(&r, "variances")?,
        };
        if k.status == CountStatus::Posted {
            k.documents = Sql::new("SELECT id FROM stock_documents WHERE reference = ")
                .bind(k.number.clone())
                .push(" AND kind = ")
                .bind(DocumentKind::Adjustment.as_str())
                .push(" ORDER BY id")
                .fetch_all(c)
                .await?
                .iter()
                .map(|r| col(r, "id").map(DocumentId))
                .collect::<Result<_>>()?;
        }
    }
    Ok(counts)
}

pub(super) async fn count_of(c: &mut Conn, id: i64, lock: bool) -> Result<Option<StockCount>> {
    let mut sql = Sql::new("SELECT * FROM stock_counts WHERE id = ");
    sql.bind(id);
    if lock {
        sql.push(&crate::dialect::lock(""));
    }
    match sql.fetch_optional(c).await? {
        None => Ok(None),
        Some(r) => Ok(complete(c, vec![count_row(&r)?]).await?.pop()),
    }
}

async fn locked(c: &mut Conn, id: i64) -> Result<StockCount> {
    count_of(c, id, true)
        .await?
        .ok_or_else(|| StoreError::not_found("count", id))
}

fn refuse_unless(k: &StockCount, ok: &[CountStatus], what: &str) -> Result<()> {
    if ok.contains(&k.status) {
        return Ok(());
    }
    Err(wrong_status(
        "盘点单 ",
        &k.number,
        k.status.label_zh(),
        k.status.as_str(),
        what,
    ))
}

fn audit_json(k: &StockCount) -> serde_json::Value {
    serde_json::json!({
        "number": k.number,
        "warehouse_id": k.warehouse_id,
        "status": k.status,
        "scope": k.scope,
        "blind": k.blind,
        "progress": k.progress,
        "documents": k.documents,
    })
}

async fn set_status(
    c: &mut Conn,
    k: &StockCount,
    to: CountStatus,
    action: &str,
    actor: &Actor,
) -> Result<StockCount> {
    let mut sql = Sql::new("UPDATE stock_counts SET status = ");
    sql.bind(to.as_str());
    match to {
        CountStatus::Submitted => {
            sql.push(", submitted_at = ")
                .bind(now_ms())
                .push(", submitted_by = ")
                .bind(actor.0.as_str());
        }
        CountStatus::Posted => {
            sql.push(", posted_at = ")
                .bind(now_ms())
                .push(", posted_by = ")
                .bind(actor.0.as_str());
        }
        _ => {}
    }
    sql.push(" WHERE id = ").bind(k.id).execute(c).await?;
    let after = count_of(c, k.id, false)
        .await?
        .ok_or_else(|| StoreError::not_found("count", k.id))?;
    audit(
        c,
        actor,
        action,
        "stock_count",
        k.id,
        Some(audit_json(k)),
        Some(audit_json(&after)),
    )
    .await?;
    Ok(after)
}

/// A balance in the warehouse with stock, named for scoping.
struct Stocked {
    location: i64,
    sku: i64,
    lot: i64,
    location_code: String,
    zone: String,
    sku_code: String,
}

async fn stocked(c: &mut Conn, warehouse: WarehouseId) -> Result<Vec<Stocked>> {
    Sql::new(
        "SELECT b.location_id, b.sku_id, b.lot_id, l.code AS location_code, l.zone, s.code AS sku_code \
         FROM stock_balances b JOIN locations l ON l.id = b.location_id JOIN skus s ON s.id = b.sku_id \
         WHERE b.warehouse_id = ",
    )
    .bind(warehouse.0)
    // Stock in transit (调拨在途) is on its way, not on a shelf: it is never counted.
    .push(" AND l.transit = ")
    .bind(false)
    .push(" AND b.on_hand <> 0 ORDER BY l.code, s.code, b.lot_id")
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| {
        Ok(Stocked {
            location: col(r, "location_id")?,
            sku: col(r, "sku_id")?,
            lot: col(r, "lot_id")?,
            location_code: col(r, "location_code")?,
            zone: col(r, "zone")?,
            sku_code: col(r, "sku_code")?,
        })
    })
    .collect()
}

/// The SKU codes of one ABC class in `warehouse`, by the value issued since `since`.
async fn abc_scope(
    c: &mut Conn,
    warehouse: WarehouseId,
    class: jxc_core::inventory::count::AbcClass,
    since: i64,
    stock: &[Stocked],
) -> Result<CountScope> {
    let mut sales = BTreeMap::new();
    let mut codes: BTreeMap<SkuId, String> = BTreeMap::new();
    for r in Sql::new(
        "SELECT m.sku_id, s.code, CAST(-SUM(m.value) AS BIGINT) AS sold FROM stock_moves m \
         JOIN stock_documents d ON d.id = m.document_id JOIN skus s ON s.id = m.sku_id \
         WHERE d.kind = ",
    )
    .bind(DocumentKind::Issue.as_str())
    .push(" AND m.warehouse_id = ")
    .bind(warehouse.0)
    .push(" AND m.at >= ")
    .bind(since)
    .push(" GROUP BY m.sku_id, s.code")
    .fetch_all(c)
    .await?
    {
        let sku = SkuId(col(&r, "sku_id")?);
        sales.insert(sku, col::<i64>(&r, "sold")?);
        codes.insert(sku, col(&r, "code")?);
    }
    for s in stock {
        codes.insert(SkuId(s.sku), s.sku_code.clone());
    }
    let classes = abc_classes(&sales, stock.iter().map(|s| SkuId(s.sku)));
    let mut picked: Vec<String> = classes
        .iter()
        .filter(|(_, c)| **c == class)
        .filter_map(|(s, _)| codes.get(s).cloned())
        .collect();
    picked.sort();
    Ok(CountScope::Abc {
        class,
        codes: picked,
    })
}

/// Locks a balance and reads its ledger position: (on hand, last move id).
async fn position(
    c: &mut Conn,
    warehouse: WarehouseId,
    location: i64,
    sku: i64,
    lot: i64,
) -> Result<(i64, Option<i64>)> {
    let r = Sql::new("SELECT on_hand, last_move_id FROM stock_balances WHERE sku_id = ")
        .bind(sku)
        .push(" AND warehouse_id = ")
        .bind(warehouse.0)
        .push(" AND location_id = ")
        .bind(location)
        .push(" AND lot_id = ")
        .bind(lot)
        .push(&crate::dialect::lock(""))
        .fetch_optional(c)
        .await?;
    match r {
        None => Ok((0, None)),
        Some(r) => Ok((col(&r, "on_hand")?, col(&r, "last_move_id")?)),
    }
}

/// Sets a line's count and, when `snapshot`, its ledger position now.
async fn write_count(
    c: &mut Conn,
    k: &StockCount,
    line: &LineRow,
    counted: i64,
    snapshot: bool,
    actor: &Actor,
) -> Result<()> {
    let mut sql = Sql::new("UPDATE stock_count_lines SET counted = ");
    sql.bind(counted)
        .push(", counted_at = ")
        .bind(now_ms())
        .push(", counted_by = ")
        .bind(actor.0.as_str());
    if snapshot {
        let (on_hand, pos) = position(c, k.warehouse_id, line.location, line.sku, line.lot).await?;
        sql.push(", expected = ")
            .bind(on_hand)
            .push(", position = ")
            .bind(pos);
    }
    sql.push(" WHERE id = ").bind(line.id).execute(c).await?;
    Ok(())
}

/// The parts of a line an entry needs.
struct LineRow {
    id: i64,
    location: i64,
    sku: i64,
    lot: i64,
    counted: Option<i64>,
    needs_recount: bool,
}

fn line_row(r: &Row) -> Result<LineRow> {
    Ok(LineRow {
        id: col(r, "id")?,
        location: col(r, "location_id")?,
        sku: col(r, "sku_id")?,
        lot: col(r, "lot_id")?,
        counted: col(r, "counted")?,
        needs_recount: col(r, "needs_recount")?,
    })
}

/// A SKU found by barcode or code.
struct Found {
    id: i64,
    code: String,
    tracked: bool,
    bundle: bool,
}

async fn find_sku(c: &mut Conn, code: &str) -> Result<Option<Found>> {
    let r = Sql::new(
        "SELECT s.id, s.code, s.tracking, s.is_bundle FROM skus s WHERE s.id = (SELECT sku_id FROM sku_barcodes WHERE barcode = ",
    )
    .bind(code)
    .push(") OR s.code = ")
    .bind(code)
    .push(" ORDER BY CASE WHEN s.code = ")
    .bind(code)
    .push(" THEN 1 ELSE 0 END LIMIT 1")
    .fetch_optional(c)
    .await?;
    match r {
        None => Ok(None),
        Some(r) => Ok(Some(Found {
            id: col(&r, "id")?,
            code: col(&r, "code")?,
            tracked: col::<String>(&r, "tracking")? != "none",
            bundle: col(&r, "is_bundle")?,
        })),
    }
}

async fn find_line(c: &mut Conn, count: i64, loc: i64, sku: i64, lot: i64) -> Result<Option<Row>> {
    Sql::new("SELECT * FROM stock_count_lines WHERE count_id = ")
        .bind(count)
        .push(" AND location_id = ")
        .bind(loc)
        .push(" AND sku_id = ")
        .bind(sku)
        .push(" AND lot_id = ")
        .bind(lot)
        .fetch_optional(c)
        .await
}

/// Resolves an entry to its line (creating it for a SKU found where none was expected),
/// or the reason it cannot be taken.
async fn resolve(
    c: &mut Conn,
    k: &StockCount,
    e: &CountEntry,
) -> Result<std::result::Result<(LineRow, String), String>> {
    let Some(loc) = Sql::new("SELECT id, code, zone FROM locations WHERE warehouse_id = ")
        .bind(k.warehouse_id.0)
        .push(" AND transit = ")
        .bind(false)
        .push(" AND code = ")
        .bind(e.location.as_str())
        .fetch_optional(c)
        .await?
    else {
        return Ok(Err(format!(
            "库位 {} 不在本仓库 / unknown location",
            e.location
        )));
    };
    let (loc_id, zone): (i64, String) = (col(&loc, "id")?, col(&loc, "zone")?);
    if !k.scope.has_location(&e.location, &zone) {
        return Ok(Err(format!(
            "库位 {} 不在本次盘点范围 / location outside the count",
            e.location
        )));
    }
    let Some(sku) = find_sku(c, &e.code).await? else {
        return Ok(Err(format!("条码/编码 {} 未找到 / unknown code", e.code)));
    };
    if sku.bundle {
        return Ok(Err(format!(
            "{} 是组合装，请扫描组件 / a bundle holds no stock",
            sku.code
        )));
    }
    if !k.scope.has_sku(&sku.code) {
        return Ok(Err(format!(
            "{} 不在本次盘点范围 / SKU outside the count",
            sku.code
        )));
    }
    let lot = if !e.lot_no.is_empty() {
        match Sql::new("SELECT id FROM lots WHERE sku_id = ")
            .bind(sku.id)
            .push(" AND lot_no = ")
            .bind(e.lot_no.as_str())
            .fetch_optional(c)
            .await?
        {
            Some(r) => col::<i64>(&r, "id")?,
            None => {
                return Ok(Err(format!(
                    "{} 没有批次 {} / unknown lot",
                    sku.code, e.lot_no
                )));
            }
        }
    } else {
        let lots: Vec<i64> = Sql::new("SELECT lot_id FROM stock_count_lines WHERE count_id = ")
            .bind(k.id)
            .push(" AND location_id = ")
            .bind(loc_id)
            .push(" AND sku_id = ")
            .bind(sku.id)
            .fetch_all(c)
            .await?
            .iter()
            .map(|r| col(r, "lot_id"))
            .collect::<Result<_>>()?;
        match lots.as_slice() {
            [one] => *one,
            [] if !sku.tracked => LotId::NONE.0,
            [] => {
                return Ok(Err(format!(
                    "{} 按批次管理，请填写批次号 / give the lot number",
                    sku.code
                )));
            }
            _ => {
                return Ok(Err(format!(
                    "{} 在此库位有多个批次，请填写批次号 / several lots here: give the lot number",
                    sku.code
                )));
            }
        }
    };
    if let Some(r) = find_line(c, k.id, loc_id, sku.id, lot).await? {
        return Ok(Ok((line_row(&r)?, sku.code)));
    }
    Sql::new("INSERT INTO stock_count_lines (count_id, location_id, sku_id, lot_id) VALUES ")
        .tuple([Val::I(k.id), Val::I(loc_id), Val::I(sku.id), Val::I(lot)])
        .execute(c)
        .await?;
    let r = find_line(c, k.id, loc_id, sku.id, lot)
        .await?
        .ok_or_else(|| StoreError::Database("count line vanished".into()))?;
    Ok(Ok((line_row(&r)?, sku.code)))
}

async fn apply(
    c: &mut Conn,
    k: &StockCount,
    e: &CountEntry,
    actor: &Actor,
) -> Result<EntryOutcome> {
    if let Some(scan) = &e.scan_id
        && let Some(r) = Sql::new(
            "SELECT s.line_id, l.counted, k.code FROM stock_count_scans s JOIN stock_count_lines l ON l.id = s.line_id \
             JOIN skus k ON k.id = l.sku_id WHERE s.count_id = ",
        )
        .bind(k.id)
        .push(" AND s.scan_id = ")
        .bind(scan.as_str())
        .fetch_optional(c)
        .await?
    {
        return Ok(EntryOutcome::Duplicate {
            line_id: col(&r, "line_id")?,
            sku_code: col(&r, "code")?,
            counted: col::<Option<i64>>(&r, "counted")?.unwrap_or(0),
        });
    }
    let (line, sku_code) = match resolve(c, k, e).await? {
        Ok(found) => found,
        Err(reason) => return Ok(EntryOutcome::Refused { reason }),
    };
    if !k.status.takes_counts(line.needs_recount) {
        return Ok(EntryOutcome::Refused {
            reason: match k.status {
                CountStatus::Recounting => format!(
                    "{sku_code} 不需要复盘 / only lines sent to a second count take counts now"
                ),
                _ => format!(
                    "盘点单已{} / the count takes no counts",
                    k.status.label_zh()
                ),
            },
        });
    }
    let (counted, snapshot) = match (e.mode, line.counted) {
        (EntryMode::Set, _) => (e.qty, true),
        (EntryMode::Add, None) => (e.qty, true),
        (EntryMode::Add, Some(n)) => (n + e.qty, false),
    };
    if counted < 0 {
        return Ok(EntryOutcome::Refused {
            reason: format!(
                "{sku_code} 数量不能小于 0（已盘 {}）/ the count cannot go below zero",
                line.counted.unwrap_or(0)
            ),
        });
    }
    write_count(c, k, &line, counted, snapshot, actor).await?;
    if let Some(scan) = &e.scan_id {
        Sql::new(
            "INSERT INTO stock_count_scans (count_id, scan_id, line_id, qty, at, actor) VALUES ",
        )
        .tuple([
            Val::I(k.id),
            Val::T(scan.clone()),
            Val::I(line.id),
            Val::I(e.qty),
            Val::I(now_ms()),
            actor.0.as_str().into(),
        ])
        .execute(c)
        .await?;
    }
    Ok(EntryOutcome::Counted {
        line_id: line.id,
        sku_code,
        counted,
    })
}

/// Counts every uncounted line (of one location, or all) as 0, each at its position now.
async fn zero_uncounted(
    c: &mut Conn,
    k: &StockCount,
    location: Option<LocationId>,
    actor: &Actor,
) -> Result<i64> {
    let mut sql = Sql::new("SELECT * FROM stock_count_lines WHERE count_id = ");
    sql.bind(k.id).push(" AND counted IS NULL");
    if k.status == CountStatus::Recounting {
        sql.push(" AND needs_recount = ").bind(true);
    }
    if let Some(l) = location {
        sql.push(" AND location_id = ").bind(l.0);
    }
    let lines = sql
        .push(" ORDER BY id")
        .fetch_all(c)
        .await?
        .iter()
        .map(line_row)
        .collect::<Result<Vec<_>>>()?;
    for line in &lines {
        write_count(c, k, line, 0, true, actor).await?;
    }
    Ok(lines.len() as i64)
}

/// Counted lines with their balance's value and on hand now, for worth and posting.
struct Valued {
    id: i64,
    location: i64,
    sku: i64,
    lot_no: String,
    line: CountedLine,
    recounted: bool,
}

async fn valued_lines(c: &mut Conn, k: &StockCount) -> Result<Vec<Valued>> {
    Sql::new(
        "SELECT l.id, l.location_id, l.sku_id, l.lot_id, COALESCE(t.lot_no, '') AS lot_no, l.counted, l.expected, \
         l.first_counted, COALESCE(b.value, 0) AS value, COALESCE(b.on_hand, 0) AS on_hand \
         FROM stock_count_lines l LEFT JOIN lots t ON t.id = l.lot_id \
         LEFT JOIN stock_balances b ON b.sku_id = l.sku_id AND b.warehouse_id = ",
    )
    .bind(k.warehouse_id.0)
    .push(" AND b.location_id = l.location_id AND b.lot_id = l.lot_id WHERE l.count_id = ")
    .bind(k.id)
    .push(" AND l.counted IS NOT NULL ORDER BY l.id")
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| {
        Ok(Valued {
            id: col(r, "id")?,
            location: col(r, "location_id")?,
            sku: col(r, "sku_id")?,
            lot_no: col(r, "lot_no")?,
            line: CountedLine {
                expected: col::<Option<i64>>(r, "expected")?.unwrap_or(0),
                counted: col::<Option<i64>>(r, "counted")?.unwrap_or(0),
                value: Fen(col(r, "value")?),
                on_hand: col(r, "on_hand")?,
            },
            recounted: col::<Option<i64>>(r, "first_counted")?.is_some(),
        })
    })
    .collect()
}

/// Creates a count and its lines in the caller's transaction; `None` (and nothing
/// written) when nothing in scope is in stock. The warehouse must exist.
pub(super) async fn create_count_in(
    tx: &mut Conn,
    count: &NewCount,
    sales_since: i64,
    actor: &Actor,
) -> Result<Option<StockCount>> {
    let exists = Sql::new("SELECT id FROM warehouses WHERE id = ")
        .bind(count.warehouse.0)
        .fetch_optional(tx)
        .await?;
    if exists.is_none() {
        return Err(StoreError::conflict(
            "warehouse_id",
            "仓库不存在 / no such warehouse",
        ));
    }
    let stock = stocked(tx, count.warehouse).await?;
    let scope = match &count.scope {
        ScopeRequest::Ready(s) => s.clone(),
        ScopeRequest::Abc(class) => {
            abc_scope(tx, count.warehouse, *class, sales_since, &stock).await?
        }
    };
    let lines: Vec<&Stocked> = stock
        .iter()
        .filter(|s| scope.has_location(&s.location_code, &s.zone) && scope.has_sku(&s.sku_code))
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    let scope_json =
        serde_json::to_string(&scope).map_err(|e| StoreError::Database(format!("scope: {e}")))?;
    let r = Sql::new(
        "INSERT INTO stock_counts (warehouse_id, status, scope_json, blind, recount_qty, recount_value, note, created_at, created_by) VALUES ",
    )
    .tuple([
        Val::I(count.warehouse.0),
        CountStatus::Counting.as_str().into(),
        Val::T(scope_json),
        Val::B(count.blind),
        Val::I(count.recount.qty),
        Val::I(count.recount.value),
        count.note.as_str().into(),
        Val::I(now_ms()),
        actor.0.as_str().into(),
    ])
    .push(" RETURNING id")
    .fetch_one(tx)
    .await?;
    let id: i64 = col(&r, "id")?;
    let rows = lines
        .iter()
        .map(|s| vec![Val::I(id), Val::I(s.location), Val::I(s.sku), Val::I(s.lot)])
        .collect();
    insert_rows(
        tx,
        "stock_count_lines",
        &["count_id", "location_id", "sku_id", "lot_id"],
        rows,
        "",
    )
    .await?;
    let k = locked(tx, id).await?;
    audit(
        tx,
        actor,
        "create",
        "stock_count",
        id,
        None,
        Some(audit_json(&k)),
    )
    .await?;
    Ok(Some(k))
}

#[async_trait]
impl CountStore for SqlStore {
    async fn create_count(
        &self,
        count: &NewCount,
        sales_since: i64,
        actor: &Actor,
    ) -> Result<StockCount> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let Some(k) = create_count_in(&mut tx, count, sales_since, actor).await? else {
            return Err(StoreError::conflict(
                "scope",
                "范围内没有库存，无需盘点 / nothing in stock within this scope",
            ));
        };
        tx.commit().await.db()?;
        Ok(k)
    }

    async fn get_count(&self, id: i64) -> Result<Option<StockCount>> {
        let mut c = self.read.acquire().await.db()?;
        count_of(&mut c, id, false).await
    }

    async fn list_counts(
        &self,
        filter: &CountFilter,
        page: &PageRequest,
    ) -> Result<Page<StockCount>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM stock_counts WHERE 1 = 1");
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
        if let Some(s) = filter.status {
            sql.push(" AND status = ").bind(s.as_str());
        }
        push_keyset(&mut sql, "id", "id", page);
        let mut rows = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(count_row)
            .collect::<Result<Vec<_>>>()?;
        let past = rows.split_off(rows.len().min(page.limit as usize));
        let mut items = complete(&mut c, rows).await?;
        items.extend(past);
        Ok(Page::from_rows(items, page.limit, |k| Cursor {
            key: String::new(),
            id: k.id,
        }))
    }

    async fn count_lines(
        &self,
        id: i64,
        filter: &CountLineFilter,
        page: &PageRequest,
    ) -> Result<Page<CountLine>> {
        let mut c = self.read.acquire().await.db()?;
        // Sorted by location code, then SKU code: the key is "location sku" (a space
        // sorts before every character of a code, so A-01 comes before A-01-02).
        let key = "p.code || ' ' || s.code";
        let mut sql = Sql::new(&format!(
            "SELECT * FROM (SELECT l.*, p.code AS location_code, p.zone, s.code AS sku_code, s.name AS sku_name, \
             COALESCE(t.lot_no, '') AS lot_no, COALESCE(b.on_hand, 0) AS on_hand, {key} AS sort_key \
             FROM stock_count_lines l JOIN stock_counts k ON k.id = l.count_id \
             JOIN locations p ON p.id = l.location_id JOIN skus s ON s.id = l.sku_id \
             LEFT JOIN lots t ON t.id = l.lot_id \
             LEFT JOIN stock_balances b ON b.sku_id = l.sku_id AND b.warehouse_id = k.warehouse_id \
             AND b.location_id = l.location_id AND b.lot_id = l.lot_id WHERE l.count_id = "
        ));
        sql.bind(id);
        match filter.state {
            LineState::All => {}
            LineState::Uncounted => {
                sql.push(" AND l.counted IS NULL");
            }
            LineState::Counted => {
                sql.push(" AND l.counted IS NOT NULL");
            }
            LineState::Variance => {
                sql.push(" AND l.counted IS NOT NULL AND l.counted <> l.expected");
            }
            LineState::Recount => {
                sql.push(" AND l.needs_recount = ").bind(true);
            }
        }
        if !filter.location.trim().is_empty() {
            sql.push(" AND substr(p.code, 1, length(")
                .bind(filter.location.trim())
                .push(")) = ")
                .bind(filter.location.trim());
        }
        if !filter.q.trim().is_empty() {
            let p = like_pattern(&filter.q);
            sql.push(" AND (lower(s.code) LIKE ")
                .bind(p.clone())
                .push(" ESCAPE '\\' OR lower(s.name) LIKE ")
                .bind(p)
                .push(" ESCAPE '\\')");
        }
        sql.push(") x WHERE 1 = 1");
        push_keyset(&mut sql, "sort_key", "id", page);
        let rows = sql.fetch_all(&mut c).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(CountLine {
                    id: col(r, "id")?,
                    location_id: LocationId(col(r, "location_id")?),
                    location_code: col(r, "location_code")?,
                    zone: col(r, "zone")?,
                    sku_id: SkuId(col(r, "sku_id")?),
                    sku_code: col(r, "sku_code")?,
                    sku_name: col(r, "sku_name")?,
                    lot_id: LotId(col(r, "lot_id")?),
                    lot_no: col(r, "lot_no")?,
                    counted: col(r, "counted")?,
                    expected: col(r, "expected")?,
                    position: col(r, "position")?,
                    counted_at: col(r, "counted_at")?,
                    counted_by: col(r, "counted_by")?,
                    first_counted: col(r, "first_counted")?,
                    first_expected: col(r, "first_expected")?,
                    needs_recount: col(r, "needs_recount")?,
                    value_variance: col(r, "value_variance")?,
                    on_hand: col(r, "on_hand")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |l| Cursor {
            key: format!("{} {}", l.location_code, l.sku_code),
            id: l.id,
        }))
    }

    async fn record_counts(
        &self,
        id: i64,
        entries: &[CountEntry],
        actor: &Actor,
    ) -> Result<Vec<EntryOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let k = locked(&mut tx, id).await?;
        refuse_unless(
            &k,
            &[CountStatus::Counting, CountStatus::Recounting],
            "录入",
        )?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            out.push(apply(&mut tx, &k, e, actor).await?);
        }
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn close_location(&self, id: i64, location: LocationId, actor: &Actor) -> Result<i64> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let k = locked(&mut tx, id).await?;
        refuse_unless(
            &k,
            &[CountStatus::Counting, CountStatus::Recounting],
            "完成库位",
        )?;
        let n = zero_uncounted(&mut tx, &k, Some(location), actor).await?;
        audit(
            &mut tx,
            actor,
            "close_location",
            "stock_count",
            id,
            None,
            Some(serde_json::json!({"location_id": location, "zeroed": n})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(n)
    }

    async fn submit_count(&self, id: i64, zero: bool, actor: &Actor) -> Result<StockCount> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let k = locked(&mut tx, id).await?;
        refuse_unless(
            &k,
            &[CountStatus::Counting, CountStatus::Recounting],
            "提交",
        )?;
        if zero {
            zero_uncounted(&mut tx, &k, None, actor).await?;
        }
        let k = locked(&mut tx, id).await?;
        let left = k.progress.lines - k.progress.counted;
        if left > 0 {
            return Err(StoreError::conflict(
                "lines",
                format!(
                    "还有 {left} 行未盘，请盘点或“完成库位”记为 0 / {left} lines are not counted yet"
                ),
            ));
        }
        let to = if k.status == CountStatus::Counting {
            let flagged: Vec<i64> = valued_lines(&mut tx, &k)
                .await?
                .iter()
                .filter(|v| {
                    !v.recounted && k.recount.needs_recount(v.line.variance(), v.line.worth())
                })
                .map(|v| v.id)
                .collect();
            for chunk in flagged.chunks(500) {
                let mut sql = Sql::new(
                    "UPDATE stock_count_lines SET first_counted = counted, first_expected = expected, \
                     counted = NULL, expected = NULL, position = NULL, needs_recount = ",
                );
                sql.bind(true).push(" WHERE ");
                push_in(&mut sql, "id", chunk.iter().map(|&i| Val::I(i)));
                sql.execute(&mut tx).await?;
            }
            if flagged.is_empty() {
                CountStatus::Submitted
            } else {
                CountStatus::Recounting
            }
        } else {
            Sql::new("UPDATE stock_count_lines SET needs_recount = ")
                .bind(false)
                .push(" WHERE count_id = ")
                .bind(id)
                .execute(&mut tx)
                .await?;
            CountStatus::Submitted
        };
        let after = set_status(&mut tx, &k, to, "submit", actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn approve_count(&self, id: i64, actor: &Actor) -> Result<StockCount> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let k = locked(&mut tx, id).await?;
        refuse_unless(&k, &[CountStatus::Submitted], "审核过账")?;
        let lines: Vec<Valued> = valued_lines(&mut tx, &k)
            .await?
            .into_iter()
            .filter(|v| v.line.variance() != 0)
            .collect();
        let mut docs = Vec::new();
        for chunk in lines.chunks(MAX_LINES) {
            docs.push(Document {
                kind: DocumentKind::Adjustment,
                warehouse: k.warehouse_id,
                reference: k.number.clone(),
                note: format!("盘点 {} 盘盈盘亏 / count variance", k.number),
                lines: chunk
                    .iter()
                    .map(|v| Line {
                        sku: SkuId(v.sku),
                        location: Some(LocationId(v.location)),
                        to_location: None,
                        lot: LotSpec {
                            no: v.lot_no.clone(),
                            ..Default::default()
                        },
                        qty: v.line.variance(),
                        value: None,
                        reservation: None,
                    })
                    .collect(),
            });
        }
        let posted = if docs.is_empty() {
            Vec::new()
        } else {
            match post_in(&mut tx, &docs, actor).await {
                Ok(p) => p,
                Err(StoreError::Domain(jxc_core::Error::InsufficientStock {
                    sku,
                    requested,
                    available,
                    ..
                })) => {
                    let code: String = Sql::new("SELECT code FROM skus WHERE id = ")
                        .bind(sku)
                        .fetch_optional(&mut tx)
                        .await?
                        .map(|r| col(&r, "code"))
                        .transpose()?
                        .unwrap_or_else(|| sku.to_string());
                    return Err(StoreError::conflict(
                        "lines",
                        format!(
                            "{code} 盘亏 {requested} 件，但未被占用的只有 {available} 件：请先释放占用它的订单再过账 / the loss exceeds the stock not reserved by orders: release their allocation first"
                        ),
                    ));
                }
                Err(e) => return Err(e),
            }
        };
        let mut values: BTreeMap<i64, i64> = BTreeMap::new();
        for (chunk, doc) in lines.chunks(MAX_LINES).zip(&posted) {
            for m in &doc.moves {
                let v = &chunk[m.line_no as usize - 1];
                *values.entry(v.id).or_default() += m.value.0;
            }
        }
        update_rows(
            &mut tx,
            "stock_count_lines",
            &["value_variance"],
            values
                .into_iter()
                .map(|(id, v)| (id, vec![Val::I(v)]))
                .collect(),
        )
        .await?;
        let after = set_status(&mut tx, &k, CountStatus::Posted, "approve", actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn reopen_count(&self, id: i64, actor: &Actor) -> Result<StockCount> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let k = locked(&mut tx, id).await?;
        refuse_unless(&k, &[CountStatus::Submitted], "退回")?;
        let after = set_status(&mut tx, &k, CountStatus::Counting, "reopen", actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn cancel_count(&self, id: i64, actor: &Actor) -> Result<StockCount> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let k = locked(&mut tx, id).await?;
        refuse_unless(
            &k,
            &[
                CountStatus::Counting,
                CountStatus::Recounting,
                CountStatus::Submitted,
            ],
            "作废",
        )?;
        let after = set_status(&mut tx, &k, CountStatus::Cancelled, "cancel", actor).await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn count_accuracy(&self, id: i64) -> Result<Accuracy> {
        let mut c = self.read.acquire().await.db()?;
        let k = count_of(&mut c, id, false)
            .await?
            .ok_or_else(|| StoreError::not_found("count", id))?;
        let posted: BTreeMap<i64, i64> = if k.status == CountStatus::Posted {
            Sql::new("SELECT id, value_variance FROM stock_count_lines WHERE count_id = ")
                .bind(id)
                .push(" AND value_variance IS NOT NULL")
                .fetch_all(&mut c)
                .await?
                .iter()
                .map(|r| Ok((col(r, "id")?, col(r, "value_variance")?)))
                .collect::<Result<_>>()?
        } else {
            BTreeMap::new()
        };
        let lines = valued_lines(&mut c, &k).await?;
        Ok(Accuracy::of(lines.iter().map(|v| {
            let worth = if k.status == CountStatus::Posted {
                posted.get(&v.id).copied().unwrap_or(0)
            } else {
                v.line.worth().0
            };
            (v.line.variance(), worth)
        })))
    }
}
