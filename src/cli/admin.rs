//! Admin commands: init, migrate, config check, staff, audit, import,
//! completions.

use super::args::{
    AuditCommand, CompletionsArgs, ImportCommand, InitArgs, OutboxCommand, RoleArg, StaffCommand,
};
use super::output::{json, safe};
use super::{Cli, CliError, CliResult, secret_input};
use crate::config::{PathOverrides, Paths};
use crate::service::{NewStaffMember, Role, Services, Staff};
use crate::setup::stdout::{out, outln};
use crate::setup::{create_installation, load_config};

/// The example configuration, written by `init` for the admin to edit.
const EXAMPLE_CONFIG: &str = include_str!("../../config.toml.example");

pub async fn init(cli: &Cli, args: &InitArgs, overrides: &PathOverrides) -> CliResult {
    let config_path = Paths::config_file(overrides);
    let answered = !args.orgs.is_empty()
        || args.data_dir.is_some()
        || args.mail_url.is_some()
        || args.sender.is_some();
    if !config_path.exists() {
        let (text, example) = super::init_config::new_config_text(args, overrides, EXAMPLE_CONFIG)?;
        if let Some(dir) = config_path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::bad_input(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(&config_path, text)
            .map_err(|e| CliError::bad_input(format!("{}: {e}", config_path.display())))?;
        if example {
            outln!(
                "wrote {} (edit the organisations, then run `avain config check`)",
                config_path.display()
            );
        } else {
            outln!("wrote {}", config_path.display());
        }
    } else if answered {
        return Err(CliError::bad_input(format!(
            "{} exists: edit it instead (--org, --data-dir, --mail-url and --sender only write a new one)",
            config_path.display()
        )));
    }
    let (config, paths) = load_config(overrides)?;
    create_installation(config, &paths, args.admin.clone(), &args.name).await?;
    if cli.json {
        json(&serde_json::json!({ "ok": true, "config": config_path, "data_dir": paths.data_dir }));
    } else {
        outln!(
            "ready: database {}",
            crate::config::redact_url_password(&paths.database_url)
        );
    }
    Ok(())
}

pub async fn migrate(cli: &Cli, overrides: &PathOverrides) -> CliResult {
    let (_, paths) = load_config(overrides)?;
    let applied = crate::service::migrate_database(&paths.database_url)
        .await
        .map_err(|e| CliError::bad_input(e.to_string()))?;
    if cli.json {
        json(&serde_json::json!({ "applied": applied }));
    } else if applied.is_empty() {
        outln!("the database is up to date");
    } else {
        outln!("applied: {}", applied.join(", "));
    }
    Ok(())
}

pub async fn config_check(cli: &Cli, overrides: &PathOverrides) -> CliResult {
    let (config, paths) = load_config(overrides)?;
    // Connections are tried after the file is known good.
    let checks = crate::service::check_directories(&config, &paths.data_dir, None, false).await;
    let broken = checks.iter().any(|c| c.error.is_some());
    let text = std::fs::read_to_string(&paths.config_file).unwrap_or_default();
    let warnings = config.placeholder_warnings(&text);
    if cli.json {
        json(&serde_json::json!({
            "ok": true,
            "config_file": paths.config_file,
            "data_dir": paths.data_dir,
            "database_url": crate::config::redact_url_password(&paths.database_url),
            "pepper_file": paths.pepper_file,
            "directories": checks,
            "warnings": warnings,
            "config": config,
        }));
    } else {
        outln!("# {} is valid", paths.config_file.display());
        outln!("# data folder: {}", paths.data_dir.display());
        outln!(
            "# database:    {}",
            crate::config::redact_url_password(&paths.database_url)
        );
        outln!("# pepper file: {}", paths.pepper_file.display());
        out!("{}", config.to_redacted_toml());
        if !warnings.is_empty() {
            outln!();
            for w in &warnings {
                outln!("# warning: {}", crate::text::safe(w));
            }
        }
        if !checks.is_empty() {
            outln!();
            super::directory_commands::print_checks(
                &super::print::words_for(cli, &config),
                &checks,
            );
        }
    }
    if broken {
        Err(CliError::already_reported(1))
    } else {
        Ok(())
    }
}

pub async fn staff(cli: &Cli, s: &Services, me: &Staff, c: &StaffCommand) -> CliResult {
    match c {
        StaffCommand::Add {
            login,
            name,
            role,
            orgs,
            password,
        } => {
            let password = if *password {
                Some(secret_input::read_one(
                    "Password for the new staff member: ",
                )?)
            } else {
                None
            };
            let role = match role {
                RoleArg::Desk => Role::Desk,
                RoleArg::Admin => Role::Admin,
            };
            let id = s
                .add_staff(
                    me,
                    NewStaffMember {
                        login: login.clone(),
                        full_name: name.clone(),
                        role,
                        orgs: orgs.clone(),
                        password,
                    },
                )
                .await?;
            if cli.json {
                json(&serde_json::json!({ "ok": true, "id": id }));
            } else {
                outln!("staff {login} added (#{id})");
            }
        }
        StaffCommand::List => {
            let list = s.list_staff(me).await?;
            if cli.json {
                json(&list);
            } else {
                for m in list {
                    outln!(
                        "{:<16} {:<28} {:<6} {:<24} {}{}",
                        safe(&m.login),
                        safe(&m.full_name),
                        m.role,
                        safe(&m.orgs.join(" ")),
                        if m.active { "active" } else { "disabled" },
                        if m.locked { ", locked" } else { "" }
                    );
                }
            }
        }
        StaffCommand::Disable { login } => {
            s.disable_staff(me, login).await?;
            if cli.json {
                json(&serde_json::json!({ "ok": true }));
            } else {
                outln!("staff {login} disabled");
            }
        }
        StaffCommand::Key(c) => super::ssh_commands::staff_key(cli, s, me, c).await?,
    }
    Ok(())
}

pub async fn audit(cli: &Cli, s: &Services, me: &Staff, c: &AuditCommand) -> CliResult {
    match c {
        AuditCommand::List { account, limit } => {
            let account_id = match account {
                Some(a) => Some(s.resolve_account(me, a).await?.id),
                None => None,
            };
            let rows = s.audit_list(me, account_id, *limit).await?;
            if cli.json {
                json(&rows);
            } else {
                let w = super::print::words(cli, s);
                for r in rows {
                    outln!(
                        "{:>6} {} {:<20} {:<20} {} {}",
                        r.seq,
                        w.time(r.at),
                        safe(&r.actor),
                        r.action,
                        r.account_id.map(|a| format!("#{a}")).unwrap_or_default(),
                        safe(&r.detail.to_string())
                    );
                }
            }
            Ok(())
        }
        AuditCommand::Verify => {
            let v = s.audit_verify(me).await?;
            if cli.json {
                json(&v);
            } else if v.ok() {
                outln!("audit chain intact: {} rows checked", v.rows_checked);
            } else {
                outln!("AUDIT CHAIN BROKEN ({} rows checked):", v.rows_checked);
                for p in &v.problems {
                    outln!("  row {}: {}", p.seq, p.what);
                }
            }
            if v.ok() {
                Ok(())
            } else {
                Err(CliError::already_reported(1))
            }
        }
    }
}

pub async fn import(cli: &Cli, s: &Services, me: &Staff, c: &ImportCommand) -> CliResult {
    let ImportCommand::Accounts {
        file,
        org,
        dry_run,
        skip_bad_rows,
        allow_name_changes,
    } = c;
    // Opened here only to name an unreadable file plainly; the import
    // reads it itself, twice, without holding it in memory.
    std::fs::File::open(file)
        .map_err(|e| CliError::bad_input(format!("{}: {e}", file.display())))?;
    let bar = super::output::Progress::new(cli.json, "rows");
    // After the last row the import still builds the search index (about
    // ten seconds at a million rows) and commits: say so, not a full bar.
    let progress = |done: u64, total: u64| {
        bar.update(done, total);
        if total > 0 && done == total {
            bar.finishing(&if *dry_run {
                format!("{total} rows tried; undoing the dry run")
            } else {
                format!("{total} rows written; building the search index and saving")
            });
        }
    };
    let result = s
        .import_accounts_with(
            me,
            org,
            crate::service::import::CsvInput::File(file),
            crate::service::import::ImportOptions {
                dry_run: *dry_run,
                skip_bad_rows: *skip_bad_rows,
                allow_name_changes: *allow_name_changes,
                row_by_row: false,
            },
            &progress,
        )
        .await?;
    bar.finish();
    match result {
        Ok(report) => {
            if cli.json {
                json(&report);
            } else {
                outln!(
                    "{}{} rows: {} created, {} updated ({} unchanged)",
                    if report.dry_run {
                        "dry run, nothing written: "
                    } else {
                        ""
                    },
                    report.rows,
                    report.created,
                    report.updated,
                    report.unchanged
                );
                super::print::import_changes(&report);
                if !report.skipped.is_empty() {
                    eprintln!("{} row(s) skipped:", report.skipped.len());
                    for e in &report.skipped {
                        eprintln!("  {}", import_error_line(e));
                    }
                }
            }
            Ok(())
        }
        Err(errors) => {
            if cli.json {
                json(&serde_json::json!({ "imported": 0, "errors": errors }));
            } else {
                eprintln!(
                    "{}: nothing imported; fix these and try again:",
                    file.display()
                );
                for e in &errors {
                    eprintln!("  {}", import_error_line(e));
                }
            }
            Err(CliError::already_reported(2))
        }
    }
}

/// One import error, made safe for the terminal but not cut at the usual
/// length: an unknown column's message lists every known column.
fn import_error_line(e: &crate::service::import::ImportError) -> String {
    crate::domain::sanitize::sanitize_line(&e.to_string(), 1000)
}

pub fn completions(args: &CompletionsArgs) {
    use clap::CommandFactory;
    let mut command = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "avain", &mut script);
    crate::setup::stdout::write_bytes(&script);
}

pub async fn outbox(cli: &Cli, s: &Services, me: &Staff, c: &OutboxCommand) -> CliResult {
    match c {
        OutboxCommand::List { status, limit } => {
            let mails = s.outbox_list(me, *status, *limit).await?;
            if cli.json {
                json(&mails);
            } else {
                let w = super::print::words(cli, s);
                for m in &mails {
                    outln!(
                        "{:>6} {} {:<18} {:<10} {:<34} attempts {}{}",
                        m.mail.id,
                        w.time(m.mail.created_at),
                        m.mail.template,
                        m.mail.status,
                        safe(&m.mail.recipient_masked),
                        m.mail.attempts,
                        m.mail
                            .last_answer
                            .as_deref()
                            .map(|a| format!(": {}", safe(a)))
                            .unwrap_or_default()
                    );
                }
            }
        }
        OutboxCommand::Run { .. } => unreachable!("handled before dispatch"),
        OutboxCommand::Retry => {
            let count = s.retry_outbox_now(me).await?;
            if cli.json {
                json(&serde_json::json!({ "due_now": count }));
            } else {
                outln!("{count} waiting mail(s) are due now; `avain outbox run --once` sends them");
            }
        }
        OutboxCommand::Show { id, reveal } => {
            let m = s.outbox_message(me, *id, *reveal).await?;
            if cli.json {
                json(&m);
            } else {
                outln!(
                    "mail {} ({}), {} to {}",
                    m.mail.id,
                    m.mail.template,
                    m.mail.status,
                    safe(&m.mail.recipient_masked)
                );
                if let Some(answer) = &m.mail.last_answer {
                    outln!("server answer: {}", safe(answer));
                }
                let kept = m.mail.status.is_pending();
                match (&m.link, reveal) {
                    (Some(link), _) => outln!("link: {}", safe(link)),
                    _ if !kept => outln!("link: not kept (the mail is {})", m.mail.status),
                    (None, true) => outln!("link: no longer kept (used, revoked or expired)"),
                    (None, false) => outln!("link: [redacted; --reveal shows it and is audited]"),
                }
            }
        }
    }
    Ok(())
}

/// `avain check`: exit 0 when everything holds, 1 with the findings.
pub async fn check(cli: &Cli, s: &Services, me: &Staff, paths: &Paths) -> CliResult {
    let report = s.check_database(me).await?;
    let log_dir = crate::logging::log_dir();
    let exposed = crate::setup::file_modes::exposed_files(paths, Some(&log_dir));
    let ok = report.ok() && exposed.is_empty();
    if cli.json {
        let exposed: Vec<_> = exposed
            .iter()
            .map(|(p, mode)| serde_json::json!({ "path": p, "mode": format!("{mode:o}") }))
            .collect();
        let mut value = serde_json::to_value(&report).expect("plain data");
        value["readable_by_others"] = serde_json::Value::Array(exposed);
        value["ok"] = serde_json::Value::Bool(ok);
        json(&value);
    } else {
        let c = &report.consistency;
        if let Some(integrity) = &c.integrity_check {
            outln!("SQLite integrity check: {}", safe(integrity));
        }
        for (what, v) in [
            ("links without their mail row", &c.links_without_mail),
            ("mail rows naming a missing link", &c.mail_without_link),
            (
                "half-written credentials (account ids)",
                &c.half_written_credentials,
            ),
        ] {
            if v.count == 0 {
                outln!("{what}: none");
            } else {
                outln!("{what}: {} (first ids {:?})", v.count, v.ids);
            }
        }
        if report.cut_pushes.is_empty() {
            outln!("changes cut off on their way to a directory: none");
        } else {
            outln!(
                "changes cut off on their way to a directory (check these accounts): {}",
                report
                    .cut_pushes
                    .iter()
                    .map(|p| format!("#{} {} ({})", p.account_id, p.change, safe(&p.org)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        outln!(
            "audit chain: {} rows checked, {} problem(s)",
            report.audit.rows_checked,
            report.audit.problems.len()
        );
        if exposed.is_empty() {
            outln!("files others can read: none");
        } else {
            outln!("files others can read (run `chmod go= PATH` on each):");
            for (path, mode) in &exposed {
                outln!("  {:o} {}", mode, safe(&path.display().to_string()));
            }
        }
        outln!("{}", if ok { "ok" } else { "PROBLEMS FOUND" });
    }
    if ok {
        Ok(())
    } else {
        Err(CliError::already_reported(1))
    }
}
