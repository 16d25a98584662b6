//! The SQL of linking's safety rules (`accounts::code_guesses`, `accounts::relink`): wrong codes
//! per NIK, voiding a NIK's codes, re-links waiting for the kelurahan or 24 hours, the officers'
//! queue. A re-link belongs to its person's kelurahan.

use super::{on_backend, Tx};
use crate::accounts::relink::{Relink, RelinkStatus};
use crate::error::StoreResult;

type RelinkRow = (i64, String, String, String, String, RelinkStatus, i64);

fn relink_of((id, nik, old_phone, new_phone, pin_hash, status, requested_at): RelinkRow) -> Relink {
    Relink {
        id,
        nik,
        old_phone,
        new_phone,
        pin_hash,
        status,
        requested_at,
    }
}

const RELINK_COLUMNS: &str =
    "id, nik, old_phone, new_phone, pin_hash, status, requested_at FROM relinks";

impl Tx {
    /// Counts one more wrong activation code typed for `nik` (from any phone); answers the count.
    pub async fn count_nik_code_failure(&mut self, nik: &str, now: i64) -> StoreResult<i64> {
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO nik_link_attempts (nik, failures, updated_at) VALUES ($1, 1, $2)
                 ON CONFLICT (nik) DO UPDATE SET failures = nik_link_attempts.failures + 1,
                    updated_at = excluded.updated_at
                 RETURNING failures",
            )
            .bind(nik)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(n)
    }

    /// Starts `nik`'s count of wrong codes again.
    pub async fn reset_nik_code_failures(&mut self, nik: &str) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("DELETE FROM nik_link_attempts WHERE nik = $1")
                .bind(nik)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    /// Voids every unused code of `nik`; answers how many.
    pub async fn void_activation_codes(&mut self, nik: &str, now: i64) -> StoreResult<u64> {
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE activation_codes SET voided_at = $1
                 WHERE nik = $2 AND used_at IS NULL AND voided_at IS NULL",
            )
            .bind(now)
            .bind(nik)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(n)
    }

    /// Adds an item to this kelurahan's officers' queue (`subject` masked).
    pub async fn add_officer_notice(
        &mut self,
        kind: &str,
        subject: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO officer_notices (kelurahan_id, kind, subject, created_at)
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(self.kelurahan)
            .bind(kind)
            .bind(subject)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// This kelurahan's officers' queue, newest first: (id, kind, subject, created_at).
    pub async fn officer_notices(&mut self) -> StoreResult<Vec<(i64, String, String, i64)>> {
        let rows = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT id, kind, subject, created_at FROM officer_notices
                 WHERE kelurahan_id = $1 ORDER BY id DESC LIMIT 200",
            )
            .bind(self.kelurahan)
            .fetch_all(&mut **c)
            .await?
        });
        Ok(rows)
    }

    /// Records a re-link waiting for the kelurahan or 24 hours; a pending one of the same NIK
    /// is replaced (the newest request counts).
    pub async fn insert_relink(
        &mut self,
        nik: &str,
        old_phone: &str,
        new_phone: &str,
        pin_hash: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query("DELETE FROM relinks WHERE nik = $1 AND status = $2")
                .bind(nik)
                .bind(RelinkStatus::Pending)
                .execute(&mut **c)
                .await?;
            sqlx::query_scalar(
                "INSERT INTO relinks (kelurahan_id, nik, old_phone, new_phone, pin_hash, status, requested_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(self.kelurahan)
            .bind(nik)
            .bind(old_phone)
            .bind(new_phone)
            .bind(pin_hash)
            .bind(RelinkStatus::Pending)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// The pending re-links of this kelurahan where `phone` is the old or the new phone, oldest
    /// first; every pending one when `phone` is `None` (the admin API).
    pub async fn pending_relinks(&mut self, phone: Option<&str>) -> StoreResult<Vec<Relink>> {
        let sql = format!(
            "SELECT {RELINK_COLUMNS} WHERE kelurahan_id = $1 AND status = $2
             AND (CAST($3 AS TEXT) IS NULL OR old_phone = $3 OR new_phone = $3) ORDER BY id"
        );
        let rows: Vec<RelinkRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(self.kelurahan)
                .bind(RelinkStatus::Pending)
                .bind(phone)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(relink_of).collect())
    }

    /// The re-link `id` of this kelurahan.
    pub async fn relink(&mut self, id: i64) -> StoreResult<Option<Relink>> {
        let sql = format!("SELECT {RELINK_COLUMNS} WHERE id = $1 AND kelurahan_id = $2");
        let row: Option<RelinkRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(id)
                .bind(self.kelurahan)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(row.map(relink_of))
    }

    /// Ends a pending re-link as `status`; answers whether it was still pending.
    pub async fn decide_relink(
        &mut self,
        id: i64,
        status: RelinkStatus,
        by: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE relinks SET status = $1, decided_at = $2, decided_by = $3
                 WHERE id = $4 AND status = $5",
            )
            .bind(status)
            .bind(now)
            .bind(by)
            .bind(id)
            .bind(RelinkStatus::Pending)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Moves `nik`'s link to `new_phone` with `pin_hash`: the old phone's link (and any link of
    /// the new phone) ends. Only a re-link allowed by `accounts::relink` calls this.
    pub async fn move_link(
        &mut self,
        nik: &str,
        new_phone: &str,
        pin_hash: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("DELETE FROM links WHERE phone = $1 OR nik = $2")
                .bind(new_phone)
                .bind(nik)
                .execute(&mut **c)
                .await?;
        });
        self.create_link(new_phone, nik, pin_hash, now).await
    }
}
