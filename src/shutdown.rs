//! A stop signal shared by the background tasks (dispatcher sweep, outbox workers).

use tokio::sync::watch;

/// Held by whoever decides to stop; dropping it also stops everything.
#[derive(Debug)]
pub struct StopTrigger(watch::Sender<bool>);

/// Held by each task; cheap to clone.
#[derive(Clone, Debug)]
pub struct Stop(watch::Receiver<bool>);

pub fn stop_signal() -> (StopTrigger, Stop) {
    let (tx, rx) = watch::channel(false);
    (StopTrigger(tx), Stop(rx))
}

impl StopTrigger {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Stop {
    /// True once stopping was asked for (or the trigger is gone).
    pub fn is_stopping(&self) -> bool {
        *self.0.borrow() || self.0.has_changed().is_err()
    }

    /// Returns when stopping is asked for.
    pub async fn stopped(&mut self) {
        while !*self.0.borrow_and_update() {
            if self.0.changed().await.is_err() {
                return;
            }
        }
    }
}
