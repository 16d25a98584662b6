//! The channel-neutral message types: what every provider's webhook becomes, and what the engine
//! asks to be sent.

use crate::store::KelurahanId;
use serde::{Deserialize, Serialize};

/// A messaging channel. Stored as its lowercase name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    WhatsApp,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WhatsApp => "whatsapp",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "whatsapp" => Some(Channel::WhatsApp),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a resident sent, independent of the provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text {
        text: String,
    },
    /// A tapped reply button or list row: `id` is the option id we sent, `title` what was shown.
    Choice {
        id: String,
        title: String,
    },
    Image {
        media_id: String,
        caption: Option<String>,
    },
    /// A document, video or voice note/audio file: its caption, when it has one, is read as text
    /// (like an image's); without one the resident is told only text is understood.
    Media {
        media: MediaKind,
        media_id: String,
        caption: Option<String>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
    },
    /// Audio, stickers, reactions… kept by kind only; the resident is told only text is understood.
    Unsupported {
        kind: String,
    },
}

impl Content {
    /// The words the engine reads: the text, the chosen option's id, or a picture's, document's,
    /// video's or audio's caption.
    pub fn input_text(&self) -> &str {
        match self {
            Content::Text { text } => text,
            Content::Choice { id, .. } => id,
            Content::Image { caption, .. } | Content::Media { caption, .. } => {
                caption.as_deref().unwrap_or("")
            }
            Content::Location { .. } | Content::Unsupported { .. } => "",
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Content::Text { .. } => "text",
            Content::Choice { .. } => "choice",
            Content::Image { .. } => "image",
            Content::Media { media, .. } => media.as_str(),
            Content::Location { .. } => "location",
            Content::Unsupported { .. } => "unsupported",
        }
    }
}

/// What kind of file a [`Content::Media`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Document,
    Video,
    Audio,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Document => "document",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        }
    }
}

/// One inbound message as parsed from a webhook.
#[derive(Clone, Debug, PartialEq)]
pub struct Inbound {
    pub channel: Channel,
    /// Whom to answer: a phone in E.164 (`+62812…`) or, for a WhatsApp user with a username and
    /// no phone shown, the user id Meta gives (`ID.1410018717833190`, see
    /// [`crate::channels::whatsapp::is_user_id`]). `None` when the message is recorded and not
    /// answered: no sender to answer (a sender that is not a phone), or not for the bot (a
    /// WhatsApp group's message, a message to a number that is not ours).
    pub phone: Option<String>,
    /// The provider's own message id (`wamid.…`, `SM…`): the key that makes redelivery harmless.
    pub provider_id: String,
    pub content: Content,
    /// Epoch milliseconds as reported by the provider (or receipt time).
    pub sent_at: i64,
    /// The number it was sent to, as the provider names it: a WhatsApp `phone_number_id`, the
    /// SMS number in E.164 (Twilio's `To`). `None` when the provider did not say.
    pub to: Option<String>,
    /// The kelurahan of the number it was sent to (the webhook resolves it from `to`).
    pub kelurahan: KelurahanId,
}

/// An inbound message as stored, waiting for (or done with) its conversation step.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredInbound {
    pub id: i64,
    pub channel: Channel,
    pub phone: String,
    pub provider_id: String,
    pub content: Content,
    pub received_at: i64,
    /// The kelurahan of the number it was sent to: its turn acts for that kelurahan.
    pub kelurahan: KelurahanId,
}

/// One option of a menu as sent on WhatsApp (reply button or list row).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
}

/// What to send. SMS renders everything as `text`; WhatsApp may use the interactive forms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    Text {
        text: String,
    },
    /// Up to 3 reply buttons, titles ≤ 20 characters.
    Buttons {
        text: String,
        buttons: Vec<Choice>,
    },
    /// Up to 10 rows, row titles ≤ 24 characters; `button` opens the list.
    List {
        text: String,
        button: String,
        rows: Vec<Choice>,
    },
    /// An approved WhatsApp template (outside the 24-hour window).
    Template {
        name: String,
        language: String,
        params: Vec<String>,
    },
}

impl Body {
    pub fn text(s: impl Into<String>) -> Self {
        Body::Text { text: s.into() }
    }

    /// The main text of the message, whatever its form.
    pub fn main_text(&self) -> &str {
        match self {
            Body::Text { text } | Body::Buttons { text, .. } | Body::List { text, .. } => text,
            Body::Template { params, .. } => params.first().map(String::as_str).unwrap_or(""),
        }
    }
}

/// Who a message is for and how urgent: replies go before notifications, which go before broadcasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Reply = 0,
    Notice = 1,
    Broadcast = 2,
}

/// A message to queue in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Outbound {
    /// Whose number it goes out from.
    pub kelurahan: KelurahanId,
    pub channel: Channel,
    pub phone: String,
    pub body: Body,
    pub priority: Priority,
}

/// A delivery report from a provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    Queued,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl Delivery {
    pub fn as_str(&self) -> &'static str {
        match self {
            Delivery::Queued => "queued",
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Read => "read",
            Delivery::Failed => "failed",
        }
    }

    /// Statuses only move forward: a late `sent` never overwrites `delivered` (final state wins).
    /// `failed` ranks last but follows only `queued` or `sent`: a message delivered or read was
    /// not lost, whatever a later report says ([`Delivery::follows`]).
    pub fn rank(&self) -> i64 {
        match self {
            Delivery::Queued => 0,
            Delivery::Sent => 1,
            Delivery::Delivered => 2,
            Delivery::Read => 3,
            Delivery::Failed => 4,
        }
    }

    /// The highest rank a message may hold for this report to apply: one below its own, and for
    /// `failed` that of `sent` (never after `delivered` or `read`).
    pub fn follows(&self) -> i64 {
        match self {
            Delivery::Failed => Delivery::Sent.rank(),
            other => other.rank() - 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StatusUpdate {
    pub channel: Channel,
    pub provider_id: String,
    pub status: Delivery,
    /// Provider error code and title, for failures.
    pub error: Option<String>,
    pub at: i64,
    /// The phone the message went to, as the provider reports it (E.164), when it does: a report
    /// moves only the row of that phone (WhatsApp's `recipient_id`, Twilio's `To`).
    pub recipient: Option<String>,
    /// The provider says the recipient refuses our messages (Twilio's error 21610: they sent
    /// STOP to the carrier; WhatsApp's 131050: they stopped marketing messages): they are opted
    /// out of broadcasts, as if they had sent `BERHENTI`.
    pub unsubscribed: bool,
}
