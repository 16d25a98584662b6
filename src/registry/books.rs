//! The registry's books as CSV files, one place for every route that hands them out (the admin
//! API, the web back-office): the Buku Induk Penduduk, the Buku Mutasi of a month, the monthly
//! report for the kecamatan, and the data-quality findings (the list to fix before sending data
//! to Prodeskel).

use super::buku_induk::write_buku_induk;
use super::buku_mutasi::{write_buku_mutasi, Month};
use super::monthly::write_monthly;
use super::RegistryError;
use crate::store::{Db, KelurahanId};
use chrono::NaiveDate;

/// Which book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Book {
    Induk,
    Mutasi(Month),
    Monthly(Month),
    Findings,
}

impl Book {
    /// The file's name for kelurahan `code`: `buku-mutasi-3201010001-2026-11.csv`.
    pub fn file_name(self, code: &str) -> String {
        match self {
            Book::Induk => format!("buku-induk-{code}.csv"),
            Book::Mutasi(m) => format!("buku-mutasi-{code}-{}.csv", m.prefix()),
            Book::Monthly(m) => format!("laporan-bulanan-{code}-{}.csv", m.prefix()),
            Book::Findings => format!("temuan-data-{code}.csv"),
        }
    }
}

/// The CSV of `book` for `kelurahan`; ages in the findings are counted on `today`.
pub async fn write_book(
    db: &Db,
    kelurahan: KelurahanId,
    book: Book,
    today: NaiveDate,
) -> Result<Vec<u8>, RegistryError> {
    let mut out = Vec::new();
    match book {
        Book::Induk => write_buku_induk(&db.registry_members(kelurahan).await?, &mut out)?,
        Book::Mutasi(month) => write_buku_mutasi(db, kelurahan, month, &mut out).await?,
        Book::Monthly(month) => write_monthly(db, kelurahan, month, &mut out).await?,
        Book::Findings => {
            let findings = db.data_quality(kelurahan, today).await?;
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(["no_kk", "nik", "jenis", "keterangan"])?;
            for f in &findings {
                let kind = serde_json::to_value(f.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                w.write_record([f.no_kk.as_str(), &f.nik_masked, &kind, &f.detail])?;
            }
            w.flush()?;
        }
    }
    Ok(out)
}
