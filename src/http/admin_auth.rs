//! The admin API's guard: `Authorization: Bearer $GOTONG_ADMIN_TOKEN`, compared in constant time.
//! Without a configured token the whole admin API answers 404 (it does not exist); a missing or
//! wrong token answers 401.

use super::error::HttpError;
use super::HttpState;
use axum::extract::{OriginalUri, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

pub async fn require_admin(
    State(state): State<HttpState>,
    request: Request,
    next: Next,
) -> Result<Response, HttpError> {
    let Some(expected) = state.app.config.admin_token.as_deref() else {
        return Err(HttpError::NotFound);
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(token) if bool::from(token.as_bytes().ct_eq(expected.as_bytes())) => {
            Ok(next.run(request).await)
        }
        _ => {
            let path = request
                .extensions()
                .get::<OriginalUri>()
                .map_or_else(|| request.uri().path(), |u| u.path());
            tracing::warn!(path, "admin API: bearer token missing or wrong");
            Err(HttpError::Unauthorized)
        }
    }
}
