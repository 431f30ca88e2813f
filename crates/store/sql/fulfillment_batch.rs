//! 分配 in batches: what routing needs of a thousand orders, read in a handful of
//! queries, and their allocations saved in one transaction with multi-row writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jxc_core::catalog::BundleComponent;
use jxc_core::ids::{OrderId, ReservationId, ShopId, SkuId, WarehouseId};
use jxc_core::orders::split::PartLine;
use jxc_core::orders::{HoldReason, OrderState};
use jxc_store::{
    Actor, Allocation, AllocationInput, AllocationStatus, NewAllocation, ReservationRequest,
    Result, RoutingSku, StoreError,
};

use super::fulfillment::{allocation, audit_json};
use super::reservations::reserve_in_indexed;
use super::util::*;

/// Ids a statement takes at once.
const CHUNK: usize = 500;

fn ids_of<T: Copy + Into<i64>>(ids: &[T]) -> impl Iterator<Item = Val> + '_ {
    ids.iter().map(|i| Val::I((*i).into()))
}

/// The columns of an order routing reads, in [`OrderTuple`]'s order.
const ORDER_COLS: &[&str] = &[
    "id",
    "shop_id",
    "platform_order_id",
    "state",
    "province",
    "city",
    "paid_amount",
    "paid_at_ms",
    "buyer_message",
    "merge_group",
    "allocation",
];

type OrderTuple = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
);

pub(super) async fn allocation_inputs(
    c: &mut Conn,
    ids: &[OrderId],
) -> Result<Vec<AllocationInput>> {
    let mut found: HashMap<i64, AllocationInput> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT o.id, o.shop_id, o.platform_order_id, o.state, o.province, o.city, o.paid_amount, \
             COALESCE(o.paid_at, o.created_at) AS paid_at_ms, o.buyer_message, o.merge_group, a.status AS allocation \
             FROM orders o LEFT JOIN order_allocations a ON a.order_id = o.id WHERE ",
        );
        push_in(&mut sql, "o.id", ids_of(chunk));
        let orders: Vec<OrderTuple> = sql.fetch_tuples(c, ORDER_COLS).await?;
        for (
            id,
            shop,
            platform_order_id,
            state,
            province,
            city,
            paid,
            paid_at,
            message,
            group,
            allocation,
        ) in orders
        {
            let allocation = allocation
                .map(|s| {
                    AllocationStatus::parse(&s).ok_or_else(|| {
                        StoreError::Database(format!("unknown allocation status {s}"))
                    })
                })
                .transpose()?;
            found.insert(
                id,
                AllocationInput {
                    order_id: OrderId(id),
                    shop_id: ShopId(shop),
                    platform_order_id,
                    state: OrderState::parse(&state).ok_or_else(|| {
                        StoreError::Database(format!("unknown order state {state}"))
                    })?,
                    province,
                    city,
                    paid_amount: paid,
                    paid_at_ms: paid_at,
                    has_buyer_message: !message.trim().is_empty(),
                    lines: Vec::new(),
                    holds: Vec::new(),
                    merge_group: group.map(OrderId),
                    parts: Vec::new(),
                    allocation,
                },
            );
        }
        let mut sql = Sql::new("SELECT order_id, line_no, sku_id, qty FROM order_lines WHERE ");
        push_in(&mut sql, "order_id", ids_of(chunk));
        let mut lines: Vec<(i64, i64, Option<i64>, i64)> = sql
            .fetch_tuples(c, &["order_id", "line_no", "sku_id", "qty"])
            .await?;
        lines.sort_unstable_by_key(|l| (l.0, l.1));
        for (order, _, sku, qty) in lines {
            if let Some(o) = found.get_mut(&order) {
                o.lines.push((sku.map(SkuId), qty));
            }
        }
        let mut sql =
            Sql::new("SELECT id, order_id, reason FROM order_holds WHERE released_at IS NULL AND ");
        push_in(&mut sql, "order_id", ids_of(chunk));
        let mut holds: Vec<(i64, i64, String)> =
            sql.fetch_tuples(c, &["id", "order_id", "reason"]).await?;
        holds.sort_unstable_by_key(|h| h.0);
        for (_, order, reason) in holds {
            if let Some(o) = found.get_mut(&order) {
                o.holds
                    .push(HoldReason::parse(&reason).unwrap_or(HoldReason::Manual));
            }
        }
        let mut sql = Sql::new("SELECT order_id, part_no, line_no, qty FROM order_parts WHERE ");
        push_in(&mut sql, "order_id", ids_of(chunk));
        let mut parts: Vec<(i64, i64, i64, i64)> = sql
            .fetch_tuples(c, &["order_id", "part_no", "line_no", "qty"])
            .await?;
        parts.sort_unstable();
        for (order, part_no, line_no, qty) in parts {
            if let Some(o) = found.get_mut(&order) {
                let no = part_no.max(1) as usize;
                while o.parts.len() < no {
                    o.parts.push(Vec::new());
                }
                o.parts[no - 1].push(PartLine {
                    line: line_no as usize,
                    qty,
                });
            }
        }
    }
    Ok(ids.iter().filter_map(|i| found.remove(&i.0)).collect())
}

pub(super) async fn routing_skus(c: &mut Conn, ids: &[SkuId]) -> Result<Vec<RoutingSku>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT bundle_id, sku_id, qty FROM bundle_components WHERE ");
        push_in(&mut sql, "bundle_id", ids_of(chunk));
        let mut comps: Vec<(i64, i64, i64)> =
            sql.fetch_tuples(c, &["bundle_id", "sku_id", "qty"]).await?;
        comps.sort_unstable();
        let mut components: BTreeMap<i64, Vec<BundleComponent>> = BTreeMap::new();
        for (bundle, sku, qty) in comps {
            components.entry(bundle).or_default().push(BundleComponent {
                sku_id: SkuId(sku),
                qty,
            });
        }
        let mut sql = Sql::new("SELECT id, weight_g FROM skus WHERE ");
        push_in(&mut sql, "id", ids_of(chunk));
        let mut skus: Vec<(i64, i64)> = sql.fetch_tuples(c, &["id", "weight_g"]).await?;
        skus.sort_unstable();
        for (id, weight_g) in skus {
            out.push(RoutingSku {
                id: SkuId(id),
                weight_g,
                components: components.remove(&id).unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

pub(super) async fn available_by_warehouse(
    c: &mut Conn,
    skus: &[SkuId],
) -> Result<Vec<(SkuId, WarehouseId, i64)>> {
    let mut out = Vec::new();
    for chunk in skus.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT sku_id, warehouse_id, CAST(SUM(on_hand) - SUM(reserved) AS BIGINT) AS available \
             FROM stock_balances WHERE ",
        );
        push_in(&mut sql, "sku_id", ids_of(chunk));
        sql.push(" GROUP BY sku_id, warehouse_id");
        let mut rows: Vec<(i64, i64, i64)> = sql
            .fetch_tuples(c, &["sku_id", "warehouse_id", "available"])
            .await?;
        rows.sort_unstable();
        out.extend(
            rows.into_iter()
                .map(|(sku, wh, n)| (SkuId(sku), WarehouseId(wh), n)),
        );
    }
    Ok(out)
}

/// Saves allocations in the caller's transaction: locks the orders, refuses an order
/// allocated already (or named twice), replaces 缺货 allocations, reserves the stock of
/// every allocated one in one go, and writes the allocations, their shipments and audit
/// rows in multi-row statements.
pub(super) async fn save_allocations_in(
    c: &mut Conn,
    allocs: &[NewAllocation],
    actor: &Actor,
) -> Result<Vec<Allocation>> {
    if allocs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<OrderId> = allocs.iter().map(|a| a.order_id).collect();
    let distinct: BTreeSet<OrderId> = ids.iter().copied().collect();
    if distinct.len() != ids.len() {
        return Err(StoreError::conflict(
            "order_id",
            "同一订单不能在一批中分配两次 / an order is named twice",
        ));
    }
    let mut before: HashMap<i64, Allocation> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id FROM orders WHERE ");
        push_in(&mut sql, "id", ids_of(chunk));
        sql.push(" ORDER BY id").push(&crate::dialect::lock(""));
        let locked: BTreeSet<i64> = sql
            .fetch_tuples::<(i64,)>(c, &["id"])
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect();
        if let Some(missing) = chunk.iter().find(|i| !locked.contains(&i.0)) {
            return Err(StoreError::not_found("order", missing.0));
        }
        let mut sql = Sql::new("SELECT * FROM order_allocations WHERE ");
        push_in(&mut sql, "order_id", ids_of(chunk));
        for r in sql.fetch_all(c).await? {
            let a = allocation(&r)?;
            if a.status == AllocationStatus::Allocated {
                return Err(StoreError::conflict(
                    "order_id",
                    format!(
                        "订单 {0} 已分配 / order {0} is allocated already",
                        a.order_id.0
                    ),
                ));
            }
            before.insert(a.order_id.0, a);
        }
    }
    // A short allocation holds nothing: it is simply replaced.
    let replaced: Vec<i64> = before.keys().copied().collect();
    for chunk in replaced.chunks(CHUNK) {
        for table in ["allocation_shipments", "order_allocations"] {
            let mut sql = Sql::new(&format!("DELETE FROM {table} WHERE "));
            push_in(&mut sql, "order_id", ids_of(chunk));
            sql.execute(c).await?;
        }
    }
    // Every allocated order's requests in one reservation call; `owner[i]` is the
    // allocation request `i` belongs to.
    let mut reqs: Vec<ReservationRequest> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    for (k, a) in allocs.iter().enumerate() {
        if a.status == AllocationStatus::Allocated {
            reqs.extend(a.reservations.iter().cloned());
            owner.extend(std::iter::repeat_n(k, a.reservations.len()));
        }
    }
    let mut reserved: Vec<Vec<ReservationId>> = vec![Vec::new(); allocs.len()];
    if !reqs.is_empty() {
        for (i, r) in reserve_in_indexed(c, &reqs, actor).await? {
            reserved[owner[i]].push(r.id);
        }
    }
    let now = now_ms();
    let mut shipments = Vec::new();
    for a in allocs
        .iter()
        .filter(|a| a.status == AllocationStatus::Allocated)
    {
        let warehouses: BTreeSet<WarehouseId> = a.warehouses.iter().copied().collect();
        shipments.extend(
            warehouses
                .iter()
                .map(|w| vec![Val::I(a.order_id.0), Val::I(w.0), Val::I(now)]),
        );
    }
    insert_rows(
        c,
        "allocation_shipments",
        &["order_id", "warehouse_id", "created_at"],
        shipments,
        "",
    )
    .await?;
    let saved: Vec<Allocation> = allocs
        .iter()
        .zip(reserved)
        .map(|(a, reservation_ids)| Allocation {
            order_id: a.order_id,
            status: a.status,
            decision: a.decision.clone(),
            reservation_ids,
            created_at: now,
            created_by: actor.0.clone(),
        })
        .collect();
    // Each decision is made text once, for its row and its audit row (the audit row is
    // `audit_json`'s, keys in the same order).
    let mut rows = Vec::with_capacity(saved.len());
    let mut audits = Vec::with_capacity(saved.len());
    for s in &saved {
        let ids_json = serde_json::to_string(&s.reservation_ids)
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let decision = s.decision.to_string();
        audits.push((
            s.order_id.0.to_string(),
            before.get(&s.order_id.0).map(|b| audit_json(b).to_string()),
            Some(audit_text(&decision, &ids_json, s.status)),
        ));
        rows.push(vec![
            Val::I(s.order_id.0),
            s.status.as_str().into(),
            decision.into(),
            ids_json.into(),
            Val::I(now),
            actor.0.as_str().into(),
        ]);
    }
    insert_rows(
        c,
        "order_allocations",
        &[
            "order_id",
            "status",
            "decision",
            "reservation_ids",
            "created_at",
            "created_by",
        ],
        rows,
        "",
    )
    .await?;
    audit_many(c, actor, "allocate", "order", audits).await?;
    Ok(saved)
}

/// `audit_json` of an allocation from its decision and reservation ids as text.
fn audit_text(decision: &str, reservation_ids: &str, status: AllocationStatus) -> String {
    format!(
        r#"{{"decision":{decision},"reservation_ids":{reservation_ids},"status":"{}"}}"#,
        status.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_text_written_by_hand_is_audit_json() {
        let a = Allocation {
            order_id: OrderId(7),
            status: AllocationStatus::Allocated,
            decision: serde_json::json!({"why": [{"by": "就近 / nearest"}], "missing": []}),
            reservation_ids: vec![ReservationId(3), ReservationId(4)],
            created_at: 0,
            created_by: "t".into(),
        };
        let ids = serde_json::to_string(&a.reservation_ids).unwrap();
        assert_eq!(
            audit_text(&a.decision.to_string(), &ids, a.status),
            audit_json(&a).to_string()
        );
    }
}
