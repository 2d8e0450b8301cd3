//! Credentials: a bearer token is a random secret shown once; only its sha256 digest is kept.

use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// A new secret and its id. The secret is shown once; only its digest is stored.
pub fn new_token() -> (String, String) {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let mut id = [0u8; 8];
    rand::rng().fill_bytes(&mut id);
    let token = format!(
        "gst_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    (token, format!("tok_{}", hex::encode(id)))
}

/// The stored form of a token: [`token_digest_bytes`] in lowercase hex.
pub fn token_digest(token: &str) -> String {
    hex::encode(token_digest_bytes(token))
}

/// The sha256 digest of a token's secret.
pub fn token_digest_bytes(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_digests_are_stable() {
        let (a, id_a) = new_token();
        let (b, id_b) = new_token();
        assert_ne!(a, b);
        assert_ne!(id_a, id_b);
        assert_eq!(token_digest(&a), token_digest(&a));
        assert_eq!(token_digest(&a).len(), 64);
        assert!(!token_digest(&a).contains(&a));
        assert_eq!(token_digest(&a), hex::encode(token_digest_bytes(&a)));
    }
}
