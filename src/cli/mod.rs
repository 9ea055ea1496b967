//! The command-line door: parses what the admin or desk typed, identifies
//! the staff member, calls one service and prints the result.

mod accounts;
mod admin;
pub mod args;
mod args_admin;
mod directory_commands;
mod init_config;
mod mail_commands;
mod org_commands;
mod output;
mod patron;
mod print;
mod ssh_commands;
mod stats_commands;

pub use args::Cli;

use crate::config::{PathOverrides, Paths};
use crate::service::{Services, Staff};
use crate::setup::stdout::outln;
use crate::setup::{Invocation, secret_input};
use args::Command;
use std::process::ExitCode;

/// A command's failure: what to print and the exit code.
pub use crate::setup::Failure as CliError;

pub type CliResult = Result<(), CliError>;

/// Runs one command line to completion.
pub async fn run(cli: Cli) -> ExitCode {
    let overrides = PathOverrides::from_env(cli.config.clone(), cli.demo);
    // Boxed: the command futures are large, and deep for the compiler.
    let result = Box::pin(dispatch(&cli, &overrides)).await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.message.is_empty() {
            } else if cli.json {
                let code = e.cause.as_ref().map(|c| c.code());
                output::json(
                    &serde_json::json!({ "error": e.message, "code": code, "exit_code": e.code }),
                );
            } else {
                eprintln!("avain: {}", e.describe(&words_for_errors(&cli, &overrides)));
            }
            ExitCode::from(e.code)
        }
    }
}

/// The words errors are told in: the configured language and zone when
/// the configuration loads, else `--lang`/`LANG` and Helsinki time.
fn words_for_errors(cli: &Cli, overrides: &PathOverrides) -> crate::text::Words {
    let config = crate::setup::load_config(overrides).ok().map(|(c, _)| c);
    let lang = crate::text::choose_language(
        cli.lang.as_deref(),
        config.as_ref().and_then(|c| c.ui.language),
    );
    let zone = config.map_or_else(|| "Europe/Helsinki".to_string(), |c| c.mail.time_zone);
    crate::text::Words::new(lang, &zone)
}

async fn dispatch(cli: &Cli, overrides: &PathOverrides) -> CliResult {
    let Some(command) = &cli.command else {
        return open_console(cli, overrides).await;
    };
    match command {
        Command::Demo(args) => crate::demo::run(&cli.invocation(overrides), args).await,
        Command::Init(args) => admin::init(cli, args, overrides).await,
        Command::Completions(args) => {
            admin::completions(args);
            Ok(())
        }
        Command::Config(_) => admin::config_check(cli, overrides).await,
        Command::Directory(c) => {
            let (config, paths) = crate::setup::load_config(overrides)?;
            directory_commands::test(cli, &config, &paths, c).await
        }
        Command::Migrate => admin::migrate(cli, overrides).await,
        Command::Ssh(args::SshCommand::HostKey) => {
            let (_, paths) = crate::setup::load_config(overrides)?;
            ssh_commands::host_key(cli, &paths)
        }
        Command::Bench(args::BenchCommand::Search(args)) => {
            crate::bench::run(args).await.map_err(CliError::from)
        }
        Command::Bench(args::BenchCommand::Console(args)) => crate::bench::console::run(args)
            .await
            .map_err(CliError::from),
        Command::Bench(args::BenchCommand::Mail(args)) => {
            crate::bench::mail::run(args).await.map_err(CliError::from)
        }
        Command::Bench(args::BenchCommand::Refresh(args)) => {
            crate::bench::directory::run(&cli.invocation(overrides), args).await
        }
        Command::Bench(args::BenchCommand::Ssh(args)) => crate::bench::ssh::run(args).await,
        Command::Bench(args::BenchCommand::Stats(args)) => {
            crate::bench::stats::run(args).await.map_err(CliError::from)
        }
        Command::Bench(args::BenchCommand::Import(args)) => crate::bench::import::run(args)
            .await
            .map_err(CliError::from),
        Command::Bench(args::BenchCommand::Web(args)) => {
            crate::bench::web::run(&cli.invocation(overrides), args).await
        }
        Command::Bench(args::BenchCommand::Desk(args)) => {
            crate::bench::desk::run(&cli.invocation(overrides), args).await
        }
        Command::Serve(args) => {
            let (services, paths) = open(overrides).await?;
            let pages = (!args.no_pages).then(|| {
                args.listen
                    .clone()
                    .or_else(|| services.config.web.listen.clone())
                    .unwrap_or_else(|| crate::web::DEFAULT_LISTEN.to_string())
            });
            let ssh = args
                .ssh
                .clone()
                .or_else(|| services.config.ssh.listen.clone());
            let doors = crate::setup::Doors { pages, ssh };
            crate::setup::serve(services, &paths, doors).await
        }
        Command::Redeem(args) => {
            let (services, paths) = open(overrides).await?;
            patron::redeem(cli, &services, args).await?;
            deliver_now(&services, &paths).await;
            Ok(())
        }
        Command::Selfservice(args) => {
            let (services, paths) = open(overrides).await?;
            patron::self_service(cli, &services, args).await?;
            deliver_now(&services, &paths).await;
            Ok(())
        }
        _ => {
            let (services, paths) = open(overrides).await?;
            let staff = identify(cli, &services).await?;
            if let Command::Outbox(args::OutboxCommand::Run { once }) = command {
                return mail_commands::run(cli, &services, &paths, *once).await;
            }
            if let Command::Backup { file } = command {
                let bytes = services.backup_database(&staff, file).await?;
                if cli.json {
                    output::json(&serde_json::json!({ "ok": true, "file": file, "bytes": bytes }));
                } else {
                    crate::setup::stdout::outln!("wrote {} ({bytes} bytes)", file.display());
                }
                return Ok(());
            }
            if let Command::Stats(args) = command {
                return stats_commands::run(cli, &services, &staff, args).await;
            }
            if let Command::Org(c) = command {
                return org_commands::run(cli, &services, &staff, c).await;
            }
            if let Command::Check = command {
                return admin::check(cli, &services, &staff, &paths).await;
            }
            Box::pin(accounts::dispatch(cli, &services, &staff, command)).await?;
            if queues_mail(command) {
                deliver_now(&services, &paths).await;
            }
            Ok(())
        }
    }
}

/// Commands after which mail may be waiting in the outbox.
fn queues_mail(command: &Command) -> bool {
    matches!(
        command,
        Command::Link(_)
            | Command::Pin(_)
            | Command::Email(_)
            | Command::Invite(_)
            | Command::Unlock(_)
    )
}

/// The process that queued a mail tries to send it at once; whatever
/// cannot go now stays queued for `avain outbox run` or a console.
async fn deliver_now(services: &Services, paths: &Paths) {
    let mailer = match services.delivery(&paths.mail_folder) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("avain: mail stays queued: {e}");
            return;
        }
    };
    let budget = std::time::Duration::from_secs(services.config.mail.timeout_seconds * 2 + 5);
    match tokio::time::timeout(budget, mailer.deliver_due(50)).await {
        Ok(Ok(report)) if report.retrying + report.failed > 0 => eprintln!(
            "avain: {} mail(s) not delivered yet ({} will be retried, {} failed): see `avain outbox list`",
            report.retrying + report.failed,
            report.retrying,
            report.failed
        ),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => eprintln!("avain: mail stays queued: {e:#}"),
        Err(_) => eprintln!("avain: the mail server is slow; mail stays queued"),
    }
}

impl Cli {
    /// The options every command shares, for `setup` and the tools.
    pub fn invocation(&self, overrides: &PathOverrides) -> Invocation {
        Invocation {
            json: self.json,
            staff: self.staff.clone(),
            lang: self.lang.clone(),
            overrides: overrides.clone(),
        }
    }
}

/// Opens the configured installation.
async fn open(overrides: &PathOverrides) -> Result<(Services, Paths), CliError> {
    crate::setup::open(overrides).await
}

/// Identifies the staff member running this command.
async fn identify(cli: &Cli, services: &Services) -> Result<Staff, CliError> {
    crate::setup::identify(&cli.invocation(&PathOverrides::default()), services).await
}

/// Opens the console and prints what it leaves to say.
async fn open_console(cli: &Cli, overrides: &PathOverrides) -> CliResult {
    if let Some(message) = crate::setup::open_console(&cli.invocation(overrides)).await? {
        outln!("{message}");
    }
    Ok(())
}
