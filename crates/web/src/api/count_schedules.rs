//! 循环盘点计划 endpoints: schedules that create a count every N days (a 仓库主管 keeps
//! them; anyone who sees stock may list them). The scheduler creates the counts.

use axum::Json;
use axum::extract::{Path, State};
use jxc_core::ids::WarehouseId;
use jxc_core::inventory::count_schedule::CountScheduleInput;
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{CountSchedule, CountScheduleFilter};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::Me;
use super::inventory::PageQuery;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(create, list, get, update, deactivate, activate))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{CountsApprove, StockView};
    super::routes_of()
        .post("/stock-count-schedules", CountsApprove, create)
        .get("/stock-count-schedules", StockView, list)
        .get("/stock-count-schedules/{id}", StockView, get)
        .put("/stock-count-schedules/{id}", CountsApprove, update)
        .post(
            "/stock-count-schedules/{id}/deactivate",
            CountsApprove,
            deactivate,
        )
        .post(
            "/stock-count-schedules/{id}/activate",
            CountsApprove,
            activate,
        )
}

/// 新建循环盘点计划: a warehouse and a count's scope (`full`, `zone`, `locations`, `skus`
/// or `abc`), blind, recount thresholds, every `every_days` (1–365) from `next_due` (China
/// time, `YYYY-MM-DD` or `YYYY-MM-DD HH:MM`; empty: now).
#[utoipa::path(post, path = "/stock-count-schedules", tag = "inventory", request_body = CountScheduleInput, responses((status = 200, body = CountSchedule), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<CountScheduleInput>,
) -> ApiResult<Json<CountSchedule>> {
    Ok(Json(
        s.app
            .create_count_schedule(&me.0.user, &b, &me.actor())
            .await?,
    ))
}

/// Schedule filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    pub warehouse_id: Option<i64>,
    /// `true`: only active; `false`: only stopped.
    pub active: Option<String>,
}

impl ScheduleQuery {
    fn filter(&self) -> ApiResult<CountScheduleFilter> {
        let active = match self.active.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            Some(x) => {
                return Err(ApiError::from(jxc_core::FieldError::new(
                    "active",
                    format!("“{x}” 应为 true 或 false / true or false"),
                )));
            }
        };
        Ok(CountScheduleFilter {
            warehouse_id: self.warehouse_id.map(WarehouseId),
            warehouse_ids: Vec::new(),
            active,
        })
    }
}

/// Schedules of the user's warehouses, newest first (`order=asc` for oldest first).
#[utoipa::path(get, path = "/stock-count-schedules", tag = "inventory", params(PageQuery, ScheduleQuery), responses((status = 200, body = Page<CountSchedule>), (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<ScheduleQuery>,
) -> ApiResult<Json<Page<CountSchedule>>> {
    Ok(Json(
        s.app
            .count_schedules(&me.0.user, q.filter()?, &p.page()?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/stock-count-schedules/{id}", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = CountSchedule), (status = 404, body = ErrorBody)))]
async fn get(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<CountSchedule>> {
    Ok(Json(s.app.count_schedule(&me.0.user, id).await?))
}

/// Changes every field of a schedule; an empty `next_due` keeps its due time.
#[utoipa::path(put, path = "/stock-count-schedules/{id}", tag = "inventory", params(("id" = i64, Path)), request_body = CountScheduleInput, responses((status = 200, body = CountSchedule), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CountScheduleInput>,
) -> ApiResult<Json<CountSchedule>> {
    Ok(Json(
        s.app
            .update_count_schedule(&me.0.user, id, &b, &me.actor())
            .await?,
    ))
}

/// 停用: the schedule creates no more counts (its counts stay).
#[utoipa::path(post, path = "/stock-count-schedules/{id}/deactivate", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = CountSchedule), (status = 404, body = ErrorBody)))]
async fn deactivate(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<CountSchedule>> {
    Ok(Json(
        s.app
            .set_count_schedule_active(&me.0.user, id, false, &me.actor())
            .await?,
    ))
}

/// 启用 again.
#[utoipa::path(post, path = "/stock-count-schedules/{id}/activate", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = CountSchedule), (status = 404, body = ErrorBody)))]
async fn activate(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<CountSchedule>> {
    Ok(Json(
        s.app
            .set_count_schedule_active(&me.0.user, id, true, &me.actor())
            .await?,
    ))
}
