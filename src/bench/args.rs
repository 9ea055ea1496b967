//! The options of `avain bench …`.

use clap::Args;
use std::path::PathBuf;

/// A desk action `avain bench desk` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeskAction {
    Link,
    Pin,
    Note,
}

impl DeskAction {
    pub fn code(self) -> &'static str {
        match self {
            DeskAction::Link => "link",
            DeskAction::Pin => "pin",
            DeskAction::Note => "note",
        }
    }
}

#[derive(Debug, Args)]
pub struct DeskBenchArgs {
    /// Actions to take.
    #[arg(long, default_value_t = 100)]
    pub actions: usize,
    /// Chooses accounts, actions and the PINs set (same seed, same run).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Only these actions (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<DeskAction>,
    /// "K/N": act only on accounts whose id modulo N is K, each at most once.
    #[arg(long)]
    pub shard: Option<String>,
    /// Try to send queued mail after each action, as the console does.
    #[arg(long)]
    pub deliver: bool,
}

#[derive(Debug, Args)]
pub struct ConsoleBenchArgs {
    /// Accounts in the benchmark database.
    #[arg(long, default_value_t = 1_000_000)]
    pub size: u64,
    /// Queries typed, key by key.
    #[arg(long, default_value_t = 400)]
    pub queries: usize,
    /// Folder for the benchmark database (shared with `bench search`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Write the results as Markdown to this file as well.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MailBenchArgs {
    /// Accounts awaiting first login to invite.
    #[arg(long, default_value_t = 100_000)]
    pub invitations: u64,
    /// Mails to deliver (0: skip the delivery part).
    #[arg(long, default_value_t = 2_000)]
    pub deliver: usize,
    /// SMTP server to deliver to, e.g. smtp://127.0.0.1:2525.
    #[arg(long)]
    pub smtp: Option<String>,
    /// Delivery workers running at once.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Folder for the benchmark database (default: a temporary folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Account counts to measure at (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [10_000u64, 100_000, 1_000_000])]
    pub sizes: Vec<u64>,
    /// Searches per query kind and size.
    #[arg(long, default_value_t = 2000)]
    pub samples: usize,
    /// Also measure at the largest size on this PostgreSQL server (a
    /// database `avain_bench_search_N` is built there once and kept).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Likewise on this MariaDB/MySQL server.
    #[arg(long)]
    pub mysql: Option<String>,
    /// Folder for the benchmark databases (default: a temporary folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Write the results as Markdown to this file as well.
    #[arg(long)]
    pub report: Option<PathBuf>,
}
