//! JSON and query extractors whose rejections use the API's error shape.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// `Json<T>` that answers a malformed body with `400 {code: "bad_request", …}`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = axum::response::Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(bad_request(e.body_text())),
        }
    }
}

/// `Query<T>` that answers malformed parameters with `400`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = axum::response::Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(bad_request(e.body_text())),
        }
    }
}

fn bad_request(text: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = crate::error::ErrorBody {
        code: "bad_request",
        message: text,
        field: None,
        errors: vec![],
    };
    (axum::http::StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}
