//! Aid flags (issue 20): a DTKS/DTSEN or bansos list (CSV `nik,programme,period[,no_kk]`) flags
//! the persons it names and their households; the data-quality report then lists double
//! recipients and flags that disagree with the registry.
//!
//! A bad line (no NIK, an unknown NIK, no programme or period) is rejected with its line and
//! reason, never a full NIK; the other lines are imported in one unit of work, and importing the
//! same list again changes nothing.
//!
//! Programmes that exclude each other are [`EXCLUSIVE_PROGRAMMES`]: BLT Dana Desa goes to
//! families that receive neither PKH nor BPNT (Sembako), so a NIK on BLT-DD and on one of those
//! in overlapping periods is a double recipient.

use super::quality::{finding, Finding, FindingKind};
use super::report::Issue;
use super::validate::nik_reason;
use super::RegistryError;
use crate::parse::nik::{mask_nik, parse_nik};
use crate::store::{AidFlag, Db, KelurahanId, RegistryMember};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Pairs of programmes one NIK must not receive in overlapping periods (upper case).
pub const EXCLUSIVE_PROGRAMMES: &[(&str, &str)] = &[("PKH", "BLT-DD"), ("BPNT", "BLT-DD")];

/// What an aid import answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AidReport {
    /// Flags newly written (on a dry run: that would be).
    pub flagged: u64,
    /// Lines whose flag was already there.
    pub unchanged: u64,
    /// Distinct households the new flags touch.
    pub households: u64,
    pub rejected: Vec<Issue>,
    pub dry_run: bool,
}

impl AidReport {
    /// A few lines for the terminal.
    pub fn summary(&self, max_issues: usize) -> String {
        let verb = if self.dry_run {
            "akan ditandai (uji coba, tidak ada yang disimpan)"
        } else {
            "ditandai"
        };
        let mut out = format!(
            "{} bantuan {verb} ({} KK); {} sudah ada (tidak diubah); {} baris ditolak\n",
            self.flagged,
            self.households,
            self.unchanged,
            self.rejected.len()
        );
        for i in self.rejected.iter().take(max_issues) {
            out.push_str(&format!("  baris {}: {}\n", i.line, i.reason));
        }
        if self.rejected.len() > max_issues {
            out.push_str(&format!(
                "  … dan {} lagi (lihat --json)\n",
                self.rejected.len() - max_issues
            ));
        }
        out
    }
}

/// Options of one aid import.
#[derive(Clone, Debug)]
pub struct AidOptions {
    pub kelurahan: KelurahanId,
    pub dry_run: bool,
    pub actor: String,
    pub now_ms: i64,
}

/// One line of the list, checked for shape (not yet against the registry).
struct AidLine {
    line: u64,
    nik: String,
    programme: String,
    period: String,
    no_kk: Option<String>,
}

/// The column of each field, by header name (OpenSID's and Dinsos' spellings).
struct Columns {
    nik: usize,
    programme: usize,
    period: usize,
    no_kk: Option<usize>,
}

fn columns(header: &csv::StringRecord) -> Result<Columns, RegistryError> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    let need = |names: &[&str]| {
        find(names).ok_or_else(|| {
            RegistryError::Header(format!(
                "kolom {} tidak ada (perlu: nik, program, periode)",
                names[0]
            ))
        })
    };
    Ok(Columns {
        nik: need(&["nik"])?,
        programme: need(&["program", "programme", "bansos", "jenis_bantuan"])?,
        period: need(&["periode", "period", "tahun"])?,
        no_kk: find(&["no_kk", "kk"]),
    })
}

fn read_lines(input: &[u8]) -> Result<(Vec<AidLine>, Vec<Issue>), RegistryError> {
    let first = input.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first.contains(&b';') && !first.contains(&b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let cols = columns(reader.headers()?)?;
    let (mut lines, mut rejected) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rejected.push(Issue {
                    line,
                    reason: format!("baris tidak terbaca: {e}"),
                });
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let reject = |reason: String| Issue { line, reason };
        let nik = match parse_nik(field(cols.nik)) {
            Ok(nik) => nik.as_str().to_string(),
            Err(e) => {
                rejected.push(reject(nik_reason(e)));
                continue;
            }
        };
        let programme = field(cols.programme).to_uppercase();
        let period = field(cols.period).to_string();
        if programme.is_empty() || period.is_empty() {
            rejected.push(reject(format!(
                "NIK {}: program dan periode harus diisi",
                mask_nik(&nik)
            )));
            continue;
        }
        let no_kk = cols
            .no_kk
            .map(|i| field(i).to_string())
            .filter(|k| !k.is_empty());
        lines.push(AidLine {
            line,
            nik,
            programme,
            period,
            no_kk,
        });
    }
    Ok((lines, rejected))
}

/// Imports an aid list into `opts.kelurahan`: flags each person it names.
pub async fn import_aid(
    db: &Db,
    input: &[u8],
    opts: &AidOptions,
) -> Result<AidReport, RegistryError> {
    let (lines, mut rejected) = read_lines(input)?;
    let mut tx = db.begin(opts.kelurahan).await?;
    let mut report = AidReport {
        dry_run: opts.dry_run,
        ..AidReport::default()
    };
    let mut households = std::collections::BTreeSet::new();
    for l in lines {
        let Some(person) = tx.person(&l.nik).await? else {
            rejected.push(Issue {
                line: l.line,
                reason: format!(
                    "NIK {} tidak ada di registry kelurahan ini",
                    mask_nik(&l.nik)
                ),
            });
            continue;
        };
        let flag = AidFlag {
            no_kk: l.no_kk.unwrap_or(person.no_kk),
            nik: l.nik,
            programme: l.programme,
            period: l.period,
        };
        if tx.insert_aid_flag(&flag, &opts.actor, opts.now_ms).await? {
            report.flagged += 1;
            households.insert(flag.no_kk);
        } else {
            report.unchanged += 1;
        }
    }
    report.households = households.len() as u64;
    rejected.sort_by_key(|i| i.line);
    report.rejected = rejected;
    if opts.dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

/// Two periods overlap when one is the other or a part of it (`2026` and `2026-03`).
fn overlap(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Double recipients (programmes of `exclusive` in overlapping periods, one NIK in two
/// households) and flags on persons the registry records as dead or moved out.
pub fn aid_findings(
    members: &[RegistryMember],
    flags: &[AidFlag],
    exclusive: &[(&str, &str)],
) -> Vec<Finding> {
    let by_nik: HashMap<&str, &RegistryMember> =
        members.iter().map(|m| (m.person.nik.as_str(), m)).collect();
    let mut flags_of: BTreeMap<&str, Vec<&AidFlag>> = BTreeMap::new();
    for f in flags {
        flags_of.entry(f.nik.as_str()).or_default().push(f);
    }
    let mut out = Vec::new();
    for (nik, flags) in flags_of {
        let Some(m) = by_nik.get(nik) else { continue };
        for (a, b) in exclusive {
            let pa = flags.iter().filter(|f| f.programme == *a);
            let both = pa.flat_map(|fa| {
                flags
                    .iter()
                    .filter(move |fb| fb.programme == *b && overlap(&fa.period, &fb.period))
                    .map(move |fb| (fa, fb))
            });
            if let Some((fa, fb)) = both.into_iter().next() {
                out.push(finding(
                    m,
                    FindingKind::DoubleAid,
                    format!(
                        "menerima {a} ({}) dan {b} ({}), yang tidak boleh bersamaan",
                        fa.period, fb.period
                    ),
                ));
            }
        }
        let mut kks: Vec<&str> = flags.iter().map(|f| f.no_kk.as_str()).collect();
        kks.push(&m.person.no_kk);
        kks.sort_unstable();
        kks.dedup();
        if kks.len() > 1 {
            out.push(finding(
                m,
                FindingKind::AidInTwoHouseholds,
                format!(
                    "tercatat penerima bantuan di {} KK berbeda (registry: KK {})",
                    kks.len(),
                    m.person.no_kk
                ),
            ));
        }
        let gone = match (&m.died_on, &m.moved_out_on) {
            (Some(d), _) => Some(format!("meninggal {d}")),
            (None, Some(d)) => Some(format!("pindah {d}")),
            (None, None) => None,
        };
        if let Some(gone) = gone {
            let programmes: Vec<&str> = flags.iter().map(|f| f.programme.as_str()).collect();
            out.push(finding(
                m,
                FindingKind::AidDisagreesWithRegistry,
                format!(
                    "penerima {} tetapi di registry {gone}",
                    programmes.join(", ")
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(nik: &str) -> RegistryMember {
        crate::registry::quality::tests::member(nik, "KEPALA KELUARGA", "1980-01-01", None)
    }

    fn flag(nik: &str, programme: &str, period: &str) -> AidFlag {
        AidFlag {
            nik: nik.into(),
            no_kk: "1111111111111111".into(),
            programme: programme.into(),
            period: period.into(),
        }
    }

    #[test]
    fn exclusive_programmes_count_only_in_overlapping_periods() {
        let members = vec![member("3174050512890001"), member("3174050512890002")];
        let flags = vec![
            flag("3174050512890001", "PKH", "2026"),
            flag("3174050512890001", "BLT-DD", "2026-03"),
            flag("3174050512890002", "PKH", "2025"),
            flag("3174050512890002", "BLT-DD", "2026-03"),
            flag("3174050512890002", "BPNT", "2026"),
        ];
        let found: Vec<(String, FindingKind)> =
            aid_findings(&members, &flags, EXCLUSIVE_PROGRAMMES)
                .into_iter()
                .map(|f| (f.nik_masked, f.kind))
                .collect();
        assert_eq!(
            found,
            vec![
                ("************0001".into(), FindingKind::DoubleAid),
                ("************0002".into(), FindingKind::DoubleAid),
            ]
        );
        assert!(aid_findings(&members, &flags, &[("PKH", "BPNT")]).is_empty());
    }

    #[test]
    fn a_list_without_a_programme_column_is_refused() {
        assert!(matches!(
            read_lines(b"nik;periode\n3174050512890001;2026\n"),
            Err(RegistryError::Header(_))
        ));
        let (lines, rejected) =
            read_lines(b"NIK;Program;Periode\n3174050512890001;pkh;2026\n").expect("read");
        assert_eq!(
            (lines.len(), lines[0].programme.as_str(), rejected.len()),
            (1, "PKH", 0)
        );
    }
}
