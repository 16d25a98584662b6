//! The registry's coded fields: a member's relation to the head (SHDK), residence status and
//! sex. Each is parsed leniently from a file ([`Shdk::parse`], [`Residence::parse`],
//! [`Sex::parse`]) and stored by its exact code ([`Code`]), so no code past the import compares
//! a string to `"TETAP"` or `"KEPALA KELUARGA"`.

use crate::parse::Sex;
use crate::store::{stored_as_code, Code};

/// *Status Hubungan Dalam Keluarga*: a member's relation to the head of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shdk {
    KepalaKeluarga,
    Suami,
    Istri,
    Anak,
    Menantu,
    Cucu,
    OrangTua,
    Mertua,
    FamiliLain,
    Pembantu,
    Lainnya,
}

impl Shdk {
    pub const ALL: [Shdk; 11] = [
        Shdk::KepalaKeluarga,
        Shdk::Suami,
        Shdk::Istri,
        Shdk::Anak,
        Shdk::Menantu,
        Shdk::Cucu,
        Shdk::OrangTua,
        Shdk::Mertua,
        Shdk::FamiliLain,
        Shdk::Pembantu,
        Shdk::Lainnya,
    ];

    /// As written in the registry: `KEPALA KELUARGA`, `ISTRI`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Shdk::KepalaKeluarga => "KEPALA KELUARGA",
            Shdk::Suami => "SUAMI",
            Shdk::Istri => "ISTRI",
            Shdk::Anak => "ANAK",
            Shdk::Menantu => "MENANTU",
            Shdk::Cucu => "CUCU",
            Shdk::OrangTua => "ORANG TUA",
            Shdk::Mertua => "MERTUA",
            Shdk::FamiliLain => "FAMILI LAIN",
            Shdk::Pembantu => "PEMBANTU",
            Shdk::Lainnya => "LAINNYA",
        }
    }

    /// Case-insensitive; runs of spaces or an underscore between words count as one space.
    pub fn parse(s: &str) -> Option<Shdk> {
        let words: Vec<String> = s
            .split(|c: char| c.is_whitespace() || c == '_')
            .filter(|w| !w.is_empty())
            .map(str::to_uppercase)
            .collect();
        let normal = words.join(" ");
        Shdk::ALL.into_iter().find(|k| k.as_str() == normal)
    }
}

/// `status_tinggal`: permanent resident (KK in this kelurahan) or temporary one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Residence {
    Tetap,
    NonPermanen,
}

impl Residence {
    pub fn as_str(self) -> &'static str {
        match self {
            Residence::Tetap => "TETAP",
            Residence::NonPermanen => "NON_PERMANEN",
        }
    }

    /// `TETAP` / `NON_PERMANEN`, case-insensitive (`NON PERMANEN`, `non-permanen` accepted).
    pub fn parse(s: &str) -> Option<Residence> {
        let normal: String = s
            .trim()
            .to_uppercase()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
            .collect();
        match normal.as_str() {
            "TETAP" => Some(Residence::Tetap),
            "NON_PERMANEN" => Some(Residence::NonPermanen),
            _ => None,
        }
    }
}

impl Code for Shdk {
    const WHAT: &'static str = "SHDK";
    const ALL: &'static [Shdk] = &Shdk::ALL;
    fn code(self) -> &'static str {
        self.as_str()
    }
}

impl Code for Residence {
    const WHAT: &'static str = "status_tinggal";
    const ALL: &'static [Residence] = &[Residence::Tetap, Residence::NonPermanen];
    fn code(self) -> &'static str {
        self.as_str()
    }
}

impl Code for Sex {
    const WHAT: &'static str = "jenis_kelamin";
    const ALL: &'static [Sex] = &[Sex::L, Sex::P];
    fn code(self) -> &'static str {
        self.as_str()
    }
}

stored_as_code!(Shdk, Residence, Sex);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in Shdk::ALL {
            assert_eq!(Shdk::from_code(s.code()), Some(s));
            assert_eq!(Shdk::parse(s.code()), Some(s));
        }
        assert_eq!(
            Residence::from_code("NON_PERMANEN"),
            Some(Residence::NonPermanen)
        );
        assert_eq!(
            Residence::from_code("non_permanen"),
            None,
            "a stored code is exact"
        );
        assert_eq!(Sex::from_code("P"), Some(Sex::P));
    }
}
