//! Notices about proposals to residents (status changes, a campaign reaching its target): one
//! outbox message per linked phone with `Priority::Notice`, on the channel the phone last wrote
//! from, in its language. These are news, not answers: a phone that opted out (`BERHENTI`) gets
//! none.

use crate::error::StoreResult;
pub use crate::i18n::shipped_texts;
use crate::i18n::Texts;
use crate::message::Outbound;
use crate::store::Tx;

/// The notice `id` for the person `nik`, if they have a linked phone that has not opted out.
/// `labels` are arguments given as message ids, rendered in the recipient's language.
pub async fn notice_to_person(
    tx: &mut Tx,
    texts: &Texts,
    nik: &str,
    id: &str,
    args: &[(&str, String)],
    labels: &[(&'static str, String)],
) -> StoreResult<Option<Outbound>> {
    let Some(phone) = tx.phone_of_person(nik).await? else {
        return Ok(None);
    };
    let contact = tx.contact(&phone).await?;
    if contact.opted_out {
        return Ok(None);
    }
    crate::notices::notice_labelled(tx, texts, &phone, id, args, labels)
        .await
        .map(Some)
}
