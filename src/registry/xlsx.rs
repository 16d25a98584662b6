//! An XLSX workbook as rows of text cells, the way a registry CSV reads: OpenSID's population
//! export and its import template are `.xlsx` files (its own import reads them with Spout).
//!
//! Read with `calamine`, the maintained pure-Rust spreadsheet reader (no C library, no Excel
//! needed), whose cells come typed: a date cell becomes `YYYY-MM-DD`, a number written as a
//! number (a NIK a clerk typed without the `'`) becomes its digits.
//!
//! The first sheet is read, except OpenSID's code sheet `Kode Data`; a row whose `dusun` is
//! `###` ends the data (OpenSID's template marks its last row so); empty rows are skipped.

use super::RegistryError;
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// An XLSX file is a ZIP archive.
pub fn is_xlsx(input: &[u8]) -> bool {
    input.starts_with(b"PK\x03\x04")
}

/// The sheet's rows, each with its row number (1-based, as the spreadsheet shows it) and its
/// cells as text. The first row given is the header.
pub fn read_cells(input: &[u8]) -> Result<Vec<(u64, Vec<String>)>, RegistryError> {
    let unreadable =
        |e: calamine::XlsxError| RegistryError::Header(format!("file XLSX tidak terbaca: {e}"));
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(input)).map_err(unreadable)?;
    let Some(name) = book
        .sheet_names()
        .into_iter()
        .find(|n| !n.eq_ignore_ascii_case("Kode Data"))
    else {
        return Err(RegistryError::Header("file XLSX tanpa lembar kerja".into()));
    };
    let range = book.worksheet_range(&name).map_err(unreadable)?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut out = Vec::new();
    let mut dusun = None;
    for (i, row) in range.rows().enumerate() {
        // Cells left of the range are empty: keep columns where the header has them.
        let mut cells = vec![String::new(); first_col as usize];
        cells.extend(row.iter().map(text));
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if out.is_empty() {
            dusun = cells
                .iter()
                .position(|c| c.trim().eq_ignore_ascii_case("dusun"));
        } else if dusun.and_then(|d| cells.get(d)).map(String::as_str) == Some("###") {
            break;
        }
        out.push((u64::from(first_row) + i as u64 + 1, cells));
    }
    Ok(out)
}

/// A cell as the text a CSV would have.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) => t.date().format("%Y-%m-%d").to_string(),
            None => d.to_string(),
        },
    }
}
