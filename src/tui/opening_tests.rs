//! Opening an account from the search results: what Enter asks for, and
//! that no account action starts until the account has loaded.

use super::action::{Action, Effect};
use super::app::{Pane, Status};
use super::app_tests::{app, key, typed};
use super::fixtures;
use crossterm::event::KeyCode;

#[test]
fn enter_opens_the_selected_account_and_moves_to_links() {
    let mut app = app();
    let request = match typed(&mut app, "v").pop() {
        Some(Effect::Search { request, .. }) => request,
        other => panic!("{other:?}"),
    };
    app.update(Action::SearchFinished {
        request,
        result: Ok(fixtures::results()),
    });
    key(&mut app, KeyCode::Down);
    assert_eq!(app.search.selected, 1);
    let effects = key(&mut app, KeyCode::Enter);
    assert!(matches!(
        effects[..],
        [Effect::LoadDetail {
            account_id: 2,
            audited: true,
            ..
        }]
    ));
    assert_eq!(app.focus, Pane::LINKS);
    assert!(app.account.loading);
}

#[test]
fn no_action_starts_while_an_account_is_opening() {
    let mut app = app();
    // Another account's detail is still on screen while the new one loads.
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    let request = match typed(&mut app, "v").pop() {
        Some(Effect::Search { request, .. }) => request,
        other => panic!("{other:?}"),
    };
    app.update(Action::SearchFinished {
        request,
        result: Ok(fixtures::results()),
    });
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert!(app.account.loading);
    assert!(key(&mut app, KeyCode::Char('s')).is_empty());
    assert!(app.popup.is_none(), "no confirmation for the old account");
    assert!(
        matches!(&app.status, Some(Status::Error(m)) if m.contains("still loading")),
        "{:?}",
        app.status
    );
}
