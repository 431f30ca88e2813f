//! 导入订单: an order file for one of the user's shops — the Taobao 订单报表 (with its
//! 宝贝报表 for the lines, optional) or jxc's own template — shown back as a report: how
//! many orders were created, changed, unchanged and held, every bad row with its row,
//! field and reason, and links to the orders. Importing the same file again changes
//! nothing.
//!
//! The upload is multipart, so it carries the CSRF token in the query string.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use jxc_app::imports::RowError;
use jxc_app::orders::{OrderFile, OrderImportReport};
use jxc_core::FieldError;
use jxc_core::ids::ShopId;

use super::super::forms::{actor, err};
use super::super::list::ListUrl;
use super::super::{Ctx, FormErrors, PageError, render};
use super::{ReasonTag, ShopOption, reason_tag, state_class, state_key, visible_shops};
use crate::AppState;

/// Orders of a report shown with their platform id and holds; the rest are counted.
const SHOWN: usize = 100;

struct ImportedOrder {
    id: i64,
    platform_order_id: String,
    state_key: &'static str,
    state_class: &'static str,
    holds: Vec<ReasonTag>,
}

struct Report {
    file_name: String,
    total: usize,
    created: usize,
    changed: usize,
    unchanged: usize,
    held: usize,
    /// Rows with at least one error.
    failed: usize,
    errors: Vec<RowError>,
    orders: Vec<ImportedOrder>,
    /// Orders imported but not listed here.
    more: usize,
    /// The order list of the shop.
    list_href: String,
}

#[derive(Template)]
#[template(path = "orders/import.html")]
struct ImportPage {
    ctx: Ctx,
    shops: Vec<ShopOption>,
    shop_id: String,
    format: String,
    report: Option<Report>,
    errors: FormErrors,
}

async fn show(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    shop_id: String,
    format: String,
    report: Option<Report>,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let shops = visible_shops(s, &ctx).await.map_err(err(&ctx, uri))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ImportPage {
        ctx,
        shops,
        shop_id,
        format,
        report,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

pub(super) async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let u = ListUrl::new(uri.path(), uri.query());
    let shop = u.get("shop_id").to_string();
    let format = u.opt("format").unwrap_or_else(|| "taobao".into());
    show(&s, ctx, &uri, shop, format, None, FormErrors::default()).await
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    shop_id: String,
    format: String,
    file: Option<(String, Vec<u8>)>,
    lines: Option<(String, Vec<u8>)>,
}

async fn read_upload(ctx: &Ctx, mut form: Multipart) -> Result<Upload, FormErrors> {
    let bad =
        |field: &str, key: &'static str| FormErrors(vec![FieldError::new(field, ctx.tr(key))]);
    let mut up = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(bad("file", "orders.import.unreadable")),
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" | "lines" => {
                let file_name = field.file_name().unwrap_or("upload.csv").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| bad(&name, "orders.import.unreadable"))?;
                if !bytes.is_empty() {
                    let f = Some((file_name, bytes.to_vec()));
                    if name == "file" {
                        up.file = f;
                    } else {
                        up.lines = f;
                    }
                }
            }
            "shop_id" | "format" => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| bad(&name, "orders.import.unreadable"))?;
                if name == "shop_id" {
                    up.shop_id = text.trim().to_string();
                } else {
                    up.format = text.trim().to_string();
                }
            }
            _ => {}
        }
    }
    Ok(up)
}

async fn report(
    s: &AppState,
    ctx: &Ctx,
    shop: ShopId,
    file_name: String,
    r: OrderImportReport,
) -> Report {
    let mut rows: Vec<usize> = r.errors.iter().map(|e| e.row).filter(|n| *n > 0).collect();
    rows.dedup();
    let mut orders = Vec::new();
    for id in r.order_ids.iter().take(SHOWN) {
        if let Ok(Some(o)) = s.app.store.get_order(*id).await {
            let mut holds: Vec<_> = o.live_holds().map(|h| h.reason).collect();
            holds.sort();
            holds.dedup();
            orders.push(ImportedOrder {
                id: id.0,
                platform_order_id: o.order.platform_order_id.clone(),
                state_key: state_key(o.state),
                state_class: state_class(o.state),
                holds: holds.into_iter().map(|h| reason_tag(ctx, h)).collect(),
            });
        }
    }
    Report {
        file_name,
        total: r.total_rows,
        created: r.created,
        changed: r.changed,
        unchanged: r.unchanged,
        held: r.held,
        failed: rows.len(),
        errors: r.errors,
        more: r.order_ids.len().saturating_sub(orders.len()),
        orders,
        list_href: format!("/orders?shop_id={}", shop.0),
    }
}

pub(super) async fn upload(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    form: Multipart,
) -> Result<Response, PageError> {
    let up = match read_upload(&ctx, form).await {
        Ok(up) => up,
        Err(errors) => {
            return show(&s, ctx, &uri, String::new(), "taobao".into(), None, errors).await;
        }
    };
    let (shop_text, format) = (up.shop_id.clone(), up.format.clone());
    let mut errors = Vec::new();
    let shop = match up.shop_id.parse::<i64>() {
        Ok(id) => Some(ShopId(id)),
        Err(_) => {
            errors.push(FieldError::new("shop_id", ctx.tr("orders.import.no_shop")));
            None
        }
    };
    let kind = match up.format.as_str() {
        "taobao" => Some(OrderFile::Taobao),
        "template" => Some(OrderFile::Template),
        _ => {
            errors.push(FieldError::new("format", ctx.tr("orders.import.no_format")));
            None
        }
    };
    if up.file.is_none() {
        errors.push(FieldError::new("file", ctx.tr("orders.import.no_file")));
    }
    let (Some(shop), Some(kind), Some((name, bytes))) = (shop, kind, up.file) else {
        return show(&s, ctx, &uri, shop_text, format, None, FormErrors(errors)).await;
    };
    // Only the user's shops: asking for another is refused, not imported.
    jxc_app::partners::require_shop(&ctx.user, shop).map_err(err(&ctx, &uri))?;
    let lines = match kind {
        OrderFile::Taobao => up.lines,
        OrderFile::Template => None,
    };
    let result = s
        .app
        .import_order_file(
            shop,
            kind,
            (&name, &bytes),
            lines.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())),
            &actor(&ctx),
        )
        .await;
    match result {
        Ok(r) => {
            let rep = report(&s, &ctx, shop, name, r).await;
            show(
                &s,
                ctx,
                &uri,
                shop_text,
                format,
                Some(rep),
                FormErrors::default(),
            )
            .await
        }
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(err(&ctx, &uri))?;
            show(&s, ctx, &uri, shop_text, format, None, errors).await
        }
    }
}

/// A blank order template: the header row the import reads (CSV, UTF-8 with BOM so Excel
/// opens it as UTF-8).
pub(super) async fn template() -> Response {
    let headers = jxc_app::imports::orders::template_headers().join(",");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"jxc-order-template.csv\"",
            ),
        ],
        format!("\u{feff}{headers}\r\n"),
    )
        .into_response()
}
