//! Messaging providers: what comes in through their webhooks and how replies go out.
//!
//! A provider is one module implementing two small traits:
//! - [`Webhook`]: check a request's signature (before anything is parsed), then turn the raw body
//!   into channel-neutral [`Inbound`] messages and [`StatusUpdate`]s, and say what to answer;
//! - [`Sender`]: send one [`Body`] to one phone from one of our numbers, returning the
//!   provider's message id or a [`SendError`] that says whether trying again can help.
//!
//! The HTTP layer (`crate::http`) and the outbox (`crate::outbox`) only see these traits.

pub mod android;
pub mod twilio;
pub mod whatsapp;

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, SmsProvider};
use crate::kelurahan::NumberDirectory;
use crate::message::{Body, Channel, Inbound, StatusUpdate};
use axum::http::HeaderMap;
use std::sync::Arc;
use std::time::Duration;

/// A webhook request as received: what a signature check and a parser need.
#[derive(Clone, Copy, Debug)]
pub struct RawWebhook<'a> {
    /// Path and query exactly as requested (`/webhooks/sms?x=1`).
    pub path_and_query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What one webhook request carried.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookEvents {
    pub messages: Vec<Inbound>,
    pub statuses: Vec<StatusUpdate>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    /// The signature header is missing or does not match: the request is not from the provider.
    #[error("signature missing or wrong")]
    BadSignature,
    /// Signed, but not a payload we can read.
    #[error("malformed payload: {0}")]
    Malformed(String),
}

/// What a webhook answers once the events are recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookAck {
    pub content_type: &'static str,
    pub body: &'static str,
}

/// The inbound half of a provider.
pub trait Webhook: Send + Sync {
    fn channel(&self) -> Channel;
    /// Checks the request's signature over the raw bytes, in constant time.
    fn verify(&self, req: &RawWebhook<'_>) -> Result<(), WebhookError>;
    /// Parses a verified request. `now` (epoch ms) stands in for missing provider timestamps.
    fn parse(&self, req: &RawWebhook<'_>, now: i64) -> Result<WebhookEvents, WebhookError>;
    /// The answer once everything is durably recorded.
    fn ack(&self) -> WebhookAck;
}

/// Why a send did not go through.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// Timeouts, connection errors, 429, 5xx: the same request may succeed later.
    #[error("temporary failure: {0}")]
    Retryable(String),
    /// The provider refused this message (bad number, template not approved…): never retried.
    #[error("refused by the provider: {code}: {message}")]
    Permanent { code: String, message: String },
    /// Nothing can go out now, through no fault of this message: every gateway SIM is at its cap,
    /// or every gateway phone is down. The message waits `retry_after_ms` with no try counted, so
    /// it is never given up for it, however long that lasts.
    #[error("waiting {retry_after_ms} ms: {reason}")]
    Wait { retry_after_ms: i64, reason: String },
}

impl SendError {
    /// A provider's refusal: HTTP 429, 5xx and the provider's own "too fast" codes (`throttled`)
    /// are worth retrying; anything else is permanent, kept with the provider's code.
    pub fn refused(
        status: reqwest::StatusCode,
        code: Option<i64>,
        message: String,
        throttled: bool,
    ) -> Self {
        if status.as_u16() == 429 || status.is_server_error() || throttled {
            let code = code.map(|c| format!(" code {c}")).unwrap_or_default();
            SendError::Retryable(format!("HTTP {}{code}: {message}", status.as_u16()))
        } else {
            SendError::Permanent {
                code: code
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| format!("http-{}", status.as_u16())),
                message,
            }
        }
    }

    /// The one reading of a send's HTTP answer, for every provider: a 2xx with a message id is
    /// accepted; a 2xx without one cannot be followed (no status would ever match it), so it is
    /// permanent; anything else is [`SendError::refused`] with the provider's code and message
    /// (HTTP's reason phrase when it gave none).
    pub(crate) fn classify(
        status: reqwest::StatusCode,
        answer: SendAnswer,
    ) -> Result<String, Self> {
        if status.is_success() {
            return match answer.id {
                Some(id) if !id.trim().is_empty() => Ok(id),
                _ => Err(SendError::Permanent {
                    code: format!("http-{}", status.as_u16()),
                    message: "accepted without a message id".into(),
                }),
            };
        }
        let message = answer
            .message
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_string());
        Err(SendError::refused(
            status,
            answer.code,
            message,
            answer.throttled,
        ))
    }

    /// A transport failure (timeout, refused connection, broken body) is worth retrying.
    pub fn transport(e: &reqwest::Error) -> Self {
        let what = if e.is_timeout() {
            "timeout"
        } else if e.is_connect() {
            "connection failed"
        } else {
            "transport error"
        };
        SendError::Retryable(what.to_string())
    }
}

/// What a provider's answer to a send says, as its module reads the body (see
/// [`SendError::classify`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SendAnswer {
    /// The message id of an accepted send.
    pub id: Option<String>,
    /// The provider's error code and message, for a refused one.
    pub code: Option<i64>,
    pub message: Option<String>,
    /// The provider's own "too fast, try later" (retried whatever the HTTP status).
    pub throttled: bool,
}

/// Sends a prepared request and reads the whole answer; a transport failure is retryable.
pub(crate) async fn send_request(
    request: reqwest::RequestBuilder,
) -> Result<(reqwest::StatusCode, bytes::Bytes), SendError> {
    let response = request.send().await.map_err(|e| SendError::transport(&e))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| SendError::transport(&e))?;
    Ok((status, body))
}

/// The outbound half of a provider.
#[async_trait::async_trait]
pub trait Sender: Send + Sync {
    fn channel(&self) -> Channel;
    /// Sends `body` to `phone` (E.164) from the number `from` (a WhatsApp `phone_number_id`, an
    /// SMS number: the kelurahan's), or from the configured one when `None`. Returns the
    /// provider's message id.
    async fn send(&self, from: Option<&str>, phone: &str, body: &Body)
        -> Result<String, SendError>;
}

/// The configured providers. A provider without configuration has no webhook routes (they answer
/// 404) and no sender.
#[derive(Clone, Default)]
pub struct Providers {
    pub whatsapp_webhook: Option<Arc<dyn Webhook>>,
    pub sms_webhook: Option<Arc<dyn Webhook>>,
    pub sms_status_webhook: Option<Arc<dyn Webhook>>,
    /// SMS Gateway for Android's events (`POST /webhooks/android-sms`).
    pub android_webhook: Option<Arc<dyn Webhook>>,
    /// The gateway phones and SIMs (health for `/metrics` and `GET /api/sms-devices`).
    pub sms_devices: Option<Arc<android::sims::SimPool>>,
    /// SMS go out through the gateway phones (`SMS_PROVIDER=android`), paced at this `SMS_MPS`.
    pub android_sends_at: Option<u32>,
    pub senders: Vec<Arc<dyn Sender>>,
}

impl Providers {
    /// Builds every configured provider. `timeout` bounds each send request; `numbers` tells
    /// the Android sender which gateway phones are a kelurahan's. Both SMS providers' webhooks
    /// are served when both are configured; only `SMS_PROVIDER`'s sends.
    pub fn from_config(
        config: &Config,
        timeout: Duration,
        numbers: Arc<NumberDirectory>,
    ) -> reqwest::Result<Providers> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("gotong/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let mut p = Providers::default();
        if let Some(wa) = &config.whatsapp {
            p.whatsapp_webhook = Some(Arc::new(whatsapp::inbound::WhatsAppWebhook::new(wa)));
            p.senders.push(Arc::new(whatsapp::send::WhatsAppSender::new(
                client.clone(),
                wa,
            )));
        }
        if let Some(tw) = &config.twilio {
            p.sms_webhook = Some(Arc::new(twilio::inbound::TwilioWebhook::messages(
                tw,
                &config.public_url,
            )));
            p.sms_status_webhook = Some(Arc::new(twilio::inbound::TwilioWebhook::statuses(
                tw,
                &config.public_url,
            )));
            if config.sms_provider == Some(SmsProvider::Twilio) {
                p.senders.push(Arc::new(twilio::send::TwilioSender::new(
                    client.clone(),
                    tw,
                    &config.public_url,
                )));
            }
        }
        if let Some(an) = &config.android {
            let sims = Arc::new(android::sims::SimPool::new(android::sims::Caps {
                per_minute: an.per_sim_per_minute,
                per_day: an.per_sim_per_day,
            }));
            let clock: Arc<dyn Clock> = Arc::new(SystemClock);
            p.android_webhook = Some(Arc::new(android::inbound::AndroidWebhook::new(
                &an.signing_key,
                clock.clone(),
                sims.clone(),
            )));
            if config.sms_provider == Some(SmsProvider::Android) {
                p.android_sends_at = Some(config.sms_mps);
                p.senders.push(Arc::new(android::send::AndroidSender::new(
                    client,
                    an,
                    sims.clone(),
                    numbers,
                    clock,
                )));
            }
            p.sms_devices = Some(sims);
        }
        Ok(p)
    }
}

impl Providers {
    /// How long `messages` more SMS of `kelurahan` take to go out through its gateway phones
    /// (their SIMs' caps, [`android::sims::Drain`]), when SMS go out through SMS Gateway for
    /// Android; `None` otherwise (Twilio has no such caps).
    pub async fn sms_drain(
        &self,
        numbers: &NumberDirectory,
        kelurahan: crate::store::KelurahanId,
        messages: i64,
        now: i64,
    ) -> Option<android::sims::Drain> {
        let (pool, mps) = (self.sms_devices.as_ref()?, self.android_sends_at?);
        let phones = android::send::phones_for(pool, numbers, kelurahan).await;
        Some(pool.drain(&phones, messages, mps, now))
    }
}

/// Epoch seconds as providers write them (`"1504902988"`) → epoch milliseconds.
pub(crate) fn seconds_to_ms(s: Option<&str>) -> Option<i64> {
    s?.trim().parse::<i64>().ok()?.checked_mul(1000)
}

/// Cuts `s` to at most `max` characters (not bytes), for provider length limits.
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("Rp25.000 ✓ lunas", 10), "Rp25.000 ✓");
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("", 3), "");
    }

    #[test]
    fn provider_seconds_become_milliseconds() {
        assert_eq!(seconds_to_ms(Some("1504902988")), Some(1_504_902_988_000));
        assert_eq!(seconds_to_ms(Some("soon")), None);
        assert_eq!(seconds_to_ms(None), None);
    }
}
