//! `USUL`, `USULAN`, `DUKUNG`, `STATUS` and `DONASI` (issue 6): proposals and swadaya campaigns.
//!
//! - `USUL`: kind → title (5–80) → description (≤ 500) → an optional WhatsApp photo → yes/no.
//! - `USULAN [RW03]`: open proposals by support count, as numbered text pages ([`page_of`]);
//!   `0` shows the next page, a proposal's number its `STATUS`.
//! - `DUKUNG <n>`: one support per eligible voter; the ineligible are told why.
//! - `STATUS <n>`: kind, RT/RW, supports, status, the latest reason, the history, a campaign's
//!   progress and spends. Public: no link needed.
//! - `DONASI <n> <amount>`: like `BAYAR` (the PIN step names the giver, the proposal, the amount
//!   and the balance after; the PIN is the yes; idempotency key `donate:<phone>:<ms of the
//!   amount>`).

use super::household::linked_person;
use super::pin_step::{pin_refusal, said_no, PAYER_NAME};
use super::wallet::refusal;
use super::{Action, Contract, Ctx, Outcome};
use crate::calendar::jakarta_date;
use crate::engine::render::{menu_body, page_of, Item};
use crate::engine::runner::ARGS_KEY;
use crate::error::StoreResult;
use crate::message::Channel;
use crate::parse::mask_phone;
use crate::proposals::campaign::{check_campaign, check_donation, donate, DonationRequest};
use crate::proposals::proposal::{check_proposer, check_voter, find, submit, support, Submission};
use crate::proposals::{parse_number, CampaignStatus, Kind, ProposalError, Status};
use crate::store::{Code, Proposal};
use crate::text::money::format_rupiah;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Registers this module's actions.
pub fn register(r: &mut BTreeMap<&'static str, Arc<dyn Action>>) {
    r.insert("propose_start", Arc::new(ProposeStart));
    r.insert("propose_submit", Arc::new(ProposeSubmit));
    r.insert("proposals_list", Arc::new(List));
    r.insert("proposals_more", Arc::new(More));
    r.insert("support_start", Arc::new(SupportStart));
    r.insert("support_add", Arc::new(SupportAdd));
    r.insert("status_show", Arc::new(StatusShow));
    r.insert("donate_start", Arc::new(DonateStart));
    r.insert("donate_proposal", Arc::new(DonateProposal));
    r.insert("donate_amount", Arc::new(DonateAmount));
    r.insert("donate_pin", Arc::new(DonatePin));
}

const ME: &str = "_nik";
const PAGE: &str = "_list_page";
const RW: &str = "_list_rw";
const KEY: &str = "_donate_key";
const NUMBER: &str = "number";
const AMOUNT: &str = "amount";
/// Characters of a description shown by `STATUS`.
const DESCRIPTION_SHOWN: usize = 120;

/// The text (message id, arguments) of a refusal; `None` for a store failure.
fn refusal_text(e: &ProposalError) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    Some(match e {
        ProposalError::UnknownProposal => ("proposal-unknown", vec![]),
        ProposalError::Closed { .. } => ("proposal-closed", vec![]),
        ProposalError::TooYoungToPropose => ("propose-not-eligible", vec![]),
        ProposalError::TooYoungToVote => ("support-too-young", vec![]),
        ProposalError::NotPermanent => ("support-not-permanent", vec![]),
        ProposalError::AlreadySupported => ("support-already", vec![]),
        ProposalError::NoCampaign => ("donate-no-campaign", vec![]),
        ProposalError::CampaignClosed {
            status: CampaignStatus::Reached,
        } => ("donate-campaign-reached", vec![]),
        ProposalError::CampaignClosed { .. } => ("donate-campaign-closed", vec![]),
        ProposalError::Ledger(l) => return refusal(l),
        ProposalError::Store(_) => return None,
        ProposalError::UnknownStatus(_)
        | ProposalError::InvalidTransition { .. }
        | ProposalError::ReasonRequired
        | ProposalError::ReasonTooLong { .. }
        | ProposalError::CampaignExists
        | ProposalError::NotFundable { .. }
        | ProposalError::InvalidTarget
        | ProposalError::InvalidMemo { .. } => ("engine-error", vec![]),
    })
}

/// Says a refusal (with the proposal number as `number`) and finishes; a store failure is passed on.
fn refuse(ctx: &mut Ctx<'_>, e: ProposalError) -> StoreResult<Outcome> {
    match refusal_text(&e) {
        Some((id, args)) => {
            ctx.say(id, &args);
            Ok(Outcome::Finish)
        }
        None => match e {
            ProposalError::Store(s)
            | ProposalError::Ledger(crate::ledger::LedgerError::Store(s)) => Err(s),
            _ => Ok(Outcome::Finish),
        },
    }
}

/// The proposal number typed at this step, kept as the value `number`; `None` after saying why not.
fn typed_number(ctx: &mut Ctx<'_>) -> Result<i64, Outcome> {
    let raw = ctx.input.clone().unwrap_or_default();
    match parse_number(&raw) {
        Some(n) => {
            ctx.set(NUMBER, n.to_string());
            Ok(n)
        }
        None => Err(Outcome::Reject(
            "proposal-number-invalid",
            vec![("typed", raw.trim().chars().take(12).collect())],
        )),
    }
}

fn kind_label(ctx: &Ctx<'_>, kind: Kind) -> String {
    let id = match kind {
        Kind::Fisik => "proposal-kind-fisik",
        Kind::NonFisik => "proposal-kind-non-fisik",
    };
    ctx.texts.render(&ctx.lang, id, &[])
}

fn status_label(ctx: &Ctx<'_>, status: Status) -> String {
    ctx.texts.render(&ctx.lang, &status.label_id(), &[])
}

fn day(ms: i64) -> String {
    jakarta_date(ms).format("%d-%m-%Y").to_string()
}

// ---------------------------------------------------------------------------------------------
// USUL

/// Entry: a linked, current resident aged 16 or over.
pub struct ProposeStart;

#[async_trait]
impl Action for ProposeStart {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[ME],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        if let Err(e) = check_proposer(&me, ctx.now) {
            return refuse(ctx, e);
        }
        ctx.set(ME, me.nik);
        Ok(Outcome::Next)
    }
}

/// Yes: the proposal is recorded. No: nothing is kept.
pub struct ProposeSubmit;

#[async_trait]
impl Action for ProposeSubmit {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME, "kind", "title", "description", "photo"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if ctx.input.as_deref() != Some("1") {
            ctx.say("propose-cancelled", &[]);
            return Ok(Outcome::Finish);
        }
        let nik = ctx.value(ME).unwrap_or_default().to_string();
        let Some(me) = ctx.tx.person(&nik).await? else {
            ctx.say("data-not-linked", &[]);
            return Ok(Outcome::Finish);
        };
        let get = |k: &str| ctx.value(k).unwrap_or_default().to_string();
        let (kind, title, description) = (get("kind"), get("title"), get("description"));
        let photo = ctx.value("photo").map(str::to_string);
        let Some(kind) = Kind::from_code(&kind) else {
            ctx.say("engine-error", &[]);
            return Ok(Outcome::Finish);
        };
        let submitted = submit(
            ctx.tx,
            &me,
            &Submission {
                kind,
                title: &title,
                description: &description,
                photo: photo.as_deref(),
            },
            ctx.now,
        )
        .await;
        let p = match submitted {
            Ok(p) => p,
            Err(e) => return refuse(ctx, e),
        };
        tracing::info!(phone = %mask_phone(ctx.phone), proposal = p.number, "proposal submitted");
        ctx.say(
            "propose-done",
            &[("number", p.number.to_string()), ("rt", p.rt), ("rw", p.rw)],
        );
        Ok(Outcome::Finish)
    }
}

// ---------------------------------------------------------------------------------------------
// USULAN

/// `RW03`, `RW 03`, `rw3` → `03`.
fn rw_filter(s: &str) -> Option<String> {
    let compact: String = s.split_whitespace().collect::<String>().to_uppercase();
    let digits = compact.strip_prefix("RW")?;
    let n: u32 = digits.parse().ok().filter(|_| !digits.is_empty())?;
    (n > 0 && n < 100).then(|| format!("{n:02}"))
}

/// Says page `page` of the open proposals; answers whether more pages follow, or `None` when
/// there is nothing to list.
async fn say_page(ctx: &mut Ctx<'_>, page: usize) -> StoreResult<Option<bool>> {
    let rw = ctx.value(RW).filter(|r| !r.is_empty()).map(str::to_string);
    let open = ctx.tx.open_proposals(rw.as_deref()).await?;
    if open.is_empty() {
        match &rw {
            Some(rw) => ctx.say("proposals-none-rw", &[("rw", rw.clone())]),
            None => ctx.say("proposals-none", &[]),
        }
        return Ok(None);
    }
    let items: Vec<Item> = open
        .iter()
        .map(|p| Item {
            id: p.number.to_string(),
            label: ctx.texts.render_with(
                &ctx.lang,
                "proposals-row",
                &BTreeMap::new(),
                &[
                    ("supports", p.supports.to_string()),
                    ("title", p.title.clone()),
                    ("rw", p.rw.clone()),
                ],
            ),
        })
        .collect();
    let header = match &rw {
        Some(rw) => ctx.texts.render_with(
            &ctx.lang,
            "proposals-header-rw",
            &BTreeMap::new(),
            &[("rw", rw.clone())],
        ),
        None => ctx.texts.render(&ctx.lang, "proposals-header", &[]),
    };
    // The page must fit with the step's prompt after it.
    let prompt = ctx.texts.render(&ctx.lang, "proposals-more", &[]);
    let fit = format!("{header}\n{prompt}");
    let next = ctx.texts.render(&ctx.lang, "engine-next-page", &[]);
    let shown = page_of(ctx.channel, &fit, &items, page, &next);
    // Numbered text on both channels: a proposal's number is what the resident types.
    let body = menu_body(Channel::Sms, &header, &shown, &next, "");
    ctx.said.push(body.main_text().to_string());
    Ok(Some(shown.has_more))
}

/// `USULAN [RW03]`: the first page.
pub struct List;

#[async_trait]
impl Action for List {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ARGS_KEY, RW],
            writes: &[RW, PAGE],
            branches: &["more"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let args = ctx.take(ARGS_KEY).unwrap_or_default();
        if !args.trim().is_empty() {
            match rw_filter(&args) {
                Some(rw) => {
                    ctx.set(RW, rw);
                }
                None => {
                    ctx.say("proposals-filter-invalid", &[]);
                    return Ok(Outcome::Finish);
                }
            }
        }
        ctx.set(PAGE, "0");
        Ok(match say_page(ctx, 0).await? {
            Some(_) => Outcome::Branch("more"),
            None => Outcome::Finish,
        })
    }
}

/// After a page: `0` the next page, a number that proposal's status.
pub struct More;

#[async_trait]
impl Action for More {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAGE, RW],
            writes: &[PAGE],
            branches: &["more"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let n: i64 = ctx
            .input
            .as_deref()
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        if n == 0 {
            let page: usize = ctx.value(PAGE).and_then(|p| p.parse().ok()).unwrap_or(0);
            // Past the last page: back to the first.
            let next = if has_more_after(ctx, page).await? {
                page + 1
            } else {
                0
            };
            if say_page(ctx, next).await?.is_none() {
                return Ok(Outcome::Finish);
            }
            ctx.set(PAGE, next.to_string());
            return Ok(Outcome::Branch("more"));
        }
        show_status(ctx, n).await
    }
}

/// Whether pages follow `page` of the listing (nothing said).
async fn has_more_after(ctx: &mut Ctx<'_>, page: usize) -> StoreResult<bool> {
    let said = ctx.said.len();
    let more = say_page(ctx, page).await?;
    ctx.said.truncate(said);
    Ok(more == Some(true))
}

// ---------------------------------------------------------------------------------------------
// STATUS

/// `STATUS <n>`.
pub struct StatusShow;

#[async_trait]
impl Action for StatusShow {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[NUMBER],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        match typed_number(ctx) {
            Ok(n) => show_status(ctx, n).await,
            Err(o) => Ok(o),
        }
    }
}

async fn show_status(ctx: &mut Ctx<'_>, n: i64) -> StoreResult<Outcome> {
    let p = match find(ctx.tx, n).await {
        Ok(p) => p,
        Err(ProposalError::UnknownProposal) => {
            return Ok(Outcome::Reject(
                "proposal-unknown",
                vec![("number", n.to_string())],
            ))
        }
        Err(e) => return refuse(ctx, e),
    };
    say_status(ctx, &p).await?;
    Ok(Outcome::Finish)
}

async fn say_status(ctx: &mut Ctx<'_>, p: &Proposal) -> StoreResult<()> {
    let history = ctx.tx.proposal_history(p.number).await?;
    let mut description: String = p.description.chars().take(DESCRIPTION_SHOWN).collect();
    if p.description.chars().count() > DESCRIPTION_SHOWN {
        description.push_str("...");
    }
    ctx.say(
        "status-head",
        &[
            ("number", p.number.to_string()),
            ("kind", kind_label(ctx, p.kind)),
            ("rt", p.rt.clone()),
            ("rw", p.rw.clone()),
            ("title", p.title.clone()),
            ("description", description),
            ("supports", p.supports.to_string()),
            ("status", status_label(ctx, p.status)),
        ],
    );
    if let Some(h) = history.iter().rev().find(|h| !h.reason.is_empty()) {
        ctx.say("status-reason", &[("reason", h.reason.clone())]);
    }
    let steps: Vec<String> = history
        .iter()
        .map(|h| format!("{} {}", day(h.at), status_label(ctx, h.to)))
        .collect();
    ctx.say("status-history", &[("steps", steps.join("; "))]);
    if let Some(c) = ctx.tx.campaign(p.number).await? {
        let state = match c.status {
            CampaignStatus::Open => "campaign-state-open",
            CampaignStatus::Reached => "campaign-state-reached",
            CampaignStatus::Closed => "campaign-state-closed",
        };
        let state = ctx.texts.render(&ctx.lang, state, &[]);
        ctx.say(
            "status-campaign",
            &[
                ("collected", format_rupiah(c.collected)),
                ("target", format_rupiah(c.target)),
                ("state", state),
                ("number", p.number.to_string()),
            ],
        );
        if c.status == CampaignStatus::Open {
            ctx.say(
                "status-campaign-donate",
                &[("number", p.number.to_string())],
            );
        }
        for s in ctx.tx.spends(p.number).await? {
            ctx.say(
                "status-spend",
                &[
                    ("date", day(s.at)),
                    ("amount", format_rupiah(s.amount)),
                    ("memo", s.memo),
                ],
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// DUKUNG

/// Entry: a linked resident who may vote (the ineligible are told why at once).
pub struct SupportStart;

#[async_trait]
impl Action for SupportStart {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[ME],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        if let Err(e) = check_voter(&me, ctx.now) {
            return refuse(ctx, e);
        }
        ctx.set(ME, me.nik);
        Ok(Outcome::Next)
    }
}

/// The number: one support, counted per person.
pub struct SupportAdd;

#[async_trait]
impl Action for SupportAdd {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME],
            writes: &[NUMBER],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let n = match typed_number(ctx) {
            Ok(n) => n,
            Err(o) => return Ok(o),
        };
        let nik = ctx.value(ME).unwrap_or_default().to_string();
        let Some(me) = ctx.tx.person(&nik).await? else {
            ctx.say("data-not-linked", &[]);
            return Ok(Outcome::Finish);
        };
        match support(ctx.tx, &me, n, ctx.now).await {
            Ok(p) => {
                ctx.say(
                    "support-done",
                    &[
                        ("number", p.number.to_string()),
                        ("title", p.title),
                        ("supports", p.supports.to_string()),
                    ],
                );
                Ok(Outcome::Finish)
            }
            Err(ProposalError::UnknownProposal) => Ok(Outcome::Reject(
                "proposal-unknown",
                vec![("number", n.to_string())],
            )),
            Err(e) => refuse(ctx, e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DONASI

fn request<'a>(
    ctx: &Ctx<'_>,
    nik: &'a str,
    n: i64,
    amount: i64,
    key: &'a str,
) -> DonationRequest<'a> {
    DonationRequest {
        donor_nik: nik,
        number: n,
        amount,
        key,
        minor_limit: ctx.config.minor_payment_limit,
        now: ctx.now,
    }
}

fn collected(ctx: &Ctx<'_>) -> (String, i64, i64) {
    let nik = ctx.value(ME).unwrap_or_default().to_string();
    let n = ctx.value_i64(NUMBER).unwrap_or(0);
    let amount = ctx.value_i64(AMOUNT).unwrap_or(0);
    (nik, n, amount)
}

/// Entry: a linked resident (the age and balance are checked with the amount).
pub struct DonateStart;

#[async_trait]
impl Action for DonateStart {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[ME, PAYER_NAME],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        if super::pin_step::said_locked(ctx).await? {
            return Ok(Outcome::Finish);
        }
        ctx.set(ME, me.nik);
        ctx.set(PAYER_NAME, me.name);
        Ok(Outcome::Next)
    }
}

/// The proposal: it exists and has an open campaign.
pub struct DonateProposal;

#[async_trait]
impl Action for DonateProposal {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[NUMBER, "title", "collected", "target"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let n = match typed_number(ctx) {
            Ok(n) => n,
            Err(o) => return Ok(o),
        };
        match check_campaign(ctx.tx, n).await {
            Ok((p, c)) => {
                ctx.set("title", p.title);
                ctx.set("collected", format_rupiah(c.collected));
                ctx.set("target", format_rupiah(c.target));
                Ok(Outcome::Next)
            }
            Err(ProposalError::UnknownProposal) => Ok(Outcome::Reject(
                "proposal-unknown",
                vec![("number", n.to_string())],
            )),
            Err(e) => refuse(ctx, e),
        }
    }
}

/// The amount: within the minor limit and the balance (else asked again, the balance shown).
/// Accepted, the donation gets its idempotency key.
pub struct DonateAmount;

#[async_trait]
impl Action for DonateAmount {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME, NUMBER, AMOUNT],
            writes: &["amount_text", "balance_after", KEY],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let (nik, n, amount) = collected(ctx);
        let req = request(ctx, &nik, n, amount, "");
        match check_donation(ctx.tx, &req).await {
            Ok((_, _, _, balance)) => {
                ctx.set("amount_text", format_rupiah(amount));
                ctx.set("balance_after", format_rupiah(balance - amount));
                ctx.set(KEY, crate::ledger::keys::donation(ctx.phone, ctx.now));
                Ok(Outcome::Next)
            }
            Err(ProposalError::Ledger(crate::ledger::LedgerError::InsufficientFunds {
                balance,
            })) => Ok(Outcome::Reject(
                "pay-insufficient",
                vec![("balance", format_rupiah(balance))],
            )),
            Err(ProposalError::Ledger(crate::ledger::LedgerError::MinorLimit { limit })) => Ok(
                Outcome::Reject("pay-minor-limit", vec![("limit", format_rupiah(limit))]),
            ),
            Err(e) => refuse(ctx, e),
        }
    }
}

/// The PIN, then the donation and its receipt (and the proposer's notice at the target);
/// `BATAL` instead gives nothing.
pub struct DonatePin;

#[async_trait]
impl Action for DonatePin {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[KEY, ME, NUMBER, AMOUNT],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if said_no(ctx) {
            ctx.say("donate-cancelled", &[]);
            return Ok(Outcome::Finish);
        }
        if let Some(refused) = pin_refusal(ctx).await? {
            return Ok(refused);
        }
        let key = ctx.value(KEY).unwrap_or_default().to_string();
        let (nik, n, amount) = collected(ctx);
        if key.is_empty() {
            ctx.say("engine-error", &[]);
            return Ok(Outcome::Finish);
        }
        let req = request(ctx, &nik, n, amount, &key);
        let done = match donate(ctx.tx, ctx.texts, &req).await {
            Ok(d) => d,
            Err(e) => return refuse(ctx, e),
        };
        tracing::info!(
            phone = %mask_phone(ctx.phone),
            proposal = n,
            amount,
            fresh = done.fresh,
            reached = done.reached,
            "donation"
        );
        ctx.say(
            "donate-done",
            &[
                ("amount_text", format_rupiah(amount)),
                ("number", n.to_string()),
                ("collected", format_rupiah(done.campaign.collected)),
                ("target", format_rupiah(done.campaign.target)),
                ("balance", format_rupiah(done.household_balance)),
                ("ref", done.transfer.id.to_string()),
            ],
        );
        if done.reached {
            ctx.say("donate-reached", &[("number", n.to_string())]);
        }
        ctx.notices.extend(done.notices);
        Ok(Outcome::Finish)
    }
}

#[cfg(test)]
mod tests {
    use super::rw_filter;

    #[test]
    fn rw_filters() {
        assert_eq!(rw_filter("RW03").as_deref(), Some("03"));
        assert_eq!(rw_filter("rw 3").as_deref(), Some("03"));
        assert_eq!(rw_filter("RW").as_deref(), None);
        assert_eq!(rw_filter("RT01").as_deref(), None);
        assert_eq!(rw_filter("RWx").as_deref(), None);
    }
}
