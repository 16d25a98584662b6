//! The rules of one registry row (DESIGN §5): each field checked and normalised, or the first
//! problem as a reason a kelurahan clerk understands (in Indonesian, the users' language).
//! Rules across rows (one head per KK, same RT/RW, unique NIK) are in `households.rs`.

use super::codes::{Residence, Shdk};
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
    /// E.164
    pub phone: Option<String>,
    /// The NIK's date or sex part disagrees with `tanggal_lahir` / `jenis_kelamin` (a legacy
    /// record: imported, with a warning).
    pub nik_mismatch: bool,
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
        }
    }
}

/// Checks the 10 fields of one row (in the order of [`super::csv_row::COLUMNS`]); `today` bounds
/// the birth date. Returns the first problem found.
pub fn validate_row(line: u64, fields: &[String], today: NaiveDate) -> Result<ValidRow, String> {
    let [no_kk, nik, name, birth, sex, shdk, rt, rw, residence, phone] = fields else {
        return Err(format!(
            "jumlah kolom {} padahal harus {}",
            fields.len(),
            super::csv_row::COLUMNS.len()
        ));
    };
    let no_kk = parse_no_kk(no_kk)?;
    let nik = parse_nik(nik).map_err(nik_reason)?;
    if name.is_empty() {
        return Err("nama kosong".into());
    }
    let birth_date = parse_birth_date(birth, today)?;
    let sex = Sex::parse(sex).ok_or_else(|| {
        format!(
            "jenis_kelamin harus L atau P, tertulis \"{}\"",
            shorten(sex)
        )
    })?;
    let shdk = Shdk::parse(shdk).ok_or_else(|| {
        format!(
            "shdk \"{}\" tidak dikenal; harus salah satu dari: {}",
            shorten(shdk),
            Shdk::ALL.map(Shdk::as_str).join(", ")
        )
    })?;
    let rt = parse_area("rt", rt, 3)?;
    let rw = parse_area("rw", rw, 2)?;
    let residence = Residence::parse(residence).ok_or_else(|| {
        format!(
            "status_tinggal harus TETAP atau NON_PERMANEN, tertulis \"{}\"",
            shorten(residence)
        )
    })?;
    let phone = if phone.is_empty() {
        None
    } else {
        Some(normalize_phone(phone).ok_or_else(|| {
            "no_hp bukan nomor HP yang benar (contoh 081234567890 atau +6281234567890)".to_string()
        })?)
    };
    let nik_mismatch = !nik.agrees_with(birth_date, sex);
    Ok(ValidRow {
        line,
        no_kk,
        nik,
        name: name.clone(),
        birth_date,
        sex,
        shdk,
        rt,
        rw,
        residence,
        phone,
        nik_mismatch,
    })
}

/// A value echoed in a reason, cut short so a stray long cell cannot flood the report.
fn shorten(s: &str) -> String {
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
fn nik_reason(e: NikError) -> String {
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

    const GOOD: &str =
        "3174050101200001,3174050512890001,Budi Santoso,1989-12-05,L,KEPALA KELUARGA,1,3,TETAP,0812-3456-7890";

    #[test]
    fn a_good_row_is_normalised() {
        let row = validate_row(2, &fields(GOOD), today()).expect("valid");
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
            validate_row(2, &fields(&row), today())
                .expect("valid")
                .nik_mismatch
        );
        let row = GOOD.replace(",L,", ",P,");
        assert!(
            validate_row(2, &fields(&row), today())
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
            let got = validate_row(7, &fields(&row), today()).expect_err(&row);
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
