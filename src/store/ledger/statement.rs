//! One account's lines, newest first (`MUTASI`).

use super::{AccountId, AccountKind};
use crate::error::StoreResult;
use crate::ledger::transfer::TransferKind;
use crate::store::{on_backend, Tx};

/// The other side of a statement line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Party {
    Treasury,
    SocialFund,
    Merchant { code: String, name: String },
    Wallet { no_kk: String },
    Campaign { number: String },
}

/// One transfer as seen from one account (`MUTASI`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    pub transfer_id: i64,
    pub kind: TransferKind,
    pub created_at: i64,
    /// Signed, for this account.
    pub amount: i64,
    pub party: Party,
}

impl Tx {
    /// The last `limit` transfers touching `account`, newest first, each with its other party
    /// (for a payment: the merchant, not the social fund's share).
    pub async fn statement(
        &mut self,
        account: AccountId,
        limit: i64,
    ) -> StoreResult<Vec<StatementLine>> {
        let rows: Vec<(i64, TransferKind, i64, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT t.id, t.kind, t.created_at, e.amount
                 FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id
                 WHERE e.account_id = $1 ORDER BY t.id DESC LIMIT $2",
            )
            .bind(account)
            .bind(limit)
            .fetch_all(&mut **c)
            .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for (transfer_id, kind, created_at, amount) in rows {
            // The other legs, largest first: a payment's merchant before the social fund.
            let others: Vec<(AccountKind, String, Option<String>)> = on_backend!(&mut self.conn, c => {
                sqlx::query_as(
                    "SELECT a.kind, a.owner, m.name
                     FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                     LEFT JOIN merchants m ON m.account_id = a.id
                     WHERE e.transfer_id = $1 AND e.account_id <> $2 AND a.kind <> 'clearing'
                     ORDER BY ABS(e.amount) DESC, e.id",
                )
                .bind(transfer_id)
                .bind(account)
                .fetch_all(&mut **c)
                .await?
            });
            let party = match others.into_iter().next() {
                Some((kind, owner, name)) => match kind {
                    AccountKind::Treasury => Party::Treasury,
                    AccountKind::SocialFund => Party::SocialFund,
                    AccountKind::Merchant => Party::Merchant {
                        name: name.unwrap_or_else(|| owner.clone()),
                        code: owner,
                    },
                    AccountKind::Wallet | AccountKind::Purse => Party::Wallet { no_kk: owner },
                    AccountKind::Campaign => Party::Campaign { number: owner },
                    // Not selected above: the clearing legs only carry a payment between kelurahan.
                    AccountKind::Clearing => Party::Treasury,
                },
                None => Party::Treasury,
            };
            out.push(StatementLine {
                transfer_id,
                kind,
                created_at,
                amount,
                party,
            });
        }
        Ok(out)
    }
}
