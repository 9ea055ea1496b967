//! `avain bench web`: a bounded load test of the patron pages on loopback.
//! A fresh demo installation, one `avain serve` process, and `--clients`
//! clients (each from its own 127.0.x.y address, as patrons are) sending
//! `--requests` in all: the front page, request forms fetched and sent
//! (matches and misses), link pages opened and sent with values that do
//! not match. Reports p50/p99 per kind, errors (5xx, resets, timeouts) and
//! lost attempts: forms answered "check your mail" whose attempt was never
//! recorded.

use crate::setup::stdout::outln;
use crate::setup::{Failure, Invocation};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, clap::Args)]
pub struct WebBenchArgs {
    /// Requests in all.
    #[arg(long, default_value_t = 2_000)]
    pub requests: usize,
    /// Clients sending at once, each from its own loopback address.
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Folder for the installation (default: a new temporary one).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

/// What one request was, for the report.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Front,
    Form,
    Request,
    LinkPage,
    LinkPost,
}

const KINDS: [(Kind, &str); 5] = [
    (Kind::Front, "front page"),
    (Kind::Form, "request form (GET)"),
    (Kind::Request, "request sent (POST)"),
    (Kind::LinkPage, "link page (GET)"),
    (Kind::LinkPost, "link page sent, refused (POST)"),
];

pub async fn run(_inv: &Invocation, args: &WebBenchArgs) -> Result<(), Failure> {
    let fail = |e: String| Failure::bad_input(format!("bench web: {e}"));
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => super::tempfile_dir().map_err(|e| fail(e.to_string()))?,
    };
    let data = dir.join("web");
    let _ = std::fs::remove_dir_all(&data);
    let bin = std::env::current_exe().map_err(|e| fail(e.to_string()))?;
    let avain = |extra: &[&str]| {
        std::process::Command::new(&bin)
            .args(extra)
            .env("AVAIN_DATA_DIR", &data)
            .env_remove("AVAIN_DATABASE_URL")
            .output()
    };
    avain(&["demo", "--no-console"]).map_err(|e| fail(e.to_string()))?;
    let link = live_link(&avain, &data).map_err(fail)?;
    let before = recorded_attempts(&data).await.map_err(fail)?;
    let mut server = start_server(&bin, &data).map_err(fail)?;
    let addr = server.1;
    let per_client = args.requests.div_ceil(args.clients.max(1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let link = link.clone();
        let from = format!("127.0.{}.{}", 10 + c / 200, 1 + c % 200);
        tasks.push(tokio::spawn(async move {
            let patron = demo_patrons().get(c).copied();
            client(addr, &from, patron, &link, per_client).await
        }));
    }
    let mut samples: Vec<(Kind, Duration)> = Vec::new();
    let (mut errors, mut promised) = (0usize, 0usize);
    for t in tasks {
        let r = t.await.map_err(|e| fail(e.to_string()))?;
        samples.extend(r.samples);
        errors += r.errors;
        promised += r.promised;
    }
    let wall = started.elapsed();
    // The server finishes what it promised before it stops.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status();
    let _ = server.0.wait();
    let recorded = recorded_attempts(&data).await.map_err(fail)? - before;
    report(args, &samples, errors, promised, recorded, wall);
    Ok(())
}

/// The demo library's patrons with a card: (card, email) as on file.
fn demo_patrons() -> Vec<(&'static str, &'static str)> {
    crate::demo::LIBRARY_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let (email, card) = (*fields.get(2)?, *fields.get(3)?);
            (!card.is_empty()).then_some((card, email))
        })
        .collect()
}

/// Sends a live link with the CLI and reads it from the mail file.
fn live_link(
    avain: &dyn Fn(&[&str]) -> std::io::Result<std::process::Output>,
    data: &Path,
) -> Result<String, String> {
    avain(&["--demo", "link", "send", "2900100020"]).map_err(|e| e.to_string())?;
    let mail = data.join("demo/mail");
    for entry in std::fs::read_dir(&mail)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if let Some(at) = text.find("/link/") {
            let token: String = text[at + 6..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            return Ok(format!("/link/{token}"));
        }
    }
    Err("no link in the demo's mail".into())
}

fn start_server(bin: &Path, data: &Path) -> Result<(std::process::Child, SocketAddr), String> {
    use std::io::BufRead;
    let mut child = std::process::Command::new(bin)
        .args(["--demo", "serve", "--listen", "127.0.0.1:0"])
        .env("AVAIN_DATA_DIR", data)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut lines = std::io::BufReader::new(child.stderr.take().expect("piped")).lines();
    let addr = loop {
        let line = lines
            .next()
            .ok_or("serve ended before listening")?
            .map_err(|e| e.to_string())?;
        if let Some(rest) = line.split("http://").nth(1) {
            break rest
                .trim()
                .parse()
                .map_err(|_| format!("odd address {rest}"))?;
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok((child, addr))
}

async fn recorded_attempts(data: &Path) -> Result<u64, String> {
    let overrides = crate::config::PathOverrides {
        data_dir: Some(data.to_path_buf()),
        demo: true,
        ..Default::default()
    };
    let (services, _) = crate::setup::open(&overrides)
        .await
        .map_err(|e| e.message)?;
    let tx = services
        .store
        .begin_read()
        .await
        .map_err(|e| e.to_string())?;
    let n = crate::store::attempts::count(&tx)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(n)
}

struct ClientRun {
    samples: Vec<(Kind, Duration)>,
    errors: usize,
    /// Forms answered "check your mail".
    promised: usize,
}

/// One client's share, in a fixed mix of request kinds.
async fn client(
    addr: SocketAddr,
    from: &str,
    patron: Option<(&str, &str)>,
    link: &str,
    requests: usize,
) -> ClientRun {
    let mut run = ClientRun {
        samples: Vec::new(),
        errors: 0,
        promised: 0,
    };
    let mut csrf: Option<(String, String)> = None;
    let mut link_csrf: Option<(String, String)> = None;
    for i in 0..requests {
        let (kind, request) = match i % 8 {
            0 => (Kind::Front, get("/")),
            1 | 4 => (Kind::Form, get("/request/kirjasto")),
            2 | 5 => {
                let Some((cookie, field)) = &csrf else {
                    continue;
                };
                // A client's first request is a patron's own (an exact
                // match, a link sent); the rest miss, as guesses and typos do.
                let (card, email) = match patron.filter(|_| i < 8) {
                    Some((card, email)) => (card.to_string(), email.to_string()),
                    None => (format!("29009{i:05}"), format!("{from}.{i}@example.fi")),
                };
                let fields = [("csrf", field.as_str()), ("card", &card), ("email", &email)];
                (Kind::Request, post("/request/kirjasto", cookie, &fields))
            }
            3 | 6 => (Kind::LinkPage, get(link)),
            _ => {
                let Some((cookie, field)) = &link_csrf else {
                    continue;
                };
                let fields = [
                    ("csrf", field.as_str()),
                    ("first", "4831"),
                    ("second", "4832"),
                ];
                (Kind::LinkPost, post(link, cookie, &fields))
            }
        };
        let start = Instant::now();
        match send(addr, from, &request).await {
            Ok((status, head, body)) if status < 500 => {
                run.samples.push((kind, start.elapsed()));
                match kind {
                    Kind::Form => csrf = csrf_of(&head, &body),
                    Kind::LinkPage => link_csrf = csrf_of(&head, &body),
                    Kind::Request if status == 200 => run.promised += 1,
                    _ => {}
                }
                if status >= 400 && kind != Kind::LinkPost {
                    run.errors += 1;
                }
            }
            _ => run.errors += 1,
        }
    }
    run
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes()
}

fn post(path: &str, cookie: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn form_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF cookie and form value of a page with a form.
fn csrf_of(head: &str, body: &str) -> Option<(String, String)> {
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: "))?["set-cookie: ".len()..]
        .split(';')
        .next()?
        .to_string();
    let start = body.find("name=\"csrf\" value=\"")? + 19;
    let field = body[start..start + body[start..].find('"')?].to_string();
    Some((cookie, field))
}

async fn send(
    addr: SocketAddr,
    from: &str,
    request: &[u8],
) -> std::io::Result<(u16, String, String)> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(format!("{from}:0").parse().map_err(std::io::Error::other)?)?;
    let mut stream = socket.connect(addr).await?;
    stream.write_all(request).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .map_err(|_| std::io::Error::other("timed out"))??;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("not HTTP"))?;
    Ok((status, head.to_string(), body.to_string()))
}

fn report(
    args: &WebBenchArgs,
    samples: &[(Kind, Duration)],
    errors: usize,
    promised: usize,
    recorded: u64,
    wall: Duration,
) {
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    let pct = |v: &mut Vec<Duration>, q: f64| {
        v.sort();
        v.get(((v.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    outln!(
        "### Patron pages under load ({} requests, {} clients at once, one `avain serve`, SQLite)\n",
        samples.len() + errors,
        args.clients
    );
    outln!("| requests | p50 ms | p99 ms |");
    outln!("| --- | ---: | ---: |");
    let mut all: Vec<Duration> = samples.iter().map(|s| s.1).collect();
    for (kind, name) in KINDS {
        let mut v: Vec<Duration> = samples
            .iter()
            .filter(|s| s.0 == kind)
            .map(|s| s.1)
            .collect();
        if !v.is_empty() {
            outln!(
                "| {name} ({}) | {} | {} |",
                v.len(),
                ms(pct(&mut v, 0.5)),
                ms(pct(&mut v, 0.99))
            );
        }
    }
    outln!(
        "| **all** ({}) | {} | {} |",
        all.len(),
        ms(pct(&mut all, 0.5)),
        ms(pct(&mut all, 0.99))
    );
    let lost = (promised as u64).saturating_sub(recorded);
    outln!(
        "\n{errors} errors (5xx, resets, timeouts, unexpected refusals); {promised} forms answered \
         \"check your mail\", {recorded} attempts recorded, {lost} lost; {:.1} s in all.",
        wall.as_secs_f64()
    );
}
