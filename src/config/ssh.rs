//! `[ssh]`: the SSH door of `avain serve` (off unless `listen` is set or
//! `--ssh` is given).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SshConfig {
    /// Address to listen on, e.g. "0.0.0.0:2222" (`--ssh` overrides).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// The server's ed25519 key, made on first start (relative to the data
    /// folder). Keep it: clients remember it in `known_hosts`.
    pub host_key_file: PathBuf,
    /// Console sessions open at once, over all staff.
    pub max_sessions: u32,
    /// Keys one connection may try before it is dropped.
    pub max_auth_attempts: u32,
    /// New connections one address may open in a minute.
    pub connections_per_minute: u32,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            listen: None,
            host_key_file: PathBuf::from("ssh_host_ed25519_key"),
            max_sessions: 50,
            max_auth_attempts: 6,
            connections_per_minute: 20,
        }
    }
}

impl SshConfig {
    /// Checks the ranges; `key` names a key of `[ssh]` with its line.
    pub fn validate(&self, key: impl Fn(&str) -> String) -> Result<(), String> {
        for (name, value, range) in [
            ("max_sessions", self.max_sessions, 1..=1000),
            ("max_auth_attempts", self.max_auth_attempts, 1..=20),
            (
                "connections_per_minute",
                self.connections_per_minute,
                1..=1000,
            ),
        ] {
            if !range.contains(&value) {
                return Err(format!(
                    "{}: {value} is out of range; use {} to {}",
                    key(name),
                    range.start(),
                    range.end()
                ));
            }
        }
        Ok(())
    }
}
