//! One channel's sender: claim due rows, pace them, send each, record the outcome.

use super::rate::Pacer;
use super::OutboxOptions;
use crate::channels::{SendError, Sender};
use crate::clock::Clock;
use crate::error::StoreResult;
use crate::parse::mask_phone;
use crate::shutdown::Stop;
use crate::store::{Db, OutboxRow};
use crate::telemetry;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;

pub struct OutboxWorker {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub sender: Arc<dyn Sender>,
    pub options: OutboxOptions,
    /// Messages per second, never exceeded.
    pub mps: u32,
    /// Poked when rows are queued. (When a send ends, the phone's next row is free: the loop
    /// wakes on the send's end.)
    pub wake: Arc<Notify>,
}

impl OutboxWorker {
    /// Runs until `stop`; then stops claiming and lets the sends under way finish.
    pub async fn run(self, mut stop: Stop) {
        let channel = self.sender.channel();
        let max_in_flight = self.options.max_in_flight.max(1);
        // A batch never holds more than a second of sends, so claimed rows leave well within
        // their lease.
        let batch = max_in_flight.min(self.mps.max(1) as usize);
        let this = Arc::new(self);
        let mut pacer = Pacer::per_second(this.mps);
        let mut in_flight: JoinSet<()> = JoinSet::new();
        tracing::info!(%channel, mps = this.mps, "outbox sender started");
        while !stop.is_stopping() {
            while in_flight.try_join_next().is_some() {}
            let free = batch.min(max_in_flight.saturating_sub(in_flight.len()));
            let mut claimed = 0;
            if free > 0 {
                let now = this.clock.now_ms();
                match this
                    .db
                    .claim_outbox(channel, now, free as i64, this.options.lease_ms)
                    .await
                {
                    Ok(rows) => {
                        claimed = rows.len();
                        for row in rows {
                            pacer.wait().await;
                            let worker = this.clone();
                            in_flight.spawn(async move { worker.deliver(row).await });
                        }
                    }
                    Err(e) => tracing::error!(%channel, error = %e, "outbox claim failed"),
                }
            }
            // A claim that got fewer rows than it asked for took every row claimable now: wait
            // for a poke (new rows), a send's end (its phone's next row) or the poll (retries
            // coming due) instead of claiming again at once for nothing.
            let batch_full = free > 0 && claimed == free;
            if !batch_full {
                tokio::select! {
                    _ = this.wake.notified() => {}
                    _ = tokio::time::sleep(this.options.poll) => {}
                    Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                    _ = stop.stopped() => {}
                }
            }
        }
        while in_flight.join_next().await.is_some() {}
        tracing::info!(%channel, "outbox sender stopped");
    }

    /// Sends one claimed row and records what happened.
    async fn deliver(&self, row: OutboxRow) {
        let channel = self.sender.channel();
        let result = self.sender.send(&row.phone, &row.body).await;
        let now = self.clock.now_ms();
        let phone = mask_phone(&row.phone);
        let backoff = &self.options.backoff;
        let outcome = match result {
            Ok(provider_id) => {
                tracing::info!(%channel, id = row.id, phone, provider_id, "sent");
                retry_store(|| self.db.outbox_sent(row.id, &provider_id, now)).await;
                "sent"
            }
            Err(SendError::Permanent { code, message }) => {
                tracing::warn!(%channel, id = row.id, phone, code, "refused by the provider");
                let error = format!("{code}: {message}");
                retry_store(|| self.db.outbox_failed(row.id, &error, now)).await;
                "failed"
            }
            Err(SendError::Retryable(reason)) if backoff.gives_up(row.attempts) => {
                tracing::warn!(%channel, id = row.id, phone, attempts = row.attempts, reason, "given up");
                let error = format!("gave up after {} attempts: {reason}", row.attempts);
                retry_store(|| self.db.outbox_failed(row.id, &error, now)).await;
                "failed"
            }
            Err(SendError::Retryable(reason)) => {
                let delay = backoff.delay_ms(row.attempts);
                tracing::info!(%channel, id = row.id, phone, attempts = row.attempts, delay_ms = delay, reason, "will retry");
                retry_store(|| self.db.outbox_retry(row.id, now + delay, &reason, now)).await;
                "retried"
            }
        };
        metrics::counter!(telemetry::OUTBOUND, "channel" => channel.as_str(), "status" => outcome)
            .increment(1);
        // This phone's next row (if any) can be claimed now: the run loop wakes on this task's
        // end (`join_next`), so no poke here (a poke as well would cost one more, empty, claim).
    }
}

/// Records an outcome, trying a few times: a send that is not recorded is sent again once its
/// lease runs out.
async fn retry_store<F, Fut>(mut op: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<()>>,
{
    const TRIES: u32 = 4;
    for attempt in 1..=TRIES {
        match op().await {
            Ok(()) => return,
            Err(e) if attempt < TRIES => {
                tracing::warn!(error = %e, attempt, "recording a send outcome failed, trying again");
                tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "recording a send outcome failed: the row will be claimed again after its lease")
            }
        }
    }
}
