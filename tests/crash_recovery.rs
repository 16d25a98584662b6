//! `kill -9` of a real `gotong serve` process in the middle of a mixed load (MENU, SALDO and full
//! BAYAR payments with confirmation and PIN, from WhatsApp and SMS phones, signed webhooks over
//! HTTP), twice, each time restarted on the same database. Afterwards: every webhook answered 200
//! was handled exactly once, every reply reached the provider exactly once (a resend is allowed
//! only inside the documented at-least-once window: accepted by the provider around the kill but
//! not yet recorded), every confirmed payment is one transfer with one receipt and one merchant
//! notice, and the ledger's invariants hold.
//!
//! The load posts each message until it is answered 200 (as Meta and Twilio redeliver), so the
//! messages refused while the server is down arrive after the restart. Replies are sent at once
//! by a fake provider answering in microseconds; the window between its acceptance and the
//! `outbox_sent` update is a few milliseconds of a load of about 50 sends a second, so a kill
//! rarely lands in it, and the check says so when it does.

mod common;

use common::load::*;
use common::{FakeProvider, Setup};
use gotong::testing::TestDb;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const PAYERS: usize = 8;
const ROUNDS: usize = 3;

async fn killed_twice_mid_load(t: TestDb) {
    let started = Instant::now();
    let provider = FakeProvider::start().await;
    let config = common::config(&Setup::default(), &provider);
    let k = kelurahan(&t.db, &config, PAYERS, 100_000).await;
    let scripts = scripts(&k, ROUNDS);
    let total: usize = scripts.iter().map(Vec::len).sum();

    let dir = tempfile::tempdir().unwrap();
    let env = serve_env(&t.url, &provider, free_port());
    let mut server = ServeProcess::start(&env, dir.path(), "serve-1").await;
    let progress = Progress::default();
    let driver = tokio::spawn(drive(
        vec![server.base.clone()],
        scripts,
        DriveOptions {
            pause: Duration::from_millis(100),
            redeliver: false,
            deadline: Duration::from_secs(120),
        },
        progress.clone(),
    ));

    let mut kills = Vec::new();
    let mut logs = Vec::new();
    for (n, share) in [(2, 0.3), (3, 0.65)] {
        let deadline = Instant::now() + Duration::from_secs(60);
        while (progress.done.load(Ordering::SeqCst) as f64) < share * total as f64 {
            assert!(Instant::now() < deadline, "the load stalled");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        kills.push(server.kill9());
        logs.push(server.log.clone());
        // Down for a moment: webhooks are refused and posted again.
        tokio::time::sleep(Duration::from_millis(300)).await;
        server = ServeProcess::start(&env, dir.path(), &format!("serve-{n}")).await;
    }
    driver.await.expect("the load finished");
    wait_idle(&t.db, Duration::from_secs(60)).await;

    let accepted = progress.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), total);
    let verdict = check_exactly_once(&t.db, &k, &provider, &accepted, ROUNDS, &kills).await;
    for log in logs.iter().chain([&server.log]) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        assert!(!text.contains("panicked"), "{}", text);
    }
    eprintln!(
        "{}: {verdict:?}, {} posts retried while down, in {:?}",
        t.db.backend_name(),
        progress.retried.load(Ordering::SeqCst),
        started.elapsed()
    );
    drop(server);
    t.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_9_mid_load_loses_and_doubles_nothing() {
    killed_twice_mid_load(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_kill_9_mid_load_loses_and_doubles_nothing() {
    let Some(t) = TestDb::postgres().await else {
        eprintln!("TEST_POSTGRES_URL not set: PostgreSQL run skipped");
        return;
    };
    killed_twice_mid_load(t).await;
}
