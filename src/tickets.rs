//! `TANYA <text>` / `ADUAN <text>` (DESIGN §4): a resident's question or complaint becomes a
//! numbered ticket for the kelurahan.
//! 1. Any resident may write one (linked or not: a question is how one learns to register); the
//!    text is kept as typed, up to [`MAX_BODY`] characters, never a message that may be a PIN.
//! 2. Officers list, answer and close them (`/api/tickets`, audited as the API's actor).
//! 3. The answer goes back to the resident's phone, in the channel it last wrote from, through
//!    the outbox: it is a reply, so opting out of broadcasts never silences it.

use crate::error::StoreError;
use crate::i18n::Texts;
use crate::message::Outbound;
use crate::parse::mask_phone;
use crate::parse::{free_text, FreeTextError};
use crate::store::{stored_as_code, Code, Tx};
use serde::Serialize;

/// The longest text a ticket takes (a long SMS is several joined parts).
pub const MAX_BODY: usize = 1000;
/// The longest answer (3 SMS segments of GSM-7, with the ticket's header).
pub const MAX_ANSWER: usize = 400;

/// A question (`TANYA`) or a complaint (`ADUAN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Question,
    Complaint,
}

impl Code for Kind {
    const WHAT: &'static str = "ticket kind";
    const ALL: &'static [Kind] = &[Kind::Question, Kind::Complaint];
    fn code(self) -> &'static str {
        match self {
            Kind::Question => "question",
            Kind::Complaint => "complaint",
        }
    }
}

/// Where a ticket is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Answered,
    Closed,
}

impl Code for Status {
    const WHAT: &'static str = "ticket status";
    const ALL: &'static [Status] = &[Status::Open, Status::Answered, Status::Closed];
    fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Answered => "answered",
            Status::Closed => "closed",
        }
    }
}

stored_as_code!(Kind, Status);

/// A ticket as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ticket {
    pub number: i64,
    #[serde(skip)]
    pub phone: String,
    pub kind: Kind,
    pub body: String,
    pub status: Status,
    pub answer: Option<String>,
    pub created_at: i64,
}

/// Why a ticket cannot be written or changed.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error(transparent)]
    Text(#[from] FreeTextError),
    #[error("no such ticket")]
    Unknown,
    #[error("this ticket is closed")]
    Closed,
    /// The ticket's answer is this very text already (a form sent twice): not sent again.
    #[error("this answer was sent already")]
    AlreadyAnswered,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether officers of `scope` handle tickets: a ticket names a phone, not a place, so the
/// officers of the whole kelurahan do (an RW or RT officer sees none).
pub fn handled_by(scope: &crate::broadcast::Scope) -> bool {
    scope.whole_kelurahan()
}

/// Opens a ticket from `phone`; answers its number. A complaint whose first word is a
/// merchant's code (`ADUAN W001 …`) is about that merchant: open, it keeps the merchant from the
/// market's "terverifikasi" mark ([`crate::market::reputation`]).
pub async fn open(
    tx: &mut Tx,
    phone: &str,
    kind: Kind,
    text: &str,
    now: i64,
) -> Result<i64, TicketError> {
    let body = free_text(text, MAX_BODY)?;
    let merchant = match (kind, body.split_whitespace().next()) {
        (Kind::Complaint, Some(first)) => tx
            .merchant(
                &first
                    .trim_matches(|c: char| !c.is_ascii_alphanumeric())
                    .to_uppercase(),
            )
            .await?
            .map(|m| m.code),
        _ => None,
    };
    let number = tx
        .insert_ticket(phone, kind, body, merchant.as_deref(), now)
        .await?;
    tracing::info!(phone = %mask_phone(phone), number, kind = kind.code(), "ticket opened");
    Ok(number)
}

/// The kelurahan answers ticket `number`: kept, audited, and sent to the resident (the notice
/// is returned to be queued in the same unit of work). The same answer twice is refused
/// ([`TicketError::AlreadyAnswered`]): a double submit tells the resident once.
pub async fn answer(
    tx: &mut Tx,
    texts: &Texts,
    number: i64,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<Outbound, TicketError> {
    let text = free_text(text, MAX_ANSWER)?;
    let ticket = tx.ticket(number).await?.ok_or(TicketError::Unknown)?;
    if ticket.status == Status::Closed {
        return Err(TicketError::Closed);
    }
    if ticket.answer.as_deref() == Some(text) {
        return Err(TicketError::AlreadyAnswered);
    }
    tx.answer_ticket(number, text, now).await?;
    let after = serde_json::json!({ "status": Status::Answered.code(), "answer": text });
    tx.audit(
        actor,
        "ticket.answer",
        &number.to_string(),
        None,
        Some(&after),
        now,
    )
    .await?;
    Ok(crate::notices::notice(
        tx,
        texts,
        &ticket.phone,
        "ticket-answer",
        &[("number", number.to_string()), ("answer", text.to_string())],
    )
    .await?)
}

/// The kelurahan closes ticket `number`; audited.
pub async fn close(tx: &mut Tx, number: i64, actor: &str, now: i64) -> Result<(), TicketError> {
    let ticket = tx.ticket(number).await?.ok_or(TicketError::Unknown)?;
    if ticket.status == Status::Closed {
        return Err(TicketError::Closed);
    }
    tx.close_ticket(number, now).await?;
    let after = serde_json::json!({ "status": Status::Closed.code() });
    tx.audit(
        actor,
        "ticket.close",
        &number.to_string(),
        None,
        Some(&after),
        now,
    )
    .await?;
    Ok(())
}
