//! Seeding the registry directly, in batches: test fixtures. The
//! registry import (`gotong import registry`) is the real way in; this skips its checks.

use super::{Code, Db, HouseholdRecord, PersonRecord, Tx};
use crate::error::{StoreError, StoreResult};
use crate::parse::Sex;
use crate::registry::change::Ending;
use crate::registry::{Residence, Shdk};

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

impl Tx {
    /// Registers households `(no_kk, rt, rw)`; existing ones are kept.
    pub async fn seed_households(
        &mut self,
        households: &[(String, String, String)],
        now: i64,
    ) -> StoreResult<()> {
        let records: Vec<HouseholdRecord> = households
            .iter()
            .map(|(no_kk, rt, rw)| HouseholdRecord {
                no_kk: no_kk.clone(),
                rt: rt.clone(),
                rw: rw.clone(),
            })
            .collect();
        self.insert_households(&records, now).await
    }

    /// Registers persons (their households must exist) through the import's own insert, then
    /// records the deaths and moves out they come with.
    pub async fn seed_persons(&mut self, persons: &[SeedPerson], now: i64) -> StoreResult<()> {
        let records = persons
            .iter()
            .map(|p| {
                let bad = |what: &str| StoreError::Corrupt(format!("seed person: bad {what}"));
                Ok(PersonRecord {
                    nik: p.nik.clone(),
                    no_kk: p.no_kk.clone(),
                    name: p.name.clone(),
                    birth_date: super::persons::stored_date("birth_date", &p.birth_date)?,
                    sex: Sex::from_code(&p.sex).ok_or_else(|| bad("sex"))?,
                    shdk: Shdk::from_code(&p.shdk).ok_or_else(|| bad("shdk"))?,
                    residence: Residence::from_code(&p.residence)
                        .ok_or_else(|| bad("residence"))?,
                    phone: p.phone.clone(),
                    nik_mismatch: false,
                    line: None,
                })
            })
            .collect::<StoreResult<Vec<PersonRecord>>>()?;
        self.insert_persons(&records, now).await?;
        for p in persons {
            if let Some(on) = &p.died_on {
                self.end_membership(&p.nik, Ending::Death, on).await?;
            }
            if let Some(on) = &p.moved_out_on {
                self.end_membership(&p.nik, Ending::MoveOut, on).await?;
            }
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
