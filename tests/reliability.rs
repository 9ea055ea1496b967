//! Many desks on one database, processes killed mid-action, and a mail
//! outage: the real `avain` binary started many times at once
//! (`avain bench desk`), checked afterwards through the service layer and
//! `avain check`.
//!
//! Sizes follow the environment so the full runs are one command away:
//! AVAIN_TEST_DESK_PROCESSES (default 20) x AVAIN_TEST_DESK_ACTIONS (100),
//! AVAIN_TEST_KILLS (200 on SQLite; a quarter of that on the servers).

mod common;

use avain::config::PathOverrides;
use avain::secrets::{CredentialHasher, HashedCredential, Pepper};
use avain::service::{AccountDetail, Services, Staff};
use common::smtp::{SmtpPeer, smtp_available};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A demo installation in a temporary folder, on SQLite or a fresh
/// database on a server.
struct Installation {
    backend: &'static str,
    data: tempfile::TempDir,
    database_url: Option<String>,
    _guard: Option<common::DbGuard>,
}

impl Installation {
    async fn new(backend: &'static str, server: Option<&str>, accounts: u64) -> Installation {
        let (database_url, guard) = match server {
            None => (None, None),
            Some(url) => {
                let (url, guard) = common::fresh_server_database(url).await;
                (Some(url), Some(guard))
            }
        };
        let installation = Installation {
            backend,
            data: tempfile::tempdir().unwrap(),
            database_url,
            _guard: guard,
        };
        let out = installation
            .command(&["demo", "--no-console", "--accounts", &accounts.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "demo on {backend}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        installation
    }

    /// `avain --demo ARGS` on this installation, output captured.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_avain"));
        c.arg("--demo")
            .args(args)
            .env("AVAIN_DATA_DIR", self.data.path())
            .env_remove("AVAIN_CONFIG")
            .env_remove("AVAIN_MAIL_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match &self.database_url {
            Some(url) => c.env("AVAIN_DATABASE_URL", url),
            None => c.env_remove("AVAIN_DATABASE_URL"),
        };
        c
    }

    fn desk(&self, seed: u64, actions: usize, extra: &[&str]) -> Child {
        let (seed, actions) = (seed.to_string(), actions.to_string());
        let mut args = vec!["bench", "desk", "--seed", &seed, "--actions", &actions];
        args.extend_from_slice(extra);
        self.command(&args).spawn().unwrap()
    }

    /// The installation's services, its admin, and a hasher with its pepper
    /// (to check a credential without counting a failed attempt).
    async fn services(&self) -> (Services, Staff, CredentialHasher) {
        let overrides = PathOverrides {
            config: None,
            data_dir: Some(self.data.path().to_path_buf()),
            database_url: self.database_url.clone(),
            demo: true,
        };
        let (services, paths) = avain::setup::open(&overrides)
            .await
            .unwrap_or_else(|e| panic!("{}", e.message));
        let login = avain::setup::os_login(&services.config.auth)
            .unwrap_or_else(|e| panic!("{}", e.message));
        let staff = services.identify_os_user(&login).await.unwrap();
        let pepper = Pepper::load(&paths.pepper_file).unwrap();
        (services, staff, CredentialHasher::new(Arc::new(pepper)))
    }

    /// `avain check` must pass: integrity, links and mail, credentials, audit.
    fn check(&self) {
        let out = self.command(&["--json", "check"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "avain check on {}: {text}\n{}",
            self.backend,
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_str(&text).unwrap();
        if self.backend == "sqlite" {
            assert_eq!(report["integrity_check"], "ok", "{report}");
        }
        for key in [
            "links_without_mail",
            "mail_without_link",
            "half_written_credentials",
        ] {
            assert_eq!(report[key]["count"], 0, "{key}: {report}");
        }
        assert!(report["audit"]["rows_checked"].as_u64().unwrap() > 0);
        assert_eq!(report["audit"]["problems"], serde_json::json!([]));
    }
}

/// One desk action as the process reported it.
#[derive(Debug, Clone)]
struct Event {
    seed: u64,
    seq: usize,
    kind: String,
    account: i64,
    /// `None`: started, but the process died before saying how it ended.
    ok: Option<bool>,
    token_id: Option<i64>,
}

/// Reads a desk process's lines; a line cut by a kill is ignored.
fn events(seed: u64, stdout: &str) -> (Vec<Event>, Option<Value>) {
    let mut out: Vec<Event> = Vec::new();
    let mut done = None;
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v.get("done").is_some() {
            done = Some(v);
        } else if let Some(kind) = v["start"].as_str() {
            out.push(Event {
                seed,
                seq: v["seq"].as_u64().unwrap() as usize,
                kind: kind.to_string(),
                account: v["account"].as_i64().unwrap(),
                ok: None,
                token_id: None,
            });
        } else {
            let e = out.last_mut().expect("an end follows its start");
            assert_eq!(e.seq, v["seq"].as_u64().unwrap() as usize, "{line}");
            e.ok = Some(v["ok"].as_bool().unwrap());
            e.token_id = v["detail"]["token_id"].as_i64();
            if e.ok == Some(false) {
                let code = v["code"].as_str().unwrap();
                assert!(
                    matches!(code, "rate_limited" | "refused" | "policy"),
                    "an action failed with {code}: {line}"
                );
            }
        }
    }
    (out, done)
}

/// What the database must show for these events, per account: every
/// finished note and link exists exactly once, nothing of a refused action
/// exists, an unfinished one (a kill) is there completely or not at all,
/// and the credential is the last one set (or the unfinished one after it).
/// When processes ran at once (`sequential` false) their order is unknown,
/// so the credential must be one of those set.
async fn verify_events(
    services: &Services,
    staff: &Staff,
    hasher: &CredentialHasher,
    all: &[Event],
    since_ms: i64,
    sequential: bool,
) {
    let mut by_account: BTreeMap<i64, Vec<&Event>> = BTreeMap::new();
    for e in all {
        by_account.entry(e.account).or_default().push(e);
    }
    let mut verified_pins = 0;
    for (&account, list) in &by_account {
        let detail: AccountDetail = services
            .reread_account_detail(staff, account)
            .await
            .unwrap();
        // Notes.
        for e in list.iter().filter(|e| e.kind == "note") {
            let text = avain::bench::desk::note_for(e.seed, e.seq);
            let found = detail.notes.iter().filter(|n| n.text == text).count();
            match e.ok {
                Some(true) => assert_eq!(found, 1, "note {text} on {account}"),
                Some(false) => assert_eq!(found, 0, "refused note {text} on {account}"),
                None => assert!(found <= 1, "unfinished note {text} twice on {account}"),
            }
        }
        // Links: every finished one exists with its mail; any other link
        // made by staff during the run is the one unfinished action.
        let unfinished_links = list
            .iter()
            .filter(|e| e.kind == "link" && e.ok.is_none())
            .count();
        let finished: HashSet<i64> = list.iter().filter_map(|e| e.token_id).collect();
        for id in &finished {
            let link = detail.links.iter().find(|l| l.id == *id);
            let link = link.unwrap_or_else(|| panic!("link {id} of account {account} is missing"));
            assert!(!link.mails.is_empty(), "link {id} has no mail");
        }
        let extra = detail
            .links
            .iter()
            .filter(|l| l.created_at >= since_ms && l.created_by != "self-service")
            .filter(|l| !finished.contains(&l.id))
            .count();
        assert!(
            extra <= unfinished_links,
            "account {account}: {extra} links nobody reported ({unfinished_links} unfinished)"
        );
        // Credentials: in order, a finished set replaces the candidates, an
        // unfinished one adds itself as a possibility.
        let org = detail.account.org.clone();
        let policy = services.config.org(&org).unwrap().credential;
        let mut candidates: Vec<String> = Vec::new();
        let mut known = false;
        for e in list.iter().filter(|e| e.kind == "pin") {
            let secret = avain::bench::desk::credential_for(&policy, e.seed, e.seq);
            match e.ok {
                Some(true) if sequential => {
                    candidates = vec![secret];
                    known = true;
                }
                Some(true) => {
                    candidates.push(secret);
                    known = true;
                }
                Some(false) => {}
                None => candidates.push(secret),
            }
        }
        if known && verified_pins < 60 {
            verified_pins += 1;
            let tx = services.store.begin_read().await.unwrap();
            let row = avain::store::accounts::get(&tx, account)
                .await
                .unwrap()
                .unwrap();
            tx.commit().await.unwrap();
            let stored = HashedCredential {
                phc: row.credential_hash.expect("a credential was set"),
                key_id: row.credential_key_id.expect("with its key id"),
            };
            let matched = candidates.iter().any(|c| hasher.verify(c, &stored));
            assert!(
                matched,
                "account {account}: the credential is none of {} set",
                candidates.len()
            );
        }
    }
}

fn read_all(mut pipe: impl Read) -> String {
    let mut text = String::new();
    pipe.read_to_string(&mut text).unwrap();
    text
}

fn stdout_of(child: &mut Child) -> String {
    read_all(child.stdout.take().unwrap())
}

fn stderr_of(child: &mut Child) -> String {
    read_all(child.stderr.take().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_desk_processes_share_one_database_and_lose_nothing() {
    let processes = env_number("AVAIN_TEST_DESK_PROCESSES", 20);
    let actions = env_number("AVAIN_TEST_DESK_ACTIONS", 100);
    for (backend, server) in common::backends() {
        let installation = Installation::new(backend, server.as_deref(), 3_000).await;
        let since = chrono::Utc::now().timestamp_millis();
        let started = Instant::now();
        let mut children: Vec<(u64, Child)> = (0..processes as u64)
            .map(|seed| (seed, installation.desk(seed + 1, actions, &[])))
            .collect();
        let mut all = Vec::new();
        let mut finished = 0;
        let mut refused = 0;
        for (seed, child) in &mut children {
            let stdout = stdout_of(child);
            let stderr = stderr_of(child);
            let status = child.wait().unwrap();
            assert!(
                status.success(),
                "desk {seed} on {backend}: {stderr}\n{stdout}"
            );
            let lower = format!("{stdout}{stderr}").to_lowercase();
            assert!(
                !lower.contains("locked") && !lower.contains("busy"),
                "a busy database reached the desk on {backend}: {stderr}{stdout}"
            );
            let (list, done) = events(*seed + 1, &stdout);
            let done = done.expect("the run finished");
            assert_eq!(done["failed"], 0);
            assert_eq!(list.len(), actions);
            finished += list.iter().filter(|e| e.ok == Some(true)).count();
            refused += list.iter().filter(|e| e.ok == Some(false)).count();
            all.extend(list);
        }
        let elapsed = started.elapsed();
        eprintln!(
            "{backend}: {processes} processes x {actions} actions in {:.1} s: {finished} done, {refused} refused",
            elapsed.as_secs_f64()
        );
        // Refusals are the per-account link limit, which random picks hit rarely.
        assert!(
            finished >= processes * actions * 9 / 10,
            "{finished} of {}",
            processes * actions
        );
        let (services, staff, hasher) = installation.services().await;
        verify_events(&services, &staff, &hasher, &all, since, false).await;
        services.store.clone().close().await.unwrap();
        installation.check();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_desk_processes_leave_a_whole_database() {
    let kills_on_sqlite = env_number("AVAIN_TEST_KILLS", 200);
    for (backend, server) in common::backends() {
        let kills = if backend == "sqlite" {
            kills_on_sqlite
        } else {
            kills_on_sqlite / 4
        };
        let installation = Installation::new(backend, server.as_deref(), 3_000).await;
        let since = chrono::Utc::now().timestamp_millis();
        // Kill times come from a fixed sequence, so a failure can be replayed.
        let mut rng = avain::bench::desk::SeededRng::new(2026);
        let mut all = Vec::new();
        let mut unfinished = 0;
        for run in 0..kills as u64 {
            let mut child = installation.desk(10_000 + run, 100_000, &[]);
            let mut reader = BufReader::new(child.stdout.take().unwrap());
            let mut stdout = String::new();
            // Four kills in five wait for the first action to start, so a
            // slow start on a loaded machine does not eat them all; the
            // fifth may land anywhere, during start-up and migrations too.
            if run % 5 != 0 {
                reader.read_line(&mut stdout).unwrap();
            }
            std::thread::sleep(Duration::from_millis(rng.below(300)));
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            reader.read_to_string(&mut stdout).unwrap();
            let (list, done) = events(10_000 + run, &stdout);
            assert!(done.is_none(), "run {run} finished before its kill");
            unfinished += list.iter().filter(|e| e.ok.is_none()).count();
            all.extend(list);
        }
        let finished = all.iter().filter(|e| e.ok.is_some()).count();
        eprintln!("{backend}: {kills} kills, {finished} actions finished, {unfinished} cut short");
        assert!(finished >= kills / 2, "too few actions ran between kills");
        assert!(
            unfinished >= kills / 10,
            "too few kills landed inside an action"
        );
        installation.check();
        let (services, staff, hasher) = installation.services().await;
        verify_events(&services, &staff, &hasher, &all, since, true).await;
        services.store.clone().close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_down_during_desk_work_is_all_delivered_once_when_back() {
    if !smtp_available() {
        return;
    }
    const DESKS: usize = 4;
    const LINKS_EACH: usize = 25;
    let installation = Installation::new("sqlite", None, 3_000).await;
    let mut peer = SmtpPeer::new(); // not started: connections are refused
    let url = peer.url();
    let mut children: Vec<Child> = (0..DESKS)
        .map(|k| {
            let shard = format!("{k}/{DESKS}");
            let seed = (k + 1) as u64;
            let mut c = installation.command(&[
                "bench",
                "desk",
                "--seed",
                &seed.to_string(),
                "--actions",
                &LINKS_EACH.to_string(),
                "--only",
                "link",
                "--shard",
                &shard,
                "--deliver",
            ]);
            c.env("AVAIN_MAIL_URL", &url);
            c.spawn().unwrap()
        })
        .collect();
    let mut outbox_ids = HashSet::new();
    for (k, child) in children.iter_mut().enumerate() {
        let stdout = stdout_of(child);
        assert!(child.wait().unwrap().success(), "desk {k}: {stdout}");
        for line in stdout.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if v.get("action").is_some() {
                assert_eq!(v["ok"], true, "{line}");
                outbox_ids.insert(v["detail"]["outbox_id"].as_i64().unwrap());
            }
        }
    }
    assert_eq!(outbox_ids.len(), DESKS * LINKS_EACH);
    let (services, staff, _) = installation.services().await;
    let queued = services
        .outbox_list(&staff, Some(avain::domain::OutboxStatus::Queued), 10_000)
        .await
        .unwrap();
    let waiting: Vec<_> = queued
        .iter()
        .filter(|m| outbox_ids.contains(&m.mail.id))
        .collect();
    assert_eq!(
        waiting.len(),
        outbox_ids.len(),
        "every mail waits in the outbox"
    );
    assert!(
        waiting
            .iter()
            .all(|m| m.mail.attempts >= 1 && m.mail.last_answer.is_some()),
        "each was tried during the outage and keeps the answer"
    );

    peer.start();
    let retry = installation.command(&["outbox", "retry"]).output().unwrap();
    assert!(
        retry.status.success(),
        "{}",
        String::from_utf8_lossy(&retry.stderr)
    );
    // Two senders at once must not send anything twice.
    let mut senders: Vec<Child> = (0..2)
        .map(|_| {
            let mut c = installation.command(&["outbox", "run", "--once"]);
            c.env("AVAIN_MAIL_URL", &url);
            c.spawn().unwrap()
        })
        .collect();
    for s in &mut senders {
        let err = stderr_of(s);
        assert!(s.wait().unwrap().success(), "{err}");
    }
    let messages = peer.messages();
    let mut links = HashMap::new();
    for (rcpt, raw) in &messages {
        let mail = mail_parser::MessageParser::default().parse(raw).unwrap();
        let text = mail.body_text(0).unwrap().to_string();
        let link = text
            .split_whitespace()
            .find(|w| w.contains("/link/"))
            .expect("the mail carries a link")
            .to_string();
        assert!(
            links.insert(link, rcpt.clone()).is_none(),
            "a link went out twice"
        );
    }
    assert_eq!(messages.len(), DESKS * LINKS_EACH, "each mail once");
    let sent = services
        .outbox_list(&staff, Some(avain::domain::OutboxStatus::Sent), 10_000)
        .await
        .unwrap();
    let sent_ids: HashSet<i64> = sent.iter().map(|m| m.mail.id).collect();
    assert!(outbox_ids.is_subset(&sent_ids));
    services.store.clone().close().await.unwrap();
}
