//! `avain bench import`: the CSV import of N generated rows into an empty
//! SQLite database, beside a plain-SQL baseline measured in the same run
//! (the same rows, their cards, earlier addresses and search terms inserted
//! with prepared statements in one transaction: no ORM, no checks); then
//! the same file with every tenth row changed, imported again (the upsert
//! path); with `--postgres` / `--mysql`, the import into those servers
//! too. The import's peak memory is measured by `scripts/bench` around the
//! real command.

use super::search_data::{drop_server_database, server_database};
use super::{open_services, services_on};
use crate::domain::AccountStatus;
use crate::domain::normalize::{card_key, email_key};
use crate::domain::search_terms::{TermSource, account_terms};
use crate::domain::verdict::CardStatus;
use crate::service::Services;
use crate::service::import::{CsvInput, ImportOptions};
use crate::setup::stdout::out;
use crate::store::Store;
use anyhow::Context;
use sea_orm::sqlx;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct ImportBenchArgs {
    /// Rows in the CSV file.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: u64,
    /// Folder for the files and databases (kept for the next run).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Rows of the file the plain-SQL baseline inserts (it runs at a
    /// steady rate, so its rows per second compare; at most `rows`).
    #[arg(long, default_value_t = 100_000)]
    pub baseline_rows: u64,
    /// Only the PostgreSQL / MariaDB imports (no baseline, no SQLite).
    #[arg(long)]
    pub servers_only: bool,
    /// Also import into this PostgreSQL server (a database
    /// `avain_bench_import` is created there and dropped afterwards).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Also import into this MariaDB/MySQL server (likewise).
    #[arg(long)]
    pub mysql: Option<String>,
}

/// The bench database created on a server.
const SERVER_DATABASE: &str = "avain_bench_import";

pub async fn run(args: &ImportBenchArgs) -> anyhow::Result<()> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("avain-bench"));
    std::fs::create_dir_all(&dir)?;
    let (fresh, changed) = write_files(&dir, args.rows)?;
    let n = args.rows;
    let mut report = String::new();
    writeln!(report, "### Import ({n} CSV rows, one transaction each)\n")?;
    writeln!(report, "| what | seconds | rows per second | target |")?;
    writeln!(report, "| --- | ---: | ---: | --- |")?;

    if !args.servers_only {
        on_sqlite(&mut report, &dir, &fresh, &changed, args).await?;
    }
    for (name, url) in [("PostgreSQL", &args.postgres), ("MariaDB", &args.mysql)] {
        let Some(url) = url else { continue };
        let (took, floor) = on_server(url, &fresh)
            .await
            .with_context(|| name.to_string())?;
        let what = format!("`avain import`, empty {name}");
        report_row(&mut report, n, &what, took, "≤ 60 s");
        let what = format!(
            "{name} alone, the rows the import wrote (copied by the server into \
             empty tables of the same shape, one transaction)"
        );
        report_row(&mut report, n, &what, floor, "floor");
    }
    out!("{report}");
    Ok(())
}

/// The baseline and the two SQLite imports, rows of the report, and the
/// import's speed-up over the baseline.
async fn on_sqlite(
    report: &mut String,
    dir: &Path,
    fresh: &Path,
    changed: &Path,
    args: &ImportBenchArgs,
) -> anyhow::Result<()> {
    let n = args.rows;
    let base_rows = args.baseline_rows.min(n);
    let base = baseline(&empty_file(dir, "import-baseline.db")?, fresh, base_rows).await?;
    let base_rate = base_rows as f64 / base.as_secs_f64();
    writeln!(
        report,
        "| plain SQL baseline, SQLite (prepared statements, no checks; first {base_rows} rows) \
         | {:.1} | {base_rate:.0} | - |",
        base.as_secs_f64()
    )?;
    let services = open_services(&empty_file(dir, "import-avain.db")?).await?;
    let sqlite = import(&services, fresh).await?;
    report_row(report, n, "`avain import`, empty SQLite", sqlite, "≤ 15 s");
    let again = import(&services, changed).await?;
    report_row(
        report,
        n,
        "`avain import` again, 10 % of rows changed (SQLite)",
        again,
        "≤ 30 s",
    );
    let speedup = n as f64 / sqlite.as_secs_f64() / base_rate;
    writeln!(
        report,
        "| `avain import` rows per second / baseline rows per second | {speedup:.2}x | | ≥ 1.5x |"
    )?;
    Ok(())
}

/// One row of the report: what, seconds, rows per second, the target.
fn report_row(report: &mut String, rows: u64, what: &str, took: Duration, target: &str) {
    let s = took.as_secs_f64();
    let _ = writeln!(
        report,
        "| {what} | {s:.1} | {:.0} | {target} |",
        rows as f64 / s
    );
}

/// A path for a database file, with any earlier one (and its side files)
/// removed.
fn empty_file(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let file = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(file)
}

/// The generated file and its changed copy (written once, kept).
fn write_files(dir: &Path, rows: u64) -> anyhow::Result<(PathBuf, PathBuf)> {
    let fresh = dir.join(format!("import-{rows}.csv"));
    let changed = dir.join(format!("import-{rows}-changed.csv"));
    for (file, every) in [(&fresh, 0), (&changed, 10)] {
        if file.exists() {
            continue;
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(file)?);
        writeln!(
            f,
            "external_id,full_name,email,card_number,phone,previous_emails"
        )?;
        for i in 0..rows {
            let email = if every > 0 && i % every == 0 {
                format!("changed.person{i}@example.org")
            } else {
                format!("bench.person{i}@example.fi")
            };
            writeln!(
                f,
                "B{i},Bench Person {i:06},{email},39{i:08},040 {i:07},old{i}@example.org"
            )?;
        }
        f.flush()?;
    }
    Ok((fresh, changed))
}

/// Imports the file as `avain import accounts` does.
async fn import(services: &Services, csv: &Path) -> anyhow::Result<Duration> {
    let _ = services.create_first_admin("bench", "Bench").await;
    let staff = services.identify_os_user("bench").await?;
    let quiet = |_: u64, _: u64| {};
    let start = Instant::now();
    let report = services
        .import_accounts_with(
            &staff,
            "kirjasto",
            CsvInput::File(csv),
            ImportOptions::default(),
            &quiet,
        )
        .await?
        .map_err(|errors| anyhow::anyhow!("refused: {}", errors[0]))?;
    let took = start.elapsed();
    eprintln!(
        "imported {}: {} created, {} updated in {:.1} s",
        csv.display(),
        report.created,
        report.updated,
        took.as_secs_f64()
    );
    Ok(took)
}

/// Imports into a fresh database on a server, then measures the server's
/// own floor for the rows written; drops the database afterwards.
async fn on_server(admin_url: &str, csv: &Path) -> anyhow::Result<(Duration, Duration)> {
    let url = server_database(admin_url, SERVER_DATABASE, true).await?;
    let store = Store::open(&url).await?;
    let services = services_on(store.clone())?;
    let measured = match import(&services, csv).await {
        Ok(took) => super::server_floor::copy_time(&store)
            .await
            .map(|floor| (took, floor)),
        Err(e) => Err(e),
    };
    store.close().await?;
    drop_server_database(admin_url, SERVER_DATABASE).await?;
    measured
}

/// The plain-SQL floor: each row's account, card, earlier address and
/// search terms inserted with prepared statements in one transaction.
async fn baseline(file: &Path, csv: &Path, rows: u64) -> anyhow::Result<Duration> {
    let store = Store::open(&crate::config::sqlite_url(file)).await?;
    let pool = store.connection().get_sqlite_connection_pool().clone();
    let now = chrono::Utc::now().timestamp_millis();
    let start = Instant::now();
    let mut tx = pool.begin().await?;
    let mut reader = csv::Reader::from_path(csv)?;
    for (i, record) in reader.records().take(rows as usize).enumerate() {
        let r = record?;
        let (id, name, email, card, phone, old) = (i as i64 + 1, &r[1], &r[2], &r[3], &r[4], &r[5]);
        sqlx::query(
            "INSERT INTO account (id, org, external_id, full_name, email, email_key, phone, \
             status, legacy_credential, must_set_credential, failed_attempts, created_at, \
             updated_at, directory_locked) VALUES (?, 'kirjasto', ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, 0)",
        )
        .bind(id)
        .bind(&r[0])
        .bind(name)
        .bind(email)
        .bind(email_key(email))
        .bind(phone)
        .bind(AccountStatus::Active.code())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO card (account_id, org, number, number_key, status, created_at) \
             VALUES (?, 'kirjasto', ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(card)
        .bind(card_key(card))
        .bind(CardStatus::Active.code())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO email_history (account_id, org, email, email_key, until_at, changed_by) \
             VALUES (?, 'kirjasto', ?, ?, 0, 'import')",
        )
        .bind(id)
        .bind(old)
        .bind(email_key(old))
        .execute(&mut *tx)
        .await?;
        let cards = [card.to_string()];
        let terms = account_terms(&TermSource {
            full_name: name,
            email,
            phone: Some(phone),
            login: None,
            cards: &cards,
        });
        for (term, kind) in terms {
            sqlx::query("INSERT INTO search_term (account_id, org, term, kind) VALUES (?, 'kirjasto', ?, ?)")
                .bind(id)
                .bind(term)
                .bind(kind.code())
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    let took = start.elapsed();
    store.close().await?;
    eprintln!("baseline: {:.1} s", took.as_secs_f64());
    Ok(took)
}
