//! 仓库 and 库位 endpoints.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jxc_core::permissions::Action;

use crate::guard::Routes;
use jxc_core::ids::{LocationId, WarehouseId};
use jxc_core::paging::Page;
use jxc_core::warehouses::{Location, LocationInput, Warehouse, WarehouseInput};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::{ListQuery, Me};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};

#[derive(OpenApi)]
#[openapi(paths(
    list_warehouses,
    create_warehouse,
    get_warehouse,
    update_warehouse,
    list_locations,
    create_location,
    get_location,
    update_location
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{WarehousesEdit, WarehousesView};
    super::routes_of()
        .get("/warehouses", WarehousesView, list_warehouses)
        .post("/warehouses", WarehousesEdit, create_warehouse)
        .get("/warehouses/{id}", WarehousesView, get_warehouse)
        .patch("/warehouses/{id}", WarehousesEdit, update_warehouse)
        .get("/locations", WarehousesView, list_locations)
        .post("/locations", WarehousesEdit, create_location)
        .get("/locations/{id}", WarehousesView, get_location)
        .patch("/locations/{id}", WarehousesEdit, update_location)
}

/// List warehouses (仓库).
#[utoipa::path(get, path = "/warehouses", tag = "warehouses", params(ListQuery), responses((status = 200, body = Page<Warehouse>)))]
async fn list_warehouses(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Warehouse>>> {
    let f = q.filter(None)?.within(&me.0.user.fields.warehouse_ids);
    Ok(Json(s.app.warehouses(&f, &q.page()?).await?))
}

/// Create a warehouse; it gets a `DEFAULT` location.
#[utoipa::path(post, path = "/warehouses", tag = "warehouses", request_body = WarehouseInput, responses((status = 201, body = Warehouse), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_warehouse(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<WarehouseInput>,
) -> ApiResult<(StatusCode, Json<Warehouse>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_warehouse(&input, &me.actor()).await?),
    ))
}

#[utoipa::path(get, path = "/warehouses/{id}", tag = "warehouses", params(("id" = i64, Path)), responses((status = 200, body = Warehouse), (status = 404, body = ErrorBody)))]
async fn get_warehouse(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Warehouse>> {
    jxc_app::inventory::require_warehouse(&me.0.user, WarehouseId(id))?;
    Ok(Json(s.app.warehouse(WarehouseId(id)).await?))
}

/// Update a warehouse (`active: false` deactivates it: no more postings there).
#[utoipa::path(patch, path = "/warehouses/{id}", tag = "warehouses", params(("id" = i64, Path)), request_body = WarehouseInput, responses((status = 200, body = Warehouse)))]
async fn update_warehouse(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<WarehouseInput>,
) -> ApiResult<Json<Warehouse>> {
    Ok(Json(
        s.app
            .update_warehouse(WarehouseId(id), &input, &me.actor())
            .await?,
    ))
}

/// Query parameters of the locations list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarehouseParam {
    /// Only this warehouse's locations.
    pub warehouse_id: Option<i64>,
}

/// List locations (库位), e.g. `A-01-02-03`.
#[utoipa::path(get, path = "/locations", tag = "warehouses", params(ListQuery, WarehouseParam), responses((status = 200, body = Page<Location>)))]
async fn list_locations(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiQuery(w): ApiQuery<WarehouseParam>,
) -> ApiResult<Json<Page<Location>>> {
    let f = q
        .filter(w.warehouse_id)?
        .under(&me.0.user.fields.warehouse_ids);
    Ok(Json(s.app.locations(&f, &q.page()?).await?))
}

#[utoipa::path(post, path = "/locations", tag = "warehouses", request_body = LocationInput, responses((status = 201, body = Location), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_location(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<LocationInput>,
) -> ApiResult<(StatusCode, Json<Location>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_location(&input, &me.actor()).await?),
    ))
}

#[utoipa::path(get, path = "/locations/{id}", tag = "warehouses", params(("id" = i64, Path)), responses((status = 200, body = Location), (status = 404, body = ErrorBody)))]
async fn get_location(State(s): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Location>> {
    Ok(Json(s.app.location(LocationId(id)).await?))
}

/// Update a location (`active: false` deactivates it).
#[utoipa::path(patch, path = "/locations/{id}", tag = "warehouses", params(("id" = i64, Path)), request_body = LocationInput, responses((status = 200, body = Location)))]
async fn update_location(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<LocationInput>,
) -> ApiResult<Json<Location>> {
    Ok(Json(
        s.app
            .update_location(LocationId(id), &input, &me.actor())
            .await?,
    ))
}
