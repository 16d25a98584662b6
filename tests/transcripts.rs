//! Runs every conversation in `tests/transcripts/` on SQLite and on PostgreSQL: the exact replies
//! must come out. `GOTONG_BLESS=1 cargo test --test transcripts` rewrites the files with what
//! actually came out, to review with `git diff` (never in CI).

use gotong::app::App;
use gotong::clock::FakeClock;
use gotong::config::Config;
use gotong::testing::example_actions::engine_with_example;
use gotong::testing::transcript::{run, suite_files, START_MS};
use gotong::testing::TestDb;
use std::sync::Arc;

async fn run_all(postgres: bool) {
    let bless = std::env::var("GOTONG_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for file in suite_files() {
        let Some(t) = TestDb::of_backend(postgres).await else {
            return;
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
        let text = std::fs::read_to_string(&file).expect("readable transcript");
        match run(&app, &clock, &text).await {
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_on_sqlite() {
    run_all(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_on_postgres() {
    run_all(true).await;
}
