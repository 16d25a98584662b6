//! Re-linking a NIK that is already linked to another phone (DESIGN §6). A new phone that passes
//! `DAFTAR` (code and PIN) for such a NIK never takes it over at once:
//! 1. the old phone is told, and may answer `BUKAN` ("that new phone is not me");
//! 2. the old link keeps working until the kelurahan confirms (`POST /api/relinks/{id}/confirm`)
//!    or [`OBJECTION_MS`] pass without `BUKAN`; then the link moves to the new phone;
//! 3. `BUKAN` from the old phone stops the move, and the kelurahan is told (officers' queue).
//!
//! The 24 hours are settled when either phone next writes ([`settle_due`]) and by the admin
//! API's listing, so no job is needed for the move itself. Every decision is audited.

use crate::error::StoreResult;
use crate::i18n::Texts;
use crate::message::Outbound;
use crate::parse::mask_phone;
use crate::parse::nik::mask_nik;
use crate::store::{stored_as_code, Code, Tx};

/// How long the old phone has to object.
pub const OBJECTION_MS: i64 = 24 * 3_600_000;

/// The kind of the officers' queue item for a re-link the old phone objected to.
pub const RELINK_OBJECTED: &str = "relink_objected";

/// A re-link's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelinkStatus {
    /// Waiting for the kelurahan, the 24 hours, or `BUKAN`.
    Pending,
    /// The old phone said `BUKAN`: nothing moved.
    Objected,
    /// The link moved to the new phone.
    Done,
}

impl Code for RelinkStatus {
    const WHAT: &'static str = "re-link status";
    const ALL: &'static [RelinkStatus] = &[
        RelinkStatus::Pending,
        RelinkStatus::Objected,
        RelinkStatus::Done,
    ];
    fn code(self) -> &'static str {
        match self {
            RelinkStatus::Pending => "pending",
            RelinkStatus::Objected => "objected",
            RelinkStatus::Done => "done",
        }
    }
}

stored_as_code!(RelinkStatus);

/// A NIK's link asked for by a new phone.
#[derive(Clone, Debug, PartialEq)]
pub struct Relink {
    pub id: i64,
    pub nik: String,
    pub old_phone: String,
    pub new_phone: String,
    /// The PIN chosen on the new phone (its hash).
    pub pin_hash: String,
    pub status: RelinkStatus,
    pub requested_at: i64,
}

impl Relink {
    /// Whether 24 hours have passed without objection.
    pub fn due(&self, now: i64) -> bool {
        self.status == RelinkStatus::Pending && now - self.requested_at >= OBJECTION_MS
    }
}

/// Why the kelurahan cannot confirm a re-link.
#[derive(Debug, thiserror::Error)]
pub enum RelinkError {
    #[error("no such re-link")]
    Unknown,
    #[error("this re-link is no longer pending")]
    NotPending,
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
}

/// Records that `new_phone` asks for `nik`, linked to `old_phone`, with `pin_hash`; the notices
/// to the old phone (how to object) are returned to be queued with the reply.
pub async fn request(
    tx: &mut Tx,
    texts: &Texts,
    nik: &str,
    old_phone: &str,
    new_phone: &str,
    pin_hash: &str,
    now: i64,
) -> StoreResult<Vec<Outbound>> {
    let id = tx
        .insert_relink(nik, old_phone, new_phone, pin_hash, now)
        .await?;
    let masked = mask_nik(nik);
    let after = serde_json::json!({
        "id": id, "nik": masked, "old_phone": mask_phone(old_phone), "new_phone": mask_phone(new_phone)
    });
    tx.audit(
        &mask_phone(new_phone),
        "account.relink.request",
        &masked,
        None,
        Some(&after),
        now,
    )
    .await?;
    let told = crate::notices::notice(
        tx,
        texts,
        old_phone,
        "relink-old-phone",
        &[("phone_masked", mask_phone(new_phone))],
    )
    .await?;
    Ok(vec![told])
}

/// Moves the link of a pending re-link (the kelurahan confirmed, or it is due) and tells both
/// phones; answers the notices. `by` is the actor audited.
async fn complete(
    tx: &mut Tx,
    texts: &Texts,
    r: &Relink,
    by: &str,
    now: i64,
) -> StoreResult<Vec<Outbound>> {
    if !tx.decide_relink(r.id, RelinkStatus::Done, by, now).await? {
        return Ok(Vec::new());
    }
    tx.move_link(&r.nik, &r.new_phone, &r.pin_hash, now).await?;
    let masked = mask_nik(&r.nik);
    let after = serde_json::json!({ "id": r.id, "nik": masked, "phone": mask_phone(&r.new_phone) });
    tx.audit(by, "account.relink.done", &masked, None, Some(&after), now)
        .await?;
    let new_masked = mask_phone(&r.new_phone);
    Ok(vec![
        crate::notices::notice(tx, texts, &r.new_phone, "relink-done-new", &[]).await?,
        crate::notices::notice(
            tx,
            texts,
            &r.old_phone,
            "relink-done-old",
            &[("phone_masked", new_masked)],
        )
        .await?,
    ])
}

/// The pending re-links of `phone` (old or new) that are due are completed; answers the
/// notices. Called when either phone writes, before its link is looked up.
pub async fn settle_due(
    tx: &mut Tx,
    texts: &Texts,
    phone: &str,
    now: i64,
) -> StoreResult<Vec<Outbound>> {
    let mut told = Vec::new();
    for r in tx.pending_relinks(Some(phone)).await? {
        if r.due(now) {
            told.extend(complete(tx, texts, &r, "system", now).await?);
        }
    }
    Ok(told)
}

/// The kelurahan confirms re-link `id`: the link moves now.
pub async fn confirm(
    tx: &mut Tx,
    texts: &Texts,
    id: i64,
    actor: &str,
    now: i64,
) -> Result<Vec<Outbound>, RelinkError> {
    let r = tx.relink(id).await?.ok_or(RelinkError::Unknown)?;
    if r.status != RelinkStatus::Pending {
        return Err(RelinkError::NotPending);
    }
    Ok(complete(tx, texts, &r, actor, now).await?)
}

/// `BUKAN` from `old_phone`: its pending re-links are stopped, the new phones and the kelurahan
/// told. Answers the notices, or `None` when there was nothing to stop.
pub async fn object(
    tx: &mut Tx,
    texts: &Texts,
    old_phone: &str,
    now: i64,
) -> StoreResult<Option<Vec<Outbound>>> {
    let mine: Vec<Relink> = tx
        .pending_relinks(Some(old_phone))
        .await?
        .into_iter()
        .filter(|r| r.old_phone == old_phone)
        .collect();
    if mine.is_empty() {
        return Ok(None);
    }
    let mut told = Vec::new();
    for r in mine {
        if !tx
            .decide_relink(r.id, RelinkStatus::Objected, &mask_phone(old_phone), now)
            .await?
        {
            continue;
        }
        let masked = mask_nik(&r.nik);
        tx.add_officer_notice(RELINK_OBJECTED, &masked, now).await?;
        let after =
            serde_json::json!({ "id": r.id, "nik": masked, "new_phone": mask_phone(&r.new_phone) });
        tx.audit(
            &mask_phone(old_phone),
            "account.relink.objected",
            &masked,
            None,
            Some(&after),
            now,
        )
        .await?;
        told.push(
            crate::notices::notice(tx, texts, &r.new_phone, "relink-objected-new", &[]).await?,
        );
    }
    Ok(Some(told))
}
