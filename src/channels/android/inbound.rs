//! Reading SMS Gateway for Android webhooks (`POST /webhooks/android-sms`, JSON):
//! `{deviceId, event, id, payload{…}, webhookId}`, one event a request.
//!
//! - `sms:received` (`messageId`, `message`, `phoneNumber`, `simNumber`, `receivedAt`): a
//!   resident's SMS. Its `to` is the gateway phone it came through (`android:<deviceId>`), so it
//!   belongs to that phone's kelurahan. `payload.messageId` is derived from the content and is
//!   **not unique** (two residents sending "SALDO" may share it), so the message is keyed by the
//!   event `id`, which the app keeps across its retries; without one, by device + phone +
//!   received time + text. Either way a second resident's identical text is its own message.
//! - `mms:received`: recorded as a picture message (the resident is told only text is read).
//! - `sms:sent`, `sms:delivered`, `sms:failed` (`messageId`: the id the send API gave us,
//!   `reason` on failure): statuses, which move the outbox row forward only (the store's rule).
//! - `system:ping`: the phone is alive.
//!
//! Every event also tells the [`SimPool`] that its phone and SIM exist; `sms:failed` counts
//! against the SIM. Other events are answered 200 and ignored (the app would otherwise retry them
//! for two days).

use super::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::sims::{SimKey, SimPool};
use crate::channels::{RawWebhook, Webhook, WebhookAck, WebhookError, WebhookEvents};
use crate::clock::Clock;
use crate::message::{Channel, Content, Delivery, Inbound, StatusUpdate};
use crate::parse::{mask_phone, normalize_phone};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The prefix of the inbound ids recorded for this provider (`UNIQUE(channel, provider_id)` is
/// shared with Twilio's `SM…` ids on the SMS channel).
pub const ID_PREFIX: &str = "asg:";

pub struct AndroidWebhook {
    signing_key: String,
    clock: Arc<dyn Clock>,
    sims: Arc<SimPool>,
}

impl AndroidWebhook {
    pub fn new(signing_key: &str, clock: Arc<dyn Clock>, sims: Arc<SimPool>) -> Self {
        AndroidWebhook {
            signing_key: signing_key.to_string(),
            clock,
            sims,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(default)]
    device_id: Option<String>,
    event: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    payload: Payload,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    message_id: Option<String>,
    message: Option<String>,
    phone_number: Option<String>,
    sim_number: Option<i64>,
    received_at: Option<String>,
    sent_at: Option<String>,
    delivered_at: Option<String>,
    failed_at: Option<String>,
    reason: Option<String>,
}

/// What one request carried, besides messages and statuses.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Message(Inbound),
    Status(StatusUpdate),
    Ping,
    Ignored,
}

/// An event's device and SIM, as the pool names them.
fn sim_key(device: Option<&str>, sim: Option<i64>) -> SimKey {
    SimKey {
        device: device.unwrap_or_default().to_string(),
        sim: sim
            .and_then(|s| u8::try_from(s).ok())
            .filter(|s| (1..=3).contains(s)),
    }
}

/// An RFC 3339 time as the app writes it (`2024-06-22T15:46:11.000+07:00`) → epoch ms.
fn time_ms(s: Option<&str>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s?.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The key of a received message: the event id, or (an app that sent none) a digest of device,
/// phone, received time and text.
fn message_key(e: &Event, text: &str) -> String {
    match e.id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => format!("{ID_PREFIX}{id}"),
        None => {
            let mut h = Sha256::new();
            for part in [
                e.device_id.as_deref().unwrap_or_default(),
                e.payload.phone_number.as_deref().unwrap_or_default(),
                e.payload.received_at.as_deref().unwrap_or_default(),
                text,
            ] {
                h.update(part.as_bytes());
                h.update([0u8]);
            }
            format!("{ID_PREFIX}h:{}", &hex::encode(h.finalize())[..32])
        }
    }
}

/// Parses one event body (already verified). `now` (epoch ms) stands in for missing times.
pub fn parse_event(body: &[u8], now: i64) -> Result<(Parsed, SimKey), WebhookError> {
    let e: Event =
        serde_json::from_slice(body).map_err(|err| WebhookError::Malformed(err.to_string()))?;
    let device = e
        .device_id
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let key = sim_key(device, e.payload.sim_number);
    let parsed =
        match e.event.as_str() {
            "sms:received" | "mms:received" => {
                let raw_phone =
                    e.payload.phone_number.as_deref().ok_or_else(|| {
                        WebhookError::Malformed("payload.phoneNumber missing".into())
                    })?;
                let content = if e.event == "mms:received" {
                    Content::Unsupported { kind: "mms".into() }
                } else {
                    let text =
                        e.payload.message.clone().ok_or_else(|| {
                            WebhookError::Malformed("payload.message missing".into())
                        })?;
                    Content::Text { text }
                };
                let phone = normalize_phone(raw_phone);
                if phone.is_none() {
                    tracing::warn!(
                        from = %mask_phone(raw_phone),
                        "sms sender is not a phone number: recorded, not answered"
                    );
                }
                Parsed::Message(Inbound {
                    channel: Channel::Sms,
                    phone,
                    provider_id: message_key(&e, content.input_text()),
                    content,
                    sent_at: time_ms(e.payload.received_at.as_deref()).unwrap_or(now),
                    to: device.map(super::device_number),
                    // Resolved from `to` by the webhook intake.
                    kelurahan: crate::store::KelurahanId::DEFAULT,
                })
            }
            "sms:sent" | "sms:delivered" | "sms:failed" => {
                let provider_id = e
                    .payload
                    .message_id
                    .clone()
                    .filter(|id| !id.trim().is_empty())
                    .ok_or_else(|| WebhookError::Malformed("payload.messageId missing".into()))?;
                let (status, at) = match e.event.as_str() {
                    "sms:sent" => (Delivery::Sent, &e.payload.sent_at),
                    "sms:delivered" => (Delivery::Delivered, &e.payload.delivered_at),
                    _ => (Delivery::Failed, &e.payload.failed_at),
                };
                let error = (status == Delivery::Failed).then(|| {
                    format!(
                        "sms:failed: {}",
                        e.payload.reason.as_deref().unwrap_or("no reason given")
                    )
                });
                Parsed::Status(StatusUpdate {
                    channel: Channel::Sms,
                    provider_id,
                    // The recipient, when the event names it: only that phone's row moves.
                    recipient: e.payload.phone_number.as_deref().and_then(normalize_phone),
                    status,
                    error,
                    unsubscribed: false,
                    at: time_ms(at.as_deref()).unwrap_or(now),
                })
            }
            "system:ping" => Parsed::Ping,
            other => {
                tracing::info!(event = other, "gateway event ignored");
                Parsed::Ignored
            }
        };
    Ok((parsed, key))
}

impl Webhook for AndroidWebhook {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn verify(&self, req: &RawWebhook<'_>) -> Result<(), WebhookError> {
        let header = |name| req.headers.get(name).and_then(|v| v.to_str().ok());
        signature::verify(
            &self.signing_key,
            req.body,
            header(TIMESTAMP_HEADER),
            header(SIGNATURE_HEADER),
            self.clock.now_ms().div_euclid(1000),
        )
        .map_err(|e| {
            tracing::debug!(reason = %e, "gateway webhook refused");
            WebhookError::BadSignature
        })
    }

    fn parse(&self, req: &RawWebhook<'_>, now: i64) -> Result<WebhookEvents, WebhookError> {
        let (parsed, key) = parse_event(req.body, now)?;
        let mut events = WebhookEvents::default();
        match parsed {
            Parsed::Message(msg) => {
                match &msg.phone {
                    Some(phone) => self.sims.wrote_to(phone, &key.device, key.sim, now),
                    None => self.sims.seen(&key.device, key.sim, now),
                }
                events.messages.push(msg);
            }
            Parsed::Status(status) => {
                self.sims.seen(&key.device, key.sim, now);
                match status.status {
                    Delivery::Failed => self.sims.outcome(&key, false, now),
                    _ => self.sims.outcome(&key, true, now),
                }
                events.statuses.push(status);
            }
            Parsed::Ping => self.sims.pinged(&key.device, now),
            Parsed::Ignored => {}
        }
        Ok(events)
    }

    fn ack(&self) -> WebhookAck {
        WebhookAck {
            content_type: "application/json",
            body: "{}",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(id: Option<&str>, phone: &str, text: &str) -> Vec<u8> {
        serde_json::json!({
            "deviceId": "ffffffffceb0b1db0000018e937c815b",
            "event": "sms:received",
            "id": id,
            "payload": {
                "messageId": "abc123",
                "message": text,
                "phoneNumber": phone,
                "simNumber": 2,
                "receivedAt": "2024-06-22T15:46:11.000+07:00"
            },
            "webhookId": "w1"
        })
        .to_string()
        .into_bytes()
    }

    fn message(body: &[u8]) -> (Inbound, SimKey) {
        match parse_event(body, 5).unwrap() {
            (Parsed::Message(m), k) => (m, k),
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn a_received_sms_names_its_phone_its_gateway_and_its_sim() {
        let (m, k) = message(&received(
            Some("Ey6ECgOkVVFjz3CL48B8C"),
            "081234567101",
            "SALDO",
        ));
        assert_eq!(m.phone.as_deref(), Some("+6281234567101"));
        assert_eq!(m.provider_id, "asg:Ey6ECgOkVVFjz3CL48B8C");
        assert_eq!(
            m.content,
            Content::Text {
                text: "SALDO".into()
            }
        );
        assert_eq!(
            m.to.as_deref(),
            Some("android:ffffffffceb0b1db0000018e937c815b")
        );
        assert_eq!(m.sent_at, 1_719_045_971_000);
        assert_eq!(
            (k.device.as_str(), k.sim),
            ("ffffffffceb0b1db0000018e937c815b", Some(2))
        );
        for phone in ["6281234567101", "+6281234567101", "+62 812-3456-7101"] {
            assert_eq!(
                message(&received(None, phone, "x")).0.phone.as_deref(),
                Some("+6281234567101")
            );
        }
    }

    #[test]
    fn the_same_text_of_two_residents_is_two_messages() {
        // Both carry messageId "abc123": the event id, or the digest with the phone, tells them apart.
        let a = message(&received(Some("e1"), "081234567101", "SALDO")).0;
        let b = message(&received(Some("e2"), "081234567102", "SALDO")).0;
        assert_ne!(a.provider_id, b.provider_id);
        let a = message(&received(None, "081234567101", "SALDO")).0;
        let b = message(&received(None, "081234567102", "SALDO")).0;
        assert_ne!(a.provider_id, b.provider_id);
        // A redelivery without an id keys the same.
        assert_eq!(
            a.provider_id,
            message(&received(None, "081234567101", "SALDO"))
                .0
                .provider_id
        );
        assert!(a.provider_id.starts_with("asg:h:"));
    }

    #[test]
    fn statuses_and_pings() {
        let failed = br#"{"deviceId":"d1","event":"sms:failed","id":"e9","payload":{"messageId":"m1","phoneNumber":"+6281234567101","simNumber":1,"failedAt":"2024-02-20T15:30:00Z","reason":"RESULT_ERROR_NO_SERVICE"},"webhookId":"w"}"#;
        let (p, k) = parse_event(failed, 5).unwrap();
        assert_eq!(
            p,
            Parsed::Status(StatusUpdate {
                channel: Channel::Sms,
                provider_id: "m1".into(),
                recipient: Some("+6281234567101".into()),
                status: Delivery::Failed,
                error: Some("sms:failed: RESULT_ERROR_NO_SERVICE".into()),
                unsubscribed: false,
                at: 1_708_443_000_000,
            })
        );
        assert_eq!(
            k,
            SimKey {
                device: "d1".into(),
                sim: Some(1)
            }
        );
        let ping = br#"{"deviceId":"d1","event":"system:ping","id":"e10","payload":{"health":{"status":"pass"}},"webhookId":"w"}"#;
        assert_eq!(parse_event(ping, 5).unwrap().0, Parsed::Ping);
        let other = br#"{"deviceId":"d1","event":"sms:data-received","id":"e11","payload":{}}"#;
        assert_eq!(parse_event(other, 5).unwrap().0, Parsed::Ignored);
        assert!(parse_event(b"{", 5).is_err());
        assert!(parse_event(br#"{"event":"sms:received","payload":{"message":"x"}}"#, 5).is_err());
        assert!(parse_event(br#"{"event":"sms:sent","payload":{}}"#, 5).is_err());
    }
}
