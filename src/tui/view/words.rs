//! Turning data into words on screen: sanitised text, local times,
//! countdowns, and the plain-language reasons of a verdict.

use crate::config::Language;
use crate::domain::link::{LinkOrigin, LinkPurpose, LinkState, RevokeReason};
use crate::domain::sanitize::sanitize_line;
use crate::domain::verdict::Reason;
use crate::tui::app::App;
use crate::tui::i18n::Texts;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Longest value drawn from the database (names, emails, server answers).
const MAX_CHARS: usize = 200;

/// Every string from the database or from typing goes through here before
/// it is drawn: controls, escapes and bidi overrides become visible
/// placeholders.
pub fn safe(text: &str) -> String {
    sanitize_line(text, MAX_CHARS)
}

fn zoned(time_zone: &str, ms: i64) -> Option<jiff::Zoned> {
    let zone = TimeZone::get(time_zone).unwrap_or(TimeZone::UTC);
    Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_zoned(zone))
}

/// "22.11.2026 16.30" (fi, sv) or "2026-11-22 16:30" (en), local time.
pub fn format_local(lang: Language, time_zone: &str, ms: i64) -> String {
    let pattern = match lang {
        Language::En => "%Y-%m-%d %H:%M",
        _ => "%-d.%-m.%Y %H.%M",
    };
    zoned(time_zone, ms)
        .map(|z| z.strftime(pattern).to_string())
        .unwrap_or_default()
}

/// A time on screen, in the console's language and time zone.
pub fn local_time(app: &App, ms: i64) -> String {
    format_local(app.texts.lang, &app.session.time_zone, ms)
}

/// "3/2025": the month something ended.
pub fn month_year(app: &App, ms: i64) -> String {
    zoned(&app.session.time_zone, ms)
        .map(|z| z.strftime("%-m/%Y").to_string())
        .unwrap_or_default()
}

/// "2 d 3 h", "5 h 12 min", "4 min 09 s".
pub fn countdown(texts: &Texts, ms: i64) -> String {
    let secs = (ms.max(0) + 999) / 1000;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        texts.f(
            "time.days_hours",
            &[("d", &d.to_string()), ("h", &h.to_string())],
        )
    } else if h > 0 {
        texts.f(
            "time.hours_minutes",
            &[("h", &h.to_string()), ("m", &m.to_string())],
        )
    } else {
        texts.f(
            "time.minutes_seconds",
            &[("m", &m.to_string()), ("s", &format!("{s:02}"))],
        )
    }
}

pub fn purpose_key(p: LinkPurpose) -> &'static str {
    match p {
        LinkPurpose::Reset => "purpose.reset",
        LinkPurpose::FirstLogin => "purpose.first_login",
    }
}

pub fn origin_text(app: &App, origin: LinkOrigin, created_by: &str) -> String {
    match origin {
        LinkOrigin::Staff => safe(created_by),
        LinkOrigin::SelfService => app.texts.t("origin.self_service").to_string(),
        LinkOrigin::Bulk => app.texts.t("origin.bulk").to_string(),
    }
}

/// The state of a link now ("active, expires in 23 h 59 min", "used 12.3.…").
pub fn link_state_text(app: &App, state: &LinkState, expires_at: i64) -> (String, bool) {
    let t = &app.texts;
    match state {
        LinkState::Active { .. } if expires_at > app.now_ms => (
            t.f(
                "link.active",
                &[("left", &countdown(t, expires_at - app.now_ms))],
            ),
            true,
        ),
        LinkState::Active { .. } => (
            t.f("link.expired", &[("at", &local_time(app, expires_at))]),
            false,
        ),
        LinkState::Used { at } => (t.f("link.used", &[("at", &local_time(app, *at))]), false),
        LinkState::Expired { at } => (t.f("link.expired", &[("at", &local_time(app, *at))]), false),
        LinkState::Revoked { at, reason } => {
            let why = t.t(match reason {
                Some(RevokeReason::Superseded) => "revoke.superseded",
                Some(RevokeReason::Staff) => "revoke.staff",
                Some(RevokeReason::EmailChanged) => "revoke.email_changed",
                Some(RevokeReason::CredentialSet) => "revoke.credential_set",
                None => "revoke.unknown",
            });
            (
                t.f(
                    "link.revoked",
                    &[("at", &local_time(app, *at)), ("why", why)],
                ),
                false,
            )
        }
    }
}

/// The i18n key of a short label for a reason code (attempt lists).
pub fn reason_short_key(code: &str) -> &'static str {
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

/// One reason in plain words, with the masked value the form needs.
pub fn reason_text(app: &App, reason: &Reason, expected: Option<&str>) -> String {
    let t = &app.texts;
    let expected = safe(expected.unwrap_or("?"));
    let e = ("expected", expected.as_str());
    match reason {
        Reason::Exact => t.t("reason.exact").to_string(),
        Reason::CaseDiffers => t.f("reason.case_differs", &[e]),
        Reason::Whitespace => t.f("reason.whitespace", &[e]),
        Reason::UnicodeForm => t.f("reason.unicode_form", &[e]),
        Reason::Typo { position, .. } => {
            t.f("reason.typo", &[("position", &position.to_string()), e])
        }
        Reason::PreviousEmail { until_ms: Some(ms) } => t.f(
            "reason.previous_email",
            &[("until", &month_year(app, *ms)), e],
        ),
        Reason::PreviousEmail { until_ms: None } => t.f("reason.earlier_email", &[e]),
        Reason::OldCard {
            status,
            active_ends,
        } => {
            let status = t.t(match status.code() {
                "lost" => "card_status.lost",
                "replaced" => "card_status.replaced",
                _ => "card_status.inactive",
            });
            match active_ends {
                Some(end) => t.f(
                    "reason.old_card",
                    &[("status", status), ("ends", &safe(end))],
                ),
                None => t.f("reason.old_card_no_active", &[("status", status)]),
            }
        }
        Reason::EmailShared { accounts } => {
            t.f("reason.email_shared", &[("n", &accounts.to_string())])
        }
        Reason::CardUnknown => t.t("reason.card_unknown").to_string(),
        Reason::EmailUnknown => t.t("reason.email_unknown").to_string(),
        Reason::OtherEmail => t.f("reason.other_email", &[e]),
        Reason::NotUsed => t.t("reason.not_used").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_round_up_and_pick_units() {
        let t = Texts::new(Language::En);
        assert_eq!(countdown(&t, 86_400_000 * 2 + 3_600_000 * 3), "2 d 3 h");
        assert_eq!(countdown(&t, 3_600_000 * 5 + 60_000 * 12), "5 h 12 min");
        assert_eq!(countdown(&t, 4 * 60_000 + 8_001), "4 min 09 s");
        assert_eq!(countdown(&t, -5), "0 min 00 s");
    }

    #[test]
    fn hostile_text_is_drawn_harmless() {
        let clean = safe("Eve\u{1b}]52;c;aGk=\u{7}\u{202e}evil");
        assert!(!clean.chars().any(crate::domain::sanitize::is_unsafe));
        assert!(!clean.contains('\u{1b}'));
    }
}
