//! `POST /webhooks/android-sms`: SMS Gateway for Android's events (JSON), signed with
//! `X-Signature` / `X-Timestamp`; through the shared intake like every webhook.

use super::error::HttpError;
use super::intake::intake;
use super::HttpState;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::response::Response;

pub async fn receive(
    State(state): State<HttpState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    intake(
        &state,
        state.providers.android_webhook.as_deref(),
        &uri,
        &headers,
        &body,
    )
    .await
}
