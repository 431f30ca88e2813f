//! 追溯 endpoints: find lots, a lot forward to its buyers, an order back to its receipts.

use axum::Json;
use axum::extract::{Path, State};
use jxc_core::ids::{LotId, OrderId};
use jxc_core::permissions::Action;
use jxc_store::{LotTrace, TracedLine, TracedLot};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::Me;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(find, lot, order))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{OrdersView, StockView};
    super::routes_of()
        .get("/trace/lots", StockView, find)
        .get("/trace/lots/{id}", StockView, lot)
        .get("/trace/orders/{id}", OrdersView, order)
}

/// What to look for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindQuery {
    /// A lot number, or a SKU code (its lots).
    pub q: Option<String>,
}

/// Lots with this number or of this SKU, newest first (at most 100).
#[utoipa::path(get, path = "/trace/lots", tag = "inventory", params(FindQuery), responses((status = 200, body = Vec<TracedLot>)))]
async fn find(
    State(s): State<AppState>,
    _me: Me,
    ApiQuery(q): ApiQuery<FindQuery>,
) -> ApiResult<Json<Vec<TracedLot>>> {
    Ok(Json(s.app.find_lots(q.q.as_deref().unwrap_or("")).await?))
}

/// 正向追溯: every document that moved the lot, and the shipments, orders and buyers
/// that got it.
#[utoipa::path(get, path = "/trace/lots/{id}", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = LotTrace), (status = 404, body = ErrorBody)))]
async fn lot(State(s): State<AppState>, me: Me, Path(id): Path<i64>) -> ApiResult<Json<LotTrace>> {
    Ok(Json(s.app.trace_lot(&me.0.user, LotId(id)).await?))
}

/// 反向追溯: the order's shipped lines, their lots and the receipts that brought them in.
#[utoipa::path(get, path = "/trace/orders/{id}", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = Vec<TracedLine>), (status = 404, body = ErrorBody)))]
async fn order(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<TracedLine>>> {
    Ok(Json(s.app.trace_order(&me.0.user, OrderId(id)).await?))
}
