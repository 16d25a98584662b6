//! A registry change reported by a resident (`DATA` → `UBAH`) and decided by a kelurahan officer
//! (`POST /api/change-requests/{id}/approve|reject`): what kind of change, and where it stands.
//!
//! Approving a death or a move-out ends the member's membership at once ([`Kind::ending`]) and
//! records the mutation (`mati` / `pindah`, source `change_request`, approved by the officer);
//! births, moves in and corrections wait for the next registry import, which carries them and
//! records their mutation then (`lahir`, `datang`, `koreksi`). Approving a residence change
//! ([`Kind::Residence`], DATA → status tinggal, asked by a `NON_PERMANEN` resident living here 6
//! months or more: [`may_ask_tetap`]) makes the person `TETAP` at once and records a `koreksi`;
//! the stimulus counts them from the next day, never retroactively. The resident who reported it is
//! told the outcome either way (their own business: sent even after `BERHENTI`).

use super::mutation::{self, Source};
use super::Residence;
use crate::calendar::jakarta_date;
use crate::error::StoreError;
use crate::i18n::Texts;
use crate::store::{stored_as_code, ChangeRequest, Code, NewMutation, Person, Tx};
use chrono::{Months, NaiveDate};

/// How long a `NON_PERMANEN` resident lives here before they may ask to become `TETAP`.
pub const TETAP_AFTER_MONTHS: u32 = 6;

/// Why a resident may not ask to become `TETAP` (yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotYetTetap {
    /// Already `TETAP`.
    Already,
    /// No arrival day recorded: the kelurahan must check it in person.
    ArrivalUnknown,
    /// Under 6 months here: they may ask from this day.
    TooSoon { from: NaiveDate },
}

/// Whether `person` may ask on `today` to become `TETAP`: `NON_PERMANEN` and arrived
/// [`TETAP_AFTER_MONTHS`] months ago or more.
pub fn may_ask_tetap(person: &Person, today: NaiveDate) -> Result<(), NotYetTetap> {
    if person.residence == Residence::Tetap {
        return Err(NotYetTetap::Already);
    }
    let arrived = person.arrived_on.ok_or(NotYetTetap::ArrivalUnknown)?;
    let from = arrived
        .checked_add_months(Months::new(TETAP_AFTER_MONTHS))
        .unwrap_or(NaiveDate::MAX);
    if today < from {
        return Err(NotYetTetap::TooSoon { from });
    }
    Ok(())
}

/// What changed in a household.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Birth,
    Death,
    MoveIn,
    MoveOut,
    Correction,
    /// `NON_PERMANEN` → `TETAP`, with the RT/RW letter's number.
    Residence,
}

impl Kind {
    /// Whether the change is about a member already in the registry (births and moves in are
    /// about someone not yet listed).
    pub fn concerns_member(self) -> bool {
        !matches!(self, Kind::Birth | Kind::MoveIn)
    }

    /// How an approved change of this kind ends a membership, if it does.
    pub fn ending(self) -> Option<Ending> {
        match self {
            Kind::Death => Some(Ending::Death),
            Kind::MoveOut => Some(Ending::MoveOut),
            Kind::Birth | Kind::MoveIn | Kind::Correction | Kind::Residence => None,
        }
    }
}

/// How a membership ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ending {
    Death,
    MoveOut,
}

/// Where a change request stands; only a pending one is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Approved,
    Rejected,
}

impl Code for Kind {
    const WHAT: &'static str = "change request kind";
    const ALL: &'static [Kind] = &[
        Kind::Birth,
        Kind::Death,
        Kind::MoveIn,
        Kind::MoveOut,
        Kind::Correction,
        Kind::Residence,
    ];
    fn code(self) -> &'static str {
        match self {
            Kind::Birth => "birth",
            Kind::Death => "death",
            Kind::MoveIn => "move_in",
            Kind::MoveOut => "move_out",
            Kind::Correction => "correction",
            Kind::Residence => "residence",
        }
    }
}

impl Code for Status {
    const WHAT: &'static str = "change request status";
    const ALL: &'static [Status] = &[Status::Pending, Status::Approved, Status::Rejected];
    fn code(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }
}

stored_as_code!(Kind, Status);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_deaths_and_moves_out_end_a_membership() {
        let ending: Vec<_> = Kind::ALL.iter().filter_map(|k| k.ending()).collect();
        assert_eq!(ending, [Ending::Death, Ending::MoveOut]);
        assert!(!Kind::Birth.concerns_member());
        assert!(Kind::Correction.concerns_member());
        assert_eq!(Kind::from_code("move_out"), Some(Kind::MoveOut));
        assert_eq!(Status::from_code("approved"), Some(Status::Approved));
    }
}

/// Why an officer's decision on a change request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such change request")]
    Unknown,
    #[error("change request {id} is already {status}")]
    AlreadyDecided { id: i64, status: Status },
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An officer (`actor`, audited) approves or rejects pending change request `id`. A rejection
/// needs a reason; approving a death or a move-out ends the membership today
/// ([`Kind::ending`]). With `texts`, whoever reported it is told the outcome. Answers the
/// request as decided.
pub async fn decide(
    tx: &mut Tx,
    texts: Option<&Texts>,
    id: i64,
    status: Status,
    reason: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<ChangeRequest, ChangeError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if status == Status::Rejected && reason.is_none() {
        return Err(ChangeError::ReasonRequired);
    }
    let before = tx.change_request(id).await?.ok_or(ChangeError::Unknown)?;
    if !tx
        .decide_change_request(id, status, reason, actor, now)
        .await?
    {
        return Err(ChangeError::AlreadyDecided {
            id,
            status: before.status,
        });
    }
    if let (Status::Approved, Some(nik)) = (status, &before.nik) {
        let today = jakarta_date(now).format("%Y-%m-%d").to_string();
        let recorded = match before.kind {
            Kind::Residence => {
                tx.make_tetap(nik, &today).await?;
                let changes = serde_json::json!({
                    "status_tinggal": [Residence::NonPermanen.to_string(), Residence::Tetap.to_string()]
                });
                Some((mutation::Kind::Koreksi, Some(changes.to_string())))
            }
            kind => match kind.ending() {
                Some(ending) => {
                    tx.end_membership(nik, ending, &today).await?;
                    Some((ending.into(), None))
                }
                None => None,
            },
        };
        if let Some((kind, changes)) = recorded {
            let (rt, rw) = match tx.household(&before.no_kk).await? {
                Some(h) => (h.rt, h.rw),
                None => Default::default(),
            };
            let mutation = NewMutation {
                nik: nik.clone(),
                no_kk: before.no_kk.clone(),
                rt,
                rw,
                kind,
                occurred_on: today,
                source: Source::ChangeRequest,
                approved_by: actor.to_string(),
                changes,
            };
            tx.insert_mutations(&[mutation], now).await?;
        }
    }
    let after = tx.change_request(id).await?.ok_or(ChangeError::Unknown)?;
    let view = |c: &ChangeRequest| serde_json::json!({ "status": c.status, "reason": c.reason, "kind": c.kind });
    tx.audit(
        actor,
        &format!("change_request.{status}"),
        &format!("change_request {id}"),
        Some(&view(&before)),
        Some(&view(&after)),
        now,
    )
    .await?;
    if let Some(texts) = texts {
        tell_reporter(tx, texts, &after, now).await?;
    }
    Ok(after)
}

/// The outcome of a decided request, to the phone of whoever reported it (if linked).
async fn tell_reporter(
    tx: &mut Tx,
    texts: &Texts,
    request: &ChangeRequest,
    now: i64,
) -> Result<(), StoreError> {
    let id = match request.status {
        Status::Approved => "change-approved-notice",
        Status::Rejected => "change-rejected-notice",
        Status::Pending => return Ok(()),
    };
    let args = [
        ("id", request.id.to_string()),
        ("reason", request.reason.clone().unwrap_or_default()),
    ];
    let labels = [("kind", kind_label_id(request.kind))];
    let notice = crate::notices::notice_to_person_labelled(
        tx,
        texts,
        &request.reported_by,
        id,
        &args,
        &labels,
    )
    .await?;
    if let Some(n) = notice {
        tx.enqueue(&n, now).await?;
    }
    Ok(())
}

/// The Fluent id of a kind's label (`move_out` → `data-kind-move-out`).
pub fn kind_label_id(kind: Kind) -> String {
    format!("data-kind-{}", kind.code().replace('_', "-"))
}

#[cfg(test)]
mod tetap_tests {
    use super::*;
    use crate::parse::Sex;
    use crate::registry::Shdk;

    fn resident(residence: Residence, arrived: Option<&str>) -> Person {
        Person {
            nik: "3201011010000008".into(),
            no_kk: "3201010101230002".into(),
            name: "JOKO".into(),
            birth_date: NaiveDate::from_ymd_opt(2000, 10, 10).expect("date"),
            sex: Sex::L,
            shdk: Shdk::FamiliLain,
            residence,
            phone: None,
            nik_mismatch: false,
            birth_confirmed_at: None,
            died_on: None,
            moved_out_on: None,
            arrived_on: arrived.and_then(crate::calendar::parse_date),
        }
    }

    #[test]
    fn six_months_to_the_day() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let p = resident(Residence::NonPermanen, Some("2026-05-25"));
        assert_eq!(may_ask_tetap(&p, today), Ok(()));
        let p = resident(Residence::NonPermanen, Some("2026-05-26"));
        assert_eq!(
            may_ask_tetap(&p, today),
            Err(NotYetTetap::TooSoon {
                from: NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
            })
        );
        let p = resident(Residence::NonPermanen, None);
        assert_eq!(may_ask_tetap(&p, today), Err(NotYetTetap::ArrivalUnknown));
        let p = resident(Residence::Tetap, Some("2020-01-01"));
        assert_eq!(may_ask_tetap(&p, today), Err(NotYetTetap::Already));
    }
}
