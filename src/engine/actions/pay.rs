//! `BAYAR <merchant code> <amount>`: pay a merchant, of this kelurahan or another, from the
//! household's money (`ledger::funds`: the stimulus is spent only at home).
//!
//! merchant → amount → PIN (its prompt names the payer, the merchant, the amount and the balance
//! after; the PIN is the yes) → one atomic transfer. Every step re-checks what may have changed
//! (the merchant closing, the balance). The idempotency key `pay:<phone>:<ms of the amount>` is
//! kept in the session from the amount on, so the same payment can never be applied twice.
//! The merchant's linked phone is told at once, in its own kelurahan's channel.

use super::household::linked_person;
use super::pin_step::{pin_refusal, said_no, PAYER_NAME};
use super::wallet::refusal;
use super::{Action, Contract, Ctx, Outcome};
use crate::accounts::age::may_act;
use crate::error::StoreResult;
use crate::ledger::payment::{check_merchant, check_payment, pay, Payment, PaymentRequest};
use crate::ledger::{keys, LedgerError};
use crate::parse::mask_phone;
use crate::text::money::format_rupiah;
use async_trait::async_trait;
use rust_decimal::Decimal;

/// Session values of a payment, shared with the flows that pay through it (`PESAN`).
pub(super) const PAYER: &str = "_payer_nik";
pub(super) const KEY: &str = "_pay_key";
pub(super) const CODE: &str = "merchant_code";
pub(super) const AMOUNT: &str = "amount";

/// What the flow collected: payer NIK, merchant code, amount.
struct Collected {
    payer: String,
    code: String,
    amount: i64,
}

impl Collected {
    fn of(ctx: &Ctx<'_>) -> Option<Collected> {
        Some(Collected {
            payer: ctx.value(PAYER)?.to_string(),
            code: ctx.value(CODE)?.to_string(),
            amount: ctx.value_i64(AMOUNT)?,
        })
    }

    fn request<'a>(&'a self, ctx: &Ctx<'_>, key: &'a str) -> PaymentRequest<'a> {
        PaymentRequest {
            payer_nik: &self.payer,
            merchant_code: &self.code,
            amount: self.amount,
            key,
            social_fund_percent: Decimal::from(ctx.config.social_fund_percent),
            minor_limit: ctx.config.minor_payment_limit,
            now: ctx.now,
        }
    }
}

/// Says a refusal and finishes; a store failure is passed on.
pub(super) fn refuse(ctx: &mut Ctx<'_>, e: LedgerError) -> StoreResult<Outcome> {
    match refusal(&e) {
        Some((id, args)) => {
            ctx.say(id, &args);
            Ok(Outcome::Finish)
        }
        None => match e {
            LedgerError::Store(s) => Err(s),
            _ => Ok(Outcome::Finish),
        },
    }
}

/// Entry: a linked resident aged 16 or over.
pub struct Start;

#[async_trait]
impl Action for Start {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[PAYER, PAYER_NAME],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        if !may_act(&me, ctx.now) {
            ctx.say("pay-not-eligible", &[]);
            return Ok(Outcome::Finish);
        }
        if super::pin_step::said_locked(ctx).await? {
            return Ok(Outcome::Finish);
        }
        ctx.set(PAYER, me.nik);
        ctx.set(PAYER_NAME, me.name);
        Ok(Outcome::Next)
    }
}

/// The merchant code: exists, open, not the payer's own.
pub struct Merchant;

#[async_trait]
impl Action for Merchant {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER],
            writes: &[CODE, "merchant_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let code = ctx.input.clone().unwrap_or_default().trim().to_uppercase();
        let nik = ctx.value(PAYER).unwrap_or_default().to_string();
        let Some(payer) = ctx.tx.person(&nik).await? else {
            ctx.say("data-not-linked", &[]);
            return Ok(Outcome::Finish);
        };
        match check_merchant(ctx.tx, &payer, &code).await {
            Ok(m) => {
                ctx.set(CODE, m.code);
                ctx.set("merchant_name", m.name);
                Ok(Outcome::Next)
            }
            Err(LedgerError::UnknownMerchant) => Ok(Outcome::Reject(
                "pay-merchant-unknown",
                vec![("code", code)],
            )),
            Err(LedgerError::MerchantClosed) => Ok(Outcome::Reject("pay-merchant-closed", vec![])),
            Err(e) => refuse(ctx, e),
        }
    }
}

/// The amount: within the minor limit and the balance (else asked again, the balance shown).
/// Accepted, the payment gets its idempotency key and the PIN step shows what will be paid.
pub struct Amount;

#[async_trait]
impl Action for Amount {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER, CODE, AMOUNT],
            writes: &["amount_text", "balance_after", KEY],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let checked = match Collected::of(ctx) {
            Some(c) => {
                let req = c.request(ctx, "");
                check_payment(ctx.tx, &req).await
            }
            None => Err(LedgerError::InvalidAmount),
        };
        match checked {
            Ok((_, _, balance)) => {
                let amount = ctx.value_i64(AMOUNT).unwrap_or(0);
                ctx.set("amount_text", format_rupiah(amount));
                ctx.set("balance_after", format_rupiah(balance - amount));
                ctx.set(KEY, keys::payment(ctx.phone, ctx.now));
                Ok(Outcome::Next)
            }
            Err(e) => refuse_amount(ctx, e),
        }
    }
}

/// An amount refused: too much for the balance or the age limit is asked again (a smaller
/// amount may do; at another kelurahan's merchant the purse may still pay); the rest finishes.
pub(super) fn refuse_amount(ctx: &mut Ctx<'_>, e: LedgerError) -> StoreResult<Outcome> {
    match e {
        LedgerError::InsufficientFunds { .. }
        | LedgerError::MinorLimit { .. }
        | LedgerError::PayeeMinorLimit { .. } => match refusal(&e) {
            Some((id, args)) => Ok(Outcome::Reject(id, args)),
            None => refuse(ctx, e),
        },
        LedgerError::StimulusStaysHome { purse, .. } if purse > 0 => match refusal(&e) {
            Some((id, args)) => Ok(Outcome::Reject(id, args)),
            None => refuse(ctx, e),
        },
        e => refuse(ctx, e),
    }
}

/// Checks the PIN, then pays what the session holds ([`PAYER`], [`CODE`], [`AMOUNT`] under
/// [`KEY`]), says the receipt and tells the merchant; answers the step's outcome. `BATAL`
/// instead of the PIN pays nothing.
async fn pay_with_pin(ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
    if said_no(ctx) {
        ctx.say("pay-cancelled", &[]);
        return Ok(Outcome::Finish);
    }
    if let Some(refused) = pin_refusal(ctx).await? {
        return Ok(refused);
    }
    let key = ctx.value(KEY).unwrap_or_default().to_string();
    let Some(collected) = Collected::of(ctx).filter(|_| !key.is_empty()) else {
        ctx.say("engine-error", &[]);
        return Ok(Outcome::Finish);
    };
    let req = collected.request(ctx, &key);
    let paid = match pay(ctx.tx, &req).await {
        Ok(p) => p,
        Err(e) => return refuse(ctx, e),
    };
    tell_paid(ctx, &paid, req.amount).await?;
    Ok(Outcome::Finish)
}

/// A payment of `amount` made: the payer's receipt, and (the first time) the merchant's notice.
pub(super) async fn tell_paid(ctx: &mut Ctx<'_>, paid: &Payment, amount: i64) -> StoreResult<()> {
    tracing::info!(
        phone = %mask_phone(ctx.phone),
        merchant = %paid.merchant.code,
        amount,
        fresh = paid.fresh,
        "payment"
    );
    let amount = format_rupiah(amount);
    ctx.say(
        "pay-done",
        &[
            ("amount_text", amount.clone()),
            ("payer", paid.payer.name.clone()),
            ("merchant_name", paid.merchant.name.clone()),
            ("merchant_code", paid.merchant.code.clone()),
            ("balance", format_rupiah(paid.household_balance)),
            ("ref", paid.transfer.id.to_string()),
        ],
    );
    if paid.fresh {
        let args = [
            ("amount_text", amount),
            ("payer", paid.payer.name.clone()),
            ("merchant_code", paid.merchant.code.clone()),
            ("received", format_rupiah(paid.split.merchant)),
            ("fund", format_rupiah(paid.split.social_fund)),
            ("balance", format_rupiah(paid.merchant_balance)),
            ("ref", paid.transfer.id.to_string()),
        ];
        ctx.tell_person_in(
            paid.merchant.kelurahan,
            &paid.merchant.nik,
            "pay-merchant-notice",
            &args,
        )
        .await?;
    }
    Ok(())
}

/// The PIN, then the payment, the receipt and the merchant's notice.
pub struct Pin;

#[async_trait]
impl Action for Pin {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER, CODE, AMOUNT, KEY],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        pay_with_pin(ctx).await
    }
}
