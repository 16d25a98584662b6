//! Delivery reports that arrived before the send they report on was recorded (migration 0024):
//! kept by [`Db::apply_status`], applied by the recovery sweep once the provider id is known,
//! forgotten after a day.

use super::channels::STATUS_UPDATE;
use super::{on_backend, Code, Db};
use crate::error::StoreResult;
use crate::message::StatusUpdate;
use crate::outbox::Status;

/// How long a report waits for its send before it is taken as not ours.
pub const EARLY_STATUS_TTL_MS: i64 = 24 * 3600 * 1000;

impl Db {
    /// Keeps `s` until its send is recorded.
    pub(super) async fn keep_early_status(&self, s: &StatusUpdate) -> StoreResult<()> {
        on_backend!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO early_statuses
                   (channel, provider_id, status, status_rank, follows, recipient, error, at, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                 ON CONFLICT (channel, provider_id, status) DO NOTHING",
            )
            .bind(s.channel.as_str())
            .bind(&s.provider_id)
            .bind(Status::from(&s.status).code())
            .bind(s.status.rank())
            .bind(s.status.follows())
            .bind(&s.recipient)
            .bind(&s.error)
            .bind(s.at)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// Applies the kept reports whose send is now recorded, in the order they happened (each
    /// only moves its row forward), and forgets them and those older than a day. Answers how
    /// many moved a row.
    pub async fn apply_early_statuses(&self, now: i64) -> StoreResult<u64> {
        type Row = (
            String,
            String,
            String,
            i64,
            i64,
            Option<String>,
            Option<String>,
            i64,
        );
        let rows: Vec<Row> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT e.channel, e.provider_id, e.status, e.status_rank, e.follows, e.recipient,
                        e.error, e.at
                 FROM early_statuses e
                 WHERE EXISTS (SELECT 1 FROM outbox o
                               WHERE o.channel = e.channel AND o.provider_id = e.provider_id)
                 ORDER BY e.status_rank, e.at",
            )
            .fetch_all(p)
            .await?
        });
        let mut applied = 0;
        for (channel, provider_id, status, rank, follows, recipient, error, at) in rows {
            let moved = on_backend!(&self.pool, p => {
                sqlx::query(STATUS_UPDATE)
                    .bind(&status)
                    .bind(rank)
                    .bind(&error)
                    .bind(at)
                    .bind(&channel)
                    .bind(&provider_id)
                    .bind(follows)
                    .bind(&recipient)
                    .execute(p)
                    .await?
                    .rows_affected()
            });
            applied += moved;
            on_backend!(&self.pool, p => {
                sqlx::query(
                    "DELETE FROM early_statuses WHERE channel = $1 AND provider_id = $2 AND status = $3",
                )
                .bind(&channel)
                .bind(&provider_id)
                .bind(&status)
                .execute(p)
                .await?;
            });
        }
        on_backend!(&self.pool, p => {
            sqlx::query("DELETE FROM early_statuses WHERE received_at < $1")
                .bind(now - EARLY_STATUS_TTL_MS)
                .execute(p)
                .await?;
        });
        if applied > 0 {
            tracing::info!(
                applied,
                "delivery reports that came before their send applied"
            );
        }
        Ok(applied)
    }
}
