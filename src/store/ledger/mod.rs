//! The ledger's tables (`migrations/*/0004_ledger.sql`): accounts with their balances, insert-only
//! transfers and entries, merchants, statements, stimulus runs, job leases and the
//! ledger's figures, one file each.
//!
//! These are the building blocks; the rules (a wallet never negative, legs summing to zero, one
//! application per idempotency key, locking order) live in `crate::ledger`, which calls them
//! inside one unit of work. On PostgreSQL, [`Tx::lock_accounts`] takes the balance rows with
//! `SELECT … FOR UPDATE` in ascending id order, so two transfers never deadlock; on SQLite the
//! unit of work already holds the single write lock (`BEGIN IMMEDIATE`).
//!
//! | file | what |
//! | --- | --- |
//! | [`accounts`] | accounts by owner, created on demand, locked for a transfer |
//! | [`transfers`] | transfers' headers, entries and balances (the parts of `ledger::transfer`) |
//! | [`merchants`] | merchants and their tills |
//! | [`statement`] | one account's lines (`MUTASI`) |
//! | [`stimulus`] | households due on a date, the runs' totals |
//! | [`jobs`] | job leases (one server runs a daily job) |
//! | [`stats`] | the ledger's KPIs and its audit |
//! | [`audit`] | the audit of each kelurahan's ledger on its own |

mod accounts;
mod audit;
mod jobs;
mod merchants;
mod statement;
mod stats;
mod stimulus;
mod transfers;

pub use audit::LedgerAudits;
pub use merchants::Merchant;
pub use statement::{Party, StatementLine};
pub use stats::{LedgerAudit, LedgerStats};
pub(crate) use stats::{RECEIVED, RECEIVED_FIGURES};
pub use stimulus::{StimulusDue, StimulusTotals};

use crate::store::{stored_as_code, Code, KelurahanId};

pub type AccountId = i64;

impl Code for AccountKind {
    const WHAT: &'static str = "account kind";
    const ALL: &'static [AccountKind] = &[
        AccountKind::Treasury,
        AccountKind::Wallet,
        AccountKind::Merchant,
        AccountKind::SocialFund,
        AccountKind::Campaign,
        AccountKind::Clearing,
        AccountKind::Purse,
    ];
    fn code(self) -> &'static str {
        self.as_str()
    }
}

stored_as_code!(AccountKind);

/// What an account is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// The issuer of the stimulus: may go negative. One per kelurahan.
    Treasury,
    /// A household's wallet, one per `no_kk`.
    Wallet,
    /// A merchant's till, one per merchant (separate from their household's wallet).
    Merchant,
    /// The social fund, fed by a share of every payment. One per kelurahan.
    SocialFund,
    /// A swadaya campaign, one per campaign.
    Campaign,
    /// The other side of payments between kelurahan, one per kelurahan: a payment to another
    /// kelurahan's merchant debits the payer here and credits the payee there, through both
    /// kelurahan's clearing accounts, so each kelurahan's accounts sum to zero on their own. May
    /// go negative (a kelurahan whose residents received more than they sent).
    Clearing,
    /// A household's money that may travel (a cash deposit at the kelurahan, money earned):
    /// spent at any kelurahan's merchants, beside the wallet's stimulus credit, which is spent
    /// only at the household's own kelurahan. One per `no_kk`, created when first credited.
    Purse,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Treasury => "treasury",
            AccountKind::Wallet => "wallet",
            AccountKind::Merchant => "merchant",
            AccountKind::SocialFund => "social_fund",
            AccountKind::Campaign => "campaign",
            AccountKind::Clearing => "clearing",
            AccountKind::Purse => "purse",
        }
    }

    /// Only the treasury and the clearing account may go below zero.
    pub fn may_go_negative(self) -> bool {
        matches!(self, AccountKind::Treasury | AccountKind::Clearing)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// The kelurahan whose ledger holds it.
    pub kelurahan: KelurahanId,
    pub kind: AccountKind,
    /// `no_kk` of a wallet, code of a merchant, number of a campaign; empty for the singletons.
    pub owner: String,
    pub balance: i64,
}

/// One leg of a transfer: a signed amount on one account (+ credit, − debit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leg {
    pub account_id: AccountId,
    pub amount: i64,
}

/// A transfer as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferRecord {
    pub id: i64,
    pub key: String,
    pub kind: crate::ledger::transfer::TransferKind,
    pub memo: String,
    pub created_at: i64,
    pub legs: Vec<Leg>,
}

const ACCOUNT_COLUMNS: &str = "id, kelurahan_id, kind, owner, balance";

type AccountRow = (i64, KelurahanId, AccountKind, String, i64);

fn account(row: AccountRow) -> Account {
    Account {
        id: row.0,
        kelurahan: row.1,
        kind: row.2,
        owner: row.3,
        balance: row.4,
    }
}

/// Rows per multi-row statement (SQLite allows 32,766 placeholders, PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 1_000;
