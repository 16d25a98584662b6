//! The import's writes ([`super::import`] checks, this writes), a round of households at a time:
//! households in KK order, persons in NIK order, then the arrivals (`datang`) taken over from
//! the kelurahan they moved out of.
//!
//! Imports take turns ([`crate::store::Tx::lock_registry_imports`]), but another unit of work (a
//! resident's move approved at the same moment) may have registered a NIK or KK the round found
//! free. The database's keys settle it: every insert is `ON CONFLICT DO NOTHING … RETURNING`, and
//! waits for the other unit of work holding that key to end, so what was not inserted was
//! registered first by the other. Then the round's writes are undone to a savepoint, the
//! households that lost become rejections naming where their NIK or KK is now, and the rest of the
//! round is written again.

use super::households::Candidate;
use super::import::{
    kk_elsewhere, refuse_registered_niks, Arrival, ImportOptions, Writes, WRITE_CHUNK,
};
use super::RegistryError;
use crate::parse::nik::{last4, mask_nik};
use crate::store::{Kelurahan, PersonRecord, RegisteredPerson, Tx};
use std::collections::{HashMap, HashSet};

/// The savepoint the writes are undone to when a concurrent import won a race.
const WRITES: &str = "registry_import_writes";

/// Writes `writes`; when another import registered one of its KKs or NIKs first (or took over
/// one of its arrivals), undoes the writes, rejects the households that lost, and writes the
/// rest again. Each round rejects at least one household, so this ends.
pub(super) async fn write_settling_races(
    tx: &mut Tx,
    here: &Kelurahan,
    households: &mut [Candidate],
    writes: &mut Writes,
    opts: &ImportOptions,
) -> Result<(), RegistryError> {
    loop {
        tx.savepoint(WRITES).await?;
        let lost = write(tx, writes, opts).await?;
        if lost.is_empty() {
            tx.release_savepoint(WRITES).await?;
            audit_arrivals(tx, here, &writes.arrivals, opts).await?;
            return Ok(());
        }
        tx.rollback_to_savepoint(WRITES).await?;
        tx.release_savepoint(WRITES).await?;
        tracing::info!(
            households = lost.len(),
            "registry import: keys registered meanwhile by another import"
        );
        reject_lost(tx, here, households, writes, &lost).await?;
    }
}

/// Inserts the households (in KK order) and persons (in NIK order: two imports lock keys in the
/// same order, so they never deadlock), then takes over the arrivals. Answers the KK numbers of
/// the households that lost a race (nothing inserted for them counts: the caller undoes it all).
async fn write(
    tx: &mut Tx,
    writes: &Writes,
    opts: &ImportOptions,
) -> Result<HashSet<String>, RegistryError> {
    let mut records = writes.records.clone();
    records.sort_by(|a, b| a.no_kk.cmp(&b.no_kk));
    let inserted: HashSet<String> = tx
        .insert_households(&records, opts.now_ms)
        .await?
        .into_iter()
        .collect();
    let mut lost: HashSet<String> = records
        .iter()
        .filter(|h| !inserted.contains(&h.no_kk))
        .map(|h| h.no_kk.clone())
        .collect();
    // A person of a household that lost would join another kelurahan's household: left out.
    let mut persons: Vec<&PersonRecord> = writes
        .persons
        .iter()
        .filter(|p| !lost.contains(&p.no_kk))
        .collect();
    persons.sort_by(|a, b| a.nik.cmp(&b.nik));
    for chunk in persons.chunks(WRITE_CHUNK) {
        let chunk: Vec<PersonRecord> = chunk.iter().map(|p| (*p).clone()).collect();
        let inserted: HashSet<String> = tx
            .insert_persons(&chunk, opts.now_ms)
            .await?
            .into_iter()
            .collect();
        for p in &chunk {
            if !inserted.contains(&p.nik) {
                lost.insert(p.no_kk.clone());
            }
        }
    }
    let mut arrivals: Vec<&Arrival> = writes
        .arrivals
        .iter()
        .filter(|a| !lost.contains(&a.record.no_kk))
        .collect();
    arrivals.sort_by(|a, b| a.record.nik.cmp(&b.record.nik));
    let today = opts.today.format("%Y-%m-%d").to_string();
    for a in arrivals {
        if !tx
            .take_over_person(&a.record, a.from.id, &today, opts.now_ms)
            .await?
        {
            lost.insert(a.record.no_kk.clone());
        }
    }
    Ok(lost)
}

/// The households whose KK is in `lost` become rejections, each with where its KK or NIKs are
/// registered now, and leave `writes`.
async fn reject_lost(
    tx: &mut Tx,
    here: &Kelurahan,
    households: &mut [Candidate],
    writes: &mut Writes,
    lost: &HashSet<String>,
) -> Result<(), RegistryError> {
    let losers: Vec<usize> = writes
        .households
        .iter()
        .copied()
        .filter(|&i| lost.contains(&households[i].key))
        .collect();
    let kks: Vec<String> = losers.iter().map(|&i| households[i].key.clone()).collect();
    let niks: Vec<String> = losers
        .iter()
        .flat_map(|&i| {
            households[i]
                .rows
                .iter()
                .map(|r| r.nik.as_str().to_string())
        })
        .collect();
    let kk_now: HashMap<String, Kelurahan> = tx
        .households_in_deployment(&kks)
        .await?
        .into_iter()
        .map(|h| (h.record.no_kk, h.kelurahan))
        .collect();
    let nik_now: HashMap<String, RegisteredPerson> = tx
        .persons_in_deployment(&niks)
        .await?
        .into_iter()
        .map(|p| (p.nik.clone(), p))
        .collect();
    for &i in &losers {
        let h = &mut households[i];
        if let Some(there) = kk_now.get(&h.key) {
            let reason = if there.id == here.id {
                "no_kk ini baru saja didaftarkan oleh impor lain yang berjalan bersamaan"
                    .to_string()
            } else {
                kk_elsewhere(&h.key, there, here)
            };
            h.add_problem(h.first_line(), reason);
        }
        refuse_registered_niks(h, &nik_now, here);
        if !h.is_rejected() {
            // Lost to an import that was itself undone meanwhile: still refused this time.
            h.add_problem(
                h.first_line(),
                "KK ini diimpor bersamaan oleh impor lain; impor ulang file ini".to_string(),
            );
        }
    }
    let keep = |no_kk: &String| !lost.contains(no_kk);
    writes
        .households
        .retain(|&i| !lost.contains(&households[i].key));
    writes.records.retain(|r| keep(&r.no_kk));
    writes.persons.retain(|p| keep(&p.no_kk));
    writes.arrivals.retain(|a| keep(&a.record.no_kk));
    Ok(())
}

/// `datang` in this kelurahan's log and `pindah` completed in the one the person came from.
async fn audit_arrivals(
    tx: &mut Tx,
    here: &Kelurahan,
    arrivals: &[Arrival],
    opts: &ImportOptions,
) -> Result<(), RegistryError> {
    let today = opts.today.format("%Y-%m-%d").to_string();
    for a in arrivals {
        let subject = mask_nik(&a.record.nik);
        let after = serde_json::json!({
            "from": a.from.code,
            "to": here.code,
            "no_kk": format!("…{}", last4(&a.record.no_kk)),
            "arrived_on": today,
        });
        tx.audit(
            &opts.actor,
            "registry.datang",
            &subject,
            None,
            Some(&after),
            opts.now_ms,
        )
        .await?;
        tx.audit_in(
            a.from.id,
            &opts.actor,
            "registry.pindah",
            &subject,
            None,
            Some(&after),
            opts.now_ms,
        )
        .await?;
    }
    Ok(())
}
