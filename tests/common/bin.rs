//! The real `avain` binary, run on a data folder with its output kept.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

pub fn avain(data: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_avain"))
        .args(args)
        .env("AVAIN_DATA_DIR", data)
        .env_remove("AVAIN_CONFIG")
        .env_remove("AVAIN_DATABASE_URL")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The link in the newest mail to `to` in a file-transport folder.
pub fn mailed_link(folder: &Path, to: &str) -> String {
    let mut links = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "eml") {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let to_matches = mail
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .is_some_and(|a| a == to);
        if let (true, Some(text)) = (to_matches, mail.body_text(0))
            && let Some(link) = text.split_whitespace().find(|w| w.contains("/link/"))
        {
            links.push((
                std::fs::metadata(&path).unwrap().modified().unwrap(),
                link.to_string(),
            ));
        }
    }
    links.sort();
    links
        .pop()
        .unwrap_or_else(|| panic!("no mail with a link to {to} in {}", folder.display()))
        .1
}
