//! The stimulus's tables: which households of a kelurahan are due on a date, and each
//! kelurahan's totals of a date in `stimulus_runs`. The crediting itself is a batch of ledger
//! transfers (`ledger::stimulus`).

use crate::error::StoreResult;
use crate::registry::Residence;
use crate::store::{on_backend, Db, KelurahanId, Tx};

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
    /// Adds what a batch newly credited to this kelurahan's totals of `date` in `stimulus_runs`.
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

    /// Marks this kelurahan's run of `date` complete (every household due was credited).
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
    /// The households of `kelurahan` with members counting for the stimulus on `date`
    /// (`YYYY-MM-DD`) and not yet credited for it (no transfer under `key_prefix` + `no_kk`:
    /// the key is deployment-wide, like the KK number), by `no_kk`. Counting (the rule is
    /// `ledger::stimulus`'s): registered in this kelurahan, of residence `counts`, born on or
    /// before the date, not died and not moved out on or before it, and not arrived from another
    /// kelurahan on or after it (a person who came counts from the day after `arrived_on`, never
    /// on a day their old household may have been credited for them), nor made `TETAP` on or
    /// after it (`tetap_since`: an approved residence change counts from the next day, never
    /// retroactively). One grouped query.
    pub async fn stimulus_due(
        &self,
        kelurahan: KelurahanId,
        date: &str,
        counts: Residence,
        key_prefix: &str,
    ) -> StoreResult<Vec<StimulusDue>> {
        let rows: Vec<(String, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT g.no_kk, g.persons FROM (
                    SELECT no_kk, COUNT(*) AS persons FROM persons
                    WHERE kelurahan_id = $4 AND residence = $2 AND birth_date <= $1
                      AND (died_on IS NULL OR died_on > $1)
                      AND (moved_out_on IS NULL OR moved_out_on > $1)
                      AND (arrived_on IS NULL OR arrived_on < $1)
                      AND (tetap_since IS NULL OR tetap_since < $1)
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
            .bind(kelurahan)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(no_kk, persons)| StimulusDue { no_kk, persons })
            .collect())
    }

    /// The totals `kelurahan` credited for `date` so far, and whether its run completed.
    pub async fn stimulus_run(
        &self,
        kelurahan: KelurahanId,
        date: &str,
    ) -> StoreResult<Option<(StimulusTotals, bool)>> {
        let row: Option<(i64, i64, i64, Option<i64>)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT households, persons, amount, finished_at FROM stimulus_runs
                 WHERE run_date = $1 AND kelurahan_id = $2",
            )
            .bind(date)
            .bind(kelurahan)
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

    /// The kelurahan whose run of `date` has not completed (every kelurahan before it ran).
    pub async fn stimulus_unfinished(&self, date: &str) -> StoreResult<Vec<KelurahanId>> {
        Ok(on_backend!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT k.id FROM kelurahan k WHERE NOT EXISTS (
                    SELECT 1 FROM stimulus_runs r
                    WHERE r.kelurahan_id = k.id AND r.run_date = $1 AND r.finished_at IS NOT NULL
                 ) ORDER BY k.id",
            )
            .bind(date)
            .fetch_all(p)
            .await?
        }))
    }
}
