//! Who is asking: the sign-in middleware for the API and the pages, cookies, and the
//! CSRF check. What they may do is decided per route in `guard.rs`.
//!
//! - API: `Authorization: Bearer <token>` (a user's API token), or the browser session
//!   cookie, in which case a state-changing request must carry `X-CSRF-Token`.
//! - Pages: the session cookie. Every POST must carry the session's CSRF token, as the
//!   form field `_csrf`, the query parameter `_csrf` (multipart uploads) or the
//!   `X-CSRF-Token` header (fetch).
//!
//! A request that proves no one passes through without a [`CurrentUser`]; the route's
//! rule then answers 401 or redirects to the login page.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jxc_app::auth::{Credential, constant_time_eq};

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "jxc_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "_csrf";
/// Largest form body the CSRF check reads (uploads are multipart and carry the token in
/// the query string instead).
const MAX_FORM: usize = 2 * 1024 * 1024;

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, whole site. `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    c
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The address the request came from, for the login rate limit.
pub fn client_addr(req_headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> String {
    // jxc is often run behind a reverse proxy on the same machine; trust its header only
    // when the peer is local.
    let local = peer.is_none_or(|p| p.ip().is_loopback());
    if local
        && let Some(f) = req_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return f.trim().to_string();
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "local".into())
}

/// Sign-in for `/api/v1`.
pub async fn api(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let me = if let Some(token) = bearer(req.headers()) {
        match s.app.token_user(token).await {
            Ok(Some(me)) => Some(me),
            Ok(None) => return ApiError(jxc_app::Error::Unauthorized).into_response(),
            Err(e) => return ApiError(e).into_response(),
        }
    } else if let Some(c) = cookie(req.headers(), SESSION_COOKIE) {
        match s.app.session_user(c).await {
            Ok(me) => me,
            Err(e) => return ApiError(e).into_response(),
        }
    } else {
        None
    };
    if let Some(me) = me {
        if let Credential::Session { csrf, .. } = &me.credential {
            let sent = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if changes_state(req.method()) && !constant_time_eq(sent.as_bytes(), csrf.as_bytes()) {
                return ApiError(csrf_error()).into_response();
            }
        }
        req.extensions_mut().insert(me);
    }
    next.run(req).await
}

fn csrf_error() -> jxc_app::Error {
    jxc_app::Error::Forbidden(
        "缺少或错误的 CSRF 令牌，请刷新页面后重试 / missing or wrong CSRF token: reload the page and try again"
            .into(),
    )
}

/// Sign-in for the pages, with the CSRF check of every POST.
pub async fn pages(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let me = match cookie(req.headers(), SESSION_COOKIE) {
        Some(c) => match s.app.session_user(c).await {
            Ok(me) => me,
            Err(e) => return crate::pages::refusal(e, req.uri()),
        },
        None => None,
    };
    let Some(me) = me else {
        return next.run(req).await;
    };
    let req = if changes_state(req.method()) {
        let Credential::Session { csrf, .. } = &me.credential else {
            return crate::pages::refusal(csrf_error(), req.uri());
        };
        match csrf_checked(req, csrf).await {
            Ok(req) => req,
            Err(uri) => return crate::pages::refusal(csrf_error(), &uri),
        }
    } else {
        req
    };
    let mut req = req;
    req.extensions_mut().insert(me);
    next.run(req).await
}

/// Finds the CSRF token in the header, the query string or a url-encoded form body, and
/// gives the request back (with its body) when it matches.
async fn csrf_checked(req: Request, csrf: &str) -> Result<Request, axum::http::Uri> {
    let ok = |t: &str| constant_time_eq(t.as_bytes(), csrf.as_bytes());
    if let Some(t) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if ok(t) {
            Ok(req)
        } else {
            Err(req.uri().clone())
        };
    }
    let in_query = req.uri().query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v)
    });
    if let Some(t) = in_query {
        return if ok(&t) {
            Ok(req)
        } else {
            Err(req.uri().clone())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(req.uri().clone());
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return Err(parts.uri);
    };
    let found = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|kv| kv.into_iter().find(|(k, _)| k == CSRF_FIELD))
        .is_some_and(|(_, v)| ok(&v));
    if found {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(parts.uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_a_cookie_among_several() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; jxc_session=abc ; jxc_lang=en"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "jxc_lang"), Some("en"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn a_forwarded_address_counts_only_from_a_local_proxy() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 10.0.0.1"),
        );
        let local = "127.0.0.1:5000".parse().ok();
        let remote = "198.51.100.7:5000".parse().ok();
        assert_eq!(client_addr(&h, local), "203.0.113.9");
        assert_eq!(client_addr(&h, remote), "198.51.100.7");
    }
}
