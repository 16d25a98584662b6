//! `TAGIH <phone> <amount>`: a merchant asks a resident for a payment. The resident is told at
//! once and pays with `TAGIHAN <number>`: the same confirmation, PIN and payment rule as
//! `BAYAR`, under the key `tagih:<number>`, so one request is paid at most once. A request is
//! valid for 24 hours.

use super::household::linked_person;
use super::pay::{self, refuse, AMOUNT, CODE, KEY, PAYER};
use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::ledger::payment::{check_payment, PaymentRequest};
use crate::parse::mask_phone;
use crate::text::money::format_rupiah;
use async_trait::async_trait;
use rust_decimal::Decimal;

/// How long a payment request can be paid.
pub const REQUEST_VALID_MS: i64 = 24 * 3_600_000;
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

/// The resident's phone: linked to someone, and not the merchant's own.
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
        if ctx.tx.link_of_phone(&phone).await?.is_none() {
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
        let id = ctx
            .tx
            .insert_payment_request(&code, &payer, amount, ctx.now + REQUEST_VALID_MS, ctx.now)
            .await?;
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
/// checks as a payment (balance, age, limit) and the confirmation's figures.
pub struct Load;

#[async_trait]
impl Action for Load {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[
                PAYER,
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
        let number: i64 = ctx
            .input
            .as_deref()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let request = ctx.tx.payment_request_for(number, ctx.phone).await?;
        let Some(request) = request.filter(|r| r.status == "pending") else {
            return Ok(Outcome::Reject(
                "tagihan-unknown",
                vec![("number", number.to_string())],
            ));
        };
        if request.expires_at <= ctx.now {
            ctx.say("tagihan-expired", &[("number", number.to_string())]);
            return Ok(Outcome::Finish);
        }
        let req = PaymentRequest {
            payer_nik: &me.nik,
            merchant_code: &request.merchant_code,
            amount: request.amount,
            key: "",
            social_fund_percent: Decimal::from(ctx.config.social_fund_percent),
            minor_limit: ctx.config.minor_payment_limit,
            now: ctx.now,
        };
        let (_, merchant, balance) = match check_payment(ctx.tx, &req).await {
            Ok(checked) => checked,
            Err(e) => return refuse(ctx, e),
        };
        ctx.set(PAYER, me.nik);
        ctx.set(CODE, merchant.code);
        ctx.set("merchant_name", merchant.name);
        ctx.set(AMOUNT, request.amount.to_string());
        ctx.set("amount_text", format_rupiah(request.amount));
        ctx.set("balance_after", format_rupiah(balance - request.amount));
        ctx.set(REQUEST, request.id.to_string());
        Ok(Outcome::Next)
    }
}

/// Yes: the payment gets the request's key. No: the request is declined and the merchant told.
pub struct Confirm;

#[async_trait]
impl Action for Confirm {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[REQUEST, CODE, "amount_text"],
            writes: &[KEY],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(id) = ctx.value_i64(REQUEST) else {
            return Ok(ctx.missing(REQUEST));
        };
        if ctx.input.as_deref() == Some("1") {
            ctx.set(KEY, crate::ledger::keys::payment_request(id));
            return Ok(Outcome::Next);
        }
        if ctx
            .tx
            .settle_payment_request(id, "declined", ctx.now)
            .await?
        {
            let code = ctx.value(CODE).unwrap_or_default().to_string();
            if let Some(m) = ctx.tx.merchant(&code).await? {
                if let Some(phone) = ctx.tx.phone_of_person(&m.nik).await? {
                    let amount = ctx.value("amount_text").unwrap_or_default().to_string();
                    notify(
                        ctx,
                        &phone,
                        "tagih-declined",
                        &[("number", id.to_string()), ("amount_text", amount)],
                    )
                    .await?;
                }
            }
        }
        ctx.say("tagihan-declined", &[]);
        Ok(Outcome::Finish)
    }
}

/// The PIN: the payment exactly as `BAYAR` makes it; once paid, the request is settled.
pub struct Pin;

#[async_trait]
impl Action for Pin {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER, CODE, AMOUNT, KEY, REQUEST],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let outcome = pay::Pin.run(ctx).await?;
        let key = ctx.value(KEY).unwrap_or_default().to_string();
        if !key.is_empty() && ctx.tx.transfer_by_key(&key).await?.is_some() {
            let Some(id) = ctx.value_i64(REQUEST) else {
                return Ok(ctx.missing(REQUEST));
            };
            ctx.tx.settle_payment_request(id, "paid", ctx.now).await?;
        }
        Ok(outcome)
    }
}
