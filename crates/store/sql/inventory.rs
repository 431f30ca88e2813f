//! 库存 writes: posting documents, reserving and releasing. Each is one transaction that
//! (1) loads and locks what it touches into a `Book` (this file), (2) lets `jxc_core`
//! decide, (3) writes the ledger rows, balances, reservations and audit rows in bulk
//! (`posting.rs`, `reservations.rs`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use jxc_core::catalog::Tracking;
use jxc_core::ids::*;
use jxc_core::inventory::{
    Balance, BalanceKey, Book, Document, LiveReservation, LotSpec, SkuPolicy,
};
use jxc_core::money::Fen;
use jxc_store::{
    Actor, PostedDocument, Reservation, ReservationRequest, ReservationStatus, Result, StoreError,
};

use super::SqlStore;
use super::util::*;

/// What a write transaction loaded, beside the book: names for the output and row ids.
#[derive(Default)]
pub(super) struct Loaded {
    pub(super) book: Book,
    pub(super) sku_codes: HashMap<SkuId, String>,
    pub(super) loc_codes: HashMap<LocationId, String>,
    pub(super) defaults: HashMap<WarehouseId, LocationId>,
    pub(super) lot_nos: HashMap<LotId, String>,
    /// Balance row id and last move id per key.
    pub(super) rows: HashMap<BalanceKey, (i64, Option<i64>)>,
}

pub(super) const CHUNK: usize = 500;

pub(super) async fn load_skus(c: &mut Conn, ids: &BTreeSet<SkuId>, l: &mut Loaded) -> Result<()> {
    let ids: Vec<SkuId> = ids.iter().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT id, code, allow_negative, default_cost, is_bundle, active, tracking FROM skus WHERE ",
        );
        push_in(&mut sql, "id", chunk.iter().map(|s| Val::I(s.0)));
        let rows: Vec<(i64, String, Flag, i64, Flag, Flag, String)> = sql
            .fetch_tuples(
                c,
                &[
                    "id",
                    "code",
                    "allow_negative",
                    "default_cost",
                    "is_bundle",
                    "active",
                    "tracking",
                ],
            )
            .await?;
        for (id, code, allow_negative, default_cost, is_bundle, active, tracking) in rows {
            let id = SkuId(id);
            l.book.skus.insert(
                id,
                SkuPolicy {
                    allow_negative: allow_negative.0,
                    default_cost: Fen(default_cost),
                    is_bundle: is_bundle.0,
                    active: active.0,
                    tracking: Tracking::parse("tracking", &tracking).unwrap_or_default(),
                },
            );
            l.sku_codes.insert(id, code);
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

pub(super) async fn load_warehouses(
    c: &mut Conn,
    ids: &BTreeSet<WarehouseId>,
    l: &mut Loaded,
) -> Result<()> {
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

pub(super) async fn load_locations(
    c: &mut Conn,
    ids: &BTreeSet<LocationId>,
    l: &mut Loaded,
) -> Result<()> {
    let ids: Vec<LocationId> = ids.iter().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id, warehouse_id, code, transit FROM locations WHERE ");
        push_in(&mut sql, "id", chunk.iter().map(|x| Val::I(x.0)));
        let rows: Vec<(i64, i64, String, Flag)> = sql
            .fetch_tuples(c, &["id", "warehouse_id", "code", "transit"])
            .await?;
        for (id, warehouse, code, transit) in rows {
            let id = LocationId(id);
            l.book.locations.insert(id, WarehouseId(warehouse));
            if transit.0 {
                l.book.transit.insert(id);
            }
            l.loc_codes.insert(id, code);
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
pub(super) async fn resolve_lots(
    c: &mut Conn,
    docs: &[Document],
    l: &mut Loaded,
) -> Result<HashMap<(SkuId, String), LotId>> {
    // Sorted, so new lots get their ids in (SKU, number) order whatever the input order.
    let mut specs: BTreeMap<(SkuId, String), &LotSpec> = BTreeMap::new();
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
pub(super) async fn lock_balances(
    c: &mut Conn,
    keys: &BTreeSet<BalanceKey>,
    l: &mut Loaded,
) -> Result<()> {
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

pub(super) fn key_vals(k: &BalanceKey) -> Vec<Val> {
    vec![
        Val::I(k.sku.0),
        Val::I(k.warehouse.0),
        Val::I(k.location.0),
        Val::I(k.lot.0),
    ]
}

pub(super) async fn select_balances(
    c: &mut Conn,
    keys: &[&BalanceKey],
    l: &mut Loaded,
) -> Result<()> {
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
        for b in sql.fetch_tuples(c, BALANCE_COLS).await? {
            put_balance(b, l);
        }
    }
    Ok(())
}

/// The columns of a balance row, in [`BalanceTuple`]'s order.
pub(super) const BALANCE_COLS: &[&str] = &[
    "id",
    "sku_id",
    "warehouse_id",
    "location_id",
    "lot_id",
    "on_hand",
    "reserved",
    "value",
    "last_move_id",
];

/// A balance row as [`Sql::fetch_tuples`] reads [`BALANCE_COLS`].
pub(super) type BalanceTuple = (i64, i64, i64, i64, i64, i64, i64, i64, Option<i64>);

/// Puts a balance row into the book, with its row id and newest move.
pub(super) fn put_balance(b: BalanceTuple, l: &mut Loaded) -> BalanceKey {
    let (id, sku, warehouse, location, lot, on_hand, reserved, value, last_move) = b;
    let key = BalanceKey {
        sku: SkuId(sku),
        warehouse: WarehouseId(warehouse),
        location: LocationId(location),
        lot: LotId(lot),
    };
    let balance = Balance {
        on_hand,
        reserved,
        value: Fen(value),
    };
    l.book.balances.insert(key, balance);
    l.rows.insert(key, (id, last_move));
    key
}

pub(super) fn read_balance(r: &Row, l: &mut Loaded) -> Result<BalanceKey> {
    let b = (
        col(r, "id")?,
        col(r, "sku_id")?,
        col(r, "warehouse_id")?,
        col(r, "location_id")?,
        col(r, "lot_id")?,
        col(r, "on_hand")?,
        col(r, "reserved")?,
        col(r, "value")?,
        col(r, "last_move_id")?,
    );
    Ok(put_balance(b, l))
}

/// Writes back every balance the book changed; `last_moves` gives the newest move per key.
pub(super) async fn write_balances(
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

pub(super) async fn lock_reservations(
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
pub(super) async fn write_reservations(
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

/// Prefixes a business-rule error with the number of the document (or request) at fault
/// when a batch holds more than one.
pub(super) fn with_doc_index(i: usize, many: bool, e: jxc_core::Error) -> StoreError {
    match e {
        jxc_core::Error::Rule(m) if many => StoreError::Domain(jxc_core::Error::Rule(format!(
            "第 {} 张单据 / document {}: {m}",
            i + 1,
            i + 1
        ))),
        e => StoreError::Domain(e),
    }
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
        let out = super::posting::post_in(&mut tx, docs, actor).await?;
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
        let out = super::reservations::reserve_in(&mut tx, reqs, actor).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn release(&self, ids: &[ReservationId], actor: &Actor) -> Result<Vec<Reservation>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let out = super::reservations::release_in(&mut tx, ids, actor).await?;
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

    async fn stock_summary(
        &self,
        f: &jxc_store::SummaryFilter,
        page: &jxc_core::paging::PageRequest,
    ) -> Result<jxc_core::paging::Page<jxc_store::SummaryRow>> {
        super::inventory_lists::stock_summary(&mut *self.read.acquire().await.db()?, f, page).await
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

    async fn available_by_sku(
        &self,
        skus: &[SkuId],
    ) -> Result<std::collections::BTreeMap<SkuId, i64>> {
        let mut c = self.read.acquire().await.db()?;
        let mut out = std::collections::BTreeMap::new();
        for chunk in skus.chunks(500) {
            let mut sql = Sql::new(
                "SELECT sku_id, CAST(SUM(on_hand - reserved) AS BIGINT) AS a FROM stock_balances WHERE ",
            );
            push_in(&mut sql, "sku_id", chunk.iter().map(|s| Val::I(s.0)));
            sql.push(" GROUP BY sku_id");
            for r in sql.fetch_all(&mut c).await? {
                out.insert(SkuId(col(&r, "sku_id")?), col(&r, "a")?);
            }
        }
        Ok(out)
    }

    async fn low_stock_count(&self, at_most: i64) -> Result<i64> {
        super::inventory_lists::low_stock_count(&mut *self.read.acquire().await.db()?, at_most)
            .await
    }
}
