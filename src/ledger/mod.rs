//! The ledger (DESIGN §6): household wallets, merchants, the social fund and the treasury, in
//! double entry.
//!
//! | file | what |
//! | --- | --- |
//! | [`transfer`] | the one transfer path: one atomic multi-leg transfer under an idempotency key, or a batch |
//! | [`accounts`] | the accounts of a household, the treasury, the social fund, the clearing account |
//! | [`funds`] | a household's wallet (stimulus: spent at home) and purse (may travel), and where each pays |
//! | [`deposit`] | money put into a household's purse at the kelurahan office |
//! | [`eligibility`] | who may spend from a household, and how much (every money action) |
//! | [`keys`] | every idempotency key, built in one place |
//! | [`split`] | a payment's split between merchant and social fund |
//! | [`payment`] | paying a merchant (of this or another kelurahan), a merchant's cash-out |
//! | [`payment_request`] | a merchant's request for payment (`TAGIH`), settled once by its payer |
//! | [`merchants`] | registering merchants |
//! | [`stimulus`] | the daily stimulus credit |
//! | [`daily`] | the stimulus run inside `serve`, once a day, by one server |
//!
//! Each kelurahan has its own ledger (treasury, social fund, clearing account, campaigns, its
//! households' wallets and purses, its merchants' tills) in the one set of tables.
//!
//! Invariants, kept inside each transfer's unit of work: the legs of a transfer sum to zero, and
//! to zero within each kelurahan they touch (a payment between kelurahan passes through both
//! clearing accounts); no account but the treasuries and clearing accounts goes below zero
//! (checked on balances read under lock, and by a `CHECK` in the schema); so the sum over each
//! kelurahan's accounts, and over all accounts, is always zero; entries and transfers are never
//! updated or deleted (schema triggers); a key applies once in the whole deployment.

pub mod accounts;
pub mod credit_notices;
pub mod daily;
pub mod deposit;
pub mod eligibility;
pub mod funds;
pub mod keys;
pub mod merchants;
pub mod payment;
pub mod payment_request;
pub mod service_payment;
pub mod split;
pub mod stimulus;
pub mod transfer;

use crate::error::StoreError;

/// Why the ledger refused something. The engine maps each to a resident's text once
/// (`engine::actions::wallet`), the admin API to a status (`http::api_ledger`).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("insufficient funds: the balance is {balance}")]
    InsufficientFunds { balance: i64 },
    /// At another kelurahan's merchant only the purse pays, and it holds less than the amount.
    #[error("stimulus credit is spent only at merchants of {home}; the money that may travel is {purse}")]
    StimulusStaysHome { home: String, purse: i64 },
    #[error("unknown household")]
    UnknownHousehold,
    #[error("a memo has at most {max} characters")]
    InvalidMemo { max: usize },
    #[error("unknown merchant")]
    UnknownMerchant,
    #[error("the merchant is closed")]
    MerchantClosed,
    #[error("a merchant of the payer's own household cannot be paid from its wallet")]
    SelfPayment,
    #[error("residents aged 16-17 may pay at most {limit} per payment")]
    MinorLimit { limit: i64 },
    #[error("residents aged 16-17 may be paid at most {limit} per payment")]
    PayeeMinorLimit { limit: i64 },
    #[error("only residents aged 16 or over may transact")]
    NotEligible,
    #[error("unknown person")]
    UnknownPerson,
    #[error("this person already has merchant {code}")]
    AlreadyMerchant { code: String },
    #[error("a merchant needs a name")]
    InvalidName,
    #[error("the amount must be a positive whole number of rupiah")]
    InvalidAmount,
    #[error("a transfer's legs must sum to zero and touch existing accounts")]
    Unbalanced,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type LedgerResult<T> = Result<T, LedgerError>;
