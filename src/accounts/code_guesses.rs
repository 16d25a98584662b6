//! Wrong activation codes counted per NIK, whatever phone typed them (DESIGN §6): codes can
//! otherwise be guessed from many phones, each under its own per-phone limit
//! ([`super::throttle`]). The [`MAX_WRONG_CODES`]th wrong code for a NIK voids every unused code
//! of that NIK (the right one too: the kelurahan issues a new one), and the kelurahan is told
//! through its officers' queue when there was a code to void; audited. The resident hears the
//! same for a NIK with or without a code, so nobody learns which NIKs have one.

use crate::error::StoreResult;
use crate::parse::nik::mask_nik;
use crate::store::Tx;

/// Wrong codes for one NIK that void its codes.
pub const MAX_WRONG_CODES: i64 = 5;

/// The kind of the officers' queue item saying a NIK's codes were voided.
pub const CODES_VOIDED: &str = "activation_codes_voided";

/// Counts a wrong code typed for `nik`; answers whether this one voided the NIK's codes.
pub async fn wrong_code(tx: &mut Tx, nik: &str, now: i64) -> StoreResult<bool> {
    let failures = tx.count_nik_code_failure(nik, now).await?;
    if failures < MAX_WRONG_CODES {
        return Ok(false);
    }
    let voided = tx.void_activation_codes(nik, now).await?;
    tx.reset_nik_code_failures(nik).await?;
    let masked = mask_nik(nik);
    if voided > 0 {
        tx.add_officer_notice(CODES_VOIDED, &masked, now).await?;
    }
    let after = serde_json::json!({ "nik": masked, "voided": voided, "wrong_codes": failures });
    tx.audit(
        "system",
        "activation_code.void",
        &masked,
        None,
        Some(&after),
        now,
    )
    .await?;
    tracing::warn!(nik = %masked, voided, "activation codes voided after wrong codes");
    Ok(true)
}

/// A code accepted for `nik`: its count starts again.
pub async fn right_code(tx: &mut Tx, nik: &str) -> StoreResult<()> {
    tx.reset_nik_code_failures(nik).await
}
