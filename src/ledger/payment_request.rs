//! Payment requests (`TAGIH` / `TAGIHAN`): a merchant asks a resident for an amount, and the
//! resident pays it or declines it. The chat's actions only read inputs and pick a text; the
//! rule is here.
//!
//! Invariants:
//! 1. A request belongs to one payer phone: to anyone else it does not exist ([`RequestError::Unknown`]).
//! 2. A request is opened (its figures shown) only while pending and within [`VALID_MS`] of
//!    being asked ([`open`]); a payment confirmed in time completes even if the PIN comes later.
//! 3. Paying a request is a payment like any other ([`super::payment::pay`]: the same checks, the
//!    same split) under the key `tagih:<id>`, so a request is paid at most once; a repeated
//!    settle answers the first payment. The request is marked paid in the same unit of work.
//! 4. A declined request is never paid; a paid one is never declined.
//! 5. A pending request its payer cannot pay for want of money stays pending, and the merchant
//!    is told ([`unpayable`]): a bill never waits unseen.

use super::payment::{check_payment, pay, Payment, PaymentRequest};
use super::LedgerError;
use crate::error::StoreResult;
use crate::store::{stored_as_code, Code, Merchant, PaymentRequestRecord, Tx};
use rust_decimal::Decimal;

/// How long a payment request can be opened after it was asked.
pub const VALID_MS: i64 = 24 * 3_600_000;

/// A payment request's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Asked, neither paid nor declined yet.
    Pending,
    Paid,
    Declined,
}

impl Code for Status {
    const WHAT: &'static str = "payment request status";
    const ALL: &'static [Status] = &[Status::Pending, Status::Paid, Status::Declined];
    fn code(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Declined => "declined",
        }
    }
}

stored_as_code!(Status);

/// Why a request cannot be opened or paid.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No such request for this payer, or no longer pending.
    #[error("no pending payment request {id} for this payer")]
    Unknown { id: i64 },
    /// Pending, but older than [`VALID_MS`].
    #[error("payment request {id} has expired")]
    Expired { id: i64 },
    /// The payment itself was refused (balance, age, merchant…).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<crate::error::StoreError> for RequestError {
    fn from(e: crate::error::StoreError) -> Self {
        RequestError::Ledger(LedgerError::Store(e))
    }
}

/// A merchant asks `payer_phone` for `amount`; the request's number.
pub async fn request(
    tx: &mut Tx,
    merchant_code: &str,
    payer_phone: &str,
    amount: i64,
    now: i64,
) -> StoreResult<i64> {
    tx.insert_payment_request(merchant_code, payer_phone, amount, now + VALID_MS, now)
        .await
}

/// Who pays a request, and the payment rule's settings.
#[derive(Clone, Debug)]
pub struct Payer<'a> {
    pub phone: &'a str,
    pub nik: &'a str,
    pub social_fund_percent: Decimal,
    /// Per-payment limit of payers aged 16–17.
    pub minor_limit: i64,
    pub now: i64,
}

impl Payer<'_> {
    /// The payment of `request` by this payer, under `key`.
    fn payment<'a>(
        &'a self,
        request: &'a PaymentRequestRecord,
        key: &'a str,
    ) -> PaymentRequest<'a> {
        PaymentRequest {
            payer_nik: self.nik,
            merchant_code: &request.merchant_code,
            amount: request.amount,
            key,
            social_fund_percent: self.social_fund_percent,
            minor_limit: self.minor_limit,
            now: self.now,
        }
    }
}

/// A request opened: it may be paid now, to this merchant, leaving this balance.
#[derive(Clone, Debug)]
pub struct Opened {
    pub request: PaymentRequestRecord,
    pub merchant: Merchant,
    /// The wallet's balance before the payment.
    pub balance: i64,
}

/// Request `id` of the payer, still pending and valid (invariant 2), and the payment's checks
/// passed: what the confirmation shows.
pub async fn open(tx: &mut Tx, id: i64, payer: &Payer<'_>) -> Result<Opened, RequestError> {
    let request = tx
        .payment_request_for(id, payer.phone)
        .await?
        .filter(|r| r.status == Status::Pending)
        .ok_or(RequestError::Unknown { id })?;
    if request.expires_at <= payer.now {
        return Err(RequestError::Expired { id });
    }
    let (_, merchant, balance) = check_payment(tx, &payer.payment(&request, "")).await?;
    Ok(Opened {
        request,
        merchant,
        balance,
    })
}

/// Pays request `id` of the payer (invariant 3) and marks it paid. A request already paid
/// answers its first payment (`fresh` false); a declined or foreign one is refused.
pub async fn settle(tx: &mut Tx, id: i64, payer: &Payer<'_>) -> Result<Payment, RequestError> {
    let request = tx
        .payment_request_for(id, payer.phone)
        .await?
        .ok_or(RequestError::Unknown { id })?;
    let key = super::keys::payment_request(request.id);
    match request.status {
        Status::Pending => {}
        // Paid only ever by this function, under its key: `pay` answers that payment.
        Status::Paid if tx.transfer_by_key(&key).await?.is_some() => {}
        Status::Paid | Status::Declined => return Err(RequestError::Unknown { id }),
    }
    let paid = pay(tx, &payer.payment(&request, &key)).await?;
    tx.decide_payment_request(request.id, Status::Paid, payer.now)
        .await?;
    Ok(paid)
}

/// Declines request `id` of `payer_phone`; the request if it was pending (the merchant is then
/// told), `None` if there was nothing to decline.
pub async fn decline(
    tx: &mut Tx,
    id: i64,
    payer_phone: &str,
    now: i64,
) -> StoreResult<Option<PaymentRequestRecord>> {
    let Some(request) = tx.payment_request_for(id, payer_phone).await? else {
        return Ok(None);
    };
    let declined = tx.decide_payment_request(id, Status::Declined, now).await?;
    Ok(declined.then_some(request))
}

/// Request `id` of `payer_phone`, still pending, when `refusal` means its payer has too little
/// money to pay it now (invariant 5): the merchant is to be told. `None` for other refusals.
pub async fn unpayable(
    tx: &mut Tx,
    id: i64,
    payer_phone: &str,
    refusal: &LedgerError,
) -> StoreResult<Option<PaymentRequestRecord>> {
    if !matches!(
        refusal,
        LedgerError::InsufficientFunds { .. } | LedgerError::StimulusStaysHome { .. }
    ) {
        return Ok(None);
    }
    Ok(tx
        .payment_request_for(id, payer_phone)
        .await?
        .filter(|r| r.status == Status::Pending))
}
