//! After a stimulus run: residents who asked for it (`NOTIF`) are told of their household's
//! credit, at most once per phone per date (whatever re-runs or servers), in their language and
//! on their channel.

use crate::error::StoreResult;
use crate::i18n::{Texts, DEFAULT_LANG};
use crate::message::{Body, Channel, Outbound, Priority};
use crate::store::{Db, KelurahanId};
use crate::text::money::format_rupiah;

/// Notices per unit of work.
const BATCH: usize = 500;

/// Queues the notices of `kelurahan`'s credit of `date` (`YYYY-MM-DD`). Returns how many were
/// queued now.
pub async fn queue_credit_notices(
    db: &Db,
    texts: &Texts,
    kelurahan: KelurahanId,
    date: &str,
    now: i64,
) -> StoreResult<usize> {
    let targets = db.credit_notice_targets(kelurahan, date).await?;
    let shown_date = crate::calendar::parse_date(date)
        .map(|d| d.format("%d-%m-%Y").to_string())
        .unwrap_or_else(|| date.to_string());
    let mut queued = 0;
    for batch in targets.chunks(BATCH) {
        let mut tx = db.begin(kelurahan).await?;
        for t in batch {
            if !tx.mark_credit_notice(&t.phone, date).await? {
                continue;
            }
            let lang = t.language.as_deref().unwrap_or(DEFAULT_LANG);
            let text = texts.render(
                lang,
                "stimulus-notice",
                &[
                    ("date", shown_date.as_str().into()),
                    ("amount_text", format_rupiah(t.amount).into()),
                    ("balance", format_rupiah(t.balance).into()),
                ],
            );
            let out = Outbound {
                kelurahan: t.kelurahan,
                channel: Channel::parse(&t.channel).unwrap_or(Channel::Sms),
                phone: t.phone.clone(),
                body: Body::text(text),
                priority: Priority::Notice,
            };
            tx.enqueue(&out, now).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}
