//! 库存余额: one page with three views, as tabs. 按商品 sums each SKU over the warehouses
//! the user may see; 按仓库 is one row per SKU × warehouse; 按库位 is one row per balance
//! (location × lot, with lot number and expiry). `low=1` lists the SKUs at or under the
//! low-stock threshold, counting SKUs with no stock at all.

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::inventory::warehouse_scope;
use jxc_core::ids::SkuId;
use jxc_core::paging::PageRequest;
use jxc_store::{BalanceFilter, Sort, SummaryBy, SummaryFilter};

use super::super::list::ListUrl;
use super::super::warehouses::visible_warehouses;
use super::super::{Ctx, FormErrors, PageError, render};
use super::{WarehouseOption, asked_warehouse, options, yuan};
use crate::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum View {
    Sku,
    Warehouse,
    Location,
}

impl View {
    fn of(u: &ListUrl) -> View {
        match u.get("view") {
            "warehouse" => View::Warehouse,
            "location" => View::Location,
            _ => View::Sku,
        }
    }
}

/// One row as the page shows it, whichever the view.
struct StockRow {
    sku_id: i64,
    sku_code: String,
    sku_name: String,
    warehouse_id: i64,
    warehouse: String,
    location: String,
    lot_no: String,
    expiry: String,
    /// The lot's expiry is before today (China).
    expired: bool,
    on_hand: i64,
    reserved: i64,
    available: i64,
    value: String,
}

#[derive(Template)]
#[template(path = "inventory/balances.html")]
struct BalancesPage {
    ctx: Ctx,
    u: ListUrl,
    view: View,
    rows: Vec<StockRow>,
    next: Option<String>,
    errors: FormErrors,
    warehouses: Vec<WarehouseOption>,
    low: bool,
    low_at_most: i64,
}

impl BalancesPage {
    fn is(&self, v: &str) -> bool {
        match v {
            "warehouse" => self.view == View::Warehouse,
            "location" => self.view == View::Location,
            _ => self.view == View::Sku,
        }
    }
}

/// What the query string asks for, checked against the user's warehouses.
enum Query {
    Summary(SummaryFilter),
    Balances(BalanceFilter),
}

/// `expires_within=N`: lots expiring within N days of `today` (expired ones included).
fn expires_by(
    u: &ListUrl,
    today: chrono::NaiveDate,
) -> Result<Option<chrono::NaiveDate>, jxc_app::Error> {
    match u.get("expires_within").trim() {
        "" => Ok(None),
        t => match t.parse::<u64>() {
            Ok(n) if n <= 3650 => Ok(Some(today + chrono::Days::new(n))),
            _ => Err(jxc_app::Error::invalid(
                "expires_within",
                "到期天数为 0–3650 / 0 to 3650 days",
            )),
        },
    }
}

fn query(
    ctx: &Ctx,
    u: &ListUrl,
    view: View,
    low_at_most: i64,
    today: chrono::NaiveDate,
) -> Result<Query, jxc_app::Error> {
    let (warehouse_id, warehouse_ids) = warehouse_scope(&ctx.user, asked_warehouse(u)?)?;
    let sku_id = u.id("sku_id")?.map(SkuId);
    let q = u.opt("q");
    let low = u.is("low", "1");
    Ok(match view {
        View::Sku | View::Warehouse => {
            // The order is by SKU code; name or id sort are not offered here.
            Sort::parse(u.opt("sort").as_deref())?;
            Query::Summary(SummaryFilter {
                by: if view == View::Sku {
                    SummaryBy::Sku
                } else {
                    SummaryBy::SkuWarehouse
                },
                sku_id,
                warehouse_id,
                warehouse_ids,
                q,
                available_at_most: low.then_some(low_at_most),
            })
        }
        View::Location => Query::Balances(BalanceFilter {
            sku_id,
            warehouse_id,
            warehouse_ids,
            q,
            nonzero: true,
            sort: Sort::parse(u.opt("sort").as_deref())?,
            expires_by: expires_by(u, today)?,
            ..Default::default()
        }),
    })
}

async fn fetch(
    s: &AppState,
    q: &Query,
    page: &PageRequest,
) -> Result<(Vec<StockRow>, Option<String>), jxc_app::Error> {
    Ok(match q {
        Query::Summary(f) => {
            let p = s.app.stock_summary(f, page).await?;
            let rows = p
                .items
                .into_iter()
                .map(|r| StockRow {
                    sku_id: r.sku_id.0,
                    sku_code: r.sku_code,
                    sku_name: r.sku_name,
                    warehouse_id: r.warehouse_id.map(|w| w.0).unwrap_or(0),
                    warehouse: format!("{} {}", r.warehouse_code, r.warehouse_name),
                    location: String::new(),
                    lot_no: String::new(),
                    expiry: String::new(),
                    expired: false,
                    on_hand: r.on_hand,
                    reserved: r.reserved,
                    available: r.available,
                    value: yuan(r.value),
                })
                .collect();
            (rows, p.next)
        }
        Query::Balances(f) => {
            let p = s.app.balances(f, page).await?;
            let rows = p
                .items
                .into_iter()
                .map(|b| StockRow {
                    sku_id: b.sku_id.0,
                    sku_code: b.sku_code,
                    sku_name: b.sku_name,
                    warehouse_id: b.warehouse_id.0,
                    warehouse: b.warehouse_code,
                    location: b.location_code,
                    lot_no: b.lot_no,
                    expiry: b
                        .expiry_date
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    expired: b.expiry_date.is_some_and(|d| d < s.app.today()),
                    on_hand: b.on_hand,
                    reserved: b.reserved,
                    available: b.available,
                    value: yuan(b.value),
                })
                .collect();
            (rows, p.next)
        }
    })
}

pub(super) async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = |e| PageError(ctx.lang, e, uri.clone());
    let u = ListUrl::new(uri.path(), uri.query());
    let view = View::of(&u);
    let low_at_most = s.app.low_stock_at_most().await.map_err(e)?;
    let warehouses = options(&visible_warehouses(&s, &ctx.user).await.map_err(e)?);
    let result = async {
        let q = query(&ctx, &u, view, low_at_most, s.app.today())?;
        fetch(&s, &q, &u.page()?).await
    }
    .await;
    let (rows, next, errors) = match result {
        Ok((rows, next)) => (rows, next, FormErrors::default()),
        Err(err) => (Vec::new(), None, FormErrors::from_app(err).map_err(e)?),
    };
    Ok(render(&BalancesPage {
        low: u.is("low", "1") && view != View::Location,
        ctx,
        u,
        view,
        rows,
        next,
        errors,
        warehouses,
        low_at_most,
    }))
}

pub(super) async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = |e| PageError(ctx.lang, e, uri.clone());
    let u = ListUrl::new("/stock", uri.query());
    let low_at_most = s.app.low_stock_at_most().await.map_err(e)?;
    let bytes = match query(&ctx, &u, View::of(&u), low_at_most, s.app.today()).map_err(e)? {
        Query::Summary(f) => s.app.export_stock_summary(&f).await,
        Query::Balances(f) => s.app.export_stock(&f).await,
    }
    .map_err(e)?;
    Ok(crate::api::admin::xlsx("stock", bytes).into_response())
}
