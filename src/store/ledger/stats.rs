//! The ledger's figures for `/api/stats`, and the audit of its invariants over every account.

use crate::error::StoreResult;
use crate::store::sql::in_scope;
use crate::store::{on_backend, Db, KelurahanId};

/// The ledger's KPIs for `/api/stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct LedgerStats {
    /// Rupiah credited by the stimulus, all dates.
    pub stimulus_issued: i64,
    /// Payments to merchants (count and rupiah).
    pub payments: i64,
    pub payments_amount: i64,
    pub social_fund_balance: i64,
    /// Rupiah merchants cashed out.
    pub redeemed_amount: i64,
    /// Payment volume ÷ stimulus issued (0 before any stimulus).
    pub velocity: f64,
    /// Share of the stimulus issued that merchants have redeemed (0 … 1).
    pub share_redeemed: f64,
}

/// Checks over the whole ledger (tests, and a future `gotong check --ledger`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LedgerAudit {
    /// Sum of all balances: always 0.
    pub balance_sum: i64,
    /// Accounts below zero other than the treasury and the clearing account: always 0.
    pub negative_accounts: i64,
    /// Accounts whose balance differs from the sum of their entries: always 0.
    pub balance_mismatches: i64,
    /// Transfers whose entries do not sum to zero: always 0.
    pub unbalanced_transfers: i64,
}

/// What a kelurahan's accounts received: stimulus (rupiah), payments (count, rupiah),
/// redemptions (rupiah), the columns over [`RECEIVED`].
pub(crate) const RECEIVED_FIGURES: &str = "
    CAST(COALESCE(SUM(CASE WHEN t.kind = 'stimulus' THEN e.amount END), 0) AS BIGINT),
    CAST(COUNT(DISTINCT CASE WHEN t.kind = 'payment' THEN t.id END) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN t.kind = 'payment' THEN e.amount END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN t.kind = 'redeem' THEN e.amount END), 0) AS BIGINT)";

/// The credits of the stimulus, payments and redemptions to accounts (`a`), clearing accounts
/// (the other side of payments between kelurahan) left out; a query adds `AND` its scope.
pub(crate) const RECEIVED: &str = "FROM ledger_transfers t
     JOIN ledger_entries e ON e.transfer_id = t.id
     JOIN ledger_accounts a ON a.id = e.account_id
     WHERE e.amount > 0 AND t.kind IN ('stimulus', 'payment', 'redeem') AND a.kind <> 'clearing'";

impl Db {
    /// The ledger's KPIs: of one kelurahan, or of the whole deployment (`None`). A kelurahan's
    /// figures are what reached its accounts: the stimulus credited to its wallets, the payments
    /// its merchants (and its social fund) received, what its merchants cashed out. Clearing
    /// accounts (the other side of payments between kelurahan) are left out, so the
    /// deployment's figures are the sum of its kelurahan's.
    pub async fn ledger_stats(&self, scope: Option<KelurahanId>) -> StoreResult<LedgerStats> {
        let sql = format!(
            "SELECT {RECEIVED_FIGURES} {RECEIVED} AND {}",
            in_scope("a.kelurahan_id", 1)
        );
        let (stimulus, payments, payments_amount, redeemed): (i64, i64, i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql).bind(scope).fetch_one(p).await?
        });
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM ledger_accounts
             WHERE kind = 'social_fund' AND owner = '' AND {}",
            in_scope("kelurahan_id", 1)
        );
        let social: i64 = on_backend!(&self.pool, p => {
            sqlx::query_scalar(&sql).bind(scope).fetch_one(p).await?
        });
        let ratio = |a: i64| {
            if stimulus > 0 {
                a as f64 / stimulus as f64
            } else {
                0.0
            }
        };
        Ok(LedgerStats {
            stimulus_issued: stimulus,
            payments,
            payments_amount,
            social_fund_balance: social,
            redeemed_amount: redeemed,
            velocity: ratio(payments_amount),
            share_redeemed: ratio(redeemed),
        })
    }

    /// Recomputes the ledger's invariants from scratch.
    pub async fn ledger_audit(&self) -> StoreResult<LedgerAudit> {
        let (balance_sum, negative_accounts): (i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT),
                        CAST(COUNT(CASE WHEN kind NOT IN ('treasury', 'clearing') AND balance < 0 THEN 1 END) AS BIGINT)
                 FROM ledger_accounts",
            )
            .fetch_one(p)
            .await?
        });
        let balance_mismatches: i64 = on_backend!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_accounts a
                 WHERE a.balance <> (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)",
            )
            .fetch_one(p)
            .await?
        });
        let unbalanced_transfers: i64 = on_backend!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM (
                    SELECT t.id FROM ledger_transfers t LEFT JOIN ledger_entries e ON e.transfer_id = t.id
                    GROUP BY t.id HAVING COALESCE(SUM(e.amount), 0) <> 0 OR COUNT(e.id) = 0
                 ) x",
            )
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
}
