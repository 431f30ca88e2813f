//! 平台同步 pages: a shop's sync section (settings, last run, cursor, "sync now", the
//! webhook URL to give the platform), the sync log (同步日志, filtered, paged, exported)
//! and the payloads of a shop that could not be read.
//!
//! The sync section is shown on its own page (`/shops/{id}/sync`, for everyone who may see
//! orders) and on the shop's edit form. Credentials are never shown, only whether they
//! are set.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use jxc_core::ids::ShopId;
use jxc_core::paging::{MAX_LIMIT, PageRequest};
use jxc_core::partners::{Platform, Shop};
use jxc_core::permissions::Action;
use jxc_store::{ListFilter, RawPayload, SyncRun, SyncRunFilter, SyncTrigger};

use super::forms::{Sent, all_pages, err, form_status};
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{ChannelsSync, OrdersView, ShopsEdit};
    Routes::new(Surface::Page, "")
        .get("/shops/{id}/sync", OrdersView, sync_page)
        .post("/shops/{id}/sync", ShopsEdit, save_settings)
        .post("/shops/{id}/sync/run", ChannelsSync, run_now)
        .post("/shops/{id}/sync/test", ChannelsSync, test_connection)
        .get("/shops/{id}/raw-payloads", ChannelsSync, raw_payloads)
        .get("/sync/runs", OrdersView, runs)
        .get("/sync/runs/export.xlsx", OrdersView, export_runs)
}

/// The statuses a run can have, with their message keys.
const STATUSES: &[(&str, &str)] = &[
    ("running", "sync.status.running"),
    ("ok", "sync.status.ok"),
    ("partial", "sync.status.partial"),
    ("error", "sync.status.error"),
    ("interrupted", "sync.status.interrupted"),
];

fn status_label(ctx: &Ctx, s: &str) -> String {
    STATUSES
        .iter()
        .find(|(k, _)| *k == s)
        .map(|(_, key)| ctx.t.get(key).to_string())
        .unwrap_or_else(|| s.to_string())
}

fn trigger_label(ctx: &Ctx, t: SyncTrigger) -> &'static str {
    match t {
        SyncTrigger::Schedule => ctx.tr("sync.trigger.schedule"),
        SyncTrigger::Manual => ctx.tr("sync.trigger.manual"),
        SyncTrigger::Webhook => ctx.tr("sync.trigger.webhook"),
    }
}

/// Unix milliseconds in China time ("" for none).
fn ms_time(ms: Option<i64>) -> String {
    ms.map(jxc_app::exports::shanghai_time_ms)
        .unwrap_or_default()
}

/// The message key of a platform's name.
fn platform_key(p: Platform) -> &'static str {
    match p {
        Platform::Taobao => "shop.platform.taobao",
        Platform::Tmall => "shop.platform.tmall",
        Platform::Jd => "shop.platform.jd",
        Platform::Pdd => "shop.platform.pdd",
        Platform::Douyin => "shop.platform.douyin",
        Platform::Shopify => "shop.platform.shopify",
        Platform::Woocommerce => "shop.platform.woocommerce",
        Platform::Manual => "shop.platform.manual",
    }
}

/// The platforms that push, and the credential their signature is keyed by.
fn push_secret(p: Platform) -> Option<&'static str> {
    match p {
        Platform::Shopify | Platform::Woocommerce => Some("webhook_secret"),
        Platform::Douyin => Some("app_secret"),
        _ => None,
    }
}

/// `scheme://host` of the request as the browser sent it (behind a proxy, its
/// `X-Forwarded-Proto`), to build the URL a platform must call.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').next().unwrap_or("").trim())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// The sync section of a shop, as the pages show it.
pub(crate) struct SyncView {
    pub shop_id: i64,
    pub shop_code: String,
    pub shop_name: String,
    pub platform: &'static str,
    pub manual: bool,
    pub has_credentials: bool,
    pub enabled: bool,
    /// The interval box (as sent back when the form had errors).
    pub interval: String,
    pub cursor: String,
    pub last_run_at: String,
    pub last_status: String,
    /// `ok`, `partial`, `error` … for the tag's colour.
    pub last_status_code: String,
    pub last_error: String,
    pub next_run: String,
    /// The URL to give the platform, for platforms that push.
    pub webhook_url: Option<String>,
    /// The credential the platform signs with (`webhook_secret`, `app_secret`).
    pub webhook_secret: &'static str,
    pub can_edit: bool,
    pub can_run: bool,
    /// Where the forms come back to: `edit` (the shop form) or `sync` (the sync page).
    pub back: &'static str,
    /// What the last "sync now" or save did (after the redirect).
    pub notice: String,
    pub notice_bad: bool,
    pub errors: FormErrors,
}

/// Reads the sync section of `shop` for the signed-in user.
pub(crate) async fn sync_view(
    s: &AppState,
    ctx: &Ctx,
    shop: &Shop,
    headers: &HeaderMap,
    query: Option<&str>,
    back: &'static str,
) -> Result<SyncView, jxc_app::Error> {
    let st = s.app.shop_sync(&ctx.user, shop.id).await?;
    let platform = shop.fields.platform;
    let secret = push_secret(platform);
    let (notice, notice_bad) = flash(ctx, query);
    Ok(SyncView {
        shop_id: shop.id.0,
        shop_code: shop.fields.code.clone(),
        shop_name: shop.fields.name.clone(),
        platform: ctx.t.get(platform_key(platform)),
        manual: platform == Platform::Manual,
        has_credentials: shop.has_credentials,
        enabled: st.enabled,
        interval: st.interval_secs.to_string(),
        cursor: ms_time(st.cursor_ms),
        last_run_at: ms_time(st.last_run_at),
        last_status: status_label(ctx, &st.last_status),
        last_status_code: st.last_status.clone(),
        last_error: st.last_error.clone(),
        next_run: if st.enabled {
            ms_time(Some(st.next_run_at))
        } else {
            String::new()
        },
        webhook_url: secret.map(|_| format!("{}/hooks/{}", origin(headers), shop.id.0)),
        webhook_secret: secret.unwrap_or(""),
        can_edit: ctx.can(Action::ShopsEdit),
        can_run: ctx.can(Action::ChannelsSync),
        back,
        notice,
        notice_bad,
        errors: FormErrors::default(),
    })
}

/// The notice after a redirect: `?ok=sync_saved`, or the counts of a run
/// (`?synced=ok&fetched=…`). Only known words and numbers are read.
fn flash(ctx: &Ctx, query: Option<&str>) -> (String, bool) {
    let q: HashMap<String, String> = query
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect();
    if q.get("ok").map(String::as_str) == Some("sync_saved") {
        return (ctx.tr("sync.saved").to_string(), false);
    }
    let Some(status) = q.get("synced") else {
        return (String::new(), false);
    };
    if !STATUSES.iter().any(|(k, _)| k == status) {
        return (String::new(), false);
    }
    let n = |k: &str| {
        q.get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
            .to_string()
    };
    let text = ctx
        .tr("sync.ran")
        .replace("{status}", &status_label(ctx, status))
        .replace("{fetched}", &n("fetched"))
        .replace("{created}", &n("created"))
        .replace("{changed}", &n("changed"))
        .replace("{unchanged}", &n("unchanged"))
        .replace("{malformed}", &n("malformed"));
    (text, status != "ok")
}

fn back_to(id: i64, sent: &Sent) -> (&'static str, String) {
    if sent.val("back") == "edit" {
        ("edit", format!("/shops/{id}/edit"))
    } else {
        ("sync", format!("/shops/{id}/sync"))
    }
}

#[derive(Template)]
#[template(path = "channels/shop_sync.html")]
struct SyncPage {
    ctx: Ctx,
    sync: SyncView,
}

async fn sync_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    jxc_app::partners::require_shop(&ctx.user, ShopId(id)).map_err(&e)?;
    let shop = s.app.shop(ShopId(id)).await.map_err(&e)?;
    let sync = sync_view(&s, &ctx, &shop, &headers, uri.query(), "sync")
        .await
        .map_err(&e)?;
    Ok(render(&SyncPage { ctx, sync }))
}

/// The sync page again with the form's errors (and what was typed).
async fn with_errors(
    s: &AppState,
    ctx: Ctx,
    shop: &Shop,
    headers: &HeaderMap,
    uri: &Uri,
    sent: &Sent,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let mut sync = sync_view(s, &ctx, shop, headers, None, "sync")
        .await
        .map_err(err(&ctx, uri))?;
    if sent.0.contains_key("interval_secs") {
        sync.interval = sent.val("interval_secs");
        sync.enabled = sent.checked("enabled");
    }
    sync.errors = errors;
    let status = form_status(&sync.errors);
    Ok((status, render(&SyncPage { ctx, sync })).into_response())
}

async fn save_settings(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    jxc_app::partners::require_shop(&ctx.user, ShopId(id)).map_err(&e)?;
    let shop = s.app.shop(ShopId(id)).await.map_err(&e)?;
    let sent = Sent(sent);
    let (_, back) = back_to(id, &sent);
    let saved = async {
        let interval = sent.val("interval_secs");
        let interval = interval.trim().parse::<i64>().map_err(|_| {
            jxc_app::Error::invalid("interval_secs", ctx.tr("sync.interval_invalid"))
        })?;
        s.app
            .set_shop_sync(&ctx.user, ShopId(id), sent.checked("enabled"), interval)
            .await
    }
    .await;
    match saved {
        Ok(_) => Ok(see_other(&format!("{back}?ok=sync_saved"))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            with_errors(&s, ctx, &shop, &headers, &uri, &sent, errors).await
        }
    }
}

async fn run_now(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    jxc_app::partners::require_shop(&ctx.user, ShopId(id)).map_err(&e)?;
    let shop = s.app.shop(ShopId(id)).await.map_err(&e)?;
    let sent = Sent(sent);
    let (_, back) = back_to(id, &sent);
    match s.app.sync_shop(ShopId(id), SyncTrigger::Manual).await {
        Ok(o) => {
            let t = &o.tally;
            let q = serde_urlencoded::to_string([
                ("synced", o.status.clone()),
                ("fetched", t.fetched.to_string()),
                ("created", t.created.to_string()),
                ("changed", t.changed.to_string()),
                ("unchanged", t.unchanged.to_string()),
                ("malformed", t.malformed.to_string()),
            ])
            .unwrap_or_default();
            Ok(see_other(&format!("{back}?{q}")))
        }
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            with_errors(&s, ctx, &shop, &headers, &uri, &Sent::default(), errors).await
        }
    }
}

/// 测试连接: one call to the platform with the stored credentials; the page says what
/// the platform answered (nothing is stored).
async fn test_connection(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let shop = s.app.shop(ShopId(id)).await.map_err(&e)?;
    let sent = Sent(sent);
    let (back, _) = back_to(id, &sent);
    let check = s
        .app
        .test_connection(&ctx.user, ShopId(id))
        .await
        .map_err(&e)?;
    let mut sync = sync_view(&s, &ctx, &shop, &headers, None, back)
        .await
        .map_err(&e)?;
    sync.notice = if check.ok {
        ctx.tr("sync.test_ok")
            .replace("{minutes}", &check.window_minutes.to_string())
            .replace("{n}", &check.recent_orders.unwrap_or(0).to_string())
    } else {
        format!("{}：{}", ctx.tr("sync.test_failed"), check.message)
    };
    sync.notice_bad = !check.ok;
    Ok(render(&SyncPage { ctx, sync }))
}

// ---- The sync log ----

struct RunRow {
    id: i64,
    started: String,
    shop_id: i64,
    shop: String,
    trigger: &'static str,
    window: String,
    pages: i64,
    fetched: i64,
    created: i64,
    changed: i64,
    unchanged: i64,
    malformed: i64,
    retries: i64,
    status: String,
    status_code: String,
    error: String,
}

fn run_row(ctx: &Ctx, shops: &HashMap<i64, String>, r: &SyncRun) -> RunRow {
    let t = &r.tally;
    RunRow {
        id: r.id,
        started: jxc_app::exports::shanghai_time(r.started_at),
        shop_id: r.shop_id.0,
        shop: shops
            .get(&r.shop_id.0)
            .cloned()
            .unwrap_or_else(|| format!("#{}", r.shop_id.0)),
        trigger: trigger_label(ctx, r.trigger),
        window: format!(
            "{} – {}",
            jxc_app::exports::shanghai_time(r.window_start),
            jxc_app::exports::shanghai_time(r.window_end)
        ),
        pages: t.pages,
        fetched: t.fetched,
        created: t.created,
        changed: t.changed,
        unchanged: t.unchanged,
        malformed: t.malformed,
        retries: t.retries,
        status: status_label(ctx, &r.status),
        status_code: r.status.clone(),
        error: r.error.clone(),
    }
}

/// The user's shops, `code name` by id (for the filter and the shop column).
async fn shop_names(s: &AppState, ctx: &Ctx) -> Result<Vec<(i64, String)>, jxc_app::Error> {
    let f = ListFilter::default().within(&ctx.user.fields.shop_ids);
    let shops = all_pages(|p| {
        let (app, f) = (s.app.clone(), f.clone());
        async move { app.shops(&f, &p).await }
    })
    .await?;
    Ok(shops
        .into_iter()
        .map(|x| (x.id.0, format!("{} {}", x.fields.code, x.fields.name)))
        .collect())
}

fn run_filter(u: &ListUrl) -> Result<SyncRunFilter, jxc_app::Error> {
    let status = u.opt("status");
    if let Some(st) = &status
        && !STATUSES.iter().any(|(k, _)| k == st)
    {
        return Err(jxc_app::Error::invalid(
            "status",
            format!("未知的状态 “{st}” / unknown status"),
        ));
    }
    Ok(SyncRunFilter {
        shop_id: u.id("shop_id")?.map(ShopId),
        status,
        only_shops: vec![],
    })
}

/// Newest first.
fn newest_first(u: &ListUrl, limit: u32) -> Result<PageRequest, jxc_app::Error> {
    Ok(PageRequest::new(
        Some(limit),
        u.opt("after").as_deref(),
        true,
    )?)
}

#[derive(Template)]
#[template(path = "channels/runs.html")]
struct RunsPage {
    ctx: Ctx,
    u: ListUrl,
    shops: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<RunRow>,
    next: Option<String>,
    errors: FormErrors,
}

async fn runs(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new(uri.path(), uri.query());
    let shops = shop_names(&s, &ctx).await.map_err(&e)?;
    let names: HashMap<i64, String> = shops.iter().cloned().collect();
    let found = async {
        s.app
            .sync_runs(&ctx.user, run_filter(&u)?, &newest_first(&u, 50)?)
            .await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|r| run_row(&ctx, &names, r)).collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let statuses = STATUSES.iter().map(|(k, key)| (*k, ctx.tr(key))).collect();
    let page = RunsPage {
        shops: shops
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect(),
        statuses,
        rows,
        next,
        errors,
        u,
        ctx,
    };
    Ok(render(&page))
}

async fn export_runs(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    use jxc_app::exports::{Cell, workbook};
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/sync/runs", uri.query());
    let f = run_filter(&u).map_err(&e)?;
    let names: HashMap<i64, String> = shop_names(&s, &ctx)
        .await
        .map_err(&e)?
        .into_iter()
        .collect();
    // Newest first, as on the page.
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page =
            PageRequest::new(Some(MAX_LIMIT), after.as_deref(), true).map_err(|x| e(x.into()))?;
        let p = s
            .app
            .sync_runs(&ctx.user, f.clone(), &page)
            .await
            .map_err(&e)?;
        items.extend(p.items);
        match p.next {
            Some(n) if Some(&n) != after.as_ref() => after = Some(n),
            _ => break,
        }
    }
    let rows = items
        .iter()
        .map(|r| {
            let r = run_row(&ctx, &names, r);
            vec![
                Cell::text(&r.started),
                Cell::text(&r.shop),
                Cell::text(r.trigger),
                Cell::text(&r.window),
                Cell::Int(r.pages),
                Cell::Int(r.fetched),
                Cell::Int(r.created),
                Cell::Int(r.changed),
                Cell::Int(r.unchanged),
                Cell::Int(r.malformed),
                Cell::Int(r.retries),
                Cell::text(&r.status),
                Cell::text(&r.error),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("sync.log"),
        &[
            (t.get("sync.col.time"), 20),
            (t.get("sync.col.shop"), 24),
            (t.get("sync.col.trigger"), 10),
            (t.get("sync.col.window"), 42),
            (t.get("sync.col.pages"), 8),
            (t.get("sync.col.fetched"), 8),
            (t.get("sync.col.created"), 8),
            (t.get("sync.col.changed"), 8),
            (t.get("sync.col.unchanged"), 8),
            (t.get("sync.col.malformed"), 8),
            (t.get("sync.col.retries"), 8),
            (t.get("sync.col.status"), 10),
            (t.get("sync.col.error"), 50),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("sync-runs", bytes).into_response())
}

// ---- Raw payloads ----

struct PayloadRow {
    at: String,
    reason: String,
    order_id: String,
    run_id: String,
    raw: String,
}

fn payload_row(p: &RawPayload) -> PayloadRow {
    PayloadRow {
        at: jxc_app::exports::shanghai_time(p.at),
        reason: p.reason.clone(),
        order_id: p.platform_order_id.clone(),
        run_id: p.run_id.map(|r| r.to_string()).unwrap_or_default(),
        raw: p.raw.clone(),
    }
}

#[derive(Template)]
#[template(path = "channels/raw_payloads.html")]
struct PayloadsPage {
    ctx: Ctx,
    shop_id: i64,
    shop: String,
    u: ListUrl,
    rows: Vec<PayloadRow>,
    next: Option<String>,
    errors: FormErrors,
}

async fn raw_payloads(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    jxc_app::partners::require_shop(&ctx.user, ShopId(id)).map_err(&e)?;
    let shop = s.app.shop(ShopId(id)).await.map_err(&e)?;
    let u = ListUrl::new(uri.path(), uri.query());
    let found = async {
        s.app
            .raw_payloads(&ctx.user, ShopId(id), &newest_first(&u, 20)?)
            .await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(payload_row).collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let page = PayloadsPage {
        shop_id: id,
        shop: format!("{} {}", shop.fields.code, shop.fields.name),
        u,
        rows,
        next,
        errors,
        ctx,
    };
    Ok(render(&page))
}
