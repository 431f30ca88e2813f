//! 库存 endpoints: posting documents, the ledger, balances, reservations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jxc_core::permissions::Action;

use crate::guard::Routes;
use chrono::{DateTime, Utc};
use jxc_app::inventory::{ReserveInput, require_warehouse, warehouse_scope};
use jxc_core::ids::*;
use jxc_core::inventory::{DocumentInput, DocumentKind};
use jxc_core::paging::{Page, PageRequest};
use jxc_store::*;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::{ListQuery, Me};
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};

#[derive(OpenApi)]
#[openapi(paths(
    list_balances,
    stock_totals,
    list_moves,
    list_documents,
    get_document,
    post_document,
    list_reservations,
    reserve,
    release
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{StockPost, StockReserve, StockView};
    super::routes_of()
        .get("/stock/balances", StockView, list_balances)
        .get("/stock/totals", StockView, stock_totals)
        .get("/stock/moves", StockView, list_moves)
        .get("/stock/documents", StockView, list_documents)
        .get("/stock/documents/{id}", StockView, get_document)
        .post("/stock/post/{kind}", StockPost, post_document)
        .get("/stock/reservations", StockView, list_reservations)
        .post("/stock/reservations", StockReserve, reserve)
        .post("/stock/reservations/{id}/release", StockReserve, release)
}

/// Paging of ledger-like lists (newest first unless `order=asc`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page, 1–1000 (default 50).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// `desc` (default, newest first) or `asc`.
    pub order: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> ApiResult<PageRequest> {
        let desc = match self.order.as_deref() {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(o) => {
                return Err(ApiError::from(jxc_core::FieldError::new(
                    "order",
                    format!("“{o}” 应为 asc 或 desc"),
                )));
            }
        };
        Ok(PageRequest::new(self.limit, self.after.as_deref(), desc)?)
    }
}

/// Balance filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BalanceQuery {
    pub sku_id: Option<i64>,
    pub warehouse_id: Option<i64>,
    pub location_id: Option<i64>,
    pub lot_id: Option<i64>,
    /// Include balances with nothing on hand, reserved or valued (default false).
    pub include_zero: Option<bool>,
    /// 临期/过期: only lots expiring on or before this day (`YYYY-MM-DD`), expired included.
    pub expires_by: Option<chrono::NaiveDate>,
}

impl BalanceQuery {
    /// The filter with every warehouse (no user limit): for callers that add none.
    pub fn filter(&self, list: &ListQuery) -> ApiResult<BalanceFilter> {
        Ok(BalanceFilter {
            sku_id: self.sku_id.map(SkuId),
            warehouse_id: self.warehouse_id.map(WarehouseId),
            warehouse_ids: Vec::new(),
            location_id: self.location_id.map(LocationId),
            lot_id: self.lot_id.map(LotId),
            q: list.q.clone(),
            nonzero: !self.include_zero.unwrap_or(false),
            sort: Sort::parse(list.sort.as_deref())?,
            expires_by: self.expires_by,
        })
    }

    /// The filter kept to the warehouses `me` may see; asking for another one is 403.
    pub fn filter_for(&self, list: &ListQuery, me: &Me) -> ApiResult<BalanceFilter> {
        let mut f = self.filter(list)?;
        (f.warehouse_id, f.warehouse_ids) = warehouse_scope(&me.0.user, f.warehouse_id)?;
        Ok(f)
    }
}

/// Stock balances (库存余额) per SKU × warehouse × location × lot, with on hand, reserved,
/// available and value (分). `sort=code` orders by SKU code, `sort=id` by balance.
#[utoipa::path(get, path = "/stock/balances", tag = "inventory", params(ListQuery, BalanceQuery), responses((status = 200, body = Page<BalanceRow>)))]
async fn list_balances(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiQuery(b): ApiQuery<BalanceQuery>,
) -> ApiResult<Json<Page<BalanceRow>>> {
    Ok(Json(
        s.app.balances(&b.filter_for(&q, &me)?, &q.page()?).await?,
    ))
}

/// Stock quantity and value per warehouse (the warehouses the user may see).
#[utoipa::path(get, path = "/stock/totals", tag = "inventory", responses((status = 200, body = Vec<StockTotal>)))]
async fn stock_totals(State(s): State<AppState>, me: Me) -> ApiResult<Json<Vec<StockTotal>>> {
    let mut totals = s.app.store.stock_totals().await?;
    totals.retain(|t| me.0.user.sees_warehouse(t.warehouse_id));
    Ok(Json(totals))
}

/// Ledger filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MoveQuery {
    pub sku_id: Option<i64>,
    /// SKU code or name contains.
    pub q: Option<String>,
    pub warehouse_id: Option<i64>,
    pub location_id: Option<i64>,
    pub document_id: Option<i64>,
    /// Document kind: opening, receipt, issue, adjustment, relocation, transfer.
    pub kind: Option<String>,
    /// From this time (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this time (RFC 3339), exclusive.
    pub to: Option<DateTime<Utc>>,
}

fn kind(s: Option<&str>) -> ApiResult<Option<DocumentKind>> {
    s.map(|k| {
        DocumentKind::parse(k).ok_or_else(|| {
            ApiError::from(jxc_core::FieldError::new(
                "kind",
                format!(
                    "未知单据类型 “{k}” (opening/receipt/issue/adjustment/relocation/transfer)"
                ),
            ))
        })
    })
    .transpose()
}

/// The stock ledger (库存流水): every stock change, newest first.
#[utoipa::path(get, path = "/stock/moves", tag = "inventory", params(PageQuery, MoveQuery), responses((status = 200, body = Page<MoveRow>)))]
async fn list_moves(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(m): ApiQuery<MoveQuery>,
) -> ApiResult<Json<Page<MoveRow>>> {
    let (warehouse_id, warehouse_ids) =
        warehouse_scope(&me.0.user, m.warehouse_id.map(WarehouseId))?;
    let f = MoveFilter {
        sku_id: m.sku_id.map(SkuId),
        q: m.q,
        warehouse_id,
        warehouse_ids,
        location_id: m.location_id.map(LocationId),
        document_id: m.document_id.map(DocumentId),
        doc_kind: kind(m.kind.as_deref())?,
        from: m.from,
        to: m.to,
    };
    Ok(Json(s.app.moves(&f, &p.page()?).await?))
}

/// Document filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    pub kind: Option<String>,
    pub warehouse_id: Option<i64>,
    pub reference: Option<String>,
}

/// Posted stock documents, newest first.
#[utoipa::path(get, path = "/stock/documents", tag = "inventory", params(PageQuery, DocumentQuery), responses((status = 200, body = Page<DocumentSummary>)))]
async fn list_documents(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(d): ApiQuery<DocumentQuery>,
) -> ApiResult<Json<Page<DocumentSummary>>> {
    let (warehouse_id, warehouse_ids) =
        warehouse_scope(&me.0.user, d.warehouse_id.map(WarehouseId))?;
    let f = DocumentFilter {
        kind: kind(d.kind.as_deref())?,
        warehouse_id,
        warehouse_ids,
        reference: d.reference,
    };
    Ok(Json(s.app.store.list_documents(&f, &p.page()?).await?))
}

/// A posted document with its ledger rows. Posted documents never change.
#[utoipa::path(get, path = "/stock/documents/{id}", tag = "inventory", params(("id" = i64, Path)), responses((status = 200, body = PostedDocument), (status = 404, body = ErrorBody)))]
async fn get_document(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostedDocument>> {
    let doc = s.app.document(DocumentId(id)).await?;
    require_warehouse(&me.0.user, doc.summary.warehouse_id)?;
    Ok(Json(doc))
}

/// Post a stock document: `opening` (期初), `receipt` (入库), `issue` (出库, may consume a
/// reservation per line), `adjustment` (调整, ± qty) or `relocation` (移库, `to_location_id`).
/// Inbound lines carry `unit_cost` or `value` in 分; outbound lines leave at moving average.
/// All lines post or none.
#[utoipa::path(post, path = "/stock/post/{kind}", tag = "inventory", params(("kind" = String, Path, description = "opening | receipt | issue | adjustment | relocation")),
    request_body = DocumentInput,
    responses((status = 201, body = PostedDocument), (status = 422, body = ErrorBody), (status = 409, description = "insufficient stock", body = ErrorBody)))]
async fn post_document(
    State(s): State<AppState>,
    me: Me,
    Path(k): Path<String>,
    ApiJson(input): ApiJson<DocumentInput>,
) -> ApiResult<(StatusCode, Json<PostedDocument>)> {
    let kind = kind(Some(&k))?.ok_or_else(|| ApiError::bad_request("kind"))?;
    require_warehouse(&me.0.user, WarehouseId(input.warehouse_id))?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.post_document(kind, &input, &me.actor()).await?),
    ))
}

/// Reservation filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReservationQuery {
    pub sku_id: Option<i64>,
    pub warehouse_id: Option<i64>,
    /// live, released or consumed.
    pub status: Option<String>,
    pub source_ref: Option<String>,
}

/// Reservations (占用), newest first.
#[utoipa::path(get, path = "/stock/reservations", tag = "inventory", params(PageQuery, ReservationQuery), responses((status = 200, body = Page<Reservation>)))]
async fn list_reservations(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(r): ApiQuery<ReservationQuery>,
) -> ApiResult<Json<Page<Reservation>>> {
    let status = r
        .status
        .as_deref()
        .map(|st| {
            ReservationStatus::parse(st).ok_or_else(|| {
                ApiError::from(jxc_core::FieldError::new(
                    "status",
                    "应为 live/released/consumed",
                ))
            })
        })
        .transpose()?;
    let (warehouse_id, warehouse_ids) =
        warehouse_scope(&me.0.user, r.warehouse_id.map(WarehouseId))?;
    let f = ReservationFilter {
        id: None,
        sku_id: r.sku_id.map(SkuId),
        warehouse_id,
        warehouse_ids,
        status,
        source_ref: r.source_ref,
    };
    Ok(Json(s.app.store.list_reservations(&f, &p.page()?).await?))
}

/// Reserve available stock (first expiry first, then pick sequence). Never oversells:
/// `409 insufficient_stock` when not enough is available.
#[utoipa::path(post, path = "/stock/reservations", tag = "inventory", request_body = ReserveInput,
    responses((status = 201, body = Vec<Reservation>), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reserve(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<ReserveInput>,
) -> ApiResult<(StatusCode, Json<Vec<Reservation>>)> {
    require_warehouse(&me.0.user, WarehouseId(input.warehouse_id))?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.reserve(&input, &me.actor()).await?),
    ))
}

/// Release a live reservation: its remaining quantity is available again.
#[utoipa::path(post, path = "/stock/reservations/{id}/release", tag = "inventory", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Reservation>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn release(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Reservation>>> {
    let found = s
        .app
        .store
        .list_reservations(
            &ReservationFilter {
                id: Some(ReservationId(id)),
                ..Default::default()
            },
            &PageRequest::default(),
        )
        .await?;
    if let Some(r) = found.items.first() {
        require_warehouse(&me.0.user, r.warehouse_id)?;
    }
    Ok(Json(
        s.app.release(&[ReservationId(id)], &me.actor()).await?,
    ))
}
