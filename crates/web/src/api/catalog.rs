//! 商品 endpoints: SKUs, bundles, listings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jxc_core::permissions::Action;

use crate::guard::Routes;
use jxc_core::catalog::{BundleComponent, Listing, ListingInput, Sku, SkuInput};
use jxc_core::ids::{ListingId, SkuId};
use jxc_core::paging::Page;
use jxc_store::SkuFilter;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::{ListQuery, Me};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};

#[derive(OpenApi)]
#[openapi(paths(
    list_skus,
    create_sku,
    get_sku,
    update_sku,
    deactivate_sku,
    activate_sku,
    set_components,
    sku_by_barcode,
    list_listings,
    create_listing,
    get_listing,
    update_listing
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{CatalogEdit, CatalogView};
    super::routes_of()
        .get("/skus", CatalogView, list_skus)
        .post("/skus", CatalogEdit, create_sku)
        .get("/skus/{id}", CatalogView, get_sku)
        .patch("/skus/{id}", CatalogEdit, update_sku)
        .post("/skus/{id}/deactivate", CatalogEdit, deactivate_sku)
        .post("/skus/{id}/activate", CatalogEdit, activate_sku)
        .put("/skus/{id}/components", CatalogEdit, set_components)
        .get("/skus/by-barcode/{barcode}", CatalogView, sku_by_barcode)
        .get("/listings", CatalogView, list_listings)
        .post("/listings", CatalogEdit, create_listing)
        .get("/listings/{id}", CatalogView, get_listing)
        .patch("/listings/{id}", CatalogEdit, update_listing)
}

/// SKU-only filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkuQuery {
    pub category: Option<String>,
    pub brand: Option<String>,
    /// Only bundles (`true`) or only stock SKUs (`false`).
    pub is_bundle: Option<bool>,
}

impl SkuQuery {
    pub fn filter(&self, list: &ListQuery) -> ApiResult<SkuFilter> {
        Ok(SkuFilter {
            list: list.filter(None)?,
            category: self.category.clone(),
            brand: self.brand.clone(),
            is_bundle: self.is_bundle,
        })
    }
}

/// List SKUs (商品列表).
#[utoipa::path(get, path = "/skus", tag = "catalog", params(ListQuery, SkuQuery), responses((status = 200, body = Page<Sku>)))]
async fn list_skus(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiQuery(f): ApiQuery<SkuQuery>,
) -> ApiResult<Json<Page<Sku>>> {
    Ok(Json(s.app.skus(&f.filter(&q)?, &q.page()?).await?))
}

/// Create a SKU. Money in 分; every bad field is reported.
#[utoipa::path(post, path = "/skus", tag = "catalog", request_body = SkuInput,
    responses((status = 201, body = Sku), (status = 422, body = ErrorBody), (status = 409, description = "code or barcode taken", body = ErrorBody)))]
async fn create_sku(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<SkuInput>,
) -> ApiResult<(StatusCode, Json<Sku>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_sku(&input, &me.actor()).await?),
    ))
}

/// Get a SKU with its barcodes and bundle components.
#[utoipa::path(get, path = "/skus/{id}", tag = "catalog", params(("id" = i64, Path)), responses((status = 200, body = Sku), (status = 404, body = ErrorBody)))]
async fn get_sku(State(s): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Sku>> {
    Ok(Json(s.app.sku(SkuId(id)).await?))
}

/// Update the fields given; the others keep their value.
#[utoipa::path(patch, path = "/skus/{id}", tag = "catalog", params(("id" = i64, Path)), request_body = SkuInput,
    responses((status = 200, body = Sku), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_sku(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SkuInput>,
) -> ApiResult<Json<Sku>> {
    Ok(Json(
        s.app.update_sku(SkuId(id), &input, &me.actor()).await?,
    ))
}

/// Deactivate a SKU (停用): it can no longer be received or reserved; history stays.
#[utoipa::path(post, path = "/skus/{id}/deactivate", tag = "catalog", params(("id" = i64, Path)), responses((status = 200, body = Sku)))]
async fn deactivate_sku(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Sku>> {
    Ok(Json(
        s.app.set_sku_active(SkuId(id), false, &me.actor()).await?,
    ))
}

/// Activate a SKU again (启用).
#[utoipa::path(post, path = "/skus/{id}/activate", tag = "catalog", params(("id" = i64, Path)), responses((status = 200, body = Sku)))]
async fn activate_sku(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Sku>> {
    Ok(Json(
        s.app.set_sku_active(SkuId(id), true, &me.actor()).await?,
    ))
}

/// Make a SKU a bundle (组合装) of these components, or replace them.
#[utoipa::path(put, path = "/skus/{id}/components", tag = "catalog", params(("id" = i64, Path)), request_body = Vec<BundleComponent>,
    responses((status = 200, body = Sku), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_components(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<Vec<BundleComponent>>,
) -> ApiResult<Json<Sku>> {
    Ok(Json(s.app.set_bundle(SkuId(id), &c, &me.actor()).await?))
}

/// Find the SKU a barcode belongs to.
#[utoipa::path(get, path = "/skus/by-barcode/{barcode}", tag = "catalog", params(("barcode" = String, Path)), responses((status = 200, body = Sku), (status = 404, body = ErrorBody)))]
async fn sku_by_barcode(
    State(s): State<AppState>,
    Path(barcode): Path<String>,
) -> ApiResult<Json<Sku>> {
    let sku = s.app.store.get_sku_by_barcode(&barcode).await?;
    Ok(Json(sku.ok_or_else(|| {
        jxc_app::Error::not_found("barcode", barcode)
    })?))
}

/// Query parameters of the listings list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopParam {
    /// Only this shop's listings.
    pub shop_id: Option<i64>,
}

/// List listings (平台商品匹配).
#[utoipa::path(get, path = "/listings", tag = "catalog", params(ListQuery, ShopParam), responses((status = 200, body = Page<Listing>)))]
async fn list_listings(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiQuery(p): ApiQuery<ShopParam>,
) -> ApiResult<Json<Page<Listing>>> {
    // Only the listings of the shops the user may see.
    let f = q.filter(p.shop_id)?.under(&me.0.user.fields.shop_ids);
    Ok(Json(s.app.listings(&f, &q.page()?).await?))
}

/// Map a platform item/SKU of a shop to a SKU or bundle.
#[utoipa::path(post, path = "/listings", tag = "catalog", request_body = ListingInput,
    responses((status = 201, body = Listing), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_listing(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<ListingInput>,
) -> ApiResult<(StatusCode, Json<Listing>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_listing(&input, &me.actor()).await?),
    ))
}

#[utoipa::path(get, path = "/listings/{id}", tag = "catalog", params(("id" = i64, Path)), responses((status = 200, body = Listing), (status = 404, body = ErrorBody)))]
async fn get_listing(State(s): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Listing>> {
    Ok(Json(s.app.listing(ListingId(id)).await?))
}

/// Update a listing (set `active: false` to deactivate it).
#[utoipa::path(patch, path = "/listings/{id}", tag = "catalog", params(("id" = i64, Path)), request_body = ListingInput, responses((status = 200, body = Listing)))]
async fn update_listing(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ListingInput>,
) -> ApiResult<Json<Listing>> {
    Ok(Json(
        s.app
            .update_listing(ListingId(id), &input, &me.actor())
            .await?,
    ))
}
