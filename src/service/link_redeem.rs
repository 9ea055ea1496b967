//! The patron's side of a mailed link: looking it up for its page, and
//! setting the new PIN or password through it exactly once. Where the
//! organisation has a system of record the link is claimed first, the
//! credential pushed there, and only then is the link spent: of many
//! submissions at once exactly one reaches the directory, and a directory
//! that refuses or does not answer leaves the link usable.

use super::account_view::link_state;
use super::directory_push::Change;
use super::{Actor, ServiceError, ServiceResult, Services};
pub use crate::domain::link::LinkProblem;
use crate::domain::link::{LinkPurpose, LinkState};
use crate::domain::policy::{self, CredentialPolicy};
use crate::domain::token;
use crate::store::entities::{account, reset_token};
use crate::store::{accounts, tokens};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

/// What a successful redeem did.
#[derive(Debug, Clone, Serialize)]
pub struct RedeemOutcome {
    pub account_id: i64,
    pub org: String,
    pub purpose: LinkPurpose,
}

/// What a link page needs before the patron types anything.
#[derive(Debug, Clone, Serialize)]
pub struct LinkInfo {
    pub org: String,
    pub org_name: String,
    pub purpose: LinkPurpose,
    pub policy: CredentialPolicy,
    pub expires_at: i64,
}

fn problem_of(state: LinkState) -> Option<LinkProblem> {
    match state {
        LinkState::Active { .. } => None,
        LinkState::Used { .. } => Some(LinkProblem::Used),
        LinkState::Revoked { .. } => Some(LinkProblem::Revoked),
        LinkState::Expired { .. } => Some(LinkProblem::Expired),
    }
}

impl Services {
    async fn find_link(&self, token_text: &str) -> ServiceResult<Option<reset_token::Model>> {
        if !token::looks_like_token(token_text) {
            return Ok(None);
        }
        let tx = self.store.begin_read().await?;
        let found = tokens::find_by_hash(&tx, &token::hash(token_text)).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Looks a link up for its page: usable, or why not.
    pub async fn inspect_link(
        &self,
        token_text: &str,
    ) -> ServiceResult<Result<LinkInfo, LinkProblem>> {
        let Some(link) = self.find_link(token_text).await? else {
            return Ok(Err(LinkProblem::Unknown));
        };
        if let Some(problem) = problem_of(link_state(&link, self.now())) {
            return Ok(Err(problem));
        }
        let org = self.org(&link.org)?;
        Ok(Ok(LinkInfo {
            org: link.org.clone(),
            org_name: org.name.clone(),
            purpose: link.purpose,
            policy: org.credential,
            expires_at: link.expires_at,
        }))
    }

    /// The patron sets a new credential through a link. The link is
    /// consumed exactly once; a dead link counts as a failed attempt.
    pub async fn redeem(
        &self,
        token_text: &str,
        first: Zeroizing<String>,
        second: Zeroizing<String>,
        client: Option<&str>,
    ) -> ServiceResult<Result<RedeemOutcome, LinkProblem>> {
        let Some(link) = self.find_link(token_text).await? else {
            return Ok(Err(LinkProblem::Unknown));
        };
        if let Some(problem) = problem_of(link_state(&link, self.now())) {
            self.record_dead_link(&link.org, link.account_id, link.id, problem, client)
                .await?;
            return Ok(Err(problem));
        }
        let policy = self.org(&link.org)?.credential;
        policy::check_new(&policy, &first, &second).map_err(ServiceError::Policy)?;
        if self.directory(&link.org).is_some() {
            return self.redeem_through_directory(&link, &first, client).await;
        }
        let hashed = self.hasher.hash_off_runtime(first).await;
        let tx = self.store.begin_write().await?;
        if !tokens::consume(&tx, link.id, self.now()).await? {
            // Lost a race with another redeem (or it expired meanwhile).
            tx.rollback().await?;
            return Ok(Err(LinkProblem::Used));
        }
        let account = self.link_account(&tx, &link).await?;
        let outcome = self
            .record_redeem(tx, &link, account, Some(&hashed), client)
            .await?;
        Ok(Ok(outcome))
    }

    /// Claim, push, then spend the link.
    async fn redeem_through_directory(
        &self,
        link: &reset_token::Model,
        secret: &str,
        client: Option<&str>,
    ) -> ServiceResult<Result<RedeemOutcome, LinkProblem>> {
        let connection = self.directory(&link.org).expect("checked by the caller");
        let now = self.now();
        let lease = (connection.timing.timeout_seconds as i64 + 5) * 1000;
        let tx = self.store.begin_write().await?;
        if !tokens::claim(&tx, link.id, now, now + lease).await? {
            let state = tokens::get(&tx, link.id)
                .await?
                .map(|t| link_state(&t, now));
            tx.rollback().await?;
            return Ok(Err(state.and_then(problem_of).unwrap_or(LinkProblem::Busy)));
        }
        let account = self.link_account(&tx, link).await?;
        tx.commit().await?;
        let pushed = match self.refuse_removed(&account) {
            Ok(()) => {
                self.push_change(
                    &account,
                    Change::Credential(secret),
                    &Actor::patron(),
                    Some(link.id),
                )
                .await
            }
            Err(e) => Err(e),
        };
        let tx = self.store.begin_write().await?;
        if let Err(e) = pushed {
            tokens::release_claim(&tx, link.id).await?;
            tx.commit().await?;
            return Err(e);
        }
        tokens::consume_claimed(&tx, link.id, self.now()).await?;
        let outcome = self.record_redeem(tx, link, account, None, client).await?;
        Ok(Ok(outcome))
    }

    async fn link_account(
        &self,
        tx: &crate::store::Tx,
        link: &reset_token::Model,
    ) -> ServiceResult<account::Model> {
        accounts::get(tx, link.account_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("account not found".into()))
    }

    /// The rest of a redeem, in the transaction that spent the link.
    async fn record_redeem(
        &self,
        tx: crate::store::Tx,
        link: &reset_token::Model,
        account: account::Model,
        hashed: Option<&crate::secrets::HashedCredential>,
        client: Option<&str>,
    ) -> ServiceResult<RedeemOutcome> {
        let org = self.org(&account.org)?;
        let revoked = self.store_credential(&tx, &account, hashed).await?;
        self.retire_link_mails(&tx, &[link.id], "link used").await?;
        self.audit(
            &tx,
            &Actor::patron(),
            "link.redeem",
            Some(&account.org),
            Some(account.id),
            json!({ "token_id": link.id, "client": client, "revoked_links": revoked, "system": org.directory.kind() }),
        )
        .await?;
        tx.commit().await?;
        Ok(RedeemOutcome {
            account_id: account.id,
            org: account.org,
            purpose: link.purpose,
        })
    }

    async fn record_dead_link(
        &self,
        org: &str,
        account_id: i64,
        token_id: i64,
        problem: LinkProblem,
        client: Option<&str>,
    ) -> ServiceResult<()> {
        let max = self.config.security.max_failed_attempts;
        let tx = self.store.begin_write().await?;
        let locked = accounts::record_failure(&tx, account_id, max, self.now()).await?;
        self.audit(
            &tx,
            &Actor::patron(),
            "link.redeem_refused",
            Some(org),
            Some(account_id),
            json!({ "token_id": token_id, "problem": problem, "client": client, "locked": locked }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
