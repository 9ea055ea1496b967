//! `avain serve --ssh` on loopback with a demo installation, desks with
//! their own keys (made by `ssh-keygen`), and the real OpenSSH client,
//! run directly or inside tmux.

use super::bin::{Run, avain};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The tools these tests need; without them they say so and skip.
pub fn tools_available() -> bool {
    for tool in ["ssh", "ssh-keygen", "tmux"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            super::skip(&format!(
                "{tool} is not installed (Debian: openssh-client, tmux)"
            ));
            return false;
        }
    }
    true
}

pub struct SshFixture {
    pub dir: tempfile::TempDir,
    pub port: u16,
    server: Option<Child>,
}

impl SshFixture {
    /// A demo installation with desk staff `desk1`, `desk2` (library), each
    /// with a key, and a server on a free port.
    pub fn start() -> SshFixture {
        // Many connections from 127.0.0.1 in one test run.
        SshFixture::start_with("connections_per_minute = 500")
    }

    /// The same, with these `[ssh]` settings.
    pub fn start_with(ssh_settings: &str) -> SshFixture {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        assert_eq!(
            avain(data, &["--demo", "demo", "--no-console"], None).code,
            0
        );
        let config = data.join("demo/config.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, format!("{text}\n[ssh]\n{ssh_settings}\n")).unwrap();
        let fixture = SshFixture {
            port: free_port(),
            dir,
            server: None,
        };
        for desk in ["desk1", "desk2"] {
            let added = fixture.avain(&[
                "staff",
                "add",
                desk,
                "--name",
                &format!("Desk {desk}"),
                "--org",
                "kirjasto",
            ]);
            assert_eq!(added.code, 0, "{}", added.stderr);
            let key = fixture.key(desk);
            let made = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", desk, "-f"])
                .arg(&key)
                .status()
                .unwrap();
            assert!(made.success());
            let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
            let add = fixture.avain(&["staff", "key", "add", desk, public.trim()]);
            assert_eq!(add.code, 0, "{}", add.stderr);
        }
        let mut fixture = fixture;
        fixture.serve();
        fixture
    }

    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    pub fn key(&self, login: &str) -> PathBuf {
        self.dir.path().join(format!("{login}_key"))
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    pub fn avain(&self, args: &[&str]) -> Run {
        let mut all = vec!["--demo"];
        all.extend_from_slice(args);
        avain(self.data(), &all, None)
    }

    /// Starts (or starts again) `avain serve --ssh`; returns the line it printed.
    pub fn serve(&mut self) -> String {
        let mut child = Command::new(env!("CARGO_BIN_EXE_avain"))
            .args([
                "--demo",
                "serve",
                "--no-pages",
                "--ssh",
                &format!("127.0.0.1:{}", self.port),
            ])
            .env("AVAIN_DATA_DIR", self.data())
            .env("AVAIN_LOG_DIR", self.data().join("logs"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = lines.next().expect("serve printed a line").unwrap();
        assert!(line.contains("SSH on"), "{line}");
        std::thread::spawn(move || for _ in lines {});
        self.server = Some(child);
        line
    }

    /// Sends SIGTERM and waits for the server to end; its exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.server.take().expect("a server");
        let pid = child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        child.wait().unwrap()
    }

    /// The OpenSSH client's arguments for `login` (extra options first).
    pub fn ssh_args(&self, login: &str, key: &Path, options: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "-p".into(),
            self.port.to_string(),
            "-i".into(),
            key.display().to_string(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts().display()),
            "-o".into(),
            "StrictHostKeyChecking=accept-new".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
        ];
        for o in options {
            args.push((*o).to_string());
        }
        args.push(format!("{login}@127.0.0.1"));
        args
    }

    /// Runs ssh without a terminal; its output and exit code.
    pub fn ssh(&self, login: &str, key: &Path, options: &[&str], command: &[&str]) -> Run {
        let mut args = self.ssh_args(login, key, options);
        args.extend(command.iter().map(|c| c.to_string()));
        let out = Command::new("ssh")
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// A shell line that runs ssh for `login` and reports its exit code.
    pub fn ssh_line(&self, login: &str, env: &str) -> String {
        let args = self.ssh_args(
            login,
            &self.key(login),
            &["-o", "SendEnv=LANG LC_ALL NO_COLOR"],
        );
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        format!(
            "env {env} ssh {}; echo SSH-EXIT=$?; sleep 60",
            quoted.join(" ")
        )
    }
}

impl Drop for SshFixture {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
