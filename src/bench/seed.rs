//! What the scenarios seed alike: a synthetic kelurahan through the real registry import, and
//! phones linked to its persons with one set-based statement.

use crate::registry::{import_registry, synthetic_registry_csv, ImportOptions, ImportReport};
use crate::store::{on_backend, Db};
use chrono::NaiveDate;

/// Persons per synthetic household, on average (measured: 3.73 to 3.77).
const PERSONS_PER_HOUSEHOLD: f64 = 3.75;

/// The first linked phone is `+628<FIRST_PHONE>`, the next one more, in NIK order.
const FIRST_PHONE: i64 = 300_000_000;

/// Households of a synthetic kelurahan of about `persons` persons.
pub fn households_for(persons: usize) -> usize {
    (persons as f64 / PERSONS_PER_HOUSEHOLD).ceil() as usize
}

/// Imports a synthetic kelurahan of `households` households (seed 1), ages counted on `today`.
pub async fn import_kelurahan(
    db: &Db,
    households: usize,
    today: NaiveDate,
    now_ms: i64,
) -> anyhow::Result<ImportReport> {
    let csv = synthetic_registry_csv(households, 1);
    let opts = ImportOptions {
        dry_run: false,
        actor: "bench".into(),
        subject: None,
        now_ms,
        today,
    };
    let report = import_registry(db, csv.as_bytes(), &opts, &|_| {}).await?;
    anyhow::ensure!(
        report.rejected.is_empty(),
        "the synthetic registry had {} rejected lines",
        report.rejected.len()
    );
    Ok(report)
}

/// The NIKs of the heads of household, in order; with `permanent_only`, only those of `TETAP`
/// households (the ones the stimulus credits).
pub async fn heads(db: &Db, permanent_only: bool) -> anyhow::Result<Vec<String>> {
    let sql = if permanent_only {
        "SELECT nik FROM persons WHERE shdk = 'KEPALA KELUARGA' AND residence = 'TETAP'
         ORDER BY nik"
    } else {
        "SELECT nik FROM persons WHERE shdk = 'KEPALA KELUARGA' ORDER BY nik"
    };
    Ok(on_backend!(&db.pool, p => {
        sqlx::query_scalar(sql).fetch_all(p).await?
    }))
}

/// Who gets a phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linked {
    /// Heads of household only.
    Heads,
    /// Any person.
    Everyone,
}

/// Links the first `count` persons of `who` (by NIK) to the phones `+628<300000000 + i>` with
/// `pin_hash`, in one statement; answers those phones in the same order, as the provider writes
/// them (digits only).
pub async fn link_phones(
    db: &Db,
    who: Linked,
    count: usize,
    pin_hash: &str,
    now: i64,
) -> anyhow::Result<Vec<String>> {
    let filter = match who {
        Linked::Heads => "shdk = 'KEPALA KELUARGA'",
        Linked::Everyone => "1 = 1",
    };
    let sql = format!(
        "INSERT INTO links (phone, nik, pin_hash, linked_at)
         SELECT '+628' || ({FIRST_PHONE} + n), nik, $1, $2
         FROM (SELECT nik, ROW_NUMBER() OVER (ORDER BY nik) - 1 AS n
               FROM persons WHERE {filter}) AS p
         WHERE n < $3"
    );
    let wanted = i64::try_from(count)?;
    let linked = on_backend!(&db.pool, p => {
        sqlx::query(&sql)
            .bind(pin_hash)
            .bind(now)
            .bind(wanted)
            .execute(p)
            .await?
            .rows_affected()
    });
    anyhow::ensure!(
        linked == count as u64,
        "only {linked} persons to link of {count}: the registry is too small"
    );
    Ok((0..wanted)
        .map(|i| format!("628{}", FIRST_PHONE + i))
        .collect())
}
