//! Paying a resident for a service (`BAYAR JASA`, issue 14): as a payment to a merchant of one's
//! own kelurahan ([`super::payment`]), but the payee is the provider's household purse, not a
//! merchant's till. One transfer under its idempotency key:
//! payer's wallet −w, purse −p (w + p = amount, the wallet first), the provider's purse
//! +(amount − share), the social fund +share ([`super::split`]).
//!
//! Refused as a payment is (a payer under 16, more than the household holds, more than the
//! 16–17-year-olds' limit per payment), and also: a provider of the payer's own household (it
//! would turn the household's stimulus into cash), a provider aged 16–17 paid more than that
//! limit at once.

use super::accounts::social_fund;
use super::eligibility::check_spend;
use super::funds::{debit_legs, funds, Where};
use super::split::{split, Split};
use super::transfer::{apply_transfer, Applied, NewTransfer, TransferKind};
use super::{LedgerError, LedgerResult};
use crate::accounts::age::is_minor;
use crate::store::{AccountKind, Leg, Person, TransferRecord, Tx};
use rust_decimal::Decimal;

#[derive(Clone, Debug)]
pub struct ResidentPayment<'a> {
    pub payer: &'a Person,
    pub payee: &'a Person,
    pub amount: i64,
    pub memo: &'a str,
    /// e.g. `service:<request number>`: one payment per request.
    pub key: &'a str,
    pub social_fund_percent: Decimal,
    /// `GOTONG_MINOR_PAYMENT_LIMIT`: the most a resident aged 16–17 pays, or is paid, at once.
    pub minor_limit: i64,
    pub now: i64,
}

/// What a payment did (for a repeated key, what the first one did).
#[derive(Clone, Debug)]
pub struct ResidentPaid {
    pub transfer: TransferRecord,
    pub fresh: bool,
    pub split: Split,
    /// The payer's household's balance after (wallet and purse).
    pub household_balance: i64,
}

/// The checks that need no lock: the payer may pay the payee this amount. Answers the payer's
/// household's balance before.
pub async fn check_resident_payment(tx: &mut Tx, req: &ResidentPayment<'_>) -> LedgerResult<i64> {
    if req.amount <= 0 || req.amount > crate::parse::amount::MAX_AMOUNT {
        return Err(LedgerError::InvalidAmount);
    }
    if req.payer.no_kk == req.payee.no_kk {
        return Err(LedgerError::SelfPayment);
    }
    if !req.payee.is_current() {
        return Err(LedgerError::UnknownPerson);
    }
    if is_minor(req.payee, req.now) && req.amount > req.minor_limit {
        return Err(LedgerError::PayeeMinorLimit {
            limit: req.minor_limit,
        });
    }
    check_spend(
        tx,
        req.payer,
        req.amount,
        req.minor_limit,
        req.now,
        Where::Home,
    )
    .await
}

/// Pays: one atomic transfer under `req.key`; a key already applied answers the first payment.
pub async fn pay_resident(tx: &mut Tx, req: &ResidentPayment<'_>) -> LedgerResult<ResidentPaid> {
    let parts = split(req.amount, req.social_fund_percent);
    let applied = match tx.transfer_by_key(req.key).await? {
        Some(transfer) => Applied {
            transfer,
            fresh: false,
        },
        None => {
            check_resident_payment(tx, req).await?;
            let mut legs =
                debit_legs(tx, &req.payer.no_kk, req.amount, Where::Home, req.now).await?;
            let purse = tx
                .ensure_account(AccountKind::Purse, &req.payee.no_kk, req.now)
                .await?;
            legs.push(Leg {
                account_id: purse,
                amount: parts.merchant,
            });
            legs.push(Leg {
                account_id: social_fund(tx).await?,
                amount: parts.social_fund,
            });
            apply_transfer(
                tx,
                &NewTransfer {
                    key: req.key,
                    kind: TransferKind::ServicePayment,
                    memo: req.memo,
                    legs,
                    now: req.now,
                },
            )
            .await?
        }
    };
    let household_balance = funds(tx, &req.payer.no_kk).await?.total();
    Ok(ResidentPaid {
        transfer: applied.transfer,
        fresh: applied.fresh,
        split: parts,
        household_balance,
    })
}
