//! 预警 pages: the inbox (open / closed, by kind and warehouse, each alert linking to the
//! page that fixes it; mark seen; export), stock levels per SKU × warehouse (安全库存,
//! 超储, 可售天数; filter, page, export, set, remove), and the settings with the robots
//! and mailboxes alerts go to (secrets go in, never come back; a test send).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::alerts::{ChannelInput, ChannelView};
use jxc_app::exports::{Cell, shanghai_time_ms, workbook};
use jxc_core::alerts::{AlertKind, AlertSettings, ChannelKind, StockLevelInput};
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::money::Fen;
use jxc_core::permissions::Action;
use jxc_store::{Alert, AlertFilter, StockLevelFilter};

use super::forms::{Sent, actor, all_pages, err, form_status};
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{AlertsAck, AlertsManage, AlertsView};
    Routes::new(Surface::Page, "")
        .get("/alerts", AlertsView, inbox)
        .get("/alerts/export.xlsx", AlertsView, export)
        .post("/alerts/evaluate", AlertsManage, evaluate)
        .post("/alerts/{id}/ack", AlertsAck, ack)
        .post("/alerts/{id}/close", AlertsAck, close)
        .get("/alerts/levels", AlertsView, levels)
        .get("/alerts/levels/export.xlsx", AlertsView, export_levels)
        .post("/alerts/levels", AlertsManage, set_level)
        .post("/alerts/levels/delete", AlertsManage, delete_level)
        .get("/alerts/settings", AlertsManage, settings)
        .post("/alerts/settings", AlertsManage, save_settings)
        .post("/alerts/channels", AlertsManage, add_channel)
        .post("/alerts/channels/{id}/test", AlertsManage, test_channel)
}

fn kinds(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    AlertKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(ctx, *k)))
        .collect()
}

fn kind_label(ctx: &Ctx, k: AlertKind) -> &'static str {
    match k {
        AlertKind::LowStock => ctx.tr("alerts.kind.low_stock"),
        AlertKind::Overstock => ctx.tr("alerts.kind.overstock"),
        AlertKind::LowCover => ctx.tr("alerts.kind.low_cover"),
        AlertKind::NearExpiry => ctx.tr("alerts.kind.near_expiry"),
        AlertKind::Expired => ctx.tr("alerts.kind.expired"),
        AlertKind::SlowMoving => ctx.tr("alerts.kind.slow_moving"),
        AlertKind::NegativeStock => ctx.tr("alerts.kind.negative_stock"),
        AlertKind::StockMismatch => ctx.tr("alerts.kind.stock_mismatch"),
        AlertKind::CountVariance => ctx.tr("alerts.kind.count_variance"),
    }
}

struct AlertRow {
    id: i64,
    kind: &'static str,
    kind_code: &'static str,
    title: String,
    detail: String,
    link: String,
    warehouse: String,
    opened: String,
    closed: String,
    acked: String,
    open: bool,
    event: bool,
}

fn alert_row(ctx: &Ctx, codes: &HashMap<i64, String>, a: &Alert) -> AlertRow {
    AlertRow {
        id: a.id,
        kind: kind_label(ctx, a.kind),
        kind_code: a.kind.as_str(),
        title: a.title.clone(),
        detail: a.detail.clone(),
        link: a.link.clone(),
        warehouse: a
            .warehouse_id
            .and_then(|w| codes.get(&w.0).cloned())
            .unwrap_or_default(),
        opened: shanghai_time_ms(a.opened_at),
        closed: a
            .closed_at
            .map(|t| format!("{} · {}", shanghai_time_ms(t), a.closed_by))
            .unwrap_or_default(),
        acked: a
            .acked_at
            .map(|t| format!("{} · {}", shanghai_time_ms(t), a.acked_by))
            .unwrap_or_default(),
        open: a.closed_at.is_none(),
        event: a.kind.is_event(),
    }
}

fn alert_filter(u: &ListUrl) -> Result<AlertFilter, jxc_app::Error> {
    let open = match u.get("state") {
        "" | "open" => Some(true),
        "closed" => Some(false),
        "all" => None,
        x => {
            return Err(jxc_app::Error::invalid(
                "state",
                format!("“{x}” 应为 open、closed 或 all"),
            ));
        }
    };
    let kind = match u.opt("kind") {
        None => None,
        Some(k) => Some(AlertKind::parse(&k).ok_or_else(|| {
            jxc_app::Error::invalid("kind", format!("未知的预警类型 “{k}” / unknown alert kind"))
        })?),
    };
    Ok(AlertFilter {
        open,
        kind,
        warehouse_id: u.id("warehouse_id")?.map(WarehouseId),
        warehouse_ids: Vec::new(),
    })
}

#[derive(Template)]
#[template(path = "alerts/inbox.html")]
struct InboxPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<AlertRow>,
    next: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    warehouses: Vec<(i64, String)>,
    errors: FormErrors,
    notice: String,
    can_ack: bool,
    can_manage: bool,
}

async fn inbox_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    errors: FormErrors,
) -> Result<InboxPage, PageError> {
    let e = err(&ctx, uri);
    let u = ListUrl::new("/alerts", uri.query());
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let found = async {
        let mut p = u.page()?;
        p.desc = true;
        s.app.alerts(&ctx.user, alert_filter(&u)?, &p).await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|a| alert_row(&ctx, &codes, a)).collect(),
            p.next,
            errors,
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let mut warehouses: Vec<(i64, String)> = codes.into_iter().collect();
    warehouses.sort();
    let notice = super::forms::notice(
        uri.query(),
        &[
            ("acked", ctx.tr("alerts.notice.acked")),
            ("closed", ctx.tr("alerts.notice.closed")),
            ("evaluated", ctx.tr("alerts.notice.evaluated")),
        ],
    )
    .to_string();
    Ok(InboxPage {
        kinds: kinds(&ctx),
        can_ack: ctx.can(Action::AlertsAck),
        can_manage: ctx.can(Action::AlertsManage),
        rows,
        next,
        warehouses,
        errors,
        notice,
        u,
        ctx,
    })
}

async fn inbox(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    Ok(render(
        &inbox_page(&s, ctx, &uri, FormErrors::default()).await?,
    ))
}

/// Back to the inbox with `ok`, or the inbox with what went wrong (422).
async fn done(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    r: Result<&'static str, jxc_app::Error>,
) -> Result<Response, PageError> {
    match r {
        Ok(ok) => Ok(see_other(&format!("/alerts?ok={ok}"))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(err(&ctx, uri))?;
            let status = form_status(&errors);
            Ok((status, render(&inbox_page(s, ctx, uri, errors).await?)).into_response())
        }
    }
}

async fn ack(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let r = s
        .app
        .ack_alert(&ctx.user, id, &actor(&ctx))
        .await
        .map(|_| "acked");
    done(&s, ctx, &uri, r).await
}

async fn close(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let r = s
        .app
        .close_alert(&ctx.user, id, &actor(&ctx))
        .await
        .map(|_| "closed");
    done(&s, ctx, &uri, r).await
}

async fn evaluate(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let r = s.app.evaluate_alerts(None).await.map(|_| "evaluated");
    done(&s, ctx, &uri, r).await
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/alerts", uri.query());
    let f = alert_filter(&u).map_err(&e)?;
    let user = ctx.user.clone();
    let items = all_pages(|p| {
        let (app, f, user) = (s.app.clone(), f.clone(), user.clone());
        async move { app.alerts(&user, f, &p).await }
    })
    .await
    .map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let rows = items
        .iter()
        .map(|a| {
            let r = alert_row(&ctx, &codes, a);
            vec![
                Cell::Int(r.id),
                Cell::text(r.kind),
                Cell::text(&r.title),
                Cell::text(&r.detail),
                Cell::text(&r.warehouse),
                Cell::text(&r.opened),
                Cell::text(&r.acked),
                Cell::text(&r.closed),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("alerts.title"),
        &[
            (t.get("alerts.col.id"), 8),
            (t.get("alerts.col.kind"), 12),
            (t.get("alerts.col.title"), 36),
            (t.get("alerts.col.detail"), 40),
            (t.get("alerts.col.warehouse"), 14),
            (t.get("alerts.col.opened"), 18),
            (t.get("alerts.col.acked"), 24),
            (t.get("alerts.col.closed"), 24),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("alerts", bytes).into_response())
}

struct LevelRow {
    sku_id: i64,
    warehouse_id: i64,
    sku_code: String,
    sku_name: String,
    warehouse: String,
    min: String,
    max: String,
    cover: String,
    on_hand: i64,
    available: i64,
    low: bool,
}

fn level_filter(u: &ListUrl) -> Result<StockLevelFilter, jxc_app::Error> {
    Ok(StockLevelFilter {
        warehouse_id: u.id("warehouse_id")?.map(WarehouseId),
        warehouse_ids: Vec::new(),
        q: u.get("q").to_string(),
    })
}

fn text_of(n: Option<i64>) -> String {
    n.map(|x| x.to_string()).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "alerts/levels.html")]
struct LevelsPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<LevelRow>,
    next: Option<String>,
    warehouses: Vec<(i64, String)>,
    errors: FormErrors,
    sent: Sent,
    can_manage: bool,
}

async fn levels_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    errors: FormErrors,
    sent: Sent,
) -> Result<LevelsPage, PageError> {
    let e = err(&ctx, uri);
    let u = ListUrl::new("/alerts/levels", uri.query());
    let found = async {
        let mut p = u.page()?;
        p.desc = false;
        s.app.stock_levels(&ctx.user, level_filter(&u)?, &p).await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items
                .iter()
                .map(|r| LevelRow {
                    sku_id: r.level.sku_id.0,
                    warehouse_id: r.level.warehouse_id.0,
                    sku_code: r.sku_code.clone(),
                    sku_name: r.sku_name.clone(),
                    warehouse: r.warehouse_code.clone(),
                    min: text_of(r.level.min_qty),
                    max: text_of(r.level.max_qty),
                    cover: text_of(r.level.cover_days),
                    on_hand: r.on_hand,
                    available: r.available,
                    low: r.level.min_qty.is_some_and(|m| r.available < m),
                })
                .collect(),
            p.next,
            errors,
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let mut warehouses: Vec<(i64, String)> = warehouse_codes(s)
        .await
        .map_err(&e)?
        .into_iter()
        .filter(|(id, _)| ctx.user.sees_warehouse(WarehouseId(*id)))
        .collect();
    warehouses.sort();
    Ok(LevelsPage {
        can_manage: ctx.can(Action::AlertsManage),
        rows,
        next,
        warehouses,
        errors,
        sent,
        u,
        ctx,
    })
}

async fn levels(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    Ok(render(
        &levels_page(&s, ctx, &uri, FormErrors::default(), Sent::default()).await?,
    ))
}

/// An optional whole number typed in a form field.
fn opt_number(sent: &Sent, field: &str) -> Result<Option<i64>, jxc_app::Error> {
    let v = sent.val(field);
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| jxc_app::Error::invalid(field, "请填写整数 / a whole number"))
}

async fn set_level(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let r = async {
        let code = sent.val("sku_code");
        let sku = s
            .app
            .store
            .get_sku_by_code(code.trim())
            .await?
            .ok_or_else(|| {
                jxc_app::Error::invalid(
                    "sku_code",
                    format!("商家编码 {code} 不存在 / unknown SKU code"),
                )
            })?;
        let input = StockLevelInput {
            sku_id: sku.id.0,
            warehouse_id: opt_number(&sent, "warehouse_id")?.unwrap_or(0),
            min_qty: opt_number(&sent, "min_qty")?,
            max_qty: opt_number(&sent, "max_qty")?,
            cover_days: opt_number(&sent, "cover_days")?,
        };
        s.app.set_stock_level(&ctx.user, &input, &actor(&ctx)).await
    }
    .await;
    match r {
        Ok(_) => Ok(see_other("/alerts/levels")),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(err(&ctx, &uri))?;
            let status = form_status(&errors);
            Ok((
                status,
                render(&levels_page(&s, ctx, &uri, errors, sent).await?),
            )
                .into_response())
        }
    }
}

async fn delete_level(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let e = err(&ctx, &uri);
    let sku = opt_number(&sent, "sku_id").map_err(&e)?.unwrap_or(0);
    let wh = opt_number(&sent, "warehouse_id").map_err(&e)?.unwrap_or(0);
    s.app
        .delete_stock_level(&ctx.user, SkuId(sku), WarehouseId(wh), &actor(&ctx))
        .await
        .map_err(&e)?;
    Ok(see_other("/alerts/levels"))
}

async fn export_levels(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/alerts/levels", uri.query());
    let f = level_filter(&u).map_err(&e)?;
    let user = ctx.user.clone();
    let items = all_pages(|p| {
        let (app, f, user) = (s.app.clone(), f.clone(), user.clone());
        async move { app.stock_levels(&user, f, &p).await }
    })
    .await
    .map_err(&e)?;
    let int = |n: Option<i64>| n.map(Cell::Int).unwrap_or(Cell::Blank);
    let rows = items
        .iter()
        .map(|r| {
            vec![
                Cell::text(&r.sku_code),
                Cell::text(&r.sku_name),
                Cell::text(&r.warehouse_code),
                int(r.level.min_qty),
                int(r.level.max_qty),
                int(r.level.cover_days),
                Cell::Int(r.on_hand),
                Cell::Int(r.available),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("alerts.levels"),
        &[
            (t.get("alerts.col.sku"), 14),
            (t.get("alerts.col.name"), 24),
            (t.get("alerts.col.warehouse"), 12),
            (t.get("alerts.col.min"), 10),
            (t.get("alerts.col.max"), 10),
            (t.get("alerts.col.cover"), 10),
            (t.get("alerts.col.on_hand"), 10),
            (t.get("alerts.col.available"), 10),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("stock-levels", bytes).into_response())
}

#[derive(Template)]
#[template(path = "alerts/settings.html")]
struct SettingsPage {
    ctx: Ctx,
    settings: AlertSettings,
    variance_yuan: String,
    base_url: String,
    channels: Vec<ChannelView>,
    channel_kinds: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    sent: Sent,
    notice: String,
}

impl SettingsPage {
    fn kind_of(&self, c: &ChannelView) -> &'static str {
        c.kind.label_zh()
    }
    fn kinds_of(&self, c: &ChannelView) -> String {
        if c.kinds.is_empty() {
            self.ctx.tr("alerts.channel.all_kinds").to_string()
        } else {
            c.kinds
                .iter()
                .map(|k| kind_label(&self.ctx, *k))
                .collect::<Vec<_>>()
                .join("、")
        }
    }
}

async fn settings_page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    errors: FormErrors,
    sent: Sent,
) -> Result<SettingsPage, PageError> {
    let e = err(&ctx, uri);
    let settings = s.app.alert_settings().await.map_err(&e)?;
    let notice = super::forms::notice(
        uri.query(),
        &[
            ("saved", ctx.tr("alerts.notice.saved")),
            ("channel", ctx.tr("alerts.notice.channel")),
            ("tested", ctx.tr("alerts.notice.tested")),
        ],
    )
    .to_string();
    Ok(SettingsPage {
        variance_yuan: Fen(settings.count_variance_value).to_yuan(),
        settings,
        base_url: s.app.alerts_base_url().await.map_err(&e)?,
        channels: s.app.alert_channels().await.map_err(&e)?,
        channel_kinds: ChannelKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect(),
        kinds: kinds(&ctx),
        errors,
        sent,
        notice,
        ctx,
    })
}

async fn settings(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    Ok(render(
        &settings_page(&s, ctx, &uri, FormErrors::default(), Sent::default()).await?,
    ))
}

async fn settings_done(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    r: Result<&'static str, jxc_app::Error>,
    sent: Sent,
) -> Result<Response, PageError> {
    match r {
        Ok(ok) => Ok(see_other(&format!("/alerts/settings?ok={ok}"))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(err(&ctx, uri))?;
            let status = if errors.is_empty() {
                axum::http::StatusCode::BAD_GATEWAY
            } else {
                form_status(&errors)
            };
            Ok((
                status,
                render(&settings_page(s, ctx, uri, errors, sent).await?),
            )
                .into_response())
        }
    }
}

async fn save_settings(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let r = async {
        let days = |f: &str| -> Result<i64, jxc_app::Error> {
            Ok(jxc_core::alerts::days_field(f, &sent.val(f))?)
        };
        let value = match sent.val("count_variance_value").trim() {
            "" => 0,
            v => Fen::parse_yuan("count_variance_value", v)?.0,
        };
        let settings = AlertSettings {
            near_expiry_days: days("near_expiry_days")?,
            slow_days: days("slow_days")?,
            count_variance_value: value,
        };
        s.app.set_alert_settings(&settings, &actor(&ctx)).await?;
        s.app
            .set_alerts_base_url(&sent.val("base_url"), &actor(&ctx))
            .await
    }
    .await
    .map(|_| "saved");
    settings_done(&s, ctx, &uri, r, sent).await
}

/// The channel form: one `kinds` checkbox per alert kind (`kind_<code>`).
async fn add_channel(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let input = ChannelInput {
        name: sent.val("name"),
        kind: sent.val("kind"),
        webhook_url: sent.val("webhook_url"),
        secret: sent.val("secret"),
        smtp_host: sent.val("smtp_host"),
        smtp_port: sent.val("smtp_port"),
        smtp_security: sent.val("smtp_security"),
        smtp_username: sent.val("smtp_username"),
        smtp_password: sent.val("smtp_password"),
        mail_from: sent.val("mail_from"),
        mail_to: sent.val("mail_to"),
        kinds: AlertKind::ALL
            .iter()
            .filter(|k| sent.checked(&format!("kind_{}", k.as_str())))
            .map(|k| k.as_str().to_string())
            .collect(),
        active: true,
    };
    let r = s
        .app
        .save_alert_channel(None, &input, &actor(&ctx))
        .await
        .map(|_| "channel");
    settings_done(&s, ctx, &uri, r, sent).await
}

async fn test_channel(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let r = s.app.test_alert_channel(id).await.map(|_| "tested");
    let r = r.map_err(|e| match e {
        // The robot's refusal is shown on the page, not as an error page.
        jxc_app::Error::Upstream(m) | jxc_app::Error::Rule(m) => {
            jxc_app::Error::invalid("channel", m)
        }
        jxc_app::Error::Unauthorized => jxc_app::Error::invalid(
            "channel",
            "机器人拒绝了签名或令牌 / the robot refused the token or signature",
        ),
        other => other,
    });
    settings_done(&s, ctx, &uri, r, Sent::default()).await
}
