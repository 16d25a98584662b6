//! The resident registry: households and persons as imported (DESIGN §5), the audit log, and
//! the figures and listings built on them (stats, export, data quality).
//!
//! Bulk operations take slices and work in batches of rows per statement (multi-row
//! `INSERT`, `IN (…)` look-ups), so an import of 100,000 rows is a few hundred statements on
//! PostgreSQL and a few thousand on SQLite (see [`SQLITE_PARAMS`]), never one per row.

use super::{on_backend, Backend, Code, Db, Kelurahan, KelurahanId, Tx};
use crate::calendar::parse_date;
use crate::error::StoreResult;
use crate::parse::Sex;
use crate::registry::reference::{Coded, Demographics, Table};
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
    pub(super) fn batch_rows(&self, cols: usize) -> usize {
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
    /// The coded fields of a SIAK / OpenSID export (religion, education, occupation…).
    pub demographics: Demographics,
}

impl<'r, R: Row> sqlx::FromRow<'r, R> for PersonRecord
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i32: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
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
            demographics: Demographics {
                religion: coded(r, "religion")?,
                education: coded(r, "education")?,
                schooling: coded(r, "schooling")?,
                occupation: coded(r, "occupation")?,
                marital_status: coded(r, "marital_status")?,
                citizenship: coded(r, "citizenship")?,
                blood_type: coded(r, "blood_type")?,
                disability: coded(r, "disability")?,
                pregnant: r.try_get("pregnant")?,
            },
        })
    }
}

/// A stored reference code: one the table does not have is corrupt data, never a default.
fn coded<'r, T: Table, R: Row>(r: &'r R, column: &str) -> Result<Option<Coded<T>>, sqlx::Error>
where
    for<'a> i32: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    let code: Option<i32> = r.try_get(column)?;
    code.map(|c| {
        Coded::from_code(i64::from(c)).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: column.into(),
            source: format!("not a code of {}: {c}", T::COLUMN).into(),
        })
    })
    .transpose()
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

/// Rows inserted by one statement from a JSON array ([`super::sql::rows_of_json`]).
const JSON_ROWS: usize = 5_000;

const PERSON_COLUMNS: &str =
    "nik, no_kk, name, birth_date, sex, shdk, residence, phone, nik_mismatch, line,
     religion, education, schooling, occupation, marital_status, citizenship, blood_type,
     disability, pregnant";

/// The columns of [`Demographics`], in the order of [`Demographics::codes`] then `pregnant`.
const DEMOGRAPHICS: [&str; 9] = [
    "religion",
    "education",
    "schooling",
    "occupation",
    "marital_status",
    "citizenship",
    "blood_type",
    "disability",
    "pregnant",
];

/// A household registered somewhere in the deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredHousehold {
    pub record: HouseholdRecord,
    pub kelurahan: Kelurahan,
}

/// A person registered somewhere in the deployment, with what ended their membership there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredPerson {
    pub nik: String,
    pub no_kk: String,
    pub kelurahan: Kelurahan,
    pub died_on: Option<String>,
    pub moved_out_on: Option<String>,
    /// The day they came to this kelurahan from another one (`datang`), if they did.
    pub arrived_on: Option<String>,
}

impl RegisteredPerson {
    /// Recorded as moved out of their kelurahan (an approved move-out: `pindah`), and alive:
    /// another kelurahan's import may take them over (`datang`).
    pub fn may_arrive(&self) -> bool {
        self.moved_out_on.is_some() && self.died_on.is_none()
    }
}

type KelurahanColumns = (KelurahanId, String, String, i64);

fn kelurahan_of((id, code, name, created_at): KelurahanColumns) -> Kelurahan {
    Kelurahan {
        id,
        code,
        name,
        created_at,
    }
}

impl Tx {
    /// The households among `no_kks` registered in any kelurahan of the deployment (KK numbers
    /// are keys of the whole deployment), with the kelurahan they are in.
    pub async fn households_in_deployment(
        &mut self,
        no_kks: &[String],
    ) -> StoreResult<Vec<RegisteredHousehold>> {
        let mut found = Vec::new();
        for chunk in no_kks.chunks(self.batch_rows(1)) {
            let sql = format!(
                "SELECT h.no_kk, h.rt, h.rw, k.id, k.code, k.name, k.created_at
                 FROM households h JOIN kelurahan k ON k.id = h.kelurahan_id
                 WHERE h.no_kk IN ({})",
                super::sql::list(chunk.len(), 1)
            );
            type Raw = (String, String, String, KelurahanId, String, String, i64);
            let rows: Vec<Raw> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_as(&sql);
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(&mut **c).await?
            });
            found.extend(rows.into_iter().map(|(no_kk, rt, rw, id, code, name, at)| {
                RegisteredHousehold {
                    record: HouseholdRecord { no_kk, rt, rw },
                    kelurahan: kelurahan_of((id, code, name, at)),
                }
            }));
        }
        Ok(found)
    }

    /// The persons among `niks` registered in any kelurahan of the deployment (a NIK is a key of
    /// the whole deployment), under whatever household, with the kelurahan they are in.
    pub async fn persons_in_deployment(
        &mut self,
        niks: &[String],
    ) -> StoreResult<Vec<RegisteredPerson>> {
        let mut found = Vec::new();
        for chunk in niks.chunks(self.batch_rows(1)) {
            let sql = format!(
                "SELECT p.nik, p.no_kk, p.died_on, p.moved_out_on, p.arrived_on, k.id, k.code, k.name, k.created_at
                 FROM persons p JOIN kelurahan k ON k.id = p.kelurahan_id
                 WHERE p.nik IN ({})",
                super::sql::list(chunk.len(), 1)
            );
            type Raw = (
                String,
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                KelurahanId,
                String,
                String,
                i64,
            );
            let rows: Vec<Raw> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_as(&sql);
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(&mut **c).await?
            });
            found.extend(rows.into_iter().map(
                |(nik, no_kk, died_on, moved_out_on, arrived_on, id, code, name, at)| {
                    RegisteredPerson {
                        nik,
                        no_kk,
                        kelurahan: kelurahan_of((id, code, name, at)),
                        died_on,
                        moved_out_on,
                        arrived_on,
                    }
                },
            ));
        }
        Ok(found)
    }

    /// Every person registered under the given households of this kelurahan.
    pub async fn members_of_households(
        &mut self,
        no_kks: &[String],
    ) -> StoreResult<Vec<PersonRecord>> {
        let mut found = Vec::new();
        for chunk in no_kks.chunks(self.batch_rows(1)) {
            let sql = format!(
                "SELECT {PERSON_COLUMNS} FROM persons WHERE kelurahan_id = $1 AND no_kk IN ({})
                 ORDER BY no_kk, line, nik",
                super::sql::list(chunk.len(), 2)
            );
            let rows: Vec<PersonRecord> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_as(&sql).bind(self.kelurahan);
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(&mut **c).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// Makes the registry imports of the whole deployment take turns, until this unit of work
    /// ends: an import writes its file a round of households at a time, and two writing rounds
    /// of overlapping KKs or NIKs in different orders would deadlock. On SQLite the transaction
    /// already holds the database's single write lock.
    pub async fn lock_registry_imports(&mut self) -> StoreResult<()> {
        if let Backend::Postgres(c) = &mut self.conn {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('registry import', 0))")
                .execute(&mut **c)
                .await?;
        }
        Ok(())
    }

    /// Whether this connection keeps `mib` MiB of the database's pages in memory (SQLite's
    /// `cache_size`; its default keeps 2 MiB) or, with `None`, its default again: a unit of work
    /// that writes a million persons touches index pages all over, and with the default cache it
    /// spills and reads them again and again. PostgreSQL's cache is the server's.
    pub async fn cache_pages(&mut self, mib: Option<u32>) -> StoreResult<()> {
        if let Backend::Sqlite(c) = &mut self.conn {
            let kib = mib.map_or(2_000, |m| i64::from(m) * 1024);
            sqlx::query(&format!("PRAGMA cache_size = -{kib}"))
                .execute(&mut **c)
                .await?;
        }
        Ok(())
    }

    /// Whether the statements that follow in this unit of work are planned each for its own
    /// parameters (PostgreSQL's `plan_cache_mode`; SQLite has no plan cache of this kind): for
    /// reads of tables the unit of work grows, as an import's rounds look up the NIKs and KKs the
    /// previous rounds wrote. A prepared statement's plan is otherwise cached after a few runs,
    /// and, planned against the empty registry of the first round (a sequential scan), it would
    /// scan the 100,000 persons of the twentieth round for each lookup. Turned off again for the
    /// writes: their foreign-key checks would be planned again for every row.
    pub async fn plan_each_statement(&mut self, on: bool) -> StoreResult<()> {
        if let Backend::Postgres(c) = &mut self.conn {
            let mode = if on { "force_custom_plan" } else { "auto" };
            sqlx::query(&format!("SET LOCAL plan_cache_mode = {mode}"))
                .execute(&mut **c)
                .await?;
        }
        Ok(())
    }

    /// Registers households in this kelurahan; one already registered (in any kelurahan, perhaps
    /// by an import committed meanwhile) is kept as it is. Answers the KK numbers inserted.
    pub async fn insert_households(
        &mut self,
        households: &[HouseholdRecord],
        now: i64,
    ) -> StoreResult<Vec<String>> {
        use super::sql::JsonCell::Text;
        let postgres = matches!(self.conn, Backend::Postgres(_));
        let sql = format!(
            "INSERT INTO households (no_kk, rt, rw, imported_at, kelurahan_id) {}
             ON CONFLICT (no_kk) DO NOTHING RETURNING no_kk",
            super::sql::rows_of_json(postgres, 1, &[Text; 3], 2)
        );
        let mut inserted = Vec::with_capacity(households.len());
        for chunk in households.chunks(JSON_ROWS) {
            let rows: Vec<[&str; 3]> = chunk
                .iter()
                .map(|h| [h.no_kk.as_str(), h.rt.as_str(), h.rw.as_str()])
                .collect();
            let rows = serde_json::to_string(&rows)?;
            inserted.extend(self.insert_json_rows(&sql, &rows, now).await?);
        }
        Ok(inserted)
    }

    /// Registers new persons in this kelurahan (their households must exist). A NIK registered
    /// meanwhile (by another import, committed first) is not inserted: answers the NIKs that were.
    pub async fn insert_persons(
        &mut self,
        persons: &[PersonRecord],
        now: i64,
    ) -> StoreResult<Vec<String>> {
        use super::sql::JsonCell::{BigInt, Bool, Int, Text};
        let mut cells = vec![Text; 8];
        cells.extend([Bool, BigInt]);
        cells.extend([Int; 8]);
        cells.push(Bool);
        let postgres = matches!(self.conn, Backend::Postgres(_));
        let sql = format!(
            "INSERT INTO persons ({PERSON_COLUMNS}, imported_at, kelurahan_id) {}
             ON CONFLICT (nik) DO NOTHING RETURNING nik",
            super::sql::rows_of_json(postgres, 1, &cells, 2)
        );
        let mut inserted = Vec::with_capacity(persons.len());
        for chunk in persons.chunks(JSON_ROWS) {
            let rows: Vec<serde_json::Value> = chunk
                .iter()
                .map(|p| {
                    let mut row = vec![
                        p.nik.clone().into(),
                        p.no_kk.clone().into(),
                        p.name.clone().into(),
                        p.birth_date.format("%Y-%m-%d").to_string().into(),
                        Code::code(p.sex).into(),
                        Code::code(p.shdk).into(),
                        Code::code(p.residence).into(),
                        p.phone.clone().into(),
                        p.nik_mismatch.into(),
                        p.line.into(),
                    ];
                    row.extend(p.demographics.codes().map(serde_json::Value::from));
                    row.push(p.demographics.pregnant.into());
                    serde_json::Value::Array(row)
                })
                .collect();
            let rows = serde_json::Value::Array(rows).to_string();
            inserted.extend(self.insert_json_rows(&sql, &rows, now).await?);
        }
        Ok(inserted)
    }

    /// Runs an import's `INSERT … SELECT` of the JSON `rows` (`$1`), stamped `now` (`$2`) in this
    /// kelurahan (`$3`); answers the keys it returns.
    async fn insert_json_rows(
        &mut self,
        sql: &str,
        rows: &str,
        now: i64,
    ) -> StoreResult<Vec<String>> {
        let keys = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(sql)
                .bind(rows)
                .bind(now)
                .bind(self.kelurahan)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(keys)
    }

    /// Writes a registered person's registry fields (household, name, birth date, sex, relation,
    /// residence, phone, the coded fields, the file line) as `record` has them: a correction, or
    /// a person taken over. Answers whether the person is registered in this kelurahan.
    pub async fn update_person(&mut self, record: &PersonRecord) -> StoreResult<bool> {
        let set: Vec<String> = DEMOGRAPHICS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 10))
            .collect();
        let sql = format!(
            "UPDATE persons SET no_kk = $1, name = $2, birth_date = $3, sex = $4, shdk = $5,
                residence = $6, phone = $7, nik_mismatch = $8, line = $9, {}
             WHERE nik = $19 AND kelurahan_id = $20",
            set.join(", ")
        );
        let d = &record.demographics;
        let n = on_backend!(&mut self.conn, c => {
            let mut q = sqlx::query(&sql)
                .bind(&record.no_kk)
                .bind(&record.name)
                .bind(record.birth_date.format("%Y-%m-%d").to_string())
                .bind(record.sex)
                .bind(record.shdk)
                .bind(record.residence)
                .bind(&record.phone)
                .bind(record.nik_mismatch)
                .bind(record.line);
            for code in d.codes() {
                q = q.bind(code);
            }
            q.bind(d.pregnant)
                .bind(&record.nik)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// `datang`: takes over a person recorded as moved out of kelurahan `from` into this
    /// kelurahan, with the registry data of `record` (their new household, relation, line),
    /// arrived on `arrived_on` (`YYYY-MM-DD`). Their phone link comes along; an admin role of the
    /// old kelurahan ends. Answers false when the person is no longer moved out of `from` (taken
    /// over meanwhile by another import): nothing is changed then.
    pub async fn take_over_person(
        &mut self,
        record: &PersonRecord,
        from: KelurahanId,
        arrived_on: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let moved = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE persons SET imported_at = $1, kelurahan_id = $2, moved_out_on = NULL,
                    arrived_on = $3
                 WHERE nik = $4 AND kelurahan_id = $5 AND moved_out_on IS NOT NULL
                    AND died_on IS NULL",
            )
            .bind(now)
            .bind(self.kelurahan)
            .bind(arrived_on)
            .bind(&record.nik)
            .bind(from)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        if moved == 0 {
            return Ok(false);
        }
        self.update_person(record).await?;
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE links SET kelurahan_id = $1 WHERE nik = $2")
                .bind(self.kelurahan)
                .bind(&record.nik)
                .execute(&mut **c)
                .await?;
            sqlx::query("DELETE FROM admins WHERE nik = $1")
                .bind(&record.nik)
                .execute(&mut **c)
                .await?;
        });
        Ok(true)
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

    /// Every person registered in `kelurahan` with their household, by RW, RT, KK and file line
    /// (the export and the data-quality checks). Includes the dead and moved out: see
    /// [`RegistryMember::is_present`].
    pub async fn registry_members(
        &self,
        kelurahan: KelurahanId,
    ) -> StoreResult<Vec<RegistryMember>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT p.nik, p.no_kk, p.name, p.birth_date, p.sex, p.shdk, p.residence, p.phone,
                        p.nik_mismatch, p.line, p.religion, p.education, p.schooling,
                        p.occupation, p.marital_status, p.citizenship, p.blood_type, p.disability,
                        p.pregnant, h.rt, h.rw, h.verified_at, p.birth_confirmed_at,
                        p.died_on, p.moved_out_on,
                        EXISTS (SELECT 1 FROM links l WHERE l.nik = p.nik) AS linked
                 FROM persons p JOIN households h ON h.no_kk = p.no_kk
                 WHERE p.kelurahan_id = $1
                 ORDER BY h.rw, h.rt, p.no_kk, p.line, p.nik",
            )
            .bind(kelurahan)
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }

    /// The audit log's rows with this action in `kelurahan`, oldest first.
    pub async fn audit_entries_in(
        &self,
        kelurahan: KelurahanId,
        action: &str,
    ) -> StoreResult<Vec<AuditEntry>> {
        self.audit_rows(Some(kelurahan), action).await
    }

    /// The audit log's rows with this action in every kelurahan of the deployment, oldest first.
    pub async fn audit_entries(&self, action: &str) -> StoreResult<Vec<AuditEntry>> {
        self.audit_rows(None, action).await
    }

    async fn audit_rows(
        &self,
        kelurahan: Option<KelurahanId>,
        action: &str,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT actor, action, subject, before, after, at FROM audit_log
                 WHERE action = $1 AND ($2 IS NULL OR kelurahan_id = $2) ORDER BY id",
            )
            .bind(action)
            .bind(kelurahan)
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
