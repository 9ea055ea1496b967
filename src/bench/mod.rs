//! `avain bench search`: search latency through the service layer at several
//! database sizes (SQLite), beside a Koha-style `LIKE '%q%'` scan on the
//! same file in the same run. Prints a Markdown report.

mod args;
pub mod console;
pub mod desk;
pub mod directory;
pub mod import;
mod search_data;
mod server_floor;
pub(crate) use search_data::prepare;
pub mod mail;
pub mod ssh;
pub mod stats;
pub mod web;

use crate::clock::SystemClock;
use crate::config::Config;
use crate::secrets::Pepper;
use crate::service::{Services, Staff};
use crate::setup::stdout::out;
use crate::store::{Store, bulk};
use anyhow::Context;
pub use args::{BenchArgs, ConsoleBenchArgs, DeskAction, DeskBenchArgs, MailBenchArgs};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) const CONFIG: &str = r#"
[[org]]
slug = "kirjasto"
name = "Bench Library"
credential = { kind = "pin", digits = 4 }
link_base_url = "http://127.0.0.1:8080"

[[org]]
slug = "kaupunki"
name = "Bench Town"
credential = { kind = "password", min_length = 10 }
link_base_url = "http://127.0.0.1:8080"
"#;

/// LIKE scans per size and kind (each is a full scan, so few).
const LIKE_SAMPLES: usize = 15;
/// Results asked for, as the console does.
const LIMIT: usize = 20;

/// One query kind's sample queries.
pub(crate) struct Kind {
    pub(crate) name: &'static str,
    /// Selective: few hits, so the LIKE baseline must scan everything.
    pub(crate) selective: bool,
    pub(crate) queries: Vec<String>,
}

#[derive(Clone, Copy)]
struct Stats {
    p50: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let temp;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => {
            temp = tempfile_dir()?;
            temp.clone()
        }
    };
    std::fs::create_dir_all(&dir)?;
    let mut report = String::new();
    writeln!(
        report,
        "### Search through the service layer (limit {LIMIT})\n"
    )?;
    writeln!(
        report,
        "| database | accounts | query | p50 ms | p99 ms | LIKE p50 ms | LIKE / indexed (p50) |"
    )?;
    writeln!(report, "| --- | ---: | --- | ---: | ---: | ---: | ---: |")?;
    let mut p99_by_size: Vec<(u64, Duration)> = Vec::new();
    for &size in &args.sizes {
        let (services, staff, kinds) = prepare(&dir, size).await?;
        let worst =
            time_kinds(&mut report, "SQLite", &services, &staff, &kinds, size, args).await?;
        p99_by_size.push((size, worst));
        services.store.close().await?;
    }
    let largest = args.sizes.iter().copied().max().unwrap_or(0);
    for (name, url) in [("PostgreSQL", &args.postgres), ("MariaDB", &args.mysql)] {
        let Some(url) = url else { continue };
        let (services, staff, kinds) = search_data::prepare_server(url, largest)
            .await
            .with_context(|| name.to_string())?;
        time_kinds(&mut report, name, &services, &staff, &kinds, largest, args).await?;
        services.store.close().await?;
    }
    if let (Some(first), Some(last)) = (p99_by_size.first(), p99_by_size.last())
        && first.0 != last.0
    {
        writeln!(
            report,
            "\nWorst p99 at {}: {} ms; at {}: {} ms; ratio {:.2}x.",
            first.0,
            ms(first.1),
            last.0,
            ms(last.1),
            last.1.as_secs_f64() / first.1.as_secs_f64()
        )?;
    }
    out!("{report}");
    if let Some(path) = &args.report {
        std::fs::write(path, &report).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Times every query kind on one database, one report row each (with the
/// LIKE scan where it is not a full scan of every row for many hits); the
/// worst p99.
async fn time_kinds(
    report: &mut String,
    database: &str,
    services: &Services,
    staff: &Staff,
    kinds: &[Kind],
    size: u64,
    args: &BenchArgs,
) -> anyhow::Result<Duration> {
    let mut worst = Duration::ZERO;
    for kind in kinds {
        let s = time_searches(services, staff, kind, size, args.samples).await?;
        worst = worst.max(s.p99);
        let like = if kind.selective || size <= 100_000 {
            Some(time_like_scan(services, kind).await?)
        } else {
            None
        };
        writeln!(
            report,
            "| {database} | {size} | {} | {} | {} | {} | {} |",
            kind.name,
            ms(s.p50),
            ms(s.p99),
            like.map(ms).unwrap_or_else(|| "-".into()),
            like.map(|l| format!("{:.0}x", l.as_secs_f64() / s.p50.as_secs_f64()))
                .unwrap_or_else(|| "-".into())
        )?;
        eprintln!(
            "{database} {size} {}: p50 {} ms, p99 {} ms",
            kind.name,
            ms(s.p50),
            ms(s.p99)
        );
    }
    Ok(worst)
}

/// Searches for random queries of one kind, after warming the page and
/// statement caches.
async fn time_searches(
    services: &Services,
    staff: &Staff,
    kind: &Kind,
    seed: u64,
    samples: usize,
) -> anyhow::Result<Stats> {
    let mut rng = SmallRng::seed_from_u64(seed);
    for q in kind.queries.iter().take(50) {
        services.search(staff, q, LIMIT).await?;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let q = &kind.queries[rng.random_range(0..kind.queries.len())];
        let start = Instant::now();
        let found = services.search(staff, q, LIMIT).await?;
        times.push(start.elapsed());
        std::hint::black_box(found);
    }
    Ok(stats(times))
}

/// The baseline: the same queries as a `LIKE` scan; median time.
async fn time_like_scan(services: &Services, kind: &Kind) -> anyhow::Result<Duration> {
    let mut like = Vec::new();
    for q in kind.queries.iter().take(LIKE_SAMPLES) {
        let tx = services.store.begin_read().await?;
        let start = Instant::now();
        std::hint::black_box(crate::store::search::like_scan(&tx, q, LIMIT as u64).await?);
        like.push(start.elapsed());
        tx.commit().await?;
    }
    Ok(stats(like).p50)
}

pub(crate) fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("avain-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Services on a benchmark database file, with the benchmark's config.
pub(crate) async fn open_services(file: &std::path::Path) -> anyhow::Result<Services> {
    services_on(Store::open(&crate::config::sqlite_url(file)).await?)
}

/// Services on a benchmark store, with the benchmark's config.
pub(crate) fn services_on(store: Store) -> anyhow::Result<Services> {
    Ok(Services::new(
        Config::parse(CONFIG).map_err(anyhow::Error::msg)?,
        store,
        Pepper::generate("k1"),
        Arc::new(SystemClock),
    ))
}

/// `size` generated accounts spread over the benchmark's organisations
/// (the same seed, so the same accounts, every run).
pub(crate) fn generated(services: &Services, size: u64) -> Vec<bulk::BulkAccount> {
    let orgs: Vec<(String, bool)> = services
        .config
        .orgs
        .iter()
        .map(|o| (o.slug.to_string(), o.uses_cards()))
        .collect();
    crate::demo::generated_accounts(1, size, &orgs, 42)
}

/// Inserts generated accounts in one transaction, saying how long it took.
pub(crate) async fn insert_generated(
    services: &Services,
    list: &[crate::store::bulk::BulkAccount],
) -> anyhow::Result<()> {
    let start = Instant::now();
    let tx = services.store.begin_write().await?;
    for chunk in list.chunks(50_000) {
        bulk::insert_accounts(&tx, chunk, services.now()).await?;
    }
    tx.commit().await?;
    eprintln!(
        "built {} accounts in {:.1} s",
        list.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
