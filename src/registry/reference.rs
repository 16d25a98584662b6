//! The coded fields of a SIAK / OpenSID population export: religion, education, occupation,
//! marital status, citizenship, blood type, disability — each a numeric code of one of OpenSID's
//! reference tables (`tweb_penduduk_agama`, `tweb_penduduk_pekerjaan`, …), whose codes are
//! Dukcapil's. A file may give the code (`1`) or the name (`ISLAM`), as OpenSID's own import
//! accepts; a code is stored by its number and shown by its name.
//!
//! Also the codes Gotong maps to its own rules: `kk_level` (SHDK, 1 = KEPALA KELUARGA … 11 =
//! LAINNYA, the order of [`Shdk::ALL`]), `sex` (1 = L, 2 = P), `hamil` (0/1) and `status_dasar`
//! (1 HIDUP, 2 MATI, 3 PINDAH, 4 HILANG, 6 PERGI, 9 TIDAK VALID).

use super::codes::Shdk;
use crate::parse::Sex;
use std::marker::PhantomData;

/// One reference table: its codes are `1..=NAMES.len()`, `NAMES[code - 1]` the name.
pub trait Table {
    /// The column of the OpenSID export.
    const COLUMN: &'static str;
    const NAMES: &'static [&'static str];
    /// Other spellings seen in exports, lower case, with their code.
    const ALIASES: &'static [(&'static str, u8)] = &[];
}

/// A code of table `T`: always one the table has.
pub struct Coded<T>(u8, PhantomData<fn() -> T>);

impl<T: Table> Coded<T> {
    pub fn from_code(code: i64) -> Option<Self> {
        let n = u8::try_from(code).ok()?;
        (1..=T::NAMES.len())
            .contains(&usize::from(n))
            .then_some(Coded(n, PhantomData))
    }

    pub fn code(self) -> u8 {
        self.0
    }

    pub fn name(self) -> &'static str {
        T::NAMES[usize::from(self.0) - 1]
    }

    /// A code (`7`, `07`) or a name, case and spacing around `/` aside. `None` when the table
    /// has no such code or name.
    pub fn parse(s: &str) -> Option<Self> {
        if let Some(n) = digits(s) {
            return Self::from_code(n);
        }
        let key = fold(s);
        T::NAMES
            .iter()
            .position(|n| fold(n) == key)
            .and_then(|i| Self::from_code(i as i64 + 1))
            .or_else(|| {
                T::ALIASES
                    .iter()
                    .find(|(a, _)| fold(a) == key)
                    .and_then(|(_, c)| Self::from_code(i64::from(*c)))
            })
    }

    /// The code of `name`, which must be one of the table's names (Gotong's own constants,
    /// never input: the tests below check each one used).
    fn named(name: &str) -> Self {
        let i = T::NAMES.iter().position(|n| *n == name);
        i.and_then(|i| Self::from_code(i as i64 + 1))
            .unwrap_or_else(|| panic!("{name:?} is not a name of {}", T::COLUMN))
    }

    /// Why `value` is not a code of this table, for the clerk.
    pub fn unknown(value: &str) -> String {
        format!(
            "kode {} \"{}\" tidak dikenal; harus 1 sampai {} (tabel referensi OpenSID/SIAK)",
            T::COLUMN,
            super::validate::shorten(value),
            T::NAMES.len()
        )
    }
}

impl<T> Clone for Coded<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Coded<T> {}
impl<T> PartialEq for Coded<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T> Eq for Coded<T> {}
impl<T> std::hash::Hash for Coded<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}
impl<T: Table> std::fmt::Debug for Coded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", T::COLUMN, self.0)
    }
}
impl<T: Table> serde::Serialize for Coded<T> {
    /// As its name: what the dashboard shows.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The number a cell holds: digits only (spreadsheets write `'07` for text), else `None`.
fn digits(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches('\'');
    (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Lower case, runs of spaces as one, no spaces around `/`.
fn fold(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    words
        .join(" ")
        .to_lowercase()
        .replace(" /", "/")
        .replace("/ ", "/")
}

pub enum Agama {}
impl Table for Agama {
    const COLUMN: &'static str = "agama_id";
    const NAMES: &'static [&'static str] = &[
        "ISLAM",
        "KRISTEN",
        "KATHOLIK",
        "HINDU",
        "BUDHA",
        "KHONGHUCU",
        "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA",
    ];
    const ALIASES: &'static [(&'static str, u8)] = &[
        ("katolik", 3),
        ("buddha", 5),
        ("konghucu", 6),
        ("kepercayaan", 7),
        ("lainnya", 7),
    ];
}

pub enum PendidikanKk {}
impl Table for PendidikanKk {
    const COLUMN: &'static str = "pendidikan_kk_id";
    const NAMES: &'static [&'static str] = &[
        "TIDAK/BELUM SEKOLAH",
        "BELUM TAMAT SD/SEDERAJAT",
        "TAMAT SD/SEDERAJAT",
        "SLTP/SEDERAJAT",
        "SLTA/SEDERAJAT",
        "DIPLOMA I/II",
        "AKADEMI/DIPLOMA III/S. MUDA",
        "DIPLOMA IV/STRATA I",
        "STRATA II",
        "STRATA III",
    ];
    // The spellings OpenSID's import adds for SIAK's.
    const ALIASES: &'static [(&'static str, u8)] = &[
        ("tidak/blm sekolah", 1),
        ("tidak tamat sd/sederajat", 2),
        ("akademi/diploma iii/sarjana muda", 7),
        ("strata-ii", 9),
    ];
}

pub enum PendidikanSedang {}
impl Table for PendidikanSedang {
    const COLUMN: &'static str = "pendidikan_sedang_id";
    const NAMES: &'static [&'static str] = &[
        "BELUM MASUK TK/KELOMPOK BERMAIN",
        "SEDANG TK/KELOMPOK BERMAIN",
        "TIDAK PERNAH SEKOLAH",
        "SEDANG SD/SEDERAJAT",
        "TIDAK TAMAT SD/SEDERAJAT",
        "SEDANG SLTP/SEDERAJAT",
        "SEDANG SLTA/SEDERAJAT",
        "SEDANG D-1/SEDERAJAT",
        "SEDANG D-2/SEDERAJAT",
        "SEDANG D-3/SEDERAJAT",
        "SEDANG S-1/SEDERAJAT",
        "SEDANG S-2/SEDERAJAT",
        "SEDANG S-3/SEDERAJAT",
        "SEDANG SLB A/SEDERAJAT",
        "SEDANG SLB B/SEDERAJAT",
        "SEDANG SLB C/SEDERAJAT",
        "TIDAK DAPAT MEMBACA DAN MENULIS",
        "TIDAK SEDANG SEKOLAH",
    ];
}

pub enum Pekerjaan {}
impl Table for Pekerjaan {
    const COLUMN: &'static str = "pekerjaan_id";
    const NAMES: &'static [&'static str] = &[
        "BELUM/TIDAK BEKERJA",
        "MENGURUS RUMAH TANGGA",
        "PELAJAR/MAHASISWA",
        "PENSIUNAN",
        "PEGAWAI NEGERI SIPIL (PNS)",
        "TENTARA NASIONAL INDONESIA (TNI)",
        "KEPOLISIAN RI (POLRI)",
        "PERDAGANGAN",
        "PETANI/PEKEBUN",
        "PETERNAK",
        "NELAYAN/PERIKANAN",
        "INDUSTRI",
        "KONSTRUKSI",
        "TRANSPORTASI",
        "KARYAWAN SWASTA",
        "KARYAWAN BUMN",
        "KARYAWAN BUMD",
        "KARYAWAN HONORER",
        "BURUH HARIAN LEPAS",
        "BURUH TANI/PERKEBUNAN",
        "BURUH NELAYAN/PERIKANAN",
        "BURUH PETERNAKAN",
        "PEMBANTU RUMAH TANGGA",
        "TUKANG CUKUR",
        "TUKANG LISTRIK",
        "TUKANG BATU",
        "TUKANG KAYU",
        "TUKANG SOL SEPATU",
        "TUKANG LAS/PANDAI BESI",
        "TUKANG JAHIT",
        "TUKANG GIGI",
        "PENATA RIAS",
        "PENATA BUSANA",
        "PENATA RAMBUT",
        "MEKANIK",
        "SENIMAN",
        "TABIB",
        "PARAJI",
        "PERANCANG BUSANA",
        "PENTERJEMAH",
        "IMAM MASJID",
        "PENDETA",
        "PASTOR",
        "WARTAWAN",
        "USTADZ/MUBALIGH",
        "JURU MASAK",
        "PROMOTOR ACARA",
        "ANGGOTA DPR-RI",
        "ANGGOTA DPD",
        "ANGGOTA BPK",
        "PRESIDEN",
        "WAKIL PRESIDEN",
        "ANGGOTA MAHKAMAH KONSTITUSI",
        "ANGGOTA KABINET KEMENTERIAN",
        "DUTA BESAR",
        "GUBERNUR",
        "WAKIL GUBERNUR",
        "BUPATI",
        "WAKIL BUPATI",
        "WALIKOTA",
        "WAKIL WALIKOTA",
        "ANGGOTA DPRD PROVINSI",
        "ANGGOTA DPRD KABUPATEN/KOTA",
        "DOSEN",
        "GURU",
        "PILOT",
        "PENGACARA",
        "NOTARIS",
        "ARSITEK",
        "AKUNTAN",
        "KONSULTAN",
        "DOKTER",
        "BIDAN",
        "PERAWAT",
        "APOTEKER",
        "PSIKIATER/PSIKOLOG",
        "PENYIAR TELEVISI",
        "PENYIAR RADIO",
        "PELAUT",
        "PENELITI",
        "SOPIR",
        "PIALANG",
        "PARANORMAL",
        "PEDAGANG",
        "PERANGKAT DESA",
        "KEPALA DESA",
        "BIARAWATI",
        "WIRASWASTA",
        "LAINNYA",
    ];
}

pub enum StatusKawin {}
impl Table for StatusKawin {
    const COLUMN: &'static str = "status_kawin";
    const NAMES: &'static [&'static str] = &["BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"];
    const ALIASES: &'static [(&'static str, u8)] = &[("bk", 1), ("k", 2), ("ch", 3), ("cm", 4)];
}

pub enum Warganegara {}
impl Table for Warganegara {
    const COLUMN: &'static str = "warganegara_id";
    const NAMES: &'static [&'static str] = &["WNI", "WNA", "DUA KEWARGANEGARAAN"];
}

pub enum GolonganDarah {}
impl Table for GolonganDarah {
    const COLUMN: &'static str = "golongan_darah_id";
    const NAMES: &'static [&'static str] = &[
        "A",
        "B",
        "AB",
        "O",
        "A+",
        "A-",
        "B+",
        "B-",
        "AB+",
        "AB-",
        "O+",
        "O-",
        "TIDAK TAHU",
    ];
    const ALIASES: &'static [(&'static str, u8)] = &[("tdk th", 13)];
}

pub enum Cacat {}
impl Table for Cacat {
    const COLUMN: &'static str = "cacat_id";
    const NAMES: &'static [&'static str] = &[
        "CACAT FISIK",
        "CACAT NETRA/BUTA",
        "CACAT RUNGU/WICARA",
        "CACAT MENTAL/JIWA",
        "CACAT FISIK DAN MENTAL",
        "CACAT LAINNYA",
        "TIDAK CACAT",
    ];
}

pub enum KtpEl {}
impl Table for KtpEl {
    const COLUMN: &'static str = "ktp_el";
    const NAMES: &'static [&'static str] = &["BELUM", "KTP-EL"];
}

pub enum StatusRekam {}
impl Table for StatusRekam {
    const COLUMN: &'static str = "status_rekam";
    const NAMES: &'static [&'static str] = &[
        "BELUM WAJIB",
        "BELUM REKAM",
        "SUDAH REKAM",
        "CARD PRINTED",
        "PRINT READY RECORD",
        "CARD SHIPPED",
        "SENT FOR CARD PRINTING",
        "CARD ISSUED",
    ];
}

pub type Religion = Coded<Agama>;
pub type Education = Coded<PendidikanKk>;
pub type Schooling = Coded<PendidikanSedang>;
pub type Occupation = Coded<Pekerjaan>;
pub type MaritalStatus = Coded<StatusKawin>;
pub type Citizenship = Coded<Warganegara>;
pub type BloodType = Coded<GolonganDarah>;
pub type Disability = Coded<Cacat>;

/// "TIDAK CACAT": a recorded `cacat_id` below it is a disability.
pub fn no_disability() -> Disability {
    Coded::named("TIDAK CACAT")
}

/// "BELUM/TIDAK BEKERJA": the `pekerjaan_id` of someone not working.
pub fn no_work() -> Occupation {
    Coded::named("BELUM/TIDAK BEKERJA")
}

/// The coded fields Gotong keeps of a person (none from Gotong's own CSV).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Demographics {
    pub religion: Option<Religion>,
    pub education: Option<Education>,
    pub schooling: Option<Schooling>,
    pub occupation: Option<Occupation>,
    pub marital_status: Option<MaritalStatus>,
    pub citizenship: Option<Citizenship>,
    pub blood_type: Option<BloodType>,
    pub disability: Option<Disability>,
    pub pregnant: Option<bool>,
}

impl Demographics {
    /// Each field this one does not say taken from `stored`: a file that is silent about a field
    /// leaves it as it is.
    pub fn or(self, stored: Demographics) -> Demographics {
        Demographics {
            religion: self.religion.or(stored.religion),
            education: self.education.or(stored.education),
            schooling: self.schooling.or(stored.schooling),
            occupation: self.occupation.or(stored.occupation),
            marital_status: self.marital_status.or(stored.marital_status),
            citizenship: self.citizenship.or(stored.citizenship),
            blood_type: self.blood_type.or(stored.blood_type),
            disability: self.disability.or(stored.disability),
            pregnant: self.pregnant.or(stored.pregnant),
        }
    }

    /// The codes as stored: religion, education, schooling, occupation, marital status,
    /// citizenship, blood type, disability (`pregnant` apart: a boolean).
    pub fn codes(&self) -> [Option<i32>; 8] {
        fn c<T: Table>(v: Option<Coded<T>>) -> Option<i32> {
            v.map(|v| i32::from(v.code()))
        }
        [
            c(self.religion),
            c(self.education),
            c(self.schooling),
            c(self.occupation),
            c(self.marital_status),
            c(self.citizenship),
            c(self.blood_type),
            c(self.disability),
        ]
    }

    /// Each field by its export column, with its name (or `ya`/`tidak`): what a correction says
    /// changed.
    pub fn named(&self) -> [(&'static str, Option<&'static str>); 9] {
        fn n<T: Table>(v: Option<Coded<T>>) -> Option<&'static str> {
            v.map(Coded::name)
        }
        [
            (Agama::COLUMN, n(self.religion)),
            (PendidikanKk::COLUMN, n(self.education)),
            (PendidikanSedang::COLUMN, n(self.schooling)),
            (Pekerjaan::COLUMN, n(self.occupation)),
            (StatusKawin::COLUMN, n(self.marital_status)),
            (Warganegara::COLUMN, n(self.citizenship)),
            (GolonganDarah::COLUMN, n(self.blood_type)),
            (Cacat::COLUMN, n(self.disability)),
            (
                "hamil",
                self.pregnant.map(|p| if p { "ya" } else { "tidak" }),
            ),
        ]
    }
}

/// `kk_level`: a code 1..=11 or a name (`ORANGTUA` as OpenSID writes it).
pub fn shdk(s: &str) -> Option<Shdk> {
    if let Some(n) = digits(s) {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        return Shdk::ALL.get(i).copied();
    }
    Shdk::parse(s).or_else(|| (fold(s) == "orangtua").then_some(Shdk::OrangTua))
}

/// `sex`: 1 or 2, `L`/`LK`/`LAKI-LAKI`, `P`/`PR`/`PEREMPUAN`.
pub fn sex(s: &str) -> Option<Sex> {
    match fold(s).as_str() {
        "1" | "l" | "lk" | "laki-laki" | "laki laki" => Some(Sex::L),
        "2" | "p" | "pr" | "perempuan" => Some(Sex::P),
        _ => None,
    }
}

/// `hamil`: 0 or 1 (OpenSID), or words.
pub fn pregnant(s: &str) -> Option<bool> {
    match fold(s).as_str() {
        "1" | "hamil" | "ya" => Some(true),
        "0" | "tidak hamil" | "tidak" => Some(false),
        _ => None,
    }
}

/// `status_dasar`: is the person alive and here, according to the file?
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LifeStatus {
    Hidup,
    Mati,
    Pindah,
    Hilang,
    Pergi,
    TidakValid,
}

impl LifeStatus {
    pub fn parse(s: &str) -> Option<LifeStatus> {
        Some(match fold(s).as_str() {
            "1" | "hidup" => LifeStatus::Hidup,
            "2" | "mati" | "meninggal" => LifeStatus::Mati,
            "3" | "pindah" | "pindah dalam negeri" | "pindah luar negeri" => LifeStatus::Pindah,
            "4" | "hilang" => LifeStatus::Hilang,
            "6" | "pergi" => LifeStatus::Pergi,
            "9" | "tidak valid" => LifeStatus::TidakValid,
            _ => return None,
        })
    }

    /// Alive and here: a person the registry counts.
    pub fn is_present(self) -> bool {
        self == LifeStatus::Hidup
    }

    /// How the file ends a registered person's membership, if it does (HILANG, PERGI and TIDAK
    /// VALID are left to an officer).
    pub fn ending(self) -> Option<super::change::Ending> {
        match self {
            LifeStatus::Mati => Some(super::change::Ending::Death),
            LifeStatus::Pindah => Some(super::change::Ending::MoveOut),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LifeStatus::Hidup => "HIDUP",
            LifeStatus::Mati => "MATI",
            LifeStatus::Pindah => "PINDAH",
            LifeStatus::Hilang => "HILANG",
            LifeStatus::Pergi => "PERGI",
            LifeStatus::TidakValid => "TIDAK VALID",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_opensids() {
        assert_eq!(Religion::parse("1").map(Coded::name), Some("ISLAM"));
        assert_eq!(Religion::parse("Katolik").map(Coded::code), Some(3));
        assert_eq!(Religion::parse("8"), None);
        assert_eq!(Religion::parse("0"), None);
        assert_eq!(Occupation::parse("88").map(Coded::name), Some("WIRASWASTA"));
        assert_eq!(Occupation::parse("89").map(Coded::name), Some("LAINNYA"));
        assert_eq!(Occupation::parse("90"), None);
        assert_eq!(
            Occupation::parse("buruh harian  lepas").map(Coded::code),
            Some(19)
        );
        assert_eq!(
            Education::parse("Tidak / Blm Sekolah").map(Coded::code),
            Some(1)
        );
        assert_eq!(Education::parse("'05").map(Coded::code), Some(5));
        assert_eq!(
            MaritalStatus::parse("CM").map(Coded::name),
            Some("CERAI MATI")
        );
        assert_eq!(BloodType::parse("13").map(Coded::name), Some("TIDAK TAHU"));
        assert_eq!(Disability::parse("7").map(Coded::name), Some("TIDAK CACAT"));
        assert_eq!(no_disability().code(), 7);
        assert_eq!(no_work().code(), 1);
        assert_eq!(
            Schooling::parse("18").map(Coded::name),
            Some("TIDAK SEDANG SEKOLAH")
        );
        assert!(Religion::unknown("99").contains("agama_id \"99\""));
    }

    #[test]
    fn kk_level_follows_shdk_order() {
        assert_eq!(shdk("1"), Some(Shdk::KepalaKeluarga));
        assert_eq!(shdk("3"), Some(Shdk::Istri));
        assert_eq!(shdk("7"), Some(Shdk::OrangTua));
        assert_eq!(shdk("ORANGTUA"), Some(Shdk::OrangTua));
        assert_eq!(shdk("11"), Some(Shdk::Lainnya));
        assert_eq!(shdk("12"), None);
        assert_eq!(shdk("0"), None);
        assert_eq!(sex("1"), Some(Sex::L));
        assert_eq!(sex("Perempuan"), Some(Sex::P));
        assert_eq!(sex("3"), None);
        assert_eq!(pregnant("0"), Some(false));
        assert_eq!(
            LifeStatus::parse("PINDAH DALAM NEGERI"),
            Some(LifeStatus::Pindah)
        );
        assert_eq!(LifeStatus::parse("2"), Some(LifeStatus::Mati));
        assert_eq!(LifeStatus::parse("5"), None);
    }
}
