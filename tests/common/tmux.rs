//! A terminal for tests: a detached tmux session running a command, keys
//! typed into it as a person would, and its screen read back.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(20);

pub struct Tmux {
    pub session: String,
}

impl Tmux {
    /// The demo console in English under `term`.
    pub fn start(name: &str, data: &Path, term: &str, width: u16, height: u16) -> Tmux {
        let command = format!(
            "env TERM={term} AVAIN_DATA_DIR='{}' NO_COLOR= '{}' --demo --lang en; echo EXITED=$?; sleep 60",
            data.display(),
            env!("CARGO_BIN_EXE_avain")
        );
        Tmux::run(name, &command, width, height)
    }

    /// Any shell command in a detached session of `width`x`height`.
    pub fn run(name: &str, command: &str, width: u16, height: u16) -> Tmux {
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

    /// Resizes the window, as a person dragging the terminal's corner.
    pub fn resize(&self, width: u16, height: u16) {
        Command::new("tmux")
            .args([
                "resize-window",
                "-t",
                &self.session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .status()
            .unwrap();
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends text literally, or a named key ("Enter", "Tab", "C-c").
    pub fn keys(&self, keys: &str) {
        Command::new("tmux")
            .args(["send-keys", "-t", &self.session, keys])
            .status()
            .unwrap();
    }

    pub fn text(&self, text: &str) {
        Command::new("tmux")
            .args(["send-keys", "-l", "-t", &self.session, text])
            .status()
            .unwrap();
    }

    /// Waits until the screen shows every one of `wanted`; returns the screen.
    pub fn wait_for(&self, wanted: &[&str]) -> String {
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

pub fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        super::skip("tmux is not installed");
    }
    found
}
