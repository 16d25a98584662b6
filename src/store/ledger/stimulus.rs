//! The stimulus's tables: which households are due on a date, and each date's totals in
//! `stimulus_runs`. The crediting itself is a batch of ledger transfers (`ledger::stimulus`).

use crate::error::StoreResult;
use crate::registry::Residence;
use crate::store::{on_backend, Db, Tx};

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

impl Tx {
    /// Adds what a batch newly credited to the totals of `date` in `stimulus_runs`.
    pub async fn add_stimulus_totals(
        &mut self,
        date: &str,
        totals: StimulusTotals,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO stimulus_runs (run_date, households, persons, amount, started_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (kelurahan_id, run_date) DO UPDATE SET
                    households = stimulus_runs.households + excluded.households,
                    persons = stimulus_runs.persons + excluded.persons,
                    amount = stimulus_runs.amount + excluded.amount",
            )
            .bind(date)
            .bind(totals.households)
            .bind(totals.persons)
            .bind(totals.amount)
            .bind(now)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Marks the run of `date` complete (every household due was credited).
    pub async fn finish_stimulus_run(&mut self, date: &str, now: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO stimulus_runs (run_date, started_at, finished_at, kelurahan_id) VALUES ($1, $2, $2, $3)
                 ON CONFLICT (kelurahan_id, run_date) DO UPDATE SET finished_at = excluded.finished_at",
            )
            .bind(date)
            .bind(now)
            .bind(self.kelurahan)
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
}
