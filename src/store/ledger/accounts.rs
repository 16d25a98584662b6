//! Accounts: found by owner, created on demand, locked for a transfer.
//!
//! Every account belongs to one kelurahan's ledger (`UNIQUE (kelurahan_id, kind, owner)`): the
//! unit of work finds and creates the accounts of the kelurahan it acts for. The one way to an
//! account of another kelurahan is [`Tx::account_of_kelurahan`] (a payment to another
//! kelurahan's merchant credits that kelurahan's clearing account and social fund).

use super::{
    account, Account, AccountId, AccountKind, AccountRow, ACCOUNT_COLUMNS, ROWS_PER_STATEMENT,
};
use crate::error::{StoreError, StoreResult};
use crate::store::sql::list;
use crate::store::{on_backend, Backend, Db, KelurahanId, Tx};

impl Tx {
    /// This kelurahan's account of `kind` owned by `owner` (`""` for the treasury, the social
    /// fund and the clearing account).
    pub async fn account_by_owner(
        &mut self,
        kind: AccountKind,
        owner: &str,
    ) -> StoreResult<Option<Account>> {
        let k = self.kelurahan;
        self.account_of_kelurahan(k, kind, owner).await
    }

    /// The account of `kind` owned by `owner` in **another** kelurahan's ledger `kelurahan`
    /// (for a payment between kelurahan: the payee's clearing account and social fund).
    pub async fn account_of_kelurahan(
        &mut self,
        kelurahan: KelurahanId,
        kind: AccountKind,
        owner: &str,
    ) -> StoreResult<Option<Account>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE kind = $1 AND owner = $2 AND kelurahan_id = $3"
        );
        let row: Option<AccountRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(kind.as_str()).bind(owner).bind(kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(account))
    }

    /// The id of the account of `kind` owned by `owner`, created (balance 0) if absent.
    pub async fn ensure_account(
        &mut self,
        kind: AccountKind,
        owner: &str,
        now: i64,
    ) -> StoreResult<AccountId> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO ledger_accounts (kind, owner, balance, created_at, kelurahan_id) VALUES ($1, $2, 0, $3, $4)
                 ON CONFLICT (kelurahan_id, kind, owner) DO NOTHING",
            )
            .bind(kind.as_str())
            .bind(owner)
            .bind(now)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        match self.account_by_owner(kind, owner).await? {
            Some(a) => Ok(a.id),
            None => Err(StoreError::Corrupt(format!(
                "account {} {owner} vanished",
                kind.as_str()
            ))),
        }
    }

    /// Reads these accounts for an update: on PostgreSQL their rows are locked (`FOR UPDATE`) in
    /// ascending id order, the one order every transfer uses. Answers in ascending id order.
    pub async fn lock_accounts(&mut self, ids: &[AccountId]) -> StoreResult<Vec<Account>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let base = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id IN ({}) ORDER BY id",
            list(sorted.len(), 1)
        );
        let rows: Vec<AccountRow> = match &mut self.conn {
            Backend::Sqlite(c) => {
                let mut q = sqlx::query_as(&base);
                for id in &sorted {
                    q = q.bind(*id);
                }
                q.fetch_all(&mut **c).await?
            }
            // One array parameter, for the plan's sake (see `ensure_wallets`).
            Backend::Postgres(c) => {
                let sql = format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE"
                );
                sqlx::query_as(&sql)
                    .bind(&sorted)
                    .fetch_all(&mut **c)
                    .await?
            }
        };
        Ok(rows.into_iter().map(account).collect())
    }

    /// The wallet ids of households `owners` (`no_kk`), each created (balance 0) if absent, in
    /// one statement per 1,000 households; answered by `no_kk`.
    pub async fn ensure_wallets(
        &mut self,
        owners: &[&str],
        now: i64,
    ) -> StoreResult<std::collections::HashMap<String, AccountId>> {
        let mut ids = std::collections::HashMap::with_capacity(owners.len());
        for chunk in owners.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO ledger_accounts (kind, owner, balance, created_at, kelurahan_id) VALUES {}
                 ON CONFLICT (kelurahan_id, kind, owner) DO NOTHING",
                crate::store::sql::values(chunk.len(), 5, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for kk in chunk {
                    q = q
                        .bind(AccountKind::Wallet.as_str())
                        .bind(*kk)
                        .bind(0_i64)
                        .bind(now)
                        .bind(self.kelurahan);
                }
                q.execute(&mut **c).await?;
            });
            let wallets: Vec<(i64, String)> =
                match &mut self.conn {
                    Backend::Sqlite(c) => {
                        let sql = format!(
                        "SELECT id, owner FROM ledger_accounts WHERE kind = $1 AND kelurahan_id = $2 AND owner IN ({})",
                        list(chunk.len(), 3)
                    );
                        let mut q = sqlx::query_as(&sql)
                            .bind(AccountKind::Wallet.as_str())
                            .bind(self.kelurahan);
                        for kk in chunk {
                            q = q.bind(*kk);
                        }
                        q.fetch_all(&mut **c).await?
                    }
                    // One array parameter, not a list of a thousand: after five runs PostgreSQL plans
                    // a prepared statement generically, and for a long `IN ($1, …)` list that plan
                    // walked the primary key over every wallet, seconds per unit of work once there
                    // were 100,000 of them (`gotong bench --scenario stimulus`). And the array drives
                    // the join: a generic plan guesses 10 elements for `owner = ANY($2)`, and made
                    // while the table was still small it filtered a scan of every wallet with the
                    // 1,000 owners (0.3 s per unit of work at 50,000 wallets, growing); from the
                    // array, the worst plan scans the wallets once.
                    Backend::Postgres(c) => sqlx::query_as(
                        "SELECT a.id, a.owner FROM unnest($2::text[]) AS o(owner)
                         JOIN ledger_accounts a ON a.owner = o.owner AND a.kind = $1 AND a.kelurahan_id = $3",
                    )
                    .bind(AccountKind::Wallet.as_str())
                    .bind(chunk)
                    .bind(self.kelurahan)
                    .fetch_all(&mut **c)
                    .await?,
                };
            ids.extend(wallets.into_iter().map(|(id, kk)| (kk, id)));
        }
        Ok(ids)
    }
}

impl Db {
    /// Deployment-wide: the balance of the accounts of `kind` owned by `owner` in every
    /// kelurahan (0 if none). A wallet, purse, till or campaign has one owner in the whole
    /// deployment (KK numbers, merchant codes and proposal numbers are deployment-wide), so this
    /// is its balance; for the treasury, the social fund and the clearing account (owner `""`)
    /// it is their sum over the kelurahan ([`Db::balance_in`] for one).
    pub async fn balance_of(&self, kind: AccountKind, owner: &str) -> StoreResult<i64> {
        let b: i64 = on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM ledger_accounts WHERE kind = $1 AND owner = $2")
                .bind(kind.as_str())
                .bind(owner)
                .fetch_one(p)
                .await?
        });
        Ok(b)
    }

    /// The balance of `kelurahan`'s account of `kind` owned by `owner` (0 if it does not exist).
    pub async fn balance_in(
        &self,
        kelurahan: KelurahanId,
        kind: AccountKind,
        owner: &str,
    ) -> StoreResult<i64> {
        let b: Option<i64> = on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT balance FROM ledger_accounts WHERE kind = $1 AND owner = $2 AND kelurahan_id = $3")
                .bind(kind.as_str())
                .bind(owner)
                .bind(kelurahan)
                .fetch_optional(p)
                .await?
        });
        Ok(b.unwrap_or(0))
    }
}
