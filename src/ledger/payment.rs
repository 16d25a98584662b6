//! Paying a merchant (`BAYAR`, `TAGIHAN`, `PESAN`), and a merchant's cash-out (redeem).
//!
//! A payment is one transfer under its idempotency key. The payer's household pays from its
//! wallet and purse by the rules of [`super::funds`]: at a merchant of its own kelurahan the
//! wallet first, then the purse; at a merchant of another kelurahan (merchant codes are
//! deployment-wide, so `BAYAR W017` may name one) only the purse, since stimulus credit stays in
//! its kelurahan.
//!
//! - Own kelurahan: wallet −w, purse −p (w + p = amount), merchant +(amount − share), social
//!   fund +share ([`super::split`]).
//! - Another kelurahan: purse −amount, the payer's kelurahan's clearing account +amount, the
//!   merchant's kelurahan's clearing account −amount, merchant +(amount − share), the
//!   merchant's kelurahan's social fund +share. So each kelurahan's legs sum to zero on their
//!   own (the one transfer path checks it), and each kelurahan's accounts keep summing to zero.
//!
//! Refused: an unknown or closed merchant, a merchant of the payer's own household (it would
//! turn the household's stimulus into cash), a payer under 16, more than the per-payment limit
//! for 16–17-year-olds, more than may be spent at that merchant. The unit of work acts for the
//! payer's kelurahan.
use super::accounts::{of_kelurahan, treasury};
use super::eligibility::check_spend;
use super::funds::{debit_legs, funds, Where};
use super::split::{split, Split};
use super::transfer::{apply_transfer, NewTransfer, TransferKind};
use super::{LedgerError, LedgerResult};
use crate::store::{AccountKind, Leg, Merchant, Person, TransferRecord, Tx};
use rust_decimal::Decimal;

#[derive(Clone, Debug)]
pub struct PaymentRequest<'a> {
    pub payer_nik: &'a str,
    pub merchant_code: &'a str,
    pub amount: i64,
    /// e.g. `pay:<phone>:<ms of the confirmation>`.
    pub key: &'a str,
    pub social_fund_percent: Decimal,
    /// Per-payment limit of payers aged 16–17 (`GOTONG_MINOR_PAYMENT_LIMIT`).
    pub minor_limit: i64,
    pub now: i64,
}

/// What a payment did (or, for a repeated key, what the first one did).
#[derive(Clone, Debug)]
pub struct Payment {
    pub transfer: TransferRecord,
    /// False when the key had already been applied: nothing changed now.
    pub fresh: bool,
    pub payer: Person,
    pub merchant: Merchant,
    pub split: Split,
    /// The payer's household's balance after (wallet and purse).
    pub household_balance: i64,
    pub merchant_balance: i64,
}

/// Where a payment to `merchant` is spent, seen from the unit of work's (the payer's) kelurahan.
pub fn spent_at(tx: &Tx, merchant: &Merchant) -> Where {
    if merchant.kelurahan == tx.kelurahan() {
        Where::Home
    } else {
        Where::Away
    }
}

/// The checks of a payment that do not need the locks: the payer may pay this merchant this
/// amount. Used by the flow at each step (so a refusal comes early) and again by [`pay`].
/// Answers the payer, the merchant and the household's balance (wallet and purse) before.
pub async fn check_payment(
    tx: &mut Tx,
    req: &PaymentRequest<'_>,
) -> LedgerResult<(Person, Merchant, i64)> {
    if req.amount <= 0 {
        return Err(LedgerError::InvalidAmount);
    }
    let payer = tx
        .person(req.payer_nik)
        .await?
        .filter(Person::is_current)
        .ok_or(LedgerError::UnknownPerson)?;
    let merchant = check_merchant(tx, &payer, req.merchant_code).await?;
    let at = spent_at(tx, &merchant);
    let balance = check_spend(tx, &payer, req.amount, req.minor_limit, req.now, at).await?;
    Ok((payer, merchant, balance))
}

/// The merchant `code` (any case) of any kelurahan, open, and not of the payer's own household.
pub async fn check_merchant(tx: &mut Tx, payer: &Person, code: &str) -> LedgerResult<Merchant> {
    let code = code.trim().to_uppercase();
    let merchant = tx
        .merchant(&code)
        .await?
        .ok_or(LedgerError::UnknownMerchant)?;
    if !merchant.open {
        return Err(LedgerError::MerchantClosed);
    }
    if merchant.nik == payer.nik {
        return Err(LedgerError::SelfPayment);
    }
    let owner_kk = tx.person(&merchant.nik).await?.map(|p| p.no_kk);
    if owner_kk.as_deref() == Some(payer.no_kk.as_str()) {
        return Err(LedgerError::SelfPayment);
    }
    Ok(merchant)
}

/// Pays: one atomic transfer under `req.key`. A key already applied answers the first payment.
pub async fn pay(tx: &mut Tx, req: &PaymentRequest<'_>) -> LedgerResult<Payment> {
    let first = tx.transfer_by_key(req.key).await?;
    let (payer, merchant) = if first.is_none() {
        let (payer, merchant, _) = check_payment(tx, req).await?;
        (payer, merchant)
    } else {
        let payer = tx
            .person(req.payer_nik)
            .await?
            .ok_or(LedgerError::UnknownPerson)?;
        let merchant = tx
            .merchant(&req.merchant_code.trim().to_uppercase())
            .await?
            .ok_or(LedgerError::UnknownMerchant)?;
        (payer, merchant)
    };
    let parts = split(req.amount, req.social_fund_percent);
    let memo = format!("{} {}", merchant.code, merchant.name);
    let applied = match first {
        // A repeated key: the legs asked for do not matter (nothing more is applied), and
        // building them could be refused on today's balances.
        Some(transfer) => super::transfer::Applied {
            transfer,
            fresh: false,
        },
        None => {
            let legs = payment_legs(tx, &payer, &merchant, req.amount, parts, req.now).await?;
            apply_transfer(
                tx,
                &NewTransfer {
                    key: req.key,
                    kind: TransferKind::Payment,
                    memo: &memo,
                    legs,
                    now: req.now,
                },
            )
            .await?
        }
    };
    let household_balance = funds(tx, &payer.no_kk).await?.total();
    let merchant_balance = tx
        .account_of_kelurahan(merchant.kelurahan, AccountKind::Merchant, &merchant.code)
        .await?
        .map(|a| a.balance)
        .unwrap_or(0);
    // A repeated key reports the split of the first payment.
    let paid = applied
        .transfer
        .legs
        .iter()
        .find(|l| l.account_id == merchant.account_id)
        .map(|l| l.amount)
        .unwrap_or(parts.merchant);
    let total = paid_total(&applied.transfer, tx, &payer.no_kk).await?;
    Ok(Payment {
        transfer: applied.transfer,
        fresh: applied.fresh,
        payer,
        merchant,
        split: Split {
            merchant: paid,
            social_fund: total - paid,
        },
        household_balance,
        merchant_balance,
    })
}

/// The legs of a payment of `amount` (split into `parts`) by `payer`'s household to `merchant`:
/// the household's debit ([`debit_legs`]), then, at home, the merchant and this kelurahan's social
/// fund; away, both kelurahan's clearing accounts, the merchant and the merchant's kelurahan's
/// social fund.
async fn payment_legs(
    tx: &mut Tx,
    payer: &Person,
    merchant: &Merchant,
    amount: i64,
    parts: Split,
    now: i64,
) -> LedgerResult<Vec<Leg>> {
    let at = spent_at(tx, merchant);
    let mut legs = debit_legs(tx, &payer.no_kk, amount, at, now).await?;
    let theirs = merchant.kelurahan;
    if at == Where::Away {
        let ours = tx.kelurahan();
        legs.push(Leg {
            account_id: of_kelurahan(tx, ours, AccountKind::Clearing).await?,
            amount,
        });
        legs.push(Leg {
            account_id: of_kelurahan(tx, theirs, AccountKind::Clearing).await?,
            amount: -amount,
        });
    }
    legs.push(Leg {
        account_id: merchant.account_id,
        amount: parts.merchant,
    });
    legs.push(Leg {
        account_id: of_kelurahan(tx, theirs, AccountKind::SocialFund).await?,
        amount: parts.social_fund,
    });
    Ok(legs)
}

/// What the payer's household paid in `transfer`: the debits of its wallet and purse.
async fn paid_total(transfer: &TransferRecord, tx: &mut Tx, no_kk: &str) -> LedgerResult<i64> {
    let mut mine = Vec::with_capacity(2);
    for kind in [AccountKind::Wallet, AccountKind::Purse] {
        if let Some(a) = tx.account_by_owner(kind, no_kk).await? {
            mine.push(a.id);
        }
    }
    Ok(transfer
        .legs
        .iter()
        .filter(|l| mine.contains(&l.account_id) && l.amount < 0)
        .map(|l| -l.amount)
        .sum())
}

/// A merchant's cash-out: merchant → treasury (the kelurahan pays the cash). Only this
/// kelurahan's merchants: another kelurahan's is unknown here. Refused above the till's balance.
/// Audited as `actor`.
pub async fn redeem(
    tx: &mut Tx,
    actor: &str,
    code: &str,
    amount: i64,
    key: &str,
    now: i64,
) -> LedgerResult<(TransferRecord, bool, i64)> {
    if amount <= 0 {
        return Err(LedgerError::InvalidAmount);
    }
    let merchant = tx
        .merchant(&code.trim().to_uppercase())
        .await?
        .filter(|m| m.kelurahan == tx.kelurahan())
        .ok_or(LedgerError::UnknownMerchant)?;
    let treasury = treasury(tx).await?;
    let applied = apply_transfer(
        tx,
        &NewTransfer {
            key,
            kind: TransferKind::Redeem,
            memo: &merchant.code,
            legs: vec![
                Leg {
                    account_id: merchant.account_id,
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
    let balance = tx
        .account_by_owner(AccountKind::Merchant, &merchant.code)
        .await?
        .map(|a| a.balance)
        .unwrap_or(0);
    if applied.fresh {
        let after = serde_json::json!({
            "amount": amount,
            "balance": balance,
            "transfer": applied.transfer.id,
        });
        tx.audit(
            actor,
            "merchant.redeem",
            &merchant.code,
            None,
            Some(&after),
            now,
        )
        .await?;
    }
    Ok((applied.transfer, applied.fresh, balance))
}
