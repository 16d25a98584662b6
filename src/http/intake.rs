//! What every webhook POST does, whatever the provider: verify the signature over the raw bytes,
//! parse, give each message the kelurahan of the number it was sent to, record each message and
//! status durably, answer, and hand the phones to the dispatcher.

use super::error::HttpError;
use super::HttpState;
use crate::channels::{RawWebhook, Webhook};
use crate::parse::mask_phone;
use crate::store::{KelurahanId, StatusOutcome};
use crate::telemetry;
use axum::http::{header, HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use std::time::Instant;

pub async fn intake(
    state: &HttpState,
    hook: Option<&dyn Webhook>,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, HttpError> {
    // A channel that is not configured has no webhook: 404.
    let hook = hook.ok_or(HttpError::NotFound)?;
    let started = Instant::now();
    let channel = hook.channel();
    let raw = RawWebhook {
        path_and_query: uri
            .path_and_query()
            .map_or_else(|| uri.path(), |p| p.as_str()),
        headers,
        body,
    };
    if let Err(e) = hook.verify(&raw) {
        tracing::warn!(%channel, path = uri.path(), "webhook refused: signature missing or wrong");
        return Err(e.into());
    }
    let now = state.app.now();
    let mut events = hook.parse(&raw, now).inspect_err(|e| {
        tracing::warn!(%channel, path = uri.path(), error = %e, "signed webhook refused: malformed");
    })?;
    let numbers = &state.app.numbers;
    for msg in &mut events.messages {
        match numbers.owner_of_message(channel, msg.to.as_deref()).await {
            Some(kelurahan) => msg.kelurahan = kelurahan,
            // Not sent to a number of ours: recorded, never answered from ours.
            None => {
                msg.kelurahan = KelurahanId::DEFAULT;
                msg.phone = None;
            }
        }
    }

    let mut phones: Vec<&str> = Vec::new();
    // Committed before the answer; webhooks arriving together share the commit.
    let ids = state.recorder.record(events.messages.clone(), now).await?;
    for (msg, id) in events.messages.iter().zip(ids) {
        match id {
            Some(id) => {
                metrics::counter!(
                    telemetry::INBOUND,
                    "channel" => channel.as_str(),
                    "kelurahan" => numbers.code(msg.kelurahan)
                )
                .increment(1);
                let phone = msg.phone.as_deref();
                tracing::info!(
                    %channel,
                    id,
                    kelurahan = %msg.kelurahan,
                    kind = msg.content.kind(),
                    phone = %phone.map_or_else(|| "none".into(), mask_phone),
                    "message recorded"
                );
                if let Some(p) = phone.filter(|p| !phones.contains(p)) {
                    phones.push(p);
                }
            }
            None => {
                tracing::info!(%channel, provider_id = msg.provider_id, "redelivered message ignored")
            }
        }
    }
    for status in &events.statuses {
        if let Some(error) = &status.error {
            tracing::warn!(
                %channel,
                provider_id = status.provider_id,
                status = status.status.as_str(),
                error,
                "the provider reports an error for a message we sent"
            );
        }
        let outcome = state.app.db.apply_status(status).await?;
        if status.unsubscribed {
            let ours = state
                .app
                .db
                .opt_out_recipient_of(channel, &status.provider_id, status.recipient.as_deref())
                .await?;
            if ours {
                tracing::info!(
                    %channel,
                    provider_id = status.provider_id,
                    "the recipient unsubscribed at the provider: opted out of broadcasts"
                );
            }
        }
        metrics::counter!(
            telemetry::DELIVERY_STATUS,
            "channel" => channel.as_str(),
            "status" => status.status.as_str()
        )
        .increment(1);
        match outcome {
            StatusOutcome::Applied => {}
            StatusOutcome::Stale => tracing::debug!(
                %channel,
                provider_id = status.provider_id,
                status = status.status.as_str(),
                "late status kept out (a later state is recorded)"
            ),
            StatusOutcome::Unknown => tracing::info!(
                %channel,
                provider_id = status.provider_id,
                status = status.status.as_str(),
                "status for a message we do not know (yet): kept for the sweep"
            ),
        }
    }
    for phone in phones {
        state.dispatcher.dispatch(phone);
    }
    metrics::histogram!(telemetry::WEBHOOK_SECONDS, "channel" => channel.as_str())
        .record(started.elapsed().as_secs_f64());
    let ack = hook.ack();
    Ok(([(header::CONTENT_TYPE, ack.content_type)], ack.body).into_response())
}
