//! The command-line door: parses what the admin or desk typed, identifies
//! the staff member, calls one service and prints the result.

mod accounts;
mod admin;
pub mod args;
mod explain;
mod mail_commands;
mod output;
mod patron;
mod secret_input;

pub use admin::create_installation as admin_create_installation;
pub use args::Cli;

use crate::config::{AuthMode, Config, PathOverrides, Paths};
use crate::service::{ServiceError, Services, Staff};
use args::Command;
use std::process::ExitCode;

/// A command's failure: what to print and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
        }
    }

    /// The output already said what went wrong; only the exit code is left.
    pub fn already_reported(code: u8) -> Self {
        CliError {
            code,
            message: String::new(),
        }
    }

    pub fn refused(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<ServiceError> for CliError {
    fn from(e: ServiceError) -> Self {
        CliError {
            code: e.exit_code(),
            message: output::safe(&e.to_string()),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError {
            code: 2,
            message: format!("{e:#}"),
        }
    }
}

pub type CliResult = Result<(), CliError>;

/// Runs one command line to completion.
pub async fn run(cli: Cli) -> ExitCode {
    let overrides = PathOverrides::from_env(cli.config.clone(), cli.demo);
    let result = dispatch(&cli, &overrides).await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.message.is_empty() {
            } else if cli.json {
                output::json(&serde_json::json!({ "error": e.message, "exit_code": e.code }));
            } else {
                eprintln!("avain: {}", e.message);
            }
            ExitCode::from(e.code)
        }
    }
}

async fn dispatch(cli: &Cli, overrides: &PathOverrides) -> CliResult {
    let Some(command) = &cli.command else {
        return open_console(cli, overrides).await;
    };
    match command {
        Command::Demo(args) => crate::demo::run(cli, args, overrides).await,
        Command::Init(args) => admin::init(cli, args, overrides).await,
        Command::Completions(args) => {
            admin::completions(args);
            Ok(())
        }
        Command::Config(_) => admin::config_check(cli, overrides),
        Command::Migrate => admin::migrate(cli, overrides).await,
        Command::Bench(args::BenchCommand::Search(args)) => {
            crate::bench::run(args).await.map_err(CliError::from)
        }
        Command::Bench(args::BenchCommand::Console(args)) => crate::bench::console::run(args)
            .await
            .map_err(CliError::from),
        Command::Bench(args::BenchCommand::Mail(args)) => {
            crate::bench::mail::run(args).await.map_err(CliError::from)
        }
        Command::Bench(args::BenchCommand::Desk(args)) => {
            crate::bench::desk::run(cli, overrides, args).await
        }
        Command::Serve(args) => {
            let (services, paths) = open(overrides).await?;
            let listen = args
                .listen
                .clone()
                .or_else(|| services.config.web.listen.clone())
                .unwrap_or_else(|| crate::web::DEFAULT_LISTEN.to_string());
            crate::web::serve(services, &paths.mail_folder, &listen)
                .await
                .map_err(CliError::from)
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
            accounts::dispatch(cli, &services, &staff, command).await?;
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
        Command::Link(_) | Command::Pin(_) | Command::Email(_) | Command::Invite(_)
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

/// Loads the configuration, or explains how to make one.
pub fn load_config(overrides: &PathOverrides) -> Result<(Config, Paths), CliError> {
    let path = Paths::config_file(overrides);
    if !path.exists() {
        let hint = if overrides.demo {
            "run `avain demo` first"
        } else {
            "run `avain demo` to try avain, or `avain init` to set it up (or pass --config)"
        };
        return Err(CliError::bad_input(format!(
            "no configuration at {}: {hint}",
            path.display()
        )));
    }
    let config = Config::load(&path).map_err(|e| CliError::bad_input(e.to_string()))?;
    let paths = Paths::resolve(overrides, &config);
    Ok((config, paths))
}

/// Opens the configured installation.
pub async fn open(overrides: &PathOverrides) -> Result<(Services, Paths), CliError> {
    let (config, paths) = load_config(overrides)?;
    let services = Services::open(config, &paths)
        .await
        .map_err(CliError::from)?;
    Ok((services, paths))
}

/// The staff member's Unix login: under `sudo -u avain` (the SSH set-up in
/// the README) the user sudo ran it for, otherwise the login of the
/// process's user id (never $USER, which anyone can set).
pub fn os_login() -> Result<String, CliError> {
    let uid = nix::unistd::Uid::current();
    let sudo_user = std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty());
    let sudo_uid = std::env::var("SUDO_UID")
        .ok()
        .and_then(|u| u.parse::<u32>().ok());
    if let (Some(user), Some(from)) = (sudo_user, sudo_uid)
        && from != uid.as_raw()
    {
        return Ok(user);
    }
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => Ok(user.name),
        _ => Err(CliError::bad_input(format!(
            "cannot find the login name of uid {uid}"
        ))),
    }
}

/// Identifies the staff member running this command.
pub async fn identify(cli: &Cli, services: &Services) -> Result<Staff, CliError> {
    match services.config.auth.mode {
        AuthMode::OsUser => Ok(services.identify_os_user(&os_login()?).await?),
        AuthMode::Password => {
            let login = match &cli.staff {
                Some(l) => l.clone(),
                None => {
                    return Err(CliError::bad_input(
                        "auth.mode is \"password\": pass --staff LOGIN",
                    ));
                }
            };
            let password = secret_input::read_one(&format!("Password for {login}: "))?;
            Ok(services.identify_password(&login, password).await?)
        }
    }
}

/// Opens the console: configuration, database and staff first (with plain
/// messages if any is missing), then the terminal.
pub async fn open_console(cli: &Cli, overrides: &PathOverrides) -> CliResult {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::bad_input(
            "the console needs a terminal; for scripts use the subcommands (avain --help)",
        ));
    }
    let (services, paths) = open(overrides).await?;
    let staff = identify(cli, &services).await?;
    let lang = crate::text::choose_language(cli.lang.as_deref(), services.config.ui.language);
    let start = crate::tui::ConsoleStart {
        services,
        staff,
        paths,
        lang,
    };
    match crate::tui::run(start).await {
        Ok(Some(message)) => {
            println!("{message}");
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(CliError::bad_input(format!("console: {e:#}"))),
    }
}
