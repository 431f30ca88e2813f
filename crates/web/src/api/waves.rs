//! 波次 endpoints: cut a warehouse's allocated orders into waves, list them, a wave's pick
//! list (S-shaped route, 播种 slots), dissolve one.

use axum::Json;
use axum::extract::{Path, State};
use jxc_app::waves::PickList;
use jxc_core::fulfillment::waves::WaveRules;
use jxc_core::ids::WarehouseId;
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::Wave;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::Me;
use super::inventory::PageQuery;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(create, list, pick_list, dissolve))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{FulfillmentAllocate, OrdersView};
    super::routes_of()
        .post("/waves", FulfillmentAllocate, create)
        .get("/waves", OrdersView, list)
        .get("/waves/{id}/pick-list", OrdersView, pick_list)
        .post("/waves/{id}/dissolve", FulfillmentAllocate, dissolve)
}

/// How to cut waves.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWaves {
    pub warehouse_id: i64,
    /// 爆款单 (one unit of one SKU) in waves of their own, one SKU a wave.
    #[serde(default = "yes")]
    pub single_units_apart: bool,
    /// One carrier a wave.
    #[serde(default)]
    pub by_carrier: bool,
    /// Orders paid at or after this (Unix ms) wait for the next round.
    #[serde(default)]
    pub cutoff_ms: Option<i64>,
    /// Orders a wave (1–500).
    #[serde(default = "forty")]
    pub max_shipments: usize,
}

fn yes() -> bool {
    true
}

fn forty() -> usize {
    40
}

impl CreateWaves {
    pub fn rules(&self) -> WaveRules {
        WaveRules {
            single_units_apart: self.single_units_apart,
            by_carrier: self.by_carrier,
            cutoff_ms: self.cutoff_ms,
            max_shipments: self.max_shipments,
        }
    }
}

/// 生成波次: the allocated orders of the warehouse that are in no wave yet, cut by the
/// rules. Answers the new waves (none when nothing is waiting).
#[utoipa::path(post, path = "/waves", tag = "fulfillment", request_body = CreateWaves, responses((status = 200, body = Vec<Wave>), (status = 422, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<CreateWaves>,
) -> ApiResult<Json<Vec<Wave>>> {
    Ok(Json(
        s.app
            .create_waves(
                &me.0.user,
                WarehouseId(b.warehouse_id),
                &b.rules(),
                &me.actor(),
            )
            .await?,
    ))
}

/// Wave filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaveQuery {
    pub warehouse_id: Option<i64>,
}

/// Waves, newest first with `desc=true`.
#[utoipa::path(get, path = "/waves", tag = "fulfillment", params(PageQuery, WaveQuery), responses((status = 200, body = Page<Wave>)))]
async fn list(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<WaveQuery>,
) -> ApiResult<Json<Page<Wave>>> {
    Ok(Json(
        s.app
            .waves(&me.0.user, q.warehouse_id.map(WarehouseId), &p.page()?)
            .await?,
    ))
}

/// 拣货单: every reserved unit of the wave by location and SKU, in S-shaped walking order,
/// the route's length against the naive order, and the 播种 slots.
#[utoipa::path(get, path = "/waves/{id}/pick-list", tag = "fulfillment", params(("id" = i64, Path)), responses((status = 200, body = PickList), (status = 404, body = ErrorBody)))]
async fn pick_list(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<PickList>> {
    Ok(Json(s.app.pick_list(&me.0.user, id).await?))
}

/// Dissolves a wave; its orders wait for the next one.
#[utoipa::path(post, path = "/waves/{id}/dissolve", tag = "fulfillment", params(("id" = i64, Path)), responses((status = 200, body = Wave), (status = 404, body = ErrorBody)))]
async fn dissolve(State(s): State<AppState>, me: Me, Path(id): Path<i64>) -> ApiResult<Json<Wave>> {
    Ok(Json(
        s.app.dissolve_wave(&me.0.user, id, &me.actor()).await?,
    ))
}
