//! 往来 pages: 供应商 and 客户 (one shape, told apart by the path: `/suppliers`,
//! `/customers`) here; 店铺 in `partners/shops.rs`. Each: list (q, status, sort, keyset
//! pages), export with the same filter, create and edit (the active checkbox deactivates).

mod shops;

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::partners::{Partner, PartnerInput, PartnerKind};
use jxc_core::permissions::Action;

use super::forms::{Sent, actor, all_pages, err, form_status, notice};
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{PartnersEdit, PartnersView};
    let mut r = Routes::new(Surface::Page, "");
    for base in ["/suppliers", "/customers"] {
        r = r
            .get(base, PartnersView, list)
            .get(&format!("{base}/export.xlsx"), PartnersView, export)
            .get(&format!("{base}/new"), PartnersEdit, new_form)
            .post(&format!("{base}/new"), PartnersEdit, create)
            .get(&format!("{base}/{{id}}/edit"), PartnersEdit, edit_form)
            .post(&format!("{base}/{{id}}/edit"), PartnersEdit, update);
    }
    r.merge(shops::routes())
}

/// Which kind of partner a path is about, and the words for it.
#[derive(Clone, Copy)]
struct Kind {
    kind: PartnerKind,
    base: &'static str,
    title: &'static str,
    new: &'static str,
    edit: &'static str,
}

fn kind_of(ctx: &Ctx, uri: &Uri) -> Kind {
    if uri.path().starts_with("/customers") {
        Kind {
            kind: PartnerKind::Customer,
            base: "/customers",
            title: ctx.tr("nav.customers"),
            new: ctx.tr("customer.new"),
            edit: ctx.tr("customer.edit"),
        }
    } else {
        Kind {
            kind: PartnerKind::Supplier,
            base: "/suppliers",
            title: ctx.tr("nav.suppliers"),
            new: ctx.tr("supplier.new"),
            edit: ctx.tr("supplier.edit"),
        }
    }
}

#[derive(Template)]
#[template(path = "partners/list.html")]
struct ListPage {
    ctx: Ctx,
    k: Kind,
    u: ListUrl,
    rows: Vec<Partner>,
    next: Option<String>,
    errors: FormErrors,
    notice: &'static str,
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let k = kind_of(&ctx, &uri);
    let u = ListUrl::new(uri.path(), uri.query());
    let found = async { s.app.partners(k.kind, &u.filter(None)?, &u.page()?).await }.await;
    let (rows, next, errors) = match found {
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
        k,
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
    let k = kind_of(&ctx, &uri);
    let u = ListUrl::new(uri.path().trim_end_matches("/export.xlsx"), uri.query());
    let filter = u.filter(None).map_err(&e)?;
    let items = all_pages(|p| {
        let (app, filter) = (s.app.clone(), filter.clone());
        async move { app.partners(k.kind, &filter, &p).await }
    })
    .await
    .map_err(&e)?;
    let rows = items
        .iter()
        .map(|p| {
            let f = &p.fields;
            vec![
                Cell::text(&f.code),
                Cell::text(&f.name),
                Cell::text(&f.contact),
                Cell::text(&f.phone),
                Cell::text(&f.email),
                Cell::text(&f.address),
                Cell::text(&f.tax_id),
                yes_no(f.active),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        k.title,
        &[
            (t.get("field.code"), 16),
            (t.get("field.name"), 30),
            (t.get("partner.contact"), 12),
            (t.get("partner.phone"), 16),
            (t.get("partner.email"), 24),
            (t.get("partner.address"), 40),
            (t.get("partner.tax_id"), 22),
            (t.get("field.active"), 8),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx(k.kind.as_str(), bytes).into_response())
}

/// The partner form's fields as text.
#[derive(Default)]
struct PartnerForm {
    code: String,
    name: String,
    contact: String,
    phone: String,
    email: String,
    address: String,
    tax_id: String,
    active: bool,
}

impl PartnerForm {
    fn of(p: &Partner) -> PartnerForm {
        let f = &p.fields;
        PartnerForm {
            code: f.code.clone(),
            name: f.name.clone(),
            contact: f.contact.clone(),
            phone: f.phone.clone(),
            email: f.email.clone(),
            address: f.address.clone(),
            tax_id: f.tax_id.clone(),
            active: f.active,
        }
    }

    fn sent(s: &Sent, new: bool) -> PartnerForm {
        PartnerForm {
            code: s.val("code"),
            name: s.val("name"),
            contact: s.val("contact"),
            phone: s.val("phone"),
            email: s.val("email"),
            address: s.val("address"),
            tax_id: s.val("tax_id"),
            active: new || s.checked("active"),
        }
    }

    fn input(&self, new: bool) -> PartnerInput {
        PartnerInput {
            code: Some(self.code.clone()),
            name: Some(self.name.clone()),
            contact: Some(self.contact.clone()),
            phone: Some(self.phone.clone()),
            email: Some(self.email.clone()),
            address: Some(self.address.clone()),
            tax_id: Some(self.tax_id.clone()),
            active: if new { None } else { Some(self.active) },
        }
    }
}

#[derive(Template)]
#[template(path = "partners/form.html")]
struct FormPage {
    ctx: Ctx,
    k: Kind,
    id: Option<i64>,
    f: PartnerForm,
    errors: FormErrors,
}

fn form_page(ctx: Ctx, k: Kind, id: Option<i64>, f: PartnerForm, errors: FormErrors) -> Response {
    let status = form_status(&errors);
    let page = FormPage {
        k,
        id,
        f,
        errors,
        ctx,
    };
    (status, render(&page)).into_response()
}

async fn new_form(ctx: Ctx, uri: Uri) -> Response {
    let k = kind_of(&ctx, &uri);
    let f = PartnerForm {
        active: true,
        ..Default::default()
    };
    form_page(ctx, k, None, f, FormErrors::default())
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let k = kind_of(&ctx, &uri);
    let f = PartnerForm::sent(&Sent(sent), true);
    match s
        .app
        .create_partner(k.kind, &f.input(true), &actor(&ctx))
        .await
    {
        Ok(_) => Ok(see_other(&format!("{}?ok=created", k.base))),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            Ok(form_page(ctx, k, None, f, errors))
        }
    }
}

async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let k = kind_of(&ctx, &uri);
    let p = s.app.partner(k.kind, id).await.map_err(err(&ctx, &uri))?;
    Ok(form_page(
        ctx,
        k,
        Some(id),
        PartnerForm::of(&p),
        FormErrors::default(),
    ))
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let k = kind_of(&ctx, &uri);
    s.app.partner(k.kind, id).await.map_err(err(&ctx, &uri))?;
    let f = PartnerForm::sent(&Sent(sent), false);
    match s
        .app
        .update_partner(k.kind, id, &f.input(false), &actor(&ctx))
        .await
    {
        Ok(_) => Ok(see_other(&format!("{}?ok=saved", k.base))),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            Ok(form_page(ctx, k, Some(id), f, errors))
        }
    }
}
