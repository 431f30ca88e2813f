//! 店铺, 供应商, 客户 endpoints.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jxc_core::permissions::Action;

use crate::guard::Routes;
use jxc_core::ids::ShopId;
use jxc_core::paging::Page;
use jxc_core::partners::{Partner, PartnerInput, PartnerKind, Shop, ShopInput};
use utoipa::OpenApi;

use super::{ListQuery, Me};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};

#[derive(OpenApi)]
#[openapi(paths(
    list_suppliers,
    create_supplier,
    get_supplier,
    update_supplier,
    list_customers,
    create_customer,
    get_customer,
    update_customer,
    list_shops,
    create_shop,
    get_shop,
    update_shop
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{PartnersEdit, PartnersView, ShopsEdit};
    super::routes_of()
        .get("/suppliers", PartnersView, list_suppliers)
        .post("/suppliers", PartnersEdit, create_supplier)
        .get("/suppliers/{id}", PartnersView, get_supplier)
        .patch("/suppliers/{id}", PartnersEdit, update_supplier)
        .get("/customers", PartnersView, list_customers)
        .post("/customers", PartnersEdit, create_customer)
        .get("/customers/{id}", PartnersView, get_customer)
        .patch("/customers/{id}", PartnersEdit, update_customer)
        .get("/shops", PartnersView, list_shops)
        .post("/shops", ShopsEdit, create_shop)
        .get("/shops/{id}", PartnersView, get_shop)
        .patch("/shops/{id}", ShopsEdit, update_shop)
}

async fn list(s: &AppState, kind: PartnerKind, q: &ListQuery) -> ApiResult<Json<Page<Partner>>> {
    Ok(Json(
        s.app.partners(kind, &q.filter(None)?, &q.page()?).await?,
    ))
}

async fn create(
    s: &AppState,
    kind: PartnerKind,
    input: &PartnerInput,
    me: &Me,
) -> ApiResult<(StatusCode, Json<Partner>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_partner(kind, input, &me.actor()).await?),
    ))
}

/// List suppliers (供应商).
#[utoipa::path(get, path = "/suppliers", tag = "partners", params(ListQuery), responses((status = 200, body = Page<Partner>)))]
async fn list_suppliers(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Partner>>> {
    list(&s, PartnerKind::Supplier, &q).await
}

/// Create a supplier. An 18-character tax id must carry a valid check character.
#[utoipa::path(post, path = "/suppliers", tag = "partners", request_body = PartnerInput, responses((status = 201, body = Partner), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_supplier(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<PartnerInput>,
) -> ApiResult<(StatusCode, Json<Partner>)> {
    create(&s, PartnerKind::Supplier, &input, &me).await
}

#[utoipa::path(get, path = "/suppliers/{id}", tag = "partners", params(("id" = i64, Path)), responses((status = 200, body = Partner), (status = 404, body = ErrorBody)))]
async fn get_supplier(State(s): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Partner>> {
    Ok(Json(s.app.partner(PartnerKind::Supplier, id).await?))
}

/// Update a supplier (`active: false` deactivates it).
#[utoipa::path(patch, path = "/suppliers/{id}", tag = "partners", params(("id" = i64, Path)), request_body = PartnerInput, responses((status = 200, body = Partner)))]
async fn update_supplier(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<PartnerInput>,
) -> ApiResult<Json<Partner>> {
    Ok(Json(
        s.app
            .update_partner(PartnerKind::Supplier, id, &input, &me.actor())
            .await?,
    ))
}

/// List customers (客户).
#[utoipa::path(get, path = "/customers", tag = "partners", params(ListQuery), responses((status = 200, body = Page<Partner>)))]
async fn list_customers(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Partner>>> {
    list(&s, PartnerKind::Customer, &q).await
}

#[utoipa::path(post, path = "/customers", tag = "partners", request_body = PartnerInput, responses((status = 201, body = Partner), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_customer(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<PartnerInput>,
) -> ApiResult<(StatusCode, Json<Partner>)> {
    create(&s, PartnerKind::Customer, &input, &me).await
}

#[utoipa::path(get, path = "/customers/{id}", tag = "partners", params(("id" = i64, Path)), responses((status = 200, body = Partner), (status = 404, body = ErrorBody)))]
async fn get_customer(State(s): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Partner>> {
    Ok(Json(s.app.partner(PartnerKind::Customer, id).await?))
}

/// Update a customer (`active: false` deactivates it).
#[utoipa::path(patch, path = "/customers/{id}", tag = "partners", params(("id" = i64, Path)), request_body = PartnerInput, responses((status = 200, body = Partner)))]
async fn update_customer(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<PartnerInput>,
) -> ApiResult<Json<Partner>> {
    Ok(Json(
        s.app
            .update_partner(PartnerKind::Customer, id, &input, &me.actor())
            .await?,
    ))
}

/// List shops (店铺). Credentials are never returned, only `has_credentials`.
#[utoipa::path(get, path = "/shops", tag = "partners", params(ListQuery), responses((status = 200, body = Page<Shop>)))]
async fn list_shops(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Shop>>> {
    let f = q.filter(None)?.within(&me.0.user.fields.shop_ids);
    Ok(Json(s.app.shops(&f, &q.page()?).await?))
}

/// Create a shop on a platform (taobao, tmall, jd, pdd, douyin, shopify, woocommerce, manual).
#[utoipa::path(post, path = "/shops", tag = "partners", request_body = ShopInput, responses((status = 201, body = Shop), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_shop(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<ShopInput>,
) -> ApiResult<(StatusCode, Json<Shop>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_shop(&input, &me.actor()).await?),
    ))
}

#[utoipa::path(get, path = "/shops/{id}", tag = "partners", params(("id" = i64, Path)), responses((status = 200, body = Shop), (status = 404, body = ErrorBody)))]
async fn get_shop(State(s): State<AppState>, me: Me, Path(id): Path<i64>) -> ApiResult<Json<Shop>> {
    jxc_app::partners::require_shop(&me.0.user, ShopId(id))?;
    Ok(Json(s.app.shop(ShopId(id)).await?))
}

/// Update a shop; credentials not given are kept (`active: false` deactivates it).
#[utoipa::path(patch, path = "/shops/{id}", tag = "partners", params(("id" = i64, Path)), request_body = ShopInput, responses((status = 200, body = Shop)))]
async fn update_shop(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ShopInput>,
) -> ApiResult<Json<Shop>> {
    Ok(Json(
        s.app.update_shop(ShopId(id), &input, &me.actor()).await?,
    ))
}
