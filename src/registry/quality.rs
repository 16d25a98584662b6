//! Data-quality findings over the registry (`GET /api/data-quality`): what a kelurahan officer
//! should look at. A finding names the household and the last 4 digits of the NIK, never more.
//! Persons recorded as dead or moved out are left out, except from the NIK check.

use crate::error::StoreResult;
use crate::parse::nik::mask_nik;
use crate::registry::aid::{aid_findings, EXCLUSIVE_PROGRAMMES};
use crate::registry::Shdk;
use crate::store::{Db, KelurahanId, RegistryMember};
use chrono::{Months, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What kind of problem a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The NIK's date or sex part disagrees with the recorded birth date or sex (legacy NIK).
    NikMismatch,
    /// No member of the household has a phone, in the registry or linked.
    HouseholdWithoutPhone,
    /// A member is over 100 years old.
    Over100,
    /// An `ANAK` is older than the head or the head's spouse.
    ChildOlderThanParent,
    /// The head of the household is under 16.
    HeadUnder16,
    /// A household has more than one `KEPALA KELUARGA`.
    TwoHeads,
    /// Another person has the same name and birth date under a different NIK.
    DuplicatePerson,
    /// One NIK receives two programmes that exclude each other ([`super::aid`]).
    DoubleAid,
    /// One NIK is an aid recipient in two households.
    AidInTwoHouseholds,
    /// An aid recipient the registry records as dead or moved out.
    AidDisagreesWithRegistry,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub no_kk: String,
    /// `************1234`
    pub nik_masked: String,
    pub kind: FindingKind,
    /// In Indonesian, for the officer.
    pub detail: String,
}

impl Db {
    /// Every data-quality finding of `kelurahan`, by RW, RT and KK; ages are counted on `today`.
    pub async fn data_quality(
        &self,
        kelurahan: KelurahanId,
        today: NaiveDate,
    ) -> StoreResult<Vec<Finding>> {
        let members = self.registry_members(kelurahan).await?;
        self.findings_of(kelurahan, &members, today).await
    }

    /// Completeness per RW and every finding of `kelurahan`, from one read of its registry (the
    /// web's data page shows both).
    pub async fn quality_report(
        &self,
        kelurahan: KelurahanId,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Completeness>, Vec<Finding>)> {
        let members = self.registry_members(kelurahan).await?;
        let found = self.findings_of(kelurahan, &members, today).await?;
        Ok((completeness(&members), found))
    }

    async fn findings_of(
        &self,
        kelurahan: KelurahanId,
        members: &[RegistryMember],
        today: NaiveDate,
    ) -> StoreResult<Vec<Finding>> {
        let flags = self.aid_flags(kelurahan).await?;
        let mut out = findings(members, today);
        out.extend(aid_findings(members, &flags, EXCLUSIVE_PROGRAMMES));
        Ok(out)
    }

    /// Completeness of `kelurahan`'s registry per RW (present residents only).
    pub async fn completeness(&self, kelurahan: KelurahanId) -> StoreResult<Vec<Completeness>> {
        Ok(completeness(&self.registry_members(kelurahan).await?))
    }
}

pub(crate) fn finding(m: &RegistryMember, kind: FindingKind, detail: String) -> Finding {
    Finding {
        no_kk: m.person.no_kk.clone(),
        nik_masked: mask_nik(&m.person.nik),
        kind,
        detail,
    }
}

/// The findings over `members` (grouped by household, in the order given).
pub fn findings(members: &[RegistryMember], today: NaiveDate) -> Vec<Finding> {
    let mut households: BTreeMap<usize, Vec<&RegistryMember>> = BTreeMap::new();
    let mut order: HashMap<&str, usize> = HashMap::new();
    for m in members {
        let n = order.len();
        let i = *order.entry(m.person.no_kk.as_str()).or_insert(n);
        households.entry(i).or_default().push(m);
    }
    // Over 100 in whole years, like an age: the 101st birthday is today or past.
    let born_101_years_ago = today.checked_sub_months(Months::new(101 * 12));
    let mut out = Vec::new();
    for members in households.values() {
        for m in members {
            if m.person.nik_mismatch {
                let confirmed = if m.birth_confirmed_at.is_some() {
                    "sudah dipastikan keluarga"
                } else {
                    "belum dipastikan keluarga"
                };
                out.push(finding(
                    m,
                    FindingKind::NikMismatch,
                    format!(
                        "tanggal lahir / jenis kelamin di NIK tidak cocok dengan data \
                         ({} {}); {confirmed}",
                        m.person.birth_date, m.person.sex
                    ),
                ));
            }
        }
        let present: Vec<&RegistryMember> =
            members.iter().copied().filter(|m| m.is_present()).collect();
        if let Some(first) = present.first() {
            let has_phone = present.iter().any(|m| m.person.phone.is_some() || m.linked);
            if !has_phone {
                let head = present
                    .iter()
                    .find(|m| m.person.shdk == Shdk::KepalaKeluarga)
                    .unwrap_or(first);
                out.push(finding(
                    head,
                    FindingKind::HouseholdWithoutPhone,
                    "tidak ada nomor HP di keluarga ini (tidak tercatat, tidak terdaftar)".into(),
                ));
            }
        }
        for m in &present {
            if let Some(limit) = born_101_years_ago {
                if m.person.birth_date <= limit {
                    out.push(finding(
                        m,
                        FindingKind::Over100,
                        format!("umur lebih dari 100 tahun (lahir {})", m.person.birth_date),
                    ));
                }
            }
        }
        let parents: Vec<(&str, NaiveDate)> = present
            .iter()
            .filter(|m| {
                matches!(
                    m.person.shdk,
                    Shdk::KepalaKeluarga | Shdk::Istri | Shdk::Suami
                )
            })
            .map(|m| (m.person.shdk.as_str(), m.person.birth_date))
            .collect();
        for m in present.iter().filter(|m| m.person.shdk == Shdk::Anak) {
            let b = m.person.birth_date;
            if let Some((role, pb)) = parents.iter().find(|(_, pb)| b < *pb) {
                out.push(finding(
                    m,
                    FindingKind::ChildOlderThanParent,
                    format!(
                        "ANAK lahir {} lebih tua dari {} (lahir {})",
                        m.person.birth_date,
                        role.to_lowercase(),
                        pb
                    ),
                ));
            }
        }
        let heads: Vec<&&RegistryMember> = present
            .iter()
            .filter(|m| m.person.shdk == Shdk::KepalaKeluarga)
            .collect();
        if let Some(second) = heads.get(1) {
            out.push(finding(
                second,
                FindingKind::TwoHeads,
                format!("{} KEPALA KELUARGA dalam satu KK", heads.len()),
            ));
        }
        let born_16_years_ago = today.checked_sub_months(Months::new(16 * 12));
        for head in &heads {
            if born_16_years_ago.is_some_and(|limit| head.person.birth_date > limit) {
                out.push(finding(
                    head,
                    FindingKind::HeadUnder16,
                    format!(
                        "KEPALA KELUARGA di bawah 16 tahun (lahir {})",
                        head.person.birth_date
                    ),
                ));
            }
        }
    }
    out.extend(duplicates(members));
    out
}

/// Present persons sharing a name (case and spaces aside) and birth date under different NIKs:
/// each one after the first of its group is a finding.
fn duplicates(members: &[RegistryMember]) -> Vec<Finding> {
    let mut seen: HashMap<(String, NaiveDate), &RegistryMember> = HashMap::new();
    let mut out = Vec::new();
    for m in members.iter().filter(|m| m.is_present()) {
        let name = m
            .person
            .name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        match seen.get(&(name.clone(), m.person.birth_date)) {
            Some(first) if first.person.nik != m.person.nik => out.push(finding(
                m,
                FindingKind::DuplicatePerson,
                format!(
                    "nama dan tanggal lahir ({}) sama dengan NIK {} di KK {}",
                    m.person.birth_date,
                    mask_nik(&first.person.nik),
                    first.person.no_kk
                ),
            )),
            Some(_) => {}
            None => {
                seen.insert((name, m.person.birth_date), m);
            }
        }
    }
    out
}

/// How complete one RW's data is, in persons (present residents) and households.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Completeness {
    pub rw: String,
    pub persons: u64,
    pub households: u64,
    /// Percent of persons with an occupation, an education, a phone (in the registry or
    /// linked); percent of households that confirmed their data (`DATA` → 1).
    pub occupation_pct: f64,
    pub education_pct: f64,
    pub phone_pct: f64,
    pub verified_pct: f64,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

/// Completeness per RW, in RW order, then the whole kelurahan as RW `"*"`.
pub fn completeness(members: &[RegistryMember]) -> Vec<Completeness> {
    #[derive(Default)]
    struct Count<'a> {
        persons: u64,
        occupation: u64,
        education: u64,
        phone: u64,
        households: BTreeMap<&'a str, bool>,
    }
    let mut by_rw: BTreeMap<&str, Count> = BTreeMap::new();
    for m in members.iter().filter(|m| m.is_present()) {
        for key in [m.rw.as_str(), "*"] {
            let c = by_rw.entry(key).or_default();
            c.persons += 1;
            c.occupation += u64::from(m.person.demographics.occupation.is_some());
            c.education += u64::from(m.person.demographics.education.is_some());
            c.phone += u64::from(m.person.phone.is_some() || m.linked);
            *c.households.entry(m.person.no_kk.as_str()).or_default() |= m.verified_at.is_some();
        }
    }
    let mut out: Vec<Completeness> = by_rw
        .into_iter()
        .map(|(rw, c)| {
            let households = c.households.len() as u64;
            let verified = c.households.values().filter(|v| **v).count() as u64;
            Completeness {
                rw: rw.to_string(),
                persons: c.persons,
                households,
                occupation_pct: pct(c.occupation, c.persons),
                education_pct: pct(c.education, c.persons),
                phone_pct: pct(c.phone, c.persons),
                verified_pct: pct(verified, households),
            }
        })
        .collect();
    // "*" sorts first; the whole kelurahan goes last.
    if let Some(i) = out.iter().position(|c| c.rw == "*") {
        let all = out.remove(i);
        out.push(all);
    }
    out
}

/// The report as text for the officer: a completeness table, then the findings one a line.
pub fn report_text(completeness: &[Completeness], findings: &[Finding]) -> String {
    let mut out =
        String::from("RW    orang    KK  pekerjaan  pendidikan  no. HP  KK terverifikasi\n");
    for c in completeness {
        let rw = if c.rw == "*" { "semua" } else { c.rw.as_str() };
        out.push_str(&format!(
            "{rw:<5} {:>5} {:>5} {:>9.1}% {:>10.1}% {:>6.1}% {:>16.1}%\n",
            c.persons, c.households, c.occupation_pct, c.education_pct, c.phone_pct, c.verified_pct
        ));
    }
    out.push_str(&format!("\n{} temuan:\n", findings.len()));
    for f in findings {
        out.push_str(&format!(
            "  KK {} {}: {}\n",
            f.no_kk, f.nik_masked, f.detail
        ));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::PersonRecord;

    /// A present member of household `1111111111111111`, RT 001 / RW 01 (the aid tests use it too).
    pub(crate) fn member(
        nik: &str,
        shdk: &str,
        birth: &str,
        phone: Option<&str>,
    ) -> RegistryMember {
        RegistryMember {
            person: PersonRecord {
                nik: nik.into(),
                no_kk: "1111111111111111".into(),
                name: "X".into(),
                birth_date: NaiveDate::parse_from_str(birth, "%Y-%m-%d").expect("date"),
                sex: crate::parse::Sex::L,
                shdk: Shdk::parse(shdk).expect("shdk"),
                residence: crate::registry::Residence::Tetap,
                phone: phone.map(str::to_string),
                nik_mismatch: false,
                line: None,
                demographics: Default::default(),
            },
            rt: "001".into(),
            rw: "01".into(),
            verified_at: None,
            birth_confirmed_at: None,
            died_on: None,
            moved_out_on: None,
            linked: false,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
    }

    #[test]
    fn each_kind_is_found() {
        let mut legacy = member("3174050512890004", "ANAK", "2010-01-01", None);
        legacy.person.nik_mismatch = true;
        let members = vec![
            member("3174050512890001", "KEPALA KELUARGA", "1980-01-01", None),
            member("3174050512890002", "ANAK", "1979-12-31", None),
            member("3174050512890003", "ORANG TUA", "1925-06-01", None),
            member("3174050512890005", "MERTUA", "1925-06-02", None),
            legacy,
        ];
        let kinds: Vec<(String, FindingKind)> = findings(&members, today())
            .into_iter()
            .map(|f| (f.nik_masked, f.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("************0004".into(), FindingKind::NikMismatch),
                (
                    "************0001".into(),
                    FindingKind::HouseholdWithoutPhone
                ),
                ("************0003".into(), FindingKind::Over100),
                ("************0002".into(), FindingKind::ChildOlderThanParent),
            ]
        );
    }

    #[test]
    fn impossible_households_and_duplicates_are_found() {
        let mut young = member("3174050512890001", "KEPALA KELUARGA", "2012-01-01", None);
        young.person.phone = Some("+6281200000001".into());
        let mut other_kk = member("3174050512890009", "ANAK", "2012-01-01", None);
        other_kk.person.no_kk = "2222222222222222".into();
        other_kk.person.phone = Some("+6281200000009".into());
        other_kk.person.name = " x ".into();
        let members = vec![
            young,
            member("3174050512890002", "KEPALA KELUARGA", "1980-01-01", None),
            other_kk,
        ];
        let kinds: Vec<(String, FindingKind)> = findings(&members, today())
            .into_iter()
            .map(|f| (f.nik_masked, f.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("************0002".into(), FindingKind::TwoHeads),
                ("************0001".into(), FindingKind::HeadUnder16),
                ("************0009".into(), FindingKind::DuplicatePerson),
            ]
        );
    }

    #[test]
    fn completeness_is_per_rw_then_for_all() {
        let mut members = vec![
            member("3174050512890001", "KEPALA KELUARGA", "1980-01-01", None),
            member(
                "3174050512890002",
                "ISTRI",
                "1982-01-01",
                Some("+6281200000001"),
            ),
            member("3174050512890003", "ANAK", "2010-01-01", None),
        ];
        members[0].verified_at = Some(1);
        members[0].person.demographics.occupation =
            crate::registry::reference::Occupation::from_code(1);
        members[2].rw = "02".into();
        members[2].person.no_kk = "2222222222222222".into();
        members[2].linked = true;
        let rows: Vec<(String, u64, f64, f64, f64)> = completeness(&members)
            .into_iter()
            .map(|c| {
                (
                    c.rw,
                    c.persons,
                    c.occupation_pct,
                    c.phone_pct,
                    c.verified_pct,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("01".into(), 2, 50.0, 50.0, 100.0),
                ("02".into(), 1, 0.0, 100.0, 0.0),
                ("*".into(), 3, 33.3, 66.7, 50.0),
            ]
        );
    }

    #[test]
    fn a_phone_or_a_link_is_enough_and_the_dead_do_not_count() {
        let mut members = vec![
            member("3174050512890001", "KEPALA KELUARGA", "1980-01-01", None),
            member(
                "3174050512890002",
                "ISTRI",
                "1982-01-01",
                Some("+6281200000001"),
            ),
        ];
        assert!(findings(&members, today()).is_empty());
        members[1].died_on = Some("2026-01-01".into());
        assert_eq!(findings(&members, today()).len(), 1);
        members[0].linked = true;
        assert!(findings(&members, today()).is_empty());
    }
}
