//! 盘点 pages: the counts (filter, page, export) with the form that starts one; a count
//! with its progress, lines (filter, page, export), typed totals, 完成库位, submit and the
//! 仓库主管's approve / send back / cancel, and its accuracy; and the phone scanning page
//! (`assets/count-scan.js`: big targets, 360 px wide, scans queued while offline and sent
//! with their ids, so none is lost or counted twice).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::counts::TypedCountInput;
use jxc_app::exports::{Cell, shanghai_time_ms, workbook};
use jxc_core::ids::WarehouseId;
use jxc_core::inventory::count::{CountStatus, NewCountInput};
use jxc_core::money::Fen;
use jxc_core::permissions::Action;
use jxc_store::{CountFilter, CountLine, CountLineFilter, EntryOutcome, LineState, StockCount};

use super::forms::{Sent, actor, all_pages, err, form_status};
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{CountsApprove, CountsCount, StockView};
    Routes::new(Surface::Page, "")
        .get("/counts", StockView, list)
        .post("/counts", CountsCount, create)
        .get("/counts/export.xlsx", StockView, export)
        .get("/counts/{id}", StockView, detail)
        .get("/counts/{id}/export.xlsx", StockView, export_lines)
        .get("/counts/{id}/scan", CountsCount, scan_page)
        .post("/counts/{id}/entries", CountsCount, enter)
        .post("/counts/{id}/close-location", CountsCount, close_location)
        .post("/counts/{id}/submit", CountsCount, submit)
        .post("/counts/{id}/approve", CountsApprove, approve)
        .post("/counts/{id}/reopen", CountsApprove, reopen)
        .post("/counts/{id}/cancel", CountsApprove, cancel)
}

fn status_label(ctx: &Ctx, s: CountStatus) -> &'static str {
    match s {
        CountStatus::Counting => ctx.tr("counts.status.counting"),
        CountStatus::Recounting => ctx.tr("counts.status.recounting"),
        CountStatus::Submitted => ctx.tr("counts.status.submitted"),
        CountStatus::Posted => ctx.tr("counts.status.posted"),
        CountStatus::Cancelled => ctx.tr("counts.status.cancelled"),
    }
}

struct CountRow {
    id: i64,
    number: String,
    warehouse: String,
    status: &'static str,
    status_code: &'static str,
    scope: String,
    blind: bool,
    lines: i64,
    counted: i64,
    variances: i64,
    created: String,
    created_by: String,
}

fn row(ctx: &Ctx, codes: &HashMap<i64, String>, k: &StockCount) -> CountRow {
    CountRow {
        id: k.id,
        number: k.number.clone(),
        warehouse: codes
            .get(&k.warehouse_id.0)
            .cloned()
            .unwrap_or_else(|| k.warehouse_id.to_string()),
        status: status_label(ctx, k.status),
        status_code: k.status.as_str(),
        scope: k.scope.label(),
        blind: k.blind,
        lines: k.progress.lines,
        counted: k.progress.counted,
        variances: k.progress.variances,
        created: shanghai_time_ms(k.created_at),
        created_by: k.created_by.clone(),
    }
}

fn filter_of(u: &ListUrl) -> Result<CountFilter, jxc_app::Error> {
    let status = match u.opt("status") {
        None => None,
        Some(x) => Some(CountStatus::parse(&x).ok_or_else(|| {
            jxc_app::Error::invalid("status", format!("未知状态 “{x}” / unknown status"))
        })?),
    };
    Ok(CountFilter {
        warehouse_id: u.id("warehouse_id")?.map(WarehouseId),
        warehouse_ids: Vec::new(),
        status,
    })
}

#[derive(Template)]
#[template(path = "inventory/counts.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<CountRow>,
    next: Option<String>,
    warehouses: Vec<(i64, String)>,
    statuses: Vec<(&'static str, &'static str)>,
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
    let u = ListUrl::new("/counts", uri.query());
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let found = async {
        let f = filter_of(&u)?;
        let mut p = u.page()?;
        p.desc = u.get("order") != "asc";
        s.app.counts(&ctx.user, f, &p).await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|k| row(&ctx, &codes, k)).collect(),
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
    Ok(ListPage {
        can_create: ctx.can(Action::CountsCount),
        statuses: CountStatus::ALL
            .iter()
            .map(|x| (x.as_str(), status_label(&ctx, *x)))
            .collect(),
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
        .map_err(|_| jxc_app::Error::invalid(field, "请填写整数 / a whole number"))
}

/// The recount value threshold is typed in yuan.
fn yuan(sent: &Sent, field: &str) -> Result<i64, jxc_app::Error> {
    let v = sent.val(field);
    let v = v.trim();
    if v.is_empty() {
        return Ok(0);
    }
    Ok(Fen::parse_yuan(field, v)?.0)
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
        let input = NewCountInput {
            warehouse_id: number(&sent, "warehouse_id")?,
            scope: sent.val("scope"),
            zone: sent.val("zone"),
            location_from: sent.val("location_from"),
            location_to: sent.val("location_to"),
            sku_codes: sent.val("sku_codes"),
            abc_class: sent.val("abc_class"),
            blind: sent.checked("blind"),
            recount_qty: number(&sent, "recount_qty")?,
            recount_value: yuan(&sent, "recount_value")?,
            note: sent.val("note"),
        };
        s.app.create_count(&ctx.user, &input, &actor(&ctx)).await
    }
    .await;
    match made {
        Ok(k) => Ok(see_other(&format!("/counts/{}", k.id))),
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
    let u = ListUrl::new("/counts", uri.query());
    let f = filter_of(&u).map_err(&e)?;
    let user = ctx.user.clone();
    let items = all_pages(|p| {
        let (app, f, user) = (s.app.clone(), f.clone(), user.clone());
        async move { app.counts(&user, f, &p).await }
    })
    .await
    .map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let rows = items
        .iter()
        .map(|k| {
            let r = row(&ctx, &codes, k);
            vec![
                Cell::text(&r.number),
                Cell::text(&r.warehouse),
                Cell::text(r.status),
                Cell::text(&r.scope),
                Cell::text(if r.blind { "是" } else { "" }),
                Cell::Int(r.lines),
                Cell::Int(r.counted),
                Cell::Int(r.variances),
                Cell::text(&r.created),
                Cell::text(&r.created_by),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("counts.title"),
        &[
            (t.get("counts.col.number"), 12),
            (t.get("counts.col.warehouse"), 16),
            (t.get("counts.col.status"), 8),
            (t.get("counts.col.scope"), 20),
            (t.get("counts.blind"), 6),
            (t.get("counts.col.lines"), 8),
            (t.get("counts.col.counted"), 8),
            (t.get("counts.col.variances"), 8),
            (t.get("counts.col.created"), 18),
            (t.get("counts.col.created_by"), 12),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("counts", bytes).into_response())
}

struct LineView {
    location: String,
    sku_code: String,
    sku_name: String,
    lot_no: String,
    counted: String,
    expected: String,
    variance: String,
    variance_sign: &'static str,
    first: String,
    recount: bool,
    value: String,
    by: String,
}

fn opt(n: Option<i64>) -> String {
    n.map(|x| x.to_string()).unwrap_or_default()
}

fn line_view(l: &CountLine) -> LineView {
    let v = l.variance();
    LineView {
        location: l.location_code.clone(),
        sku_code: l.sku_code.clone(),
        sku_name: l.sku_name.clone(),
        lot_no: l.lot_no.clone(),
        counted: opt(l.counted),
        expected: opt(l.expected),
        variance: match v {
            Some(x) if x > 0 => format!("+{x}"),
            x => opt(x),
        },
        variance_sign: match v {
            Some(x) if x > 0 => "gain",
            Some(x) if x < 0 => "loss",
            _ => "",
        },
        first: match (l.first_counted, l.first_expected) {
            (Some(c), Some(e)) => format!("{c} / {e}"),
            (Some(c), None) => c.to_string(),
            _ => String::new(),
        },
        recount: l.needs_recount,
        value: l
            .value_variance
            .map(|x| Fen(x).to_yuan())
            .unwrap_or_default(),
        by: l.counted_by.clone(),
    }
}

fn line_filter(u: &ListUrl) -> Result<CountLineFilter, jxc_app::Error> {
    let state = match u.opt("state") {
        None => LineState::All,
        Some(x) => LineState::parse(&x).ok_or_else(|| {
            jxc_app::Error::invalid("state", format!("未知的行状态 “{x}” / unknown line state"))
        })?,
    };
    Ok(CountLineFilter {
        state,
        location: u.get("location").to_string(),
        q: u.get("q").to_string(),
    })
}

#[derive(Template)]
#[template(path = "inventory/count.html")]
struct DetailPage {
    ctx: Ctx,
    u: ListUrl,
    k: CountRow,
    note: String,
    counting: bool,
    submitted: bool,
    posted: bool,
    open: bool,
    blind_to_me: bool,
    lines: Vec<LineView>,
    next: Option<String>,
    states: Vec<(&'static str, &'static str)>,
    accuracy: String,
    matched: i64,
    qty_gain: i64,
    qty_loss: i64,
    value_gain: String,
    value_loss: String,
    documents: Vec<i64>,
    recount_rule: String,
    errors: FormErrors,
    sent: Sent,
    notice: String,
    refused: Vec<String>,
    can_count: bool,
    can_approve: bool,
}

async fn detail_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    id: i64,
    errors: FormErrors,
    sent: Sent,
    refused: Vec<String>,
) -> Result<DetailPage, PageError> {
    let e = err(&ctx, uri);
    let u = ListUrl::new(&format!("/counts/{id}"), uri.query());
    let k = s.app.count(&ctx.user, id).await.map_err(&e)?;
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let found = async {
        let f = line_filter(&u)?;
        let mut p = u.page()?;
        p.desc = false;
        s.app.count_lines(&ctx.user, id, &f, &p).await
    }
    .await;
    let (lines, next, errors) = match found {
        Ok(p) => (p.items.iter().map(line_view).collect(), p.next, errors),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let blind_to_me = s.app.count_is_blind_to(&ctx.user, &k);
    let report = s.app.count_report(&ctx.user, id).await.map_err(&e)?;
    let a = report.accuracy;
    let notice = super::forms::notice(
        uri.query(),
        &[
            ("entered", ctx.tr("counts.notice.entered")),
            ("closed", ctx.tr("counts.notice.closed")),
            ("submitted", ctx.tr("counts.notice.submitted")),
            ("recount", ctx.tr("counts.notice.recount")),
            ("approved", ctx.tr("counts.notice.approved")),
            ("reopened", ctx.tr("counts.notice.reopened")),
            ("cancelled", ctx.tr("counts.notice.cancelled")),
        ],
    )
    .to_string();
    let recount_rule = match (k.recount.qty, k.recount.value) {
        (0, 0) => ctx.tr("counts.recount.none").to_string(),
        (q, 0) => format!("≥ {q}"),
        (0, v) => format!("≥ ¥{}", Fen(v).to_yuan()),
        (q, v) => format!("≥ {q} / ≥ ¥{}", Fen(v).to_yuan()),
    };
    Ok(DetailPage {
        counting: k.status.takes_counts(true),
        submitted: k.status == CountStatus::Submitted,
        posted: k.status == CountStatus::Posted,
        open: !matches!(k.status, CountStatus::Posted | CountStatus::Cancelled),
        note: k.note.clone(),
        documents: k.documents.iter().map(|d| d.0).collect(),
        k: row(&ctx, &codes, &k),
        blind_to_me,
        lines,
        next,
        states: LineState::ALL
            .iter()
            .map(|x| {
                (
                    x.as_str(),
                    match x {
                        LineState::All => ctx.tr("list.all"),
                        LineState::Uncounted => ctx.tr("counts.state.uncounted"),
                        LineState::Counted => ctx.tr("counts.state.counted"),
                        LineState::Variance => ctx.tr("counts.state.variance"),
                        LineState::Recount => ctx.tr("counts.state.recount"),
                    },
                )
            })
            .collect(),
        accuracy: report.accuracy_text,
        matched: a.matched,
        qty_gain: a.qty_gain,
        qty_loss: a.qty_loss,
        value_gain: Fen(a.value_gain).to_yuan(),
        value_loss: Fen(a.value_loss).to_yuan(),
        recount_rule,
        errors,
        sent,
        notice,
        refused,
        can_count: ctx.can(Action::CountsCount),
        can_approve: ctx.can(Action::CountsApprove),
        u,
        ctx,
    })
}

async fn detail(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    Ok(render(
        &detail_page(
            &s,
            ctx,
            &uri,
            id,
            FormErrors::default(),
            Sent::default(),
            vec![],
        )
        .await?,
    ))
}

/// The detail page again with what went wrong (422), or on to `ok`.
async fn after(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    id: i64,
    done: Result<&'static str, jxc_app::Error>,
    sent: Sent,
) -> Result<Response, PageError> {
    match done {
        Ok(ok) => Ok(see_other(&format!("/counts/{id}?ok={ok}"))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(err(&ctx, uri))?;
            let status = form_status(&errors);
            let page = detail_page(s, ctx, uri, id, errors, sent, vec![]).await?;
            Ok((status, render(&page)).into_response())
        }
    }
}

async fn enter(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let qty = match sent.val("qty").trim().parse::<i64>() {
        Ok(q) => q,
        Err(_) => {
            let x = jxc_app::Error::invalid("entries[0].qty", "请填写数量 / give the quantity");
            return after(&s, ctx, &uri, id, Err(x), sent).await;
        }
    };
    let typed = TypedCountInput {
        location: sent.val("location"),
        code: sent.val("code"),
        lot_no: sent.val("lot_no"),
        qty,
    };
    let got = s
        .app
        .enter_counts(&ctx.user, id, &[typed], &actor(&ctx))
        .await;
    match got {
        Ok(outcomes) => {
            let refused: Vec<String> = outcomes
                .into_iter()
                .filter_map(|o| match o {
                    EntryOutcome::Refused { reason } => Some(reason),
                    _ => None,
                })
                .collect();
            if refused.is_empty() {
                Ok(see_other(&format!("/counts/{id}?ok=entered")))
            } else {
                let page =
                    detail_page(&s, ctx, &uri, id, FormErrors::default(), sent, refused).await?;
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
            }
        }
        Err(x) => after(&s, ctx, &uri, id, Err(x), sent).await,
    }
}

async fn close_location(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let done = s
        .app
        .close_count_location(&ctx.user, id, &sent.val("location"), &actor(&ctx))
        .await
        .map(|_| "closed");
    after(&s, ctx, &uri, id, done, sent).await
}

async fn submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let done = s
        .app
        .submit_count(&ctx.user, id, sent.checked("zero_uncounted"), &actor(&ctx))
        .await
        .map(|k| {
            if k.status == CountStatus::Recounting {
                "recount"
            } else {
                "submitted"
            }
        });
    after(&s, ctx, &uri, id, done, sent).await
}

async fn approve(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let done = s
        .app
        .approve_count(&ctx.user, id, &actor(&ctx))
        .await
        .map(|_| "approved");
    after(&s, ctx, &uri, id, done, Sent::default()).await
}

async fn reopen(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let done = s
        .app
        .reopen_count(&ctx.user, id, &actor(&ctx))
        .await
        .map(|_| "reopened");
    after(&s, ctx, &uri, id, done, Sent::default()).await
}

async fn cancel(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let done = s
        .app
        .cancel_count(&ctx.user, id, &actor(&ctx))
        .await
        .map(|_| "cancelled");
    after(&s, ctx, &uri, id, done, Sent::default()).await
}

async fn export_lines(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new(&format!("/counts/{id}"), uri.query());
    let f = line_filter(&u).map_err(&e)?;
    let k = s.app.count(&ctx.user, id).await.map_err(&e)?;
    let user = ctx.user.clone();
    let items = all_pages(|p| {
        let (app, f, user) = (s.app.clone(), f.clone(), user.clone());
        async move { app.count_lines(&user, id, &f, &p).await }
    })
    .await
    .map_err(&e)?;
    let int = |n: Option<i64>| n.map(Cell::Int).unwrap_or(Cell::Blank);
    let rows = items
        .iter()
        .map(|l| {
            vec![
                Cell::text(&l.location_code),
                Cell::text(&l.sku_code),
                Cell::text(&l.sku_name),
                Cell::text(&l.lot_no),
                int(l.counted),
                int(l.expected),
                int(l.variance()),
                l.value_variance
                    .map(|v| Cell::Money(Fen(v)))
                    .unwrap_or(Cell::Blank),
                int(l.first_counted),
                Cell::text(&l.counted_by),
                Cell::text(&l.counted_at.map(shanghai_time_ms).unwrap_or_default()),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        &k.number,
        &[
            (t.get("counts.col.location"), 14),
            (t.get("counts.col.sku"), 14),
            (t.get("counts.col.name"), 24),
            (t.get("counts.col.lot"), 12),
            (t.get("counts.col.counted_qty"), 8),
            (t.get("counts.col.expected"), 8),
            (t.get("counts.col.variance"), 8),
            (t.get("counts.col.value"), 10),
            (t.get("counts.col.first"), 8),
            (t.get("counts.col.by"), 12),
            (t.get("counts.col.at"), 18),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx(&k.number, bytes).into_response())
}

#[derive(Template)]
#[template(path = "inventory/count_scan.html")]
struct ScanPage {
    ctx: Ctx,
    k: CountRow,
    counting: bool,
}

async fn scan_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let k = s.app.count(&ctx.user, id).await.map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    Ok(render(&ScanPage {
        counting: k.status.takes_counts(true),
        k: row(&ctx, &codes, &k),
        ctx,
    }))
}
