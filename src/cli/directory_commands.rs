//! `avain sync` and `avain directory test`: reading a system of record
//! into the mirror, and checking avain's access to it with timings.

use super::args::{DirectoryCommand, SyncArgs};
use super::output::{Progress, json, safe};
use super::{Cli, CliError, CliResult, print};
use crate::config::{Config, Paths};
use crate::service::{DirectoryCheck, Services, Staff, SyncOptions, check_directories};
use crate::setup::stdout::outln;
use crate::text::Words;

/// `avain sync --org SLUG [--full] [--dry-run]`.
pub async fn sync(cli: &Cli, s: &Services, staff: &Staff, a: &SyncArgs) -> CliResult {
    let bar = Progress::counter(cli.json, "entries");
    let progress = |read: u64| bar.update(read, 0);
    let options = SyncOptions {
        full: a.full,
        dry_run: a.dry_run,
    };
    let report = s.sync_directory(staff, &a.org, options, &progress).await;
    bar.finish();
    let report = report?;
    if cli.json {
        json(&report);
        return Ok(());
    }
    let w = print::words(cli, s);
    let fields: Vec<String> = report
        .changed_fields
        .iter()
        .map(|(f, n)| format!("{f} {n}"))
        .collect();
    outln!(
        "{}",
        w.f(
            if report.dry_run {
                "cli.sync_dry_run"
            } else {
                "cli.sync_done"
            },
            &[
                ("system", w.system(report.system)),
                (
                    "how",
                    w.t(if report.full {
                        "cli.sync_full"
                    } else {
                        "cli.sync_changes"
                    }),
                ),
                ("read", &report.read.to_string()),
                ("created", &report.created.to_string()),
                ("changed", &report.changed.to_string()),
                ("unchanged", &report.unchanged.to_string()),
                ("removed", &report.removed.to_string()),
                ("seconds", &format!("{:.1}", report.millis as f64 / 1000.0)),
            ],
        )
    );
    if !fields.is_empty() {
        outln!("  {}: {}", w.t("cli.changed_fields"), fields.join(", "));
    }
    for p in &report.problems {
        eprintln!("  {}", safe(p));
    }
    Ok(())
}

/// One line per checked directory; errors in words.
pub fn print_checks(w: &Words, checks: &[DirectoryCheck]) {
    for c in checks {
        let head = format!(
            "{} · {} {}",
            safe(&c.org),
            w.system(c.system),
            safe(&c.address)
        );
        match (&c.error, c.connect_ms, c.first_page) {
            (Some(e), _, _) => outln!("{head}: {}", w.directory_error(c.system, e)),
            (None, Some(ms), Some((n, page_ms))) => outln!(
                "{head}: {}",
                w.f(
                    "cli.directory_read",
                    &[
                        ("ms", &ms.to_string()),
                        ("n", &n.to_string()),
                        ("page_ms", &page_ms.to_string())
                    ]
                )
            ),
            (None, Some(ms), None) => outln!(
                "{head}: {}",
                w.f("cli.directory_ok", &[("ms", &ms.to_string())])
            ),
            (None, None, _) => outln!("{head}"),
        }
    }
}

/// `avain directory test [--org SLUG]`: exit 1 when one does not work.
pub async fn test(cli: &Cli, config: &Config, paths: &Paths, c: &DirectoryCommand) -> CliResult {
    let DirectoryCommand::Test { org } = c;
    if let Some(org) = org
        && config.org(org).is_none()
    {
        return Err(CliError::bad_input(format!(
            "no organisation {org:?}; the organisations are: {}",
            config
                .orgs
                .iter()
                .map(|o| o.slug.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let checks = check_directories(config, &paths.data_dir, org.as_deref(), true).await;
    if cli.json {
        json(&checks);
    } else if checks.is_empty() {
        outln!("{}", print::words_for(cli, config).t("cli.no_directories"));
    } else {
        print_checks(&print::words_for(cli, config), &checks);
    }
    if checks.iter().any(|c| c.error.is_some()) {
        Err(CliError::already_reported(1))
    } else {
        Ok(())
    }
}
