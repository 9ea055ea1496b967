//! Shared test setup: a fresh database per test on every configured
//! backend (SQLite always; PostgreSQL and MariaDB when their URLs are
//! set), a manual clock, and staff of two organisations.
#![allow(dead_code)]

use avain::clock::ManualClock;
use avain::config::Config;
use avain::secrets::Pepper;
use avain::service::{NewStaffMember, Role, Services, Staff};
use avain::store::Store;
use std::sync::Arc;

pub mod bin;
pub mod contracts;
pub mod server;
pub mod slapd;
pub mod smtp;
pub mod ssh;
pub mod tmux;
pub mod web;

pub const CONFIG: &str = r#"
[[org]]
slug = "kirjasto"
name = "Test Library"
credential = { kind = "pin", digits = 4 }
link_base_url = "http://127.0.0.1:8080"
links_per_hour = 3

[[org]]
slug = "kaupunki"
name = "Test Town"
credential = { kind = "password", min_length = 10 }
link_base_url = "http://127.0.0.1:8080"
"#;

/// 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600_000;

pub struct Harness {
    pub backend: &'static str,
    pub services: Services,
    pub clock: ManualClock,
    pub admin: Staff,
    pub desk_library: Staff,
    pub desk_town: Staff,
    _guard: DbGuard,
}

/// Drops the per-test server database (or temp folder) at the end.
pub enum DbGuard {
    File(tempfile::TempDir),
    Server { admin_url: String, name: String },
}

impl Harness {
    /// Closes the pool so no connection still holds a lock on the test
    /// database when the guard drops it.
    pub async fn close(self) {
        let _ = self.services.store.clone().close().await;
    }
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let DbGuard::Server { admin_url, name } = self {
            let (url, sql) = (admin_url.clone(), format!("DROP DATABASE IF EXISTS {name}"));
            let mysql = admin_url.starts_with("mysql:");
            // Best effort, on a fresh runtime: the test's runtime is ending.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(db) = sea_orm::Database::connect(&url).await {
                        use sea_orm::ConnectionTrait;
                        // Never wait long for a lock: a leftover database is
                        // better than a hung test run.
                        if mysql {
                            let _ = db
                                .execute_unprepared("SET SESSION lock_wait_timeout = 10")
                                .await;
                        } else {
                            let _ = db.execute_unprepared("SET lock_timeout = '10s'").await;
                        }
                        let _ = db.execute_unprepared(&sql).await;
                        let _ = db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn require_all() -> bool {
    std::env::var("AVAIN_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Says why a test skips, where a plain `cargo test` shows it; fails when
/// everything is required (`AVAIN_TEST_REQUIRE_ALL=1`, as in `.ci/run`).
pub fn skip(why: &str) {
    if require_all() {
        panic!("AVAIN_TEST_REQUIRE_ALL=1 but {why}");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    announce(&format!("SKIPPED {test}: {why}"));
}

/// One line on the terminal even while cargo captures test output: the
/// harness captures only the `print!` family, not writes to the handle.
fn announce(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The backends this run tests: name and server URL (None for SQLite).
pub fn backends() -> Vec<(&'static str, Option<String>)> {
    let mut list = vec![("sqlite", None)];
    for (name, var) in [
        ("postgres", "AVAIN_TEST_POSTGRES_URL"),
        ("mysql", "AVAIN_TEST_MYSQL_URL"),
    ] {
        match std::env::var(var).ok().filter(|v| !v.is_empty()) {
            Some(url) => list.push((name, Some(url))),
            None if require_all() => panic!("AVAIN_TEST_REQUIRE_ALL=1 but {var} is not set"),
            None => announce_once(var, name),
        }
    }
    list
}

/// A missing database URL is said once per test file, not once per test.
fn announce_once(var: &'static str, name: &str) {
    static SAID: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|p| p.into_inner());
    if !said.contains(&var) {
        said.push(var);
        let file = std::env::args()
            .next()
            .and_then(|a| {
                let stem = std::path::Path::new(&a)
                    .file_stem()?
                    .to_string_lossy()
                    .to_string();
                // Cargo names test binaries `<file>-<hash>`.
                Some(
                    stem.rsplit_once('-')
                        .map_or(stem.clone(), |(f, _)| f.to_string()),
                )
            })
            .unwrap_or_default();
        announce(&format!(
            "SKIPPED the {name} variants of tests/{file}.rs: {var} is not set"
        ));
    }
}

fn unique_name() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    format!(
        "avain_t_{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    )
}

/// Replaces the database name at the end of a server URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, Some(q)))
        .unwrap_or((url, None));
    let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A fresh, empty database on a server, dropped when the guard goes.
pub async fn fresh_server_database(admin_url: &str) -> (String, DbGuard) {
    let name = unique_name();
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test server {admin_url}: {e}"));
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    (
        with_database(admin_url, &name),
        DbGuard::Server {
            admin_url: admin_url.to_string(),
            name,
        },
    )
}

/// A fresh, migrated database for one test.
pub async fn fresh_store(server: Option<&str>) -> (Store, DbGuard) {
    match server {
        None => {
            let dir = tempfile::tempdir().unwrap();
            let url = avain::config::sqlite_url(&dir.path().join("test.db"));
            (Store::open(&url).await.unwrap(), DbGuard::File(dir))
        }
        Some(admin_url) => {
            let (url, guard) = fresh_server_database(admin_url).await;
            (Store::open(&url).await.unwrap(), guard)
        }
    }
}

pub async fn harness(backend: &'static str, server: Option<&str>) -> Harness {
    harness_with(backend, server, CONFIG, None).await
}

/// A harness on its own configuration; with `data_dir`, the
/// organisations' directories are connected (their secret files are read
/// from there).
pub async fn harness_with(
    backend: &'static str,
    server: Option<&str>,
    config: &str,
    data_dir: Option<&std::path::Path>,
) -> Harness {
    let (store, guard) = fresh_store(server).await;
    let config = Config::parse(config).unwrap_or_else(|e| panic!("test config: {e}"));
    let clock = ManualClock::new(T0);
    let mut services = Services::new(
        config,
        store,
        Pepper::generate("k1"),
        Arc::new(clock.clone()),
    );
    if let Some(dir) = data_dir {
        services = services.with_directories(dir).unwrap();
    }
    services
        .create_first_admin("admin", "Ada Admin")
        .await
        .unwrap();
    let admin = services.identify_os_user("admin").await.unwrap();
    for (login, name, org) in [
        ("lib", "Liisa Library", "kirjasto"),
        ("town", "Toni Town", "kaupunki"),
    ] {
        services
            .add_staff(
                &admin,
                NewStaffMember {
                    login: login.into(),
                    full_name: name.into(),
                    role: Role::Desk,
                    orgs: vec![org.into()],
                    password: None,
                },
            )
            .await
            .unwrap();
    }
    let desk_library = services.identify_os_user("lib").await.unwrap();
    let desk_town = services.identify_os_user("town").await.unwrap();
    Harness {
        backend,
        services,
        clock,
        admin,
        desk_library,
        desk_town,
        _guard: guard,
    }
}

/// Runs `body` once per configured backend, each on a fresh database.
pub async fn on_every_backend<F>(body: F)
where
    F: AsyncFn(&Harness),
{
    for (name, url) in backends() {
        let h = harness(name, url.as_deref()).await;
        body(&h).await;
        h.close().await;
    }
}

pub const LIBRARY_CSV: &str = "external_id,full_name,email,card_number,old_cards,previous_emails,phone,legacy_credential,must_set_credential
L1,Aino Virtanen,aino.virtanen@example.fi,2900100001,,,040 100 0001,no,no
L2,Mikko Lehtonen,Mikko.Lehtonen@Example.fi,2900100002,2900099002,mikko@old.example,,yes,no
L3,Tuula Koskinen,perhe@example.fi,2900100003,,,,no,no
L4,Veera Koskinen,perhe@example.fi,2900100004,,,,no,no
L5,Anna-Liisa Häkkinen,annaliisa@example.fi,2900100005,,,+358 50 100 0005,no,no
";

pub const TOWN_CSV: &str = "external_id,full_name,email,previous_emails,must_set_credential
T1,Kaisa Lindholm,kaisa.lindholm@example.fi,kaisa@old.example,yes
T2,Jari Tuominen,jari.tuominen@example.fi,,no
";

/// Imports the small fixtures into both organisations.
pub async fn seed(h: &Harness) {
    let quiet = |_: u64, _: u64| {};
    for (org, csv) in [("kirjasto", LIBRARY_CSV), ("kaupunki", TOWN_CSV)] {
        h.services
            .import_accounts(&h.admin, org, csv.as_bytes(), false, &quiet)
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{}: seed import failed: {e:?}", h.backend));
    }
}

/// The id of the account with this card / login / external id.
pub async fn id_of(h: &Harness, ident: &str) -> i64 {
    h.services
        .resolve_account(&h.admin, ident)
        .await
        .unwrap()
        .id
}

/// Sends a link as desk staff and returns (token id, token text from the
/// sealed mail, which keeps the link until it is sent).
pub async fn send_link(
    h: &Harness,
    account: i64,
    purpose: avain::domain::link::LinkPurpose,
) -> (i64, String) {
    let sent = h
        .services
        .send_link(&h.desk_library, account, Some(purpose))
        .await
        .unwrap();
    // Only an admin may read a live link out of the outbox.
    let mail = h
        .services
        .outbox_message(&h.admin, sent.outbox_id, true)
        .await
        .unwrap();
    let link = mail.link.expect("the link is kept until sent");
    assert!(link.starts_with("http://127.0.0.1:8080/link/"), "{link}");
    (sent.token_id, link.rsplit('/').next().unwrap().to_string())
}

/// Imports `csv` into "kirjasto" as the admin, without progress: the
/// report, or the errors that refused the file.
pub async fn import_csv(
    h: &Harness,
    csv: &str,
    options: avain::service::import::ImportOptions,
) -> Result<avain::service::import::ImportReport, Vec<avain::service::import::ImportError>> {
    h.services
        .import_accounts_with(
            &h.admin,
            "kirjasto",
            avain::service::import::CsvInput::Bytes(csv.as_bytes()),
            options,
            &|_, _| {},
        )
        .await
        .unwrap()
}
