//! Reading the words of a message the way residents type them (DESIGN §4, "Recognition"):
//! trailing punctuation ignored, one-letter typos of long keywords, courtesy words, numbers with
//! their unit, and the messages that may be a PIN.

/// The shortest keyword that is understood with one letter wrong, missing or extra.
pub const TYPO_MIN_LEN: usize = 5;

/// Removes the punctuation and symbols (an emoji included) at the end of a word or message:
/// `saldo?` → `saldo`, `20rb.` → `20rb`. A `-` stays (`Rp 25.000,-` is an amount).
pub fn trim_trailing(s: &str) -> &str {
    s.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '-' && !c.is_whitespace())
        .trim_end()
}

/// Whether `typed` is `keyword` with exactly one letter wrong, missing or extra (both upper
/// case), for keywords of [`TYPO_MIN_LEN`] letters or more.
pub fn one_typo_from(typed: &str, keyword: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (typed.chars().collect(), keyword.chars().collect());
    if b.len() < TYPO_MIN_LEN || a == b || !b.iter().all(|c| c.is_alphabetic()) {
        return false;
    }
    match a.len() as isize - b.len() as isize {
        0 => a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1,
        1 => one_deletion(&a, &b),
        -1 => one_deletion(&b, &a),
        _ => false,
    }
}

/// Whether removing one character of `long` gives `short`.
fn one_deletion(long: &[char], short: &[char]) -> bool {
    let i = long
        .iter()
        .zip(short)
        .position(|(x, y)| x != y)
        .unwrap_or(short.len());
    long[i + 1..] == short[i..]
}

/// Courtesy messages, compared after [`courtesy_key`]: they get a short friendly answer.
const COURTESY: &[&str] = &[
    "terima kasih",
    "terimakasih",
    "trima kasih",
    "trimakasih",
    "terima kasih banyak",
    "makasih",
    "makasih banyak",
    "makasi",
    "mksh",
    "trims",
    "tq",
    "thanks",
    "thank you",
    "thx",
    "ok",
    "oke",
    "okay",
    "okey",
    "ok terima kasih",
    "oke terima kasih",
    "ok makasih",
    "oke makasih",
    "siap",
    "baik",
    "baik terima kasih",
    "sip",
    "mantap",
];

/// Lower case, letters and spaces only, spaces collapsed.
fn courtesy_key(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphabetic() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the whole message is a courtesy (`Terima kasih 🙏`, `ok`, `siap!`).
pub fn is_courtesy(s: &str) -> bool {
    let has_digit = s.chars().any(|c| c.is_ascii_digit());
    !has_digit && COURTESY.contains(&courtesy_key(s).as_str())
}

/// A number followed by its unit (`3 hari`, `15 kotak`, `2 bh`, `2bh`): the number part. Anything
/// else is returned as it was.
pub fn strip_unit(s: &str) -> &str {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, rest) = s.split_at(end);
    let unit = rest.trim();
    let is_unit = !unit.is_empty()
        && unit.chars().count() <= 12
        && unit.chars().all(|c| c.is_alphabetic())
        && number.chars().any(|c| c.is_ascii_digit());
    if is_unit {
        number
    } else {
        s
    }
}

/// Whether a message may be a PIN: 4 to 8 digits alone (DESIGN §6). Such a message is never
/// echoed, and is stored masked unless it is a valid answer to the current step.
pub fn may_be_pin(s: &str) -> bool {
    let s = s.trim();
    (4..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a word is a code (`W001`, `L012`, `B003`, a number `5` or `#5`): letters and digits
/// with a digit, one word.
pub fn is_code(s: &str, max_len: usize) -> bool {
    let s = s.strip_prefix('#').unwrap_or(s);
    !s.is_empty()
        && s.chars().count() <= max_len
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_punctuation_and_emoji_go() {
        assert_eq!(trim_trailing("saldo?"), "saldo");
        assert_eq!(trim_trailing("SALDO!!"), "SALDO");
        assert_eq!(trim_trailing("20rb."), "20rb");
        assert_eq!(trim_trailing("Rp 25.000,-"), "Rp 25.000,-");
        assert_eq!(trim_trailing("Terima kasih 🙏"), "Terima kasih");
    }

    #[test]
    fn one_letter_typos_of_long_keywords() {
        assert!(one_typo_from("SLDO", "SALDO"));
        assert!(one_typo_from("BAYARR", "BAYAR"));
        assert!(one_typo_from("SALFO", "SALDO"));
        assert!(one_typo_from("MUTSI", "MUTASI"));
        assert!(!one_typo_from("SALDO", "SALDO"));
        assert!(!one_typo_from("SLD", "SALDO"));
        assert!(!one_typo_from("USL", "USUL"), "4-letter keywords are exact");
        assert!(!one_typo_from("BYAARR", "BAYAR"));
    }

    #[test]
    fn courtesy_words() {
        assert!(is_courtesy("Terima kasih 🙏"));
        assert!(is_courtesy("ok"));
        assert!(is_courtesy("Siap!"));
        assert!(!is_courtesy("makasih banyak ya"));
        assert!(!is_courtesy("Pesan saya belum dibalas"));
        assert!(!is_courtesy("ok 5"));
    }

    #[test]
    fn numbers_with_units() {
        assert_eq!(strip_unit("3 hari"), "3");
        assert_eq!(strip_unit("15 kotak"), "15");
        assert_eq!(strip_unit("2bh"), "2");
        assert_eq!(strip_unit("2 bh"), "2");
        assert_eq!(strip_unit("tiga hari"), "tiga hari");
        assert_eq!(strip_unit("3 hari lagi"), "3 hari lagi");
    }

    #[test]
    fn pins_and_codes() {
        assert!(may_be_pin("270148"));
        assert!(may_be_pin("1234"));
        assert!(!may_be_pin("123"));
        assert!(!may_be_pin("123456789"));
        assert!(!may_be_pin("12a456"));
        assert!(is_code("W001", 10));
        assert!(!is_code("kasih", 10));
        assert!(!is_code("W 001", 10));
        assert!(is_code("#5", 12));
    }
}
