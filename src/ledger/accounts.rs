//! The accounts the flows and runs need, by what they belong to.

use crate::error::{StoreError, StoreResult};
use crate::store::{Account, AccountId, AccountKind, Tx};

/// The treasury (created by the migration).
pub async fn treasury(tx: &mut Tx) -> StoreResult<AccountId> {
    singleton(tx, AccountKind::Treasury).await
}

/// The social fund (created by the migration).
pub async fn social_fund(tx: &mut Tx) -> StoreResult<AccountId> {
    singleton(tx, AccountKind::SocialFund).await
}

async fn singleton(tx: &mut Tx, kind: AccountKind) -> StoreResult<AccountId> {
    tx.account_by_owner(kind, "")
        .await?
        .map(|a| a.id)
        .ok_or_else(|| StoreError::Corrupt(format!("the {} account is missing", kind.as_str())))
}

/// A household's wallet, created empty on first use.
pub async fn wallet(tx: &mut Tx, no_kk: &str, now: i64) -> StoreResult<AccountId> {
    tx.ensure_account(AccountKind::Wallet, no_kk, now).await
}

/// A household's balance (0 before its first credit).
pub async fn wallet_balance(tx: &mut Tx, no_kk: &str) -> StoreResult<i64> {
    Ok(tx
        .account_by_owner(AccountKind::Wallet, no_kk)
        .await?
        .map(|a: Account| a.balance)
        .unwrap_or(0))
}
