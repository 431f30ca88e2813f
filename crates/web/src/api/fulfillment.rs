//! 分仓 endpoints: the routing setup (rules and strategies), allocating approved orders
//! (route + reserve), the allocations (已分配 / 缺货) and releasing one, 发货报表.

use axum::Json;
use axum::extract::{Path, State};
use jxc_app::fulfillment::AllocationOutcome;
use jxc_core::fulfillment::report::FulfilmentReport;
use jxc_core::fulfillment::routing::RoutingSetup;
use jxc_core::fulfillment::what_if::WhatIf;
use jxc_core::ids::{OrderId, WarehouseId};
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{Allocation, AllocationStatus};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::Me;
use super::inventory::PageQuery;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(
    get_routing,
    set_routing,
    what_if,
    allocate,
    list_allocations,
    get_allocation,
    release,
    report
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{FulfillmentAllocate, OrdersView, RoutingEdit};
    super::routes_of()
        .get("/routing", OrdersView, get_routing)
        .put("/routing", RoutingEdit, set_routing)
        .post("/routing/what-if", OrdersView, what_if)
        .post("/orders/allocate", FulfillmentAllocate, allocate)
        .get("/allocations", OrdersView, list_allocations)
        .get("/orders/{id}/allocation", OrdersView, get_allocation)
        .post(
            "/orders/{id}/allocation/release",
            FulfillmentAllocate,
            release,
        )
        .get("/fulfillment/report", OrdersView, report)
}

/// 分仓设置: rules (in order; the first that names a carrier sets it), then the
/// strategies in order, and whether an order may split over warehouses.
#[utoipa::path(get, path = "/routing", tag = "fulfillment", responses((status = 200, body = RoutingSetup)))]
async fn get_routing(State(s): State<AppState>, _me: Me) -> ApiResult<Json<RoutingSetup>> {
    Ok(Json(s.app.routing_setup().await?))
}

/// Replaces the routing setup. Every field error is reported (`rules[2].name` …).
#[utoipa::path(put, path = "/routing", tag = "fulfillment", request_body = RoutingSetup, responses((status = 200, body = RoutingSetup), (status = 422, body = ErrorBody)))]
async fn set_routing(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<RoutingSetup>,
) -> ApiResult<Json<RoutingSetup>> {
    Ok(Json(s.app.set_routing_setup(b, &me.actor()).await?))
}

/// A changed setup to compare with the saved one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WhatIfBody {
    pub setup: RoutingSetup,
    /// The orders created in the last `days` days (1–90).
    pub days: i64,
}

/// 分仓模拟: replays the recent orders (up to 5,000, not cancelled, fully mapped) under the
/// saved setup and under `setup`: orders that would move, splits, 缺货 and each
/// warehouse's load, before and after. Nothing is saved or reserved.
#[utoipa::path(post, path = "/routing/what-if", tag = "fulfillment", request_body = WhatIfBody, responses((status = 200, body = WhatIf), (status = 422, body = ErrorBody)))]
async fn what_if(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<WhatIfBody>,
) -> ApiResult<Json<WhatIf>> {
    Ok(Json(
        s.app.routing_what_if(&me.0.user, b.setup, b.days).await?,
    ))
}

/// Orders to allocate.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AllocateBody {
    pub ids: Vec<i64>,
}

/// 分配: routes each approved order without holds and reserves its stock in the chosen
/// warehouses (one transaction per order); an order that cannot be fully reserved is
/// recorded as 缺货 (`short`) with what is missing. Each order answers for itself.
#[utoipa::path(post, path = "/orders/allocate", tag = "fulfillment", request_body = AllocateBody, responses((status = 200, body = Vec<AllocationOutcome>), (status = 422, body = ErrorBody)))]
async fn allocate(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<AllocateBody>,
) -> ApiResult<Json<Vec<AllocationOutcome>>> {
    let ids: Vec<OrderId> = b.ids.into_iter().map(OrderId).collect();
    Ok(Json(
        s.app.allocate_orders(&me.0.user, &ids, &me.actor()).await?,
    ))
}

/// Allocation filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// `allocated` or `short` (缺货).
    pub status: Option<String>,
}

/// Allocations, by order.
#[utoipa::path(get, path = "/allocations", tag = "fulfillment", params(PageQuery, AllocationQuery), responses((status = 200, body = Page<Allocation>), (status = 422, body = ErrorBody)))]
async fn list_allocations(
    State(s): State<AppState>,
    _me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<AllocationQuery>,
) -> ApiResult<Json<Page<Allocation>>> {
    let status = match q.status.as_deref().filter(|x| !x.is_empty()) {
        None => None,
        Some(x) => Some(AllocationStatus::parse(x).ok_or_else(|| {
            jxc_app::Error::invalid("status", "应为 allocated 或 short / allocated or short")
        })?),
    };
    Ok(Json(s.app.allocations(status, &p.page()?).await?))
}

/// An order's allocation: where it ships from and why (404 when it has none).
#[utoipa::path(get, path = "/orders/{id}/allocation", tag = "fulfillment", params(("id" = i64, Path)), responses((status = 200, body = Allocation), (status = 404, body = ErrorBody)))]
async fn get_allocation(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Allocation>> {
    s.app
        .allocation(&me.0.user, OrderId(id))
        .await?
        .map(Json)
        .ok_or_else(|| jxc_app::Error::not_found("allocation", id).into())
}

/// 释放: gives the order's reserved stock back; the order can be allocated again.
#[utoipa::path(post, path = "/orders/{id}/allocation/release", tag = "fulfillment", params(("id" = i64, Path)), responses((status = 200, body = Allocation), (status = 404, body = ErrorBody)))]
async fn release(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Allocation>> {
    s.app
        .release_allocation(&me.0.user, OrderId(id), &me.actor())
        .await?
        .map(Json)
        .ok_or_else(|| jxc_app::Error::not_found("allocation", id).into())
}

/// Report span and deadline.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First China day, `YYYY-MM-DD`.
    pub from: chrono::NaiveDate,
    /// Last China day (included), at most 92 days after `from`.
    pub to: chrono::NaiveDate,
    /// The platform's shipping deadline after payment, hours (default 48).
    #[serde(default = "forty_eight")]
    pub deadline_hours: i64,
    pub warehouse_id: Option<i64>,
}

fn forty_eight() -> i64 {
    48
}

/// 发货报表: paid-to-shipped time (median, p90, minutes), shipped on time vs the
/// deadline, exceptions by kind; overall, per warehouse, per day, per person.
#[utoipa::path(get, path = "/fulfillment/report", tag = "fulfillment", params(ReportQuery), responses((status = 200, body = FulfilmentReport), (status = 422, body = ErrorBody)))]
async fn report(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<FulfilmentReport>> {
    Ok(Json(
        s.app
            .fulfilment_report(
                &me.0.user,
                q.from,
                q.to,
                q.deadline_hours,
                q.warehouse_id.map(WarehouseId),
            )
            .await?,
    ))
}
