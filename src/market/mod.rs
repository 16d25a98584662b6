//! The local market and the goods library (issue 7).
//!
//! | file | what |
//! | --- | --- |
//! | [`status`] | the states of listings, orders, items and loans, and the moves between them |
//! | [`pay`] | paying a reserved order through the ledger's payment rule |
//! | [`search`] | folding words (case, accents), stop-words, ranking `CARI` results |
//! | [`notify`] | a message to another resident, in their channel and language |
//! | [`jobs`] | expiring unpaid orders, loan reminders and overdue flags, inside `serve` by lease |
//!
//! Market: a merchant's listing (`L001`) has a price and a stock; `PESAN` reserves a quantity
//! for [`ORDER_HOLD_MS`] (reserved quantities are not available to others), the buyer pays it
//! through the payment rule of the ledger (`ledger::payment`, key `order:<id>`), and only then
//! does the stock go down. An unpaid order expires and its quantity is available again.
//!
//! Library: an item (`B001`) has a custodian (its owner, or for a community item the admin's
//! custodian). Requests queue in order (`loans.id`); the head of the queue is asked to the
//! custodian when the item is free, who answers `TERIMA` / `TOLAK`; an accepted loan is active
//! until the custodian confirms `KEMBALI`, and the next request is asked.

pub mod contact;
pub mod jobs;
pub mod notify;
mod pay;
pub mod reputation;
pub mod search;
pub mod status;

pub use pay::{pay_order, payable_order, PaidOrder};
pub use status::{ItemStatus, ListingStatus, LoanStatus, OrderStatus};

use crate::calendar::jakarta_date;
use crate::error::{StoreError, StoreResult};
use crate::ledger::payment::check_merchant;
use crate::ledger::LedgerError;
use crate::store::{Item, Listing, Loan, Merchant, NewListing, Order, Person, Tx};

/// How long an unpaid order holds its quantity.
pub const ORDER_HOLD_MS: i64 = 2 * 3_600_000;
/// Largest stock of a listing.
pub const MAX_STOCK: i64 = 100_000;
/// Longest listing or item name.
pub const MAX_NAME_CHARS: usize = 40;
/// Days a loan may last.
pub const MIN_LOAN_DAYS: i64 = 1;
pub const MAX_LOAN_DAYS: i64 = 14;

/// The categories of `JUAL` (the flow's numbered list), each with the words that find it.
pub const CATEGORIES: &[(&str, &[&str])] = &[
    ("makanan", &["makanan", "food", "kue", "jajanan"]),
    ("minuman", &["minuman", "drink", "minum"]),
    ("pakaian", &["pakaian", "baju", "clothes"]),
    ("kerajinan", &["kerajinan", "craft"]),
    ("jasa", &["jasa", "service", "layanan"]),
    ("lainnya", &["lainnya", "other"]),
];

/// Why the market or the library refused something.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    #[error("only registered merchants may sell")]
    NotMerchant,
    #[error("unknown listing")]
    UnknownListing,
    #[error("the listing is closed")]
    ListingClosed,
    #[error("the listing belongs to another merchant")]
    NotYourListing,
    #[error("one cannot order from one's own (household's) listing")]
    OwnListing,
    #[error("only {available} available")]
    NotEnoughStock { available: i64 },
    #[error("the stock must be 1 to 100000")]
    InvalidStock,
    #[error("the quantity must be a positive number")]
    InvalidQuantity,
    #[error("a name must have 2 to 40 characters")]
    InvalidName,
    #[error("unknown category")]
    InvalidCategory,
    #[error("unknown item")]
    UnknownItem,
    #[error("one cannot borrow one's own item")]
    OwnItem,
    #[error("already requested or borrowed")]
    AlreadyRequested,
    #[error("a loan lasts 1 to 14 days")]
    InvalidDays,
    #[error("only the item's owner or custodian may do this")]
    NotCustodian,
    #[error("no request waits for an answer")]
    NoPendingRequest,
    #[error("the item is not lent")]
    NotLent,
    #[error("unknown person")]
    UnknownPerson,
    #[error("a community item needs a custodian")]
    NoCustodian,
    #[error("unknown order")]
    UnknownOrder,
    #[error("the order is no longer reserved, or its time is up")]
    OrderTooLate,
    #[error(transparent)]
    Ledger(LedgerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<LedgerError> for MarketError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Store(s) => MarketError::Store(s),
            other => MarketError::Ledger(other),
        }
    }
}

pub type MarketResult<T> = Result<T, MarketError>;

/// A name as kept: spaces collapsed, GSM-7 only (it is shown to SMS users: emoji become `?`),
/// 2 to 40 characters.
pub fn clean_name(name: &str) -> MarketResult<String> {
    let name = crate::text::gsm7::to_gsm7_lossy(name);
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = name.chars().count();
    if !(2..=MAX_NAME_CHARS).contains(&n) {
        return Err(MarketError::InvalidName);
    }
    Ok(name)
}

/// The listing `code` (any case) of `merchant`, or why not.
pub async fn own_listing(
    tx: &mut Tx,
    merchant: &Merchant,
    code: &str,
    now: i64,
) -> MarketResult<Listing> {
    let listing = tx
        .listing(&code.trim().to_uppercase(), now)
        .await?
        .ok_or(MarketError::UnknownListing)?;
    if listing.merchant != merchant.code {
        return Err(MarketError::NotYourListing);
    }
    Ok(listing)
}

/// A new listing's fields, as the resident typed them.
#[derive(Clone, Debug)]
pub struct Sale<'a> {
    pub name: &'a str,
    pub price: i64,
    pub stock: i64,
    pub category: &'a str,
    pub photo: Option<&'a str>,
}

/// Posts a listing of `merchant`; answers its code.
pub async fn sell(
    tx: &mut Tx,
    merchant: &Merchant,
    sale: &Sale<'_>,
    now: i64,
) -> MarketResult<String> {
    let name = clean_name(sale.name)?;
    if sale.price <= 0 || sale.price > crate::parse::amount::MAX_AMOUNT {
        return Err(MarketError::Ledger(LedgerError::InvalidAmount));
    }
    check_stock(sale.stock)?;
    let words = CATEGORIES
        .iter()
        .find(|(key, _)| *key == sale.category)
        .map(|(_, words)| words)
        .ok_or(MarketError::InvalidCategory)?;
    let search_text = search::search_text(&name, words);
    let code = tx
        .insert_listing(
            &NewListing {
                merchant: &merchant.code,
                name: &name,
                search_text: &search_text,
                price: sale.price,
                stock: sale.stock,
                category: sale.category,
                photo: sale.photo,
            },
            now,
        )
        .await?;
    Ok(code)
}

/// A stock of 1 to [`MAX_STOCK`].
pub fn check_stock(stock: i64) -> MarketResult<()> {
    if !(1..=MAX_STOCK).contains(&stock) {
        return Err(MarketError::InvalidStock);
    }
    Ok(())
}

/// The listing `code` as `buyer` may order it: open, of an open merchant not of the buyer's own
/// household.
pub async fn orderable(tx: &mut Tx, buyer: &Person, code: &str, now: i64) -> MarketResult<Listing> {
    let listing = tx
        .listing(&code.trim().to_uppercase(), now)
        .await?
        .ok_or(MarketError::UnknownListing)?;
    if listing.status != ListingStatus::Open {
        return Err(MarketError::ListingClosed);
    }
    match check_merchant(tx, buyer, &listing.merchant).await {
        Ok(_) => Ok(listing),
        Err(LedgerError::SelfPayment) => Err(MarketError::OwnListing),
        Err(LedgerError::MerchantClosed) => Err(MarketError::ListingClosed),
        Err(e) => Err(e.into()),
    }
}

/// How many at `price` a balance of `balance` pays for (0 for a price that is not positive).
pub fn affordable(balance: i64, price: i64) -> i64 {
    if price <= 0 {
        return 0;
    }
    balance.max(0) / price
}

/// Reserves `qty` of listing `code` for `buyer` until `now` + [`ORDER_HOLD_MS`].
pub async fn reserve(
    tx: &mut Tx,
    buyer: &Person,
    phone: &str,
    code: &str,
    qty: i64,
    now: i64,
) -> MarketResult<(Listing, Order)> {
    if qty < 1 {
        return Err(MarketError::InvalidQuantity);
    }
    let code = code.trim().to_uppercase();
    tx.lock_listing(&code).await?;
    let listing = orderable(tx, buyer, &code, now).await?;
    if qty > listing.available {
        return Err(MarketError::NotEnoughStock {
            available: listing.available,
        });
    }
    let amount = listing
        .price
        .checked_mul(qty)
        .ok_or(MarketError::InvalidQuantity)?;
    let order = tx
        .insert_order(
            &listing.code,
            &buyer.nik,
            phone,
            qty,
            amount,
            now + ORDER_HOLD_MS,
            now,
        )
        .await?;
    Ok((listing, order))
}

/// Adds an item to the library: a resident's (`owner_nik`) or the community's, kept by
/// `custodian_nik`. Audited as `actor`.
pub async fn add_item(
    tx: &mut Tx,
    actor: &str,
    name: &str,
    owner_nik: Option<&str>,
    custodian_nik: Option<&str>,
    now: i64,
) -> MarketResult<(String, String, Person)> {
    let name = clean_name(name)?;
    let keeper = owner_nik
        .or(custodian_nik)
        .map(str::trim)
        .ok_or(MarketError::NoCustodian)?;
    let keeper = tx
        .person(keeper)
        .await?
        .filter(Person::is_current)
        .ok_or(MarketError::UnknownPerson)?;
    let owner = owner_nik.map(|_| keeper.nik.as_str());
    let code = tx.insert_item(&name, owner, &keeper.nik, now).await?;
    let after = serde_json::json!({
        "code": code,
        "name": name,
        "owner": owner.map(crate::parse::nik::mask_nik),
        "custodian": crate::parse::nik::mask_nik(&keeper.nik),
    });
    tx.audit(actor, "item.create", &code, None, Some(&after), now)
        .await?;
    Ok((code, name, keeper))
}

/// A loan request's place: asked to the custodian now, or waiting at `position` in the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requested {
    Asked,
    Queued { position: usize },
}

/// A loan request whose item's custodian has no linked phone cannot reach them through the bot:
/// it goes to the kelurahan's queue (an `audit_log` row `loan.custodian_unreachable` and a
/// warning log, as overdue loans do), so an officer arranges it. Answers whether it went there
/// (false: the custodian can be asked by message).
pub async fn queue_if_custodian_unreachable(
    tx: &mut Tx,
    item: &Item,
    loan: &Loan,
    now: i64,
) -> StoreResult<bool> {
    if tx.phone_of_person(&item.custodian_nik).await?.is_some() {
        return Ok(false);
    }
    let after = serde_json::json!({ "loan": loan.id, "days": loan.days });
    tx.audit(
        "system",
        "loan.custodian_unreachable",
        &item.code,
        None,
        Some(&after),
        now,
    )
    .await?;
    tracing::warn!(item = %item.code, loan = loan.id, "loan request for a custodian without a linked phone: kelurahan to arrange");
    Ok(true)
}

/// A lendable item `code` for `borrower`: exists, not withdrawn, not theirs, not already asked
/// for or borrowed by them.
pub async fn borrowable(tx: &mut Tx, borrower: &Person, code: &str) -> MarketResult<Item> {
    let item = tx
        .item(&code.trim().to_uppercase())
        .await?
        .filter(|i| i.status == ItemStatus::Available)
        .ok_or(MarketError::UnknownItem)?;
    if item.custodian_nik == borrower.nik || item.owner_nik.as_deref() == Some(&borrower.nik) {
        return Err(MarketError::OwnItem);
    }
    let open = tx.open_loans(&item.code).await?;
    if open.iter().any(|l| l.borrower_nik == borrower.nik) {
        return Err(MarketError::AlreadyRequested);
    }
    Ok(item)
}

/// Asks to borrow `code` for `days`. One open request per borrower and item.
pub async fn request_loan(
    tx: &mut Tx,
    borrower: &Person,
    phone: &str,
    code: &str,
    days: i64,
    now: i64,
) -> MarketResult<(Item, Loan, Requested)> {
    if !(MIN_LOAN_DAYS..=MAX_LOAN_DAYS).contains(&days) {
        return Err(MarketError::InvalidDays);
    }
    let code = code.trim().to_uppercase();
    tx.lock_item(&code).await?;
    let item = borrowable(tx, borrower, &code).await?;
    let open = tx.open_loans(&item.code).await?;
    let id = tx
        .insert_loan(&item.code, &borrower.nik, phone, days, now)
        .await?;
    let place = if open.is_empty() {
        tx.mark_loan_asked(id, now).await?;
        Requested::Asked
    } else {
        Requested::Queued {
            position: open
                .iter()
                .filter(|l| l.status == LoanStatus::Requested)
                .count()
                + 1,
        }
    };
    let loan = tx
        .open_loans(&item.code)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or(MarketError::UnknownItem)?;
    Ok((item, loan, place))
}

/// The item `code` if `me` keeps it.
pub async fn kept_item(tx: &mut Tx, me: &Person, code: &str) -> MarketResult<Item> {
    let code = code.trim().to_uppercase();
    tx.lock_item(&code).await?;
    let item = tx.item(&code).await?.ok_or(MarketError::UnknownItem)?;
    if item.custodian_nik != me.nik {
        return Err(MarketError::NotCustodian);
    }
    Ok(item)
}

/// The custodian's answer to the request asked for `code`: accepted (due `days` after today)
/// or declined (and the next request asked). Answers the item, the request and the next one
/// asked, if any.
pub async fn decide(
    tx: &mut Tx,
    me: &Person,
    code: &str,
    accept: bool,
    now: i64,
) -> MarketResult<(Item, Loan, Option<Loan>)> {
    let item = kept_item(tx, me, code).await?;
    let open = tx.open_loans(&item.code).await?;
    if open.iter().any(|l| l.status == LoanStatus::Active) {
        return Err(MarketError::NoPendingRequest);
    }
    let mut loan = open
        .into_iter()
        .find(|l| l.status == LoanStatus::Requested && l.asked_at.is_some())
        .ok_or(MarketError::NoPendingRequest)?;
    if accept {
        let due = jakarta_date(now) + chrono::Days::new(loan.days.unsigned_abs());
        let due = due.format("%Y-%m-%d").to_string();
        loan.status = move_loan(tx, &loan, LoanStatus::Active, Some(&due), now).await?;
        loan.due_date = Some(due);
        Ok((item, loan, None))
    } else {
        loan.status = move_loan(tx, &loan, LoanStatus::Declined, None, now).await?;
        let next = ask_next(tx, &item.code, now).await?;
        Ok((item, loan, next))
    }
}

/// The custodian confirms `code` is back: the loan is closed and the next request asked.
pub async fn give_back(
    tx: &mut Tx,
    me: &Person,
    code: &str,
    now: i64,
) -> MarketResult<(Item, Loan, Option<Loan>)> {
    let item = kept_item(tx, me, code).await?;
    let mut loan = tx
        .open_loans(&item.code)
        .await?
        .into_iter()
        .find(|l| l.status == LoanStatus::Active)
        .ok_or(MarketError::NotLent)?;
    loan.status = move_loan(tx, &loan, LoanStatus::Returned, None, now).await?;
    let next = ask_next(tx, &item.code, now).await?;
    Ok((item, loan, next))
}

/// Moves `loan` on to `to` (the item is locked: nothing else moves it meanwhile); answers its
/// new status.
async fn move_loan(
    tx: &mut Tx,
    loan: &Loan,
    to: LoanStatus,
    due_date: Option<&str>,
    now: i64,
) -> MarketResult<LoanStatus> {
    if !loan.status.can_go_to(to) {
        return Err(MarketError::NoPendingRequest);
    }
    tx.move_loan(loan.id, loan.status, to, due_date, now)
        .await?;
    Ok(to)
}

/// Asks the head of `code`'s queue, if the item is free and nobody is being asked already.
async fn ask_next(tx: &mut Tx, code: &str, now: i64) -> MarketResult<Option<Loan>> {
    let open = tx.open_loans(code).await?;
    if open
        .iter()
        .any(|l| l.status == LoanStatus::Active || l.asked_at.is_some())
    {
        return Ok(None);
    }
    let Some(mut next) = open.into_iter().next() else {
        return Ok(None);
    };
    tx.mark_loan_asked(next.id, now).await?;
    next.asked_at = Some(now);
    Ok(Some(next))
}
