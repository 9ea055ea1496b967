//! Systems of record: where an organisation's accounts and credentials
//! really live (an LDAP directory, the Koha library system, a Keycloak
//! login server). One trait, one module per kind. The service layer reads
//! accounts through it into the mirror and sends every credential, email
//! and lock change through it *before* it records the change as done.
//!
//! Nothing here keeps a PIN or password: a secret passes through one call
//! and is gone. Every call is bounded in time by the caller.

mod http;
mod keycloak;
mod koha;
mod ldap;
mod ldap_pager;
mod ldap_values;

use crate::config::{DirectoryConfig, DirectoryTiming};
use crate::domain::DirectoryKind;
pub use crate::domain::directory::DirectoryError;
use std::path::Path;
use std::sync::Arc;

pub use ldap_values::{classify_ldap_refusal, parse_ppolicy_error};

/// An account as the system of record holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirectoryEntry {
    /// The stable id (entryUUID, Koha's patron_id, Keycloak's user id).
    pub id: String,
    pub login: Option<String>,
    pub full_name: String,
    pub email: String,
    pub card: Option<String>,
    pub phone: Option<String>,
    /// Locked there: `Some(true)`; open: `Some(false)`; not known: `None`.
    pub locked: Option<bool>,
    /// When it last changed there, in the system's own form (for the
    /// next incremental read).
    pub modified: Option<String>,
}

/// Which entries to read: by id, or those with this card or email.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub ids: Vec<String>,
    pub card: Option<String>,
    pub email: Option<String>,
}

/// What a credential check against the system of record said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialCheck {
    Matches,
    Wrong,
    /// The system cannot check a secret for avain.
    CannotCheck,
}

/// One page of a full or incremental read.
pub type Page = Vec<DirectoryEntry>;

/// Reads the directory page by page.
#[async_trait::async_trait]
pub trait Pager: Send {
    /// The next page, or `None` after the last.
    async fn next_page(&mut self) -> Result<Option<Page>, DirectoryError>;
}

/// A system of record.
#[async_trait::async_trait]
pub trait Directory: Send + Sync {
    fn kind(&self) -> DirectoryKind;

    /// Its address for staff and logs ("ldap://ldap.example.fi"), no secret.
    fn address(&self) -> &str;

    /// Connects and authenticates (a bind, a token): does avain's access work?
    async fn check(&self) -> Result<(), DirectoryError>;

    /// Every entry (`since: None`), or those changed since a mark an
    /// earlier read returned (`Some`). Systems that cannot read changes
    /// only answer with everything.
    async fn list<'a>(&'a self, since: Option<&str>)
    -> Result<Box<dyn Pager + 'a>, DirectoryError>;

    /// Can `list` read only the changes since a mark?
    fn reads_changes(&self) -> bool;

    /// The entries with these ids, or with this card or email.
    async fn find(&self, lookup: &Lookup) -> Result<Vec<DirectoryEntry>, DirectoryError>;

    /// Sets a new PIN or password; the system hashes it under its policy.
    async fn set_credential(&self, id: &str, secret: &str) -> Result<(), DirectoryError>;

    async fn set_email(&self, id: &str, email: &str) -> Result<(), DirectoryError>;

    /// Clears the system's own lock on the entry.
    async fn unlock(&self, id: &str) -> Result<(), DirectoryError>;

    /// Checks a secret the patron says, as a login would.
    async fn check_credential(
        &self,
        id: &str,
        secret: &str,
    ) -> Result<CredentialCheck, DirectoryError>;
}

/// A configured connection, with its timing.
#[derive(Clone)]
pub struct Connection {
    pub directory: Arc<dyn Directory>,
    pub timing: DirectoryTiming,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.directory.kind(), self.directory.address())
    }
}

/// Builds the connection of one organisation; `None` for `local`. Secret
/// files are read now (relative paths are in `data_dir`); nothing is
/// contacted until the first call.
pub fn connect(
    config: &DirectoryConfig,
    data_dir: &Path,
) -> Result<Option<Connection>, DirectoryError> {
    let secret = |file: &Path| {
        let path = if file.is_absolute() {
            file.to_path_buf()
        } else {
            data_dir.join(file)
        };
        crate::secrets::read_secret_file(&path).map_err(|e| DirectoryError::Setup(e.to_string()))
    };
    let directory: Arc<dyn Directory> = match config {
        DirectoryConfig::Local => return Ok(None),
        DirectoryConfig::Ldap(c) => Arc::new(ldap::LdapDirectory::new(
            c.clone(),
            secret(&c.bind_password_file)?,
        )?),
        DirectoryConfig::Koha(c) => Arc::new(koha::KohaDirectory::new(
            c.clone(),
            secret(&c.client_secret_file)?,
        )?),
        DirectoryConfig::Keycloak(c) => Arc::new(keycloak::KeycloakDirectory::new(
            c.clone(),
            secret(&c.client_secret_file)?,
        )?),
    };
    Ok(Some(Connection {
        directory,
        timing: config.timing().expect("not local"),
    }))
}
