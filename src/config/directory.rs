//! `[org.directory]`: where an organisation's accounts and credentials
//! live. `local` (the default) keeps the credential in avain; the others
//! are systems of record avain mirrors and writes every change into.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

fn default_timeout() -> u64 {
    5
}
fn default_refresh_ms() -> u64 {
    1500
}
fn default_sync_minutes() -> u32 {
    15
}
fn default_filter() -> String {
    "(objectClass=inetOrgPerson)".into()
}

/// One organisation's system of record.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DirectoryConfig {
    #[default]
    Local,
    Ldap(LdapConfig),
    Koha(KohaConfig),
    Keycloak(KeycloakConfig),
}

/// How long avain waits for the system of record, and how often it syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryTiming {
    /// A change (PIN, email, unlock) or a sync page.
    pub timeout_seconds: u64,
    /// Re-reading one account when it is opened or verified.
    pub refresh_timeout_ms: u64,
    /// `avain serve` syncs this often; 0 turns it off.
    pub sync_minutes: u32,
}

impl DirectoryConfig {
    pub fn kind(&self) -> crate::domain::DirectoryKind {
        use crate::domain::DirectoryKind as K;
        match self {
            DirectoryConfig::Local => K::Local,
            DirectoryConfig::Ldap(_) => K::Ldap,
            DirectoryConfig::Koha(_) => K::Koha,
            DirectoryConfig::Keycloak(_) => K::Keycloak,
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self, DirectoryConfig::Local)
    }

    pub fn timing(&self) -> Option<DirectoryTiming> {
        let t = |timeout_seconds, refresh_timeout_ms, sync_minutes| DirectoryTiming {
            timeout_seconds,
            refresh_timeout_ms,
            sync_minutes,
        };
        match self {
            DirectoryConfig::Local => None,
            DirectoryConfig::Ldap(c) => {
                Some(t(c.timeout_seconds, c.refresh_timeout_ms, c.sync_minutes))
            }
            DirectoryConfig::Koha(c) => {
                Some(t(c.timeout_seconds, c.refresh_timeout_ms, c.sync_minutes))
            }
            DirectoryConfig::Keycloak(c) => {
                Some(t(c.timeout_seconds, c.refresh_timeout_ms, c.sync_minutes))
            }
        }
    }

    /// The address as shown to staff and in logs (no secrets in any).
    pub fn address(&self) -> Option<&str> {
        match self {
            DirectoryConfig::Local => None,
            DirectoryConfig::Ldap(c) => Some(&c.url),
            DirectoryConfig::Koha(c) => Some(&c.url),
            DirectoryConfig::Keycloak(c) => Some(&c.url),
        }
    }
}

/// Which LDAP attribute holds what.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LdapAttributes {
    /// A stable id: `entryUUID` (OpenLDAP), `nsUniqueId` (389-ds),
    /// `objectGUID` (Active Directory).
    pub id: String,
    pub name: String,
    pub email: String,
    pub card: Option<String>,
    pub login: Option<String>,
    pub phone: Option<String>,
    /// When the entry last changed (incremental sync): `modifyTimestamp`,
    /// or `whenChanged` on Active Directory.
    pub modified: String,
    /// Set while the entry is locked: `pwdAccountLockedTime` (ppolicy) or
    /// `lockoutTime` (Active Directory).
    pub locked: Option<String>,
}

impl Default for LdapAttributes {
    fn default() -> Self {
        LdapAttributes {
            id: "entryUUID".into(),
            name: "cn".into(),
            email: "mail".into(),
            card: Some("employeeNumber".into()),
            login: Some("uid".into()),
            phone: Some("telephoneNumber".into()),
            modified: "modifyTimestamp".into(),
            locked: Some("pwdAccountLockedTime".into()),
        }
    }
}

/// How a new password is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LdapPasswordWrite {
    /// The Password Modify extended operation when the server has it
    /// (it hashes under its own policy), else replacing `userPassword`.
    #[default]
    Auto,
    /// Always Password Modify (RFC 3062).
    PasswordModify,
    /// Replace `userPassword` (a server without the extension).
    UserPassword,
    /// Active Directory: replace `unicodePwd` (needs TLS).
    ActiveDirectory,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host:389`, `ldaps://host:636`, or `ldap://host:389?starttls`.
    pub url: String,
    /// The service account avain binds as.
    pub bind_dn: String,
    /// File holding its password (mode 0600; relative to the data folder).
    pub bind_password_file: PathBuf,
    pub base_dn: String,
    #[serde(default = "default_filter")]
    pub filter: String,
    #[serde(default)]
    pub attributes: LdapAttributes,
    #[serde(default)]
    pub password_write: LdapPasswordWrite,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default = "default_refresh_ms")]
    pub refresh_timeout_ms: u64,
    #[serde(default = "default_sync_minutes")]
    pub sync_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KohaConfig {
    /// The Koha staff interface's address (`https://koha.example.fi`).
    pub url: String,
    /// An API client with the `borrowers` permission.
    pub client_id: String,
    /// File holding its secret (mode 0600; relative to the data folder).
    pub client_secret_file: PathBuf,
    /// Koha's `FailedLoginAttempts` preference: at this many failures a
    /// patron is locked there (none: only Koha's own lock, -1, counts).
    #[serde(default)]
    pub failed_login_attempts: Option<u32>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default = "default_refresh_ms")]
    pub refresh_timeout_ms: u64,
    #[serde(default = "default_sync_minutes")]
    pub sync_minutes: u32,
}

/// Keycloak user attributes for what its own fields do not hold.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct KeycloakAttributes {
    #[serde(default)]
    pub card: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeycloakConfig {
    /// The server's address (`https://login.example.fi`).
    pub url: String,
    pub realm: String,
    /// A confidential client whose service account has `manage-users`.
    pub client_id: String,
    /// File holding its secret (mode 0600; relative to the data folder).
    pub client_secret_file: PathBuf,
    #[serde(default)]
    pub attributes: KeycloakAttributes,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default = "default_refresh_ms")]
    pub refresh_timeout_ms: u64,
    #[serde(default = "default_sync_minutes")]
    pub sync_minutes: u32,
}
