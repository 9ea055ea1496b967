//! The card + email verdict: any input gets a verdict, and the form's rule
//! holds: "accepted" only when an account really has that active card and
//! that email, byte for byte (or by key, for email-login organisations).
#![no_main]

use avain::domain::normalize::email_key;
use avain::domain::verdict::{
    Candidate, CandidateCard, CardStatus, EmailMatch, PreviousEmail, Typed, decide,
};
use libfuzzer_sys::fuzz_target;

type RawCandidate = (String, Vec<(String, u8)>, Vec<String>);

fuzz_target!(|input: (Option<String>, String, Vec<RawCandidate>, bool)| {
    let (card, email, raw, case_insensitive) = input;
    let candidates: Vec<Candidate> = raw
        .into_iter()
        .take(8)
        .enumerate()
        .map(|(i, (email, cards, previous))| Candidate {
            account_id: i as i64 + 1,
            email,
            cards: cards
                .into_iter()
                .take(4)
                .map(|(number, status)| CandidateCard {
                    number,
                    status: match status % 3 {
                        0 => CardStatus::Active,
                        1 => CardStatus::Replaced,
                        _ => CardStatus::Lost,
                    },
                })
                .collect(),
            previous_emails: previous
                .into_iter()
                .take(3)
                .enumerate()
                .map(|(n, email)| PreviousEmail {
                    email,
                    until_ms: Some(n as i64 * 86_400_000),
                })
                .collect(),
        })
        .collect();
    let rule = if case_insensitive {
        EmailMatch::CaseInsensitive
    } else {
        EmailMatch::Exact
    };
    let typed = Typed {
        card: card.as_deref(),
        email: &email,
    };
    let verdict = decide(&typed, &candidates, rule);
    assert!(!verdict.card.reasons.is_empty() && !verdict.email.reasons.is_empty());
    if verdict.accepted {
        let id = verdict.account_id.expect("accepted names an account");
        let account = candidates.iter().find(|c| c.account_id == id).unwrap();
        if let Some(card) = typed.card {
            assert!(
                account
                    .cards
                    .iter()
                    .any(|c| c.status == CardStatus::Active && c.number == card),
                "accepted a card the account does not have as typed"
            );
        }
        match rule {
            EmailMatch::Exact => assert_eq!(account.email, email),
            EmailMatch::CaseInsensitive => assert_eq!(email_key(&account.email), email_key(&email)),
        }
    }
});
