//! Paying a merchant from a household wallet (`BAYAR`), and a merchant's cash-out (redeem).
//!
//! A payment is one transfer: wallet −amount, merchant +(amount − share), social fund +share
//! ([`super::split`]). Refused: an unknown or closed merchant, a merchant of the payer's own
//! household (it would turn the household's stimulus into cash), a payer under 16, more than
//! the per-payment limit for 16–17-year-olds, more than the wallet holds.

use super::accounts::{social_fund, treasury, wallet};
use super::eligibility::check_spend;
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
    pub wallet_balance: i64,
    pub merchant_balance: i64,
}

/// The checks of a payment that do not need the locks: the payer may pay this merchant this
/// amount. Used by the flow at each step (so a refusal comes early) and again by [`pay`].
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
    let balance = check_spend(tx, &payer, req.amount, req.minor_limit, req.now).await?;
    Ok((payer, merchant, balance))
}

/// The merchant `code` (any case), open, and not of the payer's own household.
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
    let fresh_key = tx.transfer_by_key(req.key).await?.is_none();
    let (payer, merchant) = if fresh_key {
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
    let wallet_id = wallet(tx, &payer.no_kk, req.now).await?;
    let fund = social_fund(tx).await?;
    let memo = format!("{} {}", merchant.code, merchant.name);
    let applied = apply_transfer(
        tx,
        &NewTransfer {
            key: req.key,
            kind: TransferKind::Payment,
            memo: &memo,
            legs: vec![
                Leg {
                    account_id: wallet_id,
                    amount: -req.amount,
                },
                Leg {
                    account_id: merchant.account_id,
                    amount: parts.merchant,
                },
                Leg {
                    account_id: fund,
                    amount: parts.social_fund,
                },
            ],
            now: req.now,
        },
    )
    .await?;
    let wallet_balance = super::accounts::wallet_balance(tx, &payer.no_kk).await?;
    let merchant_balance = tx
        .account_by_owner(AccountKind::Merchant, &merchant.code)
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
    let total: i64 = applied
        .transfer
        .legs
        .iter()
        .filter(|l| l.amount < 0)
        .map(|l| -l.amount)
        .sum();
    Ok(Payment {
        transfer: applied.transfer,
        fresh: applied.fresh,
        payer,
        merchant,
        split: Split {
            merchant: paid,
            social_fund: total - paid,
        },
        wallet_balance,
        merchant_balance,
    })
}

/// A merchant's cash-out: merchant → treasury (the kelurahan pays the cash). Refused above the
/// till's balance. Audited as `actor`.
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
