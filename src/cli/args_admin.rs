//! The admin's subcommands for organisations and imports.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    #[arg(long)]
    pub org: String,
    /// The period: the last N days (`7d`, `30d`, `365d`) up to now.
    #[arg(long, default_value = "30d", value_parser = parse_days)]
    pub since: u32,
    /// One row per day and cause: date, cause, attempts.
    #[arg(long)]
    pub csv: bool,
}

fn parse_days(text: &str) -> Result<u32, String> {
    let digits = text.strip_suffix('d').unwrap_or(text);
    match digits.parse::<u32>() {
        Ok(n) if (1..=crate::service::stats::MAX_DAYS).contains(&n) => Ok(n),
        _ => Err(format!(
            "{text:?}: write the number of days, e.g. 30d (1 to {})",
            crate::service::stats::MAX_DAYS
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Each organisation with its accounts and live links; slugs the
    /// database holds but the configuration lacks are listed too.
    List,
    /// After changing a slug in the configuration: move the accounts,
    /// links, mail, attempts, notes and staff of OLD to NEW.
    Rename { old: String, new: String },
    /// After removing an organisation from the configuration: revoke its
    /// live links, cancel its queued mail and take it from staff; its
    /// accounts and history stay in the database.
    Retire { slug: String },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Accounts from CSV (header row; full_name and email required).
    ///
    /// Columns are separated by commas, semicolons or tabs (whichever the
    /// header has most of). Known columns: full_name, email (required);
    /// card_number, login, phone, external_id; previous_emails and
    /// old_cards (lists separated by ';', the field quoted in a
    /// semicolon-separated file); credential_set_at (2024-05-31
    /// or RFC 3339, e.g. 2024-05-31T12:00:00+03:00); legacy_credential and
    /// must_set_credential (true/yes/y/1 or false/no/n/0, any case; empty
    /// is false). Card numbers are stored as written and matched by their
    /// letters and digits only, in upper case ("2900 1000-01" is
    /// 2900100001). A row updates the account with the same external_id,
    /// else the same card, else the same login.
    #[command(verbatim_doc_comment)]
    Accounts {
        file: PathBuf,
        #[arg(long)]
        org: String,
        /// Check everything, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the good rows and list the bad ones (default: a file with
        /// any bad row imports nothing).
        #[arg(long)]
        skip_bad_rows: bool,
        /// Let a row found by its card number or login (no external_id)
        /// change that account's name. Without it such a row is refused:
        /// it is more often another patron's card in the wrong row.
        #[arg(long)]
        allow_name_changes: bool,
    },
}
