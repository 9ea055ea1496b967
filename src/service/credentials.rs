//! Setting PINs and passwords at the desk (typed or generated) and
//! checking one the patron says. Where an organisation has a system of
//! record, the new credential goes there first and avain keeps no hash of
//! its own; avain records the change only after the directory took it.

use super::account_view::load_visible;
use super::directory_push::Change;
use super::mail_queue::MailTemplate;
use super::{Actor, ServiceError, ServiceResult, Services, Staff};
use crate::directory::CredentialCheck;
use crate::domain::AccountStatus;
use crate::domain::link::RevokeReason;
use crate::domain::policy;
use crate::secrets::HashedCredential;
use crate::store::entities::account;
use crate::store::{Tx, accounts, tokens};
use serde_json::json;
use std::time::Duration;
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

impl Services {
    /// Sets a PIN/password at the desk. Returns the generated secret, once.
    pub async fn set_credential(
        &self,
        staff: &Staff,
        account_id: i64,
        new: NewCredential,
    ) -> ServiceResult<Option<Zeroizing<String>>> {
        let account = {
            let tx = self.store.begin_read().await?;
            let a = load_visible(&tx, staff, account_id).await?;
            tx.commit().await?;
            a
        };
        self.refuse_removed(&account)?;
        let policy = self.org(&account.org)?.credential;
        let (secret, generated) = match new {
            NewCredential::Typed { first, second } => {
                policy::check_new(&policy, &first, &second).map_err(ServiceError::Policy)?;
                (first, false)
            }
            NewCredential::Generate => (Zeroizing::new(policy::generate(&policy)), true),
        };
        let hashed = if self.directory(&account.org).is_some() {
            self.push_change(
                &account,
                Change::Credential(&secret),
                &Actor::staff(staff),
                None,
            )
            .await?;
            None
        } else {
            // Hash before the write transaction: ~20 ms of CPU must not hold the lock.
            Some(self.hasher.hash_off_runtime(secret.clone()).await)
        };
        let tx = self.store.begin_write().await?;
        let account = load_visible(&tx, staff, account_id).await?;
        let org = self.org(&account.org)?;
        let revoked = self
            .store_credential(&tx, &account, hashed.as_ref())
            .await?;
        self.audit_staff(
            &tx,
            staff,
            "credential.set",
            Some(&account.org),
            Some(account_id),
            json!({ "generated": generated, "revoked_links": revoked, "system": org.directory.kind() }),
        )
        .await?;
        tx.commit().await?;
        Ok(generated.then_some(secret))
    }

    /// Records a new credential and clears what it fixes: the legacy flag,
    /// the first-login flag, failures and the lock. Live links die, and the
    /// patron is told by mail. With a system of record (`hashed` is `None`)
    /// avain keeps no hash.
    pub(crate) async fn store_credential(
        &self,
        tx: &Tx,
        account: &account::Model,
        hashed: Option<&HashedCredential>,
    ) -> ServiceResult<Vec<i64>> {
        let now = self.now();
        let id = account.id;
        let hash = hashed.map(|h| (h.phc.as_str(), h.key_id.as_str()));
        accounts::set_credential(tx, id, hash, now).await?;
        let revoked = tokens::revoke_live(tx, id, None, RevokeReason::CredentialSet, now).await?;
        self.retire_link_mails(tx, &revoked, "a new credential was set")
            .await?;
        let updated = accounts::get(tx, id).await?.expect("just updated");
        let org = self.org(&account.org)?;
        self.queue_notice(
            tx,
            &updated,
            org,
            &updated.email,
            MailTemplate::CredentialChanged,
        )
        .await?;
        Ok(revoked)
    }

    /// No change can reach an account its directory no longer has.
    pub(crate) fn refuse_removed(&self, account: &account::Model) -> ServiceResult<()> {
        if account.status == AccountStatus::Removed {
            let kind = self.org(&account.org)?.directory.kind();
            return Err(ServiceError::Removed { kind });
        }
        Ok(())
    }

    /// Checks a PIN/password the patron types at the desk, as a login
    /// would; a wrong one counts towards the lock (in the directory, where
    /// the organisation has one).
    pub async fn test_credential(
        &self,
        staff: &Staff,
        account_id: i64,
        secret: Zeroizing<String>,
    ) -> ServiceResult<bool> {
        let tx = self.store.begin_read().await?;
        let account = load_visible(&tx, staff, account_id).await?;
        tx.commit().await?;
        if let Some(connection) = self.directory(&account.org) {
            return self
                .test_in_directory(staff, &account, connection, &secret)
                .await;
        }
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

    async fn test_in_directory(
        &self,
        staff: &Staff,
        account: &account::Model,
        connection: &crate::directory::Connection,
        secret: &str,
    ) -> ServiceResult<bool> {
        let kind = connection.directory.kind();
        let Some(id) = account.external_id.as_deref() else {
            return Err(ServiceError::CannotCheck { kind });
        };
        let limit = Duration::from_secs(connection.timing.timeout_seconds);
        let answer = tokio::time::timeout(limit, connection.directory.check_credential(id, secret))
            .await
            .unwrap_or_else(|_| {
                Err(crate::directory::DirectoryError::Unavailable(
                    "no answer in time".into(),
                ))
            })
            .map_err(|error| ServiceError::Directory { kind, error })?;
        let ok = match answer {
            CredentialCheck::Matches => true,
            CredentialCheck::Wrong => false,
            CredentialCheck::CannotCheck => return Err(ServiceError::CannotCheck { kind }),
        };
        let tx = self.store.begin_write().await?;
        self.audit_staff(
            &tx,
            staff,
            "credential.test",
            Some(&account.org),
            Some(account.id),
            json!({ "ok": ok, "system": kind }),
        )
        .await?;
        tx.commit().await?;
        Ok(ok)
    }
}
