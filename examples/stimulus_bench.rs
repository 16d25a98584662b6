//! Stimulus and payment throughput on SQLite (not a test):
//! `cargo run --release --example stimulus_bench -- 1000000 [payments]`.
//!
//! Seeds N persons in households of 4 (batched inserts), runs the stimulus for one date, runs it
//! again (idempotent: nothing to credit), then makes `payments` payments (PIN already verified)
//! from random households to a few merchants, one unit of work each.

use gotong::ledger::payment::{pay, PaymentRequest};
use gotong::ledger::stimulus::run_stimulus;
use gotong::store::{Db, SeedPerson};
use gotong::testing::fixtures::merchant;
use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let persons: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let payments: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = Db::connect(&url).await?;
    let now = gotong::testing::transcript::START_MS;

    let t = Instant::now();
    let households: Vec<(String, String, String)> = (0..persons.div_ceil(4))
        .map(|h| {
            (
                format!("3201{h:012}"),
                format!("{:03}", h % 20 + 1),
                "01".into(),
            )
        })
        .collect();
    let people: Vec<SeedPerson> = (0..persons)
        .map(|i| {
            let h = i / 4;
            let (birth, shdk) = match i % 4 {
                0 => ("1980-01-01", "KEPALA KELUARGA"),
                1 => ("1982-01-01", "ISTRI"),
                _ => ("2012-01-01", "ANAK"),
            };
            SeedPerson {
                nik: format!("32{i:014}"),
                no_kk: households[h].0.clone(),
                name: format!("Warga {i}"),
                birth_date: birth.into(),
                sex: if i % 2 == 0 { "L" } else { "P" }.into(),
                shdk: shdk.into(),
                residence: if i % 50 == 49 {
                    "NON_PERMANEN"
                } else {
                    "TETAP"
                }
                .into(),
                phone: None,
                died_on: None,
                moved_out_on: None,
            }
        })
        .collect();
    db.seed_registry(&households, &people, now).await?;
    println!(
        "seeded {} persons in {} households in {:.1} s",
        persons,
        households.len(),
        t.elapsed().as_secs_f64()
    );

    let date = gotong::calendar::parse_date("2026-11-25").unwrap_or_default();
    let t = Instant::now();
    let run = run_stimulus(&db, date, 1000, || now, &|_, _| {}).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "stimulus: {} households, {} persons, Rp{} in {:.2} s ({:.0} households/s, {:.0} persons/s)",
        run.households,
        run.persons,
        run.amount,
        secs,
        run.households as f64 / secs,
        run.persons as f64 / secs
    );
    let t = Instant::now();
    let again = run_stimulus(&db, date, 1000, || now, &|_, _| {}).await?;
    println!(
        "re-run: {} households credited in {:.2} s",
        again.households,
        t.elapsed().as_secs_f64()
    );

    let mut codes = Vec::new();
    for m in 0..10 {
        codes.push(
            merchant(&db, &people[m * 4].nik, &format!("Warung {m}"), now)
                .await?
                .code,
        );
    }
    let t = Instant::now();
    let mut ok = 0;
    for i in 0..payments {
        let payer = &people[(i * 7919 % (persons / 4)) * 4 + 4 * 10 % persons];
        let key = format!("bench:{i}");
        let mut tx = db.begin().await?;
        let r = pay(
            &mut tx,
            &PaymentRequest {
                payer_nik: &payer.nik,
                merchant_code: &codes[i % codes.len()],
                amount: 1_000,
                key: &key,
                social_fund_percent: 5.into(),
                minor_limit: 50_000,
                now,
            },
        )
        .await;
        if r.is_ok() {
            ok += 1;
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "payments: {ok} of {payments} in {secs:.2} s ({:.0} payments/s)",
        payments as f64 / secs
    );
    let audit = db.ledger_audit().await?;
    println!("ledger audit: {audit:?}");
    db.close().await;
    Ok(())
}
