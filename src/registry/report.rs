//! What an import answers (DESIGN §3, `POST /api/registry/import`) and prints.

use super::reimport::MutationLine;
use serde::{Deserialize, Serialize};

/// A problem or a warning about one line of the file, in words a kelurahan clerk understands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub line: u64,
    pub reason: String,
}

/// The outcome of an import (or of a dry run: what it would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Households newly imported (on a dry run: that would be).
    pub households: u64,
    /// Persons newly imported (on a dry run: that would be), arrivals included.
    pub persons: u64,
    /// Of `persons`, those who came from another kelurahan where their move out is recorded
    /// (`datang`): their person row moved here.
    pub arrived: u64,
    /// Valid households already registered: left as they are (a re-import changes nothing;
    /// changes to a registered household go through change requests, with a warning).
    pub unchanged: u64,
    /// Every line not imported because its household was rejected, sorted by line.
    pub rejected: Vec<Issue>,
    /// Lines imported with a data-quality warning (legacy NIK), and registered households whose
    /// data in the file differs from the database.
    pub warnings: Vec<Issue>,
    /// Nothing was written.
    pub dry_run: bool,
    /// The registry's mutations the import recorded (on a dry run: would record): persons come
    /// (`datang`) or born (`lahir`), dead (`mati`) or gone (`pindah`) as the file says, fields
    /// corrected (`koreksi`). Empty on a kelurahan's first import (its baseline).
    pub mutations: Vec<MutationLine>,
}

impl ImportReport {
    /// A few lines for the terminal: counts, then the first `max_issues` rejections and warnings.
    pub fn summary(&self, max_issues: usize) -> String {
        let mut out = String::new();
        let verb = if self.dry_run {
            "akan diimpor (uji coba, tidak ada yang disimpan)"
        } else {
            "diimpor"
        };
        let arrived = if self.arrived > 0 {
            format!(" ({} datang dari kelurahan lain)", self.arrived)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{} KK dan {} orang{arrived} {verb}; {} KK sudah terdaftar (tidak diubah); {} baris ditolak; {} peringatan\n",
            self.households,
            self.persons,
            self.unchanged,
            self.rejected.len(),
            self.warnings.len()
        ));
        if !self.mutations.is_empty() {
            out.push_str(&format!("Mutasi ({}):\n", self.mutations.len()));
            for m in self.mutations.iter().take(max_issues) {
                let detail = if m.detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", m.detail)
                };
                out.push_str(&format!(
                    "  baris {}: {} {}{detail}\n",
                    m.line, m.kind, m.nik_masked
                ));
            }
            if self.mutations.len() > max_issues {
                out.push_str(&format!(
                    "  … dan {} lagi (lihat --json)\n",
                    self.mutations.len() - max_issues
                ));
            }
        }
        for (title, issues) in [("Ditolak", &self.rejected), ("Peringatan", &self.warnings)] {
            if issues.is_empty() {
                continue;
            }
            out.push_str(&format!("{title}:\n"));
            for i in issues.iter().take(max_issues) {
                out.push_str(&format!("  baris {}: {}\n", i.line, i.reason));
            }
            if issues.len() > max_issues {
                out.push_str(&format!(
                    "  … dan {} lagi (lihat --json)\n",
                    issues.len() - max_issues
                ));
            }
        }
        out
    }
}
