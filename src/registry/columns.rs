//! Which column of a file holds which field: Gotong's own 10 columns (DESIGN §5, exactly that
//! header), or a SIAK / OpenSID export recognised by its header names, in any order, with any
//! columns Gotong does not read (listed once as a warning of line 1).
//!
//! OpenSID's import columns (`Import_model`): alamat, dusun, rw, rt, nama, no_kk, nik, sex,
//! tempatlahir, tanggallahir, agama_id, pendidikan_kk_id, pendidikan_sedang_id, pekerjaan_id,
//! status_kawin, kk_level, warganegara_id, nama_ayah, nama_ibu, golongan_darah_id, akta_lahir,
//! dokumen_pasport, tanggal_akhir_paspor, dokumen_kitas, ayah_nik, ibu_nik, akta_perkawinan,
//! tanggalperkawinan, akta_perceraian, tanggalperceraian, cacat_id, cara_kb_id, hamil, ktp_el,
//! status_rekam, alamat_sekarang, status_dasar. Gotong adds two it needs and OpenSID lacks:
//! `status_tinggal` (default `TETAP`: OpenSID counts an imported resident as permanent) and
//! `no_hp` (or `telepon`).

use super::report::Issue;
use super::RegistryError;

/// A field Gotong reads from a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    NoKk,
    Nik,
    Nama,
    TanggalLahir,
    Sex,
    Shdk,
    Rt,
    Rw,
    StatusTinggal,
    NoHp,
    Agama,
    PendidikanKk,
    PendidikanSedang,
    Pekerjaan,
    StatusKawin,
    Warganegara,
    GolonganDarah,
    Cacat,
    Hamil,
    KtpEl,
    StatusRekam,
    StatusDasar,
}

impl Field {
    pub const COUNT: usize = 22;
}

/// The 10 columns of Gotong's format, in order.
const GOTONG: [(&str, Field); 10] = [
    ("no_kk", Field::NoKk),
    ("nik", Field::Nik),
    ("nama", Field::Nama),
    ("tanggal_lahir", Field::TanggalLahir),
    ("jenis_kelamin", Field::Sex),
    ("shdk", Field::Shdk),
    ("rt", Field::Rt),
    ("rw", Field::Rw),
    ("status_tinggal", Field::StatusTinggal),
    ("no_hp", Field::NoHp),
];

/// The header names of an export read by name (OpenSID's, and Gotong's own spellings).
const BY_NAME: [(&str, Field); 26] = [
    ("no_kk", Field::NoKk),
    ("nik", Field::Nik),
    ("nama", Field::Nama),
    ("tanggallahir", Field::TanggalLahir),
    ("tanggal_lahir", Field::TanggalLahir),
    ("sex", Field::Sex),
    ("jenis_kelamin", Field::Sex),
    ("kk_level", Field::Shdk),
    ("shdk", Field::Shdk),
    ("rt", Field::Rt),
    ("rw", Field::Rw),
    ("status_tinggal", Field::StatusTinggal),
    ("no_hp", Field::NoHp),
    ("telepon", Field::NoHp),
    ("agama_id", Field::Agama),
    ("pendidikan_kk_id", Field::PendidikanKk),
    ("pendidikan_sedang_id", Field::PendidikanSedang),
    ("pekerjaan_id", Field::Pekerjaan),
    ("status_kawin", Field::StatusKawin),
    ("warganegara_id", Field::Warganegara),
    ("golongan_darah_id", Field::GolonganDarah),
    ("cacat_id", Field::Cacat),
    ("hamil", Field::Hamil),
    ("ktp_el", Field::KtpEl),
    ("status_rekam", Field::StatusRekam),
    ("status_dasar", Field::StatusDasar),
];

/// OpenSID columns Gotong knows and does not read (no warning).
const IGNORED: [&str; 19] = [
    "alamat",
    "dusun",
    "tempatlahir",
    "nama_ayah",
    "nama_ibu",
    "ayah_nik",
    "ibu_nik",
    "akta_lahir",
    "dokumen_pasport",
    "tanggal_akhir_paspor",
    "dokumen_kitas",
    "akta_perkawinan",
    "tanggalperkawinan",
    "akta_perceraian",
    "tanggalperceraian",
    "cara_kb_id",
    "alamat_sekarang",
    "alamat_sebelumnya",
    "verified_at",
];

/// Fields an export read by name must have.
const REQUIRED: [Field; 8] = [
    Field::NoKk,
    Field::Nik,
    Field::Nama,
    Field::TanggalLahir,
    Field::Sex,
    Field::Shdk,
    Field::Rt,
    Field::Rw,
];

/// Which kind of file this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Gotong's 10 columns (DESIGN §5), with `verified_at` after them in an export.
    Gotong,
    /// A SIAK / OpenSID export, read by header names.
    OpenSid,
}

/// Where each field is in a row of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub format: Format,
    /// Column index of each field, by `Field as usize`.
    index: [Option<usize>; Field::COUNT],
    /// The header as written (lower case, trimmed).
    header: Vec<String>,
}

impl Layout {
    /// Reads the header row. Fails when it is neither Gotong's header nor an export with the
    /// columns Gotong needs; answers the columns not read, as warnings of line 1.
    pub fn from_header(header: &[String]) -> Result<(Layout, Vec<Issue>), RegistryError> {
        let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        let names: Vec<&str> = GOTONG.iter().map(|(n, _)| *n).collect();
        let plain = header.len() == names.len()
            || (header.len() == names.len() + 1
                && header.last().map(String::as_str) == Some(super::csv_row::VERIFIED_AT));
        if plain && header[..names.len()] == names[..] {
            let mut index = [None; Field::COUNT];
            for (i, (_, f)) in GOTONG.iter().enumerate() {
                index[*f as usize] = Some(i);
            }
            let layout = Layout {
                format: Format::Gotong,
                index,
                header,
            };
            return Ok((layout, Vec::new()));
        }
        let mut index = [None; Field::COUNT];
        let mut unknown = Vec::new();
        for (i, name) in header.iter().enumerate() {
            if IGNORED.contains(&name.as_str()) {
                continue;
            }
            match BY_NAME.iter().find(|(n, _)| n == name) {
                Some((_, f)) if index[*f as usize].is_none() => index[*f as usize] = Some(i),
                Some(_) => unknown.push(format!("kolom \"{name}\" ganda, yang kedua diabaikan")),
                None if name.is_empty() => {}
                None => unknown.push(format!("kolom \"{name}\" tidak dikenal, diabaikan")),
            }
        }
        let missing: Vec<&str> = REQUIRED
            .iter()
            .filter(|f| index[**f as usize].is_none())
            .map(|f| opensid_name(*f))
            .collect();
        if !missing.is_empty() {
            return Err(RegistryError::Header(format!(
                "baris judul harus `{}` (format Gotong) atau judul ekspor SIAK/OpenSID; \
                 kolom wajib tidak ada: {}; tertulis `{}`",
                names.join(","),
                missing.join(", "),
                header.join(",")
            )));
        }
        let warnings = unknown
            .into_iter()
            .map(|reason| Issue { line: 1, reason })
            .collect();
        let layout = Layout {
            format: Format::OpenSid,
            index,
            header,
        };
        Ok((layout, warnings))
    }

    /// Columns of a row.
    pub fn width(&self) -> usize {
        self.header.len()
    }

    /// The file's name of column `i` (for a reason).
    pub fn column_name(&self, i: usize) -> &str {
        self.header.get(i).map(String::as_str).unwrap_or("?")
    }

    /// The file's name of `field`'s column (for a reason); OpenSID's name when it has none.
    pub fn name(&self, field: Field) -> &str {
        match self.index[field as usize] {
            Some(i) => self.column_name(i),
            None => opensid_name(field),
        }
    }

    /// The column of `field`, if the file has one.
    pub fn index(&self, field: Field) -> Option<usize> {
        self.index[field as usize]
    }

    /// Whether the file has a column for `field` (a field it has not is left as stored).
    pub fn has(&self, field: Field) -> bool {
        self.index[field as usize].is_some()
    }

    /// `field` of a row of this file (its cells, in file order): `""` when the file has no such
    /// column.
    pub fn get<'a>(&self, cells: &'a [String], field: Field) -> &'a str {
        self.index[field as usize]
            .and_then(|i| cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// OpenSID's column name of `field`.
fn opensid_name(field: Field) -> &'static str {
    BY_NAME
        .iter()
        .find(|(_, f)| *f == field)
        .map(|(n, _)| *n)
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    #[test]
    fn gotongs_header_is_gotongs_format() {
        let (l, w) = Layout::from_header(&header(
            "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp",
        ))
        .expect("gotong");
        assert_eq!((l.format, w), (Format::Gotong, vec![]));
        assert_eq!(l.name(Field::Sex), "jenis_kelamin");
    }

    #[test]
    fn an_opensid_header_is_read_by_name_in_any_order() {
        let (l, w) = Layout::from_header(&header(
            "ALAMAT,dusun,rw,rt,nama,no_kk,nik,sex,tempatlahir,tanggallahir,agama_id,kk_level,warna_favorit",
        ))
        .expect("opensid");
        assert_eq!(l.format, Format::OpenSid);
        let cells = header("Jl,-,3,1,Budi,111,222,1,Kediri,1989-12-05,1,1,biru");
        assert_eq!(l.get(&cells, Field::Nik), "222");
        assert_eq!(l.get(&cells, Field::Shdk), "1");
        assert_eq!(l.get(&cells, Field::NoHp), "");
        assert!(!l.has(Field::StatusTinggal));
        assert_eq!(l.name(Field::Sex), "sex");
        assert_eq!(w.len(), 1);
        assert!(w[0].reason.contains("\"warna_favorit\" tidak dikenal"));
    }

    #[test]
    fn a_header_without_the_needed_columns_is_refused() {
        let Err(RegistryError::Header(why)) = Layout::from_header(&header("nik,nama")) else {
            panic!("accepted");
        };
        assert!(
            why.contains("no_kk, tanggallahir, sex, kk_level, rt, rw"),
            "{why}"
        );
    }
}
