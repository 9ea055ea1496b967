//! Organisations for the admin: which are configured, which the database
//! holds, and renaming one after its slug changed in the configuration.

use super::{ServiceError, ServiceResult, Services, Staff};
use crate::store::org_rows::{self, Retired};
use serde::Serialize;
use serde_json::json;

/// One organisation slug, configured or only in the database.
#[derive(Debug, Clone, Serialize)]
pub struct OrgOverview {
    pub slug: String,
    /// Its name in the configuration; `None` when it is only in the database.
    pub name: Option<String>,
    pub configured: bool,
    /// When it was retired (`avain org retire`), if it was.
    pub retired_at: Option<i64>,
    pub accounts: i64,
    pub live_links: i64,
}

impl Services {
    /// Every configured organisation, then every slug the database holds
    /// that the configuration lacks (admin only).
    pub async fn org_overview(&self, admin: &Staff) -> ServiceResult<Vec<OrgOverview>> {
        admin.require_admin()?;
        let tx = self.store.begin_read().await?;
        let mut accounts = org_rows::account_counts(&tx).await?;
        let mut live = org_rows::live_link_counts(&tx, self.now()).await?;
        let retired = org_rows::retired(&tx).await?;
        tx.commit().await?;
        let mut out: Vec<OrgOverview> = self
            .config
            .orgs
            .iter()
            .map(|o| OrgOverview {
                slug: o.slug.as_str().to_string(),
                name: Some(o.name.clone()),
                configured: true,
                retired_at: retired.get(o.slug.as_str()).copied(),
                accounts: accounts.remove(o.slug.as_str()).unwrap_or(0),
                live_links: live.remove(o.slug.as_str()).unwrap_or(0),
            })
            .collect();
        out.extend(accounts.into_iter().map(|(slug, n)| OrgOverview {
            live_links: live.remove(&slug).unwrap_or(0),
            retired_at: retired.get(&slug).copied(),
            slug,
            name: None,
            configured: false,
            accounts: n,
        }));
        Ok(out)
    }

    /// Moves everything under `old` to `new` in one transaction: accounts,
    /// cards, links, mail, attempts, notes, the directory's bookkeeping and
    /// the staff who had `old`. The configuration must already name `new`
    /// and no longer `old`, and `new` may hold no accounts yet (two
    /// organisations are not merged). Audit rows keep the slug they were
    /// written with; the rename itself is audited under `new`.
    pub async fn rename_org(&self, admin: &Staff, old: &str, new: &str) -> ServiceResult<u64> {
        admin.require_admin()?;
        let configured: Vec<&str> = self.config.orgs.iter().map(|o| o.slug.as_str()).collect();
        if self.config.org(old).is_some() {
            return Err(ServiceError::Refused(format!(
                "{old:?} is still in the configuration: change its slug there to {new:?} first"
            )));
        }
        if self.config.org(new).is_none() {
            return Err(ServiceError::Refused(format!(
                "organisation {new:?} is not in the configuration (organisations: {})",
                configured.join(", ")
            )));
        }
        let tx = self.store.begin_write().await?;
        let counts = org_rows::account_counts(&tx).await?;
        if !counts.contains_key(old) {
            let held: Vec<&str> = counts.keys().map(String::as_str).collect();
            return Err(ServiceError::Refused(format!(
                "the database has no accounts of {old:?} (it holds: {})",
                if held.is_empty() {
                    "none".into()
                } else {
                    held.join(", ")
                }
            )));
        }
        if counts.get(new).is_some_and(|n| *n > 0) {
            return Err(ServiceError::Refused(format!(
                "{new:?} already has accounts in the database; organisations are not merged"
            )));
        }
        if org_rows::retired(&tx).await?.contains_key(old) {
            return Err(ServiceError::Refused(format!(
                "{old:?} is retired; retired organisations keep their slug"
            )));
        }
        let moved = org_rows::rename(&tx, old, new).await?;
        let detail = json!({ "from": old, "to": new, "accounts": moved });
        self.audit_staff(&tx, admin, "org.rename", Some(new), None, detail)
            .await?;
        tx.commit().await?;
        Ok(moved)
    }
    /// Takes an organisation out of use after its `[[org]]` table left the
    /// configuration: live links revoked, queued mail cancelled, the slug
    /// taken from staff, the retirement recorded and audited. Its accounts,
    /// attempts, notes and audit stay as history (admin only).
    pub async fn retire_org(&self, admin: &Staff, slug: &str) -> ServiceResult<Retired> {
        admin.require_admin()?;
        if self.config.org(slug).is_some() {
            return Err(ServiceError::Refused(format!(
                "{slug:?} is still in the configuration: remove its [[org]] table first"
            )));
        }
        let tx = self.store.begin_write().await?;
        let counts = org_rows::account_counts(&tx).await?;
        let Some(accounts) = counts.get(slug).copied() else {
            let held: Vec<&str> = counts.keys().map(String::as_str).collect();
            return Err(ServiceError::Refused(format!(
                "the database has no accounts of {slug:?} (it holds: {})",
                if held.is_empty() {
                    "none".into()
                } else {
                    held.join(", ")
                }
            )));
        };
        if org_rows::retired(&tx).await?.contains_key(slug) {
            return Err(ServiceError::Refused(format!(
                "{slug:?} is already retired"
            )));
        }
        let done = org_rows::retire(&tx, slug, self.now(), Some(admin.id)).await?;
        let detail = json!({ "accounts_kept": accounts, "undone": done });
        self.audit_staff(&tx, admin, "org.retire", Some(slug), None, detail)
            .await?;
        tx.commit().await?;
        Ok(done)
    }
}
