//! Transfers as stored: headers under a UNIQUE idempotency key, insert-only entries, and the
//! balances they move. The order and the checks are `ledger::transfer`'s.

use super::{AccountId, Leg, TransferRecord, ROWS_PER_STATEMENT};
use crate::error::StoreResult;
use crate::ledger::transfer::TransferKind;
use crate::store::sql::list;
use crate::store::{on_backend, Backend, Db, Tx};

impl Tx {
    /// The transfer recorded under `key`, with its legs.
    pub async fn transfer_by_key(&mut self, key: &str) -> StoreResult<Option<TransferRecord>> {
        let row: Option<(i64, String, TransferKind, String, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT id, idempotency_key, kind, memo, created_at FROM ledger_transfers
                 WHERE idempotency_key = $1",
            )
            .bind(key)
            .fetch_optional(&mut **c)
            .await?
        });
        let Some((id, key, kind, memo, created_at)) = row else {
            return Ok(None);
        };
        let legs: Vec<(i64, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as("SELECT account_id, amount FROM ledger_entries WHERE transfer_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(Some(TransferRecord {
            id,
            key,
            kind,
            memo,
            created_at,
            legs: legs
                .into_iter()
                .map(|(account_id, amount)| Leg { account_id, amount })
                .collect(),
        }))
    }

    /// Which of `keys` are already the keys of transfers.
    pub async fn used_transfer_keys(
        &mut self,
        keys: &[&str],
    ) -> StoreResult<std::collections::HashSet<String>> {
        let mut used = std::collections::HashSet::new();
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let found: Vec<String> = match &mut self.conn {
                Backend::Sqlite(c) => {
                    let sql = format!(
                        "SELECT idempotency_key FROM ledger_transfers WHERE idempotency_key IN ({})",
                        list(chunk.len(), 1)
                    );
                    let mut q = sqlx::query_scalar(&sql);
                    for k in chunk {
                        q = q.bind(*k);
                    }
                    q.fetch_all(&mut **c).await?
                }
                // One array parameter: see the note in `ensure_wallets`.
                Backend::Postgres(c) => sqlx::query_scalar(
                    "SELECT idempotency_key FROM ledger_transfers WHERE idempotency_key = ANY($1)",
                )
                .bind(chunk)
                .fetch_all(&mut **c)
                .await?,
            };
            used.extend(found);
        }
        Ok(used)
    }

    /// Records transfers' headers `(key, kind, memo, at)`; a key already used inserts nothing.
    /// Answers `(key, id)` of those inserted.
    pub async fn insert_transfers(
        &mut self,
        rows: &[(&str, TransferKind, &str, i64)],
    ) -> StoreResult<Vec<(String, i64)>> {
        let mut inserted = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO ledger_transfers (idempotency_key, kind, memo, created_at) VALUES {}
                 ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key, id",
                crate::store::sql::values(chunk.len(), 4, 1)
            );
            let created: Vec<(String, i64)> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_as(&sql);
                for (key, kind, memo, at) in chunk {
                    q = q.bind(*key).bind(*kind).bind(*memo).bind(*at);
                }
                q.fetch_all(&mut **c).await?
            });
            inserted.extend(created);
        }
        Ok(inserted)
    }

    /// Appends entries `(transfer id, leg)`. Entries are never updated or deleted.
    pub async fn insert_entries(&mut self, entries: &[(i64, Leg)]) -> StoreResult<()> {
        for chunk in entries.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO ledger_entries (transfer_id, account_id, amount) VALUES {}",
                crate::store::sql::values(chunk.len(), 3, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for (t, leg) in chunk {
                    q = q.bind(*t).bind(leg.account_id).bind(leg.amount);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    /// Adds each delta to its account's balance (one statement per 1,000 accounts). The rows
    /// must have been locked with [`Tx::lock_accounts`] on PostgreSQL.
    pub async fn add_to_balances(&mut self, deltas: &[(AccountId, i64)]) -> StoreResult<()> {
        for chunk in deltas.chunks(ROWS_PER_STATEMENT) {
            // Both dialects name a VALUES list's columns column1, column2…
            let sql = format!(
                "UPDATE ledger_accounts SET balance = balance + v.column2
                 FROM (VALUES {}) AS v WHERE ledger_accounts.id = v.column1",
                crate::store::sql::values(chunk.len(), 2, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for (id, delta) in chunk {
                    q = q.bind(*id).bind(*delta);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }
}

impl Db {
    /// How many transfers were recorded under keys starting with `prefix` (tests).
    pub async fn transfers_with_prefix(&self, prefix: &str) -> StoreResult<i64> {
        let n = on_backend!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_transfers WHERE idempotency_key LIKE $1 || '%'",
            )
            .bind(prefix)
            .fetch_one(p)
            .await?
        });
        Ok(n)
    }
}
