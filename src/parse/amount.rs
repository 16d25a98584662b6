//! Rupiah amounts in the forms residents type → whole rupiah (`i64`).
//!
//! Accepted forms (case-insensitive, surrounding spaces ignored):
//!
//! - plain digits: `25000`
//! - Indonesian grouping, a dot before every group of exactly three digits: `25.000`, `1.250.000`
//! - the `Rp` / `Rp.` prefix, with or without a space: `Rp25.000`, `Rp 25.000`, `rp25000`
//! - the "no cents" suffix `,-` (or `.-`): `Rp 25.000,-`
//! - a zero decimal part after a comma (the Indonesian decimal separator): `25.000,00`
//! - English grouping with at least two commas (unambiguous): `1,250,000`
//! - a multiplier, with or without a space: `rb` / `ribu` / `rebu` / `k` (×1.000),
//!   `jt` / `juta` (×1.000.000); before a multiplier the number may have a decimal part with a
//!   comma or a dot: `25rb`, `25 ribu`, `25k`, `1,5jt`, `1.5 juta`, `2 juta`
//!
//! Rules for what is ambiguous (rejected with [`AmountError::Ambiguous`], the bot asks again):
//!
//! - without a multiplier a dot is a thousands separator only when followed by exactly three
//!   digits; otherwise it is a decimal point: `1.5` → [`AmountError::Fraction`], and a zero
//!   fraction like `25.00` (a typo of `25.000`? English cents?) → `Ambiguous`;
//! - a single comma followed by exactly three digits, `25,000`: Indonesian reads 25, English
//!   25000 → `Ambiguous`;
//! - before a multiplier, a separator followed by exactly three digits, `1.500rb` (1.500 ribu or
//!   1,5 ribu?) → `Ambiguous`; so are several separators before a multiplier;
//! - malformed grouping (`1.25.000`, `25..000`, `1,250.000`) → `Ambiguous`.
//!
//! Anything else that is not a number (letters, spaces between digits) is
//! [`AmountError::NotANumber`].

use rust_decimal::Decimal;
use std::str::FromStr;
use thiserror::Error;

/// The largest amount accepted: Rp1.000.000.000. Anything above is surely a typo.
pub const MAX_AMOUNT: i64 = 1_000_000_000;

/// Why a typed amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AmountError {
    #[error("no amount given")]
    Empty,
    #[error("not an amount")]
    NotANumber,
    #[error("amount is negative")]
    Negative,
    #[error("amount is zero")]
    Zero,
    #[error("amount has a fraction of a rupiah")]
    Fraction,
    #[error("amount is larger than the maximum of {MAX_AMOUNT} rupiah")]
    TooLarge,
    #[error("amount is written ambiguously (use e.g. 25000 or 25.000)")]
    Ambiguous,
}

/// Parses an amount of whole rupiah; the result is in `1..=MAX_AMOUNT`.
pub fn parse_amount(input: &str) -> Result<i64, AmountError> {
    let s = input.trim().to_lowercase();
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    // A minus before or after the currency: `-25000`, `-Rp5.000`, `Rp -5.000`.
    let (negative, s) = strip_minus(&s);
    let (s, had_rp) = strip_rp(s);
    let (negative, s) = if negative { (true, s) } else { strip_minus(s) };
    let s = s
        .strip_suffix(",-")
        .or_else(|| s.strip_suffix(".-"))
        .unwrap_or(s)
        .trim_end();
    if s.is_empty() {
        return Err(if had_rp || negative {
            AmountError::NotANumber
        } else {
            AmountError::Empty
        });
    }
    let (number, multiplier) = split_multiplier(s);
    let value = match multiplier {
        Some(m) => parse_with_multiplier(number, m)?,
        None => parse_plain(number)?,
    };
    if value.is_zero() {
        return Err(AmountError::Zero);
    }
    if negative {
        return Err(AmountError::Negative);
    }
    if !value.fract().is_zero() {
        return Err(AmountError::Fraction);
    }
    if value > Decimal::from(MAX_AMOUNT) {
        return Err(AmountError::TooLarge);
    }
    i64::try_from(value).map_err(|_| AmountError::TooLarge)
}

fn strip_minus(s: &str) -> (bool, &str) {
    match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    }
}

fn strip_rp(s: &str) -> (&str, bool) {
    match s.strip_prefix("rp") {
        Some(rest) => {
            let rest = rest.strip_prefix('.').unwrap_or(rest);
            (rest.trim_start(), true)
        }
        None => (s, false),
    }
}

/// Splits `1,5 jt` into (`1,5`, 1_000_000).
fn split_multiplier(s: &str) -> (&str, Option<i64>) {
    const SUFFIXES: [(&str, i64); 6] = [
        ("ribu", 1_000),
        ("rebu", 1_000),
        ("rb", 1_000),
        ("k", 1_000),
        ("juta", 1_000_000),
        ("jt", 1_000_000),
    ];
    for (suffix, m) in SUFFIXES {
        if let Some(number) = s.strip_suffix(suffix) {
            return (number.trim_end(), Some(m));
        }
    }
    (s, None)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Digits only, so never fails for a well-formed input except by size.
fn decimal_of(digits: &str) -> Result<Decimal, AmountError> {
    let significant = digits.trim_start_matches('0');
    // Anything over 18 digits is far beyond MAX_AMOUNT and beyond i64.
    if significant.len() > 18 {
        return Err(AmountError::TooLarge);
    }
    if significant.is_empty() {
        return Ok(Decimal::ZERO);
    }
    Decimal::from_str(significant).map_err(|_| AmountError::NotANumber)
}

/// `int` digits and `frac` digits → int.frac as a decimal.
fn decimal_with_fraction(int: &str, frac: &str) -> Result<Decimal, AmountError> {
    let int = decimal_of(int)?;
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.is_empty() {
        return Ok(int);
    }
    // More than 20 fractional digits cannot be a sensible amount; Decimal keeps 28.
    if frac_trimmed.len() > 20 {
        return Err(AmountError::Fraction);
    }
    let f = Decimal::from_str(&format!("0.{frac_trimmed}")).map_err(|_| AmountError::NotANumber)?;
    Ok(int + f)
}

fn check_chars(number: &str) -> Result<(), AmountError> {
    if number.is_empty()
        || !number
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
        || !number.bytes().any(|b| b.is_ascii_digit())
    {
        return Err(AmountError::NotANumber);
    }
    Ok(())
}

/// A number without multiplier: integer rupiah with optional grouping and zero decimals.
fn parse_plain(number: &str) -> Result<Decimal, AmountError> {
    check_chars(number)?;
    // Decimal part after the (single) comma, Indonesian style: `25.000,00`.
    let commas = number.matches(',').count();
    let dots = number.matches('.').count();
    if commas >= 2 {
        // English grouping `1,250,000`: only with no dot and all groups of three.
        if dots > 0 || !grouped(number, ',') {
            return Err(AmountError::Ambiguous);
        }
        return decimal_of(&number.replace(',', ""));
    }
    let (int_part, frac_part) = match number.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    if let Some(f) = frac_part {
        if !all_digits(f) || int_part.is_empty() {
            return Err(AmountError::Ambiguous);
        }
        if dots == 0 && f.len() == 3 {
            // `25,000`: 25 in Indonesian, 25000 in English.
            return Err(AmountError::Ambiguous);
        }
    }
    let int_value = if dots == 0 {
        if !all_digits(int_part) {
            return Err(AmountError::Ambiguous);
        }
        decimal_of(int_part)?
    } else if grouped(int_part, '.') {
        decimal_of(&int_part.replace('.', ""))?
    } else if dots == 1 && frac_part.is_none() {
        // A decimal point: `1.5` is a fraction; `25.00` is ambiguous.
        let (i, f) = int_part.split_once('.').ok_or(AmountError::NotANumber)?;
        if !all_digits(i) || !all_digits(f) || f.len() == 3 {
            // `1234.567`: grouping gone wrong rather than a decimal point.
            return Err(AmountError::Ambiguous);
        }
        let v = decimal_with_fraction(i, f)?;
        return if v.fract().is_zero() {
            Err(AmountError::Ambiguous)
        } else {
            Err(AmountError::Fraction)
        };
    } else {
        return Err(AmountError::Ambiguous);
    };
    match frac_part {
        Some(f) => {
            let v = decimal_with_fraction("0", f)?;
            Ok(int_value + v)
        }
        None => Ok(int_value),
    }
}

/// `1.250.000` with `sep = '.'`: 1–3 leading digits, then groups of exactly three.
fn grouped(s: &str, sep: char) -> bool {
    let mut parts = s.split(sep);
    let first = parts.next().unwrap_or("");
    if !all_digits(first) || first.len() > 3 {
        return false;
    }
    let mut any = false;
    for p in parts {
        if p.len() != 3 || !all_digits(p) {
            return false;
        }
        any = true;
    }
    any
}

/// A number before `rb`/`jt`: digits with at most one decimal separator (comma or dot).
fn parse_with_multiplier(number: &str, multiplier: i64) -> Result<Decimal, AmountError> {
    check_chars(number)?;
    let seps = number.bytes().filter(|&b| b == b'.' || b == b',').count();
    let value = match seps {
        0 => decimal_of(number)?,
        1 => {
            let (i, f) = number
                .split_once(['.', ','])
                .ok_or(AmountError::NotANumber)?;
            if !all_digits(i) || !all_digits(f) || f.len() == 3 {
                return Err(AmountError::Ambiguous);
            }
            decimal_with_fraction(i, f)?
        }
        _ => return Err(AmountError::Ambiguous),
    };
    value
        .checked_mul(Decimal::from(multiplier))
        .ok_or(AmountError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AmountError::*;

    #[test]
    fn forms_residents_type() {
        let cases: &[(&str, Result<i64, AmountError>)] = &[
            // Every example of DESIGN §4.
            ("25000", Ok(25_000)),
            ("25.000", Ok(25_000)),
            ("Rp25.000", Ok(25_000)),
            ("Rp 25.000,-", Ok(25_000)),
            ("25rb", Ok(25_000)),
            ("25 ribu", Ok(25_000)),
            ("1,5jt", Ok(1_500_000)),
            ("1.5 juta", Ok(1_500_000)),
            // More forms.
            ("rp25000", Ok(25_000)),
            ("RP25000", Ok(25_000)),
            ("Rp. 25.000", Ok(25_000)),
            ("25k", Ok(25_000)),
            ("25K", Ok(25_000)),
            ("1jt", Ok(1_000_000)),
            ("2 juta", Ok(2_000_000)),
            ("2 JUTA", Ok(2_000_000)),
            ("Rp1.250.000", Ok(1_250_000)),
            ("25.000,00", Ok(25_000)),
            ("25000,0", Ok(25_000)),
            ("Rp 25.000,00", Ok(25_000)),
            ("25.000.-", Ok(25_000)),
            ("  25000  ", Ok(25_000)),
            ("1,250,000", Ok(1_250_000)),
            ("2,5 rb", Ok(2_500)),
            ("2.5k", Ok(2_500)),
            ("10 rebu", Ok(10_000)),
            ("Rp1,5jt", Ok(1_500_000)),
            ("0,25jt", Ok(250_000)),
            ("1,0005jt", Ok(1_000_500)),
            ("1", Ok(1)),
            ("007", Ok(7)),
            ("1.000.000.000", Ok(MAX_AMOUNT)),
            ("1000jt", Ok(MAX_AMOUNT)),
            // Empty or not a number.
            ("", Err(Empty)),
            ("   ", Err(Empty)),
            ("Rp", Err(NotANumber)),
            ("abc", Err(NotANumber)),
            ("25 000", Err(NotANumber)),
            ("25ribuan", Err(NotANumber)),
            ("jt", Err(NotANumber)),
            ("Rp ,-", Err(NotANumber)),
            ("2O000", Err(NotANumber)),
            ("25000 rupiah", Err(NotANumber)),
            ("...", Err(NotANumber)),
            // Negative.
            ("-25000", Err(Negative)),
            ("-Rp5.000", Err(Negative)),
            ("Rp -5.000", Err(Negative)),
            ("-5rb", Err(Negative)),
            // Zero.
            ("0", Err(Zero)),
            ("Rp0", Err(Zero)),
            ("0,00", Err(Zero)),
            ("0jt", Err(Zero)),
            ("000.000", Err(Zero)),
            // Fractions of a rupiah.
            ("25.000,50", Err(Fraction)),
            ("1.5", Err(Fraction)),
            ("1,5", Err(Fraction)),
            ("25000,5", Err(Fraction)),
            ("1,0005rb", Err(Fraction)),
            ("1,0000005jt", Err(Fraction)),
            ("0,5", Err(Fraction)),
            // Too large.
            ("1.000.000.001", Err(TooLarge)),
            ("1001jt", Err(TooLarge)),
            ("99999999999999999999999999999999", Err(TooLarge)),
            ("1000000000000000000000jt", Err(TooLarge)),
            // Ambiguous grouping.
            ("25.00", Err(Ambiguous)),
            ("25,000", Err(Ambiguous)),
            ("1.25.000", Err(Ambiguous)),
            ("25..000", Err(Ambiguous)),
            ("1,250.000", Err(Ambiguous)),
            ("1.500rb", Err(Ambiguous)),
            ("1.250.000rb", Err(Ambiguous)),
            ("1234.567", Err(Ambiguous)),
            (".500", Err(Ambiguous)),
            ("25.000,", Err(Ambiguous)),
            ("25,000,00", Err(Ambiguous)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_amount(input), *want, "input {input:?}");
        }
    }
}
