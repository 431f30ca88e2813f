//! 订单: intake (idempotent, with change events), the queue, holds and events.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use jxc_core::ids::{OrderId, ShopId, SkuId};
use jxc_core::money::Fen;
use jxc_core::orders::merge::{MergeCandidate, can_merge};
use jxc_core::orders::rules::{NewRule, Rule};
use jxc_core::orders::split::{PartLine, check_split};
use jxc_core::orders::{HoldReason, NewOrder, OrderLine, OrderState, Receiver, changes};
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, BulkOutcome, Hold, IncomingOrder, ListFilter, OrderCounts, OrderEvent, OrderFilter,
    OrderImportAction, OrderImportOutcome, OrderStore, OrderSummary, Result, StoreError,
    StoredOrder,
};

use super::SqlStore;
use super::records::{self, Record, Scope, push_keyset};
use super::util::*;

/// The columns a new order writes: ours, then the platform's ([`PLATFORM_COLS`]), then
/// when it was imported.
const OUR_COLS: &[&str] = &["id", "shop_id", "platform_order_id", "state", "held"];

/// The columns an update from the platform rewrites (not our state, tags or priority).
const PLATFORM_COLS: &[&str] = &[
    "platform_status",
    "buyer_nick",
    "buyer_id",
    "receiver_name",
    "receiver_mobile",
    "receiver_phone",
    "province",
    "city",
    "district",
    "town",
    "address_detail",
    "zip",
    "buyer_message",
    "seller_memo",
    "seller_flag",
    "created_at",
    "paid_at",
    "currency",
    "goods_amount",
    "shipping_fee",
    "discount_merchant",
    "discount_platform",
    "points_value",
    "paid_amount",
    "merge_key",
    "source_json",
    "updated_at",
];

const LINE_COLS: &[&str] = &[
    "order_id",
    "line_no",
    "platform_line_id",
    "platform_item_id",
    "platform_sku_id",
    "outer_code",
    "title",
    "spec",
    "qty",
    "unit_price",
    "line_discount",
    "order_discount_share",
    "shipping_share",
    "paid",
    "refund_status",
    "sku_id",
];

fn platform_values(o: &NewOrder, source: &str, now: i64) -> Vec<Val> {
    platform_values_keyed(o, source, o.merge_key(), now)
}

/// [`platform_values`] with the merge key already worked out.
fn platform_values_keyed(o: &NewOrder, source: &str, merge_key: String, now: i64) -> Vec<Val> {
    let r = &o.receiver;
    vec![
        o.platform_status.as_str().into(),
        o.buyer_nick.as_str().into(),
        o.buyer_id.as_str().into(),
        r.name.as_str().into(),
        r.mobile.as_str().into(),
        r.phone.as_str().into(),
        r.province.as_str().into(),
        r.city.as_str().into(),
        r.district.as_str().into(),
        r.town.as_str().into(),
        r.detail.as_str().into(),
        r.zip.as_str().into(),
        o.buyer_message.as_str().into(),
        o.seller_memo.as_str().into(),
        Val::I(o.seller_flag),
        Val::I(o.created_at),
        Val::OI(o.paid_at),
        o.currency.as_str().into(),
        Val::I(o.goods_amount.0),
        Val::I(o.shipping_fee.0),
        Val::I(o.discount_merchant.0),
        Val::I(o.discount_platform.0),
        Val::I(o.points_value.0),
        Val::I(o.paid_amount.0),
        Val::T(merge_key),
        source.into(),
        Val::I(now),
    ]
}

fn line_rows(order_id: i64, lines: &[OrderLine]) -> Vec<Vec<Val>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                Val::I(order_id),
                Val::I(i as i64 + 1),
                l.platform_line_id.as_str().into(),
                l.platform_item_id.as_str().into(),
                l.platform_sku_id.as_str().into(),
                l.outer_code.as_str().into(),
                l.title.as_str().into(),
                l.spec.as_str().into(),
                Val::I(l.qty),
                Val::I(l.unit_price.0),
                Val::I(l.line_discount.0),
                Val::I(l.order_discount_share.0),
                Val::I(l.shipping_share.0),
                Val::I(l.paid.0),
                l.refund_status.as_str().into(),
                Val::OI(l.sku_id.map(|s| s.0)),
            ]
        })
        .collect()
}

fn source_json(o: &NewOrder) -> Result<String> {
    // Sized for a usual order up front: growing the buffer step by step costs more.
    let mut buf = Vec::with_capacity(1024 + 384 * o.lines.len());
    serde_json::to_writer(&mut buf, o)
        .map_err(|e| StoreError::Database(format!("order to JSON: {e}")))?;
    String::from_utf8(buf).map_err(|e| StoreError::Database(format!("order to JSON: {e}")))
}

/// Holds and events written at the end of an import, in bulk.
#[derive(Default)]
struct Writes {
    holds: Vec<Vec<Val>>,
    events: Vec<Vec<Val>>,
    touched: BTreeSet<i64>,
}

impl Writes {
    fn hold(&mut self, order: i64, reason: HoldReason, note: &str, now: i64, actor: &Actor) {
        self.holds.push(vec![
            Val::I(order),
            reason.as_str().into(),
            note.into(),
            Val::I(now),
            actor.0.as_str().into(),
        ]);
        self.event(order, "held", reason.as_str(), now, actor);
    }

    fn event(&mut self, order: i64, kind: &str, detail: &str, now: i64, actor: &Actor) {
        self.event_untouched(order, kind, detail.into(), now, actor);
        self.touched.insert(order);
    }

    /// A hold on an order created in this transaction, whose row was written with
    /// `held` already set: no refresh of `held` needed.
    fn hold_new(&mut self, order: i64, reason: HoldReason, now: i64, actor: &Actor) {
        self.holds.push(vec![
            Val::I(order),
            reason.as_str().into(),
            "".into(),
            Val::I(now),
            actor.0.as_str().into(),
        ]);
        self.event_untouched(order, "held", reason.as_str().into(), now, actor);
    }

    /// An event that changes nothing `held` depends on.
    fn event_untouched(&mut self, order: i64, kind: &str, detail: Val, now: i64, actor: &Actor) {
        self.events.push(vec![
            Val::I(order),
            Val::I(now),
            actor.0.as_str().into(),
            kind.into(),
            detail,
        ]);
    }

    /// Writes what was gathered and commits.
    async fn finish(self, mut tx: sqlx::Transaction<'static, crate::Db>) -> Result<()> {
        self.flush(&mut tx).await?;
        tx.commit().await.db()
    }

    /// Writes what was gathered, reads the order back as it now is, and commits.
    async fn finish_reloaded(
        self,
        mut tx: sqlx::Transaction<'static, crate::Db>,
        id: OrderId,
    ) -> Result<StoredOrder> {
        self.flush(&mut tx).await?;
        let after = load(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("order", id))?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn flush(self, c: &mut Conn) -> Result<()> {
        insert_rows_overlapped(
            c,
            "order_holds",
            &["order_id", "reason", "note", "created_at", "created_by"],
            self.holds.into_iter(),
            "",
        )
        .await?;
        insert_rows_overlapped(
            c,
            "order_events",
            &["order_id", "at", "actor", "kind", "detail"],
            self.events.into_iter(),
            "",
        )
        .await?;
        refresh_held(c, &self.touched).await
    }
}

/// `held` = the order has a live hold.
async fn refresh_held(c: &mut Conn, ids: &BTreeSet<i64>) -> Result<()> {
    let ids: Vec<i64> = ids.iter().copied().collect();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(
            "UPDATE orders SET held = EXISTS (SELECT 1 FROM order_holds h \
             WHERE h.order_id = orders.id AND h.released_at IS NULL) WHERE ",
        );
        push_in(&mut sql, "id", chunk.iter().map(|&i| Val::I(i)));
        sql.execute(c).await?;
    }
    Ok(())
}

/// Live hold reasons per order.
async fn live_holds(c: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, Vec<HoldReason>>> {
    let mut out: HashMap<i64, Vec<HoldReason>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut sql =
            Sql::new("SELECT order_id, reason FROM order_holds WHERE released_at IS NULL AND ");
        push_in(&mut sql, "order_id", chunk.iter().map(|&i| Val::I(i)));
        for r in sql.fetch_all(c).await? {
            if let Some(reason) = HoldReason::parse(&col::<String>(&r, "reason")?) {
                out.entry(col(&r, "order_id")?).or_default().push(reason);
            }
        }
    }
    Ok(out)
}

/// Releases live holds of `order` (all, or those of `reasons`), recording who and why.
async fn release(
    c: &mut Conn,
    w: &mut Writes,
    order: i64,
    reasons: Option<&[HoldReason]>,
    note: &str,
    now: i64,
    actor: &Actor,
) -> Result<u64> {
    let mut sql = Sql::new("UPDATE order_holds SET released_at = ");
    sql.bind(now)
        .push(", released_by = ")
        .bind(actor.0.as_str())
        .push(", release_note = ")
        .bind(note)
        .push(" WHERE order_id = ")
        .bind(order)
        .push(" AND released_at IS NULL");
    if let Some(rs) = reasons {
        sql.push(" AND ");
        push_in(&mut sql, "reason", rs.iter().map(|r| Val::from(r.as_str())));
    }
    let n = sql.execute(c).await?;
    if n > 0 {
        let what = reasons
            .map(|rs| rs.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","))
            .unwrap_or_else(|| "all".into());
        w.event(order, "released", &format!("{what}: {note}"), now, actor);
    }
    Ok(n)
}

fn order_from_row(r: &Row) -> Result<(OrderId, OrderState, NewOrder, Vec<String>, i64, i64, i64)> {
    let state = OrderState::parse(&col::<String>(r, "state")?)
        .ok_or_else(|| StoreError::Database("stored order has an unknown state".into()))?;
    let order = NewOrder {
        shop_id: ShopId(col(r, "shop_id")?),
        platform_order_id: col(r, "platform_order_id")?,
        platform_status: col(r, "platform_status")?,
        buyer_nick: col(r, "buyer_nick")?,
        buyer_id: col(r, "buyer_id")?,
        receiver: Receiver {
            name: col(r, "receiver_name")?,
            mobile: col(r, "receiver_mobile")?,
            phone: col(r, "receiver_phone")?,
            province: col(r, "province")?,
            city: col(r, "city")?,
            district: col(r, "district")?,
            town: col(r, "town")?,
            detail: col(r, "address_detail")?,
            zip: col(r, "zip")?,
        },
        buyer_message: col(r, "buyer_message")?,
        seller_memo: col(r, "seller_memo")?,
        seller_flag: col(r, "seller_flag")?,
        created_at: col(r, "created_at")?,
        paid_at: col(r, "paid_at")?,
        currency: col(r, "currency")?,
        goods_amount: Fen(col(r, "goods_amount")?),
        shipping_fee: Fen(col(r, "shipping_fee")?),
        discount_merchant: Fen(col(r, "discount_merchant")?),
        discount_platform: Fen(col(r, "discount_platform")?),
        points_value: Fen(col(r, "points_value")?),
        paid_amount: Fen(col(r, "paid_amount")?),
        lines: vec![],
    };
    let tags = col::<String>(r, "tags")?
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    Ok((
        OrderId(col(r, "id")?),
        state,
        order,
        tags,
        col(r, "priority")?,
        col(r, "imported_at")?,
        col(r, "updated_at")?,
    ))
}

fn line_from_row(r: &Row) -> Result<OrderLine> {
    Ok(OrderLine {
        platform_line_id: col(r, "platform_line_id")?,
        platform_item_id: col(r, "platform_item_id")?,
        platform_sku_id: col(r, "platform_sku_id")?,
        outer_code: col(r, "outer_code")?,
        title: col(r, "title")?,
        spec: col(r, "spec")?,
        qty: col(r, "qty")?,
        unit_price: Fen(col(r, "unit_price")?),
        line_discount: Fen(col(r, "line_discount")?),
        order_discount_share: Fen(col(r, "order_discount_share")?),
        shipping_share: Fen(col(r, "shipping_share")?),
        paid: Fen(col(r, "paid")?),
        refund_status: col(r, "refund_status")?,
        sku_id: col::<Option<i64>>(r, "sku_id")?.map(SkuId),
    })
}

async fn load(c: &mut Conn, id: OrderId) -> Result<Option<StoredOrder>> {
    let Some(r) = Sql::new("SELECT * FROM orders WHERE id = ")
        .bind(id.0)
        .fetch_optional(c)
        .await?
    else {
        return Ok(None);
    };
    let (id, state, mut order, tags, priority, imported, updated) = order_from_row(&r)?;
    order.lines = Sql::new("SELECT * FROM order_lines WHERE order_id = ")
        .bind(id.0)
        .push(" ORDER BY line_no")
        .fetch_all(c)
        .await?
        .iter()
        .map(line_from_row)
        .collect::<Result<_>>()?;
    let holds = Sql::new("SELECT * FROM order_holds WHERE order_id = ")
        .bind(id.0)
        .push(" ORDER BY id")
        .fetch_all(c)
        .await?
        .iter()
        .map(|h| {
            Ok(Hold {
                id: col(h, "id")?,
                reason: HoldReason::parse(&col::<String>(h, "reason")?)
                    .unwrap_or(HoldReason::Manual),
                note: col(h, "note")?,
                created_at: ts(col(h, "created_at")?),
                created_by: col(h, "created_by")?,
                released_at: col::<Option<i64>>(h, "released_at")?.map(ts),
                released_by: col(h, "released_by")?,
                release_note: col(h, "release_note")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Some(StoredOrder {
        id,
        state,
        order,
        holds,
        tags,
        priority,
        merge_group: col::<Option<i64>>(&r, "merge_group")?.map(OrderId),
        parts: {
            let mut parts: Vec<Vec<PartLine>> = Vec::new();
            for p in Sql::new("SELECT part_no, line_no, qty FROM order_parts WHERE order_id = ")
                .bind(id.0)
                .push(" ORDER BY part_no, line_no")
                .fetch_all(c)
                .await?
            {
                let no: i64 = col(&p, "part_no")?;
                while parts.len() < no as usize {
                    parts.push(Vec::new());
                }
                parts[no as usize - 1].push(PartLine {
                    line: col::<i64>(&p, "line_no")? as usize,
                    qty: col(&p, "qty")?,
                });
            }
            parts
        },
        imported_at: ts(imported),
        updated_at: ts(updated),
    }))
}

/// The orders of `ids` with their state, for the bulk actions.
async fn states(c: &mut Conn, ids: &[OrderId]) -> Result<HashMap<i64, OrderState>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new("SELECT id, state FROM orders WHERE ");
        push_in(&mut sql, "id", chunk.iter().map(|i| Val::I(i.0)));
        for r in sql.fetch_all(c).await? {
            if let Some(s) = OrderState::parse(&col::<String>(&r, "state")?) {
                out.insert(col(&r, "id")?, s);
            }
        }
    }
    Ok(out)
}

/// The audit row of a person's action on an order (what it was, what it became, why).
async fn audit_order(
    c: &mut Conn,
    actor: &Actor,
    action: &str,
    order: i64,
    before: &str,
    after: &str,
    note: &str,
) -> Result<()> {
    let before = (!before.is_empty()).then(|| serde_json::json!({ "value": before }));
    let after = serde_json::json!({ "value": after, "note": note });
    audit(c, actor, action, "order", order, before, Some(after)).await
}

fn outcome(id: OrderId, result: std::result::Result<(), String>) -> BulkOutcome {
    BulkOutcome {
        order_id: id,
        ok: result.is_ok(),
        reason: result.err().unwrap_or_default(),
    }
}

const NOT_FOUND: &str = "订单不存在 / no such order";

/// Platform order id → shop → (order id, source JSON, state).
type Known = HashMap<String, HashMap<i64, (i64, String, OrderState)>>;

/// Shops and their platforms (for duplicates across shops of one platform), and what is
/// already there under the platform order ids of `incoming`. The shops of one platform
/// order id also tell duplicates apart.
async fn read_known(
    c: &mut Conn,
    incoming: &[IncomingOrder],
) -> Result<(HashMap<i64, String>, Known)> {
    let platforms: HashMap<i64, String> = Sql::new("SELECT id, platform FROM shops")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((col(r, "id")?, col(r, "platform")?)))
        .collect::<Result<_>>()?;
    let pids: BTreeSet<&str> = incoming
        .iter()
        .map(|o| o.order.platform_order_id.as_str())
        .collect();
    let mut known: Known = HashMap::new();
    let pids: Vec<&str> = pids.into_iter().collect();
    for chunk in pids.chunks(500) {
        let mut sql = Sql::new(
            "SELECT id, shop_id, platform_order_id, source_json, state FROM orders WHERE ",
        );
        push_in(
            &mut sql,
            "platform_order_id",
            chunk.iter().map(|p| Val::from(*p)),
        );
        for r in sql.fetch_all(c).await? {
            let shop: i64 = col(&r, "shop_id")?;
            let pid: String = col(&r, "platform_order_id")?;
            let state = OrderState::parse(&col::<String>(&r, "state")?)
                .unwrap_or(OrderState::PendingReview);
            known
                .entry(pid)
                .or_default()
                .insert(shop, (col(&r, "id")?, col(&r, "source_json")?, state));
        }
    }
    Ok((platforms, known))
}

/// The JSON of each order, stepping aside now and then so that a statement waiting on
/// the database is answered and the next one sent.
async fn sources_of(incoming: &[IncomingOrder]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(incoming.len());
    for (i, inc) in incoming.iter().enumerate() {
        if i % 100 == 99 {
            tokio::task::yield_now().await;
        }
        out.push(source_json(&inc.order)?);
    }
    Ok(out)
}

#[async_trait]
impl OrderStore for SqlStore {
    async fn import_orders(
        &self,
        incoming: &[IncomingOrder],
        actor: &Actor,
    ) -> Result<Vec<OrderImportOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        // The orders' JSON is written while the database looks up what is there.
        let (known, sources) =
            tokio::join!(biased; read_known(&mut tx, incoming), sources_of(incoming));
        let (platforms, mut known) = known?;
        let known_at = |known: &Known, o: &NewOrder| {
            known
                .get(o.platform_order_id.as_str())
                .is_some_and(|m| m.contains_key(&o.shop_id.0))
        };
        let new_count = incoming
            .iter()
            .filter(|o| !known_at(&known, &o.order))
            .count();
        let mut ids = crate::dialect::next_ids(&mut tx, "orders", new_count)
            .await?
            .into_iter();
        let mut w = Writes::default();
        // New orders (id, order, merge key, held) and the lines to write, in
        // order; their rows are made while the statements run.
        let mut new_orders = Vec::with_capacity(new_count);
        let mut lines: Vec<(i64, &[OrderLine])> = Vec::with_capacity(incoming.len());
        let mut outcomes = Vec::with_capacity(incoming.len());
        let mut keys = BTreeSet::new();
        for (inc, source) in incoming.iter().zip(sources?) {
            let o = &inc.order;
            let found_known = known
                .get(o.platform_order_id.as_str())
                .and_then(|m| m.get(&o.shop_id.0))
                .map(|(id, old_source, state)| (*id, old_source == &source, *state));
            if let Some((id, same, state)) = found_known {
                if same {
                    outcomes.push(OrderImportOutcome {
                        row: inc.row,
                        order_id: OrderId(id),
                        action: OrderImportAction::Unchanged,
                        changes: vec![],
                    });
                    continue;
                }
                let old_source = &known[o.platform_order_id.as_str()][&o.shop_id.0].1;
                let old: NewOrder = serde_json::from_str(old_source)
                    .map_err(|e| StoreError::Database(format!("stored order JSON: {e}")))?;
                let found = changes(&old, o);
                let mut sql = Sql::new("UPDATE orders SET ");
                for (i, (c, v)) in PLATFORM_COLS
                    .iter()
                    .zip(platform_values(o, &source, now))
                    .enumerate()
                {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.push(c).push(" = ").bind(v);
                }
                sql.push(" WHERE id = ").bind(id).execute(&mut tx).await?;
                Sql::new("DELETE FROM order_lines WHERE order_id = ")
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
                lines.push((id, &o.lines));
                for ch in &found {
                    w.event(id, "changed", &ch.describe(), now, actor);
                }
                let live = live_holds(&mut tx, &[id])
                    .await?
                    .remove(&id)
                    .unwrap_or_default();
                if state != OrderState::Cancelled {
                    if found.iter().any(|c| c.holds())
                        && !live.contains(&HoldReason::PlatformChange)
                    {
                        let what: Vec<String> = found
                            .iter()
                            .filter(|c| c.holds())
                            .map(|c| c.describe())
                            .collect();
                        w.hold(id, HoldReason::PlatformChange, &what.join("; "), now, actor);
                    }
                    for r in &inc.holds {
                        if !live.contains(r) {
                            w.hold(id, *r, "", now, actor);
                        }
                    }
                    // Holds a detector set clear themselves once the cause is gone.
                    let cleared: Vec<HoldReason> = live
                        .iter()
                        .copied()
                        .filter(|r| r.auto_clears() && !inc.holds.contains(r))
                        .collect();
                    if !cleared.is_empty() {
                        release(
                            &mut tx,
                            &mut w,
                            id,
                            Some(&cleared),
                            "已自动解除 / cleared: fixed",
                            now,
                            actor,
                        )
                        .await?;
                    }
                }
                keys.insert(o.merge_key());
                outcomes.push(OrderImportOutcome {
                    row: inc.row,
                    order_id: OrderId(id),
                    action: OrderImportAction::Changed,
                    changes: found,
                });
                continue;
            }
            let Some(id) = ids.next() else {
                return Err(StoreError::Database("order id allocation ran short".into()));
            };
            let mut holds: Vec<HoldReason> = inc.holds.clone();
            let platform = platforms.get(&o.shop_id.0);
            let shops = known.entry(o.platform_order_id.clone()).or_default();
            let dup = shops
                .keys()
                .any(|s| *s != o.shop_id.0 && platforms.get(s) == platform);
            if dup {
                holds.push(HoldReason::Duplicate);
            }
            holds.sort();
            holds.dedup();
            let merge_key = o.merge_key();
            // Its holds are written below, in this transaction.
            let held = !holds.is_empty();
            new_orders.push((id, o, merge_key.clone(), held));
            shops.insert(o.shop_id.0, (id, source, OrderState::PendingReview));
            lines.push((id, &o.lines));
            w.event_untouched(
                id,
                "imported",
                format!("row {}", inc.row).into(),
                now,
                actor,
            );
            for r in holds {
                w.hold_new(id, r, now, actor);
            }
            keys.insert(merge_key);
            outcomes.push(OrderImportOutcome {
                row: inc.row,
                order_id: OrderId(id),
                action: OrderImportAction::Created,
                changes: vec![],
            });
        }
        let order_cols: Vec<&str> = [OUR_COLS, PLATFORM_COLS, &["imported_at"]].concat();
        let order_rows = new_orders.into_iter().map(|(id, o, merge_key, held)| {
            let source = &known[o.platform_order_id.as_str()][&o.shop_id.0].1;
            let mut row = Vec::with_capacity(order_cols.len());
            row.extend([
                Val::I(id),
                Val::I(o.shop_id.0),
                o.platform_order_id.as_str().into(),
                OrderState::PendingReview.as_str().into(),
                Val::B(held),
            ]);
            row.extend(platform_values_keyed(o, source, merge_key, now));
            row.push(Val::I(now));
            row
        });
        insert_rows_overlapped(&mut tx, "orders", &order_cols, order_rows, "").await?;
        let line_rows = lines
            .into_iter()
            .flat_map(|(id, lines)| line_rows(id, lines));
        insert_rows_overlapped(&mut tx, "order_lines", LINE_COLS, line_rows, "").await?;
        // 合单 candidates: paid, open orders sharing a merge key.
        let keys: Vec<String> = keys.into_iter().collect();
        let mut groups: HashMap<String, Vec<i64>> = HashMap::new();
        for chunk in keys.chunks(1000) {
            // Only the keys more than one order shares come back (most keys have one).
            let mut sql = Sql::new(
                "SELECT id, merge_key FROM orders WHERE state <> 'cancelled' AND paid_at IS NOT NULL \
                 AND merge_key IN (SELECT merge_key FROM orders WHERE state <> 'cancelled' \
                 AND paid_at IS NOT NULL AND ",
            );
            push_in(
                &mut sql,
                "merge_key",
                chunk.iter().map(|k| Val::from(k.as_str())),
            );
            sql.push(" GROUP BY merge_key HAVING COUNT(*) > 1)");
            for r in sql.fetch_all(&mut tx).await? {
                groups
                    .entry(col(&r, "merge_key")?)
                    .or_default()
                    .push(col(&r, "id")?);
            }
        }
        let candidates: Vec<i64> = groups
            .into_values()
            .filter(|g| g.len() > 1)
            .flatten()
            .collect();
        let live = live_holds(&mut tx, &candidates).await?;
        let pending: HashMap<i64, Vec<HoldReason>> =
            w.holds.iter().fold(HashMap::new(), |mut m, h| {
                if let (Val::I(id), Val::T(r)) = (&h[0], &h[1]) {
                    if let Some(r) = HoldReason::parse(r) {
                        m.entry(*id).or_default().push(r);
                    }
                }
                m
            });
        for id in candidates {
            let has = live
                .get(&id)
                .is_some_and(|v| v.contains(&HoldReason::MergeCandidate))
                || pending
                    .get(&id)
                    .is_some_and(|v| v.contains(&HoldReason::MergeCandidate));
            if !has {
                w.hold(id, HoldReason::MergeCandidate, "", now, actor);
            }
        }
        w.finish(tx).await?;
        Ok(outcomes)
    }

    async fn get_order(&self, id: OrderId) -> Result<Option<StoredOrder>> {
        let mut c = self.read.acquire().await.db()?;
        load(&mut c, id).await
    }

    async fn list_orders(&self, f: &OrderFilter, page: &PageRequest) -> Result<Page<OrderSummary>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new(
            "SELECT o.id, o.shop_id, s.name AS shop_name, s.platform, o.platform_order_id, \
             o.platform_status, o.state, o.buyer_nick, o.receiver_name, o.province, o.city, \
             o.paid_amount, o.created_at, o.tags, o.buyer_message, o.merge_group, \
             (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS line_count, \
             (SELECT CAST(COALESCE(SUM(l.qty), 0) AS BIGINT) FROM order_lines l WHERE l.order_id = o.id) AS qty \
             FROM orders o JOIN shops s ON s.id = o.shop_id WHERE 1 = 1",
        );
        if let Some(st) = f.state {
            sql.push(" AND o.state = ").bind(st.as_str());
        }
        if let Some(h) = f.held {
            sql.push(" AND o.held = ").bind(h);
        }
        if let Some(r) = f.hold_reason {
            sql.push(" AND EXISTS (SELECT 1 FROM order_holds h WHERE h.order_id = o.id AND h.released_at IS NULL AND h.reason = ")
                .bind(r.as_str())
                .push(")");
        }
        if let Some(s) = f.shop_id {
            sql.push(" AND o.shop_id = ").bind(s.0);
        }
        if !f.shop_ids.is_empty() {
            sql.push(" AND ");
            push_in(
                &mut sql,
                "o.shop_id",
                f.shop_ids.iter().map(|s| Val::I(s.0)),
            );
        }
        if let Some(p) = f.platform.as_deref().filter(|p| !p.is_empty()) {
            sql.push(" AND s.platform = ").bind(p);
        }
        if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
            let p = like_pattern(q);
            sql.push(" AND (LOWER(o.platform_order_id) LIKE ")
                .bind(p.clone())
                .push(" ESCAPE '\\' OR LOWER(o.buyer_nick) LIKE ")
                .bind(p.clone())
                .push(" ESCAPE '\\' OR LOWER(o.receiver_name) LIKE ")
                .bind(p)
                .push(" ESCAPE '\\')");
        }
        if let Some(p) = f.province.as_deref().filter(|p| !p.is_empty()) {
            sql.push(" AND o.province = ").bind(p);
        }
        if let Some(s) = f.sku_id {
            sql.push(
                " AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku_id = ",
            )
            .bind(s.0)
            .push(")");
        }
        if let Some(t) = f.tag.as_deref().filter(|t| !t.is_empty()) {
            sql.push(" AND (',' || o.tags || ',') LIKE ")
                .bind(format!("%,{},%", t.replace(['%', '_', '\\'], "")));
        }
        if let Some(g) = f.merge_group {
            sql.push(" AND o.merge_group = ").bind(g.0);
        }
        if let Some(t) = f.created_from {
            sql.push(" AND o.created_at >= ").bind(t.timestamp_millis());
        }
        if let Some(t) = f.created_to {
            sql.push(" AND o.created_at < ").bind(t.timestamp_millis());
        }
        push_keyset(&mut sql, "o.id", "o.id", page);
        let rows = sql.fetch_all(&mut c).await?;
        let ids: Vec<i64> = rows.iter().map(|r| col(r, "id")).collect::<Result<_>>()?;
        let holds = live_holds(&mut c, &ids).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let mut hs = holds.get(&id).cloned().unwrap_or_default();
            hs.sort();
            hs.dedup();
            items.push((
                id,
                OrderSummary {
                    id: OrderId(id),
                    shop_id: ShopId(col(r, "shop_id")?),
                    shop_name: col(r, "shop_name")?,
                    platform: col(r, "platform")?,
                    platform_order_id: col(r, "platform_order_id")?,
                    platform_status: col(r, "platform_status")?,
                    state: OrderState::parse(&col::<String>(r, "state")?)
                        .unwrap_or(OrderState::PendingReview),
                    holds: hs,
                    buyer_nick: col(r, "buyer_nick")?,
                    receiver_name: col(r, "receiver_name")?,
                    province: col(r, "province")?,
                    city: col(r, "city")?,
                    paid_amount: Fen(col(r, "paid_amount")?),
                    created_at: ts(col(r, "created_at")?),
                    line_count: col(r, "line_count")?,
                    qty: col(r, "qty")?,
                    tags: col::<String>(r, "tags")?
                        .split(',')
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                        .collect(),
                    buyer_message: col(r, "buyer_message")?,
                    merge_group: col::<Option<i64>>(r, "merge_group")?.map(OrderId),
                },
            ));
        }
        let page = Page::from_rows(items, page.limit, |(id, _)| Cursor {
            key: String::new(),
            id: *id,
        });
        Ok(Page {
            items: page.items.into_iter().map(|(_, s)| s).collect(),
            next: page.next,
        })
    }

    async fn order_counts(&self, shop_ids: &[ShopId]) -> Result<OrderCounts> {
        let mut c = self.read.acquire().await.db()?;
        let scope = |sql: &mut Sql, alias: &str| {
            if !shop_ids.is_empty() {
                sql.push(" AND ");
                push_in(
                    sql,
                    &format!("{alias}shop_id"),
                    shop_ids.iter().map(|s| Val::I(s.0)),
                );
            }
        };
        let mut sql = Sql::new(
            "SELECT state, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(CASE WHEN held THEN 1 ELSE 0 END) AS BIGINT) AS h FROM orders WHERE 1 = 1",
        );
        scope(&mut sql, "");
        sql.push(" GROUP BY state");
        let mut out = OrderCounts::default();
        for r in sql.fetch_all(&mut c).await? {
            let n: i64 = col(&r, "n")?;
            out.held += col::<Option<i64>>(&r, "h")?.unwrap_or(0);
            match OrderState::parse(&col::<String>(&r, "state")?) {
                Some(OrderState::PendingReview) => out.pending_review = n,
                Some(OrderState::Approved) => out.approved = n,
                Some(OrderState::Cancelled) => out.cancelled = n,
                None => {}
            }
        }
        let mut sql = Sql::new(
            "SELECT h.reason, CAST(COUNT(DISTINCT h.order_id) AS BIGINT) AS n FROM order_holds h \
             JOIN orders o ON o.id = h.order_id WHERE h.released_at IS NULL",
        );
        scope(&mut sql, "o.");
        sql.push(" GROUP BY h.reason");
        for r in sql.fetch_all(&mut c).await? {
            if let Some(reason) = HoldReason::parse(&col::<String>(&r, "reason")?) {
                out.by_reason.push((reason, col(&r, "n")?));
            }
        }
        out.by_reason.sort();
        Ok(out)
    }

    async fn order_events(&self, id: OrderId) -> Result<Vec<OrderEvent>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new("SELECT * FROM order_events WHERE order_id = ")
            .bind(id.0)
            .push(" ORDER BY id")
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(|r| {
                Ok(OrderEvent {
                    id: col(r, "id")?,
                    at: ts(col(r, "at")?),
                    actor: col(r, "actor")?,
                    kind: col(r, "kind")?,
                    detail: col(r, "detail")?,
                })
            })
            .collect()
    }

    async fn approve_orders(&self, ids: &[OrderId], actor: &Actor) -> Result<Vec<BulkOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let st = states(&mut tx, ids).await?;
        let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let holds = live_holds(&mut tx, &raw).await?;
        let mut w = Writes::default();
        let mut out = Vec::new();
        for id in ids {
            let r = match st.get(&id.0) {
                None => Err(NOT_FOUND.to_string()),
                Some(OrderState::PendingReview) => {
                    let blocking: Vec<&str> = holds
                        .get(&id.0)
                        .into_iter()
                        .flatten()
                        .filter(|r| !r.informational())
                        .map(|r| r.label_zh())
                        .collect();
                    if blocking.is_empty() {
                        Sql::new("UPDATE orders SET state = 'approved', updated_at = ")
                            .bind(now)
                            .push(" WHERE id = ")
                            .bind(id.0)
                            .execute(&mut tx)
                            .await?;
                        w.event(id.0, "approved", "", now, actor);
                        audit_order(
                            &mut tx,
                            actor,
                            "approve",
                            id.0,
                            "pending_review",
                            "approved",
                            "",
                        )
                        .await?;
                        Ok(())
                    } else {
                        Err(format!("有异常未处理 / held: {}", blocking.join("、")))
                    }
                }
                Some(s) => Err(format!(
                    "状态为{}，不能审核 / not pending review",
                    s.label_zh()
                )),
            };
            out.push(outcome(*id, r));
        }
        w.finish(tx).await?;
        Ok(out)
    }

    async fn hold_orders(
        &self,
        ids: &[OrderId],
        reason: HoldReason,
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let st = states(&mut tx, ids).await?;
        let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let holds = live_holds(&mut tx, &raw).await?;
        let mut w = Writes::default();
        let mut out = Vec::new();
        for id in ids {
            let r = match st.get(&id.0) {
                None => Err(NOT_FOUND.to_string()),
                Some(OrderState::Cancelled) => Err("订单已取消 / cancelled".to_string()),
                Some(_) if holds.get(&id.0).is_some_and(|h| h.contains(&reason)) => Ok(()),
                Some(_) => {
                    w.hold(id.0, reason, note, now, actor);
                    audit_order(&mut tx, actor, "hold", id.0, "", reason.as_str(), note).await?;
                    Ok(())
                }
            };
            out.push(outcome(*id, r));
        }
        w.finish(tx).await?;
        Ok(out)
    }

    async fn release_holds(
        &self,
        ids: &[OrderId],
        reason: Option<HoldReason>,
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let st = states(&mut tx, ids).await?;
        let mut w = Writes::default();
        let mut out = Vec::new();
        let reasons = reason.map(|r| vec![r]);
        for id in ids {
            let r = if st.contains_key(&id.0) {
                let n =
                    release(&mut tx, &mut w, id.0, reasons.as_deref(), note, now, actor).await?;
                if n > 0 {
                    let what = reason.map(|r| r.as_str()).unwrap_or("all");
                    audit_order(&mut tx, actor, "release", id.0, what, "", note).await?;
                    Ok(())
                } else {
                    Err("没有可解除的异常 / no live hold".to_string())
                }
            } else {
                Err(NOT_FOUND.to_string())
            };
            out.push(outcome(*id, r));
        }
        w.finish(tx).await?;
        Ok(out)
    }

    async fn tag_orders(
        &self,
        ids: &[OrderId],
        tag: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let mut w = Writes::default();
        let mut out = Vec::new();
        for id in ids {
            let row = Sql::new("SELECT tags FROM orders WHERE id = ")
                .bind(id.0)
                .fetch_optional(&mut tx)
                .await?;
            let r = match row {
                None => Err(NOT_FOUND.to_string()),
                Some(row) => {
                    let mut tags: Vec<String> = col::<String>(&row, "tags")?
                        .split(',')
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                        .collect();
                    if !tags.iter().any(|t| t == tag) {
                        tags.push(tag.to_string());
                        Sql::new("UPDATE orders SET tags = ")
                            .bind(tags.join(","))
                            .push(", updated_at = ")
                            .bind(now)
                            .push(" WHERE id = ")
                            .bind(id.0)
                            .execute(&mut tx)
                            .await?;
                        w.event(id.0, "tagged", tag, now, actor);
                        audit_order(&mut tx, actor, "tag", id.0, "", tag, "").await?;
                    }
                    Ok(())
                }
            };
            out.push(outcome(*id, r));
        }
        w.finish(tx).await?;
        Ok(out)
    }

    async fn merge_orders(&self, ids: &[OrderId], actor: &Actor) -> Result<Vec<BulkOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let mut loaded = Vec::new();
        for id in ids {
            match load(&mut tx, *id).await? {
                Some(o) => loaded.push(o),
                None => {
                    return Ok(ids
                        .iter()
                        .map(|i| outcome(*i, Err(NOT_FOUND.into())))
                        .collect());
                }
            }
        }
        let candidates: Vec<MergeCandidate> = loaded
            .iter()
            .map(|o| MergeCandidate {
                id: o.id,
                order: &o.order,
                state: o.state,
                group: o.merge_group,
            })
            .collect();
        let split = loaded.iter().find(|o| !o.parts.is_empty());
        let checked = match split {
            Some(o) => Err(format!(
                "订单 {0} 已拆单，请先取消拆单 / order {0} is split: unsplit it first",
                o.order.platform_order_id
            )),
            None => can_merge(&candidates),
        };
        if let Err(why) = checked {
            return Ok(ids.iter().map(|i| outcome(*i, Err(why.clone()))).collect());
        }
        // The group is the smallest order id, including any group being extended.
        let group = loaded
            .iter()
            .flat_map(|o| [Some(o.id.0), o.merge_group.map(|g| g.0)])
            .flatten()
            .min()
            .unwrap_or(0);
        let mut w = Writes::default();
        for o in &loaded {
            Sql::new("UPDATE orders SET merge_group = ")
                .bind(group)
                .push(", updated_at = ")
                .bind(now)
                .push(" WHERE id = ")
                .bind(o.id.0)
                .execute(&mut tx)
                .await?;
            w.event(
                o.id.0,
                "merged",
                &format!("合单组 / group {group}"),
                now,
                actor,
            );
            audit_order(&mut tx, actor, "merge", o.id.0, "", &group.to_string(), "").await?;
            release(
                &mut tx,
                &mut w,
                o.id.0,
                Some(&[HoldReason::MergeCandidate]),
                "已合单 / merged",
                now,
                actor,
            )
            .await?;
        }
        w.finish(tx).await?;
        Ok(ids.iter().map(|i| outcome(*i, Ok(()))).collect())
    }

    async fn unmerge_orders(&self, ids: &[OrderId], actor: &Actor) -> Result<Vec<BulkOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let mut w = Writes::default();
        let mut out = Vec::new();
        for id in ids {
            let row = Sql::new("SELECT merge_group FROM orders WHERE id = ")
                .bind(id.0)
                .fetch_optional(&mut tx)
                .await?;
            let r = match row {
                None => Err(NOT_FOUND.to_string()),
                Some(r) => match col::<Option<i64>>(&r, "merge_group")? {
                    None => Err("订单未合单 / not merged".to_string()),
                    Some(group) => {
                        let members: Vec<i64> =
                            Sql::new("SELECT id FROM orders WHERE merge_group = ")
                                .bind(group)
                                .fetch_all(&mut tx)
                                .await?
                                .iter()
                                .map(|r| col(r, "id"))
                                .collect::<Result<_>>()?;
                        Sql::new("UPDATE orders SET merge_group = NULL, updated_at = ")
                            .bind(now)
                            .push(" WHERE merge_group = ")
                            .bind(group)
                            .execute(&mut tx)
                            .await?;
                        for m in members {
                            w.event(
                                m,
                                "unmerged",
                                &format!("合单组 / group {group}"),
                                now,
                                actor,
                            );
                            audit_order(&mut tx, actor, "unmerge", m, &group.to_string(), "", "")
                                .await?;
                        }
                        Ok(())
                    }
                },
            };
            out.push(outcome(*id, r));
        }
        w.finish(tx).await?;
        Ok(out)
    }

    async fn split_order(
        &self,
        id: OrderId,
        parts: &[Vec<PartLine>],
        actor: &Actor,
    ) -> Result<StoredOrder> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let o = load(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("order", id))?;
        let refuse = |m: &str| Err(StoreError::Domain(jxc_core::Error::Rule(m.into())));
        if o.state == OrderState::Cancelled {
            return refuse("订单已取消，不能拆单 / the order is cancelled");
        }
        if o.merge_group.is_some() {
            return refuse("订单已合单，请先取消合单 / the order is merged: unmerge it first");
        }
        let parts = check_split(&o.order.lines, parts).map_err(StoreError::Domain)?;
        Sql::new("DELETE FROM order_parts WHERE order_id = ")
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        let mut rows = Vec::new();
        for (pi, p) in parts.iter().enumerate() {
            for l in p {
                rows.push(vec![
                    Val::I(id.0),
                    Val::I(pi as i64 + 1),
                    Val::I(l.line as i64),
                    Val::I(l.qty),
                ]);
            }
        }
        insert_rows(
            &mut tx,
            "order_parts",
            &["order_id", "part_no", "line_no", "qty"],
            rows,
            "",
        )
        .await?;
        let detail = serde_json::to_string(&parts).unwrap_or_default();
        let mut w = Writes::default();
        w.event(id.0, "split", &detail, now, actor);
        audit_order(&mut tx, actor, "split", id.0, "", &detail, "").await?;
        w.finish_reloaded(tx, id).await
    }

    async fn unsplit_order(&self, id: OrderId, actor: &Actor) -> Result<StoredOrder> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let n = Sql::new("DELETE FROM order_parts WHERE order_id = ")
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Err(StoreError::Domain(jxc_core::Error::Rule(
                "订单未拆单 / the order is not split".into(),
            )));
        }
        let mut w = Writes::default();
        w.event(id.0, "unsplit", "", now, actor);
        audit_order(&mut tx, actor, "unsplit", id.0, "split", "whole", "").await?;
        w.finish_reloaded(tx, id).await
    }

    async fn set_order_priority(
        &self,
        ids: &[OrderId],
        priority: i64,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let mut w = Writes::default();
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new("UPDATE orders SET priority = ");
            sql.bind(priority)
                .push(", updated_at = ")
                .bind(now)
                .push(" WHERE ");
            push_in(&mut sql, "id", chunk.iter().map(|i| Val::I(i.0)));
            sql.execute(&mut tx).await?;
        }
        for id in ids {
            w.event(id.0, "priority", &priority.to_string(), now, actor);
        }
        w.finish(tx).await
    }

    async fn create_rule(&self, r: &NewRule, actor: &Actor) -> Result<Rule> {
        records::create::<Rule>(&self.write, r, &Scope::default(), actor).await
    }

    async fn update_rule(&self, id: i64, r: &NewRule, actor: &Actor) -> Result<Rule> {
        records::modify::<Rule>(&self.write, id, r, &Scope::default(), actor).await
    }

    async fn get_rule(&self, id: i64) -> Result<Option<Rule>> {
        let mut c = self.read.acquire().await.db()?;
        records::get::<Rule>(&mut c, id, &Scope::default()).await
    }

    async fn list_rules(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page<Rule>> {
        let mut c = self.read.acquire().await.db()?;
        records::list::<Rule>(&mut c, filter, &Scope::default(), page, |_| {}).await
    }

    async fn cancel_orders(
        &self,
        ids: &[OrderId],
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let st = states(&mut tx, ids).await?;
        let shipped = super::shipments::shipped_orders(&mut tx, ids).await?;
        let mut w = Writes::default();
        let mut out = Vec::new();
        for id in ids {
            let r = match st.get(&id.0) {
                None => Err(NOT_FOUND.to_string()),
                Some(OrderState::Cancelled) => Err("订单已取消 / already cancelled".to_string()),
                Some(_) if shipped.contains(id) => {
                    Err("订单已发货，不能取消 / the order has shipped".to_string())
                }
                Some(_) => {
                    Sql::new(
                        "UPDATE orders SET state = 'cancelled', merge_group = NULL, updated_at = ",
                    )
                    .bind(now)
                    .push(" WHERE id = ")
                    .bind(id.0)
                    .execute(&mut tx)
                    .await?;
                    w.event(id.0, "cancelled", note, now, actor);
                    audit_order(&mut tx, actor, "cancel", id.0, "", "cancelled", note).await?;
                    release(
                        &mut tx,
                        &mut w,
                        id.0,
                        None,
                        "订单取消 / cancelled",
                        now,
                        actor,
                    )
                    .await?;
                    Ok(())
                }
            };
            out.push(outcome(*id, r));
        }
        w.finish(tx).await?;
        Ok(out)
    }

    async fn update_receiver(
        &self,
        id: OrderId,
        receiver: &Receiver,
        holds: &[HoldReason],
        actor: &Actor,
    ) -> Result<StoredOrder> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let now = now_ms();
        let before = load(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("order", id))?;
        if before.state == OrderState::Cancelled {
            return Err(StoreError::Domain(jxc_core::Error::Rule(
                "订单已取消，不能改地址 / the order is cancelled".into(),
            )));
        }
        let mut changed = before.order.clone();
        changed.receiver = receiver.clone();
        let r = receiver;
        let mut sql = Sql::new("UPDATE orders SET ");
        for (i, (c, v)) in [
            ("receiver_name", r.name.as_str()),
            ("receiver_mobile", r.mobile.as_str()),
            ("receiver_phone", r.phone.as_str()),
            ("province", r.province.as_str()),
            ("city", r.city.as_str()),
            ("district", r.district.as_str()),
            ("town", r.town.as_str()),
            ("address_detail", r.detail.as_str()),
            ("zip", r.zip.as_str()),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                sql.push(", ");
            }
            sql.push(c).push(" = ").bind(v);
        }
        sql.push(", merge_key = ")
            .bind(changed.merge_key())
            .push(", updated_at = ")
            .bind(now)
            .push(" WHERE id = ")
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        let mut w = Writes::default();
        let detail =
            serde_json::json!({"before": before.order.receiver, "after": receiver}).to_string();
        w.event(id.0, "address_edited", &detail, now, actor);
        audit(
            &mut tx,
            actor,
            "update",
            "order_receiver",
            id,
            serde_json::to_value(&before.order.receiver).ok(),
            serde_json::to_value(receiver).ok(),
        )
        .await?;
        let address = [
            HoldReason::AddressIncomplete,
            HoldReason::AddressInconsistent,
            HoldReason::InvalidMobile,
        ];
        let live: Vec<HoldReason> = before.live_holds().map(|h| h.reason).collect();
        let cleared: Vec<HoldReason> = address
            .into_iter()
            .filter(|r| live.contains(r) && !holds.contains(r))
            .collect();
        if !cleared.is_empty() {
            release(
                &mut tx,
                &mut w,
                id.0,
                Some(&cleared),
                "地址已修正 / address fixed",
                now,
                actor,
            )
            .await?;
        }
        for r in holds
            .iter()
            .filter(|r| address.contains(r) && !live.contains(r))
        {
            w.hold(id.0, *r, "", now, actor);
        }
        w.finish_reloaded(tx, id).await
    }
}

impl Record for Rule {
    type New = NewRule;
    const TABLE: &'static str = "review_rules";
    const ENTITY: &'static str = "review_rule";
    const COLUMNS: &'static [&'static str] =
        &["name", "priority", "active", "when_json", "then_json"];
    const CODE: &'static str = "name";
    const NAME: &'static str = "name";
    fn values(r: &NewRule) -> Vec<Val> {
        vec![
            r.name.as_str().into(),
            Val::I(r.priority),
            r.active.into(),
            serde_json::to_string(&r.when).unwrap_or_default().into(),
            serde_json::to_string(&r.then).unwrap_or_default().into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self> {
        let bad = |e: serde_json::Error| StoreError::Database(format!("stored rule JSON: {e}"));
        Ok(Rule {
            id: col(r, "id")?,
            fields: NewRule {
                name: col(r, "name")?,
                priority: col(r, "priority")?,
                active: col(r, "active")?,
                when: serde_json::from_str(&col::<String>(r, "when_json")?).map_err(bad)?,
                then: serde_json::from_str(&col::<String>(r, "then_json")?).map_err(bad)?,
            },
        })
    }
    fn new_of(&self) -> &NewRule {
        &self.fields
    }
}
