//! Who may come in through the SSH door: each staff member's public keys
//! (added, listed and removed by an admin, audited), the login check a
//! verified key is put to, and the sessions it opens (recorded so any
//! process can list them, renewed while they run, ended with a reason).

use super::{Actor, ServiceError, ServiceResult, Services, Staff};
use crate::domain::sanitize::sanitize_line;
use crate::store::{ssh_rows, staff_rows};
use serde::Serialize;
use serde_json::json;

/// A session not renewed for this long is gone (its server died).
pub const SESSION_STALE_MS: i64 = 90_000;

/// A public key as the SSH door parsed it from an OpenSSH line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffKey {
    /// `SHA256:…`, as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
    /// Algorithm and key (`ssh-ed25519 AAAA…`), without the comment.
    pub public_key: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaffKeyListing {
    pub fingerprint: String,
    pub algorithm: String,
    pub comment: Option<String>,
    pub added_at: i64,
}

/// Why a key was not let in (for the audit; the client is told nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshRefusal {
    UnknownLogin,
    UnknownKey,
    Disabled,
}

impl SshRefusal {
    pub fn code(self) -> &'static str {
        match self {
            SshRefusal::UnknownLogin => "unknown_login",
            SshRefusal::UnknownKey => "unknown_key",
            SshRefusal::Disabled => "disabled",
        }
    }
}

/// An open session, for `avain ssh sessions`.
#[derive(Debug, Clone, Serialize)]
pub struct SshSessionView {
    pub id: i64,
    pub login: String,
    pub fingerprint: String,
    pub client: String,
    pub term: String,
    pub started_at: i64,
    pub last_seen: i64,
}

/// Where a session comes from.
pub struct SshOrigin<'a> {
    pub fingerprint: &'a str,
    pub client: &'a str,
    pub term: &'a str,
    /// The server process (its sessions end with it).
    pub owner: &'a str,
}

impl Services {
    /// Adds a key to a staff member (admin only).
    pub async fn add_staff_key(
        &self,
        admin: &Staff,
        login: &str,
        key: &StaffKey,
    ) -> ServiceResult<()> {
        admin.require_admin()?;
        let tx = self.store.begin_write().await?;
        let row = staff_rows::by_login(&tx, login)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no staff login {login:?}")))?;
        if ssh_rows::key(&tx, row.id, &key.fingerprint)
            .await?
            .is_some()
        {
            return Err(ServiceError::Refused(format!(
                "{login} already has the key {}",
                key.fingerprint
            )));
        }
        let comment = key.comment.as_deref().map(|c| sanitize_line(c, 200));
        let new = ssh_rows::NewKey {
            staff_id: row.id,
            fingerprint: &key.fingerprint,
            public_key: &key.public_key,
            comment: comment.as_deref(),
            added_by_staff: Some(admin.id),
        };
        ssh_rows::insert_key(&tx, new, self.now()).await?;
        let detail = json!({ "login": login, "fingerprint": key.fingerprint, "comment": comment });
        self.audit_staff(&tx, admin, "staff.key_add", None, None, detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A staff member's keys (admin only).
    pub async fn staff_keys(
        &self,
        admin: &Staff,
        login: &str,
    ) -> ServiceResult<Vec<StaffKeyListing>> {
        admin.require_admin()?;
        let tx = self.store.begin_read().await?;
        let row = staff_rows::by_login(&tx, login)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no staff login {login:?}")))?;
        let keys = ssh_rows::keys_of(&tx, row.id).await?;
        tx.commit().await?;
        Ok(keys
            .into_iter()
            .map(|k| StaffKeyListing {
                algorithm: k
                    .public_key
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                fingerprint: k.fingerprint,
                comment: k.comment,
                added_at: k.added_at,
            })
            .collect())
    }

    /// Removes a key (admin only); its open sessions end at their next check.
    pub async fn remove_staff_key(
        &self,
        admin: &Staff,
        login: &str,
        fingerprint: &str,
    ) -> ServiceResult<()> {
        admin.require_admin()?;
        let tx = self.store.begin_write().await?;
        let row = staff_rows::by_login(&tx, login)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no staff login {login:?}")))?;
        if !ssh_rows::delete_key(&tx, row.id, fingerprint).await? {
            return Err(ServiceError::NotFound(format!(
                "{login} has no key {fingerprint}"
            )));
        }
        let detail = json!({ "login": login, "fingerprint": fingerprint });
        self.audit_staff(&tx, admin, "staff.key_remove", None, None, detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The login check for a key whose signature the SSH door verified:
    /// the staff member, or why not. Both are audited.
    pub async fn ssh_login(
        &self,
        login: &str,
        fingerprint: &str,
        client: &str,
    ) -> ServiceResult<Result<Staff, SshRefusal>> {
        let tx = self.store.begin_write().await?;
        let row = staff_rows::by_login(&tx, login).await?;
        let verdict = match &row {
            None => Err(SshRefusal::UnknownLogin),
            Some(r) if ssh_rows::key(&tx, r.id, fingerprint).await?.is_none() => {
                Err(SshRefusal::UnknownKey)
            }
            Some(r) => self.staff_from_row(r).map_err(|_| SshRefusal::Disabled),
        };
        let shown_login = sanitize_line(login, 64);
        match &verdict {
            Ok(staff) => {
                let detail = json!({ "fingerprint": fingerprint, "client": client });
                self.audit_staff(&tx, staff, "ssh.login", None, None, detail)
                    .await?;
            }
            Err(why) => {
                let detail = json!({
                    "login": shown_login, "fingerprint": fingerprint,
                    "client": client, "reason": why.code(),
                });
                self.audit(&tx, &Actor::ssh(), "ssh.refused", None, None, detail)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(verdict)
    }

    /// Records a refusal after login (no terminal, too many sessions).
    pub async fn ssh_session_refused(
        &self,
        staff: &Staff,
        client: &str,
        reason: &str,
    ) -> ServiceResult<()> {
        let tx = self.store.begin_write().await?;
        let detail = json!({ "login": staff.login, "client": client, "reason": reason });
        self.audit(&tx, &Actor::ssh(), "ssh.refused", None, None, detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a console session starting; its id.
    pub async fn open_ssh_session(
        &self,
        staff: &Staff,
        origin: &SshOrigin<'_>,
    ) -> ServiceResult<i64> {
        let tx = self.store.begin_write().await?;
        let term = sanitize_line(origin.term, 60);
        let new = ssh_rows::NewSession {
            staff_id: staff.id,
            login: &staff.login,
            fingerprint: origin.fingerprint,
            client: origin.client,
            term: &term,
            owner: origin.owner,
        };
        let row = ssh_rows::insert_session(&tx, new, self.now()).await?;
        tx.commit().await?;
        Ok(row.id)
    }

    /// Renews a running session. False when it must end: its staff member
    /// was disabled or locked, or its key removed.
    pub async fn ssh_session_allowed(&self, session_id: i64) -> ServiceResult<bool> {
        Ok(self.ssh_sessions_withdrawn(&[session_id]).await?.is_empty())
    }

    /// Renews the running sessions `session_ids` in one transaction (one
    /// commit however many desks are open) and returns those that must
    /// end: staff disabled or locked, key removed, or the record gone.
    pub async fn ssh_sessions_withdrawn(&self, session_ids: &[i64]) -> ServiceResult<Vec<i64>> {
        let tx = self.store.begin_write().await?;
        let now = self.now();
        let mut withdrawn = Vec::new();
        let mut renewed = Vec::new();
        for &session_id in session_ids {
            let allowed = match ssh_rows::session(&tx, session_id).await? {
                None => false,
                Some(session) => match staff_rows::by_login(&tx, &session.login).await? {
                    Some(r) if self.staff_from_row(&r).is_ok() => {
                        ssh_rows::key(&tx, r.id, &session.fingerprint)
                            .await?
                            .is_some()
                    }
                    _ => false,
                },
            };
            if allowed {
                renewed.push(session_id);
            } else {
                withdrawn.push(session_id);
            }
        }
        ssh_rows::touch_sessions(&tx, &renewed, now).await?;
        tx.commit().await?;
        Ok(withdrawn)
    }

    /// Records a session's end (`quit`, `disabled`, `shutdown`, `closed`).
    pub async fn end_ssh_session(&self, session_id: i64, reason: &str) -> ServiceResult<()> {
        let tx = self.store.begin_write().await?;
        let Some(session) = ssh_rows::session(&tx, session_id).await? else {
            return Ok(());
        };
        let now = self.now();
        ssh_rows::end_session(&tx, session_id, reason, now).await?;
        let actor = Actor {
            name: format!("staff:{}", session.login),
            staff_id: Some(session.staff_id),
        };
        let detail = json!({
            "session": session_id, "reason": reason, "client": session.client,
            "seconds": (now - session.started_at) / 1000,
        });
        self.audit(&tx, &actor, "ssh.logout", None, None, detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sessions open now, on any server process (admin only).
    pub async fn ssh_sessions(&self, admin: &Staff) -> ServiceResult<Vec<SshSessionView>> {
        admin.require_admin()?;
        let tx = self.store.begin_read().await?;
        let rows = ssh_rows::open_sessions(&tx, self.now() - SESSION_STALE_MS).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|s| SshSessionView {
                id: s.id,
                login: s.login,
                fingerprint: s.fingerprint,
                client: s.client,
                term: s.term,
                started_at: s.started_at,
                last_seen: s.last_seen,
            })
            .collect())
    }
}
