//! Reserving and releasing stock.

use std::collections::{BTreeSet, HashMap};

use jxc_core::ids::*;
use jxc_core::inventory::{self as core_inv, BalanceKey, SlotMeta};
use jxc_store::{Actor, Reservation, ReservationRequest, ReservationStatus, Result, StoreError};

use super::inventory::*;
use super::util::*;

/// The business day in China (UTC+8), for expiry checks.
pub(super) fn business_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

pub(super) async fn reserve_in(
    c: &mut Conn,
    reqs: &[ReservationRequest],
    actor: &Actor,
) -> Result<Vec<Reservation>> {
    Ok(reserve_in_indexed(c, reqs, actor)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// Reserves, and says which request each reservation is for (a request can take stock
/// at several locations or lots, so several reservations).
pub(super) async fn reserve_in_indexed(
    c: &mut Conn,
    reqs: &[ReservationRequest],
    actor: &Actor,
) -> Result<Vec<(usize, Reservation)>> {
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
             lots.expiry_date, loc.pick_seq, loc.transit FROM stock_balances b JOIN locations loc ON loc.id = b.location_id \
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
        let cols = [BALANCE_COLS, &["expiry_date", "pick_seq", "transit"]].concat();
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<i64>,
            Option<String>,
            i64,
            Flag,
        )> = sql.fetch_tuples(c, &cols).await?;
        for (id, sku, wh, loc, lot, on_hand, reserved, value, last, expiry, pick_seq, transit) in
            rows
        {
            let balance = (id, sku, wh, loc, lot, on_hand, reserved, value, last);
            let key = put_balance(balance, &mut l);
            let meta = SlotMeta {
                expiry: date(expiry),
                pick_seq,
            };
            l.book.meta.insert(key, meta);
            if transit.0 {
                l.book.transit.insert(key.location);
            }
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
    let sources: Vec<(&str, &str)> = reqs
        .iter()
        .map(|r| (r.source_type.as_str(), r.source_ref.as_str()))
        .collect();
    let made = insert_reservations(c, &l, &before, &parts, &sources, actor).await?;
    Ok(parts.iter().map(|p| p.0).zip(made).collect())
}

/// Holds stock arriving in transit for a transfer: exactly `qty` at each key (locked
/// here), one reservation per hold, in order.
pub(super) async fn hold_in_transit_in(
    c: &mut Conn,
    holds: &[(BalanceKey, i64)],
    source_ref: &str,
    actor: &Actor,
) -> Result<Vec<Reservation>> {
    let mut l = Loaded::default();
    lock_balances(c, &holds.iter().map(|h| h.0).collect(), &mut l).await?;
    let before = l.book.balances.clone();
    let mut parts = Vec::with_capacity(holds.len());
    for (i, (key, qty)) in holds.iter().enumerate() {
        core_inv::hold(&mut l.book, *key, *qty)?;
        parts.push((i, *key, *qty));
    }
    let sources = vec![("transfer", source_ref); holds.len()];
    insert_reservations(c, &l, &before, &parts, &sources, actor).await
}

/// Writes new reservations (`parts`: request index, key, qty; `sources`: the type and
/// reference of each request), the balances the book changed, and their audit rows.
async fn insert_reservations(
    c: &mut Conn,
    l: &Loaded,
    before: &std::collections::BTreeMap<BalanceKey, jxc_core::inventory::Balance>,
    parts: &[(usize, BalanceKey, i64)],
    sources: &[(&str, &str)],
    actor: &Actor,
) -> Result<Vec<Reservation>> {
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
            source_type: sources[*i].0.to_string(),
            source_ref: sources[*i].1.to_string(),
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
    write_balances(c, l, before, &HashMap::new()).await?;
    audit_reservations(c, actor, "reserve", &out).await?;
    Ok(out)
}

pub(super) async fn audit_reservations(
    c: &mut Conn,
    actor: &Actor,
    action: &str,
    rs: &[Reservation],
) -> Result<()> {
    let rows = rs.iter().map(|r| {
        let after = serde_json::json!({
            "sku_id": r.sku_id, "warehouse_id": r.warehouse_id, "location_id": r.location_id, "lot_id": r.lot_id,
            "qty": r.qty, "remaining": r.remaining, "status": r.status, "source_ref": r.source_ref,
        });
        (r.id.0.to_string(), None, Some(after.to_string()))
    });
    audit_many(c, actor, action, "reservation", rows.collect()).await
}

pub(super) async fn release_in(
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
    load_locations(c, &found.iter().map(|r| r.location_id).collect(), &mut l).await?;
    if let Some(r) = found
        .iter()
        .find(|r| l.book.transit.contains(&r.location_id))
    {
        return Err(StoreError::conflict(
            "id",
            format!(
                "占用 {} 是调拨 {} 的在途库存：收货或关闭调拨单 / stock in transit leaves by receiving or closing its transfer",
                r.id, r.source_ref
            ),
        ));
    }
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
