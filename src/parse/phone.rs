//! Indonesian phone numbers in the forms residents type (`0812…`, `62812…`, `+62 812-…`) → E.164.

/// Normalises a phone number to E.164 (`+62812…`). Numbers already in another country's E.164 form
/// (`+44…`) are kept. Returns `None` for anything that is not a plausible phone number.
pub fn normalize_phone(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let plus = trimmed.starts_with('+');
    let mut digits = String::with_capacity(trimmed.len());
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            '+' if i == 0 => {}
            _ => return None,
        }
    }
    let national = if plus {
        if let Some(rest) = digits.strip_prefix("62") {
            rest.to_string()
        } else {
            // Another country: keep as given if its length is plausible for E.164.
            return (8..=15)
                .contains(&digits.len())
                .then(|| format!("+{digits}"));
        }
    } else if let Some(rest) = digits.strip_prefix("62") {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_string()
    } else {
        return None;
    };
    let national = national.strip_prefix('0').unwrap_or(&national);
    // Indonesian numbers: 8–12 digits after the country code, mobile ones start with 8.
    if !(8..=12).contains(&national.len()) || national.starts_with('0') {
        return None;
    }
    Some(format!("+62{national}"))
}

/// A phone for logs: country code and the last 3 digits only.
pub fn mask_phone(phone: &str) -> String {
    let n = phone.chars().count();
    if n <= 6 {
        return "***".into();
    }
    let head: String = phone.chars().take(3).collect();
    let tail: String = phone.chars().skip(n - 3).collect();
    format!("{head}***{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_residents_type() {
        let cases = [
            ("081234567890", Some("+6281234567890")),
            ("6281234567890", Some("+6281234567890")),
            ("+62 812-3456-7890", Some("+6281234567890")),
            ("+62 (812) 3456 7890", Some("+6281234567890")),
            ("+620812345678", Some("+62812345678")),
            ("0812 3456 789", Some("+628123456789")),
            ("+14155550100", Some("+14155550100")),
            ("12345", None),
            ("0812abc", None),
            ("", None),
            ("08", None),
            ("+62 812 3456 7890 1234 5", None),
            ("8123456789", None),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_phone(input).as_deref(), want, "input {input:?}");
        }
    }

    #[test]
    fn masked_phone_hides_the_middle() {
        assert_eq!(mask_phone("+6281234567890"), "+62***890");
    }
}
