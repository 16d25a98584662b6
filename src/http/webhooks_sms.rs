//! `POST /webhooks/sms` (an incoming SMS) and `POST /webhooks/sms/status` (delivery reports), both
//! form-encoded and signed with `X-Twilio-Signature` over `GOTONG_PUBLIC_URL` + the path.

use super::error::HttpError;
use super::intake::intake;
use super::HttpState;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::response::Response;

pub async fn receive_message(
    State(state): State<HttpState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    intake(
        &state,
        state.providers.sms_webhook.as_deref(),
        &uri,
        &headers,
        &body,
    )
    .await
}

pub async fn receive_status(
    State(state): State<HttpState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    intake(
        &state,
        state.providers.sms_status_webhook.as_deref(),
        &uri,
        &headers,
        &body,
    )
    .await
}
