//! One channel's sender: claim due rows, pace them, send each from its kelurahan's number,
//! record the outcome.

use super::rate::Cap;
use super::OutboxOptions;
use crate::channels::{SendError, Sender};
use crate::clock::Clock;
use crate::error::StoreResult;
use crate::kelurahan::NumberDirectory;
use crate::parse::mask_phone;
use crate::shutdown::Stop;
use crate::store::{Db, KelurahanId, OutboxRow, SendOutcome};
use crate::telemetry;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;

pub struct OutboxWorker {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub sender: Arc<dyn Sender>,
    /// Which number each row's kelurahan sends from.
    pub numbers: Arc<NumberDirectory>,
    pub options: OutboxOptions,
    /// Messages per second, never exceeded by this server's sends, nor, on a database several
    /// servers share, by all of theirs together ([`Cap`]).
    pub mps: u32,
    /// Poked when rows are queued. (When a send ends, the phone's next row is free: the loop
    /// wakes on the send's end.)
    pub wake: Arc<Notify>,
}

/// How a send ended, reported by its task to the run loop.
struct Outcome {
    id: i64,
    kelurahan: KelurahanId,
    phone: String,
    attempts: i64,
    result: Result<String, SendError>,
}

impl OutboxWorker {
    /// Runs until `stop`; then stops claiming and lets the sends under way finish.
    ///
    /// The loop claims rows and starts a task per send; each task reports how its send ended
    /// to the recorder, a task of its own that records at once whatever outcomes came in
    /// together (one unit of work), then wakes the loop: a phone's next row can be claimed once
    /// its previous one is recorded. Recording does not wait for the loop's pacing, so what the
    /// provider accepted is durable one commit later: a `kill -9` re-sends only the sends that
    /// were on the wire or in that commit.
    pub async fn run(self, mut stop: Stop) {
        let channel = self.sender.channel();
        let max_in_flight = self.options.max_in_flight.max(1);
        // A claim takes at most a twentieth of a second of sends at the cap (at least one row):
        // the loop paces a claimed batch out before it claims again, so a reply queued meanwhile
        // (or a phone's next row) waits at most that long behind a broadcast. (A whole batch of
        // 128 at SMS_MPS=200 held replies back 0.64 s.)
        let batch = max_in_flight.min((self.mps as usize / 20).max(1));
        let this = Arc::new(self);
        let mut cap = Cap::for_channel(&this.db, channel, this.mps);
        let mut in_flight: JoinSet<()> = JoinSet::new();
        let (report, mut outcomes) = mpsc::unbounded_channel::<Outcome>();
        let recorded = Arc::new(Notify::new());
        let recorder = {
            let this = this.clone();
            let recorded = recorded.clone();
            tokio::spawn(async move {
                // Ends when every sender of outcomes is gone: the loop's and its tasks'.
                while let Some(first) = outcomes.recv().await {
                    let mut ended = vec![first];
                    while let Ok(outcome) = outcomes.try_recv() {
                        ended.push(outcome);
                    }
                    this.record(ended).await;
                    recorded.notify_one();
                }
            })
        };
        tracing::info!(%channel, mps = this.mps, "outbox sender started");
        let mut leases_checked: Option<Instant> = None;
        while !stop.is_stopping() {
            if leases_checked.is_none_or(|at| at.elapsed() >= this.options.poll) {
                leases_checked = Some(Instant::now());
                this.release_expired_leases().await;
            }
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
                        match cap.take(rows.len()).await {
                            Ok(mut slots) => {
                                for row in rows {
                                    if let Err(e) = slots.next().await {
                                        tracing::error!(%channel, error = %e, "booking a send slot failed: the claimed rows go out again after their lease");
                                        break;
                                    }
                                    in_flight.spawn(send(this.clone(), row, report.clone()));
                                }
                            }
                            Err(e) => tracing::error!(
                                %channel,
                                error = %e,
                                rows = rows.len(),
                                "booking send slots failed: the claimed rows go out again after their lease"
                            ),
                        }
                    }
                    Err(e) => tracing::error!(%channel, error = %e, "outbox claim failed"),
                }
            }
            // A claim that got fewer rows than it asked for took every row claimable now: wait
            // for a poke (new rows), a send's end recorded (its phone's next row) or the poll (retries
            // coming due) instead of claiming again at once for nothing.
            let batch_full = free > 0 && claimed == free;
            if !batch_full {
                tokio::select! {
                    _ = this.wake.notified() => {}
                    _ = tokio::time::sleep(this.options.poll) => {}
                    _ = recorded.notified() => {}
                    _ = stop.stopped() => {}
                }
            }
        }
        while in_flight.join_next().await.is_some() {}
        drop(report);
        if let Err(e) = recorder.await {
            tracing::error!(%channel, error = %e, "the outbox recorder ended abnormally");
        }
        tracing::info!(%channel, "outbox sender stopped");
    }

    /// Gives back rows whose lease ran out (a sender that died: this process before a restart,
    /// or another server), once per poll interval.
    async fn release_expired_leases(&self) {
        let channel = self.sender.channel();
        match self
            .db
            .release_expired_leases(channel, self.clock.now_ms())
            .await
        {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(%channel, rows = n, "rows whose lease ran out are queued again")
            }
            Err(e) => tracing::error!(%channel, error = %e, "giving back expired leases failed"),
        }
    }

    /// Records how sends ended, in one unit of work (the accepted ones with one statement; one
    /// that cannot be recorded never fails the others: [`Db::record_send_outcomes`]).
    async fn record(&self, ended: Vec<Outcome>) {
        if ended.is_empty() {
            return;
        }
        let channel = self.sender.channel();
        let now = self.clock.now_ms();
        let backoff = &self.options.backoff;
        let mut outcomes: Vec<SendOutcome> = Vec::with_capacity(ended.len());
        for Outcome {
            id,
            kelurahan,
            phone,
            attempts,
            result,
        } in ended
        {
            let phone = mask_phone(&phone);
            let (outcome, label) = match result {
                Ok(provider_id) => {
                    tracing::info!(%channel, id, phone, provider_id, "sent");
                    (SendOutcome::Sent { id, provider_id }, "sent")
                }
                Err(SendError::Permanent { code, message }) => {
                    tracing::warn!(%channel, id, phone, code, "refused by the provider");
                    let error = format!("{code}: {message}");
                    (SendOutcome::Failed { id, error }, "failed")
                }
                Err(SendError::Retryable(reason)) if backoff.gives_up(attempts) => {
                    tracing::warn!(%channel, id, phone, attempts, reason, "given up");
                    let error = format!("gave up after {attempts} attempts: {reason}");
                    (SendOutcome::Failed { id, error }, "failed")
                }
                Err(SendError::Wait {
                    retry_after_ms,
                    reason,
                }) => {
                    tracing::info!(%channel, id, phone, wait_ms = retry_after_ms, reason, "waits, no try counted");
                    let wait = SendOutcome::Wait {
                        id,
                        next_at: now + retry_after_ms.max(1),
                        error: reason,
                    };
                    (wait, "waited")
                }
                Err(SendError::Retryable(reason)) => {
                    let delay = backoff.delay_ms(attempts);
                    tracing::info!(%channel, id, phone, attempts, delay_ms = delay, reason, "will retry");
                    let retry = SendOutcome::Retry {
                        id,
                        next_at: now + delay,
                        error: reason,
                    };
                    (retry, "retried")
                }
            };
            outcomes.push(outcome);
            metrics::counter!(
                telemetry::OUTBOUND,
                "channel" => channel.as_str(),
                "kelurahan" => self.numbers.code(kelurahan),
                "status" => label
            )
            .increment(1);
        }
        retry_store(|| self.db.record_send_outcomes(&outcomes, now)).await;
    }
}

/// One send, from the row's kelurahan's number; how it ended goes to the recorder.
async fn send(worker: Arc<OutboxWorker>, row: OutboxRow, report: mpsc::UnboundedSender<Outcome>) {
    let channel = worker.sender.channel();
    let from = worker.numbers.sends_from(row.kelurahan, channel).await;
    let result = worker
        .sender
        .send(from.as_deref(), &row.phone, &row.body)
        .await;
    // The loop outlives its tasks (it joins them before it ends).
    let _ = report.send(Outcome {
        id: row.id,
        kelurahan: row.kelurahan,
        phone: row.phone,
        attempts: row.attempts,
        result,
    });
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
