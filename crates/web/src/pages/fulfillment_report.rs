//! 发货报表 page: a span of China days (default the last 7), a deadline, one warehouse or
//! all; the figures overall, per warehouse, per day, per person and exceptions by kind;
//! the per-day table exported to Excel.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jxc_core::fulfillment::report::{Figures, FulfilmentReport};
use jxc_core::ids::WarehouseId;
use jxc_core::permissions::Action;

use super::forms::err;
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    Routes::new(Surface::Page, "")
        .get("/fulfillment/report", Action::OrdersView, page)
        .get(
            "/fulfillment/report/export.xlsx",
            Action::OrdersView,
            export,
        )
}

/// Minutes as `H:MM`, or — when there is nothing.
fn hm(m: Option<i64>) -> String {
    m.map(|m| format!("{}:{:02}", m / 60, m % 60))
        .unwrap_or_else(|| "—".into())
}

/// One table row: a label and its figures, ready to print.
struct Line {
    label: String,
    shipments: i64,
    orders: i64,
    median: String,
    p90: String,
    on_time: i64,
    late: i64,
    on_time_pct: String,
    exceptions: i64,
}

fn line(label: String, f: &Figures) -> Line {
    Line {
        label,
        shipments: f.shipments,
        orders: f.orders,
        median: hm(f.median_minutes),
        p90: hm(f.p90_minutes),
        on_time: f.on_time,
        late: f.late,
        // Tenths of a percent, exact: integer arithmetic only.
        on_time_pct: if f.shipments == 0 {
            "—".into()
        } else {
            let t = (f.on_time * 1000 + f.shipments / 2) / f.shipments;
            format!("{}.{}%", t / 10, t % 10)
        },
        exceptions: f.exceptions,
    }
}

struct Query {
    from: NaiveDate,
    to: NaiveDate,
    deadline: i64,
    warehouse: Option<WarehouseId>,
}

fn query(s: &AppState, u: &ListUrl) -> Result<Query, jxc_app::Error> {
    let today = s.app.today();
    let day = |key: &str, default: NaiveDate| match u.get(key).trim() {
        "" => Ok(default),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            jxc_app::Error::invalid(key, "日期如 2026-11-20 / a date like 2026-11-20")
        }),
    };
    let to = day("to", today)?;
    let from = day("from", to - chrono::Days::new(6))?;
    let deadline = match u.get("deadline_hours").trim() {
        "" => 48,
        t => t
            .parse()
            .map_err(|_| jxc_app::Error::invalid("deadline_hours", "发货时限为小时数 / hours"))?,
    };
    Ok(Query {
        from,
        to,
        deadline,
        warehouse: u.id("warehouse_id")?.map(WarehouseId),
    })
}

#[derive(Template)]
#[template(path = "fulfillment/report.html")]
struct ReportPage {
    ctx: Ctx,
    u: ListUrl,
    from: String,
    to: String,
    deadline: i64,
    warehouses: Vec<(i64, String)>,
    overall: Option<Line>,
    by_warehouse: Vec<Line>,
    by_day: Vec<Line>,
    by_person: Vec<(String, i64)>,
    exceptions: Vec<(String, i64)>,
    errors: FormErrors,
}

async fn run(
    s: &AppState,
    ctx: &Ctx,
    u: &ListUrl,
) -> Result<(Query, FulfilmentReport), jxc_app::Error> {
    let q = query(s, u)?;
    let r = s
        .app
        .fulfilment_report(&ctx.user, q.from, q.to, q.deadline, q.warehouse)
        .await?;
    Ok((q, r))
}

async fn page(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/fulfillment/report", uri.query());
    let codes: HashMap<i64, String> = warehouse_codes(&s).await.map_err(&e)?;
    let mut warehouses: Vec<(i64, String)> = codes.clone().into_iter().collect();
    warehouses.sort();
    let name = |w: WarehouseId| codes.get(&w.0).cloned().unwrap_or_else(|| w.to_string());
    let found = run(&s, &ctx, &u).await;
    let mut p = ReportPage {
        from: u.get("from").to_string(),
        to: u.get("to").to_string(),
        deadline: 48,
        warehouses,
        overall: None,
        by_warehouse: vec![],
        by_day: vec![],
        by_person: vec![],
        exceptions: vec![],
        errors: FormErrors::default(),
        u,
        ctx,
    };
    match found {
        Ok((q, r)) => {
            p.from = q.from.to_string();
            p.to = q.to.to_string();
            p.deadline = q.deadline;
            p.overall = Some(line(p.ctx.tr("report.overall").into(), &r.overall));
            p.by_warehouse = r
                .by_warehouse
                .iter()
                .map(|(w, f)| line(name(*w), f))
                .collect();
            p.by_day = r.by_day.iter().map(|(d, f)| line(d.clone(), f)).collect();
            p.by_person = r.by_person;
            p.exceptions = r.exceptions;
        }
        Err(x) => p.errors = FormErrors::from_app(x).map_err(&e)?,
    }
    let status = super::forms::form_status(&p.errors);
    Ok((status, render(&p)).into_response())
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    use jxc_app::exports::{Cell, workbook};
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/fulfillment/report", uri.query());
    let (_, r) = run(&s, &ctx, &u).await.map_err(&e)?;
    let t = ctx.t;
    let mut rows: Vec<Line> = r.by_day.iter().map(|(d, f)| line(d.clone(), f)).collect();
    rows.push(line(t.get("report.overall").into(), &r.overall));
    let cells = rows
        .into_iter()
        .map(|l| {
            vec![
                Cell::text(&l.label),
                Cell::Int(l.shipments),
                Cell::Int(l.orders),
                Cell::text(&l.median),
                Cell::text(&l.p90),
                Cell::Int(l.on_time),
                Cell::Int(l.late),
                Cell::text(&l.on_time_pct),
                Cell::Int(l.exceptions),
            ]
        })
        .collect();
    let bytes = workbook(
        t.get("report.title"),
        &[
            (t.get("report.day"), 12),
            (t.get("report.shipments"), 10),
            (t.get("report.orders"), 10),
            (t.get("report.median"), 12),
            (t.get("report.p90"), 12),
            (t.get("report.on_time"), 10),
            (t.get("report.late"), 10),
            (t.get("report.on_time_pct"), 10),
            (t.get("report.exceptions"), 10),
        ],
        cells,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("fulfillment-report", bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_print_as_hours_and_the_share_on_time_in_exact_tenths() {
        assert_eq!(hm(Some(125)), "2:05");
        assert_eq!(hm(None), "—");
        let f = Figures {
            shipments: 3,
            on_time: 2,
            ..Default::default()
        };
        assert_eq!(line("x".into(), &f).on_time_pct, "66.7%");
    }
}
