//! The leased-job runner (`gotong::jobs`): one server at a time, the lease given back after a
//! failed run, nothing claimed when nothing is due; the schedule on paused time.

mod common;

use async_trait::async_trait;
use gotong::app::App;
use gotong::backend_tests;
use gotong::clock::FakeClock;
use gotong::config::Config;
use gotong::error::{StoreError, StoreResult};
use gotong::jobs::{self, Job};
use gotong::shutdown::stop_signal;
use gotong::store::Db;
use gotong::testing::transcript::START_MS;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A job that counts its checks and runs, and fails when told to (shared counters, so a test
/// still reads them once the job has moved into its task).
#[derive(Default)]
struct Counting {
    due: AtomicBool,
    fail: AtomicBool,
    checks: Arc<AtomicUsize>,
    runs: AtomicUsize,
}

#[async_trait]
impl Job for Counting {
    type Report = usize;

    fn name(&self) -> &'static str {
        "counting"
    }

    fn lease_ms(&self) -> i64 {
        60_000
    }

    fn every(&self) -> Duration {
        Duration::from_secs(30)
    }

    async fn due(&self, _app: &App, _now: i64) -> StoreResult<bool> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        Ok(self.due.load(Ordering::SeqCst))
    }

    async fn run(&self, _app: &App, _now: i64) -> StoreResult<usize> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("the job failed".into()));
        }
        Ok(n)
    }
}

fn app(db: &Db) -> App {
    App::new(
        Config::for_database("sqlite://unused"),
        db.clone(),
        common::texts(),
        Arc::new(common::Echo),
    )
    .with_clock(Arc::new(FakeClock::new(START_MS)))
}

async fn claim(db: &Db, owner: &str, now: i64) -> bool {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let got = tx
        .claim_job("counting", owner, now + 60_000, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    got
}

async fn one_server_runs_a_job(db: &Db) {
    let app = app(db);
    let job = Counting::default();
    assert_eq!(jobs::run_if_leased(&job, &app, "me").await.unwrap(), None);
    assert_eq!(job.runs.load(Ordering::SeqCst), 0, "not due: not run");
    assert!(
        claim(db, "other", START_MS).await,
        "not due: nothing claimed"
    );

    job.due.store(true, Ordering::SeqCst);
    assert_eq!(
        jobs::run_if_leased(&job, &app, "me").await.unwrap(),
        None,
        "another server holds the lease"
    );
    assert_eq!(job.runs.load(Ordering::SeqCst), 0);
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.release_job("counting", "other").await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        jobs::run_if_leased(&job, &app, "me").await.unwrap(),
        Some(1)
    );
    assert!(
        claim(db, "other", START_MS).await,
        "given back after the run"
    );
}

async fn a_failed_run_gives_the_lease_back(db: &Db) {
    let app = app(db);
    let job = Counting::default();
    job.due.store(true, Ordering::SeqCst);
    job.fail.store(true, Ordering::SeqCst);
    assert!(jobs::run_if_leased(&job, &app, "me").await.is_err());
    assert!(
        claim(db, "other", START_MS).await,
        "the lease is free at once, not after it expires"
    );
}

backend_tests!(one_server_runs_a_job, a_failed_run_gives_the_lease_back);

/// Checked at once (catching up after downtime), then every `every`, until stopped.
#[tokio::test]
async fn checked_at_start_then_on_schedule() {
    let t = gotong::testing::TestDb::sqlite().await;
    tokio::time::pause();
    let job = Counting::default();
    let checks = job.checks.clone();
    let (trigger, stop) = stop_signal();
    let task = jobs::spawn(job, app(&t.db), stop);
    let settle = || tokio::time::sleep(Duration::from_millis(1));
    let checked = || checks.load(Ordering::SeqCst);
    settle().await;
    assert_eq!(checked(), 1, "checked at start");
    tokio::time::advance(Duration::from_secs(28)).await;
    settle().await;
    assert_eq!(checked(), 1, "not before `every`");
    tokio::time::advance(Duration::from_secs(2)).await;
    settle().await;
    assert_eq!(checked(), 2);
    tokio::time::advance(Duration::from_secs(30)).await;
    settle().await;
    assert_eq!(checked(), 3);
    trigger.stop();
    tokio::time::timeout(Duration::from_secs(1), task)
        .await
        .expect("the task ends when stopped")
        .unwrap();
    t.drop_db().await;
}
