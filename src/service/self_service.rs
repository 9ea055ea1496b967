//! The self-service form: a patron types a card number and email (or, for
//! an email-login organisation, an email). The answer is the same whatever
//! matched; the attempt and its verdict are kept for staff.

use super::Limit;
use super::{ServiceError, ServiceResult, Services};
pub use crate::domain::SelfServiceOutcome;
use crate::domain::attempt_reason::attempt_reason;
use crate::domain::link::{LinkOrigin, LinkPurpose};
use crate::domain::normalize::{MAX_EMAIL_CHARS, card_key, within_typed_limits};
use crate::domain::sanitize::sanitize_line;
use crate::store::{accounts, attempts, rate_limits};
use serde::Serialize;
use serde_json::json;

/// Longest typed value kept from a form.
const MAX_TYPED_CHARS: usize = MAX_EMAIL_CHARS;

#[derive(Debug, Clone, Serialize)]
pub struct SelfServiceResult {
    pub outcome: SelfServiceOutcome,
    pub account_id: Option<i64>,
    pub outbox_id: Option<i64>,
}

impl Services {
    /// Handles one submission of the form. `card` is `None` for
    /// organisations that log in by email.
    pub async fn self_service_request(
        &self,
        org_slug: &str,
        card: Option<&str>,
        email: &str,
        client: Option<&str>,
    ) -> ServiceResult<SelfServiceResult> {
        let org = self
            .config
            .org(org_slug)
            .ok_or_else(|| ServiceError::NotFound(format!("no organisation {org_slug:?}")))?;
        let card = if org.uses_cards() {
            Some(card.unwrap_or(""))
        } else {
            None
        };
        if !within_typed_limits(card, email) {
            return Err(ServiceError::BadInput(
                "the card number or email is longer than any real one".into(),
            ));
        }
        // A card named by many refused requests is being tried by someone:
        // its requests stop reaching the directory, but an exact request
        // (the patron's own) still gets its link from the mirror.
        let card_mark = card.map(|c| format!("{org_slug}:{}", card_key(c)));
        let card_flooded = match &card_mark {
            Some(mark) => self.rate_full(Limit::CardMismatch, mark).await?,
            None => false,
        };
        // A patron added to the directory since the last sync can still
        // reset; on no answer the mirror decides.
        if !card_flooded {
            self.refresh_for_verdict(org_slug, card, email).await?;
        }
        let tx = self.store.begin_write().await?;
        let verdict = self.decide_verdict(&tx, org_slug, card, email).await?;
        let account = match verdict.account_id {
            Some(id) if verdict.accepted => accounts::get(&tx, id).await?,
            _ => None,
        };
        let (outcome, sent) = match &account {
            None if card_flooded => (SelfServiceOutcome::RateLimited, None),
            None => (SelfServiceOutcome::Refused, None),
            Some(a) if a.locked_at.is_some() => (SelfServiceOutcome::Locked, None),
            Some(a) => {
                let purpose = LinkPurpose::for_account(a.must_set_credential, org.uses_cards());
                match self
                    .issue_link(&tx, a, org, purpose, LinkOrigin::SelfService, None)
                    .await
                {
                    Ok(sent) => (SelfServiceOutcome::LinkSent, Some(sent)),
                    Err(ServiceError::RateLimited { .. }) => {
                        (SelfServiceOutcome::RateLimited, None)
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let keep = |s: &str| sanitize_line(s, MAX_TYPED_CHARS);
        let codes = |f: &crate::domain::verdict::FieldVerdict| {
            f.reasons.iter().map(|r| r.code()).collect::<Vec<_>>()
        };
        attempts::insert(
            &tx,
            attempts::NewAttempt {
                org: org_slug.to_string(),
                account_id: verdict.account_id,
                card_typed: card.map(keep),
                email_typed: Some(keep(email)),
                accepted: verdict.accepted,
                verdict: serde_json::to_string(&verdict).expect("verdict serialises"),
                reason: attempt_reason(outcome, &codes(&verdict.card), &codes(&verdict.email)),
                outcome,
                client: client.map(|c| sanitize_line(c, 64)),
            },
            self.now(),
        )
        .await?;
        self.audit(
            &tx,
            &super::Actor::patron(),
            "selfservice.request",
            Some(org_slug),
            verdict.account_id,
            json!({
                "outcome": outcome.code(),
                "token_id": sent.as_ref().map(|s| s.token_id),
                "client": client,
            }),
        )
        .await?;
        if let (false, Some(mark)) = (verdict.accepted, &card_mark) {
            let bucket = self.rate_bucket(Limit::CardMismatch, mark);
            rate_limits::record(&tx, &bucket, self.rate_owner(), self.now()).await?;
        }
        tx.commit().await?;
        Ok(SelfServiceResult {
            outcome,
            account_id: verdict.account_id,
            outbox_id: sent.map(|s| s.outbox_id),
        })
    }

    /// Blanks typed values older than the configured retention.
    pub async fn forget_old_attempts(&self) -> ServiceResult<u64> {
        let days = i64::from(self.config.security.attempt_retention_days);
        let tx = self.store.begin_write().await?;
        let n = attempts::forget_typed_before(&tx, self.now() - days * 86_400_000).await?;
        tx.commit().await?;
        Ok(n)
    }
}
