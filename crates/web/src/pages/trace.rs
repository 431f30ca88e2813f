//! 追溯 pages: search a lot (by number or SKU code), a lot's trace forward — every
//! document, shipment, order and buyer, exportable for a recall — and an order's trace
//! back to its lots and receipts.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::exports::{Cell, shanghai_time_ms, workbook};
use jxc_core::ids::{LotId, OrderId};
use jxc_core::permissions::Action;
use jxc_store::{LotTrace, TracedDocument, TracedLine, TracedLot};

use super::forms::err;
use super::list::ListUrl;
use super::{Ctx, PageError, render};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{OrdersView, StockView};
    Routes::new(Surface::Page, "")
        .get("/trace", StockView, search)
        .get("/trace/lots/{id}", StockView, lot)
        .get("/trace/lots/{id}/export.xlsx", StockView, export)
        .get("/trace/orders/{id}", OrdersView, order)
}

fn kind_label(d: &TracedDocument) -> &'static str {
    d.kind.label_zh()
}

fn at(d: &TracedDocument) -> String {
    shanghai_time_ms(d.posted_at)
}

#[derive(Template)]
#[template(path = "trace/search.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    lots: Vec<TracedLot>,
    searched: bool,
}

async fn search(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/trace", uri.query());
    let q = u.get("q").trim().to_string();
    let lots = s.app.find_lots(&q).await.map_err(&e)?;
    Ok(render(&SearchPage {
        searched: !q.is_empty(),
        q,
        lots,
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "trace/lot.html")]
struct LotPage {
    ctx: Ctx,
    t: LotTrace,
    buyers: usize,
}

impl LotPage {
    fn kind(&self, d: &TracedDocument) -> &'static str {
        kind_label(d)
    }
    fn at(&self, d: &TracedDocument) -> String {
        at(d)
    }
}

async fn lot(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let t = s
        .app
        .trace_lot(&ctx.user, LotId(id))
        .await
        .map_err(err(&ctx, &uri))?;
    let buyers = t.shipments.iter().map(|s| s.orders.len()).sum();
    Ok(render(&LotPage { ctx, t, buyers }))
}

/// The recall list: one row per order that got the lot.
async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let t = s.app.trace_lot(&ctx.user, LotId(id)).await.map_err(&e)?;
    let rows = t
        .shipments
        .iter()
        .flat_map(|sh| {
            sh.orders.iter().map(move |o| {
                vec![
                    Cell::text(&o.platform_order_id),
                    Cell::text(&o.buyer_nick),
                    Cell::text(&o.receiver_name),
                    Cell::text(&o.receiver_mobile),
                    Cell::text(&format!("{}{}", o.province, o.city)),
                    Cell::text(&sh.carrier),
                    Cell::text(&sh.tracking_no),
                ]
            })
        })
        .collect();
    let tr = ctx.t;
    let bytes = workbook(
        &format!("{} {}", t.lot.sku_code, t.lot.lot_no),
        &[
            (tr.get("trace.col.order"), 20),
            (tr.get("trace.col.buyer"), 16),
            (tr.get("trace.col.receiver"), 12),
            (tr.get("trace.col.mobile"), 14),
            (tr.get("trace.col.region"), 16),
            (tr.get("trace.col.carrier"), 10),
            (tr.get("trace.col.tracking"), 20),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx(&format!("trace-{}", t.lot.lot_no), bytes).into_response())
}

#[derive(Template)]
#[template(path = "trace/order.html")]
struct OrderPage {
    ctx: Ctx,
    order_id: i64,
    platform_order_id: String,
    lines: Vec<TracedLine>,
}

impl OrderPage {
    fn kind(&self, d: &TracedDocument) -> &'static str {
        kind_label(d)
    }
    fn at(&self, d: &TracedDocument) -> String {
        at(d)
    }
}

async fn order(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let o = s.app.order(&ctx.user, OrderId(id)).await.map_err(&e)?;
    let lines = s
        .app
        .trace_order(&ctx.user, OrderId(id))
        .await
        .map_err(&e)?;
    Ok(render(&OrderPage {
        order_id: id,
        platform_order_id: o.order.platform_order_id.clone(),
        lines,
        ctx,
    }))
}
