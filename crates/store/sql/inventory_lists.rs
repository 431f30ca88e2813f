//! 库存 reads: balances, ledger rows, documents, reservations, and what `jxc check` compares.

use std::collections::{BTreeMap, BTreeSet};

use jxc_core::ids::*;
use jxc_core::inventory::check::Observed;
use jxc_core::inventory::posting::MoveKind;
use jxc_core::inventory::{Balance, BalanceKey, DocumentKind};
use jxc_core::money::Fen;
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::*;

use super::records::push_keyset;
use super::util::*;

fn key_of(r: &Row) -> Result<BalanceKey> {
    Ok(BalanceKey {
        sku: SkuId(col(r, "sku_id")?),
        warehouse: WarehouseId(col(r, "warehouse_id")?),
        location: LocationId(col(r, "location_id")?),
        lot: LotId(col(r, "lot_id")?),
    })
}

fn doc_kind(s: &str) -> Result<DocumentKind> {
    DocumentKind::parse(s).ok_or_else(|| StoreError::Database(format!("unknown document kind {s}")))
}

/// ` AND col IN (…)` for a user's warehouse limit; nothing when the limit is empty (all).
fn push_warehouses(sql: &mut Sql, col: &str, ids: &[WarehouseId]) {
    if !ids.is_empty() {
        sql.push(" AND ");
        push_in(sql, col, ids.iter().map(|w| Val::I(w.0)));
    }
}

/// ` AND (SKU code or name contains q)`, on the SKU table joined as `s`.
fn push_sku_text(sql: &mut Sql, q: Option<&str>) {
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        let p = like_pattern(q);
        sql.push(" AND (LOWER(s.code) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\' OR LOWER(s.name) LIKE ")
            .bind(p)
            .push(" ESCAPE '\\')");
    }
}

pub(crate) async fn list_balances(
    c: &mut Conn,
    f: &BalanceFilter,
    page: &PageRequest,
) -> Result<Page<BalanceRow>> {
    let mut sql = Sql::new(
        "SELECT b.*, s.code AS sku_code, s.name AS sku_name, w.code AS warehouse_code, loc.code AS location_code, \
         lots.lot_no, lots.expiry_date FROM stock_balances b JOIN skus s ON s.id = b.sku_id \
         JOIN warehouses w ON w.id = b.warehouse_id JOIN locations loc ON loc.id = b.location_id \
         LEFT JOIN lots ON lots.id = b.lot_id WHERE 1 = 1",
    );
    if let Some(v) = f.sku_id {
        sql.push(" AND b.sku_id = ").bind(v.0);
    }
    if let Some(v) = f.warehouse_id {
        sql.push(" AND b.warehouse_id = ").bind(v.0);
    }
    push_warehouses(&mut sql, "b.warehouse_id", &f.warehouse_ids);
    if let Some(v) = f.location_id {
        sql.push(" AND b.location_id = ").bind(v.0);
    }
    if let Some(v) = f.lot_id {
        sql.push(" AND b.lot_id = ").bind(v.0);
    }
    push_sku_text(&mut sql, f.q.as_deref());
    if f.nonzero {
        sql.push(" AND (b.on_hand <> 0 OR b.reserved <> 0 OR b.value <> 0)");
    }
    // Dates are stored as `YYYY-MM-DD` text: ordered as text is ordered as dates.
    if let Some(day) = f.expires_by {
        sql.push(" AND lots.expiry_date IS NOT NULL AND lots.expiry_date <= ")
            .bind(day.format("%Y-%m-%d").to_string());
    }
    let sort = if f.sort == Sort::Id { "b.id" } else { "s.code" };
    push_keyset(&mut sql, sort, "b.id", page);
    let rows = sql.fetch_all(c).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let on_hand: i64 = col(r, "on_hand")?;
        let reserved: i64 = col(r, "reserved")?;
        items.push(BalanceRow {
            id: col(r, "id")?,
            sku_id: SkuId(col(r, "sku_id")?),
            sku_code: col(r, "sku_code")?,
            sku_name: col(r, "sku_name")?,
            warehouse_id: WarehouseId(col(r, "warehouse_id")?),
            warehouse_code: col(r, "warehouse_code")?,
            location_id: LocationId(col(r, "location_id")?),
            location_code: col(r, "location_code")?,
            lot_id: LotId(col(r, "lot_id")?),
            lot_no: col::<Option<String>>(r, "lot_no")?.unwrap_or_default(),
            expiry_date: date(col(r, "expiry_date")?),
            on_hand,
            reserved,
            available: on_hand - reserved,
            value: Fen(col(r, "value")?),
            last_move_id: col::<Option<i64>>(r, "last_move_id")?.map(MoveId),
        });
    }
    let by_code = f.sort != Sort::Id;
    Ok(Page::from_rows(items, page.limit, |b| Cursor {
        key: if by_code {
            b.sku_code.clone()
        } else {
            String::new()
        },
        id: b.id,
    }))
}

const MOVE_SELECT: &str = "SELECT m.*, d.doc_no, d.kind AS doc_kind, s.code AS sku_code, loc.code AS location_code, lots.lot_no \
     FROM stock_moves m JOIN stock_documents d ON d.id = m.document_id JOIN skus s ON s.id = m.sku_id \
     JOIN locations loc ON loc.id = m.location_id LEFT JOIN lots ON lots.id = m.lot_id WHERE 1 = 1";

fn move_row(r: &Row) -> Result<MoveRow> {
    let kind = match col::<String>(r, "kind")?.as_str() {
        "in" => MoveKind::In,
        "out" => MoveKind::Out,
        _ => MoveKind::Revalue,
    };
    Ok(MoveRow {
        id: MoveId(col(r, "id")?),
        document_id: DocumentId(col(r, "document_id")?),
        doc_no: col(r, "doc_no")?,
        doc_kind: doc_kind(&col::<String>(r, "doc_kind")?)?,
        line_no: col::<i64>(r, "line_no")? as u32,
        kind,
        sku_id: SkuId(col(r, "sku_id")?),
        sku_code: col(r, "sku_code")?,
        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
        location_id: LocationId(col(r, "location_id")?),
        location_code: col(r, "location_code")?,
        lot_id: LotId(col(r, "lot_id")?),
        lot_no: col::<Option<String>>(r, "lot_no")?.unwrap_or_default(),
        qty: col(r, "qty")?,
        value: Fen(col(r, "value")?),
        reservation_id: col::<Option<i64>>(r, "reservation_id")?.map(ReservationId),
        at: ts(col(r, "at")?),
        actor: col(r, "actor")?,
    })
}

pub(crate) async fn list_moves(
    c: &mut Conn,
    f: &MoveFilter,
    page: &PageRequest,
) -> Result<Page<MoveRow>> {
    let mut sql = Sql::new(MOVE_SELECT);
    if let Some(v) = f.sku_id {
        sql.push(" AND m.sku_id = ").bind(v.0);
    }
    push_sku_text(&mut sql, f.q.as_deref());
    if let Some(v) = f.warehouse_id {
        sql.push(" AND m.warehouse_id = ").bind(v.0);
    }
    push_warehouses(&mut sql, "m.warehouse_id", &f.warehouse_ids);
    if let Some(v) = f.location_id {
        sql.push(" AND m.location_id = ").bind(v.0);
    }
    if let Some(v) = f.document_id {
        sql.push(" AND m.document_id = ").bind(v.0);
    }
    if let Some(v) = f.doc_kind {
        sql.push(" AND d.kind = ").bind(v.as_str());
    }
    if let Some(v) = f.from {
        sql.push(" AND m.at >= ").bind(v.timestamp_millis());
    }
    if let Some(v) = f.to {
        sql.push(" AND m.at < ").bind(v.timestamp_millis());
    }
    push_keyset(&mut sql, "m.id", "m.id", page);
    let items = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(move_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |m| Cursor {
        key: String::new(),
        id: m.id.0,
    }))
}

/// Balances summed per SKU or per SKU × warehouse. Keyset on (SKU code, SKU id) by SKU and
/// on (SKU code, warehouse id) by SKU × warehouse: SKU codes are unique, so both orders
/// are total.
pub(crate) async fn stock_summary(
    c: &mut Conn,
    f: &SummaryFilter,
    page: &PageRequest,
) -> Result<Page<SummaryRow>> {
    let by_warehouse = f.by == SummaryBy::SkuWarehouse;
    let low = f.available_at_most;
    let mut sql = if by_warehouse {
        Sql::new(
            "SELECT s.id AS sku_id, s.code AS sku_code, s.name AS sku_name, w.id AS warehouse_id, \
             w.code AS warehouse_code, w.name AS warehouse_name, \
             CAST(SUM(b.on_hand) AS BIGINT) AS on_hand, CAST(SUM(b.reserved) AS BIGINT) AS reserved, \
             CAST(SUM(b.value) AS BIGINT) AS value \
             FROM stock_balances b JOIN skus s ON s.id = b.sku_id JOIN warehouses w ON w.id = b.warehouse_id \
             WHERE 1 = 1",
        )
    } else if low.is_some() {
        // Every active stock SKU, with or without balances in the warehouses asked for.
        let mut sql = Sql::new(
            "SELECT s.id AS sku_id, s.code AS sku_code, s.name AS sku_name, \
             CAST(COALESCE(SUM(b.on_hand), 0) AS BIGINT) AS on_hand, \
             CAST(COALESCE(SUM(b.reserved), 0) AS BIGINT) AS reserved, \
             CAST(COALESCE(SUM(b.value), 0) AS BIGINT) AS value \
             FROM skus s LEFT JOIN stock_balances b ON b.sku_id = s.id",
        );
        if let Some(v) = f.warehouse_id {
            sql.push(" AND b.warehouse_id = ").bind(v.0);
        }
        push_warehouses(&mut sql, "b.warehouse_id", &f.warehouse_ids);
        sql.push(" WHERE s.active = ")
            .bind(true)
            .push(" AND s.is_bundle = ")
            .bind(false);
        sql
    } else {
        Sql::new(
            "SELECT s.id AS sku_id, s.code AS sku_code, s.name AS sku_name, \
             CAST(SUM(b.on_hand) AS BIGINT) AS on_hand, CAST(SUM(b.reserved) AS BIGINT) AS reserved, \
             CAST(SUM(b.value) AS BIGINT) AS value \
             FROM stock_balances b JOIN skus s ON s.id = b.sku_id WHERE 1 = 1",
        )
    };
    if by_warehouse || low.is_none() {
        if let Some(v) = f.warehouse_id {
            sql.push(" AND b.warehouse_id = ").bind(v.0);
        }
        push_warehouses(&mut sql, "b.warehouse_id", &f.warehouse_ids);
        if low.is_none() {
            sql.push(" AND (b.on_hand <> 0 OR b.reserved <> 0 OR b.value <> 0)");
        }
    }
    if let Some(v) = f.sku_id {
        sql.push(" AND s.id = ").bind(v.0);
    }
    push_sku_text(&mut sql, f.q.as_deref());
    let id_col = if by_warehouse { "w.id" } else { "s.id" };
    let (cmp, dir) = if page.desc {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = &page.after {
        sql.push(&format!(" AND (s.code, {id_col}) {cmp} ("))
            .bind(after.key.clone())
            .push(", ")
            .bind(after.id)
            .push(")");
    }
    if by_warehouse {
        sql.push(" GROUP BY s.id, s.code, s.name, w.id, w.code, w.name");
    } else {
        sql.push(" GROUP BY s.id, s.code, s.name");
    }
    if let Some(n) = low {
        sql.push(" HAVING COALESCE(SUM(b.on_hand - b.reserved), 0) <= ")
            .bind(n);
    }
    sql.push(&format!(" ORDER BY s.code {dir}, {id_col} {dir} LIMIT "))
        .bind(page.limit as i64 + 1);
    let rows = sql.fetch_all(c).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let on_hand: i64 = col(r, "on_hand")?;
        let reserved: i64 = col(r, "reserved")?;
        let (warehouse_id, warehouse_code, warehouse_name) = if by_warehouse {
            (
                Some(WarehouseId(col(r, "warehouse_id")?)),
                col(r, "warehouse_code")?,
                col(r, "warehouse_name")?,
            )
        } else {
            (None, String::new(), String::new())
        };
        items.push(SummaryRow {
            sku_id: SkuId(col(r, "sku_id")?),
            sku_code: col(r, "sku_code")?,
            sku_name: col(r, "sku_name")?,
            warehouse_id,
            warehouse_code,
            warehouse_name,
            on_hand,
            reserved,
            available: on_hand - reserved,
            value: Fen(col(r, "value")?),
        });
    }
    Ok(Page::from_rows(items, page.limit, |r| Cursor {
        key: r.sku_code.clone(),
        id: match r.warehouse_id {
            Some(w) => w.0,
            None => r.sku_id.0,
        },
    }))
}

fn summary(r: &Row) -> Result<DocumentSummary> {
    Ok(DocumentSummary {
        id: DocumentId(col(r, "id")?),
        doc_no: col(r, "doc_no")?,
        kind: doc_kind(&col::<String>(r, "kind")?)?,
        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
        reference: col(r, "reference")?,
        note: col(r, "note")?,
        posted_at: ts(col(r, "posted_at")?),
        actor: col(r, "actor")?,
    })
}

pub(crate) async fn get_document(c: &mut Conn, id: DocumentId) -> Result<Option<PostedDocument>> {
    let Some(r) = Sql::new("SELECT * FROM stock_documents WHERE id = ")
        .bind(id.0)
        .fetch_optional(c)
        .await?
    else {
        return Ok(None);
    };
    let mut sql = Sql::new(MOVE_SELECT);
    sql.push(" AND m.document_id = ")
        .bind(id.0)
        .push(" ORDER BY m.id");
    let moves = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(move_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(PostedDocument {
        summary: summary(&r)?,
        moves,
    }))
}

pub(crate) async fn list_documents(
    c: &mut Conn,
    f: &DocumentFilter,
    page: &PageRequest,
) -> Result<Page<DocumentSummary>> {
    let mut sql = Sql::new("SELECT * FROM stock_documents WHERE 1 = 1");
    if let Some(v) = f.kind {
        sql.push(" AND kind = ").bind(v.as_str());
    }
    if let Some(v) = f.warehouse_id {
        sql.push(" AND warehouse_id = ").bind(v.0);
    }
    push_warehouses(&mut sql, "warehouse_id", &f.warehouse_ids);
    if let Some(v) = &f.reference {
        sql.push(" AND reference = ").bind(v.as_str());
    }
    push_keyset(&mut sql, "id", "id", page);
    let items = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(summary)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |d| Cursor {
        key: String::new(),
        id: d.id.0,
    }))
}

fn reservation(r: &Row) -> Result<Reservation> {
    Ok(Reservation {
        id: ReservationId(col(r, "id")?),
        sku_id: SkuId(col(r, "sku_id")?),
        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
        location_id: LocationId(col(r, "location_id")?),
        lot_id: LotId(col(r, "lot_id")?),
        qty: col(r, "qty")?,
        remaining: col(r, "remaining")?,
        status: ReservationStatus::parse(&col::<String>(r, "status")?)
            .ok_or_else(|| StoreError::Database("unknown reservation status".into()))?,
        source_type: col(r, "source_type")?,
        source_ref: col(r, "source_ref")?,
        created_at: ts(col(r, "created_at")?),
        actor: col(r, "actor")?,
    })
}

pub(crate) async fn reservations_by_id(
    c: &mut Conn,
    ids: &BTreeSet<ReservationId>,
) -> Result<Vec<Reservation>> {
    let mut out = Vec::with_capacity(ids.len());
    let ids: Vec<_> = ids.iter().collect();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new("SELECT * FROM reservations WHERE ");
        push_in(&mut sql, "id", chunk.iter().map(|r| Val::I(r.0)));
        sql.push(" ORDER BY id");
        for r in sql.fetch_all(c).await? {
            out.push(reservation(&r)?);
        }
    }
    Ok(out)
}

pub(crate) async fn list_reservations(
    c: &mut Conn,
    f: &ReservationFilter,
    page: &PageRequest,
) -> Result<Page<Reservation>> {
    let mut sql = Sql::new("SELECT * FROM reservations WHERE 1 = 1");
    if let Some(v) = f.id {
        sql.push(" AND id = ").bind(v.0);
    }
    if let Some(v) = f.sku_id {
        sql.push(" AND sku_id = ").bind(v.0);
    }
    if let Some(v) = f.warehouse_id {
        sql.push(" AND warehouse_id = ").bind(v.0);
    }
    push_warehouses(&mut sql, "warehouse_id", &f.warehouse_ids);
    if let Some(v) = f.status {
        sql.push(" AND status = ").bind(v.as_str());
    }
    if let Some(v) = &f.source_ref {
        sql.push(" AND source_ref = ").bind(v.as_str());
    }
    push_keyset(&mut sql, "id", "id", page);
    let items = sql
        .fetch_all(c)
        .await?
        .iter()
        .map(reservation)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |r| Cursor {
        key: String::new(),
        id: r.id.0,
    }))
}

/// Reads the ledger sums, live reservation sums and balances from one snapshot.
pub(crate) async fn observe(c: &mut Conn) -> Result<(BTreeMap<BalanceKey, Observed>, Vec<SkuId>)> {
    crate::dialect::begin_snapshot(c).await?;
    let result = observe_in(c).await;
    Sql::new("COMMIT").execute(c).await?;
    result
}

async fn observe_in(c: &mut Conn) -> Result<(BTreeMap<BalanceKey, Observed>, Vec<SkuId>)> {
    let mut out: BTreeMap<BalanceKey, Observed> = BTreeMap::new();
    let mut ledger = Sql::new(
        "SELECT sku_id, warehouse_id, location_id, lot_id, CAST(SUM(qty) AS BIGINT) AS qty, CAST(SUM(value) AS BIGINT) AS value \
         FROM stock_moves GROUP BY sku_id, warehouse_id, location_id, lot_id",
    );
    for r in ledger.fetch_all(c).await? {
        let o = out.entry(key_of(&r)?).or_default();
        o.ledger_qty = col(&r, "qty")?;
        o.ledger_value = col(&r, "value")?;
    }
    let mut live = Sql::new(
        "SELECT sku_id, warehouse_id, location_id, lot_id, CAST(SUM(remaining) AS BIGINT) AS qty FROM reservations \
         WHERE status = 'live' GROUP BY sku_id, warehouse_id, location_id, lot_id",
    );
    for r in live.fetch_all(c).await? {
        out.entry(key_of(&r)?).or_default().live_reserved = col(&r, "qty")?;
    }
    for r in Sql::new("SELECT * FROM stock_balances")
        .fetch_all(c)
        .await?
    {
        let b = Balance {
            on_hand: col(&r, "on_hand")?,
            reserved: col(&r, "reserved")?,
            value: Fen(col(&r, "value")?),
        };
        out.entry(key_of(&r)?).or_default().balance = Some(b);
    }
    let mut negative = Vec::new();
    for r in Sql::new("SELECT id FROM skus WHERE allow_negative = ")
        .bind(true)
        .fetch_all(c)
        .await?
    {
        negative.push(SkuId(col(&r, "id")?));
    }
    Ok((out, negative))
}

pub(crate) async fn stock_totals(c: &mut Conn) -> Result<Vec<StockTotal>> {
    let rows = Sql::new(
        "SELECT w.id, w.code, w.name, CAST(COALESCE(SUM(b.on_hand), 0) AS BIGINT) AS on_hand, \
         CAST(COALESCE(SUM(b.value), 0) AS BIGINT) AS value FROM warehouses w \
         LEFT JOIN stock_balances b ON b.warehouse_id = w.id GROUP BY w.id, w.code, w.name ORDER BY w.code",
    )
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StockTotal {
                warehouse_id: WarehouseId(col(r, "id")?),
                warehouse_code: col(r, "code")?,
                warehouse_name: col(r, "name")?,
                on_hand: col(r, "on_hand")?,
                value: Fen(col(r, "value")?),
            })
        })
        .collect()
}

/// Active stock SKUs (not bundles) whose available quantity over every warehouse is at
/// most `at_most`, counting SKUs with no stock at all.
pub(crate) async fn low_stock_count(c: &mut Conn, at_most: i64) -> Result<i64> {
    let row = Sql::new("SELECT COUNT(*) AS n FROM skus s WHERE s.active = ")
        .bind(true)
        .push(" AND s.is_bundle = ")
        .bind(false)
        .push(
            " AND COALESCE((SELECT SUM(b.on_hand - b.reserved) FROM stock_balances b \
         WHERE b.sku_id = s.id), 0) <= ",
        )
        .bind(at_most)
        .fetch_one(c)
        .await?;
    col(&row, "n")
}
