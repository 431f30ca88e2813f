//! Maps every application error to an HTTP status and a JSON body, in one place.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jxc_core::FieldError;
use serde::Serialize;

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code: `invalid`, `not_found`, `conflict`, `rule`, `insufficient_stock`,
    /// `unauthorized`, `forbidden`, `rate_limited`, `bad_request`, `internal`.
    pub code: &'static str,
    /// What went wrong, in Chinese then English.
    pub message: String,
    /// The first input field at fault, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, for forms that show each next to its field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub struct ApiError(pub jxc_app::Error);

impl<E: Into<jxc_app::Error>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError(jxc_app::Error::Invalid(vec![FieldError::new(
            "body", message,
        )]))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        use jxc_app::Error as E;
        let message = self.0.to_string();
        let (status, code, field, errors) = match self.0 {
            E::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                errors.first().map(|e| e.field.clone()),
                errors,
            ),
            E::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found", None, vec![]),
            E::Conflict(f) => (
                StatusCode::CONFLICT,
                "conflict",
                Some(f.field.clone()).filter(|f| !f.is_empty()),
                vec![f],
            ),
            E::Rule(_) => (StatusCode::UNPROCESSABLE_ENTITY, "rule", None, vec![]),
            E::InsufficientStock { .. } => {
                (StatusCode::CONFLICT, "insufficient_stock", None, vec![])
            }
            E::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", None, vec![]),
            E::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None, vec![]),
            E::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", None, vec![]),
            E::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream", None, vec![]),
            E::Internal(ref detail) => {
                tracing::error!("internal error: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None, vec![])
            }
        };
        let message = if code == "invalid" {
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join("; ")
        } else if code == "internal" {
            "服务器内部错误，请查看日志 / internal error, see the server log".to_string()
        } else {
            message
        };
        (
            status,
            Json(ErrorBody {
                code,
                message,
                field,
                errors,
            }),
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
