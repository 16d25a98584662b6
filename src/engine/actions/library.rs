//! The goods library's conversations: `PINJAMKAN <name>` (a resident lends one of their own
//! items), `PINJAM` (the items, paged) / `PINJAM <code>` (ask to borrow, for 1 to 14 days),
//! `TERIMA <code>` / `TOLAK <code>` (the custodian answers the request they were sent) and
//! `KEMBALI <code>` (the custodian confirms the item is back; the next request is asked).

use super::household::linked_person;
use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::market::notify::who;
use crate::market::{self, MarketError, Requested};
use crate::message::Channel;
use crate::parse::mask_phone;
use crate::store::{Loan, Person};
use async_trait::async_trait;

const ME: &str = "_me";
const ITEM: &str = "item_code";
const LIST_PAGE: &str = "_items_page";

/// A library refusal: asked again (`Reject`) or said and finished.
fn refusal(ctx: &mut Ctx<'_>, e: MarketError) -> StoreResult<Outcome> {
    let finish = |ctx: &mut Ctx<'_>, id: &str| {
        ctx.say(id, &[]);
        Ok(Outcome::Finish)
    };
    match e {
        MarketError::Store(s) => Err(s),
        MarketError::UnknownItem => Ok(Outcome::Reject("borrow-unknown", vec![])),
        MarketError::InvalidName => Ok(Outcome::Reject("market-name-invalid", vec![])),
        MarketError::OwnItem => finish(ctx, "borrow-own"),
        MarketError::AlreadyRequested => finish(ctx, "borrow-already"),
        MarketError::NotCustodian => finish(ctx, "loan-not-custodian"),
        MarketError::NoPendingRequest => finish(ctx, "loan-no-request"),
        MarketError::NotLent => finish(ctx, "loan-not-lent"),
        other => {
            tracing::warn!(error = %other, "library refusal without its own text");
            finish(ctx, "engine-error")
        }
    }
}

async fn me(ctx: &mut Ctx<'_>) -> StoreResult<Option<Person>> {
    let nik = ctx.value(ME).unwrap_or_default().to_string();
    let p = ctx.tx.person(&nik).await?;
    if p.is_none() {
        ctx.say("data-not-linked", &[]);
    }
    Ok(p)
}

/// The custodian's question about request `loan` (a notice when asked, a reply after
/// `KEMBALI` / `TOLAK`): the borrower's name and RT/RW, never their NIK.
async fn request_args(ctx: &mut Ctx<'_>, loan: &Loan) -> StoreResult<Vec<(&'static str, String)>> {
    let (name, rt, rw) = who(ctx.tx, &loan.borrower_nik).await?;
    let item_name = ctx
        .tx
        .item(&loan.item)
        .await?
        .map(|i| i.name)
        .unwrap_or_default();
    Ok(vec![
        ("borrower", name),
        ("rt", rt),
        ("rw", rw),
        ("days", loan.days.to_string()),
        ("item_code", loan.item.clone()),
        ("item_name", item_name),
    ])
}

/// Entry of every library flow: a linked resident.
pub struct Start;

#[async_trait]
impl Action for Start {
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
        if !me.is_current() {
            ctx.say("data-not-linked", &[]);
            return Ok(Outcome::Finish);
        }
        ctx.set(ME, me.nik);
        Ok(Outcome::Next)
    }
}

/// `PINJAMKAN <name>`: the resident's own item joins the library.
pub struct AddItem;

#[async_trait]
impl Action for AddItem {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = me(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let name = ctx.input.clone().unwrap_or_default();
        let actor = mask_phone(ctx.phone);
        match market::add_item(ctx.tx, &actor, &name, Some(&me.nik), None, ctx.now).await {
            Ok((code, name, _)) => {
                ctx.say("lend-added", &[("item_code", code), ("item_name", name)]);
                Ok(Outcome::Finish)
            }
            Err(e) => refusal(ctx, e),
        }
    }
}

/// Puts page `page` of the items into the value `items_list` (for the prompt).
async fn list_items(ctx: &mut Ctx<'_>, page: usize) -> StoreResult<bool> {
    use crate::engine::render::{menu_body, page_of, Item};
    let items = ctx.tx.lendable_items().await?;
    if items.is_empty() {
        return Ok(false);
    }
    let rows: Vec<Item> = items
        .iter()
        .map(|i| {
            let id = if i.lent {
                "borrow-line-lent"
            } else {
                "borrow-line"
            };
            Item {
                id: i.code.clone(),
                label: ctx.texts.render_with(
                    &ctx.lang,
                    id,
                    &Default::default(),
                    &[("item_name", i.name.clone()), ("rw", i.rw.clone())],
                ),
            }
        })
        .collect();
    let header = ctx.texts.render(&ctx.lang, "borrow-list-header", &[]);
    // The prompt adds a line after the list: leave it room on SMS.
    let ask = ctx.texts.render(&ctx.lang, "borrow-ask-item-tail", &[]);
    let sizing = format!("{header}\n{ask}");
    let next = ctx.texts.render(&ctx.lang, "engine-next-page", &[]);
    let shown = page_of(ctx.channel, &sizing, &rows, page, &next);
    let text = menu_body(Channel::Sms, &header, &shown, &next, "")
        .main_text()
        .to_string();
    ctx.set("items_list", text);
    ctx.set(LIST_PAGE, page.to_string());
    Ok(true)
}

/// `PINJAM`: the items (page 1), shown by the next step's prompt.
pub struct ListItems;

#[async_trait]
impl Action for ListItems {
    fn contract(&self) -> Contract {
        Contract {
            writes: &["items_list", LIST_PAGE],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if list_items(ctx, 0).await? {
            Ok(Outcome::Next)
        } else {
            ctx.say("borrow-none", &[]);
            Ok(Outcome::Finish)
        }
    }
}

/// The item code (or `0`: the next page).
pub struct ChooseItem;

#[async_trait]
impl Action for ChooseItem {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[LIST_PAGE, ME],
            writes: &["items_list", LIST_PAGE, ITEM, "item_name"],
            branches: &["more"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let input = ctx.input.clone().unwrap_or_default();
        if input.trim() == crate::engine::render::NEXT_PAGE {
            let page = ctx
                .value(LIST_PAGE)
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(0);
            if !list_items(ctx, page + 1).await? {
                list_items(ctx, 0).await?;
            }
            return Ok(Outcome::Branch("more"));
        }
        let Some(me) = me(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        match market::borrowable(ctx.tx, &me, &input).await {
            Ok(item) => {
                ctx.set(ITEM, item.code);
                ctx.set("item_name", item.name);
                Ok(Outcome::Next)
            }
            Err(e) => refusal(ctx, e),
        }
    }
}

/// The days (1 to 14, by the step's range): the request is recorded, and the custodian asked
/// or the borrower told their place in the queue.
pub struct RequestLoan;

#[async_trait]
impl Action for RequestLoan {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME, ITEM, "item_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = me(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let Some(code) = ctx.value(ITEM).map(str::to_string) else {
            return Ok(ctx.missing(ITEM));
        };
        let days: i64 = ctx.input.as_deref().unwrap_or("0").parse().unwrap_or(0);
        let (item, loan, place) =
            match market::request_loan(ctx.tx, &me, ctx.phone, &code, days, ctx.now).await {
                Ok(r) => r,
                Err(e) => return refusal(ctx, e),
            };
        match place {
            Requested::Asked
                if market::queue_if_custodian_unreachable(ctx.tx, &item, &loan, ctx.now)
                    .await? =>
            {
                ctx.say("borrow-to-kelurahan", &[]);
            }
            Requested::Asked => {
                let args = request_args(ctx, &loan).await?;
                ctx.tell_person(&item.custodian_nik, "loan-request-owner", &args)
                    .await?;
                ctx.say("borrow-asked", &[]);
            }
            Requested::Queued { position } => {
                ctx.say("borrow-queued", &[("position", position.to_string())]);
            }
        }
        Ok(Outcome::Finish)
    }
}

/// Tells the borrower of `loan` the message `id`.
async fn tell_borrower(
    ctx: &mut Ctx<'_>,
    loan: &Loan,
    id: &str,
    args: &[(&str, String)],
) -> StoreResult<()> {
    let n =
        crate::market::notify::notice(ctx.tx, ctx.texts, &loan.borrower_phone, id, args).await?;
    ctx.notices.push(n);
    Ok(())
}

/// After a decline or a return: the custodian is asked about the next request, if any.
async fn ask_about(ctx: &mut Ctx<'_>, next: Option<Loan>) -> StoreResult<()> {
    if let Some(next) = next {
        let args = request_args(ctx, &next).await?;
        ctx.say("loan-request-owner", &args);
    }
    Ok(())
}

/// `TERIMA <code>` (`value = "accept"`) or `TOLAK <code>`: the answer to the request asked.
pub struct Decide {
    pub accept: bool,
}

#[async_trait]
impl Action for Decide {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = me(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let code = ctx.input.clone().unwrap_or_default();
        let (item, loan, next) =
            match market::decide(ctx.tx, &me, &code, self.accept, ctx.now).await {
                Ok(r) => r,
                Err(e) => return refusal(ctx, e),
            };
        let (borrower, borrower_rt, borrower_rw) = who(ctx.tx, &loan.borrower_nik).await?;
        let (custodian, custodian_rt, custodian_rw) = who(ctx.tx, &me.nik).await?;
        let due = loan
            .due_date
            .as_deref()
            .and_then(crate::calendar::parse_date)
            .map(|d| d.format("%d-%m-%Y").to_string())
            .unwrap_or_default();
        // Both sides learn each other's name and RT/RW, and reach each other with HUBUNGI.
        let args = [
            ("item_code", item.code.clone()),
            ("item_name", item.name.clone()),
            ("borrower", borrower),
            ("borrower_rt", borrower_rt),
            ("borrower_rw", borrower_rw),
            ("custodian", custodian),
            ("custodian_rt", custodian_rt),
            ("custodian_rw", custodian_rw),
            ("due", due),
        ];
        if self.accept {
            tell_borrower(ctx, &loan, "loan-accepted-borrower", &args).await?;
            ctx.say("loan-accepted", &args);
        } else {
            tell_borrower(ctx, &loan, "loan-declined-borrower", &args).await?;
            ctx.say("loan-declined", &args);
            ask_about(ctx, next).await?;
        }
        Ok(Outcome::Finish)
    }
}

/// `KEMBALI <code>`: only the custodian; the loan closes and the next request is asked.
pub struct GiveBack;

#[async_trait]
impl Action for GiveBack {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = me(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let code = ctx.input.clone().unwrap_or_default();
        let (item, loan, next) = match market::give_back(ctx.tx, &me, &code, ctx.now).await {
            Ok(r) => r,
            Err(MarketError::NotCustodian) => {
                ctx.say("loan-return-not-custodian", &[]);
                return Ok(Outcome::Finish);
            }
            Err(e) => return refusal(ctx, e),
        };
        let (borrower, _, _) = who(ctx.tx, &loan.borrower_nik).await?;
        let args = [
            ("item_code", item.code.clone()),
            ("item_name", item.name.clone()),
            ("borrower", borrower),
        ];
        tell_borrower(ctx, &loan, "loan-returned-borrower", &args).await?;
        ctx.say("loan-returned", &args);
        ask_about(ctx, next).await?;
        Ok(Outcome::Finish)
    }
}

/// `HUBUNGI <order number | item code> <text>`: the text to the other side of a paid order or
/// of a loan out now, with the writer's name and RT/RW ([`market::contact`]).
pub struct Contact;

#[async_trait]
impl Action for Contact {
    fn contract(&self) -> Contract {
        Contract {
            reads: &["reference"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let reference = ctx.value("reference").unwrap_or_default().to_uppercase();
        let text = ctx.input.clone().unwrap_or_default();
        let Some(other) =
            market::contact::counterpart(ctx.tx, &me.nik, &reference, ctx.now).await?
        else {
            ctx.say("contact-none", &[("label", label(&reference))]);
            return Ok(Outcome::Finish);
        };
        let (name, rt, rw) = who(ctx.tx, &me.nik).await?;
        let args = [
            ("reference", reference.clone()),
            ("label", label(&reference)),
            ("name", name),
            ("rt", rt),
            ("rw", rw),
            ("text", text),
        ];
        ctx.tell_person(&other, "contact-relay", &args).await?;
        ctx.say("contact-sent", &[("label", label(&reference))]);
        Ok(Outcome::Finish)
    }
}

/// How a reference is shown: an order as `#12`, an item by its code.
fn label(reference: &str) -> String {
    if reference.parse::<i64>().is_ok() {
        format!("#{reference}")
    } else {
        reference.to_string()
    }
}
