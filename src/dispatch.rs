//! From "a message was recorded" to "its conversation step ran": an in-process dispatcher.
//!
//! A webhook records the message durably, answers the provider, and hands the phone to
//! [`Dispatcher::dispatch`]. A few worker tasks run [`inbox::handle_phones`]; a phone always goes
//! to the same worker, so one phone's messages are never handled by two workers at once in this
//! process.
//!
//! Back-pressure: when steps fall behind, phones wait in their worker's queue, never refused.
//! The queue holds each phone once (a phone dispatched again while it waits is already there:
//! its new message is handled with the others, oldest first), so it holds at most one entry per
//! phone with recorded, unhandled messages, however many webhooks come, and a worker takes the
//! phones that waited together as one batch once it is free. A webhook is answered once its
//! message is recorded, whatever the queue holds; the cost of falling behind is the replies'
//! latency, not messages left waiting for a sweep.
//!
//! Nothing here must survive a crash: the recovery sweep ([`spawn_recovery_sweep`], at start and
//! every few seconds) runs [`inbox::handle_all_pending`] and so finds any message whose phone was
//! lost from the queue (a crash, a step that failed on a lost connection).

use crate::app::App;
use crate::inbox;
use crate::outbox::OutboxWake;
use crate::shutdown::Stop;
use crate::telemetry;
use std::collections::{HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Hands phones with new messages to the workers. Cheap to clone. When every clone is dropped the
/// workers finish what is queued and end.
#[derive(Clone, Debug)]
pub struct Dispatcher {
    queues: Arc<Queues>,
}

/// The workers' queues; dropped with the last [`Dispatcher`], which closes them.
#[derive(Debug)]
struct Queues(Vec<Arc<PhoneQueue>>);

impl Drop for Queues {
    fn drop(&mut self) {
        for queue in &self.0 {
            queue.close();
        }
    }
}

/// One worker's phones, in the order they came, each once.
#[derive(Debug, Default)]
struct PhoneQueue {
    waiting: Mutex<Waiting>,
    /// Poked when a phone is queued or the queue is closed (one worker waits on it).
    ready: Notify,
}

#[derive(Debug, Default)]
struct Waiting {
    order: VecDeque<String>,
    queued: HashSet<String>,
    closed: bool,
}

impl PhoneQueue {
    /// A poisoned lock only means a worker panicked while holding it; the phones are still valid.
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `phone` unless it is already waiting.
    fn push(&self, phone: &str) {
        let mut w = self.lock();
        if w.queued.insert(phone.to_string()) {
            w.order.push_back(phone.to_string());
            drop(w);
            self.ready.notify_one();
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    /// Waits for phones and takes up to `most` of them, oldest first; `None` once the queue is
    /// closed and empty.
    async fn take(&self, most: usize) -> Option<Vec<String>> {
        loop {
            {
                let mut w = self.lock();
                if !w.order.is_empty() {
                    let n = w.order.len().min(most);
                    let phones: Vec<String> = w.order.drain(..n).collect();
                    for phone in &phones {
                        w.queued.remove(phone);
                    }
                    return Some(phones);
                }
                if w.closed {
                    return None;
                }
            }
            // A push between the look above and this wait left a permit: no wake-up is lost.
            self.ready.notified().await;
        }
    }
}

impl Dispatcher {
    /// Starts `workers` worker tasks. Each pokes `wake` after it queued replies.
    pub fn start(app: App, workers: usize, wake: OutboxWake) -> (Dispatcher, Vec<JoinHandle<()>>) {
        let (queues, handles): (Vec<_>, Vec<_>) = (0..workers.max(1))
            .map(|_| {
                let queue = Arc::new(PhoneQueue::default());
                let worker = tokio::spawn(work(app.clone(), queue.clone(), wake.clone()));
                (queue, worker)
            })
            .unzip();
        (
            Dispatcher {
                queues: Arc::new(Queues(queues)),
            },
            handles,
        )
    }

    /// Asks for `phone`'s pending messages to be handled. Never waits and never refuses: the
    /// phone waits in its worker's queue (once, however often it is dispatched) until the
    /// worker is free.
    pub fn dispatch(&self, phone: &str) {
        let mut h = DefaultHasher::new();
        phone.hash(&mut h);
        let queues = &self.queues.0;
        queues[(h.finish() % queues.len() as u64) as usize].push(phone);
    }
}

/// Takes the phones queued for this worker, all that are waiting (up to a batch), and handles them
/// together: phones that queued up while the previous batch ran share one unit of work.
async fn work(app: App, queue: Arc<PhoneQueue>, wake: OutboxWake) {
    while let Some(phones) = queue.take(inbox::MAX_BATCH).await {
        handle(&app, &phones, &wake).await;
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
            if let Err(e) = app.db.apply_early_statuses(app.now()).await {
                tracing::error!(error = %e, "applying early delivery reports failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.stopped() => {}
            }
        }
    })
}
