//! SMS Gateway for Android (open source, Apache-2.0): an Android phone with a local SIM sends
//! and receives the kelurahan's SMS, the two-way route that works in Indonesia.
//!
//! - [`signature`]: `X-Signature` / `X-Timestamp` (HMAC-SHA256 of body + timestamp, ±5 minutes);
//! - [`inbound`]: `POST /webhooks/android-sms` events (`sms:received`, `sms:sent`,
//!   `sms:delivered`, `sms:failed`, `system:ping`, `mms:received`);
//! - [`send`]: the gateway's REST API (`POST {ANDROID_SMS_API_URL}/message`, basic auth);
//! - [`sims`]: the phones and SIMs: per-SIM caps, spreading, resting, health.
//!
//! A gateway phone is a kelurahan's SMS number written `android:<deviceId>` (the app's device
//! id, shown by `GET /api/sms-devices` once the phone has sent an event): a message that came
//! through it belongs to that kelurahan, and that kelurahan's replies go out through its phones.

pub mod inbound;
pub mod send;
pub mod signature;
pub mod sims;

/// How a kelurahan's SMS numbers name a gateway phone.
pub const NUMBER_PREFIX: &str = "android:";

/// The SMS number of the gateway phone `device_id`.
pub fn device_number(device_id: &str) -> String {
    format!("{NUMBER_PREFIX}{device_id}")
}

/// The device id in an SMS number written `android:<deviceId>` (letters, digits, `-`, `_`; at
/// most 64), or `None` for any other number.
pub fn device_of(number: &str) -> Option<&str> {
    let id = number.trim().strip_prefix(NUMBER_PREFIX)?;
    let valid = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_phones_are_numbers_written_android_device_id() {
        assert_eq!(
            device_of("android:ffffffffceb0b1db0000018e937c815b"),
            Some("ffffffffceb0b1db0000018e937c815b")
        );
        assert_eq!(
            device_of(&device_number("yVULogr4Y1ksRfnos1Dsw")),
            Some("yVULogr4Y1ksRfnos1Dsw")
        );
        assert_eq!(device_of("+6281234567890"), None);
        assert_eq!(device_of("android:"), None);
        assert_eq!(device_of("android:a b"), None);
    }
}
