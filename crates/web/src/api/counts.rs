//! 盘点 endpoints: create a count, its lines, scans (each with an id, so a batch sent
//! twice counts once) and typed totals, 完成库位, submit, and the 仓库主管's approve
//! (post), send back and cancel; the accuracy report.

use axum::Json;
use axum::extract::{Path, State};
use jxc_app::counts::{CountReport, TypedCountInput};
use jxc_core::ids::WarehouseId;
use jxc_core::inventory::count::{CountStatus, NewCountInput, ScanInput};
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{CountFilter, CountLine, CountLineFilter, EntryOutcome, LineState, StockCount};
use serde::{Deserialize, Serialize};
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
    lines,
    scans,
    entries,
    close_location,
    submit,
    approve,
    reopen,
    cancel,
    report
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{CountsApprove, CountsCount, StockView};
    super::routes_of()
        .post("/stock-counts", CountsCount, create)
        .get("/stock-counts", StockView, list)
        .get("/stock-counts/{id}", StockView, get)
        .get("/stock-counts/{id}/lines", StockView, lines)
        .post("/stock-counts/{id}/scans", CountsCount, scans)
        .post("/stock-counts/{id}/entries", CountsCount, entries)
        .post(
            "/stock-counts/{id}/close-location",
            CountsCount,
            close_location,
        )
        .post("/stock-counts/{id}/submit", CountsCount, submit)
        .post("/stock-counts/{id}/approve", CountsApprove, approve)
        .post("/stock-counts/{id}/reopen", CountsApprove, reopen)
        .post("/stock-counts/{id}/cancel", CountsApprove, cancel)
        .get("/stock-counts/{id}/report", StockView, report)
}

/// 新建盘点: over a whole warehouse, a zone, a location range, some SKUs or an ABC class.
/// Lines are every balance in scope with stock on hand.
#[utoipa::path(post, path = "/stock-counts", tag = "inventory", request_body = NewCountInput, responses((status = 200, body = StockCount), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<NewCountInput>,
) -> ApiResult<Json<StockCount>> {
    Ok(Json(s.app.create_count(&me.0.user, &b, &me.actor()).await?))
}

/// Count filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountQuery {
    pub warehouse_id: Option<i64>,
    /// `counting`, `recounting`, `submitted`, `posted` or `cancelled`.
    pub status: Option<String>,
}

impl CountQuery {
    pub fn filter(&self) -> ApiResult<CountFilter> {
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(x) => Some(CountStatus::parse(x).ok_or_else(|| {
                ApiError::from(jxc_core::FieldError::new(
                    "status",
                    format!("未知状态 “{x}” / unknown status"),
                ))
            })?),
        };
        Ok(CountFilter {
            warehouse_id: self.warehouse_id.map(WarehouseId),
            warehouse_ids: Vec::new(),
            status,
        })
    }
}

/// Counts, newest first (`order=asc` for oldest first).
#[utoipa::path(get, path = "/stock-counts", tag = "inventory", params(PageQuery, CountQuery), responses((status = 200, body = Page<StockCount>)))]
async fn list(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<CountQuery>,
) -> ApiResult<Json<Page<StockCount>>> {
    Ok(Json(
        s.app.counts(&me.0.user, q.filter()?, &p.page()?).await?,
    ))
}

#[utoipa::path(get, path = "/stock-counts/{id}", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = StockCount), (status = 404, body = ErrorBody)))]
async fn get(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockCount>> {
    Ok(Json(s.app.count(&me.0.user, id).await?))
}

/// Line filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LineQuery {
    /// `all` (default), `uncounted`, `counted`, `variance` or `recount`.
    pub state: Option<String>,
    /// Locations whose code starts with this.
    pub location: Option<String>,
    /// 商家编码 or name contains.
    pub q: Option<String>,
}

impl LineQuery {
    pub fn filter(&self) -> ApiResult<CountLineFilter> {
        let state = match self.state.as_deref().filter(|s| !s.is_empty()) {
            None => LineState::All,
            Some(x) => LineState::parse(x).ok_or_else(|| {
                ApiError::from(jxc_core::FieldError::new(
                    "state",
                    format!("未知的行状态 “{x}” / unknown line state"),
                ))
            })?,
        };
        Ok(CountLineFilter {
            state,
            location: self.location.clone().unwrap_or_default(),
            q: self.q.clone().unwrap_or_default(),
        })
    }
}

/// A count's lines by location, then SKU (`order=desc` reverses). On a blind count
/// being counted, users who may not approve counts get `expected` and `on_hand` blank.
#[utoipa::path(get, path = "/stock-counts/{id}/lines", tag = "inventory", params(("id" = i64, Path), PageQuery, LineQuery), responses((status = 200, body = Page<CountLine>), (status = 404, body = ErrorBody)))]
async fn lines(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<LineQuery>,
) -> ApiResult<Json<Page<CountLine>>> {
    let mut page = p.page()?;
    page.desc = p.order.as_deref() == Some("desc");
    Ok(Json(
        s.app
            .count_lines(&me.0.user, id, &q.filter()?, &page)
            .await?,
    ))
}

/// Scans to take.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Scans {
    pub scans: Vec<ScanInput>,
}

/// 扫描: each scan adds its units (default 1) to its line. Each answers for itself
/// (`counted`, `duplicate` for an id taken before, or `refused` with the reason); a
/// malformed scan refuses the whole batch with its field (`scans[3].qty`).
#[utoipa::path(post, path = "/stock-counts/{id}/scans", tag = "inventory", params(("id" = i64, Path)), request_body = Scans, responses((status = 200, body = Vec<EntryOutcome>), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn scans(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Scans>,
) -> ApiResult<Json<Vec<EntryOutcome>>> {
    Ok(Json(
        s.app
            .record_scans(&me.0.user, id, &b.scans, &me.actor())
            .await?,
    ))
}

/// Typed totals to take.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Entries {
    pub entries: Vec<TypedCountInput>,
}

/// 录入: a typed total replaces what was counted on its line, at the ledger position now.
#[utoipa::path(post, path = "/stock-counts/{id}/entries", tag = "inventory", params(("id" = i64, Path)), request_body = Entries, responses((status = 200, body = Vec<EntryOutcome>), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn entries(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Entries>,
) -> ApiResult<Json<Vec<EntryOutcome>>> {
    Ok(Json(
        s.app
            .enter_counts(&me.0.user, id, &b.entries, &me.actor())
            .await?,
    ))
}

/// A location by its code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LocationCode {
    pub location: String,
}

/// How many lines were counted as 0.
#[derive(Debug, Serialize, ToSchema)]
pub struct Zeroed {
    pub zeroed: i64,
}

/// 完成库位: every line of the location not counted yet is counted as 0.
#[utoipa::path(post, path = "/stock-counts/{id}/close-location", tag = "inventory", params(("id" = i64, Path)), request_body = LocationCode, responses((status = 200, body = Zeroed), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn close_location(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<LocationCode>,
) -> ApiResult<Json<Zeroed>> {
    let zeroed = s
        .app
        .close_count_location(&me.0.user, id, &b.location, &me.actor())
        .await?;
    Ok(Json(Zeroed { zeroed }))
}

/// Submit options.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct Submit {
    /// Count every line not counted yet as 0 (otherwise they are refused).
    pub zero_uncounted: bool,
}

/// 提交: ends counting. Lines whose variance passes the count's recount rule go to a
/// second count first (status `recounting`); otherwise the count waits for approval.
#[utoipa::path(post, path = "/stock-counts/{id}/submit", tag = "inventory", params(("id" = i64, Path)), request_body = Submit, responses((status = 200, body = StockCount), (status = 409, body = ErrorBody)))]
async fn submit(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Submit>,
) -> ApiResult<Json<StockCount>> {
    Ok(Json(
        s.app
            .submit_count(&me.0.user, id, b.zero_uncounted, &me.actor())
            .await?,
    ))
}

/// 审核过账 (仓库主管): posts every variance as 调整单 lines valued at average cost.
#[utoipa::path(post, path = "/stock-counts/{id}/approve", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = StockCount), (status = 409, body = ErrorBody)))]
async fn approve(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockCount>> {
    Ok(Json(
        s.app.approve_count(&me.0.user, id, &me.actor()).await?,
    ))
}

/// 退回: a submitted count goes back to counting.
#[utoipa::path(post, path = "/stock-counts/{id}/reopen", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = StockCount), (status = 409, body = ErrorBody)))]
async fn reopen(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockCount>> {
    Ok(Json(s.app.reopen_count(&me.0.user, id, &me.actor()).await?))
}

/// 作废: nothing reaches the ledger.
#[utoipa::path(post, path = "/stock-counts/{id}/cancel", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = StockCount), (status = 409, body = ErrorBody)))]
async fn cancel(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockCount>> {
    Ok(Json(s.app.cancel_count(&me.0.user, id, &me.actor()).await?))
}

/// 盘点准确率: lines, matched, accuracy (per ten thousand, exact) and the units and value
/// found and missing.
#[utoipa::path(get, path = "/stock-counts/{id}/report", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = CountReport), (status = 404, body = ErrorBody)))]
async fn report(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<CountReport>> {
    Ok(Json(s.app.count_report(&me.0.user, id).await?))
}
