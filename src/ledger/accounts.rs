//! The accounts the flows and runs need, by what they belong to: this kelurahan's (the unit of
//! work's), or, for a payment between kelurahan, another kelurahan's ([`of_kelurahan`]).

use crate::error::{StoreError, StoreResult};
use crate::store::{Account, AccountId, AccountKind, KelurahanId, Tx};

/// This kelurahan's treasury (created with the kelurahan).
pub async fn treasury(tx: &mut Tx) -> StoreResult<AccountId> {
    let k = tx.kelurahan();
    of_kelurahan(tx, k, AccountKind::Treasury).await
}

/// This kelurahan's social fund (created with the kelurahan).
pub async fn social_fund(tx: &mut Tx) -> StoreResult<AccountId> {
    let k = tx.kelurahan();
    of_kelurahan(tx, k, AccountKind::SocialFund).await
}

/// The singleton `kind` (treasury, social fund, clearing account) of `kelurahan`, which may be
/// another than the unit of work's.
pub async fn of_kelurahan(
    tx: &mut Tx,
    kelurahan: KelurahanId,
    kind: AccountKind,
) -> StoreResult<AccountId> {
    tx.account_of_kelurahan(kelurahan, kind, "")
        .await?
        .map(|a| a.id)
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "the {} account of kelurahan {kelurahan} is missing",
                kind.as_str()
            ))
        })
}

/// A household's wallet, created empty on first use.
pub async fn wallet(tx: &mut Tx, no_kk: &str, now: i64) -> StoreResult<AccountId> {
    tx.ensure_account(AccountKind::Wallet, no_kk, now).await
}

/// A household wallet's balance: its stimulus credit (0 before its first credit).
pub async fn wallet_balance(tx: &mut Tx, no_kk: &str) -> StoreResult<i64> {
    Ok(tx
        .account_by_owner(AccountKind::Wallet, no_kk)
        .await?
        .map(|a: Account| a.balance)
        .unwrap_or(0))
}
