//! Keys: the server's own ed25519 host key (made once, kept private in the
//! data folder, so clients' `known_hosts` stay valid over restarts), and
//! staff public keys given as OpenSSH lines.

use crate::service::StaffKey;
use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, HashAlg, PrivateKey, PublicKey};
use std::path::Path;

/// Longest public key line accepted (an RSA 16384-bit key is ~2.8 KB).
const MAX_KEY_LINE: usize = 8 * 1024;

/// The host key at `path`, made on first use (mode 0600). Returns the key
/// and whether it was just made.
pub fn load_or_create_host_key(path: &Path) -> Result<(PrivateKey, bool), String> {
    let shown = path.display();
    if path.exists() {
        check_private(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        let key = PrivateKey::from_openssh(text.as_bytes())
            .map_err(|e| format!("{shown} is not an OpenSSH private key: {e}"))?;
        return Ok((key, false));
    }
    let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
        .map_err(|e| format!("making a host key: {e}"))?;
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| format!("writing a host key: {e}"))?;
    write_private(path, text.as_bytes()).map_err(|e| format!("{shown}: {e}"))?;
    Ok((key, true))
}

/// The host key's fingerprint, as `ssh-keygen -lf` and clients show it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The host key's fingerprint, reading (not making) the key.
pub fn host_key_fingerprint(path: &Path) -> Result<String, String> {
    if !path.exists() {
        return Err(format!(
            "{} does not exist yet: `avain serve --ssh …` makes it on first start",
            path.display()
        ));
    }
    let (key, _) = load_or_create_host_key(path)?;
    Ok(fingerprint(key.public_key()))
}

fn check_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "the SSH host key {} is readable by other users (mode {mode:o}): run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A staff member's key from an OpenSSH public key line
/// (`ssh-ed25519 AAAA… comment`, as in `~/.ssh/id_ed25519.pub`).
pub fn parse_staff_key(line: &str) -> Result<StaffKey, String> {
    let line = line.trim();
    if line.is_empty() {
        return Err("no key given: pass the line of the desk's .pub file".into());
    }
    if line.contains("PRIVATE KEY") {
        return Err(
            "that is a private key: give the .pub file's line, and keep the private key secret"
                .into(),
        );
    }
    if line.len() > MAX_KEY_LINE || line.lines().count() > 1 {
        return Err("expected one public key line".into());
    }
    let key = PublicKey::from_openssh(line)
        .map_err(|e| format!("not an OpenSSH public key line ({e})"))?;
    let comment = Some(key.comment().to_string()).filter(|c| !c.is_empty());
    let mut bare = key.clone();
    bare.set_comment("");
    let public_key = bare
        .to_openssh()
        .map_err(|e| format!("cannot encode the key: {e}"))?;
    Ok(StaffKey {
        fingerprint: fingerprint(&key),
        public_key: public_key.trim().to_string(),
        comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_key_is_made_once_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ssh_host_ed25519_key");
        let (first, made) = load_or_create_host_key(&path).unwrap();
        assert!(made);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, made) = load_or_create_host_key(&path).unwrap();
        assert!(!made);
        assert_eq!(
            fingerprint(first.public_key()),
            fingerprint(again.public_key())
        );
        assert!(host_key_fingerprint(&path).unwrap().starts_with("SHA256:"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            load_or_create_host_key(&path)
                .unwrap_err()
                .contains("chmod 600")
        );
    }

    #[test]
    fn staff_keys_are_parsed_from_public_key_lines() {
        let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap();
        let mut public = key.public_key().clone();
        public.set_comment("desk1@library");
        let line = public.to_openssh().unwrap();
        let parsed = parse_staff_key(&format!("  {line}\n")).unwrap();
        assert_eq!(parsed.fingerprint, fingerprint(key.public_key()));
        assert_eq!(parsed.comment.as_deref(), Some("desk1@library"));
        assert!(parsed.public_key.starts_with("ssh-ed25519 AAAA"));
        assert!(!parsed.public_key.contains("desk1"));
        assert!(parse_staff_key("").is_err());
        assert!(parse_staff_key("ssh-ed25519 notbase64").is_err());
        let private = key.to_openssh(LineEnding::LF).unwrap();
        assert!(parse_staff_key(&private).unwrap_err().contains("private"));
    }
}
