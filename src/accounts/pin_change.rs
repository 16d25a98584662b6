//! `GANTI PIN` and `LUPA PIN` (DESIGN §4, §6).
//! 1. `GANTI PIN`: the old PIN (checked like any PIN: 3 wrong lock for 15 minutes), then the new
//!    one twice; the link's hash is replaced, so the old PIN is never valid again.
//! 2. `LUPA PIN`: the resident asks; the kelurahan's officers find it in their queue and, with the
//!    resident in front of them, reset it (`POST /api/pin-resets`). A reset PIN's hash is marked
//!    ([`RESET_MARK`] before the old hash): nothing verifies against it, the next PIN the
//!    resident types at a PIN step becomes the new one ([`super::pin_check`]), and that may not
//!    be the old PIN, so the old PIN is never valid again.
//!
//! Every change is audited; a PIN itself is never logged or stored, only its hash.

use crate::error::StoreResult;
use crate::i18n::Texts;
use crate::message::Outbound;
use crate::parse::mask_phone;
use crate::parse::nik::mask_nik;
use crate::store::Tx;

/// Marks the stored hash of a PIN the kelurahan reset (the old hash follows, to refuse the old
/// PIN as the new one): a marked hash matches no PIN.
pub const RESET_MARK: &str = "reset:";

/// The old PIN's hash, if `stored` is a PIN the kelurahan reset.
pub fn reset_from(stored: &str) -> Option<&str> {
    stored.strip_prefix(RESET_MARK)
}

/// The kind of the officers' queue item for a resident who forgot their PIN.
pub const RESET_REQUESTED: &str = "pin_reset_requested";

/// Why the kelurahan cannot reset a PIN.
#[derive(Debug, thiserror::Error)]
pub enum PinResetError {
    #[error("no phone is linked to this NIK")]
    NotLinked,
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
}

/// `phone`'s PIN becomes the one hashed as `pin_hash` (its tries counted afresh); audited.
pub async fn set_pin(tx: &mut Tx, phone: &str, pin_hash: &str, now: i64) -> StoreResult<()> {
    tx.set_pin_hash(phone, pin_hash).await?;
    let masked = mask_phone(phone);
    tx.audit(&masked, "account.pin.change", &masked, None, None, now)
        .await
}

/// `LUPA PIN` from `phone`, linked to `nik`: the kelurahan's officers are asked to reset it.
pub async fn request_reset(tx: &mut Tx, phone: &str, nik: &str, now: i64) -> StoreResult<()> {
    let masked = mask_nik(nik);
    tx.add_officer_notice(RESET_REQUESTED, &masked, now).await?;
    tx.audit(
        &mask_phone(phone),
        "account.pin.reset_request",
        &masked,
        None,
        None,
        now,
    )
    .await
}

/// The kelurahan resets the PIN of `nik`'s linked phone: the old PIN is void, the lock lifted,
/// and the phone told that its next PIN step sets a new one. Answers the notice and the phone.
pub async fn reset(
    tx: &mut Tx,
    texts: &Texts,
    nik: &str,
    actor: &str,
    now: i64,
) -> Result<(Outbound, String), PinResetError> {
    let phone = tx
        .phone_of_person(nik)
        .await?
        .ok_or(PinResetError::NotLinked)?;
    let link = tx
        .link_of_phone(&phone)
        .await?
        .ok_or(PinResetError::NotLinked)?;
    if reset_from(&link.pin_hash).is_none() {
        let marked = format!("{RESET_MARK}{}", link.pin_hash);
        tx.set_pin_hash(&phone, &marked).await?;
    }
    let masked = mask_nik(nik);
    let after = serde_json::json!({ "nik": masked, "phone": mask_phone(&phone) });
    tx.audit(actor, "account.pin.reset", &masked, None, Some(&after), now)
        .await?;
    let told = crate::notices::notice(tx, texts, &phone, "pin-reset-done", &[]).await?;
    Ok((told, phone))
}
