//! 调拨 endpoints: create a transfer, ship it (the source), receive it in parts or close
//! it with a loss (the destination), cancel it before shipping; the stock in transit per
//! warehouse and line by line.

use axum::Json;
use axum::extract::{Path, State};
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::inventory::transfer::{NewTransferInput, ReceiveInput, TransferStatus};
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{InTransitFilter, InTransitLine, InTransitTotal, Transfer, TransferFilter};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::Me;
use super::inventory::PageQuery;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(
    create,
    list,
    get,
    ship,
    receive,
    close,
    cancel,
    in_transit,
    in_transit_totals
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{StockPost, StockView};
    super::routes_of()
        .post("/transfers", StockPost, create)
        .get("/transfers", StockView, list)
        .get("/transfers/in-transit", StockView, in_transit)
        .get("/transfers/in-transit/totals", StockView, in_transit_totals)
        .get("/transfers/{id}", StockView, get)
        .post("/transfers/{id}/ship", StockPost, ship)
        .post("/transfers/{id}/receive", StockPost, receive)
        .post("/transfers/{id}/close", StockPost, close)
        .post("/transfers/{id}/cancel", StockPost, cancel)
}

/// 新建调拨单 (待发货): from one warehouse to another, lines of SKU, quantity and
/// optionally the source location and lot. Nothing moves until it ships.
#[utoipa::path(post, path = "/transfers", tag = "inventory", request_body = NewTransferInput, responses((status = 200, body = Transfer), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<NewTransferInput>,
) -> ApiResult<Json<Transfer>> {
    Ok(Json(
        s.app.create_transfer(&me.0.user, &b, &me.actor()).await?,
    ))
}

/// Transfer filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    pub from_warehouse_id: Option<i64>,
    pub to_warehouse_id: Option<i64>,
    /// `requested`, `shipped`, `partly_received`, `closed` or `cancelled`.
    pub status: Option<String>,
    /// Only transfers with a line of this SKU.
    pub sku_id: Option<i64>,
}

impl TransferQuery {
    pub fn filter(&self) -> ApiResult<TransferFilter> {
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(x) => Some(TransferStatus::parse(x).ok_or_else(|| {
                ApiError::from(jxc_core::FieldError::new(
                    "status",
                    format!("未知状态 “{x}” / unknown status"),
                ))
            })?),
        };
        Ok(TransferFilter {
            from_warehouse_id: self.from_warehouse_id.map(WarehouseId),
            to_warehouse_id: self.to_warehouse_id.map(WarehouseId),
            warehouse_ids: Vec::new(),
            status,
            sku_id: self.sku_id.map(SkuId),
        })
    }
}

/// Transfers from or to the caller's warehouses, newest first (`order=asc` for oldest
/// first), without their lines.
#[utoipa::path(get, path = "/transfers", tag = "inventory", params(PageQuery, TransferQuery), responses((status = 200, body = Page<Transfer>)))]
async fn list(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<TransferQuery>,
) -> ApiResult<Json<Page<Transfer>>> {
    Ok(Json(
        s.app.transfers(&me.0.user, q.filter()?, &p.page()?).await?,
    ))
}

/// A transfer with its lines (shipped, received, lost, in 分) and its 调拨 documents.
#[utoipa::path(get, path = "/transfers/{id}", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = Transfer), (status = 404, body = ErrorBody)))]
async fn get(State(s): State<AppState>, me: Me, Path(id): Path<i64>) -> ApiResult<Json<Transfer>> {
    Ok(Json(s.app.transfer(&me.0.user, id).await?))
}

/// 发货: every line leaves the source at moving average into the destination's
/// in-transit location, where the transfer holds it (no order can reserve it).
#[utoipa::path(post, path = "/transfers/{id}/ship", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = Transfer), (status = 409, body = ErrorBody)))]
async fn ship(State(s): State<AppState>, me: Me, Path(id): Path<i64>) -> ApiResult<Json<Transfer>> {
    Ok(Json(
        s.app.ship_transfer(&me.0.user, id, &me.actor()).await?,
    ))
}

/// 收货: some or all of each line's units in transit (`line_no` from 1) arrive on a
/// location of the destination (its default location if none), at the value they
/// carried. When everything has arrived the transfer is closed.
#[utoipa::path(post, path = "/transfers/{id}/receive", tag = "inventory", params(("id" = i64, Path)), request_body = ReceiveInput, responses((status = 200, body = Transfer), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn receive(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReceiveInput>,
) -> ApiResult<Json<Transfer>> {
    Ok(Json(
        s.app
            .receive_transfer(&me.0.user, id, &b, &me.actor())
            .await?,
    ))
}

/// Why what did not arrive is written off.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CloseBody {
    /// 损耗原因 (required).
    pub reason: String,
}

/// 关闭: what is still in transit is written off as a loss (损耗) at its value.
#[utoipa::path(post, path = "/transfers/{id}/close", tag = "inventory", params(("id" = i64, Path)), request_body = CloseBody, responses((status = 200, body = Transfer), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn close(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CloseBody>,
) -> ApiResult<Json<Transfer>> {
    Ok(Json(
        s.app
            .close_transfer(&me.0.user, id, &b.reason, &me.actor())
            .await?,
    ))
}

/// 取消: only a transfer that has not shipped (409 otherwise).
#[utoipa::path(post, path = "/transfers/{id}/cancel", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = Transfer), (status = 409, body = ErrorBody)))]
async fn cancel(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Transfer>> {
    Ok(Json(
        s.app.cancel_transfer(&me.0.user, id, &me.actor()).await?,
    ))
}

/// In-transit filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InTransitQuery {
    /// Lines going out of or coming into this warehouse.
    pub warehouse_id: Option<i64>,
    pub sku_id: Option<i64>,
}

/// 在途: the lines in transit with their units and value (分), by transfer.
#[utoipa::path(get, path = "/transfers/in-transit", tag = "inventory", params(PageQuery, InTransitQuery), responses((status = 200, body = Page<InTransitLine>)))]
async fn in_transit(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<InTransitQuery>,
) -> ApiResult<Json<Page<InTransitLine>>> {
    let f = InTransitFilter {
        warehouse_id: q.warehouse_id.map(WarehouseId),
        warehouse_ids: Vec::new(),
        sku_id: q.sku_id.map(SkuId),
    };
    let mut page = p.page()?;
    page.desc = p.order.as_deref() == Some("desc");
    Ok(Json(s.app.in_transit(&me.0.user, f, &page).await?))
}

/// 在途 per warehouse: units and value going out (shipped from it) and coming in.
#[utoipa::path(get, path = "/transfers/in-transit/totals", tag = "inventory", responses((status = 200, body = Vec<InTransitTotal>)))]
async fn in_transit_totals(
    State(s): State<AppState>,
    me: Me,
) -> ApiResult<Json<Vec<InTransitTotal>>> {
    Ok(Json(s.app.in_transit_totals(&me.0.user).await?))
}
