//! The store's side of the test kit (`crate::testing::kelurahan`, feature `testkit`): the
//! registry written with the import's own inserts but without its checks (tests need households
//! the import would refuse: no head, deaths and moves already recorded), and links and contacts
//! for many phones at once (the benchmarks link 100,000). The SQL stays here, beside the store's
//! other statements, so no test or benchmark writes to a table itself.

use super::{on_backend, Code, Db, HouseholdRecord, PersonRecord, Tx};
use crate::error::{StoreError, StoreResult};
use crate::message::Channel;
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

/// Who the test kit links phones to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Among {
    /// Every person.
    Everyone,
    /// Heads of household.
    Heads,
    /// Heads of `TETAP` households (the ones the stimulus credits).
    PermanentHeads,
}

/// A phone as the test kit makes it known: the channel it writes on and when it last wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedContact {
    pub phone: String,
    pub channel: Channel,
    pub last_inbound_at: i64,
}

/// Rows per multi-row statement: at most 4 parameters a row here, well under both backends'
/// parameter limits.
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
        self.insert_households(&records, now).await?;
        Ok(())
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
                    demographics: Default::default(),
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

impl Tx {
    /// Links each `(phone, nik)` with `pin_hash`: the batch form of [`Tx::create_link`] for phones
    /// and persons not linked yet (nothing is replaced).
    pub async fn create_links(
        &mut self,
        links: &[(String, String)],
        pin_hash: &str,
        now: i64,
    ) -> StoreResult<()> {
        for chunk in links.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO links (phone, nik, pin_hash, linked_at, kelurahan_id) VALUES {}",
                super::sql::values(chunk.len(), 5, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for (phone, nik) in chunk {
                    q = q
                        .bind(phone)
                        .bind(nik)
                        .bind(pin_hash)
                        .bind(now)
                        .bind(self.kelurahan);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    /// Records phones as contacts that wrote on a channel at a time (what an inbound message
    /// does through its trigger), for phones that have no contact row yet.
    pub async fn seed_contacts(&mut self, contacts: &[SeedContact]) -> StoreResult<()> {
        for chunk in contacts.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO contacts (phone, channel, last_inbound_at, kelurahan_id) VALUES {}",
                super::sql::values(chunk.len(), 4, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for contact in chunk {
                    q = q
                        .bind(&contact.phone)
                        .bind(contact.channel.as_str())
                        .bind(contact.last_inbound_at)
                        .bind(self.kelurahan);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }
}

impl Db {
    /// The NIKs of the persons `among`, in NIK order.
    pub async fn niks_among(&self, among: Among) -> StoreResult<Vec<String>> {
        let sql = match among {
            Among::Everyone => "SELECT nik FROM persons ORDER BY nik",
            Among::Heads => "SELECT nik FROM persons WHERE shdk = 'KEPALA KELUARGA' ORDER BY nik",
            Among::PermanentHeads => {
                "SELECT nik FROM persons WHERE shdk = 'KEPALA KELUARGA' AND residence = 'TETAP'
                 ORDER BY nik"
            }
        };
        Ok(on_backend!(&self.pool, p => {
            sqlx::query_scalar(sql).fetch_all(p).await?
        }))
    }

    /// Seeds households and their persons, 10,000 persons per transaction.
    pub async fn seed_registry(
        &self,
        kelurahan: crate::store::KelurahanId,
        households: &[(String, String, String)],
        persons: &[SeedPerson],
        now: i64,
    ) -> StoreResult<()> {
        for chunk in households.chunks(10 * ROWS) {
            let mut tx = self.begin(kelurahan).await?;
            tx.seed_households(chunk, now).await?;
            tx.commit().await?;
        }
        for chunk in persons.chunks(10 * ROWS) {
            let mut tx = self.begin(kelurahan).await?;
            tx.seed_persons(chunk, now).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

impl Db {
    /// Spreads the households registered so far, with their members, over the kelurahan
    /// `first ..= last` (ids in a row, as a fresh deployment numbers them), by their KK number:
    /// many kelurahan seeded with one import (`gotong bench --scenario stimulus --kelurahan N`).
    /// Only before anything else refers to them (wallets, links, merchants).
    pub async fn seed_spread_households(
        &self,
        first: super::KelurahanId,
        last: super::KelurahanId,
    ) -> StoreResult<()> {
        let n = last.0 - first.0 + 1;
        if n < 1 {
            return Err(StoreError::Corrupt(format!(
                "no kelurahan from {first} to {last}"
            )));
        }
        let spread = format!(
            "UPDATE households SET kelurahan_id = {} + (CAST(SUBSTR(no_kk, 13, 4) AS BIGINT)
                 + CAST(SUBSTR(no_kk, 7, 2) AS BIGINT) * 7) % {n}",
            first.0
        );
        self.execute_admin(&spread).await?;
        self.execute_admin(
            "UPDATE persons SET kelurahan_id = h.kelurahan_id FROM households h
             WHERE h.no_kk = persons.no_kk",
        )
        .await
    }
}
