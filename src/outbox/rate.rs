//! Pacing sends under a per-channel cap (`WHATSAPP_MPS`, `SMS_MPS`): never more than `mps` sends
//! in any one-second window, spread one every `1/mps` seconds.
//!
//! A slot lost to a slow claim or a slow provider is made up at once (the nominal schedule runs
//! on), but never beyond the one-second window, so the channel reaches its cap without passing
//! it; after an idle spell at most one second of slots is owed.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    mps: usize,
    /// The nominal time of the next slot.
    next: Instant,
    /// When the sends of the last second went.
    recent: VecDeque<Instant>,
}

impl Pacer {
    /// A pacer for `mps` messages per second (at least 1).
    pub fn per_second(mps: u32) -> Self {
        let mps = mps.max(1);
        Pacer {
            interval: WINDOW / mps,
            mps: mps as usize,
            next: Instant::now(),
            recent: VecDeque::with_capacity(mps as usize),
        }
    }

    /// Waits for the next free slot and takes it.
    pub async fn wait(&mut self) {
        let now = Instant::now();
        // Owe at most one second of slots.
        if let Some(floor) = now.checked_sub(WINDOW) {
            self.next = self.next.max(floor);
        }
        let mut slot = self.next.max(now);
        // The window's rule: the send `mps` places back must be a full second ago.
        if self.recent.len() >= self.mps {
            if let Some(oldest) = self.recent.front() {
                slot = slot.max(*oldest + WINDOW);
            }
        }
        // Only a slot still to come is slept for: tokio's timer ticks in milliseconds, so even a
        // sleep until a moment already past would wait for the next tick, and at a cap of more
        // than 1,000 per second every send would lose up to a millisecond.
        if slot > Instant::now() {
            sleep_until(slot).await;
        }
        self.recent.push_back(slot);
        while self.recent.len() > self.mps {
            self.recent.pop_front();
        }
        self.next += self.interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn send_times(mps: u32, n: usize, stall_at: Option<usize>) -> Vec<Duration> {
        let mut p = Pacer::per_second(mps);
        let start = Instant::now();
        let mut times = Vec::new();
        for i in 0..n {
            if stall_at == Some(i) {
                // A slow claim or provider: a few slots go by unused.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            p.wait().await;
            times.push(start.elapsed());
        }
        times
    }

    fn max_in_any_second(times: &[Duration]) -> usize {
        times
            .iter()
            .map(|t| {
                times
                    .iter()
                    .filter(|u| **u >= *t && **u < *t + WINDOW)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// On tokio's paused clock, so the figures are exact and never depend on the machine's load.
    #[tokio::test(start_paused = true)]
    async fn sends_are_spread_at_the_cap() {
        let times = send_times(50, 101, None).await;
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(20), "{times:?}");
        }
        assert_eq!(times[100], Duration::from_secs(2));
        assert!(max_in_any_second(&times) <= 50);
    }

    #[tokio::test(start_paused = true)]
    async fn lost_slots_are_made_up_without_passing_the_cap() {
        let times = send_times(50, 200, Some(60)).await;
        assert!(max_in_any_second(&times) <= 50, "never above the cap");
        // The stall cost nothing over the run: 200 sends in 4 seconds, as without it.
        assert!(times[199] < Duration::from_secs(4), "{:?}", times[199]);
    }

    #[tokio::test(start_paused = true)]
    async fn after_an_idle_spell_at_most_a_second_is_owed() {
        let mut p = Pacer::per_second(10);
        p.wait().await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..30 {
            p.wait().await;
            times.push(start.elapsed());
        }
        assert!(max_in_any_second(&times) <= 10, "{times:?}");
    }
}
