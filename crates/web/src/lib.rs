//! jxc-web: the HTTP layer. The only crate that knows HTTP.
//!
//! - `/api/v1/…`: the REST API (JSON; errors `{code, message, field?, errors?}`), for a
//!   user's API token (`Authorization: Bearer …`) or the browser session.
//! - `/api/openapi.json` and `/api/docs`: the OpenAPI document and a browsable API page.
//! - everything else: the pages (server-rendered HTML), signed in with a session cookie.
//! - `/healthz`: liveness, no sign-in.
//! - `POST /hooks/{shop_id}`: platform webhooks (平台推送), no sign-in: the platform's
//!   signature is the proof (see `webhooks.rs`).
//!
//! Every API route and page is added through [`guard::Routes`] with the action it
//! performs; [`route_rules`] is the whole table.

pub mod api;
mod auth;
mod error;
mod extract;
pub mod guard;
pub mod i18n;
pub mod pages;
mod webhooks;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header;
use jxc_app::App;
use tokio::net::TcpListener;

pub use error::ApiError;
pub use guard::{Rule, Surface};

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
}

/// The rule of every guarded route: API and pages.
pub fn route_rules() -> Vec<Rule> {
    let mut rules = api::routes().into_parts().1;
    rules.extend(pages::routes().into_parts().1);
    rules
}

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    let state = AppState { app };
    let (api, _) = api::routes().into_parts();
    let api = api.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::api,
    ));
    let (pages, _) = pages::routes().into_parts();
    let pages = pages
        .merge(pages::public())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::pages,
        ));
    Router::new()
        .nest("/api/v1", api)
        .merge(api::docs())
        .merge(pages)
        .merge(webhooks::routes())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers every response carries: no framing by other sites, no MIME sniffing, and a
/// content policy that allows only our own scripts and styles on the pages.
async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Serves until the process is stopped (Ctrl-C or SIGTERM finish the requests in flight).
pub async fn serve(app: App, listener: TcpListener) -> std::io::Result<()> {
    let service = router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
