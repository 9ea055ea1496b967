//! Opening an account from the search results: what Enter asks for, and
//! that no account action starts until the account has loaded.

use super::action::{Action, Effect};
use super::app::{App, Pane, Status};
use super::app_tests::{app, key, typed};
use super::fixtures;
use crossterm::event::KeyCode;

/// Searches and selects the second result (account 2).
fn results_with_second_selected(app: &mut App) {
    let request = match typed(app, "v").pop() {
        Some(Effect::Search { request, .. }) => request,
        other => panic!("{other:?}"),
    };
    app.update(Action::SearchFinished {
        request,
        result: Ok(fixtures::results()),
    });
    key(app, KeyCode::Down);
}

#[test]
fn enter_opens_the_selected_account_and_moves_to_links() {
    let mut app = app();
    results_with_second_selected(&mut app);
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
    assert_eq!(app.account.loading, Some(2));
}

#[test]
fn no_action_starts_while_an_account_is_opening() {
    let mut app = app();
    // Another account's detail is still on screen while the new one loads.
    app.account.detail = Some(fixtures::detail("Aino Virtanen"));
    results_with_second_selected(&mut app);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.account.loading, Some(2));
    assert!(key(&mut app, KeyCode::Char('s')).is_empty());
    assert!(app.popup.is_none(), "no confirmation for the old account");
    assert!(
        matches!(&app.status, Some(Status::Error(m)) if m.contains("still loading")),
        "{:?}",
        app.status
    );
}
