//! 其他出入库 pages: the requests (filter, page, export) with the form for a new one and
//! the approval threshold; a request with its lines, and approve / reject for a 仓库主管.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::exports::{Cell, shanghai_time_ms, workbook};
use jxc_app::transfers::CodedLine;
use jxc_core::ids::WarehouseId;
use jxc_core::inventory::adjustment::{
    AdjustmentLineInput, AdjustmentReason, AdjustmentStatus, NewAdjustmentInput,
};
use jxc_core::money::Fen;
use jxc_core::permissions::Action;
use jxc_store::{AdjustmentFilter, StockAdjustment};

use super::forms::{Sent, actor, all_pages, err, form_status};
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

/// Line rows the form offers.
const ROWS: usize = 6;

pub fn routes() -> Routes {
    use Action::{StockApprove, StockPost, StockView};
    Routes::new(Surface::Page, "")
        .get("/adjustments", StockView, list)
        .post("/adjustments", StockPost, create)
        .get("/adjustments/export.xlsx", StockView, export)
        .post("/adjustments/threshold", StockApprove, set_threshold)
        .get("/adjustments/{id}", StockView, detail)
        .post("/adjustments/{id}/approve", StockApprove, approve)
        .post("/adjustments/{id}/reject", StockApprove, reject)
}

fn reason_label(ctx: &Ctx, r: AdjustmentReason) -> &'static str {
    match r {
        AdjustmentReason::Damage => ctx.tr("adjustments.reason.damage"),
        AdjustmentReason::Sample => ctx.tr("adjustments.reason.sample"),
        AdjustmentReason::Gift => ctx.tr("adjustments.reason.gift"),
        AdjustmentReason::Found => ctx.tr("adjustments.reason.found"),
        AdjustmentReason::InternalUse => ctx.tr("adjustments.reason.internal_use"),
        AdjustmentReason::Other => ctx.tr("adjustments.reason.other"),
    }
}

fn status_label(ctx: &Ctx, s: AdjustmentStatus) -> &'static str {
    match s {
        AdjustmentStatus::Pending => ctx.tr("adjustments.status.pending"),
        AdjustmentStatus::Posted => ctx.tr("adjustments.status.posted"),
        AdjustmentStatus::Rejected => ctx.tr("adjustments.status.rejected"),
    }
}

struct AdjustmentRow {
    id: i64,
    number: String,
    warehouse: String,
    reason: &'static str,
    status: &'static str,
    status_code: &'static str,
    value: String,
    note: String,
    created: String,
    created_by: String,
    decided_by: String,
}

fn row(ctx: &Ctx, codes: &HashMap<i64, String>, a: &StockAdjustment) -> AdjustmentRow {
    AdjustmentRow {
        id: a.id,
        number: a.number.clone(),
        warehouse: codes
            .get(&a.warehouse_id.0)
            .cloned()
            .unwrap_or_else(|| a.warehouse_id.to_string()),
        reason: reason_label(ctx, a.reason),
        status: status_label(ctx, a.status),
        status_code: a.status.as_str(),
        value: a.value.to_yuan(),
        note: a.note.clone(),
        created: shanghai_time_ms(a.created_at),
        created_by: a.created_by.clone(),
        decided_by: a.decided_by.clone(),
    }
}

fn filter_of(u: &ListUrl) -> Result<AdjustmentFilter, jxc_app::Error> {
    let status = match u.opt("status") {
        None => None,
        Some(x) => Some(AdjustmentStatus::parse(&x).ok_or_else(|| {
            jxc_app::Error::invalid("status", format!("未知状态 “{x}” / unknown status"))
        })?),
    };
    let reason = match u.opt("reason") {
        None => None,
        Some(x) => Some(AdjustmentReason::parse(&x).ok_or_else(|| {
            jxc_app::Error::invalid("reason", format!("未知原因 “{x}” / unknown reason"))
        })?),
    };
    Ok(AdjustmentFilter {
        warehouse_id: u.id("warehouse_id")?.map(WarehouseId),
        warehouse_ids: Vec::new(),
        status,
        reason,
    })
}

struct FormLine {
    i: usize,
    code: String,
    qty: String,
    loc: String,
    lot: String,
    cost: String,
    error: String,
}

/// The form's rows: the lines sent first (row i is `lines[i]`), then blank ones.
fn form_lines(sent: &Sent, errors: &FormErrors) -> Vec<FormLine> {
    let sent_rows = (0..ROWS).filter(|i| !sent.val(&format!("code_{i}")).trim().is_empty());
    let mut rows: Vec<FormLine> = sent_rows
        .map(|i| FormLine {
            i,
            code: sent.val(&format!("code_{i}")),
            qty: sent.val(&format!("qty_{i}")),
            loc: sent.val(&format!("loc_{i}")),
            lot: sent.val(&format!("lot_{i}")),
            cost: sent.val(&format!("cost_{i}")),
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
            cost: String::new(),
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
#[template(path = "inventory/adjustments.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<AdjustmentRow>,
    next: Option<String>,
    warehouses: Vec<(i64, String)>,
    reasons: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    threshold: String,
    lines: Vec<FormLine>,
    lines_error: String,
    errors: FormErrors,
    sent: Sent,
    can_create: bool,
    can_approve: bool,
}

async fn list_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    errors: FormErrors,
    sent: Sent,
) -> Result<ListPage, PageError> {
    let e = err(&ctx, uri);
    let u = ListUrl::new("/adjustments", uri.query());
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let found = async {
        let f = filter_of(&u)?;
        let mut p = u.page()?;
        p.desc = u.get("order") != "asc";
        s.app.adjustments(&ctx.user, f, &p).await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|a| row(&ctx, &codes, a)).collect(),
            p.next,
            errors,
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let mut warehouses: Vec<(i64, String)> = codes
        .into_iter()
        .filter(|(id, _)| ctx.user.sees_warehouse(WarehouseId(*id)))
        .collect();
    warehouses.sort();
    let threshold = s.app.adjustment_threshold().await.map_err(&e)?.to_yuan();
    let lines_error = errors
        .0
        .iter()
        .filter(|x| x.field == "lines")
        .map(|x| x.reason.clone())
        .collect::<Vec<_>>()
        .join("；");
    Ok(ListPage {
        can_create: ctx.can(Action::StockPost),
        can_approve: ctx.can(Action::StockApprove),
        reasons: AdjustmentReason::ALL
            .iter()
            .map(|x| (x.as_str(), reason_label(&ctx, *x)))
            .collect(),
        statuses: AdjustmentStatus::ALL
            .iter()
            .map(|x| (x.as_str(), status_label(&ctx, *x)))
            .collect(),
        lines: form_lines(&sent, &errors),
        lines_error,
        threshold,
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

/// The form as the app's input; every bad field is reported at once.
async fn adjustment_input(s: &AppState, sent: &Sent) -> Result<NewAdjustmentInput, jxc_app::Error> {
    let warehouse = sent.val("warehouse_id").trim().parse::<i64>().unwrap_or(0);
    let mut errors = Vec::new();
    let mut coded = Vec::new();
    let mut lines = Vec::new();
    for i in 0..ROWS {
        let code = sent.val(&format!("code_{i}"));
        if code.trim().is_empty() {
            continue;
        }
        let n = lines.len();
        let qty =
            jxc_core::text::integer(&format!("lines[{n}].qty"), &sent.val(&format!("qty_{i}")))
                .unwrap_or_else(|x| {
                    errors.push(x);
                    0
                });
        let cost = sent.val(&format!("cost_{i}"));
        let unit_cost = if cost.trim().is_empty() {
            None
        } else {
            match Fen::parse_yuan(&format!("lines[{n}].unit_cost"), &cost) {
                Ok(f) => Some(f.0),
                Err(x) => {
                    errors.push(x);
                    None
                }
            }
        };
        coded.push(CodedLine {
            sku_code: code,
            location_code: sent.val(&format!("loc_{i}")),
        });
        lines.push(AdjustmentLineInput {
            qty,
            unit_cost,
            lot_no: sent.val(&format!("lot_{i}")),
            ..Default::default()
        });
    }
    if warehouse > 0 && !coded.is_empty() {
        match s
            .app
            .resolve_codes(WarehouseId(warehouse), &coded, "location_id")
            .await
        {
            Ok(ids) => {
                for (l, (sku, loc)) in lines.iter_mut().zip(ids) {
                    l.sku_id = sku;
                    l.location_id = loc;
                }
            }
            Err(jxc_app::Error::Invalid(v)) => errors.extend(v),
            Err(x) => return Err(x),
        }
    }
    if !errors.is_empty() {
        return Err(jxc_app::Error::Invalid(errors));
    }
    Ok(NewAdjustmentInput {
        warehouse_id: warehouse,
        reason: sent.val("reason"),
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
        let input = adjustment_input(&s, &sent).await?;
        s.app
            .create_adjustment(&ctx.user, &input, &actor(&ctx))
            .await
    }
    .await;
    match made {
        Ok(a) => Ok(see_other(&format!(
            "/adjustments/{}?ok={}",
            a.id,
            a.status.as_str()
        ))),
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

async fn set_threshold(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sent = Sent(sent);
    let done = match Fen::parse_yuan("threshold", &sent.val("threshold")) {
        Ok(f) => s.app.set_adjustment_threshold(f, &actor(&ctx)).await,
        Err(x) => Err(x.into()),
    };
    match done {
        Ok(()) => Ok(see_other("/adjustments")),
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
    let u = ListUrl::new("/adjustments", uri.query());
    let f = filter_of(&u).map_err(&e)?;
    let user = ctx.user.clone();
    let items = all_pages(|p| {
        let (app, f, user) = (s.app.clone(), f.clone(), user.clone());
        async move { app.adjustments(&user, f, &p).await }
    })
    .await
    .map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let rows = items
        .iter()
        .map(|a| {
            let r = row(&ctx, &codes, a);
            vec![
                Cell::text(&r.number),
                Cell::text(&r.warehouse),
                Cell::text(r.reason),
                Cell::text(r.status),
                Cell::Money(a.value),
                Cell::text(&r.note),
                Cell::text(&r.created),
                Cell::text(&r.created_by),
                Cell::text(&r.decided_by),
                Cell::text(&a.decision_note),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("adjustments.title"),
        &[
            (t.get("adjustments.col.number"), 12),
            (t.get("adjustments.col.warehouse"), 16),
            (t.get("adjustments.col.reason"), 10),
            (t.get("adjustments.col.status"), 8),
            (t.get("adjustments.col.value"), 10),
            (t.get("adjustments.col.note"), 20),
            (t.get("adjustments.col.created"), 18),
            (t.get("adjustments.col.created_by"), 12),
            (t.get("adjustments.col.decided_by"), 12),
            (t.get("adjustments.col.decision_note"), 20),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("adjustments", bytes).into_response())
}

struct LineView {
    line_no: u32,
    sku_code: String,
    sku_name: String,
    location: String,
    lot_no: String,
    qty: String,
    stated: String,
}

#[derive(Template)]
#[template(path = "inventory/adjustment.html")]
struct DetailPage {
    ctx: Ctx,
    a: AdjustmentRow,
    threshold: String,
    decided: String,
    decision_note: String,
    document: Option<i64>,
    pending: bool,
    lines: Vec<LineView>,
    notice: String,
    errors: FormErrors,
    sent: Sent,
    can_approve: bool,
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
    let a = s.app.adjustment(&ctx.user, id).await.map_err(&e)?;
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let notice = super::forms::notice(
        uri.query(),
        &[
            ("posted", ctx.tr("adjustments.notice.posted")),
            ("pending", ctx.tr("adjustments.notice.pending")),
            ("approved", ctx.tr("adjustments.notice.approved")),
            ("rejected", ctx.tr("adjustments.notice.rejected")),
        ],
    )
    .to_string();
    let lines = a
        .lines
        .iter()
        .map(|l| LineView {
            line_no: l.line_no,
            sku_code: l.sku_code.clone(),
            sku_name: l.sku_name.clone(),
            location: l.location_code.clone(),
            lot_no: l.lot_no.clone(),
            qty: if l.qty > 0 {
                format!("+{}", l.qty)
            } else {
                l.qty.to_string()
            },
            stated: l.stated_value.map(Fen::to_yuan).unwrap_or_default(),
        })
        .collect();
    Ok(DetailPage {
        threshold: a.threshold.to_yuan(),
        decided: a
            .decided_at
            .map(|m| format!("{} · {}", shanghai_time_ms(m), a.decided_by))
            .unwrap_or_default(),
        decision_note: a.decision_note.clone(),
        document: a.document_id.map(|d| d.0),
        pending: a.status == AdjustmentStatus::Pending,
        a: row(&ctx, &codes, &a),
        lines,
        notice,
        errors,
        sent,
        can_approve: ctx.can(Action::StockApprove),
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

async fn after(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    id: i64,
    done: Result<&'static str, jxc_app::Error>,
    sent: Sent,
) -> Result<Response, PageError> {
    match done {
        Ok(ok) => Ok(see_other(&format!("/adjustments/{id}?ok={ok}"))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(err(&ctx, uri))?;
            let status = form_status(&errors);
            let page = detail_page(s, ctx, uri, id, errors, sent).await?;
            Ok((status, render(&page)).into_response())
        }
    }
}

async fn approve(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let done = s
        .app
        .approve_adjustment(&ctx.user, id, &actor(&ctx))
        .await
        .map(|_| "approved");
    after(&s, ctx, &uri, id, done, Sent::default()).await
}

async fn reject(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let done = s
        .app
        .reject_adjustment(&ctx.user, id, &sent.val("note"), &actor(&ctx))
        .await
        .map(|_| "rejected");
    after(&s, ctx, &uri, id, done, sent).await
}
