//! The SQL of `SURAT` letter requests ([`crate::letters`]), each kelurahan's own.

use super::{on_backend, Db, KelurahanId, Tx};
use crate::error::StoreResult;
use crate::letters::{Letter, NewLetter, Priority, Queued, Status};
use crate::registry::change::Status as ChangeStatus;
use serde::Serialize;

type LetterRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Status,
    Option<String>,
    i64,
    i64,
);

fn letter_of(
    (number, no_kk, nik, phone, name, kind, purpose, status, reason, created_at, updated_at): LetterRow,
) -> Letter {
    Letter {
        number,
        no_kk,
        nik,
        phone,
        name,
        kind,
        purpose,
        status,
        reason,
        created_at,
        updated_at,
    }
}

/// The fields of a letter with the name of the member it is for, and where they come from.
const FIELDS: &str = "l.id, l.no_kk, l.nik, l.phone, p.name, l.kind, l.purpose, l.status, l.reason,
    l.created_at, l.updated_at";
const FROM: &str = "FROM letters l JOIN persons p ON p.nik = l.nik";

/// 1 when the household of `l` has a change request not decided yet.
const OPEN_CHANGE: &str = "EXISTS (SELECT 1 FROM change_requests c
    WHERE c.no_kk = l.no_kk AND c.kelurahan_id = l.kelurahan_id AND c.status = $3)";

/// The letter figures of `/api/stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LetterStats {
    /// Requests not yet refused or collected.
    pub letters_open: i64,
    /// Requests collected (`selesai`).
    pub letters_done: i64,
}

impl Tx {
    pub async fn insert_letter(
        &mut self,
        new: &NewLetter<'_>,
        status: Status,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO letters
                 (kelurahan_id, no_kk, nik, phone, kind, purpose, status, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(self.kelurahan)
            .bind(new.no_kk)
            .bind(new.nik)
            .bind(new.phone)
            .bind(new.kind)
            .bind(new.purpose)
            .bind(status)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// Letter request `number` of this kelurahan.
    pub async fn letter(&mut self, number: i64) -> StoreResult<Option<Letter>> {
        let sql = format!("SELECT {FIELDS} {FROM} WHERE l.id = $1 AND l.kelurahan_id = $2");
        let row: Option<LetterRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(number)
                .bind(self.kelurahan)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(row.map(letter_of))
    }

    /// The number of the open request of `kind` for the person `nik`, if there is one.
    pub async fn open_letter_like(&mut self, nik: &str, kind: &str) -> StoreResult<Option<i64>> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT id FROM letters WHERE kelurahan_id = $1 AND nik = $2 AND kind = $3
                 AND status NOT IN ($4, $5) ORDER BY id LIMIT 1",
            )
            .bind(self.kelurahan)
            .bind(nik)
            .bind(kind)
            .bind(Status::Refused)
            .bind(Status::Done)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// The household's last `limit` requests, newest first.
    pub async fn letters_of_household(
        &mut self,
        no_kk: &str,
        limit: i64,
    ) -> StoreResult<Vec<Letter>> {
        let sql = format!(
            "SELECT {FIELDS} {FROM} WHERE l.kelurahan_id = $1 AND l.no_kk = $2 ORDER BY l.id DESC LIMIT $3"
        );
        let rows: Vec<LetterRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(self.kelurahan)
                .bind(no_kk)
                .bind(limit)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(letter_of).collect())
    }

    /// The officers' queue: the requests of `status` (without it: those still open), verified
    /// households first, then unverified ones, then those waiting for a change request; oldest
    /// first within each.
    pub async fn letter_queue(&mut self, status: Option<Status>) -> StoreResult<Vec<Queued>> {
        let sql = format!(
            "SELECT {FIELDS},
                CAST(CASE WHEN h.verified_at IS NULL THEN 0 ELSE 1 END AS BIGINT),
                CAST(CASE WHEN {OPEN_CHANGE} THEN 1 ELSE 0 END AS BIGINT)
             {FROM} JOIN households h ON h.no_kk = l.no_kk
             WHERE l.kelurahan_id = $1
             AND (CAST($2 AS TEXT) IS NULL AND l.status NOT IN ($4, $5) OR l.status = $2)
             ORDER BY CASE WHEN {OPEN_CHANGE} THEN 2 WHEN h.verified_at IS NULL THEN 1 ELSE 0 END, l.id
             LIMIT 500"
        );
        type QueueRow = (
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            Status,
            Option<String>,
            i64,
            i64,
            i64,
            i64,
        );
        let rows: Vec<QueueRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(self.kelurahan)
                .bind(status)
                .bind(ChangeStatus::Pending)
                .bind(Status::Refused)
                .bind(Status::Done)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(a, b, c, d, e, f, g, h, i, j, k, verified, open_change)| Queued {
                    letter: letter_of((a, b, c, d, e, f, g, h, i, j, k)),
                    priority: Priority::of(verified == 1, open_change == 1),
                },
            )
            .collect())
    }

    pub async fn set_letter_status(
        &mut self,
        number: i64,
        status: Status,
        reason: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE letters SET status = $1, reason = COALESCE($2, reason), updated_at = $3
                 WHERE id = $4 AND kelurahan_id = $5",
            )
            .bind(status)
            .bind(reason)
            .bind(now)
            .bind(number)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Whether the household `no_kk` has a change request the kelurahan has not decided yet.
    pub async fn household_has_open_change(&mut self, no_kk: &str) -> StoreResult<bool> {
        let n: i64 = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM change_requests WHERE no_kk = $1 AND kelurahan_id = $2 AND status = $3",
            )
            .bind(no_kk)
            .bind(self.kelurahan)
            .bind(ChangeStatus::Pending)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(n > 0)
    }
}

impl Db {
    /// The letter KPIs of one kelurahan, or of the whole deployment (`None`).
    pub async fn letter_stats(&self, scope: Option<KelurahanId>) -> StoreResult<LetterStats> {
        let k = super::sql::in_scope("kelurahan_id", 1);
        let sql = format!(
            "SELECT
                CAST((SELECT COUNT(*) FROM letters WHERE status NOT IN ($2, $3) AND {k}) AS BIGINT),
                CAST((SELECT COUNT(*) FROM letters WHERE status = $3 AND {k}) AS BIGINT)"
        );
        let (letters_open, letters_done): (i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql)
                .bind(scope)
                .bind(Status::Refused)
                .bind(Status::Done)
                .fetch_one(p)
                .await?
        });
        Ok(LetterStats {
            letters_open,
            letters_done,
        })
    }
}
