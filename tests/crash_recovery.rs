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
//!
//! And `kill -9` in the middle of a backlog sent at WhatsApp's cap (80 a second) to a provider
//! that takes 50 ms to answer, so sends are always on the wire: after the restart every row
//! reaches the provider, and the rows sent twice are at most the sends on the wire (or answered
//! but not yet recorded) at the kill.

mod common;

use common::load::*;
use common::{FakeProvider, Setup};
use gotong::testing::TestDb;
use std::collections::HashSet;
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

const CAP: u32 = 80;
/// How long the fake provider takes to answer a send.
const LATENCY: Duration = Duration::from_millis(50);
/// How long after its answer a send may still be unrecorded (the recorder's commit; on SQLite it
/// may wait behind a unit of work holding the write lock, and on a loaded machine — CI runs the
/// other tests beside this one — the recorder's task may wait for a core).
const RECORDING: Duration = Duration::from_millis(300);

async fn killed_while_sending_at_the_cap(t: TestDb) {
    let provider = FakeProvider::start().await;
    provider.set_latency(LATENCY);
    let texts = queue_numbered(&t.db, 150, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let env = serve_env_at_cap(&t.url, &provider, free_port(), CAP);
    let mut server = ServeProcess::start(&env, dir.path(), "serve-1").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while provider.requests().len() < 100 {
        assert!(Instant::now() < deadline, "the sends did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let kill = server.kill9();
    // What was on the wire at the kill: received before it (or as it happened) and not answered,
    // or answered so shortly before it that the outcome may not be recorded.
    let at_kill = provider.requests();
    let on_the_wire: HashSet<String> = at_kill
        .iter()
        .filter(|r| r.at <= kill + Duration::from_millis(20))
        .filter(|r| r.answered_at.is_none_or(|a| a + RECORDING >= kill))
        .map(|r| r.text())
        .collect();
    let log = server.log.clone();
    server = ServeProcess::start(&env, dir.path(), "serve-2").await;
    wait_idle(&t.db, Duration::from_secs(60)).await;

    let requests = provider.requests();
    let counts = requests_per_text(&requests);
    let all: Vec<&String> = texts.iter().flatten().collect();
    for text in &all {
        assert!(
            counts.get(*text).is_some_and(|n| *n >= 1),
            "{text} never sent"
        );
    }
    let twice: Vec<&String> = all.iter().copied().filter(|t| counts[*t] > 1).collect();
    assert!(
        twice.iter().all(|t| counts[*t] == 2),
        "a row sent more than twice"
    );
    for text in &twice {
        assert!(
            on_the_wire.contains(*text),
            "{text} was sent twice but was not on the wire at the kill"
        );
    }
    // The bound: what can be on the wire at the cap in one answer's time and one recording's.
    let bound = (f64::from(CAP) * (LATENCY + RECORDING).as_secs_f64()).ceil() as usize + 2;
    assert!(
        on_the_wire.len() <= bound,
        "{} sends on the wire at the kill (bound {bound})",
        on_the_wire.len()
    );
    assert_eq!(requests.len(), all.len() + twice.len());
    for log in [&log, &server.log] {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        assert!(!text.contains("panicked"), "{text}");
    }
    eprintln!(
        "{}: killed at a cap of {CAP}/s with {} of {} sent: {} on the wire, {} sent twice",
        t.db.backend_name(),
        at_kill.len(),
        all.len(),
        on_the_wire.len(),
        twice.len()
    );
    drop(server);
    t.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_9_at_the_cap_resends_only_what_was_on_the_wire() {
    killed_while_sending_at_the_cap(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_kill_9_at_the_cap_resends_only_what_was_on_the_wire() {
    let Some(t) = TestDb::postgres().await else {
        eprintln!("TEST_POSTGRES_URL not set: PostgreSQL run skipped");
        return;
    };
    killed_while_sending_at_the_cap(t).await;
}
