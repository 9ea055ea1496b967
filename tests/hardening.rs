//! What an attack on a running installation found, each as a test: files
//! others could read, a spoofed `SUDO_USER`, output to a closed pipe, and
//! a token on the command line.

mod common;

use common::bin::avain;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Every file and folder below `root` with any group or other bit.
fn open_to_others(root: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            found.push((p.clone(), mode));
        }
        if meta.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        }
    }
    found
}

#[test]
fn demo_and_init_create_nothing_others_can_read_and_check_reports_what_is() {
    let dir = tempfile::tempdir().unwrap();
    // The demo: database (and its side files), pepper, logs, mail files.
    let demo_data = dir.path().join("demo");
    let demo = avain(&demo_data, &["--demo", "demo", "--no-console"], None);
    assert_eq!(demo.code, 0, "{}", demo.stderr);
    let mails = demo_data.join("demo/mail");
    assert!(
        std::fs::read_dir(&mails).unwrap().count() > 0,
        "the demo sent mail"
    );
    assert_eq!(open_to_others(&demo_data), vec![], "after demo");

    // init with its own config file.
    let data = dir.path().join("data");
    let config = dir.path().join("etc/avain.toml");
    let init = avain(
        &data,
        &[
            "--config",
            config.to_str().unwrap(),
            "init",
            "--admin",
            "root",
        ],
        None,
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert_eq!(open_to_others(&data), vec![], "after init");
    assert_eq!(
        open_to_others(&dir.path().join("etc")),
        vec![],
        "the config"
    );

    // check says so, and names what someone opened up.
    let check = avain(&demo_data, &["--demo", "--json", "check"], None);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert_eq!(check.json()["readable_by_others"], serde_json::json!([]));
    let db = demo_data.join("demo/avain.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let check = avain(&demo_data, &["--demo", "check"], None);
    assert_eq!(check.code, 1, "{}", check.stdout);
    assert!(
        check.stdout.contains("644") && check.stdout.contains("avain.db"),
        "{}",
        check.stdout
    );
}

/// Runs the binary as another user (the test runs as root).
fn as_user(
    user: &nix::unistd::User,
    data: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_avain"));
    cmd.args(args)
        .env("AVAIN_DATA_DIR", data)
        .env("AVAIN_LOG_DIR", data.join("logs"))
        .env_remove("SUDO_USER")
        .env_remove("SUDO_UID")
        .uid(user.uid.as_raw())
        .gid(user.gid.as_raw());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn a_spoofed_sudo_user_is_not_believed_outside_the_service_user() {
    if !nix::unistd::getuid().is_root() {
        common::skip("running as another user needs root");
        return;
    }
    let user = |name: &str| nix::unistd::User::from_name(name).unwrap().unwrap();
    let (service, desk) = (user("nobody"), user("daemon"));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = data.join("config.toml");
    let config_arg = config.to_str().unwrap();
    let init = avain(
        &data,
        &["--config", config_arg, "init", "--admin", "root"],
        None,
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    let added = avain(
        &data,
        &[
            "--config",
            config_arg,
            "staff",
            "add",
            "daemon",
            "--name",
            "Desk Daemon",
            "--org",
            "kirjasto",
        ],
        None,
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    // The installation belongs to the service user, as the README sets it up.
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "mode = \"os-user\"",
        "mode = \"os-user\"\nservice_user = \"nobody\"",
    );
    std::fs::write(&config, text).unwrap();
    std::process::Command::new("chown")
        .args(["-R", &format!("{}:{}", service.uid, service.gid)])
        .arg(dir.path())
        .status()
        .unwrap();
    // Opened up, as the installation was when this was found: a desk user
    // can run avain on it directly (the pepper, which must stay private,
    // handed to whoever runs it).
    std::process::Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(dir.path())
        .status()
        .unwrap();
    let pepper = data.join("pepper");
    let pepper_to = |u: &nix::unistd::User| {
        std::fs::set_permissions(&pepper, std::fs::Permissions::from_mode(0o600)).unwrap();
        nix::unistd::chown(&pepper, Some(u.uid), Some(u.gid)).unwrap();
    };
    pepper_to(&desk);
    let staff_list = ["--config", config_arg, "--json", "staff", "list"];
    let said = |out: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };

    // A desk user running avain directly and claiming to be root: they are
    // who their uid says, a desk member, and may not list staff.
    let spoof = as_user(
        &desk,
        &data,
        &staff_list,
        &[("SUDO_USER", "root"), ("SUDO_UID", "0")],
    );
    assert_eq!(spoof.status.code(), Some(1), "{}", said(&spoof));
    assert!(said(&spoof).contains("not allowed"), "{}", said(&spoof));

    pepper_to(&service);
    // Through sudo to the service user: the user sudo names. Root may list
    // staff; the desk user may not.
    let root = as_user(
        &service,
        &data,
        &staff_list,
        &[("SUDO_USER", "root"), ("SUDO_UID", "0")],
    );
    assert_eq!(root.status.code(), Some(0), "{}", said(&root));
    let desk_uid = desk.uid.to_string();
    let via_sudo = as_user(
        &service,
        &data,
        &staff_list,
        &[("SUDO_USER", "daemon"), ("SUDO_UID", &desk_uid)],
    );
    assert!(
        said(&via_sudo).contains("not allowed"),
        "{}",
        said(&via_sudo)
    );

    // The service user with a pair sudo would not write: itself (not staff).
    let forged = as_user(
        &service,
        &data,
        &staff_list,
        &[("SUDO_USER", "root"), ("SUDO_UID", &desk_uid)],
    );
    assert_ne!(forged.status.code(), Some(0));
    assert!(said(&forged).contains("nobody"), "{}", said(&forged));
}

#[test]
fn output_to_a_reader_that_went_away_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(
        avain(data, &["--demo", "demo", "--no-console"], None).code,
        0
    );
    for args in [
        &["--demo", "search", "virta"][..],
        &["--demo", "--json", "search", "virta"][..],
        &["--demo", "outbox", "list"][..],
        &["completions", "zsh"][..],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_avain"))
            .args(args)
            .env("AVAIN_DATA_DIR", data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader leaves before anything is written (`| head -0`).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
