//! `avain serve` as a process, attacked on loopback as an outsider would:
//! a flood of huge form fields, hundreds of connections that never finish
//! their headers, and limits spread over two servers and a restart.

mod common;

use common::bin::{avain, mailed_link};
use common::server::{Server, connect, get, post, send};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// A demo installation in a fresh folder, and a live link's path in it.
fn installation() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let demo = avain(dir.path(), &["--demo", "demo", "--no-console"], None);
    assert_eq!(demo.code, 0, "{}", demo.stderr);
    let sent = avain(dir.path(), &["--demo", "link", "send", "2900100020"], None);
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    let link = mailed_link(&dir.path().join("demo/mail"), "ville.savolainen@example.fi");
    let path = format!("/link/{}", link.rsplit('/').next().unwrap());
    (dir, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_huge_fields_leaves_link_pages_answering() {
    let (dir, link) = installation();
    let server = Server::start(dir.path(), None, &[]);
    let addr = server.addr;
    let form = send(addr, "127.0.0.2", &get("/request/kirjasto"))
        .await
        .unwrap();
    let (cookie, csrf) = form.csrf();
    // 8 clients, 20 forms each, each with a 2 MB email.
    let huge = "a".repeat(2 * 1024 * 1024) + "@example.fi";
    let mut flood = Vec::new();
    for client in 0..8 {
        let (cookie, csrf, huge) = (cookie.clone(), csrf.clone(), huge.clone());
        flood.push(tokio::spawn(async move {
            let from = format!("127.0.1.{}", client + 1);
            let mut refused = 0;
            for _ in 0..20 {
                let request = post(
                    "/request/kirjasto",
                    &cookie,
                    &[("csrf", &csrf), ("card", "1"), ("email", &huge)],
                );
                match send(addr, &from, &request).await {
                    Ok(a) if a.status == 413 || a.status == 400 => refused += 1,
                    Ok(a) => panic!("a 2 MB field was taken: {}", a.status),
                    // Closed before the whole body was sent: also refused.
                    Err(_) => refused += 1,
                }
            }
            refused
        }));
    }
    // Meanwhile the patron's link page answers, each time within a second.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let start = Instant::now();
        let page = send(addr, "127.0.0.3", &get(&link)).await.unwrap();
        slowest = slowest.max(start.elapsed());
        assert_eq!(page.status, 200, "{}", page.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut refused = 0;
    for f in flood {
        refused += f.await.unwrap();
    }
    assert_eq!(refused, 160);
    assert!(
        slowest < Duration::from_secs(1),
        "the link page took {slowest:?}"
    );
    let peak = server.peak_rss_kib();
    assert!(peak < 100 * 1024, "the server grew to {peak} KiB");
    // A normal request still works afterwards.
    let fields = [
        ("csrf", csrf.as_str()),
        ("card", "2900100001"),
        ("email", "aino.virtanen@example.fi"),
    ];
    let ok = send(
        addr,
        "127.0.0.4",
        &post("/request/kirjasto", &cookie, &fields),
    )
    .await
    .unwrap();
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_slow_connections_do_not_stop_a_normal_request() {
    let (dir, _) = installation();
    // As when the attack was found: 256 open files at most.
    let server = Server::start(dir.path(), None, &["prlimit", "--nofile=256:256"]);
    let addr = server.addr;
    let mut slow = Vec::new();
    for _ in 0..300 {
        // Headers begun and never finished.
        if let Ok(mut s) = connect(addr, "127.0.0.1").await {
            let _ = s
                .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .await;
            slow.push(s);
        }
    }
    let start = Instant::now();
    let page = send(addr, "127.0.0.2", &get("/")).await.unwrap();
    assert_eq!(page.status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    // The slow ones are closed once the header deadline passes.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let mut closed = 0;
    for s in &mut slow {
        let mut buf = [0u8; 256];
        match tokio::time::timeout(
            Duration::from_millis(50),
            tokio::io::AsyncReadExt::read(s, &mut buf),
        )
        .await
        {
            Ok(Ok(_)) | Ok(Err(_)) => closed += 1,
            Err(_) => {}
        }
    }
    assert_eq!(closed, slow.len(), "every slow connection was closed");
}

/// Sends a request form from `from`; the status. Each server writes its
/// counts in batches a moment later, so requests here are a little apart
/// (a burst across servers within that moment gets a few more through).
async fn request(server: &Server, from: &str, card: &str, email: &str) -> u16 {
    tokio::time::sleep(Duration::from_millis(60)).await;
    let form = send(server.addr, from, &get("/request/kirjasto"))
        .await
        .unwrap();
    let (cookie, csrf) = form.csrf();
    let fields = [("csrf", csrf.as_str()), ("card", card), ("email", email)];
    send(
        server.addr,
        from,
        &post("/request/kirjasto", &cookie, &fields),
    )
    .await
    .unwrap()
    .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_and_a_restart_share_the_limits() {
    let (dir, _) = installation();
    let one = Server::start(dir.path(), None, &[]);
    let two = Server::start(dir.path(), None, &[]);
    // One card-and-email pair, alternating between the servers: five pass.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let server = if i % 2 == 0 { &one } else { &two };
        statuses.push(request(server, "127.0.2.1", "2900100002", "someone@example.fi").await);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    // One client, twenty forms over both servers (five counted above: a
    // refused form does not count).
    for i in 0..15 {
        let server = if i % 2 == 0 { &one } else { &two };
        let email = format!("other{i}@example.fi");
        assert_eq!(
            request(server, "127.0.2.1", "2900100004", &email).await,
            200,
            "form {i}"
        );
    }
    assert_eq!(
        request(&two, "127.0.2.1", "2900100005", "x@example.fi").await,
        429
    );
    // A restart forgets nothing.
    drop(one);
    drop(two);
    let again = Server::start(dir.path(), None, &[]);
    assert_eq!(
        request(&again, "127.0.2.1", "2900100005", "x@example.fi").await,
        429
    );
    assert_eq!(
        request(&again, "127.0.2.2", "2900100005", "x@example.fi").await,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_what_the_pages_promised_then_stops() {
    let (dir, _) = installation();
    let mut server = Server::start(dir.path(), None, &[]);
    let before = avain(
        dir.path(),
        &["--demo", "--json", "show", "2900100001"],
        None,
    )
    .json();
    let attempts_before = before["attempts"].as_array().unwrap().len();
    // Fifteen requests at once, each answered; then the stop, at once.
    let form = send(server.addr, "127.0.3.1", &get("/request/kirjasto"))
        .await
        .unwrap();
    let (cookie, csrf) = form.csrf();
    let mut burst = Vec::new();
    for i in 0..15 {
        let request = post(
            "/request/kirjasto",
            &cookie,
            &[
                ("csrf", &csrf),
                ("card", "2900100001"),
                ("email", &format!("aino{i}@example.fi")),
            ],
        );
        let addr = server.addr;
        let from = format!("127.0.3.{}", i + 1);
        burst.push(tokio::spawn(async move {
            send(addr, &from, &request).await.unwrap().status
        }));
    }
    for b in burst {
        assert_eq!(b.await.unwrap(), 200);
    }
    let pid = server.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let start = Instant::now();
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    let after = avain(
        dir.path(),
        &["--demo", "--json", "show", "2900100001"],
        None,
    )
    .json();
    let attempts_after = after["attempts"].as_array().unwrap().len();
    assert_eq!(
        attempts_after - attempts_before,
        15,
        "every answered request was done"
    );
}
