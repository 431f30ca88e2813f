//! 工作台.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use jxc_core::permissions::Action;
use jxc_store::Counts;

use super::{Ctx, PageError, render};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    Routes::new(Surface::Page, "").get("/", Action::Dashboard, page)
}

struct WarehouseRow {
    id: i64,
    code: String,
    name: String,
    on_hand: i64,
    value: String,
    /// Percent of the largest warehouse value, for the bar.
    share: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    counts: Counts,
    total_value: String,
    total_units: i64,
    low_stock: i64,
    low_stock_at_most: i64,
    warehouses: Vec<WarehouseRow>,
    /// Open alerts, for those who may see them.
    alerts: Option<i64>,
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let d = s
        .app
        .dashboard(|w| ctx.user.sees_warehouse(w))
        .await
        .map_err(|e| PageError(ctx.lang, e, "/".parse().unwrap_or_default()))?;
    let max = d
        .warehouses
        .iter()
        .map(|w| w.value.0)
        .max()
        .unwrap_or(0)
        .max(1);
    let total: i64 = d.warehouses.iter().map(|w| w.value.0).sum();
    let total_units = d.warehouses.iter().map(|w| w.on_hand).sum();
    let warehouses = d
        .warehouses
        .iter()
        .map(|w| WarehouseRow {
            id: w.warehouse_id.0,
            code: w.warehouse_code.clone(),
            name: w.warehouse_name.clone(),
            on_hand: w.on_hand,
            value: w.value.to_yuan_grouped(),
            share: (i128::from(w.value.0.max(0)) * 100 / i128::from(max)) as i64,
        })
        .collect();
    let alerts = if ctx.can(Action::AlertsView) {
        Some(
            s.app
                .open_alert_count(&ctx.user)
                .await
                .map_err(|e| PageError(ctx.lang, e, "/".parse().unwrap_or_default()))?,
        )
    } else {
        None
    };
    Ok(render(&DashboardPage {
        alerts,
        ctx,
        counts: d.counts,
        total_value: jxc_core::money::Fen(total).to_yuan_grouped(),
        total_units,
        low_stock: d.low_stock,
        low_stock_at_most: d.low_stock_at_most,
        warehouses,
    }))
}
