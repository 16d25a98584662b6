//! Submitting a proposal (`USUL`), supporting one (`DUKUNG`) and setting its status (admin API).

use super::notify::{news_to_person, notice_to_person_labelled};
use super::{Kind, ProposalError, ProposalResult, Status};
use crate::accounts::age::{age_now, may_act, VOTE_AGE};
use crate::i18n::Texts;
use crate::message::Outbound;
use crate::parse::nik::mask_nik;
use crate::registry::Residence;
use crate::store::{NewProposal, Person, Proposal, Tx};
use crate::text::gsm7::to_gsm7_lossy;

/// Longest public reason kept with a status change.
pub const MAX_REASON_CHARS: usize = 300;

/// What a resident typed, before it has a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission<'a> {
    pub kind: Kind,
    pub title: &'a str,
    pub description: &'a str,
    pub photo: Option<&'a str>,
}

/// The proposer may propose: current, aged 16 or over (non-permanent residents too).
pub fn check_proposer(person: &Person, now: i64) -> ProposalResult<()> {
    if !may_act(person, now) {
        return Err(ProposalError::TooYoungToPropose);
    }
    Ok(())
}

/// Records the proposal with the proposer's RT/RW from the registry. The texts are kept in GSM-7
/// (they are shown on SMS too). Audited as the proposer's masked NIK.
pub async fn submit(
    tx: &mut Tx,
    proposer: &Person,
    s: &Submission<'_>,
    now: i64,
) -> ProposalResult<Proposal> {
    check_proposer(proposer, now)?;
    let household = tx.household(&proposer.no_kk).await?;
    let (rt, rw) = household.map(|h| (h.rt, h.rw)).unwrap_or_default();
    let title = to_gsm7_lossy(s.title.trim());
    let description = to_gsm7_lossy(s.description.trim());
    let actor = format!("warga:{}", mask_nik(&proposer.nik));
    let number = tx
        .insert_proposal(
            &NewProposal {
                kind: s.kind,
                title: &title,
                description: &description,
                photo: s.photo,
                proposer: &proposer.nik,
                rt: &rt,
                rw: &rw,
            },
            &actor,
            now,
        )
        .await?;
    let after = serde_json::json!({ "kind": s.kind, "title": title, "rt": rt, "rw": rw });
    tx.audit(
        &actor,
        "proposal.create",
        &number.to_string(),
        None,
        Some(&after),
        now,
    )
    .await?;
    tx.proposal(number)
        .await?
        .ok_or(ProposalError::UnknownProposal)
}

/// The proposal `number`, if it exists.
pub async fn find(tx: &mut Tx, number: i64) -> ProposalResult<Proposal> {
    tx.proposal(number)
        .await?
        .ok_or(ProposalError::UnknownProposal)
}

/// The person may support proposals: current, aged 17 or over, `TETAP`.
pub fn check_voter(person: &Person, now: i64) -> ProposalResult<()> {
    if !person.is_current() {
        return Err(ProposalError::NotPermanent);
    }
    if age_now(person, now) < VOTE_AGE {
        return Err(ProposalError::TooYoungToVote);
    }
    if person.residence != Residence::Tetap {
        return Err(ProposalError::NotPermanent);
    }
    Ok(())
}

/// One support of `voter` for proposal `number`: refused for an unknown or closed proposal, an
/// ineligible voter, or a second support by the same person. Answers the proposal with its new
/// count.
pub async fn support(
    tx: &mut Tx,
    voter: &Person,
    number: i64,
    now: i64,
) -> ProposalResult<Proposal> {
    let p = find(tx, number).await?;
    if p.status.is_closed() {
        return Err(ProposalError::Closed { status: p.status });
    }
    check_voter(voter, now)?;
    if !tx.insert_support(number, &voter.nik, now).await? {
        return Err(ProposalError::AlreadySupported);
    }
    find(tx, number).await
}

/// What a status change did.
#[derive(Clone, Debug)]
pub struct StatusChange {
    pub proposal: Proposal,
    pub from: Status,
    /// Notices queued (the proposer and supporters who have a phone and did not opt out).
    pub notified: usize,
}

/// Moves proposal `number` to `to` with a public `reason`, as `actor` (audited), and queues a
/// notice to the proposer and every supporter. Refused: an unknown status (422), a rejection
/// without a reason (422), a transition the workflow does not allow (409).
pub async fn set_status(
    tx: &mut Tx,
    texts: Option<&Texts>,
    actor: &str,
    number: i64,
    to: &str,
    reason: &str,
    now: i64,
) -> ProposalResult<StatusChange> {
    let to_status = Status::parse(to).ok_or_else(|| ProposalError::UnknownStatus(to.into()))?;
    let reason = to_gsm7_lossy(&reason.split_whitespace().collect::<Vec<_>>().join(" "));
    if to_status.needs_reason() && reason.is_empty() {
        return Err(ProposalError::ReasonRequired);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ProposalError::ReasonTooLong {
            max: MAX_REASON_CHARS,
        });
    }
    let p = find(tx, number).await?;
    let from = p.status;
    let refused = || ProposalError::InvalidTransition {
        from: from.as_str().into(),
        to: to_status.as_str().into(),
    };
    if !from.can_go_to(to_status) {
        return Err(refused());
    }
    if !tx
        .set_proposal_status(number, from, to_status, &reason, actor, now)
        .await?
    {
        // Changed by someone else meanwhile.
        return Err(refused());
    }
    tx.audit(
        actor,
        "proposal.status",
        &number.to_string(),
        Some(&serde_json::json!({ "status": from.as_str() })),
        Some(&serde_json::json!({ "status": to_status.as_str(), "reason": reason })),
        now,
    )
    .await?;
    let proposal = find(tx, number).await?;
    let mut notified = 0;
    if let Some(texts) = texts {
        // The proposer's own proposal is their business (transactional, sent even after
        // `BERHENTI`); its supporters get it as news.
        let mut supporters = tx.supporters(number).await?;
        supporters.retain(|nik| *nik != proposal.proposer);
        supporters.sort();
        supporters.dedup();
        let id = if reason.is_empty() {
            "proposal-status-notice"
        } else {
            "proposal-status-notice-reason"
        };
        let args = [
            ("number", number.to_string()),
            ("title", proposal.title.clone()),
            ("reason", reason.clone()),
        ];
        let labels = [("status", to_status.label_id())];
        let mut notices: Vec<Outbound> = Vec::new();
        if let Some(n) =
            notice_to_person_labelled(tx, texts, &proposal.proposer, id, &args, &labels).await?
        {
            notices.push(n);
        }
        for nik in &supporters {
            if let Some(n) = news_to_person(tx, texts, nik, id, &args, &labels).await? {
                notices.push(n);
            }
        }
        for n in &notices {
            tx.enqueue(n, now).await?;
        }
        notified = notices.len();
    }
    tracing::info!(
        proposal = number,
        from = from.as_str(),
        to = to_status.as_str(),
        notified,
        "proposal status changed"
    );
    Ok(StatusChange {
        proposal,
        from,
        notified,
    })
}
