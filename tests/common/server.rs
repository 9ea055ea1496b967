//! `avain serve` as a real process on loopback, and a plain HTTP/1.1
//! client that can send from any 127.0.0.x address (so one test can be
//! many clients).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running `avain --demo serve` on the demo installation in a folder.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts a server on `data` (made by `avain demo`); `wrap` runs it
    /// under another command (e.g. `prlimit --nofile=256`).
    pub fn start(data: &Path, database_url: Option<&str>, wrap: &[&str]) -> Server {
        let bin = env!("CARGO_BIN_EXE_avain");
        let mut cmd = match wrap.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        cmd.args(["--demo", "serve", "--listen", "127.0.0.1:0"])
            .env("AVAIN_DATA_DIR", data)
            .env("AVAIN_LOG_DIR", data.join("logs"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match database_url {
            Some(url) => cmd.env("AVAIN_DATABASE_URL", url),
            None => cmd.env_remove("AVAIN_DATABASE_URL"),
        };
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.trim().parse().unwrap();
            }
        };
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr }
    }

    /// Peak resident memory so far, in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, raw headers and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    /// The CSRF cookie (`avain_csrf=…`) and form value of a form page.
    pub fn csrf(&self) -> (String, String) {
        let cookie = self
            .head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: "))
            .map(|l| &l["set-cookie: ".len()..])
            .expect("a cookie")
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let start = self.body.find("name=\"csrf\" value=\"").expect("a form") + 19;
        let field = self.body[start..start + self.body[start..].find('"').unwrap()].to_string();
        (cookie, field)
    }
}

/// Connects from `from` (a loopback address such as 127.0.0.2).
pub async fn connect(server: SocketAddr, from: &str) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(format!("{from}:0").parse().unwrap())?;
    socket.connect(server).await
}

/// Sends one request (the connection closes after it) and reads the answer.
pub async fn send(server: SocketAddr, from: &str, request: &[u8]) -> std::io::Result<Answer> {
    let mut stream = connect(server, from).await?;
    stream.write_all(request).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .map_err(|_| std::io::Error::other("no answer in 30 s"))??;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not HTTP: {head:?}")))?;
    Ok(Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}

pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes()
}

pub fn post(path: &str, cookie: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let body = serde_urlencoded::to_string(fields).unwrap();
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
