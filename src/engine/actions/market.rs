//! The market's conversations: `JUAL` (a merchant posts a listing), `STOK` / `HARGA` / `TUTUP`
//! (the merchant changes or closes one), `CARI` (search, paged) and `PESAN` (order: reserve,
//! tell the seller, pay with PIN through the payment rule of `BAYAR`).

use super::household::linked_person;
use super::pay::{refuse, tell_paid, AMOUNT, CODE, KEY, PAYER};
use super::pin_step::{pin_refusal, said_no};
use super::wallet::jakarta_time;
use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::ledger::payment::{check_payment, PaymentRequest};
use crate::ledger::{keys, LedgerError};
use crate::market::notify::who;
use crate::market::reputation::Reputation;
use crate::market::search::{query_words, rank};
use crate::market::{self, MarketError, OrderStatus, Sale};
use crate::message::Channel;
use crate::store::{Listing, Merchant, Person};
use crate::text::money::format_rupiah;
use async_trait::async_trait;
use rust_decimal::Decimal;
use std::collections::HashMap;

const MERCHANT: &str = "_merchant";
const LISTING: &str = "listing_code";
const ORDER: &str = "order";
const QUERY: &str = "_query";
const RESULTS_PAGE: &str = "_results_page";
/// Listings fetched for one search before ranking.
const SEARCH_LIMIT: i64 = 200;

/// A market refusal as a reply: `Some(outcome)` after saying it, `Err` for a store failure.
fn market_refusal(ctx: &mut Ctx<'_>, e: MarketError) -> StoreResult<Outcome> {
    let reject =
        |id: &'static str, args: Vec<(&'static str, String)>| Ok(Outcome::Reject(id, args));
    match e {
        MarketError::Store(s) => Err(s),
        MarketError::Ledger(l) => refuse(ctx, l),
        MarketError::UnknownListing => reject("listing-unknown", vec![]),
        MarketError::NotYourListing => reject("listing-not-yours", vec![]),
        MarketError::ListingClosed => reject("listing-closed", vec![]),
        MarketError::NotEnoughStock { available: 0 } => {
            ctx.say("order-sold-out", &[]);
            Ok(Outcome::Finish)
        }
        MarketError::NotEnoughStock { available } => reject(
            "order-not-enough",
            vec![("available", available.to_string())],
        ),
        MarketError::InvalidName => reject("market-name-invalid", vec![]),
        MarketError::InvalidStock => reject("sell-stock-invalid", vec![]),
        MarketError::OwnListing => {
            ctx.say("order-own", &[]);
            Ok(Outcome::Finish)
        }
        other => {
            tracing::warn!(error = %other, "market refusal without its own text");
            ctx.say("engine-error", &[]);
            Ok(Outcome::Finish)
        }
    }
}

/// A refusal said at once, finishing the flow (where asking again makes no sense).
fn refusal_finish(ctx: &mut Ctx<'_>, e: MarketError) -> StoreResult<Outcome> {
    match market_refusal(ctx, e)? {
        Outcome::Reject(id, args) => {
            ctx.say(id, &args);
            Ok(Outcome::Finish)
        }
        other => Ok(other),
    }
}

/// The merchant of this phone, from the session.
async fn my_merchant(ctx: &mut Ctx<'_>) -> StoreResult<Option<Merchant>> {
    let code = ctx.value(MERCHANT).unwrap_or_default().to_string();
    ctx.tx.merchant(&code).await
}

/// Entry of `JUAL`, `STOK`, `HARGA`, `TUTUP`: a linked resident with a merchant code.
pub struct SellStart;

#[async_trait]
impl Action for SellStart {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[MERCHANT, "merchant_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        match ctx.tx.merchant_of_person(&me.nik).await? {
            Some(m) if m.open => {
                ctx.set(MERCHANT, m.code.clone());
                ctx.set("merchant_name", m.name);
                Ok(Outcome::Next)
            }
            Some(_) => {
                ctx.say("pay-merchant-closed", &[]);
                Ok(Outcome::Finish)
            }
            None => {
                ctx.say("sell-not-merchant", &[]);
                Ok(Outcome::Finish)
            }
        }
    }
}

/// The listing's name.
pub struct SellName;

#[async_trait]
impl Action for SellName {
    fn contract(&self) -> Contract {
        Contract {
            writes: &["name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        match market::clean_name(ctx.input.as_deref().unwrap_or_default()) {
            Ok(name) => {
                ctx.set("name", name);
                Ok(Outcome::Next)
            }
            Err(e) => market_refusal(ctx, e),
        }
    }
}

/// The stock (1 to 100000, by the step's range). On SMS, says that a photo needs WhatsApp
/// (the photo step is skipped there).
pub struct SellStock;

#[async_trait]
impl Action for SellStock {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if ctx.channel == Channel::Sms {
            ctx.say("sell-photo-sms", &[]);
        }
        Ok(Outcome::Next)
    }
}

/// The category, then the listing is posted.
pub struct SellCreate;

#[async_trait]
impl Action for SellCreate {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[MERCHANT, "name", "category", "photo", "price", "stock"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(merchant) = my_merchant(ctx).await? else {
            ctx.say("sell-not-merchant", &[]);
            return Ok(Outcome::Finish);
        };
        let Some(price) = ctx.value_i64("price") else {
            return Ok(ctx.missing("price"));
        };
        let Some(stock) = ctx.value_i64("stock") else {
            return Ok(ctx.missing("stock"));
        };
        let value = |k: &str| ctx.value(k).unwrap_or_default().to_string();
        let (name, category, photo) = (value("name"), value("category"), value("photo"));
        let sale = Sale {
            name: &name,
            price,
            stock,
            category: &category,
            photo: Some(photo.as_str()).filter(|p| !p.is_empty()),
        };
        match market::sell(ctx.tx, &merchant, &sale, ctx.now).await {
            Ok(code) => {
                tracing::info!(merchant = %merchant.code, listing = %code, "listing posted");
                ctx.say(
                    "sell-done",
                    &[
                        ("listing_code", code),
                        ("price_text", format_rupiah(price)),
                        ("stock", stock.to_string()),
                    ],
                );
                Ok(Outcome::Finish)
            }
            Err(e) => refusal_finish(ctx, e),
        }
    }
}

/// `STOK` / `HARGA` / `TUTUP`: the listing code, which must be this merchant's.
pub struct OwnListing;

#[async_trait]
impl Action for OwnListing {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[MERCHANT],
            writes: &[LISTING, "listing_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(merchant) = my_merchant(ctx).await? else {
            ctx.say("sell-not-merchant", &[]);
            return Ok(Outcome::Finish);
        };
        let code = ctx.input.clone().unwrap_or_default();
        match market::own_listing(ctx.tx, &merchant, &code, ctx.now).await {
            Ok(l) => {
                ctx.set(LISTING, l.code);
                ctx.set("listing_name", l.name);
                Ok(Outcome::Next)
            }
            Err(e) => market_refusal(ctx, e),
        }
    }
}

/// `STOK L001 5`: the new stock (0 to 100000; reserved orders keep their quantity).
pub struct SetStock;

#[async_trait]
impl Action for SetStock {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[LISTING, "listing_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(code) = ctx.value(LISTING).map(str::to_string) else {
            return Ok(ctx.missing(LISTING));
        };
        let stock: i64 = ctx.input.as_deref().unwrap_or("0").parse().unwrap_or(0);
        ctx.tx.set_listing_stock(&code, stock).await?;
        ctx.say("listing-stock-done", &[("stock", stock.to_string())]);
        Ok(Outcome::Finish)
    }
}

/// `HARGA L001 15000`: the new price (any amount form).
pub struct SetPrice;

#[async_trait]
impl Action for SetPrice {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[LISTING, "listing_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(code) = ctx.value(LISTING).map(str::to_string) else {
            return Ok(ctx.missing(LISTING));
        };
        let price: i64 = ctx.input.as_deref().unwrap_or("0").parse().unwrap_or(0);
        if price <= 0 {
            return Ok(Outcome::Reject("input-amount-zero", vec![]));
        }
        ctx.tx.set_listing_price(&code, price).await?;
        ctx.say(
            "listing-price-done",
            &[("price_text", format_rupiah(price))],
        );
        Ok(Outcome::Finish)
    }
}

/// `TUTUP L001`: the listing leaves the search; unpaid orders expire as usual.
pub struct CloseListing;

#[async_trait]
impl Action for CloseListing {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[LISTING, "listing_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(code) = ctx.value(LISTING).map(str::to_string) else {
            return Ok(ctx.missing(LISTING));
        };
        ctx.tx.close_listing(&code).await?;
        ctx.say("listing-closed-done", &[]);
        Ok(Outcome::Finish)
    }
}

/// What a result line says of its merchant's reputation: " (terverifikasi)", " nilai 4,2/5".
fn reputation_marks(ctx: &Ctx<'_>, r: Option<&Reputation>) -> String {
    let Some(r) = r else {
        return String::new();
    };
    let mut marks = String::new();
    if r.verified(ctx.config.verified_merchant_orders) {
        marks.push_str(&ctx.texts.render(&ctx.lang, "search-verified-mark", &[]));
    }
    if let Some(tenths) = r.average_tenths() {
        let point = if ctx.lang == "en" { "." } else { "," };
        let average = format!("{}{point}{}", tenths / 10, tenths % 10);
        marks.push_str(&ctx.texts.render_with(
            &ctx.lang,
            "search-rating-mark",
            &Default::default(),
            &[("average", average)],
        ));
    }
    marks
}

fn result_line(
    ctx: &Ctx<'_>,
    l: &Listing,
    reputations: &HashMap<String, Reputation>,
) -> crate::engine::render::Item {
    let photo = if ctx.channel == Channel::WhatsApp && l.photo.is_some() {
        ctx.texts.render(&ctx.lang, "search-photo-mark", &[])
    } else {
        String::new()
    };
    let marks = reputation_marks(ctx, reputations.get(&l.merchant));
    let label = ctx.texts.render_with(
        &ctx.lang,
        "search-line",
        &Default::default(),
        &[
            ("name", l.name.clone()),
            ("price_text", format_rupiah(l.price)),
            ("seller", l.merchant_name.clone()),
            ("marks", marks),
            ("rw", l.rw.clone()),
            ("available", l.available.to_string()),
            ("photo", photo),
        ],
    );
    crate::engine::render::Item {
        id: l.code.clone(),
        label,
    }
}

/// Shows page `page` of the search in the session; answers whether more pages follow.
async fn show_results(ctx: &mut Ctx<'_>, page: usize) -> StoreResult<Option<bool>> {
    use crate::engine::render::{menu_body, page_of};
    let query = ctx.value(QUERY).unwrap_or_default().to_string();
    let words = query_words(&query);
    let found = ctx
        .tx
        .search_listings(&words, ctx.now, SEARCH_LIMIT)
        .await?;
    let found = rank(found, &words);
    if found.is_empty() {
        return Ok(None);
    }
    let mut merchants: Vec<String> = found.iter().map(|l| l.merchant.clone()).collect();
    merchants.sort();
    merchants.dedup();
    let reputations = ctx.tx.reputations(&merchants).await?;
    let items: Vec<_> = found
        .iter()
        .map(|l| result_line(ctx, l, &reputations))
        .collect();
    let header = ctx.texts.render_with(
        &ctx.lang,
        "search-header",
        &Default::default(),
        &[
            ("query", words.join(" ")),
            ("count", found.len().to_string()),
        ],
    );
    let hint = ctx.texts.render(&ctx.lang, "search-order-hint", &[]);
    let next = ctx.texts.render(&ctx.lang, "engine-next-page", &[]);
    let shown = page_of(
        ctx.channel,
        &format!("{header}\n{hint}"),
        &items,
        page,
        &next,
    );
    let text = menu_body(Channel::Sms, &header, &shown, &next, "")
        .main_text()
        .to_string();
    ctx.said.push(text);
    ctx.set(RESULTS_PAGE, page.to_string());
    Ok(Some(shown.has_more))
}

/// `CARI <words>`.
pub struct Search;

#[async_trait]
impl Action for Search {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[QUERY],
            writes: &[QUERY, RESULTS_PAGE],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let query = ctx.input.clone().unwrap_or_default();
        if query_words(&query).is_empty() {
            return Ok(Outcome::Reject("search-no-words", vec![]));
        }
        ctx.set(QUERY, query.clone());
        match show_results(ctx, 0).await? {
            None => {
                ctx.say("search-none", &[("query", query_words(&query).join(" "))]);
                Ok(Outcome::Finish)
            }
            Some(true) => Ok(Outcome::Next),
            Some(false) => {
                ctx.say("search-order-hint", &[]);
                Ok(Outcome::Finish)
            }
        }
    }
}

/// `0`: the next page of results.
pub struct SearchMore;

#[async_trait]
impl Action for SearchMore {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[RESULTS_PAGE, QUERY],
            writes: &[RESULTS_PAGE],
            branches: &["more"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let page = ctx
            .value(RESULTS_PAGE)
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(0);
        match show_results(ctx, page + 1).await? {
            Some(true) => Ok(Outcome::Branch("more")),
            _ => {
                ctx.say("search-order-hint", &[]);
                Ok(Outcome::Finish)
            }
        }
    }
}

async fn payer(ctx: &mut Ctx<'_>) -> StoreResult<Option<Person>> {
    let nik = ctx.value(PAYER).unwrap_or_default().to_string();
    let p = ctx.tx.person(&nik).await?;
    if p.is_none() {
        ctx.say("data-not-linked", &[]);
    }
    Ok(p)
}

/// `PESAN`: the listing (open, not the buyer's own).
pub struct OrderListing;

#[async_trait]
impl Action for OrderListing {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER],
            writes: &[
                LISTING,
                "listing_name",
                "price_text",
                "available",
                CODE,
                "merchant_name",
            ],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(buyer) = payer(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let code = ctx.input.clone().unwrap_or_default();
        match market::orderable(ctx.tx, &buyer, &code, ctx.now).await {
            Ok(l) => {
                ctx.set(LISTING, l.code);
                ctx.set("listing_name", l.name);
                ctx.set("price_text", format_rupiah(l.price));
                ctx.set("available", l.available.to_string());
                ctx.set(CODE, l.merchant);
                ctx.set("merchant_name", l.merchant_name);
                Ok(Outcome::Next)
            }
            Err(e) => market_refusal(ctx, e),
        }
    }
}

/// The quantity: within what is available and what the wallet holds; then reserved, and the
/// seller told. The payment's key is the order's ([`keys::order`]: paid at most once).
pub struct OrderQty;

#[async_trait]
impl Action for OrderQty {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAYER, LISTING],
            writes: &[
                ORDER,
                KEY,
                AMOUNT,
                "qty",
                "amount_text",
                "balance_after",
                "until",
            ],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(buyer) = payer(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let Some(code) = ctx.value(LISTING).map(str::to_string) else {
            return Ok(ctx.missing(LISTING));
        };
        let qty: i64 = ctx.input.as_deref().unwrap_or("0").parse().unwrap_or(0);
        let listing = match market::orderable(ctx.tx, &buyer, &code, ctx.now).await {
            Ok(l) => l,
            Err(e) => return refusal_finish(ctx, e),
        };
        if qty > listing.available {
            return market_refusal(
                ctx,
                MarketError::NotEnoughStock {
                    available: listing.available,
                },
            );
        }
        let price_text = format_rupiah(listing.price);
        let amount = listing.price.saturating_mul(qty);
        let req = PaymentRequest {
            payer_nik: &buyer.nik,
            merchant_code: &listing.merchant,
            amount,
            key: "",
            social_fund_percent: Decimal::from(ctx.config.social_fund_percent),
            minor_limit: ctx.config.minor_payment_limit,
            now: ctx.now,
        };
        let balance = match check_payment(ctx.tx, &req).await {
            Ok((_, _, balance)) => balance,
            // Asked again only with a quantity the money reaches; none at all ends the order.
            Err(LedgerError::InsufficientFunds { balance }) => {
                let most = market::affordable(balance, listing.price).min(listing.available);
                if most < 1 {
                    ctx.say(
                        "order-cannot-afford",
                        &[
                            ("balance", format_rupiah(balance)),
                            ("listing_name", listing.name.clone()),
                            ("price_text", price_text),
                        ],
                    );
                    return Ok(Outcome::Finish);
                }
                return Ok(Outcome::Reject(
                    "order-insufficient",
                    vec![
                        ("balance", format_rupiah(balance)),
                        ("amount_text", format_rupiah(amount)),
                        ("most", most.to_string()),
                    ],
                ));
            }
            Err(e) => return refuse(ctx, e),
        };
        let (listing, order) =
            match market::reserve(ctx.tx, &buyer, ctx.phone, &code, qty, ctx.now).await {
                Ok(r) => r,
                Err(e) => return market_refusal(ctx, e),
            };
        let until = jakarta_time(order.expires_at);
        ctx.set(ORDER, order.id.to_string());
        ctx.set(KEY, keys::order(order.id));
        ctx.set(AMOUNT, amount.to_string());
        ctx.set("qty", qty.to_string());
        ctx.set("amount_text", format_rupiah(amount));
        ctx.set("balance_after", format_rupiah(balance - amount));
        ctx.set("until", until.clone());
        let (name, rt, rw) = who(ctx.tx, &buyer.nik).await?;
        let args = [
            ("order", order.id.to_string()),
            ("qty", qty.to_string()),
            ("listing_name", listing.name.clone()),
            ("listing_code", listing.code.clone()),
            ("buyer", name),
            ("rt", rt),
            ("rw", rw),
            ("amount_text", format_rupiah(amount)),
            ("until", until),
        ];
        ctx.tell_person(&listing.seller_nik, "order-seller", &args)
            .await?;
        Ok(Outcome::Next)
    }
}

/// `BATAL` at the PIN step: the order is cancelled (its quantity free again) and the seller told.
async fn cancel_order(ctx: &mut Ctx<'_>, id: i64) -> StoreResult<Outcome> {
    if ctx
        .tx
        .finish_order(id, OrderStatus::Cancelled, None, ctx.now)
        .await?
    {
        let seller = match ctx.value(CODE).map(str::to_string) {
            Some(code) => ctx.tx.merchant(&code).await?.map(|m| m.nik),
            None => None,
        };
        let args = [
            ("order", id.to_string()),
            (
                "listing_code",
                ctx.value(LISTING).unwrap_or_default().to_string(),
            ),
        ];
        if let Some(nik) = seller {
            ctx.tell_person(&nik, "order-cancelled-seller", &args)
                .await?;
        }
    }
    ctx.say("order-cancelled", &[]);
    Ok(Outcome::Finish)
}

/// The PIN: the order must still be reserved ([`market::payable_order`]); the PIN is checked
/// and the payment's receipt said like `BAYAR`; then [`market::pay_order`] marks it paid (the
/// payment under the order's key is the one just made) and the seller is told. `BATAL` instead
/// cancels the order.
pub struct OrderPin;

#[async_trait]
impl Action for OrderPin {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ORDER, KEY, CODE, LISTING],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(id) = ctx.value_i64(ORDER) else {
            return Ok(ctx.missing(ORDER));
        };
        if said_no(ctx) {
            return cancel_order(ctx, id).await;
        }
        match market::payable_order(ctx.tx, id, ctx.now).await {
            Ok(_) => {}
            Err(MarketError::OrderTooLate) => {
                ctx.say("order-too-late", &[("order", id.to_string())]);
                return Ok(Outcome::Finish);
            }
            Err(e) => return refusal_finish(ctx, e),
        }
        // The key is this order's (`order_qty` keeps it).
        if ctx.value(KEY) != Some(keys::order(id).as_str()) {
            return Ok(ctx.missing(KEY));
        }
        if let Some(refused) = pin_refusal(ctx).await? {
            return Ok(refused);
        }
        let paid = match market::pay_order(ctx.tx, ctx.texts, ctx.config, id, ctx.now).await {
            Ok(paid) => paid,
            Err(e) => return refusal_finish(ctx, e),
        };
        tell_paid(ctx, &paid.payment, paid.order.amount).await?;
        if paid.fresh {
            ctx.say("order-paid", &paid.args());
            ctx.notices.extend(paid.seller_notice);
        }
        Ok(Outcome::Finish)
    }
}
