//! `SURAT` (DESIGN §4, issue 14): a linked resident asks the kelurahan for a letter (surat
//! pengantar RT/RW, keterangan domisili, …) for a member of their own household.
//! 1. The kinds are [`STANDARD_KINDS`] and those the kelurahan adds in `GOTONG_LETTER_KINDS_FILE`.
//! 2. One open request per member and kind: asking again answers the open request's number.
//! 3. The officers' queue serves verified households first, then unverified ones; a household
//!    with an open change request waits for it (its data is about to change) and is told so.
//! 4. A request only moves forward: `diajukan` → `diproses` → `siap_diambil` → `selesai`, or
//!    `ditolak` (with a reason) before it is ready. The same status again changes nothing (a
//!    retried API call); every change is audited and told to the phone that asked.

use crate::error::StoreError;
use crate::i18n::Texts;
use crate::message::Outbound;
use crate::parse::mask_phone;
use crate::parse::{free_text, FreeTextError};
use crate::store::{stored_as_code, Code, Tx};
use serde::Serialize;

/// The letters every kelurahan issues, in the order listed to residents.
pub const STANDARD_KINDS: &[&str] = &[
    "Surat pengantar RT/RW",
    "Keterangan domisili",
    "Keterangan usaha",
    "Keterangan tidak mampu",
];

/// The longest name of a letter kind (one line of an SMS list).
pub const MAX_KIND: usize = 40;
/// The longest purpose a resident types.
pub const MAX_PURPOSE: usize = 160;
/// The longest reason for a refusal (it goes to the resident in one notice).
pub const MAX_REASON: usize = 200;

/// Where a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Asked for, not yet looked at.
    Submitted,
    /// An officer is preparing it.
    InProgress,
    /// Ready to be collected at the kelurahan office.
    Ready,
    /// Refused, with a reason.
    Refused,
    /// Collected: the request is done.
    Done,
}

impl Code for Status {
    const WHAT: &'static str = "letter status";
    const ALL: &'static [Status] = &[
        Status::Submitted,
        Status::InProgress,
        Status::Ready,
        Status::Refused,
        Status::Done,
    ];
    fn code(self) -> &'static str {
        match self {
            Status::Submitted => "diajukan",
            Status::InProgress => "diproses",
            Status::Ready => "siap_diambil",
            Status::Refused => "ditolak",
            Status::Done => "selesai",
        }
    }
}

stored_as_code!(Status);

impl Status {
    /// Refused and done requests are closed: nothing moves them again.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Refused | Status::Done)
    }

    /// Whether a request in this status may move to `to` (forward only; refusing only before
    /// the letter is ready; collected only once it is ready).
    pub fn may_move_to(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Submitted, InProgress | Ready | Refused)
                | (InProgress, Ready | Refused)
                | (Ready, Done)
        )
    }

    /// The Fluent id of the status as residents read it.
    pub fn label_id(self) -> &'static str {
        match self {
            Status::Submitted => "letter-status-submitted",
            Status::InProgress => "letter-status-in-progress",
            Status::Ready => "letter-status-ready",
            Status::Refused => "letter-status-refused",
            Status::Done => "letter-status-done",
        }
    }
}

/// Where a request stands in the officers' queue (served in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// The household confirmed its data (`DATA` → 1).
    Verified,
    /// The household has not confirmed its data.
    Unverified,
    /// The household has a change request the kelurahan has not decided yet.
    WaitsForChange,
}

impl Priority {
    pub fn of(verified: bool, open_change: bool) -> Priority {
        match (open_change, verified) {
            (true, _) => Priority::WaitsForChange,
            (false, true) => Priority::Verified,
            (false, false) => Priority::Unverified,
        }
    }
}

/// A request as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Letter {
    pub number: i64,
    #[serde(skip)]
    pub no_kk: String,
    #[serde(skip)]
    pub nik: String,
    #[serde(skip)]
    pub phone: String,
    /// The member it is for.
    pub name: String,
    pub kind: String,
    pub purpose: String,
    pub status: Status,
    pub reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A request in the officers' queue, with its place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Queued {
    #[serde(flatten)]
    pub letter: Letter,
    pub priority: Priority,
}

/// What a resident asks for.
#[derive(Clone, Copy, Debug)]
pub struct NewLetter<'a> {
    pub no_kk: &'a str,
    pub nik: &'a str,
    pub phone: &'a str,
    pub kind: &'a str,
    pub purpose: &'a str,
}

/// What [`request`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requested {
    /// A new request of this number, and its place in the officers' queue (what the resident
    /// is told: verify the household's data, or wait for its change request).
    New { number: i64, priority: Priority },
    /// The same member already has an open request of this kind: its number.
    AlreadyOpen { number: i64 },
}

/// Why a request cannot be written or moved.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error(transparent)]
    Text(#[from] FreeTextError),
    #[error("no such letter request")]
    Unknown,
    #[error("a letter request cannot go from {from} to {to}")]
    Move {
        from: &'static str,
        to: &'static str,
    },
    #[error("a refusal needs a reason")]
    NoReason,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether officers of `scope` handle letter requests: a letter is signed and collected at the
/// kelurahan office, so the officers of the whole kelurahan do (an RW or RT officer sees none).
pub fn handled_by(scope: &crate::broadcast::Scope) -> bool {
    scope.whole_kelurahan()
}

/// The kinds a resident chooses from: the standard ones, then the kelurahan's own (`extra`,
/// from `GOTONG_LETTER_KINDS_FILE`), a name listed twice shown once.
pub fn kinds(extra: &[String]) -> Vec<String> {
    let mut all: Vec<String> = STANDARD_KINDS.iter().map(|k| k.to_string()).collect();
    for k in extra {
        if !all.iter().any(|a| a.eq_ignore_ascii_case(k)) {
            all.push(k.clone());
        }
    }
    all
}

/// Records the request (or finds the same open one).
pub async fn request(tx: &mut Tx, new: &NewLetter<'_>, now: i64) -> Result<Requested, LetterError> {
    let purpose = free_text(new.purpose, MAX_PURPOSE)?;
    if let Some(number) = tx.open_letter_like(new.nik, new.kind).await? {
        return Ok(Requested::AlreadyOpen { number });
    }
    let number = tx
        .insert_letter(&NewLetter { purpose, ..*new }, Status::Submitted, now)
        .await?;
    let verified = tx
        .household(new.no_kk)
        .await?
        .is_some_and(|h| h.verified_at.is_some());
    let open_change = tx.household_has_open_change(new.no_kk).await?;
    tracing::info!(phone = %mask_phone(new.phone), number, kind = new.kind, "letter requested");
    Ok(Requested::New {
        number,
        priority: Priority::of(verified, open_change),
    })
}

/// The kelurahan moves request `number` to `to` (`reason` required to refuse): audited, and the
/// notice for the phone that asked returned to be queued in the same unit of work. `None` when
/// the request already was in `to` (nothing changed, nobody told again).
pub async fn set_status(
    tx: &mut Tx,
    texts: &Texts,
    number: i64,
    to: Status,
    reason: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<Option<Outbound>, LetterError> {
    let letter = tx.letter(number).await?.ok_or(LetterError::Unknown)?;
    if letter.status == to {
        return Ok(None);
    }
    if !letter.status.may_move_to(to) {
        return Err(LetterError::Move {
            from: letter.status.code(),
            to: to.code(),
        });
    }
    let reason = match (to, reason.map(str::trim).filter(|r| !r.is_empty())) {
        (Status::Refused, None) => return Err(LetterError::NoReason),
        (Status::Refused, Some(r)) => Some(free_text(r, MAX_REASON)?),
        _ => None,
    };
    tx.set_letter_status(number, to, reason, now).await?;
    let before = serde_json::json!({ "status": letter.status.code() });
    let after = serde_json::json!({ "status": to.code(), "reason": reason });
    tx.audit(
        actor,
        "letter.status",
        &number.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    let id = match to {
        Status::InProgress => "letter-notice-in-progress",
        Status::Ready => "letter-notice-ready",
        Status::Refused => "letter-notice-refused",
        Status::Done => "letter-notice-done",
        Status::Submitted => return Ok(None),
    };
    let args = [
        ("number", number.to_string()),
        ("kind", letter.kind.clone()),
        ("name", letter.name.clone()),
        ("reason", reason.unwrap_or_default().to_string()),
    ];
    Ok(Some(
        crate::notices::notice(tx, texts, &letter.phone, id, &args).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_only_moves_forward() {
        use Status::*;
        assert!(Submitted.may_move_to(InProgress));
        assert!(Submitted.may_move_to(Ready));
        assert!(InProgress.may_move_to(Ready));
        assert!(Ready.may_move_to(Done));
        assert!(Submitted.may_move_to(Refused));
        assert!(InProgress.may_move_to(Refused));
        // Back, or refused once ready, or collected before it is ready: never.
        assert!(!InProgress.may_move_to(Submitted));
        assert!(!Ready.may_move_to(InProgress));
        assert!(!Ready.may_move_to(Refused));
        assert!(!Submitted.may_move_to(Done));
        for closed in [Refused, Done] {
            assert!(!closed.is_open());
            for to in Status::ALL {
                assert!(!closed.may_move_to(*to), "{closed:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn verified_households_come_first_and_open_changes_last() {
        let mut p = [
            Priority::of(false, true),
            Priority::of(false, false),
            Priority::of(true, false),
            Priority::of(true, true),
        ];
        p.sort();
        assert_eq!(
            p,
            [
                Priority::Verified,
                Priority::Unverified,
                Priority::WaitsForChange,
                Priority::WaitsForChange
            ]
        );
    }

    #[test]
    fn the_kelurahan_adds_kinds_after_the_standard_ones() {
        let all = kinds(&["Keterangan kelahiran".into(), "keterangan domisili".into()]);
        assert_eq!(all.len(), STANDARD_KINDS.len() + 1);
        assert_eq!(all.last().map(String::as_str), Some("Keterangan kelahiran"));
    }
}
