//! The ledger's invariants per kelurahan (issue 18): each kelurahan's ledger is whole on its
//! own, beside the deployment-wide audit ([`Db::ledger_audit`]).
//!
//! For one kelurahan: the sum of its accounts' balances is zero (its treasury and clearing
//! account carry the other side of what it issued and of what crossed to other kelurahan), no
//! account of it but those two is below zero, each balance is the sum of its entries, and every
//! transfer's entries on its accounts sum to zero (a payment between kelurahan passes through both
//! clearing accounts, so it balances within each kelurahan, not only overall).

use super::LedgerAudit;
use crate::error::StoreResult;
use crate::store::{on_backend, Db, KelurahanId};

/// The audit of the whole deployment and of each kelurahan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerAudits {
    pub deployment: LedgerAudit,
    /// Every kelurahan's, in the order they were added.
    pub kelurahan: Vec<(KelurahanId, LedgerAudit)>,
}

impl LedgerAudits {
    /// Every invariant holds, deployment-wide and in every kelurahan.
    pub fn hold(&self) -> bool {
        self.deployment == LedgerAudit::default()
            && self
                .kelurahan
                .iter()
                .all(|(_, a)| *a == LedgerAudit::default())
    }
}

impl Db {
    /// Recomputes the invariants of `kelurahan`'s ledger from scratch.
    pub async fn ledger_audit_of(&self, kelurahan: KelurahanId) -> StoreResult<LedgerAudit> {
        let (balance_sum, negative_accounts, balance_mismatches): (i64, i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(a.balance), 0) AS BIGINT),
                        CAST(COUNT(CASE WHEN a.kind NOT IN ('treasury', 'clearing') AND a.balance < 0 THEN 1 END) AS BIGINT),
                        CAST(COUNT(CASE WHEN a.balance <> (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id) THEN 1 END) AS BIGINT)
                 FROM ledger_accounts a WHERE a.kelurahan_id = $1",
            )
            .bind(kelurahan)
            .fetch_one(p)
            .await?
        });
        let unbalanced_transfers: i64 = on_backend!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM (
                    SELECT e.transfer_id FROM ledger_entries e
                    JOIN ledger_accounts a ON a.id = e.account_id
                    WHERE a.kelurahan_id = $1
                    GROUP BY e.transfer_id HAVING SUM(e.amount) <> 0
                 ) x",
            )
            .bind(kelurahan)
            .fetch_one(p)
            .await?
        });
        Ok(LedgerAudit {
            balance_sum,
            negative_accounts,
            balance_mismatches,
            unbalanced_transfers,
        })
    }

    /// The deployment's audit and every kelurahan's.
    pub async fn ledger_audits(&self) -> StoreResult<LedgerAudits> {
        let mut kelurahan = Vec::new();
        for k in self.kelurahan_list().await? {
            kelurahan.push((k.id, self.ledger_audit_of(k.id).await?));
        }
        Ok(LedgerAudits {
            deployment: self.ledger_audit().await?,
            kelurahan,
        })
    }
}
