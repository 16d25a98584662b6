//! Rows grouped into households by `no_kk` (rows of one KK may be anywhere in the file) and the
//! rules across rows: exactly one `KEPALA KELUARGA`, one RT/RW per KK, a NIK once in the file.
//! A household with any problem is rejected whole. The file is read in two passes
//! ([`Census`], then [`Grouper`]) so that its rows are never all held at once.

use super::codes::Shdk;
use super::columns::Field;
use super::columns::Layout;
use super::csv_row::{clean_number, RawRow, Sheet};
use super::report::Issue;
use super::validate::{validate_row, ValidRow};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// One household of the file, with its problems (none: it may be imported).
#[derive(Debug, Clone)]
pub struct Candidate {
    /// `no_kk` as written; a row without a readable one is a household of its own.
    pub key: String,
    /// Every line of the household, in file order.
    pub lines: Vec<u64>,
    /// The rows whose fields are valid, in file order.
    pub rows: Vec<ValidRow>,
    /// At most one problem per line.
    pub problems: Vec<Issue>,
}

impl Candidate {
    fn new(key: String) -> Self {
        Candidate {
            key,
            lines: Vec::new(),
            rows: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn is_rejected(&self) -> bool {
        !self.problems.is_empty()
    }

    pub fn first_line(&self) -> u64 {
        self.lines.first().copied().unwrap_or(0)
    }

    /// Records a problem of `line`, unless that line already has one.
    pub fn add_problem(&mut self, line: u64, reason: String) {
        if !self.problems.iter().any(|p| p.line == line) {
            self.problems.push(Issue { line, reason });
        }
    }

    /// What the report says about a rejected household: each problem, and every other line
    /// pointing at the first problem (so the clerk sees which persons were not imported, and why).
    pub fn rejections(&self) -> Vec<Issue> {
        let Some(first) = self.problems.iter().map(|p| p.line).min() else {
            return Vec::new();
        };
        let mut out = self.problems.clone();
        for &line in &self.lines {
            if !self.problems.iter().any(|p| p.line == line) {
                out.push(Issue {
                    line,
                    reason: format!(
                        "tidak diimpor: keluarga (no_kk) yang sama ditolak, lihat baris {first}"
                    ),
                });
            }
        }
        out.sort_by_key(|i| i.line);
        out
    }
}

/// What a first pass over the file learns, so that the second can hand out each household as
/// soon as its last row is read (a file need not be sorted by KK) and reject a NIK written twice,
/// without holding the file's rows: how many rows each KK has, and the NIKs of valid rows written
/// more than once. About 16 bytes per row and 40 per household.
pub struct Census {
    /// Data rows in the file.
    pub rows: u64,
    /// Rows per KK written as 16 digits (as a number: a fraction of a string's memory)…
    numbered: HashMap<u64, u32>,
    /// …and per KK written otherwise.
    named: HashMap<String, u32>,
    /// NIK → the lines of the valid rows that carry it, when more than one does.
    repeated: HashMap<String, Vec<u64>>,
}

/// A KK number or NIK of 16 digits, as a number.
fn sixteen_digits(s: &str) -> Option<u64> {
    if s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl Census {
    /// Reads `sheet` once (twice when NIKs repeat: their rows are validated).
    pub fn take(sheet: &Sheet, today: NaiveDate) -> Census {
        let layout = &sheet.layout;
        let mut census = Census {
            rows: 0,
            numbered: HashMap::new(),
            named: HashMap::new(),
            repeated: HashMap::new(),
        };
        let mut niks: Vec<(u64, u64)> = Vec::new();
        for raw in sheet.rows() {
            census.rows += 1;
            match raw.kk_key.as_deref().and_then(sixteen_digits) {
                Some(kk) => *census.numbered.entry(kk).or_default() += 1,
                None => {
                    if let Some(kk) = raw.kk_key {
                        *census.named.entry(kk).or_default() += 1;
                    }
                }
            }
            if let Ok(fields) = &raw.fields {
                let nik = clean_number(layout.format, layout.get(fields, Field::Nik));
                if let Some(n) = sixteen_digits(&nik) {
                    niks.push((n, raw.line));
                }
            }
        }
        niks.sort_unstable();
        let twice: HashSet<u64> = niks
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| w[0].0)
            .collect();
        drop(niks);
        if twice.is_empty() {
            return census;
        }
        // Only valid rows count (as the household's own checks see them).
        for raw in sheet.rows() {
            let Ok(fields) = &raw.fields else { continue };
            let nik = clean_number(layout.format, layout.get(fields, Field::Nik));
            if !sixteen_digits(&nik).is_some_and(|n| twice.contains(&n)) {
                continue;
            }
            if let Ok(row) = validate_row(raw.line, layout, fields, today) {
                census
                    .repeated
                    .entry(row.nik.as_str().to_string())
                    .or_default()
                    .push(raw.line);
            }
        }
        census.repeated.retain(|_, lines| lines.len() > 1);
        census
    }

    /// How many rows the file has for the KK `key`.
    fn rows_of(&self, key: &str) -> u32 {
        match sixteen_digits(key) {
            Some(kk) => self.numbered.get(&kk).copied().unwrap_or(0),
            None => self.named.get(key).copied().unwrap_or(0),
        }
    }
}

/// Groups the rows of a pass by `no_kk` and hands out each household, with the rules across
/// rows applied, when its last row is read: a file sorted by KK (as SIAK and OpenSID export)
/// holds one household at a time; rows of one KK may be anywhere in the file.
pub struct Grouper<'c> {
    census: &'c Census,
    layout: &'c Layout,
    today: NaiveDate,
    /// Households with rows still to come.
    open: HashMap<String, Candidate>,
}

impl<'c> Grouper<'c> {
    pub fn new(census: &'c Census, layout: &'c Layout, today: NaiveDate) -> Self {
        Grouper {
            census,
            layout,
            today,
            open: HashMap::new(),
        }
    }

    /// Takes the next row of the pass; answers its household when this was its last row.
    pub fn push(&mut self, raw: RawRow) -> Option<Candidate> {
        // A row with no readable no_kk cannot be grouped: it stands alone.
        let (key, expected) = match &raw.kk_key {
            Some(kk) => (kk.clone(), self.census.rows_of(kk)),
            None => (format!("(baris {})", raw.line), 1),
        };
        let mut h = self
            .open
            .remove(&key)
            .unwrap_or_else(|| Candidate::new(key));
        h.lines.push(raw.line);
        match raw.fields {
            Ok(fields) => match validate_row(raw.line, self.layout, &fields, self.today) {
                Ok(row) => h.rows.push(row),
                Err(reason) => h.add_problem(raw.line, reason),
            },
            Err(reason) => h.add_problem(raw.line, reason),
        }
        if h.lines.len() as u64 >= u64::from(expected) {
            Some(self.close(h))
        } else {
            self.open.insert(h.key.clone(), h);
            None
        }
    }

    /// The households still open at the end of the pass (none, when the pass read what the
    /// census counted), in the order of their first line.
    pub fn finish(mut self) -> Vec<Candidate> {
        let mut left: Vec<Candidate> = std::mem::take(&mut self.open).into_values().collect();
        left.sort_by_key(Candidate::first_line);
        left.into_iter().map(|h| self.close(h)).collect()
    }

    fn close(&self, mut h: Candidate) -> Candidate {
        household_rules(&mut h);
        repeated_niks(&mut h, &self.census.repeated);
        h
    }
}

/// Validates every row, groups the rows by `no_kk`, and applies the rules across rows: the whole
/// file at once, households in the order of their first line (for tests and small files; the
/// import goes household by household through [`Grouper`]).
pub fn plan_households(sheet: &Sheet, today: NaiveDate) -> Vec<Candidate> {
    let census = Census::take(sheet, today);
    let mut grouper = Grouper::new(&census, &sheet.layout, today);
    let mut households: Vec<Candidate> = sheet.rows().filter_map(|r| grouper.push(r)).collect();
    households.extend(grouper.finish());
    households.sort_by_key(Candidate::first_line);
    households
}

/// One head, one RT/RW. "No head" is only said of a household whose rows are all valid: an
/// invalid row may well be the head.
fn household_rules(h: &mut Candidate) {
    let mut problems = Vec::new();
    let heads: Vec<u64> = h
        .rows
        .iter()
        .filter(|r| r.shdk == Shdk::KepalaKeluarga)
        .map(|r| r.line)
        .collect();
    if let Some((first, others)) = heads.split_first() {
        for &line in others {
            problems.push((
                line,
                format!("KK ini sudah punya KEPALA KELUARGA di baris {first}; harus tepat satu"),
            ));
        }
    } else if !h.is_rejected() {
        let lines = h
            .lines
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        problems.push((
            h.first_line(),
            format!("KK ini tidak punya KEPALA KELUARGA (baris {lines}); harus tepat satu"),
        ));
    }
    if let Some(first) = h.rows.first() {
        for r in &h.rows[1..] {
            if (&r.rt, &r.rw) != (&first.rt, &first.rw) {
                problems.push((
                    r.line,
                    format!(
                        "RT {} / RW {} berbeda dengan baris {} (RT {} / RW {}) di KK yang sama",
                        r.rt, r.rw, first.line, first.rt, first.rw
                    ),
                ));
            }
        }
    }
    for (line, reason) in problems {
        h.add_problem(line, reason);
    }
}

/// A NIK appears once in the file: every household where it appears is rejected, since the file
/// cannot tell which is right.
fn repeated_niks(h: &mut Candidate, repeated: &HashMap<String, Vec<u64>>) {
    if repeated.is_empty() {
        return;
    }
    let problems: Vec<(u64, String)> = h
        .rows
        .iter()
        .filter_map(|r| {
            let lines = repeated.get(r.nik.as_str())?;
            let others = lines
                .iter()
                .filter(|&&l| l != r.line)
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            Some((
                r.line,
                format!(
                    "nik {} muncul lebih dari sekali di file (juga di baris {others})",
                    r.nik.masked()
                ),
            ))
        })
        .collect();
    for (line, reason) in problems {
        h.add_problem(line, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::csv_row::open;

    const HEADER: &str =
        "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp\n";

    fn plan(body: &str) -> Vec<Candidate> {
        let input = format!("{HEADER}{body}");
        let sheet = open(input.as_bytes()).expect("header");
        plan_households(&sheet, NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"))
    }

    #[test]
    fn households_may_be_scattered_in_the_file() {
        let hs = plan(
            "1111111111111111,3174050512890001,A,1989-12-05,L,KEPALA KELUARGA,1,1,TETAP,\n\
             2222222222222222,3174050512890002,B,1989-12-05,L,KEPALA KELUARGA,1,1,TETAP,\n\
             1111111111111111,3174054512900003,C,1990-12-05,P,ISTRI,1,1,TETAP,\n",
        );
        assert_eq!(hs.len(), 2);
        assert_eq!(hs[0].lines, vec![2, 4]);
        assert!(hs.iter().all(|h| !h.is_rejected()));
    }

    #[test]
    fn a_bad_row_rejects_its_household_with_every_line() {
        let hs = plan(
            "1111111111111111,3174050512890001,A,1989-12-05,L,KEPALA KELUARGA,1,1,TETAP,\n\
             1111111111111111,3174054512900003,C,1990-13-05,P,ISTRI,1,1,TETAP,\n",
        );
        let r = hs[0].rejections();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].line, 2);
        assert!(r[0].reason.contains("lihat baris 3"), "{}", r[0].reason);
        assert_eq!(r[1].line, 3);
        assert!(r[1].reason.contains("tanggal_lahir"), "{}", r[1].reason);
    }

    #[test]
    fn rt_rw_must_agree() {
        let hs = plan(
            "1111111111111111,3174050512890001,A,1989-12-05,L,KEPALA KELUARGA,1,1,TETAP,\n\
             1111111111111111,3174054512900003,C,1990-12-05,P,ISTRI,2,1,TETAP,\n",
        );
        assert_eq!(hs[0].problems.len(), 1);
        assert_eq!(hs[0].problems[0].line, 3);
        assert!(hs[0].problems[0]
            .reason
            .contains("RT 002 / RW 01 berbeda dengan baris 2"));
    }
}
