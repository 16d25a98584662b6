//! PIN checks worked out before the unit of work that needs them.
//!
//! Verifying a PIN is Argon2id: tens of milliseconds of CPU, on purpose. Inside a unit of work it
//! would hold that unit's locks (on SQLite the database's only writer, and with batched steps every
//! other phone of the batch) for that long. So before a batch opens, the engine looks at the
//! messages answering a PIN step, verifies them on the blocking pool side by side, and leaves the
//! verdicts here; [`super::pin_check::check_pin`] then takes the verdict for the same phone, PIN
//! and stored hash instead of verifying again. A verdict is a pure function of the PIN, the hash
//! and the key, so one worked out earlier is as good as one worked out now; the lock and the
//! failure count are still read and written inside the unit of work.
//!
//! Only phones that a turn left at a PIN step are looked at ([`PinVerdicts::expect`]), so
//! conversations without a PIN cost nothing; after a restart, or when another server took the
//! turn, the PIN is simply verified inside the unit of work as before. Verdicts are taken once,
//! and ones never taken (the turn went elsewhere) are dropped after [`KEEP_MS`]: PINs are not
//! kept around.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a verdict not taken is kept.
pub const KEEP_MS: u64 = 10_000;

struct Verdict {
    pin_hash: String,
    pin: String,
    matches: bool,
    at: Instant,
}

/// Verdicts by phone, and the phones whose next message is expected to be a PIN. Shared by the
/// batches of one process.
#[derive(Default)]
pub struct PinVerdicts {
    by_phone: Mutex<HashMap<String, Verdict>>,
    /// Phones left at a PIN step, and since when: only their next messages are looked at, so
    /// conversations without a PIN cost no look at all.
    expected: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for PinVerdicts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinVerdicts(..)")
    }
}

impl PinVerdicts {
    /// `phone`'s conversation now waits for a PIN.
    pub fn expect(&self, phone: &str) {
        let mut expected = self.expected.lock().unwrap_or_else(|e| e.into_inner());
        let keep = Duration::from_millis(KEEP_MS);
        if expected.len() > 1_000 {
            expected.retain(|_, at| at.elapsed() < keep * 60);
        }
        expected.insert(phone.to_string(), Instant::now());
    }

    /// Those of `phones` whose next message is expected to be a PIN; they are expected no more
    /// (a turn that leaves them at a PIN step again says so again).
    pub fn take_expected(&self, phones: &[String]) -> Vec<String> {
        let mut expected = self.expected.lock().unwrap_or_else(|e| e.into_inner());
        phones
            .iter()
            .filter(|p| expected.remove(p.as_str()).is_some())
            .cloned()
            .collect()
    }

    /// Keeps whether `pin` matches `pin_hash` for `phone`'s next check.
    pub fn remember(&self, phone: &str, pin_hash: &str, pin: &str, matches: bool) {
        let mut by_phone = self.by_phone.lock().unwrap_or_else(|e| e.into_inner());
        let keep = Duration::from_millis(KEEP_MS);
        by_phone.retain(|_, v| v.at.elapsed() < keep);
        by_phone.insert(
            phone.to_string(),
            Verdict {
                pin_hash: pin_hash.to_string(),
                pin: pin.to_string(),
                matches,
                at: Instant::now(),
            },
        );
    }

    /// The verdict worked out for exactly this phone, PIN and stored hash, if any; it is used up.
    pub fn take(&self, phone: &str, pin_hash: &str, pin: &str) -> Option<bool> {
        let mut by_phone = self.by_phone.lock().unwrap_or_else(|e| e.into_inner());
        let v = by_phone.remove(phone)?;
        let fresh = v.at.elapsed() < Duration::from_millis(KEEP_MS);
        (fresh && v.pin_hash == pin_hash && v.pin == pin).then_some(v.matches)
    }
}

#[cfg(test)]
mod tests {
    use super::PinVerdicts;

    #[test]
    fn a_verdict_serves_only_the_same_phone_pin_and_hash_and_only_once() {
        let v = PinVerdicts::default();
        v.remember("+62811", "$argon2id$a", "482915", true);
        assert_eq!(
            v.take("+62812", "$argon2id$a", "482915"),
            None,
            "another phone"
        );
        assert_eq!(v.take("+62811", "$argon2id$a", "482915"), Some(true));
        assert_eq!(v.take("+62811", "$argon2id$a", "482915"), None, "used up");

        v.remember("+62811", "$argon2id$a", "482915", true);
        // The PIN was changed meanwhile: the verdict was for the old hash.
        assert_eq!(v.take("+62811", "$argon2id$b", "482915"), None);
        v.remember("+62811", "$argon2id$a", "482915", false);
        assert_eq!(
            v.take("+62811", "$argon2id$a", "111111"),
            None,
            "another PIN"
        );
        v.remember("+62811", "$argon2id$a", "000000", false);
        assert_eq!(v.take("+62811", "$argon2id$a", "000000"), Some(false));
    }

    #[test]
    fn only_phones_left_at_a_pin_step_are_looked_at_once() {
        let v = PinVerdicts::default();
        let phones = ["+62811", "+62812", "+62813"].map(String::from);
        assert!(v.take_expected(&phones).is_empty());
        v.expect("+62812");
        v.expect("+62819");
        assert_eq!(v.take_expected(&phones), ["+62812"]);
        assert!(v.take_expected(&phones).is_empty(), "taken");
    }
}
