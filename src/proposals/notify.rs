//! Notices about proposals to residents (status changes, a campaign reaching its target): one
//! outbox message per linked phone with `Priority::Notice`, on the channel the phone last wrote
//! from, in its language. These are news, not answers: a phone that opted out (`BERHENTI`) gets
//! none.

use crate::error::StoreResult;
pub use crate::i18n::shipped_texts;
use crate::i18n::{Texts, DEFAULT_LANG};
use crate::message::{Body, Channel, Outbound, Priority};
use crate::store::Tx;
use crate::text::gsm7::to_gsm7_lossy;
use std::collections::BTreeMap;

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
    let channel = tx.channel_of_phone(&phone).await?.unwrap_or(Channel::Sms);
    let lang = contact.language.unwrap_or_else(|| DEFAULT_LANG.to_string());
    let mut all: Vec<(&str, String)> = args.to_vec();
    for (name, label_id) in labels {
        all.push((name, texts.render(&lang, label_id, &[])));
    }
    let text = texts.render_with(&lang, id, &BTreeMap::new(), &all);
    let text = match channel {
        Channel::Sms => to_gsm7_lossy(&text),
        Channel::WhatsApp => text,
    };
    Ok(Some(Outbound {
        channel,
        phone,
        body: Body::text(text),
        priority: Priority::Notice,
    }))
}
