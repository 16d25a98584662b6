//! Phone links (`DAFTAR`), activation codes, PIN attempts and failed-link throttling. A link
//! belongs to its person's kelurahan and is looked up there only; the one deployment-wide lookup
//! is [`Tx::link_of_phone_in_deployment`]. Activation codes and failed attempts are keyed by NIK
//! and phone, keys of the whole deployment (a code is only usable with a person of this kelurahan).

use super::{on_backend, Db, Kelurahan, KelurahanId, Tx};
use crate::error::StoreResult;
use crate::message::Content;

/// A phone linked to a person.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub phone: String,
    pub nik: String,
    pub pin_hash: String,
    pub pin_failures: i64,
    pub pin_locked_until: Option<i64>,
}

/// The next message of a linked phone that is in a conversation: perhaps a PIN answering a PIN
/// step (the engine tells), to verify before the unit of work that checks it.
#[derive(Clone, Debug)]
pub struct PinAnswer {
    pub phone: String,
    pub content: Content,
    pub flow: String,
    pub step: String,
    pub pin_hash: String,
}

type LinkRow = (String, String, String, i64, Option<i64>);

fn link_of((phone, nik, pin_hash, pin_failures, pin_locked_until): LinkRow) -> Link {
    Link {
        phone,
        nik,
        pin_hash,
        pin_failures,
        pin_locked_until,
    }
}

impl Tx {
    /// The link of `phone` to a resident of this kelurahan; `None` when it is linked to nobody
    /// here (perhaps to a resident of another kelurahan: [`Tx::link_of_phone_in_deployment`]).
    pub async fn link_of_phone(&mut self, phone: &str) -> StoreResult<Option<Link>> {
        let row: Option<LinkRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT phone, nik, pin_hash, pin_failures, pin_locked_until FROM links
                 WHERE phone = $1 AND kelurahan_id = $2",
            )
            .bind(phone)
            .bind(self.kelurahan)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.map(link_of))
    }

    /// Deployment-wide: the link of `phone` in whatever kelurahan, with that kelurahan (to tell
    /// a phone writing to the wrong kelurahan's number where it is registered).
    pub async fn link_of_phone_in_deployment(
        &mut self,
        phone: &str,
    ) -> StoreResult<Option<(Link, Kelurahan)>> {
        type Row = (
            String,
            String,
            String,
            i64,
            Option<i64>,
            KelurahanId,
            String,
            String,
            i64,
        );
        let row: Option<Row> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT l.phone, l.nik, l.pin_hash, l.pin_failures, l.pin_locked_until,
                        k.id, k.code, k.name, k.created_at
                 FROM links l JOIN kelurahan k ON k.id = l.kelurahan_id WHERE l.phone = $1",
            )
            .bind(phone)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.map(
            |(phone, nik, hash, failures, locked, id, code, name, created_at)| {
                (
                    link_of((phone, nik, hash, failures, locked)),
                    Kelurahan {
                        id,
                        code,
                        name,
                        created_at,
                    },
                )
            },
        ))
    }

    /// The phone a person of this kelurahan is linked to, if any.
    pub async fn phone_of_person(&mut self, nik: &str) -> StoreResult<Option<String>> {
        let phone = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT phone FROM links WHERE nik = $1 AND kelurahan_id = $2")
                .bind(nik)
                .bind(self.kelurahan)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(phone)
    }

    /// Links `phone` to `nik` (a person of this kelurahan), replacing an earlier link of the
    /// phone wherever it is (phones are keys of the whole deployment). It never takes over a NIK
    /// linked to another phone (DESIGN §6): that fails on the NIK's uniqueness; a re-link goes
    /// through `accounts::relink`, which ends in [`Tx::move_link`].
    pub async fn create_link(
        &mut self,
        phone: &str,
        nik: &str,
        pin_hash: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("DELETE FROM links WHERE phone = $1")
                .bind(phone)
                .execute(&mut **c)
                .await?;
            sqlx::query("INSERT INTO links (phone, nik, pin_hash, linked_at, kelurahan_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(phone)
                .bind(nik)
                .bind(pin_hash)
                .bind(now)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    /// Replaces the PIN hash of `phone`'s link (`GANTI PIN`, a reset, the first PIN after one);
    /// its failures and lock start afresh.
    pub async fn set_pin_hash(&mut self, phone: &str, pin_hash: &str) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE links SET pin_hash = $1, pin_failures = 0, pin_locked_until = NULL
                 WHERE phone = $2 AND kelurahan_id = $3",
            )
            .bind(pin_hash)
            .bind(phone)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Records the result of a PIN check: failures counted, a lock set, or the count reset.
    pub async fn set_pin_failures(
        &mut self,
        phone: &str,
        failures: i64,
        locked_until: Option<i64>,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE links SET pin_failures = $1, pin_locked_until = $2
                 WHERE phone = $3 AND kelurahan_id = $4",
            )
                .bind(failures)
                .bind(locked_until)
                .bind(phone)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    pub async fn insert_activation_code(
        &mut self,
        nik: &str,
        code_hash: &str,
        expires_at: i64,
        actor: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO activation_codes (nik, code_hash, expires_at, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(nik)
            .bind(code_hash)
            .bind(expires_at)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// The id of an unused, unexpired code of `nik` with this hash, not voided by too many wrong
    /// codes for that NIK.
    pub async fn usable_activation_code(
        &mut self,
        nik: &str,
        code_hash: &str,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT id FROM activation_codes
                 WHERE nik = $1 AND code_hash = $2 AND used_at IS NULL AND voided_at IS NULL
                   AND expires_at > $3",
            )
            .bind(nik)
            .bind(code_hash)
            .bind(now)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(id)
    }

    pub async fn use_activation_code(&mut self, id: i64, now: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE activation_codes SET used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    /// (failures so far, blocked until) of a phone's link attempts.
    pub async fn link_attempts(&mut self, phone: &str) -> StoreResult<(i64, Option<i64>)> {
        let row: Option<(i64, Option<i64>)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as("SELECT failures, blocked_until FROM link_attempts WHERE phone = $1")
                .bind(phone)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(row.unwrap_or((0, None)))
    }

    pub async fn set_link_attempts(
        &mut self,
        phone: &str,
        failures: i64,
        blocked_until: Option<i64>,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO link_attempts (phone, failures, blocked_until, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (phone) DO UPDATE SET failures = excluded.failures,
                    blocked_until = excluded.blocked_until, updated_at = excluded.updated_at",
            )
            .bind(phone)
            .bind(failures)
            .bind(blocked_until)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Writes one audit record of this kelurahan: who did what to what, with the state before
    /// and after (JSON).
    pub async fn audit(
        &mut self,
        actor: &str,
        action: &str,
        subject: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
        now: i64,
    ) -> StoreResult<()> {
        let kelurahan = self.kelurahan;
        self.audit_in(kelurahan, actor, action, subject, before, after, now)
            .await
    }

    /// [`Tx::audit`] in the log of `kelurahan`: what this unit of work did to another kelurahan's
    /// rows (a person taken over by a move, `datang`) is audited there too.
    #[allow(clippy::too_many_arguments)]
    pub async fn audit_in(
        &mut self,
        kelurahan: KelurahanId,
        actor: &str,
        action: &str,
        subject: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
        now: i64,
    ) -> StoreResult<()> {
        let before = before.map(|v| v.to_string());
        let after = after.map(|v| v.to_string());
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO audit_log (actor, action, subject, before, after, at, kelurahan_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(before)
            .bind(after)
            .bind(now)
            .bind(kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }
}

impl Db {
    /// Phones of `kelurahan` whose PIN actions are locked now (for the admin API).
    pub async fn locked_pins(
        &self,
        kelurahan: KelurahanId,
        now: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT phone, pin_locked_until FROM links
                 WHERE pin_locked_until > $1 AND kelurahan_id = $2 ORDER BY phone",
            )
                .bind(now)
                .bind(kelurahan)
                .fetch_all(p)
                .await?
        });
        Ok(rows)
    }
}

impl Db {
    /// For each of `phones` that is linked and in a conversation, its oldest unhandled message,
    /// its conversation's step and its PIN hash: read outside any unit of work, as a hint. Only
    /// a link in the kelurahan the message was sent to counts (the PIN step checks that one).
    pub async fn pin_answers_waiting(&self, phones: &[String]) -> StoreResult<Vec<PinAnswer>> {
        if phones.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT i.phone, i.content, s.flow, s.step, l.pin_hash
             FROM inbound i
             JOIN sessions s ON s.phone = i.phone
             JOIN links l ON l.phone = i.phone AND l.kelurahan_id = i.kelurahan_id
             WHERE i.id IN (SELECT MIN(id) FROM inbound
                            WHERE handled_at IS NULL AND phone IN ({}) GROUP BY phone)",
            super::sql::list(phones.len(), 1)
        );
        let rows: Vec<(String, String, String, String, String)> = on_backend!(&self.pool, p => {
            let mut query = sqlx::query_as(&sql);
            for phone in phones {
                query = query.bind(phone);
            }
            query.fetch_all(p).await?
        });
        rows.into_iter()
            .map(|(phone, content, flow, step, pin_hash)| {
                Ok(PinAnswer {
                    phone,
                    content: serde_json::from_str(&content)?,
                    flow,
                    step,
                    pin_hash,
                })
            })
            .collect()
    }
}
