//! The service layer: one function per action a person can take. Each
//! checks the caller's role and organisations, runs in one transaction,
//! writes its audit row in that transaction and queues mail there too.
//! The console, the command line and the web pages call these and nothing
//! below them.

mod account_changes;
mod account_view;
mod audit_anchor;
mod audit_trail;
mod backup;
mod credentials;
mod db_check;
mod delivery;
mod directory_check;
mod directory_push;
mod directory_sync;
mod error;
pub mod import;
mod mirror;

mod invitations;
mod link_redeem;
mod links;
mod mail_queue;
mod org_admin;
mod outbox_view;
mod rate_limits;
mod search;
mod self_service;
mod ssh_access;
mod staff_admin;
mod staff_identity;
pub mod stats;
mod stats_days;
mod verify;

pub use verify::Verification;

pub use account_changes::IdentityCheck;
pub use account_view::{
    AccountDetail, AccountView, AttemptView, CardView, DirectoryView, LinkView, MailView, NoteView,
    PreviousEmailView, RevealField,
};
pub use audit_trail::{AuditRow, AuditVerification};
pub use credentials::NewCredential;
pub use db_check::DatabaseCheck;
pub use delivery::{Delivery, DeliveryReport, MailSignal, backoff_ms};
pub use directory_check::{DirectoryCheck, check_directories};
pub use directory_sync::{Freshness, SyncOptions, SyncReport};
pub use error::{ServiceError, ServiceResult};
pub use invitations::{InviteReport, InviteStats};
pub use link_redeem::{LinkInfo, LinkProblem, RedeemOutcome};
pub use links::SentLink;
pub use org_admin::OrgOverview;
pub use outbox_view::OutboxMessage;
pub use rate_limits::Limit;
pub use search::{AccountSummary, Badge};
pub use self_service::{SelfServiceOutcome, SelfServiceResult};
pub use ssh_access::{
    SESSION_STALE_MS, SshOrigin, SshRefusal, SshSessionView, StaffKey, StaffKeyListing,
};
pub use staff_admin::{NewStaffMember, StaffListing};
pub use staff_identity::{Role, Staff};

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, OrgConfig, Paths};
use crate::directory::Connection;
use crate::secrets::{CredentialHasher, Pepper, Sealer};
use crate::store::{Store, Tx, audit_log};
use std::collections::BTreeMap;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Brings a database up to date and names the migrations it applied
/// (`avain migrate`; no pepper needed).
pub async fn migrate_database(url: &str) -> ServiceResult<Vec<String>> {
    let store = Store::connect(url).await?;
    let pending = store.pending_migrations().await?;
    store.migrate().await?;
    store.close().await?;
    Ok(pending)
}

/// Who an audit row names.
pub(crate) struct Actor {
    pub name: String,
    pub staff_id: Option<i64>,
}

impl Actor {
    pub fn staff(staff: &Staff) -> Actor {
        Actor {
            name: staff.actor(),
            staff_id: Some(staff.id),
        }
    }

    /// Someone using a link or the self-service form.
    pub fn patron() -> Actor {
        Actor {
            name: "patron".into(),
            staff_id: None,
        }
    }

    /// The SSH door, before anyone is let in.
    pub fn ssh() -> Actor {
        Actor {
            name: "ssh".into(),
            staff_id: None,
        }
    }

    /// avain itself (first set-up, the mail worker).
    pub fn system() -> Actor {
        Actor {
            name: "system".into(),
            staff_id: None,
        }
    }
}

/// The file in the data folder that anchors the audit head.
pub const AUDIT_ANCHOR_FILE: &str = "audit-anchor";

/// Everything a service needs: configuration, store, secrets, clock.
#[derive(Clone)]
pub struct Services {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub hasher: CredentialHasher,
    sealer: Sealer,
    audit_key: Arc<Zeroizing<[u8; 32]>>,
    /// Binds the patron pages' form values to their cookies.
    form_key: Arc<Zeroizing<[u8; 32]>>,
    /// Names what the shared rate limits count.
    rate_key: Arc<Zeroizing<[u8; 32]>>,
    /// Rate-limit events counted and not yet written.
    rate_book: Arc<rate_limits::RateBook>,
    /// Each organisation's system of record (none: `local`).
    directories: Arc<BTreeMap<String, Connection>>,
    /// Where the audit head is anchored outside the database (none: not
    /// anchored, as in tests that do not ask for it).
    audit_anchor: Option<Arc<std::path::PathBuf>>,
}

impl Services {
    /// Opens the store (migrating it) and loads the pepper.
    pub async fn open(config: Config, paths: &Paths) -> anyhow::Result<Services> {
        let pepper = Pepper::load(&paths.pepper_file)?;
        let store = Store::open(&paths.database_url).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot open the database {}: {e}",
                crate::config::redact_url_password(&paths.database_url)
            )
        })?;
        let services = Services::new(config, store, pepper, Arc::new(SystemClock))
            .with_audit_anchor(paths.data_dir.join(AUDIT_ANCHOR_FILE));
        services.with_directories(&paths.data_dir)
    }

    /// Anchors the audit head in `file` (see `audit_anchor`).
    pub fn with_audit_anchor(mut self, file: std::path::PathBuf) -> Services {
        self.audit_anchor = Some(Arc::new(file));
        self
    }

    pub(crate) fn audit_anchor_file(&self) -> Option<&std::path::Path> {
        self.audit_anchor.as_deref().map(|p| p.as_path())
    }

    /// Connects the organisations' systems of record (their secret files
    /// are read now, relative to `data_dir`; nothing is contacted yet).
    pub fn with_directories(mut self, data_dir: &std::path::Path) -> anyhow::Result<Services> {
        let mut map = BTreeMap::new();
        for org in &self.config.orgs {
            if let Some(c) = crate::directory::connect(&org.directory, data_dir)
                .map_err(|e| anyhow::anyhow!("organisation {}: {e}", org.slug))?
            {
                map.insert(org.slug.to_string(), c);
            }
        }
        self.directories = Arc::new(map);
        Ok(self)
    }

    /// The organisation's system of record, if it is not avain itself.
    pub fn directory(&self, org: &str) -> Option<&Connection> {
        self.directories.get(org)
    }

    pub fn new(config: Config, store: Store, pepper: Pepper, clock: Arc<dyn Clock>) -> Services {
        let sealer = Sealer::new(&pepper);
        let audit_key = Arc::new(pepper.derive("audit-chain"));
        let form_key = Arc::new(pepper.derive("web-forms"));
        let rate_key = Arc::new(pepper.derive("rate-limits"));
        Services {
            config: Arc::new(config),
            store,
            clock,
            hasher: CredentialHasher::new(Arc::new(pepper)),
            sealer,
            audit_key,
            form_key,
            rate_key,
            rate_book: Arc::default(),
            directories: Arc::new(BTreeMap::new()),
            audit_anchor: None,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub(crate) fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// The outbox with the configured transport (`AVAIN_MAIL_URL`, else
    /// `[mail]`); mail files go to `mail_folder`.
    pub fn delivery(&self, mail_folder: &std::path::Path) -> Result<Delivery, String> {
        let transport = crate::mail::Transport::from_config(&self.config.mail, mail_folder)?;
        Ok(Delivery::new(self.clone(), transport))
    }

    /// Opens a link sealed in the outbox (for the mail worker).
    pub(crate) fn open_sealed_link(
        &self,
        sealed: &str,
        token_hash: &str,
    ) -> Option<Zeroizing<String>> {
        self.sealer
            .open(sealed, &mail_queue::seal_context(token_hash))
    }

    /// The configuration of an organisation named by the database.
    pub(crate) fn org(&self, slug: &str) -> ServiceResult<&OrgConfig> {
        self.config.org(slug).ok_or_else(|| {
            let configured: Vec<&str> = self.config.orgs.iter().map(|o| o.slug.as_str()).collect();
            ServiceError::Refused(format!(
                "organisation {slug:?} has accounts in the database but is not in the \
                 configuration (configured: {}); add an [[org]] with that slug back, or, if \
                 its slug was changed there, run `avain org rename {slug} NEW`",
                configured.join(", ")
            ))
        })
    }

    /// Appends an audit row inside `tx`.
    pub(crate) async fn audit(
        &self,
        tx: &Tx,
        actor: &Actor,
        action: &str,
        org: Option<&str>,
        account_id: Option<i64>,
        detail: serde_json::Value,
    ) -> ServiceResult<i64> {
        let entry = audit_log::Entry {
            at: self.now(),
            actor: actor.name.clone(),
            staff_id: actor.staff_id,
            action: action.to_string(),
            org: org.map(str::to_string),
            account_id,
            detail: detail.to_string(),
        };
        Ok(audit_log::append(tx, &self.audit_key[..], entry).await?)
    }

    /// Audit row for a staff action.
    pub(crate) async fn audit_staff(
        &self,
        tx: &Tx,
        staff: &Staff,
        action: &str,
        org: Option<&str>,
        account_id: Option<i64>,
        detail: serde_json::Value,
    ) -> ServiceResult<i64> {
        self.audit(tx, &Actor::staff(staff), action, org, account_id, detail)
            .await
    }

    /// The key the patron pages sign their forms' CSRF values with.
    pub fn form_key(&self) -> &[u8] {
        &self.form_key[..]
    }

    pub(crate) fn audit_key(&self) -> &[u8] {
        &self.audit_key[..]
    }

    pub(crate) fn rate_key(&self) -> &[u8] {
        &self.rate_key[..]
    }

    pub(crate) fn rate_book(&self) -> &rate_limits::RateBook {
        &self.rate_book
    }
}
