//! Scheduled work inside `serve`, one server at a time: the leased-job runner.
//!
//! Several `serve` processes may share a PostgreSQL database. Each job (the daily stimulus, the
//! market's expiries and reminders, the volunteers' reminders) is a [`Job`]; [`spawn`] checks it at start-up and then every
//! [`Job::every`], and each check goes through [`run_if_leased`]:
//!
//! 1. the job says whether anything may be due ([`Job::due`]); nothing is claimed otherwise;
//! 2. the server claims the job's `job_leases` row for [`Job::lease_ms`]: a free, expired or
//!    already own lease is taken, one held by another server is not (that server is running it);
//! 3. the job does everything due at that moment ([`Job::run`]), so the first check after a
//!    downtime catches up on what the downtime missed;
//! 4. the lease is given back, whether the work succeeded or not, so the next check (here or on
//!    another server) may run it again.
//!
//! The lease is a lease and not a lock so that a crashed holder blocks nobody for longer than
//! [`Job::lease_ms`]. Correctness never depends on it (each job's writes are idempotent on their
//! own: once per household per date, conditional on a row's state); it saves duplicate work.

use crate::app::App;
use crate::error::StoreResult;
use crate::shutdown::Stop;
use async_trait::async_trait;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often a job is checked unless it says otherwise.
pub const CHECK_EVERY: Duration = Duration::from_secs(60);

/// A job run under a lease: its name, its lease, and its own work.
#[async_trait]
pub trait Job: Send + Sync {
    /// What one run did (logged by [`Job::report`]).
    type Report: Send;

    /// The `job_leases` row that one server at a time holds while running the job.
    fn name(&self) -> &'static str;

    /// How long a claim holds: longer than a run takes, so that only a crashed holder loses it.
    fn lease_ms(&self) -> i64;

    /// The pause between two checks.
    fn every(&self) -> Duration {
        CHECK_EVERY
    }

    /// Whether anything may be due at `now`; checked before the lease is claimed. Answers yes
    /// unless the job knows better.
    async fn due(&self, _app: &App, _now: i64) -> StoreResult<bool> {
        Ok(true)
    }

    /// Does everything due at `now`.
    async fn run(&self, app: &App, now: i64) -> StoreResult<Self::Report>;

    /// Logs what a run did (by default nothing: the work logs as it goes).
    fn report(&self, _report: &Self::Report) {}
}

/// One check of `job` by `owner`: runs it if it is due and this server gets the lease. Answers
/// the run's report, `None` when nothing was due or another server holds the lease.
pub async fn run_if_leased<J: Job + ?Sized>(
    job: &J,
    app: &App,
    owner: &str,
) -> StoreResult<Option<J::Report>> {
    let now = app.now();
    if !job.due(app, now).await? {
        return Ok(None);
    }
    let mut tx = app.db.begin(crate::store::KelurahanId::DEFAULT).await?;
    let claimed = tx
        .claim_job(job.name(), owner, now + job.lease_ms(), now)
        .await?;
    tx.commit().await?;
    if !claimed {
        return Ok(None);
    }
    let result = job.run(app, now).await;
    let mut tx = app.db.begin(crate::store::KelurahanId::DEFAULT).await?;
    tx.release_job(job.name(), owner).await?;
    tx.commit().await?;
    result.map(Some)
}

/// This process's name as a lease owner: the process id and a random tag, so two servers (or
/// one restarted under the same pid) never take each other's lease for their own.
pub fn lease_owner() -> String {
    format!("serve-{}-{:08x}", std::process::id(), rand::random::<u32>())
}

/// The background task of `serve` for `job`: a check at once (catching up after downtime), then
/// one every [`Job::every`], until `stop`. A failed check is logged and retried at the next one.
pub fn spawn<J: Job + 'static>(job: J, app: App, mut stop: Stop) -> JoinHandle<()> {
    let owner = lease_owner();
    tokio::spawn(async move {
        loop {
            match run_if_leased(&job, &app, &owner).await {
                Ok(Some(report)) => job.report(&report),
                Ok(None) => {}
                Err(e) => tracing::error!(
                    job = job.name(),
                    error = %e,
                    "scheduled job failed; retried at the next check"
                ),
            }
            tokio::select! {
                _ = stop.stopped() => return,
                _ = tokio::time::sleep(job.every()) => {}
            }
        }
    })
}
