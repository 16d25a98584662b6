//! The volunteers' reminder inside `serve`: from 07:00 Asia/Jakarta the day before an event,
//! everyone signed up for it gets one reminder through the outbox.
//!
//! One server at a time runs it, as the leased job `events` (`crate::jobs`, like the market's);
//! it runs at start-up and every minute and sends every reminder due at that moment, so it
//! catches up after downtime (until the event starts: a late reminder still helps, one after the
//! start does not). Correctness does not depend on the lease: `reminded_at` is set, on the
//! condition that it was not, in the unit of work that queues the event's reminders, so a second
//! run (here or on another server) sends nothing.
//!
//! The reminder is the event's, not each sign-up's: an event posted after 07:00 the day before is
//! reminded at the next run to those signed up by then, and whoever signs up after the reminder
//! went out has just read the time in the sign-up's answer.

use super::{reminder_from_ms, SignupStatus};
use crate::app::App;
use crate::calendar::jakarta_local;
use crate::error::StoreResult;
use crate::i18n::Texts;
use crate::jobs::{self, Job};
use crate::shutdown::Stop;
use crate::store::{Db, KelurahanId};
use async_trait::async_trait;
use tokio::task::JoinHandle;

/// How far ahead the reminders are looked for: an event two days away is never due.
const LOOK_AHEAD_S: i64 = 2 * 86_400;

/// Sends every reminder due at `now`, in every kelurahan; answers how many went out.
pub async fn run_due(db: &Db, texts: &Texts, now: i64) -> StoreResult<usize> {
    let mut sent = 0;
    for k in db.kelurahan_list().await? {
        sent += remind(db, k.id, texts, now).await?;
    }
    Ok(sent)
}

async fn remind(db: &Db, kelurahan: KelurahanId, texts: &Texts, now: i64) -> StoreResult<usize> {
    let now_s = now.div_euclid(1000);
    let mut sent = 0;
    let mut tx = db.begin(kelurahan).await?;
    for event in tx.events_to_remind(now_s, now_s + LOOK_AHEAD_S).await? {
        if now < reminder_from_ms(event.starts_at) {
            continue;
        }
        if !tx.mark_event_reminded(event.number, now).await? {
            continue;
        }
        let local = jakarta_local(event.starts_at);
        let args = [
            ("number", event.number.to_string()),
            ("title", event.title.clone()),
            ("place", event.place.clone()),
            ("time", local.format("%H:%M").to_string()),
        ];
        for s in tx.event_signups(event.number).await? {
            if s.status != SignupStatus::Signed {
                continue;
            }
            let msg =
                crate::notices::notice(&mut tx, texts, &s.phone, "event-reminder", &args).await?;
            tx.enqueue(&msg, now).await?;
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// The reminders as a leased job (lease `events`).
pub struct EventJobs;

#[async_trait]
impl Job for EventJobs {
    type Report = usize;

    fn name(&self) -> &'static str {
        "events"
    }

    fn lease_ms(&self) -> i64 {
        5 * 60_000
    }

    async fn run(&self, app: &App, now: i64) -> StoreResult<usize> {
        run_due(&app.db, &app.texts, now).await
    }

    fn report(&self, sent: &usize) {
        if *sent > 0 {
            tracing::info!(reminders = *sent, "event reminders");
        }
    }
}

/// Runs what is due if this server gets the lease. Answers the count, `None` without lease.
pub async fn run_if_leased(app: &App, owner: &str) -> StoreResult<Option<usize>> {
    jobs::run_if_leased(&EventJobs, app, owner).await
}

/// The background task of `serve`.
pub fn spawn_event_jobs(app: App, stop: Stop) -> JoinHandle<()> {
    jobs::spawn(EventJobs, app, stop)
}
