//! Who may act, by age (DESIGN §6), from the registry's birth date: one place for the ages.
//!
//! - 16 or over, and still a member (not dead, not moved out): may link a phone and act
//!   (pay, propose, be a merchant) — [`may_act`];
//! - 16–17: payments within the per-payment limit ([`is_minor`], applied by
//!   `ledger::eligibility`);
//! - 17 or over and `TETAP`: may vote (`proposals::check_voter`).

use crate::calendar::{age_on, jakarta_date};
use crate::store::Person;

/// Minimum age to link a phone and transact.
pub const MIN_AGE_TO_ACT: i32 = 16;
/// Age from which the per-payment limit no longer applies.
pub const ADULT_AGE: i32 = 18;
/// Minimum age to support a proposal.
pub const VOTE_AGE: i32 = 17;

/// Age in whole years at `now_ms` (Asia/Jakarta's date).
pub fn age_now(person: &Person, now_ms: i64) -> i32 {
    age_on(person.birth_date, jakarta_date(now_ms))
}

/// Still a member and 16 or over: may link a phone, pay, propose, sell.
pub fn may_act(person: &Person, now_ms: i64) -> bool {
    person.is_current() && age_now(person, now_ms) >= MIN_AGE_TO_ACT
}

/// 16 or 17: pays within the per-payment limit.
pub fn is_minor(person: &Person, now_ms: i64) -> bool {
    age_now(person, now_ms) < ADULT_AGE
}
