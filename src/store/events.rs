//! The SQL of `KEGIATAN` events and their sign-ups ([`crate::events`]), each kelurahan's own.

use super::{on_backend, Db, KelurahanId, Tx};
use crate::error::StoreResult;
use crate::events::{Event, NewEvent, Signup, SignupStatus, Status};
use serde::Serialize;

type EventRow = (
    i64,
    String,
    String,
    i64,
    Option<String>,
    i64,
    Option<String>,
    Option<i64>,
    Status,
    Option<i64>,
    String,
    i64,
    i64,
    i64,
);

fn event_of(
    (
        number,
        title,
        place,
        starts_at,
        rw,
        needed,
        item,
        campaign,
        status,
        reminded_at,
        created_by,
        created_at,
        signed,
        attended,
    ): EventRow,
) -> Event {
    Event {
        number,
        title,
        place,
        starts_at,
        rw,
        needed,
        item,
        campaign,
        status,
        reminded_at,
        created_by,
        created_at,
        signed,
        attended,
    }
}

/// An event's fields and counts; `$1` is always [`SignupStatus::Signed`].
const FIELDS: &str = "e.id, e.title, e.place, e.starts_at, e.rw, e.needed, e.item_id, e.proposal_id,
    e.status, e.reminded_at, e.created_by, e.created_at,
    CAST((SELECT COUNT(*) FROM event_signups s WHERE s.event_id = e.id AND s.status = $1) AS BIGINT),
    CAST((SELECT COUNT(*) FROM event_signups s
          WHERE s.event_id = e.id AND s.status = $1 AND s.attended_at IS NOT NULL) AS BIGINT)";

type SignupRow = (i64, String, String, String, SignupStatus, Option<i64>, i64);

/// The volunteer figures of `/api/stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventStats {
    /// Open events starting today (Asia/Jakarta) or later.
    pub events_upcoming: i64,
    /// Sign-ups counted present.
    pub volunteers_attended: i64,
}

impl Tx {
    pub async fn insert_event(
        &mut self,
        new: &NewEvent<'_>,
        created_by: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO events
                 (kelurahan_id, title, place, starts_at, rw, needed, item_id, proposal_id, status,
                  created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(self.kelurahan)
            .bind(new.title)
            .bind(new.place)
            .bind(new.starts_at)
            .bind(new.rw)
            .bind(new.needed)
            .bind(new.item)
            .bind(new.campaign)
            .bind(Status::Open)
            .bind(created_by)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// Event `number` of this kelurahan, with its counts.
    pub async fn event(&mut self, number: i64) -> StoreResult<Option<Event>> {
        let sql = format!("SELECT {FIELDS} FROM events e WHERE e.id = $2 AND e.kelurahan_id = $3");
        let row: Option<EventRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(SignupStatus::Signed)
                .bind(number)
                .bind(self.kelurahan)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(row.map(event_of))
    }

    /// Open events starting after `after` (unix seconds): those of `rw` first, then those for
    /// the whole kelurahan, then those of other RWs (`rw` empty: all by time); soonest first
    /// within each.
    pub async fn upcoming_events(&mut self, after: i64, rw: &str) -> StoreResult<Vec<Event>> {
        let sql = format!(
            "SELECT {FIELDS} FROM events e
             WHERE e.kelurahan_id = $2 AND e.status = $3 AND e.starts_at > $4
             ORDER BY CASE WHEN e.rw = $5 THEN 0 WHEN e.rw IS NULL THEN 1 ELSE 2 END,
                      e.starts_at, e.id
             LIMIT 200"
        );
        let rows: Vec<EventRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(SignupStatus::Signed)
                .bind(self.kelurahan)
                .bind(Status::Open)
                .bind(after)
                .bind(rw)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(event_of).collect())
    }

    /// Open events not yet reminded that start after `after` and before `before` (unix seconds).
    pub async fn events_to_remind(&mut self, after: i64, before: i64) -> StoreResult<Vec<Event>> {
        let sql = format!(
            "SELECT {FIELDS} FROM events e
             WHERE e.kelurahan_id = $2 AND e.status = $3 AND e.reminded_at IS NULL
             AND e.starts_at > $4 AND e.starts_at < $5
             ORDER BY e.starts_at, e.id"
        );
        let rows: Vec<EventRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(SignupStatus::Signed)
                .bind(self.kelurahan)
                .bind(Status::Open)
                .bind(after)
                .bind(before)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(event_of).collect())
    }

    /// Marks event `number` reminded; `false` when it already was (another run did it).
    pub async fn mark_event_reminded(&mut self, number: i64, now: i64) -> StoreResult<bool> {
        let done = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE events SET reminded_at = $1
                 WHERE id = $2 AND kelurahan_id = $3 AND reminded_at IS NULL",
            )
            .bind(now)
            .bind(number)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn set_event_status(&mut self, number: i64, status: Status) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE events SET status = $1 WHERE id = $2 AND kelurahan_id = $3")
                .bind(status)
                .bind(number)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    /// The sign-ups of event `number`, withdrawn ones too, in the order they came.
    pub async fn event_signups(&mut self, number: i64) -> StoreResult<Vec<Signup>> {
        let rows: Vec<SignupRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT s.event_id, s.nik, p.name, s.phone, s.status, s.attended_at, s.created_at
                 FROM event_signups s JOIN persons p ON p.nik = s.nik
                 WHERE s.event_id = $1 AND s.kelurahan_id = $2
                 ORDER BY s.created_at, s.nik",
            )
            .bind(number)
            .bind(self.kelurahan)
            .fetch_all(&mut **c)
            .await?
        });
        Ok(rows.into_iter().map(signup_of).collect())
    }

    /// `nik`'s sign-up for event `number`, if any (withdrawn too).
    pub async fn event_signup(&mut self, number: i64, nik: &str) -> StoreResult<Option<Signup>> {
        let row: Option<SignupRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT s.event_id, s.nik, p.name, s.phone, s.status, s.attended_at, s.created_at
                 FROM event_signups s JOIN persons p ON p.nik = s.nik
                 WHERE s.event_id = $1 AND s.nik = $2 AND s.kelurahan_id = $3",
            )
            .bind(number)
            .bind(nik)
            .bind(self.kelurahan)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.map(signup_of))
    }

    /// The numbers of the events `nik` is signed up for now.
    pub async fn signed_event_numbers(&mut self, nik: &str) -> StoreResult<Vec<i64>> {
        let ids = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT event_id FROM event_signups
                 WHERE nik = $1 AND kelurahan_id = $2 AND status = $3 ORDER BY event_id",
            )
            .bind(nik)
            .bind(self.kelurahan)
            .bind(SignupStatus::Signed)
            .fetch_all(&mut **c)
            .await?
        });
        Ok(ids)
    }

    /// Signs `nik` up (again, after a withdrawal: the same row, from `phone`).
    pub async fn upsert_event_signup(
        &mut self,
        number: i64,
        nik: &str,
        phone: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO event_signups (event_id, kelurahan_id, nik, phone, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (event_id, nik) DO UPDATE SET status = $5, phone = $4",
            )
            .bind(number)
            .bind(self.kelurahan)
            .bind(nik)
            .bind(phone)
            .bind(SignupStatus::Signed)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    pub async fn set_event_signup_status(
        &mut self,
        number: i64,
        nik: &str,
        status: SignupStatus,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE event_signups SET status = $1
                 WHERE event_id = $2 AND nik = $3 AND kelurahan_id = $4",
            )
            .bind(status)
            .bind(number)
            .bind(nik)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Counts `nik` present at event `number`; `false` when already counted.
    pub async fn mark_event_attended(
        &mut self,
        number: i64,
        nik: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let done = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE event_signups SET attended_at = $1
                 WHERE event_id = $2 AND nik = $3 AND kelurahan_id = $4 AND attended_at IS NULL",
            )
            .bind(now)
            .bind(number)
            .bind(nik)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Whether some household of this kelurahan is in RW `rw`.
    pub async fn rw_exists(&mut self, rw: &str) -> StoreResult<bool> {
        let n: i64 = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM households WHERE rw = $1 AND kelurahan_id = $2 LIMIT 1) x",
            )
            .bind(rw)
            .bind(self.kelurahan)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(n > 0)
    }
}

fn signup_of((event, nik, name, phone, status, attended_at, created_at): SignupRow) -> Signup {
    Signup {
        event,
        nik,
        name,
        phone,
        status,
        attended_at,
        created_at,
    }
}

impl Db {
    /// The volunteer KPIs of one kelurahan, or of the whole deployment (`None`); events count as
    /// upcoming from `from` (unix seconds) on.
    pub async fn event_stats(
        &self,
        scope: Option<KelurahanId>,
        from: i64,
    ) -> StoreResult<EventStats> {
        let k = super::sql::in_scope("kelurahan_id", 1);
        let sql = format!(
            "SELECT
                CAST((SELECT COUNT(*) FROM events WHERE status = $2 AND starts_at >= $3 AND {k}) AS BIGINT),
                CAST((SELECT COUNT(*) FROM event_signups
                      WHERE status = $4 AND attended_at IS NOT NULL AND {k}) AS BIGINT)"
        );
        let (events_upcoming, volunteers_attended): (i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql)
                .bind(scope)
                .bind(Status::Open)
                .bind(from)
                .bind(SignupStatus::Signed)
                .fetch_one(p)
                .await?
        });
        Ok(EventStats {
            events_upcoming,
            volunteers_attended,
        })
    }
}
