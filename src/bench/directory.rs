//! `avain bench refresh`: how long opening an account takes when it is
//! first read again from its directory (what the console does on Enter),
//! over random accounts of a directory-backed organisation of the
//! configured installation. Prints one JSON line.

use crate::setup::stdout::outln;
use crate::setup::{Failure, Invocation};
use rand::RngExt;
use std::time::{Duration, Instant};

/// `avain bench refresh` options.
#[derive(Debug, clap::Args)]
pub struct RefreshBenchArgs {
    /// The organisation (its accounts must come from a directory).
    #[arg(long)]
    pub org: String,
    /// Accounts opened.
    #[arg(long, default_value_t = 500)]
    pub samples: usize,
}

fn at(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0
}

pub async fn run(inv: &Invocation, args: &RefreshBenchArgs) -> Result<(), Failure> {
    let (services, _) = crate::setup::open(&inv.overrides).await?;
    let staff = crate::setup::identify(inv, &services).await?;
    if services.directory(&args.org).is_none() {
        return Err(Failure::bad_input(format!(
            "organisation {:?} has no directory to read from",
            args.org
        )));
    }
    let ids = services.account_ids(&staff, &args.org).await?;
    if ids.is_empty() {
        return Err(Failure::refused("no accounts: run `avain sync` first"));
    }
    let mut rng = rand::rng();
    let mut times = Vec::with_capacity(args.samples);
    let mut stale = 0;
    for _ in 0..args.samples {
        let id = ids[rng.random_range(0..ids.len())];
        let begin = Instant::now();
        let detail = services.open_account(&staff, id).await?;
        times.push(begin.elapsed());
        if !matches!(
            detail.directory.map(|d| d.freshness),
            Some(crate::service::Freshness::Fresh { .. })
        ) {
            stale += 1;
        }
    }
    times.sort();
    outln!(
        "{}",
        serde_json::json!({
            "org": args.org,
            "samples": times.len(),
            "not_fresh": stale,
            "p50_ms": at(&times, 0.5),
            "p99_ms": at(&times, 0.99),
            "max_ms": at(&times, 1.0),
        })
    );
    Ok(())
}
