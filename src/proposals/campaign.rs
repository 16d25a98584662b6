//! Swadaya campaigns: a rejected or unfunded proposal collects wallet credit from residents
//! (`DONASI`) into its own ledger account (kind `campaign`, owner = the proposal number), and the
//! kelurahan records how the money was used (spends), all public in `STATUS`.
//!
//! - A campaign is `open` until donations reach the target: then `reached` (the proposer is told,
//!   the kelurahan through the log and the audit record `campaign.reached`), and it takes no more
//!   donations; the last donation may go past the target. The kelurahan may also close it
//!   (`closed`). Spends are allowed in any state, up to what the account holds.
//! - A donation is one transfer household → campaign under the idempotency key of its
//!   confirmation (`donate:<phone>:<ms>`), with the same rules as a payment at home: 16 or over,
//!   the 16–17 limit, the wallet first and then the purse, never above the balance. A campaign is
//!   its kelurahan's (an account of its ledger), and only its residents see it.
//! - A spend is one transfer campaign → treasury (the kelurahan pays the supplier), kind
//!   `campaign_spend`, listed in `campaign_spends` with its memo.

use super::notify::notice_to_person;
use super::proposal::find;
use super::{CampaignStatus, ProposalError, ProposalResult};
use crate::i18n::Texts;
use crate::ledger::accounts::treasury;
use crate::ledger::eligibility::check_spend;
use crate::ledger::funds::{debit_legs, funds, Where};
use crate::ledger::transfer::{apply_transfer, NewTransfer, TransferKind};
use crate::ledger::LedgerError;
use crate::message::Outbound;
use crate::store::{AccountKind, Campaign, Leg, Person, Proposal, TransferRecord, Tx};
use crate::text::gsm7::to_gsm7_lossy;
use crate::text::money::format_rupiah;

/// Longest spend memo kept.
pub const MAX_MEMO_CHARS: usize = 120;

/// Opens a campaign for proposal `number` with `target` rupiah. Audited as `actor`.
pub async fn open_campaign(
    tx: &mut Tx,
    actor: &str,
    number: i64,
    target: i64,
    now: i64,
) -> ProposalResult<(Proposal, Campaign)> {
    if target <= 0 {
        return Err(ProposalError::InvalidTarget);
    }
    let p = find(tx, number).await?;
    if tx.campaign(number).await?.is_some() {
        return Err(ProposalError::CampaignExists);
    }
    if !p.status.is_fundable() {
        return Err(ProposalError::NotFundable { status: p.status });
    }
    let account = tx
        .ensure_account(AccountKind::Campaign, &number.to_string(), now)
        .await?;
    tx.insert_campaign(number, target, account, now).await?;
    tx.audit(
        actor,
        "campaign.open",
        &number.to_string(),
        None,
        Some(&serde_json::json!({ "target": target })),
        now,
    )
    .await?;
    let c = campaign_of(tx, number).await?;
    Ok((p, c))
}

async fn campaign_of(tx: &mut Tx, number: i64) -> ProposalResult<Campaign> {
    tx.campaign(number).await?.ok_or(ProposalError::NoCampaign)
}

/// A donation to check or make.
#[derive(Clone, Debug)]
pub struct DonationRequest<'a> {
    pub donor_nik: &'a str,
    pub number: i64,
    pub amount: i64,
    /// `donate:<phone>:<ms of the confirmation>`; empty when only checking.
    pub key: &'a str,
    /// Per-payment limit of donors aged 16–17 (`GOTONG_MINOR_PAYMENT_LIMIT`).
    pub minor_limit: i64,
    pub now: i64,
}

/// The proposal has a campaign that takes donations.
pub async fn check_campaign(tx: &mut Tx, number: i64) -> ProposalResult<(Proposal, Campaign)> {
    let p = find(tx, number).await?;
    let c = tx
        .campaign(number)
        .await?
        .ok_or(ProposalError::NoCampaign)?;
    if c.status != CampaignStatus::Open {
        return Err(ProposalError::CampaignClosed { status: c.status });
    }
    Ok((p, c))
}

/// The checks of a donation that need no locks (used by the flow at each step, and again by
/// [`donate`]): answers the donor, the proposal, its campaign and the household's balance.
pub async fn check_donation(
    tx: &mut Tx,
    req: &DonationRequest<'_>,
) -> ProposalResult<(Person, Proposal, Campaign, i64)> {
    let donor = tx
        .person(req.donor_nik)
        .await?
        .filter(Person::is_current)
        .ok_or(LedgerError::UnknownPerson)?;
    let (p, c) = check_campaign(tx, req.number).await?;
    let balance = check_spend(
        tx,
        &donor,
        req.amount,
        req.minor_limit,
        req.now,
        Where::Home,
    )
    .await?;
    Ok((donor, p, c, balance))
}

/// What a donation did (or, for a repeated key, what the first one did).
#[derive(Clone, Debug)]
pub struct Donation {
    pub transfer: TransferRecord,
    pub fresh: bool,
    pub proposal: Proposal,
    pub campaign: Campaign,
    /// The donor's household's balance after (wallet and purse).
    pub household_balance: i64,
    /// This donation made the campaign reach its target.
    pub reached: bool,
    /// The notice to the proposer, when the target was reached.
    pub notices: Vec<Outbound>,
}

/// Donates: one transfer household → campaign under `req.key`. A key already applied answers
/// the first donation and changes nothing.
pub async fn donate(
    tx: &mut Tx,
    texts: &Texts,
    req: &DonationRequest<'_>,
) -> ProposalResult<Donation> {
    let first = tx.transfer_by_key(req.key).await?;
    let (donor, proposal, campaign) = if first.is_none() {
        let (d, p, c, _) = check_donation(tx, req).await?;
        (d, p, c)
    } else {
        let d = tx
            .person(req.donor_nik)
            .await?
            .ok_or(LedgerError::UnknownPerson)?;
        let p = find(tx, req.number).await?;
        let c = campaign_of(tx, req.number).await?;
        (d, p, c)
    };
    let memo = format!("#{}", proposal.number);
    let applied = match first {
        Some(transfer) => crate::ledger::transfer::Applied {
            transfer,
            fresh: false,
        },
        None => {
            let mut legs = debit_legs(tx, &donor.no_kk, req.amount, Where::Home, req.now).await?;
            legs.push(Leg {
                account_id: campaign.account_id,
                amount: req.amount,
            });
            apply_transfer(
                tx,
                &NewTransfer {
                    key: req.key,
                    kind: TransferKind::Donation,
                    memo: &memo,
                    legs,
                    now: req.now,
                },
            )
            .await?
        }
    };
    let mut campaign = campaign_of(tx, req.number).await?;
    let mut reached = false;
    let mut notices = Vec::new();
    if applied.fresh
        && campaign.collected >= campaign.target
        && tx
            .set_campaign_status(
                req.number,
                CampaignStatus::Open,
                CampaignStatus::Reached,
                req.now,
            )
            .await?
    {
        reached = true;
        campaign.status = CampaignStatus::Reached;
        let after = serde_json::json!({
            "target": campaign.target,
            "collected": campaign.collected,
        });
        tx.audit(
            "system",
            "campaign.reached",
            &req.number.to_string(),
            None,
            Some(&after),
            req.now,
        )
        .await?;
        tracing::info!(
            proposal = req.number,
            target = campaign.target,
            collected = campaign.collected,
            "swadaya campaign reached its target"
        );
        let args = [
            ("number", req.number.to_string()),
            ("title", proposal.title.clone()),
            ("collected", format_rupiah(campaign.collected)),
            ("target", format_rupiah(campaign.target)),
        ];
        // The proposer's own campaign: transactional, sent even after `BERHENTI`.
        if let Some(n) = notice_to_person(
            tx,
            texts,
            &proposal.proposer,
            "campaign-reached-notice",
            &args,
        )
        .await?
        {
            notices.push(n);
        }
    }
    let household_balance = funds(tx, &donor.no_kk).await?.total();
    Ok(Donation {
        transfer: applied.transfer,
        fresh: applied.fresh,
        proposal,
        campaign,
        household_balance,
        reached,
        notices,
    })
}

/// Records how `amount` of a campaign's money was used: campaign → treasury, with `memo`.
/// Refused above what the campaign holds. Audited as `actor`.
pub async fn spend(
    tx: &mut Tx,
    actor: &str,
    number: i64,
    amount: i64,
    memo: &str,
    key: &str,
    now: i64,
) -> ProposalResult<(TransferRecord, bool, Campaign)> {
    if amount <= 0 {
        return Err(LedgerError::InvalidAmount.into());
    }
    let memo = to_gsm7_lossy(&memo.split_whitespace().collect::<Vec<_>>().join(" "));
    if memo.is_empty() || memo.chars().count() > MAX_MEMO_CHARS {
        return Err(ProposalError::InvalidMemo {
            max: MAX_MEMO_CHARS,
        });
    }
    find(tx, number).await?;
    let campaign = campaign_of(tx, number).await?;
    let treasury = treasury(tx).await?;
    let applied = apply_transfer(
        tx,
        &NewTransfer {
            key,
            kind: TransferKind::CampaignSpend,
            memo: &memo,
            legs: vec![
                Leg {
                    account_id: campaign.account_id,
                    amount: -amount,
                },
                Leg {
                    account_id: treasury,
                    amount,
                },
            ],
            now,
        },
    )
    .await?;
    if applied.fresh {
        tx.insert_spend(number, amount, &memo, applied.transfer.id, now)
            .await?;
        let after =
            serde_json::json!({ "amount": amount, "memo": memo, "transfer": applied.transfer.id });
        tx.audit(
            actor,
            "campaign.spend",
            &number.to_string(),
            None,
            Some(&after),
            now,
        )
        .await?;
    }
    let c = campaign_of(tx, number).await?;
    Ok((applied.transfer, applied.fresh, c))
}

/// Closes a campaign (no more donations). Audited as `actor`.
pub async fn close(tx: &mut Tx, actor: &str, number: i64, now: i64) -> ProposalResult<Campaign> {
    find(tx, number).await?;
    let c = campaign_of(tx, number).await?;
    if c.status == CampaignStatus::Closed
        || !tx
            .set_campaign_status(number, c.status, CampaignStatus::Closed, now)
            .await?
    {
        return Err(ProposalError::CampaignClosed { status: c.status });
    }
    tx.audit(
        actor,
        "campaign.close",
        &number.to_string(),
        Some(&serde_json::json!({ "status": c.status })),
        Some(&serde_json::json!({ "status": "closed" })),
        now,
    )
    .await?;
    campaign_of(tx, number).await
}
