//! Sending an SMS through SMS Gateway for Android: `POST {ANDROID_SMS_API_URL}/message`, basic
//! auth (the app's username and password), JSON
//! `{"textMessage": {"text"}, "phoneNumbers": [to], "simNumber", "deviceId", "withDeliveryReport": true}`;
//! answered `202 {"id", "state": "Pending", …}`. The id comes back in the `sms:sent` /
//! `sms:delivered` / `sms:failed` events as `payload.messageId`.
//!
//! The whole text is sent: the app splits a text over 160 characters into a multipart SMS that
//! the resident's phone reassembles, so a long reply is never cut here.
//!
//! Which phone and SIM send is the [`SimPool`]'s choice among the kelurahan's gateway phones (the
//! SMS numbers `android:<deviceId>` of the kelurahan whose number `from` is); when every SIM is
//! at its cap or resting, the send is a retryable failure and nothing leaves.

use super::sims::{SimKey, SimPool};
use crate::channels::{SendError, Sender};
use crate::clock::Clock;
use crate::config::AndroidConfig;
use crate::kelurahan::NumberDirectory;
use crate::message::{Body, Channel};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub struct AndroidSender {
    client: reqwest::Client,
    url: String,
    username: String,
    password: String,
    sims: Arc<SimPool>,
    numbers: Arc<NumberDirectory>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest<'a> {
    pub text_message: TextMessage<'a>,
    pub phone_numbers: [&'a str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim_number: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<&'a str>,
    pub with_delivery_report: bool,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct TextMessage<'a> {
    pub text: &'a str,
}

/// The request sending `body` to `phone` from `sim`.
pub fn request<'a>(sim: &'a SimKey, phone: &'a str, body: &'a Body) -> SendRequest<'a> {
    SendRequest {
        text_message: TextMessage {
            text: body.main_text(),
        },
        phone_numbers: [phone],
        sim_number: sim.sim,
        device_id: Some(sim.device.as_str()).filter(|d| !d.is_empty()),
        with_delivery_report: true,
    }
}

#[derive(Deserialize)]
struct Accepted {
    id: Option<String>,
}

#[derive(Deserialize)]
struct Refused {
    #[serde(default)]
    message: String,
}

/// Reads the gateway's answer: the message id, or a classified error (timeouts, 429 and 5xx
/// retryable; other 4xx permanent, kept with the gateway's message).
pub fn classify_response(status: reqwest::StatusCode, body: &[u8]) -> Result<String, SendError> {
    if status.is_success() {
        return match serde_json::from_slice::<Accepted>(body)
            .ok()
            .and_then(|a| a.id)
        {
            Some(id) if !id.trim().is_empty() => Ok(id),
            _ => Err(SendError::Permanent {
                code: format!("http-{}", status.as_u16()),
                message: "accepted without a message id".into(),
            }),
        };
    }
    let message = serde_json::from_slice::<Refused>(body)
        .ok()
        .map(|r| r.message)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_string());
    Err(SendError::refused(status, None, message, false))
}

impl AndroidSender {
    pub fn new(
        client: reqwest::Client,
        config: &AndroidConfig,
        sims: Arc<SimPool>,
        numbers: Arc<NumberDirectory>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        AndroidSender {
            client,
            url: format!("{}/message", config.api_url),
            username: config.username.clone(),
            password: config.password.clone(),
            sims,
            numbers,
            clock,
        }
    }

    /// The gateway phones of the kelurahan whose SMS number `from` is.
    async fn phones_of(&self, from: Option<&str>) -> Vec<String> {
        let kelurahan = self.numbers.kelurahan_of(Channel::Sms, from).await;
        let mut phones = Vec::new();
        for device in self.sims.devices() {
            let number = super::device_number(&device);
            let of = if device.is_empty() {
                // A local-mode phone names no device: it serves whoever sends through it.
                kelurahan
            } else {
                self.numbers.kelurahan_of(Channel::Sms, Some(&number)).await
            };
            if of == kelurahan {
                phones.push(device);
            }
        }
        phones
    }
}

#[async_trait::async_trait]
impl Sender for AndroidSender {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    async fn send(
        &self,
        from: Option<&str>,
        phone: &str,
        body: &Body,
    ) -> Result<String, SendError> {
        let allowed = self.phones_of(from).await;
        let fallback = SimKey {
            device: from
                .and_then(super::device_of)
                .unwrap_or_default()
                .to_string(),
            sim: None,
        };
        let sim = self
            .sims
            .reserve(&allowed, phone, fallback, self.clock.now_ms())
            .map_err(|busy| {
                SendError::Retryable(format!(
                    "every gateway SIM is at its cap or resting; one is free in {} s",
                    (busy.retry_after_ms + 999) / 1000
                ))
            })?;
        let result = match self
            .client
            .post(&self.url)
            .basic_auth(&self.username, Some(&self.password))
            .json(&request(&sim, phone, body))
            .send()
            .await
        {
            Err(e) => Err(SendError::transport(&e)),
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Err(e) => Err(SendError::transport(&e)),
                    Ok(bytes) => classify_response(status, &bytes),
                }
            }
        };
        match &result {
            Ok(_) => self.sims.outcome(&sim, true, self.clock.now_ms()),
            // The phone or its SIM did not take it (asleep, offline, overloaded).
            Err(SendError::Retryable(_)) => self.sims.outcome(&sim, false, self.clock.now_ms()),
            // This message's fault (a bad number…), not the SIM's.
            Err(SendError::Permanent { .. }) => {}
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn the_request_names_recipient_text_sim_and_phone() {
        let sim = SimKey {
            device: "dev1".into(),
            sim: Some(2),
        };
        let long = "Saldo keluarga ".repeat(30);
        let body = Body::text(long.clone());
        assert_eq!(
            serde_json::to_value(request(&sim, "+6281234567101", &body)).unwrap(),
            serde_json::json!({
                "textMessage": { "text": long },
                "phoneNumbers": ["+6281234567101"],
                "simNumber": 2,
                "deviceId": "dev1",
                "withDeliveryReport": true
            })
        );
        let local = SimKey {
            device: String::new(),
            sim: None,
        };
        let v = serde_json::to_value(request(&local, "+62", &Body::text("x"))).unwrap();
        assert!(v.get("simNumber").is_none() && v.get("deviceId").is_none());
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(
            classify_response(
                StatusCode::ACCEPTED,
                br#"{"id":"PyDmBQZZXYmyxMwED8Fzy","state":"Pending","recipients":[{"phoneNumber":"+6281234567101","state":"Pending"}]}"#
            ),
            Ok("PyDmBQZZXYmyxMwED8Fzy".into())
        );
        assert_eq!(
            classify_response(
                StatusCode::BAD_REQUEST,
                br#"{"message":"invalid phone number"}"#
            ),
            Err(SendError::Permanent {
                code: "http-400".into(),
                message: "invalid phone number".into()
            })
        );
        assert!(matches!(
            classify_response(StatusCode::SERVICE_UNAVAILABLE, b""),
            Err(SendError::Retryable(_))
        ));
        assert!(matches!(
            classify_response(StatusCode::TOO_MANY_REQUESTS, b""),
            Err(SendError::Retryable(_))
        ));
        assert!(matches!(
            classify_response(StatusCode::ACCEPTED, b"{}"),
            Err(SendError::Permanent { .. })
        ));
    }
}
