//! NIK (*Nomor Induk Kependudukan*): 16 digits, region of first issue (1–6), birth date
//! `DDMMYY` with 40 added to `DD` for women (7–12), serial (13–16). DESIGN §5.
//!
//! Only the structural rules reject a NIK (not 16 digits; day 0, 32–40 or over 71; month 0 or
//! over 12). Whether the date is a real calendar day, and whether it agrees with the recorded
//! birth date and sex, is a data-quality question answered by [`Nik::agrees_with`]: legacy
//! records with disagreeing NIKs exist and are imported.
//!
//! A full NIK must never be sent in a message nor written to a log: [`Nik`] has no way to print
//! itself except masked (`Display` and `Debug` both give `************1234`). Use
//! [`Nik::as_str`] only for storage and lookup hashing.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use thiserror::Error;

/// Sex as recorded in the registry (`jenis_kelamin`): `L` (laki-laki) or `P` (perempuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    L,
    P,
}

impl Sex {
    /// `"L"` or `"P"`, as in the registry CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::L => "L",
            Sex::P => "P",
        }
    }

    /// Parses `L` / `P` (case-insensitive, spaces trimmed).
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "L" | "l" => Some(Sex::L),
            "P" | "p" => Some(Sex::P),
            _ => None,
        }
    }
}

/// Why a typed NIK was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NikError {
    #[error("no NIK given")]
    Empty,
    #[error("a NIK has only digits")]
    NotDigits,
    #[error("a NIK has 16 digits, not {0}")]
    WrongLength(usize),
    #[error("the date part of the NIK has an impossible day {0:02}")]
    ImpossibleDay(u32),
    #[error("the date part of the NIK has an impossible month {0:02}")]
    ImpossibleMonth(u32),
}

/// A structurally valid NIK. Prints only masked.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nik(String);

/// The last 4 characters of a NIK or KK number (the only part ever shown in a message).
pub fn last4(number: &str) -> &str {
    let start = number.len().saturating_sub(4);
    number.get(start..).unwrap_or(number)
}

/// A stored NIK as it may be shown: `************1234`.
pub fn mask_nik(nik: &str) -> String {
    format!("************{}", last4(nik))
}

/// Parses a NIK. Spaces (and only spaces) between digits are tolerated: `3174 0505 1289 0001`.
pub fn parse_nik(input: &str) -> Result<Nik, NikError> {
    let digits: String = input.chars().filter(|c| *c != ' ').collect();
    if digits.is_empty() {
        return Err(NikError::Empty);
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(NikError::NotDigits);
    }
    if digits.len() != 16 {
        return Err(NikError::WrongLength(digits.len()));
    }
    let raw_day = two_digits(&digits, 6);
    let month = two_digits(&digits, 8);
    if raw_day == 0 || (32..=40).contains(&raw_day) || raw_day > 71 {
        return Err(NikError::ImpossibleDay(raw_day));
    }
    if month == 0 || month > 12 {
        return Err(NikError::ImpossibleMonth(month));
    }
    Ok(Nik(digits))
}

/// The two ASCII digits at `at` as a number; the caller has checked they are digits.
fn two_digits(digits: &str, at: usize) -> u32 {
    digits.as_bytes()[at..at + 2]
        .iter()
        .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

impl std::str::FromStr for Nik {
    type Err = NikError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_nik(s)
    }
}

impl Nik {
    /// The full 16 digits, for storage and lookup only. Never put this in a message or a log.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `************1234`: only the last 4 digits.
    pub fn masked(&self) -> String {
        mask_nik(&self.0)
    }

    /// The last 4 digits (the serial), for texts like "NIK …1234".
    pub fn last4(&self) -> &str {
        last4(&self.0)
    }

    /// Digits 1–6: the region where the NIK was first issued (not the residence).
    pub fn region(&self) -> &str {
        &self.0[..6]
    }

    /// (day, month, two-digit year) of the date part, with the +40 for women removed.
    pub fn birth_day_month_year2(&self) -> (u32, u32, u32) {
        let raw_day = two_digits(&self.0, 6);
        let day = if raw_day > 40 { raw_day - 40 } else { raw_day };
        (day, two_digits(&self.0, 8), two_digits(&self.0, 10))
    }

    /// `P` when 40 was added to the day, else `L`.
    pub fn sex(&self) -> Sex {
        if two_digits(&self.0, 6) > 40 {
            Sex::P
        } else {
            Sex::L
        }
    }

    /// Whether the NIK's date and sex parts agree with the registry's birth date (compared as
    /// `DDMMYY`) and sex. `false` is a data-quality finding, not a reason to reject.
    pub fn agrees_with(&self, birth_date: NaiveDate, sex: Sex) -> bool {
        let (d, m, y) = self.birth_day_month_year2();
        let year2 = birth_date.year().rem_euclid(100) as u32;
        self.sex() == sex && d == birth_date.day() && m == birth_date.month() && y == year2
    }

    /// Whether the date part is a real calendar day (e.g. not 30 February) for either century
    /// the two-digit year can stand for. Informational only.
    pub fn date_part_is_calendar_day(&self) -> bool {
        let (d, m, y) = self.birth_day_month_year2();
        let y = y as i32;
        NaiveDate::from_ymd_opt(1900 + y, m, d).is_some()
            || NaiveDate::from_ymd_opt(2000 + y, m, d).is_some()
    }
}

impl fmt::Display for Nik {
    /// Masked: a full NIK must never be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Nik {
    /// Masked, so that a NIK cannot leak into logs through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NikError::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    #[test]
    fn structural_rules() {
        let cases: &[(&str, Result<&str, NikError>)] = &[
            ("3174050512890001", Ok("3174050512890001")),
            ("3174 0505 1289 0001", Ok("3174050512890001")),
            (" 3174050512890001 ", Ok("3174050512890001")),
            ("3174014501000002", Ok("3174014501000002")), // woman, day 05
            ("3174013112990003", Ok("3174013112990003")), // day 31
            ("3174017112990003", Ok("3174017112990003")), // woman, day 31
            ("3174013002990003", Ok("3174013002990003")), // 30 Feb: structurally fine
            ("", Err(Empty)),
            ("   ", Err(Empty)),
            ("3174.0512.8901.0001", Err(NotDigits)),
            ("3174-0512-8901-0001", Err(NotDigits)),
            ("317405128901000a", Err(NotDigits)),
            ("３１７４051289010001", Err(NotDigits)), // full-width digits
            ("317405128901000", Err(WrongLength(15))),
            ("31740505128900011", Err(WrongLength(17))),
            ("3174010012990003", Err(ImpossibleDay(0))),
            ("3174013212990003", Err(ImpossibleDay(32))),
            ("3174014012990003", Err(ImpossibleDay(40))),
            ("3174017212990003", Err(ImpossibleDay(72))),
            ("3174019912990003", Err(ImpossibleDay(99))),
            ("3174010500990003", Err(ImpossibleMonth(0))),
            ("3174010513990003", Err(ImpossibleMonth(13))),
            ("3174014100990003", Err(ImpossibleMonth(0))),
        ];
        for (input, want) in cases {
            let got = parse_nik(input);
            assert_eq!(
                got.as_ref().map(Nik::as_str).map_err(Clone::clone),
                want.clone(),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn date_and_sex_parts() {
        let man = parse_nik("3174050512890001").expect("valid");
        assert_eq!(man.birth_day_month_year2(), (5, 12, 89));
        assert_eq!(man.sex(), Sex::L);
        assert_eq!(man.region(), "317405");
        let woman = parse_nik("3174054507020002").expect("valid");
        assert_eq!(woman.birth_day_month_year2(), (5, 7, 2));
        assert_eq!(woman.sex(), Sex::P);
    }

    #[test]
    fn agreement_with_the_registry() {
        let man = parse_nik("3174050512890001").expect("valid");
        let woman = parse_nik("3174054507020002").expect("valid");
        let cases = [
            (&man, date(1989, 12, 5), Sex::L, true),
            (&man, date(2089, 12, 5), Sex::L, true), // two-digit year only
            (&man, date(1989, 12, 5), Sex::P, false),
            (&man, date(1989, 12, 6), Sex::L, false),
            (&man, date(1989, 11, 5), Sex::L, false),
            (&man, date(1988, 12, 5), Sex::L, false),
            (&woman, date(2002, 7, 5), Sex::P, true),
            (&woman, date(2002, 7, 5), Sex::L, false),
            (&woman, date(2002, 7, 4), Sex::P, false),
        ];
        for (nik, d, sex, want) in cases {
            assert_eq!(nik.agrees_with(d, sex), want, "{nik:?} {d} {sex}");
        }
    }

    #[test]
    fn calendar_day_check_is_informational() {
        assert!(parse_nik("3174052902000001")
            .expect("valid")
            .date_part_is_calendar_day()); // 29 Feb 2000
        assert!(!parse_nik("3174053002990003")
            .expect("valid")
            .date_part_is_calendar_day()); // 30 Feb
    }

    #[test]
    fn never_prints_the_full_nik() {
        let nik = parse_nik("3174050512890001").expect("valid");
        assert_eq!(nik.masked(), "************0001");
        assert_eq!(nik.last4(), "0001");
        assert_eq!(nik.to_string(), "************0001");
        assert_eq!(format!("{nik:?}"), "Nik(************0001)");
        assert_eq!(format!("{:?}", Some(&nik)), "Some(Nik(************0001))");
        assert!(!format!("{nik} {nik:?} {nik:#?}").contains("317405"));
        assert_eq!(nik.as_str(), "3174050512890001");
    }
}
