//! Messages to someone other than the sender (a merchant told of a payment, a resident billed, a
//! seller told of an order, a proposer told of a status): in the channel that phone last wrote
//! from (SMS if never), in its language, queued with `Priority::Notice`. One place for the rule,
//! used by every flow and job that tells someone something.

use crate::error::StoreResult;
use crate::i18n::{Texts, DEFAULT_LANG};
use crate::message::{Body, Channel, Outbound, Priority};
use crate::store::{Contact, KelurahanId, Tx};
use crate::text::gsm7::to_gsm7_lossy;

/// The notice `id` for `phone`; `labels` are arguments given as message ids, rendered in the
/// recipient's language. SMS text is made GSM-7 (residents' own words may hold emoji).
pub async fn notice_labelled(
    tx: &mut Tx,
    texts: &Texts,
    phone: &str,
    id: &str,
    args: &[(&str, String)],
    labels: &[(&str, String)],
) -> StoreResult<Outbound> {
    let contact = tx.contact(phone).await?;
    Ok(render(
        tx.kelurahan(),
        texts,
        phone,
        &contact,
        id,
        args,
        labels,
    ))
}

/// News (a proposal's status, a campaign reaching its target) for the person `nik`: only if they
/// have a linked phone that has not opted out (`BERHENTI`). `labels` as for [`notice_labelled`].
pub async fn news_to_person(
    tx: &mut Tx,
    texts: &Texts,
    nik: &str,
    id: &str,
    args: &[(&str, String)],
    labels: &[(&str, String)],
) -> StoreResult<Option<Outbound>> {
    let Some(phone) = tx.phone_of_person(nik).await? else {
        return Ok(None);
    };
    let contact = tx.contact(&phone).await?;
    Ok((!contact.opted_out)
        .then(|| render(tx.kelurahan(), texts, &phone, &contact, id, args, labels)))
}

/// The notice in `contact`'s channel (SMS if none yet) and language.
fn render(
    kelurahan: KelurahanId,
    texts: &Texts,
    phone: &str,
    contact: &Contact,
    id: &str,
    args: &[(&str, String)],
    labels: &[(&str, String)],
) -> Outbound {
    let channel = contact.channel.unwrap_or(Channel::Sms);
    let lang = contact.language.as_deref().unwrap_or(DEFAULT_LANG);
    let mut all: Vec<(&str, String)> = args.to_vec();
    for (name, label_id) in labels {
        all.push((name, texts.render(lang, label_id, &[])));
    }
    let text = texts.render_with(lang, id, &Default::default(), &all);
    let text = match channel {
        Channel::Sms => to_gsm7_lossy(&text),
        Channel::WhatsApp => text,
    };
    Outbound {
        kelurahan: contact.kelurahan.unwrap_or(kelurahan),
        channel,
        phone: phone.to_string(),
        body: Body::text(text),
        priority: Priority::Notice,
    }
}

/// The notice `id` for `phone`.
pub async fn notice(
    tx: &mut Tx,
    texts: &Texts,
    phone: &str,
    id: &str,
    args: &[(&str, String)],
) -> StoreResult<Outbound> {
    notice_labelled(tx, texts, phone, id, args, &[]).await
}

/// The notice `id` for the phone linked to `nik`; `None` when nobody is linked.
pub async fn notice_to_person(
    tx: &mut Tx,
    texts: &Texts,
    nik: &str,
    id: &str,
    args: &[(&str, String)],
) -> StoreResult<Option<Outbound>> {
    notice_to_person_labelled(tx, texts, nik, id, args, &[]).await
}

/// News about the person's own business (their proposal's status, their campaign): sent to
/// their linked phone even after `BERHENTI` (DESIGN §4). `labels` as for [`notice_labelled`].
pub async fn notice_to_person_labelled(
    tx: &mut Tx,
    texts: &Texts,
    nik: &str,
    id: &str,
    args: &[(&str, String)],
    labels: &[(&str, String)],
) -> StoreResult<Option<Outbound>> {
    match tx.phone_of_person(nik).await? {
        Some(phone) => Ok(Some(
            notice_labelled(tx, texts, &phone, id, args, labels).await?,
        )),
        None => Ok(None),
    }
}
