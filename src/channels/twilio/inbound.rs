//! Reading Twilio webhooks (form-encoded POSTs): incoming SMS on `/webhooks/sms` and delivery
//! status callbacks on `/webhooks/sms/status`.
//!
//! Any signed incoming message with a `MessageSid` and a `From` is recorded, whatever else it
//! lacks: Twilio does not retry a 400, so refusing a real message would lose it. An MMS may come
//! without `Body` (`NumMedia=2`, `MediaUrl0`, `MediaUrl1`): it is a picture message, answered
//! that only text is read; its text, when it has one, is read like any SMS.

use super::signature;
use crate::channels::{RawWebhook, Webhook, WebhookAck, WebhookError, WebhookEvents};
use crate::config::TwilioConfig;
use crate::message::{Channel, Content, Delivery, Inbound, StatusUpdate};
use crate::parse::{mask_phone, normalize_phone};

/// The empty TwiML answer: we reply later, through the REST API.
pub const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwilioEvent {
    /// `/webhooks/sms`: a resident's SMS.
    Message,
    /// `/webhooks/sms/status`: what became of an SMS we sent.
    Status,
}

/// One Twilio webhook route.
pub struct TwilioWebhook {
    auth_token: String,
    public_url: String,
    event: TwilioEvent,
}

impl TwilioWebhook {
    pub fn messages(config: &TwilioConfig, public_url: &str) -> Self {
        Self::new(config, public_url, TwilioEvent::Message)
    }

    pub fn statuses(config: &TwilioConfig, public_url: &str) -> Self {
        Self::new(config, public_url, TwilioEvent::Status)
    }

    fn new(config: &TwilioConfig, public_url: &str, event: TwilioEvent) -> Self {
        TwilioWebhook {
            auth_token: config.auth_token.clone(),
            public_url: public_url.trim_end_matches('/').to_string(),
            event,
        }
    }
}

/// The decoded form parameters, in order.
pub fn form_params(body: &[u8]) -> Result<Vec<(String, String)>, WebhookError> {
    serde_urlencoded::from_bytes(body).map_err(|e| WebhookError::Malformed(e.to_string()))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

impl Webhook for TwilioWebhook {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    /// The signature covers the decoded form parameters, so the body is decoded first; a body
    /// that is not a form cannot carry a valid signature.
    fn verify(&self, req: &RawWebhook<'_>) -> Result<(), WebhookError> {
        let params = form_params(req.body).map_err(|_| WebhookError::BadSignature)?;
        let url = format!("{}{}", self.public_url, req.path_and_query);
        let header = req
            .headers
            .get(signature::HEADER)
            .and_then(|v| v.to_str().ok());
        if signature::verify(&self.auth_token, &url, &params, header) {
            Ok(())
        } else {
            Err(WebhookError::BadSignature)
        }
    }

    fn parse(&self, req: &RawWebhook<'_>, now: i64) -> Result<WebhookEvents, WebhookError> {
        let params = form_params(req.body)?;
        let mut events = WebhookEvents::default();
        match self.event {
            TwilioEvent::Message => events.messages.push(parse_message(&params, now)?),
            TwilioEvent::Status => events.statuses.extend(parse_status(&params, now)?),
        }
        Ok(events)
    }

    fn ack(&self) -> WebhookAck {
        WebhookAck {
            content_type: "text/xml; charset=utf-8",
            body: EMPTY_TWIML,
        }
    }
}

/// An incoming SMS: `MessageSid`, `From`, `To` (the number it was sent to), `Body` (and
/// `NumMedia` for MMS pictures: `Body` may then be absent or empty).
pub fn parse_message(params: &[(String, String)], now: i64) -> Result<Inbound, WebhookError> {
    let provider_id = param(params, "MessageSid")
        .or_else(|| param(params, "SmsMessageSid"))
        .ok_or_else(|| WebhookError::Malformed("MessageSid missing".into()))?
        .to_string();
    let from =
        param(params, "From").ok_or_else(|| WebhookError::Malformed("From missing".into()))?;
    let phone = normalize_phone(from);
    if phone.is_none() {
        tracing::warn!(
            provider_id,
            from = %mask_phone(from),
            "sms sender is not a phone number: recorded, not answered"
        );
    }
    let text = params
        .iter()
        .find(|(k, _)| k == "Body")
        .map(|(_, v)| v.clone());
    // The number written to, in E.164 like the numbers of `kelurahan_numbers`.
    let to =
        param(params, "To").map(|to| normalize_phone(to).unwrap_or_else(|| to.trim().to_string()));
    let media = param(params, "NumMedia").and_then(|n| n.parse::<u32>().ok());
    let content = match (text, media) {
        (Some(text), _) if !text.trim().is_empty() => Content::Text { text },
        (_, Some(n)) if n > 0 => Content::Unsupported { kind: "mms".into() },
        // Nothing typed: the engine answers an empty message as such.
        (text, _) => Content::Text {
            text: text.unwrap_or_default(),
        },
    };
    Ok(Inbound {
        channel: Channel::Sms,
        phone,
        provider_id,
        content,
        sent_at: now,
        to,
        // Resolved from `to` by the webhook intake.
        kelurahan: crate::store::KelurahanId::DEFAULT,
    })
}

/// Twilio's error for "the recipient sent STOP (or another opt-out word) to the carrier: this
/// number may not message them".
pub const UNSUBSCRIBED: &str = "21610";

/// A status callback: `MessageSid`, `MessageStatus`, `To` (the recipient), and `ErrorCode` /
/// `ErrorMessage` on failure ([`UNSUBSCRIBED`] opts the recipient out of broadcasts).
/// Statuses that say nothing about delivery (`receiving`, `received`…) give `None`.
pub fn parse_status(
    params: &[(String, String)],
    now: i64,
) -> Result<Option<StatusUpdate>, WebhookError> {
    let provider_id = param(params, "MessageSid")
        .or_else(|| param(params, "SmsSid"))
        .ok_or_else(|| WebhookError::Malformed("MessageSid missing".into()))?
        .to_string();
    let raw = param(params, "MessageStatus")
        .or_else(|| param(params, "SmsStatus"))
        .ok_or_else(|| WebhookError::Malformed("MessageStatus missing".into()))?;
    let status = match raw {
        "accepted" | "scheduled" | "queued" | "sending" => Delivery::Queued,
        "sent" => Delivery::Sent,
        "delivered" => Delivery::Delivered,
        "read" => Delivery::Read,
        "undelivered" | "failed" | "canceled" => Delivery::Failed,
        other => {
            tracing::info!(provider_id, status = other, "sms status ignored");
            return Ok(None);
        }
    };
    let error = param(params, "ErrorCode").map(|code| {
        let message = param(params, "ErrorMessage").unwrap_or(raw);
        format!("{code}: {message}")
    });
    Ok(Some(StatusUpdate {
        channel: Channel::Sms,
        provider_id,
        status,
        unsubscribed: param(params, "ErrorCode") == Some(UNSUBSCRIBED),
        error,
        at: now,
        recipient: param(params, "To").and_then(normalize_phone),
    }))
}
