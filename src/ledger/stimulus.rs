//! The stimulus, "Seribu per Hari per Jiwa" (DESIGN §6): each household's wallet is credited
//! `GOTONG_STIMULUS_PER_DAY` × its members counting on the date, from the treasury, once per
//! household per date whatever happens.
//!
//! - Who counts: living (`died_on` empty or after the date), not moved out (likewise), `TETAP`,
//!   born on or before the date; children included. One grouped query
//!   ([`crate::store::Db::stimulus_due`]) counts them and leaves out households already credited.
//! - Once: each household's credit is a transfer under the UNIQUE key `stimulus:<date>:<no_kk>`.
//!   A re-run, a run after a crash half-way, and two servers running at once can only skip
//!   households, never credit one twice.
//! - Fast: 1,000 households per transaction with multi-row statements.
//! - The answer is what **this run newly credited** (a re-run answers zeros); the totals of the
//!   date are kept in `stimulus_runs` ([`crate::store::Db::stimulus_run`]).
//!
//! - Then the residents who asked for it (`NOTIF`) are told of their household's credit, once per
//!   phone per date ([`super::credit_notices`]).

use crate::error::StoreResult;
use crate::i18n::Texts;
use crate::store::{Db, StimulusDue, StimulusTotals};
use chrono::NaiveDate;
use std::time::Duration;

/// Households per transaction.
pub const BATCH: usize = 1_000;

/// Runs the stimulus of `date`; `progress(done, total)` is called after each batch with the
/// number of households handled so far and due in all. The credit notices are rendered with
/// `texts`.
pub async fn run_stimulus(
    db: &Db,
    texts: &Texts,
    date: NaiveDate,
    per_day: i64,
    now: impl Fn() -> i64,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> StoreResult<StimulusTotals> {
    let date = date.format("%Y-%m-%d").to_string();
    let due = db.stimulus_due(&date).await?;
    let total = due.len() as u64;
    progress(0, total);
    let mut credited = StimulusTotals::default();
    let mut done = 0u64;
    for batch in due.chunks(BATCH) {
        credited += credit_batch(db, &date, per_day, batch, now()).await?;
        done += batch.len() as u64;
        progress(done, total);
    }
    let mut tx = db.begin().await?;
    tx.finish_stimulus_run(&date, now()).await?;
    tx.commit().await?;
    let told = super::credit_notices::queue_credit_notices(db, texts, &date, now()).await?;
    tracing::info!(date = %date, told, "credit notices queued");
    tracing::info!(
        date = %date,
        households = credited.households,
        persons = credited.persons,
        amount = credited.amount,
        "stimulus credited"
    );
    Ok(credited)
}

/// One batch in one transaction, retried when the database was busy or found a deadlock.
async fn credit_batch(
    db: &Db,
    date: &str,
    per_day: i64,
    batch: &[StimulusDue],
    now: i64,
) -> StoreResult<StimulusTotals> {
    let mut attempt = 0;
    loop {
        let result = async {
            let mut tx = db.begin().await?;
            let t = tx.credit_stimulus_batch(date, per_day, batch, now).await?;
            tx.commit().await?;
            Ok::<_, crate::error::StoreError>(t)
        }
        .await;
        match result {
            Err(e) if attempt < 5 && !e.is_permanent() => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "stimulus batch retried");
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
            other => return other,
        }
    }
}

/// `gotong stimulus run`: the run with a progress bar on the terminal.
pub async fn run_with_progress_bar(
    db: &Db,
    texts: &Texts,
    date: NaiveDate,
    per_day: i64,
) -> StoreResult<StimulusTotals> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} households ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("stimulus {date}"));
    let progress = {
        let bar = bar.clone();
        move |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let result = run_stimulus(
        db,
        texts,
        date,
        per_day,
        || chrono::Utc::now().timestamp_millis(),
        &progress,
    )
    .await;
    bar.finish();
    result
}
