//! The numbers residents write to, held in memory: which kelurahan a number belongs to (a
//! webhook's message), and which number a kelurahan's messages go out from (the outbox).
//!
//! The directory is a copy of `kelurahan_numbers` (and of the kelurahan's codes, for metric
//! labels), loaded when `serve` starts and loaded again:
//! - when a number or a kelurahan it does not know comes up, at most once every
//!   [`UNKNOWN_RELOAD_AFTER`], so a kelurahan added through another server is found at once, and
//!   a stream of messages to a number nobody registered costs one small query a second at most;
//! - when the copy is older than [`REFRESH_AFTER`], so a number added to a kelurahan this server
//!   already knows is used within a minute;
//! - at once after this server adds a kelurahan or a number ([`NumberDirectory::reload`]).
//!
//! An SMS number that belongs to no kelurahan is the default kelurahan's (a deployment of one needs
//! no set-up: each Twilio number and gateway phone names the webhook it calls), with one warning
//! per number. A WhatsApp number is ours only when registered (the configured
//! `WHATSAPP_PHONE_NUMBER_ID` is, at start): Meta calls one app's webhook for every number of
//! every business account it serves, so a message to another one is not answered from ours
//! ([`NumberDirectory::owner_of_message`]). A kelurahan without a number of its own on a channel
//! sends from the default kelurahan's; with several, from the one the environment configures
//! (`WHATSAPP_PHONE_NUMBER_ID`, `TWILIO_FROM`), else the first in order.

use crate::config::Config;
use crate::error::StoreResult;
use crate::message::Channel;
use crate::parse::normalize_phone;
use crate::store::{Db, KelurahanError, KelurahanId};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Least time between two loads caused by a number or kelurahan the copy does not know.
pub const UNKNOWN_RELOAD_AFTER: Duration = Duration::from_secs(1);
/// Age after which any look-up loads the copy again.
pub const REFRESH_AFTER: Duration = Duration::from_secs(60);
/// Numbers warned about, at most (past it, unknown numbers are logged at debug level).
const MAX_WARNED: usize = 1024;

/// A number as `kelurahan_numbers` holds it: a WhatsApp `phone_number_id` (Meta's id of the
/// business number, digits: not the phone number itself), an SMS number in E.164.
pub fn normalize_number(channel: Channel, raw: &str) -> Result<String, KelurahanError> {
    let raw = raw.trim();
    let bad = |expected| KelurahanError::BadNumber {
        channel,
        number: raw.to_string(),
        expected,
    };
    match channel {
        Channel::WhatsApp => {
            if (1..=32).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit()) {
                Ok(raw.to_string())
            } else {
                Err(bad(
                    "a WhatsApp phone_number_id is the digits Meta shows for the number \
                         (WhatsApp Manager, API setup), e.g. 106540352242922",
                ))
            }
        }
        // A gateway phone of SMS Gateway for Android is named by its device id.
        Channel::Sms if raw.starts_with(crate::channels::android::NUMBER_PREFIX) => {
            crate::channels::android::device_of(raw)
                .map(crate::channels::android::device_number)
                .ok_or_else(|| {
                    bad("a gateway phone is android:<deviceId>, e.g. android:ffffffffceb0b1db0000018e937c815b")
                })
        }
        Channel::Sms => normalize_phone(raw).ok_or_else(|| {
            bad("an SMS number is a phone number, e.g. +6281234567890, or a gateway phone, android:<deviceId>")
        }),
    }
}

/// What was loaded from the database.
#[derive(Debug, Default)]
struct Snapshot {
    /// (channel, number) → its kelurahan.
    owner: HashMap<(Channel, String), KelurahanId>,
    /// (kelurahan, channel) → the number it sends from (its own ones only).
    sends_from: HashMap<(KelurahanId, Channel), String>,
    /// Every kelurahan's code.
    codes: HashMap<KelurahanId, String>,
}

/// The in-memory directory of numbers; one per process, shared through the [`crate::app::App`].
pub struct NumberDirectory {
    db: Db,
    /// The numbers of the environment: preferred as a kelurahan's sending number.
    configured: Vec<(Channel, String)>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// When a load was last tried (`None`: never).
    attempted_at: Mutex<Option<Instant>>,
    /// One load at a time; the others wait for it instead of loading again.
    loading: tokio::sync::Mutex<()>,
    warned: Mutex<HashSet<(Channel, String)>>,
}

impl std::fmt::Debug for NumberDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumberDirectory")
            .field("configured", &self.configured)
            .finish_non_exhaustive()
    }
}

/// A poisoned lock only means a thread panicked while holding it; the data is still usable.
fn read<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl NumberDirectory {
    /// An empty directory (loaded on first use, or by [`NumberDirectory::reload`]).
    pub fn new(db: Db, config: &Config) -> Self {
        NumberDirectory {
            db,
            configured: super::setup::configured_numbers(config),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            attempted_at: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
            warned: Mutex::new(HashSet::new()),
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Loads the numbers and kelurahan from the database now.
    pub async fn reload(&self) -> StoreResult<()> {
        let _one = self.loading.lock().await;
        self.load().await
    }

    async fn load(&self) -> StoreResult<()> {
        *read(&self.attempted_at) = Some(Instant::now());
        let kelurahan = self.db.kelurahan_list().await?;
        let numbers = self.db.kelurahan_numbers().await?;
        let mut snapshot = Snapshot {
            codes: kelurahan.into_iter().map(|k| (k.id, k.code)).collect(),
            ..Snapshot::default()
        };
        // In order (kelurahan, channel, number): the first number of a kelurahan on a channel is
        // its sending number, unless a configured one comes later.
        for n in numbers {
            let preferred = self
                .configured
                .iter()
                .any(|(c, number)| *c == n.channel && *number == n.number);
            let key = (n.kelurahan, n.channel);
            if preferred || !snapshot.sends_from.contains_key(&key) {
                snapshot.sends_from.insert(key, n.number.clone());
            }
            snapshot.owner.insert((n.channel, n.number), n.kelurahan);
        }
        *self
            .snapshot
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(snapshot);
        Ok(())
    }

    /// Loads again if the last try is older than `after`; a failure is logged and the copy kept.
    async fn load_if_older(&self, after: Duration) {
        let due = || read(&self.attempted_at).is_none_or(|at| at.elapsed() >= after);
        if !due() {
            return;
        }
        let _one = self.loading.lock().await;
        // Another task may have loaded while this one waited.
        if !due() {
            return;
        }
        if let Err(e) = self.load().await {
            tracing::warn!(error = %e, "loading the kelurahan numbers failed: the last copy is used");
        }
    }

    /// The kelurahan whose number `to` is on `channel`: the default kelurahan for a number that
    /// belongs to none (warned once per number) or when the provider named no number.
    pub async fn kelurahan_of(&self, channel: Channel, to: Option<&str>) -> KelurahanId {
        let Some(to) = to else {
            return KelurahanId::DEFAULT;
        };
        if let Some(k) = self.registered(channel, to).await {
            return k;
        }
        self.warn_unknown(
            channel,
            to,
            "a message to a number of no kelurahan: it goes to the default kelurahan",
        );
        KelurahanId::DEFAULT
    }

    /// The kelurahan a message sent to `to` belongs to, or `None` when it is not for us: a
    /// WhatsApp number that no kelurahan has (another business's number on the same Meta app).
    /// Any other number is as [`NumberDirectory::kelurahan_of`] says.
    pub async fn owner_of_message(
        &self,
        channel: Channel,
        to: Option<&str>,
    ) -> Option<KelurahanId> {
        match (channel, to) {
            (Channel::WhatsApp, Some(to)) => {
                let owner = self.registered(channel, to).await;
                if owner.is_none() {
                    self.warn_unknown(
                        channel,
                        to,
                        "a message to a WhatsApp number that is not ours: recorded, not answered",
                    );
                }
                owner
            }
            _ => Some(self.kelurahan_of(channel, to).await),
        }
    }

    /// The kelurahan that registered `number` on `channel`, loading the numbers again when the
    /// copy does not know it (at most every [`UNKNOWN_RELOAD_AFTER`]).
    async fn registered(&self, channel: Channel, number: &str) -> Option<KelurahanId> {
        self.load_if_older(REFRESH_AFTER).await;
        let key = (channel, number.to_string());
        if let Some(k) = self.current().owner.get(&key) {
            return Some(*k);
        }
        self.load_if_older(UNKNOWN_RELOAD_AFTER).await;
        self.current().owner.get(&key).copied()
    }

    /// Says once per number that a message came to a number of no kelurahan.
    fn warn_unknown(&self, channel: Channel, number: &str, what: &'static str) {
        let mut warned = read(&self.warned);
        if warned.len() < MAX_WARNED && warned.insert((channel, number.to_string())) {
            tracing::warn!(
                %channel,
                number,
                "{what} (add the number with `gotong kelurahan add` or POST /api/kelurahan/{{code}}/numbers)"
            );
        } else {
            tracing::debug!(%channel, number, "{what}");
        }
    }

    /// The number `kelurahan`'s messages on `channel` go out from: its own, else the default
    /// kelurahan's; `None` when neither has one (the sender then uses the configured number).
    pub async fn sends_from(&self, kelurahan: KelurahanId, channel: Channel) -> Option<String> {
        self.load_if_older(REFRESH_AFTER).await;
        if !self.current().codes.contains_key(&kelurahan) {
            // A kelurahan added since the last load (through another server).
            self.load_if_older(UNKNOWN_RELOAD_AFTER).await;
        }
        let snapshot = self.current();
        snapshot
            .sends_from
            .get(&(kelurahan, channel))
            .or_else(|| snapshot.sends_from.get(&(KelurahanId::DEFAULT, channel)))
            .cloned()
    }

    /// The kelurahan's code, the label of its metric series (its id before the first load).
    pub fn code(&self, kelurahan: KelurahanId) -> String {
        self.current()
            .codes
            .get(&kelurahan)
            .cloned()
            .unwrap_or_else(|| kelurahan.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_held_in_one_form() {
        assert_eq!(
            normalize_number(Channel::WhatsApp, " 106540352242922 ").unwrap(),
            "106540352242922"
        );
        assert_eq!(
            normalize_number(Channel::Sms, "0812-3456-7890").unwrap(),
            "+6281234567890"
        );
        assert_eq!(
            normalize_number(Channel::Sms, "+15005550006").unwrap(),
            "+15005550006"
        );
        assert_eq!(
            normalize_number(Channel::Sms, " android:ffffffffceb0b1db0000018e937c815b").unwrap(),
            "android:ffffffffceb0b1db0000018e937c815b"
        );
        for (channel, bad) in [
            (Channel::WhatsApp, ""),
            (Channel::WhatsApp, "+62 812"),
            (Channel::WhatsApp, "abc"),
            (Channel::Sms, "MG9752274e9e519418a7406176694466fa"),
            (Channel::Sms, "12"),
            (Channel::Sms, "android:not a device"),
        ] {
            let e = normalize_number(channel, bad).unwrap_err().to_string();
            assert!(e.contains("e.g."), "{bad:?}: {e}");
        }
    }
}
