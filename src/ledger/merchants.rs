//! Registering merchants (`POST /api/merchants`).
//!
//! The owner must be in the registry (linked to a phone or not), still a member, and aged 16 or
//! over. One merchant per person: a second registration is refused with the existing code (a
//! shop that changes its name keeps its code; several shops of one person share one till).

use super::{LedgerError, LedgerResult};
use crate::accounts::age::may_act;
use crate::parse::nik::mask_nik;
use crate::store::{Merchant, Person, Tx};

/// Longest merchant name kept (it appears in receipts and statements).
pub const MAX_NAME_CHARS: usize = 40;

pub async fn register_merchant(
    tx: &mut Tx,
    actor: &str,
    nik: &str,
    name: &str,
    now: i64,
) -> LedgerResult<Merchant> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(LedgerError::InvalidName);
    }
    let person = tx
        .person(nik.trim())
        .await?
        .filter(Person::is_current)
        .ok_or(LedgerError::UnknownPerson)?;
    if !may_act(&person, now) {
        return Err(LedgerError::NotEligible);
    }
    if let Some(m) = tx.merchant_of_person(&person.nik).await? {
        return Err(LedgerError::AlreadyMerchant { code: m.code });
    }
    let merchant = tx.insert_merchant(&person.nik, &name, now).await?;
    let after = serde_json::json!({
        "code": merchant.code,
        "name": merchant.name,
        "nik": mask_nik(&person.nik),
    });
    tx.audit(
        actor,
        "merchant.create",
        &merchant.code,
        None,
        Some(&after),
        now,
    )
    .await?;
    Ok(merchant)
}
