//! The card + email match verdict: would the self-service form accept what
//! the caller types, and if not, why, per field, in stable reason codes.
//!
//! The form accepts only when the card number and the email are *exactly*
//! what is stored (the library rule). An organisation that logs in by email
//! may instead compare emails case-insensitively ([`EmailMatch`]). The
//! service layer gathers the candidate accounts; this module only decides.

use super::codes::code_enum;
use super::mask::{last_chars, mask_card, mask_email};
use super::normalize::{card_key, email_key};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Largest edit distance still reported as a typo.
pub const MAX_TYPO_DISTANCE: usize = 2;

/// How the form compares emails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum EmailMatch {
    /// Byte for byte, as stored (the library form).
    #[default]
    Exact,
    /// Trimmed, composed and case-folded (an email-login service).
    CaseInsensitive,
}

code_enum!(
    /// A library card's state.
    CardStatus { Active = "active", Replaced = "replaced", Lost = "lost" }
);

/// One card of a candidate account.
#[derive(Debug, Clone)]
pub struct CandidateCard {
    pub number: String,
    pub status: CardStatus,
}

/// An address a candidate account had before; `until_ms` is when it changed.
#[derive(Debug, Clone)]
pub struct PreviousEmail {
    pub email: String,
    pub until_ms: Option<i64>,
}

/// An account that shares the typed card key or email key (now or before).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub account_id: i64,
    pub email: String,
    pub cards: Vec<CandidateCard>,
    pub previous_emails: Vec<PreviousEmail>,
}

impl Candidate {
    fn active_card(&self) -> Option<&CandidateCard> {
        self.cards.iter().find(|c| c.status == CardStatus::Active)
    }

    fn card_with_key(&self, key: &str) -> Option<&CandidateCard> {
        self.cards.iter().find(|c| card_key(&c.number) == key)
    }
}

/// One reason about one field. Codes are stable (`code()`); the console
/// and the command line turn them into words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// Exactly as stored.
    Exact,
    /// Same letters, different case.
    CaseDiffers,
    /// Extra or missing spaces (or dashes, in a card number).
    Whitespace,
    /// The same text in another Unicode form (e.g. "a" + ring vs "å").
    UnicodeForm,
    /// Within two edits of the stored value; `position` is the first
    /// differing character, counted from 1.
    Typo { position: usize, distance: usize },
    /// An address this account had before.
    PreviousEmail { until_ms: Option<i64> },
    /// A card of this account that is no longer active.
    OldCard {
        status: CardStatus,
        active_ends: Option<String>,
    },
    /// Other accounts of the organisation have this email too.
    EmailShared { accounts: usize },
    /// No card of the organisation has this number.
    CardUnknown,
    /// No account of the organisation has (or had) this email.
    EmailUnknown,
    /// The card is known but its account has a different email.
    OtherEmail,
    /// The organisation does not use cards; the field is not checked.
    NotUsed,
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Exact => "exact",
            Reason::CaseDiffers => "case_differs",
            Reason::Whitespace => "whitespace",
            Reason::UnicodeForm => "unicode_form",
            Reason::Typo { .. } => "typo",
            Reason::PreviousEmail { .. } => "previous_email",
            Reason::OldCard { .. } => "old_card",
            Reason::EmailShared { .. } => "email_shared",
            Reason::CardUnknown => "card_unknown",
            Reason::EmailUnknown => "email_unknown",
            Reason::OtherEmail => "other_email",
            Reason::NotUsed => "not_used",
        }
    }
}

/// The verdict on one field: its reasons and, masked, what the form needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldVerdict {
    pub reasons: Vec<Reason>,
    /// The stored value, masked, when an account was identified.
    pub expected_masked: Option<String>,
}

impl FieldVerdict {
    pub fn has(&self, code: &str) -> bool {
        self.reasons.iter().any(|r| r.code() == code)
    }
}

/// The whole verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchVerdict {
    /// Would the self-service form accept these two values?
    pub accepted: bool,
    /// The account the values most likely belong to.
    pub account_id: Option<i64>,
    pub card: FieldVerdict,
    pub email: FieldVerdict,
}

/// What the caller typed.
pub struct Typed<'a> {
    /// `None` for organisations without cards (email login).
    pub card: Option<&'a str>,
    pub email: &'a str,
}

/// Decides the verdict. `candidates` are all accounts of the organisation
/// with a card whose key equals the typed card's key, or whose current or
/// previous email key equals the typed email's key, plus (for typo
/// detection) nothing else: a typo is judged against the identified account.
pub fn decide(typed: &Typed<'_>, candidates: &[Candidate], rule: EmailMatch) -> MatchVerdict {
    let ek = email_key(typed.email);
    let ck = typed.card.map(card_key);
    let card_owner = ck
        .as_deref()
        .filter(|k| !k.is_empty())
        .and_then(|k| candidates.iter().find(|c| c.card_with_key(k).is_some()));
    let email_owners: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| email_key(&c.email) == ek)
        .collect();
    let previous_owners: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.previous_emails.iter().any(|p| email_key(&p.email) == ek))
        .collect();

    let subject = card_owner
        .or_else(|| (email_owners.len() == 1).then(|| email_owners[0]))
        .or_else(|| {
            (typed.card.is_none() && email_owners.is_empty() && previous_owners.len() == 1)
                .then(|| previous_owners[0])
        });

    let card = match (typed.card, ck.as_deref()) {
        (Some(raw), Some(key)) => card_verdict(raw, key, card_owner, subject),
        _ => FieldVerdict {
            reasons: vec![Reason::NotUsed],
            expected_masked: None,
        },
    };
    let email = email_verdict(typed.email, &ek, subject, &email_owners, &previous_owners);

    let card_ok = card.has("exact") || card.has("not_used");
    let email_ok = match rule {
        EmailMatch::Exact => email.has("exact"),
        EmailMatch::CaseInsensitive => subject.is_some_and(|s| email_key(&s.email) == ek),
    };
    MatchVerdict {
        accepted: subject.is_some() && card_ok && email_ok,
        account_id: subject.map(|s| s.account_id),
        card,
        email,
    }
}

fn card_verdict(
    raw: &str,
    key: &str,
    card_owner: Option<&Candidate>,
    subject: Option<&Candidate>,
) -> FieldVerdict {
    let expected_masked = subject
        .and_then(Candidate::active_card)
        .map(|c| mask_card(&c.number));
    let mut reasons = Vec::new();
    match (card_owner, subject) {
        (Some(owner), _) => {
            let card = owner.card_with_key(key).expect("owner has the card");
            if card.status != CardStatus::Active {
                reasons.push(Reason::OldCard {
                    status: card.status,
                    active_ends: owner.active_card().map(|c| last_chars(&c.number, 4)),
                });
            } else if card.number == raw {
                reasons.push(Reason::Exact);
            } else {
                // Keys are equal, so only separators or case can differ.
                if raw.to_uppercase() != card.number.to_uppercase() {
                    reasons.push(Reason::Whitespace);
                }
                let bare = |s: &str| {
                    s.chars()
                        .filter(|c| c.is_alphanumeric())
                        .collect::<String>()
                };
                if bare(raw) != bare(&card.number) {
                    reasons.push(Reason::CaseDiffers);
                }
            }
        }
        (None, Some(subject)) => match subject.active_card() {
            Some(active) => match typo(key, &card_key(&active.number)) {
                Some(reason) => reasons.push(reason),
                None => reasons.push(Reason::CardUnknown),
            },
            None => reasons.push(Reason::CardUnknown),
        },
        (None, None) => reasons.push(Reason::CardUnknown),
    }
    FieldVerdict {
        reasons,
        expected_masked,
    }
}

fn email_verdict(
    raw: &str,
    key: &str,
    subject: Option<&Candidate>,
    email_owners: &[&Candidate],
    previous_owners: &[&Candidate],
) -> FieldVerdict {
    let mut reasons = Vec::new();
    let Some(subject) = subject else {
        if email_owners.len() > 1 {
            reasons.push(Reason::EmailShared {
                accounts: email_owners.len(),
            });
        } else if let Some(owner) = previous_owners.first() {
            reasons.push(previous_reason(owner, key));
        } else {
            reasons.push(Reason::EmailUnknown);
        }
        return FieldVerdict {
            reasons,
            expected_masked: None,
        };
    };
    let stored = subject.email.as_str();
    let expected_masked = Some(mask_email(stored));
    let others_with_typed: usize = email_owners
        .iter()
        .filter(|c| c.account_id != subject.account_id)
        .count();

    if raw == stored {
        reasons.push(Reason::Exact);
    } else if key == email_key(stored) {
        // Keys are equal, so only spacing, Unicode form or case can differ.
        let typed = raw.trim();
        let stored = stored.trim();
        if typed != raw || stored != subject.email {
            reasons.push(Reason::Whitespace);
        }
        if typed.to_lowercase() != stored.to_lowercase() {
            reasons.push(Reason::UnicodeForm);
        }
        if typed.nfc().collect::<String>() != stored.nfc().collect::<String>() {
            reasons.push(Reason::CaseDiffers);
        }
    } else if subject
        .previous_emails
        .iter()
        .any(|p| email_key(&p.email) == key)
    {
        reasons.push(previous_reason(subject, key));
    } else if let Some(reason) = typo(key, &email_key(stored)) {
        reasons.push(reason);
    } else {
        reasons.push(Reason::OtherEmail);
    }
    // Someone else owns what was typed, or shares the stored address.
    let sharing = if others_with_typed > 0 {
        others_with_typed + 1
    } else {
        email_owners.len()
    };
    if sharing > 1 {
        reasons.push(Reason::EmailShared { accounts: sharing });
    }
    FieldVerdict {
        reasons,
        expected_masked,
    }
}

fn previous_reason(owner: &Candidate, key: &str) -> Reason {
    let until_ms = owner
        .previous_emails
        .iter()
        .filter(|p| email_key(&p.email) == key)
        .filter_map(|p| p.until_ms)
        .max();
    Reason::PreviousEmail { until_ms }
}

/// A typo when `typed` is within [`MAX_TYPO_DISTANCE`] edits of `stored`.
fn typo(typed: &str, stored: &str) -> Option<Reason> {
    if typed.is_empty() {
        return None;
    }
    let distance = strsim::levenshtein(typed, stored);
    (distance > 0 && distance <= MAX_TYPO_DISTANCE).then(|| {
        let position = typed
            .chars()
            .zip(stored.chars())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| typed.chars().count().min(stored.chars().count()))
            + 1;
        Reason::Typo { position, distance }
    })
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
