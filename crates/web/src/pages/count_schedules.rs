//! 循环盘点计划 pages: the schedules (filter by warehouse and state, page) with the form
//! that adds one, and a schedule's page with its last run, the change form and 停用/启用.
//! Linked from the counts page.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::exports::shanghai_time_ms;
use jxc_core::FieldError;
use jxc_core::ids::WarehouseId;
use jxc_core::inventory::count_schedule::{CountScheduleInput, due_text};
use jxc_core::money::Fen;
use jxc_core::permissions::Action;
use jxc_store::{CountSchedule, CountScheduleFilter};

use super::forms::{Sent, actor, err, form_status};
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{CountsApprove, StockView};
    Routes::new(Surface::Page, "")
        .get("/counts/schedules", StockView, list)
        .post("/counts/schedules", CountsApprove, create)
        .get("/counts/schedules/{id}", StockView, detail)
        .post("/counts/schedules/{id}", CountsApprove, update)
        .post(
            "/counts/schedules/{id}/deactivate",
            CountsApprove,
            deactivate,
        )
        .post("/counts/schedules/{id}/activate", CountsApprove, activate)
}

/// A schedule as the list and its page show it.
struct Row {
    id: i64,
    warehouse: String,
    scope: String,
    blind: bool,
    every_days: i64,
    next_due: String,
    active: bool,
    last_run: String,
    outcome: &'static str,
    last_count: Option<i64>,
    note: String,
}

fn scope_text(ctx: &Ctx, s: &CountSchedule) -> String {
    match s.scope.as_str() {
        "zone" => format!("{} {}", ctx.tr("counts.scope.zone"), s.zone),
        "locations" => format!(
            "{} {} – {}",
            ctx.tr("counts.scope.locations"),
            s.location_from,
            s.location_to
        ),
        "skus" => {
            let codes: Vec<&str> = s.sku_codes.split(',').collect();
            let shown = codes.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            let more = if codes.len() > 5 { " …" } else { "" };
            format!("{} {shown}{more}", ctx.tr("counts.scope.skus"))
        }
        "abc" => format!("{} {}", ctx.tr("counts.abc"), s.abc_class),
        _ => ctx.tr("counts.scope.full").to_string(),
    }
}

fn row(ctx: &Ctx, codes: &HashMap<i64, String>, s: &CountSchedule) -> Row {
    Row {
        id: s.id,
        warehouse: codes
            .get(&s.warehouse_id.0)
            .cloned()
            .unwrap_or_else(|| s.warehouse_id.to_string()),
        scope: scope_text(ctx, s),
        blind: s.blind,
        every_days: s.every_days,
        next_due: due_text(s.next_due_at),
        active: s.active,
        last_run: s.last_run_at.map(shanghai_time_ms).unwrap_or_default(),
        outcome: match s.last_outcome.as_str() {
            "created" => ctx.tr("counts.schedules.outcome.created"),
            "still_open" => ctx.tr("counts.schedules.outcome.still_open"),
            "no_stock" => ctx.tr("counts.schedules.outcome.no_stock"),
            _ => ctx.tr("counts.schedules.outcome.never"),
        },
        last_count: s.last_count_id,
        note: s.note.clone(),
    }
}

/// The form's fields as the app takes them; every number that does not read is named.
fn input_of(sent: &Sent, active: bool) -> Result<CountScheduleInput, jxc_app::Error> {
    let mut errors = Vec::new();
    let mut whole = |field: &str| {
        let v = sent.val(field);
        let v = v.trim();
        if v.is_empty() {
            return 0;
        }
        v.parse().unwrap_or_else(|_| {
            errors.push(FieldError::new(field, "请填写整数 / a whole number"));
            0
        })
    };
    let warehouse_id = whole("warehouse_id");
    let recount_qty = whole("recount_qty");
    let every_days = whole("every_days");
    let value = sent.val("recount_value");
    let recount_value = if value.trim().is_empty() {
        0
    } else {
        match Fen::parse_yuan("recount_value", value.trim()) {
            Ok(f) => f.0,
            Err(e) => {
                errors.push(e);
                0
            }
        }
    };
    if !errors.is_empty() {
        return Err(jxc_app::Error::Invalid(errors));
    }
    Ok(CountScheduleInput {
        warehouse_id,
        scope: sent.val("scope"),
        zone: sent.val("zone"),
        location_from: sent.val("location_from"),
        location_to: sent.val("location_to"),
        sku_codes: sent.val("sku_codes"),
        abc_class: sent.val("abc_class"),
        blind: sent.checked("blind"),
        recount_qty,
        recount_value,
        note: sent.val("note"),
        every_days,
        next_due: sent.val("next_due"),
        active: Some(active),
    })
}

/// A schedule's fields as the change form shows them.
fn sent_of(s: &CountSchedule) -> Sent {
    let mut m = HashMap::new();
    for (k, v) in [
        ("warehouse_id", s.warehouse_id.0.to_string()),
        ("scope", s.scope.clone()),
        ("zone", s.zone.clone()),
        ("location_from", s.location_from.clone()),
        ("location_to", s.location_to.clone()),
        ("sku_codes", s.sku_codes.clone()),
        ("abc_class", s.abc_class.clone()),
        ("recount_qty", s.recount.qty.to_string()),
        ("recount_value", Fen(s.recount.value).to_yuan()),
        ("note", s.note.clone()),
        ("every_days", s.every_days.to_string()),
        ("next_due", due_text(s.next_due_at)),
    ] {
        m.insert(k.to_string(), v);
    }
    if s.blind {
        m.insert("blind".into(), "1".into());
    }
    if s.active {
        m.insert("active".into(), "1".into());
    }
    Sent(m)
}

async fn warehouses(s: &AppState, ctx: &Ctx) -> Result<Vec<(i64, String)>, jxc_app::Error> {
    let mut v: Vec<(i64, String)> = warehouse_codes(s)
        .await?
        .into_iter()
        .filter(|(id, _)| ctx.user.sees_warehouse(WarehouseId(*id)))
        .collect();
    v.sort();
    Ok(v)
}

fn filter_of(u: &ListUrl) -> Result<CountScheduleFilter, jxc_app::Error> {
    let active = match u.get("active") {
        "" => None,
        "1" => Some(true),
        "0" => Some(false),
        x => {
            return Err(jxc_app::Error::invalid(
                "active",
                format!("“{x}” 应为 1 或 0 / 1 or 0"),
            ));
        }
    };
    Ok(CountScheduleFilter {
        warehouse_id: u.id("warehouse_id")?.map(WarehouseId),
        warehouse_ids: Vec::new(),
        active,
    })
}

#[derive(Template)]
#[template(path = "inventory/count_schedules.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<Row>,
    next: Option<String>,
    warehouses: Vec<(i64, String)>,
    errors: FormErrors,
    sent: Sent,
    can_manage: bool,
    action: String,
    editing: bool,
}

async fn list_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    errors: FormErrors,
    sent: Sent,
) -> Result<ListPage, PageError> {
    let e = err(&ctx, uri);
    let u = ListUrl::new("/counts/schedules", uri.query());
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let found = async {
        let f = filter_of(&u)?;
        let mut p = u.page()?;
        p.desc = u.get("order") != "asc";
        s.app.count_schedules(&ctx.user, f, &p).await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|x| row(&ctx, &codes, x)).collect(),
            p.next,
            errors,
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    Ok(ListPage {
        warehouses: warehouses(s, &ctx).await.map_err(&e)?,
        can_manage: ctx.can(Action::CountsApprove),
        action: "/counts/schedules".into(),
        editing: false,
        rows,
        next,
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

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sent = Sent(sent);
    let made = async {
        let input = input_of(&sent, true)?;
        s.app
            .create_count_schedule(&ctx.user, &input, &actor(&ctx))
            .await
    }
    .await;
    match made {
        Ok(k) => Ok(see_other(&format!("/counts/schedules/{}?ok=created", k.id))),
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

#[derive(Template)]
#[template(path = "inventory/count_schedule.html")]
struct DetailPage {
    ctx: Ctx,
    k: Row,
    warehouses: Vec<(i64, String)>,
    errors: FormErrors,
    sent: Sent,
    notice: &'static str,
    can_manage: bool,
    action: String,
    editing: bool,
}

async fn detail_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    id: i64,
    errors: FormErrors,
    sent: Option<Sent>,
) -> Result<DetailPage, PageError> {
    let e = err(&ctx, uri);
    let k = s.app.count_schedule(&ctx.user, id).await.map_err(&e)?;
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let notice = super::forms::notice(
        uri.query(),
        &[
            ("created", ctx.tr("counts.schedules.notice.created")),
            ("saved", ctx.tr("counts.schedules.notice.saved")),
            ("deactivated", ctx.tr("counts.schedules.notice.deactivated")),
            ("activated", ctx.tr("counts.schedules.notice.activated")),
        ],
    );
    Ok(DetailPage {
        warehouses: warehouses(s, &ctx).await.map_err(&e)?,
        sent: sent.unwrap_or_else(|| sent_of(&k)),
        k: row(&ctx, &codes, &k),
        errors,
        notice,
        can_manage: ctx.can(Action::CountsApprove),
        action: format!("/counts/schedules/{id}"),
        editing: true,
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
        &detail_page(&s, ctx, &uri, id, FormErrors::default(), None).await?,
    ))
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sent = Sent(sent);
    let saved = async {
        let input = input_of(&sent, sent.checked("active"))?;
        s.app
            .update_count_schedule(&ctx.user, id, &input, &actor(&ctx))
            .await
    }
    .await;
    match saved {
        Ok(_) => Ok(see_other(&format!("/counts/schedules/{id}?ok=saved"))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            let status = form_status(&errors);
            Ok((
                status,
                render(&detail_page(&s, ctx, &uri, id, errors, Some(sent)).await?),
            )
                .into_response())
        }
    }
}

async fn set_active(
    s: AppState,
    ctx: Ctx,
    id: i64,
    uri: Uri,
    active: bool,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    s.app
        .set_count_schedule_active(&ctx.user, id, active, &actor(&ctx))
        .await
        .map_err(&e)?;
    let ok = if active { "activated" } else { "deactivated" };
    Ok(see_other(&format!("/counts/schedules/{id}?ok={ok}")))
}

async fn deactivate(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    set_active(s, ctx, id, uri, false).await
}

async fn activate(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    set_active(s, ctx, id, uri, true).await
}
