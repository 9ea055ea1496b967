//! Reading a directory into the mirror: `avain sync` and the sync `avain
//! serve` runs every `sync_minutes`, and the quick re-read of one account
//! when it is opened or its card and email are checked. A full read marks
//! removed what the directory no longer has; an incremental one reads only
//! what changed since the last mark. One process syncs an organisation at
//! a time (a lease in the database); each page is its own transaction, so
//! desks keep working while a large directory is read.

use super::mirror::count_fields;
use super::{Actor, ServiceError, ServiceResult, Services, Staff};
use crate::directory::{Connection, DirectoryEntry, DirectoryError, Lookup};
use crate::domain::DirectoryKind;
use crate::store::entities::account;
use crate::store::{accounts, mirror};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// How long a sync lease lasts before another process may take over; it
/// is renewed with every page.
const LEASE_MS: i64 = 10 * 60_000;
/// Problems listed in a report (the rest are counted).
const PROBLEMS_SHOWN: usize = 50;

#[derive(Debug, Clone, Copy, Default)]
pub struct SyncOptions {
    /// Read everything (and find what was removed), not only the changes.
    pub full: bool,
    /// Read and compare, write nothing.
    pub dry_run: bool,
}

/// What a sync did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub org: String,
    pub system: DirectoryKind,
    /// Everything was read (removals are found only then).
    pub full: bool,
    pub dry_run: bool,
    pub read: u64,
    pub created: u64,
    pub changed: u64,
    /// How many accounts had each field change.
    pub changed_fields: BTreeMap<String, u64>,
    pub unchanged: u64,
    pub removed: u64,
    pub problems: Vec<String>,
    pub millis: u64,
}

pub use crate::domain::directory::Freshness;

impl Services {
    /// `avain sync`: reads the organisation's directory into the mirror.
    pub async fn sync_directory(
        &self,
        staff: &Staff,
        org: &str,
        options: SyncOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> ServiceResult<SyncReport> {
        staff.require_admin()?;
        staff.require_known_org(org)?;
        self.run_sync(org, options, &Actor::staff(staff), progress)
            .await
    }

    /// The periodic sync of `avain serve`: every organisation whose
    /// `sync_minutes` have passed since its last run.
    pub async fn sync_due(&self) -> Vec<(String, ServiceResult<SyncReport>)> {
        let mut done = Vec::new();
        let orgs: Vec<String> = self
            .config
            .orgs
            .iter()
            .map(|o| o.slug.to_string())
            .collect();
        for org in orgs {
            let Some(c) = self.directory(&org) else {
                continue;
            };
            if c.timing.sync_minutes == 0 {
                continue;
            }
            let last = match self.store.begin_read().await {
                Ok(tx) => {
                    let state = mirror::sync_state(&tx, &org).await;
                    let _ = tx.commit().await;
                    state.ok().flatten().and_then(|s| s.last_run_at)
                }
                Err(_) => continue,
            };
            let every = i64::from(c.timing.sync_minutes) * 60_000;
            if last.is_some_and(|t| self.now() < t + every) {
                continue;
            }
            let result = self
                .run_sync(&org, SyncOptions::default(), &Actor::system(), &|_| {})
                .await;
            done.push((org, result));
        }
        done
    }

    async fn run_sync(
        &self,
        org: &str,
        options: SyncOptions,
        actor: &Actor,
        progress: &(dyn Fn(u64) + Sync),
    ) -> ServiceResult<SyncReport> {
        let connection = self.directory(org).ok_or_else(|| {
            ServiceError::Refused(format!(
                "organisation {org:?} keeps its accounts in avain: there is no directory to sync"
            ))
        })?;
        let owner = lease_owner();
        let tx = self.store.begin_write().await?;
        let taken =
            mirror::take_sync_lease(&tx, org, &owner, self.now(), self.now() + LEASE_MS).await?;
        let state = mirror::sync_state(&tx, org).await?;
        let adopt = mirror::count_without_external_id(&tx, org).await? > 0;
        tx.commit().await?;
        if !taken {
            return Err(ServiceError::Refused(format!(
                "a sync of {org:?} is already running in another process"
            )));
        }
        let since = match (&state, options.full, connection.directory.reads_changes()) {
            (Some(s), false, true) => s.mark.clone(),
            _ => None,
        };
        let result = self
            .read_pages(
                org,
                connection,
                since.as_deref(),
                options,
                adopt,
                &owner,
                progress,
            )
            .await;
        let (mut report, mark, seen) = match result {
            Ok(r) => r,
            Err(e) => {
                let tx = self.store.begin_write().await?;
                mirror::finish_sync(&tx, org, &owner, None).await?;
                self.audit(
                    &tx,
                    actor,
                    "directory.sync_failed",
                    Some(org),
                    None,
                    json!({ "error": crate::text::safe(&e.to_string()) }),
                )
                .await?;
                tx.commit().await?;
                return Err(e);
            }
        };
        self.finish_run(org, actor, &owner, &mut report, mark.or(since), seen)
            .await?;
        Ok(report)
    }

    /// Reads every page and writes it. Returns the report so far, the new
    /// mark, and (in a dry run) the ids seen.
    #[allow(clippy::too_many_arguments)]
    async fn read_pages(
        &self,
        org: &str,
        connection: &Connection,
        since: Option<&str>,
        options: SyncOptions,
        adopt: bool,
        owner: &str,
        progress: &(dyn Fn(u64) + Sync),
    ) -> ServiceResult<(SyncReport, Option<String>, Read)> {
        let started = Instant::now();
        let read_started = self.now();
        let directory = &connection.directory;
        let page_limit = Duration::from_secs(connection.timing.timeout_seconds * 2 + 10);
        let fail = |error| ServiceError::Directory {
            kind: directory.kind(),
            error,
        };
        let mut pager = bounded(page_limit, directory.list(since))
            .await
            .map_err(fail)?;
        let mut report = SyncReport {
            org: org.to_string(),
            system: directory.kind(),
            full: since.is_none(),
            dry_run: options.dry_run,
            read: 0,
            created: 0,
            changed: 0,
            changed_fields: BTreeMap::new(),
            unchanged: 0,
            removed: 0,
            problems: Vec::new(),
            millis: 0,
        };
        let mut mark: Option<String> = None;
        let mut seen = Read {
            started: read_started,
            ids: HashSet::new(),
        };
        while let Some(page) = bounded(page_limit, pager.next_page()).await.map_err(fail)? {
            for e in &page {
                if let Some(m) = &e.modified
                    && mark.as_ref().is_none_or(|old| m > old)
                {
                    mark = Some(m.clone());
                }
                if options.dry_run {
                    seen.ids.insert(e.id.clone());
                }
            }
            let tx = self.store.begin_write().await?;
            let applied = self
                .apply_entries(&tx, org, &page, adopt, self.now())
                .await?;
            mirror::take_sync_lease(&tx, org, owner, self.now(), self.now() + LEASE_MS).await?;
            if options.dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            report.read += page.len() as u64;
            report.created += applied.created;
            report.unchanged += applied.unchanged;
            report.changed += applied.changed.len() as u64;
            for (field, n) in count_fields(&applied.changed) {
                *report.changed_fields.entry(field).or_insert(0) += n;
            }
            report.problems.extend(applied.problems);
            progress(report.read);
        }
        report.problems.truncate(PROBLEMS_SHOWN);
        report.millis = started.elapsed().as_millis() as u64;
        Ok((report, mark, seen))
    }

    /// After a complete read: removals (full reads only), the new mark, the
    /// lease given back, one audit row.
    async fn finish_run(
        &self,
        org: &str,
        actor: &Actor,
        owner: &str,
        report: &mut SyncReport,
        mark: Option<String>,
        seen: Read,
    ) -> ServiceResult<()> {
        let tx = self.store.begin_write().await?;
        if report.full {
            report.removed = if report.dry_run {
                mirror::active_external_ids(&tx, org)
                    .await?
                    .iter()
                    .filter(|(_, x)| !seen.ids.contains(x))
                    .count() as u64
            } else {
                let gone = mirror::unseen_ids(&tx, org, seen.started).await?;
                self.remove_accounts(&tx, &gone, self.now()).await?
            };
        }
        let summary = serde_json::to_value(&*report).unwrap_or_default();
        if !report.dry_run {
            mirror::finish_sync(
                &tx,
                org,
                owner,
                Some(mirror::SyncDone {
                    mark: mark.as_deref(),
                    at: self.now(),
                    full: report.full,
                    result: &summary.to_string(),
                }),
            )
            .await?;
        } else {
            mirror::finish_sync(&tx, org, owner, None).await?;
        }
        let mut detail = summary;
        detail["problems"] = json!(report.problems.len());
        self.audit(
            &tx,
            actor,
            if report.dry_run {
                "directory.sync_dry_run"
            } else {
                "directory.sync"
            },
            Some(org),
            None,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Re-reads one account from its directory (bounded by the short
    /// refresh limit) before it is shown.
    pub(crate) async fn refresh_account(
        &self,
        account: &account::Model,
    ) -> ServiceResult<Freshness> {
        let Some(connection) = self.directory(&account.org) else {
            return Ok(Freshness::Local);
        };
        let Some(id) = account.external_id.clone() else {
            return Ok(Freshness::Stale {
                read_at: None,
                reason: "not linked to its directory yet: run `avain sync`".into(),
            });
        };
        let lookup = Lookup {
            ids: vec![id.clone()],
            ..Lookup::default()
        };
        match self.lookup_quickly(connection, &lookup).await {
            Ok(entries) => {
                let now = self.now();
                let tx = self.store.begin_write().await?;
                if entries.iter().any(|e| e.id == id) {
                    self.apply_entries(&tx, &account.org, &entries, false, now)
                        .await?;
                } else {
                    self.remove_accounts(&tx, &[account.id], now).await?;
                }
                tx.commit().await?;
                Ok(Freshness::Fresh { at: now })
            }
            Err(e) => Ok(Freshness::Stale {
                read_at: account.directory_synced_at,
                reason: e.to_string(),
            }),
        }
    }

    /// Before a verdict: re-reads the accounts the mirror would compare
    /// and any entry with the typed card or email (a patron added since
    /// the last sync), bounded by the short refresh limit.
    pub(crate) async fn refresh_for_verdict(
        &self,
        org: &str,
        card: Option<&str>,
        email: &str,
    ) -> ServiceResult<Freshness> {
        let Some(connection) = self.directory(org) else {
            return Ok(Freshness::Local);
        };
        let tx = self.store.begin_read().await?;
        let candidates = accounts::verdict_candidates(&tx, org, card, email).await?;
        let ids: Vec<i64> = candidates.iter().map(|c| c.account_id).collect();
        let known = accounts::get_many(&tx, &ids).await?;
        tx.commit().await?;
        let linked: Vec<(i64, String)> = known
            .iter()
            .filter_map(|a| a.external_id.clone().map(|x| (a.id, x)))
            .collect();
        let lookup = Lookup {
            ids: linked.iter().map(|(_, x)| x.clone()).collect(),
            card: card
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            email: Some(email.trim().to_string()).filter(|e| !e.is_empty()),
        };
        match self.lookup_quickly(connection, &lookup).await {
            Ok(entries) => {
                let now = self.now();
                let tx = self.store.begin_write().await?;
                self.apply_entries(&tx, org, &entries, false, now).await?;
                let returned: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
                let gone: Vec<i64> = linked
                    .iter()
                    .filter(|(_, x)| !returned.contains(x.as_str()))
                    .map(|(id, _)| *id)
                    .collect();
                self.remove_accounts(&tx, &gone, now).await?;
                tx.commit().await?;
                Ok(Freshness::Fresh { at: now })
            }
            Err(e) => Ok(Freshness::Stale {
                read_at: known.iter().filter_map(|a| a.directory_synced_at).min(),
                reason: e.to_string(),
            }),
        }
    }

    async fn lookup_quickly(
        &self,
        connection: &Connection,
        lookup: &Lookup,
    ) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        let limit = Duration::from_millis(connection.timing.refresh_timeout_ms);
        bounded(limit, connection.directory.find(lookup)).await
    }

    /// `avain config check` / `avain directory test`: does the access work,
    /// and how long did it take?
    pub async fn check_directory(&self, org: &str) -> ServiceResult<Option<Duration>> {
        let Some(connection) = self.directory(org) else {
            return Ok(None);
        };
        let started = Instant::now();
        let limit = Duration::from_secs(connection.timing.timeout_seconds);
        bounded(limit, connection.directory.check())
            .await
            .map_err(|error| ServiceError::Directory {
                kind: connection.directory.kind(),
                error,
            })?;
        Ok(Some(started.elapsed()))
    }
}

/// The accounts a read has seen: by time (written runs touch every
/// account they read) and, in a dry run, by id.
struct Read {
    started: i64,
    ids: HashSet<String>,
}

/// A directory call with a time limit; running out is "no answer".
pub(crate) async fn bounded<T>(
    limit: Duration,
    call: impl std::future::Future<Output = Result<T, DirectoryError>>,
) -> Result<T, DirectoryError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => Err(DirectoryError::Unavailable(format!(
            "no answer in {} ms",
            limit.as_millis()
        ))),
    }
}

/// A name for this process's lease: host, process id and a random part.
fn lease_owner() -> String {
    use rand::RngExt;
    let random: u32 = rand::rng().random();
    format!("pid{}-{random:08x}", std::process::id())
}
