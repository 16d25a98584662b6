//! A message to another resident (a seller, a custodian, a borrower): in the channel they last
//! wrote from (SMS if never) and their language.

use crate::error::StoreResult;
use crate::store::Tx;

pub use crate::notices::{notice, notice_to_person};

/// A resident as others may see them: name and `RT 001/RW 03`, never the NIK.
pub async fn who(tx: &mut Tx, nik: &str) -> StoreResult<(String, String, String)> {
    let Some(p) = tx.person(nik).await? else {
        return Ok(("-".into(), "-".into(), "-".into()));
    };
    let (rt, rw) = tx
        .household(&p.no_kk)
        .await?
        .map(|h| (h.rt, h.rw))
        .unwrap_or_default();
    Ok((p.name, rt, rw))
}
