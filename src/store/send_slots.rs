//! The send schedule that every server on one database shares (`outbox_send_slots`, migration
//! 0013): per channel, the next free send slot on the database's clock. A sender books the slots
//! of the rows it claimed, `n` at a time, with one upsert: the slots are taken in turn by
//! whichever server asks, spaced `interval` apart from the later of the schedule's end and now,
//! so the sends of all servers together never come closer than the channel's spacing
//! (`src/outbox/rate.rs`, [`crate::outbox::rate::SharedSchedule`]).

use super::{Backend, Db};
use crate::error::StoreResult;
use crate::message::Channel;

impl Db {
    /// Whether several servers may share this database (PostgreSQL): their sends then share one
    /// cap through [`Db::book_send_slots`]. An SQLite file is one process's.
    pub fn shared_by_servers(&self) -> bool {
        matches!(self.pool, Backend::Postgres(_))
    }

    /// Books `n` consecutive send slots of `channel`, `interval_us` microseconds apart, and
    /// returns how long after the database's clock read by this statement the first one starts
    /// (0 when it is free now). Slots not booked before are never owed: after an idle spell the
    /// schedule starts again from now.
    ///
    /// On PostgreSQL the clock is the database server's, so servers on different machines book
    /// on one clock; a server sends each slot at the time it learnt plus the slot's offset, so it
    /// is never early, only late by the statement's return trip. On SQLite (one process) it is
    /// the process's clock.
    pub async fn book_send_slots(
        &self,
        channel: Channel,
        n: u32,
        interval_us: i64,
    ) -> StoreResult<i64> {
        let span = i64::from(n.max(1)) * interval_us.max(1);
        let wait: i64 = match &self.pool {
            Backend::Postgres(p) => {
                sqlx::query_scalar(
                    "WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT AS now_us)
                     INSERT INTO outbox_send_slots AS s (channel, next_at_us)
                     SELECT $1, now_us + $2 FROM clock
                     ON CONFLICT (channel) DO UPDATE
                        SET next_at_us = GREATEST(s.next_at_us, (SELECT now_us FROM clock)) + $2
                     RETURNING s.next_at_us - $2 - (SELECT now_us FROM clock)",
                )
                .bind(channel.as_str())
                .bind(span)
                .fetch_one(p)
                .await?
            }
            Backend::Sqlite(p) => {
                let now_us = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_micros() as i64);
                sqlx::query_scalar(
                    "INSERT INTO outbox_send_slots (channel, next_at_us) VALUES ($1, $3 + $2)
                     ON CONFLICT (channel) DO UPDATE
                        SET next_at_us = max(outbox_send_slots.next_at_us, $3) + $2
                     RETURNING next_at_us - $2 - $3",
                )
                .bind(channel.as_str())
                .bind(span)
                .bind(now_us)
                .fetch_one(p)
                .await?
            }
        };
        Ok(wait.max(0))
    }
}
