//! A phone or a NIK of another kelurahan of the deployment (issue 18). A phone linked to a
//! resident of Kelurahan B that writes to Kelurahan A's number is told, in its language, that it
//! is registered with B and should write to B's number; `DAFTAR` in A with a NIK registered in B
//! is told that NIK is registered with B, and nothing more (no name, no household). Such a NIK
//! counts as a failed link attempt, like an unknown one, so it cannot be used to search for NIKs
//! faster than the throttle allows.
//!
//! The store's lookups are scoped by the unit of work's kelurahan; these two are the
//! deployment-wide ones, asked only once the scoped lookup found nothing.

use crate::error::StoreResult;
use crate::store::{Kelurahan, Tx};

/// The other kelurahan whose resident `phone` is linked to, if it is linked to nobody here.
pub async fn phone_linked_elsewhere(tx: &mut Tx, phone: &str) -> StoreResult<Option<Kelurahan>> {
    let here = tx.kelurahan();
    Ok(tx
        .link_of_phone_in_deployment(phone)
        .await?
        .map(|(_, kelurahan)| kelurahan)
        .filter(|k| k.id != here))
}

/// The other kelurahan where `nik` is registered, if it is not registered here.
pub async fn nik_registered_elsewhere(tx: &mut Tx, nik: &str) -> StoreResult<Option<Kelurahan>> {
    let here = tx.kelurahan();
    Ok(tx
        .persons_in_deployment(&[nik.to_string()])
        .await?
        .into_iter()
        .map(|p| p.kelurahan)
        .find(|k| k.id != here))
}
