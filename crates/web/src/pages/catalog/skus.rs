//! 商品: the list (filters, sort, keyset pages, export), the detail page, the create and
//! edit forms, deactivate/activate, and the bundle components form ("商家编码 × 数量" lines).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::catalog::{BundleComponent, NewSku, Sku, SkuInput, Tracking, UNITS};
use jxc_core::ids::SkuId;
use jxc_core::money::Fen;
use jxc_core::permissions::Action;
use jxc_core::{FieldError, text};
use jxc_store::SkuFilter;

use crate::AppState;
use crate::guard::{Routes, Surface};
use crate::pages::forms::{Sent, actor, err, form_status, notice};
use crate::pages::list::ListUrl;
use crate::pages::{Ctx, FormErrors, PageError, render, see_other};

pub fn routes() -> Routes {
    use Action::{CatalogEdit, CatalogView};
    Routes::new(Surface::Page, "")
        .get("/skus", CatalogView, list)
        .get("/skus/export.xlsx", CatalogView, export)
        .get("/skus/new", CatalogEdit, new_form)
        .post("/skus/new", CatalogEdit, create)
        .get("/skus/{id}", CatalogView, detail)
        .get("/skus/{id}/edit", CatalogEdit, edit_form)
        .post("/skus/{id}/edit", CatalogEdit, update)
        .post("/skus/{id}/deactivate", CatalogEdit, deactivate)
        .post("/skus/{id}/activate", CatalogEdit, activate)
        .get("/skus/{id}/components", CatalogEdit, components_form)
        .post("/skus/{id}/components", CatalogEdit, save_components)
}

/// The message key of a tracking mode.
fn tracking_key(t: Tracking) -> &'static str {
    match t {
        Tracking::None => "sku.tracking.none",
        Tracking::Lot => "sku.tracking.lot",
        Tracking::LotExpiry => "sku.tracking.lot_expiry",
        Tracking::Serial => "sku.tracking.serial",
    }
}

const TRACKINGS: [Tracking; 4] = [
    Tracking::None,
    Tracking::Lot,
    Tracking::LotExpiry,
    Tracking::Serial,
];

/// The list's filter: q, category, brand, is_bundle, active, sort.
fn sku_filter(u: &ListUrl) -> Result<SkuFilter, jxc_app::Error> {
    let is_bundle = match u.get("is_bundle") {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    Ok(SkuFilter {
        list: u.filter(None)?,
        category: u.opt("category"),
        brand: u.opt("brand"),
        is_bundle,
    })
}

struct Row {
    id: i64,
    code: String,
    name: String,
    color_size: String,
    unit: String,
    barcodes: String,
    list_price: String,
    default_cost: String,
    category: String,
    brand: String,
    tracking: &'static str,
    active: bool,
    is_bundle: bool,
}

fn row(ctx: &Ctx, s: &Sku) -> Row {
    let f = &s.fields;
    let color_size = [f.color.as_str(), f.size.as_str()]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    Row {
        id: s.id.0,
        code: f.code.clone(),
        name: f.name.clone(),
        color_size,
        unit: f.unit.as_str().to_string(),
        barcodes: f.barcodes.join(", "),
        list_price: f.list_price.to_yuan(),
        default_cost: f.default_cost.to_yuan(),
        category: f.category.clone(),
        brand: f.brand.clone(),
        tracking: ctx.t.get(tracking_key(f.tracking)),
        active: f.active,
        is_bundle: s.is_bundle,
    }
}

#[derive(Template)]
#[template(path = "catalog/skus.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<Row>,
    next: Option<String>,
    errors: FormErrors,
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let u = ListUrl::new(uri.path(), uri.query());
    let found = async { s.app.skus(&sku_filter(&u)?, &u.page()?).await }.await;
    let (items, next, errors) = match found {
        Ok(p) => (p.items, p.next, FormErrors::default()),
        Err(e) => (
            vec![],
            None,
            FormErrors::from_app(e).map_err(err(&ctx, &uri))?,
        ),
    };
    let page = ListPage {
        rows: items.iter().map(|x| row(&ctx, x)).collect(),
        next,
        errors,
        u,
        ctx,
    };
    Ok(render(&page))
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new(uri.path().trim_end_matches("/export.xlsx"), uri.query());
    let filter = sku_filter(&u).map_err(&e)?;
    let bytes = s.app.export_skus(&filter).await.map_err(&e)?;
    Ok(crate::api::admin::xlsx("skus", bytes).into_response())
}

/// A component as the detail page shows it.
struct ComponentRow {
    id: i64,
    code: String,
    name: String,
    unit: String,
    qty: i64,
}

#[derive(Template)]
#[template(path = "catalog/sku.html")]
struct DetailPage {
    ctx: Ctx,
    s: Row,
    weight_g: i64,
    volume_cm3: i64,
    barcodes: Vec<String>,
    shelf_life_days: String,
    allow_negative: bool,
    attrs: String,
    created_at: String,
    updated_at: String,
    components: Vec<ComponentRow>,
    notice: &'static str,
}

async fn components_of(s: &AppState, sku: &Sku) -> Result<Vec<ComponentRow>, jxc_app::Error> {
    let mut out = Vec::new();
    for c in &sku.components {
        let part = s.app.sku(c.sku_id).await?;
        out.push(ComponentRow {
            id: part.id.0,
            code: part.fields.code,
            name: part.fields.name,
            unit: part.fields.unit.as_str().to_string(),
            qty: c.qty,
        });
    }
    Ok(out)
}

async fn detail(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sku = s.app.sku(SkuId(id)).await.map_err(&e)?;
    let components = components_of(&s, &sku).await.map_err(&e)?;
    let f = &sku.fields;
    let attrs = match f.attrs.as_object() {
        Some(o) if !o.is_empty() => serde_json::to_string_pretty(&f.attrs).unwrap_or_default(),
        _ => String::new(),
    };
    let notice = notice(
        uri.query(),
        &[
            ("created", ctx.tr("sku.created")),
            ("saved", ctx.tr("sku.saved")),
            ("deactivated", ctx.tr("sku.deactivated")),
            ("activated", ctx.tr("sku.activated")),
            ("components", ctx.tr("sku.components_saved")),
        ],
    );
    let page = DetailPage {
        s: row(&ctx, &sku),
        weight_g: f.weight_g,
        volume_cm3: f.volume_cm3,
        barcodes: f.barcodes.clone(),
        shelf_life_days: f.shelf_life_days.map(|d| d.to_string()).unwrap_or_default(),
        allow_negative: f.allow_negative,
        attrs,
        created_at: jxc_app::exports::shanghai_time(sku.created_at),
        updated_at: jxc_app::exports::shanghai_time(sku.updated_at),
        components,
        notice,
        ctx,
    };
    Ok(render(&page))
}

/// The SKU form's fields as text, as shown and as sent.
struct SkuForm {
    code: String,
    name: String,
    barcodes: String,
    color: String,
    size: String,
    unit: String,
    weight_g: String,
    volume_cm3: String,
    list_price: String,
    default_cost: String,
    category: String,
    brand: String,
    tracking: String,
    shelf_life_days: String,
    allow_negative: bool,
    active: bool,
}

impl SkuForm {
    fn blank() -> SkuForm {
        SkuForm {
            code: String::new(),
            name: String::new(),
            barcodes: String::new(),
            color: String::new(),
            size: String::new(),
            unit: "件".into(),
            weight_g: String::new(),
            volume_cm3: String::new(),
            list_price: String::new(),
            default_cost: String::new(),
            category: String::new(),
            brand: String::new(),
            tracking: Tracking::None.as_str().into(),
            shelf_life_days: String::new(),
            allow_negative: false,
            active: true,
        }
    }

    fn of(s: &Sku) -> SkuForm {
        let f = &s.fields;
        SkuForm {
            code: f.code.clone(),
            name: f.name.clone(),
            barcodes: f.barcodes.join("\n"),
            color: f.color.clone(),
            size: f.size.clone(),
            unit: f.unit.as_str().to_string(),
            weight_g: f.weight_g.to_string(),
            volume_cm3: f.volume_cm3.to_string(),
            list_price: f.list_price.to_yuan(),
            default_cost: f.default_cost.to_yuan(),
            category: f.category.clone(),
            brand: f.brand.clone(),
            tracking: f.tracking.as_str().to_string(),
            shelf_life_days: f.shelf_life_days.map(|d| d.to_string()).unwrap_or_default(),
            allow_negative: f.allow_negative,
            active: f.active,
        }
    }

    fn sent(s: &Sent, new: bool) -> SkuForm {
        SkuForm {
            code: s.val("code"),
            name: s.val("name"),
            barcodes: s.val("barcodes"),
            color: s.val("color"),
            size: s.val("size"),
            unit: s.val("unit"),
            weight_g: s.val("weight_g"),
            volume_cm3: s.val("volume_cm3"),
            list_price: s.val("list_price"),
            default_cost: s.val("default_cost"),
            category: s.val("category"),
            brand: s.val("brand"),
            tracking: s.val("tracking"),
            shelf_life_days: s.val("shelf_life_days"),
            allow_negative: s.checked("allow_negative"),
            // A new SKU is active; an edited one is what the checkbox says.
            active: new || s.checked("active"),
        }
    }

    /// The input the form means, and the problems of the text itself (amounts, whole
    /// numbers). Empty amounts and numbers are 0; an empty shelf life is none.
    fn input(&self, new: bool) -> (SkuInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut number = |field: &str, v: &str, empty: Option<i64>| -> Option<i64> {
            if v.trim().is_empty() {
                return empty;
            }
            text::integer(field, v).map_err(|e| errors.push(e)).ok()
        };
        let weight_g = number("weight_g", &self.weight_g, Some(0));
        let volume_cm3 = number("volume_cm3", &self.volume_cm3, Some(0));
        let shelf_life_days = number("shelf_life_days", &self.shelf_life_days, None);
        let mut money = |field: &str, v: &str| -> Option<i64> {
            if v.trim().is_empty() {
                return Some(0);
            }
            Fen::parse_yuan(field, v)
                .map(|f| f.0)
                .map_err(|e| errors.push(e))
                .ok()
        };
        let list_price = money("list_price", &self.list_price);
        let default_cost = money("default_cost", &self.default_cost);
        let barcodes = self
            .barcodes
            .split(|c: char| c.is_whitespace() || ",，;；、".contains(c))
            .filter(|b| !b.is_empty())
            .map(str::to_string)
            .collect();
        let input = SkuInput {
            code: Some(self.code.clone()),
            name: Some(self.name.clone()),
            barcodes: Some(barcodes),
            color: Some(self.color.clone()),
            size: Some(self.size.clone()),
            unit: Some(self.unit.clone()),
            weight_g,
            volume_cm3,
            list_price,
            default_cost,
            category: Some(self.category.clone()),
            brand: Some(self.brand.clone()),
            tracking: Some(self.tracking.clone()),
            shelf_life_days,
            allow_negative: Some(self.allow_negative),
            active: if new { None } else { Some(self.active) },
            attrs: None,
        };
        (input, errors)
    }
}

#[derive(Template)]
#[template(path = "catalog/sku_form.html")]
struct FormPage {
    ctx: Ctx,
    /// None: a new SKU.
    id: Option<i64>,
    f: SkuForm,
    units: &'static [&'static str],
    trackings: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
}

fn form_page(ctx: Ctx, id: Option<i64>, f: SkuForm, errors: FormErrors) -> Response {
    let status = form_status(&errors);
    let trackings = TRACKINGS
        .iter()
        .map(|t| (t.as_str(), ctx.t.get(tracking_key(*t))))
        .collect();
    let page = FormPage {
        id,
        f,
        units: UNITS,
        trackings,
        errors,
        ctx,
    };
    (status, render(&page)).into_response()
}

/// Checks the form and saves it; every bad field is reported at once.
async fn save(
    s: &AppState,
    ctx: &Ctx,
    current: Option<&Sku>,
    f: &SkuForm,
) -> Result<Sku, jxc_app::Error> {
    let (input, mut errors) = f.input(current.is_none());
    if !errors.is_empty() {
        // The text could not be read: report the other fields' problems with it.
        if let Err(jxc_core::Error::Invalid(more)) =
            NewSku::merge(current.map(|c| &c.fields), &input)
        {
            errors.extend(more);
        }
        return Err(jxc_app::Error::Invalid(errors));
    }
    match current {
        None => s.app.create_sku(&input, &actor(ctx)).await,
        Some(c) => s.app.update_sku(c.id, &input, &actor(ctx)).await,
    }
}

async fn new_form(ctx: Ctx) -> Response {
    form_page(ctx, None, SkuForm::blank(), FormErrors::default())
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let f = SkuForm::sent(&Sent(sent), true);
    match save(&s, &ctx, None, &f).await {
        Ok(sku) => Ok(see_other(&format!("/skus/{}?ok=created", sku.id.0))),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            Ok(form_page(ctx, None, f, errors))
        }
    }
}

async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let sku = s.app.sku(SkuId(id)).await.map_err(err(&ctx, &uri))?;
    Ok(form_page(
        ctx,
        Some(id),
        SkuForm::of(&sku),
        FormErrors::default(),
    ))
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let current = s.app.sku(SkuId(id)).await.map_err(err(&ctx, &uri))?;
    let f = SkuForm::sent(&Sent(sent), false);
    match save(&s, &ctx, Some(&current), &f).await {
        Ok(_) => Ok(see_other(&format!("/skus/{id}?ok=saved"))),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            Ok(form_page(ctx, Some(id), f, errors))
        }
    }
}

async fn set_active(
    s: AppState,
    ctx: Ctx,
    id: i64,
    uri: Uri,
    active: bool,
) -> Result<Response, PageError> {
    s.app
        .set_sku_active(SkuId(id), active, &actor(&ctx))
        .await
        .map_err(err(&ctx, &uri))?;
    let ok = if active { "activated" } else { "deactivated" };
    Ok(see_other(&format!("/skus/{id}?ok={ok}")))
}

async fn deactivate(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    set_active(s, ctx, id, uri, false).await
}

async fn activate(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    set_active(s, ctx, id, uri, true).await
}

/// A problem on one line of the components text.
struct LineError {
    line: String,
    text: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "catalog/components.html")]
struct ComponentsPage {
    ctx: Ctx,
    s: Row,
    lines: String,
    line_errors: Vec<LineError>,
    errors: FormErrors,
}

/// Splits "商家编码 × 数量" (also `x`, `*`, a comma, a tab or spaces between; the
/// quantity may be left out for 1) into the code and the quantity text.
fn split_line(line: &str) -> Option<(String, String)> {
    let spaced: String = line
        .chars()
        .map(|c| if "×*,，:：".contains(c) { ' ' } else { c })
        .collect();
    let mut parts: Vec<&str> = spaced
        .split_whitespace()
        .filter(|p| !p.eq_ignore_ascii_case("x"))
        .collect();
    match parts.len() {
        1 => Some((parts[0].to_string(), "1".into())),
        2 => {
            let qty = parts.pop().unwrap_or_default();
            // "TS-01 x2"
            let qty = qty
                .strip_prefix(['x', 'X'])
                .filter(|q| !q.is_empty())
                .unwrap_or(qty);
            Some((parts[0].to_string(), qty.to_string()))
        }
        _ => None,
    }
}

fn line_label(ctx: &Ctx, n: usize) -> String {
    ctx.tr("sku.line").replace("{}", &n.to_string())
}

async fn components_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sku = s.app.sku(SkuId(id)).await.map_err(&e)?;
    let lines = components_of(&s, &sku)
        .await
        .map_err(&e)?
        .iter()
        .map(|c| format!("{} × {}", c.code, c.qty))
        .collect::<Vec<_>>()
        .join("\n");
    let page = ComponentsPage {
        s: row(&ctx, &sku),
        lines,
        line_errors: vec![],
        errors: FormErrors::default(),
        ctx,
    };
    Ok(render(&page))
}

#[derive(serde::Deserialize)]
struct ComponentsSent {
    #[serde(default)]
    components: String,
}

async fn save_components(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<ComponentsSent>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sku = s.app.sku(SkuId(id)).await.map_err(&e)?;
    let mut comps = Vec::new();
    // For each component, the line it came from.
    let mut from_line: Vec<(usize, String)> = Vec::new();
    let mut line_errors = Vec::new();
    for (i, raw) in sent.components.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        let mut bad = |reason: String| {
            line_errors.push(LineError {
                line: line_label(&ctx, i + 1),
                text: t.to_string(),
                reason,
            })
        };
        let Some((code, qty)) = split_line(t) else {
            bad(ctx.tr("sku.bad_line").to_string());
            continue;
        };
        let qty = match text::integer("qty", &qty) {
            Ok(q) => Some(q),
            Err(f) => {
                bad(f.reason);
                None
            }
        };
        let part = s
            .app
            .store
            .get_sku_by_code(&code)
            .await
            .map_err(|x| e(x.into()))?;
        match (part, qty) {
            (None, _) => bad(format!("{} “{code}”", ctx.tr("sku.unknown_code"))),
            (Some(p), Some(qty)) => {
                comps.push(BundleComponent { sku_id: p.id, qty });
                from_line.push((i + 1, t.to_string()));
            }
            (Some(_), None) => {}
        }
    }
    let mut errors = FormErrors::default();
    if line_errors.is_empty() {
        match s.app.set_bundle(SkuId(id), &comps, &actor(&ctx)).await {
            Ok(_) => return Ok(see_other(&format!("/skus/{id}?ok=components"))),
            Err(x) => {
                for fe in FormErrors::from_app(x).map_err(&e)?.0 {
                    // `components[2].qty` → the line the third component came from.
                    let n = fe
                        .field
                        .strip_prefix("components[")
                        .and_then(|r| r.split(']').next())
                        .and_then(|n| n.parse::<usize>().ok())
                        .and_then(|n| from_line.get(n));
                    match n {
                        Some((line, text)) => line_errors.push(LineError {
                            line: line_label(&ctx, *line),
                            text: text.clone(),
                            reason: fe.reason,
                        }),
                        None => errors.0.push(FieldError::new("", fe.reason)),
                    }
                }
            }
        }
    }
    let page = ComponentsPage {
        s: row(&ctx, &sku),
        lines: sent.components,
        line_errors,
        errors,
        ctx,
    };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[cfg(test)]
mod tests {
    use super::split_line;

    #[test]
    fn component_lines_are_read_with_any_usual_separator() {
        let l = split_line;
        assert_eq!(l("TS-01 × 2"), Some(("TS-01".into(), "2".into())));
        assert_eq!(l("TS-01*3"), Some(("TS-01".into(), "3".into())));
        assert_eq!(l("TS-XL x 4"), Some(("TS-XL".into(), "4".into())));
        assert_eq!(l("TS-XL x5"), Some(("TS-XL".into(), "5".into())));
        assert_eq!(l("TS-01,6"), Some(("TS-01".into(), "6".into())));
        assert_eq!(l("TS-01"), Some(("TS-01".into(), "1".into())));
        assert_eq!(l("TS-01 2 3"), None);
    }
}
