//! Conversation sessions, per-phone preferences (language, opt-out) and flow-step analytics.

use super::{on_backend, Db, KelurahanId, Tx};
use crate::error::{StoreError, StoreResult};
use crate::message::Channel;
use std::collections::BTreeMap;

/// Where a phone is in a conversation. Survives restarts; shared by every server process.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Session {
    pub phone: String,
    /// The kelurahan it is held with: a message to another kelurahan's number starts afresh.
    pub kelurahan: KelurahanId,
    pub flow: String,
    pub step: String,
    /// Values collected so far, by step name. Never a PIN.
    pub values: BTreeMap<String, String>,
    pub retries: i64,
    pub updated_at: i64,
}

/// One per-phone preference, named by its column of `contacts`.
#[derive(Clone, Copy, Debug)]
enum Preference<'a> {
    Language(&'a str),
    OptedOut(bool),
    CreditNotices(bool),
}

impl Preference<'_> {
    fn column(&self) -> &'static str {
        match self {
            Preference::Language(_) => "language",
            Preference::OptedOut(_) => "opted_out",
            Preference::CreditNotices(_) => "credit_notices",
        }
    }
}

/// Per-phone preferences, known before (and without) any link to a resident.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Contact {
    /// The channel the phone last wrote from (`None`: no contact row yet).
    pub channel: Option<Channel>,
    pub language: Option<String>,
    pub opted_out: bool,
    pub last_inbound_at: Option<i64>,
    /// The kelurahan whose number it last wrote to (notices to it go out from that number).
    pub kelurahan: Option<KelurahanId>,
}

/// Flow-step analytics events counted during one turn, written together at its end
/// ([`Tx::count_flow_events`]): one statement per turn instead of one per event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowEventCounts(BTreeMap<(String, String, String), i64>);

impl FlowEventCounts {
    pub fn add(&mut self, flow: &str, step: &str, event: &str) {
        *self
            .0
            .entry((flow.to_string(), step.to_string(), event.to_string()))
            .or_insert(0) += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds another turn's counts to these (a batch of turns is counted with one statement).
    pub fn merge(&mut self, other: FlowEventCounts) {
        for (key, n) in other.0 {
            *self.0.entry(key).or_insert(0) += n;
        }
    }
}

impl Tx {
    /// The phone's preferences and its conversation, in one query (the start of every turn).
    /// The phone's preferences and its conversation with this unit's kelurahan.
    pub async fn contact_and_session(
        &mut self,
        phone: &str,
    ) -> StoreResult<(Contact, Option<Session>)> {
        let k = self.kelurahan;
        let mut both = self
            .contacts_and_sessions(&[(phone.to_string(), k)])
            .await?;
        both.pop().ok_or_else(|| {
            StoreError::Corrupt("the contact and session query returned no row".into())
        })
    }

    /// Each phone's preferences and conversation with the kelurahan it is paired with, in the
    /// order of `phones`, in one query (the start of a batch of turns). A phone without a contact
    /// row gets the defaults; a conversation held with another kelurahan is none.
    pub async fn contacts_and_sessions(
        &mut self,
        phones: &[(String, KelurahanId)],
    ) -> StoreResult<Vec<(Contact, Option<Session>)>> {
        type Row = (
            Option<String>,
            Option<String>,
            Option<bool>,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        );
        if phones.is_empty() {
            return Ok(Vec::new());
        }
        // The phones as a table, with their place: `SELECT $1, 0 UNION ALL SELECT $2, 1 …`.
        let wanted = (0..phones.len())
            .map(|i| {
                format!(
                    "SELECT ${} AS phone, CAST(${} AS BIGINT) AS kelurahan_id, {i} AS place",
                    2 * i + 1,
                    2 * i + 2
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!(
            "SELECT c.channel, c.language, c.opted_out, c.last_inbound_at,
                    s.flow, s.step, s.vals, s.retries, s.updated_at, c.kelurahan_id
             FROM ({wanted}) p
             LEFT JOIN contacts c ON c.phone = p.phone
             LEFT JOIN sessions s ON s.phone = p.phone AND s.kelurahan_id = p.kelurahan_id
             ORDER BY p.place"
        );
        let rows: Vec<Row> = on_backend!(&mut self.conn, c => {
            let mut query = sqlx::query_as(&sql);
            for (phone, kelurahan) in phones {
                query = query.bind(phone).bind(kelurahan);
            }
            query.fetch_all(&mut **c).await?
        });
        rows.into_iter()
            .zip(phones)
            .map(|(row, (phone, kelurahan))| {
                let (
                    channel,
                    language,
                    opted_out,
                    last_inbound_at,
                    flow,
                    step,
                    vals,
                    retries,
                    updated_at,
                    contact_kelurahan,
                ) = row;
                let contact = Contact {
                    channel: channel.as_deref().and_then(Channel::parse),
                    language,
                    opted_out: opted_out.unwrap_or(false),
                    last_inbound_at,
                    kelurahan: contact_kelurahan.map(KelurahanId),
                };
                let session = match (flow, step, vals) {
                    (Some(flow), Some(step), Some(vals)) => Some(Session {
                        phone: phone.clone(),
                        kelurahan: *kelurahan,
                        flow,
                        step,
                        values: serde_json::from_str(&vals)?,
                        retries: retries.unwrap_or(0),
                        updated_at: updated_at.unwrap_or(0),
                    }),
                    _ => None,
                };
                Ok((contact, session))
            })
            .collect()
    }

    /// The phone's conversation, with whichever kelurahan it is held.
    pub async fn load_session(&mut self, phone: &str) -> StoreResult<Option<Session>> {
        let row: Option<(String, String, String, i64, i64, KelurahanId)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as("SELECT flow, step, vals, retries, updated_at, kelurahan_id FROM sessions WHERE phone = $1")
                .bind(phone)
                .fetch_optional(&mut **c)
                .await?
        });
        row.map(|(flow, step, vals, retries, updated_at, kelurahan)| {
            Ok(Session {
                phone: phone.to_string(),
                kelurahan,
                flow,
                step,
                values: serde_json::from_str(&vals)?,
                retries,
                updated_at,
            })
        })
        .transpose()
    }

    pub async fn save_session(&mut self, s: &Session) -> StoreResult<()> {
        self.save_sessions(std::slice::from_ref(s)).await
    }

    /// Saves conversations (of distinct phones) with one statement per hundred.
    pub async fn save_sessions(&mut self, sessions: &[Session]) -> StoreResult<()> {
        for chunk in sessions.chunks(100) {
            let vals = chunk
                .iter()
                .map(|s| serde_json::to_string(&s.values))
                .collect::<Result<Vec<_>, _>>()?;
            let sql = format!(
                "INSERT INTO sessions (phone, flow, step, vals, retries, updated_at, kelurahan_id) VALUES {}
                 ON CONFLICT (phone) DO UPDATE SET flow = excluded.flow, step = excluded.step,
                    vals = excluded.vals, retries = excluded.retries, updated_at = excluded.updated_at,
                    kelurahan_id = excluded.kelurahan_id",
                super::sql::values(chunk.len(), 7, 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut query = sqlx::query(&sql);
                for (s, vals) in chunk.iter().zip(&vals) {
                    query = query
                        .bind(&s.phone)
                        .bind(&s.flow)
                        .bind(&s.step)
                        .bind(vals)
                        .bind(s.retries)
                        .bind(s.updated_at)
                        .bind(s.kelurahan);
                }
                query.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    pub async fn clear_session(&mut self, phone: &str) -> StoreResult<()> {
        self.clear_sessions(&[phone.to_string()]).await
    }

    /// Ends the conversations of `phones`, with one statement per hundred.
    pub async fn clear_sessions(&mut self, phones: &[String]) -> StoreResult<()> {
        for chunk in phones.chunks(100) {
            let sql = format!(
                "DELETE FROM sessions WHERE phone IN ({})",
                super::sql::list(chunk.len(), 1)
            );
            on_backend!(&mut self.conn, c => {
                let mut query = sqlx::query(&sql);
                for phone in chunk {
                    query = query.bind(phone);
                }
                query.execute(&mut **c).await?;
            });
        }
        Ok(())
    }

    pub async fn contact(&mut self, phone: &str) -> StoreResult<Contact> {
        type Row = (String, Option<String>, bool, Option<i64>, KelurahanId);
        let row: Option<Row> = on_backend!(&mut self.conn, c => {
            sqlx::query_as("SELECT channel, language, opted_out, last_inbound_at, kelurahan_id FROM contacts WHERE phone = $1")
                .bind(phone)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(row
            .map(
                |(channel, language, opted_out, last_inbound_at, kelurahan)| Contact {
                    channel: Channel::parse(&channel),
                    language,
                    opted_out,
                    last_inbound_at,
                    kelurahan: Some(kelurahan),
                },
            )
            .unwrap_or_default())
    }

    pub async fn set_language(
        &mut self,
        phone: &str,
        channel: &str,
        language: &str,
    ) -> StoreResult<()> {
        self.set_contact_preference(phone, channel, Preference::Language(language))
            .await
    }

    /// `BERHENTI` / `MULAI`: broadcasts and news stop or resume; transactional replies still come.
    pub async fn set_opted_out(
        &mut self,
        phone: &str,
        channel: &str,
        opted_out: bool,
    ) -> StoreResult<()> {
        self.set_contact_preference(phone, channel, Preference::OptedOut(opted_out))
            .await
    }

    /// `NOTIF`: turns the daily credit notice on or off for this phone.
    pub async fn set_credit_notices(
        &mut self,
        phone: &str,
        channel: &str,
        on: bool,
    ) -> StoreResult<()> {
        self.set_contact_preference(phone, channel, Preference::CreditNotices(on))
            .await
    }

    /// Sets one preference of a phone, creating its contact row if it has none yet.
    async fn set_contact_preference(
        &mut self,
        phone: &str,
        channel: &str,
        preference: Preference<'_>,
    ) -> StoreResult<()> {
        let column = preference.column();
        let sql = format!(
            "INSERT INTO contacts (phone, channel, {column}) VALUES ($1, $2, $3)
             ON CONFLICT (phone) DO UPDATE SET {column} = excluded.{column}"
        );
        on_backend!(&mut self.conn, c => {
            let q = sqlx::query(&sql).bind(phone).bind(channel);
            let q = match preference {
                Preference::Language(l) => q.bind(l),
                Preference::OptedOut(b) | Preference::CreditNotices(b) => q.bind(b),
            };
            q.execute(&mut **c).await?;
        });
        Ok(())
    }

    /// Counts one analytics event (entered, finished, abandoned, timed_out, gave_up) for a flow step.
    pub async fn count_flow_event(
        &mut self,
        flow: &str,
        step: &str,
        event: &str,
    ) -> StoreResult<()> {
        let mut one = FlowEventCounts::default();
        one.add(flow, step, event);
        self.count_flow_events(&one).await
    }

    /// Adds a turn's analytics events with one statement (nothing when there are none).
    pub async fn count_flow_events(&mut self, counts: &FlowEventCounts) -> StoreResult<()> {
        if counts.0.is_empty() {
            return Ok(());
        }
        // A turn counts a handful of events: far below either backend's parameter limit. Keys are
        // distinct (a map), as PostgreSQL requires of one `ON CONFLICT DO UPDATE`.
        let sql = format!(
            "INSERT INTO flow_events (flow, step, event, count) VALUES {}
             ON CONFLICT (flow, step, event) DO UPDATE SET count = flow_events.count + excluded.count",
            super::sql::values(counts.0.len(), 4, 1)
        );
        on_backend!(&mut self.conn, c => {
            let mut q = sqlx::query(&sql);
            for ((flow, step, event), n) in &counts.0 {
                q = q.bind(flow).bind(step).bind(event).bind(*n);
            }
            q.execute(&mut **c).await?;
        });
        Ok(())
    }
}

impl Db {
    /// A provider reports that the recipient of our message `provider_id` on `channel` refuses
    /// our messages (they sent STOP to their carrier…): that phone is opted out of broadcasts,
    /// as if it had sent `BERHENTI` (its contact row made if it had none). Only the phone the
    /// message went to, and only when `recipient` (if the report names one) is that phone.
    /// Returns whether such a message of ours was found.
    pub async fn opt_out_recipient_of(
        &self,
        channel: Channel,
        provider_id: &str,
        recipient: Option<&str>,
    ) -> StoreResult<bool> {
        let opted = on_backend!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO contacts (phone, channel, opted_out)
                 SELECT phone, channel, $4 FROM outbox
                 WHERE channel = $1 AND provider_id = $2 AND (CAST($3 AS TEXT) IS NULL OR phone = $3)
                 ON CONFLICT (phone) DO UPDATE SET opted_out = excluded.opted_out",
            )
            .bind(channel.as_str())
            .bind(provider_id)
            .bind(recipient)
            .bind(true)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(opted > 0)
    }

    /// (flow, step, event, count) for `/metrics`.
    pub async fn flow_event_counts(&self) -> StoreResult<Vec<(String, String, String, i64)>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_as("SELECT flow, step, event, count FROM flow_events ORDER BY flow, step, event")
                .fetch_all(p)
                .await?
        });
        Ok(rows)
    }
}

impl Db {
    /// The stored contents of a phone's inbound messages, oldest first (privacy checks, support).
    pub async fn inbound_contents_for_phone(&self, phone: &str) -> StoreResult<Vec<String>> {
        let rows = on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT content FROM inbound WHERE phone = $1 ORDER BY id")
                .bind(phone)
                .fetch_all(p)
                .await?
        });
        Ok(rows)
    }

    /// The session of a phone as stored, outside any unit of work.
    pub async fn session_of(&self, phone: &str) -> StoreResult<Option<Session>> {
        let mut tx = self.begin(crate::store::KelurahanId::DEFAULT).await?;
        let s = tx.load_session(phone).await?;
        tx.rollback().await?;
        Ok(s)
    }
}
