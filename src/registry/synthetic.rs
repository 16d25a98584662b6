//! A synthetic kelurahan: a valid registry CSV of N households, the same for the same seed, for
//! the demo, the tests and the benchmarks.
//!
//! Households spread over a few RWs and RTs: a head (mostly men, some widows), usually a wife,
//! children of every age (some under 16, some 16–17, adults), sometimes an elderly parent (some
//! over 80), a few non-permanent households, realistic Indonesian names. Every NIK is valid,
//! unique and agrees with its birth date and sex (+40 on the day for women), except the
//! `legacy_mismatches` chosen ones; phones (`+62812…` for heads) are unique.

use chrono::{Datelike, Months, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};

/// How big a kelurahan, from which seed, on which day (ages are counted on it).
#[derive(Clone, Debug)]
pub struct SyntheticOptions {
    pub households: usize,
    pub seed: u64,
    /// Birth dates are before this day; ages are counted on it.
    pub today: NaiveDate,
    /// Persons whose NIK disagrees with their birth date (legacy records): imported with a
    /// warning and listed as data-quality findings.
    pub legacy_mismatches: usize,
}

impl SyntheticOptions {
    /// `households` households from `seed`, ages counted on 1 January 2026, no legacy NIK.
    pub fn new(households: usize, seed: u64) -> Self {
        SyntheticOptions {
            households,
            seed,
            today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            legacy_mismatches: 0,
        }
    }
}

/// A valid registry CSV of `households` households (about 3.5 persons each), the same for the
/// same seed. See [`SyntheticOptions::new`].
pub fn synthetic_registry_csv(households: usize, seed: u64) -> String {
    synthetic_registry_csv_with(&SyntheticOptions::new(households, seed))
}

const MALE: &[&str] = &[
    "Budi",
    "Agus",
    "Slamet",
    "Joko",
    "Bambang",
    "Hendra",
    "Rudi",
    "Eko",
    "Dedi",
    "Wahyu",
    "Ahmad",
    "Muhammad",
    "Rizki",
    "Fajar",
    "Dimas",
    "Arif",
    "Yusuf",
    "Imam",
    "Sutrisno",
    "Sugeng",
    "Teguh",
    "Andi",
    "Bayu",
    "Hadi",
    "Iwan",
    "Kurniawan",
    "Made",
    "Putu",
    "Ketut",
    "Yohanes",
    "Daniel",
    "Rahmat",
    "Hasan",
    "Ilham",
    "Galih",
    "Aditya",
    "Reza",
    "Farhan",
];
const FEMALE: &[&str] = &[
    "Siti",
    "Sri",
    "Dewi",
    "Rina",
    "Ani",
    "Wati",
    "Yuni",
    "Nur",
    "Lestari",
    "Ratna",
    "Endang",
    "Fitri",
    "Indah",
    "Putri",
    "Ayu",
    "Nurul",
    "Aisyah",
    "Kartini",
    "Suharti",
    "Tuti",
    "Maria",
    "Ningsih",
    "Rahayu",
    "Wulan",
    "Intan",
    "Citra",
    "Nadia",
    "Salsabila",
    "Anisa",
    "Dian",
    "Kadek",
    "Komang",
    "Yulia",
    "Melati",
    "Rini",
    "Suryani",
];
const FAMILY: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Setiawan",
    "Pratama",
    "Nugroho",
    "Kusuma",
    "Siregar",
    "Nasution",
    "Lubis",
    "Simanjuntak",
    "Hutapea",
    "Sihombing",
    "Purba",
    "Gunawan",
    "Susanto",
    "Hartono",
    "Permana",
    "Ramadhan",
    "Firmansyah",
    "Maulana",
    "Wibowo",
    "Suryadi",
    "Prasetyo",
    "Utami",
    "Handayani",
    "Rahmawati",
    "Kurniasih",
    "Pangaribuan",
    "Manurung",
    "Tambunan",
    "Wardhana",
    "Syahputra",
];
/// Regions of first issue: mostly this city, some from elsewhere (a NIK never changes on a move).
const REGIONS: &[&str] = &[
    "317405", "317405", "317405", "317404", "320101", "357801", "337401",
];

struct Person {
    name: String,
    birth: NaiveDate,
    female: bool,
    shdk: &'static str,
    phone: Option<String>,
    legacy: bool,
}

struct Generator {
    rng: StdRng,
    today: NaiveDate,
    niks: HashSet<String>,
    serials: HashMap<String, u32>,
    kks: HashSet<String>,
    phones: u64,
}

impl Generator {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.rng.gen_range(0..from.len())]
    }

    fn name(&mut self, female: bool, family: &str) -> String {
        let given = self.pick(if female { FEMALE } else { MALE });
        if self.rng.gen_bool(0.2) {
            given.to_string() // many Indonesians have one name
        } else {
            format!("{given} {family}")
        }
    }

    /// A birth date `age` full years before today.
    fn born(&mut self, age: u32) -> NaiveDate {
        let days = self.rng.gen_range(1..365);
        self.today
            .checked_sub_months(Months::new(age * 12))
            .and_then(|d| d.checked_sub_days(chrono::Days::new(days)))
            .unwrap_or(self.today)
    }

    /// A phone in one of the forms clerks type; unique (the counter goes through a permutation
    /// of 0..10^8).
    fn phone(&mut self, prefix: &str) -> String {
        self.phones += 1;
        let n = (self.phones * 7919) % 100_000_000;
        match self.rng.gen_range(0..10) {
            0 => format!("+62{}{n:08}", &prefix[1..]),
            1 => format!("{}-{:04}-{:04}", prefix, n / 10_000, n % 10_000),
            _ => format!("{prefix}{n:08}"),
        }
    }

    /// A NIK agreeing with `birth` and sex, unique. The serial counts up per region and date.
    fn nik(&mut self, birth: NaiveDate, female: bool) -> String {
        loop {
            let region = self.pick(REGIONS);
            let day = birth.day() + if female { 40 } else { 0 };
            let stem = format!(
                "{region}{day:02}{:02}{:02}",
                birth.month(),
                birth.year().rem_euclid(100)
            );
            let serial = self.serials.entry(stem.clone()).or_insert(0);
            *serial += 1;
            if *serial > 9999 {
                continue;
            }
            let nik = format!("{stem}{:04}", *serial);
            if self.niks.insert(nik.clone()) {
                return nik;
            }
        }
    }

    fn no_kk(&mut self) -> String {
        loop {
            let years = self.rng.gen_range(0..20);
            let issued = self.born(years);
            let kk = format!(
                "317405{:02}{:02}{:02}{:04}",
                issued.day(),
                issued.month(),
                issued.year().rem_euclid(100),
                self.rng.gen_range(1..10_000)
            );
            if self.kks.insert(kk.clone()) {
                return kk;
            }
        }
    }

    fn household(&mut self) -> Vec<Person> {
        let family = self.pick(FAMILY);
        let mut people = Vec::new();
        let single = self.rng.gen_bool(0.07);
        let widow = !single && self.rng.gen_bool(0.05);
        let head_age = if single {
            self.rng.gen_range(20..40)
        } else {
            self.rng.gen_range(26..78)
        };
        let head_female = widow || (single && self.rng.gen_bool(0.4));
        let head_birth = self.born(head_age);
        let head_name = self.name(head_female, family);
        let head_phone = self.rng.gen_bool(0.9).then(|| self.phone("0812"));
        people.push(Person {
            name: head_name,
            birth: head_birth,
            female: head_female,
            shdk: "KEPALA KELUARGA",
            phone: head_phone,
            legacy: false,
        });
        if single {
            return people;
        }
        // The mother's age bounds the children's.
        let mut mother_age = head_age;
        if !widow && self.rng.gen_bool(0.9) {
            let age = head_age.saturating_sub(self.rng.gen_range(0..7)).max(20);
            mother_age = age;
            let birth = self.born(age);
            let name = self.name(true, family);
            let phone = self.rng.gen_bool(0.5).then(|| self.phone("0813"));
            people.push(Person {
                name,
                birth,
                female: true,
                shdk: "ISTRI",
                phone,
                legacy: false,
            });
        }
        let children = self.rng.gen_range(0..=4u32);
        let oldest_child = mother_age.saturating_sub(19).min(40);
        let mut ages: Vec<u32> = (0..children)
            .map(|_| self.rng.gen_range(0..=oldest_child))
            .collect();
        ages.sort_unstable_by(|a, b| b.cmp(a));
        for age in ages {
            let female = self.rng.gen_bool(0.5);
            let birth = self.born(age);
            let name = self.name(female, family);
            let phone = (age >= 17 && self.rng.gen_bool(0.3)).then(|| self.phone("0857"));
            people.push(Person {
                name,
                birth,
                female,
                shdk: "ANAK",
                phone,
                legacy: false,
            });
        }
        if head_age < 60 && self.rng.gen_bool(0.12) {
            let age = (head_age + self.rng.gen_range(20..32)).min(98);
            let female = self.rng.gen_bool(0.7);
            let birth = self.born(age);
            let name = self.name(female, family);
            let shdk = if self.rng.gen_bool(0.7) {
                "ORANG TUA"
            } else {
                "MERTUA"
            };
            people.push(Person {
                name,
                birth,
                female,
                shdk,
                phone: None,
                legacy: false,
            });
        }
        if self.rng.gen_bool(0.02) {
            let age = self.rng.gen_range(18..50);
            let birth = self.born(age);
            let own_family = self.pick(FAMILY);
            let name = self.name(true, own_family);
            people.push(Person {
                name,
                birth,
                female: true,
                shdk: "PEMBANTU",
                phone: None,
                legacy: false,
            });
        }
        people
    }
}

/// A valid registry CSV (DESIGN §5) from `opts`.
pub fn synthetic_registry_csv_with(opts: &SyntheticOptions) -> String {
    let mut g = Generator {
        rng: StdRng::seed_from_u64(opts.seed),
        today: opts.today,
        niks: HashSet::new(),
        serials: HashMap::new(),
        kks: HashSet::new(),
        phones: 0,
    };
    let rws = (opts.households / 300).clamp(2, 20);
    let rts = 6;
    let legacy_every = opts
        .households
        .checked_div(opts.legacy_mismatches)
        .map_or(usize::MAX, |n| n.max(1));
    let mut legacy_left = opts.legacy_mismatches;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut lines: Vec<[String; 10]> = Vec::new();
    for h in 0..opts.households {
        let no_kk = g.no_kk();
        let rw = format!("{:02}", 1 + h % rws);
        let rt = format!("{:03}", 1 + (h / rws) % rts);
        let residence = if g.rng.gen_bool(0.06) {
            "NON_PERMANEN"
        } else {
            "TETAP"
        };
        let mut people = g.household();
        if legacy_left > 0 && h % legacy_every == 0 {
            if let Some(oldest) = people.iter_mut().min_by_key(|p| p.birth) {
                oldest.legacy = true;
                legacy_left -= 1;
            }
        }
        for p in people {
            // A legacy NIK: issued with a date one to four weeks off the recorded one.
            let nik_date = if p.legacy {
                let off = g.rng.gen_range(7..28);
                p.birth
                    .checked_add_days(chrono::Days::new(off))
                    .unwrap_or(p.birth)
            } else {
                p.birth
            };
            let nik = g.nik(nik_date, p.female);
            lines.push([
                no_kk.clone(),
                nik,
                p.name,
                p.birth.format("%Y-%m-%d").to_string(),
                if p.female { "P" } else { "L" }.to_string(),
                p.shdk.to_string(),
                rt.clone(),
                rw.clone(),
                residence.to_string(),
                p.phone.unwrap_or_default(),
            ]);
        }
    }
    // Writing to memory cannot fail; an error would only lose the synthetic file.
    let _ = w.write_record(super::csv_row::COLUMNS);
    for l in &lines {
        let _ = w.write_record(l);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::csv_row::open;
    use crate::registry::households::plan_households;

    #[test]
    fn same_seed_same_file_and_every_row_valid() {
        let a = synthetic_registry_csv(300, 7);
        assert_eq!(a, synthetic_registry_csv(300, 7));
        assert_ne!(a, synthetic_registry_csv(300, 8));
        let sheet = open(a.as_bytes()).expect("header");
        let n = sheet.rows().count();
        assert!(n > 800, "{n} rows");
        let today = SyntheticOptions::new(0, 0).today;
        let plan = plan_households(&sheet, today);
        assert_eq!(plan.len(), 300);
        let problems: Vec<_> = plan.iter().flat_map(|h| h.problems.clone()).collect();
        assert!(problems.is_empty(), "{problems:?}");
        let rows: Vec<_> = plan.iter().flat_map(|h| h.rows.iter()).collect();
        assert!(rows.iter().all(|r| !r.nik_mismatch));
        let ages: Vec<u32> = rows
            .iter()
            .filter_map(|r| today.years_since(r.birth_date))
            .collect();
        assert!(ages.iter().any(|&a| a < 16));
        assert!(ages.iter().any(|&a| a == 16 || a == 17));
        assert!(ages.iter().any(|&a| a >= 80));
        assert!(rows
            .iter()
            .any(|r| r.residence == crate::registry::Residence::NonPermanen));
    }

    #[test]
    fn legacy_mismatches_on_request() {
        let mut opts = SyntheticOptions::new(100, 1);
        opts.legacy_mismatches = 5;
        let csv = synthetic_registry_csv_with(&opts);
        let sheet = open(csv.as_bytes()).expect("header");
        let plan = plan_households(&sheet, opts.today);
        let legacy = plan
            .iter()
            .flat_map(|h| h.rows.iter())
            .filter(|r| r.nik_mismatch)
            .count();
        assert_eq!(legacy, 5);
    }
}
