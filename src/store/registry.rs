//! The resident registry: households and persons as imported (DESIGN §5), the audit log, and
//! the figures and listings built on them (stats, export, data quality).
//!
//! Bulk operations take slices and work in batches of rows per statement (multi-row
//! `INSERT`, `IN (…)` look-ups), so an import of 100,000 rows is a few hundred statements on
//! PostgreSQL and a few thousand on SQLite (see [`SQLITE_PARAMS`]), never one per row.

use super::{on_backend, Backend, Db, Tx};
use crate::calendar::parse_date;
use crate::error::StoreResult;
use crate::parse::Sex;
use crate::registry::{Residence, Shdk};
use chrono::NaiveDate;
use sqlx::Row;

/// Rows per multi-row statement on PostgreSQL: 500 persons × 11 columns = 5,500 parameters
/// (the limit is 65,535).
const BATCH: usize = 500;

/// Parameters per statement on SQLite. Binding `$n` costs SQLite a walk over the statement's
/// parameter names (`sqlite3_bind_parameter_name` is linear), so a statement's binding time grows
/// with the square of its parameters: 5,500 made the import 7× slower than a few hundred.
const SQLITE_PARAMS: usize = 400;

impl Tx {
    /// Rows of `cols` parameters per statement on this backend.
    fn batch_rows(&self, cols: usize) -> usize {
        match self.conn {
            Backend::Sqlite(_) => (SQLITE_PARAMS / cols).max(1),
            Backend::Postgres(_) => BATCH,
        }
    }
}

/// A household as imported: the KK number and where it lives.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct HouseholdRecord {
    pub no_kk: String,
    /// `001`
    pub rt: String,
    /// `03`
    pub rw: String,
}

/// A person's registry data as imported, normalised (the columns of the import file).
/// `nik` is the full NIK: for storage and the export file only, never for a message or a log.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub nik: String,
    pub no_kk: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub shdk: Shdk,
    pub residence: Residence,
    /// E.164
    pub phone: Option<String>,
    /// Legacy NIK whose date or sex part disagrees with `birth_date` / `sex`.
    pub nik_mismatch: bool,
    /// Line of the import file the person came from.
    pub line: Option<i64>,
}

impl<'r, R: Row> sqlx::FromRow<'r, R> for PersonRecord
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Sex: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Shdk: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Residence: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    fn from_row(r: &'r R) -> Result<Self, sqlx::Error> {
        let birth: String = r.try_get("birth_date")?;
        let birth_date = parse_date(&birth).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "birth_date".into(),
            source: format!("not a date: {birth:?}").into(),
        })?;
        Ok(PersonRecord {
            nik: r.try_get("nik")?,
            no_kk: r.try_get("no_kk")?,
            name: r.try_get("name")?,
            birth_date,
            sex: r.try_get("sex")?,
            shdk: r.try_get("shdk")?,
            residence: r.try_get("residence")?,
            phone: r.try_get("phone")?,
            nik_mismatch: r.try_get("nik_mismatch")?,
            line: r.try_get("line")?,
        })
    }
}

impl std::fmt::Debug for PersonRecord {
    /// Without the full NIK or phone, so a record cannot leak them into a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonRecord")
            .field("nik", &mask_last4(&self.nik))
            .field("no_kk", &mask_last4(&self.no_kk))
            .field("shdk", &self.shdk)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// `…1234`: the last four characters only.
pub(crate) fn mask_last4(s: &str) -> String {
    format!("…{}", crate::parse::nik::last4(s))
}

/// A person with their household and what happened since the import: the registry as it is now.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RegistryMember {
    #[sqlx(flatten)]
    pub person: PersonRecord,
    pub rt: String,
    pub rw: String,
    /// When the household confirmed its data (`DATA` → 1), epoch ms.
    pub verified_at: Option<i64>,
    pub birth_confirmed_at: Option<i64>,
    pub died_on: Option<String>,
    pub moved_out_on: Option<String>,
    /// A phone is linked to this person (`DAFTAR`).
    pub linked: bool,
}

impl RegistryMember {
    /// Still a resident: not recorded as dead nor moved out.
    pub fn is_present(&self) -> bool {
        self.died_on.is_none() && self.moved_out_on.is_none()
    }
}

/// The registry's headline figures (part of `GET /api/stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RegistryStats {
    pub households: i64,
    /// Households that confirmed their data.
    pub households_verified: i64,
    /// Persons still present (not dead, not moved out).
    pub persons: i64,
    /// Phones linked to a person (`DAFTAR` done).
    pub linked_phones: i64,
}

/// One row of the audit log. `before` / `after` are JSON.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: i64,
}

const PERSON_COLUMNS: &str =
    "nik, no_kk, name, birth_date, sex, shdk, residence, phone, nik_mismatch, line";

impl Tx {
    /// The households among `no_kks` that are already registered.
    pub async fn existing_households(
        &mut self,
        no_kks: &[String],
    ) -> StoreResult<Vec<HouseholdRecord>> {
        let mut found = Vec::new();
        for chunk in no_kks.chunks(self.batch_rows(1)) {
            let sql = format!(
                "SELECT no_kk, rt, rw FROM households WHERE no_kk IN ({})",
                super::sql::list(chunk.len(), 1)
            );
            let rows: Vec<HouseholdRecord> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_as(&sql);
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(&mut **c).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// The persons among `niks` that are already registered (under whatever household).
    pub async fn existing_persons(&mut self, niks: &[String]) -> StoreResult<Vec<PersonRecord>> {
        self.persons_where("nik", niks).await
    }

    /// Every person registered under the given households.
    pub async fn members_of_households(
        &mut self,
        no_kks: &[String],
    ) -> StoreResult<Vec<PersonRecord>> {
        self.persons_where("no_kk", no_kks).await
    }

    async fn persons_where(
        &mut self,
        column: &'static str,
        keys: &[String],
    ) -> StoreResult<Vec<PersonRecord>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(self.batch_rows(1)) {
            let sql = format!(
                "SELECT {PERSON_COLUMNS} FROM persons WHERE {column} IN ({}) ORDER BY no_kk, line, nik",
                super::sql::list(chunk.len(), 1)
            );
            let rows: Vec<PersonRecord> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_as(&sql);
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(&mut **c).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// Registers households; one already registered is kept as it is.
    pub async fn insert_households(
        &mut self,
        households: &[HouseholdRecord],
        now: i64,
    ) -> StoreResult<()> {
        for chunk in households.chunks(self.batch_rows(4)) {
            let sql = format!(
                "INSERT INTO households (no_kk, rt, rw, imported_at, kelurahan_id) VALUES {} ON CONFLICT (no_kk) DO NOTHING",
                super::sql::values(chunk.len(), 5, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for h in chunk {
                    q = q
                        .bind(&h.no_kk)
                        .bind(&h.rt)
                        .bind(&h.rw)
                        .bind(now)
                        .bind(self.kelurahan);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    /// Registers new persons (their households must exist, their NIKs must not).
    pub async fn insert_persons(&mut self, persons: &[PersonRecord], now: i64) -> StoreResult<()> {
        for chunk in persons.chunks(self.batch_rows(12)) {
            let sql = format!(
                "INSERT INTO persons ({PERSON_COLUMNS}, imported_at, kelurahan_id) VALUES {}",
                super::sql::values(chunk.len(), 12, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for p in chunk {
                    q = q
                        .bind(&p.nik)
                        .bind(&p.no_kk)
                        .bind(&p.name)
                        .bind(p.birth_date.format("%Y-%m-%d").to_string())
                        .bind(p.sex)
                        .bind(p.shdk)
                        .bind(p.residence)
                        .bind(&p.phone)
                        .bind(p.nik_mismatch)
                        .bind(p.line)
                        .bind(now)
                        .bind(self.kelurahan);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }
}

impl Db {
    /// Households, verified households, present persons and linked phones: of one kelurahan, or
    /// of the whole deployment (`None`).
    pub async fn registry_stats(
        &self,
        scope: Option<super::KelurahanId>,
    ) -> StoreResult<RegistryStats> {
        let k = super::sql::in_scope("kelurahan_id", 1);
        let sql = format!(
            "SELECT
                    (SELECT COUNT(*) FROM households WHERE {k}),
                    (SELECT COUNT(*) FROM households WHERE verified_at IS NOT NULL AND {k}),
                    (SELECT COUNT(*) FROM persons WHERE died_on IS NULL AND moved_out_on IS NULL AND {k}),
                    (SELECT COUNT(*) FROM links WHERE {k})"
        );
        let (households, households_verified, persons, linked_phones): (i64, i64, i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql).bind(scope).fetch_one(p).await?
        });
        Ok(RegistryStats {
            households,
            households_verified,
            persons,
            linked_phones,
        })
    }

    /// Every registered person with their household, by RW, RT, KK and file line (the export and
    /// the data-quality checks). Includes the dead and moved out: see [`RegistryMember::is_present`].
    pub async fn registry_members(&self) -> StoreResult<Vec<RegistryMember>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT p.nik, p.no_kk, p.name, p.birth_date, p.sex, p.shdk, p.residence, p.phone,
                        p.nik_mismatch, p.line, h.rt, h.rw, h.verified_at, p.birth_confirmed_at,
                        p.died_on, p.moved_out_on,
                        EXISTS (SELECT 1 FROM links l WHERE l.nik = p.nik) AS linked
                 FROM persons p JOIN households h ON h.no_kk = p.no_kk
                 ORDER BY h.rw, h.rt, p.no_kk, p.line, p.nik",
            )
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }

    /// The audit log's rows with this action, oldest first.
    pub async fn audit_entries(&self, action: &str) -> StoreResult<Vec<AuditEntry>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT actor, action, subject, before, after, at FROM audit_log
                 WHERE action = $1 ORDER BY id",
            )
            .bind(action)
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_the_last_four() {
        assert_eq!(mask_last4("3174050512890001"), "…0001");
        assert_eq!(mask_last4("12"), "…12");
    }
}
