//! A real SMTP server on loopback for tests: aiosmtpd driven by
//! tests/support/smtp_server.py, scriptable to answer 421, 550 or hang.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

/// A running (or stopped) test SMTP server.
pub struct SmtpPeer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

pub fn smtp_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        super::skip("python3 with aiosmtpd is not installed (pip install aiosmtpd)");
    }
    ok
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpPeer {
    pub fn new() -> Self {
        SmtpPeer {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
        }
    }

    pub fn start(&mut self) {
        let _ = std::fs::remove_file(self.dir.path().join("ready"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        self.child = Some(
            Command::new("python3")
                .arg(script)
                .arg(self.port.to_string())
                .arg(self.dir.path())
                .spawn()
                .expect("python3 starts"),
        );
        for _ in 0..200 {
            if self.dir.path().join("ready").exists()
                && std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the test SMTP server did not start");
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn mode(&self, mode: &str) {
        std::fs::write(self.dir.path().join("mode"), mode).unwrap();
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| {
                (
                    std::fs::read_to_string(p.with_extension("rcpt")).unwrap(),
                    std::fs::read(p).unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        self.stop();
    }
}
