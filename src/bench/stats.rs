//! `avain bench stats`: the statistics pane's read (`Services::org_stats`)
//! on a year of history: N accounts, and attempts, links and mails spread
//! over the last 365 days (70 % in the library). Reports the time to open
//! the pane or switch period (7, 30, 365 days) and to produce
//! `avain stats --since 365d --json` (the same call, then JSON), each the
//! median and worst of several runs. The history is built once into
//! `stats-N.db` in the folder and reused.

use super::{ms, open_services};
use crate::service::Services;
use crate::setup::stdout::out;
use crate::store::accounts;
use anyhow::Context;
use sea_orm::ConnectionTrait;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct StatsBenchArgs {
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: u64,
    #[arg(long, default_value_t = 5_000_000)]
    pub attempts: u64,
    #[arg(long, default_value_t = 2_000_000)]
    pub links: u64,
    #[arg(long, default_value_t = 2_000_000)]
    pub mails: u64,
    /// Runs of each read.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Folder for the benchmark database (reused by the next run).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

const YEAR_MS: i64 = 365 * 86_400_000;

/// Causes of refused attempts, with their weight out of 100 (the rest
/// accepted).
const CAUSES: [(&str, u64); 6] = [
    ("email_case_differs", 22),
    ("card_old_card", 8),
    ("email_previous_email", 7),
    ("card_card_unknown", 6),
    ("email_typo", 5),
    ("email_email_unknown", 4),
];

pub async fn run(args: &StatsBenchArgs) -> anyhow::Result<()> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("avain-bench"));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("stats-{}.db", args.accounts));
    let services = open_services(&file).await?;
    build(&services, args)
        .await
        .context("building the history")?;
    let _ = services.create_first_admin("bench", "Bench").await;
    let staff = services.identify_os_user("bench").await?;
    let mut report = String::new();
    writeln!(
        report,
        "### Statistics (SQLite: {} accounts; over a year {} attempts, {} links, {} mails)\n",
        args.accounts, args.attempts, args.links, args.mails
    )?;
    writeln!(report, "| read | median ms | worst ms | target ms |")?;
    writeln!(report, "| --- | ---: | ---: | ---: |")?;
    // The very first read counts every settled day and keeps it; later
    // reads find them kept. Reported on its own row.
    let start = Instant::now();
    services.org_stats(&staff, "kirjasto", 365).await?;
    let first = start.elapsed();
    writeln!(
        report,
        "| first 12-month read ever (counts and keeps the settled days) | {} | {} | - |",
        ms(first),
        ms(first)
    )?;
    for (label, days, json, target) in [
        ("pane: 7 days", 7, false, 200),
        ("pane: 30 days", 30, false, 200),
        ("pane: 12 months", 365, false, 200),
        (
            "`avain stats --since 365d --json` (service + JSON)",
            365,
            true,
            1000,
        ),
    ] {
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..args.runs.max(1) {
            let start = Instant::now();
            let st = services.org_stats(&staff, "kirjasto", days).await?;
            if json {
                let text = serde_json::to_string(&st)?;
                std::hint::black_box(text);
            }
            times.push(start.elapsed());
        }
        times.sort();
        writeln!(
            report,
            "| {label} | {} | {} | {target} |",
            ms(times[times.len() / 2]),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        )?;
    }
    out!("{report}");
    services.store.close().await?;
    Ok(())
}

/// A cheap deterministic spread (xorshift), so a rebuilt database is the same.
struct Spread(u64);

impl Spread {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

async fn count(services: &Services, table: &str) -> anyhow::Result<u64> {
    let row = services
        .store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            format!("SELECT COUNT(*) FROM {table}"),
        ))
        .await?
        .context("a count")?;
    Ok(row.try_get_by_index::<i64>(0)? as u64)
}

/// Accounts, then the year of history, unless the file has them already.
async fn build(services: &Services, args: &StatsBenchArgs) -> anyhow::Result<()> {
    let tx = services.store.begin_read().await?;
    let existing = accounts::count(&tx, None).await?;
    tx.commit().await?;
    if existing == 0 {
        let list = super::generated(services, args.accounts);
        super::insert_generated(services, &list).await?;
    }
    if count(services, "selfservice_attempt").await? >= args.attempts {
        return Ok(());
    }
    let start = Instant::now();
    let now = services.now();
    let mut spread = Spread(0x9E37_79B9_7F4A_7C15);
    let n_accounts = args.accounts.max(1);
    let org = |s: &mut Spread| {
        if s.next(10) < 7 {
            "kirjasto"
        } else {
            "kaupunki"
        }
    };
    rows(
        services,
        "selfservice_attempt (org, account_id, accepted, verdict, outcome, reason, created_at)",
        args.attempts,
        |s| {
            let pick = s.next(100);
            let mut acc = 0;
            let cause = CAUSES.iter().find(|(_, w)| {
                acc += w;
                pick < acc
            });
            let (accepted, outcome, reason) = match cause {
                Some((c, _)) => (0, "refused", *c),
                None => (1, "link_sent", "accepted"),
            };
            format!(
                "('{}', NULL, {accepted}, '{{}}', '{outcome}', '{reason}', {})",
                org(s),
                now - s.next(YEAR_MS as u64) as i64
            )
        },
        &mut spread,
    )
    .await?;
    rows(services, "reset_token (account_id, org, purpose, origin, token_hash, sent_to, created_at, expires_at, used_at, revoked_at)", args.links, |s| {
        let at = now - s.next(YEAR_MS as u64) as i64;
        let fate = s.next(100);
        let used = if fate < 70 { format!("{}", at + 60_000 + s.next(7_200_000) as i64) } else { "NULL".into() };
        let revoked = if (70..80).contains(&fate) { format!("{}", at + 1000) } else { "NULL".into() };
        let origin = if s.next(4) == 0 { "staff" } else { "self_service" };
        format!(
            "({}, '{}', 'reset', '{origin}', 'h{}-{}', 'x@example.fi', {at}, {}, {used}, {revoked})",
            1 + s.next(n_accounts),
            org(s),
            at,
            s.next(u64::MAX / 2),
            at + 1_800_000
        )
    }, &mut spread)
    .await?;
    rows(services, "outbox (org, recipient, template, language, params, status, attempts, next_attempt_at, last_answer, created_at)", args.mails, |s| {
        let at = now - s.next(YEAR_MS as u64) as i64;
        let (status, tries, answer) = match s.next(100) {
            0..=2 => ("failed", 8, "'550 5.1.1 mailbox unavailable'"),
            3..=6 => ("sent", 2, "'250 2.0.0 Ok'"),
            _ => ("sent", 1, "'250 2.0.0 Ok'"),
        };
        format!(
            "('{}', 'p{}@mail{}.example', 'reset_link', 'fi', '{{}}', '{status}', {tries}, {at}, {answer}, {at})",
            org(s),
            s.next(1_000_000),
            s.next(20),
        )
    }, &mut spread)
    .await?;
    eprintln!(
        "built the year of history in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Inserts `n` rows made by `row` into `table_cols`, 500 to a statement
/// and 100,000 to a transaction.
async fn rows(
    services: &Services,
    table_cols: &str,
    n: u64,
    row: impl Fn(&mut Spread) -> String,
    spread: &mut Spread,
) -> anyhow::Result<()> {
    let mut done = 0;
    while done < n {
        let tx = services.store.begin_write().await?;
        let end = (done + 100_000).min(n);
        while done < end {
            let take = (end - done).min(500);
            let values: Vec<String> = (0..take).map(|_| row(spread)).collect();
            tx.execute_unprepared(&format!(
                "INSERT INTO {table_cols} VALUES {}",
                values.join(",")
            ))
            .await?;
            done += take;
        }
        tx.commit().await?;
    }
    Ok(())
}
