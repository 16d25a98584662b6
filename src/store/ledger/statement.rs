//! A household's lines, newest first (`MUTASI`): its wallet and its purse together.

use super::{AccountId, AccountKind};
use crate::error::StoreResult;
use crate::ledger::transfer::TransferKind;
use crate::store::sql::list;
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

/// One transfer as seen from a household's accounts (`MUTASI`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    pub transfer_id: i64,
    pub kind: TransferKind,
    pub created_at: i64,
    /// Signed, for the accounts asked about together.
    pub amount: i64,
    pub party: Party,
    /// The day a stimulus credit is for (its key's date), which may be before the day it was
    /// booked (a run catching up after downtime).
    pub for_date: Option<chrono::NaiveDate>,
}

impl Tx {
    /// The last `limit` transfers touching any of `accounts` (a household's wallet and purse),
    /// newest first, each with its amount summed over those accounts and its other party: the
    /// largest leg on another account, never the clearing accounts that carry a payment between
    /// kelurahan (for a payment: the merchant, not the social fund's share).
    pub async fn statement(
        &mut self,
        accounts: &[AccountId],
        limit: i64,
    ) -> StoreResult<Vec<StatementLine>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let mine = list(accounts.len(), 2);
        let sql = format!(
            "SELECT t.id, t.kind, t.created_at, t.idempotency_key, CAST(SUM(e.amount) AS BIGINT)
             FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id
             WHERE e.account_id IN ({mine})
             GROUP BY t.id, t.kind, t.created_at, t.idempotency_key ORDER BY t.id DESC LIMIT $1"
        );
        let rows: Vec<(i64, TransferKind, i64, String, i64)> = on_backend!(&mut self.conn, c => {
            let mut q = sqlx::query_as(&sql).bind(limit);
            for a in accounts {
                q = q.bind(*a);
            }
            q.fetch_all(&mut **c).await?
        });
        let others_sql = format!(
            "SELECT a.kind, a.owner, m.name
             FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
             LEFT JOIN merchants m ON m.account_id = a.id
             WHERE e.transfer_id = $1 AND e.account_id NOT IN ({mine}) AND a.kind <> 'clearing'
             ORDER BY ABS(e.amount) DESC, e.id"
        );
        let mut out = Vec::with_capacity(rows.len());
        for (transfer_id, kind, created_at, key, amount) in rows {
            // The other legs, largest first: a payment's merchant before the social fund.
            let others: Vec<(AccountKind, String, Option<String>)> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_as(&others_sql).bind(transfer_id);
                for a in accounts {
                    q = q.bind(*a);
                }
                q.fetch_all(&mut **c).await?
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
                for_date: (kind == TransferKind::Stimulus)
                    .then(|| crate::ledger::keys::stimulus_date(&key))
                    .flatten(),
            });
        }
        Ok(out)
    }
}
