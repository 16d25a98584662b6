//! Inbound messages, the outbox and delivery statuses. An outbox row's status is
//! [`crate::outbox::Status`], bound as a parameter wherever a statement writes it; the
//! statements that claim rows and move heads keep `'queued'` and `'sending'` literal in their
//! conditions, which is what lets them use the partial indexes `outbox_leased`,
//! `outbox_phone_queued` and `outbox_phone_sending`.

use super::outbox_heads::HeadsOf;
use super::{on_backend, Backend, Db, KelurahanId, Tx};
use crate::error::StoreResult;
use crate::message::{
    Body, Channel, Content, Delivery, Inbound, Outbound, StatusUpdate, StoredInbound,
};
use crate::outbox::Status;
use sqlx::Row;

/// A claimed outbox row, ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    /// Whose number it goes out from.
    pub kelurahan: KelurahanId,
    pub channel: Channel,
    pub phone: String,
    pub body: Body,
    pub attempts: i64,
}

/// One outbox row as stored, whatever its state (tests, admin views).
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRecord {
    pub id: i64,
    pub status: Status,
    pub body: Body,
    /// Sending attempts so far (each claim counts one).
    pub attempts: i64,
    pub provider_id: Option<String>,
    /// The last provider error (a retried or failed send).
    pub error: Option<String>,
}

/// Outbox figures for `/metrics` and the benchmarks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutboxStats {
    /// Rows queued or being sent.
    pub depth: i64,
    /// Creation time of the oldest row still waiting, if any.
    pub oldest_waiting_at: Option<i64>,
    pub sent: i64,
    pub failed: i64,
}

/// What a status callback did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusOutcome {
    Applied,
    /// The message is already in a later state (out-of-order callback): kept as it was.
    Stale,
    /// No message of ours has this provider id (yet): kept, and applied by the recovery sweep
    /// if its send turns out to be ours ([`Db::apply_early_statuses`]).
    Unknown,
}

/// How one send ended, to record ([`Db::record_send_outcomes`]).
#[derive(Clone, Debug, PartialEq)]
pub enum SendOutcome {
    /// The provider accepted it, with its message id.
    Sent { id: i64, provider_id: String },
    /// A temporary failure: try again at `next_at`.
    Retry {
        id: i64,
        next_at: i64,
        error: String,
    },
    /// Nothing could go out (every route at its cap or down): try again at `next_at`, and the
    /// claim's try is not counted.
    Wait {
        id: i64,
        next_at: i64,
        error: String,
    },
    /// A permanent failure, never retried.
    Failed { id: i64, error: String },
}

impl SendOutcome {
    /// The outbox row's id.
    pub fn id(&self) -> i64 {
        match self {
            SendOutcome::Sent { id, .. }
            | SendOutcome::Retry { id, .. }
            | SendOutcome::Wait { id, .. }
            | SendOutcome::Failed { id, .. } => *id,
        }
    }
}

const STORED_INBOUND: &str = "id, channel, phone, provider_id, content, received_at, kelurahan_id";

fn inbound_from_row<R: Row>(row: &R) -> StoreResult<StoredInbound>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    let channel: String = row.try_get("channel")?;
    let content: String = row.try_get("content")?;
    Ok(StoredInbound {
        id: row.try_get("id")?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| crate::error::StoreError::Corrupt(format!("channel {channel}")))?,
        phone: row.try_get("phone")?,
        provider_id: row.try_get("provider_id")?,
        content: serde_json::from_str(&content)?,
        received_at: row.try_get("received_at")?,
        kelurahan: KelurahanId(row.try_get("kelurahan_id")?),
    })
}

fn outbox_from_row<R: Row>(row: &R) -> StoreResult<OutboxRow>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    let channel: String = row.try_get("channel")?;
    let body: String = row.try_get("body")?;
    Ok(OutboxRow {
        id: row.try_get("id")?,
        kelurahan: KelurahanId(row.try_get("kelurahan_id")?),
        channel: Channel::parse(&channel)
            .ok_or_else(|| crate::error::StoreError::Corrupt(format!("channel {channel}")))?,
        phone: row.try_get("phone")?,
        body: serde_json::from_str(&body)?,
        attempts: row.try_get("attempts")?,
    })
}

/// A delivery report's forward-only move of the row with its provider id (and recipient, when
/// the report names one): `$1` status, `$2` its rank, `$3` error, `$4` time, `$5` channel, `$6`
/// provider id, `$7` the highest rank it may move from, `$8` recipient.
pub(super) const STATUS_UPDATE: &str =
    "UPDATE outbox SET status = $1, status_rank = $2, error = COALESCE($3, error), updated_at = $4
     WHERE channel = $5 AND provider_id = $6 AND status_rank <= $7
       AND (CAST($8 AS TEXT) IS NULL OR phone = $8)";

impl Db {
    /// Records an inbound message durably. Returns its id, or `None` if the provider already
    /// delivered this message id (a redelivery: nothing more must happen).
    /// A message without a phone is recorded as handled: there is no one to answer.
    pub async fn record_inbound(&self, msg: &Inbound, now: i64) -> StoreResult<Option<i64>> {
        let mut ids = self.record_inbounds(&[(msg, now)]).await?;
        Ok(ids.pop().flatten())
    }

    /// Records inbound messages (each with the time it came in) durably, with one statement per
    /// hundred, committed on its own: several webhooks' messages share one commit. Returns, in
    /// order, each one's id, or `None` for a provider id already recorded (a redelivery, also one
    /// repeated within `msgs`: the first is kept).
    ///
    /// The insert's trigger (migration 0010) notes each phone as a contact (its channel, and when
    /// it last wrote: the WhatsApp 24-hour window).
    pub async fn record_inbounds(&self, msgs: &[(&Inbound, i64)]) -> StoreResult<Vec<Option<i64>>> {
        let mut ids = Vec::with_capacity(msgs.len());
        // 8 parameters a row: 100 rows stay far below either backend's parameter limit.
        for chunk in msgs.chunks(100) {
            let contents = chunk
                .iter()
                .map(|(m, _)| serde_json::to_string(&m.content))
                .collect::<Result<Vec<_>, _>>()?;
            let sql = format!(
                "INSERT INTO inbound (channel, provider_id, phone, kind, content, received_at, handled_at, kelurahan_id)
                 VALUES {}
                 ON CONFLICT (channel, provider_id) DO NOTHING
                 RETURNING id, channel, provider_id",
                super::sql::values(chunk.len(), 8, 1)
            );
            let inserted: Vec<(i64, String, String)> = on_backend!(&self.pool, p => {
                let mut query = sqlx::query_as(&sql);
                for ((msg, now), content) in chunk.iter().zip(&contents) {
                    query = query
                        .bind(msg.channel.as_str())
                        .bind(&msg.provider_id)
                        .bind(msg.phone.as_deref().unwrap_or_default())
                        .bind(msg.content.kind())
                        .bind(content)
                        .bind(*now)
                        .bind(msg.phone.is_none().then_some(*now))
                        .bind(msg.kelurahan);
                }
                query.fetch_all(p).await?
            });
            let mut inserted: std::collections::HashMap<(String, String), i64> = inserted
                .into_iter()
                .map(|(id, channel, provider_id)| ((channel, provider_id), id))
                .collect();
            // Each new id goes to the first message that carried its provider id.
            ids.extend(chunk.iter().map(|(msg, _)| {
                inserted.remove(&(msg.channel.as_str().to_string(), msg.provider_id.clone()))
            }));
        }
        Ok(ids)
    }

    /// Inbound messages recorded but not yet handled (a backlog of steps).
    pub async fn pending_inbound_count(&self) -> StoreResult<i64> {
        let n = on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL")
                .fetch_one(p)
                .await?
        });
        Ok(n)
    }

    /// Phones with inbound messages not yet handled, oldest first (the recovery sweep after a crash).
    pub async fn phones_with_pending_inbound(&self, limit: i64) -> StoreResult<Vec<String>> {
        let phones = on_backend!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT phone FROM inbound WHERE handled_at IS NULL
                 GROUP BY phone ORDER BY MIN(id) LIMIT $1",
            )
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        Ok(phones)
    }

    /// Gives back the rows of `channel` whose lease has run out (their sender died, or a crash
    /// left them claimed), so they are claimed again. The sender does this every poll interval,
    /// not on every claim. Returns how many rows came back.
    pub async fn release_expired_leases(&self, channel: Channel, now: i64) -> StoreResult<u64> {
        let mut tx = self.begin(KelurahanId::DEFAULT).await?;
        let ids: Vec<i64> = on_backend!(&mut tx.conn, c => {
            sqlx::query_scalar(
                "UPDATE outbox SET status = $3, lease_until = NULL, updated_at = $1
                 WHERE status = 'sending' AND lease_until < $1 AND channel = $2
                 RETURNING id",
            )
            .bind(now)
            .bind(channel.as_str())
            .bind(Status::Queued)
            .fetch_all(&mut **c)
            .await?
        });
        tx.refresh_heads(HeadsOf::Rows(&ids)).await?;
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    /// Claims up to `limit` due rows of `channel` for sending, replies before notices before
    /// broadcasts, oldest first. A claim is a lease until `now + lease_ms`: rows of a sender
    /// that died come back with [`Db::release_expired_leases`] once it has passed.
    ///
    /// Per phone, rows go out one at a time in (priority, id) order: the claim takes phones'
    /// queue heads (`outbox_heads`, see `store/outbox_heads.rs`), each its phone's next row while
    /// none of its rows is being sent, in (priority, id) order; a row waiting for its retry holds
    /// back the ones after it. So a claim returns at most one row per phone, rows of different
    /// phones may be sent concurrently, a phone's rows keep their order, and a reply never waits
    /// behind a broadcast queued earlier for the same phone. The claim reads only the heads it
    /// takes (and skips those waiting for a retry), never the rows queued behind them: its cost
    /// does not grow with the backlog. On PostgreSQL heads are taken `FOR UPDATE SKIP LOCKED`, so
    /// two servers never claim one phone and never wait for each other.
    pub async fn claim_outbox(
        &self,
        channel: Channel,
        now: i64,
        limit: i64,
        lease_ms: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        let mut tx = self.begin(KelurahanId::DEFAULT).await?;
        let mut rows: Vec<(i64, OutboxRow)> = Vec::new();
        // A head whose row is no longer queued (a cancelled broadcast row, one the terminal took)
        // is recomputed and the claim goes on for what is left: a few rounds at most.
        for _ in 0..4 {
            let want = limit - rows.len() as i64;
            if want <= 0 {
                break;
            }
            let ids = tx.claim_heads(channel, now, want).await?;
            if ids.is_empty() {
                break;
            }
            let sql = format!(
                "UPDATE outbox SET status = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
                 WHERE id IN ({}) AND status = 'queued'
                 RETURNING id, channel, phone, body, attempts, priority, kelurahan_id",
                super::sql::list(ids.len(), 4)
            );
            let got: Vec<(i64, OutboxRow)> = on_backend!(&mut tx.conn, c => {
                let mut q = sqlx::query(&sql)
                    .bind(Status::Sending)
                    .bind(now + lease_ms)
                    .bind(now);
                for id in &ids {
                    q = q.bind(id);
                }
                q.fetch_all(&mut **c)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get::<i64, _>("priority")?, outbox_from_row(r)?)))
                    .collect::<StoreResult<Vec<_>>>()?
            });
            let stale: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| !got.iter().any(|(_, r)| r.id == *id))
                .collect();
            rows.extend(got);
            if stale.is_empty() {
                break;
            }
            tx.refresh_heads(HeadsOf::Rows(&stale)).await?;
        }
        tx.commit().await?;
        rows.sort_by_key(|(priority, row)| (*priority, row.id));
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// The provider accepted the message: it is never sent again.
    pub async fn outbox_sent(&self, id: i64, provider_id: &str, now: i64) -> StoreResult<()> {
        self.outbox_sent_all(&[(id, provider_id.to_string())], now)
            .await
    }

    /// The provider accepted these messages (id, the provider's id for it): one statement for a
    /// sender's finished sends. A delivery report that came first is kept.
    pub async fn outbox_sent_all(&self, sent: &[(i64, String)], now: i64) -> StoreResult<()> {
        let outcomes: Vec<SendOutcome> = sent
            .iter()
            .map(|(id, provider_id)| SendOutcome::Sent {
                id: *id,
                provider_id: provider_id.clone(),
            })
            .collect();
        self.record_send_outcomes(&outcomes, now).await
    }

    /// A temporary failure (timeout, 429, 5xx): try again at `next_at`.
    pub async fn outbox_retry(
        &self,
        id: i64,
        next_at: i64,
        error: &str,
        now: i64,
    ) -> StoreResult<()> {
        let retry = SendOutcome::Retry {
            id,
            next_at,
            error: error.to_string(),
        };
        self.record_send_outcomes(&[retry], now).await
    }

    /// A permanent failure (4xx other than 429): kept with the provider's error, never retried.
    pub async fn outbox_failed(&self, id: i64, error: &str, now: i64) -> StoreResult<()> {
        let failed = SendOutcome::Failed {
            id,
            error: error.to_string(),
        };
        self.record_send_outcomes(&[failed], now).await
    }

    /// Records how sends ended, in one unit of work, and moves their phones' heads on. The
    /// accepted ones are recorded with one statement; if that fails on a row (a provider id
    /// already recorded for another message: `UNIQUE(channel, provider_id)`), the statement is
    /// undone and each row recorded on its own, so one odd answer never fails the others: the
    /// row that clashes is recorded sent (the provider took it) without the provider id, and
    /// the clash kept as its error.
    pub async fn record_send_outcomes(
        &self,
        outcomes: &[SendOutcome],
        now: i64,
    ) -> StoreResult<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin(KelurahanId::DEFAULT).await?;
        let sent: Vec<(i64, &str)> = outcomes
            .iter()
            .filter_map(|o| match o {
                SendOutcome::Sent { id, provider_id } => Some((*id, provider_id.as_str())),
                _ => None,
            })
            .collect();
        // 2 parameters a row: 500 rows stay far below either backend's parameter limit.
        for chunk in sent.chunks(500) {
            tx.savepoint("outbox_sent").await?;
            match tx.mark_sent(chunk, now).await {
                Ok(()) => tx.release_savepoint("outbox_sent").await?,
                Err(e) => {
                    tx.rollback_to_savepoint("outbox_sent").await?;
                    tracing::warn!(error = %e, rows = chunk.len(), "recording sends together failed: one by one");
                    for (id, provider_id) in chunk {
                        tx.savepoint("outbox_sent_one").await?;
                        match tx.mark_sent(&[(*id, provider_id)], now).await {
                            Ok(()) => tx.release_savepoint("outbox_sent_one").await?,
                            Err(e) => {
                                tx.rollback_to_savepoint("outbox_sent_one").await?;
                                tracing::warn!(id, error = %e, "a sent message's provider id cannot be recorded");
                                tx.mark_sent_without_id(
                                    *id,
                                    &format!("provider id {provider_id} not recorded: {e}"),
                                    now,
                                )
                                .await?;
                            }
                        }
                    }
                }
            }
        }
        for o in outcomes {
            match o {
                SendOutcome::Sent { .. } => {}
                SendOutcome::Retry { id, next_at, error }
                | SendOutcome::Wait { id, next_at, error } => {
                    // A wait gives back the try its claim counted.
                    let uncounted = i64::from(matches!(o, SendOutcome::Wait { .. }));
                    on_backend!(&mut tx.conn, c => {
                        sqlx::query(
                            "UPDATE outbox SET status = $5, next_attempt_at = $1, error = $2,
                                lease_until = NULL, updated_at = $3, attempts = attempts - $7
                             WHERE id = $4 AND status = $6",
                        )
                        .bind(next_at)
                        .bind(error)
                        .bind(now)
                        .bind(id)
                        .bind(Status::Queued)
                        .bind(Status::Sending)
                        .bind(uncounted)
                        .execute(&mut **c)
                        .await?;
                    });
                }
                SendOutcome::Failed { id, error } => {
                    on_backend!(&mut tx.conn, c => {
                        sqlx::query(
                            "UPDATE outbox SET status = $5, status_rank = $1, error = $2,
                                lease_until = NULL, updated_at = $3
                             WHERE id = $4",
                        )
                        .bind(Delivery::Failed.rank())
                        .bind(error)
                        .bind(now)
                        .bind(id)
                        .bind(Status::Failed)
                        .execute(&mut **c)
                        .await?;
                    });
                }
            }
        }
        let ids: Vec<i64> = outcomes.iter().map(SendOutcome::id).collect();
        tx.refresh_heads(HeadsOf::Rows(&ids)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies a provider's delivery report to the row with its provider id, and only when the
    /// report's recipient (if it names one) is that row's phone. Statuses only move forward: a
    /// late `sent` after `delivered` changes nothing, and `failed` never follows `delivered` or
    /// `read` ([`Delivery::follows`]). A report for another recipient is `Unknown`.
    pub async fn apply_status(&self, s: &StatusUpdate) -> StoreResult<StatusOutcome> {
        if self.update_status(s).await? > 0 {
            return Ok(StatusOutcome::Applied);
        }
        let known: Option<i64> = on_backend!(&self.pool, p => {
            sqlx::query_scalar(
                "SELECT id FROM outbox WHERE channel = $1 AND provider_id = $2
                 AND (CAST($3 AS TEXT) IS NULL OR phone = $3)",
            )
            .bind(s.channel.as_str())
            .bind(&s.provider_id)
            .bind(&s.recipient)
            .fetch_optional(p)
            .await?
        });
        if known.is_none() {
            // Perhaps the send is not recorded yet: kept for the sweep ([`Db::apply_early_statuses`]).
            self.keep_early_status(s).await?;
            return Ok(StatusOutcome::Unknown);
        }
        // The send may have been recorded between the update and the look: once more.
        Ok(if self.update_status(s).await? > 0 {
            StatusOutcome::Applied
        } else {
            StatusOutcome::Stale
        })
    }

    /// The forward-only move of [`Db::apply_status`]: rows changed.
    async fn update_status(&self, s: &StatusUpdate) -> StoreResult<u64> {
        Ok(on_backend!(&self.pool, p => {
            sqlx::query(STATUS_UPDATE)
                .bind(Status::from(&s.status))
                .bind(s.status.rank())
                .bind(&s.error)
                .bind(s.at)
                .bind(s.channel.as_str())
                .bind(&s.provider_id)
                .bind(s.status.follows())
                .bind(&s.recipient)
                .execute(p)
                .await?
                .rows_affected()
        }))
    }

    /// The outbox's figures: of one kelurahan's rows, or of the whole deployment's (`None`).
    pub async fn outbox_stats(&self, scope: Option<KelurahanId>) -> StoreResult<OutboxStats> {
        let sql = format!(
            "SELECT
                COALESCE(SUM(CASE WHEN status IN ('queued', 'sending') THEN 1 ELSE 0 END), 0),
                MIN(CASE WHEN status IN ('queued', 'sending') THEN created_at END),
                COALESCE(SUM(CASE WHEN status_rank BETWEEN 1 AND 3 THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)
             FROM outbox WHERE {}",
            super::sql::in_scope("kelurahan_id", 1)
        );
        let (depth, oldest, sent, failed): (i64, Option<i64>, i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql).bind(scope).fetch_one(p).await?
        });
        Ok(OutboxStats {
            depth,
            oldest_waiting_at: oldest,
            sent,
            failed,
        })
    }

    /// Rows waiting (queued or being sent) per kelurahan, over the whole deployment: the
    /// backlog gauges of `/metrics`. Kelurahan with none waiting are not listed.
    pub async fn outbox_depth_by_kelurahan(&self) -> StoreResult<Vec<(KelurahanId, i64)>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT kelurahan_id, CAST(COUNT(*) AS BIGINT) FROM outbox
                 WHERE status IN ('queued', 'sending') GROUP BY kelurahan_id ORDER BY kelurahan_id",
            )
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }

    /// How many messages were received (every channel, redeliveries counted once): sent to one
    /// kelurahan's numbers, or to the whole deployment's (`None`).
    pub async fn inbound_count(&self, scope: Option<KelurahanId>) -> StoreResult<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM inbound WHERE {}",
            super::sql::in_scope("kelurahan_id", 1)
        );
        let n = on_backend!(&self.pool, p => {
            sqlx::query_scalar(&sql).bind(scope).fetch_one(p).await?
        });
        Ok(n)
    }

    /// Every outbox row for a phone, oldest first: (status, body). For tests and the admin API.
    pub async fn outbox_for_phone(&self, phone: &str) -> StoreResult<Vec<(Status, Body)>> {
        Ok(self
            .outbox_records(phone)
            .await?
            .into_iter()
            .map(|r| (r.status, r.body))
            .collect())
    }

    /// Every outbox row for a phone with its sending history, oldest first.
    pub async fn outbox_records(&self, phone: &str) -> StoreResult<Vec<OutboxRecord>> {
        type Raw = (i64, Status, String, i64, Option<String>, Option<String>);
        let rows: Vec<Raw> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT id, status, body, attempts, provider_id, error FROM outbox
                 WHERE phone = $1 ORDER BY id",
            )
            .bind(phone)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, status, body, attempts, provider_id, error)| {
                Ok(OutboxRecord {
                    id,
                    status,
                    body: serde_json::from_str(&body)?,
                    attempts,
                    provider_id,
                    error,
                })
            })
            .collect()
    }
}

impl Tx {
    /// Serialises the handling of these phones' messages (a batch of conversation steps in one
    /// unit of work), across processes on PostgreSQL; on SQLite the transaction already holds
    /// the database's single write lock. On PostgreSQL the locks are taken in one fixed order (of
    /// their keys), so two batches sharing phones wait for each other instead of deadlocking.
    pub async fn lock_phones(&mut self, phones: &[String]) -> StoreResult<()> {
        if let Backend::Postgres(c) = &mut self.conn {
            sqlx::query(
                "SELECT pg_advisory_xact_lock(k)
                 FROM (SELECT DISTINCT hashtextextended(p, 0) AS k FROM unnest($1::text[]) AS p
                       ORDER BY k) AS keys",
            )
            .bind(phones)
            .execute(&mut **c)
            .await?;
        }
        Ok(())
    }

    /// The oldest unhandled message of each of `phones` that has one, and whether another one is
    /// waiting behind it: one query for a whole batch of conversation steps.
    pub async fn next_pending_inbound_of(
        &mut self,
        phones: &[String],
    ) -> StoreResult<Vec<(StoredInbound, bool)>> {
        if phones.is_empty() {
            return Ok(Vec::new());
        }
        let list = super::sql::list(phones.len(), 1);
        let sql = format!(
            "SELECT {STORED_INBOUND},
                    (SELECT COUNT(*) FROM inbound w WHERE w.phone = i.phone AND w.handled_at IS NULL) AS waiting
             FROM inbound i
             WHERE i.id IN (SELECT MIN(id) FROM inbound
                            WHERE handled_at IS NULL AND phone IN ({list}) GROUP BY phone)
             ORDER BY i.id"
        );
        on_backend!(&mut self.conn, c => {
            let mut query = sqlx::query(&sql);
            for phone in phones {
                query = query.bind(phone);
            }
            let rows = query.fetch_all(&mut **c).await?;
            rows.iter()
                .map(|r| Ok((inbound_from_row(r)?, r.try_get::<i64, _>("waiting")? > 1)))
                .collect()
        })
    }

    /// Marks an inbound message handled; `stored` replaces its content (a PIN, masked).
    pub async fn finish_inbound(
        &mut self,
        id: i64,
        stored: Option<&Content>,
        now: i64,
    ) -> StoreResult<()> {
        let content = stored.map(serde_json::to_string).transpose()?;
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE inbound SET handled_at = $1, content = COALESCE($2, content) WHERE id = $3")
                .bind(now)
                .bind(content)
                .bind(id)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    /// Marks inbound messages handled, in one statement; their contents are kept.
    pub async fn finish_inbounds(&mut self, ids: &[i64], now: i64) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE inbound SET handled_at = $1 WHERE id IN ({})",
            super::sql::list(ids.len(), 2)
        );
        on_backend!(&mut self.conn, c => {
            let mut query = sqlx::query(&sql).bind(now);
            for id in ids {
                query = query.bind(id);
            }
            query.execute(&mut **c).await?;
        });
        Ok(())
    }

    /// Records rows accepted by the provider (one statement). A delivery report that came first
    /// is kept.
    async fn mark_sent(&mut self, rows: &[(i64, &str)], now: i64) -> StoreResult<()> {
        // `VALUES` columns are named column1, column2 by both dialects.
        let sql = format!(
            "UPDATE outbox SET status = CASE WHEN status_rank > 1 THEN status ELSE $2 END,
                status_rank = CASE WHEN status_rank > 1 THEN status_rank ELSE 1 END,
                provider_id = v.column2, sent_at = $1, updated_at = $1, lease_until = NULL
             FROM (VALUES {}) AS v
             WHERE outbox.id = v.column1",
            super::sql::values(rows.len(), 2, 3)
        );
        on_backend!(&mut self.conn, c => {
            let mut query = sqlx::query(&sql).bind(now).bind(Status::Sent);
            for (id, provider_id) in rows {
                query = query.bind(id).bind(*provider_id);
            }
            query.execute(&mut **c).await?;
        });
        Ok(())
    }

    /// Records a row accepted by the provider whose id cannot be kept (see
    /// [`Db::record_send_outcomes`]): sent, never sent again, with `error` saying why.
    async fn mark_sent_without_id(&mut self, id: i64, error: &str, now: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE outbox SET status = CASE WHEN status_rank > 1 THEN status ELSE $2 END,
                    status_rank = CASE WHEN status_rank > 1 THEN status_rank ELSE 1 END,
                    error = $3, sent_at = $1, updated_at = $1, lease_until = NULL
                 WHERE id = $4",
            )
            .bind(now)
            .bind(Status::Sent)
            .bind(error)
            .bind(id)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Queues messages with one statement; they are sent only if this unit of work commits.
    pub async fn enqueue_all(&mut self, msgs: &[Outbound], now: i64) -> StoreResult<()> {
        // 9 parameters a row: 100 rows stay far below either backend's parameter limit.
        for chunk in msgs.chunks(100) {
            let rows = super::sql::values(chunk.len(), 9, 1);
            let sql = format!(
                "INSERT INTO outbox (channel, phone, body, priority, status, next_attempt_at, created_at, updated_at, kelurahan_id)
                 VALUES {rows}
                 RETURNING id, channel, phone, priority, next_attempt_at"
            );
            let bodies = chunk
                .iter()
                .map(|m| serde_json::to_string(&m.body))
                .collect::<Result<Vec<_>, _>>()?;
            let queued: Vec<(i64, String, String, i64, i64)> = on_backend!(&mut self.conn, c => {
                let mut query = sqlx::query_as(&sql);
                for (msg, body) in chunk.iter().zip(&bodies) {
                    query = query
                        .bind(msg.channel.as_str())
                        .bind(&msg.phone)
                        .bind(body)
                        .bind(msg.priority as i64)
                        .bind(Status::Queued)
                        .bind(now)
                        .bind(now)
                        .bind(now)
                        .bind(msg.kelurahan);
                }
                query.fetch_all(&mut **c).await?
            });
            self.heads_queued(&queued).await?;
        }
        Ok(())
    }

    /// Queues a message; it is sent only if this unit of work commits.
    pub async fn enqueue(&mut self, msg: &Outbound, now: i64) -> StoreResult<i64> {
        let body = serde_json::to_string(&msg.body)?;
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO outbox (channel, phone, body, priority, status, next_attempt_at, created_at, updated_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $6, $5, $5, $5, $7) RETURNING id",
            )
            .bind(msg.channel.as_str())
            .bind(&msg.phone)
            .bind(&body)
            .bind(msg.priority as i64)
            .bind(now)
            .bind(Status::Queued)
            .bind(msg.kelurahan)
            .fetch_one(&mut **c)
            .await?
        });
        self.heads_queued(&[(
            id,
            msg.channel.as_str().to_string(),
            msg.phone.clone(),
            msg.priority as i64,
            now,
        )])
        .await?;
        Ok(id)
    }
}
