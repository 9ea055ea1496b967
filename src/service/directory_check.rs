//! Does avain's access to each system of record work? `avain config
//! check` and `avain directory test` connect, authenticate (a bind, a
//! token) and, for the test, read a first page, timing each step. Needs
//! no database: a new installation can check its directories first.

use super::directory_sync::bounded;
use crate::config::Config;
use crate::directory::{self, DirectoryError};
use crate::domain::DirectoryKind;
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

/// One organisation's directory, checked.
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryCheck {
    pub org: String,
    pub system: DirectoryKind,
    pub address: String,
    /// Connecting and authenticating, in milliseconds.
    pub connect_ms: Option<u64>,
    /// Entries on the first page of a full read, and how long it took.
    pub first_page: Option<(u64, u64)>,
    pub error: Option<DirectoryError>,
}

/// Checks the directories of the configured organisations (or one).
/// With `read`, also reads a first page.
pub async fn check_directories(
    config: &Config,
    data_dir: &Path,
    only: Option<&str>,
    read: bool,
) -> Vec<DirectoryCheck> {
    let mut checks = Vec::new();
    for org in config
        .orgs
        .iter()
        .filter(|o| only.is_none_or(|s| o.slug.as_str() == s))
    {
        let Some(address) = org.directory.address() else {
            continue;
        };
        let mut check = DirectoryCheck {
            org: org.slug.to_string(),
            system: org.directory.kind(),
            address: address.to_string(),
            connect_ms: None,
            first_page: None,
            error: None,
        };
        match directory::connect(&org.directory, data_dir) {
            Err(e) => check.error = Some(e),
            Ok(None) => continue,
            Ok(Some(c)) => {
                let limit = Duration::from_secs(c.timing.timeout_seconds);
                let started = Instant::now();
                match bounded(limit, c.directory.check()).await {
                    Err(e) => check.error = Some(e),
                    Ok(()) => {
                        check.connect_ms = Some(started.elapsed().as_millis() as u64);
                        if read {
                            let started = Instant::now();
                            let page = async {
                                let mut pager = c.directory.list(None).await?;
                                pager.next_page().await
                            };
                            match bounded(limit * 3, page).await {
                                Ok(p) => {
                                    let n = p.map_or(0, |p| p.len() as u64);
                                    check.first_page =
                                        Some((n, started.elapsed().as_millis() as u64));
                                }
                                Err(e) => check.error = Some(e),
                            }
                        }
                    }
                }
            }
        }
        checks.push(check);
    }
    checks
}
