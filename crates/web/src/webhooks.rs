//! `POST /hooks/{shop_id}`: where Shopify, WooCommerce and Douyin push orders, and
//! `POST /hooks/tracking/kuaidi100`: where 快递100 pushes parcel traces. Public —
//! a platform cannot sign in — so it sits outside the sign-in middleware and the route
//! table; what proves the caller is the platform's signature, which the app checks
//! before it reads or stores anything.
//!
//! Answers: 200 with what the webhook did (also for a delivery seen before: `duplicate`),
//! 401 for a bad or missing signature (nothing stored), 404 for an unknown shop or one
//! whose platform does not push, 422 when the shop lacks the secret to check with.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jxc_core::ids::ShopId;

use crate::AppState;
use crate::error::ApiError;

/// The largest body a platform may push.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/hooks/{shop_id}",
            post(receive).layer(DefaultBodyLimit::max(MAX_BODY)),
        )
        .route(
            "/hooks/tracking/kuaidi100",
            post(kuaidi100).layer(DefaultBodyLimit::max(MAX_BODY)),
        )
}

/// 快递100's tracking callback: answered with its success body once recorded (or for a
/// parcel we do not know), else its failure shape so that it sends again; a bad
/// signature is 401 and nothing is read.
async fn kuaidi100(State(s): State<AppState>, body: Bytes) -> Response {
    use axum::http::{StatusCode, header};
    let json = [(header::CONTENT_TYPE, "application/json; charset=utf-8")];
    match s.app.receive_tracking_callback(&body).await {
        Ok(()) => (json, jxc_app::tracking::CALLBACK_OK).into_response(),
        Err(e) => {
            let status = match e {
                jxc_app::Error::Unauthorized => {
                    tracing::warn!("快递100 callback refused: bad signature");
                    StatusCode::UNAUTHORIZED
                }
                jxc_app::Error::Invalid(_) | jxc_app::Error::NotFound { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let body =
                serde_json::json!({"result": false, "returnCode": "500", "message": e.to_string()});
            (status, json, body.to_string()).into_response()
        }
    }
}

/// Every header as `(lower-case name, value)`; a value that is not UTF-8 is read lossily.
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

async fn receive(
    State(s): State<AppState>,
    Path(shop_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(id) = shop_id.parse::<i64>() else {
        return ApiError(jxc_app::Error::not_found("shop", shop_id)).into_response();
    };
    let pairs = header_pairs(&headers);
    match s.app.receive_webhook(ShopId(id), &pairs, &body).await {
        Ok(out) => axum::Json(out).into_response(),
        Err(e) => {
            if matches!(e, jxc_app::Error::Unauthorized) {
                tracing::warn!("webhook for shop {id} refused: bad signature");
            }
            ApiError(e).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn headers_are_passed_with_lower_case_names() {
        let mut h = HeaderMap::new();
        h.insert("X-Shopify-Topic", HeaderValue::from_static("orders/create"));
        assert_eq!(
            header_pairs(&h),
            vec![("x-shopify-topic".to_string(), "orders/create".to_string())]
        );
    }
}
