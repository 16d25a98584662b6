//! The monthly population report the kelurahan sends to the kecamatan (Laporan Bulanan
//! Penduduk, OpenSID #9595): per RW, men and women apart, the population at the start of the
//! month, the month's births, deaths, moves in and out (the Buku Mutasi's counts,
//! [`super::buku_mutasi`]), and the population at its end
//! (`gotong report bulanan --month YYYY-MM`, `GET /api/registry/monthly?month=YYYY-MM`).
//!
//! The population at the end of a month is today's residents less those who were born or came
//! after it, plus those who died or left after it; the start of the month is its end less the
//! month's own moves. So `akhir = awal + lahir + datang − mati − pindah` on every line.

use super::buku_mutasi::Month;
use super::mutation::Kind;
use super::RegistryError;
use crate::parse::Sex;
use crate::store::{Db, KelurahanId};
use std::collections::BTreeMap;

/// One RW's figures, each `[men, women]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    pub awal: [i64; 2],
    pub lahir: [i64; 2],
    pub mati: [i64; 2],
    pub datang: [i64; 2],
    pub pindah: [i64; 2],
    pub akhir: [i64; 2],
}

fn sex_index(sex: Sex) -> usize {
    match sex {
        Sex::L => 0,
        Sex::P => 1,
    }
}

impl Line {
    fn add(&mut self, other: &Line) {
        for (a, b) in [
            (&mut self.awal, &other.awal),
            (&mut self.lahir, &other.lahir),
            (&mut self.mati, &other.mati),
            (&mut self.datang, &other.datang),
            (&mut self.pindah, &other.pindah),
            (&mut self.akhir, &other.akhir),
        ] {
            a[0] += b[0];
            a[1] += b[1];
        }
    }

    fn cells(&self) -> Vec<String> {
        [
            self.awal,
            self.lahir,
            self.mati,
            self.datang,
            self.pindah,
            self.akhir,
        ]
        .iter()
        .flat_map(|[l, p]| [l.to_string(), p.to_string(), (l + p).to_string()])
        .collect()
    }
}

/// The report of `month` per RW, and the kelurahan's total.
pub async fn monthly(
    db: &Db,
    kelurahan: KelurahanId,
    month: Month,
) -> Result<(BTreeMap<String, Line>, Line), RegistryError> {
    let prefix = month.prefix();
    let mut by_rw: BTreeMap<String, Line> = BTreeMap::new();
    for m in db.registry_members(kelurahan).await? {
        if m.is_present() {
            by_rw.entry(m.rw.clone()).or_default().akhir[sex_index(m.person.sex)] += 1;
        }
    }
    for m in db.mutations(kelurahan, "").await? {
        let line = by_rw.entry(m.rw.clone()).or_default();
        let s = sex_index(m.sex);
        let month_of = m.occurred_on.get(..7).unwrap_or_default();
        if month_of > prefix.as_str() {
            // After the month: undone from today's population.
            match m.kind {
                Kind::Lahir | Kind::Datang => line.akhir[s] -= 1,
                Kind::Mati | Kind::Pindah => line.akhir[s] += 1,
                Kind::Koreksi => {}
            }
        } else if month_of == prefix.as_str() {
            match m.kind {
                Kind::Lahir => line.lahir[s] += 1,
                Kind::Mati => line.mati[s] += 1,
                Kind::Datang => line.datang[s] += 1,
                Kind::Pindah => line.pindah[s] += 1,
                Kind::Koreksi => {}
            }
        }
    }
    let mut total = Line::default();
    for line in by_rw.values_mut() {
        for s in 0..2 {
            line.awal[s] =
                line.akhir[s] - line.lahir[s] - line.datang[s] + line.mati[s] + line.pindah[s];
        }
        total.add(line);
    }
    Ok((by_rw, total))
}

/// Writes the report of `month` for `kelurahan` as CSV: a header, one line per RW, `JUMLAH`.
pub async fn write_monthly<W: std::io::Write>(
    db: &Db,
    kelurahan: KelurahanId,
    month: Month,
    out: W,
) -> Result<(), RegistryError> {
    let (by_rw, total) = monthly(db, kelurahan, month).await?;
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["bulan".to_string(), "rw".to_string()];
    for name in ["awal", "lahir", "mati", "datang", "pindah", "akhir"] {
        for sex in ["l", "p", "jumlah"] {
            header.push(format!("{name}_{sex}"));
        }
    }
    w.write_record(&header)?;
    for (rw, line) in by_rw.iter().chain([(&"JUMLAH".to_string(), &total)]) {
        let mut record = vec![month.prefix(), rw.clone()];
        record.extend(line.cells());
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}
