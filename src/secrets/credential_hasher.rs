//! PIN and password hashing: Argon2id (m=19456 KiB, t=2, p=1) keyed with
//! the pepper, so a copy of the database alone verifies nothing.

use super::pepper::Pepper;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::Arc;

/// A stored credential: the PHC string and the id of the pepper key used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedCredential {
    pub phc: String,
    pub key_id: String,
}

/// Hashes and verifies credentials. Cheap to clone; hashing takes ~20 ms
/// of CPU and 19 MiB, so async callers run it on blocking threads, no
/// more at once than the machine has cores (a flood of forms queues
/// instead of filling memory).
#[derive(Clone)]
pub struct CredentialHasher {
    pepper: Arc<Pepper>,
    at_once: Arc<tokio::sync::Semaphore>,
}

fn params() -> Params {
    Params::new(19_456, 2, 1, Some(32)).expect("valid Argon2 parameters")
}

impl CredentialHasher {
    pub fn new(pepper: Arc<Pepper>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        CredentialHasher {
            pepper,
            at_once: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }

    pub fn hash(&self, secret: &str) -> HashedCredential {
        let key = self.pepper.current();
        let argon =
            Argon2::new_with_secret(key.secret(), Algorithm::Argon2id, Version::V0x13, params())
                .expect("pepper length is valid for Argon2");
        let phc = argon
            .hash_password(secret.as_bytes())
            .expect("hashing with a random salt succeeds")
            .to_string();
        HashedCredential {
            phc,
            key_id: key.id.clone(),
        }
    }

    /// True when `secret` matches. An unknown key id or a malformed hash
    /// verifies nothing.
    pub fn verify(&self, secret: &str, stored: &HashedCredential) -> bool {
        let Some(key) = self.pepper.key(&stored.key_id) else {
            return false;
        };
        let Ok(argon) =
            Argon2::new_with_secret(key.secret(), Algorithm::Argon2id, Version::V0x13, params())
        else {
            return false;
        };
        argon
            .verify_password(secret.as_bytes(), stored.phc.as_str())
            .is_ok()
    }

    /// Hashes on a blocking thread so the async runtime keeps serving.
    pub async fn hash_off_runtime(&self, secret: zeroize::Zeroizing<String>) -> HashedCredential {
        let _turn = self.at_once.acquire().await.expect("never closed");
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || hasher.hash(&secret))
            .await
            .expect("hashing does not panic")
    }

    /// Verifies on a blocking thread.
    pub async fn verify_off_runtime(
        &self,
        secret: zeroize::Zeroizing<String>,
        stored: HashedCredential,
    ) -> bool {
        let _turn = self.at_once.acquire().await.expect("never closed");
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || hasher.verify(&secret, &stored))
            .await
            .expect("verifying does not panic")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_with_the_same_pepper() {
        let hasher = CredentialHasher::new(Arc::new(Pepper::generate("k1")));
        let stored = hasher.hash("4831");
        assert!(
            stored.phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            stored.phc
        );
        assert_eq!(stored.key_id, "k1");
        assert!(hasher.verify("4831", &stored));
        assert!(!hasher.verify("4832", &stored));

        // A copy of the database without the pepper verifies nothing.
        let other = CredentialHasher::new(Arc::new(Pepper::generate("k1")));
        assert!(!other.verify("4831", &stored));
        let unkeyed = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        assert!(
            unkeyed
                .verify_password(b"4831", stored.phc.as_str())
                .is_err()
        );
        let unknown_key = HashedCredential {
            key_id: "k9".into(),
            ..stored.clone()
        };
        assert!(!hasher.verify("4831", &unknown_key));
    }
}
