//! Reading WhatsApp Cloud API webhooks: the GET subscription handshake and the POSTed
//! `entry[].changes[].value` objects with `messages[]` (what residents sent) and `statuses[]`
//! (delivery reports of what we sent).
//!
//! What Meta really sends, beside the plain cases:
//! - a sender with a username and no phone shown: no `from`, only `from_user_id` (the user id we
//!   answer at, [`super::is_user_id`]); a status of a message sent to that id names it in
//!   `recipient_user_id` instead of `recipient_id`;
//! - a message in a WhatsApp group (`group_id`): recorded, never answered (the bot is not for
//!   groups, and its answer must not go privately to the member);
//! - captions on documents, videos and audio as on images: read as text;
//! - `errors` on a change (a webhook Meta could not fill) and on a status (e.g. 131051, a type
//!   Meta does not support): logged as warnings, with codes and titles only.

use super::signature;
use crate::channels::{
    seconds_to_ms, RawWebhook, Webhook, WebhookAck, WebhookError, WebhookEvents,
};
use crate::config::WhatsAppConfig;
use crate::message::{Channel, Content, Delivery, Inbound, MediaKind, StatusUpdate};
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
    /// What went wrong for the whole change (Meta's `errors`).
    #[serde(default)]
    errors: Vec<GraphError>,
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
    /// The sender's business-scoped user id (BSUID).
    from_user_id: Option<String>,
    /// Set when the message was written in a group.
    group_id: Option<String>,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<Text>,
    interactive: Option<Interactive>,
    button: Option<TemplateButton>,
    image: Option<Media>,
    document: Option<Media>,
    video: Option<Media>,
    audio: Option<Media>,
    location: Option<Location>,
    #[serde(default)]
    errors: Vec<GraphError>,
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

/// An image, document, video or audio file: its media id and caption.
#[derive(Deserialize)]
struct Media {
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
    /// The recipient's phone (digits, no '+'); absent when we sent to a user id.
    recipient_id: Option<String>,
    /// The recipient's user id, when we sent to it.
    recipient_user_id: Option<String>,
    status: Option<String>,
    timestamp: Option<String>,
    #[serde(default)]
    errors: Vec<GraphError>,
}

/// An error as Meta writes it in webhooks (`code`, `title`, `message`, `error_data.details`).
#[derive(Deserialize)]
struct GraphError {
    code: Option<serde_json::Value>,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<ErrorData>,
}

#[derive(Deserialize)]
struct ErrorData {
    details: Option<String>,
}

impl GraphError {
    fn code(&self) -> String {
        match &self.code {
            Some(serde_json::Value::String(c)) => c.clone(),
            Some(c) => c.to_string(),
            None => "unknown".into(),
        }
    }

    fn title(&self) -> &str {
        self.title
            .as_deref()
            .or(self.message.as_deref())
            .unwrap_or("")
    }

    /// `code: title`, as kept with a failed message.
    fn summary(&self) -> String {
        format!("{}: {}", self.code(), self.title())
    }

    /// Logs it as a warning: Meta's code, title and details (about the request, never a
    /// message's text or a phone).
    fn warn(&self, what: &'static str, provider_id: Option<&str>) {
        tracing::warn!(
            code = %self.code(),
            title = self.title(),
            details = self
                .error_data
                .as_ref()
                .and_then(|d| d.details.as_deref())
                .unwrap_or(""),
            provider_id = provider_id.unwrap_or(""),
            "whatsapp reports an error: {what}"
        );
    }
}

/// Meta's code for "the recipient stopped marketing messages from this business".
pub const STOPPED_MARKETING: &str = "131050";

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
        for e in &value.errors {
            e.warn("a change of the webhook", None);
        }
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
    for e in &m.errors {
        e.warn("an incoming message", Some(&provider_id));
    }
    Some(Inbound {
        channel: Channel::WhatsApp,
        phone: sender(&m, &provider_id),
        sent_at: seconds_to_ms(m.timestamp.as_deref()).unwrap_or(now),
        content: content(&m),
        provider_id,
        to,
        // Resolved from `to` by the webhook intake.
        kelurahan: crate::store::KelurahanId::DEFAULT,
    })
}

/// Whom a message is answered at: its sender's phone, else their user id; nobody for a group's
/// message or a sender we cannot name.
fn sender(m: &Message, provider_id: &str) -> Option<String> {
    if m.group_id.is_some() {
        tracing::info!(
            provider_id,
            "whatsapp group message: recorded, not answered"
        );
        return None;
    }
    if let Some(from) = m.from.as_deref() {
        let phone = normalize_phone(&format!("+{}", from.trim().trim_start_matches('+')));
        if phone.is_some() {
            return phone;
        }
        tracing::warn!(
            provider_id,
            from = %mask_phone(from),
            "whatsapp sender is not a phone number"
        );
    }
    let user_id = m.from_user_id.as_deref().map(str::trim);
    match user_id {
        Some(id) if super::is_user_id(id) => Some(id.to_string()),
        Some(id) => {
            tracing::warn!(
                provider_id,
                user_id = %mask_phone(id),
                "whatsapp user id not in Meta's form: recorded, not answered"
            );
            None
        }
        None => {
            tracing::warn!(
                provider_id,
                "whatsapp message without a sender: recorded, not answered"
            );
            None
        }
    }
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
        "image" => match media(&m.image) {
            Some((media_id, caption)) => Content::Image { media_id, caption },
            None => unsupported(kind),
        },
        "document" | "video" | "audio" => {
            let (of_kind, file) = match kind {
                "document" => (MediaKind::Document, &m.document),
                "video" => (MediaKind::Video, &m.video),
                _ => (MediaKind::Audio, &m.audio),
            };
            match media(file) {
                Some((media_id, caption)) => Content::Media {
                    media: of_kind,
                    media_id,
                    caption,
                },
                None => unsupported(kind),
            }
        }
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

/// A file's media id and caption (a caption of blanks is none).
fn media(file: &Option<Media>) -> Option<(String, Option<String>)> {
    let file = file.as_ref()?;
    let caption = file.caption.clone().filter(|c| !c.trim().is_empty());
    Some((file.id.clone()?, caption))
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
    // Its errors are logged by the intake, with every provider's.
    let recipient = match (s.recipient_id.as_deref(), s.recipient_user_id.as_deref()) {
        (Some(r), _) => normalize_phone(&format!("+{}", r.trim().trim_start_matches('+'))),
        (None, Some(id)) => Some(id.trim().to_string()).filter(|id| super::is_user_id(id)),
        (None, None) => None,
    };
    Some(StatusUpdate {
        channel: Channel::WhatsApp,
        provider_id,
        status,
        error: s.errors.first().map(GraphError::summary),
        unsubscribed: s.errors.iter().any(|e| e.code() == STOPPED_MARKETING),
        at: seconds_to_ms(s.timestamp.as_deref()).unwrap_or(now),
        recipient,
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

    /// One change's `value` as a webhook body.
    fn body(value: serde_json::Value) -> Vec<u8> {
        serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
            {"field": "messages", "value": value}]}]})
        .to_string()
        .into_bytes()
    }

    fn one_message(message: serde_json::Value) -> Inbound {
        let mut events =
            parse_payload(&body(serde_json::json!({"messages": [message]})), 1).unwrap();
        assert_eq!(events.messages.len(), 1);
        events.messages.remove(0)
    }

    #[test]
    fn a_group_message_has_nobody_to_answer_and_a_username_sender_is_answered_at_their_id() {
        let group = one_message(serde_json::json!({
            "from": "6281234567021", "from_user_id": "ID.1410018717833021",
            "group_id": "120363025340017896", "id": "wamid.g", "timestamp": "1",
            "type": "text", "text": {"body": "SALDO"}}));
        assert_eq!(group.phone, None);
        let username = one_message(serde_json::json!({
            "from_user_id": "ID.1410018717833190", "id": "wamid.u", "timestamp": "1",
            "type": "text", "text": {"body": "halo"}}));
        assert_eq!(username.phone.as_deref(), Some("ID.1410018717833190"));
        // The phone wins when both are given; an id not in Meta's form is nobody.
        let both = one_message(serde_json::json!({
            "from": "6281234567001", "from_user_id": "ID.1410018717833001", "id": "wamid.b",
            "type": "text", "text": {"body": "x"}}));
        assert_eq!(both.phone.as_deref(), Some("+6281234567001"));
        let odd = one_message(serde_json::json!({
            "from_user_id": "<script>", "id": "wamid.o", "type": "text", "text": {"body": "x"}}));
        assert_eq!(odd.phone, None);
    }

    #[test]
    fn captions_of_documents_videos_and_audio_are_read_as_text() {
        for (kind, media) in [
            ("document", MediaKind::Document),
            ("video", MediaKind::Video),
            ("audio", MediaKind::Audio),
        ] {
            let m = one_message(serde_json::json!({
                "from": "6281234567001", "id": format!("wamid.{kind}"), "type": kind,
                kind: {"id": "55", "caption": "SALDO", "mime_type": "x/y"}}));
            assert_eq!(
                m.content,
                Content::Media {
                    media,
                    media_id: "55".into(),
                    caption: Some("SALDO".into())
                },
                "{kind}"
            );
            assert_eq!(m.content.input_text(), "SALDO");
            assert_eq!(m.content.kind(), kind);
            let bare = one_message(serde_json::json!({
                "from": "6281234567001", "id": "wamid.bare", "type": kind,
                kind: {"id": "56", "caption": "  "}}));
            assert_eq!(bare.content.input_text(), "", "{kind}");
        }
    }

    #[test]
    fn errors_are_logged_as_warnings_without_the_sender() {
        let logs = crate::testing::logs::capture(|| {
            let events = parse_payload(
                &body(serde_json::json!({
                    "errors": [{"code": 131000, "title": "Something went wrong",
                                "error_data": {"details": "Message failed to send."}}],
                    "messages": [{"from": "6281234567010", "id": "wamid.unsupported",
                        "type": "unsupported",
                        "errors": [{"code": 131051, "title": "Message type unknown"}]}],
                    "statuses": [{"id": "wamid.s", "status": "failed",
                        "recipient_user_id": "ID.1410018717833190",
                        "errors": [{"code": 131050, "title": "User has stopped marketing messages"}]}]
                })),
                1,
            )
            .unwrap();
            assert_eq!(events.messages.len(), 1);
            let status = &events.statuses[0];
            assert!(status.unsubscribed);
            assert_eq!(status.recipient.as_deref(), Some("ID.1410018717833190"));
            assert_eq!(
                status.error.as_deref(),
                Some("131050: User has stopped marketing messages")
            );
        });
        let warned = |code: &str| {
            logs.lines()
                .find(|l| l.contains(code))
                .unwrap_or_else(|| panic!("{code} logged: {logs}"))
                .to_string()
        };
        let change = warned("131000");
        assert!(
            change.contains("WARN") && change.contains("Something went wrong"),
            "{change}"
        );
        assert!(change.contains("Message failed to send."), "{change}");
        let message = warned("131051");
        assert!(
            message.contains("WARN") && message.contains("wamid.unsupported"),
            "{message}"
        );
        assert!(
            !logs.contains("6281234567010"),
            "no phone in the logs: {logs}"
        );
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
