//! Bulk first-login invitations after a login migration: a set-password
//! link for every account still awaiting its first login, skipping those
//! that already have a live invitation, so a re-run sends nothing twice.

use super::{ServiceResult, Services, Staff};
use crate::domain::link::{LinkOrigin, LinkPurpose};
use crate::store::{accounts, outbox_rows, tokens};
use serde::Serialize;
use serde_json::json;

/// Invitations written per transaction (keeps each lock short).
const BATCH: usize = 2_000;

#[derive(Debug, Clone, Default, Serialize)]
pub struct InviteReport {
    pub awaiting: u64,
    pub queued: u64,
    pub skipped_active: u64,
    pub skipped_rate_limited: u64,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InviteStats {
    pub awaiting_first_login: u64,
    pub mail_queued: u64,
    pub mail_sent: u64,
    pub mail_failed: u64,
    pub links_live: u64,
    pub links_used: u64,
    pub links_expired: u64,
    pub links_revoked: u64,
}

impl Services {
    /// Queues invitations (admin only).
    pub async fn invite_first_login(
        &self,
        staff: &Staff,
        org_slug: &str,
        dry_run: bool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> ServiceResult<InviteReport> {
        staff.require_admin()?;
        let org = self.org(org_slug)?;
        let tx = self.store.begin_read().await?;
        let awaiting = accounts::awaiting_first_login(&tx, org_slug).await?;
        tx.commit().await?;
        let mut report = InviteReport {
            awaiting: awaiting.len() as u64,
            dry_run,
            ..Default::default()
        };
        let total = awaiting.len() as u64;
        for (n, batch) in awaiting.chunks(BATCH).enumerate() {
            let now = self.now();
            let tx = self.store.begin_write().await?;
            let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
            let active = tokens::with_live_purpose(&tx, &ids, LinkPurpose::FirstLogin, now).await?;
            let mut queued = 0u64;
            for id in ids.iter().filter(|id| !active.contains(id)) {
                if dry_run {
                    queued += 1;
                    continue;
                }
                let account = accounts::get(&tx, *id).await?.expect("listed in this org");
                match self
                    .issue_link(
                        &tx,
                        &account,
                        org,
                        LinkPurpose::FirstLogin,
                        LinkOrigin::Bulk,
                        Some(staff.id),
                    )
                    .await
                {
                    Ok(_) => queued += 1,
                    Err(super::ServiceError::RateLimited { .. }) => {
                        report.skipped_rate_limited += 1
                    }
                    Err(e) => return Err(e),
                }
            }
            report.queued += queued;
            report.skipped_active += active.len() as u64;
            if !dry_run {
                self.audit_staff(
                    &tx,
                    staff,
                    "invite.batch",
                    Some(org_slug),
                    None,
                    json!({ "batch": n, "queued": queued, "skipped_active": active.len() }),
                )
                .await?;
            }
            tx.commit().await?;
            progress(((n + 1) * BATCH).min(awaiting.len()) as u64, total);
        }
        Ok(report)
    }

    /// How the invitations of an organisation are doing.
    pub async fn invite_stats(&self, staff: &Staff, org_slug: &str) -> ServiceResult<InviteStats> {
        staff.require_org(org_slug, "organisation")?;
        let now = self.now();
        let tx = self.store.begin_read().await?;
        let awaiting = accounts::awaiting_first_login(&tx, org_slug).await?.len() as u64;
        let mails = outbox_rows::status_counts_for_purpose(&tx, org_slug, "first_login").await?;
        let (used, revoked, expired, live) =
            tokens::state_counts(&tx, org_slug, LinkPurpose::FirstLogin, now).await?;
        tx.commit().await?;
        let mail = |status: &str| {
            mails
                .iter()
                .filter(|(s, _)| s == status)
                .map(|(_, n)| *n as u64)
                .sum()
        };
        Ok(InviteStats {
            awaiting_first_login: awaiting,
            mail_queued: mail("queued") + mail("sending"),
            mail_sent: mail("sent"),
            mail_failed: mail("failed"),
            links_live: live,
            links_used: used,
            links_expired: expired,
            links_revoked: revoked,
        })
    }
}
