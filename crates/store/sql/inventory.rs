//! 库存 writes: posting documents, reserving and releasing. Each is one transaction that
//! (1) loads and locks what it touches into a `Book`, (2) lets `jxc_core` decide,
//! (3) writes the ledger rows, balances, reservations and audit rows in bulk.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use jxc_core::catalog::Tracking;
use jxc_core::ids::*;
use jxc_core::inventory::posting::PlannedMove;
use jxc_core::inventory::{
    self as core_inv, Balance, BalanceKey, Book, Document, LiveReservation, PostingLine, SkuPolicy,
    SlotMeta,
};
use jxc_core::money::Fen;
use jxc_store::{
    Actor, PostedDocument, Reservation, ReservationRequest, ReservationStatus, Result, StoreError,
};

use super::SqlStore;
use super::util::*;

/// What a write transaction loaded, beside the book: names for the output and row ids.
#[derive(Default)]
struct Loaded {
    book: Book,
    sku_codes: HashMap<SkuId, String>,
    loc_codes: HashMap<LocationId, String>,
    defaults: HashMap<WarehouseId, LocationId>,
    lot_nos: HashMap<LotId, String>,
    /// Balance row id and last move id per key.
    rows: HashMap<BalanceKey, (i64, Option<i64>)>,
}

const CHUNK: usize = 500;

async fn load_skus(c: &mut Conn, ids: &BTreeSet<SkuId>, l: &mut Loaded) -> Result<()> {
    let ids: Vec<SkuId> = ids.iter().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT id, code, allow_negative, default_cost, is_bundle, active, tracking FROM skus WHERE ",
        );
        push_in(&mut sql, "id", chunk.iter().map(|s| Val::I(s.0)));
        for r in sql.fetch_all(c).await? {
            let id = SkuId(col(&r, "id")?);
            let tracking =
                Tracking::parse("tracking", &col::<String>(&r, "tracking")?).unwrap_or_default();
            l.book.skus.insert(
                id,
                SkuPolicy {
                    allow_negative: col(&r, "allow_negative")?,
                    default_cost: Fen(col(&r, "default_cost")?),
                    is_bundle: col(&r, "is_bundle")?,
                    active: col(&r, "active")?,
                    tracking,
                },
            );
            l.sku_codes.insert(id, col(&r, "code")?);
        }
    }
    if let Some(missing) = ids.iter().find(|id| !l.book.skus.contains_key(id)) {
        return Err(StoreError::conflict(
            "sku_id",
            format!("商品 {missing} 不存在 / unknown sku"),
        ));
    }
    Ok(())
}

async fn load_warehouses(c: &mut Conn, ids: &BTreeSet<WarehouseId>, l: &mut Loaded) -> Result<()> {
    let mut sql = Sql::new("SELECT id, default_location_id, active FROM warehouses WHERE ");
    push_in(&mut sql, "id", ids.iter().map(|w| Val::I(w.0)));
    for r in sql.fetch_all(c).await? {
        let id = WarehouseId(col(&r, "id")?);
        if !col::<bool>(&r, "active")? {
            return Err(StoreError::Domain(jxc_core::Error::Rule(format!(
                "仓库 {id} 已停用 / warehouse is inactive"
            ))));
        }
        l.defaults.insert(
            id,
            LocationId(col::<Option<i64>>(&r, "default_location_id")?.unwrap_or_default()),
        );
    }
    if let Some(missing) = ids.iter().find(|id| !l.defaults.contains_key(id)) {
        return Err(StoreError::conflict(
            "warehouse_id",
            format!("仓库 {missing} 不存在 / unknown warehouse"),
        ));
    }
    Ok(())
}

async fn load_locations(c: &mut Conn, ids: &BTreeSet<LocationId>, l: &mut Loaded) -> Result<()> {
    let ids: Vec<LocationId> = ids.iter().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id, warehouse_id, code FROM locations WHERE ");
        push_in(&mut sql, "id", chunk.iter().map(|x| Val::I(x.0)));
        for r in sql.fetch_all(c).await? {
            let id = LocationId(col(&r, "id")?);
            l.book
                .locations
                .insert(id, WarehouseId(col(&r, "warehouse_id")?));
            l.loc_codes.insert(id, col(&r, "code")?);
        }
    }
    if let Some(missing) = ids.iter().find(|id| !l.book.locations.contains_key(id)) {
        return Err(StoreError::conflict(
            "location_id",
            format!("库位 {missing} 不存在 / unknown location"),
        ));
    }
    Ok(())
}

/// Finds or creates the lots named on lines. A lot's dates are set when it is first seen;
/// naming it again with other dates is an error, not a silent change.
async fn resolve_lots(
    c: &mut Conn,
    docs: &[Document],
    l: &mut Loaded,
) -> Result<HashMap<(SkuId, String), LotId>> {
    let mut specs: HashMap<(SkuId, String), &core_inv::LotSpec> = HashMap::new();
    for d in docs {
        for line in d.lines.iter().filter(|x| !x.lot.no.is_empty()) {
            specs
                .entry((line.sku, line.lot.no.clone()))
                .or_insert(&line.lot);
        }
    }
    let mut out = HashMap::new();
    if specs.is_empty() {
        return Ok(out);
    }
    let now = now_ms();
    let rows = specs.iter().map(|((sku, no), s)| {
        vec![
            Val::I(sku.0),
            Val::T(no.clone()),
            date_text(s.production_date).into(),
            date_text(s.expiry_date).into(),
            Val::I(now),
        ]
    });
    insert_rows(
        c,
        "lots",
        &[
            "sku_id",
            "lot_no",
            "production_date",
            "expiry_date",
            "created_at",
        ],
        Vec::from_iter(rows),
        " ON CONFLICT (sku_id, lot_no) DO NOTHING",
    )
    .await?;
    let keys: Vec<&(SkuId, String)> = specs.keys().collect();
    for chunk in keys.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT id, sku_id, lot_no, production_date, expiry_date FROM lots WHERE (sku_id, lot_no) IN (SELECT * FROM (VALUES ",
        );
        for (i, (sku, no)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.tuple([Val::I(sku.0), Val::T(no.clone())]);
        }
        sql.push(") AS v)");
        for r in sql.fetch_all(c).await? {
            let key = (SkuId(col(&r, "sku_id")?), col::<String>(&r, "lot_no")?);
            let spec = specs[&key];
            let stored = (
                date(col(&r, "production_date")?),
                date(col(&r, "expiry_date")?),
            );
            let clash = |given: Option<_>, have: Option<_>| {
                given.is_some() && have.is_some() && given != have
            };
            if clash(spec.production_date, stored.0) || clash(spec.expiry_date, stored.1) {
                return Err(StoreError::conflict(
                    "lot_no",
                    format!(
                        "批次 “{}” 已登记了不同的生产/到期日期 / lot already has other dates",
                        key.1
                    ),
                ));
            }
            let id = LotId(col(&r, "id")?);
            l.lot_nos.insert(id, key.1.clone());
            out.insert(key, id);
        }
    }
    Ok(out)
}

/// Loads and locks the balance rows of `keys`, creating the ones that do not exist yet.
/// Existing rows are locked first; missing ones are inserted with `ON CONFLICT DO
/// NOTHING` and then locked too, so a row another transaction created meanwhile is waited
/// for, never overwritten (two first receipts of a SKU cannot lose one another).
async fn lock_balances(c: &mut Conn, keys: &BTreeSet<BalanceKey>, l: &mut Loaded) -> Result<()> {
    let wanted: Vec<&BalanceKey> = keys.iter().filter(|k| !l.rows.contains_key(k)).collect();
    select_balances(c, &wanted, l).await?;
    let missing: Vec<&BalanceKey> = wanted
        .into_iter()
        .filter(|k| !l.rows.contains_key(k))
        .collect();
    // New rows start at zero: RETURNING gives their ids without reading them back.
    for chunk in missing.chunks(CHUNK) {
        let mut sql = Sql::new(
            "INSERT INTO stock_balances (sku_id, warehouse_id, location_id, lot_id) VALUES ",
        );
        for (i, k) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.tuple(key_vals(k));
        }
        sql.push(" ON CONFLICT (sku_id, warehouse_id, location_id, lot_id) DO NOTHING RETURNING id, sku_id, warehouse_id, location_id, lot_id, on_hand, reserved, value, last_move_id");
        for r in sql.fetch_all(c).await? {
            read_balance(&r, l)?;
        }
    }
    // Rows another transaction created meanwhile: wait for them and lock them.
    let raced: Vec<&BalanceKey> = missing
        .into_iter()
        .filter(|k| !l.rows.contains_key(k))
        .collect();
    select_balances(c, &raced, l).await
}

fn key_vals(k: &BalanceKey) -> Vec<Val> {
    vec![
        Val::I(k.sku.0),
        Val::I(k.warehouse.0),
        Val::I(k.location.0),
        Val::I(k.lot.0),
    ]
}

async fn select_balances(c: &mut Conn, keys: &[&BalanceKey], l: &mut Loaded) -> Result<()> {
    for chunk in keys.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT id, sku_id, warehouse_id, location_id, lot_id, on_hand, reserved, value, last_move_id \
             FROM stock_balances WHERE (sku_id, warehouse_id, location_id, lot_id) IN (SELECT * FROM (VALUES ",
        );
        for (i, k) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.tuple(key_vals(k));
        }
        sql.push(") AS v) ORDER BY id")
            .push(&crate::dialect::lock(""));
        for r in sql.fetch_all(c).await? {
            read_balance(&r, l)?;
        }
    }
    Ok(())
}

fn read_balance(r: &Row, l: &mut Loaded) -> Result<BalanceKey> {
    let key = BalanceKey {
        sku: SkuId(col(r, "sku_id")?),
        warehouse: WarehouseId(col(r, "warehouse_id")?),
        location: LocationId(col(r, "location_id")?),
        lot: LotId(col(r, "lot_id")?),
    };
    let b = Balance {
        on_hand: col(r, "on_hand")?,
        reserved: col(r, "reserved")?,
        value: Fen(col(r, "value")?),
    };
    l.book.balances.insert(key, b);
    l.rows.insert(key, (col(r, "id")?, col(r, "last_move_id")?));
    Ok(key)
}

/// Writes back every balance the book changed; `last_moves` gives the newest move per key.
async fn write_balances(
    c: &mut Conn,
    l: &Loaded,
    before: &std::collections::BTreeMap<BalanceKey, Balance>,
    last_moves: &HashMap<BalanceKey, i64>,
) -> Result<()> {
    let rows = l
        .book
        .balances
        .iter()
        .filter(|(k, b)| before.get(k) != Some(b) || last_moves.contains_key(k))
        .map(|(k, b)| {
            let (id, last) = l.rows[k];
            let last = last_moves.get(k).copied().or(last);
            (
                id,
                vec![
                    Val::I(b.on_hand),
                    Val::I(b.reserved),
                    Val::I(b.value.0),
                    Val::OI(last),
                ],
            )
        });
    update_rows(
        c,
        "stock_balances",
        &["on_hand", "reserved", "value", "last_move_id"],
        Vec::from_iter(rows),
    )
    .await
}

async fn lock_reservations(
    c: &mut Conn,
    ids: &BTreeSet<ReservationId>,
    l: &mut Loaded,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "SELECT id, sku_id, warehouse_id, location_id, lot_id, remaining FROM reservations WHERE status = 'live' AND ",
    );
    push_in(&mut sql, "id", ids.iter().map(|r| Val::I(r.0)));
    sql.push(" ORDER BY id").push(&crate::dialect::lock(""));
    for r in sql.fetch_all(c).await? {
        let key = BalanceKey {
            sku: SkuId(col(&r, "sku_id")?),
            warehouse: WarehouseId(col(&r, "warehouse_id")?),
            location: LocationId(col(&r, "location_id")?),
            lot: LotId(col(&r, "lot_id")?),
        };
        l.book.reservations.insert(
            ReservationId(col(&r, "id")?),
            LiveReservation {
                key,
                qty: col(&r, "remaining")?,
            },
        );
    }
    Ok(())
}

/// Writes the remaining quantity of reservations the book holds; those at 0 close as `status`.
async fn write_reservations(
    c: &mut Conn,
    l: &Loaded,
    ids: &BTreeSet<ReservationId>,
    status: ReservationStatus,
) -> Result<()> {
    let now = now_ms();
    let rows = ids.iter().map(|id| {
        let remaining = l.book.reservations.get(id).map_or(0, |r| r.qty);
        let (st, closed) = if remaining == 0 {
            (status.as_str(), Some(now))
        } else {
            ("live", None)
        };
        (
            id.0,
            vec![Val::I(remaining), Val::T(st.into()), Val::OI(closed)],
        )
    });
    update_rows(
        c,
        "reservations",
        &["remaining", "status", "closed_at"],
        Vec::from_iter(rows),
    )
    .await
}

fn with_doc_index(i: usize, many: bool, e: jxc_core::Error) -> StoreError {
    match e {
        jxc_core::Error::Rule(m) if many => StoreError::Domain(jxc_core::Error::Rule(format!(
            "第 {} 张单据 / document {}: {m}",
            i + 1,
            i + 1
        ))),
        e => StoreError::Domain(e),
    }
}

async fn post_in(c: &mut Conn, docs: &[Document], actor: &Actor) -> Result<Vec<PostedDocument>> {
    let mut l = Loaded::default();
    let skus: BTreeSet<SkuId> = docs
        .iter()
        .flat_map(|d| d.lines.iter().map(|x| x.sku))
        .collect();
    let whs: BTreeSet<WarehouseId> = docs.iter().map(|d| d.warehouse).collect();
    load_skus(c, &skus, &mut l).await?;
    load_warehouses(c, &whs, &mut l).await?;
    let mut locs: BTreeSet<LocationId> = l.defaults.values().copied().collect();
    for line in docs.iter().flat_map(|d| &d.lines) {
        locs.extend(line.location.into_iter().chain(line.to_location));
    }
    load_locations(c, &locs, &mut l).await?;
    let lots = resolve_lots(c, docs, &mut l).await?;

    let mut plans: Vec<Vec<PostingLine>> = Vec::with_capacity(docs.len());
    let mut keys = BTreeSet::new();
    let mut reservations = BTreeSet::new();
    for d in docs {
        let mut lines = Vec::with_capacity(d.lines.len());
        for (i, line) in d.lines.iter().enumerate() {
            let location = line.location.unwrap_or(l.defaults[&d.warehouse]);
            let lot = if line.lot.no.is_empty() {
                LotId::NONE
            } else {
                lots[&(line.sku, line.lot.no.clone())]
            };
            let key = BalanceKey {
                sku: line.sku,
                warehouse: d.warehouse,
                location,
                lot,
            };
            keys.insert(key);
            if let Some(to) = line.to_location {
                keys.insert(BalanceKey {
                    location: to,
                    ..key
                });
            }
            reservations.extend(line.reservation);
            lines.push(PostingLine {
                line_no: i as u32 + 1,
                sku: line.sku,
                location,
                to_location: line.to_location,
                lot,
                qty: line.qty,
                value: line.value,
                reservation: line.reservation,
            });
        }
        plans.push(lines);
    }
    lock_balances(c, &keys, &mut l).await?;
    lock_reservations(c, &reservations, &mut l).await?;
    let before = l.book.balances.clone();

    let mut planned: Vec<(usize, PlannedMove)> = Vec::new();
    for (i, (d, lines)) in docs.iter().zip(&plans).enumerate() {
        let moves = core_inv::post(d.kind, d.warehouse, lines, &mut l.book)
            .map_err(|e| with_doc_index(i, docs.len() > 1, e))?;
        planned.extend(moves.into_iter().map(|m| (i, m)));
    }
    let doc_ids = crate::dialect::next_ids(c, "stock_documents", docs.len()).await?;
    let move_ids = crate::dialect::next_ids(c, "stock_moves", planned.len()).await?;
    let now = now_ms();
    let doc_nos: Vec<String> = docs
        .iter()
        .zip(&doc_ids)
        .map(|(d, id)| format!("{}{id:08}", d.kind.number_prefix()))
        .collect();
    insert_rows(
        c,
        "stock_documents",
        &[
            "id",
            "doc_no",
            "kind",
            "warehouse_id",
            "reference",
            "note",
            "posted_at",
            "actor",
        ],
        Vec::from_iter(docs.iter().enumerate().map(|(i, d)| {
            vec![
                Val::I(doc_ids[i]),
                Val::T(doc_nos[i].clone()),
                d.kind.as_str().into(),
                Val::I(d.warehouse.0),
                d.reference.as_str().into(),
                d.note.as_str().into(),
                Val::I(now),
                actor.0.as_str().into(),
            ]
        })),
        "",
    )
    .await?;
    insert_rows(
        c,
        "stock_moves",
        &[
            "id",
            "document_id",
            "line_no",
            "kind",
            "sku_id",
            "warehouse_id",
            "location_id",
            "lot_id",
            "qty",
            "value",
            "reservation_id",
            "at",
            "actor",
        ],
        Vec::from_iter(planned.iter().zip(&move_ids).map(|((i, m), id)| {
            vec![
                Val::I(*id),
                Val::I(doc_ids[*i]),
                Val::I(m.line_no as i64),
                m.kind.as_str().into(),
                Val::I(m.key.sku.0),
                Val::I(m.key.warehouse.0),
                Val::I(m.key.location.0),
                Val::I(m.key.lot.0),
                Val::I(m.qty),
                Val::I(m.value.0),
                Val::OI(m.consumed.map(|r| r.0.0)),
                Val::I(now),
                actor.0.as_str().into(),
            ]
        })),
        "",
    )
    .await?;
    let mut last_moves = HashMap::new();
    for ((_, m), id) in planned.iter().zip(&move_ids) {
        last_moves.insert(m.key, *id);
    }
    write_balances(c, &l, &before, &last_moves).await?;
    write_reservations(c, &l, &reservations, ReservationStatus::Consumed).await?;

    let mut out: Vec<PostedDocument> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| PostedDocument {
            summary: jxc_store::DocumentSummary {
                id: DocumentId(doc_ids[i]),
                doc_no: doc_nos[i].clone(),
                kind: d.kind,
                warehouse_id: d.warehouse,
                reference: d.reference.clone(),
                note: d.note.clone(),
                posted_at: ts(now),
                actor: actor.0.clone(),
            },
            moves: Vec::new(),
        })
        .collect();
    for ((i, m), id) in planned.into_iter().zip(move_ids) {
        out[i].moves.push(jxc_store::MoveRow {
            id: MoveId(id),
            document_id: DocumentId(doc_ids[i]),
            doc_no: doc_nos[i].clone(),
            doc_kind: docs[i].kind,
            line_no: m.line_no,
            kind: m.kind,
            sku_id: m.key.sku,
            sku_code: l.sku_codes[&m.key.sku].clone(),
            warehouse_id: m.key.warehouse,
            location_id: m.key.location,
            location_code: l
                .loc_codes
                .get(&m.key.location)
                .cloned()
                .unwrap_or_default(),
            lot_id: m.key.lot,
            lot_no: l.lot_nos.get(&m.key.lot).cloned().unwrap_or_default(),
            qty: m.qty,
            value: m.value,
            reservation_id: m.consumed.map(|r| r.0),
            at: ts(now),
            actor: actor.0.clone(),
        });
    }
    let audits = out.iter().map(|d| {
        let value: i64 = d.moves.iter().map(|m| m.value.0).sum();
        let after = serde_json::json!({
            "doc_no": d.summary.doc_no, "kind": d.summary.kind, "warehouse_id": d.summary.warehouse_id,
            "reference": d.summary.reference, "moves": d.moves.len(), "value": value,
        });
        vec![
            Val::I(now),
            actor.0.as_str().into(),
            "post".into(),
            "stock_document".into(),
            d.summary.id.0.to_string().into(),
            Val::OT(None),
            Val::OT(Some(after.to_string())),
        ]
    });
    insert_rows(
        c,
        "audit_log",
        &[
            "at",
            "actor",
            "action",
            "entity",
            "entity_id",
            "before_json",
            "after_json",
        ],
        Vec::from_iter(audits),
        "",
    )
    .await?;
    Ok(out)
}

/// The business day in China (UTC+8), for expiry checks.
fn business_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

async fn reserve_in(
    c: &mut Conn,
    reqs: &[ReservationRequest],
    actor: &Actor,
) -> Result<Vec<Reservation>> {
    let mut l = Loaded::default();
    load_skus(c, &reqs.iter().map(|r| r.request.sku).collect(), &mut l).await?;
    load_warehouses(
        c,
        &reqs.iter().map(|r| r.request.warehouse).collect(),
        &mut l,
    )
    .await?;
    let named: BTreeSet<LocationId> = reqs.iter().filter_map(|r| r.request.location).collect();
    load_locations(c, &named, &mut l).await?;
    for r in reqs {
        if let Some(loc) = r.request.location {
            if l.book.locations[&loc] != r.request.warehouse {
                return Err(StoreError::conflict(
                    "location_id",
                    format!(
                        "库位 {loc} 不属于仓库 {} / location not in warehouse",
                        r.request.warehouse
                    ),
                ));
            }
        }
    }
    // A SKU allowed to go negative may be reserved at its fallback key: make sure it exists.
    let fallback: BTreeSet<BalanceKey> = reqs
        .iter()
        .filter(|r| l.book.skus[&r.request.sku].allow_negative)
        .map(|r| BalanceKey {
            sku: r.request.sku,
            warehouse: r.request.warehouse,
            location: r
                .request
                .location
                .unwrap_or(l.defaults[&r.request.warehouse]),
            lot: r.request.lot.unwrap_or(LotId::NONE),
        })
        .collect();
    lock_balances(c, &fallback, &mut l).await?;
    let pairs: BTreeSet<(SkuId, WarehouseId)> = reqs
        .iter()
        .map(|r| (r.request.sku, r.request.warehouse))
        .collect();
    let pairs: Vec<_> = pairs.into_iter().collect();
    for chunk in pairs.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT b.id, b.sku_id, b.warehouse_id, b.location_id, b.lot_id, b.on_hand, b.reserved, b.value, b.last_move_id, \
             lots.expiry_date, loc.pick_seq FROM stock_balances b JOIN locations loc ON loc.id = b.location_id \
             LEFT JOIN lots ON lots.id = b.lot_id WHERE (b.sku_id, b.warehouse_id) IN (SELECT * FROM (VALUES ",
        );
        for (i, (s, w)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.tuple([Val::I(s.0), Val::I(w.0)]);
        }
        sql.push(") AS v) ORDER BY b.id")
            .push(&crate::dialect::lock("b"));
        for r in sql.fetch_all(c).await? {
            let key = read_balance(&r, &mut l)?;
            let meta = SlotMeta {
                expiry: date(col(&r, "expiry_date")?),
                pick_seq: col(&r, "pick_seq")?,
            };
            l.book.meta.insert(key, meta);
        }
    }
    let before = l.book.balances.clone();
    let today = business_today();
    let mut parts: Vec<(usize, BalanceKey, i64)> = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        let got = core_inv::reserve(
            &mut l.book,
            &r.request,
            today,
            l.defaults[&r.request.warehouse],
        )
        .map_err(|e| with_doc_index(i, reqs.len() > 1, e))?;
        parts.extend(got.into_iter().map(|(k, q)| (i, k, q)));
    }
    let ids = crate::dialect::next_ids(c, "reservations", parts.len()).await?;
    let now = now_ms();
    let out: Vec<Reservation> = parts
        .iter()
        .zip(&ids)
        .map(|((i, k, q), id)| Reservation {
            id: ReservationId(*id),
            sku_id: k.sku,
            warehouse_id: k.warehouse,
            location_id: k.location,
            lot_id: k.lot,
            qty: *q,
            remaining: *q,
            status: ReservationStatus::Live,
            source_type: reqs[*i].source_type.clone(),
            source_ref: reqs[*i].source_ref.clone(),
            created_at: ts(now),
            actor: actor.0.clone(),
        })
        .collect();
    insert_rows(
        c,
        "reservations",
        &[
            "id",
            "sku_id",
            "warehouse_id",
            "location_id",
            "lot_id",
            "qty",
            "remaining",
            "status",
            "source_type",
            "source_ref",
            "created_at",
            "actor",
        ],
        Vec::from_iter(out.iter().map(|r| {
            vec![
                Val::I(r.id.0),
                Val::I(r.sku_id.0),
                Val::I(r.warehouse_id.0),
                Val::I(r.location_id.0),
                Val::I(r.lot_id.0),
                Val::I(r.qty),
                Val::I(r.remaining),
                "live".into(),
                r.source_type.as_str().into(),
                r.source_ref.as_str().into(),
                Val::I(now),
                actor.0.as_str().into(),
            ]
        })),
        "",
    )
    .await?;
    write_balances(c, &l, &before, &HashMap::new()).await?;
    audit_reservations(c, actor, "reserve", &out).await?;
    Ok(out)
}

async fn audit_reservations(
    c: &mut Conn,
    actor: &Actor,
    action: &str,
    rs: &[Reservation],
) -> Result<()> {
    let now = now_ms();
    let rows = rs.iter().map(|r| {
        let after = serde_json::json!({
            "sku_id": r.sku_id, "warehouse_id": r.warehouse_id, "location_id": r.location_id, "lot_id": r.lot_id,
            "qty": r.qty, "remaining": r.remaining, "status": r.status, "source_ref": r.source_ref,
        });
        vec![
            Val::I(now),
            actor.0.as_str().into(),
            action.into(),
            "reservation".into(),
            r.id.0.to_string().into(),
            Val::OT(None),
            Val::OT(Some(after.to_string())),
        ]
    });
    insert_rows(
        c,
        "audit_log",
        &[
            "at",
            "actor",
            "action",
            "entity",
            "entity_id",
            "before_json",
            "after_json",
        ],
        Vec::from_iter(rows),
        "",
    )
    .await
}

async fn release_in(
    c: &mut Conn,
    ids: &[ReservationId],
    actor: &Actor,
) -> Result<Vec<Reservation>> {
    let wanted: BTreeSet<ReservationId> = ids.iter().copied().collect();
    let mut found = super::inventory_lists::reservations_by_id(c, &wanted).await?;
    if let Some(missing) = wanted.iter().find(|id| !found.iter().any(|r| r.id == **id)) {
        return Err(StoreError::not_found("reservation", missing));
    }
    if let Some(closed) = found.iter().find(|r| r.status != ReservationStatus::Live) {
        return Err(StoreError::conflict(
            "id",
            format!(
                "占用 {} 已{} / reservation is {}",
                closed.id,
                if closed.status == ReservationStatus::Consumed {
                    "出库"
                } else {
                    "释放"
                },
                closed.status.as_str()
            ),
        ));
    }
    let mut l = Loaded::default();
    let keys: BTreeSet<BalanceKey> = found
        .iter()
        .map(|r| BalanceKey {
            sku: r.sku_id,
            warehouse: r.warehouse_id,
            location: r.location_id,
            lot: r.lot_id,
        })
        .collect();
    lock_balances(c, &keys, &mut l).await?;
    lock_reservations(c, &wanted, &mut l).await?;
    if l.book.reservations.len() != wanted.len() {
        return Err(StoreError::conflict(
            "id",
            "占用刚被其他操作改变，请重试 / reservation changed meanwhile, retry",
        ));
    }
    let before = l.book.balances.clone();
    for id in &wanted {
        core_inv::release(&mut l.book, *id)?;
    }
    write_balances(c, &l, &before, &HashMap::new()).await?;
    write_reservations(c, &l, &wanted, ReservationStatus::Released).await?;
    for r in &mut found {
        r.remaining = 0;
        r.status = ReservationStatus::Released;
    }
    audit_reservations(c, actor, "release", &found).await?;
    Ok(found)
}

#[async_trait]
impl jxc_store::InventoryStore for SqlStore {
    async fn post_documents(
        &self,
        docs: &[Document],
        actor: &Actor,
    ) -> Result<Vec<PostedDocument>> {
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let out = post_in(&mut tx, docs, actor).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn reserve(
        &self,
        reqs: &[ReservationRequest],
        actor: &Actor,
    ) -> Result<Vec<Reservation>> {
        if reqs.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let out = reserve_in(&mut tx, reqs, actor).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn release(&self, ids: &[ReservationId], actor: &Actor) -> Result<Vec<Reservation>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let out = release_in(&mut tx, ids, actor).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn get_document(&self, id: DocumentId) -> Result<Option<PostedDocument>> {
        super::inventory_lists::get_document(&mut *self.read.acquire().await.db()?, id).await
    }

    async fn list_documents(
        &self,
        f: &jxc_store::DocumentFilter,
        page: &jxc_core::paging::PageRequest,
    ) -> Result<jxc_core::paging::Page<jxc_store::DocumentSummary>> {
        super::inventory_lists::list_documents(&mut *self.read.acquire().await.db()?, f, page).await
    }

    async fn list_balances(
        &self,
        f: &jxc_store::BalanceFilter,
        page: &jxc_core::paging::PageRequest,
    ) -> Result<jxc_core::paging::Page<jxc_store::BalanceRow>> {
        super::inventory_lists::list_balances(&mut *self.read.acquire().await.db()?, f, page).await
    }

    async fn list_moves(
        &self,
        f: &jxc_store::MoveFilter,
        page: &jxc_core::paging::PageRequest,
    ) -> Result<jxc_core::paging::Page<jxc_store::MoveRow>> {
        super::inventory_lists::list_moves(&mut *self.read.acquire().await.db()?, f, page).await
    }

    async fn list_reservations(
        &self,
        f: &jxc_store::ReservationFilter,
        page: &jxc_core::paging::PageRequest,
    ) -> Result<jxc_core::paging::Page<Reservation>> {
        super::inventory_lists::list_reservations(&mut *self.read.acquire().await.db()?, f, page)
            .await
    }

    async fn observe(
        &self,
    ) -> Result<(
        std::collections::BTreeMap<BalanceKey, jxc_core::inventory::check::Observed>,
        Vec<SkuId>,
    )> {
        super::inventory_lists::observe(&mut *self.read.acquire().await.db()?).await
    }

    async fn stock_totals(&self) -> Result<Vec<jxc_store::StockTotal>> {
        super::inventory_lists::stock_totals(&mut *self.read.acquire().await.db()?).await
    }
}
