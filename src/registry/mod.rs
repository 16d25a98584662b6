//! The resident registry: import of the kelurahan's CSV (DESIGN §5), export, data quality and a
//! synthetic kelurahan for the demo, tests and benchmarks.
//!
//! The import reads the file ([`csv_row`]), checks each row ([`validate`]), groups rows into
//! households and applies the rules across rows ([`households`]), then checks against the
//! database and writes in batches inside one unit of work ([`import`]). A bad row rejects its
//! whole household; good households are imported. Reasons are in Indonesian, the clerks'
//! language, and never contain a full NIK (only `************1234`).

pub mod aid;
pub mod books;
pub mod buku_induk;
pub mod buku_mutasi;
pub mod change;
pub mod cli;
pub mod codes;
pub mod columns;
pub mod csv_row;
pub mod export;
pub mod households;
pub mod import;
mod import_writes;
pub mod monthly;
pub mod mutation;
pub mod quality;
pub mod reference;
pub mod reimport;
pub mod report;
pub mod synthetic;
pub mod validate;
mod xlsx;

pub use codes::{Residence, Shdk};
pub use export::export_registry_csv;
pub use import::{import_registry, ImportOptions, ImportProgress};
pub use quality::{Finding, FindingKind};
pub use report::{ImportReport, Issue};
pub use synthetic::{synthetic_registry_csv, synthetic_registry_csv_with, SyntheticOptions};

use crate::error::StoreError;
use thiserror::Error;

/// Why an import or export could not be done at all (bad rows are not errors: they are in the
/// report).
#[derive(Debug, Error)]
pub enum RegistryError {
    #[error("bukan file registry CSV: {0}")]
    Header(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("menulis CSV gagal: {0}")]
    Csv(#[from] csv::Error),
    #[error("menulis file gagal: {0}")]
    Io(#[from] std::io::Error),
    #[error("kelurahan {0} tidak ada di deployment ini")]
    UnknownKelurahan(crate::store::KelurahanId),
}

/// Whether officers of `scope` keep the registry on the web: import a file, read the
/// data-quality report, export the Buku Induk and Buku Mutasi. These are the kelurahan's
/// records of every resident (the exports hold full NIKs), so the officers of the whole
/// kelurahan do; an RW or RT officer sees their area's figures on the dashboard and the map.
pub fn kept_by(scope: &crate::broadcast::Scope) -> bool {
    scope.whole_kelurahan()
}
