//! Changing an account's data at the desk: the email on file (after an
//! identity check), the lock, and contact notes.

use super::account_view::load_visible;
use super::directory_push::Change;
use super::mail_queue::MailTemplate;
use super::{Actor, ServiceError, ServiceResult, Services, Staff};
use crate::domain::link::RevokeReason;
use crate::domain::normalize::{email_key, is_plausible_email};
use crate::store::entities::account;
use crate::store::{Tx, accounts, mirror, notes, tokens};
use serde::Serialize;
use serde_json::json;

/// Longest note kept.
pub const MAX_NOTE_CHARS: usize = 4000;

/// How staff made sure the caller owns the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityCheck {
    /// Photo ID at the desk.
    InPerson,
    /// Called back on the number on file.
    PhoneCallback,
    /// Something else, described in the note.
    Other,
}

impl IdentityCheck {
    pub fn code(self) -> &'static str {
        match self {
            IdentityCheck::InPerson => "in-person",
            IdentityCheck::PhoneCallback => "phone-callback",
            IdentityCheck::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "in-person" => Some(IdentityCheck::InPerson),
            "phone-callback" => Some(IdentityCheck::PhoneCallback),
            "other" => Some(IdentityCheck::Other),
            _ => None,
        }
    }
}

impl Services {
    /// Replaces the email on file. The old address goes to the history,
    /// links sent to it die, and it gets a notice of the change.
    pub async fn change_email(
        &self,
        staff: &Staff,
        account_id: i64,
        new_email: &str,
        checked: IdentityCheck,
        note: Option<&str>,
    ) -> ServiceResult<()> {
        let (new_email, note) = checked_email_change(new_email, checked, note)?;
        let account = {
            let tx = self.store.begin_read().await?;
            let a = load_visible(&tx, staff, account_id).await?;
            tx.commit().await?;
            a
        };
        if account.email == new_email {
            return Err(ServiceError::Refused(
                "that is already the address on file".into(),
            ));
        }
        self.refuse_removed(&account)?;
        self.push_change(
            &account,
            Change::Email(new_email),
            &Actor::staff(staff),
            None,
        )
        .await?;
        let now = self.now();
        let tx = self.store.begin_write().await?;
        let account = load_visible(&tx, staff, account_id).await?;
        let org = self.org(&account.org)?;
        let others = accounts::with_email_key(&tx, &account.org, &email_key(new_email)).await?;
        let shared_with = others.iter().filter(|a| a.id != account_id).count();
        let dead = self
            .replace_email(&tx, staff, &account, new_email, now)
            .await?;
        let updated = accounts::get(&tx, account_id).await?.expect("just updated");
        accounts::refresh_terms(&tx, &updated).await?;
        self.queue_notice(
            &tx,
            &updated,
            org,
            &account.email,
            MailTemplate::EmailChanged,
        )
        .await?;
        if let Some(text) = note {
            notes::insert(
                &tx,
                account_id,
                &account.org,
                Some(staff.id),
                &staff.name,
                text,
                now,
            )
            .await?;
        }
        self.audit_staff(
            &tx,
            staff,
            "email.change",
            Some(&account.org),
            Some(account_id),
            json!({ "checked_by": checked.code(), "revoked_links": dead, "shared_with": shared_with, "note": note.is_some() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the old address as an earlier one, sets the new one, and
    /// revokes live links mailed elsewhere. Returns the revoked links.
    async fn replace_email(
        &self,
        tx: &Tx,
        staff: &Staff,
        account: &account::Model,
        new_email: &str,
        now: i64,
    ) -> ServiceResult<Vec<i64>> {
        let changed_by = Some(staff.login.clone());
        accounts::add_previous_email(tx, account, &account.email, now, changed_by).await?;
        accounts::set_email(tx, account.id, new_email, now).await?;
        let dead = tokens::live_not_sent_to(tx, account.id, new_email, now).await?;
        tokens::revoke_ids(tx, &dead, RevokeReason::EmailChanged, now).await?;
        self.retire_link_mails(tx, &dead, "the email on file changed")
            .await?;
        Ok(dead)
    }

    /// Clears the lock and the failure count.
    pub async fn unlock(&self, staff: &Staff, account_id: i64, reason: &str) -> ServiceResult<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::BadInput("unlocking needs a reason".into()));
        }
        let account = {
            let tx = self.store.begin_read().await?;
            let a = load_visible(&tx, staff, account_id).await?;
            tx.commit().await?;
            a
        };
        let in_directory = self.directory(&account.org).is_some();
        if account.locked_at.is_none()
            && account.failed_attempts == 0
            && !(in_directory && account.directory_locked)
        {
            return Err(ServiceError::Refused("the account is not locked".into()));
        }
        self.refuse_removed(&account)?;
        // The directory's own lock goes first: the patron logs in there.
        self.push_change(&account, Change::Unlock, &Actor::staff(staff), None)
            .await?;
        let tx = self.store.begin_write().await?;
        let account = load_visible(&tx, staff, account_id).await?;
        accounts::unlock(&tx, account_id, self.now()).await?;
        if in_directory {
            mirror::set_directory_locked(&tx, account_id, false).await?;
        }
        self.audit_staff(
            &tx,
            staff,
            "account.unlock",
            Some(&account.org),
            Some(account_id),
            json!({ "reason": reason, "failed_attempts": account.failed_attempts }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a contact note.
    pub async fn add_note(&self, staff: &Staff, account_id: i64, text: &str) -> ServiceResult<()> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ServiceError::BadInput("the note is empty".into()));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(ServiceError::BadInput(format!(
                "a note may have at most {MAX_NOTE_CHARS} characters"
            )));
        }
        let tx = self.store.begin_write().await?;
        let account = load_visible(&tx, staff, account_id).await?;
        let note = notes::insert(
            &tx,
            account_id,
            &account.org,
            Some(staff.id),
            &staff.name,
            text,
            self.now(),
        )
        .await?;
        self.audit_staff(
            &tx,
            staff,
            "note.add",
            Some(&account.org),
            Some(account_id),
            json!({ "note_id": note.id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The new address and note of an email change, trimmed, once they pass:
/// the address must look like one, and an identity checked by "other"
/// needs a note saying how.
fn checked_email_change<'a>(
    new_email: &'a str,
    checked: IdentityCheck,
    note: Option<&'a str>,
) -> ServiceResult<(&'a str, Option<&'a str>)> {
    let new_email = new_email.trim();
    if !is_plausible_email(new_email) {
        return Err(ServiceError::BadInput(format!(
            "{new_email:?} is not an email address"
        )));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if checked == IdentityCheck::Other && note.is_none() {
        return Err(ServiceError::BadInput(
            "identity checked by \"other\" needs a note saying how".into(),
        ));
    }
    Ok((new_email, note))
}
