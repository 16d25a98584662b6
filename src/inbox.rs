//! From a recorded inbound message to its replies in the outbox, exactly once and in order per phone.
//!
//! A webhook records the message ([`crate::store::Db::record_inbound`]) and answers the provider;
//! then [`handle_phone`] takes that phone's unhandled messages one at a time. Each message is one
//! unit of work: the phone is locked, the conversation step runs, its replies are queued and the
//! message is marked handled, all in one transaction. A crash anywhere leaves the message
//! unhandled, and the recovery sweep ([`handle_all_pending`]) runs it again later.

use crate::app::App;
use crate::error::{StoreError, StoreResult};
use crate::message::{Body, Content, Outbound, Priority, StoredInbound};
use crate::store::{Db, FlowEventCounts, Tx};
use async_trait::async_trait;
use std::collections::VecDeque;

/// What handling one inbound message produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Handled {
    /// Replies to the sender, in order.
    pub replies: Vec<Body>,
    /// Messages to other people (a merchant told of a payment…).
    pub notices: Vec<Outbound>,
    /// Replaces the stored content of the inbound message (a PIN, masked).
    pub stored_content: Option<Content>,
    /// The turn's flow analytics, counted with the rest of its unit of work.
    pub counts: FlowEventCounts,
}

/// The conversation engine as the inbox sees it: one step per inbound message, inside the unit of
/// work `tx`, so the step's state changes and its replies commit together.
#[async_trait]
pub trait Conversation: Send + Sync {
    async fn handle(&self, tx: &mut Tx, msg: &StoredInbound, now: i64) -> StoreResult<Handled>;

    /// Work for the next messages of `phones` that needs no unit of work and is better done
    /// before one opens (verifying a PIN: slow on purpose). Only a head start: a step must come
    /// out the same without it. Failures are the conversation's to log.
    async fn prepare(&self, db: &Db, phones: &[String]) {
        let _ = (db, phones);
    }

    /// One step for each of `msgs` (of distinct phones), in order, in the same unit of work: what
    /// the inbox calls for a batch. A conversation may load and save its state for the whole batch
    /// at once; by default each message is handled on its own.
    async fn handle_batch(
        &self,
        tx: &mut Tx,
        msgs: &[StoredInbound],
        now: i64,
    ) -> StoreResult<Vec<Handled>> {
        let mut handled = Vec::with_capacity(msgs.len());
        for msg in msgs {
            handled.push(self.handle(tx, msg, now).await?);
        }
        Ok(handled)
    }

    /// Called in a fresh unit of work when [`Conversation::handle`] failed on bad data (never
    /// for a lost connection, which is retried): reset the conversation and apologise, so one
    /// bad message never blocks a phone's queue.
    async fn recover(&self, tx: &mut Tx, msg: &StoredInbound, now: i64) -> StoreResult<Handled> {
        let _ = (tx, msg, now);
        Ok(Handled::default())
    }
}

/// Most phones whose next messages are handled in one unit of work.
pub const MAX_BATCH: usize = 32;

/// Handles every unhandled message of `phone`, oldest first. Returns how many were handled.
/// Safe to call from several tasks or servers at once: the phone lock serialises them and a message
/// already handled is not found again.
pub async fn handle_phone(app: &App, phone: &str) -> StoreResult<usize> {
    handle_phones(app, &[phone.to_string()]).await
}

/// Handles every unhandled message of `phones` (distinct), oldest first per phone: each round
/// takes the next message of every phone that has one and handles them together, in one unit of
/// work (a batch), so the cost of a unit (its begin, commit and bookkeeping statements, and on
/// PostgreSQL its WAL flush) is shared by the phones that were waiting together. Returns how many
/// messages were handled.
///
/// A batch that fails (one message the conversation cannot handle, or two batches deadlocking on
/// PostgreSQL) has changed nothing: its phones are then handled one at a time, where a message
/// that fails on bad data is answered with an apology ([`Conversation::recover`]) instead of
/// blocking its phone's queue.
pub async fn handle_phones(app: &App, phones: &[String]) -> StoreResult<usize> {
    let mut handled = 0;
    // Phones to handle in batches, and phones of a failed batch, to handle one at a time.
    let mut todo: VecDeque<String> = phones.iter().cloned().collect();
    let mut alone: Vec<String> = Vec::new();
    loop {
        let batch: Vec<String> = match alone.pop() {
            Some(phone) => vec![phone],
            None if todo.is_empty() => return Ok(handled),
            None => todo.drain(..todo.len().min(MAX_BATCH)).collect(),
        };
        match handle_batch(app, &batch, false).await {
            Ok(done) => {
                handled += done.handled;
                todo.extend(done.more);
            }
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, phones = batch.len(), "a batch of conversation steps failed: its phones are handled one at a time");
                alone.extend(batch);
            }
            Err(e) if e.is_permanent() => {
                tracing::error!(error = %e, "conversation step failed; the message is answered with an apology");
                let done = handle_batch(app, &batch, true).await?;
                handled += done.handled;
                todo.extend(done.more);
            }
            Err(e) => return Err(e),
        }
    }
}

/// What [`handle_batch`] did.
struct Batch {
    /// Messages handled.
    handled: usize,
    /// The phones with another message waiting when the batch committed. A message recorded
    /// after that look is handed to the dispatcher by its own webhook (or found by the recovery
    /// sweep), so a phone not listed needs no further unit of work just to find nothing.
    more: Vec<String>,
}

/// Handles the oldest unhandled message of each of `phones` in one unit of work (or, with
/// `recovering`, lets the conversation recover from them).
async fn handle_batch(app: &App, phones: &[String], recovering: bool) -> StoreResult<Batch> {
    if !recovering {
        app.conversation.prepare(&app.db, phones).await;
    }
    let mut tx = app.db.begin(crate::store::KelurahanId::DEFAULT).await?;
    tx.lock_phones(phones).await?;
    // Which messages wait, and whether more wait behind them, is learnt now, under the phones'
    // locks. A message recorded after this look is handed to the dispatcher by its own webhook
    // once it commits (on SQLite none can be: this unit of work holds the write lock).
    let next = tx.next_pending_inbound_of(phones).await?;
    if next.is_empty() {
        tx.rollback().await?;
        return Ok(Batch {
            handled: 0,
            more: Vec::new(),
        });
    }
    let now = app.now();
    let mut queued: Vec<Outbound> = Vec::new();
    let mut counts = FlowEventCounts::default();
    let mut finished = Vec::with_capacity(next.len());
    let mut more = Vec::new();
    let (msgs, waiting): (Vec<StoredInbound>, Vec<bool>) = next.into_iter().unzip();
    let outs = if recovering {
        let mut outs = Vec::with_capacity(msgs.len());
        for msg in &msgs {
            outs.push(app.conversation.recover(&mut tx, msg, now).await?);
        }
        outs
    } else {
        app.conversation.handle_batch(&mut tx, &msgs, now).await?
    };
    if outs.len() != msgs.len() {
        return Err(StoreError::Corrupt(format!(
            "the conversation answered {} of {} messages",
            outs.len(),
            msgs.len()
        )));
    }
    for ((msg, waiting), out) in msgs.iter().zip(waiting).zip(outs) {
        queued.extend(out.replies.into_iter().map(|body| Outbound {
            kelurahan: msg.kelurahan,
            channel: msg.channel,
            phone: msg.phone.clone(),
            body,
            priority: Priority::Reply,
        }));
        queued.extend(out.notices);
        counts.merge(out.counts);
        match out
            .stored_content
            .or_else(|| recovering.then(masked_content))
        {
            Some(stored) => tx.finish_inbound(msg.id, Some(&stored), now).await?,
            None => finished.push(msg.id),
        }
        if waiting {
            more.push(msg.phone.clone());
        }
    }
    tx.enqueue_all(&queued, now).await?;
    tx.count_flow_events(&counts).await?;
    tx.finish_inbounds(&finished, now).await?;
    tx.commit().await?;
    Ok(Batch {
        handled: msgs.len(),
        more,
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
        total += handle_phones(app, &fresh).await?;
    }
}
