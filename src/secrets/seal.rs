//! Sealing the one secret the outbox must keep until a mail is sent: the
//! link. ChaCha20-Poly1305 with a key derived from the pepper, so the
//! database alone never yields a usable link.

use super::pepper::Pepper;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use zeroize::Zeroizing;

#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl Sealer {
    pub fn new(pepper: &Pepper) -> Self {
        let key = pepper.derive("outbox-seal");
        Sealer {
            cipher: ChaCha20Poly1305::new(&Key::try_from(&key[..]).expect("32-byte key")),
        }
    }

    /// Encrypts `plain`, bound to `context` (e.g. the outbox row's purpose),
    /// as base64 of nonce + ciphertext.
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the OS random source is available");
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("encryption does not fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// Decrypts what [`Sealer::seal`] made; `None` if altered or foreign.
    pub fn open(&self, sealed: &str, context: &str) -> Option<Zeroizing<String>> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(
                &Nonce::try_from(nonce).ok()?,
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok().map(Zeroizing::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_the_same_key_and_context() {
        let pepper = Pepper::generate("k1");
        let sealer = Sealer::new(&pepper);
        let sealed = sealer.seal("https://x.fi/r/secret", "outbox:7");
        assert!(!sealed.contains("secret"));
        assert_eq!(
            sealer.open(&sealed, "outbox:7").unwrap().as_str(),
            "https://x.fi/r/secret"
        );
        assert!(sealer.open(&sealed, "outbox:8").is_none());
        assert!(
            Sealer::new(&Pepper::generate("k1"))
                .open(&sealed, "outbox:7")
                .is_none()
        );
        assert!(sealer.open("AAAA", "outbox:7").is_none());
    }
}
