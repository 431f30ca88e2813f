//! check, audit log, counts, import and export endpoints.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use jxc_app::inventory::CheckReport;
use jxc_core::paging::Page;
use jxc_store::{AuditEntry, AuditFilter, Counts};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::inventory::{BalanceQuery, PageQuery};
use super::{ListQuery, actor};
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;

#[derive(OpenApi)]
#[openapi(paths(check, audit, counts, import, export))]
pub struct Doc;

/// Imports up to this many bytes.
const MAX_IMPORT: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/check", get(check))
        .route("/audit", get(audit))
        .route("/counts", get(counts))
        .route(
            "/import/{what}",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT)),
        )
        .route("/export/{what}", get(export))
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

/// Import `skus` or opening `stock` from a CSV or .xlsx file (the raw file is the body).
/// Bad rows are reported with their row number and reason; the good rows are imported.
/// Importing the same file again changes nothing.
#[utoipa::path(post, path = "/import/{what}", tag = "admin", params(("what" = String, Path, description = "skus | stock"), FileName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, description = "the import report: counts and per-row errors", body = Object), (status = 422, body = ErrorBody)))]
async fn import(
    State(s): State<AppState>,
    Path(what): Path<String>,
    ApiQuery(f): ApiQuery<FileName>,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let name = f.file_name.unwrap_or_else(|| "upload.csv".into());
    let report = match what.as_str() {
        "skus" => s.app.import_skus(&name, &body, &actor()).await?,
        "stock" => s.app.import_stock(&name, &body, &actor()).await?,
        _ => {
            return Err(ApiError::from(jxc_core::FieldError::new(
                "what",
                "应为 skus 或 stock / skus or stock",
            )));
        }
    };
    Ok(Json(report))
}

/// Export `skus`, `stock` (balances) or `moves` (the ledger) as an Excel file. Takes the
/// same filters as the lists.
#[utoipa::path(get, path = "/export/{what}", tag = "admin", params(("what" = String, Path, description = "skus | stock | moves"), ListQuery, BalanceQuery),
    responses((status = 200, description = "an .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn export(
    State(s): State<AppState>,
    Path(what): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiQuery(b): ApiQuery<BalanceQuery>,
) -> ApiResult<impl IntoResponse> {
    let bytes = match what.as_str() {
        "skus" => {
            s.app
                .export_skus(&super::catalog::SkuQuery::default().filter(&q)?)
                .await?
        }
        "stock" => s.app.export_stock(&b.filter(&q)?).await?,
        "moves" => {
            s.app
                .export_moves(&jxc_store::MoveFilter::default())
                .await?
        }
        _ => {
            return Err(ApiError::from(jxc_core::FieldError::new(
                "what",
                "应为 skus、stock 或 moves",
            )));
        }
    };
    let disposition = format!("attachment; filename=\"jxc-{what}.xlsx\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    ))
}
