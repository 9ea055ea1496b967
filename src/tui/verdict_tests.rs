//! From a verdict to the next action: the keys the verdict suggests act
//! from the field without leaving it, the footer offers them first, and
//! any other key edits the field again.

use super::action::{Action, Effect};
use super::app::{App, Pane};
use super::fixtures;
use super::keymap::Command;
use super::pane::verify::next_actions;
use super::popup::Popup;
use crate::config::Language;
use crate::domain::verdict::Reason;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// An open account, both fields typed, the cursor in the email field and
/// the verdict `email_reasons` on screen.
fn verdict_on_screen(email_reasons: Vec<Reason>, lang: Language) -> App {
    let mut app = fixtures::app(lang, (80, 24));
    let mut detail = fixtures::detail("Aino Virtanen");
    detail.account.locked_at = None;
    app.account.detail = Some(detail);
    app.focus = Pane::VERIFY;
    for c in "2900100001".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    for c in "aino.virtanen@example.fi".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let request = match key(&mut app, KeyCode::Enter).pop() {
        Some(Effect::Verify { request, .. }) => request,
        other => panic!("{other:?}"),
    };
    let mut outcome = fixtures::verdict();
    outcome.verdict.email.reasons = email_reasons;
    app.update(Action::VerifyFinished {
        request,
        result: Ok(outcome),
    });
    app
}

fn footer(app: &App) -> String {
    let text = super::screen_tests::screen_text(app);
    text.lines().last().unwrap_or_default().to_string()
}

#[test]
fn a_case_difference_offers_the_link_first_and_s_sends_it_from_the_field() {
    let mut app = verdict_on_screen(vec![Reason::CaseDiffers], Language::En);
    assert!(app.verify.on_email && app.typing());
    assert_eq!(
        next_actions(&app),
        [Command::SendLink, Command::SetPin, Command::ChangeEmail]
    );
    let footer = footer(&app);
    assert!(footer.starts_with(" s send link"), "{footer}");
    assert!(footer.contains("e change email"), "{footer}");
    // s confirms the link; Enter sends it: two keys after the verdict.
    assert!(key(&mut app, KeyCode::Char('s')).is_empty());
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    assert_eq!(app.verify.email.value(), "aino.virtanen@example.fi");
    assert!(matches!(
        key(&mut app, KeyCode::Enter)[..],
        [Effect::Run { .. }]
    ));
}

#[test]
fn an_address_not_on_file_offers_changing_it_first() {
    let reasons = vec![Reason::PreviousEmail { until_ms: None }];
    let app = verdict_on_screen(reasons, Language::Fi);
    assert_eq!(next_actions(&app)[0], Command::ChangeEmail);
    let footer = footer(&app);
    assert!(footer.starts_with(" e "), "{footer}");
}

#[test]
fn a_locked_account_offers_unlocking_first() {
    let mut app = verdict_on_screen(vec![Reason::Exact], Language::Sv);
    if let Some(detail) = &mut app.account.detail {
        detail.account.locked_at = Some(fixtures::NOW);
    }
    assert_eq!(
        next_actions(&app)[..2],
        [Command::Unlock, Command::SendLink]
    );
    assert!(key(&mut app, KeyCode::Char('u')).is_empty());
    assert!(
        app.popup.is_some(),
        "u opens the unlock form from the field"
    );
}

#[test]
fn any_other_key_edits_the_field_and_the_letters_type_again() {
    let mut app = verdict_on_screen(vec![Reason::CaseDiffers], Language::En);
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.verify.email.value(), "aino.virtanen@example.f");
    assert!(app.verify.outcome.is_none() && next_actions(&app).is_empty());
    // Without a verdict, s is a letter of the address.
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(app.verify.email.value(), "aino.virtanen@example.fs");
    assert!(app.popup.is_none());
}

#[test]
fn a_verdict_about_another_account_offers_nothing() {
    let mut app = verdict_on_screen(vec![Reason::CaseDiffers], Language::En);
    if let Some(outcome) = &mut app.verify.outcome {
        outcome.verdict.account_id = Some(99);
    }
    assert!(next_actions(&app).is_empty());
    key(&mut app, KeyCode::Char('s'));
    assert!(app.popup.is_none());
    assert!(app.verify.email.value().ends_with('s'));
}
