//! A person's age today, from the registry's birth date.

use crate::calendar::{age_on, jakarta_date, parse_date};
use crate::store::Person;

/// Age in whole years at `now_ms` (Asia/Jakarta's date); `None` if the birth date is unreadable.
pub fn age_now(person: &Person, now_ms: i64) -> Option<i32> {
    parse_date(&person.birth_date).map(|b| age_on(b, jakarta_date(now_ms)))
}
