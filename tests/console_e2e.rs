//! The real console in a real terminal: `avain --demo` runs inside tmux,
//! keys are sent as a person would type them, and the screen is read
//! back at each step. Needs tmux; without it the test says it skips
//! (and fails under AVAIN_TEST_REQUIRE_ALL=1).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

struct Tmux {
    session: String,
}

impl Tmux {
    /// The demo console in English under `term`.
    fn start(name: &str, data: &Path, term: &str, width: u16, height: u16) -> Tmux {
        let command = format!(
            "env TERM={term} AVAIN_DATA_DIR='{}' NO_COLOR= '{}' --demo --lang en; echo EXITED=$?; sleep 60",
            data.display(),
            env!("CARGO_BIN_EXE_avain")
        );
        Tmux::run(name, &command, width, height)
    }

    /// Any shell command in a detached session of `width`x`height`.
    fn run(name: &str, command: &str, width: u16, height: u16) -> Tmux {
        let session = format!("avain-e2e-{name}-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                command,
            ])
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Tmux { session }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends text literally, or a named key ("Enter", "Tab", "C-c").
    fn keys(&self, keys: &str) {
        Command::new("tmux")
            .args(["send-keys", "-t", &self.session, keys])
            .status()
            .unwrap();
    }

    fn text(&self, text: &str) {
        Command::new("tmux")
            .args(["send-keys", "-l", "-t", &self.session, text])
            .status()
            .unwrap();
    }

    /// Waits until the screen shows every one of `wanted`; returns the screen.
    fn wait_for(&self, wanted: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if wanted.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            if start.elapsed() > WAIT {
                panic!("waited {WAIT:?} for {wanted:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("AVAIN_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1") {
            panic!("AVAIN_TEST_REQUIRE_ALL=1 but tmux is not installed");
        }
        eprintln!("SKIPPED: tmux is not installed; the console end-to-end test did not run");
    }
    found
}

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
    t.keys("Enter");
    let screen = t.wait_for(&["The form would REFUSE", "letters differ in case"]);
    assert!(screen.contains("Card: exactly as stored"), "{screen}");

    // Send a new link, confirm, and see it active with its mail sent.
    t.keys("Tab");
    t.keys("s");
    t.wait_for(&["Confirm", "Send a new Reset link"]);
    t.keys("Enter");
    let screen = t.wait_for(&[
        "Reset · ACTIVE, expires in",
        "Reset link sent to",
        "mail sent",
    ]);
    assert!(screen.contains("Demo Admin ·"), "{screen}");

    // Quit: the process ends cleanly and the terminal is back.
    t.keys("q");
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
