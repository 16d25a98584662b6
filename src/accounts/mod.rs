//! Residents' accounts: a phone linked to a person of the registry (`DAFTAR`), its PIN, the
//! kelurahan's activation codes, and the throttling of failed attempts.

pub mod activation_code;
pub mod age;
pub mod issue_code;
pub mod pin_check;
pub mod pin_hash;
pub mod throttle;

/// Minimum age to link a phone and transact (DESIGN §6).
pub const MIN_AGE_TO_LINK: i32 = 16;
