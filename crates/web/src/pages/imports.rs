//! 导入: one page with two uploads, 商品资料 (SKUs) and 期初库存 (opening stock), each
//! shown only to the roles that may use it. An upload runs the import and shows what it
//! did on the same page: the counts, and every bad row with its row number, field and
//! reason. The good rows are imported; fixing the bad ones and uploading again imports
//! them (both imports are idempotent).
//!
//! Uploads are multipart, so they carry the CSRF token in the query string.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jxc_app::imports::{ImportReport, RowError};
use jxc_core::permissions::Action;
use jxc_store::Actor;

use super::{Ctx, FormErrors, PageError, render};
use crate::AppState;
use crate::guard::{Routes, Surface};

/// The largest file an upload takes (the API's import takes the same).
const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub fn routes() -> Routes {
    Routes::new(Surface::Page, "")
        .get("/imports", Action::Dashboard, page)
        .get(
            "/imports/stock-template.csv",
            Action::StockPost,
            stock_template,
        )
        .add(
            Method::POST,
            "/imports/skus",
            Action::CatalogEdit,
            post(import_skus).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .add(
            Method::POST,
            "/imports/stock",
            Action::StockPost,
            post(import_stock).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
}

/// What one upload did, as the page shows it.
struct Outcome {
    /// `imports.skus` or `imports.stock`.
    what: &'static str,
    file_name: String,
    total: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    /// Rows with at least one error.
    failed: usize,
    posted_lines: usize,
    documents: String,
    errors: Vec<RowError>,
}

impl Outcome {
    fn of(what: &'static str, file_name: String, r: ImportReport) -> Outcome {
        let mut rows: Vec<usize> = r.errors.iter().map(|e| e.row).filter(|n| *n > 0).collect();
        rows.dedup();
        Outcome {
            what,
            file_name,
            total: r.total_rows,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            failed: rows.len(),
            posted_lines: r.posted_lines,
            documents: r.documents.join(", "),
            errors: r.errors,
        }
    }

    fn is_stock(&self) -> bool {
        self.what == "imports.stock"
    }
}

#[derive(Template)]
#[template(path = "imports/page.html")]
struct ImportsPage {
    ctx: Ctx,
    outcome: Option<Outcome>,
    /// The file could not be imported at all (no file, unreadable, missing columns).
    errors: FormErrors,
    /// Which form the errors belong to.
    failed_form: &'static str,
}

impl ImportsPage {
    fn may_import_skus(&self) -> bool {
        self.ctx.can(Action::CatalogEdit)
    }

    fn may_import_stock(&self) -> bool {
        self.ctx.can(Action::StockPost)
    }

    /// Opening stock names its warehouses in the file; a user limited to some warehouses
    /// cannot be held to them by the import, so it is for users who see every warehouse.
    fn stock_limited(&self) -> bool {
        !self.ctx.user.fields.warehouse_ids.is_empty()
    }
}

fn show(
    ctx: Ctx,
    outcome: Option<Outcome>,
    errors: FormErrors,
    failed_form: &'static str,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        render(&ImportsPage {
            ctx,
            outcome,
            errors,
            failed_form,
        }),
    )
        .into_response()
}

async fn page(ctx: Ctx) -> Response {
    show(ctx, None, FormErrors::default(), "")
}

/// The uploaded file (the `file` part) and its name.
async fn read_file(ctx: &Ctx, mut form: Multipart) -> Result<(String, Vec<u8>), FormErrors> {
    let bad = |key: &'static str| FormErrors(vec![jxc_core::FieldError::new("file", ctx.tr(key))]);
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_string();
                let bytes = field.bytes().await.map_err(|_| bad("imports.unreadable"))?;
                if bytes.is_empty() {
                    return Err(bad("imports.no_file"));
                }
                return Ok((name, bytes.to_vec()));
            }
            Ok(Some(_)) => continue,
            Ok(None) => return Err(bad("imports.no_file")),
            Err(_) => return Err(bad("imports.unreadable")),
        }
    }
}

async fn import_skus(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    form: Multipart,
) -> Result<Response, PageError> {
    let (name, bytes) = match read_file(&ctx, form).await {
        Ok(f) => f,
        Err(errors) => return Ok(show(ctx, None, errors, "skus")),
    };
    let actor = Actor(ctx.user.fields.username.clone());
    match s.app.import_skus(&name, &bytes, &actor).await {
        Ok(r) => Ok(show(
            ctx,
            Some(Outcome::of("imports.skus", name, r)),
            FormErrors::default(),
            "",
        )),
        Err(e) => match FormErrors::from_app(e) {
            Ok(errors) => Ok(show(ctx, None, errors, "skus")),
            Err(e) => Err(PageError(ctx.lang, e, uri)),
        },
    }
}

async fn import_stock(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    form: Multipart,
) -> Result<Response, PageError> {
    if let Err(e) = jxc_app::inventory::require_all_warehouses(&ctx.user) {
        return Err(PageError(ctx.lang, e, uri));
    }
    let (name, bytes) = match read_file(&ctx, form).await {
        Ok(f) => f,
        Err(errors) => return Ok(show(ctx, None, errors, "stock")),
    };
    let actor = Actor(ctx.user.fields.username.clone());
    match s.app.import_stock(&name, &bytes, &actor).await {
        Ok(r) => Ok(show(
            ctx,
            Some(Outcome::of("imports.stock", name, r)),
            FormErrors::default(),
            "",
        )),
        Err(e) => match FormErrors::from_app(e) {
            Ok(errors) => Ok(show(ctx, None, errors, "stock")),
            Err(e) => Err(PageError(ctx.lang, e, uri)),
        },
    }
}

/// An empty opening-stock sheet with the headers the import reads (CSV, UTF-8 with BOM so
/// Excel opens it as UTF-8).
async fn stock_template() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"jxc-stock-template.csv\"",
            ),
        ],
        "\u{feff}仓库编码,库位,商家编码,批次号,生产日期,到期日期,数量,单位成本\r\n",
    )
        .into_response()
}
