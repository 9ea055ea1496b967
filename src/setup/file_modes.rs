//! Files and folders of an installation that someone else on the machine
//! could read: the database (and its `-wal`/`-shm`), the pepper, the
//! configuration (it may hold an SMTP password), logs and mail files
//! (which may hold live links). avain creates them private (umask 077);
//! `avain check` reports any that were opened up later or made by hand.

use crate::config::Paths;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Folders are walked this deep, and no further than this many entries.
const MAX_DEPTH: usize = 4;
const MAX_ENTRIES: usize = 20_000;

/// Sets the process's umask so everything it creates is private.
pub fn private_umask() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
}

/// The installation's paths that group or others may read, write or
/// enter, with their modes.
pub fn exposed_files(paths: &Paths, log_dir: Option<&Path>) -> Vec<(PathBuf, u32)> {
    let mut roots: Vec<&Path> = vec![&paths.config_file, &paths.data_dir, &paths.mail_folder];
    roots.extend(log_dir);
    let sqlite = paths
        .database_url
        .strip_prefix("sqlite://")
        .map(|rest| PathBuf::from(rest.split('?').next().unwrap_or(rest)));
    let sqlite_side_files: Vec<PathBuf> = sqlite
        .iter()
        .flat_map(|db| {
            ["", "-wal", "-shm"].map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
        })
        .collect();
    roots.extend(sqlite_side_files.iter().map(PathBuf::as_path));
    let mut found = Vec::new();
    let mut seen = 0usize;
    for root in roots {
        walk(root, 0, &mut seen, &mut found);
    }
    found.sort();
    found.dedup();
    found
}

/// Can anyone but the user avain runs as get at a path of this mode and
/// group? Others never may; the group may read (and enter folders) only
/// when it is avain's own group with no other members, as for a
/// configuration kept `root:avain 0640` so the service cannot change it.
fn exposed(mode: u32, gid: u32) -> bool {
    mode & 0o007 != 0 || (mode & 0o070 != 0 && (mode & 0o020 != 0 || !group_is_private(gid)))
}

/// Is `gid` the group this process runs as, with no other members?
fn group_is_private(gid: u32) -> bool {
    use nix::unistd::{Gid, Group, getegid};
    gid == getegid().as_raw()
        && Group::from_gid(Gid::from_raw(gid))
            .ok()
            .flatten()
            .is_some_and(|g| g.mem.is_empty())
}

fn walk(path: &Path, depth: usize, seen: &mut usize, found: &mut Vec<(PathBuf, u32)>) {
    *seen += 1;
    if *seen > MAX_ENTRIES {
        return;
    }
    // Links are not followed: what they point to is not the installation's.
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.file_type().is_symlink() {
        return;
    }
    let mode = meta.permissions().mode() & 0o777;
    if exposed(mode, std::os::unix::fs::MetadataExt::gid(&meta)) {
        found.push((path.to_path_buf(), mode));
    }
    if meta.is_dir()
        && depth < MAX_DEPTH
        && let Ok(entries) = std::fs::read_dir(path)
    {
        for entry in entries.flatten() {
            walk(&entry.path(), depth + 1, seen, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_files_and_folders_are_found_private_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        let db = data.join("avain.db");
        for (name, mode) in [
            ("avain.db", 0o600),
            ("avain.db-wal", 0o644),
            ("pepper", 0o600),
        ] {
            let p = data.join(name);
            std::fs::write(&p, "x").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let mail = data.join("mail");
        std::fs::create_dir(&mail).unwrap();
        std::fs::set_permissions(&mail, std::fs::Permissions::from_mode(0o755)).unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "x").unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o604)).unwrap();
        let paths = Paths {
            config_file: config.clone(),
            data_dir: data.clone(),
            database_url: crate::config::sqlite_url(&db),
            pepper_file: data.join("pepper"),
            mail_folder: mail.clone(),
            ssh_host_key: data.join("ssh_host_ed25519_key"),
        };
        let found = exposed_files(&paths, None);
        assert_eq!(
            found,
            vec![
                (config, 0o604),
                (data.join("avain.db-wal"), 0o644),
                (mail, 0o755)
            ]
        );
    }
    #[test]
    fn only_a_private_group_may_read() {
        let ours = nix::unistd::getegid().as_raw();
        let private = group_is_private(ours);
        assert_eq!(exposed(0o640, ours), !private);
        assert_eq!(exposed(0o750, ours), !private);
        // Group write, others' bits, or another group: always exposed.
        assert!(exposed(0o660, ours));
        assert!(exposed(0o604, ours));
        assert!(exposed(0o640, ours.wrapping_add(4242)));
        assert!(!exposed(0o600, ours.wrapping_add(4242)));
    }
}
