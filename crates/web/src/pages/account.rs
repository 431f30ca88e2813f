//! 我的账号: one's own password and API tokens. Every signed-in user may open it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use jxc_app::auth::CurrentUser;
use jxc_core::ids::ApiTokenId;
use jxc_core::permissions::Action;
use jxc_store::ApiToken;
use serde::Deserialize;

use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    Routes::new(Surface::Page, "")
        .get("/account", Action::Dashboard, page)
        .post("/account/password", Action::Dashboard, change_password)
        .post("/account/tokens", Action::Dashboard, create_token)
        .post(
            "/account/tokens/{id}/revoke",
            Action::Dashboard,
            revoke_token,
        )
}

#[derive(Template)]
#[template(path = "users/account.html")]
struct AccountPage {
    ctx: Ctx,
    warehouses: String,
    shops: String,
    tokens: Vec<TokenRow>,
    errors: FormErrors,
    /// A token just made: shown this once.
    new_token: String,
    notice: &'static str,
}

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    last_used: String,
    revoked: bool,
}

fn row(t: &ApiToken) -> TokenRow {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(jxc_app::exports::shanghai_time).unwrap_or_default()
    };
    TokenRow {
        id: t.id.0,
        name: t.name.clone(),
        prefix: t.prefix.clone(),
        created: time(Some(t.created_at)),
        last_used: time(t.last_used_at),
        revoked: t.revoked_at.is_some(),
    }
}

async fn show(
    s: &AppState,
    ctx: Ctx,
    errors: FormErrors,
    new_token: String,
    notice: &'static str,
) -> Result<Response, PageError> {
    let err = |e| PageError(ctx.lang, e, "/account".parse().unwrap_or_default());
    let tokens = s.app.api_tokens(ctx.user.id).await.map_err(err)?;
    let names = |ids: Vec<String>| {
        if ids.is_empty() {
            ctx.tr("account.all").to_string()
        } else {
            ids.join("、")
        }
    };
    let mut warehouses = Vec::new();
    for w in &ctx.user.fields.warehouse_ids {
        match s.app.warehouse(*w).await {
            Ok(w) => warehouses.push(format!("{} {}", w.fields.code, w.fields.name)),
            Err(_) => warehouses.push(w.to_string()),
        }
    }
    let mut shops = Vec::new();
    for id in &ctx.user.fields.shop_ids {
        match s.app.shop(*id).await {
            Ok(sh) => shops.push(sh.fields.name.clone()),
            Err(_) => shops.push(id.to_string()),
        }
    }
    let status = super::forms::form_status(&errors);
    let page = AccountPage {
        warehouses: names(warehouses),
        shops: names(shops),
        tokens: tokens.iter().map(row).collect(),
        errors,
        new_token,
        notice,
        ctx,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
struct Notice {
    ok: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(n): axum::extract::Query<Notice>,
) -> Result<Response, PageError> {
    let notice = match n.ok.as_deref() {
        Some("revoked") => "account.token_revoked",
        _ => "",
    };
    let notice = if notice.is_empty() {
        ""
    } else {
        ctx.t.get(notice)
    };
    show(&s, ctx, FormErrors::default(), String::new(), notice).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(me): Extension<CurrentUser>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    if f.new_password != f.confirm_password {
        let errors = FormErrors(vec![jxc_core::FieldError::new(
            "confirm_password",
            ctx.tr("account.mismatch"),
        )]);
        return show(&s, ctx, errors, String::new(), "").await;
    }
    match s
        .app
        .change_own_password(&me.user, &f.current_password, &f.new_password, "page")
        .await
    {
        // A new password ends every session, this one too: sign in again.
        Ok(()) => Ok(see_other("/login?expired=1")),
        Err(e) => match FormErrors::from_app(e) {
            Ok(errors) => show(&s, ctx, errors, String::new(), "").await,
            Err(e) => Err(PageError(
                ctx.lang,
                e,
                "/account".parse().unwrap_or_default(),
            )),
        },
    }
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

async fn create_token(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(me): Extension<CurrentUser>,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    match s
        .app
        .create_api_token(ctx.user.id, &f.name, &me.actor())
        .await
    {
        Ok((_, token)) => show(&s, ctx, FormErrors::default(), token, "").await,
        Err(e) => match FormErrors::from_app(e) {
            Ok(errors) => show(&s, ctx, errors, String::new(), "").await,
            Err(e) => Err(PageError(
                ctx.lang,
                e,
                "/account".parse().unwrap_or_default(),
            )),
        },
    }
}

async fn revoke_token(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(me): Extension<CurrentUser>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    s.app
        .revoke_api_token(ctx.user.id, ApiTokenId(id), &me.actor())
        .await
        .map_err(|e| PageError(ctx.lang, e, "/account".parse().unwrap_or_default()))?;
    Ok(see_other("/account?ok=revoked"))
}
