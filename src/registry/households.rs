//! Rows grouped into households by `no_kk` (rows of one KK may be anywhere in the file) and the
//! rules across rows: exactly one `KEPALA KELUARGA`, one RT/RW per KK, a NIK once in the file.
//! A household with any problem is rejected whole.

use super::codes::Shdk;
use super::columns::Layout;
use super::csv_row::RawRow;
use super::report::Issue;
use super::validate::{validate_row, ValidRow};
use chrono::NaiveDate;
use std::collections::HashMap;

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

/// Validates every row, groups the rows by `no_kk`, and applies the rules across rows.
/// Households come out in the order of their first line.
pub fn plan_households(rows: Vec<RawRow>, layout: &Layout, today: NaiveDate) -> Vec<Candidate> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut households: Vec<Candidate> = Vec::new();
    for raw in rows {
        // A row with no readable no_kk cannot be grouped: it stands alone.
        let key = raw
            .kk_key
            .clone()
            .unwrap_or_else(|| format!("(baris {})", raw.line));
        let i = *index.entry(key.clone()).or_insert_with(|| {
            households.push(Candidate::new(key));
            households.len() - 1
        });
        let h = &mut households[i];
        h.lines.push(raw.line);
        match raw.fields {
            Ok(fields) => match validate_row(raw.line, layout, &fields, today) {
                Ok(row) => h.rows.push(row),
                Err(reason) => h.add_problem(raw.line, reason),
            },
            Err(reason) => h.add_problem(raw.line, reason),
        }
    }
    for h in &mut households {
        household_rules(h);
    }
    unique_niks(&mut households);
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
fn unique_niks(households: &mut [Candidate]) {
    let mut seen: HashMap<String, Vec<(usize, u64)>> = HashMap::new();
    for (i, h) in households.iter().enumerate() {
        for r in &h.rows {
            seen.entry(r.nik.as_str().to_string())
                .or_default()
                .push((i, r.line));
        }
    }
    let mut problems: Vec<(usize, u64, String)> = Vec::new();
    for places in seen.values().filter(|p| p.len() > 1) {
        let mut places = places.clone();
        places.sort_by_key(|&(_, line)| line);
        let masked = households[places[0].0]
            .rows
            .iter()
            .find(|r| r.line == places[0].1)
            .map(|r| r.nik.masked())
            .unwrap_or_default();
        for &(i, line) in &places {
            let others = places
                .iter()
                .filter(|&&(_, l)| l != line)
                .map(|(_, l)| l.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            problems.push((
                i,
                line,
                format!("nik {masked} muncul lebih dari sekali di file (juga di baris {others})"),
            ));
        }
    }
    for (i, line, reason) in problems {
        households[i].add_problem(line, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::csv_row::read_rows;

    const HEADER: &str =
        "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp\n";

    fn plan(body: &str) -> Vec<Candidate> {
        let sheet = read_rows(format!("{HEADER}{body}").as_bytes()).expect("header");
        plan_households(
            sheet.rows,
            &sheet.layout,
            NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
        )
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
