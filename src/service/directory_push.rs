//! Sending one change to an organisation's system of record before avain
//! records it as done. The push is noted first (so a process that ends in
//! the middle leaves a trace `avain check` reports), then sent with the
//! organisation's time limit, then finished; a failed push is audited.
//! The secret travels in this call only: never written, never logged.

use super::{Actor, ServiceError, ServiceResult, Services};
use crate::directory::{Connection, DirectoryError};
use crate::store::entities::account;
use crate::store::mirror;
use serde_json::json;
use std::time::Duration;

/// What a push changes.
pub(crate) enum Change<'a> {
    Credential(&'a str),
    Email(&'a str),
    Unlock,
}

impl Change<'_> {
    fn code(&self) -> &'static str {
        match self {
            Change::Credential(_) => "credential",
            Change::Email(_) => "email",
            Change::Unlock => "unlock",
        }
    }
}

/// The outcome code kept in the push log.
fn outcome_code(e: &DirectoryError) -> &'static str {
    match e {
        DirectoryError::Refused { .. } => "refused",
        DirectoryError::Unavailable(_) => "unavailable",
        DirectoryError::NotFound => "not_found",
        DirectoryError::Setup(_) => "setup",
    }
}

impl Services {
    /// Sends `change` to the account's directory. `Ok` when it took it, or
    /// when the organisation has none (avain itself holds the account).
    pub(crate) async fn push_change(
        &self,
        account: &account::Model,
        change: Change<'_>,
        actor: &Actor,
        token_id: Option<i64>,
    ) -> ServiceResult<()> {
        let Some(connection) = self.directory(&account.org) else {
            return Ok(());
        };
        let Some(id) = account.external_id.as_deref() else {
            return Err(ServiceError::Refused(
                "the account is not linked to its directory yet: run `avain sync` first".into(),
            ));
        };
        let tx = self.store.begin_write().await?;
        let push_id = mirror::start_push(
            &tx,
            &account.org,
            account.id,
            change.code(),
            &actor.name,
            token_id,
            self.now(),
        )
        .await?;
        tx.commit().await?;

        let result = send(connection, id, &change).await;

        let tx = self.store.begin_write().await?;
        match &result {
            Ok(()) => {
                mirror::finish_push(&tx, push_id, "ok", None, self.now()).await?;
            }
            Err(e) => {
                let detail = e.to_string();
                mirror::finish_push(&tx, push_id, outcome_code(e), Some(&detail), self.now())
                    .await?;
                self.audit(
                    &tx,
                    actor,
                    "directory.push_failed",
                    Some(&account.org),
                    Some(account.id),
                    json!({
                        "change": change.code(),
                        "system": connection.directory.kind(),
                        "outcome": outcome_code(e),
                        "detail": crate::text::safe(&detail),
                        "token_id": token_id,
                    }),
                )
                .await?;
            }
        }
        tx.commit().await?;
        if let Err(e) = &result {
            tracing::warn!(org = %account.org, account = account.id, change = change.code(), error = %e, "directory push failed");
        }
        result.map_err(|error| ServiceError::Directory {
            kind: connection.directory.kind(),
            error,
        })
    }
}

/// One call, bounded by the organisation's time limit.
async fn send(
    connection: &Connection,
    id: &str,
    change: &Change<'_>,
) -> Result<(), DirectoryError> {
    let limit = Duration::from_secs(connection.timing.timeout_seconds);
    let d = &connection.directory;
    let call = async {
        match change {
            Change::Credential(secret) => d.set_credential(id, secret).await,
            Change::Email(email) => d.set_email(id, email).await,
            Change::Unlock => d.unlock(id).await,
        }
    };
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => Err(DirectoryError::Unavailable(format!(
            "no answer in {} s",
            limit.as_secs()
        ))),
    }
}
