//! The API token check. Every `/api/v1` request must carry `Authorization: Bearer <token>`.
//! (The users-and-roles issue adds per-user tokens, sessions and the role table.)

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let ok = match token {
        Some(t) if !t.is_empty() => match state.app.verify_token(t).await {
            Ok(ok) => ok,
            Err(e) => return ApiError(e).into_response(),
        },
        _ => false,
    };
    if !ok {
        return ApiError(jxc_app::Error::Unauthorized).into_response();
    }
    next.run(req).await
}
