//! WhatsApp Cloud API (Meta Graph API): webhook signature, webhook payloads, sending.
//!
//! A WhatsApp user is answered at their phone (`wa_id`, stored E.164) or, when they use a
//! username and Meta withholds their phone (2026), at their business-scoped user id (BSUID:
//! `from_user_id` of a message, `recipient_user_id` of a status), which the Cloud API takes as
//! a message's `recipient` instead of `to`. The id is stored as Meta gives it, in the place of
//! the phone.

pub mod inbound;
pub mod send;
pub mod signature;

/// Longest user id kept (Meta: a country code, a period and up to 128 letters and digits; a
/// parent id adds `ENT.`).
const MAX_USER_ID: usize = 140;

/// True for a WhatsApp business-scoped user id as Meta writes it: two capital letters (the
/// country), a period, then letters, digits and periods (`ID.1410018717833190`,
/// `US.ENT.11815799212886844830`). Never true for a phone number.
pub fn is_user_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 3
        && b.len() <= MAX_USER_ID
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2] == b'.'
        && b[3..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'.')
        && b[3..].iter().any(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_told_from_phones() {
        for id in [
            "ID.1410018717833190",
            "US.13491208655302741918",
            "US.ENT.11815799212886844830",
        ] {
            assert!(is_user_id(id), "{id}");
        }
        for not in [
            "+6281234567890",
            "6281234567890",
            "ID.",
            "ID..",
            "id.1410018717833190",
            "ID.14100 18717",
            "ID.1410018717833190'; --",
            "",
        ] {
            assert!(!is_user_id(not), "{not}");
        }
        assert!(!is_user_id(&format!("ID.{}", "1".repeat(200))));
    }
}
