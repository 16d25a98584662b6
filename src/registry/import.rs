//! The registry import: the file's households checked against the database and written in
//! batches inside one unit of work, or, on a dry run, checked the same way and not written.
//!
//! A household whose `no_kk` is already registered is left as it is and counted `unchanged`, so
//! re-importing a file changes nothing. If the file's data for it differs from the database (a
//! member added or missing, a name or date changed), the database still wins, and the report
//! warns: changes to a registered household go through change requests (`DATA` → 2), approved by
//! an officer, never through a re-import. A new household with a NIK already registered under
//! another KK is rejected.

use super::households::{plan_households, Candidate};
use super::report::{ImportReport, Issue};
use super::RegistryError;
use crate::parse::nik::last4;
use crate::store::{Db, HouseholdRecord, PersonRecord, Tx};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// How to run an import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Who imports, for the audit log (`cli`, `admin-api`).
    pub actor: String,
    /// What was imported, for the audit log (a file name).
    pub subject: Option<String>,
    /// Epoch ms: `imported_at` and the audit log.
    pub now_ms: i64,
    /// Birth dates after this day are rejected.
    pub today: NaiveDate,
    /// The kelurahan whose registry this is.
    pub kelurahan: crate::store::KelurahanId,
}

/// Where a long import is, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportProgress {
    /// Rows read and checked on their own.
    Checked { rows: u64 },
    /// Persons written so far, of `total`.
    Writing { done: u64, total: u64 },
}

/// Persons written between two progress reports.
const PROGRESS_CHUNK: usize = 5_000;

/// Imports a registry CSV (DESIGN §5). Fails only if the file as a whole is not a registry CSV or
/// the database fails (then nothing is written); bad rows are in the report's `rejected`.
pub async fn import_registry(
    db: &Db,
    input: &[u8],
    opts: &ImportOptions,
    progress: &(dyn Fn(ImportProgress) + Send + Sync),
) -> Result<ImportReport, RegistryError> {
    let rows = super::csv_row::read_rows(input)?;
    progress(ImportProgress::Checked {
        rows: rows.len() as u64,
    });
    let mut households = plan_households(rows, opts.today);

    let mut tx = db.begin(opts.kelurahan).await?;
    let result = check_and_write(&mut tx, &mut households, opts, progress).await;
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    };
    if opts.dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    tracing::info!(
        dry_run = opts.dry_run,
        households = report.households,
        persons = report.persons,
        unchanged = report.unchanged,
        rejected = report.rejected.len(),
        warnings = report.warnings.len(),
        "registry import"
    );
    Ok(report)
}

async fn check_and_write(
    tx: &mut Tx,
    households: &mut [Candidate],
    opts: &ImportOptions,
    progress: &(dyn Fn(ImportProgress) + Send + Sync),
) -> Result<ImportReport, RegistryError> {
    let valid_kks: Vec<String> = households
        .iter()
        .filter(|h| !h.is_rejected())
        .map(|h| h.key.clone())
        .collect();
    let registered: HashMap<String, HouseholdRecord> = tx
        .existing_households(&valid_kks)
        .await?
        .into_iter()
        .map(|h| (h.no_kk.clone(), h))
        .collect();
    let new_niks: Vec<String> = households
        .iter()
        .filter(|h| !h.is_rejected() && !registered.contains_key(&h.key))
        .flat_map(|h| h.rows.iter().map(|r| r.nik.as_str().to_string()))
        .collect();
    let taken: HashMap<String, String> = tx
        .existing_persons(&new_niks)
        .await?
        .into_iter()
        .map(|p| (p.nik, p.no_kk))
        .collect();
    let registered_kks: Vec<String> = registered.keys().cloned().collect();
    let mut members: HashMap<String, Vec<PersonRecord>> = HashMap::new();
    for p in tx.members_of_households(&registered_kks).await? {
        members.entry(p.no_kk.clone()).or_default().push(p);
    }

    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..ImportReport::default()
    };
    let mut new_households = Vec::new();
    let mut new_persons = Vec::new();
    for h in households.iter_mut() {
        if !h.is_rejected() {
            if let Some(stored) = registered.get(&h.key) {
                report.unchanged += 1;
                let stored_members = members.get(&h.key).map(Vec::as_slice).unwrap_or(&[]);
                if let Some(difference) = difference(h, stored, stored_members) {
                    report.warnings.push(Issue {
                        line: h.first_line(),
                        reason: format!(
                            "KK ini sudah terdaftar dan data di file berbeda ({difference}); \
                             data tersimpan tidak diubah: perubahan diajukan lewat \
                             permintaan perubahan (DATA)"
                        ),
                    });
                }
                continue;
            }
            let clashes: Vec<(u64, String)> = h
                .rows
                .iter()
                .filter_map(|r| {
                    let other_kk = taken.get(r.nik.as_str())?;
                    let reason = format!(
                        "nik {} sudah terdaftar di KK lain (no_kk …{})",
                        r.nik.masked(),
                        last4(other_kk)
                    );
                    Some((r.line, reason))
                })
                .collect();
            for (line, reason) in clashes {
                h.add_problem(line, reason);
            }
        }
        if h.is_rejected() {
            report.rejected.extend(h.rejections());
            continue;
        }
        let Some(first) = h.rows.first() else {
            continue;
        };
        new_households.push(HouseholdRecord {
            no_kk: first.no_kk.clone(),
            rt: first.rt.clone(),
            rw: first.rw.clone(),
        });
        for r in &h.rows {
            if r.nik_mismatch {
                report.warnings.push(Issue {
                    line: r.line,
                    reason: format!(
                        "nik {} tidak cocok dengan tanggal_lahir / jenis_kelamin (NIK lama); \
                         diimpor, keluarga akan diminta memastikan tanggal lahir",
                        r.nik.masked()
                    ),
                });
            }
            new_persons.push(r.to_record());
        }
    }
    report.households = new_households.len() as u64;
    report.persons = new_persons.len() as u64;
    report.rejected.sort_by_key(|i| i.line);
    report.warnings.sort_by_key(|i| i.line);

    if !opts.dry_run {
        tx.insert_households(&new_households, opts.now_ms).await?;
        let total = new_persons.len() as u64;
        let mut done = 0u64;
        for chunk in new_persons.chunks(PROGRESS_CHUNK) {
            tx.insert_persons(chunk, opts.now_ms).await?;
            done += chunk.len() as u64;
            progress(ImportProgress::Writing { done, total });
        }
        let after = serde_json::json!({
            "households": report.households,
            "persons": report.persons,
            "unchanged": report.unchanged,
            "rejected": report.rejected.len(),
            "warnings": report.warnings.len(),
        });
        tx.audit(
            &opts.actor,
            "registry.import",
            opts.subject.as_deref().unwrap_or(""),
            None,
            Some(&after),
            opts.now_ms,
        )
        .await
        .map_err(RegistryError::Store)?;
    }
    Ok(report)
}

/// How a registered household differs from the file, in a few words (first difference only).
fn difference(h: &Candidate, stored: &HouseholdRecord, members: &[PersonRecord]) -> Option<String> {
    if let Some(r) = h.rows.first() {
        if (&r.rt, &r.rw) != (&stored.rt, &stored.rw) {
            return Some(format!(
                "RT/RW tersimpan {}/{}, di file {}/{}",
                stored.rt, stored.rw, r.rt, r.rw
            ));
        }
    }
    let by_nik: HashMap<&str, &PersonRecord> =
        members.iter().map(|p| (p.nik.as_str(), p)).collect();
    for r in &h.rows {
        let Some(p) = by_nik.get(r.nik.as_str()) else {
            return Some(format!("baris {}: anggota baru {}", r.line, r.nik.masked()));
        };
        let file = r.to_record();
        let changed = [
            ("nama", p.name != file.name),
            ("tanggal_lahir", p.birth_date != file.birth_date),
            ("jenis_kelamin", p.sex != file.sex),
            ("shdk", p.shdk != file.shdk),
            ("status_tinggal", p.residence != file.residence),
            ("no_hp", p.phone != file.phone),
        ];
        if let Some((column, _)) = changed.iter().find(|(_, c)| *c) {
            return Some(format!("baris {}: {column} berbeda", r.line));
        }
    }
    let in_file: HashSet<&str> = h.rows.iter().map(|r| r.nik.as_str()).collect();
    let missing = members
        .iter()
        .filter(|p| !in_file.contains(p.nik.as_str()))
        .count();
    (missing > 0).then(|| format!("{missing} anggota tersimpan tidak ada di file"))
}
