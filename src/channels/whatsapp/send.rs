//! Sending a WhatsApp message: `POST {api_base}/{phone_number_id}/messages` with a bearer token,
//! the `phone_number_id` of the kelurahan it goes out for (one access token serves every number
//! of the app).
//! Text, reply buttons, lists and templates; WhatsApp's length limits are enforced here
//! (truncating defensively) so a too-long title never turns a reply into a permanent failure.

use crate::channels::{send_request, truncate_chars, SendAnswer, SendError, Sender};
use crate::config::WhatsAppConfig;
use crate::message::{Body, Channel, Choice};
use serde::Deserialize;
use serde_json::{json, Value};

pub const MAX_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE: usize = 20;
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_ROW_TITLE: usize = 24;
const MAX_LIST_BUTTON: usize = 20;
const MAX_INTERACTIVE_TEXT: usize = 1024;
const MAX_TEXT: usize = 4096;
const MAX_BUTTON_ID: usize = 256;
const MAX_ROW_ID: usize = 200;

/// Graph API error codes that mean "too fast" or "try later", even when the HTTP status is 400.
const THROTTLING_CODES: [i64; 7] = [1, 2, 4, 80007, 130429, 131048, 131056];

pub struct WhatsAppSender {
    client: reqwest::Client,
    api_base: String,
    /// `WHATSAPP_PHONE_NUMBER_ID`: where a message goes out from when no number is named.
    phone_number_id: String,
    access_token: String,
}

impl WhatsAppSender {
    pub fn new(client: reqwest::Client, config: &WhatsAppConfig) -> Self {
        WhatsAppSender {
            client,
            api_base: config.api_base.clone(),
            phone_number_id: config.phone_number_id.clone(),
            access_token: config.access_token.clone(),
        }
    }

    /// The Graph API URL sending from `from` (or the configured number).
    pub fn url(&self, from: Option<&str>) -> String {
        let id = from.unwrap_or(&self.phone_number_id);
        format!("{}/{id}/messages", self.api_base)
    }
}

/// The Graph API request body sending `body` to `phone`: a phone in E.164 as `to` (without the
/// '+'), a user id (a username-only sender, [`super::is_user_id`]) as `recipient`.
pub fn message_payload(phone: &str, body: &Body) -> Value {
    let mut payload = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
    });
    if super::is_user_id(phone) {
        payload["recipient"] = json!(phone);
    } else {
        payload["to"] = json!(phone.trim_start_matches('+'));
    }
    let (kind, content) = match body {
        Body::Text { text } => (
            "text",
            json!({ "preview_url": false, "body": truncate_chars(text, MAX_TEXT) }),
        ),
        Body::Buttons { text, buttons } => ("interactive", buttons_object(text, buttons)),
        Body::List { text, button, rows } => ("interactive", list_object(text, button, rows)),
        Body::Template {
            name,
            language,
            params,
        } => ("template", template_object(name, language, params)),
    };
    payload["type"] = json!(kind);
    payload[kind] = content;
    payload
}

fn buttons_object(text: &str, buttons: &[Choice]) -> Value {
    let buttons: Vec<Value> = buttons
        .iter()
        .take(MAX_BUTTONS)
        .map(|b| {
            json!({
                "type": "reply",
                "reply": {
                    "id": truncate_chars(&b.id, MAX_BUTTON_ID),
                    "title": truncate_chars(&b.title, MAX_BUTTON_TITLE),
                }
            })
        })
        .collect();
    json!({
        "type": "button",
        "body": { "text": truncate_chars(text, MAX_INTERACTIVE_TEXT) },
        "action": { "buttons": buttons },
    })
}

fn list_object(text: &str, button: &str, rows: &[Choice]) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .take(MAX_LIST_ROWS)
        .map(|r| {
            json!({
                "id": truncate_chars(&r.id, MAX_ROW_ID),
                "title": truncate_chars(&r.title, MAX_ROW_TITLE),
            })
        })
        .collect();
    json!({
        "type": "list",
        "body": { "text": truncate_chars(text, MAX_INTERACTIVE_TEXT) },
        "action": {
            "button": truncate_chars(button, MAX_LIST_BUTTON),
            "sections": [{ "rows": rows }],
        },
    })
}

fn template_object(name: &str, language: &str, params: &[String]) -> Value {
    let mut template = json!({ "name": name, "language": { "code": language } });
    if !params.is_empty() {
        let parameters: Vec<Value> = params
            .iter()
            .map(|p| json!({ "type": "text", "text": p }))
            .collect();
        template["components"] = json!([{ "type": "body", "parameters": parameters }]);
    }
    template
}

#[derive(Deserialize)]
struct Accepted {
    #[serde(default)]
    messages: Vec<AcceptedMessage>,
}

#[derive(Deserialize)]
struct AcceptedMessage {
    id: String,
}

#[derive(Deserialize)]
struct Refused {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

/// Reads the Graph API's answer: the message id, or a classified error (Meta's throttling
/// codes are retried even under HTTP 400).
pub fn classify_response(status: reqwest::StatusCode, body: &[u8]) -> Result<String, SendError> {
    let id = serde_json::from_slice::<Accepted>(body)
        .ok()
        .and_then(|a| a.messages.into_iter().next())
        .map(|m| m.id);
    let error = serde_json::from_slice::<Refused>(body)
        .ok()
        .map(|r| r.error);
    let code = error.as_ref().and_then(|e| e.code);
    let answer = SendAnswer {
        id,
        code,
        message: error.map(|e| e.message),
        throttled: code.is_some_and(|c| THROTTLING_CODES.contains(&c)),
    };
    SendError::classify(status, answer)
}

#[async_trait::async_trait]
impl Sender for WhatsAppSender {
    fn channel(&self) -> Channel {
        Channel::WhatsApp
    }

    async fn send(
        &self,
        from: Option<&str>,
        phone: &str,
        body: &Body,
    ) -> Result<String, SendError> {
        let request = self
            .client
            .post(self.url(from))
            .bearer_auth(&self.access_token)
            .json(&message_payload(phone, body));
        let (status, answer) = send_request(request).await?;
        classify_response(status, &answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn choice(id: &str, title: &str) -> Choice {
        Choice {
            id: id.into(),
            title: title.into(),
        }
    }

    #[test]
    fn the_url_names_the_number_it_goes_out_from() {
        let config = WhatsAppConfig {
            app_secret: "s".into(),
            verify_token: "v".into(),
            access_token: "t".into(),
            phone_number_id: "106540352242922".into(),
            api_base: "https://graph.facebook.com/v21.0".into(),
        };
        let s = WhatsAppSender::new(reqwest::Client::new(), &config);
        assert_eq!(
            s.url(None),
            "https://graph.facebook.com/v21.0/106540352242922/messages"
        );
        assert_eq!(
            s.url(Some("207651463353033")),
            "https://graph.facebook.com/v21.0/207651463353033/messages"
        );
    }

    #[test]
    fn text_payload() {
        let p = message_payload("+6281234567890", &Body::text("Saldo: Rp25.000"));
        assert_eq!(
            p,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "6281234567890",
                "type": "text",
                "text": { "preview_url": false, "body": "Saldo: Rp25.000" }
            })
        );
    }

    #[test]
    fn a_user_id_is_the_recipient() {
        let p = message_payload("ID.1410018717833190", &Body::text("Halo"));
        assert_eq!(p["recipient"], "ID.1410018717833190");
        assert!(p.get("to").is_none(), "{p}");
        assert_eq!(p["text"]["body"], "Halo");
    }

    #[test]
    fn buttons_payload_keeps_three_and_cuts_titles() {
        let body = Body::Buttons {
            text: "Data keluarga benar?".into(),
            buttons: vec![
                choice("1", "Ya, benar semua"),
                choice("2", "Ada yang perlu diubah sekarang"),
                choice("3", "Batal"),
                choice("4", "Keempat"),
            ],
        };
        let p = message_payload("+6281234567890", &body);
        assert_eq!(p["type"], "interactive");
        assert_eq!(
            p["interactive"],
            json!({
                "type": "button",
                "body": { "text": "Data keluarga benar?" },
                "action": { "buttons": [
                    { "type": "reply", "reply": { "id": "1", "title": "Ya, benar semua" } },
                    { "type": "reply", "reply": { "id": "2", "title": "Ada yang perlu diuba" } },
                    { "type": "reply", "reply": { "id": "3", "title": "Batal" } },
                ]}
            })
        );
    }

    #[test]
    fn list_payload_keeps_ten_rows_and_cuts_titles() {
        let rows: Vec<Choice> = (1..=12)
            .map(|i| {
                choice(
                    &i.to_string(),
                    &format!("Pilihan nomor {i} yang panjang sekali"),
                )
            })
            .collect();
        let body = Body::List {
            text: "Menu utama".into(),
            button: "Pilih".into(),
            rows,
        };
        let p = message_payload("+6281234567890", &body);
        let i = &p["interactive"];
        assert_eq!(i["type"], "list");
        assert_eq!(i["body"]["text"], "Menu utama");
        assert_eq!(i["action"]["button"], "Pilih");
        let rows = i["action"]["sections"][0]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 10);
        assert_eq!(
            rows[0],
            json!({ "id": "1", "title": "Pilihan nomor 1 yang pan" })
        );
        assert!(rows
            .iter()
            .all(|r| r["title"].as_str().unwrap().chars().count() <= 24));
    }

    #[test]
    fn template_payload_has_body_parameters() {
        let body = Body::Template {
            name: "pengumuman".into(),
            language: "id".into(),
            params: vec!["Kerja bakti Minggu pagi".into()],
        };
        let p = message_payload("+6281234567890", &body);
        assert_eq!(p["type"], "template");
        assert_eq!(
            p["template"],
            json!({
                "name": "pengumuman",
                "language": { "code": "id" },
                "components": [{ "type": "body", "parameters": [
                    { "type": "text", "text": "Kerja bakti Minggu pagi" }
                ]}]
            })
        );
        let bare = message_payload(
            "+6281234567890",
            &Body::Template {
                name: "hello_world".into(),
                language: "en_US".into(),
                params: vec![],
            },
        );
        assert!(bare["template"].get("components").is_none());
    }

    #[test]
    fn answers_are_classified() {
        let ok = br#"{"messaging_product":"whatsapp","contacts":[{"input":"6281","wa_id":"6281"}],
                     "messages":[{"id":"wamid.ABC"}]}"#;
        assert_eq!(
            classify_response(StatusCode::OK, ok),
            Ok("wamid.ABC".into())
        );
        let refused =
            br#"{"error":{"message":"(#131030) Recipient phone number not in allowed list",
                          "type":"OAuthException","code":131030,"fbtrace_id":"x"}}"#;
        assert_eq!(
            classify_response(StatusCode::BAD_REQUEST, refused),
            Err(SendError::Permanent {
                code: "131030".into(),
                message: "(#131030) Recipient phone number not in allowed list".into()
            })
        );
        let throttled = br#"{"error":{"message":"pair rate limit","code":131056}}"#;
        assert!(matches!(
            classify_response(StatusCode::BAD_REQUEST, throttled),
            Err(SendError::Retryable(_))
        ));
        assert!(matches!(
            classify_response(StatusCode::TOO_MANY_REQUESTS, b""),
            Err(SendError::Retryable(_))
        ));
        assert!(matches!(
            classify_response(StatusCode::BAD_GATEWAY, b"<html>"),
            Err(SendError::Retryable(_))
        ));
        assert!(matches!(
            classify_response(StatusCode::OK, b"{}"),
            Err(SendError::Permanent { .. })
        ));
    }
}
