//! jxc-web: the HTTP layer. The only crate that knows HTTP.
//!
//! - `/api/v1/…`: the REST API (JSON; errors `{code, message, field?, errors?}`), guarded
//!   by the admin API token (`Authorization: Bearer …`).
//! - `/api/openapi.json` and `/api/docs`: the OpenAPI document and a browsable API page.
//! - `/healthz`: liveness, no token.

pub mod api;
mod auth;
mod error;
mod extract;

use axum::Router;
use jxc_app::App;
use tokio::net::TcpListener;

pub use error::ApiError;

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
}

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    let state = AppState { app };
    let api = api::routes().layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ));
    Router::new()
        .nest("/api/v1", api)
        .merge(api::docs())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route(
            "/",
            axum::routing::get(|| async { axum::response::Redirect::temporary("/api/docs/") }),
        )
        .with_state(state)
}

/// Serves until the process is stopped (Ctrl-C or SIGTERM finish the requests in flight).
pub async fn serve(app: App, listener: TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(app))
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
