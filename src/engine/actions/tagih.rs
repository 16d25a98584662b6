//! `TAGIH <phone> <amount>`: a merchant asks a resident for a payment. The resident is told at
//! once and pays with `TAGIHAN <number>`: the same PIN step (the PIN is the yes, `BATAL`
//! declines) and payment rule as `BAYAR`. The rule (paid at most once, valid for 24 hours) is
//! [`crate::ledger::payment_request`]; these actions read the inputs and say the texts.

use super::household::linked_person;
use super::pay::{refuse, tell_paid, AMOUNT, CODE, PAYER};
use super::pin_step::{pin_refusal, said_no, PAYER_NAME};
use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::ledger::payment_request::{self, Payer, RequestError};
use crate::ledger::LedgerError;
use crate::parse::mask_phone;
use crate::text::money::format_rupiah;
use async_trait::async_trait;
use rust_decimal::Decimal;

const REQUEST: &str = "_request";

/// Queues the notice `id` for `phone` (its language and channel: `crate::notices`).
async fn notify(
    ctx: &mut Ctx<'_>,
    phone: &str,
    id: &str,
    args: &[(&str, String)],
) -> StoreResult<()> {
    let out = crate::notices::notice(ctx.tx, ctx.texts, phone, id, args).await?;
    ctx.notices.push(out);
    Ok(())
}

/// Entry for merchants: the linked person must own an open merchant.
pub struct Start;

#[async_trait]
impl Action for Start {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[CODE, "merchant_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        match ctx.tx.merchant_of_person(&me.nik).await? {
            Some(m) if m.open => {
                ctx.set(CODE, m.code);
                ctx.set("merchant_name", m.name);
                Ok(Outcome::Next)
            }
            _ => {
                ctx.say("tagih-not-merchant", &[]);
                Ok(Outcome::Finish)
            }
        }
    }
}

/// The resident's phone: linked to someone (a resident of any kelurahan: the request is theirs
/// to pay from where they live), and not the merchant's own.
pub struct Phone;

#[async_trait]
impl Action for Phone {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let phone = ctx.input.clone().unwrap_or_default();
        if phone == ctx.phone {
            return Ok(Outcome::Reject("tagih-self", vec![]));
        }
        if ctx.tx.link_of_phone_in_deployment(&phone).await?.is_none() {
            return Ok(Outcome::Reject("tagih-phone-unknown", vec![]));
        }
        Ok(Outcome::Next)
    }
}

/// The amount: the request is recorded and the resident told how to pay it.
pub struct Send;

#[async_trait]
impl Action for Send {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[CODE, "merchant_name", "phone", AMOUNT],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let code = ctx.value(CODE).unwrap_or_default().to_string();
        let name = ctx.value("merchant_name").unwrap_or_default().to_string();
        let Some(payer) = ctx.value("phone").map(str::to_string) else {
            return Ok(ctx.missing("phone"));
        };
        let Some(amount) = ctx.value_i64(AMOUNT) else {
            return Ok(ctx.missing(AMOUNT));
        };
        let id = payment_request::request(ctx.tx, &code, &payer, amount, ctx.now).await?;
        let amount_text = format_rupiah(amount);
        notify(
            ctx,
            &payer,
            "tagihan-notice",
            &[
                ("merchant_name", name),
                ("merchant_code", code.clone()),
                ("amount_text", amount_text.clone()),
                ("number", id.to_string()),
            ],
        )
        .await?;
        tracing::info!(merchant = %code, payer = %mask_phone(&payer), amount, "payment request");
        ctx.say(
            "tagih-sent",
            &[
                ("number", id.to_string()),
                ("amount_text", amount_text),
                ("phone_masked", mask_phone(&payer)),
            ],
        );
        Ok(Outcome::Finish)
    }
}

/// `TAGIHAN <number>`: the request, still pending and valid, sent to this phone; then the same
/// checks as a payment (balance, age, limit) and the figures the PIN step shows.
pub struct Load;

#[async_trait]
impl Action for Load {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[
                PAYER,
                PAYER_NAME,
                CODE,
                "merchant_name",
                AMOUNT,
                "amount_text",
                "balance_after",
                REQUEST,
            ],
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
        let number: i64 = ctx
            .input
            .as_deref()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let opened = payment_request::open(ctx.tx, number, &payer(ctx, &me.nik)).await;
        let (request, merchant, balance) = match opened {
            Ok(o) => (o.request, o.merchant, o.balance),
            Err(RequestError::Ledger(e)) => {
                let told = tell_unpaid(ctx, number, &e).await?;
                return refused_then_told(ctx, e, told);
            }
            Err(e) => return request_refused(ctx, number, e),
        };
        ctx.set(PAYER, me.nik);
        ctx.set(PAYER_NAME, me.name);
        ctx.set(CODE, merchant.code);
        ctx.set("merchant_name", merchant.name);
        ctx.set(AMOUNT, request.amount.to_string());
        ctx.set("amount_text", format_rupiah(request.amount));
        ctx.set("balance_after", format_rupiah(balance - request.amount));
        ctx.set(REQUEST, request.id.to_string());
        Ok(Outcome::Next)
    }
}

/// This phone paying as `nik`, under the configured payment rule.
fn payer<'a>(ctx: &Ctx<'a>, nik: &'a str) -> Payer<'a> {
    Payer {
        phone: ctx.phone,
        nik,
        social_fund_percent: Decimal::from(ctx.config.social_fund_percent),
        minor_limit: ctx.config.minor_payment_limit,
        now: ctx.now,
    }
}

/// A request that cannot be opened or paid: its text, or the payment's refusal.
fn request_refused(ctx: &mut Ctx<'_>, number: i64, e: RequestError) -> StoreResult<Outcome> {
    match e {
        RequestError::Unknown { .. } => Ok(Outcome::Reject(
            "tagihan-unknown",
            vec![("number", number.to_string())],
        )),
        RequestError::Expired { .. } => {
            ctx.say("tagihan-expired", &[("number", number.to_string())]);
            Ok(Outcome::Finish)
        }
        RequestError::Ledger(e) => refuse(ctx, e),
    }
}

/// A request this resident cannot pay now for want of money: its merchant is told (the bill
/// stays open). Answers whether they were.
async fn tell_unpaid(ctx: &mut Ctx<'_>, number: i64, e: &LedgerError) -> StoreResult<bool> {
    let Some(request) = payment_request::unpayable(ctx.tx, number, ctx.phone, e).await? else {
        return Ok(false);
    };
    let Some(m) = ctx.tx.merchant(&request.merchant_code).await? else {
        return Ok(false);
    };
    let args = [
        ("number", number.to_string()),
        ("amount_text", format_rupiah(request.amount)),
    ];
    ctx.tell_person_in(m.kelurahan, &m.nik, "tagih-unpaid", &args)
        .await?;
    Ok(true)
}

/// The refusal said, then (when the merchant was told) that the merchant knows.
fn refused_then_told(ctx: &mut Ctx<'_>, e: LedgerError, told: bool) -> StoreResult<Outcome> {
    let outcome = refuse(ctx, e)?;
    if told {
        ctx.say("tagihan-merchant-told", &[]);
    }
    Ok(outcome)
}

/// `BATAL` at the PIN step: the request is declined and the merchant told.
async fn decline(ctx: &mut Ctx<'_>, id: i64) -> StoreResult<Outcome> {
    if let Some(declined) = payment_request::decline(ctx.tx, id, ctx.phone, ctx.now).await? {
        if let Some(m) = ctx.tx.merchant(&declined.merchant_code).await? {
            let args = [
                ("number", id.to_string()),
                ("amount_text", format_rupiah(declined.amount)),
            ];
            ctx.tell_person_in(m.kelurahan, &m.nik, "tagih-declined", &args)
                .await?;
        }
    }
    ctx.say("tagihan-declined", &[]);
    Ok(Outcome::Finish)
}

/// The PIN, then the request is settled: paid exactly as `BAYAR` pays, the receipt said and the
/// merchant told. `BATAL` instead declines it.
pub struct Pin;

#[async_trait]
impl Action for Pin {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER, REQUEST],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(id) = ctx.value_i64(REQUEST) else {
            return Ok(ctx.missing(REQUEST));
        };
        if said_no(ctx) {
            return decline(ctx, id).await;
        }
        if let Some(stop) = pin_refusal(ctx).await? {
            return Ok(stop);
        }
        let Some(nik) = ctx.value(PAYER).map(str::to_string) else {
            return Ok(ctx.missing(PAYER));
        };
        let settled = payment_request::settle(ctx.tx, id, &payer(ctx, &nik)).await;
        match settled {
            Ok(paid) => {
                let amount = paid.split.merchant + paid.split.social_fund;
                tell_paid(ctx, &paid, amount).await?;
                Ok(Outcome::Finish)
            }
            Err(RequestError::Unknown { .. } | RequestError::Expired { .. }) => {
                ctx.say("tagihan-unknown", &[("number", id.to_string())]);
                Ok(Outcome::Finish)
            }
            Err(RequestError::Ledger(e)) => {
                let told = tell_unpaid(ctx, id, &e).await?;
                refused_then_told(ctx, e, told)
            }
        }
    }
}
