//! A re-import is an upsert by NIK, each change a mutation (issue 20):
//!
//! 1. A person new in the file is `datang`, or `lahir` when born on or after the day of the
//!    kelurahan's previous import. The first import of a kelurahan is its baseline: no mutations.
//! 2. A person of the registry whose row says `status_dasar` MATI or PINDAH is `mati` / `pindah`
//!    (the membership ends on the import's day). One missing from the file is never removed: the
//!    report warns. A person with an open loan, or the last present member of a household whose
//!    wallet or purse holds money, is not ended by an import: an officer decides (a warning).
//! 3. A changed field (name, birth date, sex, relation, residence, phone, RT/RW, a coded field) is
//!    a correction (`koreksi`) with what changed; a field the file does not say (no phone, no
//!    OpenSID codes) is left as stored. The same file again changes nothing.

use super::change::Ending;
use super::codes::Residence;
use super::households::Candidate;
use super::mutation::{Kind, Source};
use super::report::Issue;
use super::validate::ValidRow;
use crate::parse::nik::mask_nik;
use crate::store::{HouseholdRecord, NewMutation, PersonRecord};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What the import does to a registered person beside recording the mutation.
#[derive(Clone, Debug)]
pub(super) enum Action {
    /// A person inserted by the import's writes (new household or member).
    Inserted,
    /// Write the corrected record.
    Update(PersonRecord),
    /// End the membership.
    End(Ending),
    /// Nothing more (the household's area, written once by [`Action::Area`]).
    Nothing,
    /// Set the household's RT/RW.
    Area(HouseholdRecord),
}

/// A mutation the import will record, with the file line it comes from.
#[derive(Clone, Debug)]
pub(super) struct Planned {
    pub line: u64,
    /// Index of the file's household.
    pub household: usize,
    pub mutation: NewMutation,
    pub action: Action,
}

/// One line of the report's list of mutations (on a dry run: what would change).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MutationLine {
    pub line: u64,
    /// `************1234`
    pub nik_masked: String,
    pub kind: Kind,
    /// What changed, for a correction: `nama: "A" → "B"`.
    pub detail: String,
}

impl Planned {
    pub fn report_line(&self) -> MutationLine {
        let detail = self
            .mutation
            .changes
            .as_deref()
            .and_then(|c| serde_json::from_str::<HashMap<String, [String; 2]>>(c).ok())
            .map(|m| {
                let mut v: Vec<String> = m
                    .iter()
                    .map(|(f, [a, b])| format!("{f}: \"{a}\" → \"{b}\""))
                    .collect();
                v.sort();
                v.join("; ")
            })
            .unwrap_or_default();
        MutationLine {
            line: self.line,
            nik_masked: mask_nik(&self.mutation.nik),
            kind: self.mutation.kind,
            detail,
        }
    }
}

/// The import's context for mutations.
pub(super) struct Context<'a> {
    pub today: NaiveDate,
    pub approved_by: &'a str,
    /// The day of the kelurahan's previous import; `None`: this is its first (the baseline).
    pub previous: Option<NaiveDate>,
}

impl Context<'_> {
    pub fn mutation(&self, r: &ValidRow, kind: Kind, changes: Option<String>) -> NewMutation {
        NewMutation {
            nik: r.nik.as_str().to_string(),
            no_kk: r.no_kk.clone(),
            rt: r.rt.clone(),
            rw: r.rw.clone(),
            kind,
            occurred_on: self.today.format("%Y-%m-%d").to_string(),
            source: Source::Import,
            approved_by: self.approved_by.to_string(),
            changes,
        }
    }

    /// A person new to this kelurahan's registry: none on the baseline import.
    pub fn arrival(&self, index: usize, r: &ValidRow) -> Option<Planned> {
        let previous = self.previous?;
        let kind = if r.birth_date >= previous {
            Kind::Lahir
        } else {
            Kind::Datang
        };
        Some(Planned {
            line: r.line,
            household: index,
            mutation: self.mutation(r, kind, None),
            action: Action::Inserted,
        })
    }
}

/// What the file says of a household registered in this kelurahan.
#[derive(Default)]
pub(super) struct Reconciled {
    pub planned: Vec<Planned>,
    /// Rows of persons new to the registry, to insert (checked against the deployment by the
    /// caller like a new household's).
    pub new_rows: Vec<usize>,
    pub warnings: Vec<Issue>,
}

/// What the registry holds of a household the file names.
pub(super) struct Stored<'a> {
    pub record: &'a HouseholdRecord,
    pub members: &'a [PersonRecord],
    /// The NIKs of members recorded as dead or moved out.
    pub ended: &'a HashSet<String>,
    /// The NIKs of members an officer made `TETAP` (a residence change request approved).
    pub approved_tetap: &'a HashSet<String>,
}

/// Compares household `h` (file index `index`) with what is stored of it.
pub(super) fn reconcile(
    ctx: &Context<'_>,
    index: usize,
    h: &Candidate,
    stored_household: &Stored<'_>,
) -> Reconciled {
    let Stored {
        record: stored,
        members,
        ended,
        approved_tetap,
    } = *stored_household;
    let mut out = Reconciled::default();
    let by_nik: HashMap<&str, &PersonRecord> =
        members.iter().map(|p| (p.nik.as_str(), p)).collect();
    let area_changed = h
        .rows
        .first()
        .is_some_and(|r| (&r.rt, &r.rw) != (&stored.rt, &stored.rw));
    for (i, r) in h.rows.iter().enumerate() {
        let Some(p) = by_nik.get(r.nik.as_str()) else {
            if r.life.is_present() {
                out.new_rows.push(i);
            } else {
                out.warnings.push(not_imported(r));
            }
            continue;
        };
        if ended.contains(&p.nik) {
            if r.life.is_present() {
                out.warnings.push(Issue {
                    line: r.line,
                    reason: format!(
                        "nik {} tercatat meninggal atau pindah; data tersimpan tidak diubah",
                        r.nik.masked()
                    ),
                });
            }
            continue;
        }
        if let Some(ending) = r.life.ending() {
            out.planned.push(Planned {
                line: r.line,
                household: index,
                mutation: ctx.mutation(r, ending.into(), None),
                action: Action::End(ending),
            });
            continue;
        }
        let mut merged = merged(p, r);
        if approved_tetap.contains(&p.nik)
            && p.residence == Residence::Tetap
            && merged.residence != Residence::Tetap
        {
            // The officer's approval stands until an officer decides otherwise.
            merged.residence = p.residence;
            out.warnings.push(Issue {
                line: r.line,
                reason: format!(
                    "nik {}: status_tinggal TETAP disetujui petugas kelurahan; file menyebut {}: \
                     tidak diubah",
                    r.nik.masked(),
                    r.residence.as_str()
                ),
            });
        }
        let mut changes = changed_fields(p, &merged);
        if area_changed {
            changes.push((
                "rt/rw",
                format!("{}/{}", stored.rt, stored.rw),
                format!("{}/{}", r.rt, r.rw),
            ));
        }
        if changes.is_empty() {
            continue;
        }
        let json: serde_json::Map<String, serde_json::Value> = changes
            .into_iter()
            .map(|(f, a, b)| (f.to_string(), serde_json::json!([a, b])))
            .collect();
        let action = if merged != **p {
            Action::Update(merged)
        } else {
            Action::Nothing
        };
        out.planned.push(Planned {
            line: r.line,
            household: index,
            mutation: ctx.mutation(
                r,
                Kind::Koreksi,
                Some(serde_json::Value::Object(json).to_string()),
            ),
            action,
        });
    }
    if area_changed {
        if let Some(r) = h.rows.first() {
            // The area itself, written once; each member's correction says it.
            out.planned.push(Planned {
                line: r.line,
                household: index,
                mutation: ctx.mutation(r, Kind::Koreksi, None),
                action: Action::Area(HouseholdRecord {
                    no_kk: r.no_kk.clone(),
                    rt: r.rt.clone(),
                    rw: r.rw.clone(),
                }),
            });
        }
    }
    let in_file: HashSet<&str> = h.rows.iter().map(|r| r.nik.as_str()).collect();
    let missing = members
        .iter()
        .filter(|p| !in_file.contains(p.nik.as_str()) && !ended.contains(&p.nik))
        .count();
    if missing > 0 {
        out.warnings.push(Issue {
            line: h.first_line(),
            reason: format!(
                "{missing} anggota KK ini yang tersimpan tidak ada di file: tidak dihapus \
                 (meninggal atau pindah dicatat bila file menyebutnya di status_dasar, \
                 atau lewat permintaan perubahan)"
            ),
        });
    }
    out
}

/// The stored person as the file's row has them; what the file does not say stays as stored.
fn merged(stored: &PersonRecord, r: &ValidRow) -> PersonRecord {
    let mut m = r.to_record();
    if m.phone.is_none() {
        m.phone.clone_from(&stored.phone);
    }
    if !r.residence_given {
        m.residence = stored.residence;
    }
    m.demographics = m.demographics.or(stored.demographics);
    // The file line is bookkeeping, not registry data.
    m.line = stored.line;
    m
}

/// The fields that differ, by the import format's column names, before and after.
fn changed_fields(a: &PersonRecord, b: &PersonRecord) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut field = |name: &'static str, x: String, y: String| {
        if x != y {
            out.push((name, x, y));
        }
    };
    field("nama", a.name.clone(), b.name.clone());
    field(
        "tanggal_lahir",
        a.birth_date.to_string(),
        b.birth_date.to_string(),
    );
    field("jenis_kelamin", a.sex.to_string(), b.sex.to_string());
    field("shdk", a.shdk.to_string(), b.shdk.to_string());
    field(
        "status_tinggal",
        a.residence.to_string(),
        b.residence.to_string(),
    );
    field(
        "no_hp",
        a.phone.clone().unwrap_or_default(),
        b.phone.clone().unwrap_or_default(),
    );
    for ((name, x), (_, y)) in a
        .demographics
        .named()
        .into_iter()
        .zip(b.demographics.named())
    {
        field(
            name,
            x.unwrap_or("").to_string(),
            y.unwrap_or("").to_string(),
        );
    }
    out
}

/// The warning for a person new in the file whose `status_dasar` says they are not here (dead,
/// moved, missing): such a person is not imported.
pub(super) fn not_imported(r: &ValidRow) -> Issue {
    Issue {
        line: r.line,
        reason: format!(
            "nik {} tidak diimpor: status_dasar {} di file",
            r.nik.masked(),
            r.life.as_str()
        ),
    }
}
