//! 6-digit PINs (DESIGN §6). A [`Pin`] cannot be printed: it has no `Display`, and its `Debug`
//! is `Pin(******)`, so it cannot leak into logs. [`Pin::expose`] gives the digits for hashing.

use std::fmt;
use thiserror::Error;

/// Number of digits of a PIN.
pub const PIN_LEN: usize = 6;

/// Why a typed PIN was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PinError {
    #[error("no PIN given")]
    Empty,
    #[error("a PIN has only digits")]
    NotDigits,
    #[error("a PIN has 6 digits, not {0}")]
    WrongLength(usize),
    #[error("this PIN is too easy to guess")]
    Trivial,
}

/// Six ASCII digits. No `Display`; `Debug` is masked.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    /// The digits, to hash or verify. Never log or store them.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(******)")
    }
}

/// Parses a PIN as typed: surrounding spaces and spaces between digits are ignored
/// (`123 456`). Does not judge strength: see [`parse_new_pin`] for choosing a PIN.
pub fn parse_pin(input: &str) -> Result<Pin, PinError> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err(PinError::Empty);
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinError::NotDigits);
    }
    if digits.len() != PIN_LEN {
        return Err(PinError::WrongLength(digits.len()));
    }
    Ok(Pin(digits))
}

/// Parses a PIN being chosen: as [`parse_pin`], and refuses [trivial](is_trivial) ones.
pub fn parse_new_pin(input: &str) -> Result<Pin, PinError> {
    let pin = parse_pin(input)?;
    if is_trivial(&pin) {
        return Err(PinError::Trivial);
    }
    Ok(pin)
}

/// PINs guessed first: one digit repeated (`000000`), runs up or down including the wrap
/// over 0 (`123456`, `654321`, `012345`, `890123`), a pair or triple repeated (`121212`,
/// `123123`), doubled or tripled digits in a run (`112233`, `332211`, `111222`), mirrored
/// halves (`123321`) and a few common keypad patterns.
pub fn is_trivial(pin: &Pin) -> bool {
    const COMMON: [&str; 8] = [
        "147258", "258369", "147369", "159753", "753951", "789456", "456789", "102030",
    ];
    let d: Vec<u8> = pin.0.bytes().map(|b| b - b'0').collect();
    if d.len() != PIN_LEN {
        return false;
    }
    let step = |a: u8, b: u8| (10 + b - a) % 10;
    let run_with = |s: u8| d.windows(2).all(|w| step(w[0], w[1]) == s);
    let all_same = run_with(0);
    let ascending = run_with(1);
    let descending = run_with(9);
    let period2 = d[0] == d[2] && d[2] == d[4] && d[1] == d[3] && d[3] == d[5];
    let period3 = d[..3] == d[3..];
    let pairs = d[0] == d[1] && d[2] == d[3] && d[4] == d[5];
    let pairs_run = pairs && {
        let s1 = step(d[0], d[2]);
        s1 == step(d[2], d[4]) && (s1 == 1 || s1 == 9)
    };
    let triples = d[0] == d[1] && d[1] == d[2] && d[3] == d[4] && d[4] == d[5];
    let mirrored = d[0] == d[5] && d[1] == d[4] && d[2] == d[3];
    all_same
        || ascending
        || descending
        || period2
        || period3
        || pairs_run
        || triples
        || mirrored
        || COMMON.contains(&pin.0.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PinError::*;

    #[test]
    fn parsing() {
        let cases: &[(&str, Result<&str, PinError>)] = &[
            ("482915", Ok("482915")),
            (" 482 915 ", Ok("482915")),
            ("", Err(Empty)),
            ("  ", Err(Empty)),
            ("48291a", Err(NotDigits)),
            ("48-29-15", Err(NotDigits)),
            ("４82915", Err(NotDigits)),
            ("48291", Err(WrongLength(5))),
            ("4829150", Err(WrongLength(7))),
        ];
        for (input, want) in cases {
            let got = parse_pin(input);
            assert_eq!(
                got.as_ref().map(Pin::expose).map_err(|e| *e),
                *want,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn trivial_pins() {
        let trivial = [
            "000000", "111111", "999999", "123456", "234567", "456789", "012345", "654321",
            "543210", "987654", "890123", "098765", "121212", "909090", "123123", "112233",
            "332211", "889900", "111222", "999000", "123321", "147258", "159753",
        ];
        for p in trivial {
            let pin = parse_pin(p).expect("six digits");
            assert!(is_trivial(&pin), "{p} should be trivial");
            assert_eq!(parse_new_pin(p), Err(Trivial), "{p}");
        }
        let fine = [
            "482915", "305718", "120394", "112234", "121213", "135792", "246813", "120034",
        ];
        for p in fine {
            let pin = parse_pin(p).expect("six digits");
            assert!(!is_trivial(&pin), "{p} should be accepted");
            assert!(parse_new_pin(p).is_ok(), "{p}");
        }
    }

    #[test]
    fn debug_is_masked() {
        let pin = parse_pin("482915").expect("valid");
        assert_eq!(format!("{pin:?}"), "Pin(******)");
        assert_eq!(format!("{:?}", Ok::<_, ()>(pin)), "Ok(Pin(******))");
    }
}
