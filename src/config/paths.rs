//! Where things live: the config file, the data folder, the database and
//! the pepper, from flags, environment and the platform's defaults.

use super::Config;
use std::path::{Path, PathBuf};

/// Choices made on the command line or in the environment.
#[derive(Debug, Clone, Default)]
pub struct PathOverrides {
    /// `--config PATH`, else `AVAIN_CONFIG`.
    pub config: Option<PathBuf>,
    /// `AVAIN_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `AVAIN_DATABASE_URL`.
    pub database_url: Option<String>,
    /// `--demo`: use the demo folder inside the data folder.
    pub demo: bool,
}

impl PathOverrides {
    /// Fills what the flags left open from the environment.
    pub fn from_env(config_flag: Option<PathBuf>, demo: bool) -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        PathOverrides {
            config: config_flag.or_else(|| var("AVAIN_CONFIG").map(PathBuf::from)),
            data_dir: var("AVAIN_DATA_DIR").map(PathBuf::from),
            database_url: var("AVAIN_DATABASE_URL"),
            demo,
        }
    }
}

/// Resolved locations.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub pepper_file: PathBuf,
    pub mail_folder: PathBuf,
    pub ssh_host_key: PathBuf,
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("fi", "avain", "avain")
}

/// The data folder before any config is read.
pub fn base_data_dir(overrides: &PathOverrides) -> PathBuf {
    overrides
        .data_dir
        .clone()
        .or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("avain-data"))
}

/// The demo's own folder.
pub fn demo_dir(overrides: &PathOverrides) -> PathBuf {
    base_data_dir(overrides).join("demo")
}

impl Paths {
    /// Where the config file is expected.
    pub fn config_file(overrides: &PathOverrides) -> PathBuf {
        if overrides.demo {
            return demo_dir(overrides).join("config.toml");
        }
        overrides.config.clone().unwrap_or_else(|| {
            project_dirs()
                .map(|d| d.config_dir().join("config.toml"))
                .unwrap_or_else(|| PathBuf::from("config.toml"))
        })
    }

    /// Resolves every location for a loaded config.
    pub fn resolve(overrides: &PathOverrides, config: &Config) -> Paths {
        let data_dir = if overrides.demo {
            demo_dir(overrides)
        } else {
            overrides
                .data_dir
                .clone()
                .or_else(|| config.data_dir.clone())
                .unwrap_or_else(|| base_data_dir(overrides))
        };
        let in_data = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                data_dir.join(p)
            }
        };
        let database_url = overrides
            .database_url
            .clone()
            .filter(|_| !overrides.demo)
            .or_else(|| config.database.url.clone())
            .unwrap_or_else(|| sqlite_url(&data_dir.join("avain.db")));
        Paths {
            config_file: Paths::config_file(overrides),
            pepper_file: in_data(&config.security.pepper_file),
            mail_folder: in_data(&config.mail.folder),
            ssh_host_key: in_data(&config.ssh.host_key_file),
            database_url,
            data_dir,
        }
    }
}

/// A SQLite URL for a file, created on first use.
pub fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}
