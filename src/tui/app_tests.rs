//! Update tests: keys go into the app state; the state and the effects
//! it asks for are checked. No terminal, no database.

use super::action::{Action, Effect, Job, JobOutput};
use super::app::{App, Pane, Status};
use super::fixtures::{self, NOW};
use super::popup::Popup;
use crate::config::Language;
use crate::domain::link::LinkPurpose;
use crate::service::{IdentityCheck, SentLink};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub(super) fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub(super) fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| key(app, KeyCode::Char(c)))
        .collect()
}

pub(super) fn app() -> App {
    fixtures::app(Language::En, (100, 30))
}

#[test]
fn typing_searches_at_every_key_and_stale_results_are_dropped() {
    let mut app = app();
    let effects = typed(&mut app, "vir");
    let requests: Vec<u64> = effects
        .iter()
        .map(|e| match e {
            Effect::Search { request, query } => {
                assert!("vir".starts_with(query.as_str()));
                *request
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(requests.len(), 3);
    assert!(app.search.loading);
    // The answer to "vi" arrives after "vir" was typed: dropped.
    app.update(Action::SearchFinished {
        request: requests[1],
        result: Ok(fixtures::results()[..1].to_vec()),
    });
    assert!(app.search.results.is_empty() && app.search.loading);
    app.update(Action::SearchFinished {
        request: requests[2],
        result: Ok(fixtures::results()),
    });
    assert_eq!(app.search.results.len(), 3);
    assert!(!app.search.loading);
    // Letters were text, not commands: nothing quit, no popup.
    let q = typed(&mut app, "q");
    assert!(!app.quit && app.popup.is_none() && q.len() == 1);
}

#[test]
fn verify_moves_from_card_to_email_then_asks_in_the_open_accounts_org() {
    let mut app = app();
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    app.focus = Pane::LINKS;
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.focus, Pane::VERIFY);
    typed(&mut app, "2900100001");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.verify.on_email);
    typed(&mut app, "Aino.Virtanen@example.fi");
    let effects = key(&mut app, KeyCode::Enter);
    match &effects[..] {
        [
            Effect::Verify {
                org, card, email, ..
            },
        ] => {
            assert_eq!(org.as_deref(), Some("kirjasto"));
            assert_eq!(card.as_deref(), Some("2900100001"));
            assert_eq!(email, "Aino.Virtanen@example.fi");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_verdict_without_an_open_account_opens_the_cards_account() {
    let mut app = app();
    app.focus = Pane::VERIFY;
    typed(&mut app, "2900100001");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "x@example.fi");
    let request = match key(&mut app, KeyCode::Enter).pop() {
        Some(Effect::Verify {
            request, org: None, ..
        }) => request,
        other => panic!("{other:?}"),
    };
    let effects = app.update(Action::VerifyFinished {
        request,
        result: Ok(fixtures::verdict()),
    });
    assert!(matches!(
        effects[..],
        [Effect::LoadDetail {
            account_id: 1,
            audited: true,
            ..
        }]
    ));
}

#[test]
fn send_link_asks_to_confirm_then_runs_and_shows_the_result() {
    let mut app = app();
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    app.focus = Pane::LINKS;
    assert!(key(&mut app, KeyCode::Char('s')).is_empty());
    let Some(Popup::Confirm { lines, .. }) = &app.popup else {
        panic!("no confirmation")
    };
    assert!(lines[1].contains("will stop working"), "{lines:?}");
    let effects = key(&mut app, KeyCode::Enter);
    let request = match &effects[..] {
        [
            Effect::Run {
                request,
                job:
                    Job::SendLink {
                        account_id: 1,
                        purpose: LinkPurpose::Reset,
                    },
            },
        ] => *request,
        other => panic!("{other:?}"),
    };
    assert!(app.busy.is_some() && app.popup.is_none());
    // A second action while one runs is refused.
    key(&mut app, KeyCode::Char('u'));
    assert!(matches!(app.status, Some(Status::Error(_))));
    let sent = SentLink {
        token_id: 9,
        outbox_id: 9,
        purpose: LinkPurpose::Reset,
        expires_at: NOW + 12 * 3_600_000,
        sent_to_masked: "a***@e***.fi".into(),
        revoked: vec![3],
    };
    let effects = app.update(Action::JobFinished {
        request,
        result: Ok(JobOutput::LinkSent(sent)),
    });
    assert!(app.busy.is_none());
    assert!(matches!(
        effects[..],
        [
            Effect::WakeMailer,
            Effect::LoadDetail { audited: false, .. }
        ]
    ));
    match &app.status {
        Some(Status::Info(text)) => assert!(
            text.contains("a***@e***.fi") && text.contains("2026-11-23 02:00"),
            "{text}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn esc_cancels_a_confirmation_and_nothing_runs() {
    let mut app = app();
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    app.focus = Pane::ACT;
    key(&mut app, KeyCode::Char('g'));
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.popup.is_none() && app.busy.is_none());
}

#[test]
fn pin_form_needs_two_equal_entries_before_confirming() {
    let mut app = app();
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    app.focus = Pane::LINKS;
    key(&mut app, KeyCode::Char('p'));
    assert!(app.typing(), "the PIN form takes digits and letters");
    typed(&mut app, "4827");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "4828");
    key(&mut app, KeyCode::Enter);
    let Some(Popup::PinForm(form)) = &app.popup else {
        panic!()
    };
    assert!(form.error.is_some() && form.second.value().is_empty());
    typed(&mut app, "4827");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    match &key(&mut app, KeyCode::Enter)[..] {
        [
            Effect::Run {
                job: Job::SetPin { first, second, .. },
                ..
            },
        ] => {
            assert_eq!((first.as_str(), second.as_str()), ("4827", "4827"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn email_form_needs_an_address_and_how_identity_was_checked() {
    let mut app = app();
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    app.focus = Pane::ACT;
    key(&mut app, KeyCode::Char('e'));
    typed(&mut app, "not-an-email");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    let Some(Popup::EmailForm(form)) = &app.popup else {
        panic!()
    };
    assert!(form.error.as_deref().unwrap().contains("not an email"));
    for _ in 0.."not-an-email".len() {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "aino@example.fi");
    key(&mut app, KeyCode::Enter); // to the identity check
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Enter); // to the note
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.popup, Some(Popup::Confirm { .. })),
        "{:?}",
        app.popup
    );
    match &key(&mut app, KeyCode::Enter)[..] {
        [
            Effect::Run {
                job:
                    Job::ChangeEmail {
                        email,
                        checked,
                        note,
                        ..
                    },
                ..
            },
        ] => {
            assert_eq!(email, "aino@example.fi");
            assert_eq!(*checked, IdentityCheck::PhoneCallback);
            assert!(note.is_none());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unlock_asks_for_a_reason_and_revoke_needs_an_active_link() {
    let mut app = app();
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    app.focus = Pane::LINKS;
    key(&mut app, KeyCode::Char('u'));
    key(&mut app, KeyCode::Enter);
    let Some(Popup::TextForm(form)) = &app.popup else {
        panic!()
    };
    assert!(form.error.is_some(), "an empty reason is refused");
    typed(&mut app, "ID checked at the desk");
    key(&mut app, KeyCode::Enter);
    match &key(&mut app, KeyCode::Enter)[..] {
        [
            Effect::Run {
                job: Job::Unlock { reason, .. },
                request,
            },
        ] => {
            assert_eq!(reason, "ID checked at the desk");
            app.update(Action::JobFinished {
                request: *request,
                result: Err("Refused: nope".into()),
            });
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&app.popup, Some(Popup::Error { message }) if message == "Refused: nope"));
    key(&mut app, KeyCode::Enter);
    // The second link (revoked) cannot be revoked again.
    key(&mut app, KeyCode::Char('j'));
    assert!(key(&mut app, KeyCode::Char('r')).is_empty());
    assert!(app.popup.is_none() && matches!(app.status, Some(Status::Error(_))));
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char('r'));
    assert!(matches!(
        &app.popup,
        Some(Popup::Confirm {
            job: Job::Revoke { token_id: 3, .. },
            ..
        })
    ));
}

#[test]
fn actions_need_an_open_account_and_reveal_is_a_job() {
    let mut app = app();
    app.focus = Pane::LINKS;
    key(&mut app, KeyCode::Char('s'));
    assert!(app.popup.is_none() && matches!(app.status, Some(Status::Error(_))));
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    key(&mut app, KeyCode::Char('v'));
    key(&mut app, KeyCode::Down);
    let effects = key(&mut app, KeyCode::Enter);
    assert!(matches!(
        effects[..],
        [Effect::Run {
            job: Job::Reveal {
                field: crate::service::RevealField::Card,
                ..
            },
            ..
        }]
    ));
}

#[test]
fn panes_cycle_quit_and_ctrl_c_from_a_text_field() {
    let mut app = app();
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::VERIFY);
    app.update(Action::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )));
    assert_eq!(app.focus, Pane::SEARCH);
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
    let mut app = self::app();
    app.focus = Pane::ACT;
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.popup, Some(Popup::Help { .. })));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn ticks_only_while_a_countdown_or_spinner_shows() {
    let mut app = app();
    assert_eq!(app.tick_interval_ms(), None, "idle means idle");
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    assert_eq!(app.tick_interval_ms(), Some(1000));
    app.dirty = false;
    app.update(Action::Tick);
    assert!(app.dirty);
    app.account
        .detail
        .as_mut()
        .unwrap()
        .links
        .retain(|l| !matches!(l.state, crate::domain::link::LinkState::Active { .. }));
    assert_eq!(app.tick_interval_ms(), None);
}

#[test]
fn idle_lock_clears_patron_data() {
    let mut app = fixtures::busy_desk(Language::En, (100, 30));
    app.update(Action::IdleTimeout);
    assert!(
        app.quit && app.exit_message.is_some(),
        "os-user logins end the session"
    );
    assert!(
        app.detail().is_none() && app.search.results.is_empty() && app.verify.outcome.is_none()
    );

    let mut app = fixtures::busy_desk(Language::En, (100, 30));
    app.session.password_login = true;
    app.update(Action::IdleTimeout);
    assert!(!app.quit && app.lock.is_some() && app.detail().is_none());
    typed(&mut app, "secret");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::CheckStaffPassword { password }] if password.as_str() == "secret")
    );
    app.update(Action::UnlockChecked {
        ok: false,
        message: None,
    });
    assert!(app.lock.as_ref().unwrap().error.is_some());
    key(&mut app, KeyCode::Enter);
    app.update(Action::UnlockChecked {
        ok: true,
        message: None,
    });
    assert!(app.lock.is_none());
}

#[test]
fn a_paste_searches_once() {
    let mut app = app();
    let effects = app.update(Action::Paste("2900\n100001".into()));
    assert!(matches!(&effects[..], [Effect::Search { query, .. }] if query == "2900100001"));
}

#[test]
fn mouse_clicks_pick_panes_and_rows() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = fixtures::busy_desk(Language::En, (100, 30));
    app.focus = Pane::LINKS;
    let click = |app: &mut App, column, row| {
        app.update(Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    // Search results start two lines into the pane (border, input).
    click(&mut app, 5, 4);
    assert_eq!((app.focus, app.search.selected), (Pane::SEARCH, 1));
    // The first link's lines fold at the pane's width (its address and its
    // mail's answer take a second line each), so the second link starts on
    // the sixth line inside the Links pane.
    click(&mut app, 60, 2 + 4);
    assert_eq!((app.focus, app.account.selected_link), (Pane::LINKS, 0));
    click(&mut app, 60, 2 + 5);
    assert_eq!(app.account.selected_link, 1);
}

#[test]
fn after_an_action_the_results_are_read_again_keeping_the_pick() {
    let mut app = fixtures::busy_desk(Language::En, (100, 30));
    app.search.selected = 1;
    key(&mut app, KeyCode::Char('n'));
    typed(&mut app, "called");
    key(&mut app, KeyCode::Enter);
    let request = match &key(&mut app, KeyCode::Enter)[..] {
        [
            Effect::Run {
                request,
                job: Job::AddNote { .. },
            },
        ] => *request,
        other => panic!("{other:?}"),
    };
    let effects = app.update(Action::JobFinished {
        request,
        result: Ok(JobOutput::NoteAdded),
    });
    let search = effects.iter().find_map(|e| match e {
        Effect::Search { request, query } => Some((*request, query.clone())),
        _ => None,
    });
    let (request, query) = search.expect("the search runs again");
    assert_eq!(query, "virta");
    let mut rows = fixtures::results();
    rows.swap(0, 1);
    app.update(Action::SearchFinished {
        request,
        result: Ok(rows),
    });
    assert_eq!(
        app.search.results[app.search.selected].id, 2,
        "the same account stays picked"
    );
}
