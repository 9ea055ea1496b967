//! Mail commands: running the outbox worker and bulk invitations.

use super::args::{InviteArgs, InviteCommand};
use super::output::json;
use super::{Cli, CliError, CliResult};
use crate::config::Paths;
use crate::service::{Services, Staff};
use crate::setup::stdout::outln;
use std::time::Duration;

/// `avain outbox run [--once]`.
pub async fn run(cli: &Cli, s: &Services, paths: &Paths, once: bool) -> CliResult {
    let mailer = s
        .delivery(&paths.mail_folder)
        .map_err(CliError::bad_input)?;
    if once {
        let report = mailer.deliver_due(usize::MAX).await?;
        if cli.json {
            json(&report);
        } else {
            outln!(
                "sent {}, to retry {}, failed {}, cancelled {}",
                report.sent,
                report.retrying,
                report.failed,
                report.cancelled
            );
        }
        return Ok(());
    }
    eprintln!(
        "delivering through {}; Ctrl-C stops",
        mailer.transport().describe()
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop_tx.send(true);
    });
    mailer.run(Duration::from_secs(2), stop_rx, None).await?;
    Ok(())
}

/// `avain invite --org SLUG [--dry-run]` and `avain invite stats --org SLUG`.
pub async fn invite(cli: &Cli, s: &Services, staff: &Staff, args: &InviteArgs) -> CliResult {
    if let Some(InviteCommand::Stats { org }) = &args.command {
        let stats = s.invite_stats(staff, org).await?;
        if cli.json {
            json(&stats);
        } else {
            outln!(
                "awaiting first login {}\nmail: queued {}, sent {}, failed {}\nlinks: live {}, used {}, expired {}, revoked {}",
                stats.awaiting_first_login,
                stats.mail_queued,
                stats.mail_sent,
                stats.mail_failed,
                stats.links_live,
                stats.links_used,
                stats.links_expired,
                stats.links_revoked
            );
        }
        return Ok(());
    }
    let org = args
        .org
        .as_deref()
        .ok_or_else(|| CliError::bad_input("pass --org SLUG"))?;
    let bar = super::output::Progress::new(cli.json, "accounts");
    let progress = |done: u64, total: u64| bar.update(done, total);
    let report = s
        .invite_first_login(staff, org, args.dry_run, &progress)
        .await?;
    bar.finish();
    if cli.json {
        json(&report);
    } else {
        outln!(
            "{}{} awaiting first login: {} invitations queued, {} already have a live one{}",
            if report.dry_run {
                "dry run, nothing queued: "
            } else {
                ""
            },
            report.awaiting,
            report.queued,
            report.skipped_active,
            if report.skipped_rate_limited > 0 {
                format!(", {} rate limited", report.skipped_rate_limited)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
