//! Small answers: a menu choice, a whole number (count, days), yes / no.

use thiserror::Error;

/// Why a menu choice was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ChoiceError {
    #[error("no choice given")]
    Empty,
    #[error("not a number")]
    NotANumber,
    #[error("choice {got} is not between 1 and {max}")]
    OutOfRange { got: u64, max: usize },
}

/// Parses a menu choice among `n` options numbered from 1, as typed: `2`, ` 2 `, `2.`, `2)`,
/// `(2)`, `#2`. Returns the **zero-based index** (`"1"` → `0`).
pub fn parse_choice(input: &str, n: usize) -> Result<usize, ChoiceError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ChoiceError::Empty);
    }
    let s = s.strip_prefix('#').unwrap_or(s);
    let s = match s.strip_prefix('(') {
        Some(inner) => inner.strip_suffix(')').ok_or(ChoiceError::NotANumber)?,
        None => s
            .strip_suffix(')')
            .or_else(|| s.strip_suffix('.'))
            .unwrap_or(s),
    };
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ChoiceError::NotANumber);
    }
    // Digits only: parse fails only by size, which is out of range anyway.
    let got: u64 = s.parse().unwrap_or(u64::MAX);
    if got == 0 || got > n as u64 {
        return Err(ChoiceError::OutOfRange { got, max: n });
    }
    Ok(got as usize - 1)
}

/// Why a whole number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NumberError {
    #[error("no number given")]
    Empty,
    #[error("not a whole number")]
    NotANumber,
    #[error("the number must be at least {min}")]
    TooSmall { min: i64 },
    #[error("the number must be at most {max}")]
    TooLarge { max: i64 },
}

/// Parses a whole number in `min..=max` (a count, a number of days): digits with an optional
/// leading minus, surrounding spaces ignored. Grouping dots are accepted only in correct
/// groups of three (`1.000`); anything else (`1.5`, `2 hari`) is not a number.
pub fn parse_whole_number(input: &str, min: i64, max: i64) -> Result<i64, NumberError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(NumberError::Empty);
    }
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let digits = if body.contains('.') {
        let mut parts = body.split('.');
        let first = parts.next().unwrap_or("");
        let ok = (1..=3).contains(&first.len())
            && parts.all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(NumberError::NotANumber);
        }
        body.replace('.', "")
    } else {
        body.to_string()
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    let value = match digits.parse::<i64>() {
        Ok(v) if negative => -v,
        Ok(v) => v,
        // Too many digits for i64.
        Err(_) if negative => return Err(NumberError::TooSmall { min }),
        Err(_) => return Err(NumberError::TooLarge { max }),
    };
    if value < min {
        return Err(NumberError::TooSmall { min });
    }
    if value > max {
        return Err(NumberError::TooLarge { max });
    }
    Ok(value)
}

/// Why a yes/no answer was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum YesNoError {
    #[error("no answer given")]
    Empty,
    #[error("not a yes or no answer")]
    NotUnderstood,
}

const YES: [&str; 14] = [
    "1", "ya", "y", "iya", "yoi", "yes", "ok", "oke", "okay", "setuju", "benar", "betul", "sip",
    "yup",
];
const NO: [&str; 14] = [
    "2", "tidak", "t", "tdk", "gak", "ga", "nggak", "enggak", "engga", "no", "n", "nope", "bukan",
    "salah",
];

/// Parses a yes/no answer (case-insensitive, spaces and trailing `.`/`!` ignored): `1` / `2`,
/// `ya`, `y`, `iya`, `yes`, `ok`, `oke`, `setuju`, `benar`… / `tidak`, `t`, `tdk`, `gak`, `no`,
/// `n`, `bukan`, `salah`…
///
/// Residents mix languages, so the words of both Indonesian and English are accepted whatever
/// `lang` is; `lang` is kept for language-specific words later. `BATAL`/`CANCEL` is not an
/// answer here: it is a global keyword the engine handles before asking this.
pub fn parse_yes_no(input: &str, lang: &str) -> Result<bool, YesNoError> {
    let _ = lang;
    let s = input
        .trim()
        .trim_end_matches(['.', '!'])
        .trim()
        .to_lowercase();
    if s.is_empty() {
        return Err(YesNoError::Empty);
    }
    if YES.contains(&s.as_str()) {
        Ok(true)
    } else if NO.contains(&s.as_str()) {
        Ok(false)
    } else {
        Err(YesNoError::NotUnderstood)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_choices() {
        use ChoiceError::*;
        let cases: &[(&str, usize, Result<usize, ChoiceError>)] = &[
            ("1", 3, Ok(0)),
            ("3", 3, Ok(2)),
            (" 2 ", 3, Ok(1)),
            ("2.", 3, Ok(1)),
            ("2)", 3, Ok(1)),
            ("(2)", 3, Ok(1)),
            ("( 2 )", 3, Ok(1)),
            ("#2", 3, Ok(1)),
            ("02", 3, Ok(1)),
            ("10", 10, Ok(9)),
            ("", 3, Err(Empty)),
            ("  ", 3, Err(Empty)),
            ("0", 3, Err(OutOfRange { got: 0, max: 3 })),
            ("4", 3, Err(OutOfRange { got: 4, max: 3 })),
            ("1", 0, Err(OutOfRange { got: 1, max: 0 })),
            (
                "99999999999999999999999",
                3,
                Err(OutOfRange {
                    got: u64::MAX,
                    max: 3,
                }),
            ),
            ("satu", 3, Err(NotANumber)),
            ("-1", 3, Err(NotANumber)),
            ("1.5", 3, Err(NotANumber)),
            ("(2", 3, Err(NotANumber)),
            ("()", 3, Err(NotANumber)),
            ("1 2", 3, Err(NotANumber)),
            ("MENU", 3, Err(NotANumber)),
        ];
        for (input, n, want) in cases {
            assert_eq!(parse_choice(input, *n), *want, "input {input:?} n {n}");
        }
    }

    #[test]
    fn whole_numbers() {
        use NumberError::*;
        let cases: &[(&str, Result<i64, NumberError>)] = &[
            ("7", Ok(7)),
            (" 14 ", Ok(14)),
            ("1.000", Ok(1000)),
            ("1", Ok(1)),
            ("", Err(Empty)),
            ("tujuh", Err(NotANumber)),
            ("7 hari", Err(NotANumber)),
            ("1.5", Err(NotANumber)),
            ("1.00", Err(NotANumber)),
            ("-", Err(NotANumber)),
            ("0", Err(TooSmall { min: 1 })),
            ("-3", Err(TooSmall { min: 1 })),
            ("1001", Err(TooLarge { max: 1000 })),
            ("99999999999999999999", Err(TooLarge { max: 1000 })),
            ("-99999999999999999999", Err(TooSmall { min: 1 })),
        ];
        for (input, want) in cases {
            assert_eq!(parse_whole_number(input, 1, 1000), *want, "input {input:?}");
        }
        assert_eq!(parse_whole_number("-3", -5, 5), Ok(-3));
    }

    #[test]
    fn yes_and_no() {
        use YesNoError::*;
        let cases: &[(&str, Result<bool, YesNoError>)] = &[
            ("1", Ok(true)),
            ("ya", Ok(true)),
            ("Ya", Ok(true)),
            ("YA!", Ok(true)),
            ("y", Ok(true)),
            ("iya", Ok(true)),
            ("yes", Ok(true)),
            ("OK", Ok(true)),
            ("oke.", Ok(true)),
            ("2", Ok(false)),
            ("tidak", Ok(false)),
            ("Tidak", Ok(false)),
            ("t", Ok(false)),
            ("T", Ok(false)),
            ("tdk", Ok(false)),
            ("no", Ok(false)),
            ("N", Ok(false)),
            ("gak", Ok(false)),
            ("", Err(Empty)),
            ("  ", Err(Empty)),
            ("3", Err(NotUnderstood)),
            ("mungkin", Err(NotUnderstood)),
            ("ya tidak", Err(NotUnderstood)),
            ("batal", Err(NotUnderstood)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_yes_no(input, "id"), *want, "input {input:?}");
            assert_eq!(parse_yes_no(input, "en"), *want, "input {input:?} en");
        }
    }
}
