//! Link tokens: 32 bytes from the OS random source, URL-safe base64 in the
//! link, only the SHA-256 kept at rest.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of a token as it appears in a link (32 bytes, base64 without padding).
pub const TOKEN_TEXT_LEN: usize = 43;

/// A freshly issued token: the text goes into the mail, the hash into the
/// database. The text is wiped from memory when dropped.
pub struct IssuedToken {
    pub text: Zeroizing<String>,
    pub hash: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// Draws a new token from the operating system's random source.
pub fn issue() -> IssuedToken {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut bytes[..]).expect("the OS random source is available");
    let text = Zeroizing::new(URL_SAFE_NO_PAD.encode(&bytes[..]));
    let hash = hash(&text);
    IssuedToken { text, hash }
}

/// The stored form of a token: lower-case hex SHA-256 of its text.
pub fn hash(token_text: &str) -> String {
    let digest = Sha256::digest(token_text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// True when `text` has the shape of a token (43 URL-safe base64
/// characters). Anything else is refused before it touches the database.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == TOKEN_TEXT_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Compares two stored hashes without leaking where they differ.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_are_unique_well_formed_and_hashed() {
        let a = issue();
        let b = issue();
        assert_ne!(*a.text, *b.text);
        assert!(looks_like_token(&a.text));
        assert_eq!(a.hash, hash(&a.text));
        assert_eq!(a.hash.len(), 64);
        assert!(!format!("{a:?}").contains(a.text.as_str()));
    }

    #[test]
    fn malformed_tokens_are_recognised() {
        assert!(!looks_like_token(""));
        assert!(!looks_like_token(&"a".repeat(42)));
        assert!(!looks_like_token(&format!("{}=", "a".repeat(42))));
        assert!(!looks_like_token(&format!("{}'", "a".repeat(42))));
    }

    #[test]
    fn hash_comparison() {
        assert!(hashes_equal(&hash("x"), &hash("x")));
        assert!(!hashes_equal(&hash("x"), &hash("y")));
        assert!(!hashes_equal("ab", "abc"));
    }
}
