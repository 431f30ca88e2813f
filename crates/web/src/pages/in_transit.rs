//! 在途 page: the stock in transit per warehouse (going out, coming in, in units and
//! value) and line by line (filter by warehouse, page, export).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::exports::{Cell, shanghai_time_ms, workbook};
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::money::Fen;
use jxc_core::permissions::Action;
use jxc_store::{InTransitFilter, InTransitLine};

use super::forms::{all_pages, err};
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::transfers::name;
use super::{Ctx, FormErrors, PageError, render};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    Routes::new(Surface::Page, "")
        .get("/transfers/in-transit", Action::StockView, in_transit)
        .get(
            "/transfers/in-transit/export.xlsx",
            Action::StockView,
            export_in_transit,
        )
}

/// In transit per warehouse, as the page shows it.
struct TotalRow {
    warehouse: String,
    warehouse_id: i64,
    outgoing_qty: i64,
    outgoing_value: String,
    incoming_qty: i64,
    incoming_value: String,
}

struct TransitRow {
    transfer_id: i64,
    number: String,
    from: String,
    to: String,
    sku_code: String,
    sku_name: String,
    lot_no: String,
    qty: i64,
    value: String,
    shipped: String,
}

fn transit_row(codes: &HashMap<i64, String>, l: &InTransitLine) -> TransitRow {
    TransitRow {
        transfer_id: l.transfer_id,
        number: l.number.clone(),
        from: name(codes, l.from_warehouse_id),
        to: name(codes, l.to_warehouse_id),
        sku_code: l.sku_code.clone(),
        sku_name: l.sku_name.clone(),
        lot_no: l.lot_no.clone(),
        qty: l.qty,
        value: l.value.to_yuan(),
        shipped: l.shipped_at.map(shanghai_time_ms).unwrap_or_default(),
    }
}

fn transit_filter(u: &ListUrl) -> Result<InTransitFilter, jxc_app::Error> {
    Ok(InTransitFilter {
        warehouse_id: u.id("warehouse_id")?.map(WarehouseId),
        warehouse_ids: Vec::new(),
        sku_id: u.id("sku_id")?.map(SkuId),
    })
}

#[derive(Template)]
#[template(path = "inventory/in_transit.html")]
struct InTransitPage {
    ctx: Ctx,
    u: ListUrl,
    totals: Vec<TotalRow>,
    rows: Vec<TransitRow>,
    next: Option<String>,
    warehouses: Vec<(i64, String)>,
    errors: FormErrors,
}

async fn in_transit(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/transfers/in-transit", uri.query());
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let totals = s
        .app
        .in_transit_totals(&ctx.user)
        .await
        .map_err(&e)?
        .iter()
        .map(|t| TotalRow {
            warehouse: name(&codes, t.warehouse_id),
            warehouse_id: t.warehouse_id.0,
            outgoing_qty: t.outgoing_qty,
            outgoing_value: t.outgoing_value.to_yuan(),
            incoming_qty: t.incoming_qty,
            incoming_value: t.incoming_value.to_yuan(),
        })
        .collect();
    let found = async {
        let f = transit_filter(&u)?;
        let mut p = u.page()?;
        p.desc = false;
        s.app.in_transit(&ctx.user, f, &p).await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|l| transit_row(&codes, l)).collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let mut warehouses: Vec<(i64, String)> = codes
        .into_iter()
        .filter(|(id, _)| ctx.user.sees_warehouse(WarehouseId(*id)))
        .collect();
    warehouses.sort();
    Ok(render(&InTransitPage {
        ctx,
        u,
        totals,
        rows,
        next,
        warehouses,
        errors,
    }))
}

async fn export_in_transit(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/transfers/in-transit", uri.query());
    let f = transit_filter(&u).map_err(&e)?;
    let user = ctx.user.clone();
    let items = all_pages(|p| {
        let (app, f, user) = (s.app.clone(), f.clone(), user.clone());
        async move { app.in_transit(&user, f, &p).await }
    })
    .await
    .map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let rows = items
        .iter()
        .map(|l| {
            let r = transit_row(&codes, l);
            vec![
                Cell::text(&r.number),
                Cell::text(&r.from),
                Cell::text(&r.to),
                Cell::text(&r.sku_code),
                Cell::text(&r.sku_name),
                Cell::text(&r.lot_no),
                Cell::Int(r.qty),
                Cell::Money(Fen(l.value.0)),
                Cell::text(&r.shipped),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("transfers.in_transit"),
        &[
            (t.get("transfers.col.number"), 12),
            (t.get("transfers.col.from"), 16),
            (t.get("transfers.col.to"), 16),
            (t.get("transfers.col.sku"), 14),
            (t.get("transfers.col.name"), 24),
            (t.get("transfers.col.lot"), 12),
            (t.get("transfers.col.in_transit"), 8),
            (t.get("transfers.col.value"), 10),
            (t.get("transfers.col.shipped"), 18),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("in-transit", bytes).into_response())
}
