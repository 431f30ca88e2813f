//! The location form: new (in a warehouse) and edit; a taken code is reported next to
//! the code field (422).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::FieldError;
use jxc_core::ids::{LocationId, WarehouseId};
use jxc_core::warehouses::{Location, LocationInput, NewLocation, Warehouse};
use serde::Deserialize;

use super::super::{Ctx, FormErrors, PageError, render, see_other};
use super::{WarehouseRow, row, seen_warehouse};
use crate::AppState;
use crate::pages::forms::{actor, form_status};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct LocationForm {
    code: String,
    zone: String,
    pick_seq: String,
    active: Option<String>,
}

impl LocationForm {
    fn of(l: &NewLocation) -> LocationForm {
        LocationForm {
            code: l.code.clone(),
            zone: l.zone.clone(),
            pick_seq: l.pick_seq.to_string(),
            active: l.active.then(|| "1".to_string()),
        }
    }

    fn input(&self, warehouse: WarehouseId) -> Result<LocationInput, FormErrors> {
        let mut input = LocationInput {
            warehouse_id: Some(warehouse.0),
            code: Some(self.code.clone()),
            zone: Some(self.zone.clone()),
            pick_seq: None,
            active: Some(self.active.is_some()),
        };
        if self.pick_seq.trim().is_empty() {
            input.pick_seq = Some(0);
            return Ok(input);
        }
        match jxc_core::text::integer("pick_seq", &self.pick_seq) {
            Ok(n) => {
                input.pick_seq = Some(n);
                Ok(input)
            }
            Err(e) => {
                let mut errors: Vec<FieldError> = vec![e];
                if let Err(jxc_core::Error::Invalid(more)) = NewLocation::merge(None, &input) {
                    errors.extend(more);
                }
                Err(FormErrors(errors))
            }
        }
    }
}

#[derive(Template)]
#[template(path = "warehouses/location_form.html")]
struct LocationFormPage {
    ctx: Ctx,
    warehouse: WarehouseRow,
    /// 0 for a new location.
    id: i64,
    f: LocationForm,
    errors: FormErrors,
}

fn location_page(
    ctx: Ctx,
    w: &Warehouse,
    id: i64,
    f: LocationForm,
    errors: FormErrors,
) -> Response {
    let status = form_status(&errors);
    (
        status,
        render(&LocationFormPage {
            ctx,
            warehouse: row(w),
            id,
            f,
            errors,
        }),
    )
        .into_response()
}

pub(super) async fn new_location(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let w = seen_warehouse(&s, &ctx, id)
        .await
        .map_err(|e| PageError(ctx.lang, e, uri.clone()))?;
    let f = LocationForm {
        active: Some("1".into()),
        ..Default::default()
    };
    Ok(location_page(ctx, &w, 0, f, FormErrors::default()))
}

pub(super) async fn create_location(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(f): Form<LocationForm>,
) -> Result<Response, PageError> {
    let w = seen_warehouse(&s, &ctx, id)
        .await
        .map_err(|e| PageError(ctx.lang, e, uri.clone()))?;
    let input = match f.input(w.id) {
        Ok(i) => i,
        Err(errors) => return Ok(location_page(ctx, &w, 0, f, errors)),
    };
    match s.app.create_location(&input, &actor(&ctx)).await {
        Ok(_) => Ok(see_other(&format!("/warehouses/{id}?ok=saved"))),
        Err(e) => match FormErrors::from_app(e) {
            Ok(errors) => Ok(location_page(ctx, &w, 0, f, errors)),
            Err(e) => Err(PageError(ctx.lang, e, uri)),
        },
    }
}

/// The location `id` and its warehouse, if the user may see that warehouse.
async fn seen_location(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<(Location, Warehouse), jxc_app::Error> {
    let l = s.app.location(LocationId(id)).await?;
    let w = seen_warehouse(s, ctx, l.fields.warehouse_id.0).await?;
    Ok((l, w))
}

pub(super) async fn edit_location(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (l, w) = seen_location(&s, &ctx, id)
        .await
        .map_err(|e| PageError(ctx.lang, e, uri.clone()))?;
    let f = LocationForm::of(&l.fields);
    Ok(location_page(ctx, &w, id, f, FormErrors::default()))
}

pub(super) async fn update_location(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(f): Form<LocationForm>,
) -> Result<Response, PageError> {
    let (l, w) = seen_location(&s, &ctx, id)
        .await
        .map_err(|e| PageError(ctx.lang, e, uri.clone()))?;
    let input = match f.input(w.id) {
        Ok(i) => i,
        Err(errors) => return Ok(location_page(ctx, &w, id, f, errors)),
    };
    match s.app.update_location(l.id, &input, &actor(&ctx)).await {
        Ok(_) => Ok(see_other(&format!("/warehouses/{}?ok=saved", w.id.0))),
        Err(e) => match FormErrors::from_app(e) {
            Ok(errors) => Ok(location_page(ctx, &w, id, f, errors)),
            Err(e) => Err(PageError(ctx.lang, e, uri)),
        },
    }
}
