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
//!    resting (all phones down), one send every [`PROBE_EVERY_MS`] still tries a resting one, so
//!    the backlog drains as soon as a phone is back instead of after its rest; a `system:ping`
//!    from a phone ends its SIMs' rests at once. One success clears the failures.
//! 4. When no SIM may send, the caller is told how long until one may and why ([`Busy`]: caps,
//!    or every phone down); nothing is dropped here, and the message waits without a try counted.
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
/// While every SIM is resting, how often one send still tries one (is the phone back?).
pub const PROBE_EVERY_MS: i64 = 2_000;
/// A phone that sent no event (ping, message, status) for this long counts as offline.
pub const OFFLINE_AFTER_MS: i64 = 15 * 60_000;
/// Residents whose last SIM is remembered, at most (the oldest are forgotten first).
const MAX_REMEMBERED_PHONES: usize = 100_000;
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

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
    /// Every SIM that is not at a cap is resting: the phones are down.
    pub down: bool,
}

impl Busy {
    /// Why nothing may go out, for the outbox row's error.
    pub fn reason(&self) -> String {
        let why = if self.down {
            "every gateway phone is down (its SIMs keep failing)"
        } else {
            "every gateway SIM is at its cap"
        };
        format!(
            "{why}; one may send in {} s",
            (self.retry_after_ms + 999) / 1000
        )
    }
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
    /// When a resting SIM was last tried because every SIM was resting.
    last_probe_at: Option<i64>,
}

/// How long a queue of SMS takes to go out through the gateway phones, at best: every SIM
/// sending at its minute cap (all of them together within `SMS_MPS`), and when the SIMs' day caps
/// are reached, the rest the next Jakarta day, and so on. Messages queued before it are not
/// counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Drain {
    pub messages: i64,
    /// The SIMs that send them (known from the phones' events; one before any is known).
    pub sims: usize,
    /// What they send in a minute together, and in a day.
    pub per_minute: i64,
    pub per_day: i64,
    /// Seconds from now until the last one is handed out.
    pub seconds: i64,
    /// The Jakarta days it takes: 1 when it all goes out today.
    pub days: i64,
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

    /// `system:ping`: the phone is up, so its SIMs' rests end (their failures in a row are kept:
    /// one more failure rests a SIM again).
    pub fn pinged(&self, device: &str, now: i64) {
        let mut inner = self.lock();
        let d = inner.devices.entry(device.to_string()).or_default();
        d.last_event_at = Some(now);
        d.last_ping_at = Some(now);
        for (_, state) in inner.sims.iter_mut().filter(|(k, _)| k.device == device) {
            state.rested_until = state.rested_until.min(now);
        }
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
        let mut candidates = sims_of(&inner.sims, allowed);
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
        let mut resting = false;
        let probe_due = inner
            .last_probe_at
            .map_or(0, |at| (at + PROBE_EVERY_MS - now).max(0));
        // First the SIMs that are not resting; then, if none may send and a probe is due, the
        // resting ones too.
        for (rest, key) in [true, false].into_iter().flat_map(|rest| {
            preferred
                .iter()
                .chain(candidates.iter())
                .map(move |k| (rest, k))
        }) {
            if !rest && (best.is_some() || probe_due > 0) {
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
                Some(wait) => {
                    resting |= state.rested_until > now;
                    soonest = Some(soonest.map_or(wait, |s| s.min(wait)));
                }
                None => {}
            }
        }
        let Some((key, _)) = best else {
            if resting {
                // Every phone down: the next probe is when to look again.
                return Err(Busy {
                    retry_after_ms: soonest.map_or(probe_due, |s| s.min(probe_due)).max(1),
                    down: true,
                });
            }
            // Every SIM at its day cap: not before the next Jakarta day starts.
            return Err(Busy {
                retry_after_ms: soonest.unwrap_or((next_jakarta_day(now) - now).max(1)),
                down: false,
            });
        };
        if inner.sims.get(&key).is_some_and(|s| s.rested_until > now) {
            inner.last_probe_at = Some(now);
        }
        let state = inner.sims.entry(key.clone()).or_default();
        state.minute.push_back(now);
        if state.day.0 != today {
            state.day = (today, 0);
        }
        state.day.1 += 1;
        state.sent_total += 1;
        Ok(key)
    }

    /// When every known SIM of the phones `allowed` is resting (the phones are down), how long
    /// until the next try of one ([`PROBE_EVERY_MS`]); `None` when one of them may send, or none
    /// is known.
    pub fn down_for(&self, allowed: &[String], now: i64) -> Option<i64> {
        let inner = self.lock();
        let sims = sims_of(&inner.sims, allowed);
        let all_resting = !sims.is_empty()
            && sims
                .iter()
                .all(|k| inner.sims.get(k).is_some_and(|s| s.rested_until > now));
        all_resting.then(|| {
            inner
                .last_probe_at
                .map_or(PROBE_EVERY_MS, |at| at + PROBE_EVERY_MS - now)
                .clamp(1, PROBE_EVERY_MS)
        })
    }

    /// How long `messages` more SMS take through the SIMs of the phones `allowed`, starting
    /// `now`, when the channel is paced at `mps` messages a second (see [`Drain`]): what each SIM
    /// has already sent today counts against today.
    pub fn drain(&self, allowed: &[String], messages: i64, mps: u32, now: i64) -> Drain {
        let caps = self.caps;
        let inner = self.lock();
        let sims = sims_of(&inner.sims, allowed);
        let today = jakarta_date(now);
        let count = sims.len().max(1) as i64;
        let per_minute = (count * i64::from(caps.per_minute))
            .min(i64::from(mps) * 60)
            .max(1);
        let per_day = (count * i64::from(caps.per_day)).max(1);
        let sent_today: i64 = sims
            .iter()
            .filter_map(|k| inner.sims.get(k))
            .map(|s| i64::from(s.sent_today(today).min(caps.per_day)))
            .sum();
        let left_today = per_day - sent_today;
        // Seconds to hand out `n` at the minute rate (the first minute's worth at once).
        let at_pace = |n: i64| ((n - 1).max(0) / per_minute) * 60;
        let messages = messages.max(0);
        let (seconds, days) = if messages <= left_today {
            (at_pace(messages), 1)
        } else {
            let rest = messages - left_today;
            let more_days = (rest + per_day - 1) / per_day;
            let last_day = rest - (more_days - 1) * per_day;
            let start_of_last = next_jakarta_day(now) + (more_days - 1) * DAY_MS;
            (
                (start_of_last - now) / 1000 + at_pace(last_day),
                more_days + 1,
            )
        };
        Drain {
            messages,
            sims: count as usize,
            per_minute,
            per_day,
            seconds,
            days,
        }
    }

    /// How a send from `key` ended (or what its `sms:failed` / `sms:sent` report said).
    pub fn outcome(&self, key: &SimKey, ok: bool, now: i64) {
        let mut inner = self.lock();
        let state = inner.sims.entry(key.clone()).or_default();
        if ok {
            // It sends again (a probe went through): no longer resting.
            state.failures_in_a_row = 0;
            state.rested_until = state.rested_until.min(now);
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

/// When the Jakarta day after the one of `now` starts (epoch ms): the day caps start again.
fn next_jakarta_day(now: i64) -> i64 {
    jakarta_date(now)
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis() - 7 * 3_600_000)
        .unwrap_or(now + DAY_MS)
}

/// The SIMs of the phones `allowed` that send: a phone's own slots, once known, stand for it
/// (its "app's choice" entry is left out).
fn sims_of(sims: &BTreeMap<SimKey, SimState>, allowed: &[String]) -> Vec<SimKey> {
    let with_slots: Vec<&String> = allowed
        .iter()
        .filter(|d| sims.keys().any(|k| &k.device == *d && k.sim.is_some()))
        .collect();
    sims.keys()
        .filter(|k| {
            allowed.contains(&k.device) && (k.sim.is_some() || !with_slots.contains(&&k.device))
        })
        .cloned()
        .collect()
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
    fn while_every_phone_is_down_one_send_in_a_while_tries_and_the_rest_wait() {
        let p = pool(100, 100);
        p.seen("A", Some(1), T0);
        p.seen("B", Some(1), T0);
        let all = vec!["A".to_string(), "B".to_string()];
        assert_eq!(p.down_for(&all, T0), None);
        for k in [key("A", 1), key("B", 1)] {
            for _ in 0..FAILURES_TO_REST {
                p.outcome(&k, false, T0);
            }
        }
        assert_eq!(p.down_for(&all, T0), Some(PROBE_EVERY_MS));
        // One probe now; the others are told to wait for the next one, as "phones down".
        assert!(p.reserve(&all, "+62811", fallback(), T0 + 1).is_ok());
        let busy = p.reserve(&all, "+62812", fallback(), T0 + 2).unwrap_err();
        assert!(busy.down, "{busy:?}");
        assert_eq!(busy.retry_after_ms, PROBE_EVERY_MS - 1);
        assert!(busy.reason().contains("down"), "{}", busy.reason());
        assert_eq!(p.down_for(&all, T0 + 2), Some(PROBE_EVERY_MS - 1));
        assert!(p
            .reserve(&all, "+62812", fallback(), T0 + 1 + PROBE_EVERY_MS)
            .is_ok());
        // A ping from B: it is back, its SIM sends at once, and A's SIM still rests.
        p.pinged("B", T0 + 3_000);
        assert_eq!(p.down_for(&all, T0 + 3_000), None);
        for i in 0..3 {
            assert_eq!(
                p.reserve(&all, "+62813", fallback(), T0 + 3_001 + i),
                Ok(key("B", 1))
            );
        }
        // A failure after the ping rests it again at once (its failures in a row were kept).
        p.outcome(&key("B", 1), false, T0 + 3_010);
        assert!(p.down_for(&all, T0 + 3_010).is_some());
    }

    #[test]
    fn a_sim_at_its_cap_is_not_a_phone_down() {
        let p = pool(1, 100);
        p.seen("A", Some(1), T0);
        let all = vec!["A".to_string()];
        assert!(p.reserve(&all, "+62811", fallback(), T0).is_ok());
        let busy = p.reserve(&all, "+62811", fallback(), T0 + 1).unwrap_err();
        assert!(!busy.down);
        assert!(busy.reason().contains("cap"), "{}", busy.reason());
        assert_eq!(p.down_for(&all, T0 + 1), None);
    }

    #[test]
    fn the_drain_of_a_broadcast_follows_the_sims_and_their_caps() {
        // 2026-06-10 01:00 Jakarta (so 23 hours of the day are left).
        let morning = chrono::NaiveDate::from_ymd_opt(2026, 6, 10)
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .unwrap()
            .and_utc()
            .timestamp_millis()
            - 7 * 3_600_000;
        let p = pool(20, 400);
        // No SIM known yet: one.
        let one = p.drain(&[], 100, 10, morning);
        assert_eq!(
            (one.sims, one.per_minute, one.per_day, one.days),
            (1, 20, 400, 1)
        );
        assert_eq!(
            one.seconds,
            4 * 60,
            "100 at 20 a minute: the last after 4 minutes"
        );
        p.seen("A", Some(1), morning);
        p.seen("A", Some(2), morning);
        p.seen("B", Some(1), morning);
        let all = vec!["A".to_string(), "B".to_string()];
        let three = p.drain(&all, 600, 10, morning);
        assert_eq!(
            (three.sims, three.per_minute, three.per_day),
            (3, 60, 1_200)
        );
        assert_eq!((three.seconds, three.days), (9 * 60, 1));
        // Over the day caps: 1,200 today, the next 1,200 tomorrow, 100 the day after.
        let long = p.drain(&all, 2_500, 10, morning);
        assert_eq!(long.days, 3);
        let day_after = morning - 3_600_000 + 2 * 86_400_000;
        assert_eq!(long.seconds, (day_after - morning) / 1000 + 60);
        // SMS_MPS paces them all below the SIMs' caps.
        assert_eq!(p.drain(&all, 600, 0, morning).per_minute, 1);
        assert_eq!(p.drain(&all, 600, 1, morning).per_minute, 60);
        // What was sent today counts.
        for i in 0..400 {
            let at = morning + i * 3_000;
            assert!(p
                .reserve(&["B".to_string()], "+62811", fallback(), at)
                .is_ok());
        }
        let later = morning + 400 * 3_000;
        assert_eq!(p.drain(&all, 800, 10, later).days, 1);
        assert_eq!(p.drain(&all, 801, 10, later).days, 2);
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
