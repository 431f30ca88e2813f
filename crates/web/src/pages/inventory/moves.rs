//! 库存流水: the ledger, newest first, filtered by SKU, warehouse, document kind and time
//! (China dates, both ends included).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use jxc_app::inventory::warehouse_scope;
use jxc_core::ids::SkuId;
use jxc_core::inventory::DocumentKind;
use jxc_core::inventory::posting::MoveKind;
use jxc_core::paging::PageRequest;
use jxc_store::MoveFilter;

use super::super::list::ListUrl;
use super::super::warehouses::visible_warehouses;
use super::super::{Ctx, FormErrors, PageError, render};
use super::{WarehouseOption, asked_warehouse, options, yuan};
use crate::AppState;

struct MoveLine {
    at: String,
    doc_no: String,
    kind: &'static str,
    revalue: bool,
    /// The ledger of this SKU with the same filter.
    sku_link: String,
    sku_code: String,
    warehouse: String,
    location: String,
    lot_no: String,
    qty: i64,
    value: String,
    actor: String,
}

#[derive(Template)]
#[template(path = "inventory/moves.html")]
struct MovesPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<MoveLine>,
    next: Option<String>,
    errors: FormErrors,
    warehouses: Vec<WarehouseOption>,
    kinds: Vec<(&'static str, &'static str)>,
}

pub(super) fn kind_key(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Opening => "inventory.kind.opening",
        DocumentKind::Receipt => "inventory.kind.receipt",
        DocumentKind::Issue => "inventory.kind.issue",
        DocumentKind::Adjustment => "inventory.kind.adjustment",
        DocumentKind::Relocation => "inventory.kind.relocation",
        DocumentKind::Transfer => "inventory.kind.transfer",
    }
}

/// A China date (UTC+8) as the first instant of that day.
fn day_start(field: &str, s: &str) -> Result<DateTime<Utc>, jxc_app::Error> {
    let bad = || jxc_app::Error::invalid(field, "日期格式应为 2026-11-25 / a date is YYYY-MM-DD");
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad())?;
    let cn = FixedOffset::east_opt(8 * 3600).ok_or_else(bad)?;
    cn.from_local_datetime(&d.and_hms_opt(0, 0, 0).ok_or_else(bad)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(bad)
}

fn filter(ctx: &Ctx, u: &ListUrl) -> Result<MoveFilter, jxc_app::Error> {
    let (warehouse_id, warehouse_ids) = warehouse_scope(&ctx.user, asked_warehouse(u)?)?;
    let doc_kind = u
        .opt("kind")
        .map(|k| {
            DocumentKind::parse(&k).ok_or_else(|| {
                jxc_app::Error::invalid("kind", format!("未知单据类型 “{k}” / unknown kind"))
            })
        })
        .transpose()?;
    Ok(MoveFilter {
        sku_id: u.id("sku_id")?.map(SkuId),
        document_id: u.id("document_id")?.map(jxc_core::ids::DocumentId),
        q: u.opt("q"),
        warehouse_id,
        warehouse_ids,
        doc_kind,
        from: u.opt("from").map(|d| day_start("from", &d)).transpose()?,
        // `to` is inclusive: up to the start of the next day.
        to: u
            .opt("to")
            .map(|d| day_start("to", &d).map(|t| t + chrono::Duration::days(1)))
            .transpose()?,
        ..Default::default()
    })
}

pub(super) async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = |e| PageError(ctx.lang, e, uri.clone());
    let u = ListUrl::new(uri.path(), uri.query());
    let visible = visible_warehouses(&s, &ctx.user).await.map_err(e)?;
    let codes: HashMap<i64, String> = visible
        .iter()
        .map(|w| (w.id.0, w.fields.code.clone()))
        .collect();
    let result = async {
        let f = filter(&ctx, &u)?;
        // Newest first.
        let page = PageRequest::new(Some(50), u.opt("after").as_deref(), true)?;
        s.app.moves(&f, &page).await
    }
    .await;
    let (rows, next, errors) = match result {
        Ok(p) => (
            p.items
                .into_iter()
                .map(|m| MoveLine {
                    at: jxc_app::exports::shanghai_time(m.at),
                    doc_no: m.doc_no,
                    kind: kind_key(m.doc_kind),
                    revalue: m.kind == MoveKind::Revalue,
                    sku_link: u.with("sku_id", &m.sku_id.0.to_string()),
                    sku_code: m.sku_code,
                    warehouse: codes
                        .get(&m.warehouse_id.0)
                        .cloned()
                        .unwrap_or_else(|| m.warehouse_id.0.to_string()),
                    location: m.location_code,
                    lot_no: m.lot_no,
                    qty: m.qty,
                    value: yuan(m.value),
                    actor: m.actor,
                })
                .collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(err) => (Vec::new(), None, FormErrors::from_app(err).map_err(e)?),
    };
    Ok(render(&MovesPage {
        ctx,
        u,
        rows,
        next,
        errors,
        warehouses: options(&visible),
        kinds: DocumentKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(*k)))
            .collect(),
    }))
}

pub(super) async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = |e| PageError(ctx.lang, e, uri.clone());
    let u = ListUrl::new("/stock/moves", uri.query());
    let f = filter(&ctx, &u).map_err(e)?;
    let bytes = s.app.export_moves(&f).await.map_err(e)?;
    Ok(crate::api::admin::xlsx("moves", bytes).into_response())
}
