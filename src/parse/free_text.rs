//! A resident's or officer's own words kept as typed (a ticket, a letter's purpose, an answer, a
//! reason): trimmed, not empty, not too long, and never digits only (it may be a PIN typed in
//! the wrong place). One rule for every free text the kelurahan keeps.

/// Why a free text is not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FreeTextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than {max} characters ({length})")]
    TooLong { max: usize, length: usize },
    #[error("a text of digits only is not taken (it may be a PIN)")]
    Digits,
}

/// `text` trimmed, if it is a free text of at most `max` characters.
pub fn free_text(text: &str, max: usize) -> Result<&str, FreeTextError> {
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 {
        Err(FreeTextError::Empty)
    } else if length > max {
        Err(FreeTextError::TooLong { max, length })
    } else if super::words::may_be_pin(text) {
        Err(FreeTextError::Digits)
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_texts_are_trimmed_and_checked() {
        assert_eq!(free_text("  ", 10), Err(FreeTextError::Empty));
        assert_eq!(free_text("123456", 10), Err(FreeTextError::Digits));
        assert_eq!(
            free_text("abcdefghijk", 10),
            Err(FreeTextError::TooLong {
                max: 10,
                length: 11
            })
        );
        assert_eq!(free_text(" melamar kerja ", 20), Ok("melamar kerja"));
    }
}
