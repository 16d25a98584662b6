//! One atomic transfer: several legs under one idempotency key, in the caller's unit of work.
//!
//! Applying a key a second time changes nothing and answers the first application's transfer
//! (`fresh == false`), even if the legs asked for differ. The order inside the unit of work:
//! 1. the key is looked up (the usual retry ends here);
//! 2. the accounts are locked in ascending id order (PostgreSQL `FOR UPDATE`; SQLite's
//!    `BEGIN IMMEDIATE` already holds the write lock) and their balances read;
//! 3. the legs are checked: they sum to zero and no account but the treasury ends below zero;
//! 4. the transfer is inserted (`ON CONFLICT DO NOTHING`: a concurrent twin that committed first
//!    wins, and this one answers its result), then the entries and the balances.
//!
//! Nothing is written before the checks pass, so a refused transfer leaves the unit of work
//! usable for what the caller does next (an answer to the resident).

use super::{LedgerError, LedgerResult};
use crate::store::{Leg, TransferRecord, Tx};
use std::collections::BTreeMap;

/// A transfer to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTransfer<'a> {
    pub key: &'a str,
    /// `stimulus`, `payment`, `redeem`, `topup`, `donation`.
    pub kind: &'a str,
    pub memo: &'a str,
    pub legs: Vec<Leg>,
    pub now: i64,
}

/// The transfer under the key, and whether this call applied it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub transfer: TransferRecord,
    pub fresh: bool,
}

pub async fn apply_transfer(tx: &mut Tx, t: &NewTransfer<'_>) -> LedgerResult<Applied> {
    if let Some(transfer) = tx.transfer_by_key(t.key).await? {
        return Ok(Applied {
            transfer,
            fresh: false,
        });
    }
    // Legs on the same account are merged; zero legs dropped.
    let mut per_account: BTreeMap<i64, i64> = BTreeMap::new();
    for leg in &t.legs {
        let v = per_account.entry(leg.account_id).or_insert(0);
        *v = v.checked_add(leg.amount).ok_or(LedgerError::Unbalanced)?;
    }
    per_account.retain(|_, v| *v != 0);
    let sum = per_account
        .values()
        .try_fold(0i64, |s, v| s.checked_add(*v))
        .ok_or(LedgerError::Unbalanced)?;
    if sum != 0 || per_account.is_empty() {
        return Err(LedgerError::Unbalanced);
    }
    let ids: Vec<i64> = per_account.keys().copied().collect();
    let accounts = tx.lock_accounts(&ids).await?;
    if accounts.len() != ids.len() {
        return Err(LedgerError::Unbalanced);
    }
    // A twin may have committed while this one waited for the locks.
    if let Some(transfer) = tx.transfer_by_key(t.key).await? {
        return Ok(Applied {
            transfer,
            fresh: false,
        });
    }
    for a in &accounts {
        let delta = per_account.get(&a.id).copied().unwrap_or(0);
        let after = a
            .balance
            .checked_add(delta)
            .ok_or(LedgerError::Unbalanced)?;
        if after < 0 && !a.kind.may_go_negative() {
            return Err(LedgerError::InsufficientFunds { balance: a.balance });
        }
    }
    let Some(id) = tx.insert_transfer(t.key, t.kind, t.memo, t.now).await? else {
        // A concurrent twin committed first (PostgreSQL waited on the key): answer its result.
        let transfer = tx
            .transfer_by_key(t.key)
            .await?
            .ok_or(LedgerError::Unbalanced)?;
        return Ok(Applied {
            transfer,
            fresh: false,
        });
    };
    let legs: Vec<Leg> = per_account
        .iter()
        .map(|(account_id, amount)| Leg {
            account_id: *account_id,
            amount: *amount,
        })
        .collect();
    let entries: Vec<(i64, Leg)> = legs.iter().map(|l| (id, *l)).collect();
    tx.insert_entries(&entries).await?;
    let deltas: Vec<(i64, i64)> = legs.iter().map(|l| (l.account_id, l.amount)).collect();
    tx.add_to_balances(&deltas).await?;
    Ok(Applied {
        transfer: TransferRecord {
            id,
            key: t.key.to_string(),
            kind: t.kind.to_string(),
            memo: t.memo.to_string(),
            created_at: t.now,
            legs,
        },
        fresh: true,
    })
}
