//! Money put into a household's purse at the kelurahan office
//! (`POST /api/wallets/{no_kk}/deposit`): the resident pays cash to the officer, and the purse
//! is credited from the kelurahan's treasury (which holds the cash's other side). Unlike the
//! stimulus in the wallet, the purse's money may travel: it pays merchants of any kelurahan
//! ([`super::funds`]).
//!
//! One transfer treasury → purse under the officer's `Idempotency-Key` ([`super::keys::deposit`]),
//! so a retried call deposits once; only a household of this kelurahan; audited.

use super::accounts::treasury;
use super::funds::{funds, Funds};
use super::transfer::{apply_transfer, NewTransfer, TransferKind};
use super::{LedgerError, LedgerResult};
use crate::store::{AccountKind, Leg, TransferRecord, Tx};
use crate::text::gsm7::to_gsm7_lossy;

/// Longest memo kept with a deposit.
pub const MAX_MEMO_CHARS: usize = 120;

/// What a deposit did (for a repeated key, what the first one did).
#[derive(Clone, Debug)]
pub struct Deposited {
    pub transfer: TransferRecord,
    pub fresh: bool,
    /// The household's funds after it.
    pub funds: Funds,
}

/// Deposits `amount` into household `no_kk`'s purse under `key`, as `actor` (audited).
pub async fn deposit(
    tx: &mut Tx,
    actor: &str,
    no_kk: &str,
    amount: i64,
    memo: &str,
    key: &str,
    now: i64,
) -> LedgerResult<Deposited> {
    if amount <= 0 || amount > crate::parse::amount::MAX_AMOUNT {
        return Err(LedgerError::InvalidAmount);
    }
    let memo = to_gsm7_lossy(&memo.split_whitespace().collect::<Vec<_>>().join(" "));
    if memo.chars().count() > MAX_MEMO_CHARS {
        return Err(LedgerError::InvalidMemo {
            max: MAX_MEMO_CHARS,
        });
    }
    let no_kk = no_kk.trim();
    if tx.kelurahan_of_household(no_kk).await? != Some(tx.kelurahan()) {
        return Err(LedgerError::UnknownHousehold);
    }
    let purse = tx.ensure_account(AccountKind::Purse, no_kk, now).await?;
    let treasury = treasury(tx).await?;
    let applied = apply_transfer(
        tx,
        &NewTransfer {
            key,
            kind: TransferKind::Deposit,
            memo: &memo,
            legs: vec![
                Leg {
                    account_id: treasury,
                    amount: -amount,
                },
                Leg {
                    account_id: purse,
                    amount,
                },
            ],
            now,
        },
    )
    .await?;
    let funds = funds(tx, no_kk).await?;
    if applied.fresh {
        let after = serde_json::json!({
            "amount": amount,
            "memo": memo,
            "purse": funds.purse,
            "transfer": applied.transfer.id,
        });
        tx.audit(actor, "purse.deposit", no_kk, None, Some(&after), now)
            .await?;
    }
    Ok(Deposited {
        transfer: applied.transfer,
        fresh: applied.fresh,
        funds,
    })
}
