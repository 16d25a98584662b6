//! Registry import benchmark: `cargo run --release --example import_bench -- 100000`.
//!
//! Generates about that many rows with the synthetic kelurahan (seed 1), imports them into a
//! fresh SQLite database in a temporary directory, and, when `TEST_POSTGRES_URL` is set, into a
//! fresh PostgreSQL database; prints the time and rows per second of each, then a re-import of
//! the same file (which must change nothing).

use gotong::registry::{import_registry, synthetic_registry_csv, ImportOptions};
use gotong::testing::TestDb;
use std::time::Instant;

/// Persons per synthetic household, on average (measured: about 3.77).
const PERSONS_PER_HOUSEHOLD: f64 = 3.77;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rows: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 100_000,
    };
    let households = ((rows as f64) / PERSONS_PER_HOUSEHOLD).ceil() as usize;
    let t = Instant::now();
    let csv = synthetic_registry_csv(households, 1);
    let actual = csv.lines().count() - 1;
    println!(
        "generated {actual} rows in {households} households ({} KB) in {:.2?}",
        csv.len() / 1024,
        t.elapsed()
    );

    let mut dbs = vec![TestDb::sqlite().await];
    if let Some(pg) = TestDb::postgres().await {
        dbs.push(pg);
    } else {
        println!("TEST_POSTGRES_URL not set: PostgreSQL skipped");
    }
    let opts = ImportOptions {
        dry_run: false,
        actor: "bench".into(),
        subject: None,
        now_ms: 1_767_225_600_000,
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        kelurahan: gotong::store::KelurahanId::DEFAULT,
    };
    for t in dbs {
        let name = t.db.backend_name();
        let start = Instant::now();
        let report = import_registry(&t.db, csv.as_bytes(), &opts, &|_| {}).await?;
        let took = start.elapsed();
        anyhow::ensure!(
            report.rejected.is_empty() && report.persons as usize == actual,
            "unexpected report: {} persons, {} rejected",
            report.persons,
            report.rejected.len()
        );
        println!(
            "{name}: imported {} rows ({} households) in {:.2?}: {:.0} rows/s",
            report.persons,
            report.households,
            took,
            actual as f64 / took.as_secs_f64()
        );
        let start = Instant::now();
        let again = import_registry(&t.db, csv.as_bytes(), &opts, &|_| {}).await?;
        let took = start.elapsed();
        anyhow::ensure!(again.persons == 0 && again.unchanged == report.households);
        println!(
            "{name}: re-import (nothing changes) in {:.2?}: {:.0} rows/s",
            took,
            actual as f64 / took.as_secs_f64()
        );
        t.drop_db().await;
    }
    Ok(())
}
