//! The gateway phones and their SIMs, as this process knows them: which SIM sends next, within
//! each SIM's caps, and how healthy each phone is.
//!
//! Rules kept here (and nowhere else):
//! 1. A SIM never sends more than `per_minute` messages in any 60 seconds (a sliding window,
//!    stricter than a clock minute) nor more than `per_day` in a Jakarta day: a send is counted
//!    when it is handed out ([`SimPool::reserve`]), before the request leaves, so sends under
//!    way at once cannot overshoot together.
//! 2. A reply goes from the SIM the resident last wrote to when that SIM may send; otherwise the
//!    sends spread over the usable SIMs, the one that sent least today first.
//! 3. A SIM whose sends failed [`FAILURES_TO_REST`] times in a row (refused, timed out, reported
//!    `sms:failed`) is rested for [`REST_MS`]; the others carry on. When every usable SIM is
//!    resting (all phones down), a resting one is still tried, so the backlog drains as soon as
//!    a phone is back instead of after its rest. One success clears it.
//! 4. When no SIM may send, the caller is told how long until one may ([`Busy`]); nothing is
//!    dropped here.
//!
//! SIMs are learned from the phones' own events (`deviceId` and `simNumber` of `sms:received`,
//! `sms:sent`…, `system:ping`). Before any event names a SIM, a phone counts as one SIM, the one
//! the app picks (`sim: None`). The figures live in this process's memory: after a restart the
//! windows start empty (the carriers' limits are per minute and per day, so at worst a restart
//! lets one SIM send up to its cap again that day), and with several `serve` processes each
//! applies the caps to its own sends.

use crate::calendar::jakarta_date;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

/// Consecutive failures after which a SIM is rested.
pub const FAILURES_TO_REST: u32 = 3;
/// How long a failing SIM is rested.
pub const REST_MS: i64 = 5 * 60_000;
/// A phone that sent no event (ping, message, status) for this long counts as offline.
pub const OFFLINE_AFTER_MS: i64 = 15 * 60_000;
/// Residents whose last SIM is remembered, at most (the oldest are forgotten first).
const MAX_REMEMBERED_PHONES: usize = 100_000;
const MINUTE_MS: i64 = 60_000;

/// One SIM of one gateway phone. `device` is the app's `deviceId` (empty: the only phone of a
/// local-mode gateway, whose events name no device); `sim` its slot (1–3), `None` for the one
/// the app chooses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SimKey {
    pub device: String,
    pub sim: Option<u8>,
}

/// What one SIM may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    pub per_minute: u32,
    pub per_day: u32,
}

/// No SIM may send now; one may in `retry_after_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy {
    pub retry_after_ms: i64,
}

#[derive(Debug, Default)]
struct SimState {
    /// When its sends within the last minute were handed out.
    minute: VecDeque<i64>,
    /// (Jakarta day, sends that day).
    day: (chrono::NaiveDate, u32),
    failures_in_a_row: u32,
    rested_until: i64,
    sent_total: u64,
    failed_total: u64,
}

impl SimState {
    fn sent_today(&self, today: chrono::NaiveDate) -> u32 {
        if self.day.0 == today {
            self.day.1
        } else {
            0
        }
    }

    /// 0 when it may send now, else how long until it may (`None`: not before tomorrow); a rest
    /// counts when `rest` says so.
    fn wait_ms(&mut self, caps: Caps, now: i64, rest: bool) -> Option<i64> {
        while self.minute.front().is_some_and(|at| *at <= now - MINUTE_MS) {
            self.minute.pop_front();
        }
        if self.sent_today(jakarta_date(now)) >= caps.per_day {
            return None;
        }
        let mut wait = if rest {
            (self.rested_until - now).max(0)
        } else {
            0
        };
        if self.minute.len() >= caps.per_minute as usize {
            let oldest = self.minute.front().copied().unwrap_or(now);
            wait = wait.max(oldest + MINUTE_MS - now);
        }
        Some(wait)
    }
}

#[derive(Debug, Default)]
struct DeviceState {
    last_event_at: Option<i64>,
    last_ping_at: Option<i64>,
}

#[derive(Debug, Default)]
struct Inner {
    sims: BTreeMap<SimKey, SimState>,
    devices: BTreeMap<String, DeviceState>,
    /// Resident phone → the SIM they last wrote to, with an age for forgetting.
    last_sim: HashMap<String, (SimKey, u64)>,
    tick: u64,
}

/// A phone's health, for `GET /api/sms-devices` and `/metrics`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeviceHealth {
    pub device_id: String,
    /// Seen (any event) within [`OFFLINE_AFTER_MS`].
    pub online: bool,
    pub last_event_at: Option<i64>,
    pub last_ping_at: Option<i64>,
    pub sims: Vec<SimHealth>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimHealth {
    pub sim: Option<u8>,
    pub sent_today: u32,
    pub sent_last_minute: u32,
    /// Sends handed to it since this process started.
    pub sent_total: u64,
    pub failed_total: u64,
    pub failures_in_a_row: u32,
    /// `ok`, `resting` (failing), `minute_cap`, `day_cap`.
    pub state: &'static str,
}

/// The gateway phones of this deployment; one per process, shared by the webhook and the sender.
#[derive(Debug)]
pub struct SimPool {
    caps: Caps,
    inner: Mutex<Inner>,
}

impl SimPool {
    pub fn new(caps: Caps) -> Self {
        SimPool {
            caps,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn caps(&self) -> Caps {
        self.caps
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A phone sent an event naming `sim` (or none): it is alive, and the SIM exists.
    pub fn seen(&self, device: &str, sim: Option<u8>, now: i64) {
        let mut inner = self.lock();
        inner
            .devices
            .entry(device.to_string())
            .or_default()
            .last_event_at = Some(now);
        inner
            .sims
            .entry(SimKey {
                device: device.to_string(),
                sim,
            })
            .or_default();
    }

    /// `system:ping`.
    pub fn pinged(&self, device: &str, now: i64) {
        let mut inner = self.lock();
        let d = inner.devices.entry(device.to_string()).or_default();
        d.last_event_at = Some(now);
        d.last_ping_at = Some(now);
    }

    /// A resident wrote to `sim` of `device`: their replies go from it when it may send.
    pub fn wrote_to(&self, phone: &str, device: &str, sim: Option<u8>, now: i64) {
        self.seen(device, sim, now);
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let key = SimKey {
            device: device.to_string(),
            sim,
        };
        inner.last_sim.insert(phone.to_string(), (key, tick));
        if inner.last_sim.len() > MAX_REMEMBERED_PHONES {
            // Forget the older half at once, so this is rare.
            let cut = tick - (MAX_REMEMBERED_PHONES as u64 / 2);
            inner.last_sim.retain(|_, (_, t)| *t > cut);
        }
    }

    /// The phones known so far.
    pub fn devices(&self) -> Vec<String> {
        self.lock().devices.keys().cloned().collect()
    }

    /// Hands out the SIM that sends the next message to `phone`, among the SIMs of the phones
    /// `allowed` (the kelurahan's), and counts the send against its caps. `fallback` is the SIM
    /// to use when no SIM of an allowed phone is known yet.
    pub fn reserve(
        &self,
        allowed: &[String],
        phone: &str,
        fallback: SimKey,
        now: i64,
    ) -> Result<SimKey, Busy> {
        let caps = self.caps;
        let mut inner = self.lock();
        let inner = &mut *inner;
        // A phone's own slots, once known, stand for it: its "app's choice" entry is left out.
        let with_slots: Vec<&String> = allowed
            .iter()
            .filter(|d| {
                inner
                    .sims
                    .keys()
                    .any(|k| &k.device == *d && k.sim.is_some())
            })
            .collect();
        let mut candidates: Vec<SimKey> = inner
            .sims
            .keys()
            .filter(|k| {
                allowed.contains(&k.device) && (k.sim.is_some() || !with_slots.contains(&&k.device))
            })
            .cloned()
            .collect();
        if candidates.is_empty() {
            inner.sims.entry(fallback.clone()).or_default();
            candidates.push(fallback);
        }
        let today = jakarta_date(now);
        let preferred = inner
            .last_sim
            .get(phone)
            .map(|(k, _)| k.clone())
            .filter(|k| candidates.contains(k));
        let mut best: Option<(SimKey, u32)> = None;
        let mut soonest: Option<i64> = None;
        // First the SIMs that are not resting; then, if none may send, the resting ones too.
        for (rest, key) in [true, false].into_iter().flat_map(|rest| {
            preferred
                .iter()
                .chain(candidates.iter())
                .map(move |k| (rest, k))
        }) {
            if !rest && best.is_some() {
                break;
            }
            let state = inner.sims.entry(key.clone()).or_default();
            match state.wait_ms(caps, now, rest) {
                Some(0) => {
                    if preferred.as_ref() == Some(key) {
                        best = Some((key.clone(), 0));
                        break;
                    }
                    let sent = state.sent_today(today);
                    if best.as_ref().is_none_or(|(_, s)| sent < *s) {
                        best = Some((key.clone(), sent));
                    }
                }
                Some(wait) => soonest = Some(soonest.map_or(wait, |s| s.min(wait))),
                None => {}
            }
        }
        let Some((key, _)) = best else {
            // Every SIM at its day cap: not before the next Jakarta day starts.
            let tomorrow = today
                .succ_opt()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis() - 7 * 3_600_000)
                .unwrap_or(now + 86_400_000);
            return Err(Busy {
                retry_after_ms: soonest.unwrap_or((tomorrow - now).max(1)),
            });
        };
        let state = inner.sims.entry(key.clone()).or_default();
        state.minute.push_back(now);
        if state.day.0 != today {
            state.day = (today, 0);
        }
        state.day.1 += 1;
        state.sent_total += 1;
        Ok(key)
    }

    /// How a send from `key` ended (or what its `sms:failed` / `sms:sent` report said).
    pub fn outcome(&self, key: &SimKey, ok: bool, now: i64) {
        let mut inner = self.lock();
        let state = inner.sims.entry(key.clone()).or_default();
        if ok {
            state.failures_in_a_row = 0;
        } else {
            state.failures_in_a_row += 1;
            state.failed_total += 1;
            if state.failures_in_a_row >= FAILURES_TO_REST {
                state.rested_until = now + REST_MS;
                tracing::warn!(
                    device = key.device,
                    sim = ?key.sim,
                    failures = state.failures_in_a_row,
                    "a gateway SIM keeps failing: rested for 5 minutes"
                );
            }
        }
    }

    /// Every known phone with its SIMs.
    pub fn health(&self, now: i64) -> Vec<DeviceHealth> {
        let caps = self.caps;
        let mut inner = self.lock();
        let inner = &mut *inner;
        let today = jakarta_date(now);
        let mut out: Vec<DeviceHealth> = inner
            .devices
            .iter()
            .map(|(id, d)| DeviceHealth {
                device_id: id.clone(),
                online: d
                    .last_event_at
                    .is_some_and(|at| now - at < OFFLINE_AFTER_MS),
                last_event_at: d.last_event_at,
                last_ping_at: d.last_ping_at,
                sims: Vec::new(),
            })
            .collect();
        for (key, state) in inner.sims.iter_mut() {
            let wait = state.wait_ms(caps, now, true);
            let health = SimHealth {
                sim: key.sim,
                sent_today: state.sent_today(today),
                sent_last_minute: state.minute.len() as u32,
                sent_total: state.sent_total,
                failed_total: state.failed_total,
                failures_in_a_row: state.failures_in_a_row,
                state: match wait {
                    None => "day_cap",
                    Some(_) if state.rested_until > now => "resting",
                    Some(0) => "ok",
                    Some(_) => "minute_cap",
                },
            };
            match out.iter_mut().find(|d| d.device_id == key.device) {
                Some(d) => d.sims.push(health),
                None => out.push(DeviceHealth {
                    device_id: key.device.clone(),
                    online: false,
                    last_event_at: None,
                    last_ping_at: None,
                    sims: vec![health],
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_718_000_000_000;

    fn key(device: &str, sim: u8) -> SimKey {
        SimKey {
            device: device.into(),
            sim: Some(sim),
        }
    }

    fn fallback() -> SimKey {
        SimKey {
            device: String::new(),
            sim: None,
        }
    }

    fn pool(per_minute: u32, per_day: u32) -> SimPool {
        SimPool::new(Caps {
            per_minute,
            per_day,
        })
    }

    #[test]
    fn a_sim_never_exceeds_its_minute_cap_in_any_sixty_seconds() {
        let p = pool(3, 100);
        p.seen("A", Some(1), T0);
        let all = vec!["A".to_string()];
        for i in 0..3 {
            assert_eq!(
                p.reserve(&all, "+62811", fallback(), T0 + i),
                Ok(key("A", 1))
            );
        }
        let busy = p.reserve(&all, "+62811", fallback(), T0 + 10).unwrap_err();
        assert_eq!(busy.retry_after_ms, 60_000 - 10);
        assert!(p.reserve(&all, "+62811", fallback(), T0 + 59_999).is_err());
        assert_eq!(
            p.reserve(&all, "+62811", fallback(), T0 + 60_000),
            Ok(key("A", 1))
        );
    }

    #[test]
    fn sends_spread_and_a_sim_at_its_day_cap_is_left_out() {
        let p = pool(100, 2);
        p.seen("A", Some(1), T0);
        p.seen("A", Some(2), T0);
        p.seen("B", Some(1), T0);
        let all = vec!["A".to_string(), "B".to_string()];
        let mut used: Vec<SimKey> = (0..6)
            .map(|i| p.reserve(&all, "+62811", fallback(), T0 + i).unwrap())
            .collect();
        used.sort();
        assert_eq!(
            used,
            vec![
                key("A", 1),
                key("A", 1),
                key("A", 2),
                key("A", 2),
                key("B", 1),
                key("B", 1)
            ]
        );
        // Every SIM at its day cap: the wait runs to the next Jakarta day, nothing is handed out.
        let busy = p.reserve(&all, "+62811", fallback(), T0 + 10).unwrap_err();
        assert!(busy.retry_after_ms > 0 && busy.retry_after_ms <= 86_400_000);
        let health = p.health(T0 + 10);
        assert!(health
            .iter()
            .flat_map(|d| &d.sims)
            .all(|s| s.state == "day_cap" && s.sent_today == 2));
        // The next day they send again.
        assert!(p
            .reserve(&all, "+62811", fallback(), T0 + 86_400_000)
            .is_ok());
    }

    #[test]
    fn a_reply_goes_from_the_sim_the_resident_wrote_to() {
        let p = pool(2, 100);
        p.seen("A", Some(1), T0);
        p.wrote_to("+62822", "B", Some(2), T0);
        let all = vec!["A".to_string(), "B".to_string()];
        assert_eq!(p.reserve(&all, "+62822", fallback(), T0), Ok(key("B", 2)));
        assert_eq!(p.reserve(&all, "+62822", fallback(), T0), Ok(key("B", 2)));
        // At its cap: another SIM carries the reply.
        assert_eq!(p.reserve(&all, "+62822", fallback(), T0), Ok(key("A", 1)));
        // Another kelurahan's phones are never used, even for a resident who wrote to them.
        assert_eq!(
            p.reserve(&["A".to_string()], "+62822", fallback(), T0 + 60_000),
            Ok(key("A", 1))
        );
    }

    #[test]
    fn a_failing_sim_is_rested_and_the_others_carry_on() {
        let p = pool(100, 100);
        p.seen("A", Some(1), T0);
        p.seen("A", Some(2), T0);
        let all = vec!["A".to_string()];
        for _ in 0..FAILURES_TO_REST {
            p.outcome(&key("A", 1), false, T0);
        }
        for i in 0..5 {
            assert_eq!(
                p.reserve(&all, "+62811", fallback(), T0 + i),
                Ok(key("A", 2))
            );
        }
        let sim1 = |at| {
            p.health(at)[0]
                .sims
                .iter()
                .find(|s| s.sim == Some(1))
                .unwrap()
                .state
        };
        assert_eq!(sim1(T0), "resting");
        assert_eq!(sim1(T0 + REST_MS), "ok");
        // Both failing (every phone down): a resting SIM is still tried, so a phone that comes
        // back drains the backlog at once.
        for _ in 0..FAILURES_TO_REST {
            p.outcome(&key("A", 2), false, T0 + 10);
        }
        assert!(p.reserve(&all, "+62811", fallback(), T0 + 11).is_ok());
        p.outcome(&key("A", 1), true, T0 + REST_MS);
        assert_eq!(p.health(T0 + REST_MS)[0].sims[0].failures_in_a_row, 0);
    }

    #[test]
    fn before_any_sim_is_known_the_fallback_sends_and_is_capped() {
        let p = pool(1, 100);
        assert_eq!(p.reserve(&[], "+62811", fallback(), T0), Ok(fallback()));
        assert!(p.reserve(&[], "+62811", fallback(), T0 + 1).is_err());
        // Once the phone names its slots, the "app's choice" entry no longer counts for it.
        let dev = SimKey {
            device: "A".into(),
            sim: None,
        };
        assert_eq!(p.reserve(&["A".into()], "+62811", dev.clone(), T0), Ok(dev));
        p.seen("A", Some(1), T0);
        assert_eq!(
            p.reserve(&["A".into()], "+62811", fallback(), T0 + 2),
            Ok(key("A", 1))
        );
    }

    #[test]
    fn health_says_which_phones_are_online() {
        let p = pool(10, 10);
        p.pinged("A", T0);
        p.seen("B", Some(1), T0 - OFFLINE_AFTER_MS - 1);
        let h = p.health(T0);
        assert_eq!(h.len(), 2);
        assert!(h[0].online && h[0].last_ping_at == Some(T0));
        assert!(!h[1].online);
    }
}
