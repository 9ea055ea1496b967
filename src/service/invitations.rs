//! Bulk first-login invitations after a login migration: a set-password
//! link for every account still awaiting its first login, skipping those
//! that already have a live invitation, so a re-run sends nothing twice.

use super::mail_queue::LinkMail;
use super::{ServiceResult, Services, Staff};
use crate::config::OrgConfig;
use crate::domain::link::{LinkOrigin, LinkPurpose};
use crate::domain::token;
use crate::domain::{MailTemplate, OutboxStatus};
use crate::store::{Tx, accounts, outbox_rows, tokens};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// Invitations written per transaction (keeps each lock short).
const BATCH: usize = 2_000;
const HOUR_MS: i64 = 3_600_000;

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
        staff.require_known_org(org_slug)?;
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
            let ids: Vec<i64> = batch.iter().map(|(id, _, _)| *id).collect();
            let active = tokens::with_live_purpose(&tx, &ids, LinkPurpose::FirstLogin, now).await?;
            let limited = tokens::over_rate_limit(
                &tx,
                &ids,
                LinkPurpose::FirstLogin,
                now - HOUR_MS,
                org.links_per_hour,
            )
            .await?;
            let todo: Vec<&(i64, String, String)> = batch
                .iter()
                .filter(|(id, _, _)| !active.contains(id) && !limited.contains(id))
                .collect();
            report.skipped_active += active.len() as u64;
            report.skipped_rate_limited +=
                limited.iter().filter(|id| !active.contains(id)).count() as u64;
            report.queued += todo.len() as u64;
            if dry_run || todo.is_empty() {
                tx.rollback().await?;
                progress(((n + 1) * BATCH).min(awaiting.len()) as u64, total);
                continue;
            }
            self.queue_invitations(&tx, staff, org, &todo, now).await?;
            self.audit_staff(
                &tx,
                staff,
                "invite.batch",
                Some(org_slug),
                None,
                json!({ "batch": n, "queued": todo.len(), "skipped_active": active.len(), "rate_limited": limited.len() }),
            )
            .await?;
            tx.commit().await?;
            progress(((n + 1) * BATCH).min(awaiting.len()) as u64, total);
        }
        Ok(report)
    }

    /// Writes a batch's links and their mails: the same rows `issue_link`
    /// writes, one statement each for the whole batch.
    async fn queue_invitations(
        &self,
        tx: &Tx,
        staff: &Staff,
        org: &OrgConfig,
        todo: &[&(i64, String, String)],
        now: i64,
    ) -> ServiceResult<()> {
        let expires_at = now + org.token_lifetime.first_login.millis();
        let issued: Vec<token::IssuedToken> = todo.iter().map(|_| token::issue()).collect();
        let new_tokens: Vec<tokens::NewToken> = todo
            .iter()
            .zip(&issued)
            .map(|((id, email, _), t)| tokens::NewToken {
                account_id: *id,
                org: org.slug.as_str(),
                purpose: LinkPurpose::FirstLogin,
                origin: LinkOrigin::Bulk,
                token_hash: &t.hash,
                sent_to: email,
                expires_at,
                created_by_staff: Some(staff.id),
            })
            .collect();
        let ids_by_hash: HashMap<String, i64> = tokens::insert_many(tx, &new_tokens, now)
            .await?
            .into_iter()
            .map(|(id, h)| (h, id))
            .collect();
        let mails = todo
            .iter()
            .zip(&issued)
            .map(|((id, email, name), t)| {
                self.link_mail(LinkMail {
                    account_id: *id,
                    email,
                    full_name: name,
                    org,
                    token_id: ids_by_hash[&t.hash],
                    token_hash: &t.hash,
                    token_text: &t.text,
                    purpose: LinkPurpose::FirstLogin,
                    expires_at,
                })
            })
            .collect();
        outbox_rows::insert_many(tx, mails, now).await?;
        Ok(())
    }

    /// How the invitations of an organisation are doing.
    pub async fn invite_stats(&self, staff: &Staff, org_slug: &str) -> ServiceResult<InviteStats> {
        staff.require_known_org(org_slug)?;
        let now = self.now();
        let tx = self.store.begin_read().await?;
        let awaiting = accounts::awaiting_first_login(&tx, org_slug).await?.len() as u64;
        let mails =
            outbox_rows::status_counts_for_purpose(&tx, org_slug, MailTemplate::FirstLogin).await?;
        let (used, revoked, expired, live) =
            tokens::state_counts(&tx, org_slug, LinkPurpose::FirstLogin, now).await?;
        tx.commit().await?;
        let mail = |status: OutboxStatus| {
            mails
                .iter()
                .filter(|(s, _)| *s == status)
                .map(|(_, n)| *n as u64)
                .sum()
        };
        Ok(InviteStats {
            awaiting_first_login: awaiting,
            mail_queued: mail(OutboxStatus::Queued) + mail(OutboxStatus::Sending),
            mail_sent: mail(OutboxStatus::Sent),
            mail_failed: mail(OutboxStatus::Failed),
            links_live: live,
            links_used: used,
            links_expired: expired,
            links_revoked: revoked,
        })
    }
}
