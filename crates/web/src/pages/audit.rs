//! 操作日志: who changed what, when, before and after; searchable by user, object and
//! time (China dates), newest first.

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::permissions::Action;
use jxc_store::{AuditEntry, AuditFilter};

use super::forms::all_pages;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    Routes::new(Surface::Page, "")
        .get("/audit", Action::AuditView, list)
        .get("/audit/export.xlsx", Action::AuditView, export)
}

struct Row {
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<Row>,
    next: Option<String>,
    errors: FormErrors,
}

/// A China date (UTC+8) as the first instant of that day.
fn day_start(field: &str, s: &str) -> Result<DateTime<Utc>, jxc_app::Error> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        jxc_app::Error::invalid(field, "日期格式应为 2026-11-25 / a date is YYYY-MM-DD")
    })?;
    let cn = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    cn.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| jxc_app::Error::invalid(field, "无效日期 / invalid date"))
}

fn filter(u: &ListUrl) -> Result<AuditFilter, jxc_app::Error> {
    Ok(AuditFilter {
        actor: u.opt("actor"),
        entity: u.opt("entity"),
        entity_id: u.opt("entity_id"),
        from: u.opt("from").map(|d| day_start("from", &d)).transpose()?,
        // `to` is inclusive: up to the start of the next day.
        to: u
            .opt("to")
            .map(|d| day_start("to", &d).map(|t| t + chrono::Duration::days(1)))
            .transpose()?,
    })
}

fn json(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

fn row(a: &AuditEntry) -> Row {
    Row {
        at: jxc_app::exports::shanghai_time(a.at),
        actor: a.actor.clone(),
        action: a.action.clone(),
        entity: a.entity.clone(),
        entity_id: a.entity_id.clone(),
        before: json(&a.before),
        after: json(&a.after),
    }
}

async fn fetch(
    s: &AppState,
    u: &ListUrl,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, jxc_app::Error> {
    Ok(s.app.store.list_audit(&filter(u)?, page).await?)
}

/// Newest first unless the person sorts otherwise.
fn page_of(u: &ListUrl, limit: u32) -> Result<PageRequest, jxc_app::Error> {
    let desc = u.get("sort") != "id";
    Ok(PageRequest::new(
        Some(limit),
        u.opt("after").as_deref(),
        desc,
    )?)
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let u = ListUrl::new(uri.path(), uri.query());
    let result = async { fetch(&s, &u, &page_of(&u, 50)?).await }.await;
    let (rows, next, errors) = match result {
        Ok(p) => (
            p.items.iter().map(row).collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(e) => (
            vec![],
            None,
            FormErrors::from_app(e).map_err(|e| PageError(ctx.lang, e, uri.clone()))?,
        ),
    };
    Ok(render(&ListPage {
        ctx,
        u,
        rows,
        next,
        errors,
    }))
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    use jxc_app::exports::{Cell, workbook};
    let e = |e| PageError(ctx.lang, e, uri.clone());
    let u = ListUrl::new("/audit", uri.query());
    let f = filter(&u).map_err(e)?;
    // Oldest first: the workbook reads as a journal.
    let entries = all_pages(|p| {
        let (store, f) = (s.app.store.clone(), f.clone());
        async move { Ok(store.list_audit(&f, &p).await?) }
    })
    .await
    .map_err(e)?;
    let rows = entries
        .iter()
        .map(|a| {
            let r = row(a);
            [
                r.at,
                r.actor,
                r.action,
                r.entity,
                r.entity_id,
                r.before,
                r.after,
            ]
            .iter()
            .map(|v| Cell::text(v))
            .collect()
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("audit.title"),
        &[
            (t.get("audit.at"), 20),
            (t.get("audit.actor"), 14),
            (t.get("audit.action"), 10),
            (t.get("audit.entity"), 16),
            (t.get("audit.entity_id"), 10),
            (t.get("audit.before"), 50),
            (t.get("audit.after"), 50),
        ],
        rows,
    )
    .map_err(e)?;
    Ok(crate::api::admin::xlsx("audit", bytes).into_response())
}
