//! Activation codes: 6 digits, single use, valid 7 days, issued by the kelurahan for one NIK.
//! Only a keyed SHA-256 of the code is stored; the code itself is shown once to the officer.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

/// How long a code is valid.
pub const CODE_VALID_MS: i64 = 7 * 24 * 3_600_000;

/// A fresh random 6-digit code (leading zeros kept).
pub fn new_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// The stored form of a code for one NIK: HMAC-SHA256(key, nik ":" code), hex.
pub fn code_hash(key: &[u8; 32], nik: &str, code: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(nik.as_bytes());
    mac.update(b":");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_bound_to_their_nik() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|c| c.is_ascii_digit()));
        }
        let k = [1; 32];
        assert_eq!(
            code_hash(&k, "3201010101900001", "123456"),
            code_hash(&k, "3201010101900001", "123456")
        );
        assert_ne!(
            code_hash(&k, "3201010101900001", "123456"),
            code_hash(&k, "3201010101900002", "123456")
        );
        assert_ne!(
            code_hash(&k, "3201010101900001", "123456"),
            code_hash(&[2; 32], "3201010101900001", "123456")
        );
    }
}
