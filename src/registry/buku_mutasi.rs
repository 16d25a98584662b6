//! Buku Mutasi Penduduk (Permendagri 47/2016): the month's births, deaths, moves in and out per
//! RW and RT, men and women apart, with the kelurahan's total — as CSV for the kecamatan
//! (`gotong report mutasi --month YYYY-MM`, `GET /api/registry/mutations?month=YYYY-MM`).
//! Corrections are not counted: they change no one's presence.

use super::mutation::Kind;
use super::RegistryError;
use crate::parse::Sex;
use crate::store::{Db, KelurahanId, MutationRow};
use std::collections::BTreeMap;

/// A month, `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// `2026-06`; anything else (`2026-6`, `2026-13`) is `None`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year = y.parse().ok()?;
        let month = m.parse().ok()?;
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    pub fn prefix(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// The counted kinds, in the book's column order.
const KINDS: [(Kind, &str); 4] = [
    (Kind::Lahir, "lahir"),
    (Kind::Mati, "mati"),
    (Kind::Datang, "datang"),
    (Kind::Pindah, "pindah"),
];

/// One line of the book: an RW/RT's counts, `[kind][sex]` (L, P).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts([[u64; 2]; 4]);

impl Counts {
    fn add(&mut self, kind: Kind, sex: Sex) {
        if let Some(k) = KINDS.iter().position(|(c, _)| *c == kind) {
            let s = match sex {
                Sex::L => 0,
                Sex::P => 1,
            };
            self.0[k][s] += 1;
        }
    }

    fn cells(&self) -> Vec<String> {
        self.0
            .iter()
            .flat_map(|[l, p]| [l.to_string(), p.to_string(), (l + p).to_string()])
            .collect()
    }
}

/// The month's counts by (RW, RT), and the total.
pub fn count(rows: &[MutationRow]) -> (BTreeMap<(String, String), Counts>, Counts) {
    let mut areas: BTreeMap<(String, String), Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for m in rows.iter().filter(|m| m.kind != Kind::Koreksi) {
        areas
            .entry((m.rw.clone(), m.rt.clone()))
            .or_default()
            .add(m.kind, m.sex);
        total.add(m.kind, m.sex);
    }
    (areas, total)
}

/// Writes the book of `month` for `kelurahan` as CSV: a header, one line per RW/RT with a
/// mutation, then `JUMLAH`.
pub async fn write_buku_mutasi<W: std::io::Write>(
    db: &Db,
    kelurahan: KelurahanId,
    month: Month,
    out: W,
) -> Result<(), RegistryError> {
    let rows = db.mutations(kelurahan, &month.prefix()).await?;
    let (areas, total) = count(&rows);
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["bulan".to_string(), "rw".to_string(), "rt".to_string()];
    for (_, name) in KINDS {
        for sex in ["l", "p", "jumlah"] {
            header.push(format!("{name}_{sex}"));
        }
    }
    w.write_record(&header)?;
    for ((rw, rt), counts) in &areas {
        let mut line = vec![month.prefix(), rw.clone(), rt.clone()];
        line.extend(counts.cells());
        w.write_record(&line)?;
    }
    let mut line = vec![month.prefix(), "JUMLAH".to_string(), String::new()];
    line.extend(total.cells());
    w.write_record(&line)?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_exact() {
        assert_eq!(
            Month::parse("2026-06"),
            Some(Month {
                year: 2026,
                month: 6
            })
        );
        assert_eq!(Month::parse("2026-6"), None);
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("juni"), None);
    }
}
