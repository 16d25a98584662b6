//! Every idempotency key of the ledger, built in one place (DESIGN §6: every transfer has one).
//! Keys are unique in the whole deployment: what they name (a phone, a KK number, a merchant
//! code, a request or order number) is, so a key never needs the kelurahan — the stimulus key
//! `stimulus:<date>:<no_kk>` credits a household once per date whichever kelurahan runs.
//!
//! A key names the one event that may move money once: a confirmation typed by a resident (its
//! phone and the millisecond it was confirmed), a request paid (its number), a day's stimulus for
//! a household, or an officer's call to the API (the client's `Idempotency-Key` header; without
//! one, a fresh random key, so a call without the header is never mistaken for another). Two
//! events never share a key, and a retry of the same event always builds the same key.

/// `BAYAR`: the payment confirmed on `phone` at `confirmed_at` (ms).
pub fn payment(phone: &str, confirmed_at: i64) -> String {
    format!("pay:{phone}:{confirmed_at}")
}

/// `DONASI`: the donation confirmed on `phone` at `confirmed_at` (ms).
pub fn donation(phone: &str, confirmed_at: i64) -> String {
    format!("donate:{phone}:{confirmed_at}")
}

/// `TAGIHAN`: payment request `id`, paid once whoever confirms it and however often.
pub fn payment_request(id: i64) -> String {
    format!("tagih:{id}")
}

/// `PESAN`: order `id`, paid once.
pub fn order(id: i64) -> String {
    format!("order:{id}")
}

/// The prefix of every stimulus transfer for `date` (`YYYY-MM-DD`).
pub fn stimulus_prefix(date: &str) -> String {
    format!("stimulus:{date}:")
}

/// The stimulus of household `no_kk` for `date`: once per household per date.
pub fn stimulus(date: &str, no_kk: &str) -> String {
    format!("{}{no_kk}", stimulus_prefix(date))
}

/// The date a stimulus transfer is for, read back from its key ([`stimulus`]); `None` for any
/// other key.
pub fn stimulus_date(key: &str) -> Option<chrono::NaiveDate> {
    let date = key.strip_prefix("stimulus:")?.split(':').next()?;
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

/// A merchant's cash-out through the API (`POST /api/merchants/{code}/redeem`).
pub fn redeem(code: &str, client_key: Option<&str>, now: i64) -> String {
    api_call("redeem", code, client_key, now)
}

/// Cash paid into household `no_kk`'s purse through the API
/// (`POST /api/wallets/{no_kk}/deposit`).
pub fn deposit(no_kk: &str, client_key: Option<&str>, now: i64) -> String {
    api_call("deposit", no_kk, client_key, now)
}

/// A campaign spend through the API (`POST /api/campaigns/{n}/spends`).
pub fn campaign_spend(number: i64, client_key: Option<&str>, now: i64) -> String {
    api_call("spend", &number.to_string(), client_key, now)
}

/// `<kind>:<subject>:<client key>`, or a fresh key when the client sent none (or a blank one).
fn api_call(kind: &str, subject: &str, client_key: Option<&str>, now: i64) -> String {
    match client_key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => format!("{kind}:{subject}:{k}"),
        None => format!("{kind}:{subject}:{now}:{:016x}", rand::random::<u64>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_event_builds_the_same_key() {
        assert_eq!(payment("+6281234", 5), "pay:+6281234:5");
        assert_eq!(stimulus("2026-12-01", "3174"), "stimulus:2026-12-01:3174");
        assert!(stimulus("2026-12-01", "3174").starts_with(&stimulus_prefix("2026-12-01")));
        assert_eq!(
            stimulus_date(&stimulus("2026-12-01", "3174")),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        assert_eq!(stimulus_date(&payment("+6281234", 5)), None);
        assert_eq!(redeem("W001", Some(" abc "), 1), "redeem:W001:abc");
        assert_eq!(
            deposit("3174", Some("k1"), 1),
            deposit("3174", Some("k1"), 2)
        );
        assert_ne!(
            deposit("3174", Some("k1"), 1),
            deposit("3175", Some("k1"), 1)
        );
        assert_eq!(
            campaign_spend(3, Some("x"), 1),
            campaign_spend(3, Some("x"), 2)
        );
    }

    #[test]
    fn a_call_without_a_client_key_is_never_a_retry_of_another() {
        assert_ne!(redeem("W001", None, 1), redeem("W001", None, 1));
        assert_ne!(redeem("W001", Some("  "), 1), redeem("W001", Some("  "), 1));
    }
}
