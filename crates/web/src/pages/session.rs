//! 登录 and 退出. The login form is protected against CSRF by a double-submit cookie
//! (there is no session yet); everything after sign-in uses the session's token.

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use jxc_app::auth::{constant_time_eq, random_hex};
use serde::Deserialize;

use super::{lang_of, render};
use crate::AppState;
use crate::auth::{SESSION_COOKIE, client_addr, cookie, set_cookie};
use crate::i18n::{Lang, Messages};

const LOGIN_CSRF_COOKIE: &str = "jxc_login_csrf";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(form).post(login))
        .route("/logout", axum::routing::post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Messages,
    lang: Lang,
    csrf: String,
    next: String,
    username: String,
    error: String,
    notice: String,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    bye: Option<String>,
}

/// Only a path on this site may be the page to return to.
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or("/")
        .to_string()
}

fn page(lang: Lang, next: &str, username: &str, error: String, notice: String) -> Response {
    let csrf = random_hex(16).unwrap_or_default();
    let t = lang.messages();
    let body = render(&LoginPage {
        t,
        lang,
        csrf: csrf.clone(),
        next: next.to_string(),
        username: username.to_string(),
        error,
        notice,
    });
    (
        [(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &csrf, None),
        )],
        body,
    )
        .into_response()
}

async fn form(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = lang_of(&headers);
    let t = lang.messages();
    let notice = if q.bye.is_some() {
        t.get("login.bye")
    } else if q.expired.is_some() {
        t.get("login.expired")
    } else {
        ""
    };
    page(
        lang,
        &safe_next(q.next.as_deref()),
        "",
        String::new(),
        notice.into(),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
    next: Option<String>,
}

async fn login(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    let t = lang.messages();
    let next = safe_next(f.next.as_deref());
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), f.csrf.as_bytes()) {
        return page(
            lang,
            &next,
            &f.username,
            t.get("login.stale").into(),
            String::new(),
        );
    }
    let client = client_addr(&headers, Some(peer));
    match s.app.login(&f.username, &f.password, &client).await {
        Ok(l) => (
            AppendHeaders([
                (
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &l.cookie, None),
                ),
                (
                    header::SET_COOKIE,
                    set_cookie(LOGIN_CSRF_COOKIE, "", Some(0)),
                ),
            ]),
            Redirect::to(&next),
        )
            .into_response(),
        Err(jxc_app::Error::Unauthorized) => page(
            lang,
            &next,
            &f.username,
            t.get("login.failed").into(),
            String::new(),
        ),
        Err(e @ jxc_app::Error::RateLimited { .. }) => {
            page(lang, &next, &f.username, e.to_string(), String::new())
        }
        Err(e) => super::refusal_in(lang, e, &"/login".parse().unwrap_or_default()),
    }
}

/// Ends the session. Guarded by the CSRF check of the page middleware, so another site
/// cannot sign a user out.
async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(c) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = s.app.logout(c).await
    {
        return super::refusal(e, &"/logout".parse().unwrap_or_default());
    }
    (
        [(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0)))],
        Redirect::to("/login?bye=1"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next(Some("/skus?q=1")), "/skus?q=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
