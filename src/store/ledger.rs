//! The ledger's tables (`migrations/*/0004_ledger.sql`): accounts with their balances, insert-only
//! transfers and entries, merchants, stimulus runs and job leases.
//!
//! These are the building blocks; the rules (a wallet never negative, legs summing to zero, one
//! application per idempotency key, locking order) live in `crate::ledger`, which calls them
//! inside one unit of work. On PostgreSQL, [`Tx::lock_accounts`] takes the balance rows with
//! `SELECT … FOR UPDATE` in ascending id order, so two transfers never deadlock; on SQLite the
//! unit of work already holds the single write lock (`BEGIN IMMEDIATE`).

use super::{on_backend, Backend, Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::registry::Residence;

pub type AccountId = i64;

/// What an account is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// The issuer of the stimulus: the only account that may go negative. One.
    Treasury,
    /// A household's wallet, one per `no_kk`.
    Wallet,
    /// A merchant's till, one per merchant (separate from their household's wallet).
    Merchant,
    /// The social fund, fed by a share of every payment. One.
    SocialFund,
    /// A swadaya campaign, one per campaign.
    Campaign,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Treasury => "treasury",
            AccountKind::Wallet => "wallet",
            AccountKind::Merchant => "merchant",
            AccountKind::SocialFund => "social_fund",
            AccountKind::Campaign => "campaign",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        Some(match s {
            "treasury" => AccountKind::Treasury,
            "wallet" => AccountKind::Wallet,
            "merchant" => AccountKind::Merchant,
            "social_fund" => AccountKind::SocialFund,
            "campaign" => AccountKind::Campaign,
            _ => return None,
        })
    }

    /// Only the treasury may go below zero.
    pub fn may_go_negative(self) -> bool {
        self == AccountKind::Treasury
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub kind: AccountKind,
    /// `no_kk` of a wallet, code of a merchant, number of a campaign; empty for the singletons.
    pub owner: String,
    pub balance: i64,
}

/// One leg of a transfer: a signed amount on one account (+ credit, − debit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leg {
    pub account_id: AccountId,
    pub amount: i64,
}

/// A transfer as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferRecord {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub memo: String,
    pub created_at: i64,
    pub legs: Vec<Leg>,
}

/// A merchant (`POST /api/merchants`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    /// `W001`…
    pub code: String,
    /// The owner's NIK.
    pub nik: String,
    pub name: String,
    pub open: bool,
    pub account_id: AccountId,
}

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
    pub kind: String,
    pub created_at: i64,
    /// Signed, for this account.
    pub amount: i64,
    pub party: Party,
}

/// A household and how many of its members count for the stimulus on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StimulusDue {
    pub no_kk: String,
    pub persons: i64,
}

/// What a stimulus run credited (for one run, or the total of a date).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StimulusTotals {
    pub households: i64,
    pub persons: i64,
    pub amount: i64,
}

impl std::ops::AddAssign for StimulusTotals {
    fn add_assign(&mut self, o: Self) {
        self.households += o.households;
        self.persons += o.persons;
        self.amount += o.amount;
    }
}

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
    /// Accounts other than the treasury below zero: always 0.
    pub negative_accounts: i64,
    /// Accounts whose balance differs from the sum of their entries: always 0.
    pub balance_mismatches: i64,
    /// Transfers whose entries do not sum to zero: always 0.
    pub unbalanced_transfers: i64,
}

/// `$first, $first+1, …` (an `IN` list).
fn list(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_of(s: &str) -> StoreResult<AccountKind> {
    AccountKind::parse(s).ok_or_else(|| StoreError::Corrupt(format!("account kind {s:?}")))
}

const ACCOUNT_COLUMNS: &str = "id, kind, owner, balance";

fn account(row: (i64, String, String, i64)) -> StoreResult<Account> {
    Ok(Account {
        id: row.0,
        kind: kind_of(&row.1)?,
        owner: row.2,
        balance: row.3,
    })
}

fn merchant(row: (String, String, String, String, i64)) -> Merchant {
    Merchant {
        code: row.0,
        nik: row.1,
        name: row.2,
        open: row.3 == "open",
        account_id: row.4,
    }
}

const MERCHANT_COLUMNS: &str = "code, nik, name, status, account_id";

/// Rows per multi-row statement (SQLite allows 32,766 placeholders, PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 1_000;

impl Tx {
    /// The account of `kind` owned by `owner` (`""` for the treasury and the social fund).
    pub async fn account_by_owner(
        &mut self,
        kind: AccountKind,
        owner: &str,
    ) -> StoreResult<Option<Account>> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE kind = $1 AND owner = $2");
        let row: Option<(i64, String, String, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(kind.as_str()).bind(owner).fetch_optional(&mut **c).await?
        });
        row.map(account).transpose()
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
                "INSERT INTO ledger_accounts (kind, owner, balance, created_at) VALUES ($1, $2, 0, $3)
                 ON CONFLICT (kind, owner) DO NOTHING",
            )
            .bind(kind.as_str())
            .bind(owner)
            .bind(now)
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
        let rows: Vec<(i64, String, String, i64)> = match &mut self.conn {
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
        rows.into_iter().map(account).collect()
    }

    /// The transfer recorded under `key`, with its legs.
    pub async fn transfer_by_key(&mut self, key: &str) -> StoreResult<Option<TransferRecord>> {
        let row: Option<(i64, String, String, String, i64)> = on_backend!(&mut self.conn, c => {
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
        rows: &[(&str, &str, &str, i64)],
    ) -> StoreResult<Vec<(String, i64)>> {
        let mut inserted = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO ledger_transfers (idempotency_key, kind, memo, created_at) VALUES {}
                 ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key, id",
                super::sql::values(chunk.len(), 4, 1)
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
                super::sql::values(chunk.len(), 3, 1)
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
                super::sql::values(chunk.len(), 2, 1)
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

    pub async fn merchant(&mut self, code: &str) -> StoreResult<Option<Merchant>> {
        let sql = format!("SELECT {MERCHANT_COLUMNS} FROM merchants WHERE code = $1");
        let row = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(code).fetch_optional(&mut **c).await?
        });
        Ok(row.map(merchant))
    }

    pub async fn merchant_of_person(&mut self, nik: &str) -> StoreResult<Option<Merchant>> {
        let sql = format!("SELECT {MERCHANT_COLUMNS} FROM merchants WHERE nik = $1");
        let row = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(nik).fetch_optional(&mut **c).await?
        });
        Ok(row.map(merchant))
    }

    /// Registers a merchant under the next free code (`W001`, `W002`…) with a new till account.
    pub async fn insert_merchant(
        &mut self,
        nik: &str,
        name: &str,
        now: i64,
    ) -> StoreResult<Merchant> {
        let next: i64 = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(CAST(SUBSTR(code, 2) AS BIGINT)), 0) + 1 AS BIGINT) FROM merchants",
            )
            .fetch_one(&mut **c)
            .await?
        });
        let code = format!("W{next:03}");
        let account_id = self
            .ensure_account(AccountKind::Merchant, &code, now)
            .await?;
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO merchants (code, nik, name, status, account_id, created_at)
                 VALUES ($1, $2, $3, 'open', $4, $5)",
            )
            .bind(&code)
            .bind(nik)
            .bind(name)
            .bind(account_id)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(Merchant {
            code,
            nik: nik.to_string(),
            name: name.to_string(),
            open: true,
            account_id,
        })
    }

    pub async fn set_merchant_open(&mut self, code: &str, open: bool) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE merchants SET status = $1 WHERE code = $2")
                .bind(if open { "open" } else { "closed" })
                .bind(code)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    /// The last `limit` transfers touching `account`, newest first, each with its other party
    /// (for a payment: the merchant, not the social fund's share).
    pub async fn statement(
        &mut self,
        account: AccountId,
        limit: i64,
    ) -> StoreResult<Vec<StatementLine>> {
        let rows: Vec<(i64, String, i64, i64)> = on_backend!(&mut self.conn, c => {
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
            let others: Vec<(String, String, Option<String>)> = on_backend!(&mut self.conn, c => {
                sqlx::query_as(
                    "SELECT a.kind, a.owner, m.name
                     FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                     LEFT JOIN merchants m ON m.account_id = a.id
                     WHERE e.transfer_id = $1 AND e.account_id <> $2
                     ORDER BY ABS(e.amount) DESC, e.id",
                )
                .bind(transfer_id)
                .bind(account)
                .fetch_all(&mut **c)
                .await?
            });
            let party = match others.into_iter().next() {
                Some((kind, owner, name)) => match kind_of(&kind)? {
                    AccountKind::Treasury => Party::Treasury,
                    AccountKind::SocialFund => Party::SocialFund,
                    AccountKind::Merchant => Party::Merchant {
                        name: name.unwrap_or_else(|| owner.clone()),
                        code: owner,
                    },
                    AccountKind::Wallet => Party::Wallet { no_kk: owner },
                    AccountKind::Campaign => Party::Campaign { number: owner },
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
                "INSERT INTO ledger_accounts (kind, owner, balance, created_at) VALUES {}
                 ON CONFLICT (kind, owner) DO NOTHING",
                super::sql::values(chunk.len(), 4, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for kk in chunk {
                    q = q.bind(AccountKind::Wallet.as_str()).bind(*kk).bind(0_i64).bind(now);
                }
                q.execute(&mut **c).await?;
            });
            let wallets: Vec<(i64, String)> =
                match &mut self.conn {
                    Backend::Sqlite(c) => {
                        let sql = format!(
                        "SELECT id, owner FROM ledger_accounts WHERE kind = $1 AND owner IN ({})",
                        list(chunk.len(), 2)
                    );
                        let mut q = sqlx::query_as(&sql).bind(AccountKind::Wallet.as_str());
                        for kk in chunk {
                            q = q.bind(*kk);
                        }
                        q.fetch_all(&mut **c).await?
                    }
                    // One array parameter, not a list of a thousand: after five runs PostgreSQL plans
                    // a prepared statement generically, and for a long `IN ($1, …)` list that plan
                    // walked the primary key over every wallet, seconds per unit of work once there
                    // were 100,000 of them (`gotong bench --scenario stimulus`).
                    Backend::Postgres(c) => sqlx::query_as(
                        "SELECT id, owner FROM ledger_accounts WHERE kind = $1 AND owner = ANY($2)",
                    )
                    .bind(AccountKind::Wallet.as_str())
                    .bind(chunk)
                    .fetch_all(&mut **c)
                    .await?,
                };
            ids.extend(wallets.into_iter().map(|(id, kk)| (kk, id)));
        }
        Ok(ids)
    }

    /// Adds what a batch newly credited to the totals of `date` in `stimulus_runs`.
    pub async fn add_stimulus_totals(
        &mut self,
        date: &str,
        totals: StimulusTotals,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO stimulus_runs (run_date, households, persons, amount, started_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (run_date) DO UPDATE SET
                    households = stimulus_runs.households + excluded.households,
                    persons = stimulus_runs.persons + excluded.persons,
                    amount = stimulus_runs.amount + excluded.amount",
            )
            .bind(date)
            .bind(totals.households)
            .bind(totals.persons)
            .bind(totals.amount)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Marks the run of `date` complete (every household due was credited).
    pub async fn finish_stimulus_run(&mut self, date: &str, now: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO stimulus_runs (run_date, started_at, finished_at) VALUES ($1, $2, $2)
                 ON CONFLICT (run_date) DO UPDATE SET finished_at = excluded.finished_at",
            )
            .bind(date)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Claims the lease of job `name` for `owner` until `lease_until`, if it is free, expired or
    /// already `owner`'s. Several servers may try at once: one gets it.
    pub async fn claim_job(
        &mut self,
        name: &str,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let row: Option<String> = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO job_leases (name, owner, lease_until) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
                 WHERE job_leases.lease_until < $4 OR job_leases.owner = excluded.owner
                 RETURNING owner",
            )
            .bind(name)
            .bind(owner)
            .bind(lease_until)
            .bind(now)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.is_some())
    }

    /// Gives the lease back (if still `owner`'s).
    pub async fn release_job(&mut self, name: &str, owner: &str) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE job_leases SET lease_until = 0 WHERE name = $1 AND owner = $2")
                .bind(name)
                .bind(owner)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}

impl Db {
    /// Households with members counting for the stimulus on `date` (`YYYY-MM-DD`) and not yet
    /// credited for it (no transfer under `key_prefix` + `no_kk`), by `no_kk`. Counting (the rule
    /// is `ledger::stimulus`'s): of residence `counts`, born on or before the date, not died and
    /// not moved out on or before it. One grouped query.
    pub async fn stimulus_due(
        &self,
        date: &str,
        counts: Residence,
        key_prefix: &str,
    ) -> StoreResult<Vec<StimulusDue>> {
        let rows: Vec<(String, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT g.no_kk, g.persons FROM (
                    SELECT no_kk, COUNT(*) AS persons FROM persons
                    WHERE residence = $2 AND birth_date <= $1
                      AND (died_on IS NULL OR died_on > $1)
                      AND (moved_out_on IS NULL OR moved_out_on > $1)
                    GROUP BY no_kk
                 ) g
                 WHERE NOT EXISTS (
                    SELECT 1 FROM ledger_transfers t
                    WHERE t.idempotency_key = $3 || g.no_kk
                 )
                 ORDER BY g.no_kk",
            )
            .bind(date)
            .bind(counts)
            .bind(key_prefix)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(no_kk, persons)| StimulusDue { no_kk, persons })
            .collect())
    }

    /// The totals credited for `date` so far, and whether a run completed.
    pub async fn stimulus_run(&self, date: &str) -> StoreResult<Option<(StimulusTotals, bool)>> {
        let row: Option<(i64, i64, i64, Option<i64>)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT households, persons, amount, finished_at FROM stimulus_runs WHERE run_date = $1",
            )
            .bind(date)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(|(households, persons, amount, finished)| {
            (
                StimulusTotals {
                    households,
                    persons,
                    amount,
                },
                finished.is_some(),
            )
        }))
    }

    pub async fn ledger_stats(&self) -> StoreResult<LedgerStats> {
        let (stimulus, payments, payments_amount, redeemed): (i64, i64, i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT
                    CAST(COALESCE(SUM(CASE WHEN t.kind = 'stimulus' THEN e.amount END), 0) AS BIGINT),
                    CAST(COUNT(DISTINCT CASE WHEN t.kind = 'payment' THEN t.id END) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN t.kind = 'payment' THEN e.amount END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN t.kind = 'redeem' THEN e.amount END), 0) AS BIGINT)
                 FROM ledger_transfers t JOIN ledger_entries e ON e.transfer_id = t.id
                 WHERE e.amount > 0 AND t.kind IN ('stimulus', 'payment', 'redeem')",
            )
            .fetch_one(p)
            .await?
        });
        let social: i64 = on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT balance FROM ledger_accounts WHERE kind = 'social_fund' AND owner = ''")
                .fetch_optional(p)
                .await?
                .unwrap_or(0)
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
                        CAST(COUNT(CASE WHEN kind <> 'treasury' AND balance < 0 THEN 1 END) AS BIGINT)
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

    /// An account's balance (0 if it does not exist).
    pub async fn balance_of(&self, kind: AccountKind, owner: &str) -> StoreResult<i64> {
        let b: Option<i64> = on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT balance FROM ledger_accounts WHERE kind = $1 AND owner = $2")
                .bind(kind.as_str())
                .bind(owner)
                .fetch_optional(p)
                .await?
        });
        Ok(b.unwrap_or(0))
    }
}
