//! Checking a caller's card number and email exactly as the self-service
//! form would, and recording that staff did.

use super::{Freshness, ServiceError, ServiceResult, Services, Staff};
use crate::domain::verdict::{MatchVerdict, Typed, decide};
use crate::store::{Tx, accounts};
use serde::Serialize;
use serde_json::json;

/// A verdict and the organisation it was decided in.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub org: String,
    #[serde(flatten)]
    pub verdict: MatchVerdict,
    /// Whether the accounts compared were read from the directory just now.
    pub freshness: Freshness,
}

impl Services {
    /// The verdict in `org`, or, without one, in the first organisation
    /// the staff member sees that knows the card or the email (organisations
    /// without cards are skipped when a card is typed). With nothing known
    /// anywhere, the verdict of the first organisation tried.
    pub async fn verify_in(
        &self,
        staff: &Staff,
        org: Option<&str>,
        card: Option<&str>,
        email: &str,
    ) -> ServiceResult<Verification> {
        if !crate::domain::normalize::within_typed_limits(card, email) {
            return Err(ServiceError::BadInput(
                "the card number or email is longer than any real one".into(),
            ));
        }
        let orgs: Vec<String> = match org {
            Some(o) => vec![o.to_string()],
            None => self
                .config
                .orgs
                .iter()
                .filter(|o| staff.can_see(o.slug.as_str()))
                .filter(|o| card.is_none() || o.uses_cards())
                .map(|o| o.slug.to_string())
                .collect(),
        };
        let mut first = None;
        for org in orgs {
            let (verdict, freshness) = self.verify_fresh(staff, &org, card, email).await?;
            let found = verdict.account_id.is_some();
            let outcome = Verification {
                org,
                verdict,
                freshness,
            };
            if found {
                return Ok(outcome);
            }
            first.get_or_insert(outcome);
        }
        first.ok_or_else(|| ServiceError::NotFound("no organisation to check in".into()))
    }

    /// The verdict for a card + email in one organisation. For
    /// organisations without cards, pass `card = None`.
    pub async fn verify(
        &self,
        staff: &Staff,
        org: &str,
        card: Option<&str>,
        email: &str,
    ) -> ServiceResult<MatchVerdict> {
        Ok(self.verify_fresh(staff, org, card, email).await?.0)
    }

    /// The verdict, after re-reading the accounts concerned from the
    /// organisation's directory, and how fresh they were.
    async fn verify_fresh(
        &self,
        staff: &Staff,
        org: &str,
        card: Option<&str>,
        email: &str,
    ) -> ServiceResult<(MatchVerdict, Freshness)> {
        staff.require_known_org(org)?;
        let org_config = self.org(org)?;
        let card = if org_config.uses_cards() { card } else { None };
        let freshness = self.refresh_for_verdict(org, card, email).await?;
        let tx = self.store.begin_write().await?;
        let verdict = self.decide_verdict(&tx, org, card, email).await?;
        self.audit_staff(
            &tx,
            staff,
            "verify",
            Some(org),
            verdict.account_id,
            json!({
                "accepted": verdict.accepted,
                "card": verdict.card.reasons.iter().map(|r| r.code()).collect::<Vec<_>>(),
                "email": verdict.email.reasons.iter().map(|r| r.code()).collect::<Vec<_>>(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok((verdict, freshness))
    }

    /// The pure decision over the candidates of the organisation.
    pub(crate) async fn decide_verdict(
        &self,
        tx: &Tx,
        org: &str,
        card: Option<&str>,
        email: &str,
    ) -> ServiceResult<MatchVerdict> {
        let rule = self.org(org)?.email_match();
        let candidates = accounts::verdict_candidates(tx, org, card, email).await?;
        Ok(decide(&Typed { card, email }, &candidates, rule))
    }
}
