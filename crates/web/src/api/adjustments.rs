//! 其他出入库 endpoints: a request with a reason posts at once when worth at most the
//! threshold, or waits for a 仓库主管 to approve (post) or reject it; the threshold.

use axum::Json;
use axum::extract::{Path, State};
use jxc_core::ids::WarehouseId;
use jxc_core::inventory::adjustment::{AdjustmentReason, AdjustmentStatus, NewAdjustmentInput};
use jxc_core::money::Fen;
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{AdjustmentFilter, StockAdjustment};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::Me;
use super::inventory::PageQuery;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(create, list, get, approve, reject, threshold, set_threshold))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{StockApprove, StockPost, StockView};
    super::routes_of()
        .post("/stock-adjustments", StockPost, create)
        .get("/stock-adjustments", StockView, list)
        .get("/stock-adjustments/threshold", StockView, threshold)
        .put("/stock-adjustments/threshold", StockApprove, set_threshold)
        .get("/stock-adjustments/{id}", StockView, get)
        .post("/stock-adjustments/{id}/approve", StockApprove, approve)
        .post("/stock-adjustments/{id}/reject", StockApprove, reject)
}

/// 新建其他出入库: reason `damage`, `sample`, `gift`, `internal_use` (− lines), `found`
/// (+ lines) or `other` (either; `note` required). Worth at most the threshold it is
/// posted at once (`status` = `posted`); above it, it waits (`pending`).
#[utoipa::path(post, path = "/stock-adjustments", tag = "inventory", request_body = NewAdjustmentInput, responses((status = 200, body = StockAdjustment), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<NewAdjustmentInput>,
) -> ApiResult<Json<StockAdjustment>> {
    Ok(Json(
        s.app.create_adjustment(&me.0.user, &b, &me.actor()).await?,
    ))
}

/// Adjustment filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdjustmentQuery {
    pub warehouse_id: Option<i64>,
    /// `pending`, `posted` or `rejected`.
    pub status: Option<String>,
    /// `damage`, `sample`, `gift`, `found`, `internal_use` or `other`.
    pub reason: Option<String>,
}

impl AdjustmentQuery {
    pub fn filter(&self) -> ApiResult<AdjustmentFilter> {
        let bad = |field: &str, x: &str| {
            ApiError::from(jxc_core::FieldError::new(
                field,
                format!("未知的值 “{x}” / unknown value"),
            ))
        };
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(x) => Some(AdjustmentStatus::parse(x).ok_or_else(|| bad("status", x))?),
        };
        let reason = match self.reason.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(x) => Some(AdjustmentReason::parse(x).ok_or_else(|| bad("reason", x))?),
        };
        Ok(AdjustmentFilter {
            warehouse_id: self.warehouse_id.map(WarehouseId),
            warehouse_ids: Vec::new(),
            status,
            reason,
        })
    }
}

/// Requests, newest first (`order=asc` for oldest first), without their lines.
#[utoipa::path(get, path = "/stock-adjustments", tag = "inventory", params(PageQuery, AdjustmentQuery), responses((status = 200, body = Page<StockAdjustment>)))]
async fn list(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<AdjustmentQuery>,
) -> ApiResult<Json<Page<StockAdjustment>>> {
    Ok(Json(
        s.app
            .adjustments(&me.0.user, q.filter()?, &p.page()?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/stock-adjustments/{id}", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = StockAdjustment), (status = 404, body = ErrorBody)))]
async fn get(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockAdjustment>> {
    Ok(Json(s.app.adjustment(&me.0.user, id).await?))
}

/// 审批过账 (仓库主管): a pending request posts now, at today's average cost.
#[utoipa::path(post, path = "/stock-adjustments/{id}/approve", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = StockAdjustment), (status = 409, body = ErrorBody)))]
async fn approve(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockAdjustment>> {
    Ok(Json(
        s.app
            .approve_adjustment(&me.0.user, id, &me.actor())
            .await?,
    ))
}

/// Why a request is rejected.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RejectBody {
    /// Required.
    pub note: String,
}

/// 驳回 (仓库主管): nothing is posted.
#[utoipa::path(post, path = "/stock-adjustments/{id}/reject", tag = "inventory", params(("id" = i64, Path)), request_body = RejectBody, responses((status = 200, body = StockAdjustment), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reject(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RejectBody>,
) -> ApiResult<Json<StockAdjustment>> {
    Ok(Json(
        s.app
            .reject_adjustment(&me.0.user, id, &b.note, &me.actor())
            .await?,
    ))
}

/// The approval threshold in 分: requests worth more wait for approval.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Threshold {
    pub threshold: i64,
}

#[utoipa::path(get, path = "/stock-adjustments/threshold", tag = "inventory", responses((status = 200, body = Threshold)))]
async fn threshold(State(s): State<AppState>, _me: Me) -> ApiResult<Json<Threshold>> {
    Ok(Json(Threshold {
        threshold: s.app.adjustment_threshold().await?.0,
    }))
}

/// Sets the threshold (仓库主管; audited).
#[utoipa::path(put, path = "/stock-adjustments/threshold", tag = "inventory", request_body = Threshold, responses((status = 200, body = Threshold), (status = 422, body = ErrorBody)))]
async fn set_threshold(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<Threshold>,
) -> ApiResult<Json<Threshold>> {
    s.app
        .set_adjustment_threshold(Fen(b.threshold), &me.actor())
        .await?;
    Ok(Json(b))
}
