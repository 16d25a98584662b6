//! Aid flags (`src/registry/aid.rs`): one row per NIK, programme and period of an imported
//! DTKS/DTSEN or bansos list, read back per kelurahan by the data-quality report.

use super::{on_backend, Db, KelurahanId, Tx};
use crate::error::StoreResult;
use serde::Serialize;

/// One flag: this person (and the household of `no_kk`) receives `programme` in `period`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AidFlag {
    /// Full NIK: admin use only.
    pub nik: String,
    pub no_kk: String,
    pub programme: String,
    pub period: String,
}

impl Tx {
    /// Flags a person of this kelurahan; `false` when the same flag was already there.
    pub async fn insert_aid_flag(
        &mut self,
        flag: &AidFlag,
        actor: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let k = self.kelurahan;
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO aid_flags (kelurahan_id, nik, no_kk, programme, period, imported_at,
                    imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(k)
            .bind(&flag.nik)
            .bind(&flag.no_kk)
            .bind(&flag.programme)
            .bind(&flag.period)
            .bind(now)
            .bind(actor)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }
}

impl Db {
    /// Every aid flag of `kelurahan`, by NIK, programme and period.
    pub async fn aid_flags(&self, kelurahan: KelurahanId) -> StoreResult<Vec<AidFlag>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT nik, no_kk, programme, period FROM aid_flags WHERE kelurahan_id = $1
                 ORDER BY nik, programme, period",
            )
            .bind(kelurahan)
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }
}
