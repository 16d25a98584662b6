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
//! SMS numbers `android:<deviceId>` of the kelurahan whose number `from` is; a kelurahan without
//! a phone of its own sends through the default kelurahan's). When every SIM is at its cap, or
//! every phone is down (its SIMs resting after failures, and a probe send failed too), nothing
//! leaves and the message *waits* ([`SendError::Wait`]): no try is counted, so a backlog is never
//! given up while the phones are away, and it drains when one is back.

use super::sims::{SimKey, SimPool};
use crate::channels::{send_request, SendAnswer, SendError, Sender};
use crate::clock::Clock;
use crate::config::AndroidConfig;
use crate::kelurahan::NumberDirectory;
use crate::message::{Body, Channel};
use crate::store::KelurahanId;
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
    let answer = SendAnswer {
        id: serde_json::from_slice::<Accepted>(body)
            .ok()
            .and_then(|a| a.id),
        message: serde_json::from_slice::<Refused>(body)
            .ok()
            .map(|r| r.message),
        ..SendAnswer::default()
    };
    SendError::classify(status, answer)
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
        phones_for(&self.sims, &self.numbers, kelurahan).await
    }
}

/// The gateway phones that send for `kelurahan`: its own (a local-mode phone, which names no
/// device, serves everyone), or the default kelurahan's when it has none.
pub async fn phones_for(
    sims: &SimPool,
    numbers: &NumberDirectory,
    kelurahan: KelurahanId,
) -> Vec<String> {
    let mut owned: Vec<(String, KelurahanId)> = Vec::new();
    for device in sims.devices() {
        let of = if device.is_empty() {
            kelurahan
        } else {
            let number = super::device_number(&device);
            numbers.kelurahan_of(Channel::Sms, Some(&number)).await
        };
        owned.push((device, of));
    }
    let of = |k: KelurahanId| -> Vec<String> {
        owned
            .iter()
            .filter(|(_, of)| *of == k)
            .map(|(d, _)| d.clone())
            .collect()
    };
    let own = of(kelurahan);
    if own.is_empty() {
        of(KelurahanId::DEFAULT)
    } else {
        own
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
        // Before any of its SIMs is known: the phone `from` names, else one of the kelurahan's
        // phones (the app picks the SIM).
        let device = from
            .and_then(super::device_of)
            .map(str::to_string)
            .or_else(|| allowed.first().cloned())
            .unwrap_or_default();
        let fallback = SimKey { device, sim: None };
        let now = || self.clock.now_ms();
        let sim = self
            .sims
            .reserve(&allowed, phone, fallback, now())
            .map_err(|busy| SendError::Wait {
                retry_after_ms: busy.retry_after_ms,
                reason: busy.reason(),
            })?;
        let request = self
            .client
            .post(&self.url)
            .basic_auth(&self.username, Some(&self.password))
            .json(&request(&sim, phone, body));
        let result = match send_request(request).await {
            Ok((status, answer)) => classify_response(status, &answer),
            Err(e) => Err(e),
        };
        match result {
            Ok(id) => {
                self.sims.outcome(&sim, true, now());
                Ok(id)
            }
            // The phone or its SIM did not take it (asleep, offline, overloaded): when that was
            // the last SIM standing, every phone is down and the message waits for one.
            Err(SendError::Retryable(reason)) => {
                self.sims.outcome(&sim, false, now());
                match self.sims.down_for(&allowed, now()) {
                    Some(retry_after_ms) => Err(SendError::Wait {
                        retry_after_ms,
                        reason: format!("every gateway phone is down: {reason}"),
                    }),
                    None => Err(SendError::Retryable(reason)),
                }
            }
            // This message's fault (a bad number…), not the SIM's.
            Err(other) => Err(other),
        }
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
