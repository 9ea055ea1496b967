//! Logging goes to a file, never the terminal (the console owns the
//! screen). `AVAIN_LOG` sets the filter (default `info`); `AVAIN_LOG_DIR`
//! the folder (default: `logs` in the data folder). Secrets are never
//! logged: services log ids and codes, never tokens, PINs or bodies.

use crate::config::PathOverrides;
use tracing_subscriber::EnvFilter;

/// Daily log files kept; older ones are deleted as new days begin.
pub const KEEP_LOG_DAYS: usize = 30;

/// The folder logs go to.
pub fn log_dir() -> std::path::PathBuf {
    std::env::var_os("AVAIN_LOG_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            crate::config::base_data_dir(&PathOverrides::from_env(None, false)).join("logs")
        })
}

/// Starts file logging; keep the guard alive until exit so lines are flushed.
pub fn init() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    // A new file each day, and only the last `KEEP_LOG_DAYS` kept, so a
    // service left running for years needs no logrotate.
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("avain.log")
        .max_log_files(KEEP_LOG_DAYS)
        .build(&dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("AVAIN_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
