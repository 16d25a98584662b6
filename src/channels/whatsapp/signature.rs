//! Verifying a WhatsApp (Meta) webhook signature: `X-Hub-Signature-256: sha256=<hex>` where the
//! hex is HMAC-SHA256 of the raw request body keyed with the app secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "x-hub-signature-256";

fn mac(app_secret: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    mac
}

/// The header value Meta would send for `body`: `sha256=<lowercase hex>`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(app_secret, body).finalize().into_bytes())
    )
}

/// True when `header` is a correct signature of `body`. Compared in constant time.
pub fn verify(app_secret: &str, header: Option<&str>, body: &[u8]) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    mac(app_secret, body).verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_signature_verifies_and_tampering_does_not() {
        let sig = sign("s3cret", b"{\"a\":1}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(verify("s3cret", Some(&sig), b"{\"a\":1}"));
        assert!(!verify("s3cret", Some(&sig), b"{\"a\":2}"));
        assert!(!verify("other", Some(&sig), b"{\"a\":1}"));
        assert!(!verify("s3cret", None, b"{\"a\":1}"));
        assert!(!verify("s3cret", Some(&sig[7..]), b"{\"a\":1}"));
        assert!(!verify("s3cret", Some("sha256=zz"), b"{\"a\":1}"));
    }

    #[test]
    fn matches_an_independent_hmac() {
        // printf 'hello' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sign("key", b"hello"),
            "sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b"
        );
    }
}
