//! Registry changes reported by residents (`DATA` → `2`), decided by a kelurahan officer; each
//! belongs to the kelurahan it was reported in and is seen and decided there only.

use super::{on_backend, Db, KelurahanId, Tx};
use crate::error::StoreResult;
use crate::registry::change::{Ending, Kind, Status};
use crate::registry::Residence;
use serde::Serialize;

/// A reported change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangeRequest {
    pub id: i64,
    pub no_kk: String,
    /// The member concerned, if any (full NIK: admin API only).
    pub nik: Option<String>,
    pub kind: Kind,
    pub details: String,
    pub reported_by: String,
    pub status: Status,
    pub reason: Option<String>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

/// What a new report says.
#[derive(Clone, Debug, PartialEq)]
pub struct NewChangeRequest<'a> {
    pub no_kk: &'a str,
    pub nik: Option<&'a str>,
    pub kind: Kind,
    pub details: &'a str,
    pub reported_by: &'a str,
}

type Row = (
    i64,
    String,
    Option<String>,
    Kind,
    String,
    String,
    Status,
    Option<String>,
    i64,
    Option<i64>,
);

const COLUMNS: &str =
    "id, no_kk, nik, kind, details, reported_by, status, reason, created_at, decided_at";

fn from_row(r: Row) -> ChangeRequest {
    let (id, no_kk, nik, kind, details, reported_by, status, reason, created_at, decided_at) = r;
    ChangeRequest {
        id,
        no_kk,
        nik,
        kind,
        details,
        reported_by,
        status,
        reason,
        created_at,
        decided_at,
    }
}

impl Tx {
    pub async fn insert_change_request(
        &mut self,
        r: &NewChangeRequest<'_>,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO change_requests (no_kk, nik, kind, details, reported_by, status, created_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(r.no_kk)
            .bind(r.nik)
            .bind(r.kind)
            .bind(r.details)
            .bind(r.reported_by)
            .bind(Status::Pending)
            .bind(now)
            .bind(self.kelurahan)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    pub async fn change_request(&mut self, id: i64) -> StoreResult<Option<ChangeRequest>> {
        let sql =
            format!("SELECT {COLUMNS} FROM change_requests WHERE id = $1 AND kelurahan_id = $2");
        let row: Option<Row> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(id).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(from_row))
    }

    /// Records the officer's decision on a pending request. Returns false if it was not pending.
    pub async fn decide_change_request(
        &mut self,
        id: i64,
        status: Status,
        reason: Option<&str>,
        by: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE change_requests SET status = $1, reason = $2, decided_by = $3, decided_at = $4
                 WHERE id = $5 AND status = $6 AND kelurahan_id = $7",
            )
            .bind(status)
            .bind(reason)
            .bind(by)
            .bind(now)
            .bind(id)
            .bind(Status::Pending)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Applies an approved death or move-out to the registry.
    pub async fn end_membership(&mut self, nik: &str, ending: Ending, on: &str) -> StoreResult<()> {
        let column = match ending {
            Ending::Death => "died_on",
            Ending::MoveOut => "moved_out_on",
        };
        let sql = format!("UPDATE persons SET {column} = $1 WHERE nik = $2 AND kelurahan_id = $3");
        on_backend!(&mut self.conn, c => {
            sqlx::query(&sql).bind(on).bind(nik).bind(self.kelurahan).execute(&mut **c).await?;
        });
        Ok(())
    }
}

impl Tx {
    /// Applies an approved residence change: the person is `TETAP` from `on` (`YYYY-MM-DD`),
    /// counting for the stimulus from the day after.
    pub async fn make_tetap(&mut self, nik: &str, on: &str) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE persons SET residence = $1, tetap_since = $2 WHERE nik = $3 AND kelurahan_id = $4",
            )
            .bind(Residence::Tetap)
            .bind(on)
            .bind(nik)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Test support: records that `nik` came to this kelurahan on `on` (`YYYY-MM-DD`).
    #[cfg(feature = "testkit")]
    pub async fn set_arrived_on(&mut self, nik: &str, on: &str) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE persons SET arrived_on = $1 WHERE nik = $2 AND kelurahan_id = $3")
                .bind(on)
                .bind(nik)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}

impl Db {
    /// The change requests of `kelurahan` with the given status (all when `None`), oldest first.
    pub async fn change_requests(
        &self,
        kelurahan: KelurahanId,
        status: Option<Status>,
    ) -> StoreResult<Vec<ChangeRequest>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM change_requests
             WHERE kelurahan_id = $2 AND ($1 IS NULL OR status = $1) ORDER BY id"
        );
        let rows: Vec<Row> = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql).bind(status).bind(kelurahan).fetch_all(p).await?
        });
        Ok(rows.into_iter().map(from_row).collect())
    }
}
