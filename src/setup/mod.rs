//! Starting avain: loading the configuration, opening the installation
//! (database, pepper), identifying the staff member, creating a new
//! installation, and opening a door on it. The command line, the demo,
//! the benchmarks and the doors all start through here, so none of them
//! needs the command line's own module.

pub mod file_modes;
mod identity;
pub mod new_config;
pub mod secret_input;
mod serve;
pub mod stdout;

pub use identity::{identify, os_login};
pub use serve::{Doors, serve};

use crate::config::{Config, PathOverrides, Paths};
use crate::secrets::Pepper;
use crate::service::{ServiceError, Services};

/// A failed command or start-up: what to print and the exit code
/// (1 refused or not found, 2 bad input or a broken environment).
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    /// The service's refusal, when that is what failed: a door words it
    /// in its reader's language (`message` is the plain English form).
    pub cause: Option<ServiceError>,
}

impl Failure {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
            cause: None,
        }
    }

    /// The output already said what went wrong; only the exit code is left.
    pub fn already_reported(code: u8) -> Self {
        Failure {
            code,
            message: String::new(),
            cause: None,
        }
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
            cause: None,
        }
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        Failure {
            code: e.exit_code(),
            message: crate::text::safe(&e.to_string()),
            cause: Some(e),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure {
            code: 2,
            message: format!("{e:#}"),
            cause: None,
        }
    }
}

impl Failure {
    /// What to tell a person: the service's refusal in their language,
    /// else the message.
    pub fn describe(&self, words: &crate::text::Words) -> String {
        match &self.cause {
            Some(e) => crate::text::safe(&e.describe(words)),
            None => self.message.clone(),
        }
    }
}

/// The options every command shares (the command line's global flags).
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// Print machine-readable JSON instead of text.
    pub json: bool,
    /// Staff login, for `auth.mode = "password"`.
    pub staff: Option<String>,
    /// Language asked for with `--lang`.
    pub lang: Option<String>,
    pub overrides: PathOverrides,
}

/// Loads the configuration, or explains how to make one. Key bindings are
/// checked here too, so a bad `[keys]` entry names its line before any
/// door opens.
pub fn load_config(overrides: &PathOverrides) -> Result<(Config, Paths), Failure> {
    let path = Paths::config_file(overrides);
    if !path.exists() {
        let hint = if overrides.demo {
            "run `avain demo` first"
        } else {
            "run `avain demo` to try avain, or `avain init` to set it up (or pass --config)"
        };
        return Err(Failure::bad_input(format!(
            "no configuration at {}: {hint}",
            path.display()
        )));
    }
    let config = Config::load(&path).map_err(|e| Failure::bad_input(e.to_string()))?;
    if let Err(e) = crate::tui::keymap::Keymap::with_overrides(&config.keys) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        return Err(Failure::bad_input(format!(
            "{}: {}",
            path.display(),
            crate::tui::keymap::locate_error(&e, &text)
        )));
    }
    let paths = Paths::resolve(overrides, &config);
    Ok((config, paths))
}

/// Opens the configured installation.
pub async fn open(overrides: &PathOverrides) -> Result<(Services, Paths), Failure> {
    let (config, paths) = load_config(overrides)?;
    let services = Services::open(config, &paths)
        .await
        .map_err(Failure::from)?;
    Ok((services, paths))
}

/// Pepper, database and first admin for a loaded config; keeps what exists.
pub async fn create_installation(
    config: Config,
    paths: &Paths,
    admin: Option<String>,
    admin_name: &str,
) -> Result<Services, Failure> {
    std::fs::create_dir_all(&paths.data_dir).map_err(|e| {
        Failure::bad_input(format!("cannot create {}: {e}", paths.data_dir.display()))
    })?;
    claim_data_dir(paths)?;
    if !paths.pepper_file.exists() {
        Pepper::generate("k1")
            .write_new(&paths.pepper_file)
            .map_err(|e| Failure::bad_input(e.to_string()))?;
    }
    let services = Services::open(config, paths).await?;
    let login = match admin {
        Some(l) => l,
        None => os_login(&services.config.auth)?,
    };
    match services.create_first_admin(&login, admin_name).await {
        Ok(_) | Err(ServiceError::Refused(_)) => Ok(services),
        Err(e) => Err(e.into()),
    }
}

/// The file in the data folder naming the configuration it was set up
/// for, so a second configuration without its own `data_dir` cannot take
/// over the first one's database and pepper.
pub const CONFIG_MARKER: &str = "config-file";

/// Records this configuration as the data folder's owner, or refuses when
/// the folder already belongs to another one.
fn claim_data_dir(paths: &Paths) -> Result<(), Failure> {
    let marker = paths.data_dir.join(CONFIG_MARKER);
    let ours = std::fs::canonicalize(&paths.config_file).unwrap_or(paths.config_file.clone());
    match std::fs::read_to_string(&marker) {
        Ok(owner) if std::path::Path::new(owner.trim()) != ours => {
            Err(Failure::bad_input(format!(
                "the data folder {} already holds the installation set up with {}; \
                 give {} its own folder (data_dir = \"...\" in it, or AVAIN_DATA_DIR), \
                 or use --config {}",
                paths.data_dir.display(),
                owner.trim(),
                paths.config_file.display(),
                owner.trim()
            )))
        }
        Ok(_) => Ok(()),
        Err(_) => std::fs::write(&marker, format!("{}\n", ours.display()))
            .map_err(|e| Failure::bad_input(format!("cannot write {}: {e}", marker.display()))),
    }
}

/// How to type this binary in hints: `avain` when that is what the PATH
/// finds, else its own path (after `cargo run`, `target/release/avain`).
pub fn command_name() -> String {
    let Ok(me) = std::env::current_exe().and_then(std::fs::canonicalize) else {
        return "avain".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path)
            .filter_map(|dir| std::fs::canonicalize(dir.join("avain")).ok())
            .any(|found| found == me)
    });
    if on_path {
        return "avain".into();
    }
    let here = std::env::current_dir().ok();
    let shown = here
        .and_then(|d| me.strip_prefix(d).ok().map(std::path::Path::to_path_buf))
        .unwrap_or(me);
    shown.display().to_string()
}

/// Opens the console in this terminal: configuration, database and staff
/// first (with plain messages if any is missing), then the screen.
/// Returns what to print after the terminal is restored.
pub async fn open_console(inv: &Invocation) -> Result<Option<String>, Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::bad_input(
            "the console needs a terminal; for scripts use the subcommands (avain --help)",
        ));
    }
    let (services, paths) = open(&inv.overrides).await?;
    let staff = identify(inv, &services).await?;
    let lang = crate::text::choose_language(inv.lang.as_deref(), services.config.ui.language);
    let start = crate::tui::ConsoleStart {
        services,
        staff,
        paths,
        lang,
    };
    crate::tui::run(start)
        .await
        .map_err(|e| Failure::bad_input(format!("console: {e:#}")))
}
