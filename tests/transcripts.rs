//! Runs every conversation in `tests/transcripts/` on SQLite and on PostgreSQL: the exact replies
//! must come out. `GOTONG_BLESS=1 cargo test --test transcripts` rewrites the files with what
//! actually came out, to review with `git diff` (never in CI).
//!
//! The SMS transcripts ([`is_sms_only`]) run a second time through SMS Gateway for Android
//! ([`AndroidRoute`]: signed `sms:received` events in, the gateway's send API out) against the same
//! expected files: the provider changes nothing a resident reads.

use gotong::app::App;
use gotong::clock::FakeClock;
use gotong::config::Config;
use gotong::testing::example_actions::engine_with_example;
use gotong::testing::transcript::{is_sms_only, run_on, suite_files, AndroidRoute, START_MS};
use gotong::testing::TestDb;
use std::sync::Arc;

/// Runs the suite (only its SMS transcripts, through the gateway, when `android`); how many ran.
async fn run_all(postgres: bool, android: bool) -> usize {
    let bless = std::env::var("GOTONG_BLESS").is_ok_and(|v| v == "1") && !android;
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in suite_files() {
        let text = std::fs::read_to_string(&file).expect("readable transcript");
        if android && !is_sms_only(&text) {
            continue;
        }
        let Some(t) = TestDb::of_backend(postgres).await else {
            return 0;
        };
        let mut config = Config::for_database(&t.url);
        // Broadcasts to WhatsApp recipients outside the 24-hour window use this template.
        config.whatsapp_broadcast_template = Some("pengumuman".into());
        let config = Arc::new(config);
        let engine = engine_with_example(config.clone());
        let clock = FakeClock::new(START_MS);
        let app = App::new(
            (*config).clone(),
            t.db.clone(),
            engine.texts().clone(),
            Arc::new(engine),
        )
        .with_clock(Arc::new(clock.clone()));
        let route = match android {
            true => Some(AndroidRoute::start(&app, &clock).await),
            false => None,
        };
        ran += 1;
        match run_on(&app, &clock, &text, route.as_ref()).await {
            Ok((actual, problems)) => {
                if bless && !postgres {
                    std::fs::write(&file, actual).expect("write blessed transcript");
                } else {
                    for p in problems {
                        failures.push(format!("{}: {p}", file.display()));
                    }
                }
            }
            Err(e) => failures.push(format!("{}: {e}", file.display())),
        }
        t.drop_db().await;
    }
    assert!(
        failures.is_empty(),
        "{} transcript problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    ran
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_on_sqlite() {
    run_all(false, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_on_postgres() {
    run_all(true, false).await;
}

/// At least this many of the suite's transcripts are plain SMS (so the gateway run is no empty
/// loop).
const SMS_TRANSCRIPTS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_transcripts_through_the_android_gateway_on_sqlite() {
    let ran = run_all(false, true).await;
    assert!(ran >= SMS_TRANSCRIPTS, "only {ran} SMS transcripts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_transcripts_through_the_android_gateway_on_postgres() {
    let ran = run_all(true, true).await;
    assert!(
        ran == 0 || ran >= SMS_TRANSCRIPTS,
        "only {ran} SMS transcripts"
    );
}
