//! Mutations of the registry (Buku Mutasi Penduduk): a person born (`lahir`), died (`mati`),
//! come (`datang`), gone (`pindah`), or a field corrected (`koreksi`). Each is one insert-only row
//! with its day, its source — a re-import, a resident's approved change request, an officer — and
//! who approved it, whichever way it came.

use crate::store::{stored_as_code, Code};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Lahir,
    Mati,
    Datang,
    Pindah,
    Koreksi,
}

/// Where a mutation came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Import,
    ChangeRequest,
    Officer,
}

impl Code for Kind {
    const WHAT: &'static str = "mutation kind";
    const ALL: &'static [Kind] = &[
        Kind::Lahir,
        Kind::Mati,
        Kind::Datang,
        Kind::Pindah,
        Kind::Koreksi,
    ];
    fn code(self) -> &'static str {
        match self {
            Kind::Lahir => "lahir",
            Kind::Mati => "mati",
            Kind::Datang => "datang",
            Kind::Pindah => "pindah",
            Kind::Koreksi => "koreksi",
        }
    }
}

impl Code for Source {
    const WHAT: &'static str = "mutation source";
    const ALL: &'static [Source] = &[Source::Import, Source::ChangeRequest, Source::Officer];
    fn code(self) -> &'static str {
        match self {
            Source::Import => "import",
            Source::ChangeRequest => "change_request",
            Source::Officer => "officer",
        }
    }
}

stored_as_code!(Kind, Source);

impl From<super::change::Ending> for Kind {
    fn from(e: super::change::Ending) -> Kind {
        match e {
            super::change::Ending::Death => Kind::Mati,
            super::change::Ending::MoveOut => Kind::Pindah,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_schema() {
        assert_eq!(Kind::from_code("koreksi"), Some(Kind::Koreksi));
        assert_eq!(Source::ChangeRequest.to_string(), "change_request");
        assert_eq!(Kind::from(super::super::change::Ending::Death), Kind::Mati);
    }
}
