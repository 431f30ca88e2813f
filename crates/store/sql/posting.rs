//! Posting stock documents: the one write path of the ledger.

use std::collections::{BTreeSet, HashMap};

use jxc_core::ids::*;
use jxc_core::inventory::posting::PlannedMove;
use jxc_core::inventory::{self as core_inv, BalanceKey, Document, PostingLine};
use jxc_store::{Actor, PostedDocument, ReservationStatus, Result, StoreError};

use super::inventory::*;
use super::util::*;

pub(super) async fn post_in(
    c: &mut Conn,
    docs: &[Document],
    actor: &Actor,
) -> Result<Vec<PostedDocument>> {
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
                // A transfer's target may be in another warehouse.
                let warehouse = l.book.locations.get(&to).copied().unwrap_or(d.warehouse);
                keys.insert(BalanceKey {
                    warehouse,
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
    serials_once(c, &l, &planned).await?;
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
        (d.summary.id.0.to_string(), None, Some(after.to_string()))
    });
    audit_many_at(c, now, actor, "post", "stock_document", audits.collect()).await?;
    Ok(out)
}

/// 序列号: after the postings, no serial number (the lot of a serial-numbered SKU) is on
/// hand more than once over all warehouses. Moving one (out here, in there) nets to zero.
async fn serials_once(c: &mut Conn, l: &Loaded, planned: &[(usize, PlannedMove)]) -> Result<()> {
    let mut net: HashMap<LotId, (SkuId, i64)> = HashMap::new();
    for (_, m) in planned {
        let serial = l
            .book
            .skus
            .get(&m.key.sku)
            .is_some_and(|p| p.tracking.is_serial());
        if serial && m.key.lot != LotId::NONE {
            net.entry(m.key.lot).or_insert((m.key.sku, 0)).1 += m.qty;
        }
    }
    let incoming: Vec<LotId> = net
        .iter()
        .filter(|(_, (_, q))| *q > 0)
        .map(|(lot, _)| *lot)
        .collect();
    for chunk in incoming.chunks(CHUNK) {
        let mut sql =
            Sql::new("SELECT lot_id, CAST(SUM(on_hand) AS BIGINT) AS n FROM stock_balances WHERE ");
        push_in(&mut sql, "lot_id", chunk.iter().map(|l| Val::I(l.0)));
        sql.push(" GROUP BY lot_id");
        let mut have: HashMap<LotId, i64> = HashMap::new();
        for r in sql.fetch_all(c).await? {
            have.insert(LotId(col(&r, "lot_id")?), col(&r, "n")?);
        }
        for lot in chunk {
            let (sku, added) = net[lot];
            // `have` is before this posting: balances are written after this check.
            if have.get(lot).copied().unwrap_or(0) + added > 1 {
                let no = l.lot_nos.get(lot).cloned().unwrap_or_default();
                let code = l.sku_codes.get(&sku).cloned().unwrap_or_default();
                return Err(StoreError::conflict(
                    "lot_no",
                    format!(
                        "{code} 的序列号 {no} 已在库 / serial {no} of {code} is already in stock"
                    ),
                ));
            }
        }
    }
    Ok(())
}
