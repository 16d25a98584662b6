//! Failed attempts from one phone (wrong activation codes, wrong NIKs): slowed, then blocked.

/// Failures allowed before the phone is blocked.
pub const MAX_FAILURES: i64 = 5;
/// How long a blocked phone waits.
pub const BLOCK_MS: i64 = 60 * 60_000;

/// What a failure leads to: the count to keep, and blocked until when, if at all.
pub fn after_failure(failures_so_far: i64, now: i64) -> (i64, Option<i64>) {
    after_failure_blocking(failures_so_far, now, BLOCK_MS)
}

/// The same rule with another block: the [`MAX_FAILURES`]th failure blocks for `block_ms` and
/// starts the count again (for when the block has passed).
pub fn after_failure_blocking(failures_so_far: i64, now: i64, block_ms: i64) -> (i64, Option<i64>) {
    let failures = failures_so_far + 1;
    if failures >= MAX_FAILURES {
        (0, Some(now + block_ms))
    } else {
        (failures, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_blocks_for_an_hour() {
        assert_eq!(after_failure(0, 100), (1, None));
        assert_eq!(after_failure(3, 100), (4, None));
        assert_eq!(after_failure(4, 100), (0, Some(100 + BLOCK_MS)));
    }
}
