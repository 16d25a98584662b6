//! From a recorded inbound message to its replies in the outbox, exactly once and in order per phone.
//!
//! A webhook records the message ([`crate::store::Db::record_inbound`]) and answers the provider;
//! then [`handle_phone`] takes that phone's unhandled messages one at a time. Each message is one
//! unit of work: the phone is locked, the conversation step runs, its replies are queued and the
//! message is marked handled, all in one transaction. A crash anywhere leaves the message
//! unhandled, and the recovery sweep ([`handle_all_pending`]) runs it again later.

use crate::app::App;
use crate::error::StoreResult;
use crate::message::{Body, Content, Outbound, Priority, StoredInbound};
use crate::store::Tx;
use async_trait::async_trait;

/// What handling one inbound message produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Handled {
    /// Replies to the sender, in order.
    pub replies: Vec<Body>,
    /// Messages to other people (a merchant told of a payment…).
    pub notices: Vec<Outbound>,
    /// Replaces the stored content of the inbound message (a PIN, masked).
    pub stored_content: Option<Content>,
}

/// The conversation engine as the inbox sees it: one step per inbound message, inside the unit of
/// work `tx`, so the step's state changes and its replies commit together.
#[async_trait]
pub trait Conversation: Send + Sync {
    async fn handle(&self, tx: &mut Tx, msg: &StoredInbound, now: i64) -> StoreResult<Handled>;
}

/// Handles every unhandled message of `phone`, oldest first. Returns how many were handled.
/// Safe to call from several tasks or servers at once: the phone lock serialises them and a message
/// already handled is not found again.
pub async fn handle_phone(app: &App, phone: &str) -> StoreResult<usize> {
    let mut handled = 0;
    loop {
        let mut tx = app.db.begin().await?;
        tx.lock_phone(phone).await?;
        let Some(msg) = tx.next_pending_inbound(phone).await? else {
            tx.rollback().await?;
            return Ok(handled);
        };
        let now = app.now();
        let out = app.conversation.handle(&mut tx, &msg, now).await?;
        for body in out.replies {
            let reply = Outbound {
                channel: msg.channel,
                phone: msg.phone.clone(),
                body,
                priority: Priority::Reply,
            };
            tx.enqueue(&reply, now).await?;
        }
        for notice in &out.notices {
            tx.enqueue(notice, now).await?;
        }
        tx.finish_inbound(msg.id, out.stored_content.as_ref(), now)
            .await?;
        tx.commit().await?;
        handled += 1;
    }
}

/// The recovery sweep: handles every phone with unhandled messages (after a crash or restart).
pub async fn handle_all_pending(app: &App) -> StoreResult<usize> {
    let mut total = 0;
    loop {
        let phones = app.db.phones_with_pending_inbound(256).await?;
        if phones.is_empty() {
            return Ok(total);
        }
        for phone in phones {
            total += handle_phone(app, &phone).await?;
        }
    }
}

/// The placeholder conversation until the engine is wired in: every message gets the same
/// "service starting" answer (Indonesian, GSM-7 safe).
pub struct NotReady;

/// What [`NotReady`] answers.
pub const NOT_READY_TEXT: &str =
    "Layanan Gotong sedang disiapkan. Silakan coba lagi nanti. (Service starting, please try again later.)";

#[async_trait]
impl Conversation for NotReady {
    async fn handle(&self, _tx: &mut Tx, _msg: &StoredInbound, _now: i64) -> StoreResult<Handled> {
        Ok(Handled {
            replies: vec![Body::text(NOT_READY_TEXT)],
            ..Handled::default()
        })
    }
}
