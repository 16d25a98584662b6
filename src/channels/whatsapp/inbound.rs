//! Reading WhatsApp Cloud API webhooks: the GET subscription handshake and the POSTed
//! `entry[].changes[].value` objects with `messages[]` (what residents sent) and `statuses[]`
//! (delivery reports of what we sent).

use super::signature;
use crate::channels::{
    seconds_to_ms, RawWebhook, Webhook, WebhookAck, WebhookError, WebhookEvents,
};
use crate::config::WhatsAppConfig;
use crate::message::{Channel, Content, Delivery, Inbound, StatusUpdate};
use crate::parse::{mask_phone, normalize_phone};
use serde::Deserialize;
use subtle::ConstantTimeEq;

/// The subscription handshake: Meta calls `GET ?hub.mode=subscribe&hub.verify_token=…&
/// hub.challenge=…` and expects the challenge back when the token is ours. An empty configured
/// token never matches.
pub fn handshake<'a>(
    verify_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
) -> Option<&'a str> {
    let token_ok = !verify_token.is_empty()
        && token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(verify_token.as_bytes())));
    (mode == Some("subscribe") && token_ok)
        .then_some(challenge)
        .flatten()
}

/// The WhatsApp webhook: signature by app secret, JSON payloads.
pub struct WhatsAppWebhook {
    app_secret: String,
}

impl WhatsAppWebhook {
    pub fn new(config: &WhatsAppConfig) -> Self {
        WhatsAppWebhook {
            app_secret: config.app_secret.clone(),
        }
    }
}

impl Webhook for WhatsAppWebhook {
    fn channel(&self) -> Channel {
        Channel::WhatsApp
    }

    fn verify(&self, req: &RawWebhook<'_>) -> Result<(), WebhookError> {
        let header = req
            .headers
            .get(signature::HEADER)
            .and_then(|v| v.to_str().ok());
        if signature::verify(&self.app_secret, header, req.body) {
            Ok(())
        } else {
            Err(WebhookError::BadSignature)
        }
    }

    fn parse(&self, req: &RawWebhook<'_>, now: i64) -> Result<WebhookEvents, WebhookError> {
        parse_payload(req.body, now)
    }

    fn ack(&self) -> WebhookAck {
        WebhookAck {
            content_type: "text/plain; charset=utf-8",
            body: "ok",
        }
    }
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    field: Option<String>,
    #[serde(default)]
    value: serde_json::Value,
}

/// `value` of a `messages` change.
#[derive(Deserialize, Default)]
struct MessagesValue {
    /// The business number the messages were sent to.
    metadata: Option<Metadata>,
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Deserialize)]
struct Metadata {
    /// The id of the business phone number (what a send's URL names), not the number itself.
    phone_number_id: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    id: Option<String>,
    /// The sender's phone (digits, no '+'). Absent for username-only senders (`from_user_id`).
    from: Option<String>,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<Text>,
    interactive: Option<Interactive>,
    button: Option<TemplateButton>,
    image: Option<Image>,
    location: Option<Location>,
}

#[derive(Deserialize)]
struct Text {
    #[serde(default)]
    body: String,
}

#[derive(Deserialize)]
struct Interactive {
    #[serde(rename = "type")]
    kind: Option<String>,
    button_reply: Option<Reply>,
    list_reply: Option<Reply>,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
}

/// A quick-reply button of a template message.
#[derive(Deserialize)]
struct TemplateButton {
    text: Option<String>,
    payload: Option<String>,
}

#[derive(Deserialize)]
struct Image {
    id: Option<String>,
    caption: Option<String>,
}

#[derive(Deserialize)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Status {
    id: Option<String>,
    /// The recipient's phone (digits, no '+').
    recipient_id: Option<String>,
    status: Option<String>,
    timestamp: Option<String>,
    #[serde(default)]
    errors: Vec<StatusError>,
}

#[derive(Deserialize)]
struct StatusError {
    code: Option<serde_json::Value>,
    title: Option<String>,
    message: Option<String>,
}

/// Parses a (verified) webhook body. Messages without an id are skipped with a warning: they
/// could not be deduplicated. Unknown statuses are skipped.
pub fn parse_payload(body: &[u8], now: i64) -> Result<WebhookEvents, WebhookError> {
    let payload: Payload =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    let mut events = WebhookEvents::default();
    for change in payload.entry.into_iter().flat_map(|e| e.changes) {
        if change.field.as_deref().is_some_and(|f| f != "messages") {
            continue;
        }
        let value: MessagesValue = match change.value {
            serde_json::Value::Null => MessagesValue::default(),
            v => serde_json::from_value(v).map_err(|e| WebhookError::Malformed(e.to_string()))?,
        };
        let to = value
            .metadata
            .and_then(|m| m.phone_number_id)
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty());
        for m in value.messages {
            if let Some(inbound) = inbound(m, to.clone(), now) {
                events.messages.push(inbound);
            }
        }
        events
            .statuses
            .extend(value.statuses.into_iter().filter_map(|s| status(s, now)));
    }
    Ok(events)
}

fn inbound(m: Message, to: Option<String>, now: i64) -> Option<Inbound> {
    let Some(provider_id) = m.id.clone().filter(|id| !id.is_empty()) else {
        tracing::warn!("whatsapp message without an id skipped");
        return None;
    };
    let phone = match m.from.as_deref() {
        None => {
            tracing::info!(
                provider_id,
                "whatsapp message without a phone (username-only sender): recorded, not answered"
            );
            None
        }
        Some(from) => {
            let phone = normalize_phone(&format!("+{}", from.trim().trim_start_matches('+')));
            if phone.is_none() {
                tracing::warn!(
                    provider_id,
                    from = %mask_phone(from),
                    "whatsapp sender is not a phone number: recorded, not answered"
                );
            }
            phone
        }
    };
    Some(Inbound {
        channel: Channel::WhatsApp,
        phone,
        sent_at: seconds_to_ms(m.timestamp.as_deref()).unwrap_or(now),
        content: content(&m),
        provider_id,
        to,
        // Resolved from `to` by the webhook intake.
        kelurahan: crate::store::KelurahanId::DEFAULT,
    })
}

fn content(m: &Message) -> Content {
    let kind = m.kind.as_deref().unwrap_or("unknown");
    let unsupported = |kind: &str| Content::Unsupported {
        kind: kind.to_string(),
    };
    match kind {
        "text" => match &m.text {
            Some(t) => Content::Text {
                text: t.body.clone(),
            },
            None => unsupported(kind),
        },
        "interactive" => {
            let i = m.interactive.as_ref();
            let reply = i.and_then(|i| match i.kind.as_deref() {
                Some("button_reply") => i.button_reply.as_ref(),
                Some("list_reply") => i.list_reply.as_ref(),
                _ => None,
            });
            match reply {
                Some(r) => Content::Choice {
                    id: r.id.clone(),
                    title: r.title.clone(),
                },
                None => unsupported(&format!(
                    "interactive:{}",
                    i.and_then(|i| i.kind.as_deref()).unwrap_or("unknown")
                )),
            }
        }
        // A tapped quick-reply button of a template (a broadcast): its payload is the option id.
        "button" => match &m.button {
            Some(b) => Content::Choice {
                id: b
                    .payload
                    .clone()
                    .or_else(|| b.text.clone())
                    .unwrap_or_default(),
                title: b.text.clone().unwrap_or_default(),
            },
            None => unsupported(kind),
        },
        "image" => match m.image.as_ref().and_then(|i| Some((i.id.clone()?, i))) {
            Some((media_id, i)) => Content::Image {
                media_id,
                caption: i.caption.clone(),
            },
            None => unsupported(kind),
        },
        "location" => match &m.location {
            Some(Location {
                latitude: Some(latitude),
                longitude: Some(longitude),
                name,
            }) => Content::Location {
                latitude: *latitude,
                longitude: *longitude,
                name: name.clone(),
            },
            _ => unsupported(kind),
        },
        other => unsupported(other),
    }
}

fn status(s: Status, now: i64) -> Option<StatusUpdate> {
    let provider_id = s.id.filter(|id| !id.is_empty())?;
    let status = match s.status.as_deref() {
        Some("sent") => Delivery::Sent,
        Some("delivered") => Delivery::Delivered,
        Some("read") => Delivery::Read,
        Some("failed") => Delivery::Failed,
        other => {
            tracing::info!(provider_id, status = ?other, "whatsapp status ignored");
            return None;
        }
    };
    let error = s.errors.first().map(|e| {
        let code = match &e.code {
            Some(serde_json::Value::String(c)) => c.clone(),
            Some(c) => c.to_string(),
            None => "unknown".into(),
        };
        let title = e.title.as_deref().or(e.message.as_deref()).unwrap_or("");
        format!("{code}: {title}")
    });
    Some(StatusUpdate {
        channel: Channel::WhatsApp,
        provider_id,
        status,
        error,
        at: seconds_to_ms(s.timestamp.as_deref()).unwrap_or(now),
        recipient: s
            .recipient_id
            .as_deref()
            .and_then(|r| normalize_phone(&format!("+{}", r.trim().trim_start_matches('+')))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_answers_only_our_token() {
        let ok = handshake("tok", Some("subscribe"), Some("tok"), Some("1158201444"));
        assert_eq!(ok, Some("1158201444"));
        assert_eq!(
            handshake("tok", Some("subscribe"), Some("nope"), Some("1")),
            None
        );
        assert_eq!(
            handshake("tok", Some("unsubscribe"), Some("tok"), Some("1")),
            None
        );
        assert_eq!(handshake("", Some("subscribe"), Some(""), Some("1")), None);
        assert_eq!(handshake("tok", Some("subscribe"), None, Some("1")), None);
    }

    #[test]
    fn other_fields_and_empty_payloads_carry_nothing() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
            {"field":"account_update","value":{"messages":"not ours"}}]}]}"#;
        assert_eq!(parse_payload(body, 1).unwrap(), WebhookEvents::default());
        assert_eq!(parse_payload(b"{}", 1).unwrap(), WebhookEvents::default());
    }

    #[test]
    fn malformed_json_is_refused() {
        assert!(matches!(
            parse_payload(b"{\"entry\": [", 1),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(
            parse_payload(b"[1,2]", 1),
            Err(WebhookError::Malformed(_))
        ));
    }
}
