//! Pacing sends under a per-channel cap: one send every `1/mps` seconds, never faster, so no
//! one-second window ever holds more than `mps` sends.

use std::time::Duration;
use tokio::time::{sleep_until, Instant};

#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Instant,
}

impl Pacer {
    /// A pacer for `mps` messages per second (at least 1).
    pub fn per_second(mps: u32) -> Self {
        Pacer {
            interval: Duration::from_secs(1) / mps.max(1),
            next: Instant::now(),
        }
    }

    /// Waits for the next free slot and takes it.
    pub async fn wait(&mut self) {
        let slot = self.next.max(Instant::now());
        self.next = slot + self.interval;
        sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On tokio's paused clock, so the spacing is exact and never depends on the machine's load.
    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_by_the_interval() {
        let mut p = Pacer::per_second(50);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..6 {
            p.wait().await;
            times.push(start.elapsed());
        }
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(20), "{times:?}");
        }
        assert!(times[5] >= Duration::from_millis(100), "{times:?}");
    }
}
