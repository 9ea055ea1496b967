//! Small secrets kept in files beside the pepper: a directory's bind
//! password, an API client's secret. Read at start-up, refused when others
//! can read them, never logged, wiped from memory when dropped.

use std::path::Path;
use zeroize::Zeroizing;

/// Longest secret accepted (a bind password or client secret, not a file
/// of anything else by mistake).
const MAX_SECRET_BYTES: u64 = 4096;

#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    #[error("the secret file {0} does not exist")]
    Missing(String),
    #[error(
        "the secret file {path} is readable by other users (mode {mode:o}): run `chmod 600 {path}`"
    )]
    TooOpen { path: String, mode: u32 },
    #[error("the secret file {0} is empty or larger than 4 KiB")]
    BadSize(String),
    #[error("the secret file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Why a private file could not be read.
pub(crate) enum PrivateReadError {
    Missing,
    /// Group or others may read it (the mode).
    TooOpen(u32),
    /// Longer than the caller allows.
    TooLarge,
    Io(std::io::Error),
}

/// Reads a file only its owner may read, up to `max_bytes`, into memory
/// that is wiped when dropped.
pub(crate) fn read_private(
    path: &Path,
    max_bytes: u64,
) -> Result<Zeroizing<String>, PrivateReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => PrivateReadError::Missing,
        _ => PrivateReadError::Io(e),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(PrivateReadError::TooOpen(mode));
        }
    }
    if meta.len() > max_bytes {
        return Err(PrivateReadError::TooLarge);
    }
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(PrivateReadError::Io)
}

/// Reads the secret on the file's first line (a trailing newline is not
/// part of it).
pub fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, SecretFileError> {
    let shown = path.display().to_string();
    let text = read_private(path, MAX_SECRET_BYTES).map_err(|e| match e {
        PrivateReadError::Missing => SecretFileError::Missing(shown.clone()),
        PrivateReadError::TooOpen(mode) => SecretFileError::TooOpen {
            path: shown.clone(),
            mode,
        },
        PrivateReadError::TooLarge => SecretFileError::BadSize(shown.clone()),
        PrivateReadError::Io(source) => SecretFileError::Io {
            path: shown.clone(),
            source,
        },
    })?;
    let first = text.lines().next().unwrap_or_default();
    if first.is_empty() {
        return Err(SecretFileError::BadSize(shown));
    }
    Ok(Zeroizing::new(first.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_read_and_open_ones_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bind");
        std::fs::write(&path, "s3cret pass\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_secret_file(&path).unwrap().as_str(), "s3cret pass");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = read_secret_file(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600") && !e.contains("s3cret"), "{e}");
        assert!(matches!(
            read_secret_file(&dir.path().join("none")),
            Err(SecretFileError::Missing(_))
        ));
    }
}
