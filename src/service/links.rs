//! Issuing and revoking reset links. A new link revokes the older live
//! links of the same purpose; the link row and its mail are written in
//! one transaction with the audit row.

use super::account_view::load_visible;
use super::mail_queue::LinkMail;
use super::{ServiceError, ServiceResult, Services, Staff};
use crate::config::OrgConfig;
use crate::domain::link::{LinkOrigin, LinkPurpose, RevokeReason};
use crate::domain::mask::mask_email;
use crate::domain::token;
use crate::store::entities::account;
use crate::store::{Tx, accounts, outbox_rows, tokens};
use serde::Serialize;
use serde_json::json;

const HOUR_MS: i64 = 3_600_000;

/// What staff learn about a link they sent (never the token itself).
#[derive(Debug, Clone, Serialize)]
pub struct SentLink {
    pub token_id: i64,
    pub outbox_id: i64,
    pub purpose: LinkPurpose,
    pub expires_at: i64,
    pub sent_to_masked: String,
    /// Older links this one superseded.
    pub revoked: Vec<i64>,
}

impl Services {
    /// Sends a new link to the account's email on file: of `purpose`, or
    /// without one, the link [`LinkPurpose::for_account`] chooses.
    pub async fn send_link(
        &self,
        staff: &Staff,
        account_id: i64,
        purpose: Option<LinkPurpose>,
    ) -> ServiceResult<SentLink> {
        let tx = self.store.begin_write().await?;
        let account = load_visible(&tx, staff, account_id).await?;
        self.refuse_removed(&account)?;
        let org = self.org(&account.org)?;
        let purpose = purpose.unwrap_or_else(|| {
            LinkPurpose::for_account(account.must_set_credential, org.uses_cards())
        });
        let sent = self
            .issue_link(
                &tx,
                &account,
                org,
                purpose,
                LinkOrigin::Staff,
                Some(staff.id),
            )
            .await?;
        self.audit_staff(
            &tx,
            staff,
            "link.send",
            Some(&account.org),
            Some(account.id),
            json!({ "token_id": sent.token_id, "purpose": purpose.code(), "outbox_id": sent.outbox_id, "revoked": sent.revoked }),
        )
        .await?;
        tx.commit().await?;
        Ok(sent)
    }

    /// Revokes one link by id.
    pub async fn revoke_link(&self, staff: &Staff, token_id: i64) -> ServiceResult<()> {
        let tx = self.store.begin_write().await?;
        let link = tokens::get(&tx, token_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("link not found".into()))?;
        staff.require_org(&link.org, "link")?;
        if tokens::revoke_ids(&tx, &[token_id], RevokeReason::Staff, self.now()).await? == 0 {
            return Err(ServiceError::Refused(
                "the link is already used or revoked".into(),
            ));
        }
        self.retire_link_mails(&tx, &[token_id], "link revoked by staff")
            .await?;
        self.audit_staff(
            &tx,
            staff,
            "link.revoke",
            Some(&link.org),
            Some(link.account_id),
            json!({ "token_id": token_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues a link inside `tx`: rate limit, supersede, token row, mail.
    pub(crate) async fn issue_link(
        &self,
        tx: &Tx,
        account: &account::Model,
        org: &OrgConfig,
        purpose: LinkPurpose,
        origin: LinkOrigin,
        staff_id: Option<i64>,
    ) -> ServiceResult<SentLink> {
        let now = self.now();
        // Two requests for one account at once (two desks, or a patron
        // pressing twice) must see each other's links: one waits.
        accounts::lock_for_update(tx, account.id).await?;
        // A patron's own requests are counted and replaced apart from the
        // links staff send: requests typed in someone else's name must not
        // use up the links staff can send, nor kill a link staff just sent
        // or an invitation.
        let own_kind: &[LinkOrigin] = if origin == LinkOrigin::SelfService {
            &[LinkOrigin::SelfService]
        } else {
            &[LinkOrigin::Staff, LinkOrigin::Bulk]
        };
        let recent =
            tokens::created_after(tx, account.id, purpose, own_kind, now - HOUR_MS).await?;
        if recent.len() >= org.links_per_hour as usize {
            let oldest_counted = recent[recent.len() - org.links_per_hour as usize];
            return Err(ServiceError::RateLimited {
                limit: org.links_per_hour,
                next_allowed_at: oldest_counted + HOUR_MS,
            });
        }
        let superseded: Vec<i64> = tokens::live_of_purpose(tx, account.id, purpose, now)
            .await?
            .into_iter()
            .filter(|t| origin != LinkOrigin::SelfService || t.origin == LinkOrigin::SelfService)
            .map(|t| t.id)
            .collect();
        tokens::revoke_ids(tx, &superseded, RevokeReason::Superseded, now).await?;
        let revoked = superseded;
        self.retire_link_mails(tx, &revoked, "superseded by a newer link")
            .await?;
        let lifetime = match (purpose, origin) {
            (LinkPurpose::FirstLogin, _) => org.token_lifetime.first_login,
            (LinkPurpose::Reset, LinkOrigin::SelfService) => org.token_lifetime.self_service_reset,
            (LinkPurpose::Reset, _) => org.token_lifetime.staff_reset,
        };
        let issued = token::issue();
        let expires_at = now + lifetime.millis();
        let row = tokens::insert(
            tx,
            tokens::NewToken {
                account_id: account.id,
                org: org.slug.as_str(),
                purpose,
                origin,
                token_hash: &issued.hash,
                sent_to: &account.email,
                expires_at,
                created_by_staff: staff_id,
            },
            now,
        )
        .await?;
        let outbox_id = self
            .queue_link_mail(
                tx,
                LinkMail {
                    account_id: account.id,
                    email: &account.email,
                    full_name: &account.full_name,
                    org,
                    token_id: row.id,
                    token_hash: &issued.hash,
                    token_text: &issued.text,
                    purpose,
                    expires_at,
                },
            )
            .await?;
        Ok(SentLink {
            token_id: row.id,
            outbox_id,
            purpose,
            expires_at,
            sent_to_masked: mask_email(&account.email),
            revoked,
        })
    }

    /// A dead link's mails: unsent ones are cancelled, sealed links forgotten.
    pub(crate) async fn retire_link_mails(
        &self,
        tx: &Tx,
        token_ids: &[i64],
        why: &str,
    ) -> ServiceResult<()> {
        outbox_rows::cancel_queued_for_tokens(tx, token_ids, why).await?;
        outbox_rows::forget_links_of_tokens(tx, token_ids).await?;
        Ok(())
    }

    /// Every link of an account, newest first (the links pane).
    pub async fn links(
        &self,
        staff: &Staff,
        account_id: i64,
    ) -> ServiceResult<Vec<super::LinkView>> {
        Ok(self.account_detail(staff, account_id).await?.links)
    }
}
