//! Pacing sends under a per-channel cap (`WHATSAPP_MPS`, `SMS_MPS`): never more than `mps` sends
//! in any one-second window, spread one every `1/mps` seconds, whatever the number of servers.
//!
//! - One process on its own database (SQLite): the [`Pacer`]. A slot lost to a slow claim or a
//!   slow provider is made up at once (the nominal schedule runs on), but never beyond the
//!   one-second window, so the channel reaches its cap without passing it; after an idle spell
//!   at most one second of slots is owed.
//! - Servers sharing a database (PostgreSQL): the [`SharedSchedule`]. Each server books the
//!   slots of the rows it claimed on one schedule in the database ([`Db::book_send_slots`]), so
//!   the sends of all of them together are spaced as one sender's. The spacing leaves a guard
//!   ([`SHARED_GUARD`]): a slot is sent at or after its time, never before, but late by a varying
//!   amount (the booking's return trip, the server's and the network's scheduling), and two
//!   sends `mps` slots apart must still reach the provider a full second apart. Lost slots are
//!   not made up (the schedule has no memory of sends, only of its next slot).
//!
//! [`Cap`] picks one for the database.

use crate::error::StoreResult;
use crate::message::Channel;
use crate::store::Db;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// What the shared schedule adds to the one-second window: sends `mps` slots apart are booked
/// `1 s + SHARED_GUARD` apart, so the cap holds at the provider while the sends' lateness varies
/// by less than this between them (2% of the cap's throughput).
pub const SHARED_GUARD: Duration = Duration::from_millis(50);

/// A channel's cap, as the database allows.
#[derive(Debug)]
pub enum Cap {
    /// This process is the only sender.
    Local(Pacer),
    /// Every server on the database shares the cap.
    Shared(SharedSchedule),
}

impl Cap {
    /// The shared schedule when other servers may send on `db` (PostgreSQL), else the pacer.
    pub fn for_channel(db: &Db, channel: Channel, mps: u32) -> Cap {
        if db.shared_by_servers() {
            Cap::Shared(SharedSchedule::per_second(db.clone(), channel, mps))
        } else {
            Cap::Local(Pacer::per_second(mps))
        }
    }

    /// The slots of `n` sends, to wait for one by one ([`Slots::next`], once per send). On the
    /// shared schedule they are booked now.
    pub async fn take(&mut self, n: usize) -> StoreResult<Slots<'_>> {
        match self {
            Cap::Local(pacer) => Ok(Slots::Local(pacer)),
            Cap::Shared(schedule) => {
                let booked = schedule.book(n).await?;
                Ok(Slots::Shared { schedule, booked })
            }
        }
    }
}

/// Send slots taken from a [`Cap`].
#[derive(Debug)]
pub enum Slots<'a> {
    Local(&'a mut Pacer),
    Shared {
        schedule: &'a SharedSchedule,
        booked: VecDeque<Instant>,
    },
}

impl Slots<'_> {
    /// Waits for the next slot (call it once per send the slots were taken for). On the shared
    /// schedule, a slot reached more than [`LATE`] after its time (this server was not running:
    /// a loaded machine) is not used, nor are the ones booked after it: sent now they would crowd
    /// the other servers' next slots. They are booked again, a few times at most; a failure to
    /// book is the caller's to handle (it sends nothing more).
    pub async fn next(&mut self) -> StoreResult<()> {
        match self {
            Slots::Local(pacer) => {
                pacer.wait().await;
                Ok(())
            }
            Slots::Shared { schedule, booked } => {
                let mut tries = 0;
                loop {
                    let Some(&at) = booked.front() else {
                        *booked = schedule.book(1).await?;
                        continue;
                    };
                    if at > Instant::now() {
                        sleep_until(at).await;
                    }
                    tries += 1;
                    if Instant::now() <= at + LATE || tries >= REBOOKINGS {
                        break;
                    }
                    tracing::debug!(late = ?at.elapsed(), "a send slot was missed: booked again");
                    *booked = schedule.book(booked.len()).await?;
                }
                booked.pop_front();
                Ok(())
            }
        }
    }
}

/// How late a server may take a shared slot (a timer's tick, a short wait for a core).
pub const LATE: Duration = Duration::from_millis(10);

/// Tries at one slot at most, after which it is taken however late (a server that keeps
/// missing its slots only slows down).
const REBOOKINGS: usize = 4;

/// One channel's cap over every server on the database: slots booked on the database's
/// schedule, `(1 s + SHARED_GUARD) / mps` apart.
#[derive(Debug)]
pub struct SharedSchedule {
    db: Db,
    channel: Channel,
    interval: Duration,
}

impl SharedSchedule {
    pub fn per_second(db: Db, channel: Channel, mps: u32) -> Self {
        // Whole microseconds (what the schedule counts in), rounded up.
        let span = (WINDOW + SHARED_GUARD).as_micros() as u64;
        SharedSchedule {
            db,
            channel,
            interval: Duration::from_micros(span.div_ceil(u64::from(mps.max(1)))),
        }
    }

    /// Books `n` slots; their times here, in order. A slot's time is when the booking answered
    /// plus the slot's offset from the database's clock: never before the slot on the database's
    /// clock.
    pub async fn book(&self, n: usize) -> StoreResult<VecDeque<Instant>> {
        if n == 0 {
            return Ok(VecDeque::new());
        }
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let wait_us = self
            .db
            .book_send_slots(self.channel, n, self.interval.as_micros() as i64)
            .await?;
        let first = Instant::now() + Duration::from_micros(wait_us.max(0) as u64);
        Ok((0..n).map(|k| first + self.interval * k).collect())
    }
}

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
