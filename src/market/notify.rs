//! A message to another resident (a seller, a custodian, a borrower): in the channel they last
//! wrote from (SMS if never) and their language.

use crate::error::StoreResult;
use crate::i18n::{Texts, DEFAULT_LANG};
use crate::message::{Body, Channel, Outbound, Priority};
use crate::store::Tx;

/// The notice `id` for `phone`.
pub async fn notice(
    tx: &mut Tx,
    texts: &Texts,
    phone: &str,
    id: &str,
    args: &[(&str, String)],
) -> StoreResult<Outbound> {
    let channel = tx.channel_of_phone(phone).await?.unwrap_or(Channel::Sms);
    let lang = tx
        .contact(phone)
        .await?
        .language
        .unwrap_or_else(|| DEFAULT_LANG.to_string());
    let text = texts.render_with(&lang, id, &Default::default(), args);
    Ok(Outbound {
        channel,
        phone: phone.to_string(),
        body: Body::text(text),
        priority: Priority::Notice,
    })
}

/// The notice `id` for the phone linked to `nik`; `None` when nobody is linked.
pub async fn notice_to_person(
    tx: &mut Tx,
    texts: &Texts,
    nik: &str,
    id: &str,
    args: &[(&str, String)],
) -> StoreResult<Option<Outbound>> {
    match tx.phone_of_person(nik).await? {
        Some(phone) => Ok(Some(notice(tx, texts, &phone, id, args).await?)),
        None => Ok(None),
    }
}

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
