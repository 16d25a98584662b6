//! Scenario 3: the stimulus run, its idempotent re-run, then payments.
//!
//! A synthetic kelurahan of about `--persons` persons through the registry import
//! ([`crate::testing::kelurahan`], not measured); the stimulus of today for every household (timed), the same
//! date again (timed: nothing left to credit), then `--payments` payments of Rp1,000 (the PIN
//! already verified, one unit of work each, [`crate::ledger::payment::pay`]) from credited
//! (`TETAP`) households spread over the kelurahan to ten merchants, and the ledger audit at the end. No server runs:
//! this is the ledger's own throughput.
//!
//! With `--kelurahan N` the persons are spread over N kelurahan (one import, then the households
//! moved by KK number, `Db::seed_spread_households`), and the run credits every kelurahan, each
//! from its own treasury (issue 18: 100 kelurahan × 5,000 persons); no payments then.

use super::{fresh_db, per_second, Backend, BenchArgs};
use crate::i18n::Texts;
use crate::ledger::merchants::register_merchant;
use crate::ledger::payment::{pay, PaymentRequest};
use crate::ledger::stimulus::{run_stimulus, RunFor};
use crate::store::{Db, LedgerAudit};
use crate::testing::kelurahan;
use std::time::{Duration, Instant};

/// Rupiah per counting person per day.
const PER_DAY: i64 = 1_000;
const MERCHANTS: usize = 10;
const AMOUNT: i64 = 1_000;

/// What one stimulus run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct StimulusFigures {
    pub backend: Backend,
    /// Kelurahan the persons are spread over.
    pub kelurahan: usize,
    /// Persons seeded.
    pub persons: u64,
    /// Households credited by the run, and their counting persons.
    pub households: i64,
    pub counted: i64,
    pub run: Duration,
    pub rerun: Duration,
    /// Households credited by the re-run: 0.
    pub recredited: i64,
    pub payments: u64,
    /// Payments that went through (all do unless a household ran out of money).
    pub paid: u64,
    pub paying: Duration,
    pub audit: LedgerAudit,
}

pub async fn run(backend: Backend, args: &BenchArgs) -> anyhow::Result<StimulusFigures> {
    let test_db = fresh_db(backend).await?;
    let db = &test_db.db;
    let today = chrono::Utc::now().date_naive();
    let now = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    let report = kelurahan::synthetic(db, kelurahan::households_for(args.persons), now).await?;
    tracing::info!(
        %backend,
        persons = report.persons,
        households = report.households,
        seconds = started.elapsed().as_secs_f64(),
        "bench: kelurahan seeded"
    );

    if args.kelurahan > 1 {
        let started = Instant::now();
        let mut last = crate::store::KelurahanId::DEFAULT;
        for k in 2..=args.kelurahan {
            last = db
                .create_kelurahan(&format!("3578{k:06}"), &format!("Bench {k}"), &[], now)
                .await?
                .id;
        }
        db.seed_spread_households(crate::store::KelurahanId::DEFAULT, last)
            .await?;
        tracing::info!(%backend, kelurahan = args.kelurahan, seconds = started.elapsed().as_secs_f64(), "bench: households spread");
    }
    let texts = Texts::load_shipped()?;
    let started = Instant::now();
    let credited = run_stimulus(
        db,
        &texts,
        RunFor::Every,
        today,
        PER_DAY,
        || now,
        &|_, _| {},
    )
    .await?;
    let run = started.elapsed();
    let started = Instant::now();
    let again = run_stimulus(
        db,
        &texts,
        RunFor::Every,
        today,
        PER_DAY,
        || now,
        &|_, _| {},
    )
    .await?;
    let rerun = started.elapsed();
    tracing::info!(%backend, ?credited, ?run, ?again, ?rerun, "bench: stimulus run twice");

    let (paid, paying, payments_made) = if args.kelurahan > 1 {
        (0, Duration::ZERO, 0)
    } else {
        let (paid, paying) = payments(db, args.payments, now, |_| now).await?;
        (paid, paying, args.payments)
    };
    let audits = db.ledger_audits().await?;
    let audit = if audits.hold() {
        LedgerAudit::default()
    } else {
        tracing::error!(?audits, "bench: a ledger is not whole");
        audits.deployment
    };
    test_db.drop_db().await;
    Ok(StimulusFigures {
        backend,
        kelurahan: args.kelurahan,
        persons: report.persons,
        households: credited.households,
        counted: credited.persons,
        run,
        rerun,
        recredited: again.households,
        payments: payments_made,
        paid,
        paying,
        audit,
    })
}

/// Registers the merchants, then makes `count` payments, payment `i` at `dated(i)`; answers how
/// many went through and how long they took.
pub(super) async fn payments(
    db: &Db,
    count: u64,
    now: i64,
    dated: impl Fn(u64) -> i64,
) -> anyhow::Result<(u64, Duration)> {
    let heads = kelurahan::heads(db, true).await?;
    anyhow::ensure!(
        heads.len() > MERCHANTS,
        "the kelurahan is too small: {} households",
        heads.len()
    );
    let (owners, payers) = heads.split_at(MERCHANTS);
    let mut codes = Vec::with_capacity(MERCHANTS);
    for (m, owner) in owners.iter().enumerate() {
        let mut tx = db.begin(crate::store::KelurahanId::DEFAULT).await?;
        let merchant =
            register_merchant(&mut tx, "bench", owner, &format!("Warung {m}"), now).await?;
        tx.commit().await?;
        codes.push(merchant.code);
    }
    let started = Instant::now();
    let mut paid = 0;
    for i in 0..count {
        // A prime step spreads the payers over the kelurahan.
        let payer = &payers[(i as usize).wrapping_mul(7_919) % payers.len()];
        let key = format!("bench:{i}");
        let mut tx = db.begin(crate::store::KelurahanId::DEFAULT).await?;
        let result = pay(
            &mut tx,
            &PaymentRequest {
                payer_nik: payer,
                merchant_code: &codes[i as usize % codes.len()],
                amount: AMOUNT,
                key: &key,
                social_fund_percent: 5.into(),
                minor_limit: 50_000,
                now: dated(i),
            },
        )
        .await;
        match result {
            Ok(_) => {
                tx.commit().await?;
                paid += 1;
            }
            Err(e) => {
                tracing::debug!(error = %e, payer, "bench: payment refused");
                tx.rollback().await?;
            }
        }
    }
    Ok((paid, started.elapsed()))
}

/// The figures as a Markdown table.
pub fn table(rows: &[StimulusFigures]) -> String {
    let mut out = String::from(
        "| backend | kelurahan | persons | households credited | counting persons | run | households/s | re-run | re-credited | payments | payments/s | ledger audit |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for f in rows {
        let audit = if f.audit == LedgerAudit::default() {
            "ok".to_string()
        } else {
            format!("{:?}", f.audit)
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2} s | {:.0} | {:.2} s | {} | {} of {} | {:.0} | {} |\n",
            f.backend,
            f.kelurahan,
            f.persons,
            f.households,
            f.counted,
            f.run.as_secs_f64(),
            per_second(f.households as f64, f.run),
            f.rerun.as_secs_f64(),
            f.recredited,
            f.paid,
            f.payments,
            per_second(f.paid as f64, f.paying),
            audit
        ));
    }
    out
}
