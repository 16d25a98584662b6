//! The ledger's one transfer path: several legs under one idempotency key, in the caller's unit
//! of work — one transfer ([`apply_transfer`], a payment) or a batch of them under one set of
//! locks and statements ([`apply_transfers`], the stimulus for a thousand households at once).
//!
//! Applying a key a second time changes nothing and answers the first application's transfer
//! (`fresh == false`), even if the legs asked for differ. The order inside the unit of work:
//! 1. the key is looked up (the usual retry ends here);
//! 2. the accounts are locked in ascending id order (PostgreSQL `FOR UPDATE`; SQLite's
//!    `BEGIN IMMEDIATE` already holds the write lock) and their balances read;
//! 3. the legs are checked: they sum to zero, and to zero within each kelurahan whose accounts
//!    they touch (money crosses between kelurahan only through their clearing accounts), and no
//!    account but a treasury or a clearing account ends below zero;
//! 4. the transfer is inserted (`ON CONFLICT DO NOTHING`: a concurrent twin that committed first
//!    wins, and this one answers its result), then the entries and the balances.
//!
//! Nothing is written before the checks pass, so a refused transfer leaves the unit of work
//! usable for what the caller does next (an answer to the resident). (In a batch, a twin that
//! commits between the checks and the insert is skipped; if leaving it out would break a
//! balance, the batch is refused after writing and its unit of work must be rolled back — the
//! stimulus's batches credit wallets from the treasury, which cannot happen to them.)

use super::{LedgerError, LedgerResult};
use crate::store::{stored_as_code, Account, Code, KelurahanId, Leg, TransferRecord, Tx};
use std::collections::{BTreeMap, HashMap};

/// What a transfer is, as stored and as `MUTASI` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransferKind {
    /// The daily stimulus, treasury → household wallet.
    Stimulus,
    /// A payment to a merchant (`BAYAR`, `TAGIHAN`, `PESAN`), with the social-fund share.
    Payment,
    /// A merchant's cash-out, till → treasury.
    Redeem,
    /// Credit put into a wallet by the kelurahan (set-up, tests).
    Topup,
    /// A gift to a swadaya campaign (`DONASI`).
    Donation,
    /// A campaign's money used, campaign → treasury.
    CampaignSpend,
    /// Cash paid in at the kelurahan office: treasury → household purse.
    Deposit,
    /// A resident paid for a service (`BAYAR JASA`): household → the provider's household
    /// purse, with the social-fund share.
    ServicePayment,
}

impl Code for TransferKind {
    const WHAT: &'static str = "transfer kind";
    const ALL: &'static [TransferKind] = &[
        TransferKind::Stimulus,
        TransferKind::Payment,
        TransferKind::Redeem,
        TransferKind::Topup,
        TransferKind::Donation,
        TransferKind::CampaignSpend,
        TransferKind::Deposit,
        TransferKind::ServicePayment,
    ];
    fn code(self) -> &'static str {
        match self {
            TransferKind::Stimulus => "stimulus",
            TransferKind::Payment => "payment",
            TransferKind::Redeem => "redeem",
            TransferKind::Topup => "topup",
            TransferKind::Donation => "donation",
            TransferKind::CampaignSpend => "campaign_spend",
            TransferKind::Deposit => "deposit",
            TransferKind::ServicePayment => "service_payment",
        }
    }
}

stored_as_code!(TransferKind);

/// A transfer to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTransfer<'a> {
    pub key: &'a str,
    pub kind: TransferKind,
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

/// Applies one transfer; a key already applied answers the first application's transfer.
pub async fn apply_transfer(tx: &mut Tx, t: &NewTransfer<'_>) -> LedgerResult<Applied> {
    let applied = apply_transfers(tx, std::slice::from_ref(t)).await?;
    if let Some(Some((id, legs))) = applied.into_iter().next() {
        return Ok(Applied {
            transfer: TransferRecord {
                id,
                key: t.key.to_string(),
                kind: t.kind,
                memo: t.memo.to_string(),
                created_at: t.now,
                legs,
            },
            fresh: true,
        });
    }
    let transfer = tx
        .transfer_by_key(t.key)
        .await?
        .ok_or(LedgerError::Unbalanced)?;
    Ok(Applied {
        transfer,
        fresh: false,
    })
}

/// Applies a batch of transfers with distinct keys. Answers, for each transfer in order, its new
/// id and merged legs, or `None` when its key had already been applied (nothing changed for it).
pub async fn apply_transfers(
    tx: &mut Tx,
    ts: &[NewTransfer<'_>],
) -> LedgerResult<Vec<Option<(i64, Vec<Leg>)>>> {
    let legs: Vec<Vec<Leg>> = ts.iter().map(merged_legs).collect::<LedgerResult<_>>()?;
    let mut out: Vec<Option<(i64, Vec<Leg>)>> = vec![None; ts.len()];
    // 1. The usual retry ends here.
    let keys: Vec<&str> = ts.iter().map(|t| t.key).collect();
    let used = tx.used_transfer_keys(&keys).await?;
    let mut todo: Vec<usize> = (0..ts.len())
        .filter(|&i| !used.contains(ts[i].key))
        .collect();
    if todo.is_empty() {
        return Ok(out);
    }
    // 2. Lock every account touched, in ascending id order.
    let mut ids: Vec<i64> = todo
        .iter()
        .flat_map(|&i| legs[i].iter().map(|l| l.account_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let accounts = tx.lock_accounts(&ids).await?;
    if accounts.len() != ids.len() {
        return Err(LedgerError::Unbalanced);
    }
    // A twin may have committed while this one waited for the locks.
    let keys: Vec<&str> = todo.iter().map(|&i| ts[i].key).collect();
    let used = tx.used_transfer_keys(&keys).await?;
    todo.retain(|&i| !used.contains(ts[i].key));
    if todo.is_empty() {
        return Ok(out);
    }
    // 3. Each kelurahan's legs sum to zero; no account but a treasury or clearing below zero.
    check_kelurahan_sums(&accounts, &legs, &todo)?;
    check_balances(&accounts, &legs, &todo)?;
    // 4. The transfers (a twin that committed first inserts nothing), then entries and balances.
    let rows: Vec<(&str, TransferKind, &str, i64)> = todo
        .iter()
        .map(|&i| (ts[i].key, ts[i].kind, ts[i].memo, ts[i].now))
        .collect();
    let inserted: HashMap<String, i64> = tx.insert_transfers(&rows).await?.into_iter().collect();
    let before = todo.len();
    todo.retain(|&i| inserted.contains_key(ts[i].key));
    if todo.len() != before {
        check_balances(&accounts, &legs, &todo)?;
    }
    let mut entries = Vec::new();
    let mut deltas: BTreeMap<i64, i64> = BTreeMap::new();
    for &i in &todo {
        let id = inserted[ts[i].key];
        for l in &legs[i] {
            entries.push((id, *l));
            *deltas.entry(l.account_id).or_insert(0) += l.amount;
        }
        out[i] = Some((id, legs[i].clone()));
    }
    tx.insert_entries(&entries).await?;
    let deltas: Vec<(i64, i64)> = deltas.into_iter().filter(|(_, d)| *d != 0).collect();
    tx.add_to_balances(&deltas).await?;
    Ok(out)
}

/// The legs of a transfer with those on one account merged and zero legs dropped; refused
/// unless they sum to zero (and there is something to move).
fn merged_legs(t: &NewTransfer<'_>) -> LedgerResult<Vec<Leg>> {
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
    Ok(per_account
        .into_iter()
        .map(|(account_id, amount)| Leg { account_id, amount })
        .collect())
}

/// Each transfer of `todo` sums to zero within each kelurahan whose accounts it touches.
fn check_kelurahan_sums(
    accounts: &[Account],
    legs: &[Vec<Leg>],
    todo: &[usize],
) -> LedgerResult<()> {
    let kelurahan: HashMap<i64, KelurahanId> =
        accounts.iter().map(|a| (a.id, a.kelurahan)).collect();
    for &i in todo {
        let mut sums: BTreeMap<KelurahanId, i64> = BTreeMap::new();
        for l in &legs[i] {
            let k = kelurahan
                .get(&l.account_id)
                .ok_or(LedgerError::Unbalanced)?;
            let s = sums.entry(*k).or_insert(0);
            *s = s.checked_add(l.amount).ok_or(LedgerError::Unbalanced)?;
        }
        if sums.values().any(|s| *s != 0) {
            return Err(LedgerError::Unbalanced);
        }
    }
    Ok(())
}

/// Every locked account's balance after the transfers `todo`: none below zero but a treasury or
/// a clearing account.
fn check_balances(accounts: &[Account], legs: &[Vec<Leg>], todo: &[usize]) -> LedgerResult<()> {
    let mut deltas: HashMap<i64, i64> = HashMap::new();
    for &i in todo {
        for l in &legs[i] {
            let d = deltas.entry(l.account_id).or_insert(0);
            *d = d.checked_add(l.amount).ok_or(LedgerError::Unbalanced)?;
        }
    }
    for a in accounts {
        let delta = deltas.get(&a.id).copied().unwrap_or(0);
        let after = a
            .balance
            .checked_add(delta)
            .ok_or(LedgerError::Unbalanced)?;
        if after < 0 && !a.kind.may_go_negative() {
            return Err(LedgerError::InsufficientFunds { balance: a.balance });
        }
    }
    Ok(())
}
