//! The provider failing for a while during a mixed load (payments with PIN included), then
//! recovering: first 500s, then 429s, then answers slower than the send timeout, then no
//! listener at all (connection refused). Nothing is lost (every reply sent, none given up),
//! nothing is duplicated (every accepted request is exactly one outbox row), and the backlog
//! drains once the provider is back. "A minute" of the issue is shortened to about 5 seconds.

mod common;

use common::load::*;
use common::{fast_options, Answer};
use gotong::outbox::Backoff;
use gotong::store::Db;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const PAYERS: usize = 8;
const ROUNDS: usize = 3;

async fn outage_loses_and_doubles_nothing(db: &Db) {
    let mut options = fast_options();
    options.send_timeout = Duration::from_millis(300);
    // Retries keep going through the whole outage (about 40 attempts, at most a second apart).
    options.outbox.backoff = Backoff {
        base_ms: 100,
        cap_ms: 1_000,
        max_attempts: 40,
    };
    let server = engine_server(db, options).await;
    let provider = server.provider.clone();
    let config = common::config(&common::Setup::default(), &provider);
    let k = kelurahan(db, &config, PAYERS, 100_000).await;
    let scripts = scripts(&k, ROUNDS);
    let total: usize = scripts.iter().map(Vec::len).sum();
    let progress = Progress::default();
    let driver = tokio::spawn(drive(
        vec![server.base.clone()],
        scripts,
        DriveOptions {
            pause: Duration::from_millis(500),
            redeliver: false,
            deadline: Duration::from_secs(60),
        },
        progress.clone(),
    ));

    tokio::time::sleep(Duration::from_millis(500)).await;
    let phases = [
        Some(Answer::Status(
            500,
            r#"{"error":{"message":"Internal","code":1}}"#,
        )),
        Some(Answer::Status(
            429,
            r#"{"error":{"message":"Too many","code":130429}}"#,
        )),
        Some(Answer::Hang(Duration::from_secs(1))),
    ];
    for answer in phases {
        provider.set_failing(answer);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    provider.set_failing(None);
    provider.stop_listening().await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let in_outage = progress.done.load(Ordering::SeqCst);
    provider.resume().await;
    let recovered = Instant::now();

    driver.await.expect("the load finished");
    wait_idle(db, Duration::from_secs(30)).await;
    let drained = recovered.elapsed();
    assert!(
        drained < Duration::from_secs(20),
        "backlog drained in {drained:?}"
    );

    let requests = provider.requests();
    let count = |s: u16| requests.iter().filter(|r| r.status == s).count();
    assert!(
        count(500) > 0 && count(429) > 0 && count(0) > 0,
        "every kind of failure was seen"
    );
    assert!(
        in_outage > 0 && in_outage < total,
        "the outage fell inside the load ({in_outage} of {total} messages in)"
    );
    let accepted = progress.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), total);
    let verdict = check_exactly_once(db, &k, &provider, &accepted, ROUNDS, &[]).await;
    assert_eq!(
        db.outbox_stats(None).await.unwrap().failed,
        0,
        "nothing given up"
    );
    eprintln!(
        "{}: {verdict:?}; provider answered 500 ×{}, 429 ×{}, timed out ×{}; idle {drained:?} after it came back",
        db.backend_name(),
        count(500),
        count(429),
        count(0)
    );
    server.shutdown().await;
}

gotong::backend_tests!(outage_loses_and_doubles_nothing);
