//! Setting PINs and passwords: by staff at the desk (typed or generated),
//! and by the patron through a mailed link (redeemed exactly once).

use super::account_view::{link_state, load_visible};
use super::mail_queue::MailTemplate;
use super::{ServiceError, ServiceResult, Services, Staff};
use crate::domain::link::{LinkPurpose, LinkState, RevokeReason};
use crate::domain::policy::{self, CredentialPolicy};
use crate::domain::token;
use crate::secrets::HashedCredential;
use crate::store::entities::account;
use crate::store::{Tx, accounts, tokens};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

/// A new credential as staff give it.
pub enum NewCredential {
    /// Typed twice.
    Typed {
        first: Zeroizing<String>,
        second: Zeroizing<String>,
    },
    /// Drawn from a CSPRNG and shown once.
    Generate,
}

/// Why a link cannot be used; the page shows which, with no account data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkProblem {
    Unknown,
    Expired,
    Used,
    Revoked,
}

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

impl Services {
    /// Sets a PIN/password at the desk. Returns the generated secret, once.
    pub async fn set_credential(
        &self,
        staff: &Staff,
        account_id: i64,
        new: NewCredential,
    ) -> ServiceResult<Option<Zeroizing<String>>> {
        let org_slug = {
            let tx = self.store.begin_read().await?;
            let a = load_visible(&tx, staff, account_id).await?;
            tx.commit().await?;
            a.org
        };
        let policy = self.org(&org_slug)?.credential;
        let (secret, generated) = match new {
            NewCredential::Typed { first, second } => {
                policy::check_new(&policy, &first, &second).map_err(ServiceError::Policy)?;
                (first, false)
            }
            NewCredential::Generate => (Zeroizing::new(policy::generate(&policy)), true),
        };
        // Hash before the write transaction: ~20 ms of CPU must not hold the lock.
        let hashed = self.hasher.hash_off_runtime(secret.clone()).await;
        let tx = self.store.begin_write().await?;
        let account = load_visible(&tx, staff, account_id).await?;
        let org = self.org(&account.org)?;
        let revoked = self.store_credential(&tx, account, &hashed).await?;
        let account = accounts::get(&tx, account_id).await?.expect("just updated");
        self.queue_notice(
            &tx,
            &account,
            org,
            &account.email,
            MailTemplate::CredentialChanged,
        )
        .await?;
        self.audit_staff(
            &tx,
            staff,
            "credential.set",
            Some(&account.org),
            Some(account_id),
            json!({ "generated": generated, "revoked_links": revoked }),
        )
        .await?;
        tx.commit().await?;
        Ok(generated.then_some(secret))
    }

    /// Saves a credential hash and clears what it fixes: the legacy flag,
    /// the first-login flag, failures and the lock. Live links die.
    async fn store_credential(
        &self,
        tx: &Tx,
        account: account::Model,
        hashed: &HashedCredential,
    ) -> ServiceResult<Vec<i64>> {
        let now = self.now();
        let id = account.id;
        accounts::set_credential(tx, id, &hashed.phc, &hashed.key_id, now).await?;
        let revoked = tokens::revoke_live(tx, id, None, RevokeReason::CredentialSet, now).await?;
        self.retire_link_mails(tx, &revoked, "a new credential was set")
            .await?;
        Ok(revoked)
    }

    /// Looks a link up for its page: usable, or why not.
    pub async fn inspect_link(
        &self,
        token_text: &str,
    ) -> ServiceResult<Result<LinkInfo, LinkProblem>> {
        if !token::looks_like_token(token_text) {
            return Ok(Err(LinkProblem::Unknown));
        }
        let tx = self.store.begin_read().await?;
        let found = tokens::find_by_hash(&tx, &token::hash(token_text)).await?;
        tx.commit().await?;
        let Some(link) = found else {
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
        if !token::looks_like_token(token_text) {
            return Ok(Err(LinkProblem::Unknown));
        }
        let hash = token::hash(token_text);
        let tx = self.store.begin_read().await?;
        let found = tokens::find_by_hash(&tx, &hash).await?;
        tx.commit().await?;
        let Some(link) = found else {
            return Ok(Err(LinkProblem::Unknown));
        };
        if let Some(problem) = problem_of(link_state(&link, self.now())) {
            self.record_dead_link(&link.org, link.account_id, link.id, problem, client)
                .await?;
            return Ok(Err(problem));
        }
        let policy = self.org(&link.org)?.credential;
        policy::check_new(&policy, &first, &second).map_err(ServiceError::Policy)?;
        let hashed = self.hasher.hash_off_runtime(first).await;

        let now = self.now();
        let tx = self.store.begin_write().await?;
        if !tokens::consume(&tx, link.id, now).await? {
            // Lost a race with another redeem (or it expired meanwhile).
            tx.rollback().await?;
            return Ok(Err(LinkProblem::Used));
        }
        let account = accounts::get(&tx, link.account_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("account not found".into()))?;
        let org = self.org(&account.org)?;
        let revoked = self.store_credential(&tx, account, &hashed).await?;
        self.retire_link_mails(&tx, &[link.id], "link used").await?;
        let account = accounts::get(&tx, link.account_id)
            .await?
            .expect("just updated");
        self.queue_notice(
            &tx,
            &account,
            org,
            &account.email,
            MailTemplate::CredentialChanged,
        )
        .await?;
        self.audit(
            &tx,
            &super::Actor::patron(),
            "link.redeem",
            Some(&account.org),
            Some(account.id),
            json!({ "token_id": link.id, "client": client, "revoked_links": revoked }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(RedeemOutcome {
            account_id: account.id,
            org: account.org,
            purpose: link.purpose,
        }))
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
            &super::Actor::patron(),
            "link.redeem_refused",
            Some(org),
            Some(account_id),
            json!({ "token_id": token_id, "problem": problem, "client": client, "locked": locked }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a PIN/password the patron types at the desk, as a login
    /// would; a wrong one counts towards the lock.
    pub async fn test_credential(
        &self,
        staff: &Staff,
        account_id: i64,
        secret: Zeroizing<String>,
    ) -> ServiceResult<bool> {
        let tx = self.store.begin_read().await?;
        let account = load_visible(&tx, staff, account_id).await?;
        tx.commit().await?;
        let (Some(phc), Some(key_id)) = (
            account.credential_hash.clone(),
            account.credential_key_id.clone(),
        ) else {
            return Err(ServiceError::Refused(
                "the account has no PIN or password set".into(),
            ));
        };
        if account.locked_at.is_some() {
            return Err(ServiceError::Refused(
                "the account is locked: unlock it first".into(),
            ));
        }
        let ok = self
            .hasher
            .verify_off_runtime(secret, HashedCredential { phc, key_id })
            .await;
        let tx = self.store.begin_write().await?;
        let locked = if ok {
            false
        } else {
            accounts::record_failure(
                &tx,
                account_id,
                self.config.security.max_failed_attempts,
                self.now(),
            )
            .await?
        };
        self.audit_staff(
            &tx,
            staff,
            "credential.test",
            Some(&account.org),
            Some(account_id),
            json!({ "ok": ok, "locked": locked }),
        )
        .await?;
        tx.commit().await?;
        Ok(ok)
    }
}

fn problem_of(state: LinkState) -> Option<LinkProblem> {
    match state {
        LinkState::Active { .. } => None,
        LinkState::Used { .. } => Some(LinkProblem::Used),
        LinkState::Revoked { .. } => Some(LinkProblem::Revoked),
        LinkState::Expired { .. } => Some(LinkProblem::Expired),
    }
}
