//! The kelurahan issues an activation code for one NIK (`POST /api/activation-codes`).

use super::activation_code::{code_hash, new_code, CODE_VALID_MS};
use super::age::{may_act, MIN_AGE_TO_ACT};
use crate::error::StoreError;
use crate::parse::nik::mask_nik;
use crate::store::Tx;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum IssueCodeError {
    #[error("no person with this NIK in the registry")]
    UnknownNik,
    #[error("this person is under {MIN_AGE_TO_ACT} and cannot link a phone")]
    TooYoung,
    #[error("this person is no longer a member (died or moved out)")]
    NotCurrent,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the officer is given: the code (shown once, never stored) and its expiry.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IssuedCode {
    pub code: String,
    pub nik_masked: String,
    pub expires_at: i64,
}

/// Issues a fresh code for `nik`, valid 7 days, single use, audited.
pub async fn issue_activation_code(
    tx: &mut Tx,
    key: &[u8; 32],
    nik: &str,
    actor: &str,
    now: i64,
) -> Result<IssuedCode, IssueCodeError> {
    issue_given_code(tx, key, nik, &new_code(), actor, now).await
}

/// Issues `code` for `nik` (the code is chosen by [`issue_activation_code`]; transcripts name it).
pub async fn issue_given_code(
    tx: &mut Tx,
    key: &[u8; 32],
    nik: &str,
    code: &str,
    actor: &str,
    now: i64,
) -> Result<IssuedCode, IssueCodeError> {
    let person = tx.person(nik).await?.ok_or(IssueCodeError::UnknownNik)?;
    if !person.is_current() {
        return Err(IssueCodeError::NotCurrent);
    }
    if !may_act(&person, now) {
        return Err(IssueCodeError::TooYoung);
    }
    let expires_at = now + CODE_VALID_MS;
    tx.insert_activation_code(nik, &code_hash(key, nik, code), expires_at, actor, now)
        .await?;
    let nik_masked = mask_nik(nik);
    let after = serde_json::json!({ "nik": nik_masked, "expires_at": expires_at });
    tx.audit(
        actor,
        "activation_code.issue",
        &nik_masked,
        None,
        Some(&after),
        now,
    )
    .await?;
    Ok(IssuedCode {
        code: code.to_string(),
        nik_masked,
        expires_at,
    })
}
