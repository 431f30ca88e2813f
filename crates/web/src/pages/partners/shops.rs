//! 店铺: list, create, edit, export. A shop's platform credentials are write-only here:
//! pages say only whether they are set; the form's credentials box, left empty, keeps
//! the stored ones, and what was typed in it is never sent back to the browser.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use jxc_core::FieldError;
use jxc_core::ids::ShopId;
use jxc_core::partners::{NewShop, Platform, Shop, ShopInput};
use jxc_core::permissions::Action;

use crate::AppState;
use crate::guard::{Routes, Surface};
use crate::pages::channels::{SyncView, sync_view};
use crate::pages::forms::{Sent, actor, all_pages, err, form_status, notice};
use crate::pages::list::ListUrl;
use crate::pages::{Ctx, FormErrors, PageError, render, see_other};

pub fn routes() -> Routes {
    use Action::{PartnersView, ShopsEdit};
    Routes::new(Surface::Page, "")
        .get("/shops", PartnersView, list)
        .get("/shops/export.xlsx", PartnersView, export)
        .get("/shops/new", ShopsEdit, new_form)
        .post("/shops/new", ShopsEdit, create)
        .get("/shops/{id}/edit", ShopsEdit, edit_form)
        .post("/shops/{id}/edit", ShopsEdit, update)
}

/// The message key of a platform's name.
fn platform_key(p: Platform) -> &'static str {
    match p {
        Platform::Taobao => "shop.platform.taobao",
        Platform::Tmall => "shop.platform.tmall",
        Platform::Jd => "shop.platform.jd",
        Platform::Pdd => "shop.platform.pdd",
        Platform::Douyin => "shop.platform.douyin",
        Platform::Shopify => "shop.platform.shopify",
        Platform::Woocommerce => "shop.platform.woocommerce",
        Platform::Manual => "shop.platform.manual",
    }
}

struct Row {
    id: i64,
    code: String,
    name: String,
    platform: &'static str,
    has_credentials: bool,
    active: bool,
}

fn row(ctx: &Ctx, s: &Shop) -> Row {
    Row {
        id: s.id.0,
        code: s.fields.code.clone(),
        name: s.fields.name.clone(),
        platform: ctx.t.get(platform_key(s.fields.platform)),
        has_credentials: s.has_credentials,
        active: s.fields.active,
    }
}

#[derive(Template)]
#[template(path = "partners/shops.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<Row>,
    next: Option<String>,
    errors: FormErrors,
    notice: &'static str,
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let u = ListUrl::new(uri.path(), uri.query());
    let found = async {
        let f = u.filter(None)?.within(&ctx.user.fields.shop_ids);
        s.app.shops(&f, &u.page()?).await
    }
    .await;
    let (items, next, errors) = match found {
        Ok(p) => (p.items, p.next, FormErrors::default()),
        Err(e) => (
            vec![],
            None,
            FormErrors::from_app(e).map_err(err(&ctx, &uri))?,
        ),
    };
    let notice = notice(
        uri.query(),
        &[
            ("created", ctx.tr("partner.created")),
            ("saved", ctx.tr("partner.saved")),
        ],
    );
    let page = ListPage {
        rows: items.iter().map(|x| row(&ctx, x)).collect(),
        next,
        errors,
        notice,
        u,
        ctx,
    };
    Ok(render(&page))
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    use jxc_app::exports::{Cell, workbook, yes_no};
    let e = err(&ctx, &uri);
    let u = ListUrl::new(uri.path().trim_end_matches("/export.xlsx"), uri.query());
    let filter = u
        .filter(None)
        .map_err(&e)?
        .within(&ctx.user.fields.shop_ids);
    let items = all_pages(|p| {
        let (app, filter) = (s.app.clone(), filter.clone());
        async move { app.shops(&filter, &p).await }
    })
    .await
    .map_err(&e)?;
    let rows = items
        .iter()
        .map(|x| {
            let r = row(&ctx, x);
            vec![
                Cell::text(&r.code),
                Cell::text(&r.name),
                Cell::text(r.platform),
                yes_no(r.has_credentials),
                yes_no(r.active),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("nav.shops"),
        &[
            (t.get("field.code"), 16),
            (t.get("field.name"), 30),
            (t.get("shop.platform"), 12),
            (t.get("shop.credentials"), 10),
            (t.get("field.active"), 8),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("shops", bytes).into_response())
}

/// The shop form's fields as text. The credentials are not here: they are never shown.
#[derive(Default)]
struct ShopForm {
    code: String,
    name: String,
    platform: String,
    active: bool,
    /// Whether credentials are stored (edit only).
    has_credentials: bool,
}

#[derive(Template)]
#[template(path = "partners/shop_form.html")]
struct FormPage {
    ctx: Ctx,
    id: Option<i64>,
    f: ShopForm,
    platforms: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    /// The 平台同步 section (edit only).
    sync: Option<SyncView>,
}

fn form_page(ctx: Ctx, id: Option<i64>, f: ShopForm, errors: FormErrors) -> Response {
    form_page_with(ctx, id, f, errors, None)
}

fn form_page_with(
    ctx: Ctx,
    id: Option<i64>,
    f: ShopForm,
    errors: FormErrors,
    sync: Option<SyncView>,
) -> Response {
    let status = form_status(&errors);
    let platforms = Platform::ALL
        .iter()
        .map(|p| (p.as_str(), ctx.t.get(platform_key(*p))))
        .collect();
    let page = FormPage {
        id,
        f,
        platforms,
        errors,
        sync,
        ctx,
    };
    (status, render(&page)).into_response()
}

/// What the form means. Empty credentials: keep the stored ones.
fn input(ctx: &Ctx, s: &Sent, new: bool) -> Result<ShopInput, jxc_app::Error> {
    let raw = s.val("credentials");
    let parsed = match raw.trim() {
        "" => Ok(None),
        t => serde_json::from_str::<serde_json::Value>(t)
            .map(Some)
            .map_err(|_| FieldError::new("credentials", ctx.tr("shop.credentials_invalid"))),
    };
    let input = ShopInput {
        code: Some(s.val("code")),
        name: Some(s.val("name")),
        platform: Some(s.val("platform")),
        credentials: parsed.clone().unwrap_or(None),
        active: if new { None } else { Some(s.checked("active")) },
    };
    match parsed {
        Ok(_) => Ok(input),
        Err(bad) => {
            // Report the other fields' problems with it.
            let mut errors = vec![bad];
            if let Err(jxc_core::Error::Invalid(more)) = NewShop::merge(None, &input) {
                errors.extend(more);
            }
            Err(jxc_app::Error::Invalid(errors))
        }
    }
}

fn sent_form(s: &Sent, new: bool, has_credentials: bool) -> ShopForm {
    ShopForm {
        code: s.val("code"),
        name: s.val("name"),
        platform: s.val("platform"),
        active: new || s.checked("active"),
        has_credentials,
    }
}

async fn new_form(ctx: Ctx) -> Response {
    let f = ShopForm {
        platform: Platform::Manual.as_str().into(),
        active: true,
        ..Default::default()
    };
    form_page(ctx, None, f, FormErrors::default())
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let saved = async {
        s.app
            .create_shop(&input(&ctx, &sent, true)?, &actor(&ctx))
            .await
    }
    .await;
    match saved {
        Ok(_) => Ok(see_other("/shops?ok=created")),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            Ok(form_page(ctx, None, sent_form(&sent, true, false), errors))
        }
    }
}

async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let shop = s.app.shop(ShopId(id)).await.map_err(err(&ctx, &uri))?;
    let f = ShopForm {
        code: shop.fields.code.clone(),
        name: shop.fields.name.clone(),
        platform: shop.fields.platform.as_str().into(),
        active: shop.fields.active,
        has_credentials: shop.has_credentials,
    };
    // The sync section needs the shop to be one of the user's; without it the form
    // shows no section rather than failing.
    let sync = match sync_view(&s, &ctx, &shop, &headers, uri.query(), "edit").await {
        Ok(v) => Some(v),
        Err(jxc_app::Error::Forbidden(_)) => None,
        Err(e) => return Err(err(&ctx, &uri)(e)),
    };
    Ok(form_page_with(
        ctx,
        Some(id),
        f,
        FormErrors::default(),
        sync,
    ))
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let current = s.app.shop(ShopId(id)).await.map_err(err(&ctx, &uri))?;
    let sent = Sent(sent);
    let saved = async {
        s.app
            .update_shop(ShopId(id), &input(&ctx, &sent, false)?, &actor(&ctx))
            .await
    }
    .await;
    match saved {
        Ok(_) => Ok(see_other("/shops?ok=saved")),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            let f = sent_form(&sent, false, current.has_credentials);
            Ok(form_page(ctx, Some(id), f, errors))
        }
    }
}
