//! The outbox's per-phone queue heads (`outbox_heads`, migration 0012): for each (channel,
//! phone), its next queued row in (priority, id) order while none of its rows is being sent
//! (`busy = 0`), or the row being sent (`busy = 1`). The claim reads heads only, so it costs what
//! it claims, not the backlog behind each phone.
//!
//! Every change to a phone's open rows keeps its head in the same unit of work: a row queued
//! moves the head to it when it comes first ([`Tx::heads_queued`]); a claim marks heads busy;
//! a send's end, an expired lease, a cancelled broadcast or the terminal's delivery recompute the
//! head from the rows ([`Tx::refresh_heads`]). A head pointing at a row no longer queued (say a
//! cancelled one) is recomputed by the claim that meets it.
//!
//! On PostgreSQL the head row is the phone's lock: the claim takes heads `FOR UPDATE SKIP
//! LOCKED` (two servers never claim one phone), and a recompute locks the heads first, in
//! (channel, phone) order, then reads the rows in a later statement, so it sees every row queued
//! by a unit of work that held the head before it.

use super::{on_backend, Backend, Tx};
use crate::error::StoreResult;
use crate::message::Channel;
use std::collections::BTreeMap;

/// The upsert of a queued row into its phone's head: the head moves to it when none of the
/// phone's rows is being sent and it comes first in (priority, id) order (or nothing was queued).
const MOVE_HEAD: &str = "ON CONFLICT (channel, phone) DO UPDATE SET outbox_id = excluded.outbox_id,
        priority = excluded.priority, next_attempt_at = excluded.next_attempt_at
    WHERE outbox_heads.busy = 0
      AND (outbox_heads.outbox_id IS NULL OR excluded.priority < outbox_heads.priority
           OR (excluded.priority = outbox_heads.priority AND excluded.outbox_id < outbox_heads.outbox_id))";

/// Whose heads to recompute.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HeadsOf<'a> {
    /// The phones of these outbox rows.
    Rows(&'a [i64]),
    /// The phones of a broadcast's cancelled rows.
    CancelledBroadcast(i64),
}

impl Tx {
    /// Rows just queued (id, channel, phone, priority, next attempt): each phone's head moves to
    /// its best new row when that comes before the head's row and none of its rows is being sent.
    pub(crate) async fn heads_queued(
        &mut self,
        rows: &[(i64, String, String, i64, i64)],
    ) -> StoreResult<()> {
        // The best new row per phone, in (channel, phone) order: one upsert may not touch a head
        // twice, and a fixed order keeps two units of work from deadlocking on heads.
        let mut best: BTreeMap<(&str, &str), (i64, i64, i64)> = BTreeMap::new();
        for (id, channel, phone, priority, next_at) in rows {
            let entry = best
                .entry((channel.as_str(), phone.as_str()))
                .or_insert((*priority, *id, *next_at));
            if (*priority, *id) < (entry.0, entry.1) {
                *entry = (*priority, *id, *next_at);
            }
        }
        let best: Vec<_> = best.into_iter().collect();
        // 5 parameters a row.
        for chunk in best.chunks(200) {
            let sql = format!(
                "INSERT INTO outbox_heads (channel, phone, outbox_id, priority, next_attempt_at)
                 VALUES {} {MOVE_HEAD}",
                super::sql::values(chunk.len(), 5, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for ((channel, phone), (priority, id, next_at)) in chunk {
                    q = q.bind(*channel).bind(*phone).bind(id).bind(priority).bind(next_at);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    /// A broadcast's rows just queued (one statement, whatever their number).
    pub(crate) async fn heads_queued_broadcast(&mut self, broadcast_id: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(&format!(
                "INSERT INTO outbox_heads (channel, phone, outbox_id, priority, next_attempt_at)
                 SELECT channel, phone, MIN(id), MIN(priority), MIN(next_attempt_at) FROM outbox
                 WHERE broadcast_id = $1 AND status = 'queued'
                 GROUP BY channel, phone ORDER BY channel, phone {MOVE_HEAD}"
            ))
            .bind(broadcast_id)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Recomputes the heads of these phones from their rows: busy while one of their rows is
    /// being sent, else pointing at the next queued one (none: nothing to send).
    pub(crate) async fn refresh_heads(&mut self, of: HeadsOf<'_>) -> StoreResult<()> {
        match of {
            HeadsOf::Rows(ids) => {
                for chunk in ids.chunks(500) {
                    let which = format!(
                        "(channel, phone) IN (SELECT channel, phone FROM outbox WHERE id IN ({}))",
                        super::sql::list(chunk.len(), 1)
                    );
                    self.refresh_heads_where(&which, chunk).await?;
                }
            }
            HeadsOf::CancelledBroadcast(id) => {
                let which = "(channel, phone) IN (SELECT channel, phone FROM outbox
                              WHERE broadcast_id = $1 AND status = 'cancelled')";
                self.refresh_heads_where(which, &[id]).await?;
            }
        }
        Ok(())
    }

    async fn refresh_heads_where(&mut self, which: &str, binds: &[i64]) -> StoreResult<()> {
        if let Backend::Postgres(c) = &mut self.conn {
            let sql = format!(
                "SELECT 1 FROM outbox_heads WHERE {which} ORDER BY channel, phone FOR UPDATE"
            );
            let mut q = sqlx::query(&sql);
            for b in binds {
                q = q.bind(b);
            }
            q.execute(&mut **c).await?;
        }
        let heads = format!(
            "UPDATE outbox_heads SET
                busy = CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.channel = outbox_heads.channel
                                         AND o.phone = outbox_heads.phone AND o.status = 'sending')
                       THEN 1 ELSE 0 END,
                outbox_id = COALESCE(
                    (SELECT o.id FROM outbox o WHERE o.channel = outbox_heads.channel
                     AND o.phone = outbox_heads.phone AND o.status = 'sending' ORDER BY o.id LIMIT 1),
                    (SELECT o.id FROM outbox o WHERE o.channel = outbox_heads.channel
                     AND o.phone = outbox_heads.phone AND o.status = 'queued'
                     ORDER BY o.priority, o.id LIMIT 1))
             WHERE {which}"
        );
        let figures = format!(
            "UPDATE outbox_heads SET
                priority = COALESCE((SELECT o.priority FROM outbox o WHERE o.id = outbox_heads.outbox_id), 0),
                next_attempt_at = COALESCE((SELECT o.next_attempt_at FROM outbox o
                                            WHERE o.id = outbox_heads.outbox_id), 0)
             WHERE {which}"
        );
        for sql in [heads, figures] {
            on_backend!(&mut self.conn, c => {
                let mut q = sqlx::query(&sql);
                for b in binds {
                    q = q.bind(b);
                }
                q.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    /// Marks up to `limit` ready heads of `channel` busy, in (priority, id) order, and returns
    /// their rows' ids. On PostgreSQL heads another server holds are skipped.
    pub(crate) async fn claim_heads(
        &mut self,
        channel: Channel,
        now: i64,
        limit: i64,
    ) -> StoreResult<Vec<i64>> {
        let lock = match self.conn {
            Backend::Sqlite(_) => "",
            Backend::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE outbox_heads SET busy = 1
             WHERE (channel, phone) IN (
                SELECT channel, phone FROM outbox_heads
                WHERE channel = $1 AND busy = 0 AND outbox_id IS NOT NULL AND next_attempt_at <= $2
                ORDER BY priority, outbox_id LIMIT $3 {lock})
             RETURNING outbox_id"
        );
        let ids = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(&sql)
                .bind(channel.as_str())
                .bind(now)
                .bind(limit)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(ids)
    }
}
