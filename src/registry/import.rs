//! The registry import: the file's households checked against the database and written in
//! batches inside one unit of work, or, on a dry run, checked the same way and not written.
//!
//! A household whose `no_kk` is already registered in this kelurahan is reconciled with the file
//! person by person ([`super::reimport`]): new members, deaths and moves the file states, and
//! corrected fields become mutations; one whose data the file does not change is `unchanged`,
//! so re-importing a file changes nothing. A new household with a NIK already registered under
//! another KK is rejected.
//!
//! **One NIK, one kelurahan** (DESIGN §5, issue 18): NIKs and KK numbers are keys of the whole
//! deployment. A household whose KK, or one of whose NIKs, is registered in another kelurahan is
//! rejected with a reason naming both kelurahan. A move goes through a `pindah`/`datang` pair,
//! never a copy: a person recorded as moved out of another kelurahan (an approved move-out) is
//! taken over by the import as `datang` — the person row moves to the new household and
//! kelurahan, `arrived_on` is the import's day, and both kelurahan's audit logs say so.
//!
//! The file is read in two passes and written in rounds of households ([`super::households`]):
//! imports that write take turns (their rounds would otherwise lock overlapping keys in different
//! orders); another unit of work registering a NIK or KK while a round writes is decided by the
//! database's keys, and the household that lost is rejected ([`super::import_writes`]).

use super::households::{Candidate, Census, Grouper};
use super::mutation::Kind;
use super::reimport::{reconcile, Action, Context, Planned, Stored};
use super::report::{ImportReport, Issue};
use super::RegistryError;
use crate::parse::nik::{last4, mask_nik, Nik};
use crate::store::{
    Db, HouseholdRecord, Kelurahan, NewMutation, PersonRecord, RegisteredHousehold,
    RegisteredPerson, Tx,
};
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
    /// The file's rows counted (its first pass).
    Checked { rows: u64 },
    /// Rows checked against the registry and written so far, of `total`.
    Writing { done: u64, total: u64 },
}

/// Persons inserted by one statement batch.
pub(super) const WRITE_CHUNK: usize = 5_000;

/// Households checked against the registry and written together: the memory an import holds
/// is this many households, whatever the file's size.
const HOUSEHOLDS_PER_ROUND: usize = 4_000;

/// Imports a registry CSV (DESIGN §5). Fails only if the file as a whole is not a registry CSV or
/// the database fails (then nothing is written); bad rows are in the report's `rejected`.
pub async fn import_registry(
    db: &Db,
    input: &[u8],
    opts: &ImportOptions,
    progress: &(dyn Fn(ImportProgress) + Send + Sync),
) -> Result<ImportReport, RegistryError> {
    let here = db
        .kelurahan(opts.kelurahan)
        .await?
        .ok_or(RegistryError::UnknownKelurahan(opts.kelurahan))?;
    let sheet = super::csv_row::open(input)?;
    let mut tx = db.begin(opts.kelurahan).await?;
    let report = match write_sheet(&mut tx, &here, &sheet, opts, progress).await {
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
    Ok(report)
}

/// [`import_registry`] within the caller's unit of work `tx` (of kelurahan `here`): the caller
/// commits it with what it records beside (the web's confirmed upload and its form key), or
/// rolls it back. `opts.dry_run` is the caller's to honour.
pub async fn import_within(
    tx: &mut Tx,
    here: &Kelurahan,
    input: &[u8],
    opts: &ImportOptions,
) -> Result<ImportReport, RegistryError> {
    let sheet = super::csv_row::open(input)?;
    write_sheet(tx, here, &sheet, opts, &|_| {}).await
}

/// Checks the `sheet` and writes what it holds into `tx` (nothing committed here), a round of
/// households at a time: the file is read twice (a census of its KKs and NIKs, then the rows),
/// and no more than a round of households is held.
async fn write_sheet(
    tx: &mut Tx,
    here: &Kelurahan,
    sheet: &super::csv_row::Sheet<'_>,
    opts: &ImportOptions,
    progress: &(dyn Fn(ImportProgress) + Send + Sync),
) -> Result<ImportReport, RegistryError> {
    if !opts.dry_run {
        // Rounds of two imports would lock keys in different orders (deadlock): they take turns.
        tx.lock_registry_imports().await?;
    }
    tx.cache_pages(Some(CACHE_MIB)).await?;
    let report = write_rounds(tx, here, sheet, opts, progress).await;
    tx.cache_pages(None).await?;
    report
}

/// SQLite's page cache while an import runs ([`Tx::cache_pages`]): within the import's memory
/// budget (256 MiB for a million persons, the file's 80 MB included).
const CACHE_MIB: u32 = 64;

async fn write_rounds(
    tx: &mut Tx,
    here: &Kelurahan,
    sheet: &super::csv_row::Sheet<'_>,
    opts: &ImportOptions,
    progress: &(dyn Fn(ImportProgress) + Send + Sync),
) -> Result<ImportReport, RegistryError> {
    let census = Census::take(sheet, opts.today);
    progress(ImportProgress::Checked { rows: census.rows });
    let ctx = Context {
        today: opts.today,
        approved_by: &opts.actor,
        // Read before the first round writes `imported_at`.
        previous: tx
            .last_registry_import()
            .await?
            .map(crate::calendar::jakarta_date),
    };
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        warnings: sheet.warnings.clone(),
        ..ImportReport::default()
    };
    let mut grouper = Grouper::new(&census, &sheet.layout, opts.today);
    let mut round: Vec<Candidate> = Vec::with_capacity(HOUSEHOLDS_PER_ROUND);
    let mut done = 0u64;
    for raw in sheet.rows() {
        let Some(h) = grouper.push(raw) else { continue };
        done += h.lines.len() as u64;
        round.push(h);
        if round.len() >= HOUSEHOLDS_PER_ROUND {
            check_and_write(tx, here, &mut round, &ctx, opts, &mut report).await?;
            round.clear();
            progress(ImportProgress::Writing {
                done,
                total: census.rows,
            });
        }
    }
    let left = grouper.finish();
    done += left.iter().map(|h| h.lines.len() as u64).sum::<u64>();
    round.extend(left);
    check_and_write(tx, here, &mut round, &ctx, opts, &mut report).await?;
    progress(ImportProgress::Writing {
        done,
        total: census.rows,
    });
    report.rejected.sort_by_key(|i| i.line);
    report.warnings.sort_by_key(|i| i.line);
    report.mutations.sort_by_key(|m| m.line);
    if !opts.dry_run {
        let after = serde_json::json!({
            "households": report.households,
            "persons": report.persons,
            "arrived": report.arrived,
            "unchanged": report.unchanged,
            "mutations": report.mutations.len(),
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
        .await?;
    }
    tracing::info!(
        kelurahan = %here.code,
        dry_run = opts.dry_run,
        households = report.households,
        persons = report.persons,
        arrived = report.arrived,
        unchanged = report.unchanged,
        rejected = report.rejected.len(),
        warnings = report.warnings.len(),
        "registry import"
    );
    Ok(report)
}

/// `kelurahan Sukamaju (3577011001)`, as a reason names it.
pub(super) fn place(k: &Kelurahan) -> String {
    format!("{} ({})", k.title(), k.code)
}

/// Why a NIK registered in `there` cannot be registered `here` too.
pub(super) fn nik_elsewhere(nik: &Nik, there: &Kelurahan, here: &Kelurahan) -> String {
    format!(
        "nik {} sudah terdaftar di {}, tidak bisa didaftarkan juga di {}: \
         pindah harus lewat mutasi pindah (di {}) lalu datang",
        nik.masked(),
        place(there),
        place(here),
        there.title()
    )
}

/// Why a KK registered in `there` cannot be registered `here` too.
pub(super) fn kk_elsewhere(no_kk: &str, there: &Kelurahan, here: &Kelurahan) -> String {
    format!(
        "no_kk …{} sudah terdaftar di {}, tidak bisa didaftarkan juga di {}",
        last4(no_kk),
        place(there),
        place(here)
    )
}

/// Why a NIK registered under another KK of this kelurahan cannot be registered again.
pub(super) fn nik_in_other_kk(nik: &Nik, other_kk: &str) -> String {
    format!(
        "nik {} sudah terdaftar di KK lain (no_kk …{})",
        nik.masked(),
        last4(other_kk)
    )
}

/// Rejects the lines of `h` whose NIK is registered already (`registered`): under another KK of
/// this kelurahan, or in another kelurahan — unless recorded there as moved out, when the person
/// may arrive (`datang`).
pub(super) fn refuse_registered_niks(
    h: &mut Candidate,
    registered: &HashMap<String, RegisteredPerson>,
    here: &Kelurahan,
) {
    let clashes: Vec<(u64, String)> = h
        .rows
        .iter()
        .filter_map(|r| {
            let other = registered.get(r.nik.as_str())?;
            let reason = if other.kelurahan.id != here.id {
                if other.may_arrive() {
                    return None;
                }
                nik_elsewhere(&r.nik, &other.kelurahan, here)
            } else if other.no_kk != h.key {
                nik_in_other_kk(&r.nik, &other.no_kk)
            } else {
                // Registered here under this very KK, by an import running at the same time:
                // the KK's own rejection says so.
                return None;
            };
            Some((r.line, reason))
        })
        .collect();
    for (line, reason) in clashes {
        h.add_problem(line, reason);
    }
}

/// A person coming from another kelurahan (`datang`).
#[derive(Clone, Debug)]
pub(super) struct Arrival {
    pub record: PersonRecord,
    pub from: Kelurahan,
}

/// What the import writes, once checked.
#[derive(Clone, Debug, Default)]
pub(super) struct Writes {
    /// Index into the file's households of each household to write.
    pub households: Vec<usize>,
    pub records: Vec<HouseholdRecord>,
    pub persons: Vec<PersonRecord>,
    pub arrivals: Vec<Arrival>,
}

/// Checks a round of the file's households against the registry and writes them (unless a dry
/// run), adding what it found to `report`.
async fn check_and_write(
    tx: &mut Tx,
    here: &Kelurahan,
    households: &mut [Candidate],
    ctx: &Context<'_>,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), RegistryError> {
    if households.is_empty() {
        return Ok(());
    }
    tx.plan_each_statement(true).await?;
    let valid_kks: Vec<String> = households
        .iter()
        .filter(|h| !h.is_rejected())
        .map(|h| h.key.clone())
        .collect();
    let registered: HashMap<String, RegisteredHousehold> = tx
        .households_in_deployment(&valid_kks)
        .await?
        .into_iter()
        .map(|h| (h.record.no_kk.clone(), h))
        .collect();
    let registered_here: Vec<String> = registered
        .values()
        .filter(|h| h.kelurahan.id == here.id)
        .map(|h| h.record.no_kk.clone())
        .collect();
    let mut members: HashMap<String, Vec<PersonRecord>> = HashMap::new();
    for p in tx.members_of_households(&registered_here).await? {
        members.entry(p.no_kk.clone()).or_default().push(p);
    }
    let ended: HashSet<String> = tx
        .ended_members(&registered_here)
        .await?
        .into_iter()
        .collect();
    let approved_tetap: HashSet<String> = tx
        .approved_tetap_members(&registered_here)
        .await?
        .into_iter()
        .collect();
    let known: HashSet<&str> = members.values().flatten().map(|p| p.nik.as_str()).collect();
    // The NIKs new to their household: looked up in the whole deployment.
    let new_niks: Vec<String> = households
        .iter()
        .filter(|h| !h.is_rejected())
        .filter(|h| {
            registered
                .get(&h.key)
                .is_none_or(|r| r.kelurahan.id == here.id)
        })
        .flat_map(|h| h.rows.iter().map(|r| r.nik.as_str()))
        .filter(|n| !known.contains(n))
        .map(str::to_string)
        .collect();
    let taken: HashMap<String, RegisteredPerson> = tx
        .persons_in_deployment(&new_niks)
        .await?
        .into_iter()
        .map(|p| (p.nik.clone(), p))
        .collect();
    tx.plan_each_statement(false).await?;
    let mut writes = Writes::default();
    let mut planned: Vec<Planned> = Vec::new();
    for (index, h) in households.iter_mut().enumerate() {
        let mut new_rows: Option<Vec<usize>> = None;
        if !h.is_rejected() {
            match registered.get(&h.key) {
                Some(stored) if stored.kelurahan.id == here.id => {
                    let stored_members = members.get(&h.key).map(Vec::as_slice).unwrap_or(&[]);
                    let held = Stored {
                        record: &stored.record,
                        members: stored_members,
                        ended: &ended,
                        approved_tetap: &approved_tetap,
                    };
                    let r = reconcile(ctx, index, h, &held);
                    report.warnings.extend(r.warnings);
                    refuse_registered_niks(h, &taken, here);
                    if h.is_rejected() {
                        continue;
                    }
                    if r.planned.is_empty() && r.new_rows.is_empty() {
                        report.unchanged += 1;
                        continue;
                    }
                    planned.extend(r.planned);
                    new_rows = Some(r.new_rows);
                }
                Some(elsewhere) => {
                    let reason = kk_elsewhere(&h.key, &elsewhere.kelurahan, here);
                    h.add_problem(h.first_line(), reason);
                }
                None => refuse_registered_niks(h, &taken, here),
            }
        }
        if h.is_rejected() {
            continue;
        }
        let Some(first) = h.rows.first() else {
            continue;
        };
        writes.households.push(index);
        let rows: Vec<usize> = match new_rows {
            Some(rows) => rows,
            None => {
                writes.records.push(HouseholdRecord {
                    no_kk: first.no_kk.clone(),
                    rt: first.rt.clone(),
                    rw: first.rw.clone(),
                });
                (0..h.rows.len()).collect()
            }
        };
        for i in rows {
            let r = &h.rows[i];
            if !r.life.is_present() {
                report.warnings.push(super::reimport::not_imported(r));
                continue;
            }
            match taken.get(r.nik.as_str()) {
                Some(other) => {
                    writes.arrivals.push(Arrival {
                        record: r.to_record(),
                        from: other.kelurahan.clone(),
                    });
                    planned.push(Planned {
                        line: r.line,
                        household: index,
                        mutation: ctx.mutation(r, Kind::Datang, None),
                        action: Action::Inserted,
                    });
                }
                None => {
                    writes.persons.push(r.to_record());
                    planned.extend(ctx.arrival(index, r));
                }
            }
        }
    }
    let present: HashMap<&str, usize> = members
        .iter()
        .map(|(kk, m)| {
            let n = m.iter().filter(|p| !ended.contains(&p.nik)).count();
            (kk.as_str(), n)
        })
        .collect();
    hold_for_officer(tx, &mut planned, &present, report).await?;

    if !opts.dry_run {
        super::import_writes::write_settling_races(tx, here, households, &mut writes, opts).await?;
    }
    planned.retain(|p| !households[p.household].is_rejected());
    planned.sort_by_key(|p| p.line);
    if !opts.dry_run {
        apply_mutations(tx, &planned, opts).await?;
    }
    report.mutations.extend(
        planned
            .iter()
            .filter(|p| !matches!(p.action, Action::Area(_)))
            .map(Planned::report_line),
    );
    for h in households.iter() {
        if h.is_rejected() {
            report.rejected.extend(h.rejections());
        }
    }
    for &i in &writes.households {
        for r in &households[i].rows {
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
        }
    }
    for a in &writes.arrivals {
        report.warnings.push(Issue {
            line: a.record.line.unwrap_or(0).max(0) as u64,
            reason: format!(
                "nik {} datang dari {} (pindah tercatat di sana): dipindahkan ke KK ini",
                mask_nik(&a.record.nik),
                place(&a.from)
            ),
        });
    }
    report.households += writes.records.len() as u64;
    report.persons += (writes.persons.len() + writes.arrivals.len()) as u64;
    report.arrived += writes.arrivals.len() as u64;
    Ok(())
}

/// Endings an import may not decide (an open loan, the last member of a household with money):
/// left to an officer, with a warning.
async fn hold_for_officer(
    tx: &mut Tx,
    planned: &mut Vec<Planned>,
    present: &HashMap<&str, usize>,
    report: &mut ImportReport,
) -> Result<(), RegistryError> {
    let ending: Vec<String> = planned
        .iter()
        .filter(|p| matches!(p.action, Action::End(_)))
        .map(|p| p.mutation.nik.clone())
        .collect();
    if ending.is_empty() {
        return Ok(());
    }
    let mut leaving: HashMap<&str, usize> = HashMap::new();
    for p in planned
        .iter()
        .filter(|p| matches!(p.action, Action::End(_)))
    {
        *leaving.entry(p.mutation.no_kk.as_str()).or_default() += 1;
    }
    let mut held: HashSet<String> = HashSet::new();
    let holdings = tx.holdings(&ending).await?;
    for p in planned
        .iter()
        .filter(|p| matches!(p.action, Action::End(_)))
    {
        let Some((_, loan, money)) = holdings.iter().find(|(n, _, _)| *n == p.mutation.nik) else {
            continue;
        };
        let kk = p.mutation.no_kk.as_str();
        let emptied = leaving.get(kk) >= present.get(kk);
        if *loan || (*money && emptied) {
            held.insert(p.mutation.nik.clone());
        }
    }
    planned.retain(|p| {
        let hold = matches!(p.action, Action::End(_)) && held.contains(&p.mutation.nik);
        if hold {
            report.warnings.push(Issue {
                line: p.line,
                reason: format!(
                    "nik {} tidak dicatat {} oleh impor: masih meminjam barang, atau KK-nya \
                     akan kosong padahal saldonya belum nol; perlu keputusan petugas",
                    mask_nik(&p.mutation.nik),
                    p.mutation.kind
                ),
            });
        }
        !hold
    });
    Ok(())
}

/// Writes the planned corrections, endings and area changes, and records every mutation.
async fn apply_mutations(
    tx: &mut Tx,
    planned: &[Planned],
    opts: &ImportOptions,
) -> Result<(), RegistryError> {
    let today = opts.today.format("%Y-%m-%d").to_string();
    for p in planned {
        match &p.action {
            Action::Update(record) => {
                tx.update_person(record).await?;
            }
            Action::End(ending) => tx.end_membership(&p.mutation.nik, *ending, &today).await?,
            Action::Area(h) => tx.set_household_area(&h.no_kk, &h.rt, &h.rw).await?,
            Action::Inserted | Action::Nothing => {}
        }
    }
    let rows: Vec<NewMutation> = planned
        .iter()
        .filter(|p| !matches!(p.action, Action::Area(_)))
        .map(|p| p.mutation.clone())
        .collect();
    tx.insert_mutations(&rows, opts.now_ms).await?;
    Ok(())
}
