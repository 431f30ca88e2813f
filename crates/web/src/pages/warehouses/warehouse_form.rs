//! The warehouse form: new and edit; errors come back next to their fields (422).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::warehouses::{NewWarehouse, WarehouseInput};
use serde::Deserialize;

use super::super::{Ctx, FormErrors, PageError, render, see_other};
use super::{KINDS, kind_key, seen_warehouse};
use crate::AppState;
use crate::pages::forms::{actor, form_status};

/// The warehouse form as typed (refilled when it comes back with errors).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WarehouseForm {
    code: String,
    name: String,
    kind: String,
    province: String,
    city: String,
    district: String,
    address: String,
    priority: String,
    daily_capacity: String,
    active: Option<String>,
}

impl WarehouseForm {
    fn of(w: &NewWarehouse) -> WarehouseForm {
        WarehouseForm {
            code: w.code.clone(),
            name: w.name.clone(),
            kind: w.kind.as_str().to_string(),
            province: w.province.clone(),
            city: w.city.clone(),
            district: w.district.clone(),
            address: w.address.clone(),
            priority: w.priority.to_string(),
            daily_capacity: w.daily_capacity.to_string(),
            active: w.active.then(|| "1".to_string()),
        }
    }

    /// The input, or every field error at once (numbers and the rest).
    fn input(&self) -> Result<WarehouseInput, FormErrors> {
        let mut errors = Vec::new();
        let mut int = |field: &str, s: &str| -> Option<i64> {
            if s.trim().is_empty() {
                return Some(0);
            }
            jxc_core::text::integer(field, s)
                .map_err(|e| errors.push(e))
                .ok()
        };
        let priority = int("priority", &self.priority);
        let daily_capacity = int("daily_capacity", &self.daily_capacity);
        let input = WarehouseInput {
            code: Some(self.code.clone()),
            name: Some(self.name.clone()),
            kind: Some(self.kind.clone()),
            province: Some(self.province.clone()),
            city: Some(self.city.clone()),
            district: Some(self.district.clone()),
            address: Some(self.address.clone()),
            priority,
            daily_capacity,
            active: Some(self.active.is_some()),
        };
        if errors.is_empty() {
            return Ok(input);
        }
        if let Err(jxc_core::Error::Invalid(more)) = NewWarehouse::merge(None, &input) {
            errors.extend(more);
        }
        Err(FormErrors(errors))
    }
}

#[derive(Template)]
#[template(path = "warehouses/form.html")]
struct WarehouseFormPage {
    ctx: Ctx,
    /// 0 for a new warehouse.
    id: i64,
    f: WarehouseForm,
    kinds: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
}

fn form_page(ctx: Ctx, id: i64, f: WarehouseForm, errors: FormErrors) -> Response {
    let status = form_status(&errors);
    let kinds = KINDS.iter().map(|k| (k.as_str(), kind_key(*k))).collect();
    (
        status,
        render(&WarehouseFormPage {
            ctx,
            id,
            f,
            kinds,
            errors,
        }),
    )
        .into_response()
}

pub(super) async fn new_form(ctx: Ctx) -> Response {
    let f = WarehouseForm {
        kind: "own".into(),
        priority: "0".into(),
        daily_capacity: "0".into(),
        active: Some("1".into()),
        ..Default::default()
    };
    form_page(ctx, 0, f, FormErrors::default())
}

pub(super) async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(f): Form<WarehouseForm>,
) -> Result<Response, PageError> {
    let input = match f.input() {
        Ok(i) => i,
        Err(errors) => return Ok(form_page(ctx, 0, f, errors)),
    };
    match s.app.create_warehouse(&input, &actor(&ctx)).await {
        Ok(w) => Ok(see_other(&format!("/warehouses/{}?ok=saved", w.id.0))),
        Err(e) => match FormErrors::from_app(e) {
            Ok(errors) => Ok(form_page(ctx, 0, f, errors)),
            Err(e) => Err(PageError(ctx.lang, e, uri)),
        },
    }
}

pub(super) async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let w = seen_warehouse(&s, &ctx, id)
        .await
        .map_err(|e| PageError(ctx.lang, e, uri.clone()))?;
    Ok(form_page(
        ctx,
        id,
        WarehouseForm::of(&w.fields),
        FormErrors::default(),
    ))
}

pub(super) async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(f): Form<WarehouseForm>,
) -> Result<Response, PageError> {
    let w = seen_warehouse(&s, &ctx, id)
        .await
        .map_err(|e| PageError(ctx.lang, e, uri.clone()))?;
    let input = match f.input() {
        Ok(i) => i,
        Err(errors) => return Ok(form_page(ctx, id, f, errors)),
    };
    match s.app.update_warehouse(w.id, &input, &actor(&ctx)).await {
        Ok(_) => Ok(see_other(&format!("/warehouses/{id}?ok=saved"))),
        Err(e) => match FormErrors::from_app(e) {
            Ok(errors) => Ok(form_page(ctx, id, f, errors)),
            Err(e) => Err(PageError(ctx.lang, e, uri)),
        },
    }
}
