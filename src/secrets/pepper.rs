//! The pepper file: one key per line, `ID BASE64`, the first line current.
//! Older keys stay so hashes made with them still verify after a rotation.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::path::Path;
use zeroize::Zeroizing;

/// Largest pepper file read (hundreds of rotated keys fit).
const MAX_PEPPER_BYTES: u64 = 64 * 1024;

/// One key of the pepper file.
pub struct PepperKey {
    pub id: String,
    secret: Zeroizing<Vec<u8>>,
}

/// All keys of the pepper file; the first is used for new hashes.
pub struct Pepper {
    keys: Vec<PepperKey>,
}

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        write!(f, "Pepper {{ keys: {ids:?} }}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PepperError {
    #[error("the pepper file {0} does not exist: run `avain init` (or `avain demo`) first")]
    Missing(String),
    #[error(
        "the pepper file {path} is readable by other users (mode {mode:o}): run `chmod 600 {path}`"
    )]
    TooOpen { path: String, mode: u32 },
    #[error("the pepper file {path}, line {line}: {message}")]
    Malformed {
        path: String,
        line: usize,
        message: String,
    },
    #[error("the pepper file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Pepper {
    /// A fresh single-key pepper from the OS random source.
    pub fn generate(id: &str) -> Pepper {
        let mut secret = Zeroizing::new(vec![0u8; 32]);
        getrandom::fill(&mut secret).expect("the OS random source is available");
        Pepper {
            keys: vec![PepperKey {
                id: id.to_string(),
                secret,
            }],
        }
    }

    /// Reads the file, refusing one that others can read.
    pub fn load(path: &Path) -> Result<Pepper, PepperError> {
        use super::secret_file::{PrivateReadError, read_private};
        let shown = path.display().to_string();
        let text = read_private(path, MAX_PEPPER_BYTES).map_err(|e| match e {
            PrivateReadError::Missing => PepperError::Missing(shown.clone()),
            PrivateReadError::TooOpen(mode) => PepperError::TooOpen {
                path: shown.clone(),
                mode,
            },
            PrivateReadError::TooLarge => PepperError::Malformed {
                path: shown.clone(),
                line: 1,
                message: "the file is larger than 64 KiB".into(),
            },
            PrivateReadError::Io(source) => PepperError::Io {
                path: shown.clone(),
                source,
            },
        })?;
        Pepper::parse(&text).map_err(|(line, message)| PepperError::Malformed {
            path: shown,
            line,
            message,
        })
    }

    fn parse(text: &str) -> Result<Pepper, (usize, String)> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, b64) = line
                .split_once(' ')
                .ok_or((n + 1, "expected `ID BASE64`".to_string()))?;
            let secret = Zeroizing::new(
                STANDARD
                    .decode(b64.trim())
                    .map_err(|_| (n + 1, "the key is not base64".to_string()))?,
            );
            if secret.len() < 32 {
                return Err((n + 1, "a key needs at least 32 bytes".into()));
            }
            keys.push(PepperKey {
                id: id.to_string(),
                secret,
            });
        }
        if keys.is_empty() {
            return Err((1, "no key in the file".into()));
        }
        Ok(Pepper { keys })
    }

    /// Writes a new file with mode 0600; refuses to overwrite.
    pub fn write_new(&self, path: &Path) -> Result<(), PepperError> {
        let shown = path.display().to_string();
        let io = |e| PepperError::Io {
            path: shown.clone(),
            source: e,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(io)?;
        let mut text = Zeroizing::new(String::from(
            "# avain pepper: keep secret, back up apart from the database.\n",
        ));
        for key in &self.keys {
            text.push_str(&format!("{} {}\n", key.id, STANDARD.encode(&*key.secret)));
        }
        use std::io::Write;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)
    }

    /// The key for new hashes.
    pub fn current(&self) -> &PepperKey {
        &self.keys[0]
    }

    /// The key with this id, for verifying older hashes.
    pub fn key(&self, id: &str) -> Option<&PepperKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// A separate 32-byte key for one purpose, derived from the current
    /// key, so the audit chain and the outbox seal never reuse the pepper.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        self.current().derive(purpose)
    }
}

impl PepperKey {
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).expect("any key length");
        mac.update(b"avain-derive-v1:");
        mac.update(purpose.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_peppers_load_back_and_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/pepper");
        let pepper = Pepper::generate("k1");
        pepper.write_new(&path).unwrap();
        let loaded = Pepper::load(&path).unwrap();
        assert_eq!(loaded.current().id, "k1");
        assert_eq!(loaded.current().secret(), pepper.current().secret());
        assert!(pepper.write_new(&path).is_err(), "never overwrites");
        assert!(!format!("{loaded:?}").contains(&STANDARD.encode(pepper.current().secret())));
    }

    #[cfg(unix)]
    #[test]
    fn an_open_pepper_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pepper");
        Pepper::generate("k1").write_new(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Pepper::load(&path),
            Err(PepperError::TooOpen { .. })
        ));
        assert!(matches!(
            Pepper::load(&dir.path().join("none")),
            Err(PepperError::Missing(_))
        ));
    }

    #[test]
    fn malformed_files_name_the_line() {
        let err = Pepper::parse("# c\nk1 notbase64!\n").err().unwrap();
        assert_eq!(err.0, 2);
        assert!(Pepper::parse("k1 AAAA\n").is_err(), "too short");
        assert!(Pepper::parse("").is_err());
    }

    #[test]
    fn derived_keys_differ_by_purpose() {
        let p = Pepper::generate("k1");
        assert_ne!(*p.derive("audit"), *p.derive("seal"));
        assert_eq!(*p.derive("audit"), *p.derive("audit"));
    }
}
