//! The SQL of `TANYA` / `ADUAN` tickets ([`crate::tickets`]), each kelurahan's own.

use super::{on_backend, Tx};
use crate::error::StoreResult;
use crate::tickets::{Kind, Status, Ticket};

type TicketRow = (i64, String, Kind, String, Status, Option<String>, i64);

fn ticket_of((number, phone, kind, body, status, answer, created_at): TicketRow) -> Ticket {
    Ticket {
        number,
        phone,
        kind,
        body,
        status,
        answer,
        created_at,
    }
}

const COLUMNS: &str = "id, phone, kind, body, status, answer, created_at FROM tickets";

impl Tx {
    pub async fn insert_ticket(
        &mut self,
        phone: &str,
        kind: Kind,
        body: &str,
        merchant: Option<&str>,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO tickets (kelurahan_id, phone, kind, body, status, merchant, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(self.kelurahan)
            .bind(phone)
            .bind(kind)
            .bind(body)
            .bind(Status::Open)
            .bind(merchant)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// Ticket `number` of this kelurahan.
    pub async fn ticket(&mut self, number: i64) -> StoreResult<Option<Ticket>> {
        let sql = format!("SELECT {COLUMNS} WHERE id = $1 AND kelurahan_id = $2");
        let row: Option<TicketRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(number)
                .bind(self.kelurahan)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(row.map(ticket_of))
    }

    /// This kelurahan's tickets, oldest first: those of `status`, or all that are not closed.
    pub async fn tickets(&mut self, status: Option<Status>) -> StoreResult<Vec<Ticket>> {
        let sql = format!(
            "SELECT {COLUMNS} WHERE kelurahan_id = $1
             AND (CAST($2 AS TEXT) IS NULL AND status <> $3 OR status = $2) ORDER BY id LIMIT 500"
        );
        let rows: Vec<TicketRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(self.kelurahan)
                .bind(status)
                .bind(Status::Closed)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(ticket_of).collect())
    }

    /// The tickets of `phone` that are not closed, oldest first.
    pub async fn open_tickets_of(&mut self, phone: &str) -> StoreResult<Vec<Ticket>> {
        let sql = format!(
            "SELECT {COLUMNS} WHERE kelurahan_id = $1 AND phone = $2 AND status <> $3 ORDER BY id"
        );
        let rows: Vec<TicketRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(self.kelurahan)
                .bind(phone)
                .bind(Status::Closed)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(ticket_of).collect())
    }

    pub async fn answer_ticket(&mut self, number: i64, answer: &str, now: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE tickets SET status = $1, answer = $2, answered_at = $3
                 WHERE id = $4 AND kelurahan_id = $5",
            )
            .bind(Status::Answered)
            .bind(answer)
            .bind(now)
            .bind(number)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    pub async fn close_ticket(&mut self, number: i64, now: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE tickets SET status = $1, closed_at = $2 WHERE id = $3 AND kelurahan_id = $4",
            )
            .bind(Status::Closed)
            .bind(now)
            .bind(number)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }
}
