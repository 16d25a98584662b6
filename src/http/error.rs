//! The one error type of the HTTP layer, mapped once to status codes.
//!
//! | error | status |
//! | --- | --- |
//! | webhook signature missing or wrong (both channels) | 401 |
//! | signed but malformed webhook payload | 400 |
//! | WhatsApp handshake with a wrong token or mode | 403 |
//! | admin API: bearer token missing or wrong | 401 |
//! | admin API disabled (no `GOTONG_ADMIN_TOKEN`), unknown route, unconfigured channel | 404 |
//! | admin API: `?kelurahan=` names no kelurahan of the deployment | 404 |
//! | admin API: a rule refuses the request (unknown NIK, reason missing, …) | 422 |
//! | admin API: the request conflicts with the state (already decided, …) | 409 |
//! | ledger: already exists (a person's second merchant) | 409 |
//! | ledger: refused (above the balance, under 16, bad date or name) | 422 |
//! | database not answering (`/healthz`) | 503 |
//! | any other store failure | 500 (the provider retries its webhook) |

use crate::channels::WebhookError;
use crate::error::StoreError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("signature missing or wrong")]
    BadSignature,
    #[error("malformed payload: {0}")]
    Malformed(String),
    #[error("forbidden")]
    Forbidden,
    #[error("bearer token missing or wrong")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    /// `?kelurahan=` names no kelurahan of this deployment: 404.
    #[error("unknown kelurahan {0:?}")]
    UnknownKelurahan(String),
    /// The request conflicts with the current state (already decided, a second merchant…): 409.
    #[error("{0}")]
    Conflict(String),
    /// Well-formed but refused by a rule (unknown NIK, above the balance, no reason…): 422.
    #[error("{0}")]
    Unprocessable(String),
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<WebhookError> for HttpError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::BadSignature => HttpError::BadSignature,
            WebhookError::Malformed(m) => HttpError::Malformed(m),
        }
    }
}

impl HttpError {
    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::BadSignature | HttpError::Unauthorized => StatusCode::UNAUTHORIZED,
            HttpError::Malformed(_) => StatusCode::BAD_REQUEST,
            HttpError::Forbidden => StatusCode::FORBIDDEN,
            HttpError::NotFound | HttpError::UnknownKelurahan(_) => StatusCode::NOT_FOUND,
            HttpError::Conflict(_) => StatusCode::CONFLICT,
            HttpError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            HttpError::Unavailable | HttpError::Store(StoreError::Unavailable(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            HttpError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            HttpError::Store(e) => {
                tracing::error!(error = %e, "request failed on the database");
                "internal error".to_string()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(serde_json::json!({ "error": message }))).into_response();
        if matches!(self, HttpError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
