//! The README's installation recipe, performed by `scripts/install-check`
//! under a temporary prefix (service user, init as that user, staff through
//! sudo, the systemd unit's command, backup and restore); and `avain
//! backup` on its own.

mod common;

use common::bin::avain;
use std::process::Command;

#[test]
fn the_install_recipe_works_step_by_step() {
    if !nix::unistd::getuid().is_root() {
        common::skip("the install recipe creates a service user, which needs root");
        return;
    }
    if Command::new("sudo").arg("--version").output().is_err() {
        common::skip("sudo is not installed (the recipe runs avain as the service user with it)");
        return;
    }
    let out = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/install-check"
        ))
        .arg(env!("CARGO_BIN_EXE_avain"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("install-check: ok"),
        "{stdout}\n{stderr}"
    );
    for step in [
        "config check: valid, no warnings",
        "restored copy: avain check ok",
    ] {
        assert!(stdout.contains(step), "{stdout}");
    }
}

#[test]
fn a_backup_is_a_private_consistent_copy_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let built = avain(data, &["demo", "--no-console", "--accounts", "20"], None);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let copy = data.join("copy.db");
    let copy_arg = copy.to_str().unwrap();
    let made = avain(data, &["--demo", "backup", copy_arg], None);
    assert_eq!(made.code, 0, "{}", made.stderr);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = avain(data, &["--demo", "backup", copy_arg], None);
    assert_eq!(again.code, 1, "{}", again.stdout);
    assert!(
        again.stderr.contains("never overwrites"),
        "{}",
        again.stderr
    );
    // The copy is a whole database: open it in place of the demo's (with
    // the same pepper) and check it.
    let demo = data.join("demo");
    std::fs::rename(demo.join("avain.db"), demo.join("live.db")).unwrap();
    for side in ["avain.db-wal", "avain.db-shm"] {
        let _ = std::fs::remove_file(demo.join(side));
    }
    std::fs::copy(&copy, demo.join("avain.db")).unwrap();
    let check = avain(data, &["--demo", "check"], None);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    let found = avain(data, &["--demo", "--json", "search", "virtanen"], None).json();
    assert!(!found.as_array().unwrap().is_empty());
    let audit = avain(data, &["--demo", "audit", "list"], None);
    assert!(
        !audit.stdout.contains("database.backup"),
        "the copy predates its own audit row"
    );
}
