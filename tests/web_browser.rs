//! Both patron flows in headless Chromium against the real `avain serve`:
//! the form is filled and sent, the mail arrives at a local SMTP server,
//! the link in it is opened, the new PIN / password is set, and the
//! command line shows the link used (and the PIN verifying). Needs
//! Debian's chromium + chromium-driver and python3 with aiosmtpd; without
//! them the test says it skips (and fails under AVAIN_TEST_REQUIRE_ALL=1).

mod common;

use common::smtp::{SmtpPeer, free_port, smtp_available};
use fantoccini::Locator;
use serde_json::{Value, json};
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn browser_available() -> bool {
    let found = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !found {
        common::skip("chromium and chromium-driver are not installed");
    }
    found
}

/// Kills a child process when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A WebDriver session on chromedriver (through `fantoccini`).
struct Browser(fantoccini::Client);

impl Browser {
    async fn start(port: u16, profile: &Path) -> Browser {
        let options = json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     format!("--user-data-dir={}", profile.display())]
        });
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let client = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
        Browser(client)
    }

    async fn open(&self, url: &str) {
        self.0.goto(url).await.unwrap();
    }

    async fn type_into(&self, css: &str, text: &str) {
        let field = self.0.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.0
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Waits until the page's main text shows `wanted` (a submitted form
    /// loads a new page).
    async fn wait_text(&self, wanted: &str) -> String {
        let start = Instant::now();
        loop {
            let text = match self.0.find(Locator::Css("main")).await {
                Ok(main) => main.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(wanted) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waited for {wanted:?}; the page shows:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn avain(data: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_avain"))
        .args(args)
        .env("AVAIN_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The link in the newest mail to `to`, pointed at the test server.
fn mailed_link(peer: &SmtpPeer, to: &str, base: &str) -> String {
    let start = Instant::now();
    loop {
        for (rcpt, raw) in peer.messages().into_iter().rev() {
            if !rcpt.contains(to) {
                continue;
            }
            let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
            if let Some(link) = mail.body_text(0).and_then(|t| {
                t.split_whitespace()
                    .find(|w| w.contains("/link/"))
                    .map(str::to_string)
            }) {
                return link.replace("http://127.0.0.1:8080", base);
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no mail with a link reached {to}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn both_flows_in_a_real_browser_with_mail_over_smtp() {
    if !browser_available() || !smtp_available() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    assert_eq!(
        avain(
            data.path(),
            &["demo", "--no-console", "--accounts", "0"],
            None
        )
        .0,
        0
    );
    let mut peer = SmtpPeer::new();
    peer.start();
    let web_port = free_port();
    let base = format!("http://127.0.0.1:{web_port}");
    let _server = Running(
        Command::new(env!("CARGO_BIN_EXE_avain"))
            .args([
                "--demo",
                "serve",
                "--listen",
                &format!("127.0.0.1:{web_port}"),
            ])
            .env("AVAIN_DATA_DIR", data.path())
            .env("AVAIN_MAIL_URL", peer.url())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(web_port);
    let driver_port = free_port();
    let _chromedriver = Running(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(driver_port);
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::start(driver_port, profile.path()).await;

    // Forgot PIN: card and email exactly as stored.
    browser.open(&format!("{base}/?lang=en")).await;
    browser.click("a[href^='/request/kirjasto']").await;
    browser.wait_text("Forgot your PIN?").await;
    browser
        .open(&format!("{base}/request/kirjasto?lang=en"))
        .await;
    browser.type_into("#card", "2900100001").await;
    browser
        .type_into("#email", "aino.virtanen@example.fi")
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_text("If the details match our records").await;
    let link = mailed_link(&peer, "aino.virtanen@example.fi", &base);
    browser.open(&format!("{link}?lang=en")).await;
    browser.wait_text("Set a new PIN").await;
    browser.type_into("#first", "1111").await;
    browser.type_into("#second", "1111").await;
    browser.click("button[type=submit]").await;
    browser.wait_text("too easy").await;
    browser.type_into("#first", "4831").await;
    browser.type_into("#second", "4831").await;
    browser.click("button[type=submit]").await;
    browser.wait_text("Your new PIN works now").await;
    browser.open(&format!("{link}?lang=en")).await;
    browser.wait_text("already been used").await;
    let (code, json) = avain(
        data.path(),
        &["--demo", "--json", "tokens", "2900100001"],
        None,
    );
    assert_eq!(code, 0, "{json}");
    let links: Value = serde_json::from_str(&json).unwrap();
    assert!(json.contains("\"used\""), "the link shows used: {links}");
    assert_eq!(
        avain(
            data.path(),
            &["--demo", "pin", "test", "2900100001"],
            Some("4831\n")
        )
        .0,
        0,
        "the new PIN verifies"
    );

    // First login in the town: email only, then a password.
    browser
        .open(&format!("{base}/request/kaupunki?lang=en"))
        .await;
    browser
        .type_into("#email", "kaisa.lindholm@example.fi")
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_text("try another address").await;
    let link = mailed_link(&peer, "kaisa.lindholm@example.fi", &base);
    browser.open(&format!("{link}?lang=en")).await;
    browser.wait_text("Set a password").await;
    browser.type_into("#first", "kissa-kala-koira-9").await;
    browser.type_into("#second", "kissa-kala-koira-9").await;
    browser.click("button[type=submit]").await;
    browser.wait_text("Your password is set").await;
    let (code, json) = avain(data.path(), &["--demo", "--json", "show", "T0001"], None);
    assert_eq!(code, 0, "{json}");
    assert!(
        json.contains("\"must_set_credential\":false")
            || json.contains("\"must_set_credential\": false"),
        "{json}"
    );
    assert_eq!(
        avain(
            data.path(),
            &["--demo", "pin", "test", "T0001"],
            Some("kissa-kala-koira-9\n")
        )
        .0,
        0
    );
    browser.0.close().await.unwrap();
}
