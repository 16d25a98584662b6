//! `GET /healthz`: 200 when the database answers, 503 otherwise.

use super::error::HttpError;
use super::HttpState;
use axum::extract::State;
use std::time::Duration;

pub async fn healthz(State(state): State<HttpState>) -> Result<&'static str, HttpError> {
    match tokio::time::timeout(Duration::from_secs(3), state.app.db.ping()).await {
        Ok(Ok(())) => Ok("ok"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database error");
            Err(HttpError::Unavailable)
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer in time");
            Err(HttpError::Unavailable)
        }
    }
}
