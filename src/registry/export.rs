//! `gotong export registry`: the registry as it is now, in the import format plus a last column
//! `verified_at` (`YYYY-MM-DD`, the day the household confirmed its data, in WIB; empty if not
//! yet), for the kelurahan to send back to its civil-registry systems.
//!
//! Persons recorded as dead or moved out are left out: the file lists present residents only, so
//! importing it into a fresh database gives the present registry (the import ignores
//! `verified_at`: verification is done by the household, never by a file). This file is the one
//! output that holds full NIKs.

use super::csv_row::{COLUMNS, VERIFIED_AT};
use super::RegistryError;
use crate::store::{Db, KelurahanId};
use chrono::{DateTime, FixedOffset};
use std::io::Write;

/// What was exported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExportSummary {
    pub households: u64,
    pub persons: u64,
    /// Dead or moved out: not in the file.
    pub left_out: u64,
}

/// Writes the registry of `kelurahan` as CSV to `out`.
pub async fn export_registry_csv<W: Write>(
    db: &Db,
    kelurahan: KelurahanId,
    out: W,
) -> Result<ExportSummary, RegistryError> {
    let members = db.registry_members(kelurahan).await?;
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = COLUMNS.to_vec();
    header.push(VERIFIED_AT);
    w.write_record(&header)?;
    let mut summary = ExportSummary::default();
    let mut last_kk: Option<&str> = None;
    for m in &members {
        if !m.is_present() {
            summary.left_out += 1;
            continue;
        }
        let p = &m.person;
        if last_kk != Some(p.no_kk.as_str()) {
            summary.households += 1;
            last_kk = Some(p.no_kk.as_str());
        }
        summary.persons += 1;
        let verified = m.verified_at.map(wib_date).unwrap_or_default();
        w.write_record([
            p.no_kk.as_str(),
            p.nik.as_str(),
            p.name.as_str(),
            &p.birth_date.format("%Y-%m-%d").to_string(),
            p.sex.as_str(),
            p.shdk.as_str(),
            m.rt.as_str(),
            m.rw.as_str(),
            p.residence.as_str(),
            p.phone.as_deref().unwrap_or(""),
            verified.as_str(),
        ])?;
    }
    w.flush()?;
    Ok(summary)
}

/// Epoch ms → `YYYY-MM-DD` in Western Indonesian Time (UTC+7).
fn wib_date(ms: i64) -> String {
    let wib = FixedOffset::east_opt(7 * 3600);
    match (DateTime::from_timestamp_millis(ms), wib) {
        (Some(t), Some(wib)) => t.with_timezone(&wib).format("%Y-%m-%d").to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn verified_at_is_a_wib_day() {
        // 2026-01-01 17:00 UTC is already 2 January in Jakarta.
        assert_eq!(super::wib_date(1_767_286_800_000), "2026-01-02");
    }
}
