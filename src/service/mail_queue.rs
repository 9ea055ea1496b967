//! Putting mails into the outbox inside the caller's transaction, so a
//! link and the mail that carries it exist together or not at all.

use super::{ServiceResult, Services};
use crate::config::OrgConfig;
pub use crate::domain::MailTemplate;
use crate::domain::link::LinkPurpose;
use crate::store::entities::account;
use crate::store::{Tx, outbox_rows};
use serde_json::json;

/// The context a sealed link is bound to: the token's hash, so a sealed
/// value copied to another row does not open.
pub fn seal_context(token_hash: &str) -> String {
    format!("link:{token_hash}")
}

pub(crate) struct LinkMail<'a> {
    pub account_id: i64,
    pub email: &'a str,
    pub full_name: &'a str,
    pub org: &'a OrgConfig,
    pub token_id: i64,
    pub token_hash: &'a str,
    pub token_text: &'a str,
    pub purpose: LinkPurpose,
    pub expires_at: i64,
}

impl Services {
    /// The outbox row for a link mail; the link itself is sealed.
    pub(crate) fn link_mail(&self, m: LinkMail<'_>) -> outbox_rows::NewMail {
        let link = m.org.link_base_url.join(&format!("link/{}", m.token_text));
        outbox_rows::NewMail {
            org: m.org.slug.to_string(),
            account_id: Some(m.account_id),
            token_id: Some(m.token_id),
            recipient: m.email.to_string(),
            template: MailTemplate::for_link(m.purpose, m.org.credential.kind()),
            language: m.org.language,
            params: json!({
                "org_name": m.org.name,
                "full_name": m.full_name,
                "expires_at": m.expires_at,
                "help_contact": m.org.help_contact,
            })
            .to_string(),
            sealed_link: Some(self.sealer().seal(&link, &seal_context(m.token_hash))),
        }
    }

    pub(crate) async fn queue_link_mail(&self, tx: &Tx, m: LinkMail<'_>) -> ServiceResult<i64> {
        let row = outbox_rows::insert(tx, self.link_mail(m), self.now()).await?;
        Ok(row.id)
    }

    /// A notice without a link (credential changed, email changed).
    pub(crate) async fn queue_notice(
        &self,
        tx: &Tx,
        account: &account::Model,
        org: &OrgConfig,
        recipient: &str,
        template: MailTemplate,
    ) -> ServiceResult<i64> {
        let row = outbox_rows::insert(
            tx,
            outbox_rows::NewMail {
                org: org.slug.to_string(),
                account_id: Some(account.id),
                token_id: None,
                recipient: recipient.to_string(),
                template,
                language: org.language,
                params: json!({
                    "org_name": org.name,
                    "full_name": account.full_name,
                    "at": self.now(),
                    "help_contact": org.help_contact,
                })
                .to_string(),
                sealed_link: None,
            },
            self.now(),
        )
        .await?;
        Ok(row.id)
    }
}
