//! The registry's mutations (`src/registry/mutation.rs`): written with the change they record,
//! in the same unit of work, and read back per kelurahan (the Buku Mutasi).

use super::{on_backend, Db, KelurahanId, Tx};
use crate::error::StoreResult;
use crate::parse::Sex;
use crate::registry::mutation::{Kind, Source};
use serde::Serialize;

/// A mutation to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMutation {
    pub nik: String,
    pub no_kk: String,
    pub rt: String,
    pub rw: String,
    pub kind: Kind,
    /// `YYYY-MM-DD`
    pub occurred_on: String,
    pub source: Source,
    pub approved_by: String,
    /// JSON `{"field": [before, after]}`, for a correction.
    pub changes: Option<String>,
}

/// A recorded mutation, with the person's sex (for the Buku Mutasi's L/P columns).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MutationRow {
    pub id: i64,
    /// Full NIK: admin use only.
    pub nik: String,
    pub no_kk: String,
    pub rt: String,
    pub rw: String,
    pub kind: Kind,
    pub occurred_on: String,
    pub source: Source,
    pub approved_by: String,
    pub changes: Option<String>,
    pub sex: Sex,
}

impl Tx {
    /// Records mutations of this kelurahan.
    pub async fn insert_mutations(&mut self, rows: &[NewMutation], now: i64) -> StoreResult<()> {
        for chunk in rows.chunks(self.batch_rows(11)) {
            let sql = format!(
                "INSERT INTO mutations (nik, no_kk, rt, rw, kind, occurred_on, source, approved_by,
                    changes, recorded_at, kelurahan_id) VALUES {}",
                super::sql::values(chunk.len(), 11, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for m in chunk {
                    q = q
                        .bind(&m.nik)
                        .bind(&m.no_kk)
                        .bind(&m.rt)
                        .bind(&m.rw)
                        .bind(m.kind)
                        .bind(&m.occurred_on)
                        .bind(m.source)
                        .bind(&m.approved_by)
                        .bind(&m.changes)
                        .bind(now)
                        .bind(self.kelurahan);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    /// Epoch ms of this kelurahan's latest registry write by an import, if it has a registry.
    pub async fn last_registry_import(&mut self) -> StoreResult<Option<i64>> {
        let at: Option<i64> = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT MAX(imported_at) FROM persons WHERE kelurahan_id = $1")
                .bind(self.kelurahan)
                .fetch_one(&mut **c)
                .await?
        });
        Ok(at)
    }

    /// For each of `niks` (of this kelurahan): whether they have an open loan (borrowing), and
    /// whether their household's wallet or purse holds money. What an import may not decide
    /// alone when it would end their membership.
    pub async fn holdings(&mut self, niks: &[String]) -> StoreResult<Vec<(String, bool, bool)>> {
        let mut found = Vec::new();
        for chunk in niks.chunks(self.batch_rows(1)) {
            let sql = format!(
                "SELECT p.nik,
                        EXISTS (SELECT 1 FROM loans l WHERE l.borrower_nik = p.nik
                                AND l.status = 'active'),
                        EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.owner = p.no_kk
                                AND a.kind IN ('wallet', 'purse') AND a.balance > 0)
                 FROM persons p WHERE p.kelurahan_id = $1 AND p.nik IN ({})",
                super::sql::list(chunk.len(), 2)
            );
            let rows: Vec<(String, bool, bool)> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_as(&sql).bind(self.kelurahan);
                for n in chunk {
                    q = q.bind(n);
                }
                q.fetch_all(&mut **c).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// Of `no_kks`, the NIKs of this kelurahan recorded as dead or moved out.
    pub async fn ended_members(&mut self, no_kks: &[String]) -> StoreResult<Vec<String>> {
        self.members_where(no_kks, "died_on IS NOT NULL OR moved_out_on IS NOT NULL")
            .await
    }

    /// The members of `no_kks` made `TETAP` by an officer's approval (a residence change
    /// request): a registry file does not take it back.
    pub async fn approved_tetap_members(&mut self, no_kks: &[String]) -> StoreResult<Vec<String>> {
        self.members_where(no_kks, "tetap_since IS NOT NULL AND residence = 'TETAP'")
            .await
    }

    /// The NIKs of the members of `no_kks` (this kelurahan's) for which `condition` holds.
    async fn members_where(
        &mut self,
        no_kks: &[String],
        condition: &str,
    ) -> StoreResult<Vec<String>> {
        let mut found = Vec::new();
        for chunk in no_kks.chunks(self.batch_rows(1)) {
            let sql = format!(
                "SELECT nik FROM persons WHERE kelurahan_id = $1 AND no_kk IN ({}) AND ({condition})",
                super::sql::list(chunk.len(), 2)
            );
            let rows: Vec<String> = on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query_scalar(&sql).bind(self.kelurahan);
                for n in chunk {
                    q = q.bind(n);
                }
                q.fetch_all(&mut **c).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// A registered household's RT/RW, as a re-import corrects it.
    pub async fn set_household_area(&mut self, no_kk: &str, rt: &str, rw: &str) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE households SET rt = $1, rw = $2 WHERE no_kk = $3 AND kelurahan_id = $4")
                .bind(rt)
                .bind(rw)
                .bind(no_kk)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}

impl Db {
    /// The mutations of `kelurahan` whose day starts with `prefix` (`2026-06`: a month; `""`:
    /// all), in the order recorded.
    pub async fn mutations(
        &self,
        kelurahan: KelurahanId,
        prefix: &str,
    ) -> StoreResult<Vec<MutationRow>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT m.id, m.nik, m.no_kk, m.rt, m.rw, m.kind, m.occurred_on, m.source,
                        m.approved_by, m.changes, p.sex
                 FROM mutations m JOIN persons p ON p.nik = m.nik
                 WHERE m.kelurahan_id = $1 AND m.occurred_on LIKE $2 ORDER BY m.id",
            )
            .bind(kelurahan)
            .bind(format!("{prefix}%"))
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }
}
