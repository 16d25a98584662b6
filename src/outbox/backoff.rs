//! When to try a temporarily failed send again: exponential backoff with jitter, capped, and a
//! limit on attempts after which the message is marked failed.

use rand::Rng;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure, in milliseconds.
    pub base_ms: i64,
    /// Longest delay, in milliseconds.
    pub cap_ms: i64,
    /// Attempts after which a still-failing message is given up.
    pub max_attempts: i64,
}

impl Default for Backoff {
    /// 1 s, 2 s, 4 s … up to 5 minutes; 12 attempts (about a quarter of an hour in all).
    fn default() -> Self {
        Backoff {
            base_ms: 1_000,
            cap_ms: 300_000,
            max_attempts: 12,
        }
    }
}

impl Backoff {
    /// The delay before the next attempt after `attempts` attempts (≥ 1) failed: the exponential
    /// step, of which a random half is kept so many failed sends do not retry in lockstep.
    pub fn delay_ms(&self, attempts: i64) -> i64 {
        let shift = (attempts.max(1) - 1).min(40) as u32;
        let step = self
            .base_ms
            .max(1)
            .saturating_mul(1_i64 << shift)
            .min(self.cap_ms.max(1));
        step / 2 + rand::thread_rng().gen_range(0..=step - step / 2)
    }

    /// True when `attempts` attempts are all this message gets.
    pub fn gives_up(&self, attempts: i64) -> bool {
        attempts >= self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_with_jitter_and_stop_at_the_cap() {
        let b = Backoff::default();
        for _ in 0..200 {
            let d1 = b.delay_ms(1);
            assert!((500..=1_000).contains(&d1), "{d1}");
            let d4 = b.delay_ms(4);
            assert!((4_000..=8_000).contains(&d4), "{d4}");
            let d30 = b.delay_ms(30);
            assert!((150_000..=300_000).contains(&d30), "{d30}");
        }
        assert!(!b.gives_up(11));
        assert!(b.gives_up(12));
    }
}
