//! 调拨 pages: the transfers (filter, page, export) with the form that asks for one; a
//! transfer with its lines and its actions (ship and cancel for the source; receive line
//! by line and close with a loss for the destination). 在途 is `in_transit.rs`.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::exports::{Cell, shanghai_time_ms, workbook};
use jxc_app::transfers::CodedLine;
use jxc_core::FieldError;
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::inventory::transfer::{
    NewTransferInput, ReceiveInput, ReceiveLineInput, TransferLineInput, TransferStatus,
};
use jxc_core::permissions::Action;
use jxc_store::{Transfer, TransferFilter};

use super::forms::{Sent, actor, all_pages, err, form_status};
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

/// Line rows the new-transfer form offers.
const ROWS: usize = 8;

pub fn routes() -> Routes {
    use Action::{StockPost, StockView};
    Routes::new(Surface::Page, "")
        .get("/transfers", StockView, list)
        .post("/transfers", StockPost, create)
        .get("/transfers/export.xlsx", StockView, export)
        .get("/transfers/{id}", StockView, detail)
        .post("/transfers/{id}/ship", StockPost, ship)
        .post("/transfers/{id}/receive", StockPost, receive)
        .post("/transfers/{id}/close", StockPost, close)
        .post("/transfers/{id}/cancel", StockPost, cancel)
}

fn status_label(ctx: &Ctx, s: TransferStatus) -> &'static str {
    match s {
        TransferStatus::Requested => ctx.tr("transfers.status.requested"),
        TransferStatus::Shipped => ctx.tr("transfers.status.shipped"),
        TransferStatus::PartlyReceived => ctx.tr("transfers.status.partly_received"),
        TransferStatus::Closed => ctx.tr("transfers.status.closed"),
        TransferStatus::Cancelled => ctx.tr("transfers.status.cancelled"),
    }
}

pub(super) fn name(codes: &HashMap<i64, String>, w: WarehouseId) -> String {
    codes.get(&w.0).cloned().unwrap_or_else(|| w.to_string())
}

struct TransferRow {
    id: i64,
    number: String,
    from: String,
    to: String,
    status: &'static str,
    status_code: &'static str,
    qty: i64,
    received: i64,
    lost: i64,
    in_transit: i64,
    value: String,
    created: String,
    created_by: String,
}

fn row(ctx: &Ctx, codes: &HashMap<i64, String>, t: &Transfer) -> TransferRow {
    TransferRow {
        id: t.id,
        number: t.number.clone(),
        from: name(codes, t.from_warehouse_id),
        to: name(codes, t.to_warehouse_id),
        status: status_label(ctx, t.status),
        status_code: t.status.as_str(),
        qty: t.qty,
        received: t.totals.received_qty,
        lost: t.totals.lost_qty,
        in_transit: t.totals.remaining_qty(),
        value: t.totals.shipped_value.to_yuan(),
        created: shanghai_time_ms(t.created_at),
        created_by: t.created_by.clone(),
    }
}

fn filter_of(u: &ListUrl) -> Result<TransferFilter, jxc_app::Error> {
    let status = match u.opt("status") {
        None => None,
        Some(x) => Some(TransferStatus::parse(&x).ok_or_else(|| {
            jxc_app::Error::invalid("status", format!("未知状态 “{x}” / unknown status"))
        })?),
    };
    Ok(TransferFilter {
        from_warehouse_id: u.id("from_warehouse_id")?.map(WarehouseId),
        to_warehouse_id: u.id("to_warehouse_id")?.map(WarehouseId),
        warehouse_ids: Vec::new(),
        status,
        sku_id: u.id("sku_id")?.map(SkuId),
    })
}

/// One row of the new-transfer form, with the errors of its line.
struct FormLine {
    i: usize,
    code: String,
    qty: String,
    loc: String,
    lot: String,
    error: String,
}

/// The form's rows: the lines sent first (so row i is `lines[i]`), then blank ones.
fn form_lines(sent: &Sent, errors: &FormErrors) -> Vec<FormLine> {
    let mut rows: Vec<FormLine> = (0..ROWS)
        .filter(|i| !sent.val(&format!("code_{i}")).trim().is_empty())
        .map(|i| FormLine {
            i,
            code: sent.val(&format!("code_{i}")),
            qty: sent.val(&format!("qty_{i}")),
            loc: sent.val(&format!("loc_{i}")),
            lot: sent.val(&format!("lot_{i}")),
            error: String::new(),
        })
        .collect();
    while rows.len() < ROWS {
        rows.push(FormLine {
            i: 0,
            code: String::new(),
            qty: String::new(),
            loc: String::new(),
            lot: String::new(),
            error: String::new(),
        });
    }
    for (n, r) in rows.iter_mut().enumerate() {
        r.i = n;
        r.error = errors.of(&format!("lines[{n}]"));
    }
    rows
}

#[derive(Template)]
#[template(path = "inventory/transfers.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<TransferRow>,
    next: Option<String>,
    warehouses: Vec<(i64, String)>,
    /// The warehouses the user may ship from.
    sources: Vec<(i64, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    lines: Vec<FormLine>,
    lines_error: String,
    errors: FormErrors,
    sent: Sent,
    can_create: bool,
}

async fn list_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    errors: FormErrors,
    sent: Sent,
) -> Result<ListPage, PageError> {
    let e = err(&ctx, uri);
    let u = ListUrl::new("/transfers", uri.query());
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let found = async {
        let f = filter_of(&u)?;
        let mut p = u.page()?;
        p.desc = u.get("order") != "asc";
        s.app.transfers(&ctx.user, f, &p).await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|t| row(&ctx, &codes, t)).collect(),
            p.next,
            errors,
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let mut warehouses: Vec<(i64, String)> = codes.into_iter().collect();
    warehouses.sort();
    let sources = warehouses
        .iter()
        .filter(|(id, _)| ctx.user.sees_warehouse(WarehouseId(*id)))
        .cloned()
        .collect();
    let lines_error = errors
        .0
        .iter()
        .filter(|x| x.field == "lines")
        .map(|x| x.reason.clone())
        .collect::<Vec<_>>()
        .join("；");
    Ok(ListPage {
        can_create: ctx.can(Action::StockPost),
        statuses: TransferStatus::ALL
            .iter()
            .map(|x| (x.as_str(), status_label(&ctx, *x)))
            .collect(),
        lines: form_lines(&sent, &errors),
        lines_error,
        sources,
        rows,
        next,
        warehouses,
        errors,
        sent,
        u,
        ctx,
    })
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    Ok(render(
        &list_page(&s, ctx, &uri, FormErrors::default(), Sent::default()).await?,
    ))
}

fn number(sent: &Sent, field: &str) -> Result<i64, jxc_app::Error> {
    let v = sent.val(field);
    let v = v.trim();
    if v.is_empty() {
        return Ok(0);
    }
    v.parse()
        .map_err(|_| jxc_app::Error::invalid(field, "请选择 / choose one"))
}

/// The new-transfer form as the app's input; every bad field is reported at once.
async fn transfer_input(s: &AppState, sent: &Sent) -> Result<NewTransferInput, jxc_app::Error> {
    let from = number(sent, "from_warehouse_id")?;
    let mut errors = Vec::new();
    let mut coded = Vec::new();
    let mut lines = Vec::new();
    for i in 0..ROWS {
        let code = sent.val(&format!("code_{i}"));
        if code.trim().is_empty() {
            continue;
        }
        let n = lines.len();
        let qty = match jxc_core::text::integer(
            &format!("lines[{n}].qty"),
            &sent.val(&format!("qty_{i}")),
        ) {
            Ok(q) => q,
            Err(x) => {
                errors.push(x);
                0
            }
        };
        coded.push(CodedLine {
            sku_code: code,
            location_code: sent.val(&format!("loc_{i}")),
        });
        lines.push(TransferLineInput {
            qty,
            lot_no: sent.val(&format!("lot_{i}")),
            ..Default::default()
        });
    }
    if from > 0 && !coded.is_empty() {
        match s
            .app
            .resolve_codes(WarehouseId(from), &coded, "from_location_id")
            .await
        {
            Ok(ids) => {
                for (l, (sku, loc)) in lines.iter_mut().zip(ids) {
                    l.sku_id = sku;
                    l.from_location_id = loc;
                }
            }
            Err(jxc_app::Error::Invalid(v)) => errors.extend(v),
            Err(x) => return Err(x),
        }
    }
    if !errors.is_empty() {
        return Err(jxc_app::Error::Invalid(errors));
    }
    Ok(NewTransferInput {
        from_warehouse_id: from,
        to_warehouse_id: number(sent, "to_warehouse_id")?,
        note: sent.val("note"),
        lines,
    })
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sent = Sent(sent);
    let made = async {
        let input = transfer_input(&s, &sent).await?;
        s.app.create_transfer(&ctx.user, &input, &actor(&ctx)).await
    }
    .await;
    match made {
        Ok(t) => Ok(see_other(&format!("/transfers/{}?ok=created", t.id))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            let status = form_status(&errors);
            Ok((
                status,
                render(&list_page(&s, ctx, &uri, errors, sent).await?),
            )
                .into_response())
        }
    }
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/transfers", uri.query());
    let f = filter_of(&u).map_err(&e)?;
    let user = ctx.user.clone();
    let items = all_pages(|p| {
        let (app, f, user) = (s.app.clone(), f.clone(), user.clone());
        async move { app.transfers(&user, f, &p).await }
    })
    .await
    .map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let rows = items
        .iter()
        .map(|t| {
            let r = row(&ctx, &codes, t);
            vec![
                Cell::text(&r.number),
                Cell::text(&r.from),
                Cell::text(&r.to),
                Cell::text(r.status),
                Cell::Int(r.qty),
                Cell::Money(t.totals.shipped_value),
                Cell::Int(r.received),
                Cell::Money(t.totals.received_value),
                Cell::Int(r.lost),
                Cell::Money(t.totals.lost_value),
                Cell::text(&t.loss_reason),
                Cell::text(&r.created),
                Cell::text(&r.created_by),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("transfers.title"),
        &[
            (t.get("transfers.col.number"), 12),
            (t.get("transfers.col.from"), 16),
            (t.get("transfers.col.to"), 16),
            (t.get("transfers.col.status"), 8),
            (t.get("transfers.col.qty"), 8),
            (t.get("transfers.col.shipped_value"), 10),
            (t.get("transfers.col.received"), 8),
            (t.get("transfers.col.received_value"), 10),
            (t.get("transfers.col.lost"), 8),
            (t.get("transfers.col.lost_value"), 10),
            (t.get("transfers.col.loss_reason"), 20),
            (t.get("transfers.col.created"), 18),
            (t.get("transfers.col.created_by"), 12),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("transfers", bytes).into_response())
}

/// A line on the transfer's page, with what may be received of it.
struct LineView {
    line_no: u32,
    sku_code: String,
    sku_name: String,
    location: String,
    lot_no: String,
    qty: i64,
    shipped_value: String,
    received: i64,
    received_value: String,
    lost: i64,
    lost_value: String,
    remaining: i64,
    remaining_value: String,
    /// The receive form's value for the line, and the errors of its receipt line.
    receive_qty: String,
    receive_loc: String,
    error: String,
}

#[derive(Template)]
#[template(path = "inventory/transfer.html")]
struct DetailPage {
    ctx: Ctx,
    t: TransferRow,
    note: String,
    loss_reason: String,
    shipped: String,
    closed: String,
    requested: bool,
    receiving: bool,
    lines: Vec<LineView>,
    documents: Vec<i64>,
    totals: [String; 3],
    notice: String,
    errors: FormErrors,
    sent: Sent,
    can_post: bool,
}

async fn detail_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    id: i64,
    errors: FormErrors,
    sent: Sent,
) -> Result<DetailPage, PageError> {
    let e = err(&ctx, uri);
    let t = s.app.transfer(&ctx.user, id).await.map_err(&e)?;
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let notice = super::forms::notice(
        uri.query(),
        &[
            ("created", ctx.tr("transfers.notice.created")),
            ("shipped", ctx.tr("transfers.notice.shipped")),
            ("received", ctx.tr("transfers.notice.received")),
            ("closed", ctx.tr("transfers.notice.closed")),
            ("cancelled", ctx.tr("transfers.notice.cancelled")),
        ],
    )
    .to_string();
    let mut n = 0;
    let lines = t
        .lines
        .iter()
        .map(|l| {
            let p = l.progress;
            let remaining = if t.status.in_transit() {
                p.remaining_qty()
            } else {
                0
            };
            let error = if remaining > 0 {
                n += 1;
                errors.of(&format!("lines[{}]", n - 1))
            } else {
                String::new()
            };
            let sent_qty = sent.val(&format!("qty_{}", l.line_no));
            LineView {
                line_no: l.line_no,
                sku_code: l.sku_code.clone(),
                sku_name: l.sku_name.clone(),
                location: l.from_location_code.clone(),
                lot_no: l.lot_no.clone(),
                qty: l.qty,
                shipped_value: p.shipped_value.to_yuan(),
                received: p.received_qty,
                received_value: p.received_value.to_yuan(),
                lost: p.lost_qty,
                lost_value: p.lost_value.to_yuan(),
                remaining,
                remaining_value: if remaining > 0 {
                    p.remaining_value().to_yuan()
                } else {
                    String::new()
                },
                receive_qty: if sent.0.is_empty() {
                    remaining.to_string()
                } else {
                    sent_qty
                },
                receive_loc: sent.val(&format!("loc_{}", l.line_no)),
                error,
            }
        })
        .collect();
    let time = |ms: Option<i64>, by: &str| {
        ms.map(|m| format!("{} · {by}", shanghai_time_ms(m)))
            .unwrap_or_default()
    };
    Ok(DetailPage {
        note: t.note.clone(),
        loss_reason: t.loss_reason.clone(),
        shipped: time(t.shipped_at, &t.shipped_by),
        closed: time(t.closed_at, &t.closed_by),
        requested: t.status == TransferStatus::Requested,
        receiving: t.status.in_transit(),
        documents: t.documents.iter().map(|d| d.0).collect(),
        totals: [
            t.totals.shipped_value.to_yuan(),
            t.totals.received_value.to_yuan(),
            t.totals.lost_value.to_yuan(),
        ],
        t: row(&ctx, &codes, &t),
        lines,
        notice,
        errors,
        sent,
        can_post: ctx.can(Action::StockPost),
        ctx,
    })
}

async fn detail(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let page = detail_page(&s, ctx, &uri, id, FormErrors::default(), Sent::default()).await?;
    Ok(render(&page))
}

/// The transfer's page again with what went wrong (422), or on with a notice.
async fn after(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    id: i64,
    done: Result<&'static str, jxc_app::Error>,
    sent: Sent,
) -> Result<Response, PageError> {
    match done {
        Ok(ok) => Ok(see_other(&format!("/transfers/{id}?ok={ok}"))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(err(&ctx, uri))?;
            let status = form_status(&errors);
            let page = detail_page(s, ctx, uri, id, errors, sent).await?;
            Ok((status, render(&page)).into_response())
        }
    }
}

async fn ship(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let done = s
        .app
        .ship_transfer(&ctx.user, id, &actor(&ctx))
        .await
        .map(|_| "shipped");
    after(&s, ctx, &uri, id, done, Sent::default()).await
}

/// The receive form as a receipt: each line in transit, its units and target location.
async fn receipt_of(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    sent: &Sent,
) -> Result<ReceiveInput, jxc_app::Error> {
    let t = s.app.transfer(&ctx.user, id).await?;
    let mut errors: Vec<FieldError> = Vec::new();
    let mut lines = Vec::new();
    let mut coded = Vec::new();
    for l in t.lines.iter().filter(|l| l.progress.remaining_qty() > 0) {
        let i = lines.len();
        let text = sent.val(&format!("qty_{}", l.line_no));
        let qty = if text.trim().is_empty() {
            0
        } else {
            jxc_core::text::integer(&format!("lines[{i}].qty"), &text).unwrap_or_else(|x| {
                errors.push(x);
                0
            })
        };
        lines.push(ReceiveLineInput {
            line_no: l.line_no,
            qty,
            to_location_id: None,
        });
        coded.push(CodedLine {
            sku_code: l.sku_code.clone(),
            location_code: sent.val(&format!("loc_{}", l.line_no)),
        });
    }
    match s
        .app
        .resolve_codes(t.to_warehouse_id, &coded, "to_location_id")
        .await
    {
        Ok(ids) => {
            for (l, (_, loc)) in lines.iter_mut().zip(ids) {
                l.to_location_id = loc;
            }
        }
        Err(jxc_app::Error::Invalid(v)) => errors.extend(v),
        Err(x) => return Err(x),
    }
    if !errors.is_empty() {
        return Err(jxc_app::Error::Invalid(errors));
    }
    Ok(ReceiveInput { lines })
}

async fn receive(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let done = async {
        let receipt = receipt_of(&s, &ctx, id, &sent).await?;
        s.app
            .receive_transfer(&ctx.user, id, &receipt, &actor(&ctx))
            .await
    }
    .await
    .map(|_| "received");
    after(&s, ctx, &uri, id, done, sent).await
}

async fn close(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let done = s
        .app
        .close_transfer(&ctx.user, id, &sent.val("reason"), &actor(&ctx))
        .await
        .map(|_| "closed");
    after(&s, ctx, &uri, id, done, sent).await
}

async fn cancel(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let done = s
        .app
        .cancel_transfer(&ctx.user, id, &actor(&ctx))
        .await
        .map(|_| "cancelled");
    after(&s, ctx, &uri, id, done, Sent::default()).await
}
