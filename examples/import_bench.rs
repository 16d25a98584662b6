//! Registry import benchmark: `cargo run --release --example import_bench -- 100000`
//! (`-- 1000000 --write FILE.csv` writes the file and stops, for `gotong import registry FILE.csv`
//! under `/usr/bin/time -v`: the memory of the command a clerk runs).
//!
//! Generates about that many rows with the synthetic kelurahan (seed 1), imports them into a
//! fresh SQLite database in a temporary directory, and, when `TEST_POSTGRES_URL` is set, into a
//! fresh PostgreSQL database; prints the time and rows per second of each, then a re-import of
//! the same file (which must change nothing). On Linux it prints the import's peak resident
//! memory too: the high-water mark is reset once the file is generated, so the figure is what
//! the import holds, the file's bytes included (as `gotong import FILE` holds them).

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
    if let (Some("--write"), Some(path)) =
        (std::env::args().nth(2).as_deref(), std::env::args().nth(3))
    {
        std::fs::write(&path, &csv)?;
        println!("wrote {actual} rows to {path}");
        return Ok(());
    }
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
        reset_peak_memory();
        let start = Instant::now();
        let report = import_registry(&t.db, csv.as_bytes(), &opts, &|_| {}).await?;
        let took = start.elapsed();
        let peak = peak_memory_mib();
        anyhow::ensure!(
            report.rejected.is_empty() && report.persons as usize == actual,
            "unexpected report: {} persons, {} rejected",
            report.persons,
            report.rejected.len()
        );
        println!(
            "{name}: imported {} rows ({} households) in {:.2?}: {:.0} rows/s, peak memory {}",
            report.persons,
            report.households,
            took,
            actual as f64 / took.as_secs_f64(),
            peak.map_or("unknown".to_string(), |m| format!("{m} MiB"))
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

/// Resets the process's resident-memory high-water mark (Linux: `/proc/self/clear_refs`).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's resident-memory high-water mark since the last reset, in MiB (Linux).
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
