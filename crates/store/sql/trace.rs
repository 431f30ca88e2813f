//! 追溯 in SQL. Forward: the lot's moves grouped by document (index on lot), then the
//! shipments of those documents with their orders in one joined statement. Backward: an
//! order's shipments, their issue moves that served this order (by the reservation's
//! order reference), and for each lot the documents that brought it in.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jxc_core::ids::{DocumentId, LotId, OrderId, ShopId, SkuId, WarehouseId};
use jxc_core::inventory::DocumentKind;
use jxc_store::{
    LotTrace, Result, StoreError, TraceStore, TracedDocument, TracedLine, TracedLot, TracedOrder,
    TracedShipment,
};

use super::SqlStore;
use super::util::*;

const LOT_COLS: &str = "t.id AS lot_id, t.sku_id, s.code AS sku_code, s.name AS sku_name, t.lot_no, t.production_date, t.expiry_date";

fn lot_row(r: &Row) -> Result<TracedLot> {
    Ok(TracedLot {
        lot_id: LotId(col(r, "lot_id")?),
        sku_id: SkuId(col(r, "sku_id")?),
        sku_code: col(r, "sku_code")?,
        sku_name: col(r, "sku_name")?,
        lot_no: col(r, "lot_no")?,
        production_date: col(r, "production_date")?,
        expiry_date: col(r, "expiry_date")?,
    })
}

fn doc_row(r: &Row) -> Result<TracedDocument> {
    let kind: String = col(r, "kind")?;
    Ok(TracedDocument {
        document_id: DocumentId(col(r, "document_id")?),
        doc_no: col(r, "doc_no")?,
        kind: DocumentKind::parse(&kind)
            .ok_or_else(|| StoreError::Database(format!("unknown document kind {kind}")))?,
        reference: col(r, "reference")?,
        warehouse_id: WarehouseId(col(r, "warehouse_id")?),
        warehouse_code: col(r, "warehouse_code")?,
        qty: col(r, "qty")?,
        posted_at: col(r, "posted_at")?,
    })
}

/// The lot's moves summed per document and warehouse, oldest first; `incoming` keeps
/// only the documents that brought it in.
async fn lot_documents(c: &mut Conn, lot: LotId, incoming: bool) -> Result<Vec<TracedDocument>> {
    let mut sql = Sql::new(
        "SELECT m.document_id, d.doc_no, d.kind, d.reference, m.warehouse_id, w.code AS warehouse_code, \
         CAST(SUM(m.qty) AS BIGINT) AS qty, d.posted_at FROM stock_moves m \
         JOIN stock_documents d ON d.id = m.document_id JOIN warehouses w ON w.id = m.warehouse_id \
         WHERE m.lot_id = ",
    );
    sql.bind(lot.0);
    if incoming {
        sql.push(" AND m.qty > 0 AND d.kind IN ('opening', 'receipt', 'adjustment')");
    }
    sql.push(
        " GROUP BY m.document_id, d.doc_no, d.kind, d.reference, m.warehouse_id, w.code, d.posted_at \
         HAVING SUM(m.qty) <> 0 ORDER BY m.document_id, m.warehouse_id",
    );
    sql.fetch_all(c).await?.iter().map(doc_row).collect()
}

async fn lot_of(c: &mut Conn, lot: LotId) -> Result<Option<TracedLot>> {
    Sql::new(&format!(
        "SELECT {LOT_COLS} FROM lots t JOIN skus s ON s.id = t.sku_id WHERE t.id = "
    ))
    .bind(lot.0)
    .fetch_optional(c)
    .await?
    .map(|r| lot_row(&r))
    .transpose()
}

#[async_trait]
impl TraceStore for SqlStore {
    async fn find_lots(&self, q: &str, limit: u32) -> Result<Vec<TracedLot>> {
        let mut c = self.read.acquire().await.db()?;
        let q = q.trim();
        let mut sql = Sql::new(&format!(
            "SELECT {LOT_COLS} FROM lots t JOIN skus s ON s.id = t.sku_id WHERE t.lot_no = "
        ));
        sql.bind(q)
            .push(" OR s.code = ")
            .bind(q)
            .push(" ORDER BY t.id DESC LIMIT ")
            .bind(limit.clamp(1, 500) as i64);
        sql.fetch_all(&mut c).await?.iter().map(lot_row).collect()
    }

    async fn trace_lot(&self, lot: LotId) -> Result<Option<LotTrace>> {
        let mut c = self.read.acquire().await.db()?;
        let Some(found) = lot_of(&mut c, lot).await? else {
            return Ok(None);
        };
        let documents = lot_documents(&mut c, lot, false).await?;
        // The shipments of the issues that took the lot out, with their orders.
        let rows = Sql::new(
            "SELECT sh.id AS shipment_id, sh.carrier, sh.tracking_no, sh.document_id, \
             o.id AS order_id, o.shop_id, o.platform_order_id, o.buyer_nick, o.receiver_name, \
             o.receiver_mobile, o.province, o.city \
             FROM shipments sh JOIN shipment_orders so ON so.shipment_id = sh.id \
             JOIN orders o ON o.id = so.order_id \
             WHERE sh.document_id IN (SELECT DISTINCT m.document_id FROM stock_moves m WHERE m.lot_id = ",
        )
        .bind(lot.0)
        .push(" AND m.qty < 0) ORDER BY sh.id, o.id")
        .fetch_all(&mut c)
        .await?;
        let mut shipments: Vec<TracedShipment> = Vec::new();
        for r in &rows {
            let id: i64 = col(r, "shipment_id")?;
            if shipments.last().is_none_or(|s| s.shipment_id != id) {
                shipments.push(TracedShipment {
                    shipment_id: id,
                    carrier: col(r, "carrier")?,
                    tracking_no: col(r, "tracking_no")?,
                    document_id: DocumentId(col(r, "document_id")?),
                    orders: Vec::new(),
                });
            }
            if let Some(s) = shipments.last_mut() {
                s.orders.push(TracedOrder {
                    order_id: OrderId(col(r, "order_id")?),
                    shop_id: ShopId(col(r, "shop_id")?),
                    platform_order_id: col(r, "platform_order_id")?,
                    buyer_nick: col(r, "buyer_nick")?,
                    receiver_name: col(r, "receiver_name")?,
                    receiver_mobile: col(r, "receiver_mobile")?,
                    province: col(r, "province")?,
                    city: col(r, "city")?,
                });
            }
        }
        let on_hand = col(
            &Sql::new(
                "SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT) AS n FROM stock_balances WHERE lot_id = ",
            )
            .bind(lot.0)
            .fetch_one(&mut c)
            .await?,
            "n",
        )?;
        Ok(Some(LotTrace {
            lot: found,
            documents,
            shipments,
            on_hand,
        }))
    }

    async fn trace_order(&self, order: OrderId) -> Result<Vec<TracedLine>> {
        let mut c = self.read.acquire().await.db()?;
        // The issue moves of the order's shipments that served this order: by the
        // reservation they consumed (whose reference is the order's platform id), or every
        // move of the issue when it consumed none.
        let rows = Sql::new(
            "SELECT m.sku_id, s.code AS sku_code, m.lot_id, CAST(-SUM(m.qty) AS BIGINT) AS shipped, \
             m.document_id, d.doc_no, d.kind, d.reference, m.warehouse_id, w.code AS warehouse_code, \
             CAST(SUM(m.qty) AS BIGINT) AS qty, d.posted_at \
             FROM shipment_orders so JOIN shipments sh ON sh.id = so.shipment_id \
             JOIN orders o ON o.id = so.order_id \
             JOIN stock_moves m ON m.document_id = sh.document_id AND m.warehouse_id = so.warehouse_id \
             JOIN stock_documents d ON d.id = m.document_id JOIN skus s ON s.id = m.sku_id \
             JOIN warehouses w ON w.id = m.warehouse_id \
             LEFT JOIN reservations r ON r.id = m.reservation_id \
             WHERE m.qty < 0 AND so.order_id = ",
        )
        .bind(order.0)
        .push(
            " AND (r.id IS NULL OR r.source_ref = o.platform_order_id) \
             GROUP BY m.sku_id, s.code, m.lot_id, m.document_id, d.doc_no, d.kind, d.reference, \
             m.warehouse_id, w.code, d.posted_at ORDER BY m.document_id, s.code, m.lot_id",
        )
        .fetch_all(&mut c)
        .await?;
        let mut lots: BTreeMap<i64, (Option<TracedLot>, Vec<TracedDocument>)> = BTreeMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let lot_id: i64 = col(r, "lot_id")?;
            if lot_id != 0 && !lots.contains_key(&lot_id) {
                let lot = lot_of(&mut c, LotId(lot_id)).await?;
                let receipts = lot_documents(&mut c, LotId(lot_id), true).await?;
                lots.insert(lot_id, (lot, receipts));
            }
            let (lot, receipts) = lots.get(&lot_id).cloned().unwrap_or_default();
            out.push(TracedLine {
                sku_id: SkuId(col(r, "sku_id")?),
                sku_code: col(r, "sku_code")?,
                qty: col(r, "shipped")?,
                issue: doc_row(r)?,
                lot,
                receipts,
            });
        }
        // Lot ids follow the order lots were first seen, not their numbers: sort by number.
        out.sort_by(|a, b| {
            let no = |l: &TracedLine| l.lot.as_ref().map(|x| x.lot_no.clone());
            (a.issue.document_id, &a.sku_code, no(a)).cmp(&(
                b.issue.document_id,
                &b.sku_code,
                no(b),
            ))
        });
        Ok(out)
    }
}
