//! The words for codes: verdict reasons, link purposes, origins and
//! states, card states and policy refusals. One place, every door.

use super::{Words, safe};
use crate::domain::directory::{DirectoryError, Freshness};
use crate::domain::link::{LinkOrigin, LinkProblem, LinkPurpose, LinkState, RevokeReason};
use crate::domain::policy::PolicyRefusal;
use crate::domain::verdict::{CardStatus, Reason};
use crate::domain::{Badge, DirectoryKind, DirectoryRefusal};

/// The key of a short label for a reason code (attempt lists).
fn reason_short_key(code: &str) -> &'static str {
    match code {
        "exact" => "reason_short.exact",
        "case_differs" => "reason_short.case_differs",
        "whitespace" => "reason_short.whitespace",
        "unicode_form" => "reason_short.unicode_form",
        "typo" => "reason_short.typo",
        "previous_email" => "reason_short.previous_email",
        "old_card" => "reason_short.old_card",
        "email_shared" => "reason_short.email_shared",
        "card_unknown" => "reason_short.card_unknown",
        "email_unknown" => "reason_short.email_unknown",
        "other_email" => "reason_short.other_email",
        "not_used" => "reason_short.not_used",
        _ => "reason_short.other",
    }
}

impl Words {
    /// A self-service attempt in short words: accepted or refused, and the
    /// reasons, each with its field ("email: case differs"); an exact match
    /// and a field the form does not use are not reasons.
    pub fn attempt(&self, accepted: bool, card: &[String], email: &[String]) -> (&str, String) {
        let verdict = self.t(if accepted {
            "attempt.accepted"
        } else {
            "attempt.refused"
        });
        let field = |key: &str, codes: &[String]| -> Vec<String> {
            codes
                .iter()
                .filter(|c| c.as_str() != "exact" && c.as_str() != "not_used")
                .map(|c| self.field_reason(key, c))
                .collect()
        };
        let mut reasons = field("field.card", card);
        reasons.extend(field("field.email", email));
        (verdict, reasons.join("; "))
    }

    fn field_reason(&self, field_key: &str, code: &str) -> String {
        format!(
            "{}: {}",
            self.t(field_key).to_lowercase(),
            self.t(reason_short_key(code))
        )
    }

    /// An audited desk action (`account.view`) in words; unknown ones as
    /// they are.
    pub fn desk_kind(&self, action: &str) -> String {
        let key = format!("desk_kind.{}", action.replace('.', "_"));
        match self.t(&key) {
            k if k == key => action.to_string(),
            words => words.to_string(),
        }
    }

    /// An attempt's cause code (`domain::attempt_reason`) in words.
    pub fn cause(&self, code: &str) -> String {
        match code {
            "accepted" => self.t("attempt.accepted").to_string(),
            "locked" => self.t("stats.locked").to_string(),
            "rate_limited" => self.t("stats.rate_limited").to_string(),
            other => match (other.strip_prefix("card_"), other.strip_prefix("email_")) {
                (Some(reason), _) => self.field_reason("field.card", reason),
                (_, Some(reason)) => self.field_reason("field.email", reason),
                _ => self.t("reason_short.other").to_string(),
            },
        }
    }

    pub fn purpose(&self, p: LinkPurpose) -> &str {
        self.t(match p {
            LinkPurpose::Reset => "purpose.reset",
            LinkPurpose::FirstLogin => "purpose.first_login",
        })
    }

    /// Who made a link: the staff member's name, or how it came about.
    pub fn origin(&self, origin: LinkOrigin, created_by: &str) -> String {
        match origin {
            LinkOrigin::Staff => safe(created_by),
            LinkOrigin::SelfService => self.t("origin.self_service").to_string(),
            LinkOrigin::Bulk => self.t("origin.bulk").to_string(),
        }
    }

    /// A badge's short label ("LOCKED") and its meaning.
    pub fn badge(&self, b: Badge) -> (&str, &str) {
        let (short, long) = match b {
            Badge::Removed => ("badge.removed", "badge.removed_long"),
            Badge::Locked => ("badge.locked", "badge.locked_long"),
            Badge::LegacyPin => ("badge.legacy_pin", "badge.legacy_pin_long"),
            Badge::AwaitingFirstLogin => ("badge.first_login", "badge.first_login_long"),
            Badge::ActiveLink => ("badge.active_link", "badge.active_link_long"),
        };
        (self.t(short), self.t(long))
    }

    /// Why a link does not work, for the patron (and the command line).
    pub fn link_problem(&self, problem: LinkProblem) -> &str {
        self.t(match problem {
            LinkProblem::Unknown => "web.dead_unknown",
            LinkProblem::Expired => "web.dead_expired",
            LinkProblem::Used => "web.dead_used",
            LinkProblem::Revoked => "web.dead_revoked",
            LinkProblem::Busy => "web.link_busy",
        })
    }

    pub fn revoke_reason(&self, reason: Option<RevokeReason>) -> &str {
        self.t(match reason {
            Some(RevokeReason::Superseded) => "revoke.superseded",
            Some(RevokeReason::Staff) => "revoke.staff",
            Some(RevokeReason::EmailChanged) => "revoke.email_changed",
            Some(RevokeReason::CredentialSet) => "revoke.credential_set",
            Some(RevokeReason::AccountRemoved) => "revoke.account_removed",
            Some(RevokeReason::OrgRetired) => "revoke.org_retired",
            None => "revoke.unknown",
        })
    }

    pub fn card_status(&self, status: CardStatus) -> &str {
        self.t(match status {
            CardStatus::Active => "card_status.active",
            CardStatus::Lost => "card_status.lost",
            CardStatus::Replaced => "card_status.replaced",
        })
    }

    /// A link's state at `now` ("ACTIVE, expires in 23 h 59 min", "used …"),
    /// and whether it still works.
    pub fn link_state(&self, state: &LinkState, expires_at: i64, now: i64) -> (String, bool) {
        match state {
            LinkState::Active { .. } if expires_at > now => (
                self.f(
                    "link.active",
                    &[("left", &self.countdown(expires_at - now))],
                ),
                true,
            ),
            LinkState::Active { .. } => (
                self.f("link.expired", &[("at", &self.time(expires_at))]),
                false,
            ),
            LinkState::Used { at } => (self.f("link.used", &[("at", &self.time(*at))]), false),
            LinkState::Expired { at } => {
                (self.f("link.expired", &[("at", &self.time(*at))]), false)
            }
            LinkState::Revoked { at, reason } => (
                self.f(
                    "link.revoked",
                    &[
                        ("at", &self.time(*at)),
                        ("why", self.revoke_reason(*reason)),
                    ],
                ),
                false,
            ),
        }
    }

    /// One reason in plain words, with the masked value the form needs.
    pub fn reason(&self, reason: &Reason, expected: Option<&str>) -> String {
        let expected = safe(expected.unwrap_or("?"));
        let e = ("expected", expected.as_str());
        match reason {
            Reason::Exact => self.t("reason.exact").to_string(),
            Reason::CaseDiffers => self.f("reason.case_differs", &[e]),
            Reason::Whitespace => self.f("reason.whitespace", &[e]),
            Reason::UnicodeForm => self.f("reason.unicode_form", &[e]),
            Reason::Typo { position, .. } => {
                self.f("reason.typo", &[("position", &position.to_string()), e])
            }
            Reason::PreviousEmail { until_ms: Some(ms) } => self.f(
                "reason.previous_email",
                &[("until", &self.month_year(*ms)), e],
            ),
            Reason::PreviousEmail { until_ms: None } => self.f("reason.earlier_email", &[e]),
            Reason::OldCard {
                status,
                active_ends,
            } => {
                let status = self.card_status(*status);
                match active_ends {
                    Some(end) => self.f(
                        "reason.old_card",
                        &[("status", status), ("ends", &safe(end))],
                    ),
                    None => self.f("reason.old_card_no_active", &[("status", status)]),
                }
            }
            Reason::EmailShared { accounts } => {
                self.f("reason.email_shared", &[("n", &accounts.to_string())])
            }
            Reason::CardUnknown => self.t("reason.card_unknown").to_string(),
            Reason::EmailUnknown => self.t("reason.email_unknown").to_string(),
            Reason::OtherEmail => self.f("reason.other_email", &[e]),
            Reason::NotUsed => self.t("reason.not_used").to_string(),
        }
    }

    /// The system of record, as staff and patrons call it.
    pub fn system(&self, kind: DirectoryKind) -> &str {
        self.t(match kind {
            DirectoryKind::Local => "directory.system.local",
            DirectoryKind::Ldap => "directory.system.ldap",
            DirectoryKind::Koha => "directory.system.koha",
            DirectoryKind::Keycloak => "directory.system.keycloak",
        })
    }

    /// "LDAP", "Koha", "Keycloak": the system in a word, for tight places.
    pub fn system_short(&self, kind: DirectoryKind) -> &str {
        self.t(match kind {
            DirectoryKind::Local => "directory.short.local",
            DirectoryKind::Ldap => "directory.short.ldap",
            DirectoryKind::Koha => "directory.short.koha",
            DirectoryKind::Keycloak => "directory.short.keycloak",
        })
    }

    /// How current a mirrored account is, when that matters to staff:
    /// `None` when it was just read (or lives in avain).
    pub fn freshness(&self, kind: DirectoryKind, f: &Freshness, now: i64) -> Option<String> {
        match f {
            Freshness::Local | Freshness::Fresh { .. } => None,
            // Read moments ago (an action's re-read): nothing to warn of.
            Freshness::Mirror { read_at: Some(at) } if now - at < 60_000 => None,
            Freshness::Mirror { read_at: Some(at) }
            | Freshness::Stale {
                read_at: Some(at), ..
            } => {
                let key = if matches!(f, Freshness::Stale { .. }) {
                    "directory.stale"
                } else {
                    "directory.as_read"
                };
                Some(self.f(
                    key,
                    &[
                        ("system", self.system_short(kind)),
                        ("age", &self.age(now - at)),
                    ],
                ))
            }
            Freshness::Mirror { read_at: None } | Freshness::Stale { read_at: None, .. } => {
                Some(self.f("directory.never", &[("system", self.system_short(kind))]))
            }
        }
    }

    pub fn directory_refusal(&self, reason: DirectoryRefusal) -> &str {
        self.t(match reason {
            DirectoryRefusal::TooShort => "directory.refusal.too_short",
            DirectoryRefusal::TooWeak => "directory.refusal.too_weak",
            DirectoryRefusal::InHistory => "directory.refusal.in_history",
            DirectoryRefusal::TooSoon => "directory.refusal.too_soon",
            DirectoryRefusal::Locked => "directory.refusal.locked",
            DirectoryRefusal::NotAllowed => "directory.refusal.not_allowed",
            DirectoryRefusal::Other => "directory.refusal.other",
        })
    }

    /// A directory's failure for staff: what happened, in the system's name,
    /// and that nothing changed.
    pub fn directory_error(&self, kind: DirectoryKind, error: &DirectoryError) -> String {
        let system = ("system", self.system(kind));
        match error {
            DirectoryError::Refused { reason, text } => self.f(
                "directory.refused",
                &[
                    system,
                    ("reason", self.directory_refusal(*reason)),
                    ("text", &safe(text)),
                ],
            ),
            DirectoryError::Unavailable(_) => self.f("directory.unavailable", &[system]),
            DirectoryError::NotFound => self.f("directory.not_found", &[system]),
            DirectoryError::Setup(text) => {
                self.f("directory.setup", &[system, ("text", &safe(text))])
            }
        }
    }

    /// The same for a patron on the link page: no server text, no names.
    pub fn directory_error_for_patron(&self, error: &DirectoryError) -> String {
        match error {
            DirectoryError::Refused { reason, .. } => self.f(
                "web.directory_refused",
                &[("reason", self.directory_refusal(*reason))],
            ),
            DirectoryError::Unavailable(_) => self.t("web.directory_unavailable").to_string(),
            DirectoryError::NotFound | DirectoryError::Setup(_) => {
                self.t("web.directory_broken").to_string()
            }
        }
    }

    /// Why a new PIN or password was refused by the organisation's policy.
    pub fn policy(&self, refusal: &PolicyRefusal) -> String {
        let key = format!("policy.{}", refusal.code());
        match refusal {
            PolicyRefusal::PinLength { expected, got } => self.f(
                &key,
                &[
                    ("expected", &expected.to_string()),
                    ("got", &got.to_string()),
                ],
            ),
            PolicyRefusal::PasswordTooShort { min } => self.f(&key, &[("min", &min.to_string())]),
            PolicyRefusal::PasswordTooLong { max } => self.f(&key, &[("max", &max.to_string())]),
            _ => self.t(&key).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;

    #[test]
    fn attempts_and_causes_name_their_field() {
        let en = Words::new(Language::En, "Europe/Helsinki");
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (verdict, why) = en.attempt(false, &codes(&["old_card"]), &codes(&["case_differs"]));
        assert_eq!(
            (verdict, why.as_str()),
            ("refused", "card: replaced; email: case differs")
        );
        let (_, why) = en.attempt(true, &codes(&["exact"]), &codes(&["exact"]));
        assert_eq!(why, "");
        assert_eq!(en.cause("email_case_differs"), "email: case differs");
        assert_eq!(en.cause("card_card_unknown"), "card: unknown");
        assert_eq!(en.cause("accepted"), "accepted");
        assert_eq!(en.cause("rate_limited"), "too many tries");
        let fi = Words::new(Language::Fi, "Europe/Helsinki");
        assert_eq!(fi.cause("email_case_differs"), "sähköposti: kirjainkoko");
        let sv = Words::new(Language::Sv, "Europe/Helsinki");
        assert_eq!(sv.cause("card_old_card"), "kort: ersatt");
    }

    #[test]
    fn every_reason_has_words_in_every_language() {
        let reasons = [
            Reason::Exact,
            Reason::CaseDiffers,
            Reason::Whitespace,
            Reason::UnicodeForm,
            Reason::Typo {
                position: 7,
                distance: 1,
            },
            Reason::PreviousEmail {
                until_ms: Some(1_741_000_000_000),
            },
            Reason::PreviousEmail { until_ms: None },
            Reason::OldCard {
                status: CardStatus::Replaced,
                active_ends: Some("0005".into()),
            },
            Reason::EmailShared { accounts: 2 },
            Reason::CardUnknown,
            Reason::EmailUnknown,
            Reason::OtherEmail,
            Reason::NotUsed,
        ];
        for &lang in Language::ALL {
            let w = Words::new(lang, "Europe/Helsinki");
            for r in &reasons {
                let text = w.reason(r, Some("a***@x.fi"));
                assert!(!text.contains("reason."), "{lang:?} {r:?}: {text}");
                assert!(!text.contains('{'), "{lang:?} {r:?}: {text}");
            }
        }
        let en = Words::new(Language::En, "Europe/Helsinki");
        assert_eq!(
            en.reason(
                &Reason::Typo {
                    position: 7,
                    distance: 1
                },
                Some("x")
            ),
            "looks like a typo at character 7; on file: x"
        );
        assert!(
            en.reason(
                &Reason::PreviousEmail {
                    until_ms: Some(1_741_000_000_000)
                },
                Some("x")
            )
            .contains("3/2025")
        );
    }

    #[test]
    fn every_policy_refusal_has_words_in_every_language() {
        for r in [
            PolicyRefusal::Empty,
            PolicyRefusal::Mismatch,
            PolicyRefusal::PinLength {
                expected: 4,
                got: 5,
            },
            PolicyRefusal::PinNotDigits,
            PolicyRefusal::PinRepeated,
            PolicyRefusal::PinSequence,
            PolicyRefusal::PinCommon,
            PolicyRefusal::PasswordTooShort { min: 10 },
            PolicyRefusal::PasswordTooLong { max: 256 },
            PolicyRefusal::PasswordCommon,
        ] {
            for &lang in Language::ALL {
                let text = Words::new(lang, "UTC").policy(&r);
                assert!(
                    text.len() > 10 && !text.starts_with("policy.") && !text.contains('{'),
                    "{lang:?} {r:?}: {text}"
                );
            }
        }
    }
}
