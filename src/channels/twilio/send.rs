//! Sending an SMS: `POST {api_base}/2010-04-01/Accounts/{SID}/Messages.json`, basic auth SID:token,
//! form `To`, `From` (the kelurahan's number, else `TWILIO_FROM`, which may be a
//! `MessagingServiceSid`), `Body`, `StatusCallback`. SMS has no buttons: a
//! menu's options are already numbered in its text, so any body is sent as its main text.

use crate::channels::{send_request, SendAnswer, SendError, Sender};
use crate::config::TwilioConfig;
use crate::message::{Body, Channel};
use serde::Deserialize;

pub struct TwilioSender {
    client: reqwest::Client,
    url: String,
    account_sid: String,
    auth_token: String,
    from: String,
    status_callback: String,
}

impl TwilioSender {
    pub fn new(client: reqwest::Client, config: &TwilioConfig, public_url: &str) -> Self {
        TwilioSender {
            client,
            url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                config.api_base, config.account_sid
            ),
            account_sid: config.account_sid.clone(),
            auth_token: config.auth_token.clone(),
            from: config.from.clone(),
            status_callback: format!("{}/webhooks/sms/status", public_url.trim_end_matches('/')),
        }
    }

    /// The form fields of the request sending `body` to `phone` from `from` (or `TWILIO_FROM`).
    pub fn form(
        &self,
        from: Option<&str>,
        phone: &str,
        body: &Body,
    ) -> Vec<(&'static str, String)> {
        let from = from.unwrap_or(&self.from);
        // A Messaging Service (MG…) picks the sender number itself.
        let from_field = if from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        vec![
            ("To", phone.to_string()),
            (from_field, from.to_string()),
            ("Body", body.main_text().to_string()),
            ("StatusCallback", self.status_callback.clone()),
        ]
    }
}

#[derive(Deserialize)]
struct Created {
    sid: Option<String>,
}

#[derive(Deserialize)]
struct Refused {
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

/// Reads Twilio's answer: the message SID, or a classified error.
pub fn classify_response(status: reqwest::StatusCode, body: &[u8]) -> Result<String, SendError> {
    let refused = serde_json::from_slice::<Refused>(body).ok();
    let answer = SendAnswer {
        id: serde_json::from_slice::<Created>(body)
            .ok()
            .and_then(|c| c.sid),
        code: refused.as_ref().and_then(|r| r.code),
        message: refused.map(|r| r.message),
        throttled: false,
    };
    SendError::classify(status, answer)
}

#[async_trait::async_trait]
impl Sender for TwilioSender {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    async fn send(
        &self,
        from: Option<&str>,
        phone: &str,
        body: &Body,
    ) -> Result<String, SendError> {
        let request = self
            .client
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&self.form(from, phone, body));
        let (status, answer) = send_request(request).await?;
        classify_response(status, &answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Choice;
    use reqwest::StatusCode;

    fn sender(from: &str) -> TwilioSender {
        let config = TwilioConfig {
            account_sid: "AC123".into(),
            auth_token: "tok".into(),
            from: from.into(),
            api_base: "https://api.twilio.com".into(),
        };
        TwilioSender::new(
            reqwest::Client::new(),
            &config,
            "https://gotong.example.id/",
        )
    }

    #[test]
    fn menus_are_sent_as_their_text() {
        let s = sender("+15005550006");
        assert_eq!(
            s.url,
            "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
        );
        let body = Body::Buttons {
            text: "Data benar?\n1 Ya\n2 Ubah".into(),
            buttons: vec![Choice {
                id: "1".into(),
                title: "Ya".into(),
            }],
        };
        assert_eq!(
            s.form(None, "+6281234567890", &body),
            vec![
                ("To", "+6281234567890".to_string()),
                ("From", "+15005550006".to_string()),
                ("Body", "Data benar?\n1 Ya\n2 Ubah".to_string()),
                (
                    "StatusCallback",
                    "https://gotong.example.id/webhooks/sms/status".to_string()
                ),
            ]
        );
        assert_eq!(
            sender("MG9752274e9e519418a7406176694466fa").form(None, "+62", &Body::text("x"))[1].0,
            "MessagingServiceSid"
        );
        // A kelurahan's own number.
        assert_eq!(
            s.form(Some("+6281100000002"), "+62", &Body::text("x"))[1],
            ("From", "+6281100000002".to_string())
        );
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(
            classify_response(StatusCode::CREATED, br#"{"sid":"SM123","status":"queued"}"#),
            Ok("SM123".into())
        );
        assert_eq!(
            classify_response(
                StatusCode::BAD_REQUEST,
                br#"{"code":21211,"message":"Invalid 'To' Phone Number","status":400}"#
            ),
            Err(SendError::Permanent {
                code: "21211".into(),
                message: "Invalid 'To' Phone Number".into()
            })
        );
        assert!(matches!(
            classify_response(StatusCode::TOO_MANY_REQUESTS, br#"{"code":20429}"#),
            Err(SendError::Retryable(_))
        ));
        assert!(matches!(
            classify_response(StatusCode::SERVICE_UNAVAILABLE, b""),
            Err(SendError::Retryable(_))
        ));
    }
}
