//! Why a self-service attempt ended as it did, in one code, so attempts can
//! be counted by cause: `accepted`, `locked`, `rate_limited`, or the first
//! refusal reason with its field (`card_old_card`, `email_case_differs`).
//! The card comes first: it is what identifies the patron.

use super::SelfServiceOutcome;

/// The code for an attempt, from its outcome and the reason codes of its
/// card and email (as the verdict lists them).
pub fn attempt_reason(outcome: SelfServiceOutcome, card: &[&str], email: &[&str]) -> String {
    match outcome {
        SelfServiceOutcome::LinkSent => return "accepted".into(),
        SelfServiceOutcome::Locked => return "locked".into(),
        // A refusal the verdict explains is counted by its reason even when
        // the card was also flooded; only an accepted pair is "rate_limited".
        SelfServiceOutcome::RateLimited | SelfServiceOutcome::Refused => {}
    }
    let reason = |field: &str, codes: &[&str]| {
        codes
            .iter()
            .find(|c| !matches!(**c, "exact" | "not_used"))
            .map(|c| format!("{field}_{c}"))
    };
    reason("card", card)
        .or_else(|| reason("email", email))
        .unwrap_or_else(|| match outcome {
            SelfServiceOutcome::RateLimited => "rate_limited".into(),
            _ => "other".into(),
        })
}

/// The reason codes of one field in a stored verdict (JSON).
pub fn verdict_codes(verdict_json: &str, field: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(verdict_json)
        .ok()
        .and_then(|v| {
            v[field]["reasons"].as_array().map(|a| {
                a.iter()
                    .filter_map(|r| r["code"].as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// `attempt_reason` for a stored attempt.
pub fn stored_attempt_reason(outcome: SelfServiceOutcome, verdict_json: &str) -> String {
    let card = verdict_codes(verdict_json, "card");
    let email = verdict_codes(verdict_json, "email");
    let card: Vec<&str> = card.iter().map(String::as_str).collect();
    let email: Vec<&str> = email.iter().map(String::as_str).collect();
    attempt_reason(outcome, &card, &email)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SelfServiceOutcome as O;

    #[test]
    fn the_card_comes_first_then_the_email() {
        assert_eq!(
            attempt_reason(O::LinkSent, &["exact"], &["exact"]),
            "accepted"
        );
        assert_eq!(attempt_reason(O::Locked, &["exact"], &["exact"]), "locked");
        assert_eq!(
            attempt_reason(O::Refused, &["exact"], &["case_differs", "previous_email"]),
            "email_case_differs"
        );
        assert_eq!(
            attempt_reason(O::Refused, &["old_card"], &["email_unknown"]),
            "card_old_card"
        );
        assert_eq!(
            attempt_reason(O::Refused, &["not_used"], &["typo"]),
            "email_typo"
        );
        assert_eq!(
            attempt_reason(O::RateLimited, &["exact"], &["exact"]),
            "rate_limited"
        );
        assert_eq!(
            attempt_reason(O::RateLimited, &["card_unknown"], &[]),
            "card_card_unknown"
        );
        assert_eq!(attempt_reason(O::Refused, &[], &[]), "other");
        let stored = r#"{"accepted":false,"card":{"reasons":[{"code":"exact"}]},"email":{"reasons":[{"code":"whitespace"}]}}"#;
        assert_eq!(
            stored_attempt_reason(O::Refused, stored),
            "email_whitespace"
        );
        assert_eq!(stored_attempt_reason(O::Refused, "not json"), "other");
    }
}
