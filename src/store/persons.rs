//! Reading the registry as the conversation needs it: a person, a household and its members.
//! Every lookup is scoped by the unit of work's kelurahan: a person or household of another
//! kelurahan answers `None`, as if it did not exist.

use super::{on_backend, PersonRecord, Tx};
use crate::calendar::parse_date;
use crate::error::{StoreError, StoreResult};
use crate::parse::Sex;
use crate::registry::{Residence, Shdk};
use chrono::NaiveDate;
use sqlx::{FromRow, Row};

/// A member of the registry.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub nik: String,
    pub no_kk: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub shdk: Shdk,
    pub residence: Residence,
    /// The registry's phone for this person (E.164), if any.
    pub phone: Option<String>,
    pub nik_mismatch: bool,
    pub birth_confirmed_at: Option<i64>,
    pub died_on: Option<NaiveDate>,
    pub moved_out_on: Option<NaiveDate>,
    /// The day they came to this kelurahan from another one (`datang`), if recorded.
    pub arrived_on: Option<NaiveDate>,
}

impl Person {
    /// Still a member: neither died nor moved out.
    pub fn is_current(&self) -> bool {
        self.died_on.is_none() && self.moved_out_on.is_none()
    }
}

/// A household as registered.
#[derive(Clone, Debug, PartialEq)]
pub struct Household {
    pub no_kk: String,
    pub rt: String,
    pub rw: String,
    pub verified_at: Option<i64>,
}

const PERSON_COLUMNS: &str =
    "nik, no_kk, name, birth_date, sex, shdk, residence, phone, nik_mismatch, line,
    religion, education, schooling, occupation, marital_status, citizenship, blood_type,
    disability, pregnant, birth_confirmed_at, died_on, moved_out_on, arrived_on";

/// A stored `YYYY-MM-DD` date; anything else is corrupt data, never a default date.
pub(crate) fn stored_date(column: &str, value: &str) -> StoreResult<NaiveDate> {
    parse_date(value)
        .ok_or_else(|| StoreError::Corrupt(format!("{column} is not a date: {value:?}")))
}

/// [`stored_date`] of a column that may be empty.
pub(crate) fn stored_date_opt(
    column: &str,
    value: Option<String>,
) -> StoreResult<Option<NaiveDate>> {
    value.map(|v| stored_date(column, &v)).transpose()
}

/// The registry's columns decode as a [`PersonRecord`]; what happened since is added.
fn person_from_row<R: Row>(r: &R) -> StoreResult<Person>
where
    for<'a> PersonRecord: sqlx::FromRow<'a, R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    let p = PersonRecord::from_row(r)?;
    Ok(Person {
        nik: p.nik,
        no_kk: p.no_kk,
        name: p.name,
        birth_date: p.birth_date,
        sex: p.sex,
        shdk: p.shdk,
        residence: p.residence,
        phone: p.phone,
        nik_mismatch: p.nik_mismatch,
        birth_confirmed_at: r.try_get("birth_confirmed_at")?,
        died_on: stored_date_opt("died_on", r.try_get("died_on")?)?,
        moved_out_on: stored_date_opt("moved_out_on", r.try_get("moved_out_on")?)?,
        arrived_on: stored_date_opt("arrived_on", r.try_get("arrived_on")?)?,
    })
}

impl Tx {
    pub async fn person(&mut self, nik: &str) -> StoreResult<Option<Person>> {
        let sql =
            format!("SELECT {PERSON_COLUMNS} FROM persons WHERE nik = $1 AND kelurahan_id = $2");
        let k = self.kelurahan;
        on_backend!(&mut self.conn, c => {
            let row = sqlx::query(&sql).bind(nik).bind(k).fetch_optional(&mut **c).await?;
            row.as_ref().map(person_from_row).transpose()
        })
    }

    /// The members of a household in registry order (head first, then by birth date).
    pub async fn household_members(&mut self, no_kk: &str) -> StoreResult<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE no_kk = $1 AND kelurahan_id = $2
             ORDER BY CASE WHEN shdk = 'KEPALA KELUARGA' THEN 0 ELSE 1 END, birth_date, nik"
        );
        let k = self.kelurahan;
        on_backend!(&mut self.conn, c => {
            let rows = sqlx::query(&sql).bind(no_kk).bind(k).fetch_all(&mut **c).await?;
            rows.iter().map(person_from_row).collect()
        })
    }

    pub async fn household(&mut self, no_kk: &str) -> StoreResult<Option<Household>> {
        let k = self.kelurahan;
        let row: Option<(String, String, String, Option<i64>)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT no_kk, rt, rw, verified_at FROM households WHERE no_kk = $1 AND kelurahan_id = $2",
            )
                .bind(no_kk)
                .bind(k)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(row.map(|(no_kk, rt, rw, verified_at)| Household {
            no_kk,
            rt,
            rw,
            verified_at,
        }))
    }

    /// `DATA` → `1`: the household says its data is correct.
    pub async fn mark_household_verified(&mut self, no_kk: &str, now: i64) -> StoreResult<()> {
        let k = self.kelurahan;
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE households SET verified_at = $1 WHERE no_kk = $2 AND kelurahan_id = $3")
                .bind(now)
                .bind(no_kk)
                .bind(k)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    /// The household confirmed a flagged member's birth date.
    pub async fn confirm_birth_date(&mut self, nik: &str, now: i64) -> StoreResult<()> {
        let k = self.kelurahan;
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE persons SET birth_confirmed_at = $1 WHERE nik = $2 AND kelurahan_id = $3")
                .bind(now)
                .bind(nik)
                .bind(k)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}
