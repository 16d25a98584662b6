//! From "a message was recorded" to "its conversation step ran": an in-process dispatcher.
//!
//! A webhook records the message durably, answers the provider, and hands the phone to
//! [`Dispatcher::dispatch`]. A few worker tasks run [`inbox::handle_phone`]; a phone always goes to
//! the same worker, so one phone's messages are never handled by two workers at once in this
//! process. Nothing here must survive a crash: the recovery sweep
//! ([`spawn_recovery_sweep`], at start and every few seconds) runs [`inbox::handle_all_pending`]
//! and so finds any message whose phone was lost from the queue (crash, full queue).

use crate::app::App;
use crate::inbox;
use crate::outbox::OutboxWake;
use crate::parse::mask_phone;
use crate::shutdown::Stop;
use crate::telemetry;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Phones waiting per worker before new ones are left to the recovery sweep.
const QUEUE_PER_WORKER: usize = 1024;

/// Hands phones with new messages to the workers. Cheap to clone. When every clone is dropped the
/// workers finish what is queued and end.
#[derive(Clone, Debug)]
pub struct Dispatcher {
    queues: Arc<[mpsc::Sender<String>]>,
}

impl Dispatcher {
    /// Starts `workers` worker tasks. Each pokes `wake` after it queued replies.
    pub fn start(app: App, workers: usize, wake: OutboxWake) -> (Dispatcher, Vec<JoinHandle<()>>) {
        let (queues, handles): (Vec<_>, Vec<_>) = (0..workers.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(QUEUE_PER_WORKER);
                (tx, tokio::spawn(work(app.clone(), rx, wake.clone())))
            })
            .unzip();
        (
            Dispatcher {
                queues: queues.into(),
            },
            handles,
        )
    }

    /// Asks for `phone`'s pending messages to be handled. Never waits: when the queue is full
    /// the recovery sweep picks the phone up.
    pub fn dispatch(&self, phone: &str) {
        let mut h = DefaultHasher::new();
        phone.hash(&mut h);
        let queue = &self.queues[(h.finish() % self.queues.len() as u64) as usize];
        if let Err(e) = queue.try_send(phone.to_string()) {
            tracing::warn!(
                phone = %mask_phone(phone),
                reason = %e,
                "dispatch queue refused a phone: the recovery sweep will handle it"
            );
        }
    }
}

/// Takes the phones queued for this worker, all that are waiting (up to a batch), and handles them
/// together: phones that queued up while the previous batch ran share one unit of work.
async fn work(app: App, mut queue: mpsc::Receiver<String>, wake: OutboxWake) {
    let mut phones: Vec<String> = Vec::with_capacity(inbox::MAX_BATCH);
    while let Some(phone) = queue.recv().await {
        phones.push(phone);
        while phones.len() < inbox::MAX_BATCH {
            match queue.try_recv() {
                Ok(phone) if phones.contains(&phone) => {}
                Ok(phone) => phones.push(phone),
                Err(_) => break,
            }
        }
        handle(&app, &phones, &wake).await;
        phones.clear();
    }
}

async fn handle(app: &App, phones: &[String], wake: &OutboxWake) {
    let started = Instant::now();
    match inbox::handle_phones(app, phones).await {
        Ok(0) => {}
        Ok(n) => {
            metrics::histogram!(telemetry::HANDLING_SECONDS)
                .record(started.elapsed().as_secs_f64());
            tracing::debug!(phones = phones.len(), handled = n, "messages handled");
            wake.poke();
        }
        Err(e) => tracing::error!(
            phones = phones.len(),
            error = %e,
            "handling failed: the recovery sweep will try again"
        ),
    }
}

/// Runs [`inbox::handle_all_pending`] now and then every `every`, until `stop`.
pub fn spawn_recovery_sweep(
    app: App,
    every: Duration,
    wake: OutboxWake,
    mut stop: Stop,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.is_stopping() {
            match inbox::handle_all_pending(&app).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(handled = n, "recovery sweep handled waiting messages");
                    wake.poke();
                }
                Err(e) => tracing::error!(error = %e, "recovery sweep failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.stopped() => {}
            }
        }
    })
}
