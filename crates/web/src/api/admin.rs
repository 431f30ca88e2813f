//! check, audit log, counts, import and export endpoints.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::IntoResponse;
use jxc_core::permissions::Action;

use crate::guard::Routes;
use jxc_app::inventory::CheckReport;
use jxc_core::paging::Page;
use jxc_store::{AuditEntry, AuditFilter, Counts};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::inventory::{BalanceQuery, PageQuery};
use super::{ListQuery, Me};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiQuery;

#[derive(OpenApi)]
#[openapi(paths(
    check,
    audit,
    counts,
    import_skus,
    import_stock,
    export_skus,
    export_stock,
    export_moves
))]
pub struct Doc;

/// Imports up to this many bytes.
const MAX_IMPORT: usize = 64 * 1024 * 1024;

pub fn routes() -> Routes {
    use axum::http::Method;
    use axum::routing::post;
    super::routes_of()
        .get("/check", Action::AuditView, check)
        .get("/audit", Action::AuditView, audit)
        .get("/counts", Action::Dashboard, counts)
        .add(
            Method::POST,
            "/import/skus",
            Action::CatalogEdit,
            post(import_skus).layer(DefaultBodyLimit::max(MAX_IMPORT)),
        )
        .add(
            Method::POST,
            "/import/stock",
            Action::StockPost,
            post(import_stock).layer(DefaultBodyLimit::max(MAX_IMPORT)),
        )
        .get("/export/skus", Action::CatalogView, export_skus)
        .get("/export/stock", Action::StockView, export_stock)
        .get("/export/moves", Action::StockView, export_moves)
}

/// `jxc check`: recompute every balance from the ledger and the live reservations.
/// `differences` is empty when the books are right.
#[utoipa::path(get, path = "/check", tag = "admin", responses((status = 200, body = CheckReport)))]
async fn check(State(s): State<AppState>) -> ApiResult<Json<CheckReport>> {
    Ok(Json(s.app.check().await?))
}

/// Audit-log filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub actor: Option<String>,
    /// e.g. sku, warehouse, stock_document, reservation.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}

/// The audit log: who changed what, when, before and after. Newest first.
#[utoipa::path(get, path = "/audit", tag = "admin", params(PageQuery, AuditQuery), responses((status = 200, body = Page<AuditEntry>)))]
async fn audit(
    State(s): State<AppState>,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(a): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let f = AuditFilter {
        actor: a.actor,
        entity: a.entity,
        entity_id: a.entity_id,
        from: None,
        to: None,
    };
    Ok(Json(s.app.store.list_audit(&f, &p.page()?).await?))
}

/// How many SKUs, warehouses, documents … there are.
#[utoipa::path(get, path = "/counts", tag = "admin", responses((status = 200, body = Counts)))]
async fn counts(State(s): State<AppState>) -> ApiResult<Json<Counts>> {
    Ok(Json(s.app.store.counts().await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileName {
    /// The uploaded file's name; `.xlsx` is read as Excel, anything else as CSV (UTF-8 or GBK).
    pub file_name: Option<String>,
}

/// Import SKUs from a CSV or .xlsx file (the raw file is the body). Bad rows are
/// reported with their row number and reason; the good rows are imported. Importing the
/// same file again changes nothing.
#[utoipa::path(post, path = "/import/skus", tag = "admin", params(FileName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, description = "the import report: counts and per-row errors", body = Object), (status = 422, body = ErrorBody)))]
async fn import_skus(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(f): ApiQuery<FileName>,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let name = f.file_name.unwrap_or_else(|| "upload.csv".into());
    Ok(Json(s.app.import_skus(&name, &body, &me.actor()).await?))
}

/// Import opening stock (期初) from a CSV or .xlsx file, as for SKUs.
#[utoipa::path(post, path = "/import/stock", tag = "admin", params(FileName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, description = "the import report: counts and per-row errors", body = Object), (status = 422, body = ErrorBody)))]
async fn import_stock(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(f): ApiQuery<FileName>,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    jxc_app::inventory::require_all_warehouses(&me.0.user)?;
    let name = f.file_name.unwrap_or_else(|| "upload.csv".into());
    Ok(Json(s.app.import_stock(&name, &body, &me.actor()).await?))
}

/// An .xlsx download.
pub(crate) fn xlsx(name: &str, bytes: Vec<u8>) -> impl IntoResponse {
    let disposition = format!("attachment; filename=\"jxc-{name}.xlsx\"");
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
}

/// Export SKUs as an Excel file that the SKU import reads back. Takes the list's filters.
#[utoipa::path(get, path = "/export/skus", tag = "admin", params(ListQuery),
    responses((status = 200, description = "an .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn export_skus(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<impl IntoResponse> {
    let f = super::catalog::SkuQuery::default().filter(&q)?;
    Ok(xlsx("skus", s.app.export_skus(&f).await?))
}

/// Export stock balances as an Excel file. Takes the balance list's filters.
#[utoipa::path(get, path = "/export/stock", tag = "admin", params(ListQuery, BalanceQuery),
    responses((status = 200, description = "an .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn export_stock(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiQuery(b): ApiQuery<BalanceQuery>,
) -> ApiResult<impl IntoResponse> {
    Ok(xlsx(
        "stock",
        s.app.export_stock(&b.filter_for(&q, &me)?).await?,
    ))
}

/// Export the stock ledger (库存流水) as an Excel file.
#[utoipa::path(get, path = "/export/moves", tag = "admin",
    responses((status = 200, description = "an .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn export_moves(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    Ok(xlsx(
        "moves",
        s.app
            .export_moves(&jxc_store::MoveFilter::default())
            .await?,
    ))
}
