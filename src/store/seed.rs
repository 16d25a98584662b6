//! Seeding the registry directly, in batches: test fixtures and the stimulus benchmark. The
//! registry import (`gotong import registry`) is the real way in; this skips its checks.

use super::{on_backend, Db, Tx};
use crate::error::StoreResult;

/// A person to seed (the registry's columns that the ledger and the flows read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedPerson {
    pub nik: String,
    pub no_kk: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub sex: String,
    pub shdk: String,
    /// `TETAP` or `NON_PERMANEN`.
    pub residence: String,
    pub phone: Option<String>,
    pub died_on: Option<String>,
    pub moved_out_on: Option<String>,
}

const ROWS: usize = 1_000;

fn tuples(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (0..cols)
                .map(|c| format!("${}", r * cols + c + 1))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tx {
    /// Inserts households `(no_kk, rt, rw)`; existing ones are kept.
    pub async fn seed_households(
        &mut self,
        households: &[(String, String, String)],
        now: i64,
    ) -> StoreResult<()> {
        for chunk in households.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO households (no_kk, rt, rw, imported_at) VALUES {} ON CONFLICT (no_kk) DO NOTHING",
                tuples(chunk.len(), 4)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for (kk, rt, rw) in chunk {
                    q = q.bind(kk).bind(rt).bind(rw).bind(now);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    /// Inserts persons (their households must exist).
    pub async fn seed_persons(&mut self, persons: &[SeedPerson], now: i64) -> StoreResult<()> {
        for chunk in persons.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO persons (nik, no_kk, name, birth_date, sex, shdk, residence, phone,
                    died_on, moved_out_on, imported_at) VALUES {}",
                tuples(chunk.len(), 11)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for p in chunk {
                    q = q
                        .bind(&p.nik)
                        .bind(&p.no_kk)
                        .bind(&p.name)
                        .bind(&p.birth_date)
                        .bind(&p.sex)
                        .bind(&p.shdk)
                        .bind(&p.residence)
                        .bind(&p.phone)
                        .bind(&p.died_on)
                        .bind(&p.moved_out_on)
                        .bind(now);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }
}

impl Db {
    /// Seeds households and their persons, 10,000 persons per transaction.
    pub async fn seed_registry(
        &self,
        households: &[(String, String, String)],
        persons: &[SeedPerson],
        now: i64,
    ) -> StoreResult<()> {
        for chunk in households.chunks(10 * ROWS) {
            let mut tx = self.begin().await?;
            tx.seed_households(chunk, now).await?;
            tx.commit().await?;
        }
        for chunk in persons.chunks(10 * ROWS) {
            let mut tx = self.begin().await?;
            tx.seed_persons(chunk, now).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}
