//! `GET /webhooks/whatsapp` (Meta's subscription handshake) and `POST /webhooks/whatsapp`
//! (messages and statuses, signed with `X-Hub-Signature-256`).

use super::error::HttpError;
use super::intake::intake;
use super::HttpState;
use crate::channels::whatsapp::inbound::handshake;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct HandshakeQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Answers `hub.challenge` as plain text when the verify token is ours; 403 otherwise.
pub async fn verify_subscription(
    State(state): State<HttpState>,
    Query(q): Query<HandshakeQuery>,
) -> Result<Response, HttpError> {
    let config = state
        .app
        .config
        .whatsapp
        .as_ref()
        .ok_or(HttpError::NotFound)?;
    match handshake(
        &config.verify_token,
        q.mode.as_deref(),
        q.verify_token.as_deref(),
        q.challenge.as_deref(),
    ) {
        Some(challenge) => {
            tracing::info!("whatsapp webhook subscription verified");
            Ok((
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                challenge.to_string(),
            )
                .into_response())
        }
        None => {
            tracing::warn!("whatsapp webhook handshake refused");
            Err(HttpError::Forbidden)
        }
    }
}

pub async fn receive(
    State(state): State<HttpState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    intake(
        &state,
        state.providers.whatsapp_webhook.as_deref(),
        &uri,
        &headers,
        &body,
    )
    .await
}
