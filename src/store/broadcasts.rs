//! Admins and broadcasts (`SIARAN`, `POST /api/broadcasts`). A broadcast's messages are outbox
//! rows with `broadcast_id` set, written with one set-based `INSERT … SELECT` per kind of message
//! (never one statement per recipient); its figures are counted from those rows.
//!
//! Recipients are linked residents (`links`, so one row per phone) still present in the registry
//! of the unit of work's kelurahan, whose phone has not opted out (`contacts.opted_out`), in the
//! target's area and role. Admins and broadcasts belong to one kelurahan and are found there only.

use super::{on_backend, Backend, Db, KelurahanId, Tx};
use crate::broadcast::Status;
use crate::error::StoreResult;
use crate::message::{Body, Channel, Priority};
use crate::outbox::Status as RowStatus;

/// Who a broadcast is for. Areas are normalised (`rw` `03`, `rt` `001`); `rt` needs `rw`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub rw: Option<String>,
    pub rt: Option<String>,
    pub role: Option<Role>,
}

/// A group of residents a broadcast may be narrowed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Residents who are merchants (`merchants` table of the ledger; none while it is absent).
    Merchant,
    /// Members of households that have not verified their data (`DATA` → 1).
    Unverified,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Merchant => "merchant",
            Role::Unverified => "unverified",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_lowercase().as_str() {
            "merchant" => Some(Role::Merchant),
            "unverified" => Some(Role::Unverified),
            _ => None,
        }
    }
}

/// How many recipients a target has, by the kind of message each gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// WhatsApp, last message to us under 24 hours ago: a normal text.
    pub whatsapp_window: i64,
    /// WhatsApp, outside the 24-hour window: only an approved template may be sent.
    pub whatsapp_template: i64,
    pub sms: i64,
}

/// One kind of recipient and what each of them is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipients {
    WhatsAppWindow,
    WhatsAppTemplate,
    Sms,
}

/// An admin as stored: the scope kind (`kecamatan`, `kelurahan`, `rw`, `rt`) with its RW and RT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminRow {
    pub nik: String,
    pub scope: String,
    pub rw: Option<String>,
    pub rt: Option<String>,
}

/// A broadcast as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BroadcastRecord {
    pub id: i64,
    pub created_by: String,
    pub target_rw: Option<String>,
    pub target_rt: Option<String>,
    pub target_role: Option<String>,
    pub text: String,
    pub status: Status,
    pub recipients: i64,
    pub created_at: i64,
}

/// A new broadcast, before its rows are queued.
pub struct NewBroadcast<'a> {
    pub created_by: &'a str,
    pub target: &'a Target,
    pub text: &'a str,
    pub recipients: i64,
}

/// A broadcast's outbox rows by state. `sent` counts every row the provider accepted (sent,
/// delivered or read), `delivered` those delivered or read: each figure includes the later ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BroadcastCounts {
    pub recipients: i64,
    /// Waiting or being sent.
    pub queued: i64,
    pub sent: i64,
    pub delivered: i64,
    pub read: i64,
    pub failed: i64,
    pub cancelled: i64,
}

/// `FROM … WHERE …` selecting the recipients of `target` among the residents of `kelurahan`
/// (aliases `l` links, `c` contacts), with its text parameters numbered from `$first`.
fn recipients_from(
    kelurahan: KelurahanId,
    target: &Target,
    merchants: bool,
    first: usize,
) -> (String, Vec<String>) {
    let mut sql = format!(
        "FROM links l JOIN contacts c ON c.phone = l.phone
         JOIN persons p ON p.nik = l.nik JOIN households h ON h.no_kk = p.no_kk
         WHERE p.kelurahan_id = {kelurahan} AND c.opted_out = FALSE
            AND p.died_on IS NULL AND p.moved_out_on IS NULL",
        kelurahan = kelurahan.0
    );
    let mut binds = Vec::new();
    for (column, value) in [("h.rw", &target.rw), ("h.rt", &target.rt)] {
        if let Some(v) = value {
            sql.push_str(&format!(" AND {column} = ${}", first + binds.len()));
            binds.push(v.clone());
        }
    }
    match target.role {
        Some(Role::Unverified) => sql.push_str(" AND h.verified_at IS NULL"),
        Some(Role::Merchant) if merchants => {
            sql.push_str(" AND EXISTS (SELECT 1 FROM merchants m WHERE m.nik = l.nik)")
        }
        Some(Role::Merchant) => sql.push_str(" AND 1 = 0"),
        None => {}
    }
    (sql, binds)
}

/// The extra condition choosing one kind of recipient; WhatsApp's compare with the window start
/// as parameter `$n` (SMS has no window: `None`).
fn kind_condition(kind: Recipients, n: usize) -> (String, bool) {
    match kind {
        Recipients::WhatsAppWindow => (
            format!(" AND c.channel = 'whatsapp' AND c.last_inbound_at >= ${n}"),
            true,
        ),
        Recipients::WhatsAppTemplate => (
            format!(
                " AND c.channel = 'whatsapp' AND (c.last_inbound_at IS NULL OR c.last_inbound_at < ${n})"
            ),
            true,
        ),
        Recipients::Sms => (" AND c.channel = 'sms'".to_string(), false),
    }
}

impl Tx {
    /// Makes `nik` an admin of this scope (replacing an earlier scope).
    pub async fn upsert_admin(
        &mut self,
        admin: &AdminRow,
        created_by: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO admins (nik, scope, rw, rt, created_by, created_at, kelurahan_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (nik) DO UPDATE SET scope = excluded.scope, rw = excluded.rw, rt = excluded.rt,
                    created_by = excluded.created_by, created_at = excluded.created_at,
                    kelurahan_id = excluded.kelurahan_id",
            )
            .bind(&admin.nik)
            .bind(&admin.scope)
            .bind(&admin.rw)
            .bind(&admin.rt)
            .bind(created_by)
            .bind(now)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// The admin record of a person of this kelurahan, if they are one.
    pub async fn admin(&mut self, nik: &str) -> StoreResult<Option<AdminRow>> {
        let row: Option<(String, String, Option<String>, Option<String>)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as("SELECT nik, scope, rw, rt FROM admins WHERE nik = $1 AND kelurahan_id = $2")
                .bind(nik)
                .bind(self.kelurahan)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(row.map(|(nik, scope, rw, rt)| AdminRow { nik, scope, rw, rt }))
    }

    /// Whether the ledger's `merchants` table exists in this database.
    async fn has_merchants(&mut self) -> StoreResult<bool> {
        let n: i64 = match &mut self.conn {
            Backend::Sqlite(c) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'merchants'",
            )
            .fetch_one(&mut **c)
            .await?,
            Backend::Postgres(c) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_name = 'merchants'",
                )
                .fetch_one(&mut **c)
                .await?
            }
        };
        Ok(n > 0)
    }

    /// How many recipients `target` has, by kind; `window_start` is 24 hours before now.
    pub async fn broadcast_reach(
        &mut self,
        target: &Target,
        window_start: i64,
    ) -> StoreResult<Reach> {
        let merchants = self.has_merchants().await?;
        let (from, binds) = recipients_from(self.kelurahan, target, merchants, 2);
        let sql = format!(
            "SELECT
                COALESCE(SUM(CASE WHEN c.channel = 'whatsapp' AND c.last_inbound_at >= $1 THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN c.channel = 'whatsapp' AND (c.last_inbound_at IS NULL OR c.last_inbound_at < $1) THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN c.channel = 'sms' THEN 1 ELSE 0 END), 0)
             {from}"
        );
        let (whatsapp_window, whatsapp_template, sms): (i64, i64, i64) = on_backend!(&mut self.conn, c => {
            let mut q = sqlx::query_as(&sql).bind(window_start);
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_one(&mut **c).await?
        });
        Ok(Reach {
            whatsapp_window,
            whatsapp_template,
            sms,
        })
    }

    /// Records a broadcast; its rows are queued by [`Tx::enqueue_broadcast`].
    pub async fn insert_broadcast(&mut self, b: &NewBroadcast<'_>, now: i64) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO broadcasts (created_by, target_rw, target_rt, target_role, text, status, recipients, created_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $8, $6, $7, $9) RETURNING id",
            )
            .bind(b.created_by)
            .bind(&b.target.rw)
            .bind(&b.target.rt)
            .bind(b.target.role.map(Role::as_str))
            .bind(b.text)
            .bind(b.recipients)
            .bind(now)
            .bind(Status::Queued)
            .bind(self.kelurahan)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// Queues `body` for every recipient of this kind in one statement, at broadcast priority
    /// (after replies and notices). Returns how many rows were queued.
    pub async fn enqueue_broadcast(
        &mut self,
        broadcast_id: i64,
        target: &Target,
        kind: Recipients,
        body: &Body,
        window_start: i64,
        now: i64,
    ) -> StoreResult<i64> {
        let body = serde_json::to_string(body)?;
        let merchants = self.has_merchants().await?;
        let (from, binds) = recipients_from(self.kelurahan, target, merchants, 6);
        let (kind, windowed) = kind_condition(kind, 6 + binds.len());
        let sql = format!(
            "INSERT INTO outbox (channel, phone, body, priority, status, next_attempt_at, created_at, updated_at, broadcast_id, kelurahan_id)
             SELECT c.channel, l.phone, $1, $2, $5, $3, $3, $3, $4, {kelurahan} {from}{kind}
             ORDER BY l.phone",
            kelurahan = self.kelurahan.0
        );
        let n = on_backend!(&mut self.conn, c => {
            let mut q = sqlx::query(&sql)
                .bind(&body)
                .bind(Priority::Broadcast as i64)
                .bind(now)
                .bind(broadcast_id)
                .bind(RowStatus::Queued);
            for b in &binds {
                q = q.bind(b);
            }
            if windowed {
                q = q.bind(window_start);
            }
            q.execute(&mut **c).await?.rows_affected()
        });
        self.heads_queued_broadcast(broadcast_id).await?;
        Ok(n as i64)
    }

    /// The broadcast of this kelurahan with this id.
    pub async fn broadcast(&mut self, id: i64) -> StoreResult<Option<BroadcastRecord>> {
        let row = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT id, created_by, target_rw, target_rt, target_role, text, status, recipients, created_at
                 FROM broadcasts WHERE id = $1 AND kelurahan_id = $2",
            )
            .bind(id)
            .bind(self.kelurahan)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row)
    }

    /// This kelurahan's latest `limit` broadcasts, newest first; with `created_by`, only those
    /// of these two actors (one officer on the web and in chat).
    pub async fn recent_broadcasts(
        &mut self,
        created_by: Option<(&str, &str)>,
        limit: i64,
    ) -> StoreResult<Vec<BroadcastRecord>> {
        let (all, (a, b)) = (created_by.is_none(), created_by.unwrap_or(("", "")));
        let rows = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT id, created_by, target_rw, target_rt, target_role, text, status, recipients, created_at
                 FROM broadcasts WHERE kelurahan_id = $1 AND ($2 OR created_by IN ($3, $4))
                 ORDER BY id DESC LIMIT $5",
            )
            .bind(self.kelurahan)
            .bind(all)
            .bind(a)
            .bind(b)
            .bind(limit)
            .fetch_all(&mut **c)
            .await?
        });
        Ok(rows)
    }

    /// Cancels the broadcast's rows not yet claimed for sending; returns how many. Rows being
    /// sent right now go out. The broadcast is marked cancelled only if something was.
    pub async fn cancel_broadcast(&mut self, id: i64, now: i64) -> StoreResult<i64> {
        let n = on_backend!(&mut self.conn, c => {
            let n = sqlx::query(
                "UPDATE outbox SET status = $3, lease_until = NULL, updated_at = $1
                 WHERE broadcast_id = $2 AND status = $4 AND kelurahan_id = $5",
            )
            .bind(now)
            .bind(id)
            .bind(RowStatus::Cancelled)
            .bind(RowStatus::Queued)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected();
            if n > 0 {
                sqlx::query(
                    "UPDATE broadcasts SET status = $3, cancelled_at = $1
                     WHERE id = $2 AND kelurahan_id = $4",
                )
                    .bind(now)
                    .bind(id)
                    .bind(Status::Cancelled)
                    .bind(self.kelurahan)
                    .execute(&mut **c)
                    .await?;
            }
            n
        });
        if n > 0 {
            self.refresh_heads(super::outbox_heads::HeadsOf::CancelledBroadcast(id))
                .await?;
        }
        Ok(n as i64)
    }

    /// Deployment-wide: the kelurahan a broadcast belongs to (a kecamatan admin cancels the
    /// broadcasts they sent to the other kelurahan of their kecamatan).
    pub async fn kelurahan_of_broadcast(&mut self, id: i64) -> StoreResult<Option<KelurahanId>> {
        Ok(on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT kelurahan_id FROM broadcasts WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **c)
                .await?
        }))
    }
}

impl Db {
    /// A broadcast's figures, counted from its outbox rows; `None` if `kelurahan` has no such
    /// broadcast.
    pub async fn broadcast_counts(
        &self,
        kelurahan: KelurahanId,
        id: i64,
    ) -> StoreResult<Option<BroadcastCounts>> {
        type Raw = (i64, i64, i64, i64, i64, i64, i64);
        let row: Option<Raw> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT b.recipients,
                    COALESCE(SUM(CASE WHEN o.status IN ('queued', 'sending') THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN o.status IN ('sent', 'delivered', 'read') THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN o.status IN ('delivered', 'read') THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN o.status = 'read' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN o.status = 'cancelled' THEN 1 ELSE 0 END), 0)
                 FROM broadcasts b LEFT JOIN outbox o ON o.broadcast_id = b.id
                 WHERE b.id = $1 AND b.kelurahan_id = $2 GROUP BY b.id, b.recipients",
            )
            .bind(id)
            .bind(kelurahan)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(
            |(recipients, queued, sent, delivered, read, failed, cancelled)| BroadcastCounts {
                recipients,
                queued,
                sent,
                delivered,
                read,
                failed,
                cancelled,
            },
        ))
    }
}

/// Which channel a kind of recipient is on.
impl Recipients {
    pub fn channel(self) -> Channel {
        match self {
            Recipients::WhatsAppWindow | Recipients::WhatsAppTemplate => Channel::WhatsApp,
            Recipients::Sms => Channel::Sms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recipient_filter_numbers_its_parameters() {
        let t = Target {
            rw: Some("03".into()),
            rt: Some("001".into()),
            role: Some(Role::Unverified),
        };
        let (sql, binds) = recipients_from(KelurahanId(7), &t, false, 5);
        assert!(
            sql.contains("h.rw = $5") && sql.contains("h.rt = $6"),
            "{sql}"
        );
        assert!(sql.contains("verified_at IS NULL"));
        assert!(sql.contains("p.kelurahan_id = 7"), "{sql}");
        assert_eq!(binds, vec!["03".to_string(), "001".to_string()]);
        let m = Target {
            role: Some(Role::Merchant),
            ..Target::default()
        };
        let k = KelurahanId::DEFAULT;
        assert!(recipients_from(k, &m, false, 1).0.contains("1 = 0"));
        assert!(recipients_from(k, &m, true, 1).0.contains("merchants m"));
    }
}
