//! 平台商品匹配: which SKU or bundle a shop's platform item (and platform SKU) is. The
//! list (by shop, q, status), the create and edit forms (the target by its code), export.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::FieldError;
use jxc_core::catalog::{Listing, ListingInput};
use jxc_core::ids::{ListingId, SkuId};
use jxc_core::partners::Shop;
use jxc_core::permissions::Action;
use jxc_store::ListFilter;

use crate::AppState;
use crate::guard::{Routes, Surface};
use crate::pages::forms::{Sent, actor, all_pages, err, form_status, notice};
use crate::pages::list::ListUrl;
use crate::pages::{Ctx, FormErrors, PageError, render, see_other};

pub fn routes() -> Routes {
    use Action::{CatalogEdit, CatalogView};
    Routes::new(Surface::Page, "")
        .get("/listings", CatalogView, list)
        .get("/listings/export.xlsx", CatalogView, export)
        .get("/listings/new", CatalogEdit, new_form)
        .post("/listings/new", CatalogEdit, create)
        .get("/listings/{id}/edit", CatalogEdit, edit_form)
        .post("/listings/{id}/edit", CatalogEdit, update)
}

/// Every shop (for names and the shop choice), by code.
async fn all_shops(s: &AppState) -> Result<Vec<Shop>, jxc_app::Error> {
    let filter = ListFilter::default();
    all_pages(|p| {
        let (app, filter) = (s.app.clone(), filter.clone());
        async move { app.shops(&filter, &p).await }
    })
    .await
}

/// The code and name of SKUs by id, read once each.
#[derive(Default)]
struct SkuNames(HashMap<i64, (String, String)>);

impl SkuNames {
    async fn get(&mut self, s: &AppState, id: SkuId) -> Result<(String, String), jxc_app::Error> {
        if let Some(v) = self.0.get(&id.0) {
            return Ok(v.clone());
        }
        let v = match s.app.sku(id).await {
            Ok(sku) => (sku.fields.code, sku.fields.name),
            Err(jxc_app::Error::NotFound { .. }) => (format!("#{}", id.0), String::new()),
            Err(e) => return Err(e),
        };
        self.0.insert(id.0, v.clone());
        Ok(v)
    }
}

struct Row {
    id: i64,
    shop: String,
    platform_item_id: String,
    platform_sku_id: String,
    outer_code: String,
    title: String,
    sku_id: i64,
    sku_code: String,
    sku_name: String,
    active: bool,
}

async fn rows(
    s: &AppState,
    shops: &[Shop],
    items: &[Listing],
    names: &mut SkuNames,
) -> Result<Vec<Row>, jxc_app::Error> {
    let mut out = Vec::new();
    for l in items {
        let f = &l.fields;
        let (sku_code, sku_name) = names.get(s, f.sku_id).await?;
        out.push(Row {
            id: l.id.0,
            shop: shops
                .iter()
                .find(|x| x.id == f.shop_id)
                .map(|x| x.fields.name.clone())
                .unwrap_or_else(|| format!("#{}", f.shop_id.0)),
            platform_item_id: f.platform_item_id.clone(),
            platform_sku_id: f.platform_sku_id.clone(),
            outer_code: f.outer_code.clone(),
            title: f.title.clone(),
            sku_id: f.sku_id.0,
            sku_code,
            sku_name,
            active: f.active,
        });
    }
    Ok(out)
}

/// A shop as a choice: id, name, chosen.
struct ShopChoice {
    id: String,
    name: String,
    chosen: bool,
}

fn choices(shops: &[Shop], chosen: &str) -> Vec<ShopChoice> {
    shops
        .iter()
        .map(|x| ShopChoice {
            id: x.id.0.to_string(),
            name: format!("{} {}", x.fields.code, x.fields.name),
            chosen: x.id.0.to_string() == chosen,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "catalog/listings.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    shops: Vec<ShopChoice>,
    rows: Vec<Row>,
    next: Option<String>,
    errors: FormErrors,
    notice: &'static str,
}

/// The listing filter, limited to the shops the user may see.
fn listing_filter(u: &ListUrl, ctx: &Ctx) -> Result<ListFilter, jxc_app::Error> {
    Ok(u.filter(u.id("shop_id")?)?.under(&ctx.user.fields.shop_ids))
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new(uri.path(), uri.query());
    let shops = all_shops(&s).await.map_err(&e)?;
    let found = async { s.app.listings(&listing_filter(&u, &ctx)?, &u.page()?).await }.await;
    let (items, next, errors) = match found {
        Ok(p) => (p.items, p.next, FormErrors::default()),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let rows = rows(&s, &shops, &items, &mut SkuNames::default())
        .await
        .map_err(&e)?;
    let notice = notice(
        uri.query(),
        &[
            ("created", ctx.tr("listing.created")),
            ("saved", ctx.tr("listing.saved")),
        ],
    );
    let page = ListPage {
        shops: choices(&shops, u.get("shop_id")),
        rows,
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
    let filter = listing_filter(&u, &ctx).map_err(&e)?;
    let shops = all_shops(&s).await.map_err(&e)?;
    let items = all_pages(|p| {
        let (app, filter) = (s.app.clone(), filter.clone());
        async move { app.listings(&filter, &p).await }
    })
    .await
    .map_err(&e)?;
    let rows = rows(&s, &shops, &items, &mut SkuNames::default())
        .await
        .map_err(&e)?
        .into_iter()
        .map(|r| {
            vec![
                Cell::text(&r.shop),
                Cell::text(&r.platform_item_id),
                Cell::text(&r.platform_sku_id),
                Cell::text(&r.outer_code),
                Cell::text(&r.title),
                Cell::text(&r.sku_code),
                Cell::text(&r.sku_name),
                yes_no(r.active),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("nav.listings"),
        &[
            (t.get("listing.shop"), 16),
            (t.get("listing.platform_item_id"), 20),
            (t.get("listing.platform_sku_id"), 20),
            (t.get("listing.outer_code"), 18),
            (t.get("listing.item_title"), 36),
            (t.get("sku.code"), 22),
            (t.get("sku.name"), 36),
            (t.get("field.active"), 8),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("listings", bytes).into_response())
}

/// The listing form's fields as text.
#[derive(Default)]
struct ListingForm {
    shop_id: String,
    platform_item_id: String,
    platform_sku_id: String,
    outer_code: String,
    title: String,
    sku_code: String,
    active: bool,
}

impl ListingForm {
    fn sent(s: &Sent, new: bool) -> ListingForm {
        ListingForm {
            shop_id: s.val("shop_id"),
            platform_item_id: s.val("platform_item_id"),
            platform_sku_id: s.val("platform_sku_id"),
            outer_code: s.val("outer_code"),
            title: s.val("title"),
            sku_code: s.val("sku_code"),
            active: new || s.checked("active"),
        }
    }

    /// The input the form means: the shop by id, the SKU by its code.
    async fn input(
        &self,
        s: &AppState,
        ctx: &Ctx,
        new: bool,
    ) -> Result<ListingInput, jxc_app::Error> {
        let mut errors = Vec::new();
        let shop_id = match self.shop_id.trim() {
            "" => None,
            v => match v.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError::new("shop_id", "不是编号 / not an id"));
                    None
                }
            },
        };
        let code = self.sku_code.trim();
        let sku_id = if code.is_empty() {
            None
        } else {
            match s.app.store.get_sku_by_code(code).await? {
                Some(sku) => Some(sku.id.0),
                None => {
                    errors.push(FieldError::new(
                        "sku_id",
                        format!("{} “{code}”", ctx.tr("listing.unknown_sku")),
                    ));
                    None
                }
            }
        };
        let input = ListingInput {
            shop_id,
            platform_item_id: Some(self.platform_item_id.clone()),
            platform_sku_id: Some(self.platform_sku_id.clone()),
            outer_code: Some(self.outer_code.clone()),
            title: Some(self.title.clone()),
            sku_id,
            active: if new { None } else { Some(self.active) },
        };
        if !errors.is_empty() {
            // Report the other fields' problems with these (the SKU and shop are fine
            // for that check: their own errors are already listed).
            let probe = ListingInput {
                shop_id: Some(shop_id.unwrap_or(0)),
                sku_id: Some(sku_id.unwrap_or(0)),
                ..input.clone()
            };
            if let Err(jxc_core::Error::Invalid(more)) =
                jxc_core::catalog::NewListing::merge(None, &probe)
            {
                errors.extend(more);
            }
            return Err(jxc_app::Error::Invalid(errors));
        }
        Ok(input)
    }
}

#[derive(Template)]
#[template(path = "catalog/listing_form.html")]
struct FormPage {
    ctx: Ctx,
    id: Option<i64>,
    f: ListingForm,
    shops: Vec<ShopChoice>,
    errors: FormErrors,
}

async fn form_page(
    s: &AppState,
    ctx: Ctx,
    id: Option<i64>,
    f: ListingForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let shops = all_shops(s)
        .await
        .map_err(err(&ctx, &"/listings".parse().unwrap_or_default()))?;
    let status = form_status(&errors);
    let page = FormPage {
        shops: choices(&shops, &f.shop_id),
        id,
        f,
        errors,
        ctx,
    };
    Ok((status, render(&page)).into_response())
}

async fn new_form(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    // Coming from a shop's filtered list: that shop is chosen.
    let u = ListUrl::new(uri.path(), uri.query());
    let f = ListingForm {
        shop_id: u.get("shop_id").to_string(),
        active: true,
        ..Default::default()
    };
    form_page(&s, ctx, None, f, FormErrors::default()).await
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let f = ListingForm::sent(&Sent(sent), true);
    let saved = async {
        let input = f.input(&s, &ctx, true).await?;
        s.app.create_listing(&input, &actor(&ctx)).await
    }
    .await;
    match saved {
        Ok(_) => Ok(see_other("/listings?ok=created")),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            form_page(&s, ctx, None, f, errors).await
        }
    }
}

async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let l = s.app.listing(ListingId(id)).await.map_err(&e)?;
    let (sku_code, _) = SkuNames::default()
        .get(&s, l.fields.sku_id)
        .await
        .map_err(&e)?;
    let f = ListingForm {
        shop_id: l.fields.shop_id.0.to_string(),
        platform_item_id: l.fields.platform_item_id,
        platform_sku_id: l.fields.platform_sku_id,
        outer_code: l.fields.outer_code,
        title: l.fields.title,
        sku_code,
        active: l.fields.active,
    };
    form_page(&s, ctx, Some(id), f, FormErrors::default()).await
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    s.app
        .listing(ListingId(id))
        .await
        .map_err(err(&ctx, &uri))?;
    let f = ListingForm::sent(&Sent(sent), false);
    let saved = async {
        let input = f.input(&s, &ctx, false).await?;
        s.app
            .update_listing(ListingId(id), &input, &actor(&ctx))
            .await
    }
    .await;
    match saved {
        Ok(_) => Ok(see_other("/listings?ok=saved")),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            form_page(&s, ctx, Some(id), f, errors).await
        }
    }
}
