//! Reading the registry CSV (DESIGN §5) into raw rows with their line numbers. Nothing here
//! judges a value: a row is either its fields, as text, or the reason it cannot be read at all
//! (bytes that are not UTF-8, the wrong number of columns).

use super::RegistryError;

/// The columns of the import format, in order.
pub const COLUMNS: [&str; 10] = [
    "no_kk",
    "nik",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "shdk",
    "rt",
    "rw",
    "status_tinggal",
    "no_hp",
];

/// The extra last column of the export format; accepted (and ignored) by the import, so an
/// exported file can be imported again.
pub const VERIFIED_AT: &str = "verified_at";

/// One data row of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    /// Line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// The row's `no_kk` as written (trimmed), when it can be read: the household it belongs to.
    pub kk_key: Option<String>,
    /// The fields (trimmed; the 10 columns of the import format), or why the row cannot be read.
    pub fields: Result<Vec<String>, String>,
}

/// Reads the file: checks the header, then returns every data row. Fails only when the file as a
/// whole is not a registry CSV (no header, a wrong header); a bad row is returned as such.
pub fn read_rows(input: &[u8]) -> Result<Vec<RawRow>, RegistryError> {
    // A UTF-8 byte-order mark, as spreadsheet programs write.
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();

    let header_ok = reader
        .read_byte_record(&mut record)
        .map_err(|e| RegistryError::Header(format!("baris judul tidak terbaca: {e}")))?;
    if !header_ok {
        return Err(RegistryError::Header(
            "file kosong: baris judul (header) tidak ada".into(),
        ));
    }
    let header: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_lowercase())
        .collect();
    let with_verified_at =
        header.len() == COLUMNS.len() + 1 && header.last().map(String::as_str) == Some(VERIFIED_AT);
    let names = if with_verified_at {
        &header[..COLUMNS.len()]
    } else {
        &header[..]
    };
    if names != COLUMNS {
        return Err(RegistryError::Header(format!(
            "baris judul harus `{}`, tertulis `{}`",
            COLUMNS.join(","),
            header.join(",")
        )));
    }
    let width = header.len();

    let lines = LineIndex::new(input);
    let mut rows = Vec::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let start = record.position().map(|p| p.byte()).unwrap_or(0);
                rows.push(raw_row(&record, lines.line_of(start), width));
            }
            Err(e) => {
                // The csv reader does not fail on content it can split; stop rather than loop.
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                rows.push(RawRow {
                    line,
                    kk_key: None,
                    fields: Err(format!("baris tidak terbaca sebagai CSV: {e}")),
                });
                break;
            }
        }
    }
    Ok(rows)
}

/// Line numbers from byte offsets. The csv reader's own line count puts a row that follows blank
/// lines on the first blank line, so the row's start is found here: past any line breaks.
struct LineIndex<'a> {
    input: &'a [u8],
    newlines: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(input: &'a [u8]) -> Self {
        let newlines = input
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i)
            .collect();
        LineIndex { input, newlines }
    }

    /// The 1-based line of the first byte at or after `byte` that is not a line break.
    fn line_of(&self, byte: u64) -> u64 {
        let mut at = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.input.len());
        while at < self.input.len() && matches!(self.input[at], b'\r' | b'\n') {
            at += 1;
        }
        self.newlines.partition_point(|&n| n < at) as u64 + 1
    }
}

fn raw_row(record: &csv::ByteRecord, line: u64, width: usize) -> RawRow {
    let kk_key = record
        .get(0)
        .and_then(|f| std::str::from_utf8(f).ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let mut fields = Vec::with_capacity(width);
    for (i, raw) in record.iter().enumerate() {
        match std::str::from_utf8(raw) {
            Ok(s) => fields.push(s.trim().to_string()),
            Err(_) => {
                let column = COLUMNS.get(i).copied().unwrap_or(VERIFIED_AT);
                return RawRow {
                    line,
                    kk_key,
                    fields: Err(format!(
                        "kolom {column} berisi huruf yang bukan UTF-8 (simpan file sebagai CSV UTF-8)"
                    )),
                };
            }
        }
    }
    if fields.len() != width {
        return RawRow {
            line,
            kk_key,
            fields: Err(format!(
                "jumlah kolom {} padahal harus {width}",
                fields.len()
            )),
        };
    }
    fields.truncate(COLUMNS.len());
    RawRow {
        line,
        kk_key,
        fields: Ok(fields),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp\n";

    #[test]
    fn rows_carry_their_line_numbers() {
        let input = format!("{HEADER}1,2,3,4,5,6,7,8,9,10\n\n\"a\nb\",2,3,4,5,6,7,8,9,\n1,2\n");
        let rows = read_rows(input.as_bytes()).expect("valid header");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].kk_key.as_deref(), Some("a\nb"));
        assert_eq!(rows[2].line, 6);
        assert_eq!(
            rows[2].fields,
            Err("jumlah kolom 2 padahal harus 10".to_string())
        );
        let crlf = format!(
            "{}\r\n\r\n1,2,3,4,5,6,7,8,9,10\r\n1,2,3,4,5,6,7,8,9,10\r\n",
            HEADER.trim_end()
        );
        let lines: Vec<u64> = read_rows(crlf.as_bytes())
            .expect("crlf")
            .iter()
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, vec![3, 4]);
    }

    #[test]
    fn non_utf8_is_a_bad_row_not_a_crash() {
        let mut input = HEADER.as_bytes().to_vec();
        input.extend_from_slice(b"123,456,Bud\xE9,4,5,6,7,8,9,\n");
        let rows = read_rows(&input).expect("valid header");
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].kk_key.as_deref(), Some("123"));
        assert!(rows[0].fields.as_ref().unwrap_err().contains("kolom nama"));
    }

    #[test]
    fn header_is_checked_and_bom_and_verified_at_accepted() {
        assert!(matches!(
            read_rows(b"nik,nama\n"),
            Err(RegistryError::Header(_))
        ));
        assert!(matches!(read_rows(b""), Err(RegistryError::Header(_))));
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(HEADER.as_bytes());
        assert_eq!(read_rows(&with_bom).expect("bom"), vec![]);
        let exported = format!(
            "{},verified_at\n1,2,3,4,5,6,7,8,9,,2026-01-02\n",
            HEADER.trim_end()
        );
        let rows = read_rows(exported.as_bytes()).expect("export header");
        assert_eq!(rows[0].fields.as_ref().map(Vec::len), Ok(10));
    }
}
