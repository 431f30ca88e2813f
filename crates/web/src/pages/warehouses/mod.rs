//! 仓库与库位: the warehouse list, a warehouse with its locations, and the forms to add
//! and change both. A user limited to some warehouses sees only those.

mod locations;
mod warehouse_form;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::inventory::require_warehouse;
use jxc_core::ids::WarehouseId;
use jxc_core::permissions::Action;
use jxc_core::users::User;
use jxc_core::warehouses::{Warehouse, WarehouseKind};
use jxc_store::ListFilter;

use super::forms::all_pages;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render};
use crate::AppState;
use crate::guard::{Routes, Surface};
use locations::{create_location, edit_location, new_location, update_location};
use warehouse_form::{create, edit_form, new_form, update};

pub fn routes() -> Routes {
    use Action::{WarehousesEdit, WarehousesView};
    Routes::new(Surface::Page, "")
        .get("/warehouses", WarehousesView, list)
        .get("/warehouses/export.xlsx", WarehousesView, export)
        .get("/warehouses/new", WarehousesEdit, new_form)
        .post("/warehouses", WarehousesEdit, create)
        .get("/warehouses/{id}", WarehousesView, detail)
        .get("/warehouses/{id}/edit", WarehousesEdit, edit_form)
        .post("/warehouses/{id}", WarehousesEdit, update)
        .get(
            "/warehouses/{id}/locations/new",
            WarehousesEdit,
            new_location,
        )
        .post(
            "/warehouses/{id}/locations",
            WarehousesEdit,
            create_location,
        )
        .get("/locations/{id}/edit", WarehousesEdit, edit_location)
        .post("/locations/{id}", WarehousesEdit, update_location)
}

/// Every warehouse `user` may see, by code: for the warehouse selects of the stock pages.
pub(super) async fn visible_warehouses(
    s: &AppState,
    user: &User,
) -> Result<Vec<Warehouse>, jxc_app::Error> {
    let f = ListFilter::default().within(&user.fields.warehouse_ids);
    all_pages(|p| {
        let (app, f) = (s.app.clone(), f.clone());
        async move { app.warehouses(&f, &p).await }
    })
    .await
}

/// The message key of a warehouse kind.
pub(super) fn kind_key(k: WarehouseKind) -> &'static str {
    match k {
        WarehouseKind::Own => "warehouses.kind.own",
        WarehouseKind::ThirdParty => "warehouses.kind.3pl",
        WarehouseKind::Overseas => "warehouses.kind.overseas",
        WarehouseKind::Store => "warehouses.kind.store",
    }
}

const KINDS: [WarehouseKind; 4] = [
    WarehouseKind::Own,
    WarehouseKind::ThirdParty,
    WarehouseKind::Overseas,
    WarehouseKind::Store,
];

// ------------------------------------------------------------------------------------
// The list
// ------------------------------------------------------------------------------------

struct WarehouseRow {
    id: i64,
    code: String,
    name: String,
    kind: &'static str,
    region: String,
    priority: i64,
    capacity: i64,
    active: bool,
}

fn row(w: &Warehouse) -> WarehouseRow {
    let f = &w.fields;
    WarehouseRow {
        id: w.id.0,
        code: f.code.clone(),
        name: f.name.clone(),
        kind: kind_key(f.kind),
        region: [f.province.as_str(), f.city.as_str(), f.district.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        priority: f.priority,
        capacity: f.daily_capacity,
        active: f.active,
    }
}

#[derive(Template)]
#[template(path = "warehouses/list.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<WarehouseRow>,
    next: Option<String>,
    errors: FormErrors,
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let u = ListUrl::new(uri.path(), uri.query());
    let result = async {
        let f = u.filter(None)?.within(&ctx.user.fields.warehouse_ids);
        let p = s.app.warehouses(&f, &u.page()?).await?;
        Ok::<_, jxc_app::Error>(p)
    }
    .await;
    let (rows, next, errors) = match result {
        Ok(p) => (
            p.items.iter().map(row).collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(e) => (
            Vec::new(),
            None,
            FormErrors::from_app(e).map_err(|e| PageError(ctx.lang, e, uri.clone()))?,
        ),
    };
    Ok(render(&ListPage {
        ctx,
        u,
        rows,
        next,
        errors,
    }))
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let u = ListUrl::new("/warehouses", uri.query());
    let e = |e| PageError(ctx.lang, e, uri.clone());
    let filter = u
        .filter(None)
        .map_err(e)?
        .within(&ctx.user.fields.warehouse_ids);
    let bytes = s
        .app
        .export_warehouses(&filter, |w| ctx.user.sees_warehouse(w.id))
        .await
        .map_err(e)?;
    Ok(crate::api::admin::xlsx("warehouses", bytes).into_response())
}

// ------------------------------------------------------------------------------------
// One warehouse and its locations
// ------------------------------------------------------------------------------------

struct LocationRow {
    id: i64,
    code: String,
    zone: String,
    pick_seq: i64,
    active: bool,
    is_default: bool,
}

#[derive(Template)]
#[template(path = "warehouses/detail.html")]
struct DetailPage {
    ctx: Ctx,
    w: WarehouseRow,
    address: String,
    u: ListUrl,
    locations: Vec<LocationRow>,
    next: Option<String>,
    errors: FormErrors,
    notice: &'static str,
}

/// The warehouse `id`, if the user may see it.
async fn seen_warehouse(s: &AppState, ctx: &Ctx, id: i64) -> Result<Warehouse, jxc_app::Error> {
    let w = s.app.warehouse(WarehouseId(id)).await?;
    require_warehouse(&ctx.user, w.id)?;
    Ok(w)
}

async fn detail(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let e = |e| PageError(ctx.lang, e, uri.clone());
    let w = seen_warehouse(&s, &ctx, id).await.map_err(e)?;
    let u = ListUrl::new(uri.path(), uri.query());
    let notice = match u.get("ok") {
        "saved" => ctx.tr("form.saved"),
        _ => "",
    };
    let result = async {
        let f = u.filter(Some(w.id.0))?;
        s.app.locations(&f, &u.page()?).await
    }
    .await;
    let (locations, next, errors) = match result {
        Ok(p) => (
            p.items
                .iter()
                .map(|l| LocationRow {
                    id: l.id.0,
                    code: l.fields.code.clone(),
                    zone: l.fields.zone.clone(),
                    pick_seq: l.fields.pick_seq,
                    active: l.fields.active,
                    is_default: l.id == w.default_location,
                })
                .collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(err) => (Vec::new(), None, FormErrors::from_app(err).map_err(e)?),
    };
    Ok(render(&DetailPage {
        w: row(&w),
        address: w.fields.address.clone(),
        u,
        locations,
        next,
        errors,
        notice,
        ctx,
    }))
}
