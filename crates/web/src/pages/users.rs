//! 用户与角色 (admin only): list, create, edit, reset a password, and the role table
//! that explains what each role may do (read from the one permission table).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use jxc_app::auth::CurrentUser;
use jxc_core::ids::UserId;
use jxc_core::permissions::{Action, roles_for};
use jxc_core::users::{Role, User, UserInput};

use super::forms::{all_pages, err, form_status};
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, role_labels, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};
use crate::i18n::Lang;

pub fn routes() -> Routes {
    use Action::UsersManage;
    Routes::new(Surface::Page, "")
        .get("/users", UsersManage, list)
        .get("/users/export.xlsx", UsersManage, export)
        .get("/users/new", UsersManage, new_form)
        .post("/users/new", UsersManage, create)
        .get("/users/{id}/edit", UsersManage, edit_form)
        .post("/users/{id}/edit", UsersManage, update)
        .post("/users/{id}/password", UsersManage, reset_password)
}

struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    roles: String,
    limits: String,
    last_login: String,
    active: bool,
}

/// A row of the role table: an action and, per role, whether it may.
struct RoleRow {
    action: &'static str,
    allowed: Vec<bool>,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<UserRow>,
    next: Option<String>,
    role_names: Vec<&'static str>,
    role_table: Vec<RoleRow>,
    errors: FormErrors,
    notice: &'static str,
}

fn role_name(lang: Lang, r: Role) -> &'static str {
    match lang {
        Lang::Zh => r.label_zh(),
        Lang::En => r.label_en(),
    }
}

fn action_key(a: Action) -> &'static str {
    match a {
        Action::Dashboard => "action.dashboard",
        Action::CatalogView => "action.catalog_view",
        Action::CatalogEdit => "action.catalog_edit",
        Action::PartnersView => "action.partners_view",
        Action::PartnersEdit => "action.partners_edit",
        Action::ShopsEdit => "action.shops_edit",
        Action::WarehousesView => "action.warehouses_view",
        Action::WarehousesEdit => "action.warehouses_edit",
        Action::StockView => "action.stock_view",
        Action::StockPost => "action.stock_post",
        Action::StockReserve => "action.stock_reserve",
        Action::StockApprove => "action.stock_approve",
        Action::OrdersView => "action.orders_view",
        Action::OrdersEdit => "action.orders_edit",
        Action::ChannelsSync => "action.channels_sync",
        Action::FulfillmentAllocate => "action.fulfillment_allocate",
        Action::RoutingEdit => "action.routing_edit",
        Action::ShipmentsShip => "action.shipments_ship",
        Action::CountsCount => "action.counts_count",
        Action::CountsApprove => "action.counts_approve",
        Action::AlertsView => "action.alerts_view",
        Action::AlertsAck => "action.alerts_ack",
        Action::AlertsManage => "action.alerts_manage",
        Action::AuditView => "action.audit_view",
        Action::UsersManage => "action.users_manage",
    }
}

fn user_row(lang: Lang, u: &User, all: &str) -> UserRow {
    let limits = if u.fields.warehouse_ids.is_empty() && u.fields.shop_ids.is_empty() {
        all.to_string()
    } else {
        let w: Vec<_> = u
            .fields
            .warehouse_ids
            .iter()
            .map(|w| format!("W{w}"))
            .collect();
        let s: Vec<_> = u.fields.shop_ids.iter().map(|s| format!("S{s}")).collect();
        [w, s].concat().join(" ")
    };
    UserRow {
        id: u.id.0,
        username: u.fields.username.clone(),
        display_name: u.fields.display_name.clone(),
        roles: role_labels(lang, &u.fields.roles),
        limits,
        last_login: u
            .last_login_at
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(jxc_app::exports::shanghai_time)
            .unwrap_or_default(),
        active: u.fields.active,
    }
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let u = ListUrl::new(uri.path(), uri.query());
    let (rows, next, errors) = match async {
        let page = s.app.users(&u.filter(None)?, &u.page()?).await?;
        Ok::<_, jxc_app::Error>(page)
    }
    .await
    {
        Ok(p) => (p.items, p.next, FormErrors::default()),
        Err(e) => (
            vec![],
            None,
            FormErrors::from_app(e).map_err(err(&ctx, &uri))?,
        ),
    };
    let notice = match u.get("ok") {
        "created" => ctx.tr("users.created"),
        "saved" => ctx.tr("users.saved"),
        "password" => ctx.tr("users.reset_done"),
        _ => "",
    };
    let role_table = Action::ALL
        .iter()
        .map(|a| RoleRow {
            action: ctx.t.get(action_key(*a)),
            allowed: Role::ALL
                .iter()
                .map(|r| roles_for(*a).contains(r))
                .collect(),
        })
        .collect();
    let all = ctx.tr("account.all");
    let page = ListPage {
        rows: rows.iter().map(|r| user_row(ctx.lang, r, all)).collect(),
        next,
        role_names: Role::ALL.iter().map(|r| role_name(ctx.lang, *r)).collect(),
        role_table,
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
    let filter = u.filter(None).map_err(&e)?;
    let users = all_pages(|p| {
        let (app, filter) = (s.app.clone(), filter.clone());
        async move { app.users(&filter, &p).await }
    })
    .await
    .map_err(&e)?;
    let rows = users
        .iter()
        .map(|x| {
            let r = user_row(ctx.lang, x, ctx.tr("account.all"));
            vec![
                Cell::text(&r.username),
                Cell::text(&r.display_name),
                Cell::text(&r.roles),
                Cell::text(&r.limits),
                Cell::text(&r.last_login),
                yes_no(r.active),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("nav.users"),
        &[
            (t.get("users.username"), 18),
            (t.get("users.display_name"), 14),
            (t.get("users.roles"), 24),
            (t.get("users.warehouses"), 16),
            (t.get("users.last_login"), 20),
            (t.get("field.active"), 8),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("users", bytes).into_response())
}

/// A choice in a checkbox list.
struct Choice {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage {
    ctx: Ctx,
    /// None: a new user.
    id: Option<i64>,
    username: String,
    display_name: String,
    active: bool,
    roles: Vec<Choice>,
    warehouses: Vec<Choice>,
    shops: Vec<Choice>,
    errors: FormErrors,
}

/// What the form sent: repeated fields (`roles`, `warehouse_ids`, `shop_ids`) as lists.
#[derive(Default)]
struct Sent {
    fields: Vec<(String, String)>,
}

impl Sent {
    fn one(&self, k: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .collect()
    }
    fn ids(&self, k: &str) -> Result<Vec<i64>, jxc_app::Error> {
        self.all(k)
            .iter()
            .map(|v| {
                v.parse()
                    .map_err(|_| jxc_app::Error::invalid(k, format!("不是编号 “{v}” / not an id")))
            })
            .collect()
    }
    fn input(&self, new: bool) -> Result<UserInput, jxc_app::Error> {
        Ok(UserInput {
            username: if new { self.one("username") } else { None },
            display_name: self.one("display_name"),
            roles: Some(self.all("roles")),
            warehouse_ids: Some(self.ids("warehouse_ids")?),
            shop_ids: Some(self.ids("shop_ids")?),
            active: if new {
                None
            } else {
                Some(self.one("active").is_some())
            },
        })
    }
}

async fn form_page(
    s: &AppState,
    ctx: Ctx,
    id: Option<i64>,
    current: Option<&User>,
    sent: Option<&Sent>,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let e = err(&ctx, &"/users".parse().unwrap_or_default());
    let status = form_status(&errors);
    let chosen = |k: &str, from_user: Vec<String>| -> Vec<String> {
        match sent {
            Some(f) => f.all(k),
            None => from_user,
        }
    };
    let roles_now = chosen(
        "roles",
        current
            .map(|u| {
                u.fields
                    .roles
                    .iter()
                    .map(|r| r.as_str().to_string())
                    .collect()
            })
            .unwrap_or_default(),
    );
    let wh_now = chosen(
        "warehouse_ids",
        current
            .map(|u| {
                u.fields
                    .warehouse_ids
                    .iter()
                    .map(|w| w.0.to_string())
                    .collect()
            })
            .unwrap_or_default(),
    );
    let shops_now = chosen(
        "shop_ids",
        current
            .map(|u| u.fields.shop_ids.iter().map(|w| w.0.to_string()).collect())
            .unwrap_or_default(),
    );
    let page1000 =
        jxc_core::paging::PageRequest::new(Some(1000), None, false).map_err(|f| e(f.into()))?;
    let warehouses = s
        .app
        .warehouses(&Default::default(), &page1000)
        .await
        .map_err(&e)?
        .items
        .into_iter()
        .map(|w| Choice {
            checked: wh_now.contains(&w.id.0.to_string()),
            value: w.id.0.to_string(),
            label: format!("{} {}", w.fields.code, w.fields.name),
        })
        .collect();
    let shops = s
        .app
        .shops(&Default::default(), &page1000)
        .await
        .map_err(&e)?
        .items
        .into_iter()
        .map(|sh| Choice {
            checked: shops_now.contains(&sh.id.0.to_string()),
            value: sh.id.0.to_string(),
            label: sh.fields.name.clone(),
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| Choice {
            checked: roles_now.iter().any(|x| x == r.as_str()),
            value: r.as_str().to_string(),
            label: role_name(ctx.lang, *r).to_string(),
        })
        .collect();
    let text = |k: &str, f: fn(&User) -> String| {
        sent.and_then(|s| s.one(k))
            .or_else(|| current.map(f))
            .unwrap_or_default()
    };
    let page = FormPage {
        id,
        username: text("username", |u| u.fields.username.clone()),
        display_name: text("display_name", |u| u.fields.display_name.clone()),
        active: match sent {
            Some(f) => f.one("active").is_some(),
            None => current.is_none_or(|u| u.fields.active),
        },
        roles,
        warehouses,
        shops,
        errors,
        ctx,
    };
    Ok((status, render(&page)).into_response())
}

async fn new_form(State(s): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    form_page(&s, ctx, None, None, None, FormErrors::default()).await
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(me): Extension<CurrentUser>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let sent = Sent { fields };
    let result = async {
        let input = sent.input(true)?;
        let password = sent.one("password").unwrap_or_default();
        s.app.create_user(&input, &password, &me.actor()).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/users?ok=created")),
        Err(e) => {
            let errors = FormErrors::from_app(e)
                .map_err(err(&ctx, &"/users/new".parse().unwrap_or_default()))?;
            form_page(&s, ctx, None, None, Some(&sent), errors).await
        }
    }
}

async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let u = s.app.user(UserId(id)).await.map_err(err(&ctx, &uri))?;
    form_page(&s, ctx, Some(id), Some(&u), None, FormErrors::default()).await
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(me): Extension<CurrentUser>,
    Path(id): Path<i64>,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let current = s.app.user(UserId(id)).await.map_err(err(&ctx, &uri))?;
    let sent = Sent { fields };
    let result = async {
        let input = sent.input(false)?;
        s.app.update_user(UserId(id), &input, &me.actor()).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/users?ok=saved")),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            form_page(&s, ctx, Some(id), Some(&current), Some(&sent), errors).await
        }
    }
}

#[derive(serde::Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(me): Extension<CurrentUser>,
    Path(id): Path<i64>,
    uri: Uri,
    Form(f): Form<ResetForm>,
) -> Result<Response, PageError> {
    let current = s.app.user(UserId(id)).await.map_err(err(&ctx, &uri))?;
    match s
        .app
        .set_password(UserId(id), &f.password, &me.actor())
        .await
    {
        Ok(()) => Ok(see_other("/users?ok=password")),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            form_page(&s, ctx, Some(id), Some(&current), None, errors).await
        }
    }
}
