//! Synthetic console state for tests: a session, search results, an open
//! account with links in every state, a verdict. Times are fixed, so
//! screens are the same on every run.

use super::action::VerifyOutcome;
use super::app::{App, OrgInfo, Session};
use super::keymap::Keymap;
use super::view::theme::Theme;
use crate::config::Language;
use crate::domain::link::{LinkOrigin, LinkPurpose, LinkState, RevokeReason};
use crate::domain::verdict::{FieldVerdict, MatchVerdict, Reason};
use crate::service::{
    AccountDetail, AccountSummary, AccountView, AttemptView, Badge, CardView, LinkView, MailView,
    NoteView,
};
use crate::text::Words;

/// 2026-11-22 12:00:00 UTC.
pub const NOW: i64 = 1_795_348_800_000;
const HOUR: i64 = 3_600_000;

pub fn session() -> Session {
    Session {
        staff_name: "Desk Tester".into(),
        orgs: vec![
            OrgInfo {
                slug: "kirjasto".into(),
                name: "Example City Library".into(),
                uses_cards: true,
                credential_kind: crate::domain::policy::CredentialKind::Pin,
                system: crate::domain::DirectoryKind::Local,
            },
            OrgInfo {
                slug: "kaupunki".into(),
                name: "Example Town".into(),
                uses_cards: false,
                credential_kind: crate::domain::policy::CredentialKind::Password,
                system: crate::domain::DirectoryKind::Local,
            },
        ],
        database: "SQLite avain.db".into(),
        password_login: false,
        idle_lock_ms: 15 * 60_000,
    }
}

pub fn app(lang: Language, size: (u16, u16)) -> App {
    App::new(
        Words::new(lang, "Europe/Helsinki"),
        Keymap::default(),
        Theme { color: false },
        session(),
        NOW,
        size,
    )
}

pub fn results() -> Vec<AccountSummary> {
    let row = |id, name: &str, org: &str, card: Option<&str>, email: &str, badges: Vec<Badge>| {
        AccountSummary {
            id,
            org: org.into(),
            full_name: name.into(),
            card_masked: card.map(str::to_string),
            email_masked: email.into(),
            matched: "name".into(),
            badges,
        }
    };
    vec![
        row(
            1,
            "Aino Virtanen",
            "kirjasto",
            Some("******0001"),
            "a***.v*******@e******.fi",
            vec![Badge::ActiveLink],
        ),
        row(
            2,
            "Eero Virtanen",
            "kirjasto",
            Some("******0042"),
            "e***.v*******@e******.fi",
            vec![Badge::Locked, Badge::LegacyPin],
        ),
        row(
            3,
            "Ella Virta",
            "kaupunki",
            None,
            "e***@e******.fi",
            vec![Badge::AwaitingFirstLogin],
        ),
    ]
}

fn mail(status: &str, answer: Option<&str>, attempts: i32) -> MailView {
    MailView {
        id: 1,
        template: crate::domain::MailTemplate::PinReset,
        recipient_masked: "a***.v*******@e******.fi".into(),
        status: status.parse().expect("a mail status"),
        attempts,
        next_attempt_at: (status == "queued").then_some(NOW + 10 * 60_000),
        last_answer: answer.map(str::to_string),
        sent_at: (status == "sent").then_some(NOW - HOUR + 5_000),
        created_at: NOW - HOUR,
    }
}

fn link(
    id: i64,
    origin: LinkOrigin,
    created: i64,
    expires: i64,
    state: LinkState,
    mails: Vec<MailView>,
) -> LinkView {
    LinkView {
        id,
        purpose: LinkPurpose::Reset,
        origin,
        created_by: if origin == LinkOrigin::Staff {
            "Desk Tester".into()
        } else {
            "self-service".into()
        },
        created_at: created,
        expires_at: expires,
        sent_to_masked: "a***.v*******@e******.fi".into(),
        state,
        mails,
    }
}

/// An account with an active link (mail sent), a superseded one whose
/// mail failed, a used self-service one, attempts and notes.
pub fn detail(name: &str) -> Box<AccountDetail> {
    Box::new(AccountDetail {
        directory: None,
        account: AccountView {
            id: 1,
            org: "kirjasto".into(),
            org_name: "Example City Library".into(),
            login: Some("avirtanen".into()),
            external_id: Some("K0001".into()),
            full_name: name.into(),
            email_masked: "a***.v*******@e******.fi".into(),
            phone_masked: Some("*********001".into()),
            credential_kind: crate::domain::policy::CredentialKind::Pin,
            has_credential: true,
            credential_set_at: Some(NOW - 400 * 24 * HOUR),
            legacy_credential: false,
            must_set_credential: false,
            failed_attempts: 5,
            locked_at: Some(NOW - 2 * HOUR),
            lock_reason: Some("failed attempts".into()),
        },
        cards: vec![CardView {
            id: 1,
            number_masked: "******0001".into(),
            status: crate::domain::verdict::CardStatus::Active,
            changed_at: None,
        }],
        previous_emails: Vec::new(),
        links: vec![
            link(
                3,
                LinkOrigin::Staff,
                NOW - HOUR,
                NOW + 11 * HOUR + 59 * 60_000,
                LinkState::Active {
                    expires_in_ms: 11 * HOUR,
                },
                vec![mail("sent", Some("250 2.0.0 Ok: queued as 4XyZ"), 1)],
            ),
            link(
                2,
                LinkOrigin::Staff,
                NOW - 3 * HOUR,
                NOW + 9 * HOUR,
                LinkState::Revoked {
                    at: NOW - HOUR,
                    reason: Some(RevokeReason::Superseded),
                },
                vec![mail("failed", Some("550 5.1.1 mailbox unavailable"), 1)],
            ),
            link(
                1,
                LinkOrigin::SelfService,
                NOW - 48 * HOUR,
                NOW - 46 * HOUR,
                LinkState::Used {
                    at: NOW - 47 * HOUR,
                },
                vec![mail("queued", Some("421 4.7.0 try again later"), 2)],
            ),
        ],
        other_mails: Vec::new(),
        attempts: vec![AttemptView {
            at: NOW - 26 * HOUR,
            accepted: false,
            outcome: crate::domain::SelfServiceOutcome::Refused,
            card_codes: vec!["exact".into()],
            email_codes: vec!["case_differs".into()],
            client: None,
        }],
        notes: vec![NoteView {
            at: NOW - 25 * HOUR,
            author: "Desk Tester".into(),
            text: "Called: could not log in from home.".into(),
        }],
    })
}

pub fn verdict() -> VerifyOutcome {
    VerifyOutcome {
        freshness: crate::service::Freshness::Local,
        org: "kirjasto".into(),
        verdict: MatchVerdict {
            accepted: false,
            account_id: Some(1),
            card: FieldVerdict {
                reasons: vec![Reason::Exact],
                expected_masked: Some("******0001".into()),
            },
            email: FieldVerdict {
                reasons: vec![
                    Reason::CaseDiffers,
                    Reason::PreviousEmail {
                        until_ms: Some(NOW - 300 * 24 * HOUR),
                    },
                ],
                expected_masked: Some("a***.v*******@e******.fi".into()),
            },
        },
    }
}

/// A console with search results, the account open and a verdict shown.
pub fn busy_desk(lang: Language, size: (u16, u16)) -> App {
    let mut app = app(lang, size);
    app.search.input = tui_input::Input::new("virta".into());
    app.search.results = results();
    app.account.detail = Some(detail("Aino Virtanen"));
    app.verify.card = tui_input::Input::new("2900100001".into());
    app.verify.email = tui_input::Input::new("Aino.Virtanen@example.fi".into());
    app.verify.on_email = true;
    app.verify.outcome = Some(verdict());
    app.focus = super::app::Pane::LINKS;
    app
}

/// Seven days of figures for the statistics pane.
pub fn stats_figures() -> crate::service::stats::OrgStats {
    use crate::service::stats::*;
    let named = |name: &str, n: i64| Named {
        name: name.into(),
        n,
    };
    let causes = [
        ("email_case_differs", [3, 5, 2, 6, 4, 1, 7]),
        ("accepted", [9, 12, 8, 10, 11, 4, 13]),
        ("card_old_card", [1, 0, 2, 1, 0, 0, 1]),
        ("email_previous_email", [0, 1, 0, 0, 2, 0, 1]),
    ];
    let dates: Vec<String> = (16..=22).map(|d| format!("2026-11-{d}")).collect();
    let by_day = dates
        .iter()
        .enumerate()
        .map(|(i, date)| Day {
            date: date.clone(),
            counts: causes.iter().map(|(c, n)| named(c, n[i])).collect(),
        })
        .collect();
    let mut by_cause: Vec<Named> = causes
        .iter()
        .map(|(c, n)| named(c, n.iter().sum()))
        .collect();
    by_cause.sort_by_key(|c| std::cmp::Reverse(c.n));
    OrgStats {
        org: "kirjasto".into(),
        days: 7,
        from_date: "2026-11-16".into(),
        to_date: "2026-11-22".into(),
        time_zone: "Europe/Helsinki".into(),
        attempts: AttemptStats {
            total: by_cause.iter().map(|c| c.n).sum(),
            by_cause,
            by_day,
        },
        links: LinkStats {
            sent_by_staff: 21,
            sent_by_self_service: 67,
            sent_in_bulk: 0,
            used: 61,
            expired_unused: 18,
            revoked: 5,
            still_live: 4,
            share_used: Some(61.0 / 84.0),
        },
        mail: MailStats {
            sent: 86,
            sent_after_retry: 3,
            failed: 2,
            waiting: 0,
            failed_domains: vec![named("mail.example", 2)],
            failed_answers: vec![named("550 5.1.1 mailbox unavailable", 2)],
        },
        time_to_credential: Some(Delays {
            links: 61,
            median_ms: 6 * 60_000,
            p90_ms: 95 * 60_000,
        }),
        desk: DeskStats {
            total: 40,
            by_day: dates
                .iter()
                .zip([5, 8, 6, 7, 9, 0, 5])
                .map(|(d, n)| named(d, n))
                .collect(),
            by_kind: vec![named("account.view", 25), named("link.send", 15)],
        },
    }
}
