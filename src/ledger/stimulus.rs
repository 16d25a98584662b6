//! The stimulus, "Seribu per Hari per Jiwa" (DESIGN §6): each household's wallet is credited
//! `GOTONG_STIMULUS_PER_DAY` × its members counting on the date, from its own kelurahan's
//! treasury, once per household per date whatever happens.
//!
//! - A run credits every kelurahan of the deployment, or one ([`RunFor`]), kelurahan by
//!   kelurahan: each in units of work acting for it, with its own totals in `stimulus_runs`.
//! - Who counts: registered in the kelurahan, living (`died_on` empty or after the date), not
//!   moved out (likewise), `TETAP`, born on or before the date, and not arrived from another
//!   kelurahan on or after it (`arrived_on`: a person who came counts from the next day, so the
//!   day their old household may have been credited for them is never counted again), nor made
//!   `TETAP` on or after it (`tetap_since`, an approved residence change: from the next day, never
//!   retroactively); children
//!   included ([`COUNTS`]). One grouped query per kelurahan
//!   ([`crate::store::Db::stimulus_due`]) counts them and leaves out households already credited.
//! - Once, deployment-wide: each household's credit is a transfer under the UNIQUE key
//!   `stimulus:<date>:<no_kk>` ([`keys::stimulus`]; a KK number is unique in the deployment, so
//!   the key is too), applied by the ledger's one transfer path in its batch form. A re-run, a
//!   run after a crash half-way, and two servers running at once (for every kelurahan, or for
//!   some) can only skip households, never credit one twice.
//! - Fast: 1,000 households per transaction with multi-row statements; on PostgreSQL several
//!   kelurahan at once.
//! - The answer is what **this run newly credited** (a re-run answers zeros); the totals of the
//!   date are kept in `stimulus_runs` ([`crate::store::Db::stimulus_run`]).
//!
//! - Then the residents who asked for it (`NOTIF`) are told of their household's credit, once per
//!   phone per date ([`super::credit_notices`]).

use super::accounts::treasury;
use super::keys;
use super::transfer::{apply_transfers, NewTransfer, TransferKind};
use super::LedgerError;
use crate::error::{StoreError, StoreResult};
use crate::i18n::Texts;
use crate::registry::Residence;
use crate::store::{Backend, Db, KelurahanId, Leg, StimulusDue, StimulusTotals, Tx};
use chrono::NaiveDate;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Who counts: members of this residence status (`NON_PERMANEN` residents get no stimulus),
/// alive and not moved out on the date, born on or before it.
pub const COUNTS: Residence = Residence::Tetap;

/// Households per transaction.
pub const BATCH: usize = 1_000;

/// Which kelurahan a run credits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunFor {
    /// Every kelurahan of the deployment (`gotong stimulus run`, the daily job of `serve`).
    Every,
    /// One (`--kelurahan CODE`, `POST /api/stimulus/run?kelurahan=`).
    One(KelurahanId),
}

/// A run for a day that has not come yet: refused by the CLI and the API ([`check_date`]), since
/// who counts on that day is not known yet and its credit would be spent before its day.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{date} has not come yet (today is {today} in Asia/Jakarta): the stimulus is credited only for today or a day gone by")]
pub struct FutureDate {
    pub date: NaiveDate,
    pub today: NaiveDate,
}

/// Whether a run for `date` may go ahead at `now_ms`: today or earlier (Asia/Jakarta).
pub fn check_date(date: NaiveDate, now_ms: i64) -> Result<(), FutureDate> {
    let today = crate::calendar::jakarta_date(now_ms);
    if date > today {
        return Err(FutureDate { date, today });
    }
    Ok(())
}

/// Runs the stimulus of `date` for the kelurahan `which` names; `progress(done, total)` is
/// called after each batch with the number of households handled so far and due in all. The
/// credit notices are rendered with `texts`. Answers what this run newly credited, all
/// kelurahan together.
pub async fn run_stimulus(
    db: &Db,
    texts: &Texts,
    which: RunFor,
    date: NaiveDate,
    per_day: i64,
    now: impl Fn() -> i64,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> StoreResult<StimulusTotals> {
    let date = date.format("%Y-%m-%d").to_string();
    let kelurahan: Vec<KelurahanId> = match which {
        RunFor::Every => db
            .kelurahan_list()
            .await?
            .into_iter()
            .map(|k| k.id)
            .collect(),
        RunFor::One(k) => vec![k],
    };
    let prefix = keys::stimulus_prefix(&date);
    // PostgreSQL credits several kelurahan at once (each batch locks only its own kelurahan's
    // treasury); SQLite has one writer anyway.
    let parallel = if matches!(db.pool, Backend::Postgres(_)) {
        PARALLEL_KELURAHAN
    } else {
        1
    };
    let due: Vec<(KelurahanId, Vec<StimulusDue>)> = stream::iter(kelurahan)
        .map(|k| {
            let (date, prefix) = (&date, &prefix);
            async move { Ok::<_, StoreError>((k, db.stimulus_due(k, date, COUNTS, prefix).await?)) }
        })
        .buffered(parallel)
        .try_collect()
        .await?;
    let total: u64 = due.iter().map(|(_, d)| d.len() as u64).sum();
    progress(0, total);
    let done = AtomicU64::new(0);
    let run = Run {
        db,
        texts,
        date: &date,
        per_day,
        now: &now,
        done: &done,
        total,
        progress,
    };
    // By index: a closure taking a reference would not be general enough for the `Send` future
    // of `serve`'s job.
    let credited: Vec<StimulusTotals> = stream::iter(0..due.len())
        .map(|i| run.credit_kelurahan(due[i].0, &due[i].1))
        .buffer_unordered(parallel)
        .try_collect()
        .await?;
    Ok(credited
        .into_iter()
        .fold(StimulusTotals::default(), |mut sum, t| {
            sum += t;
            sum
        }))
}

/// Kelurahan credited at the same time on PostgreSQL.
const PARALLEL_KELURAHAN: usize = 4;

/// One run's settings, shared by the kelurahan it credits.
struct Run<'a, N: Fn() -> i64> {
    db: &'a Db,
    texts: &'a Texts,
    date: &'a str,
    per_day: i64,
    now: &'a N,
    /// Households handled so far, all kelurahan together.
    done: &'a AtomicU64,
    total: u64,
    progress: &'a (dyn Fn(u64, u64) + Send + Sync),
}

impl<N: Fn() -> i64> Run<'_, N> {
    /// Credits `kelurahan`'s households due, marks its run complete, tells who asked.
    async fn credit_kelurahan(
        &self,
        kelurahan: KelurahanId,
        households: &[StimulusDue],
    ) -> StoreResult<StimulusTotals> {
        let (db, date, now) = (self.db, self.date, self.now);
        let mut here = StimulusTotals::default();
        for batch in households.chunks(BATCH) {
            here += credit_batch(db, kelurahan, date, self.per_day, batch, now()).await?;
            let done =
                self.done.fetch_add(batch.len() as u64, Ordering::Relaxed) + batch.len() as u64;
            (self.progress)(done, self.total);
        }
        let mut tx = db.begin(kelurahan).await?;
        tx.finish_stimulus_run(date, now()).await?;
        tx.commit().await?;
        let told =
            super::credit_notices::queue_credit_notices(db, self.texts, kelurahan, date, now())
                .await?;
        tracing::info!(
            date = %date,
            kelurahan = %kelurahan,
            households = here.households,
            persons = here.persons,
            amount = here.amount,
            told,
            "stimulus credited"
        );
        Ok(here)
    }
}

/// One batch of `kelurahan`'s households in one transaction, retried when the database was busy
/// or found a deadlock.
async fn credit_batch(
    db: &Db,
    kelurahan: KelurahanId,
    date: &str,
    per_day: i64,
    batch: &[StimulusDue],
    now: i64,
) -> StoreResult<StimulusTotals> {
    let mut attempt = 0;
    loop {
        let result = async {
            let mut tx = db.begin(kelurahan).await?;
            let t = credit_households(&mut tx, date, per_day, batch, now).await?;
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

/// Credits one batch of households for `date` from their kelurahan's treasury (the unit of work
/// acts for it) through the ledger's one transfer
/// path ([`apply_transfers`]): one transfer per household under [`keys::stimulus`]. A household
/// whose key exists is skipped (credited by an earlier or a concurrent run). Answers what this
/// batch newly credited; the date's totals in `stimulus_runs` grow by the same in the same unit
/// of work.
async fn credit_households(
    tx: &mut Tx,
    date: &str,
    per_day: i64,
    batch: &[StimulusDue],
    now: i64,
) -> StoreResult<StimulusTotals> {
    let mut totals = StimulusTotals::default();
    if batch.is_empty() {
        return Ok(totals);
    }
    let treasury = treasury(tx).await?;
    let owners: Vec<&str> = batch.iter().map(|d| d.no_kk.as_str()).collect();
    let wallets = tx.ensure_wallets(&owners, now).await?;
    let keys: Vec<String> = batch
        .iter()
        .map(|d| keys::stimulus(date, &d.no_kk))
        .collect();
    let memos: Vec<String> = batch
        .iter()
        .map(|d| format!("{} jiwa", d.persons))
        .collect();
    let mut transfers = Vec::with_capacity(batch.len());
    for (i, due) in batch.iter().enumerate() {
        let wallet = *wallets
            .get(&due.no_kk)
            .ok_or_else(|| StoreError::Corrupt("wallet of a household vanished".into()))?;
        let amount = per_day * due.persons;
        transfers.push(NewTransfer {
            key: &keys[i],
            kind: TransferKind::Stimulus,
            memo: &memos[i],
            legs: vec![
                Leg {
                    account_id: wallet,
                    amount,
                },
                Leg {
                    account_id: treasury,
                    amount: -amount,
                },
            ],
            now,
        });
    }
    let applied = apply_transfers(tx, &transfers).await.map_err(|e| match e {
        LedgerError::Store(s) => s,
        other => StoreError::Corrupt(format!("stimulus transfer refused: {other}")),
    })?;
    for (due, done) in batch.iter().zip(&applied) {
        if done.is_some() {
            totals += StimulusTotals {
                households: 1,
                persons: due.persons,
                amount: per_day * due.persons,
            };
        }
    }
    tx.add_stimulus_totals(date, totals, now).await?;
    Ok(totals)
}

/// `gotong stimulus run`: the run with a progress bar on the terminal.
pub async fn run_with_progress_bar(
    db: &Db,
    texts: &Texts,
    which: RunFor,
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
        which,
        date,
        per_day,
        || chrono::Utc::now().timestamp_millis(),
        &progress,
    )
    .await;
    bar.finish();
    result
}
