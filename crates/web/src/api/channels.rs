//! 平台同步 endpoints: a shop's sync settings and state, a sync run now, the sync log and
//! the payloads that could not be read. The webhook endpoint that platforms call is
//! public and lives in `webhooks.rs`; it is not in the OpenAPI document, which lists
//! exactly the guarded `/api/v1` routes.

use axum::Json;
use axum::extract::{Path, State};
use jxc_app::channels::connection::ConnectionCheck;
use jxc_app::channels::sync::SyncOutcome;
use jxc_core::ids::ShopId;
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{RawPayload, ShopSync, SyncRun, SyncRunFilter, SyncTrigger};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::Me;
use super::inventory::PageQuery;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(get_sync, set_sync, run_sync, test_connection, list_runs, raw_payloads))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{ChannelsSync, OrdersView, ShopsEdit};
    super::routes_of()
        .get("/shops/{id}/sync", OrdersView, get_sync)
        .put("/shops/{id}/sync", ShopsEdit, set_sync)
        .post("/shops/{id}/sync/run", ChannelsSync, run_sync)
        .post("/shops/{id}/sync/test", ChannelsSync, test_connection)
        .get("/sync/runs", OrdersView, list_runs)
        .get("/shops/{id}/raw-payloads", ChannelsSync, raw_payloads)
}

/// A shop's sync settings and state: whether the schedule runs it, how often, the
/// cursor (every order modified before it is in) and the last run's result.
#[utoipa::path(get, path = "/shops/{id}/sync", tag = "channels", params(("id" = i64, Path)), responses((status = 200, body = ShopSync), (status = 404, body = ErrorBody)))]
async fn get_sync(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<ShopSync>> {
    Ok(Json(s.app.shop_sync(&me.0.user, ShopId(id)).await?))
}

/// The schedule of a shop.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SyncSettings {
    /// Run the shop on the schedule. A manual (手工) shop cannot.
    pub enabled: bool,
    /// Seconds between scheduled runs, 10 to 86400.
    pub interval_secs: i64,
}

/// Turn a shop's scheduled sync on or off and set its interval.
#[utoipa::path(put, path = "/shops/{id}/sync", tag = "channels", params(("id" = i64, Path)), request_body = SyncSettings, responses((status = 200, body = ShopSync), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_sync(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<SyncSettings>,
) -> ApiResult<Json<ShopSync>> {
    Ok(Json(
        s.app
            .set_shop_sync(&me.0.user, ShopId(id), b.enabled, b.interval_secs)
            .await?,
    ))
}

/// Sync a shop now, from its cursor to the present, and say what the run did. A shop
/// that is syncing already answers 422 (`rule`).
#[utoipa::path(post, path = "/shops/{id}/sync/run", tag = "channels", params(("id" = i64, Path)), responses((status = 200, body = SyncOutcome), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn run_sync(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<SyncOutcome>> {
    jxc_app::partners::require_shop(&me.0.user, ShopId(id))?;
    Ok(Json(
        s.app.sync_shop(ShopId(id), SyncTrigger::Manual).await?,
    ))
}

/// 测试连接: one call to the platform with the shop's stored credentials (the last hour's
/// changed orders). A refusal is an answer (`ok: false` and the platform's words), not an
/// error; nothing is stored.
#[utoipa::path(post, path = "/shops/{id}/sync/test", tag = "channels", params(("id" = i64, Path)), responses((status = 200, body = ConnectionCheck), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn test_connection(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<ConnectionCheck>> {
    Ok(Json(s.app.test_connection(&me.0.user, ShopId(id)).await?))
}

/// Sync-log filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    pub shop_id: Option<i64>,
    /// `running`, `ok`, `partial`, `error` or `interrupted`.
    pub status: Option<String>,
}

/// The sync log (同步日志), newest first, limited to the user's shops.
#[utoipa::path(get, path = "/sync/runs", tag = "channels", params(PageQuery, RunQuery), responses((status = 200, body = Page<SyncRun>)))]
async fn list_runs(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<RunQuery>,
) -> ApiResult<Json<Page<SyncRun>>> {
    let f = SyncRunFilter {
        shop_id: q.shop_id.map(ShopId),
        status: q.status.filter(|s| !s.is_empty()),
        only_shops: vec![],
    };
    Ok(Json(s.app.sync_runs(&me.0.user, f, &p.page()?).await?))
}

/// Platform payloads of a shop that could not be read, kept whole, newest first.
#[utoipa::path(get, path = "/shops/{id}/raw-payloads", tag = "channels", params(("id" = i64, Path), PageQuery), responses((status = 200, body = Page<RawPayload>)))]
async fn raw_payloads(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<RawPayload>>> {
    Ok(Json(
        s.app
            .raw_payloads(&me.0.user, ShopId(id), &p.page()?)
            .await?,
    ))
}
