//! Reading a registry file (DESIGN §5: Gotong's CSV, or a SIAK / OpenSID export as CSV or XLSX)
//! into raw rows with their line numbers, one at a time. Nothing here judges a value: a row is either its
//! cells, as text, or the reason it cannot be read at all (bytes that are not UTF-8, the wrong
//! number of columns). Which cell is which field is the header's [`Layout`].

use super::columns::{Field, Format, Layout};
use super::report::Issue;
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
    /// Line of the file where the row starts (the header is line 1; in a spreadsheet, its row).
    pub line: u64,
    /// The row's `no_kk` as written (trimmed), when it can be read: the household it belongs to.
    pub kk_key: Option<String>,
    /// The cells, trimmed, in the file's order (read through [`Layout`]), or why the row cannot
    /// be read.
    pub fields: Result<Vec<String>, String>,
}

/// A file opened: which column is which, the columns it has that are not read, and its data
/// rows, which [`Sheet::rows`] reads as often as needed without holding them: a CSV is read
/// from its bytes at each pass (a city-sized file is 80 MB as bytes, 1.2 GB as parsed rows).
#[derive(Clone, Debug)]
pub struct Sheet<'a> {
    pub layout: Layout,
    /// Line 1's warnings: columns not read.
    pub warnings: Vec<Issue>,
    source: Source<'a>,
}

#[derive(Clone, Debug)]
enum Source<'a> {
    /// The CSV's bytes after the header's byte-order mark, if any.
    Csv(&'a [u8]),
    /// A spreadsheet's data rows with their row numbers (the workbook is read whole: a sheet has
    /// at most 1,048,576 rows).
    Xlsx(Vec<(u64, Vec<String>)>),
}

/// Opens the file (CSV, or an XLSX workbook): checks the header. Fails only when the file as a
/// whole is not a registry (unreadable, no header, a wrong header); a bad row is read as such.
pub fn open(input: &[u8]) -> Result<Sheet<'_>, RegistryError> {
    if super::xlsx::is_xlsx(input) {
        let mut rows = super::xlsx::read_cells(input)?;
        if rows.is_empty() {
            return Err(RegistryError::Header(
                "lembar kerja kosong: baris judul (header) tidak ada".into(),
            ));
        }
        let (_, header) = rows.remove(0);
        let (layout, warnings) = Layout::from_header(&header)?;
        return Ok(Sheet {
            layout,
            warnings,
            source: Source::Xlsx(rows),
        });
    }
    // A UTF-8 byte-order mark, as spreadsheet programs write.
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut reader = csv_reader(input);
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
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let (layout, warnings) = Layout::from_header(&header)?;
    Ok(Sheet {
        layout,
        warnings,
        source: Source::Csv(input),
    })
}

/// [`open`], and every data row read at once: for tests and small files.
pub fn read_rows(input: &[u8]) -> Result<(Layout, Vec<RawRow>), RegistryError> {
    let sheet = open(input)?;
    let rows = sheet.rows().collect();
    Ok((sheet.layout, rows))
}

fn csv_reader(input: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

impl Sheet<'_> {
    /// A pass over the data rows, in file order.
    pub fn rows(&self) -> Rows<'_> {
        match &self.source {
            Source::Csv(input) => {
                let mut reader = csv_reader(input);
                let mut record = csv::ByteRecord::new();
                // The header, read (and checked) by `open`.
                let _ = reader.read_byte_record(&mut record);
                Rows::Csv(CsvRows {
                    layout: &self.layout,
                    input,
                    reader,
                    record,
                    lines: LineCounter::default(),
                    failed: false,
                })
            }
            Source::Xlsx(rows) => Rows::Xlsx {
                layout: &self.layout,
                rows: rows.iter(),
            },
        }
    }
}

/// The data rows of a [`Sheet`], one pass.
pub enum Rows<'s> {
    Csv(CsvRows<'s>),
    Xlsx {
        layout: &'s Layout,
        rows: std::slice::Iter<'s, (u64, Vec<String>)>,
    },
}

impl Iterator for Rows<'_> {
    type Item = RawRow;

    fn next(&mut self) -> Option<RawRow> {
        match self {
            Rows::Csv(csv) => csv.next(),
            Rows::Xlsx { layout, rows } => {
                let (line, cells) = rows.next()?;
                let mut cells = cells.clone();
                // A spreadsheet leaves trailing empty cells out.
                if cells.len() < layout.width() {
                    cells.resize(layout.width(), String::new());
                }
                let kk = Some(layout.get(&cells, Field::NoKk).to_string());
                Some(row_of(layout, *line, kk, Ok(cells)))
            }
        }
    }
}

/// A CSV's data rows, read one record at a time.
pub struct CsvRows<'s> {
    layout: &'s Layout,
    input: &'s [u8],
    reader: csv::Reader<&'s [u8]>,
    record: csv::ByteRecord,
    lines: LineCounter,
    /// The reader failed: nothing more is read.
    failed: bool,
}

impl Iterator for CsvRows<'_> {
    type Item = RawRow;

    fn next(&mut self) -> Option<RawRow> {
        if self.failed {
            return None;
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let start = self.record.position().map(|p| p.byte()).unwrap_or(0);
                let line = self.lines.line_of(self.input, start);
                let layout = self.layout;
                let kk = layout
                    .index(Field::NoKk)
                    .and_then(|i| self.record.get(i))
                    .and_then(|f| std::str::from_utf8(f).ok())
                    .map(str::to_string);
                Some(row_of(layout, line, kk, cells_of(layout, &self.record)))
            }
            Err(e) => {
                // The csv reader does not fail on content it can split; stop rather than loop.
                self.failed = true;
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Some(RawRow {
                    line,
                    kk_key: None,
                    fields: Err(format!("baris tidak terbaca sebagai CSV: {e}")),
                })
            }
        }
    }
}

/// Line numbers from byte offsets, counted as the rows come (they come in order). The csv
/// reader's own line count puts a row that follows blank lines on the first blank line, so the
/// row's start is found here: past any line breaks.
#[derive(Default)]
struct LineCounter {
    /// Bytes before this offset are counted…
    counted_to: usize,
    /// …and hold this many line breaks.
    breaks: u64,
}

impl LineCounter {
    /// The 1-based line of the first byte at or after `byte` that is not a line break; `byte`
    /// never goes back from one call to the next.
    fn line_of(&mut self, input: &[u8], byte: u64) -> u64 {
        let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(input.len());
        while at < input.len() && matches!(input[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > self.counted_to {
            self.breaks += input[self.counted_to..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.counted_to = at;
        }
        self.breaks + 1
    }
}

/// A CSV record's cells as text, or which column is not UTF-8.
fn cells_of(layout: &Layout, record: &csv::ByteRecord) -> Result<Vec<String>, String> {
    let mut cells = Vec::with_capacity(record.len());
    for (i, raw) in record.iter().enumerate() {
        match std::str::from_utf8(raw) {
            Ok(s) => cells.push(s.trim().to_string()),
            Err(_) => {
                return Err(format!(
                    "kolom {} berisi huruf yang bukan UTF-8 (simpan file sebagai CSV UTF-8)",
                    layout.column_name(i)
                ))
            }
        }
    }
    Ok(cells)
}

fn row_of(
    layout: &Layout,
    line: u64,
    kk: Option<String>,
    cells: Result<Vec<String>, String>,
) -> RawRow {
    let width = layout.width();
    let kk_key = kk
        .map(|k| clean_number(layout.format, &k))
        .filter(|k| !k.is_empty());
    let fields = cells.and_then(|c| {
        if c.len() == width {
            Ok(c)
        } else {
            Err(format!("jumlah kolom {} padahal harus {width}", c.len()))
        }
    });
    RawRow {
        line,
        kk_key,
        fields,
    }
}

/// A KK number or NIK as the file writes it: in an export, the leading `'` of a spreadsheet's
/// text cell and the spaces and invisible characters Dukcapil data sometimes carries are not
/// part of it (OpenSID drops them too); Gotong's own CSV is taken as written.
pub fn clean_number(format: Format, s: &str) -> String {
    match format {
        Format::Gotong => s.trim().to_string(),
        Format::OpenSid => s
            .trim()
            .trim_start_matches('\'')
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control() && !is_invisible(*c))
            .collect(),
    }
}

/// Zero-width and format characters (U+200B…U+200F, U+2060, U+FEFF).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp\n";

    #[test]
    fn rows_carry_their_line_numbers() {
        let input = format!("{HEADER}1,2,3,4,5,6,7,8,9,10\n\n\"a\nb\",2,3,4,5,6,7,8,9,\n1,2\n");
        let (_, rows) = read_rows(input.as_bytes()).expect("valid header");
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
            .1
            .iter()
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, vec![3, 4]);
    }

    #[test]
    fn non_utf8_is_a_bad_row_not_a_crash() {
        let mut input = HEADER.as_bytes().to_vec();
        input.extend_from_slice(b"123,456,Bud\xE9,4,5,6,7,8,9,\n");
        let (_, rows) = read_rows(&input).expect("valid header");
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
        assert_eq!(read_rows(&with_bom).expect("bom").1, vec![]);
        let exported = format!(
            "{},verified_at\n1,2,3,4,5,6,7,8,9,,2026-01-02\n",
            HEADER.trim_end()
        );
        let (layout, rows) = read_rows(exported.as_bytes()).expect("export header");
        assert_eq!(layout.format, super::super::columns::Format::Gotong);
        assert_eq!(rows[0].fields.as_ref().map(Vec::len), Ok(11));
    }
}
