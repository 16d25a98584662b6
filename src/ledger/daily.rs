//! The daily stimulus inside `serve`: at `GOTONG_STIMULUS_HOUR` (Asia/Jakarta), or at start-up
//! when today's run has not completed (catching up after downtime), one server runs it.
//!
//! Several `serve` processes may share a PostgreSQL database: the one that claims the
//! `job_leases` row `stimulus` (a lease, so a crashed holder does not block it for ever) runs;
//! the others see the lease taken and wait for the next check. Correctness does not depend on the
//! lease (the stimulus itself is once per household per date); it only saves duplicate work.

use super::stimulus::run_stimulus;
use crate::app::App;
use crate::calendar::{jakarta_date, JAKARTA_OFFSET_MS};
use crate::error::StoreResult;
use crate::shutdown::Stop;
use std::time::Duration;
use tokio::task::JoinHandle;

const JOB: &str = "stimulus";
const LEASE_MS: i64 = 15 * 60_000;
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// Whether the run of today is due at `now_ms`: the time of day in Jakarta has reached `at`.
pub fn due_today(now_ms: i64, at: chrono::NaiveTime) -> bool {
    let ms_of_day = (now_ms + JAKARTA_OFFSET_MS).rem_euclid(86_400_000);
    let at_ms = i64::from(chrono::Timelike::num_seconds_from_midnight(&at)) * 1000;
    ms_of_day >= at_ms
}

/// Runs today's stimulus if it is due, not yet complete, and this server gets the lease.
/// Answers whether it ran.
pub async fn run_if_due(app: &App, owner: &str) -> StoreResult<bool> {
    let now = app.now();
    if !due_today(now, app.config.stimulus_hour) {
        return Ok(false);
    }
    let today = jakarta_date(now);
    let date = today.format("%Y-%m-%d").to_string();
    if matches!(app.db.stimulus_run(&date).await?, Some((_, true))) {
        return Ok(false);
    }
    let mut tx = app.db.begin().await?;
    let claimed = tx.claim_job(JOB, owner, now + LEASE_MS, now).await?;
    tx.commit().await?;
    if !claimed {
        return Ok(false);
    }
    let clock = app.clock.clone();
    let result = run_stimulus(
        &app.db,
        &app.texts,
        today,
        app.config.stimulus_per_day,
        || clock.now_ms(),
        &|_, _| {},
    )
    .await;
    let mut tx = app.db.begin().await?;
    tx.release_job(JOB, owner).await?;
    tx.commit().await?;
    result.map(|_| true)
}

/// The background task of `serve`.
pub fn spawn_daily_stimulus(app: App, mut stop: Stop) -> JoinHandle<()> {
    let owner = format!("serve-{}-{:08x}", std::process::id(), rand::random::<u32>());
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_if_due(&app, &owner).await {
                tracing::error!(error = %e, "daily stimulus failed; retried at the next check");
            }
            tokio::select! {
                _ = stop.stopped() => return,
                _ = tokio::time::sleep(CHECK_EVERY) => {}
            }
        }
    })
}
