//! Data-quality findings over the registry (`GET /api/data-quality`): what a kelurahan officer
//! should look at. A finding names the household and the last 4 digits of the NIK, never more.
//! Persons recorded as dead or moved out are left out, except from the NIK check.

use crate::error::StoreResult;
use crate::parse::nik::mask_nik;
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
        Ok(findings(&self.registry_members(kelurahan).await?, today))
    }
}

fn finding(m: &RegistryMember, kind: FindingKind, detail: String) -> Finding {
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
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PersonRecord;

    fn member(nik: &str, shdk: &str, birth: &str, phone: Option<&str>) -> RegistryMember {
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
