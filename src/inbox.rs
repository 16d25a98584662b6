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

    /// Called in a fresh unit of work when [`Conversation::handle`] failed on bad data (never
    /// for a lost connection, which is retried): reset the conversation and apologise, so one
    /// bad message never blocks a phone's queue.
    async fn recover(&self, tx: &mut Tx, msg: &StoredInbound, now: i64) -> StoreResult<Handled> {
        let _ = (tx, msg, now);
        Ok(Handled::default())
    }
}

/// Handles every unhandled message of `phone`, oldest first. Returns how many were handled.
/// Safe to call from several tasks or servers at once: the phone lock serialises them and a message
/// already handled is not found again.
pub async fn handle_phone(app: &App, phone: &str) -> StoreResult<usize> {
    let mut handled = 0;
    loop {
        let next = match handle_next(app, phone, false).await {
            Err(e) if e.is_permanent() => {
                tracing::error!(error = %e, "conversation step failed; the message is answered with an apology");
                handle_next(app, phone, true).await?
            }
            other => other?,
        };
        match next {
            Next::Nothing => return Ok(handled),
            Next::HandledLast => return Ok(handled + 1),
            Next::HandledMore => handled += 1,
        }
    }
}

/// What [`handle_next`] found.
enum Next {
    /// The phone had no unhandled message.
    Nothing,
    /// One was handled and, when it committed, it was the phone's last. A message recorded after
    /// that is handed to the dispatcher by its own webhook (or found by the recovery sweep), so
    /// there is no need for another unit of work just to find nothing.
    HandledLast,
    /// One was handled and another one is waiting.
    HandledMore,
}

/// Handles the phone's oldest unhandled message in one unit of work (or, with `recovering`, lets
/// the conversation recover from it).
async fn handle_next(app: &App, phone: &str, recovering: bool) -> StoreResult<Next> {
    let mut tx = app.db.begin().await?;
    tx.lock_phone(phone).await?;
    // Whether another message is waiting is learnt now, under the phone's lock: one cheap look
    // instead of a whole unit of work afterwards. A message recorded after this look is handed to
    // the dispatcher by its own webhook once it commits (on SQLite none can be: this unit of work
    // holds the write lock).
    let Some((msg, more)) = tx.next_pending_inbound_and_more(phone).await? else {
        tx.rollback().await?;
        return Ok(Next::Nothing);
    };
    let now = app.now();
    let out = if recovering {
        app.conversation.recover(&mut tx, &msg, now).await?
    } else {
        app.conversation.handle(&mut tx, &msg, now).await?
    };
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
    let stored = out
        .stored_content
        .or_else(|| recovering.then(masked_content));
    tx.finish_inbound(msg.id, stored.as_ref(), now).await?;
    tx.commit().await?;
    Ok(if more {
        Next::HandledMore
    } else {
        Next::HandledLast
    })
}

/// What is kept of a message whose handling failed: it may have held a PIN.
fn masked_content() -> Content {
    Content::Text {
        text: "******".into(),
    }
}

/// The recovery sweep: handles every phone with unhandled messages (after a crash or restart).
///
/// Each phone is handled at most once per call: a page that brings no phone not already handled
/// ends it. Under live traffic the dispatcher is busy with the same phones, and a sweep that kept
/// looking until no message at all is waiting would chase it forever, contending for the same
/// locks.
pub async fn handle_all_pending(app: &App) -> StoreResult<usize> {
    let mut total = 0;
    let mut seen = std::collections::HashSet::new();
    loop {
        let phones = app.db.phones_with_pending_inbound(256).await?;
        let fresh: Vec<String> = phones
            .into_iter()
            .filter(|p| seen.insert(p.clone()))
            .collect();
        if fresh.is_empty() {
            return Ok(total);
        }
        for phone in fresh {
            total += handle_phone(app, &phone).await?;
        }
    }
}
