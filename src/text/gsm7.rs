//! GSM 03.38 (the SMS 7-bit alphabet): what an SMS can carry without falling back to UCS-2,
//! and how many segments a text costs.
//!
//! A text made only of GSM-7 characters is sent in septets: 160 per single SMS, 153 per part of
//! a concatenated one; characters of the extension table (`^{}\[~]|€` and form feed) take two
//! septets and are never split across parts. Any other character switches the whole SMS to
//! UCS-2: 70 UTF-16 code units single, 67 per part (a surrogate pair is never split).

/// DESIGN §4: an SMS reply is at most this many segments.
pub const MAX_SMS_SEGMENTS: usize = 3;

/// Septets in a single GSM-7 SMS.
pub const GSM7_SINGLE: usize = 160;
/// Septets per part of a concatenated GSM-7 SMS.
pub const GSM7_PART: usize = 153;
/// UTF-16 code units in a single UCS-2 SMS.
pub const UCS2_SINGLE: usize = 70;
/// UTF-16 code units per part of a concatenated UCS-2 SMS.
pub const UCS2_PART: usize = 67;

/// The basic table, in code order (0x1B, the escape to the extension table, left out).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: each costs two septets (escape + code).
const EXTENSION: &str = "\x0C^{}\\[~]|€";

/// Septets a character takes in GSM-7, or `None` if it is not in GSM 03.38.
pub fn gsm7_septets(c: char) -> Option<usize> {
    if c.is_ascii_alphanumeric() || c == ' ' || BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The encoding an SMS with this text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

/// Whether every character of `text` is in the GSM-7 basic or extension table.
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| gsm7_septets(c).is_some())
}

/// The characters that are not GSM-7, each once, in order of first appearance.
pub fn non_gsm7_chars(text: &str) -> Vec<char> {
    let mut out = Vec::new();
    for c in text.chars() {
        if gsm7_septets(c).is_none() && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The encoding a text needs.
pub fn sms_encoding(text: &str) -> SmsEncoding {
    if is_gsm7(text) {
        SmsEncoding::Gsm7
    } else {
        SmsEncoding::Ucs2
    }
}

/// How many SMS segments `text` costs. An empty text counts as one (it would still be one SMS).
pub fn sms_segments(text: &str) -> usize {
    let (units, single, part): (Vec<usize>, usize, usize) = match sms_encoding(text) {
        SmsEncoding::Gsm7 => (
            text.chars().map(|c| gsm7_septets(c).unwrap_or(1)).collect(),
            GSM7_SINGLE,
            GSM7_PART,
        ),
        SmsEncoding::Ucs2 => (
            text.chars().map(char::len_utf16).collect(),
            UCS2_SINGLE,
            UCS2_PART,
        ),
    };
    if units.iter().sum::<usize>() <= single {
        return 1;
    }
    // Greedy packing: a character that does not fit whole starts the next part.
    let mut segments = 1;
    let mut used = 0;
    for u in units {
        if used + u > part {
            segments += 1;
            used = 0;
        }
        used += u;
    }
    segments
}

/// Replaces the usual non-GSM characters by GSM ones (curly quotes → straight, dashes → `-`,
/// `…` → `...`, odd spaces → space, a few accented letters → plain), drops invisible marks
/// (bidi isolation and direction marks, zero-width spaces, BOM) and turns anything else that
/// is still not GSM-7 (emoji…) into `?`. The result is always GSM-7: a last safety net when
/// rendering an SMS.
pub fn to_gsm7_lossy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if gsm7_septets(c).is_some() {
            out.push(c);
            continue;
        }
        let replacement: &str = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => {
                "'"
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
            | '\u{00BB}' => "\"",
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => "-",
            '\u{2026}' => "...",
            '\u{2022}' | '\u{00B7}' => "-",
            '\u{00A0}' | '\u{202F}' | '\u{2007}' | '\u{2009}' | '\u{200A}' | '\u{2002}'
            | '\u{2003}' | '\t' => " ",
            '\u{2066}'..='\u{2069}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{FEFF}'
            | '\u{00AD}' => "",
            '\u{00D7}' => "x",
            'á' | 'â' | 'ã' | 'ā' => "a",
            'ê' | 'ë' | 'ē' => "e",
            'í' | 'î' | 'ï' | 'ī' => "i",
            'ó' | 'ô' | 'õ' | 'ō' => "o",
            'ú' | 'û' | 'ū' => "u",
            'ç' => "Ç",
            'Á' | 'À' | 'Â' | 'Ã' => "A",
            'È' | 'Ê' | 'Ë' => "E",
            'Í' | 'Ì' | 'Î' | 'Ï' => "I",
            'Ó' | 'Ò' | 'Ô' | 'Õ' => "O",
            'Ú' | 'Ù' | 'Û' => "U",
            _ => "?",
        };
        out.push_str(replacement);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        // 127 basic characters besides the escape, 10 in the extension table.
        assert_eq!(BASIC.chars().count(), 127);
        assert_eq!(EXTENSION.chars().count(), 10);
        assert!(is_gsm7("Halo Siti, saldo Anda Rp25.000. Balas 1 untuk YA."));
        assert!(is_gsm7("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\r\n"));
        assert!(is_gsm7("^{}\\[~]|€"));
        assert!(is_gsm7(""));
        let not = [
            "\u{201C}kutip\u{201D}",
            "it\u{2019}s",
            "\u{2068}Siti\u{2069}",
            "\u{200E}",
            "a\u{00A0}b",
            "saldo \u{1F4B0}",
            "\u{2013}",
            "\u{2026}",
            "\t",
            "á",
            "ç", // only the capital Ç is GSM-7
            "`",
        ];
        for s in not {
            assert!(!is_gsm7(s), "{s:?}");
        }
    }

    #[test]
    fn non_gsm7_characters_listed_once() {
        assert_eq!(
            non_gsm7_chars("\u{2068}Siti\u{2069} \u{2068}Budi\u{2069} \u{1F600}"),
            vec!['\u{2068}', '\u{2069}', '\u{1F600}']
        );
        assert!(non_gsm7_chars("Rp25.000 {ok}").is_empty());
    }

    #[test]
    fn segments() {
        let a = |n: usize| "a".repeat(n);
        let cases: Vec<(String, usize)> = vec![
            (String::new(), 1),
            (a(1), 1),
            (a(160), 1),
            (a(161), 2),
            (a(306), 2),
            (a(307), 3),
            (a(459), 3),
            (a(460), 4),
            // Extension characters count double.
            ("€".repeat(80), 1),
            (format!("{}€", a(159)), 2),
            (format!("{}€", a(158)), 1),
            // A double-septet character that would straddle parts moves to the next one:
            // 152 + 2 does not fit in 153, so part 2 gets it; 152 + 2 + 152 = 306 septets.
            (format!("{}€{}", a(152), a(152)), 3),
            (format!("{}€{}", a(151), a(153)), 2),
            // UCS-2: one non-GSM character switches everything.
            (format!("{}\u{2019}", a(69)), 1),
            (format!("{}\u{2019}", a(70)), 2),
            (a(69) + "\u{2068}", 1),
            (a(134), 1),
            (format!("{}\u{201C}", a(133)), 2),
            (format!("{}\u{201C}", a(134)), 3),
            // Emoji are surrogate pairs: two code units, never split.
            ("\u{1F600}".repeat(35), 1),
            (format!("{}\u{1F600}", a(69)), 2),
            (format!("{}\u{1F600}{}", a(66), a(66)), 3),
            (format!("{}\u{1F600}{}", a(65), a(67)), 2),
        ];
        for (text, want) in cases {
            assert_eq!(
                sms_segments(&text),
                want,
                "{} chars: {:?}…",
                text.chars().count(),
                text.chars().take(5).collect::<String>()
            );
        }
    }

    #[test]
    fn lossy_conversion() {
        let cases = [
            ("\u{201C}Halo\u{201D}", "\"Halo\""),
            ("it\u{2019}s \u{2018}ok\u{2019}", "it's 'ok'"),
            ("07.00\u{2013}09.00 \u{2014} pagi", "07.00-09.00 - pagi"),
            ("tunggu\u{2026}", "tunggu..."),
            ("Rp\u{00A0}25.000", "Rp 25.000"),
            ("Halo \u{2068}Siti\u{2069}!", "Halo Siti!"),
            ("\u{200E}a\u{200F}b\u{FEFF}", "ab"),
            ("saldo \u{1F4B0}", "saldo ?"),
            ("Caf\u{00E9} Jos\u{00E9}", "Café José"),
            ("S\u{00E1}o Tom\u{00E9}", "Sao Tomé"),
            ("^{}\\[~]|€", "^{}\\[~]|€"),
            ("a\tb", "a b"),
            ("\u{2022} satu", "- satu"),
        ];
        for (input, want) in cases {
            let got = to_gsm7_lossy(input);
            assert_eq!(got, want, "input {input:?}");
            assert!(is_gsm7(&got), "{got:?}");
        }
    }
}
