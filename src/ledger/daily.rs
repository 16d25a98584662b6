//! The daily stimulus inside `serve`: at `GOTONG_STIMULUS_HOUR` (Asia/Jakarta), or at start-up
//! when today's run has not completed in every kelurahan (catching up after downtime), one
//! server runs it for every kelurahan.
//!
//! It is a leased job (`crate::jobs`, lease `stimulus`): only the work and when it is due are
//! here. Correctness does not depend on the lease (the stimulus itself is once per household per
//! date); it only saves duplicate work.

use super::stimulus::{run_stimulus, RunFor};
use crate::app::App;
use crate::calendar::{jakarta_date, JAKARTA_OFFSET_MS};
use crate::error::StoreResult;
use crate::jobs::{self, Job};
use crate::shutdown::Stop;
use async_trait::async_trait;
use tokio::task::JoinHandle;

/// Whether the run of today is due at `now_ms`: the time of day in Jakarta has reached `at`.
pub fn due_today(now_ms: i64, at: chrono::NaiveTime) -> bool {
    let ms_of_day = (now_ms + JAKARTA_OFFSET_MS).rem_euclid(86_400_000);
    let at_ms = i64::from(chrono::Timelike::num_seconds_from_midnight(&at)) * 1000;
    ms_of_day >= at_ms
}

/// Today's stimulus, as a leased job.
pub struct DailyStimulus;

#[async_trait]
impl Job for DailyStimulus {
    type Report = ();

    fn name(&self) -> &'static str {
        "stimulus"
    }

    fn lease_ms(&self) -> i64 {
        15 * 60_000
    }

    /// Due once the hour has come, until today's run has completed in every kelurahan.
    async fn due(&self, app: &App, now: i64) -> StoreResult<bool> {
        if !due_today(now, app.config.stimulus_hour) {
            return Ok(false);
        }
        let date = jakarta_date(now).format("%Y-%m-%d").to_string();
        Ok(!app.db.stimulus_unfinished(&date).await?.is_empty())
    }

    /// Today's run for every kelurahan (those already complete find nothing due).
    async fn run(&self, app: &App, now: i64) -> StoreResult<()> {
        let clock = app.clock.clone();
        run_stimulus(
            &app.db,
            &app.texts,
            RunFor::Every,
            jakarta_date(now),
            app.config.stimulus_per_day,
            || clock.now_ms(),
            &|_, _| {},
        )
        .await
        .map(|_| ())
    }
}

/// Runs today's stimulus if it is due, not yet complete, and this server gets the lease.
/// Answers whether it ran.
pub async fn run_if_due(app: &App, owner: &str) -> StoreResult<bool> {
    Ok(jobs::run_if_leased(&DailyStimulus, app, owner)
        .await?
        .is_some())
}

/// The background task of `serve`.
pub fn spawn_daily_stimulus(app: App, stop: Stop) -> JoinHandle<()> {
    jobs::spawn(DailyStimulus, app, stop)
}
