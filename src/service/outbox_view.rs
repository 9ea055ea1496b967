//! Reading queued and sent mails; revealing the link inside one is audited.

use super::account_view::{MailView, mail_view};
use super::mail_queue::seal_context;
use super::{ServiceError, ServiceResult, Services, Staff};
use crate::store::{outbox_rows, tokens};
use serde::Serialize;
use serde_json::json;

/// One mail, with its link only when revealed.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    #[serde(flatten)]
    pub mail: MailView,
    pub org: String,
    pub account_id: Option<i64>,
    pub token_id: Option<i64>,
    pub language: crate::domain::Language,
    /// The link in clear; `None` unless revealed (or no longer kept).
    pub link: Option<String>,
}

impl Services {
    /// One mail. With `reveal`, the link in it (if still kept) is
    /// returned in clear, and the reveal is audited.
    pub async fn outbox_message(
        &self,
        staff: &Staff,
        id: i64,
        reveal: bool,
    ) -> ServiceResult<OutboxMessage> {
        let tx = self.store.begin_write().await?;
        let row = outbox_rows::get(&tx, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("mail not found".into()))?;
        staff.require_org(&row.org, "mail")?;
        let mut link = None;
        if reveal {
            // A queued link mail still holds a live link: taking it from
            // here is taking over the account, so only an admin may.
            if row.sealed_link.is_some() && row.token_id.is_some() {
                staff.require_admin()?;
            }
            if let (Some(sealed), Some(token_id)) = (&row.sealed_link, row.token_id) {
                let token = tokens::get(&tx, token_id)
                    .await?
                    .ok_or_else(|| ServiceError::NotFound("link not found".into()))?;
                link = self
                    .sealer()
                    .open(sealed, &seal_context(&token.token_hash))
                    .map(|l| l.to_string());
            }
            self.audit_staff(
                &tx,
                staff,
                "outbox.reveal",
                Some(&row.org),
                row.account_id,
                json!({ "outbox_id": id, "had_link": link.is_some() }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(OutboxMessage {
            mail: mail_view(&row),
            org: row.org,
            account_id: row.account_id,
            token_id: row.token_id,
            language: row.language,
            link,
        })
    }
}

impl Services {
    /// Newest mails of the staff member's organisations.
    pub async fn outbox_list(
        &self,
        staff: &Staff,
        status: Option<crate::domain::OutboxStatus>,
        limit: u64,
    ) -> ServiceResult<Vec<OutboxMessage>> {
        let tx = self.store.begin_read().await?;
        let rows = outbox_rows::list(&tx, &staff.orgs, status, limit).await?;
        tx.commit().await?;
        Ok(rows
            .iter()
            .map(|row| OutboxMessage {
                mail: mail_view(row),
                org: row.org.clone(),
                account_id: row.account_id,
                token_id: row.token_id,
                language: row.language,
                link: None,
            })
            .collect())
    }

    /// Makes mail waiting for a retry due now, after a mail server outage.
    /// Audited; returns how many mails were waiting.
    pub async fn retry_outbox_now(&self, staff: &Staff) -> ServiceResult<u64> {
        let tx = self.store.begin_write().await?;
        let count = outbox_rows::make_due(&tx, &staff.orgs, self.now()).await?;
        self.audit_staff(
            &tx,
            staff,
            "outbox.retry",
            None,
            None,
            serde_json::json!({ "mails": count }),
        )
        .await?;
        tx.commit().await?;
        Ok(count)
    }
}
