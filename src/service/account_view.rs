//! Reading one account: finding it from what staff type, its full story
//! (cards, old addresses, links and their mails, self-service attempts,
//! notes), and revealing a masked field (audited).

use super::Freshness;
use super::{ServiceError, ServiceResult, Services, Staff};
use crate::domain::link::{LinkOrigin, LinkPurpose, LinkState, LinkTimes, state};
use crate::domain::mask::{mask_card, mask_email, mask_phone};
use crate::domain::policy::CredentialKind;
use crate::domain::verdict::CardStatus;
use crate::domain::{AccountStatus, DirectoryKind, OutboxStatus, SelfServiceOutcome};
use crate::store::entities::{account, attempt, card, email_history, note, outbox, reset_token};
use crate::store::{Tx, accounts, attempts, notes, outbox_rows, staff_rows, tokens};
use serde::Serialize;
use serde_json::json;

/// The account itself, personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub id: i64,
    pub org: String,
    pub org_name: String,
    pub login: Option<String>,
    pub external_id: Option<String>,
    pub full_name: String,
    pub email_masked: String,
    pub phone_masked: Option<String>,
    pub credential_kind: CredentialKind,
    pub has_credential: bool,
    pub credential_set_at: Option<i64>,
    pub legacy_credential: bool,
    pub must_set_credential: bool,
    pub failed_attempts: i32,
    pub locked_at: Option<i64>,
    pub lock_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CardView {
    pub id: i64,
    pub number_masked: String,
    pub status: CardStatus,
    pub changed_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviousEmailView {
    pub email_masked: String,
    /// When it stopped being the address on file, if known.
    pub until: Option<i64>,
    pub changed_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MailView {
    pub id: i64,
    pub template: crate::domain::MailTemplate,
    pub recipient_masked: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<i64>,
    pub last_answer: Option<String>,
    pub sent_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub id: i64,
    pub purpose: LinkPurpose,
    pub origin: LinkOrigin,
    /// Staff name, or "self-service" / "bulk".
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub sent_to_masked: String,
    #[serde(flatten)]
    pub state: LinkState,
    pub mails: Vec<MailView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptView {
    pub at: i64,
    pub accepted: bool,
    pub outcome: SelfServiceOutcome,
    pub card_codes: Vec<String>,
    pub email_codes: Vec<String>,
    pub client: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub at: i64,
    pub author: String,
    pub text: String,
}

/// Where the account really lives, when that is not avain.
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryView {
    pub system: DirectoryKind,
    pub address: String,
    pub freshness: Freshness,
    /// Locked in the directory (as of the freshness).
    pub locked: bool,
    /// Gone from the directory.
    pub removed: bool,
}

/// Everything staff see about one account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountDetail {
    pub account: AccountView,
    /// `None`: avain holds the account itself.
    pub directory: Option<DirectoryView>,
    pub cards: Vec<CardView>,
    pub previous_emails: Vec<PreviousEmailView>,
    pub links: Vec<LinkView>,
    /// Mails not tied to a link (notices).
    pub other_mails: Vec<MailView>,
    pub attempts: Vec<AttemptView>,
    pub notes: Vec<NoteView>,
}

/// Which masked field to reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevealField {
    Email,
    Phone,
    Card,
}

impl RevealField {
    pub fn code(self) -> &'static str {
        match self {
            RevealField::Email => "email",
            RevealField::Phone => "phone",
            RevealField::Card => "card",
        }
    }
}

/// Loads an account the staff member may see, or "not found".
pub(crate) async fn load_visible(tx: &Tx, staff: &Staff, id: i64) -> ServiceResult<account::Model> {
    let account = accounts::get(tx, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("account not found".into()))?;
    staff.require_org(&account.org, "account")?;
    Ok(account)
}

pub(crate) fn mail_view(m: &outbox::Model) -> MailView {
    MailView {
        id: m.id,
        template: m.template,
        recipient_masked: mask_email(&m.recipient),
        status: m.status,
        attempts: m.attempts,
        next_attempt_at: (m.status == OutboxStatus::Queued).then_some(m.next_attempt_at),
        last_answer: m.last_answer.clone(),
        sent_at: m.sent_at,
        created_at: m.created_at,
    }
}

pub(crate) fn link_state(t: &reset_token::Model, now: i64) -> LinkState {
    state(
        &LinkTimes {
            expires_at: t.expires_at,
            used_at: t.used_at,
            revoked_at: t.revoked_at,
            revoke_reason: t.revoke_reason,
        },
        now,
    )
}

fn account_view(a: &account::Model, org: &crate::config::OrgConfig) -> AccountView {
    AccountView {
        id: a.id,
        org_name: org.name.clone(),
        org: a.org.clone(),
        login: a.login.clone(),
        external_id: a.external_id.clone(),
        full_name: a.full_name.clone(),
        email_masked: mask_email(&a.email),
        phone_masked: a.phone.as_deref().map(mask_phone),
        credential_kind: org.credential.kind(),
        has_credential: a.credential_hash.is_some(),
        credential_set_at: a.credential_set_at,
        legacy_credential: a.legacy_credential,
        must_set_credential: a.must_set_credential,
        failed_attempts: a.failed_attempts,
        locked_at: a.locked_at,
        lock_reason: a.lock_reason.clone(),
    }
}

/// A link with who made it, its state now and its mails.
fn link_view(
    t: &reset_token::Model,
    creators: &[crate::store::entities::staff::Model],
    mails: &[outbox::Model],
    now: i64,
) -> LinkView {
    let created_by = match (t.origin, t.created_by_staff) {
        (LinkOrigin::Staff, Some(sid)) => creators
            .iter()
            .find(|s| s.id == sid)
            .map(|s| s.full_name.clone())
            .unwrap_or_else(|| format!("staff #{sid}")),
        (LinkOrigin::SelfService, _) => "self-service".into(),
        (LinkOrigin::Bulk, _) => "bulk".into(),
        (LinkOrigin::Staff, None) => "staff".into(),
    };
    LinkView {
        id: t.id,
        purpose: t.purpose,
        origin: t.origin,
        created_by,
        created_at: t.created_at,
        expires_at: t.expires_at,
        sent_to_masked: mask_email(&t.sent_to),
        state: link_state(t, now),
        mails: mails
            .iter()
            .filter(|m| m.token_id == Some(t.id))
            .map(mail_view)
            .collect(),
    }
}

impl Services {
    /// Accounts matching an identifier typed on the command line: a card
    /// number, a login or external id, or `#ID` / a bare id.
    pub async fn resolve_account(
        &self,
        staff: &Staff,
        text: &str,
    ) -> ServiceResult<account::Model> {
        let tx = self.store.begin_read().await?;
        let text = text.trim();
        let explicit_id = text.strip_prefix('#').or_else(|| text.strip_prefix("id:"));
        let mut found = match explicit_id {
            Some(_) => Vec::new(),
            None => accounts::find_by_identifier(&tx, &staff.orgs, text).await?,
        };
        if found.is_empty()
            && let Ok(id) = explicit_id.unwrap_or(text).parse::<i64>()
            && let Some(a) = accounts::get(&tx, id).await?
            && staff.can_see(&a.org)
        {
            found.push(a);
        }
        tx.commit().await?;
        match found.len() {
            0 => Err(ServiceError::NotFound(format!(
                "no account matches {text:?}"
            ))),
            1 => Ok(found.remove(0)),
            n => Err(ServiceError::Refused(format!(
                "{n} accounts match {text:?} (ids {}): use #ID",
                found
                    .iter()
                    .map(|a| a.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The whole story of one account as the mirror has it. Opening an
    /// account is audited.
    pub async fn account_detail(&self, staff: &Staff, id: i64) -> ServiceResult<AccountDetail> {
        self.load_detail(staff, id, true, None).await
    }

    /// The same after reading the account from its directory again (bounded
    /// by the short refresh limit; on no answer the mirror is shown and the
    /// detail says how old it is). What the console does when staff open
    /// an account, and `avain show --refresh`.
    pub async fn open_account(&self, staff: &Staff, id: i64) -> ServiceResult<AccountDetail> {
        let tx = self.store.begin_read().await?;
        let account = load_visible(&tx, staff, id).await?;
        tx.commit().await?;
        let freshness = self.refresh_account(&account).await?;
        self.load_detail(staff, id, true, Some(freshness)).await
    }

    /// The same, read again after a change or a delivered mail by someone
    /// who already opened it (the opening was audited; this is not).
    pub async fn reread_account_detail(
        &self,
        staff: &Staff,
        id: i64,
    ) -> ServiceResult<AccountDetail> {
        self.load_detail(staff, id, false, None).await
    }

    async fn load_detail(
        &self,
        staff: &Staff,
        id: i64,
        audited: bool,
        freshness: Option<Freshness>,
    ) -> ServiceResult<AccountDetail> {
        let now = self.now();
        let tx = if audited {
            self.store.begin_write().await?
        } else {
            self.store.begin_read().await?
        };
        let a = load_visible(&tx, staff, id).await?;
        let org = self.org(&a.org)?;
        let cards = accounts::cards_of(&tx, &[id]).await?;
        let history = accounts::email_history_of(&tx, &[id]).await?;
        let links = tokens::list_for_account(&tx, id).await?;
        let mails = outbox_rows::for_account(&tx, id).await?;
        let tries = attempts::for_account(&tx, id, 20).await?;
        let account_notes = notes::for_account(&tx, id).await?;
        let staff_ids: Vec<i64> = links.iter().filter_map(|l| l.created_by_staff).collect();
        let creators = staff_rows::by_ids(&tx, &staff_ids).await?;
        if audited {
            self.audit_staff(
                &tx,
                staff,
                "account.view",
                Some(&a.org),
                Some(id),
                json!({}),
            )
            .await?;
        }
        tx.commit().await?;

        let link_views = links
            .iter()
            .map(|t| link_view(t, &creators, &mails, now))
            .collect();
        let directory = self.directory(&a.org).map(|c| DirectoryView {
            system: c.directory.kind(),
            address: c.directory.address().to_string(),
            freshness: freshness.unwrap_or(Freshness::Mirror {
                read_at: a.directory_synced_at,
            }),
            locked: a.directory_locked,
            removed: a.status == AccountStatus::Removed,
        });
        Ok(AccountDetail {
            directory,
            account: account_view(&a, org),
            cards: cards.iter().map(card_view).collect(),
            previous_emails: history.iter().map(previous_email_view).collect(),
            links: link_views,
            other_mails: mails
                .iter()
                .filter(|m| m.token_id.is_none())
                .map(mail_view)
                .collect(),
            attempts: tries.iter().map(attempt_view).collect(),
            notes: account_notes.iter().map(note_view).collect(),
        })
    }

    /// The clear value of a masked field; every reveal is audited.
    pub async fn reveal(
        &self,
        staff: &Staff,
        id: i64,
        field: RevealField,
    ) -> ServiceResult<String> {
        let tx = self.store.begin_write().await?;
        let a = load_visible(&tx, staff, id).await?;
        let value = match field {
            RevealField::Email => Some(a.email.clone()),
            RevealField::Phone => a.phone.clone(),
            RevealField::Card => accounts::cards_of(&tx, &[id])
                .await?
                .into_iter()
                .find(|c| c.status == CardStatus::Active)
                .map(|c| c.number),
        }
        .ok_or_else(|| ServiceError::NotFound(format!("the account has no {}", field.code())))?;
        self.audit_staff(
            &tx,
            staff,
            "account.reveal",
            Some(&a.org),
            Some(id),
            json!({ "field": field.code() }),
        )
        .await?;
        tx.commit().await?;
        Ok(value)
    }
}

fn card_view(c: &card::Model) -> CardView {
    CardView {
        id: c.id,
        number_masked: mask_card(&c.number),
        status: c.status,
        changed_at: c.changed_at,
    }
}

fn previous_email_view(h: &email_history::Model) -> PreviousEmailView {
    PreviousEmailView {
        email_masked: mask_email(&h.email),
        until: (h.until_at > accounts::UNKNOWN_TIME).then_some(h.until_at),
        changed_by: h.changed_by.clone(),
    }
}

fn attempt_view(t: &attempt::Model) -> AttemptView {
    AttemptView {
        at: t.created_at,
        accepted: t.accepted,
        outcome: t.outcome,
        card_codes: crate::domain::attempt_reason::verdict_codes(&t.verdict, "card"),
        email_codes: crate::domain::attempt_reason::verdict_codes(&t.verdict, "email"),
        client: t.client.clone(),
    }
}

fn note_view(n: &note::Model) -> NoteView {
    NoteView {
        at: n.created_at,
        author: n.author.clone(),
        text: n.text.clone(),
    }
}
