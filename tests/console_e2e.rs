//! The real console in a real terminal: `avain --demo` runs inside tmux,
//! keys are sent as a person would type them, and the screen is read
//! back at each step. Needs tmux; without it the test says it skips
//! (and fails under AVAIN_TEST_REQUIRE_ALL=1).

mod common;

use common::tmux::{Tmux, tmux_available};
use std::process::Command;
use std::time::Instant;

fn demo_data() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_avain"))
        .args(["demo", "--no-console"])
        .env("AVAIN_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn find_verify_send_a_link_and_see_it_active() {
    if !tmux_available() {
        return;
    }
    let data = demo_data();
    let t = Tmux::start("main", data.path(), "xterm-256color", 100, 30);
    t.wait_for(&["1 Search", "2 Verify", "3 Links", "4 Act", "Demo Admin"]);

    // Type a name: results appear as it is typed.
    t.text("aino virt");
    t.wait_for(&["Search (1)", "Aino Virtanen"]);

    // Open it: the Act pane shows the account, the Links pane its links.
    t.keys("Enter");
    t.wait_for(&["Aino Virtanen · Example City Library", "No links yet."]);

    // The caller gives the card and an email that differs in case.
    t.keys("2");
    t.text("2900100001");
    t.keys("Enter");
    t.text("Aino.Virtanen@example.fi");
    // From here every key counts: check, then the action the verdict
    // offers, straight from the email field.
    let keys_after_typing = ["Enter", "s", "Enter"];
    t.keys(keys_after_typing[0]);
    let screen = t.wait_for(&["The form would REFUSE", "letters differ in case"]);
    assert!(screen.contains("Card: exactly as stored"), "{screen}");
    let footer = screen.lines().last().unwrap_or_default();
    assert!(footer.trim_start().starts_with("s send link"), "{footer}");

    // Send a new link, confirm, and see it active with its mail sent.
    t.keys(keys_after_typing[1]);
    t.wait_for(&["Confirm", "Send a new Reset link"]);
    t.keys(keys_after_typing[2]);
    let screen = t.wait_for(&[
        "Reset · ACTIVE, expires in",
        "Reset link sent to",
        "mail sent",
    ]);
    assert!(screen.contains("Demo Admin ·"), "{screen}");
    eprintln!(
        "verify -> link sent after typing card and email: {} keys ({})",
        keys_after_typing.len(),
        keys_after_typing.join(" ")
    );
    assert!(keys_after_typing.len() <= 5);

    // Quit (the cursor is still in the email field, so Ctrl-C): the
    // process ends cleanly and the terminal is back.
    t.keys("C-c");
    t.wait_for(&["EXITED=0"]);
    let mails = std::fs::read_dir(data.path().join("demo/mail"))
        .unwrap()
        .count();
    assert!(mails > 0, "the link's mail was written");
}

#[test]
fn keystrokes_and_time_from_search_text_to_link_sent() {
    if !tmux_available() {
        return;
    }
    let data = demo_data();
    let t = Tmux::start("keys", data.path(), "screen", 100, 30);
    t.wait_for(&["1 Search"]);
    t.text("mikko leh");
    t.wait_for(&["Search (1)", "Mikko Lehtonen"]);
    let start = Instant::now();
    let keys = ["Enter", "s", "Enter"];
    t.keys(keys[0]);
    t.wait_for(&["Mikko Lehtonen · Example City Library"]);
    t.keys(keys[1]);
    t.wait_for(&["Confirm"]);
    t.keys(keys[2]);
    t.wait_for(&["Reset · ACTIVE, expires in"]);
    let elapsed = start.elapsed();
    eprintln!(
        "search text typed -> link sent: {} keys ({}), {} ms on screen",
        keys.len(),
        keys.join(" "),
        elapsed.as_millis()
    );
    assert!(keys.len() <= 6);
    // Ctrl-C leaves from a text field too.
    t.keys("/");
    t.keys("C-c");
    t.wait_for(&["EXITED=0"]);
}

#[test]
fn no_configuration_gives_advice_not_a_stack_trace() {
    if !tmux_available() {
        return;
    }
    let empty = tempfile::tempdir().unwrap();
    let command = format!(
        "env AVAIN_DATA_DIR='{}' '{}'; echo EXITED=$?; sleep 30",
        empty.path().display(),
        env!("CARGO_BIN_EXE_avain")
    );
    let t = Tmux::run("none", &command, 120, 10);
    let screen = t.wait_for(&["EXITED=2"]);
    assert!(
        screen.contains("avain demo") && screen.contains("avain init"),
        "{screen}"
    );
    assert!(
        !screen.contains("panicked") && !screen.contains("backtrace"),
        "{screen}"
    );
}

#[test]
fn a_panic_gives_the_terminal_back() {
    if !tmux_available() {
        return;
    }
    let data = demo_data();
    let command = format!(
        "env RUST_BACKTRACE=0 AVAIN_TEST_PANIC_AFTER_FRAME=1 AVAIN_DATA_DIR='{}' '{}' --demo; echo EXITED=$? STTY=$(stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'); sleep 30",
        data.path().display(),
        env!("CARGO_BIN_EXE_avain")
    );
    let t = Tmux::run("panic", &command, 120, 30);
    let screen = t.wait_for(&["EXITED=101 STTY="]);
    assert!(
        screen.contains("panic requested"),
        "the panic message is readable:\n{screen}"
    );
    assert!(
        screen.contains("EXITED=101 STTY=icanon"),
        "raw mode was left on:\n{screen}"
    );
    let alternate = Command::new("tmux")
        .args(["display-message", "-p", "-t", &t.session, "#{alternate_on}"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&alternate.stdout).trim(),
        "0",
        "still on the alternate screen"
    );
}
