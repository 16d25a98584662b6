//! Residents' accounts: a phone linked to a person of the registry (`DAFTAR`), its PIN, the
//! kelurahan's activation codes, and the throttling of failed attempts.

pub mod activation_code;
pub mod age;
pub mod code_guesses;
pub mod elsewhere;
pub mod issue_code;
pub mod pin_change;
pub mod pin_check;
pub mod pin_hash;
pub mod pin_verdicts;
pub mod relink;
pub mod throttle;

use crate::error::StoreResult;
use crate::store::Tx;

/// Links `phone` to `nik` with `pin` at once (the demo, tests, set-up scripts); residents go
/// through `DAFTAR`, which ends in the same `create_link`.
pub async fn link_with_pin(
    tx: &mut Tx,
    key: [u8; 32],
    phone: &str,
    nik: &str,
    pin: &str,
    now: i64,
) -> StoreResult<()> {
    let hash = pin_hash::PinHasher::new(key).hash(pin);
    tx.create_link(phone, nik, &hash, now).await
}
