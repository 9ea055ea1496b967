//! `config.toml`: organisations, security, authentication, mail and UI
//! settings. Parsing refuses unknown keys and bad values with the key and
//! line; `avain config check` prints the effective result.

mod directory;
mod locate;
mod paths;
mod ssh;
mod values;
mod warnings;

pub use locate::{at_line, key_line};
pub use ssh::SshConfig;

pub use crate::domain::Language;
pub use crate::domain::mask::redact_url_password;
pub use directory::{
    DirectoryConfig, DirectoryTiming, KeycloakAttributes, KeycloakConfig, KohaConfig,
    LdapAttributes, LdapConfig, LdapPasswordWrite,
};
pub use paths::{PathOverrides, Paths, base_data_dir, demo_dir as paths_demo_dir, sqlite_url};
pub use values::{BaseUrl, KeySpec, Lifetime, Slug};

use crate::domain::policy::CredentialPolicy;
use crate::domain::verdict::EmailMatch;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole file.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Folder for the database, the pepper and mail files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub security: SecurityConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub mail: MailConfig,
    #[serde(default)]
    pub web: WebConfig,
    #[serde(default)]
    pub ssh: SshConfig,
    #[serde(default, rename = "org")]
    pub orgs: Vec<OrgConfig>,
    /// Console key overrides: command name = "key" or ["key", …].
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub keys: std::collections::BTreeMap<String, KeySpec>,
}

/// `avain serve`: the patron pages.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Address to listen on; default 127.0.0.1:8080 (`--listen` overrides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For
    /// names the client (for rate limits and the log); no other peer's is
    /// believed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<String>,
}

impl WebConfig {
    /// The trusted proxies as networks (a lone address is a /32 or /128).
    pub fn proxy_nets(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .iter()
            .map(|p| {
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("{p:?} is not an address or CIDR range"))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://…`, `postgres://…` or `mysql://…`; default: avain.db in the data folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// The pepper file (relative paths are inside the data folder).
    pub pepper_file: PathBuf,
    /// Failed attempts before an account is locked.
    pub max_failed_attempts: u32,
    /// Minutes without a key press before the console locks.
    pub idle_lock_minutes: u32,
    /// Days the typed values of self-service attempts are kept.
    pub attempt_retention_days: u32,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            pepper_file: PathBuf::from("pepper"),
            max_failed_attempts: 10,
            idle_lock_minutes: 15,
            attempt_retention_days: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// The Unix login name is the staff login (sshd `ForceCommand`).
    #[default]
    OsUser,
    /// Staff type their avain password.
    Password,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub mode: AuthMode,
    /// The user avain runs as under the sudo wrapper: only a process
    /// running as this user believes sudo's `SUDO_USER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_user: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Smtp,
    #[default]
    File,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// lettre SMTP URL, e.g. `smtp://user:pass@host:587?tls=required`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The From address.
    pub sender: String,
    /// Folder for `transport = "file"` (relative paths are inside the data folder).
    pub folder: PathBuf,
    /// Attempts before a transiently failing mail is marked failed.
    pub retry_limit: u32,
    /// Seconds to wait for the SMTP server before counting a try as failed.
    pub timeout_seconds: u64,
    /// Time zone for times written in mails.
    pub time_zone: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: MailTransport::File,
            url: None,
            sender: "avain <noreply@localhost>".into(),
            folder: PathBuf::from("mail"),
            retry_limit: 8,
            timeout_seconds: 15,
            time_zone: "Europe/Helsinki".into(),
        }
    }
}

/// How long links live, per kind.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenLifetimes {
    /// A reset link sent by staff.
    pub staff_reset: Lifetime,
    /// A reset link the patron asked for on the web form.
    pub self_service_reset: Lifetime,
    /// A set-password invitation for the first login after a migration.
    pub first_login: Lifetime,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        TokenLifetimes {
            staff_reset: Lifetime::from_seconds(12 * 3600),
            self_service_reset: Lifetime::from_seconds(30 * 60),
            first_login: Lifetime::from_seconds(7 * 86_400),
        }
    }
}

fn default_links_per_hour() -> u32 {
    3
}

/// One organisation (`[[org]]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    pub slug: Slug,
    pub name: String,
    pub credential: CredentialPolicy,
    #[serde(default)]
    pub language: Language,
    /// Where mailed links point (the `avain serve` address as patrons see it).
    pub link_base_url: BaseUrl,
    #[serde(default)]
    pub token_lifetime: TokenLifetimes,
    #[serde(default = "default_links_per_hour")]
    pub links_per_hour: u32,
    /// How the self-service form compares emails; default: exact for PIN
    /// organisations, case-insensitive for password (email-login) ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_match: Option<EmailMatch>,
    /// Who to contact for help, shown in mails and on the patron pages.
    #[serde(default)]
    pub help_contact: String,
    /// Where the accounts and credentials live (default: in avain).
    #[serde(default, skip_serializing_if = "DirectoryConfig::is_local")]
    pub directory: DirectoryConfig,
}

impl OrgConfig {
    pub fn email_match(&self) -> EmailMatch {
        self.email_match.unwrap_or(match self.credential {
            CredentialPolicy::Pin { .. } => EmailMatch::Exact,
            CredentialPolicy::Password { .. } => EmailMatch::CaseInsensitive,
        })
    }

    /// Organisations with PINs identify patrons by card; the others by email.
    pub fn uses_cards(&self) -> bool {
        matches!(self.credential, CredentialPolicy::Pin { .. })
    }

    /// Checks the ranges of one organisation; `key` names a key below the
    /// organisation's table, with its line.
    fn validate(&self, key: impl Fn(&[&str]) -> String) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err(format!("{}: the display name is empty", key(&["name"])));
        }
        match self.credential {
            CredentialPolicy::Pin { digits } if !(4..=12).contains(&digits) => {
                return Err(format!(
                    "{}: {digits} is out of range; a PIN has 4 to 12 digits",
                    key(&["credential", "digits"])
                ));
            }
            CredentialPolicy::Password { min_length } if !(8..=128).contains(&min_length) => {
                return Err(format!(
                    "{}: {min_length} is out of range; use 8 to 128",
                    key(&["credential", "min_length"])
                ));
            }
            _ => {}
        }
        if let Some(t) = self.directory.timing() {
            if !(1..=120).contains(&t.timeout_seconds) {
                let key = key(&["directory", "timeout_seconds"]);
                return Err(format!("{key}: use 1 to 120"));
            }
            if !(50..=10_000).contains(&t.refresh_timeout_ms) {
                let key = key(&["directory", "refresh_timeout_ms"]);
                return Err(format!("{key}: use 50 to 10000"));
            }
        }
        if !(1..=100).contains(&self.links_per_hour) {
            return Err(format!(
                "{}: {} is out of range; use 1 to 100",
                key(&["links_per_hour"]),
                self.links_per_hour
            ));
        }
        Ok(())
    }
}

/// `org[i].a.b (line N)` for a key of the i-th organisation.
fn org_key(text: &str, i: usize, path: &[&str]) -> String {
    let index = i.to_string();
    let full: Vec<&str> = ["org", index.as_str()]
        .iter()
        .chain(path)
        .copied()
        .collect();
    at_line(text, &format!("org[{i}].{}", path.join(".")), &full)
}

/// A configuration problem, with the file it came from.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl Config {
    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        Config::parse(&text).map_err(err)
    }

    /// Parses and validates TOML text; the error names the key and line.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config =
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        config.validate(text)?;
        Ok(config)
    }

    /// Checks what a single value cannot: ranges and cross-references.
    fn validate(&self, text: &str) -> Result<(), String> {
        if self.orgs.is_empty() {
            return Err("no organisation: add at least one [[org]] table".into());
        }
        for (i, org) in self.orgs.iter().enumerate() {
            if self.orgs[..i].iter().any(|o| o.slug == org.slug) {
                return Err(format!(
                    "{}: slug {:?} is used by another organisation",
                    org_key(text, i, &["slug"]),
                    org.slug.as_str()
                ));
            }
            org.validate(|path| org_key(text, i, path))?;
        }
        let key = |path: &[&str]| at_line(text, &path.join("."), path);
        if !(1..=1000).contains(&self.security.max_failed_attempts) {
            let key = key(&["security", "max_failed_attempts"]);
            return Err(format!("{key}: use 1 to 1000"));
        }
        if jiff::tz::TimeZone::get(&self.mail.time_zone).is_err() {
            return Err(format!(
                "{}: {:?} is not a time zone (e.g. \"Europe/Helsinki\")",
                key(&["mail", "time_zone"]),
                self.mail.time_zone
            ));
        }
        if !(1..=300).contains(&self.mail.timeout_seconds) {
            let key = key(&["mail", "timeout_seconds"]);
            return Err(format!("{key}: use 1 to 300"));
        }
        self.ssh.validate(|name| key(&["ssh", name]))?;
        if let Err(e) = self.web.proxy_nets() {
            return Err(format!("{}: {e}", key(&["web", "trusted_proxies"])));
        }
        if self.mail.transport == MailTransport::Smtp && self.mail.url.is_none() {
            return Err("mail.url: transport = \"smtp\" needs an SMTP URL".into());
        }
        Ok(())
    }

    pub fn org(&self, slug: &str) -> Option<&OrgConfig> {
        self.orgs.iter().find(|o| o.slug.as_str() == slug)
    }

    /// The configuration as TOML with secrets replaced by `***`.
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        if let Some(url) = &shown.mail.url {
            shown.mail.url = Some(redact_url_password(url));
        }
        if let Some(url) = &shown.database.url {
            shown.database.url = Some(redact_url_password(url));
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot print: {e}"))
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
