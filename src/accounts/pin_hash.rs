//! PINs are stored only as Argon2id hashes, salted per PIN and peppered with `GOTONG_SECRET_KEY`
//! (so a stolen database alone cannot be brute-forced over the million possible PINs).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Hashes and verifies PINs with the deployment's secret key as pepper.
#[derive(Clone)]
pub struct PinHasher {
    key: [u8; 32],
    params: Params,
}

impl std::fmt::Debug for PinHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinHasher(..)")
    }
}

impl PinHasher {
    /// OWASP's Argon2id minimum: 19 MiB, 2 passes, 1 lane.
    pub fn new(key: [u8; 32]) -> Self {
        let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
        PinHasher { key, params }
    }

    fn argon(&self) -> Option<Argon2<'_>> {
        Argon2::new_with_secret(
            &self.key,
            Algorithm::Argon2id,
            Version::V0x13,
            self.params.clone(),
        )
        .ok()
    }

    /// A PHC string (`$argon2id$…`) for `pin`.
    pub fn hash(&self, pin: &str) -> String {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        self.argon()
            .and_then(|a| a.hash_password(pin.as_bytes(), &salt).ok())
            .map(|h| h.to_string())
            .unwrap_or_default()
    }

    /// Whether `pin` matches `stored`. A malformed hash never matches.
    pub fn verify(&self, pin: &str, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        self.argon()
            .is_some_and(|a| a.verify_password(pin.as_bytes(), &parsed).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_verifies_only_against_its_own_hash_and_key() {
        let h = PinHasher::new([7; 32]);
        let stored = h.hash("482915");
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("482915"));
        assert!(h.verify("482915", &stored));
        assert!(!h.verify("482916", &stored));
        assert!(
            !PinHasher::new([8; 32]).verify("482915", &stored),
            "the pepper matters"
        );
        assert!(!h.verify("482915", "not a hash"));
        assert_ne!(h.hash("482915"), stored, "salted");
    }
}
