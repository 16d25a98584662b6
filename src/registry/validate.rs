//! The rules of one registry row (DESIGN §5): each field checked and normalised, or the first
//! problem as a reason a kelurahan clerk understands (in Indonesian, the users' language). A
//! SIAK / OpenSID export's codes (`sex` 1/2, `kk_level` 1–11, dates day first) are read by their
//! own rules ([`super::reference`]) and end in the same typed row.
//! Rules across rows (one head per KK, same RT/RW, unique NIK) are in `households.rs`.

use super::codes::{Residence, Shdk};
use super::columns::{Field, Format, Layout};
use super::csv_row::clean_number;
use super::reference::{self, Coded, Demographics, KtpEl, LifeStatus, StatusRekam, Table};
use crate::parse::{normalize_phone, parse_nik, Nik, NikError, Sex};
use crate::store::PersonRecord;
use chrono::NaiveDate;

/// A row whose every field is valid, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    pub line: u64,
    pub no_kk: String,
    pub nik: Nik,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub shdk: Shdk,
    /// `001`
    pub rt: String,
    /// `03`
    pub rw: String,
    pub residence: Residence,
    /// The file says the residence (an OpenSID export may leave `status_tinggal` out: a new person
    /// is then `TETAP`, a registered one keeps what is stored).
    pub residence_given: bool,
    /// E.164
    pub phone: Option<String>,
    /// The NIK's date or sex part disagrees with `tanggal_lahir` / `jenis_kelamin` (a legacy
    /// record: imported, with a warning).
    pub nik_mismatch: bool,
    /// The coded fields of a SIAK / OpenSID export (none in Gotong's CSV).
    pub demographics: Demographics,
    /// `status_dasar`: alive and here (`HIDUP`, also when the file has no such column), dead,
    /// moved away…
    pub life: LifeStatus,
}

impl ValidRow {
    pub fn to_record(&self) -> PersonRecord {
        PersonRecord {
            nik: self.nik.as_str().to_string(),
            no_kk: self.no_kk.clone(),
            name: self.name.clone(),
            birth_date: self.birth_date,
            sex: self.sex,
            shdk: self.shdk,
            residence: self.residence,
            phone: self.phone.clone(),
            nik_mismatch: self.nik_mismatch,
            line: i64::try_from(self.line).ok(),
            demographics: self.demographics,
        }
    }
}

/// Checks the cells of one row (in the file's order, read through `layout`); `today` bounds the
/// birth date. Returns the first problem found.
pub fn validate_row(
    line: u64,
    layout: &Layout,
    cells: &[String],
    today: NaiveDate,
) -> Result<ValidRow, String> {
    let get = |f: Field| layout.get(cells, f);
    let name_of = |f: Field| layout.name(f).to_string();
    let opensid = layout.format == Format::OpenSid;
    let no_kk = parse_no_kk(&clean_number(layout.format, get(Field::NoKk)))?;
    let nik = parse_nik(&clean_number(layout.format, get(Field::Nik))).map_err(nik_reason)?;
    let name = get(Field::Nama);
    if name.is_empty() {
        return Err("nama kosong".into());
    }
    let birth = get(Field::TanggalLahir);
    let birth_date = if opensid {
        parse_export_date(&name_of(Field::TanggalLahir), birth, today)?
    } else {
        parse_birth_date(birth, today)?
    };
    let sex = get(Field::Sex);
    let sex = if opensid {
        reference::sex(sex)
    } else {
        Sex::parse(sex)
    }
    .ok_or_else(|| {
        if opensid {
            format!(
                "kode sex \"{}\" tidak dikenal; harus 1 (L) atau 2 (P)",
                shorten(sex)
            )
        } else {
            format!(
                "jenis_kelamin harus L atau P, tertulis \"{}\"",
                shorten(sex)
            )
        }
    })?;
    let shdk = get(Field::Shdk);
    let shdk = if opensid {
        reference::shdk(shdk)
    } else {
        Shdk::parse(shdk)
    }
    .ok_or_else(|| {
        if opensid {
            format!(
                "kode {} \"{}\" tidak dikenal; harus 1 (KEPALA KELUARGA) sampai 11 (LAINNYA)",
                name_of(Field::Shdk),
                shorten(shdk)
            )
        } else {
            format!(
                "shdk \"{}\" tidak dikenal; harus salah satu dari: {}",
                shorten(shdk),
                Shdk::ALL.map(Shdk::as_str).join(", ")
            )
        }
    })?;
    let rt = parse_area("rt", get(Field::Rt), 3)?;
    let rw = parse_area("rw", get(Field::Rw), 2)?;
    let residence = get(Field::StatusTinggal);
    let residence_given = !(opensid && residence.is_empty());
    let residence = if !residence_given {
        // OpenSID counts an imported resident as permanent.
        Residence::Tetap
    } else {
        Residence::parse(residence).ok_or_else(|| {
            format!(
                "status_tinggal harus TETAP atau NON_PERMANEN, tertulis \"{}\"",
                shorten(residence)
            )
        })?
    };
    let phone = get(Field::NoHp);
    let phone = if phone.is_empty() || (opensid && phone == "-") {
        None
    } else {
        Some(normalize_phone(phone).ok_or_else(|| {
            format!(
                "{} bukan nomor HP yang benar (contoh 081234567890 atau +6281234567890)",
                name_of(Field::NoHp)
            )
        })?)
    };
    let demographics = demographics(&get)?;
    let life = match get(Field::StatusDasar) {
        "" | "-" => LifeStatus::Hidup,
        s => LifeStatus::parse(s).ok_or_else(|| {
            format!(
                "kode status_dasar \"{}\" tidak dikenal; harus 1 HIDUP, 2 MATI, 3 PINDAH, 4 HILANG, 6 PERGI atau 9 TIDAK VALID",
                shorten(s)
            )
        })?,
    };
    let nik_mismatch = !nik.agrees_with(birth_date, sex);
    Ok(ValidRow {
        line,
        no_kk,
        nik,
        name: name.to_string(),
        birth_date,
        sex,
        shdk,
        rt,
        rw,
        residence,
        residence_given,
        phone,
        nik_mismatch,
        demographics,
        life,
    })
}

/// The coded fields: empty (or OpenSID's `-`) is "not said"; an unknown code is the row's
/// problem. `ktp_el` and `status_rekam` are checked, not kept.
fn demographics<'a>(get: &dyn Fn(Field) -> &'a str) -> Result<Demographics, String> {
    fn coded<T: Table>(s: &str) -> Result<Option<Coded<T>>, String> {
        match s {
            "" | "-" => Ok(None),
            s => Coded::parse(s)
                .map(Some)
                .ok_or_else(|| Coded::<T>::unknown(s)),
        }
    }
    coded::<KtpEl>(get(Field::KtpEl))?;
    coded::<StatusRekam>(get(Field::StatusRekam))?;
    let pregnant = match get(Field::Hamil) {
        "" | "-" => None,
        s => Some(reference::pregnant(s).ok_or_else(|| {
            format!(
                "kode hamil \"{}\" tidak dikenal; harus 0 (tidak) atau 1 (hamil)",
                shorten(s)
            )
        })?),
    };
    Ok(Demographics {
        religion: coded(get(Field::Agama))?,
        education: coded(get(Field::PendidikanKk))?,
        schooling: coded(get(Field::PendidikanSedang))?,
        occupation: coded(get(Field::Pekerjaan))?,
        marital_status: coded(get(Field::StatusKawin))?,
        citizenship: coded(get(Field::Warganegara))?,
        blood_type: coded(get(Field::GolonganDarah))?,
        disability: coded(get(Field::Cacat))?,
        pregnant,
    })
}

/// A date as SIAK / OpenSID exports write it: `YYYY-MM-DD`, `DD-MM-YYYY` or `DD/MM/YYYY` (day
/// first, as OpenSID reads it), a spreadsheet's leading `'` aside; not after `today`.
pub fn parse_export_date(column: &str, s: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let t = s.trim().trim_start_matches('\'').replace('/', "-");
    let date = NaiveDate::parse_from_str(&t, "%Y-%m-%d")
        .ok()
        .filter(|_| t.len() == 10 && t.as_bytes()[4] == b'-')
        .or_else(|| {
            NaiveDate::parse_from_str(&t, "%d-%m-%Y")
                .ok()
                .filter(|_| t.len() == 10 && t.as_bytes()[2] == b'-')
        })
        .ok_or_else(|| {
            format!(
                "{column} \"{}\" bukan tanggal yang benar (format HH-BB-TTTT atau TTTT-BB-HH, contoh 31-07-1985)",
                shorten(s)
            )
        })?;
    if date > today {
        return Err(format!("{column} {t} ada di masa depan"));
    }
    Ok(date)
}

/// A value echoed in a reason, cut short so a stray long cell cannot flood the report.
pub(super) fn shorten(s: &str) -> String {
    if s.chars().count() <= 30 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(30).collect::<String>())
    }
}

fn parse_no_kk(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("no_kk kosong".into());
    }
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "no_kk harus berisi angka saja (kolom di spreadsheet harus berformat teks)".into(),
        );
    }
    if s.len() != 16 {
        return Err(format!("no_kk harus 16 angka, tertulis {} angka", s.len()));
    }
    Ok(s.to_string())
}

/// The NIK's problem in the clerk's words. The NIK itself is never echoed.
pub(crate) fn nik_reason(e: NikError) -> String {
    match e {
        NikError::Empty => "nik kosong".into(),
        NikError::NotDigits => "nik harus berisi angka saja".into(),
        NikError::WrongLength(n) => format!("nik harus 16 angka, tertulis {n} angka"),
        NikError::ImpossibleDay(d) => format!(
            "nik tidak mungkin: tanggal lahir di NIK (angka ke-7 dan ke-8) {d:02}, \
             harus 01–31 (laki-laki) atau 41–71 (perempuan)"
        ),
        NikError::ImpossibleMonth(m) => format!(
            "nik tidak mungkin: bulan lahir di NIK (angka ke-9 dan ke-10) {m:02}, harus 01–12"
        ),
    }
}

/// `YYYY-MM-DD`, a real calendar day, not after `today`.
pub fn parse_birth_date(s: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let bad = || {
        format!(
            "tanggal_lahir \"{}\" bukan tanggal yang benar (format TTTT-BB-HH, contoh 1985-07-31)",
            shorten(s)
        )
    };
    if !shaped {
        return Err(bad());
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
    if date > today {
        return Err(format!("tanggal_lahir {s} ada di masa depan"));
    }
    Ok(date)
}

/// RT / RW: 1–3 digits, not zero, written with `width` digits (`1` → `001` for RT, `03` for RW).
fn parse_area(column: &str, s: &str, width: usize) -> Result<String, String> {
    let bad = || {
        format!(
            "{column} harus angka 1 sampai {} digit, tertulis \"{}\"",
            width,
            shorten(s)
        )
    };
    if s.is_empty() || s.len() > 3 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u32 = s.parse().map_err(|_| bad())?;
    if n == 0 || n.to_string().len() > width {
        return Err(bad());
    }
    Ok(format!("{n:0width$}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
    }

    fn fields(row: &str) -> Vec<String> {
        row.split(',').map(|s| s.trim().to_string()).collect()
    }

    fn gotong() -> Layout {
        Layout::from_header(&fields(&super::super::csv_row::COLUMNS.join(",")))
            .expect("gotong header")
            .0
    }

    const OPENSID_HEADER: &str = "alamat,dusun,rw,rt,nama,no_kk,nik,sex,tempatlahir,tanggallahir,\
        agama_id,pendidikan_kk_id,pendidikan_sedang_id,pekerjaan_id,status_kawin,kk_level,\
        warganegara_id,golongan_darah_id,cacat_id,hamil,ktp_el,status_rekam,status_dasar";
    const OPENSID_ROW: &str =
        "Jl Mawar 3,-,003,001,Budi Santoso,'3174050101200001,3174050512890001,\
        1,Kediri,05/12/1989,1,5,18,88,2,1,1,13,7,0,2,3,1";

    #[test]
    fn an_opensid_row_is_read_by_its_codes() {
        let layout = Layout::from_header(&fields(OPENSID_HEADER))
            .expect("header")
            .0;
        let row = validate_row(2, &layout, &fields(OPENSID_ROW), today()).expect("valid");
        assert_eq!((row.rt.as_str(), row.rw.as_str()), ("001", "03"));
        assert_eq!(row.no_kk, "3174050101200001");
        assert_eq!(
            row.birth_date,
            NaiveDate::from_ymd_opt(1989, 12, 5).expect("date")
        );
        assert_eq!((row.sex, row.shdk), (Sex::L, Shdk::KepalaKeluarga));
        assert_eq!(row.residence, Residence::Tetap);
        assert!(!row.nik_mismatch);
        let d = row.demographics;
        assert_eq!(d.religion.map(Coded::name), Some("ISLAM"));
        assert_eq!(d.education.map(Coded::name), Some("SLTA/SEDERAJAT"));
        assert_eq!(d.occupation.map(Coded::name), Some("WIRASWASTA"));
        assert_eq!(d.marital_status.map(Coded::name), Some("KAWIN"));
        assert_eq!(d.blood_type.map(Coded::name), Some("TIDAK TAHU"));
        assert_eq!(d.disability.map(Coded::name), Some("TIDAK CACAT"));
        assert_eq!(d.pregnant, Some(false));
        assert_eq!(row.life, LifeStatus::Hidup);
        let cases = [
            (",1,Kediri,", ",3,Kediri,", "kode sex \"3\" tidak dikenal"),
            (
                ",2,1,1,13,",
                ",2,12,1,13,",
                "kode kk_level \"12\" tidak dikenal",
            ),
            (",88,2,", ",90,2,", "kode pekerjaan_id \"90\" tidak dikenal"),
            ("1989,1,5,", "1989,9,5,", "kode agama_id \"9\""),
            (
                "05/12/1989",
                "1989-12-32",
                "tanggallahir \"1989-12-32\" bukan tanggal",
            ),
            (",2,3,1", ",2,3,5", "kode status_dasar \"5\""),
            (",0,2,3,", ",3,2,3,", "kode hamil \"3\""),
        ];
        for (from, to, want) in cases {
            let row = OPENSID_ROW.replacen(from, to, 1);
            assert_ne!(row, OPENSID_ROW, "{from}");
            let got = validate_row(7, &layout, &fields(&row), today()).expect_err(&row);
            assert!(got.contains(want), "{row}: {got}");
        }
        let moved = OPENSID_ROW.replacen(",2,3,1", ",2,3,3", 1);
        let row = validate_row(2, &layout, &fields(&moved), today()).expect("valid");
        assert_eq!(row.life, LifeStatus::Pindah);
        let iso = OPENSID_ROW.replacen("05/12/1989", "1989-12-05", 1);
        assert!(validate_row(2, &layout, &fields(&iso), today()).is_ok());
    }

    const GOOD: &str =
        "3174050101200001,3174050512890001,Budi Santoso,1989-12-05,L,KEPALA KELUARGA,1,3,TETAP,0812-3456-7890";

    #[test]
    fn a_good_row_is_normalised() {
        let row = validate_row(2, &gotong(), &fields(GOOD), today()).expect("valid");
        assert_eq!(row.rt, "001");
        assert_eq!(row.rw, "03");
        assert_eq!(row.phone.as_deref(), Some("+6281234567890"));
        assert_eq!(row.shdk, Shdk::KepalaKeluarga);
        assert!(!row.nik_mismatch);
    }

    #[test]
    fn a_disagreeing_nik_is_kept_but_flagged() {
        let row = GOOD.replace("1989-12-05", "1989-12-06");
        assert!(
            validate_row(2, &gotong(), &fields(&row), today())
                .expect("valid")
                .nik_mismatch
        );
        let row = GOOD.replace(",L,", ",P,");
        assert!(
            validate_row(2, &gotong(), &fields(&row), today())
                .expect("valid")
                .nik_mismatch
        );
    }

    #[test]
    fn each_field_has_its_reason() {
        let cases = [
            (
                "3174050101200001,",
                "317405010120001,",
                "no_kk harus 16 angka",
            ),
            (
                "3174050512890001",
                "317405051289001",
                "nik harus 16 angka, tertulis 15",
            ),
            (
                "3174050512890001",
                "3174050012890001",
                "tanggal lahir di NIK",
            ),
            (
                "3174050512890001",
                "3174053512890001",
                "tanggal lahir di NIK",
            ),
            (
                "3174050512890001",
                "3174057212890001",
                "tanggal lahir di NIK",
            ),
            ("3174050512890001", "3174050500890001", "bulan lahir di NIK"),
            ("3174050512890001", "3174050513890001", "bulan lahir di NIK"),
            ("Budi Santoso", "", "nama kosong"),
            ("1989-12-05", "05-12-1989", "bukan tanggal yang benar"),
            ("1989-12-05", "1989-02-30", "bukan tanggal yang benar"),
            ("1989-12-05", "2089-12-05", "masa depan"),
            (",L,", ",X,", "jenis_kelamin harus L atau P"),
            ("KEPALA KELUARGA", "BOS", "shdk \"BOS\" tidak dikenal"),
            (",1,3,", ",1234,3,", "rt harus angka"),
            (",1,3,", ",1,100,", "rw harus angka"),
            (",1,3,", ",0,3,", "rt harus angka"),
            (
                "TETAP",
                "KOST",
                "status_tinggal harus TETAP atau NON_PERMANEN",
            ),
            ("0812-3456-7890", "12345", "no_hp bukan nomor HP"),
        ];
        for (from, to, want) in cases {
            let row = GOOD.replacen(from, to, 1);
            let got = validate_row(7, &gotong(), &fields(&row), today()).expect_err(&row);
            assert!(got.contains(want), "{row}: {got}");
            assert!(!got.contains("3174050512890001"), "full NIK echoed: {got}");
        }
    }

    #[test]
    fn lenient_spellings() {
        assert_eq!(Shdk::parse("kepala  keluarga"), Some(Shdk::KepalaKeluarga));
        assert_eq!(Shdk::parse("ORANG_TUA"), Some(Shdk::OrangTua));
        assert_eq!(
            Residence::parse("non permanen"),
            Some(Residence::NonPermanen)
        );
        assert_eq!(parse_area("rw", "003", 2), Ok("03".to_string()));
        assert_eq!(parse_area("rt", "12", 3), Ok("012".to_string()));
    }
}
