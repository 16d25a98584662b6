//! Gerai Skill & Barter ([`crate::services`]): `JASA` (one's offers, then a new one: what, price
//! or barter, when), `CARI JASA <words>`, `MINTA JASA <code>`, `TERIMA JASA <n>` / `TOLAK JASA
//! <n>`, `BAYAR JASA <n> <amount>` (the PIN step of every payment), `BARTER JASA <n>`,
//! `PERPANJANG <code>`. The rules are the domain's; these read the inputs and say the texts.

use super::household::linked_person;
use super::pay::{refuse, refuse_amount, AMOUNT, PAYER};
use super::pin_step::{pin_refusal, said_no, PAYER_NAME};
use super::{refused_text, Action, Contract, Ctx, Outcome};
use crate::accounts::age::may_act;
use crate::calendar::jakarta_date;
use crate::error::StoreResult;
use crate::services::{self, parse_offer_code, Offer, ServiceError, SHOWN};
use crate::store::Person;
use crate::text::money::format_rupiah;
use async_trait::async_trait;
use rust_decimal::Decimal;

const WHAT: &str = "service_what";
const PRICE: &str = "service_price";
const REQUEST: &str = "service_request";
/// The price typed for a barter.
const BARTER: &str = "barter";

/// The linked person, 16 or over (else said and `None`).
async fn acting_person(ctx: &mut Ctx<'_>) -> StoreResult<Option<Person>> {
    let Some(me) = linked_person(ctx).await? else {
        return Ok(None);
    };
    if !may_act(&me, ctx.now) {
        ctx.say("service-not-eligible", &[]);
        return Ok(None);
    }
    Ok(Some(me))
}

/// An offer's price as residents read it: `Rp50.000` or `barter`.
fn price_text(ctx: &Ctx<'_>, offer_price: Option<i64>) -> String {
    match offer_price {
        Some(p) => format_rupiah(p),
        None => ctx.texts.render(&ctx.lang, "service-barter", &[]),
    }
}

fn date_text(ms: i64) -> String {
    jakarta_date(ms).format("%d-%m-%Y").to_string()
}

/// A refusal of the domain said, and the flow finished (a store failure passed on).
fn refused(ctx: &mut Ctx<'_>, e: ServiceError, number: &str) -> StoreResult<Outcome> {
    let (id, args): (&str, Vec<(&str, String)>) = match e {
        ServiceError::Store(e) => return Err(e),
        ServiceError::Ledger(e) => return refuse(ctx, e),
        ServiceError::Text(e) => return Ok(refused_text(e)),
        ServiceError::NotEligible => ("service-not-eligible", vec![]),
        ServiceError::InvalidPrice => ("service-price-invalid", vec![]),
        ServiceError::UnknownOffer => ("service-unknown", vec![("code", number.to_string())]),
        ServiceError::NotListed => ("service-not-listed", vec![("code", number.to_string())]),
        ServiceError::OwnOffer => ("service-own", vec![]),
        ServiceError::UnknownRequest => (
            "service-request-unknown",
            vec![("number", number.to_string())],
        ),
        ServiceError::Decided { status } => {
            let state = ctx
                .texts
                .render(&ctx.lang, &format!("service-status-{status}"), &[]);
            (
                "service-request-decided",
                vec![("number", number.to_string()), ("state", state)],
            )
        }
        ServiceError::NotAccepted => ("service-not-accepted", vec![("number", number.to_string())]),
        ServiceError::Barter => ("service-is-barter", vec![("number", number.to_string())]),
    };
    ctx.say(id, &args);
    Ok(Outcome::Finish)
}

/// `JASA`: one's offers (and how to renew an expired one), then what the new one is.
pub struct Start;

#[async_trait]
impl Action for Start {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = acting_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let mine = ctx.tx.services_of(&me.nik).await?;
        if !mine.is_empty() {
            ctx.say("service-mine-header", &[]);
            for o in mine {
                let id = if o.is_listed(ctx.now) {
                    "service-mine-line"
                } else {
                    "service-mine-expired"
                };
                let price = price_text(ctx, o.price);
                ctx.say(
                    id,
                    &[
                        ("code", o.code()),
                        ("what", o.what.clone()),
                        ("price", price),
                        ("date", date_text(o.expires_at)),
                    ],
                );
            }
        }
        Ok(Outcome::Next)
    }
}

/// What the service is.
pub struct What;

#[async_trait]
impl Action for What {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[WHAT],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let typed = ctx.input.clone().unwrap_or_default();
        match crate::parse::free_text(&typed, services::MAX_WHAT) {
            Ok(what) => {
                ctx.set(WHAT, what.to_string());
                Ok(Outcome::Next)
            }
            Err(e) => Ok(refused_text(e)),
        }
    }
}

/// Paid in money (then how much) or a barter.
pub struct PayKind;

#[async_trait]
impl Action for PayKind {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[PRICE],
            branches: &["money"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if ctx.input.as_deref() == Some("money") {
            return Ok(Outcome::Branch("money"));
        }
        ctx.set(PRICE, BARTER);
        Ok(Outcome::Next)
    }
}

/// The price in rupiah.
pub struct Price;

#[async_trait]
impl Action for Price {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[PRICE],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        match ctx.input.as_deref().and_then(|a| a.parse::<i64>().ok()) {
            Some(amount) => {
                ctx.set(PRICE, amount.to_string());
                Ok(Outcome::Next)
            }
            None => Ok(Outcome::Reject("service-price-invalid", vec![])),
        }
    }
}

/// When available: the offer is listed.
pub struct Create;

#[async_trait]
impl Action for Create {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[WHAT, PRICE],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = acting_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let (Some(what), Some(price)) = (
            ctx.value(WHAT).map(str::to_string),
            ctx.value(PRICE).map(str::to_string),
        ) else {
            return Ok(ctx.missing(PRICE));
        };
        let available = ctx.input.clone().unwrap_or_default();
        let new = services::NewOffer {
            what: &what,
            price: price.parse().ok(),
            available: &available,
        };
        match services::offer(ctx.tx, &me, &new, ctx.now).await {
            Ok(offer) => {
                let price = price_text(ctx, offer.price);
                ctx.say(
                    "service-offered",
                    &[
                        ("code", offer.code()),
                        ("what", offer.what),
                        ("price", price),
                        ("date", date_text(offer.expires_at)),
                    ],
                );
                Ok(Outcome::Finish)
            }
            Err(e) => refused(ctx, e, ""),
        }
    }
}

/// One offer as a search shows it.
fn say_found(ctx: &mut Ctx<'_>, o: &Offer) {
    let price = price_text(ctx, o.price);
    ctx.say(
        "service-found-line",
        &[
            ("code", o.code()),
            ("what", o.what.clone()),
            ("price", price),
            ("provider", o.provider.clone()),
            ("rt", o.rt.clone()),
            ("rw", o.rw.clone()),
            ("available", o.available.clone()),
        ],
    );
}

/// `CARI JASA <words>`: the best offers, and how to ask for one.
pub struct Search;

#[async_trait]
impl Action for Search {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let query = ctx.input.clone().unwrap_or_default();
        let found = match services::search(ctx.tx, &query, ctx.now).await {
            Ok(found) => found,
            Err(e) => return refused(ctx, e, ""),
        };
        if found.is_empty() {
            ctx.say("service-none", &[]);
            return Ok(Outcome::Finish);
        }
        for o in found.iter().take(SHOWN) {
            say_found(ctx, o);
        }
        let code = found[0].code();
        ctx.say("service-found-hint", &[("code", code)]);
        Ok(Outcome::Finish)
    }
}

/// The offer code typed, or a refusal to ask again.
fn offer_number(ctx: &Ctx<'_>) -> Result<i64, Outcome> {
    let typed = ctx.input.clone().unwrap_or_default();
    parse_offer_code(&typed).ok_or(Outcome::Reject(
        "service-unknown",
        vec![("code", typed.trim().to_uppercase())],
    ))
}

/// `MINTA JASA J001`: the request goes to the provider, with the asker's name and RT/RW.
pub struct Ask;

#[async_trait]
impl Action for Ask {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let number = match offer_number(ctx) {
            Ok(n) => n,
            Err(reject) => return Ok(reject),
        };
        let Some(me) = acting_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let code = services::offer_code(number);
        let asked = match services::ask(ctx.tx, &me, ctx.phone, number, ctx.now).await {
            Ok(a) => a,
            Err(e) => return refused(ctx, e, &code),
        };
        let args = [
            ("number", asked.request.to_string()),
            ("code", code),
            ("what", asked.offer.what.clone()),
            ("provider", asked.offer.provider.clone()),
        ];
        if !asked.fresh {
            ctx.say("service-already-asked", &args);
            return Ok(Outcome::Finish);
        }
        let (rt, rw) = ctx
            .tx
            .household(&me.no_kk)
            .await?
            .map(|h| (h.rt, h.rw))
            .unwrap_or_default();
        let notice = [
            ("number", asked.request.to_string()),
            ("code", asked.offer.code()),
            ("what", asked.offer.what.clone()),
            ("asker", me.name.clone()),
            ("rt", rt),
            ("rw", rw),
        ];
        ctx.tell_person(&asked.offer.nik, "service-asked-notice", &notice)
            .await?;
        ctx.say("service-asked", &args);
        Ok(Outcome::Finish)
    }
}

/// The request number typed.
fn request_number(ctx: &Ctx<'_>) -> i64 {
    ctx.input
        .as_deref()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// `TERIMA JASA <n>` / `TOLAK JASA <n>`: the provider's answer, told to the asker.
pub struct Decide {
    pub accept: bool,
}

#[async_trait]
impl Action for Decide {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let number = request_number(ctx);
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let (request, offer) =
            match services::decide(ctx.tx, &me.nik, number, self.accept, ctx.now).await {
                Ok(decided) => decided,
                Err(e) => return refused(ctx, e, &number.to_string()),
            };
        let args = [
            ("number", number.to_string()),
            ("what", offer.what.clone()),
            ("asker", request.asker.clone()),
            ("provider", offer.provider.clone()),
        ];
        let (reply, notice) = match (self.accept, offer.price.is_some()) {
            (false, _) => ("service-declined", "service-declined-notice"),
            (true, true) => ("service-accepted", "service-accepted-notice"),
            (true, false) => ("service-accepted", "service-accepted-barter-notice"),
        };
        ctx.tell_person(&request.asker_nik, notice, &args).await?;
        ctx.say(reply, &args);
        Ok(Outcome::Finish)
    }
}

/// `BARTER JASA <n>`: either side records that the job was done for a barter.
pub struct Barter;

#[async_trait]
impl Action for Barter {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let number = request_number(ctx);
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let (request, offer) = match services::barter(ctx.tx, &me.nik, number, ctx.now).await {
            Ok(done) => done,
            Err(e) => return refused(ctx, e, &number.to_string()),
        };
        let args = [
            ("number", number.to_string()),
            ("what", offer.what.clone()),
            ("who", me.name.clone()),
        ];
        let other = if me.nik == offer.nik {
            request.asker_nik
        } else {
            offer.nik
        };
        ctx.tell_person(&other, "service-bartered-notice", &args)
            .await?;
        ctx.say("service-bartered", &args);
        Ok(Outcome::Finish)
    }
}

/// `PERPANJANG J001`: the provider's offer listed 60 days more.
pub struct Renew;

#[async_trait]
impl Action for Renew {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let number = match offer_number(ctx) {
            Ok(n) => n,
            Err(reject) => return Ok(reject),
        };
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let code = services::offer_code(number);
        match services::renew(ctx.tx, &me.nik, number, ctx.now).await {
            Ok(offer) => {
                ctx.say(
                    "service-renewed",
                    &[
                        ("code", code),
                        ("what", offer.what),
                        ("date", date_text(offer.expires_at)),
                    ],
                );
                Ok(Outcome::Finish)
            }
            Err(e) => refused(ctx, e, &code),
        }
    }
}

/// The social-fund share and the minor limit of this deployment.
fn rules(ctx: &Ctx<'_>) -> (Decimal, i64) {
    (
        Decimal::from(ctx.config.social_fund_percent),
        ctx.config.minor_payment_limit,
    )
}

/// `BAYAR JASA <n>`: the asker's accepted request, to pay.
pub struct PayLoad;

#[async_trait]
impl Action for PayLoad {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[PAYER, PAYER_NAME, REQUEST, "provider", "what", "price"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let number = request_number(ctx);
        let Some(me) = acting_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        if super::pin_step::said_locked(ctx).await? {
            return Ok(Outcome::Finish);
        }
        let (_, offer, provider) = match services::payable(ctx.tx, &me, number).await {
            Ok(p) => p,
            Err(e) => return refused(ctx, e, &number.to_string()),
        };
        let price = price_text(ctx, offer.price);
        ctx.set(PAYER, me.nik);
        ctx.set(PAYER_NAME, me.name);
        ctx.set(REQUEST, number.to_string());
        ctx.set("provider", provider.name);
        ctx.set("what", offer.what);
        ctx.set("price", price);
        Ok(Outcome::Next)
    }
}

/// The payer and the request the session holds.
async fn payer_and_request(ctx: &mut Ctx<'_>) -> StoreResult<Option<(Person, i64)>> {
    let (Some(payer), Some(number)) =
        (ctx.value(PAYER).map(str::to_string), ctx.value_i64(REQUEST))
    else {
        return Ok(None);
    };
    Ok(ctx.tx.person(&payer).await?.map(|p| (p, number)))
}

/// The amount: checked as a payment is (balance, ages); the PIN step shows the balance after.
pub struct PayAmount;

#[async_trait]
impl Action for PayAmount {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER, REQUEST, AMOUNT],
            writes: &["amount_text", "balance_after"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(amount) = ctx.value_i64(AMOUNT) else {
            return Ok(ctx.missing(AMOUNT));
        };
        let Some((payer, number)) = payer_and_request(ctx).await? else {
            return Ok(ctx.missing(REQUEST));
        };
        let (social_fund_percent, minor_limit) = rules(ctx);
        let payment = services::Payment {
            payer: &payer,
            request: number,
            amount,
            social_fund_percent,
            minor_limit,
            now: ctx.now,
        };
        match services::check_payment(ctx.tx, &payment).await {
            Ok(balance) => {
                ctx.set("amount_text", format_rupiah(amount));
                ctx.set("balance_after", format_rupiah(balance - amount));
                Ok(Outcome::Next)
            }
            Err(ServiceError::Ledger(e)) => refuse_amount(ctx, e),
            Err(e) => refused(ctx, e, &number.to_string()),
        }
    }
}

/// The PIN: paid, the receipt said, the provider told. `BATAL` pays nothing.
pub struct PayPin;

#[async_trait]
impl Action for PayPin {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER, REQUEST, AMOUNT],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if said_no(ctx) {
            ctx.say("pay-cancelled", &[]);
            return Ok(Outcome::Finish);
        }
        if let Some(refused) = pin_refusal(ctx).await? {
            return Ok(refused);
        }
        let Some(amount) = ctx.value_i64(AMOUNT) else {
            return Ok(ctx.missing(AMOUNT));
        };
        let Some((payer, number)) = payer_and_request(ctx).await? else {
            return Ok(ctx.missing(REQUEST));
        };
        let (social_fund_percent, minor_limit) = rules(ctx);
        let payment = services::Payment {
            payer: &payer,
            request: number,
            amount,
            social_fund_percent,
            minor_limit,
            now: ctx.now,
        };
        let (paid, offer, provider) = match services::pay(ctx.tx, &payment).await {
            Ok(p) => p,
            Err(e) => return refused(ctx, e, &number.to_string()),
        };
        let amount_text = format_rupiah(amount);
        ctx.say(
            "service-paid",
            &[
                ("number", number.to_string()),
                ("amount_text", amount_text.clone()),
                ("provider", provider.name.clone()),
                ("balance", format_rupiah(paid.household_balance)),
                ("ref", paid.transfer.id.to_string()),
            ],
        );
        if paid.fresh {
            let args = [
                ("number", number.to_string()),
                ("what", offer.what.clone()),
                ("amount_text", amount_text),
                ("payer", payer.name.clone()),
                ("received", format_rupiah(paid.split.merchant)),
                ("fund", format_rupiah(paid.split.social_fund)),
                ("ref", paid.transfer.id.to_string()),
            ];
            ctx.tell_person(&provider.nik, "service-paid-notice", &args)
                .await?;
        }
        Ok(Outcome::Finish)
    }
}
