//! The SSH door with the real OpenSSH client on loopback: a desk logs in
//! with its own key and gets the console (in tmux, as a person would),
//! works, resizes, quits with exit 0; wrong keys, disabled staff,
//! commands and pty-less sessions are refused; the host key survives a
//! restart; twenty consoles at once each see their own screen; a stop
//! ends every console with a word. Needs ssh, ssh-keygen and tmux (CI
//! installs them); without them it says so and skips.

mod common;

use common::ssh::{SshFixture, tools_available};
use common::tmux::Tmux;
use std::time::{Duration, Instant};

fn audit_actions(f: &SshFixture) -> Vec<serde_json::Value> {
    let rows = f
        .avain(&["--json", "audit", "list", "--limit", "200"])
        .json();
    rows.as_array().unwrap().clone()
}

#[test]
fn a_desk_logs_in_works_resizes_and_quits() {
    if !tools_available() {
        return;
    }
    let f = SshFixture::start();
    let t = Tmux::run(
        "ssh-desk",
        &f.ssh_line("desk1", "LANG=fi_FI.UTF-8"),
        100,
        30,
    );
    // The console in Finnish (the client's LANG), at the client's size.
    let screen = t.wait_for(&["1 Haku", "Desk desk1", "SSH"]);
    assert!(
        screen.lines().next().unwrap().chars().count() <= 100,
        "{screen}"
    );
    // Search, open, send a link.
    t.text("2900100009");
    t.wait_for(&["(1)"]);
    t.keys("Enter");
    // The account is open once the act pane names it (the result row
    // names it at once).
    t.wait_for(&["Heli Saarinen · ", "4 Toimet"]);
    t.text("s");
    t.wait_for(&["Lähetetäänkö uusi linkki", "lakkaa toimimasta"]);
    t.keys("Enter");
    t.wait_for(&["lähetetty osoitteeseen"]);
    let links = f.avain(&["--json", "tokens", "2900100009"]).json();
    assert_eq!(links[0]["state"], "active", "{links}");
    assert_eq!(links[0]["created_by"], "Desk desk1", "{links}");
    // The console follows the client's window.
    t.resize(80, 24);
    let screen = t.wait_for(&["1 Haku"]);
    assert!(screen.lines().all(|l| l.chars().count() <= 80), "{screen}");
    assert!(
        screen.lines().filter(|l| !l.is_empty()).count() <= 24,
        "{screen}"
    );
    // Open while it runs, with the key it came in with.
    let sessions = f.avain(&["--json", "ssh", "sessions"]).json();
    assert_eq!(sessions[0]["login"], "desk1", "{sessions}");
    // Still in the Act pane (no text field there): q quits, ssh ends with 0.
    t.wait_for(&["q lopeta"]);
    t.text("q");
    t.wait_for(&["SSH-EXIT=0"]);
    let actions: Vec<String> = audit_actions(&f)
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect();
    assert!(actions.contains(&"ssh.login".to_string()), "{actions:?}");
    let logout = audit_actions(&f)
        .into_iter()
        .find(|r| r["action"] == "ssh.logout")
        .expect("a logout row");
    assert_eq!(logout["detail"]["reason"], "quit", "{logout}");
}

#[test]
fn strangers_commands_and_sessions_without_a_terminal_are_refused() {
    if !tools_available() {
        return;
    }
    let f = SshFixture::start();
    let batch = ["-o", "BatchMode=yes"];
    // A key nobody added.
    let stranger = f.data().join("stranger_key");
    assert!(
        std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&stranger)
            .status()
            .unwrap()
            .success()
    );
    let run = f.ssh("desk1", &stranger, &batch, &[]);
    assert_eq!(run.code, 255, "{}", run.stderr);
    assert!(run.stderr.contains("Permission denied"), "{}", run.stderr);
    // Another desk's key under this login.
    assert_eq!(f.ssh("desk2", &f.key("desk1"), &batch, &[]).code, 255);
    // A disabled staff member.
    assert_eq!(f.avain(&["staff", "disable", "desk2"]).code, 0);
    assert_eq!(f.ssh("desk2", &f.key("desk2"), &batch, &[]).code, 255);
    // No shell, no commands.
    let ls = f.ssh("desk1", &f.key("desk1"), &batch, &["ls", "/"]);
    assert_eq!(ls.code, 255, "{}{}", ls.stdout, ls.stderr);
    assert!(!ls.stdout.contains("etc"), "{}", ls.stdout);
    // No terminal: one line, then the channel closes.
    let plain = f.ssh(
        "desk1",
        &f.key("desk1"),
        &["-T", "-o", "BatchMode=yes"],
        &[],
    );
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    assert!(
        plain.stdout.contains("needs a terminal"),
        "{}",
        plain.stdout
    );
    // Every refusal is audited with its reason.
    let reasons: Vec<String> = audit_actions(&f)
        .iter()
        .filter(|r| r["action"] == "ssh.refused")
        .map(|r| r["detail"]["reason"].as_str().unwrap().to_string())
        .collect();
    for reason in ["unknown_key", "disabled", "no_terminal"] {
        assert!(
            reasons.contains(&reason.to_string()),
            "{reason}: {reasons:?}"
        );
    }
}

#[test]
fn consoles_and_connections_are_capped() {
    if !tools_available() {
        return;
    }
    let f = SshFixture::start_with("max_sessions = 1\nconnections_per_minute = 3");
    let first = Tmux::run("ssh-cap", &f.ssh_line("desk1", "LANG=en_GB.UTF-8"), 100, 30);
    first.wait_for(&["1 Search"]);
    // A second console while the only place is taken: told, not drawn.
    let second = f.ssh(
        "desk2",
        &f.key("desk2"),
        &["-tt", "-o", "BatchMode=yes"],
        &[],
    );
    assert_eq!(second.code, 1, "{}{}", second.stdout, second.stderr);
    assert!(
        second.stdout.contains("too many consoles"),
        "{}",
        second.stdout
    );
    // A third connection from the same address this minute is still let in;
    // the fourth is cut before the handshake.
    assert_eq!(
        f.ssh(
            "desk2",
            &f.key("desk2"),
            &["-T", "-o", "BatchMode=yes"],
            &[]
        )
        .code,
        1
    );
    let cut = f.ssh(
        "desk2",
        &f.key("desk2"),
        &["-T", "-o", "BatchMode=yes"],
        &[],
    );
    assert_eq!(cut.code, 255, "{}", cut.stderr);
}

#[test]
fn the_host_key_survives_a_restart() {
    if !tools_available() {
        return;
    }
    let mut f = SshFixture::start();
    let first = f.avain(&["ssh", "host-key"]).stdout;
    assert!(first.starts_with("SHA256:"), "{first}");
    // The first connection learns the key.
    assert_eq!(f.ssh("desk1", &f.key("desk1"), &["-T"], &[]).code, 1);
    assert!(f.stop().success());
    let line = f.serve();
    assert!(
        !line.contains("(new)") && line.contains(first.trim()),
        "{line}"
    );
    let strict = [
        "-T",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
    ];
    let again = f.ssh("desk1", &f.key("desk1"), &strict, &[]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(f.avain(&["ssh", "host-key"]).stdout, first);
}

#[test]
fn twenty_consoles_at_once_each_see_their_own_screen() {
    if !tools_available() {
        return;
    }
    let f = SshFixture::start();
    let queries = ["virtanen", "lehtonen", "nieminen", "koskinen", "laine"];
    let consoles: Vec<(Tmux, &str)> = (0..20)
        .map(|i| {
            let t = Tmux::run(
                &format!("ssh-many-{i}"),
                &f.ssh_line("desk1", "LANG=en_GB.UTF-8"),
                90,
                26,
            );
            (t, queries[i % queries.len()])
        })
        .collect();
    for (t, _) in &consoles {
        t.wait_for(&["1 Search"]);
    }
    for (t, q) in &consoles {
        t.text(q);
    }
    for (t, q) in &consoles {
        let screen = t.wait_for(&[&format!("› {q}")]);
        for other in queries.iter().filter(|o| *o != q) {
            assert!(!screen.contains(&format!("› {other}")), "{screen}");
        }
    }
    let open = f.avain(&["--json", "ssh", "sessions"]).json();
    assert_eq!(open.as_array().unwrap().len(), 20);
}

#[test]
fn disabling_staff_ends_their_console_and_a_stop_ends_every_console() {
    if !tools_available() {
        return;
    }
    let mut f = SshFixture::start();
    let two = Tmux::run(
        "ssh-withdrawn",
        &f.ssh_line("desk2", "LANG=en_GB.UTF-8"),
        100,
        30,
    );
    two.wait_for(&["1 Search"]);
    let start = Instant::now();
    assert_eq!(f.avain(&["staff", "disable", "desk2"]).code, 0);
    two.wait_for(&["access to avain was withdrawn", "SSH-EXIT=0"]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );

    let one = Tmux::run(
        "ssh-stopping",
        &f.ssh_line("desk1", "LANG=en_GB.UTF-8"),
        100,
        30,
    );
    one.wait_for(&["1 Search"]);
    assert!(f.stop().success());
    one.wait_for(&["avain is stopping", "SSH-EXIT=0"]);
    let reasons: Vec<String> = audit_actions(&f)
        .iter()
        .filter(|r| r["action"] == "ssh.logout")
        .map(|r| r["detail"]["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().all(|r| r == "ended"), "{reasons:?}");
}
