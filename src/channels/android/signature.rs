//! Verifying an SMS Gateway for Android webhook: `X-Signature` is the lowercase hex of
//! HMAC-SHA256(signing key, raw body bytes followed by the `X-Timestamp` value), and
//! `X-Timestamp` is Unix seconds. A timestamp more than [`MAX_SKEW_SECONDS`] away from ours is
//! refused too, so a captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-signature";
pub const TIMESTAMP_HEADER: &str = "x-timestamp";
/// How far the phone's clock and ours may disagree (the app's documentation: ±5 minutes).
pub const MAX_SKEW_SECONDS: i64 = 300;

/// Why a request is refused (every case answers 401).
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("X-Signature or X-Timestamp missing")]
    Missing,
    #[error("X-Signature does not match the body and timestamp")]
    Wrong,
    #[error("X-Timestamp is not within 5 minutes of now")]
    Stale,
}

fn mac(key: &str, body: &[u8], timestamp: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    mac.update(timestamp.as_bytes());
    mac
}

/// The `X-Signature` the app would send for `body` at `timestamp` (Unix seconds, as written).
pub fn sign(key: &str, body: &[u8], timestamp: &str) -> String {
    hex::encode(mac(key, body, timestamp).finalize().into_bytes())
}

/// Checks both headers against `body`; `now_s` is our time in Unix seconds. The signature is
/// compared in constant time, and checked before the timestamp's age, so an unsigned request
/// learns nothing about our clock.
pub fn verify(
    key: &str,
    body: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    now_s: i64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let timestamp = timestamp.trim();
    let given = hex::decode(signature.trim()).map_err(|_| SignatureError::Wrong)?;
    mac(key, body, timestamp)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Wrong)?;
    let at: i64 = timestamp.parse().map_err(|_| SignatureError::Stale)?;
    if (now_s - at).abs() > MAX_SKEW_SECONDS {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn matches_an_independent_hmac() {
        // python3: hmac.new(b'key', b'hello' + b'1700000000', hashlib.sha256).hexdigest()
        assert_eq!(
            sign("key", b"hello", "1700000000"),
            "78627e73177724105242dcad85105309c70c06ab52444a17a566e3aa011d484e"
        );
    }

    #[test]
    fn wrong_missing_and_stale_are_refused() {
        let body = br#"{"event":"sms:received"}"#;
        let ts = NOW.to_string();
        let sig = sign("key", body, &ts);
        assert_eq!(verify("key", body, Some(&ts), Some(&sig), NOW), Ok(()));
        assert_eq!(
            verify("key", body, Some(&ts), Some(&sig.to_uppercase()), NOW + 300),
            Ok(())
        );
        assert_eq!(
            verify("other", body, Some(&ts), Some(&sig), NOW),
            Err(SignatureError::Wrong)
        );
        assert_eq!(
            verify("key", b"{}", Some(&ts), Some(&sig), NOW),
            Err(SignatureError::Wrong)
        );
        // The timestamp is signed: moving it breaks the signature.
        let later = (NOW + 60).to_string();
        assert_eq!(
            verify("key", body, Some(&later), Some(&sig), NOW),
            Err(SignatureError::Wrong)
        );
        assert_eq!(
            verify("key", body, None, Some(&sig), NOW),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify("key", body, Some(&ts), None, NOW),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify("key", body, Some(&ts), Some("zz"), NOW),
            Err(SignatureError::Wrong)
        );
        assert_eq!(
            verify("key", body, Some(&ts), Some(&sig), NOW + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("key", body, Some(&ts), Some(&sig), NOW - 301),
            Err(SignatureError::Stale)
        );
        let odd = "soon";
        let odd_sig = sign("key", body, odd);
        assert_eq!(
            verify("key", body, Some(odd), Some(&odd_sig), NOW),
            Err(SignatureError::Stale)
        );
    }
}
