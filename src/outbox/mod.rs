//! The durable outbox, sending side: per channel, one worker claims due rows (a lease), paces
//! them under the channel's rate cap, sends them, and records the outcome. A crash leaves claimed
//! rows leased; they are claimed again when the lease runs out, so nothing queued is lost.
//!
//! - [`worker`]: the claim → pace → send → record loop;
//! - [`rate`]: the per-channel pacing;
//! - [`backoff`]: when a temporarily failed send is tried again, and when it is given up;
//! - [`status`]: where a row stands.

pub mod backoff;
pub mod rate;
pub mod status;
pub mod worker;

pub use backoff::Backoff;
pub use status::Status;
pub use worker::OutboxWorker;

use crate::message::Channel;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct OutboxOptions {
    /// How long a claim lasts; a sender that died gives its rows back after this.
    pub lease_ms: i64,
    /// How often to look for due rows when nobody pokes.
    pub poll: Duration,
    /// Sends under way at once per channel (each to a different phone).
    pub max_in_flight: usize,
    pub backoff: Backoff,
}

impl Default for OutboxOptions {
    fn default() -> Self {
        OutboxOptions {
            lease_ms: 60_000,
            poll: Duration::from_millis(200),
            max_in_flight: 128,
            backoff: Backoff::default(),
        }
    }
}

/// Pokes the senders when rows were queued, so replies leave at once instead of at the next poll.
#[derive(Clone, Debug, Default)]
pub struct OutboxWake {
    whatsapp: Arc<Notify>,
    sms: Arc<Notify>,
}

impl OutboxWake {
    /// Wakes every channel's sender (a step may queue messages on either channel).
    pub fn poke(&self) {
        self.whatsapp.notify_one();
        self.sms.notify_one();
    }

    pub fn for_channel(&self, channel: Channel) -> Arc<Notify> {
        match channel {
            Channel::WhatsApp => self.whatsapp.clone(),
            Channel::Sms => self.sms.clone(),
        }
    }
}
