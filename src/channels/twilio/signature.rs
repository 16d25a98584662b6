//! Verifying a Twilio webhook signature: `X-Twilio-Signature` is
//! base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value, sorted by name)), where
//! URL is the full URL Twilio called: `GOTONG_PUBLIC_URL` + the request's path and query.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const HEADER: &str = "x-twilio-signature";

fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key");
    mac.update(url.as_bytes());
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // By name; a repeated name's values in order too, as Twilio's own validators do.
    sorted.sort();
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The header value Twilio would send for a POST of `params` to `url`.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// True when `header` is a correct signature. Compared in constant time.
pub fn verify(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: Option<&str>,
) -> bool {
    let Some(given) = header.and_then(|h| {
        base64::engine::general_purpose::STANDARD
            .decode(h.trim())
            .ok()
    }) else {
        return false;
    };
    mac(auth_token, url, params).verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Twilio's documented example (security docs and the twilio-php validation guide).
    #[test]
    fn twilio_documented_vectors() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let p = params(&[
            ("To", "+18005551212"),
            ("From", "+14158675309"),
            ("Digits", "1234"),
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
        ]);
        assert_eq!(sign("12345", url, &p), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        assert!(verify(
            "12345",
            url,
            &p,
            Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        ));

        let p = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(sign("12345", url, &p), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    #[test]
    fn wrong_or_missing_signatures_fail() {
        let url = "https://gotong.example.id/webhooks/sms";
        let p = params(&[("Body", "SALDO"), ("From", "+6281234567890")]);
        let sig = sign("tok", url, &p);
        assert!(verify("tok", url, &p, Some(&sig)));
        assert!(!verify("other", url, &p, Some(&sig)));
        assert!(!verify(
            "tok",
            "https://elsewhere/webhooks/sms",
            &p,
            Some(&sig)
        ));
        let tampered = params(&[("Body", "BAYAR W001 500000"), ("From", "+6281234567890")]);
        assert!(!verify("tok", url, &tampered, Some(&sig)));
        assert!(!verify("tok", url, &p, None));
        assert!(!verify("tok", url, &p, Some("not base64!")));
    }
}
