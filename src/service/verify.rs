//! Checking a caller's card number and email exactly as the self-service
//! form would, and recording that staff did.

use super::{ServiceResult, Services, Staff};
use crate::domain::verdict::{MatchVerdict, Typed, decide};
use crate::store::{Tx, accounts};
use serde_json::json;

impl Services {
    /// The verdict for a card + email in one organisation. For
    /// organisations without cards, pass `card = None`.
    pub async fn verify(
        &self,
        staff: &Staff,
        org: &str,
        card: Option<&str>,
        email: &str,
    ) -> ServiceResult<MatchVerdict> {
        staff.require_org(org, "organisation")?;
        let org_config = self.org(org)?;
        let card = if org_config.uses_cards() { card } else { None };
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
        Ok(verdict)
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
